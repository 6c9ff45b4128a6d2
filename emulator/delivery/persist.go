package delivery

// Persistence of queued deliveries (see "Persistence" in doc.go).

import (
	"cmp"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/evolvestack/evolvestack/internal/jsonstr"
)

// Stored is a queued delivery as its journal row holds it: what a Queue
// needs to take it up again after a restart. The owner turns it back into
// a Delivery (payload and policy) in Restore's rebuild function.
type Stored struct {
	// Seq is the delivery's enqueue number in its queue (the row key's
	// suffix); deliveries are restored in Seq order.
	Seq         uint64 `json:"s"`
	ID          string `json:"i"`
	Target      string `json:"t"`
	OrderingKey string `json:"k,omitempty"`
	// Enqueued and Due are virtual-clock times in Unix nanoseconds: when
	// the delivery was queued and when its next attempt falls due.
	Enqueued int64 `json:"e"`
	Due      int64 `json:"d"`
	// Attempts counts the attempts made; Throttles the consecutive
	// throttles since the last counted one; Reason is the last failure's.
	Attempts  int    `json:"a,omitempty"`
	Throttles int    `json:"h,omitempty"`
	Reason    string `json:"r,omitempty"`
	// Payload is what Options.Encode made of the payload (JSON).
	Payload json.RawMessage `json:"p"`
}

// EnqueuedTime returns when the delivery was queued, in loc.
func (s Stored) EnqueuedTime(loc *time.Location) time.Time { return time.Unix(0, s.Enqueued).In(loc) }

// DueTime returns when the next attempt falls due, in loc.
func (s Stored) DueTime(loc *time.Location) time.Time { return time.Unix(0, s.Due).In(loc) }

// ParseStored decodes a row value a queue journaled.
func ParseStored(value []byte) (Stored, error) {
	var s Stored
	if err := json.Unmarshal(value, &s); err != nil {
		return Stored{}, fmt.Errorf("delivery: decoding a stored delivery: %w", err)
	}
	return s, nil
}

// RowKey is the journal key of the delivery with enqueue number seq in a
// queue whose Options.KeyPrefix is prefix.
func RowKey(prefix string, seq uint64) string { return prefix + strconv.FormatUint(seq, 10) }

// journaled is a delivery's journal state: its encoded payload and the
// row last journaled (what DumpState emits).
type journaled struct {
	enc, row []byte
}

// journaled reports whether the queue journals its deliveries.
func (q *Queue[P]) journaled() bool { return q.o.Journal != nil }

// encodePayload runs Options.Encode and checks that it made JSON.
func (q *Queue[P]) encodePayload(p P) ([]byte, error) {
	b, err := q.o.Encode(p)
	if err != nil {
		return nil, fmt.Errorf("delivery: encoding a payload: %w", err)
	}
	if !json.Valid(b) {
		return nil, errors.New("delivery: Options.Encode made invalid JSON")
	}
	return b, nil
}

// appendRowBody appends the row of it, without its sequence number and
// closing brace, to b (the fields the row builder knows before Enqueue
// takes the lock).
func appendRowBody(b []byte, id, target, key string, enqueued, due time.Time, attempts, throttles int, reason string, payload []byte) []byte {
	b = append(b, `{"i":`...)
	b = jsonstr.Append(b, id)
	b = append(b, `,"t":`...)
	b = jsonstr.Append(b, target)
	if key != "" {
		b = append(b, `,"k":`...)
		b = jsonstr.Append(b, key)
	}
	b = append(b, `,"e":`...)
	b = strconv.AppendInt(b, enqueued.UnixNano(), 10)
	b = append(b, `,"d":`...)
	b = strconv.AppendInt(b, due.UnixNano(), 10)
	if attempts != 0 {
		b = append(b, `,"a":`...)
		b = strconv.AppendInt(b, int64(attempts), 10)
	}
	if throttles != 0 {
		b = append(b, `,"h":`...)
		b = strconv.AppendInt(b, int64(throttles), 10)
	}
	if reason != "" {
		b = append(b, `,"r":`...)
		b = jsonstr.Append(b, reason)
	}
	b = append(b, `,"p":`...)
	return append(b, payload...)
}

