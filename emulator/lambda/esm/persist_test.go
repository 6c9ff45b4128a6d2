package esm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/lambda/esm"
)

// kstack is a Kinesis service and a Lambda service with its pollers on a
// frozen clock; the Lambda side can be stopped and restored from its
// journal while the stream stays.
type kstack struct {
	t     *testing.T
	clk   *clock.Clock
	scope awsapi.Scope
	kin   *kinesis.Service
}

// instance is one life of the Lambda service with its pollers.
type instance struct {
	svc     *lambda.Service
	mgr     *esm.Manager
	journal *awsapi.MemoryJournal
}

func (i *instance) state() esm.State { return esm.State{Service: i.svc, Pollers: i.mgr} }

func (i *instance) stop() {
	_ = i.mgr.Close()
	_ = i.svc.Close()
}

func newKStack(t *testing.T) *kstack {
	t.Helper()
	clk := clock.New(clock.WithScale(0), clock.WithStart(epoch))
	scope := awsapi.Scope{Account: "123456789012", Region: "eu-west-1"}
	kin := kinesis.New(awsapi.Env{Scope: scope, Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = kin.Close() })
	return &kstack{t: t, clk: clk, scope: scope, kin: kin}
}

// start makes a Lambda instance journaling into j; with entries it is
// restored from them first.
func (k *kstack) start(entries []awsapi.JournalEntry) *instance {
	k.t.Helper()
	j := &awsapi.MemoryJournal{}
	for _, e := range entries {
		if e.Value == nil {
			j.Delete(e.Key)
		} else {
			j.Put(e.Key, e.Value)
		}
	}
	env := awsapi.Env{
		Scope: k.scope, Clock: k.clk, Logger: slog.New(slog.DiscardHandler), Journal: j, Restoring: entries != nil,
		Services: func(name string, _ awsapi.Scope) any {
			if name == "kinesis" {
				return k.kin
			}
			return nil
		},
	}
	svc := lambda.New(env)
	inst := &instance{svc: svc, mgr: esm.Attach(svc, env), journal: j}
	k.t.Cleanup(inst.stop)
	if entries != nil {
		if err := awsapi.Replay(inst.state(), entries); err != nil {
			k.t.Fatalf("replay: %v", err)
		}
	}
	return inst
}

func (k *kstack) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	k.t.Cleanup(cancel)
	return awsapi.WithRequest(ctx, &awsapi.RequestInfo{RequestID: "test", Scope: k.scope, Service: "kinesis"})
}

func (k *kstack) advance(d time.Duration) {
	k.t.Helper()
	for _, f := range []func() error{func() error { return k.clk.Settle(k.ctx()) }, func() error { return k.clk.Advance(d) }, func() error { return k.clk.Settle(k.ctx()) }} {
		if err := f(); err != nil {
			k.t.Fatal(err)
		}
	}
}

// processed counts, per record data, the invocations that succeeded with
// it; a batch holding a record of failing fails whole.
type processed struct {
	mu      sync.Mutex
	ok      map[string]int
	failing map[string]bool
}

func (p *processed) handler() kinesisHandler {
	return func(_ context.Context, ev events.KinesisEvent) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, r := range ev.Records {
			if p.failing[string(r.Kinesis.Data)] {
				return errors.New("poison")
			}
		}
		for _, r := range ev.Records {
			p.ok[string(r.Kinesis.Data)]++
		}
		return nil
	}
}

// partialHandler processes the records of a batch up to the first
// failing one, which it reports as the batch's failure.
func (p *processed) partialHandler() lambda.Handler {
	return partialFunc(func(ev events.KinesisEvent) []byte {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, r := range ev.Records {
			if p.failing[string(r.Kinesis.Data)] {
				return fmt.Appendf(nil, `{"batchItemFailures":[{"itemIdentifier":%q}]}`, r.Kinesis.SequenceNumber)
			}
			p.ok[string(r.Kinesis.Data)]++
		}
		return []byte(`{"batchItemFailures":[]}`)
	})
}

type partialFunc func(events.KinesisEvent) []byte

func (f partialFunc) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	var ev events.KinesisEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	return f(ev), nil
}

