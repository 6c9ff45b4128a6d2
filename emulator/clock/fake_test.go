package clock

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeReal is a hand-driven source of real time for testing the clock.
type fakeReal struct {
	mu      sync.Mutex
	now     time.Time
	nextID  int
	pending map[int]fakeWake
}

type fakeWake struct {
	at time.Time
	id int
	f  func()
}

type fakeHandle struct {
	r  *fakeReal
	id int
}

func newFakeReal() *fakeReal {
	return &fakeReal{
		now:     time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		pending: map[int]fakeWake{},
	}
}

func (r *fakeReal) Now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *fakeReal) AfterFunc(d time.Duration, f func()) Stopper {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	r.pending[r.nextID] = fakeWake{at: r.now.Add(d), id: r.nextID, f: f}
	return &fakeHandle{r: r, id: r.nextID}
}

func (h *fakeHandle) Stop() bool {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	_, ok := h.r.pending[h.id]
	delete(h.r.pending, h.id)
	return ok
}

// Pending counts the armed real-time wake-ups.
func (r *fakeReal) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// Advance moves real time forward by d, running due wake-ups synchronously
// in time order (including ones they schedule that are already due).
func (r *fakeReal) Advance(d time.Duration) {
	r.mu.Lock()
	r.now = r.now.Add(d)
	r.mu.Unlock()
	for {
		r.mu.Lock()
		var due []fakeWake
		for id, w := range r.pending {
			if !w.at.After(r.now) {
				due = append(due, w)
				delete(r.pending, id)
			}
		}
		r.mu.Unlock()
		if len(due) == 0 {
			return
		}
		sort.Slice(due, func(i, j int) bool {
			if due[i].at.Equal(due[j].at) {
				return due[i].id < due[j].id
			}
			return due[i].at.Before(due[j].at)
		})
		for _, w := range due {
			w.f()
		}
	}
}

// testStart is the virtual start of fake-driven clocks.
func testStart() time.Time { return time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC) }

// newFake returns a clock driven by a fake real time, starting at testStart.
func newFake(t *testing.T, scale float64) (*Clock, *fakeReal) {
	t.Helper()
	r := newFakeReal()
	c := New(WithStart(testStart()), WithScale(scale), WithRealTime(r.Now, r.AfterFunc))
	t.Cleanup(func() { _ = c.Close() })
	return c, r
}

// fired reports whether a value is waiting on ch and returns it.
func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-ch:
		return v, true
	default:
		return time.Time{}, false
	}
}

func (c *Clock) pendingTimers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// waitPending waits (briefly, in real time) until n timers are pending.
func waitPending(t *testing.T, c *Clock, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for c.pendingTimers() != n {
		if time.Now().After(deadline) {
			t.Fatalf("pending timers = %d, want %d", c.pendingTimers(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func settle(t *testing.T, c *Clock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Settle(ctx); err != nil {
		t.Fatalf("Settle: %v", err)
	}
}
