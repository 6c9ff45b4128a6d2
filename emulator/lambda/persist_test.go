package lambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// persistEpoch is where the persistence tests' frozen clocks start.
var persistEpoch = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// pstack is a Lambda service journaling into a MemoryJournal, on a frozen
// clock shared with the instances restored from it.
type pstack struct {
	t       *testing.T
	clk     *clock.Clock
	journal *awsapi.MemoryJournal
	svc     *lambda.Service
}

func newPStack(t *testing.T) *pstack {
	t.Helper()
	clk := clock.New(clock.WithScale(0), clock.WithStart(persistEpoch))
	p := &pstack{t: t, clk: clk, journal: &awsapi.MemoryJournal{}}
	p.svc = p.service(p.journal, false)
	return p
}

// service makes a Lambda service on p's clock journaling into j.
func (p *pstack) service(j awsapi.Journal, restoring bool) *lambda.Service {
	p.t.Helper()
	env := awsapi.Env{
		Scope:     awsapi.Scope{Account: "123456789012", Region: "eu-west-1"},
		Clock:     p.clk,
		Logger:    slog.New(slog.DiscardHandler),
		Restoring: restoring,
	}
	if j != nil {
		env.Journal = j
	}
	svc := lambda.New(env)
	p.t.Cleanup(func() {
		_ = svc.Close()
	})
	return svc
}

// restore replays entries into a fresh service journaling into a new
// journal seeded with the same rows, and returns both.
func (p *pstack) restore(entries []awsapi.JournalEntry) (*lambda.Service, *awsapi.MemoryJournal) {
	p.t.Helper()
	j := &awsapi.MemoryJournal{}
	for _, e := range entries {
		if e.Value == nil {
			j.Delete(e.Key)
		} else {
			j.Put(e.Key, e.Value)
		}
	}
	svc := p.service(j, true)
	if err := awsapi.Replay(svc, entries); err != nil {
		p.t.Fatalf("replay: %v", err)
	}
	return svc, j
}

func (p *pstack) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	p.t.Cleanup(cancel)
	return ctx
}

// advance moves the clock and waits for the work it started.
func (p *pstack) advance(d time.Duration) {
	p.t.Helper()
	if err := p.clk.Settle(p.ctx()); err != nil {
		p.t.Fatal(err)
	}
	if err := p.clk.Advance(d); err != nil {
		p.t.Fatal(err)
	}
	if err := p.clk.Settle(p.ctx()); err != nil {
		p.t.Fatal(err)
	}
	requireInvariant(p.t, p.journal, p.svc)
}

// step checks an operation's error, then the journal invariant of the
// original service (after every change, so that a missing Put cannot hide
// behind a later Put of the same row).
func step[T any](p *pstack) func(T, error) T {
	return func(v T, err error) T {
		p.t.Helper()
		if err != nil {
			p.t.Fatal(err)
		}
		requireInvariant(p.t, p.journal, p.svc)
		return v
	}
}

func sp(s string) *string { return &s }
func ip(i int32) *int32   { return &i }

// requireInvariant checks that the journal's rows are what DumpState
// emits, value for value.
func requireInvariant(t *testing.T, j *awsapi.MemoryJournal, p awsapi.Persistent) {
	t.Helper()
	dump, err := awsapi.DumpRows(p)
	if err != nil {
		t.Fatal(err)
	}
	rows := j.Rows()
	got := map[string][]byte{}
	for _, r := range rows {
		got[r.Key] = r.Value
	}
	want := map[string][]byte{}
	for _, r := range dump {
		want[r.Key] = r.Value
	}
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("row %s: dumped, never journaled", k)
		} else if !bytes.Equal(g, v) {
			t.Errorf("row %s: journaled\n%s\ndumped\n%s", k, clip(g), clip(v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("row %s: journaled, not dumped (a missing Delete)", k)
		}
	}
	if len(dump) == 0 {
		t.Error("no rows at all")
	}
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "..."
	}
	return string(b)
}

