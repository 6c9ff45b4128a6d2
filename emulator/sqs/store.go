package sqs

import (
	"container/heap"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// message is one message held by a queue. It is kept small (a queue may
// hold millions): the details few messages have live in x.
type message struct {
	id       string
	body     string
	md5Body  string
	attrs    map[string]MessageAttributeValue
	md5Attrs string
	senderID string
	sent     time.Time
	seq      uint64 // per-queue send order
	size     int
	// x holds the FIFO, fair-queue, system-attribute and dead-letter
	// details; nil when the message has none. Copies of a message must
	// not share it (see msgExtra.clone).
	x *msgExtra

	receives     int
	firstReceive time.Time
	lastReceive  time.Time

	// handle is the receipt handle of the latest receive; only it may
	// change the visibility.
	handle string
	// state and the heap positions, -1 when absent.
	state     msgState
	front     bool      // made visible at the front (returned), not sent to the back
	visibleAt time.Time // in flight: when it returns; delayed: when it shows
	heapIndex int
	// pos orders the pushes to the visible set (queue.ev): a restore
	// replays them in this order to rebuild the same delivery order.
	pos uint64
}

// msgExtra is what only some messages carry.
type msgExtra struct {
	group     string // FIFO message group (or fair-queue group)
	dedupID   string
	seqNum    string
	md5Sys    string
	traceHdr  string
	dlqSource string // DeadLetterQueueSourceArn once redriven
}

// extra returns m's details, allocating them on first use.
func (m *message) extra() *msgExtra {
	if m.x == nil {
		m.x = new(msgExtra)
	}
	return m.x
}

// clone returns a copy of x (nil for nil), for a copied message.
func (x *msgExtra) clone() *msgExtra {
	if x == nil {
		return nil
	}
	c := *x
	return &c
}

// group returns m's message group, or "".
func (m *message) group() string {
	if m.x == nil {
		return ""
	}
	return m.x.group
}

// dedupID returns m's deduplication id, or "".
func (m *message) dedupID() string {
	if m.x == nil {
		return ""
	}
	return m.x.dedupID
}

// seqNum returns m's FIFO sequence number, or "".
func (m *message) seqNum() string {
	if m.x == nil {
		return ""
	}
	return m.x.seqNum
}

// md5Sys returns the MD5 of m's system attributes, or "".
func (m *message) md5Sys() string {
	if m.x == nil {
		return ""
	}
	return m.x.md5Sys
}

// traceHdr returns m's AWSTraceHeader, or "".
func (m *message) traceHdr() string {
	if m.x == nil {
		return ""
	}
	return m.x.traceHdr
}

// dlqSource returns the ARN of the queue m was dead-lettered from, or "".
func (m *message) dlqSource() string {
	if m.x == nil {
		return ""
	}
	return m.x.dlqSource
}

type msgState uint8

const (
	stateReady msgState = iota
	stateDelayed
	stateInflight
	stateGone
)

// deque is a ring buffer of messages: O(1) push and pop at both ends.
type deque struct {
	buf        []*message
	head, size int
}

func (d *deque) len() int { return d.size }

func (d *deque) grow() {
	n := len(d.buf) * 2
	if n == 0 {
		n = 16
	}
	nb := make([]*message, n)
	for i := 0; i < d.size; i++ {
		nb[i] = d.buf[(d.head+i)%len(d.buf)]
	}
	d.buf, d.head = nb, 0
}

func (d *deque) pushBack(m *message) {
	if d.size == len(d.buf) {
		d.grow()
	}
	d.buf[(d.head+d.size)%len(d.buf)] = m
	d.size++
}

func (d *deque) pushFront(m *message) {
	if d.size == len(d.buf) {
		d.grow()
	}
	d.head = (d.head - 1 + len(d.buf)) % len(d.buf)
	d.buf[d.head] = m
	d.size++
}

func (d *deque) front() *message {
	if d.size == 0 {
		return nil
	}
	return d.buf[d.head]
}

func (d *deque) popFront() *message {
	if d.size == 0 {
		return nil
	}
	m := d.buf[d.head]
	d.buf[d.head] = nil
	d.head = (d.head + 1) % len(d.buf)
	d.size--
	if d.size == 0 {
		d.head = 0
	}
	return m
}

// at returns the i-th message from the front.
func (d *deque) at(i int) *message { return d.buf[(d.head+i)%len(d.buf)] }

// insertBySeq puts m before the first message with a larger seq. Messages
// coming back to a FIFO group are older than the ones waiting, so the scan
// stops within the first few slots.
func (d *deque) insertBySeq(m *message) {
	i := 0
	for i < d.size && d.at(i).seq < m.seq {
		i++
	}
	if i == 0 {
		d.pushFront(m)
		return
	}
	d.pushBack(m)
	for j := d.size - 1; j > i; j-- {
		d.buf[(d.head+j)%len(d.buf)] = d.at(j - 1)
	}
	d.buf[(d.head+i)%len(d.buf)] = m
}

// timeHeap orders messages by visibleAt (then send order).
type timeHeap []*message

func (h timeHeap) Len() int { return len(h) }
func (h timeHeap) Less(i, j int) bool {
	if h[i].visibleAt.Equal(h[j].visibleAt) {
		return h[i].seq < h[j].seq
	}
	return h[i].visibleAt.Before(h[j].visibleAt)
}
func (h timeHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex = i
	h[j].heapIndex = j
}
func (h *timeHeap) Push(x any) {
	m := x.(*message)
	m.heapIndex = len(*h)
	*h = append(*h, m)
}
func (h *timeHeap) Pop() any {
	old := *h
	n := len(old)
	m := old[n-1]
	old[n-1] = nil
	m.heapIndex = -1
	*h = old[:n-1]
	return m
}

func (h *timeHeap) add(m *message)    { heap.Push(h, m) }
func (h *timeHeap) remove(m *message) { heap.Remove(h, m.heapIndex) }
func (h *timeHeap) fix(m *message)    { heap.Fix(h, m.heapIndex) }

// peek returns the earliest message or nil.
func (h timeHeap) peek() *message {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

// group is a FIFO message group: its waiting messages in order and how
// many of its messages are in flight (the group is locked while any is).
type group struct {
	id       string
	msgs     deque
	inflight int
	queued   bool // in the queue's ready-group list
}

// groupList is a FIFO of groups with visible messages and none in flight.
type groupList struct {
	buf        []*group
	head, size int
}

func (l *groupList) push(g *group) {
	if l.size == len(l.buf) {
		n := len(l.buf) * 2
		if n == 0 {
			n = 8
		}
		nb := make([]*group, n)
		for i := 0; i < l.size; i++ {
			nb[i] = l.buf[(l.head+i)%len(l.buf)]
		}
		l.buf, l.head = nb, 0
	}
	l.buf[(l.head+l.size)%len(l.buf)] = g
	l.size++
}

func (l *groupList) pop() *group {
	if l.size == 0 {
		return nil
	}
	g := l.buf[l.head]
	l.buf[l.head] = nil
	l.head = (l.head + 1) % len(l.buf)
	l.size--
	return g
}

// dedupEntry remembers a FIFO send for the deduplication window.
type dedupEntry struct {
	key     string
	expires time.Time
	msgID   string
	seqNum  string
}

// dedupWindow is the five-minute deduplication memory of a FIFO queue:
// entries expire in insertion order, so a ring suffices.
type dedupWindow struct {
	byKey map[string]*dedupEntry
	order []*dedupEntry
	head  int
}

// expire forgets the entries past their window, deleting their rows
// from j (under prefix) when j is set.
func (w *dedupWindow) expire(now time.Time, j awsapi.Journal, prefix string) {
	for w.head < len(w.order) && !w.order[w.head].expires.After(now) {
		e := w.order[w.head]
		if w.byKey[e.key] == e {
			delete(w.byKey, e.key)
			if j != nil {
				j.Delete(dedupRowKey(prefix, e.key))
			}
		}
		w.order[w.head] = nil
		w.head++
	}
	if w.head > 1024 && w.head*2 > len(w.order) {
		w.order = append([]*dedupEntry(nil), w.order[w.head:]...)
		w.head = 0
	}
}

func (w *dedupWindow) get(key string) *dedupEntry {
	if w.byKey == nil {
		return nil
	}
	return w.byKey[key]
}

func (w *dedupWindow) put(e *dedupEntry) {
	if w.byKey == nil {
		w.byKey = map[string]*dedupEntry{}
	}
	w.byKey[e.key] = e
	w.order = append(w.order, e)
}
