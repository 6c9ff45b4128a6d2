package sqs

// Persistence (--data-dir): the service's state as journal rows.
//
//	q/<queue>           a queue: attributes, tags, permissions, timestamps,
//	                    and the reserved marks of its send and receive counters
//	m/<queue>/<id>      a message, whole (written by appendMessageRow)
//	d/<queue>/<key>     a FIFO deduplication entry until its window ends
//	x/<queue>           a recently deleted queue name (the 60 s rule)
//	t/<task id>         a message move task
//
// Left out: waiting receivers (connections, not state) and the
// ReceiveRequestAttemptId memory of FIFO receives (a retry after a restart
// receives afresh, as after the attempt's window). A message being moved
// to a dead-letter queue or by a move task is deleted from its source
// before it is written to its target, under each queue's own lock: a crash
// between the two loses it.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/evolvestack/evolvestack/emulator/awsapi"

	"github.com/evolvestack/evolvestack/internal/jsonstr"
)

var _ awsapi.Persistent = (*Service)(nil)

// counterBlock is how far a journaled queue row reserves its send and
// receive counters ahead, so that counting costs a row write only once
// per block; a restore resumes after the reserved values.
const counterBlock = 1024

func queueRowKey(name string) string   { return "q/" + name }
func deletedRowKey(name string) string { return "x/" + name }
func taskRowKey(id string) string      { return "t/" + id }

// msgKey is the row key of m in q.
func (q *queue) msgKey(m *message) string { return "m/" + q.name + "/" + m.id }

// dedupRowKey is the row key of a deduplication entry; prefix is the
// queue's name. Group and deduplication ids are printable ASCII without
// spaces, so the NUL that joins them in messageGroup scope becomes one.
func dedupRowKey(prefix, key string) string {
	return "d/" + prefix + "/" + strings.ReplaceAll(key, "\x00", " ")
}

// queueRow is the journaled form of a queue.
type queueRow struct {
	Name      string            `json:"n"`
	FIFO      bool              `json:"f,omitempty"`
	Created   int64             `json:"c"`
	Modified  int64             `json:"m"`
	Attrs     map[string]string `json:"a"`
	Tags      map[string]string `json:"t,omitempty"`
	Perms     []permRow         `json:"p,omitempty"`
	LastPurge int64             `json:"lp,omitempty"`
	Seq       uint64            `json:"s,omitempty"`
	Rcv       uint64            `json:"r,omitempty"`
}

type permRow struct {
	Label    string   `json:"l"`
	Accounts []string `json:"a"`
	Actions  []string `json:"x"`
}

// rowLocked renders q's queue row.
func (q *queue) rowLocked() []byte {
	r := queueRow{Name: q.name, FIFO: q.fifo, Created: awsapi.UnixNano(q.created), Modified: awsapi.UnixNano(q.modified),
		Attrs: q.attrs, Tags: q.tags, LastPurge: awsapi.UnixNano(q.lastPurge), Seq: max(q.seqMark, q.seq), Rcv: max(q.rcvMark, q.rcv)}
	for _, p := range q.perms {
		r.Perms = append(r.Perms, permRow{Label: p.label, Accounts: p.accounts, Actions: p.actions})
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("sqs: encoding queue row: %v", err)) // maps of strings always encode
	}
	return b
}

// putRowLocked journals q's queue row.
func (q *queue) putRowLocked() {
	if q.j != nil {
		q.j.Put(queueRowKey(q.name), q.rowLocked())
	}
}

// nextSeqLocked advances the send counter.
func (q *queue) nextSeqLocked() uint64 { return q.advanceLocked(&q.seq, &q.seqMark) }

// nextRcvLocked advances the receive counter.
func (q *queue) nextRcvLocked() uint64 { return q.advanceLocked(&q.rcv, &q.rcvMark) }

// advanceLocked advances counter n, reserving a new block (up to *mark)
// in the queue row when it runs past the last.
func (q *queue) advanceLocked(n, mark *uint64) uint64 {
	*n++
	if q.j != nil && *n > *mark {
		*mark = *n + counterBlock
		q.putRowLocked()
	}
	return *n
}