// view answers every read operation of svc, as JSON, for comparison.
func view(t *testing.T, svc *lambda.Service) string {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	add := func(k string, v any, err error) {
		if err != nil {
			out[k] = "error: " + err.Error()
			return
		}
		out[k] = v
	}
	all, err := svc.ListFunctions(ctx, &lambda.ListFunctionsInput{FunctionVersion: lambda.FunctionVersionAll})
	add("ListFunctions", all, err)
	for _, name := range svc.FunctionNames() {
		quals := []string{"", "$LATEST"}
		vs, err := svc.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: sp(name)})
		add(name+"/versions", vs, err)
		if err == nil {
			for _, v := range vs.Versions {
				if q := *v.Version; q != "$LATEST" {
					quals = append(quals, q)
				}
			}
		}
		as, err := svc.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: sp(name)})
		add(name+"/aliases", as, err)
		if err == nil {
			for _, a := range as.Aliases {
				quals = append(quals, *a.Name)
				g, err := svc.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: sp(name), Name: a.Name})
				add(name+"/alias/"+*a.Name, g, err)
			}
		}
		for _, q := range quals {
			g, err := svc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: sp(name), Qualifier: optional(q)})
			add(name+":"+q+"/get", g, err)
			pol, err := svc.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: sp(name), Qualifier: optional(q)})
			add(name+":"+q+"/policy", pol, err)
			eic, err := svc.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: sp(name), Qualifier: optional(q)})
			add(name+":"+q+"/eic", eic, err)
		}
		arn := "arn:aws:lambda:eu-west-1:123456789012:function:" + name
		tags, err := svc.ListTags(ctx, &lambda.ListTagsInput{Resource: sp(arn)})
		add(name+"/tags", tags, err)
		conc, err := svc.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: sp(name)})
		add(name+"/concurrency", conc, err)
		eics, err := svc.ListFunctionEventInvokeConfigs(ctx, &lambda.ListFunctionEventInvokeConfigsInput{FunctionName: sp(name)})
		add(name+"/eics", eics, err)
		n, err := svc.PendingEvents(name)
		add(name+"/pending", n, err)
	}
	esms, err := svc.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{})
	add("ListEventSourceMappings", esms, err)
	if err == nil {
		for _, m := range esms.EventSourceMappings {
			g, err := svc.GetEventSourceMapping(ctx, &lambda.GetEventSourceMappingInput{UUID: m.UUID})
			add("esm/"+*m.UUID, g, err)
		}
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func optional(q string) *string {
	if q == "" {
		return nil
	}
	return &q
}

// flaky is an in-process handler that fails while failing is set and
// counts the events it was given by payload.
type flaky struct {
	failing atomic.Bool
	mu      sync.Mutex
	seen    map[string]int
}

func (f *flaky) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	if f.seen == nil {
		f.seen = map[string]int{}
	}
	f.seen[string(payload)]++
	f.mu.Unlock()
	if f.failing.Load() {
		return nil, errors.New("not yet")
	}
	return []byte(`"ok"`), nil
}

func (f *flaky) count(payload string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[payload]
}

// persistCase drives a service through state-changing operations; after
// the restart, check (if set) verifies that a restored instance goes on
// working.
type persistCase struct {
	name  string
	drive func(t *testing.T, p *pstack)
	// settle makes the original reach what a restored instance shows at
	// once (transitional states settle on restore).
	settle func(p *pstack)
	check  func(t *testing.T, p *pstack, restored *lambda.Service)
}

