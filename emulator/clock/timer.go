package clock

import (
	"container/heap"
	"time"
)

// Timer is a single event on a clock's virtual timeline, the counterpart of
// time.Timer. Stop and Reset follow time.Timer as of Go 1.23: once they
// return, no stale value is received from C.
type Timer struct {
	// C delivers the timer's virtual deadline when it fires (nil for
	// timers made by AfterFunc). It is buffered with capacity 1.
	C <-chan time.Time

	c        chan time.Time
	f        func()
	clk      *Clock
	deadline time.Time
	seq      uint64
	index    int // position in the clock's heap, -1 when not pending
}

// NewTimer returns a timer that sends its deadline on C once d of virtual
// time has passed. A d <= 0 fires at once.
func (c *Clock) NewTimer(d time.Duration) *Timer {
	ch := make(chan time.Time, 1)
	t := &Timer{C: ch, c: ch, clk: c, index: -1}
	c.start(t, d)
	return t
}

// AfterFunc runs f in its own goroutine once d of virtual time has passed
// and returns a timer whose Stop cancels the call. A nil f is a no-op.
func (c *Clock) AfterFunc(d time.Duration, f func()) *Timer {
	if f == nil {
		f = func() {}
	}
	t := &Timer{f: f, clk: c, index: -1}
	c.start(t, d)
	return t
}

// After returns the channel of a new timer. The timer stays pending until it
// fires; prefer NewTimer and Stop when the wait may be abandoned.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	return c.NewTimer(d).C
}

func (c *Clock) start(t *Timer, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scheduleLocked(t, c.nowLocked(), d)
}

// scheduleLocked puts t on the timeline d after now.
func (c *Clock) scheduleLocked(t *Timer, now time.Time, d time.Duration) {
	if d < 0 {
		d = 0
	}
	t.deadline = now.Add(d)
	c.seq++
	t.seq = c.seq
	heap.Push(&c.timers, t)
	c.fireDueLocked(now)
	c.rearmLocked(now, false)
}

// Stop prevents the timer from firing. It returns true if that stopped a
// pending timer or discarded a fired value not yet received from C, false
// if the timer had already fired (and its value was received or its
// function started) or had been stopped.
func (t *Timer) Stop() bool {
	if t == nil || t.clk == nil {
		return false
	}
	c := t.clk
	c.mu.Lock()
	defer c.mu.Unlock()
	active := t.unscheduleLocked()
	if active {
		c.rearmLocked(c.nowLocked(), false)
	}
	return active
}

// Reset makes the timer fire d of virtual time from now, discarding any
// fired value not yet received from C. It returns what Stop would have.
func (t *Timer) Reset(d time.Duration) bool {
	if t == nil || t.clk == nil {
		return false
	}
	c := t.clk
	c.mu.Lock()
	defer c.mu.Unlock()
	active := t.unscheduleLocked()
	c.scheduleLocked(t, c.nowLocked(), d)
	return active
}

// unscheduleLocked takes t off the timeline and drains C; it reports whether
// either happened.
func (t *Timer) unscheduleLocked() bool {
	active := false
	if t.index >= 0 {
		heap.Remove(&t.clk.timers, t.index)
		active = true
	}
	if t.c != nil {
		select {
		case <-t.c:
			active = true
		default:
		}
	}
	return active
}

func (t *Timer) fireLocked() {
	if t.f != nil {
		t.clk.startCallbackLocked(t.f)
		return
	}
	select {
	case t.c <- t.deadline:
	default: // an unreceived value is already waiting
	}
}

// timerHeap orders pending timers by deadline, then creation order.
type timerHeap []*Timer

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	if h[i].deadline.Equal(h[j].deadline) {
		return h[i].seq < h[j].seq
	}
	return h[i].deadline.Before(h[j].deadline)
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *timerHeap) Push(x any) {
	t, ok := x.(*Timer)
	if !ok {
		return
	}
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}

func (h *timerHeap) popMin() *Timer {
	t, _ := heap.Pop(h).(*Timer)
	return t
}