// putMsgLocked journals m's row. Key and value share one allocation:
// the key is a string over the head of the buffer, never written again.
func (q *queue) putMsgLocked(m *message) {
	b := make([]byte, 0, len(q.name)+len(m.id)+192+len(m.body)+len(m.md5Attrs))
	b = append(append(append(append(b, "m/"...), q.name...), '/'), m.id...)
	n := len(b)
	b = appendMessageRow(b, m)
	q.j.Put(unsafe.String(unsafe.SliceData(b), n), b[n:len(b):len(b)])
}

// eachMessageLocked calls f for every live message of q.
func (q *queue) eachMessageLocked(f func(*message)) {
	for i := 0; i < q.ready.len(); i++ {
		f(q.ready.at(i))
	}
	for _, g := range q.groups {
		for i := 0; i < g.msgs.len(); i++ {
			f(g.msgs.at(i))
		}
	}
	for _, m := range q.delayed {
		f(m)
	}
	for _, m := range q.inflight {
		f(m)
	}
}

// msgRow is the decoded form of a message row; appendMessageRow writes
// the same fields by hand.
type msgRow struct {
	ID        string             `json:"i"`
	Body      string             `json:"b"`
	MD5Body   string             `json:"mb"`
	Attrs     map[string]attrRow `json:"a,omitempty"`
	MD5Attrs  string             `json:"ma,omitempty"`
	Sender    string             `json:"s,omitempty"`
	Sent      int64              `json:"t,omitempty"`
	Seq       uint64             `json:"q"`
	Size      int                `json:"z"`
	Group     string             `json:"g,omitempty"`
	DedupID   string             `json:"d,omitempty"`
	SeqNum    string             `json:"n,omitempty"`
	MD5Sys    string             `json:"ms,omitempty"`
	Trace     string             `json:"th,omitempty"`
	DLQSource string             `json:"dl,omitempty"`
	Receives  int                `json:"r,omitempty"`
	First     int64              `json:"fr,omitempty"`
	Last      int64              `json:"lr,omitempty"`
	Handle    string             `json:"h,omitempty"`
	State     msgState           `json:"st"`
	VisibleAt int64              `json:"v,omitempty"`
	Pos       uint64             `json:"o,omitempty"`
	Front     bool               `json:"f,omitempty"`
}

// attrRow is a message attribute value in a row.
type attrRow struct {
	Type    *string  `json:"t,omitempty"`
	String  *string  `json:"s,omitempty"`
	Binary  []byte   `json:"b,omitempty"`
	Strings []string `json:"sl,omitempty"`
	Binarys [][]byte `json:"bl,omitempty"`
}

// appendMessageRow appends m's row, JSON written without reflection: it
// is the hot row (one per send and per receive).
func appendMessageRow(b []byte, m *message) []byte {
	b = append(b, `{"i":`...)
	b = appendRawString(b, m.id) // a UUID
	b = append(b, `,"b":`...)
	b = jsonstr.Append(b, m.body)
	b = append(b, `,"mb":`...)
	b = appendRawString(b, m.md5Body) // hex
	if len(m.attrs) > 0 {
		b = append(b, `,"a":{`...)
		var one [1]string
		for i, name := range attrOrder(m.attrs, &one) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAttr(jsonstr.Append(b, name), m.attrs[name])
		}
		b = append(b, '}')
	}
	b = appendStrField(b, `,"ma":`, m.md5Attrs)
	b = appendStrField(b, `,"s":`, m.senderID)
	b = appendIntField(b, `,"t":`, awsapi.UnixNano(m.sent))
	b = append(b, `,"q":`...)
	b = strconv.AppendUint(b, m.seq, 10)
	b = append(b, `,"z":`...)
	b = strconv.AppendInt(b, int64(m.size), 10)
	if x := m.x; x != nil {
		b = appendStrField(b, `,"g":`, x.group)
		b = appendStrField(b, `,"d":`, x.dedupID)
		b = appendStrField(b, `,"n":`, x.seqNum)
		b = appendStrField(b, `,"ms":`, x.md5Sys)
		b = appendStrField(b, `,"th":`, x.traceHdr)
		b = appendStrField(b, `,"dl":`, x.dlqSource)
	}
	b = appendIntField(b, `,"r":`, int64(m.receives))
	b = appendIntField(b, `,"fr":`, awsapi.UnixNano(m.firstReceive))
	b = appendIntField(b, `,"lr":`, awsapi.UnixNano(m.lastReceive))
	b = appendStrField(b, `,"h":`, m.handle)
	b = append(b, `,"st":`...)
	b = strconv.AppendUint(b, uint64(m.state), 10)
	b = appendIntField(b, `,"v":`, awsapi.UnixNano(m.visibleAt))
	if m.pos != 0 {
		b = append(b, `,"o":`...)
		b = strconv.AppendUint(b, m.pos, 10)
	}
	if m.front {
		b = append(b, `,"f":true`...)
	}
	return append(b, '}')
}