func persistCases() []persistCase {
	return []persistCase{
		{
			name: "functions, versions, aliases, policies, tags, concurrency, event invoke configs",
			drive: func(t *testing.T, p *pstack) {
				ctx, s := p.ctx(), p.svc
				zip2 := mustZip(t, map[string]zipEntry{"bootstrap": {data: []byte("#!/bin/sh\necho two\n"), mode: 0o755}, "extra.txt": {data: []byte("x")}})
				step[*lambda.CreateFunctionOutput](p)(s.CreateFunction(ctx, &lambda.CreateFunctionInput{
					FunctionName: sp("orders"), Runtime: lambda.RuntimeProvidedal2023, Role: sp("arn:aws:iam::123456789012:role/r"),
					Handler: sp("bootstrap"), Code: &lambda.FunctionCode{ZipFile: bootstrapZip}, Publish: ptrBool(true),
					Tags: map[string]string{"team": "a"}, Environment: &lambda.Environment{Variables: map[string]string{"A": "1"}},
				}))
				step[*lambda.UpdateFunctionConfigurationOutput](p)(s.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{
					FunctionName: sp("orders"), Timeout: ip(9), Description: sp("second"),
				}))
				step[*lambda.UpdateFunctionCodeOutput](p)(s.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: sp("orders"), ZipFile: zip2, Publish: ptrBool(true)}))
				step[*lambda.UpdateFunctionConfigurationOutput](p)(s.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: sp("orders"), MemorySize: ip(256)}))
				step[*lambda.PublishVersionOutput](p)(s.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: sp("orders"), Description: sp("v3")}))
				step[*lambda.CreateAliasOutput](p)(s.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: sp("orders"), Name: sp("live"), FunctionVersion: sp("2"),
					RoutingConfig: &lambda.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"3": 0.25}}}))
				step[*lambda.CreateAliasOutput](p)(s.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: sp("orders"), Name: sp("old"), FunctionVersion: sp("1")}))
				step[*lambda.UpdateAliasOutput](p)(s.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: sp("orders"), Name: sp("old"), Description: sp("was live")}))
				step[*lambda.CreateAliasOutput](p)(s.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: sp("orders"), Name: sp("gone"), FunctionVersion: sp("$LATEST")}))
				for _, q := range []string{"", "live", "3"} {
					step[*lambda.AddPermissionOutput](p)(s.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: sp("orders"), Qualifier: optional(q),
						StatementId: sp("s1"), Action: sp("lambda:InvokeFunction"), Principal: sp("sns.amazonaws.com"), SourceArn: sp("arn:aws:sns:eu-west-1:123456789012:t")}))
					step[*lambda.AddPermissionOutput](p)(s.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: sp("orders"), Qualifier: optional(q),
						StatementId: sp("s2"), Action: sp("lambda:InvokeFunction"), Principal: sp("123456789012")}))
				}
				step[*lambda.RemovePermissionOutput](p)(s.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: sp("orders"), StatementId: sp("s2")}))
				step[*lambda.AddPermissionOutput](p)(s.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: sp("orders"), Qualifier: sp("gone"),
					StatementId: sp("s1"), Action: sp("lambda:InvokeFunction"), Principal: sp("events.amazonaws.com")}))
				step[*lambda.TagResourceOutput](p)(s.TagResource(ctx, &lambda.TagResourceInput{Resource: sp("orders"), Tags: map[string]string{"env": "test", "tmp": "x"}}))
				step[*lambda.UntagResourceOutput](p)(s.UntagResource(ctx, &lambda.UntagResourceInput{Resource: sp("orders"), TagKeys: []string{"tmp"}}))
				step[*lambda.PutFunctionConcurrencyOutput](p)(s.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: sp("orders"), ReservedConcurrentExecutions: ip(5)}))
				for _, q := range []string{"", "live", "1", "gone"} {
					step[*lambda.PutFunctionEventInvokeConfigOutput](p)(s.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{
						FunctionName: sp("orders"), Qualifier: optional(q), MaximumRetryAttempts: ip(1),
						DestinationConfig: &lambda.DestinationConfig{OnFailure: &lambda.OnFailure{Destination: sp("arn:aws:sqs:eu-west-1:123456789012:dlq")}}}))
				}
				p.advance(time.Minute)
				step[*lambda.UpdateFunctionEventInvokeConfigOutput](p)(s.UpdateFunctionEventInvokeConfig(ctx, &lambda.UpdateFunctionEventInvokeConfigInput{FunctionName: sp("orders"), MaximumEventAgeInSeconds: ip(600)}))
				step[*lambda.DeleteFunctionEventInvokeConfigOutput](p)(s.DeleteFunctionEventInvokeConfig(ctx, &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: sp("orders"), Qualifier: sp("1")}))
				step[*lambda.DeleteAliasOutput](p)(s.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: sp("orders"), Name: sp("gone")}))
				// Version 1 runs the first package alone: deleting it (and
				// its alias) drops that package.
				step[*lambda.DeleteAliasOutput](p)(s.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: sp("orders"), Name: sp("old")}))
				step[*lambda.DeleteFunctionOutput](p)(s.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: sp("orders"), Qualifier: sp("1")}))
				// A whole function, created and deleted.
				step[*lambda.CreateFunctionOutput](p)(s.CreateFunction(ctx, &lambda.CreateFunctionInput{
					FunctionName: sp("temp"), Runtime: lambda.RuntimeProvidedal2023, Role: sp("arn:aws:iam::123456789012:role/r"),
					Handler: sp("bootstrap"), Code: &lambda.FunctionCode{ZipFile: zip2}, Publish: ptrBool(true),
				}))
				step[*lambda.DeleteFunctionOutput](p)(s.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: sp("temp")}))
				step[*lambda.PutFunctionConcurrencyOutput](p)(s.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: sp("orders"), ReservedConcurrentExecutions: ip(7)}))
				step[*lambda.DeleteFunctionConcurrencyOutput](p)(s.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: sp("orders")}))
				step[*lambda.PutFunctionConcurrencyOutput](p)(s.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: sp("orders"), ReservedConcurrentExecutions: ip(3)}))
				// An update still in progress when the service stops, and a
				// function still Pending.
				s.SetStateTransitionDelay(time.Minute)
				step[*lambda.UpdateFunctionConfigurationOutput](p)(s.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: sp("orders"), Description: sp("in progress")}))
				step[*lambda.CreateFunctionOutput](p)(s.CreateFunction(ctx, &lambda.CreateFunctionInput{
					FunctionName: sp("fresh"), Runtime: lambda.RuntimeProvidedal2023, Role: sp("arn:aws:iam::123456789012:role/r"),
					Handler: sp("bootstrap"), Code: &lambda.FunctionCode{ZipFile: bootstrapZip}, Publish: ptrBool(true),
				}))
			},
			// Restored functions settle at once.
			settle: func(p *pstack) { p.advance(time.Minute) },
			check: func(t *testing.T, p *pstack, r *lambda.Service) {
				ctx := p.ctx()
				// The version counter goes on from the restored one.
				step[*lambda.UpdateFunctionConfigurationOutput](p)(r.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: sp("orders"), Timeout: ip(11)}))
				v := step[*lambda.PublishVersionOutput](p)(r.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: sp("orders")}))
				if *v.Version != "4" {
					t.Errorf("next version = %s, want 4", *v.Version)
				}
				// (persist_internal_test.go checks that the packages are
				// unpacked again.)
				// Revision ids survive: an update conditioned on one passes.
				a := step[*lambda.GetAliasOutput](p)(r.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: sp("orders"), Name: sp("live")}))
				step[*lambda.UpdateAliasOutput](p)(r.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: sp("orders"), Name: sp("live"), RevisionId: a.RevisionId, Description: sp("after")}))
				// The deleted function's name is free.
				if _, err := r.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: sp("temp")}); err == nil {
					t.Error("deleted function temp came back")
				}
			},
		},
		{
			name: "asynchronous events waiting for a retry",
			drive: func(t *testing.T, p *pstack) {
				ctx, s := p.ctx(), p.svc
				h := &flaky{}
				h.failing.Store(true)
				if err := s.RegisterHandler("worker", h); err != nil {
					t.Fatal(err)
				}
				requireInvariant(t, p.journal, s)
				step[*lambda.PutFunctionEventInvokeConfigOutput](p)(s.PutFunctionEventInvokeConfig(ctx, &lambda.PutFunctionEventInvokeConfigInput{
					FunctionName: sp("worker"), MaximumRetryAttempts: ip(2), MaximumEventAgeInSeconds: ip(3600)}))
				for i := range 3 {
					step[string](p)(s.InvokeEvent(ctx, "worker", fmt.Appendf(nil, `{"n":%d}`, i)))
				}
				p.advance(0) // first attempts fail: each event waits for its retry
				if got := h.count(`{"n":0}`); got != 1 {
					t.Fatalf("event 0 attempted %d times before the restart, want 1", got)
				}
				// One more event goes through before the restart.
				h.failing.Store(false)
				step[string](p)(s.InvokeEvent(ctx, "worker", []byte(`{"n":9}`)))
				p.advance(0)
			},
			check: func(t *testing.T, p *pstack, r *lambda.Service) {
				if n, _ := r.PendingEvents("worker"); n != 3 {
					t.Fatalf("restored pending events = %d, want 3", n)
				}
				// The handler is registered again, as after any restart.
				h := &flaky{}
				if err := r.RegisterHandler("worker", h); err != nil {
					t.Fatal(err)
				}
				p.advance(10 * time.Minute)
				for i := range 3 {
					if got := h.count(fmt.Sprintf(`{"n":%d}`, i)); got != 1 {
						t.Errorf("event %d attempted %d times after the restart, want 1", i, got)
					}
				}
				if got := h.count(`{"n":9}`); got != 0 {
					t.Errorf("delivered event attempted again after the restart")
				}
				if n, _ := r.PendingEvents("worker"); n != 0 {
					t.Errorf("pending events after the retries = %d, want 0", n)
				}
				recs, err := r.Invocations("worker")
				if err != nil || len(recs) != 3 {
					t.Fatalf("records %v %v", recs, err)
				}
				for _, rec := range recs {
					if rec.Attempt != 2 {
						t.Errorf("restored event ran as attempt %d, want 2 (its first attempt was before the restart)", rec.Attempt)
					}
				}
			},
		},
		{
			name: "event source mappings",
			drive: func(t *testing.T, p *pstack) {
				ctx, s := p.ctx(), p.svc
				if err := s.RegisterHandler("consumer", &flaky{}); err != nil {
					t.Fatal(err)
				}
				requireInvariant(t, p.journal, s)
				mk := func(src string, pos lambda.EventSourcePosition) string {
					out := step[*lambda.CreateEventSourceMappingOutput](p)(s.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{
						FunctionName: sp("consumer"), EventSourceArn: sp(src), StartingPosition: pos, BatchSize: ip(5),
						FilterCriteria: &lambda.FilterCriteria{Filters: []lambda.Filter{{Pattern: sp(`{"data":{"k":["v"]}}`)}}},
						Tags:           map[string]string{"m": src},
					}))
					return *out.UUID
				}
				kin := mk("arn:aws:kinesis:eu-west-1:123456789012:stream/s1", lambda.EventSourcePositionTrimHorizon)
				sqsID := mk("arn:aws:sqs:eu-west-1:123456789012:q1", "")
				del := mk("arn:aws:sqs:eu-west-1:123456789012:q2", "")
				step[*lambda.UpdateEventSourceMappingOutput](p)(s.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: sp(kin), BatchSize: ip(50), BisectBatchOnFunctionError: ptrBool(true)}))
				step[*lambda.UpdateEventSourceMappingOutput](p)(s.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: sp(sqsID), Enabled: ptrBool(false)}))
				step[*lambda.DeleteEventSourceMappingOutput](p)(s.DeleteEventSourceMapping(ctx, &lambda.DeleteEventSourceMappingInput{UUID: sp(del)}))
				s.SetEventSourceMappingResult(kin, "OK")
				requireInvariant(t, p.journal, s)
				// A mapping still in transition when the service stops.
				s.SetStateTransitionDelay(time.Minute)
				step[*lambda.UpdateEventSourceMappingOutput](p)(s.UpdateEventSourceMapping(ctx, &lambda.UpdateEventSourceMappingInput{UUID: sp(sqsID), Enabled: ptrBool(true)}))
				mk("arn:aws:kinesis:eu-west-1:123456789012:stream/s2", lambda.EventSourcePositionLatest)
			},
			settle: func(p *pstack) { p.advance(time.Minute) },
			check: func(t *testing.T, p *pstack, r *lambda.Service) {
				ctx := p.ctx()
				for _, m := range r.EventSourceMappings() {
					if st := *m.State; st != lambda.ESMEnabled {
						t.Errorf("restored mapping %s is %s, want Enabled", *m.UUID, st)
					}
				}
				// A new mapping gets a new UUID and the pair conflict holds.
				_, err := r.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: sp("consumer"),
					EventSourceArn: sp("arn:aws:sqs:eu-west-1:123456789012:q1")})
				if err == nil {
					t.Error("a second mapping of q1 to consumer was accepted")
				}
			},
		},
	}
}

