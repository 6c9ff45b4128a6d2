package schemas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

const testBus = "arn:aws:events:us-east-1:000000000000:event-bus/orders"

func newDiscoveryService(t testing.TB) (*Service, *clock.Clock) {
	t.Helper()
	c := clock.New(clock.WithScale(0))
	t.Cleanup(func() { _ = c.Close() })
	return New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: c}), c
}

// settle waits for discovery's drains; the bound is generous because
// inference under -race on a loaded machine is slow.
func settle(t testing.TB, c *clock.Clock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := c.Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

func orderEvent(account, detail string) []byte {
	return []byte(`{"version":"0","id":"e1","detail-type":"Order Placed","source":"shop.orders","account":"` + account +
		`","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":` + detail + `}`)
}

func code(err error) string {
	if e, ok := awsapi.AsError(err); ok {
		return e.Code
	}
	return fmt.Sprint(err)
}

func TestDiscovererLifecycle(t *testing.T) {
	t.Parallel()
	s, _ := newDiscoveryService(t)
	ctx := context.Background()
	out, err := s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr(testBus), Description: dscStr("d"), Tags: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if *out.DiscovererId != "events-event-bus-orders" || out.State != DiscovererStateStarted || !*out.CrossAccount ||
		*out.DiscovererArn != "arn:aws:schemas:us-east-1:000000000000:discoverer/events-event-bus-orders" {
		t.Fatalf("CreateDiscoverer = %+v", out)
	}
	id := out.DiscovererId
	if _, err := s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr(testBus)}); code(err) != ErrCodeConflictException {
		t.Errorf("second discoverer on the bus: %v", err)
	}
	if _, err := s.UpdateDiscoverer(ctx, &UpdateDiscovererInput{DiscovererId: id, CrossAccount: dscBool(false), Description: dscStr("e")}); err != nil {
		t.Fatal(err)
	}
	if st, err := s.StopDiscoverer(ctx, &StopDiscovererInput{DiscovererId: id}); err != nil || st.State != DiscovererStateStopped {
		t.Fatalf("StopDiscoverer = %+v, %v", st, err)
	}
	d, err := s.DescribeDiscoverer(ctx, &DescribeDiscovererInput{DiscovererId: id})
	if err != nil || d.State != DiscovererStateStopped || *d.CrossAccount || *d.Description != "e" || d.Tags["k"] != "v" {
		t.Fatalf("DescribeDiscoverer = %+v, %v", d, err)
	}
	if st, err := s.StartDiscoverer(ctx, &StartDiscovererInput{DiscovererId: id}); err != nil || st.State != DiscovererStateStarted {
		t.Fatalf("StartDiscoverer = %+v, %v", st, err)
	}
	if _, err := s.TagResource(ctx, &TagResourceInput{ResourceArn: d.DiscovererArn, Tags: map[string]string{"k2": "v2"}}); err != nil {
		t.Fatal(err)
	}
	if tags, err := s.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: d.DiscovererArn}); err != nil || tags.Tags["k2"] != "v2" {
		t.Fatalf("ListTagsForResource = %+v, %v", tags, err)
	}
	if _, err := s.DeleteDiscoverer(ctx, &DeleteDiscovererInput{DiscovererId: id}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{
		func() error {
			_, err := s.DescribeDiscoverer(ctx, &DescribeDiscovererInput{DiscovererId: id})
			return err
		},
		func() error { _, err := s.StartDiscoverer(ctx, &StartDiscovererInput{DiscovererId: id}); return err },
		func() error { _, err := s.DeleteDiscoverer(ctx, &DeleteDiscovererInput{DiscovererId: id}); return err },
	} {
		if code(f()) != ErrCodeNotFoundException {
			t.Errorf("after delete: want NotFoundException")
		}
	}
}

func TestCreateDiscovererRejects(t *testing.T) {
	t.Parallel()
	s, _ := newDiscoveryService(t)
	for _, arn := range []string{
		"not-an-arn-at-all-xxxxx",
		"arn:aws:sqs:us-east-1:000000000000:queue-name",
		"arn:aws:events:us-east-1:000000000000:rule/r",
		"arn:aws:events:eu-west-1:000000000000:event-bus/orders",
		"arn:aws:events:us-east-1:111111111111:event-bus/orders",
	} {
		if _, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(arn)}); code(err) != ErrCodeBadRequestException {
			t.Errorf("CreateDiscoverer(%s) = %v, want BadRequestException", arn, err)
		}
	}
}