func (p *processed) count(data string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ok[data]
}

// requireRows checks that the journal holds exactly the rows DumpState
// emits.
func requireRows(t *testing.T, j *awsapi.MemoryJournal, p awsapi.Persistent) []awsapi.JournalEntry {
	t.Helper()
	dump, err := awsapi.DumpRows(p)
	if err != nil {
		t.Fatal(err)
	}
	rows := j.Rows()
	if a, b := rowText(rows), rowText(dump); a != b {
		t.Fatalf("journal rows differ from the dump:\njournal\n%s\ndump\n%s", a, b)
	}
	return dump
}

func rowText(rows []awsapi.JournalEntry) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s = %s\n", r.Key, r.Value)
	}
	return b.String()
}

// TestKinesisCheckpointsSurviveRestart stops a Kinesis mapping's service in
// the middle of its work (a batch failing, lanes apart) and restores it
// from its journal: every record is processed exactly once across both
// lives.
func TestKinesisCheckpointsSurviveRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		parallel int32
		keys     []string
		start    lambda.EventSourcePosition
		before   int    // records written before the mapping
		poison   string // the record whose batches fail before the restart
		partial  bool   // report the poison record alone (ReportBatchItemFailures)
	}{
		{name: "one lane, trim horizon", parallel: 1, keys: []string{"a"}, start: lambda.EventSourcePositionTrimHorizon, before: 6, poison: "a3"},
		{name: "two lanes, one blocked", parallel: 2, keys: []string{"a", "b"}, start: lambda.EventSourcePositionTrimHorizon, before: 8, poison: "b3"},
		{name: "partial batch failure", parallel: 1, keys: []string{"a"}, start: lambda.EventSourcePositionTrimHorizon, before: 6, poison: "a4", partial: true},
		{name: "latest, nothing processed before the restart", parallel: 1, keys: []string{"a"}, start: lambda.EventSourcePositionLatest, before: 3, poison: "a3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKStack(t)
			ctx := k.ctx()
			if _, err := k.kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: ptr("s"), ShardCount: ptr(int32(1))}); err != nil {
				t.Fatal(err)
			}
			k.advance(k.kin.Options().CreateDelay)
			streamARN := fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/s", k.scope.Region, k.scope.Account)
			n := 0
			put := func() string {
				key := tc.keys[n%len(tc.keys)]
				data := fmt.Sprintf("%s%d", key, n)
				n++
				if _, err := k.kin.PutRecord(ctx, &kinesis.PutRecordInput{StreamARN: ptr(streamARN), PartitionKey: ptr(key), Data: []byte(data)}); err != nil {
					t.Fatal(err)
				}
				return data
			}
			var want []string
			for range tc.before {
				d := put()
				if tc.start != lambda.EventSourcePositionLatest {
					want = append(want, d)
				}
			}

			first := k.start(nil)
			p1 := &processed{ok: map[string]int{}, failing: map[string]bool{}}
			poison := tc.poison
			p1.failing[poison] = true
			var h lambda.Handler = p1.handler()
			if tc.partial {
				h = p1.partialHandler()
			}
			if err := first.svc.RegisterHandler("consumer", h); err != nil {
				t.Fatal(err)
			}
			in := &lambda.CreateEventSourceMappingInput{
				FunctionName: ptr("consumer"), EventSourceArn: ptr(streamARN), StartingPosition: tc.start,
				BatchSize: ptr(int32(2)), ParallelizationFactor: ptr(tc.parallel),
			}
			if tc.partial {
				in.BatchSize = ptr(int32(3))
				in.FunctionResponseTypes = []lambda.FunctionResponseType{lambda.FunctionResponseTypeReportBatchItemFailures}
			}
			_, err := first.svc.CreateEventSourceMapping(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for range 4 {
				want = append(want, put())
			}
			for range 5 {
				k.advance(time.Second)
				requireRows(t, first.journal, first.state())
			}
			if p1.count(poison) != 0 {
				t.Fatalf("the poison record %s was processed", poison)
			}
			total := 0
			for _, d := range want {
				total += p1.count(d)
			}
			if tc.start != lambda.EventSourcePositionLatest && total == 0 {
				t.Fatal("nothing was processed before the restart: the test shows nothing")
			}
			dump := requireRows(t, first.journal, first.state())
			log := first.journal.Log()
			first.stop()
			// Written while the service is down.
			want = append(want, put(), put())

			// The dump, and the dump followed by the whole log, restore the
			// same rows.
			for name, entries := range map[string][]awsapi.JournalEntry{"dump": dump, "dump+log": append(append([]awsapi.JournalEntry(nil), dump...), log...)} {
				other := k.start(entries)
				if got, want := rowText(mustRows(t, other.state())), rowText(dump); got != want {
					t.Errorf("restored from the %s:\n%s\nwant\n%s", name, got, want)
				}
				other.stop()
			}

			second := k.start(log)
			if got, want := rowText(mustRows(t, second.state())), rowText(dump); got != want {
				t.Errorf("restored from the log:\n%s\nwant\n%s", got, want)
			}
			p2 := &processed{ok: map[string]int{}, failing: map[string]bool{}}
			if err := second.svc.RegisterHandler("consumer", p2.handler()); err != nil {
				t.Fatal(err)
			}
			for range 20 {
				k.advance(time.Second)
			}
			requireRows(t, second.journal, second.state())
			var wrong []string
			for _, d := range want {
				if c := p1.count(d) + p2.count(d); c != 1 {
					wrong = append(wrong, fmt.Sprintf("%s processed %d times (%d before the restart)", d, c, p1.count(d)))
				}
			}
			sort.Strings(wrong)
			if len(wrong) > 0 {
				t.Errorf("records not processed exactly once:\n%s", strings.Join(wrong, "\n"))
			}
			if tc.start == lambda.EventSourcePositionLatest {
				for i := range tc.before {
					if d := fmt.Sprintf("a%d", i); p2.count(d) != 0 {
						t.Errorf("record %s, written before the LATEST mapping, was processed after the restart", d)
					}
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func mustRows(t *testing.T, p awsapi.Persistent) []awsapi.JournalEntry {
	t.Helper()
	rows, err := awsapi.DumpRows(p)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestDeletedMappingForgetsCheckpoints checks that deleting a mapping
// deletes its checkpoint rows, and that a shutdown keeps them.
func TestDeletedMappingForgetsCheckpoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		delete bool
	}{{"deleted", true}, {"shut down", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKStack(t)
			ctx := k.ctx()
			if _, err := k.kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: ptr("s"), ShardCount: ptr(int32(2))}); err != nil {
				t.Fatal(err)
			}
			k.advance(k.kin.Options().CreateDelay)
			inst := k.start(nil)
			if err := inst.svc.RegisterHandler("consumer", kinesisHandler(func(context.Context, events.KinesisEvent) error { return nil })); err != nil {
				t.Fatal(err)
			}
			out, err := inst.svc.CreateEventSourceMapping(ctx, &lambda.CreateEventSourceMappingInput{FunctionName: ptr("consumer"),
				EventSourceArn: ptr(fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/s", k.scope.Region, k.scope.Account)), StartingPosition: lambda.EventSourcePositionLatest})
			if err != nil {
				t.Fatal(err)
			}
			k.advance(time.Second)
			checkpoints := func() int {
				n := 0
				for _, r := range inst.journal.Rows() {
					if esm.IsPollerKey(r.Key) {
						n++
					}
				}
				return n
			}
			if got := checkpoints(); got != 2 {
				t.Fatalf("checkpoint rows = %d, want one per shard (2)", got)
			}
			if tc.delete {
				if _, err := inst.svc.DeleteEventSourceMapping(ctx, &lambda.DeleteEventSourceMappingInput{UUID: out.UUID}); err != nil {
					t.Fatal(err)
				}
				k.advance(time.Second)
				requireRows(t, inst.journal, inst.state())
			} else {
				inst.stop()
			}
			want := 2
			if tc.delete {
				want = 0
			}
			if got := checkpoints(); got != want {
				t.Errorf("checkpoint rows = %d, want %d", got, want)
			}
			if !bytes.Contains([]byte(rowText(inst.journal.Rows())), []byte("consumer")) {
				t.Error("the function's row is missing")
			}
		})
	}
}