func appendStrField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	return jsonstr.Append(append(b, name...), v)
}

func appendIntField(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(append(b, name...), v, 10)
}

// appendAttr appends a message attribute value as an attrRow.
func appendAttr(b []byte, v MessageAttributeValue) []byte {
	b = append(b, ":{"...)
	sep := false
	field := func(name string) {
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, name...)
	}
	if v.DataType != nil {
		field(`"t":`)
		b = jsonstr.Append(b, *v.DataType)
	}
	if v.StringValue != nil {
		field(`"s":`)
		b = jsonstr.Append(b, *v.StringValue)
	}
	if len(v.BinaryValue) > 0 {
		field(`"b":"`)
		b = append(base64.StdEncoding.AppendEncode(b, v.BinaryValue), '"')
	}
	if len(v.StringListValues) > 0 {
		field(`"sl":[`)
		for i, s := range v.StringListValues {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, s)
		}
		b = append(b, ']')
	}
	if len(v.BinaryListValues) > 0 {
		field(`"bl":[`)
		for i, s := range v.BinaryListValues {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(base64.StdEncoding.AppendEncode(append(b, '"'), s), '"')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// plainJSONWord reports whether the eight bytes of s need no escaping in
// a JSON string: none is below 0x20, non-ASCII, '"' or '\\'. A borrow
// can flag a byte wrongly only above one that is rightly flagged, so a
// false answer merely sends the word to the byte-wise path.
func plainJSONWord(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	q, bs := w^('"'*ones), w^('\\'*ones)
	return ((w-0x20*ones)&^w|w|(q-ones)&^q|(bs-ones)&^bs)&highs == 0
}

// appendRawString appends s, known to need no escaping (ids, digests).
func appendRawString(b []byte, s string) []byte {
	return append(append(append(b, '"'), s...), '"')
}

// dedupRow is the journaled form of a deduplication entry.
type dedupRow struct {
	Key     string `json:"k"`
	Expires int64  `json:"e"`
	MsgID   string `json:"i"`
	SeqNum  string `json:"n"`
}

// putDedupLocked journals a deduplication entry.
func (q *queue) putDedupLocked(e *dedupEntry) {
	b, _ := json.Marshal(dedupRow{Key: e.key, Expires: awsapi.UnixNano(e.expires), MsgID: e.msgID, SeqNum: e.seqNum}) // strings and ints always encode
	q.j.Put(dedupRowKey(q.name, e.key), b)
}

// deletedRow is the journaled form of a recently deleted queue name.
type deletedRow struct {
	At int64 `json:"t"`
}

func deletedRowValue(at time.Time) []byte {
	b, _ := json.Marshal(deletedRow{At: awsapi.UnixNano(at)}) // an int always encodes
	return b
}

// deleteRowsLocked deletes every row of q from the journal, for
// DeleteQueue (the messages go with purgeLocked).
func (q *queue) deleteRowsLocked() {
	if q.j == nil {
		return
	}
	for key := range q.dedup.byKey {
		q.j.Delete(dedupRowKey(q.name, key))
	}
	q.j.Delete(queueRowKey(q.name))
}

// taskRow is the journaled form of a move task.
type taskRow struct {
	ID      string `json:"id"`
	Handle  string `json:"h"`
	Source  string `json:"src"`
	Dest    string `json:"dst,omitempty"`
	Rate    int32  `json:"rate,omitempty"`
	Seq     uint64 `json:"seq"`
	Status  string `json:"st"`
	Moved   int64  `json:"mv"`
	ToMove  int64  `json:"tm"`
	Started int64  `json:"sa"`
	Failure string `json:"fr,omitempty"`
	Next    int64  `json:"nx,omitempty"`
}

// rowLocked renders t's row.
func (t *moveTask) rowLocked() []byte {
	b, _ := json.Marshal(taskRow{ID: t.id, Handle: t.handle, Source: t.source, Dest: t.dest, Rate: t.rate, Seq: t.seq,
		Status: t.status, Moved: t.moved, ToMove: t.toMove, Started: awsapi.UnixNano(t.started), Failure: t.failure, Next: awsapi.UnixNano(t.next)}) // plain fields always encode
	return b
}

// putLocked journals t's row.
func (t *moveTask) putLocked() {
	if j := t.svc.env.Journal; j != nil {
		j.Put(taskRowKey(t.id), t.rowLocked())
	}
}

// DumpState emits every row of the service's state, holding the service
// lock throughout and each queue's and task's lock while it emits theirs.
func (s *Service) DumpState(emit func(key string, value []byte)) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, name := range sortedKeys(s.queues) {
		q := s.queues[name]
		q.mu.Lock()
		emit(queueRowKey(q.name), q.rowLocked())
		q.eachMessageLocked(func(m *message) {
			emit(q.msgKey(m), appendMessageRow(make([]byte, 0, 256+len(m.body)), m))
		})
		for key, e := range q.dedup.byKey {
			b, _ := json.Marshal(dedupRow{Key: e.key, Expires: awsapi.UnixNano(e.expires), MsgID: e.msgID, SeqNum: e.seqNum})
			emit(dedupRowKey(q.name, key), b)
		}
		q.mu.Unlock()
	}
	for name, at := range s.deleted {
		emit(deletedRowKey(name), deletedRowValue(at))
	}
	for _, t := range s.tasks {
		t.mu.Lock()
		emit(taskRowKey(t.id), t.rowLocked())
		t.mu.Unlock()
	}
	return nil
}

// RestoreState keeps one row for RestoreDone; a nil value deletes it.
func (s *Service) RestoreState(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restoring == nil {
		s.restoring = map[string][]byte{}
	}
	if value == nil {
		delete(s.restoring, key)
		return nil
	}
	s.restoring[key] = append([]byte(nil), value...)
	return nil
}

// restoredQueue collects a queue's rows during RestoreDone.
type restoredQueue struct {
	row   queueRow
	msgs  []*message
	dedup []dedupRow
}

// RestoreDone builds the queues, messages and tasks from the rows
// RestoreState kept and restarts the running move tasks. Messages past
// retention and deduplication entries past their window go as they do
// without a restart: when the queue next meets them.
func (s *Service) RestoreDone() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := s.restoring
	s.restoring = nil
	qs := map[string]*restoredQueue{}
	get := func(name string) *restoredQueue {
		rq := qs[name]
		if rq == nil {
			rq = &restoredQueue{}
			qs[name] = rq
		}
		return rq
	}
	var tasks []taskRow
	for _, key := range sortedKeys(rows) {
		value := rows[key]
		kind, rest, _ := strings.Cut(key, "/")
		var err error
		switch kind {
		case "q":
			rq := get(rest)
			err = json.Unmarshal(value, &rq.row)
		case "m":
			name, _, _ := strings.Cut(rest, "/")
			var r msgRow
			if err = json.Unmarshal(value, &r); err == nil {
				get(name).msgs = append(get(name).msgs, r.message())
			}
		case "d":
			name, _, _ := strings.Cut(rest, "/")
			var r dedupRow
			if err = json.Unmarshal(value, &r); err == nil {
				get(name).dedup = append(get(name).dedup, r)
			}
		case "x":
			var r deletedRow
			if err = json.Unmarshal(value, &r); err == nil {
				s.deleted[rest] = awsapi.FromUnixNano(r.At)
			}
		case "t":
			var r taskRow
			if err = json.Unmarshal(value, &r); err == nil {
				tasks = append(tasks, r)
			}
		default:
			err = fmt.Errorf("unknown row kind %q", kind)
		}
		if err != nil {
			return fmt.Errorf("sqs: restoring row %s: %w", key, err)
		}
	}
	for name, rq := range qs {
		if rq.row.Name == "" {
			continue // rows of a queue whose own row is gone: deleted
		}
		s.queues[name] = s.restoreQueue(rq)
	}
	now := s.env.Clock.Now()
	for _, r := range tasks {
		t := &moveTask{svc: s, id: r.ID, handle: r.Handle, source: r.Source, dest: r.Dest, rate: r.Rate, seq: r.Seq,
			status: r.Status, moved: r.Moved, toMove: r.ToMove, started: awsapi.FromUnixNano(r.Started), failure: r.Failure, next: awsapi.FromUnixNano(r.Next)}
		s.taskSeq = max(s.taskSeq, t.seq)
		s.tasks[t.id] = t
		if t.status == taskRunning {
			t.timer = s.env.Clock.AfterFunc(max(t.next.Sub(now), 0), t.step)
		}
	}
	return nil
}