func ptrBool(b bool) *bool { return &b }

func TestPersistence(t *testing.T) {
	t.Parallel()
	for _, tc := range persistCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPStack(t)
			tc.drive(t, p)
			// 1. The journal holds exactly the rows DumpState emits.
			requireInvariant(t, p.journal, p.svc)
			log := p.journal.Log()
			dump, err := awsapi.DumpRows(p.svc)
			if err != nil {
				t.Fatal(err)
			}
			// 2. The log, the dump, and 3. the dump followed by the whole
			// log (a snapshot and an overlapping log) all restore it.
			fromLog, jLog := p.restore(log)
			fromDump, jDump := p.restore(dump)
			both, jBoth := p.restore(append(append([]awsapi.JournalEntry(nil), dump...), log...))
			if tc.settle != nil {
				tc.settle(p)
			}
			want := view(t, p.svc)
			for _, r := range []struct {
				name string
				svc  *lambda.Service
				j    *awsapi.MemoryJournal
			}{{"log", fromLog, jLog}, {"dump", fromDump, jDump}, {"dump+log", both, jBoth}} {
				if got := view(t, r.svc); got != want {
					t.Errorf("restored from the %s, the reads differ:\n%s\nwant\n%s", r.name, got, want)
				}
				// A restored instance keeps journaling what it changes.
				requireInvariant(t, r.j, r.svc)
			}
			if tc.check != nil {
				tc.check(t, p, fromLog)
				requireInvariant(t, jLog, fromLog)
			}
		})
	}
}

