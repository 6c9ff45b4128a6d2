package eventbridge

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// newSeamService is a service on a frozen clock, called directly.
func newSeamService(t *testing.T) *Service {
	t.Helper()
	return New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: clock.New(clock.WithScale(0))})
}

func TestBusMatchFollowsRuleState(t *testing.T) {
	t.Parallel()
	s := newSeamService(t)
	ctx := context.Background()
	put := func(name, pattern string) {
		t.Helper()
		if _, err := s.PutRule(ctx, &PutRuleInput{Name: ptr(name), EventPattern: ptr(pattern)}); err != nil {
			t.Fatal(err)
		}
	}
	put("orders", `{"source":["orders"]}`)
	put("all-app", `{"source":[{"prefix":""}]}`)
	put("payments", `{"source":["payments"]}`)
	if _, err := s.PutRule(ctx, &PutRuleInput{Name: ptr("sched"), ScheduleExpression: ptr("rate(1 hour)")}); err != nil {
		t.Fatal(err)
	}
	event := []byte(`{"source":"orders","detail":{}}`)
	match := func() string {
		t.Helper()
		s.mu.RLock()
		defer s.mu.RUnlock()
		rules, err := s.buses[defaultBus].match(event)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range rules {
			names = append(names, r.name)
		}
		return fmt.Sprint(names)
	}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"initial", func() error { return nil }, "[all-app orders]"},
		{"disable", func() error { _, err := s.DisableRule(ctx, &DisableRuleInput{Name: ptr("orders")}); return err }, "[all-app]"},
		{"enable", func() error { _, err := s.EnableRule(ctx, &EnableRuleInput{Name: ptr("orders")}); return err }, "[all-app orders]"},
		{"replace", func() error {
			_, err := s.PutRule(ctx, &PutRuleInput{Name: ptr("orders"), EventPattern: ptr(`{"source":["x"]}`)})
			return err
		}, "[all-app]"},
		{"cloudtrail-state", func() error {
			_, err := s.PutRule(ctx, &PutRuleInput{Name: ptr("payments"), EventPattern: ptr(`{"source":["orders"]}`), State: RuleStateEnabledWithAllCloudtrailManagementEvents})
			return err
		}, "[all-app payments]"},
		{"delete", func() error { _, err := s.DeleteRule(ctx, &DeleteRuleInput{Name: ptr("all-app")}); return err }, "[payments]"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := match(); got != st.want {
			t.Fatalf("after %s: match = %s, want %s", st.name, got, st.want)
		}
	}
	s.mu.RLock()
	r := s.buses[defaultBus].rules["sched"]
	s.mu.RUnlock()
	if r.sched == nil || r.compiled != nil || !r.enabled() {
		t.Fatalf("schedule rule %+v", r)
	}
	if next := r.sched.nextFire(s.now()); !next.After(s.now()) || next.Sub(s.now()) > time.Hour {
		t.Fatalf("next firing %s after %s", next, s.now())
	}
}

func TestArchiveStorage(t *testing.T) {
	t.Parallel()
	s := newSeamService(t)
	ctx := context.Background()
	out, err := s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("a"), EventSourceArn: ptr(s.arn("event-bus/default"))})
	if err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	a := s.archiveByARN(*out.ArchiveArn)
	r := s.buses[defaultBus].rules["Events-Archive-a"]
	s.mu.RUnlock()
	if a == nil || r == nil || len(r.targets) != 1 || r.targets[0].archive != a || *r.targets[0].Arn != a.arn {
		t.Fatalf("archive %+v, rule %+v", a, r)
	}
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for i := range 4 {
		a.add(t0.Add(time.Duration(i)*time.Hour), []byte(fmt.Sprintf(`{"n":%d}`, i)))
	}
	d, err := s.DescribeArchive(ctx, &DescribeArchiveInput{ArchiveName: ptr("a")})
	if err != nil {
		t.Fatal(err)
	}
	if *d.EventCount != 4 || *d.SizeBytes != 4*int64(len(`{"n":0}`)) {
		t.Fatalf("stats %d events, %d bytes", *d.EventCount, *d.SizeBytes)
	}
	if got := a.snapshot(t0.Add(time.Hour), t0.Add(3*time.Hour)); len(got) != 2 || string(got[0].Event) != `{"n":1}` {
		t.Fatalf("snapshot %+v", got)
	}
	a.purge(t0.Add(2 * time.Hour))
	if n, _ := a.stats(); n != 2 {
		t.Fatalf("after purge %d events", n)
	}
	// Replayed events do not match the archive's rule.
	s.mu.RLock()
	rules, err := s.buses[defaultBus].match([]byte(`{"source":"x","replay-name":"r"}`))
	s.mu.RUnlock()
	if err != nil || len(rules) != 0 {
		t.Fatalf("replayed event matched %v (%v)", rules, err)
	}
}
