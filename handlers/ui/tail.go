package ui

import (
	"sync"
	"sync/atomic"
	"time"
)

// Event is one entry of the live tail: an AWS operation the emulator
// answered, or a fault that fired.
type Event struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"` // "call" or "fault"
	Service   string    `json:"service"`
	Operation string    `json:"operation"`
	Resource  string    `json:"resource,omitempty"`
	Account   string    `json:"account,omitempty"`
	Region    string    `json:"region,omitempty"`
	Status    int       `json:"status,omitempty"`
	RequestID string    `json:"requestId,omitempty"`
	// Micros is how long the call took (real time).
	Micros int64  `json:"micros,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Tail is a fixed-size ring of the latest events. Add costs a slot lock
// and a copy, no allocation, so every request can record itself; readers
// poll with Since.
type Tail struct {
	now      func() time.Time
	last     atomic.Uint64 // seq of the latest event; 0 before the first
	watchers atomic.Int32  // open streams
	slots    []tailSlot
}

// Watch counts an open stream until the returned func is called: calls
// carry their resource names only while someone watches (naming them
// costs a walk of the request's input).
func (t *Tail) Watch() (release func()) {
	t.watchers.Add(1)
	var once sync.Once
	return func() { once.Do(func() { t.watchers.Add(-1) }) }
}

// Watched reports whether a stream is open.
func (t *Tail) Watched() bool { return t != nil && t.watchers.Load() > 0 }

type tailSlot struct {
	mu sync.Mutex
	ev Event
}

// NewTail returns a ring keeping the latest size events, stamped with now.
func NewTail(size int, now func() time.Time) *Tail {
	if size < 1 {
		size = 1
	}
	return &Tail{now: now, slots: make([]tailSlot, size)}
}

// Add records ev, giving it the next sequence number and, when it has
// none, the time.
func (t *Tail) Add(ev Event) {
	if t == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = t.now()
	}
	ev.Seq = t.last.Add(1)
	s := &t.slots[ev.Seq%uint64(len(t.slots))]
	s.mu.Lock()
	if s.ev.Seq < ev.Seq { // a slower writer of an older lap loses
		s.ev = ev
	}
	s.mu.Unlock()
}

// Last returns the sequence number of the latest event.
func (t *Tail) Last() uint64 { return t.last.Load() }

// Since returns the events after seq still in the ring, oldest first, at
// most max of the newest when max > 0.
func (t *Tail) Since(seq uint64, max int) []Event {
	last := t.last.Load()
	n := uint64(len(t.slots))
	first := seq + 1
	if last >= n && first < last-n+1 {
		first = last - n + 1
	}
	if max > 0 && last >= uint64(max) && first < last-uint64(max)+1 {
		first = last - uint64(max) + 1
	}
	var out []Event
	for q := first; q <= last && q != 0; q++ {
		s := &t.slots[q%n]
		s.mu.Lock()
		ev := s.ev
		s.mu.Unlock()
		if ev.Seq == q { // not yet written, or already overwritten
			out = append(out, ev)
		}
	}
	return out
}