// copyJournal copies every row into one growing buffer, as the store's log
// does.
type copyJournal struct {
	mu  sync.Mutex
	buf []byte
}

func (c *copyJournal) Put(key string, value []byte) {
	c.mu.Lock()
	c.buf = append(append(c.buf, key...), value...)
	if len(c.buf) > 64<<20 {
		c.buf = c.buf[:0]
	}
	c.mu.Unlock()
}

func (c *copyJournal) Delete(key string) {
	c.mu.Lock()
	c.buf = append(c.buf, key...)
	c.mu.Unlock()
}

// BenchmarkInvokeEvent measures Lambda's hot write path, asynchronous
// events (a row Put when queued, Deleted when run, with a journal), in
// memory and journaled: queueing and running them all.
func BenchmarkInvokeEvent(b *testing.B) {
	for _, journaled := range []bool{false, true} {
		name := "memory"
		if journaled {
			name = "journal"
		}
		b.Run(name, func(b *testing.B) {
			env := awsapi.Env{Scope: awsapi.Scope{Account: "123456789012", Region: "eu-west-1"},
				Clock: clock.New(clock.WithScale(0), clock.WithStart(persistEpoch)), Logger: slog.New(slog.DiscardHandler)}
			if journaled {
				env.Journal = &copyJournal{}
			}
			s := lambda.New(env)
			defer s.Close()
			if err := s.RegisterHandler("sink", lambda.Handler(handlerFunc(func([]byte) {}))); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			payload := []byte(`{"order":"12345","items":[1,2,3],"note":"a typical small event"}`)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.InvokeEvent(ctx, "sink", payload); err != nil {
					b.Fatal(err)
				}
			}
			// Throughput counts the events run, not only queued.
			for {
				n, err := s.PendingEvents("sink")
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					break
				}
				time.Sleep(100 * time.Microsecond)
			}
		})
	}
}

type handlerFunc func([]byte)

func (f handlerFunc) Invoke(_ context.Context, p []byte) ([]byte, error) {
	f(p)
	return []byte("null"), nil
}