// restoreQueue builds a queue from its rows, then attaches the journal.
func (s *Service) restoreQueue(rq *restoredQueue) *queue {
	r := &rq.row
	q := newQueue(r.Name, s.env.Scope.Account, s.env.Scope.Region, r.FIFO, awsapi.FromUnixNano(r.Created))
	q.modified = awsapi.FromUnixNano(r.Modified)
	q.attrs = r.Attrs
	if q.attrs == nil {
		q.attrs = map[string]string{}
	}
	if r.Tags != nil {
		q.tags = r.Tags
	}
	for _, p := range r.Perms {
		q.perms = append(q.perms, permission{label: p.Label, accounts: p.Accounts, actions: p.Actions})
	}
	q.lastPurge = awsapi.FromUnixNano(r.LastPurge)
	q.seq, q.seqMark, q.rcv, q.rcvMark = r.Seq, r.Seq, r.Rcv, r.Rcv
	q.applyLocked()
	var ready []*message
	for _, m := range rq.msgs {
		q.seq = max(q.seq, m.seq)
		if m.handle != "" {
			q.byID[m.id] = m
		}
		switch m.state {
		case stateDelayed:
			q.delayed.add(m)
		case stateInflight:
			q.inflight.add(m)
			if q.fifo {
				g := q.groups[m.group()]
				if g == nil {
					g = &group{id: m.group()}
					q.groups[m.group()] = g
				}
				g.inflight++
			}
		default:
			ready = append(ready, m)
		}
	}
	// Replaying the pushes in their order rebuilds the visible order.
	sort.Slice(ready, func(i, j int) bool { return ready[i].pos < ready[j].pos })
	for _, m := range ready {
		q.ev = m.pos - 1
		q.pushReadyLocked(m, m.front)
	}
	for _, m := range rq.msgs {
		q.ev = max(q.ev, m.pos)
	}
	sort.SliceStable(rq.dedup, func(i, j int) bool { return rq.dedup[i].Expires < rq.dedup[j].Expires })
	for _, d := range rq.dedup {
		q.dedup.put(&dedupEntry{key: d.Key, expires: awsapi.FromUnixNano(d.Expires), msgID: d.MsgID, seqNum: d.SeqNum})
	}
	q.j = s.env.Journal
	return q
}

