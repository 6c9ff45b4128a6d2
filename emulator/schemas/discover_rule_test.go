package schemas

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// fakeRules is the events service's side of discoverers, recording the
// calls: "create <bus> <enabled>", "enable <bus> <enabled>", "delete <bus>".
type fakeRules struct {
	mu    sync.Mutex
	buses map[string]bool
	calls []string
}

func (f *fakeRules) record(c string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

func (f *fakeRules) CreateDiscoveryRule(bus string, enabled bool) (bool, error) {
	if !f.buses[bus] {
		return false, nil
	}
	f.record("create " + bus + " " + map[bool]string{true: "on", false: "off"}[enabled])
	return true, nil
}

func (f *fakeRules) SetDiscoveryRuleEnabled(bus string, enabled bool) error {
	f.record("enable " + bus + " " + map[bool]string{true: "on", false: "off"}[enabled])
	return nil
}

func (f *fakeRules) DeleteDiscoveryRule(bus string) error {
	f.record("delete " + bus)
	return nil
}

// TestDiscovererKeepsItsManagedRule: CreateDiscoverer checks the bus with
// the events service and installs the managed rule; Stop disables it,
// Start restores it, Delete removes it.
func TestDiscovererKeepsItsManagedRule(t *testing.T) {
	t.Parallel()
	c := clock.New(clock.WithScale(0))
	t.Cleanup(func() { _ = c.Close() })
	rules := &fakeRules{buses: map[string]bool{testBus: true}}
	scope := awsapi.Scope{Account: "000000000000", Region: "us-east-1"}
	s := New(awsapi.Env{Scope: scope, Clock: c, Services: func(name string, sc awsapi.Scope) any {
		if name == "events" && sc == scope {
			return rules
		}
		return nil
	}})
	ctx := context.Background()
	id := dscStr("events-event-bus-orders")
	for _, st := range []struct {
		name  string
		call  func() error
		code  string
		calls string
	}{
		{"missing bus", func() error {
			_, err := s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr("arn:aws:events:us-east-1:000000000000:event-bus/nope")})
			return err
		}, ErrCodeBadRequestException, ""},
		{"create", func() error {
			_, err := s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr(testBus)})
			return err
		}, "", "create " + testBus + " on"},
		{"stop", func() error {
			_, err := s.StopDiscoverer(ctx, &StopDiscovererInput{DiscovererId: id})
			return err
		}, "", "enable " + testBus + " off"},
		{"start", func() error {
			_, err := s.StartDiscoverer(ctx, &StartDiscovererInput{DiscovererId: id})
			return err
		}, "", "create " + testBus + " on"},
		{"delete", func() error {
			_, err := s.DeleteDiscoverer(ctx, &DeleteDiscovererInput{DiscovererId: id})
			return err
		}, "", "delete " + testBus},
	} {
		rules.mu.Lock()
		rules.calls = nil
		rules.mu.Unlock()
		err := st.call()
		if (st.code == "" && err != nil) || (st.code != "" && code(err) != st.code) {
			t.Errorf("%s: %v, want code %q", st.name, err, st.code)
		}
		rules.mu.Lock()
		got := strings.Join(rules.calls, "; ")
		rules.mu.Unlock()
		if got != st.calls {
			t.Errorf("%s: events calls %q, want %q", st.name, got, st.calls)
		}
	}
	if s.DiscoveryStarted(testBus) {
		t.Error("a deleted discoverer still watches its bus")
	}
}