// finishRow ends a row body with its sequence number.
func finishRow(b []byte, seq uint64) []byte {
	b = append(b, `,"s":`...)
	b = strconv.AppendUint(b, seq, 10)
	return append(b, '}')
}

// itemRow builds its whole row (the caller owns it: it is not being
// changed by anyone else).
func itemRow[P any](it *item[P]) []byte {
	b := appendRowBody(make([]byte, 0, 96+len(it.d.Target)+len(it.j.enc)), it.id, it.d.Target, it.d.OrderingKey,
		it.enqueued, it.due, it.attempts, it.throttles, it.reason, it.j.enc)
	return finishRow(b, it.seq)
}

// putLocked journals its row (q.mu held).
func (q *Queue[P]) putLocked(it *item[P], row []byte) {
	it.j.row = row
	q.live[it.seq] = it
	q.o.Journal.Put(RowKey(q.o.KeyPrefix, it.seq), row)
}

// forgetLocked journals the end of it (q.mu held).
func (q *Queue[P]) forgetLocked(it *item[P]) {
	if _, ok := q.live[it.seq]; !ok {
		return
	}
	delete(q.live, it.seq)
	q.o.Journal.Delete(RowKey(q.o.KeyPrefix, it.seq))
}

// DumpState emits the row of every delivery that has not ended (waiting,
// retrying or being attempted), as last journaled: the owner's
// awsapi.Persistent.DumpState calls it. A queue without a journal emits
// nothing. Rows stay after Close, which ends no delivery for good.
func (q *Queue[P]) DumpState(emit func(key string, value []byte)) error {
	if !q.journaled() {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, seq := range slices.Sorted(maps.Keys(q.live)) {
		emit(RowKey(q.o.KeyPrefix, seq), q.live[seq].j.row)
	}
	return nil
}

// Restore queues the stored deliveries again, in Seq order, with their
// enqueue times, due times and attempt counts; those already due are
// attempted at once. rebuild turns a row into the delivery to queue
// (its Payload and Policy; ID, Target and OrderingKey come from the row),
// or reports false to drop it (its target is gone, say): a dropped row is
// deleted from the journal. Deliveries enqueued later get numbers after
// the restored ones. Restore must come before the queue's first Enqueue.
func (q *Queue[P]) Restore(rows []Stored, rebuild func(Stored) (Delivery[P], bool)) error {
	if !q.journaled() {
		return errors.New("delivery: Restore needs Options.Journal")
	}
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b Stored) int { return cmp.Compare(a.Seq, b.Seq) })
	now := q.clk.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if q.seq != 0 {
		return errors.New("delivery: Restore after Enqueue")
	}
	for _, r := range rows {
		q.seq = max(q.seq, r.Seq)
		d, ok := rebuild(r)
		if !ok {
			q.o.Journal.Delete(RowKey(q.o.KeyPrefix, r.Seq))
			continue
		}
		d.ID, d.Target, d.OrderingKey = r.ID, r.Target, r.OrderingKey
		it := &item[P]{d: d, id: r.ID, seq: r.Seq, enqueued: r.EnqueuedTime(now.Location()), due: r.DueTime(now.Location()),
			attempts: r.Attempts, throttles: r.Throttles, reason: r.Reason, j: &journaled{enc: slices.Clone(r.Payload)}, index: -1}
		it.j.row = itemRow(it)
		q.live[it.seq] = it
		q.pending++
		if k := d.OrderingKey; k != "" {
			g := q.groups[k]
			q.groups[k] = append(g, it)
			if len(g) > 0 {
				continue
			}
		}
		heap.Push(&q.ready, it)
	}
	q.kickLocked(now)
	return nil
}