// message builds the message a row holds.
func (r *msgRow) message() *message {
	m := &message{id: r.ID, body: r.Body, md5Body: r.MD5Body, md5Attrs: r.MD5Attrs, senderID: r.Sender,
		sent: awsapi.FromUnixNano(r.Sent), seq: r.Seq, size: r.Size, receives: r.Receives,
		firstReceive: awsapi.FromUnixNano(r.First), lastReceive: awsapi.FromUnixNano(r.Last), handle: r.Handle,
		state: r.State, visibleAt: awsapi.FromUnixNano(r.VisibleAt), heapIndex: -1, pos: r.Pos, front: r.Front}
	if len(r.Attrs) > 0 {
		m.attrs = make(map[string]MessageAttributeValue, len(r.Attrs))
		for k, a := range r.Attrs {
			m.attrs[k] = MessageAttributeValue{DataType: a.Type, StringValue: a.String, BinaryValue: a.Binary,
				StringListValues: a.Strings, BinaryListValues: a.Binarys}
		}
	}
	if r.Group != "" || r.DedupID != "" || r.SeqNum != "" || r.MD5Sys != "" || r.Trace != "" || r.DLQSource != "" {
		m.x = &msgExtra{group: r.Group, dedupID: r.DedupID, seqNum: r.SeqNum, md5Sys: r.MD5Sys, traceHdr: r.Trace, dlqSource: r.DLQSource}
	}
	return m
}