func TestListDiscoverersFiltersAndPages(t *testing.T) {
	t.Parallel()
	s, _ := newDiscoveryService(t)
	ctx := context.Background()
	for _, b := range []string{"a1", "a2", "b1"} {
		if _, err := s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr("arn:aws:events:us-east-1:000000000000:event-bus/" + b)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		in   ListDiscoverersInput
		want []string
	}{
		{"all", ListDiscoverersInput{}, []string{"events-event-bus-a1", "events-event-bus-a2", "events-event-bus-b1"}},
		{"id prefix", ListDiscoverersInput{DiscovererIdPrefix: dscStr("events-event-bus-a")}, []string{"events-event-bus-a1", "events-event-bus-a2"}},
		{"source prefix", ListDiscoverersInput{SourceArnPrefix: dscStr("arn:aws:events:us-east-1:000000000000:event-bus/b")}, []string{"events-event-bus-b1"}},
	} {
		var got []string
		in := tc.in
		one := int32(1)
		in.Limit = &one
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatalf("%s: too many pages", tc.name)
			}
			out, err := s.ListDiscoverers(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range out.Discoverers {
				got = append(got, *d.DiscovererId)
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := s.ListDiscoverers(ctx, &ListDiscoverersInput{NextToken: dscStr("garbage!")}); code(err) != ErrCodeBadRequestException {
		t.Errorf("bad token: %v", err)
	}
}

// TestDiscoveryVersionsAndFindings is the scenario: v1 events, then
// v2 events without a field, give two versions and a v2 that is not
// backward compatible, with the dropped field named.
func TestDiscoveryVersionsAndFindings(t *testing.T) {
	t.Parallel()
	s, c := newDiscoveryService(t)
	ctx := context.Background()
	if _, err := s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s.ObserveEvent(testBus, orderEvent("000000000000", `{"id":"o1","total":12.5,"coupon":"X"}`))
	}
	settle(t, c)
	for i := 0; i < 3; i++ {
		s.ObserveEvent(testBus, orderEvent("000000000000", `{"id":"o2","total":3.5}`))
	}
	settle(t, c)
	const name = "shop.orders@OrderPlaced"
	v1, err := s.schemaVersionContent(discoveredRegistryName, name, "1")
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.schemaVersionContent(discoveredRegistryName, name, "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(v1, `"coupon"`) || strings.Contains(v2, `"coupon"`) {
		t.Errorf("versions do not follow the events:\nv1 %s\nv2 %s", v1, v2)
	}
	if _, err := s.schemaVersionContent(discoveredRegistryName, name, "3"); err == nil {
		t.Error("repeated shapes wrote a third version")
	}
	r1, err := s.DiscoveryFindings(discoveredRegistryName, name, "1")
	if err != nil || !r1.BackwardCompatible || r1.PreviousVersion != "" {
		t.Errorf("v1 report = %+v, %v", r1, err)
	}
	r2, err := s.DiscoveryFindings(discoveredRegistryName, name, "2")
	if err != nil {
		t.Fatal(err)
	}
	if r2.BackwardCompatible || r2.PreviousVersion != "1" || len(r2.Backward) == 0 {
		t.Errorf("v2 report = %+v, want not backward compatible with 1", r2)
	}
	if strings.Join(r2.Fields, ",") != "/detail/coupon" {
		t.Errorf("v2 fields = %v, want [/detail/coupon]", r2.Fields)
	}
	latest, err := s.DiscoveryFindings(discoveredRegistryName, name, "")
	if err != nil || latest.Version != "2" {
		t.Errorf("latest report = %+v, %v", latest, err)
	}
	if b, err := json.Marshal(r2); err != nil || !strings.Contains(string(b), `"backwardCompatible":false`) {
		t.Errorf("JSON = %s, %v", b, err)
	}
	if _, err := s.DiscoveryFindings(discoveredRegistryName, name, "9"); code(err) != ErrCodeNotFoundException {
		t.Errorf("missing report: %v", err)
	}
}

func TestDiscoveryChanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		first, second     string
		versions          int
		backward, forward bool
		fields            string
	}{
		{"same shape", `{"a":"x"}`, `{"a":"y"}`, 1, true, true, ""},
		{"field added", `{"a":"x"}`, `{"a":"x","b":1}`, 2, false, false, "/detail/b"},
		{"type widened", `{"n":1}`, `{"n":1.5}`, 2, true, false, "/detail/n"},
		{"field removed", `{"a":"x","b":1}`, `{"a":"x"}`, 2, false, false, "/detail/b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := newDiscoveryService(t)
			if _, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
				t.Fatal(err)
			}
			s.ObserveEvent(testBus, orderEvent("000000000000", tc.first))
			s.ObserveEvent(testBus, orderEvent("000000000000", tc.second))
			settle(t, c)
			reports := s.DiscoveredVersions()
			if len(reports) != tc.versions {
				t.Fatalf("%d versions, want %d: %+v", len(reports), tc.versions, reports)
			}
			last := reports[len(reports)-1]
			if tc.versions == 1 {
				return
			}
			if last.BackwardCompatible != tc.backward || last.ForwardCompatible != tc.forward || strings.Join(last.Fields, ",") != tc.fields {
				t.Errorf("report = backward %v forward %v fields %v; want %v %v %s\n%+v",
					last.BackwardCompatible, last.ForwardCompatible, last.Fields, tc.backward, tc.forward, tc.fields, last)
			}
		})
	}
}

