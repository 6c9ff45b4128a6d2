package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/delivery"
)

// owner is a minimal owner of a journaled queue, as a service would be:
// it implements awsapi.Persistent by delegating to the queue. Payloads
// name their script: "r…" fails for good's sake twice then delivers,
// "x…" always fails, "t…" is throttled twice (Lambda's throttle policy),
// "p…" is postponed once, "gone…" is dropped at restore, "a…" fails under
// a 90-second age limit; anything else delivers at once.
type owner struct {
	t   *testing.T
	clk *clock.Clock
	j   *awsapi.MemoryJournal
	q   *delivery.Queue[string]

	mu     sync.Mutex
	events []string
	rows   map[string]delivery.Stored
}

func newOwner(t *testing.T, clk *clock.Clock) *owner {
	t.Helper()
	o := &owner{t: t, clk: clk, j: &awsapi.MemoryJournal{}, rows: map[string]delivery.Stored{}}
	q, err := delivery.New(delivery.Options[string]{
		Clock:         clk,
		MaxConcurrent: 1,
		Journal:       o.j,
		KeyPrefix:     "d/",
		Encode:        func(p string) ([]byte, error) { return json.Marshal(p) },
		Attempt:       o.attempt,
		OnSuccess: func(r delivery.Result[string]) {
			if !strings.HasPrefix(r.Payload, "gone") {
				o.note("ok %s %d", r.Payload, r.Attempts)
			}
		},
		OnFailure: func(r delivery.Result[string]) { o.note("fail %s %s %d", r.Payload, r.Status, r.Attempts) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	o.q = q
	return o
}

func (o *owner) note(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, fmt.Sprintf(format, args...))
}

func (o *owner) attempt(_ context.Context, a delivery.Attempt[string]) delivery.Outcome {
	p := a.Payload
	if !strings.HasPrefix(p, "gone") { // a restored owner never sees them
		o.note("attempt %s id=%s #%d th=%d due=%s enq=%s", p, a.ID, a.Number, a.Throttles, a.Due.Sub(epoch), a.Enqueued.Sub(epoch))
	}
	switch {
	case strings.HasPrefix(p, "r"), strings.HasPrefix(p, "gone"):
		if a.Number <= 2 {
			return delivery.Retry("boom")
		}
	case strings.HasPrefix(p, "x"), strings.HasPrefix(p, "a"):
		return delivery.Retry("always \"boom\"\n")
	case strings.HasPrefix(p, "t"):
		if a.Throttles < 2 {
			return delivery.Throttle("slow down")
		}
	case strings.HasPrefix(p, "p"):
		if a.Due.Before(epoch.Add(10 * time.Second)) {
			return delivery.Postpone(10 * time.Second)
		}
	}
	return delivery.Delivered()
}

// policy derives a payload's policy, as an owner does from its state.
func policy(p string) delivery.Policy {
	switch {
	case strings.HasPrefix(p, "t"):
		return delivery.LambdaPolicy{MaximumRetryAttempts: 2, MaximumEventAge: time.Hour}
	case strings.HasPrefix(p, "a"):
		return delivery.Fixed{Retries: 5, Delay: time.Minute, Age: 90 * time.Second}
	}
	return delivery.Fixed{Retries: 3, Delay: time.Minute}
}

func (o *owner) enqueue(d delivery.Delivery[string]) string {
	o.t.Helper()
	d.Policy = policy(d.Payload)
	if d.Target == "" {
		d.Target = "target"
	}
	id, err := o.q.Enqueue(d)
	if err != nil {
		o.t.Fatal(err)
	}
	return id
}

func (o *owner) advance(d time.Duration) {
	o.t.Helper()
	for range 20 {
		if err := o.clk.Settle(context.Background()); err != nil {
			o.t.Fatal(err)
		}
		if err := o.clk.Advance(d / 20); err != nil {
			o.t.Fatal(err)
		}
	}
	if err := o.clk.Settle(context.Background()); err != nil {
		o.t.Fatal(err)
	}
}

func (o *owner) takeEvents() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	ev := o.events
	o.events = nil
	slices.Sort(ev)
	return ev
}

func (o *owner) DumpState(emit func(string, []byte)) error { return o.q.DumpState(emit) }

func (o *owner) RestoreState(key string, value []byte) error {
	if value == nil {
		delete(o.rows, key)
		return nil
	}
	st, err := delivery.ParseStored(value)
	if err != nil {
		return err
	}
	o.rows[key] = st
	return nil
}

func (o *owner) RestoreDone() error {
	rows := slices.Collect(maps.Values(o.rows))
	return o.q.Restore(rows, func(r delivery.Stored) (delivery.Delivery[string], bool) {
		var p string
		if err := json.Unmarshal(r.Payload, &p); err != nil || strings.HasPrefix(p, "gone") {
			return delivery.Delivery[string]{}, false
		}
		return delivery.Delivery[string]{Payload: p, Policy: policy(p)}, true
	})
}

func requireRows(t *testing.T, what string, got, want []awsapi.JournalEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n got %s\nwant %s", what, len(got), len(want), showRows(got), showRows(want))
	}
	for i := range got {
		if got[i].Key != want[i].Key || !bytes.Equal(got[i].Value, want[i].Value) {
			t.Fatalf("%s: row %d:\n got %s %s\nwant %s %s", what, i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
}

func showRows(rows []awsapi.JournalEntry) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "\n  %s %s", r.Key, r.Value)
	}
	return b.String()
}

