package delivery

import (
	"container/heap"
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// ErrClosed is returned by Enqueue on a closed queue.
var ErrClosed = errors.New("delivery: queue closed")

// Defaults of Options.
const (
	DefaultMaxConcurrent = 16
	DefaultMaxRecords    = 1000
)

// workerLinger is how long, in real time, a worker that runs out of due
// deliveries waits for another before it ends, so that a steady stream of
// deliveries reuses a few goroutines (and their grown stacks) instead of
// starting one per delivery. A lingering worker is still a clock callback:
// clock.Settle returns at most this much later.
const workerLinger = time.Millisecond

// Kind is what an attempt came to.
type Kind int

// Attempt outcomes.
const (
	// Success: the target took the delivery.
	Success Kind = iota + 1
	// Retryable: the attempt failed; the policy decides whether to retry.
	Retryable
	// Permanent: the delivery can never succeed; it fails at once.
	Permanent
	// Throttled: the target refused for now; under a ThrottlePolicy the
	// delivery backs off without using up a retry.
	Throttled
	// Discard: the target is gone; the delivery ends without callbacks.
	Discard
	// Postponed: the attempt was not made yet; it runs again, with the
	// same number, Outcome.Delay later (e.g. an injected latency). Nothing
	// is recorded; the delivery's age still counts.
	Postponed
)

var kindNames = [...]string{"", "Success", "Retryable", "Permanent", "Throttled", "Discard", "Postponed"}

// String returns the kind's name.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes the kind's name (records in JSON).
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Outcome is the result of one attempt: a kind and, for failures, why.
type Outcome struct {
	Kind   Kind
	Reason string
	// Delay is how much later a Postponed attempt runs.
	Delay time.Duration
}

// Delivered is the outcome of a successful attempt.
func Delivered() Outcome { return Outcome{Kind: Success} }

// Retry is the outcome of an attempt that failed for reason and may be
// retried.
func Retry(reason string) Outcome { return Outcome{Kind: Retryable, Reason: reason} }

// Fail is the outcome of an attempt that failed for reason for good.
func Fail(reason string) Outcome { return Outcome{Kind: Permanent, Reason: reason} }

// Throttle is the outcome of an attempt the target refused for now.
func Throttle(reason string) Outcome { return Outcome{Kind: Throttled, Reason: reason} }

// Drop is the outcome of an attempt whose target is gone.
func Drop(reason string) Outcome { return Outcome{Kind: Discard, Reason: reason} }

// Postpone is the outcome of an attempt that is to be made d later
// instead (not counted as an attempt).
func Postpone(d time.Duration) Outcome { return Outcome{Kind: Postponed, Delay: d} }

// Status is how a delivery ended.
type Status int

// Final statuses.
const (
	// StatusDelivered: an attempt succeeded.
	StatusDelivered Status = iota + 1
	// StatusRetriesExhausted: the last allowed attempt failed.
	StatusRetriesExhausted
	// StatusEventAgeExceeded: the next attempt would come too late.
	StatusEventAgeExceeded
	// StatusFailed: an attempt failed permanently.
	StatusFailed
	// StatusDiscarded: the target is gone.
	StatusDiscarded
)

var statusNames = [...]string{"", "Delivered", "RetriesExhausted", "EventAgeExceeded", "Failed", "Discarded"}

// String returns the status's name; RetriesExhausted and EventAgeExceeded
// are Lambda's destination conditions.
func (s Status) String() string {
	if s > 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText writes the status's name (records in JSON).
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Delivery is one thing to deliver.
type Delivery[P any] struct {
	// ID names the delivery in records and results; "" gets a generated
	// one. IDs need not be unique.
	ID string
	// Target says where it goes: records carry it, RatePolicy limits and
	// CancelTarget work by it.
	Target string
	// OrderingKey, when set, makes the delivery wait for every earlier
	// delivery with the same key to end (FIFO).
	OrderingKey string
	// Payload is handed to every attempt. The engine never touches it; as
	// attempts of one delivery never overlap, an attempt may update what a
	// pointer payload points to.
	Payload P
	// Policy is the retry schedule; nil is no retries and no age limit.
	Policy Policy
	// Delay postpones the first attempt.
	Delay time.Duration
}

// Attempt is what the attempt function is given.
type Attempt[P any] struct {
	ID      string
	Target  string
	Payload P
	// Number is the attempt's number, 1 for the first; throttled attempts
	// under a ThrottlePolicy do not count, so the attempt after a throttle
	// has the same number.
	Number int
	// Throttles is the number of consecutive throttles before this one.
	Throttles int
	// Due is when the attempt was due on the virtual clock (the clock may
	// have been moved past it); Enqueued is when the delivery was queued.
	Due, Enqueued time.Time
}

// Result is how a delivery ended, as the callbacks see it.
type Result[P any] struct {
	ID          string
	Target      string
	OrderingKey string
	Payload     P
	Status      Status
	// Attempts is the number of attempts made (throttles under a
	// ThrottlePolicy not counted).
	Attempts int
	// Reason is the last failed attempt's reason.
	Reason string
	// Enqueued is when the delivery was queued; Ended the virtual time of
	// its last attempt or expiry.
	Enqueued, Ended time.Time
}

// Record is one attempt, as Records returns it.
type Record struct {
	ID      string    `json:"id"`
	Target  string    `json:"target"`
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	Outcome Kind      `json:"outcome"`
	Error   string    `json:"error,omitempty"`
	// Final is the status the attempt ended the delivery with, 0 when it
	// did not end it.
	Final Status `json:"final,omitempty"`
}

// Options configure a queue.
type Options[P any] struct {
	// Clock is the emulator's clock; required.
	Clock *clock.Clock
	// Attempt makes one attempt; required. It runs in a clock callback
	// goroutine (clock.Settle waits for it) and may block; ctx ends when the
	// queue is closed.
	Attempt func(ctx context.Context, a Attempt[P]) Outcome
	// OnSuccess runs when a delivery succeeds.
	OnSuccess func(Result[P])
	// OnFailure runs when a delivery fails (retries exhausted, age
	// exceeded, permanent failure), before DeadLetter.
	OnFailure func(Result[P])
	// DeadLetter runs after OnFailure: route the payload to a DLQ.
	DeadLetter func(Result[P])
	// MaxConcurrent bounds the attempts running at once (default 16).
	MaxConcurrent int
	// MaxRecords is how many attempt records the queue keeps, newest last
	// (default 1000, negative keeps none).
	MaxRecords int
	// Journal, when set, keeps a row per delivery that has not ended
	// (see "Persistence" in doc.go): Put when it is queued and when a
	// failed attempt reschedules it, Delete when it ends. Encode is then
	// required.
	Journal awsapi.Journal
	// KeyPrefix starts the keys of the queue's rows (RowKey), unique
	// among the journal's other rows, e.g. "d/web/".
	KeyPrefix string
	// Encode turns a payload into JSON for its row; the owner's Restore
	// rebuild function decodes it.
	Encode func(P) ([]byte, error)
}

// item is a queued delivery.
type item[P any] struct {
	d         Delivery[P]
	id        string
	seq       uint64
	enqueued  time.Time
	due       time.Time
	attempts  int
	throttles int
	reason    string
	index     int // in the ready heap, -1 when not there
	// j is the delivery's journal state; nil without a journal.
	j *journaled
}

// Queue is a delivery engine bound to a clock: it runs attempts when they
// fall due, retries by each delivery's policy and reports how deliveries
// end. It is safe for concurrent use.
type Queue[P any] struct {
	o      Options[P]
	clk    *clock.Clock
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	closed   bool
	seq      uint64
	ready    readyHeap[P]
	groups   map[string][]*item[P] // FIFO groups: head first, head ready or running
	pending  int                   // queued, waiting or running
	running  int                   // workers attempting (or about to)
	idle     int                   // lingering workers waiting on handoff
	handoff  chan *item[P]         // due deliveries for lingering workers
	linger   time.Duration         // workerLinger (tests lengthen it)
	spawned  int                   // workers started, for tests
	timer    *clock.Timer
	timerAt  time.Time
	nextSlot map[string]time.Time // rate-limited targets: earliest next attempt
	records  []Record             // ring
	recHead  int                  // index of the oldest record once full
	live     map[uint64]*item[P]  // with a journal: deliveries not ended, by seq
}

// New returns a queue; it fails without a clock or an attempt function.
func New[P any](o Options[P]) (*Queue[P], error) {
	if o.Clock == nil {
		return nil, errors.New("delivery: New needs a clock")
	}
	if o.Attempt == nil {
		return nil, errors.New("delivery: New needs an attempt function")
	}
	if o.Journal != nil && o.Encode == nil {
		return nil, errors.New("delivery: New needs Encode with a journal")
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.MaxRecords == 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue[P]{
		o: o, clk: o.Clock, ctx: ctx, cancel: cancel,
		groups: map[string][]*item[P]{}, nextSlot: map[string]time.Time{},
		handoff: make(chan *item[P], o.MaxConcurrent), linger: workerLinger,
	}
	if o.Journal != nil {
		q.live = map[uint64]*item[P]{}
	}
	return q, nil
}

// Enqueue queues d and returns its ID. Its first attempt runs after
// d.Delay (at once for 0), or, with an ordering key, once the deliveries
// before it in its group have ended.
func (q *Queue[P]) Enqueue(d Delivery[P]) (string, error) {
	now := q.clk.Now()
	var enc []byte
	if q.journaled() {
		var err error
		if enc, err = q.encodePayload(d.Payload); err != nil {
			return "", err
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return "", ErrClosed
	}
	q.seq++
	it := &item[P]{d: d, id: d.ID, seq: q.seq, enqueued: now, due: now.Add(max(d.Delay, 0)), index: -1}
	if it.id == "" {
		it.id = strconv.FormatUint(it.seq, 10)
	}
	if enc != nil {
		it.j = &journaled{enc: enc}
		q.putLocked(it, itemRow(it))
	}
	q.pending++
	if k := d.OrderingKey; k != "" {
		g := q.groups[k]
		q.groups[k] = append(g, it)
		if len(g) > 0 {
			return it.id, nil // waits for its group
		}
	}
	heap.Push(&q.ready, it)
	q.kickLocked(now)
	return it.id, nil
}

// Pending returns how many deliveries have not ended (queued, waiting for a
// retry or their group, or being attempted).
func (q *Queue[P]) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

// Records returns the kept attempt records, oldest first; with ids, only
// those of these deliveries.
func (q *Queue[P]) Records(ids ...string) []Record {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Record, 0, len(q.records))
	n := len(q.records)
	for i := range n {
		r := q.records[(q.recHead+i)%n]
		if len(ids) == 0 || contains(ids, r.ID) {
			out = append(out, r)
		}
	}
	return out
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// CancelTarget drops, without callbacks, the deliveries to target that wait
// for an attempt (not those being attempted) and returns how many.
func (q *Queue[P]) CancelTarget(target string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	// Members of FIFO groups behind their head first, so that removing a
	// head does not promote one of them.
	for k, g := range q.groups {
		keep := g[:0]
		for i, it := range g {
			if i > 0 && it.d.Target == target {
				n++
				q.pending--
				if q.live != nil {
					q.forgetLocked(it)
				}
				continue
			}
			keep = append(keep, it)
		}
		clear(g[len(keep):])
		q.groups[k] = keep
	}
	for removed := true; removed; {
		removed = false
		for i, it := range q.ready {
			if it.d.Target != target {
				continue
			}
			heap.Remove(&q.ready, i)
			n++
			q.pending--
			if q.live != nil {
				q.forgetLocked(it)
			}
			if it.d.OrderingKey != "" {
				q.advanceGroupLocked(it, time.Time{})
			}
			removed = true
			break
		}
	}
	q.kickLocked(q.clk.Now())
	return n
}

// Close stops the queue: timers stop, waiting deliveries are dropped
// without callbacks, Enqueue fails and the context of running attempts is
// cancelled. Close does not wait for running attempts (an attempt may
// close its own queue); their outcomes are ignored. It is idempotent.
func (q *Queue[P]) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	q.cancel()
	if q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
	q.ready = nil
	q.groups = nil
	q.pending = 0
}

// kickLocked starts workers for due deliveries, up to the concurrency
// bound, and arms the timer for the next due time.
func (q *Queue[P]) kickLocked(now time.Time) {
	for q.running < q.o.MaxConcurrent {
		it := q.nextDueLocked(now)
		if it == nil {
			break
		}
		q.running++
		if q.idle > 0 {
			// A lingering worker takes it (the channel has room for
			// every lingering worker).
			q.idle--
			q.handoff <- it
			continue
		}
		q.spawned++
		q.clk.AfterFunc(0, func() { q.work(it) })
	}
	q.armLocked()
}

// nextDueLocked pops the next delivery due at now, postponing those a rate
// limit holds back.
func (q *Queue[P]) nextDueLocked(now time.Time) *item[P] {
	for len(q.ready) > 0 && !q.ready[0].due.After(now) {
		it := q.ready[0]
		if rp, ok := it.d.Policy.(RatePolicy); ok {
			if r := rp.MaxPerSecond(); r > 0 {
				slot := q.nextSlot[it.d.Target]
				if slot.After(it.due) {
					it.due = slot
					heap.Fix(&q.ready, 0)
					continue
				}
				q.nextSlot[it.d.Target] = it.due.Add(time.Second / time.Duration(r))
				q.pruneSlotsLocked(now)
			}
		}
		heap.Pop(&q.ready)
		return it
	}
	return nil
}

// pruneSlotsLocked forgets rate slots already passed once there are many.
func (q *Queue[P]) pruneSlotsLocked(now time.Time) {
	if len(q.nextSlot) < 1024 {
		return
	}
	for t, at := range q.nextSlot {
		if !at.After(now) {
			delete(q.nextSlot, t)
		}
	}
}

// armLocked keeps one clock timer at the earliest due time while a worker
// could take it.
func (q *Queue[P]) armLocked() {
	if q.closed || len(q.ready) == 0 || q.running >= q.o.MaxConcurrent {
		if q.timer != nil {
			q.timer.Stop()
			q.timer = nil
		}
		return
	}
	at := q.ready[0].due
	if q.timer != nil && q.timerAt.Equal(at) {
		return
	}
	if q.timer != nil {
		q.timer.Stop()
	}
	q.timerAt = at
	var t *clock.Timer
	t = q.clk.AfterFunc(q.clk.Until(at), func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.timer == t {
			q.timer = nil
		}
		if !q.closed {
			q.kickLocked(q.clk.Now())
		}
	})
	q.timer = t
}

// work runs it and then every further due delivery, inside one clock
// callback; when none is due it lingers for workerLinger in case one
// comes.
func (q *Queue[P]) work(it *item[P]) {
	var t *time.Timer
	for it != nil {
		for it != nil {
			it = q.step(it)
		}
		if t == nil {
			t = time.NewTimer(q.linger)
		} else {
			t.Reset(q.linger)
		}
		it = q.await(t)
	}
	if t != nil {
		t.Stop()
	}
}

// await gives back the running slot of a worker that step left without a
// delivery and waits, as an idle worker, until kickLocked hands it one, t
// fires or the queue closes; nil means the worker ends. The slot becomes
// an idle worker under one lock, so that a kick in between cannot start a
// worker beside this one (the workers alive never exceed MaxConcurrent).
func (q *Queue[P]) await(t *time.Timer) *item[P] {
	q.mu.Lock()
	q.running--
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.idle++
	// A delivery that fell due while this worker finished goes to an idle
	// worker (this one, or one already waiting), and the timer is armed
	// for the next.
	q.kickLocked(q.clk.Now())
	q.mu.Unlock()
	select {
	case it := <-q.handoff:
		return it // kickLocked counted it as running
	case <-t.C:
	case <-q.ctx.Done():
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	select {
	case it := <-q.handoff:
		// Handed over before the lock was taken: take it.
		return it
	default:
	}
	q.idle--
	return nil
}

// step makes one attempt of it (or expires it) and returns the next due
// delivery for this worker, nil when the worker should end.
func (q *Queue[P]) step(it *item[P]) *item[P] {
	pol := it.d.Policy
	var maxAge time.Duration
	if pol != nil {
		maxAge = pol.MaxAge()
	}
	// Ages count at the attempt's due time: a clock moved past several due
	// times at once runs each attempt as if on time.
	if maxAge > 0 && it.due.Sub(it.enqueued) > maxAge {
		return q.end(it, StatusEventAgeExceeded, nil)
	}
	out := q.o.Attempt(q.ctx, Attempt[P]{
		ID: it.id, Target: it.d.Target, Payload: it.d.Payload,
		Number: it.attempts + 1, Throttles: it.throttles, Due: it.due, Enqueued: it.enqueued,
	})
	if out.Kind == Postponed {
		return q.retry(it, out.Delay, maxAge, nil)
	}
	rec := &Record{ID: it.id, Target: it.d.Target, Attempt: it.attempts + 1, At: it.due, Outcome: out.Kind, Error: out.Reason}
	tp, throttles := pol.(ThrottlePolicy)
	if out.Kind == Throttled && throttles {
		it.throttles++
		it.reason = out.Reason
		return q.retry(it, tp.ThrottleDelay(it.throttles), maxAge, rec)
	}
	it.throttles = 0
	it.attempts++
	switch out.Kind {
	case Success:
		return q.end(it, StatusDelivered, rec)
	case Discard:
		return q.end(it, StatusDiscarded, rec)
	case Permanent:
		it.reason = out.Reason
		return q.end(it, StatusFailed, rec)
	}
	// Retryable, Throttled without a throttle policy, or unknown.
	it.reason = out.Reason
	if pol == nil {
		return q.end(it, StatusRetriesExhausted, rec)
	}
	d, ok := pol.RetryDelay(it.attempts)
	if !ok {
		return q.end(it, StatusRetriesExhausted, rec)
	}
	return q.retry(it, d, maxAge, rec)
}

// retry schedules it again after d, unless that is past its age.
func (q *Queue[P]) retry(it *item[P], d, maxAge time.Duration, rec *Record) *item[P] {
	next := it.due.Add(max(d, 0))
	if maxAge > 0 && next.Sub(it.enqueued) > maxAge {
		return q.end(it, StatusEventAgeExceeded, rec)
	}
	var row []byte
	if q.journaled() {
		// The worker owns it until it is queued again: build the row
		// outside the lock.
		if enc, err := q.encodePayload(it.d.Payload); err == nil {
			it.j.enc = enc
		}
		row = finishRow(appendRowBody(nil, it.id, it.d.Target, it.d.OrderingKey, it.enqueued, next,
			it.attempts, it.throttles, it.reason, it.j.enc), it.seq)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.recordLocked(rec)
	if q.closed {
		return nil
	}
	it.due = next
	if row != nil {
		q.putLocked(it, row)
	}
	heap.Push(&q.ready, it)
	return q.nextLocked()
}

// end finishes it with status, runs the callbacks and returns the
// worker's next delivery.
func (q *Queue[P]) end(it *item[P], st Status, rec *Record) *item[P] {
	q.mu.Lock()
	if rec != nil {
		rec.Final = st
		q.recordLocked(rec)
	}
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.pending--
	if q.live != nil {
		q.forgetLocked(it)
	}
	if it.d.OrderingKey != "" {
		q.advanceGroupLocked(it, it.due)
	}
	q.mu.Unlock()
	res := Result[P]{
		ID: it.id, Target: it.d.Target, OrderingKey: it.d.OrderingKey, Payload: it.d.Payload,
		Status: st, Attempts: it.attempts, Reason: it.reason, Enqueued: it.enqueued, Ended: it.due,
	}
	switch st {
	case StatusDelivered:
		if q.o.OnSuccess != nil {
			q.o.OnSuccess(res)
		}
	case StatusDiscarded:
	default:
		if q.o.OnFailure != nil {
			q.o.OnFailure(res)
		}
		if q.o.DeadLetter != nil {
			q.o.DeadLetter(res)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	return q.nextLocked()
}

// nextLocked hands the worker the next due delivery, or returns nil: the
// worker then still holds its running slot, which await gives back.
func (q *Queue[P]) nextLocked() *item[P] {
	now := q.clk.Now()
	if it := q.nextDueLocked(now); it != nil {
		// Start more workers if more are due and slots are free.
		q.kickLocked(now)
		return it
	}
	return nil
}

// advanceGroupLocked removes the ended head it of its FIFO group and makes
// the next delivery of the group ready, no earlier than ended.
func (q *Queue[P]) advanceGroupLocked(it *item[P], ended time.Time) {
	k := it.d.OrderingKey
	g := q.groups[k]
	if len(g) == 0 || g[0] != it {
		return
	}
	g[0] = nil
	g = g[1:]
	if len(g) == 0 {
		delete(q.groups, k)
		return
	}
	q.groups[k] = g
	next := g[0]
	if next.due.Before(ended) {
		next.due = ended
	}
	heap.Push(&q.ready, next)
}

// recordLocked keeps rec in the ring.
func (q *Queue[P]) recordLocked(rec *Record) {
	if rec == nil || q.o.MaxRecords < 0 {
		return
	}
	if len(q.records) < q.o.MaxRecords {
		q.records = append(q.records, *rec)
		return
	}
	q.records[q.recHead] = *rec
	q.recHead = (q.recHead + 1) % len(q.records)
}

// readyHeap orders deliveries by due time, then by enqueue order.
type readyHeap[P any] []*item[P]

func (h readyHeap[P]) Len() int { return len(h) }

func (h readyHeap[P]) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].seq < h[j].seq
	}
	return h[i].due.Before(h[j].due)
}

func (h readyHeap[P]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *readyHeap[P]) Push(x any) {
	it, ok := x.(*item[P])
	if !ok {
		return
	}
	it.index = len(*h)
	*h = append(*h, it)
}

func (h *readyHeap[P]) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = nil
	it.index = -1
	*h = old[:n-1]
	return it
}