func TestObserveEventSkips(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(s *Service) error
		bus   string
		event []byte
	}{
		{"no discoverer", func(*Service) error { return nil }, testBus, orderEvent("000000000000", `{"a":1}`)},
		{"stopped", func(s *Service) error {
			if _, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
				return err
			}
			_, err := s.StopDiscoverer(context.Background(), &StopDiscovererInput{DiscovererId: dscStr("events-event-bus-orders")})
			return err
		}, testBus, orderEvent("000000000000", `{"a":1}`)},
		{"other bus", func(s *Service) error {
			_, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)})
			return err
		}, "arn:aws:events:us-east-1:000000000000:event-bus/other", orderEvent("000000000000", `{"a":1}`)},
		{"cross-account off", func(s *Service) error {
			_, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus), CrossAccount: dscBool(false)})
			return err
		}, testBus, orderEvent("111111111111", `{"a":1}`)},
		{"not an event", func(s *Service) error {
			_, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)})
			return err
		}, testBus, []byte(`{"detail":5}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := newDiscoveryService(t)
			if err := tc.setup(s); err != nil {
				t.Fatal(err)
			}
			s.ObserveEvent(tc.bus, tc.event)
			settle(t, c)
			if r := s.DiscoveredVersions(); len(r) != 0 {
				t.Errorf("discovered %+v", r)
			}
		})
	}
	// Cross-account events are discovered by default.
	s, c := newDiscoveryService(t)
	if _, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
		t.Fatal(err)
	}
	s.ObserveEvent(testBus, orderEvent("111111111111", `{"a":1}`))
	settle(t, c)
	if r := s.DiscoveredVersions(); len(r) != 1 {
		t.Errorf("cross-account event: %+v", r)
	}
}

func TestObserveEventBoundedQueue(t *testing.T) {
	t.Parallel()
	s, _ := newDiscoveryService(t)
	if _, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
		t.Fatal(err)
	}
	d := s.discovery()
	// Hold the drain off so that the queue fills.
	d.qmu.Lock()
	d.draining = true
	d.qmu.Unlock()
	ev := orderEvent("000000000000", `{"a":1}`)
	for i := 0; i < maxQueuedEvents+5; i++ {
		s.ObserveEvent(testBus, ev)
	}
	if got := s.DroppedEvents(); got != 5 {
		t.Errorf("dropped %d, want 5", got)
	}
	d.qmu.Lock()
	d.draining = false
	d.queue = nil
	d.qmu.Unlock()
}

func TestOpenAPIToJSONSchemaRejects(t *testing.T) {
	t.Parallel()
	for _, c := range []string{`{`, `{"components":{"schemas":{}}}`, `{"components":{"schemas":{"AWSEvent":{"$ref":"#/components/schemas/Nope"}}}}`} {
		if _, err := openAPIToJSONSchema(c); err == nil {
			t.Errorf("accepted %s", c)
		}
	}
	if _, err := s2err(); !errors.Is(err, errTooDeep) {
		t.Errorf("deep reference loop: %v", err)
	}
}

// s2err converts a self-referencing document, which must stop.
func s2err() (string, error) {
	return openAPIToJSONSchema(`{"components":{"schemas":{"AWSEvent":{"$ref":"#/components/schemas/AWSEvent"}}}}`)
}

// TestDiscoveryLogsBreakingChange checks the warning a breaking version
// logs, and that a compatible first version logs none.
func TestDiscoveryLogsBreakingChange(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	c := clock.New(clock.WithScale(0))
	t.Cleanup(func() { _ = c.Close() })
	s := New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: c,
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if _, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
		t.Fatal(err)
	}
	s.ObserveEvent(testBus, orderEvent("000000000000", `{"a":"x","b":1}`))
	settle(t, c)
	if got := buf.String(); got != "" {
		t.Errorf("first version logged %q", got)
	}
	s.ObserveEvent(testBus, orderEvent("000000000000", `{"a":"x"}`))
	settle(t, c)
	got := buf.String()
	for _, w := range []string{"level=WARN", "discovered schema version breaks consumers", "schema=shop.orders@OrderPlaced", "version=2", "backwardCompatible=false", "fields=/detail/b"} {
		if !strings.Contains(got, w) {
			t.Errorf("log lacks %q: %s", w, got)
		}
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDiscoveryConcurrent observes events from several goroutines while
// the discoverer starts and stops (run with -race).
func TestDiscoveryConcurrent(t *testing.T) {
	t.Parallel()
	s, c := newDiscoveryService(t)
	ctx := context.Background()
	if _, err := s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
		t.Fatal(err)
	}
	id := dscStr("events-event-bus-orders")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				s.ObserveEvent(testBus, orderEvent("000000000000", fmt.Sprintf(`{"k%d":1}`, i%3)))
			}
		}()
	}
	for i := 0; i < 20; i++ {
		if _, err := s.StopDiscoverer(ctx, &StopDiscovererInput{DiscovererId: id}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartDiscoverer(ctx, &StartDiscovererInput{DiscovererId: id}); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	settle(t, c)
	reports := s.DiscoveredVersions()
	if len(reports) == 0 {
		t.Fatal("nothing discovered")
	}
	for i, r := range reports {
		if r.Version != fmt.Sprint(i+1) {
			t.Errorf("report %d has version %s", i, r.Version)
		}
	}
}