func dumpRows(t *testing.T, p awsapi.Persistent) []awsapi.JournalEntry {
	t.Helper()
	rows, err := awsapi.DumpRows(p)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestQueueJournal drives journaled queues through enqueues, retries,
// throttles, postponements, FIFO groups, cancels and expiries; checks
// that the journal's rows are what DumpState emits; restarts the queue
// from the journal's log, from the dump and from both, and checks that
// the restored queues make the same attempts (numbers, ids, ages) and
// hand out the same new ids as a queue that never stopped.
func TestQueueJournal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		run      func(o *owner)
		wantRows int // pending deliveries at the cut
	}{
		{"delivered and retrying", func(o *owner) {
			o.enqueue(delivery.Delivery[string]{Payload: "plain"})
			o.enqueue(delivery.Delivery[string]{Payload: "r1"})
			o.enqueue(delivery.Delivery[string]{Payload: "x1", ID: "msg-x1"})
			o.enqueue(delivery.Delivery[string]{Payload: "later", Delay: 5 * time.Minute})
			o.advance(30 * time.Second)
		}, 3},
		{"fifo groups", func(o *owner) {
			o.enqueue(delivery.Delivery[string]{Payload: "r-g1", OrderingKey: "g"})
			o.enqueue(delivery.Delivery[string]{Payload: "g2", OrderingKey: "g"})
			o.enqueue(delivery.Delivery[string]{Payload: "r-h1", OrderingKey: "h"})
			o.enqueue(delivery.Delivery[string]{Payload: "h2", OrderingKey: "h"})
			o.advance(70 * time.Second)
		}, 4},
		{"throttles and postponements", func(o *owner) {
			o.enqueue(delivery.Delivery[string]{Payload: "t1"})
			o.enqueue(delivery.Delivery[string]{Payload: "p1"})
			o.advance(time.Second)
		}, 2},
		{"cancels, expiry and drops", func(o *owner) {
			o.enqueue(delivery.Delivery[string]{Payload: "c1", Target: "cancelled", Delay: time.Hour})
			o.enqueue(delivery.Delivery[string]{Payload: "r-c2", Target: "cancelled", OrderingKey: "k"})
			o.enqueue(delivery.Delivery[string]{Payload: "c3", Target: "cancelled", OrderingKey: "k"})
			o.enqueue(delivery.Delivery[string]{Payload: "a1"})
			o.enqueue(delivery.Delivery[string]{Payload: "gone1"})
			o.advance(10 * time.Second)
			// c1 waits, r-c2 waits for its retry and c3 for its group.
			if n := o.q.CancelTarget("cancelled"); n != 3 {
				o.t.Errorf("CancelTarget = %d, want 3", n)
			}
			o.advance(20 * time.Second)
		}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			newClock := func() *clock.Clock { return clock.New(clock.WithStart(epoch), clock.WithScale(0)) }
			ref := newOwner(t, newClock())
			tc.run(ref)
			orig := newOwner(t, newClock())
			tc.run(orig)

			// 1. The journal's rows are the dump.
			dump := dumpRows(t, orig)
			requireRows(t, "journal vs dump", orig.j.Rows(), dump)
			if len(dump) != tc.wantRows {
				t.Fatalf("%d pending rows, want %d:%s", len(dump), tc.wantRows, showRows(dump))
			}
			if got, want := ref.takeEvents(), orig.takeEvents(); !slices.Equal(got, want) {
				t.Fatalf("runs differ before the cut:\n%q\n%q", got, want)
			}
			log := orig.j.Log()
			orig.q.Close()
			if n := len(dumpRows(t, orig)); n != tc.wantRows {
				t.Fatalf("Close dropped rows: %d left, want %d", n, tc.wantRows)
			}

			// 2. Restarts from the log, from the dump, and (3) from the
			// dump followed by the whole log.
			restarts := map[string][]awsapi.JournalEntry{
				"log":        log,
				"dump":       dump,
				"dump + log": append(slices.Clone(dump), log...),
			}
			var want []string
			newID := ref.enqueue(delivery.Delivery[string]{Payload: "new"})
			ref.advance(10 * time.Minute)
			want = ref.takeEvents()
			for name, entries := range restarts {
				clk := newClock()
				if err := clk.Advance(orig.clk.Now().Sub(epoch)); err != nil {
					t.Fatal(err)
				}
				o := newOwner(t, clk)
				if err := awsapi.Replay(o, entries); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if id := o.enqueue(delivery.Delivery[string]{Payload: "new"}); id != newID {
					t.Errorf("%s: new delivery's id = %s, want %s (after the restored ones)", name, id, newID)
				}
				o.advance(10 * time.Minute)
				if got := o.takeEvents(); !slices.Equal(got, want) {
					t.Errorf("%s: after the restart:\n got %q\nwant %q", name, got, want)
				}
				if n := o.q.Pending(); n != 0 {
					t.Errorf("%s: %d deliveries pending at the end", name, n)
				}
				if rows := dumpRows(t, o); len(rows) != 0 {
					t.Errorf("%s: rows left at the end:%s", name, showRows(rows))
				}
			}
		})
	}
}

// TestQueueJournalNeedsEncode checks New's and Enqueue's refusals.
func TestQueueJournalNeedsEncode(t *testing.T) {
	t.Parallel()
	clk := clock.New(clock.WithStart(epoch), clock.WithScale(0))
	attempt := func(context.Context, delivery.Attempt[string]) delivery.Outcome { return delivery.Delivered() }
	if _, err := delivery.New(delivery.Options[string]{Clock: clk, Attempt: attempt, Journal: &awsapi.MemoryJournal{}}); err == nil {
		t.Fatal("New with a journal and no Encode succeeded")
	}
	q, err := delivery.New(delivery.Options[string]{Clock: clk, Attempt: attempt, Journal: &awsapi.MemoryJournal{},
		Encode: func(p string) ([]byte, error) { return []byte(p), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if _, err := q.Enqueue(delivery.Delivery[string]{Payload: "not json"}); err == nil {
		t.Fatal("Enqueue of a payload encoded as invalid JSON succeeded")
	}
	if _, err := q.Enqueue(delivery.Delivery[string]{Payload: `"ok"`}); err != nil {
		t.Fatal(err)
	}
	if err := q.Restore(nil, nil); err == nil {
		t.Fatal("Restore after Enqueue succeeded")
	}
}
