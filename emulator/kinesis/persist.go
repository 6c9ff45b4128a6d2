package kinesis

import (
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evolvestack/evolvestack/emulator/awsapi"

	"github.com/evolvestack/evolvestack/internal/jsonstr"
)

// Persistence (awsapi.Persistent). The rows, by key:
//
//	k                      the key that seals shard iterators and NextTokens
//	a                      the account's minimum throughput billing commitment
//	p/<arn>                a resource policy
//	s/<stream>             a stream, its consumers and any pending change
//	h/<stream>/<index>     a shard (lineage, hash key range, open or closed)
//	b/<stream>/<index>/<p> the records one call stored in a shard, from
//	                       absolute position p on (they share their arrival
//	                       time, so retention drops them together)
//
// Left out: throughput-limit windows, the partition key hash cache, open
// SubscribeToShard streams and lent GetRecords buffers (not state, or
// rebuilt), and the service options (configuration).
//
// A shard's counter and log position move with every put and are not
// journaled then: a restore takes them from the last batch row, and the
// shard row carries floors (saved when trimming drops records, or when
// SequenceNumberForOrdering raises the counter) for a shard whose records
// have all expired.

// Row keys.
const (
	keyRowKey   = "k"
	settingsKey = "a"
)

func streamKey(name string) string { return "s/" + name }

func shardKey(name string, index int) string { return "h/" + name + "/" + strconv.Itoa(index) }

func batchKey(name string, index int, pos uint64) string {
	return "b/" + name + "/" + strconv.Itoa(index) + "/" + strconv.FormatUint(pos, 10)
}

func policyKey(arn string) string { return "p/" + arn }

// fromNanos reverses nanos in loc.
func fromNanos(ns int64, loc *time.Location) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).In(loc)
}

// marshalRow encodes a row. The row types hold only strings, numbers,
// slices and string maps, which always encode.
func marshalRow(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("null")
	}
	return b
}

type keyRow struct {
	Key []byte `json:"k"`
}

func (s *Service) keyRow() []byte { return marshalRow(keyRow{Key: s.iterKey}) }

type policyRowT struct {
	ARN    string `json:"arn"`
	Policy string `json:"p"`
}

func policyRow(arn, policy string) []byte { return marshalRow(policyRowT{ARN: arn, Policy: policy}) }

// deletePolicies removes the policies of the resources arns.
func (s *Service) deletePolicies(arns ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range arns {
		if _, ok := s.policies[a]; !ok {
			continue
		}
		delete(s.policies, a)
		if s.journal != nil {
			s.journal.Delete(policyKey(a))
		}
	}
}

type settingsRowT struct {
	Status        string `json:"st"`
	Started       int64  `json:"s,omitempty"`
	EarliestEnd   int64  `json:"e,omitempty"`
	Ended         int64  `json:"x,omitempty"`
	HasEndedField bool   `json:"xe,omitempty"`
}

func (s *Service) settingsRow() []byte {
	c := s.settings
	r := settingsRowT{Status: string(c.Status)}
	if c.StartedAt != nil {
		r.Started = awsapi.UnixNano(*c.StartedAt)
	}
	if c.EarliestAllowedEndAt != nil {
		r.EarliestEnd = awsapi.UnixNano(*c.EarliestAllowedEndAt)
	}
	if c.EndedAt != nil {
		r.Ended, r.HasEndedField = awsapi.UnixNano(*c.EndedAt), true
	}
	return marshalRow(r)
}

// saveSettings journals the commitment. s.mu is held.
func (s *Service) saveSettings() {
	if s.journal != nil && s.settings != nil {
		s.journal.Put(settingsKey, s.settingsRow())
	}
}

type consumerRow struct {
	Name     string            `json:"n"`
	ARN      string            `json:"arn"`
	Created  int64             `json:"c"`
	Status   ConsumerStatus    `json:"st"`
	ReadyAt  int64             `json:"ra,omitempty"`
	DeleteAt int64             `json:"da,omitempty"`
	Tags     map[string]string `json:"tg,omitempty"`
}

type streamRow struct {
	Name      string            `json:"n"`
	ARN       string            `json:"arn"`
	Created   int64             `json:"c"`
	Status    StreamStatus      `json:"st"`
	ReadyAt   int64             `json:"ra,omitempty"`
	DeleteAt  int64             `json:"da,omitempty"`
	Pending   *pendingChange    `json:"pd,omitempty"`
	PendingN  int               `json:"pn,omitempty"`
	Mode      StreamMode        `json:"m"`
	Retention int32             `json:"r"`
	NextIndex int               `json:"ni"`
	Tags      map[string]string `json:"tg,omitempty"`
	Enc       EncryptionType    `json:"e,omitempty"`
	KeyID     string            `json:"kid,omitempty"`
	Metrics   []MetricsName     `json:"mt,omitempty"`
	MaxRecKiB int32             `json:"mr"`
	Warm      *int32            `json:"w,omitempty"`
	Throttle  *bool             `json:"th,omitempty"`
	Consumers []consumerRow     `json:"cs,omitempty"`
}

// row encodes st's row. st.mu is held (or st is not published yet).
func (st *stream) row() []byte {
	r := streamRow{
		Name: st.name, ARN: st.arn, Created: awsapi.UnixNano(st.created), Status: st.status,
		ReadyAt: awsapi.UnixNano(st.readyAt), DeleteAt: awsapi.UnixNano(st.deleteAt), Pending: st.pending, PendingN: st.pendingN,
		Mode: st.mode, Retention: st.retention, NextIndex: st.nextIndex, Tags: st.tags,
		Enc: st.encType, KeyID: st.keyID, Metrics: st.metrics, MaxRecKiB: st.maxRecKiB,
		Warm: st.warmMiBps, Throttle: st.throttle,
	}
	for _, c := range st.consumers {
		r.Consumers = append(r.Consumers, consumerRow{
			Name: c.name, ARN: c.arn, Created: awsapi.UnixNano(c.created), Status: c.status,
			ReadyAt: awsapi.UnixNano(c.readyAt), DeleteAt: awsapi.UnixNano(c.deleteAt), Tags: c.tags,
		})
	}
	return marshalRow(r)
}

// save journals st's row. st.mu is held.
func (st *stream) save() {
	if j := st.svc.journal; j != nil {
		j.Put(streamKey(st.name), st.row())
	}
}

type shardRowT struct {
	Stream    string `json:"s"`
	Index     int    `json:"i"`
	Parent    string `json:"p,omitempty"`
	AdjParent string `json:"ap,omitempty"`
	Start     string `json:"hs"`
	End       string `json:"he"`
	Created   uint64 `json:"c"`
	CreatedAt int64  `json:"ca"`
	Closed    bool   `json:"x,omitempty"`
	ClosedAt  int64  `json:"xa,omitempty"`
	Counter   uint64 `json:"n"`   // the record counter is at least this
	Pos       uint64 `json:"pos"` // the log starts at this position or later
}

// shardRow encodes sh's row. st.mu is held.
func (st *stream) shardRow(sh *shard) []byte {
	return marshalRow(shardRowT{
		Stream: st.name, Index: sh.index, Parent: sh.parent, AdjParent: sh.adjParent,
		Start: sh.startStr, End: sh.endStr, Created: sh.created, CreatedAt: awsapi.UnixNano(sh.createdAt),
		Closed: sh.closed, ClosedAt: awsapi.UnixNano(sh.closedAt), Counter: sh.rowCounter, Pos: sh.rowPos,
	})
}

// saveShard updates sh's floors and journals its row. st.mu is held.
func (st *stream) saveShard(sh *shard) {
	sh.rowCounter, sh.rowPos = sh.counter, sh.log.base
	if j := st.svc.journal; j != nil {
		j.Put(shardKey(st.name, sh.index), st.shardRow(sh))
	}
}

// forget journals the removal of every row of st, whose deletion has
// finished. st.mu is held.
func (st *stream) forget() {
	j := st.svc.journal
	if j == nil {
		return
	}
	for _, sh := range st.shards {
		st.forgetRecords(j, sh, sh.log.end())
		j.Delete(shardKey(st.name, sh.index))
	}
	j.Delete(streamKey(st.name))
}

// forgetRecords journals the removal of the batch rows of sh that start
// before position to. st.mu is held.
func (st *stream) forgetRecords(j awsapi.Journal, sh *shard, to uint64) {
	l := &sh.log
	for p := l.base; p < to; p++ {
		if l.at(p).flags&flagBatch != 0 {
			j.Delete(batchKey(st.name, sh.index, p))
		}
	}
}

// rowSlab caps the size of the buffers batch rows are carved from: one
// allocation serves several calls (a large allocation costs more than the
// encoding of a small batch), and a stream keeps at most one slab's free
// room.
const rowSlab = 512 << 10

// journalBatches journals the records the current put stored in the
// touched shards, one row per shard, encoded into the stream's row slab.
// The journal keeps the rows: they are never written again, the slab only
// grows past them. st.mu is held.
func (st *stream) journalBatches(touched []*shard) {
	// An upper bound unless keys need escapes (then append reallocates).
	size := 0
	for _, sh := range touched {
		size += 96 + len(st.name) + 2*int(sh.log.bytes-sh.batchBytes) + 12*int(sh.log.end()-sh.batchPos)
	}
	buf := st.rowSlab
	if cap(buf)-len(buf) < size {
		buf = make([]byte, 0, max(size, min(rowSlab, 4*size)))
	}
	j := st.svc.journal
	for _, sh := range touched {
		start := len(buf)
		buf = appendBatch(buf, st.name, sh, sh.batchPos, sh.log.end())
		j.Put(batchKey(st.name, sh.index, sh.batchPos), buf[start:len(buf):len(buf)])
	}
	st.rowSlab = buf[len(buf):]
}

// appendBatch appends the batch row of sh's records at positions [from,
// to), which one call stored: consecutive counters, one arrival time.
//
//	{"s":stream,"i":shard,"p":from,"c":first counter,"t":arrival ms,"k":1 if KMS,
//	 "r":[[partition key,base64 data],...]}
//
// A partition key that is not valid UTF-8 is written in base64 with a
// third element "b".
func appendBatch(b []byte, name string, sh *shard, from, to uint64) []byte {
	l := &sh.log
	e0 := l.at(from)
	b = append(b, `{"s":`...)
	b = appendJSONString(b, name)
	b = append(b, `,"i":`...)
	b = strconv.AppendInt(b, int64(sh.index), 10)
	b = append(b, `,"p":`...)
	b = strconv.AppendUint(b, from, 10)
	b = append(b, `,"c":`...)
	b = strconv.AppendUint(b, e0.counter, 10)
	b = append(b, `,"t":`...)
	b = strconv.AppendInt(b, e0.arrival, 10)
	if e0.flags&flagKMS != 0 {
		b = append(b, `,"k":1`...)
	}
	b = append(b, `,"r":[`...)
	v := l.slice(from, to)
	first := true
	for _, seg := range v.segs {
		for i := range seg {
			k, d := v.keyData(&seg[i])
			if first {
				b = append(b, '[')
				first = false
			} else {
				b = append(b, ',', '[')
			}
			raw := false
			if plainKey(k) {
				b = append(b, '"')
				b = append(b, k...)
				b = append(b, '"')
			} else if utf8.Valid(k) {
				b = appendJSONString(b, k)
			} else {
				raw = true
				b = append(b, '"')
				b = jsonstr.AppendBase64(b, k)
				b = append(b, '"')
			}
			b = append(b, ',', '"')
			b = jsonstr.AppendBase64(b, d)
			b = append(b, '"')
			if raw {
				b = append(b, `,"b"`...)
			}
			b = append(b, ']')
		}
	}
	return append(b, ']', '}')
}

// plainKey reports whether k is printable ASCII without '"' or '\\', as
// most partition keys are: it goes into JSON as it is.
func plainKey(k []byte) bool {
	for _, c := range k {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// appendJSONString appends s as a JSON string.
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	return jsonstr.Append(b, string(s))
}

// DumpState emits every row of the service's state.
func (s *Service) DumpState(emit func(key string, value []byte)) error {
	s.mu.RLock()
	emit(keyRowKey, s.keyRow())
	if s.settings != nil {
		emit(settingsKey, s.settingsRow())
	}
	for arn, p := range s.policies {
		emit(policyKey(arn), policyRow(arn, p))
	}
	streams := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		streams = append(streams, st)
	}
	s.mu.RUnlock()
	for _, st := range streams {
		st.mu.Lock()
		if !st.gone {
			st.dump(emit)
		}
		st.mu.Unlock()
	}
	return nil
}

// dump emits st's rows. st.mu is held.
func (st *stream) dump(emit func(key string, value []byte)) {
	emit(streamKey(st.name), st.row())
	for _, sh := range st.shards {
		emit(shardKey(st.name, sh.index), st.shardRow(sh))
		l := &sh.log
		for from := l.base; from < l.end(); {
			to := from + 1
			for to < l.end() && l.at(to).flags&flagBatch == 0 {
				to++
			}
			emit(batchKey(st.name, sh.index, from), appendBatch(nil, st.name, sh, from, to))
			from = to
		}
	}
}

// RestoreState applies one row of a snapshot or journal; nil deletes it.
// Rows are kept until RestoreDone builds the streams from them.
func (s *Service) RestoreState(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	awsapi.StageRow(&s.restored, key, value)
	return nil
}

type batchRowT struct {
	Stream  string     `json:"s"`
	Index   int        `json:"i"`
	Pos     uint64     `json:"p"`
	Counter uint64     `json:"c"`
	Arrival int64      `json:"t"`
	KMS     int        `json:"k"`
	Records [][]string `json:"r"`
}

// RestoreDone builds the streams from the restored rows, then drops what
// has expired by the clock's time (finished deletions, records past
// retention, closed shards past retention), journaling those changes.
func (s *Service) RestoreDone() error {
	s.mu.Lock()
	rows := s.restored
	s.restored = nil
	s.mu.Unlock()
	loc := s.now().Location()
	keyFound := false
	type shardRows struct {
		rows    []shardRowT
		batches map[int][]batchRowT
	}
	streams := map[string]*stream{}
	shards := map[string]*shardRows{}
	shardsOf := func(name string) *shardRows {
		r := shards[name]
		if r == nil {
			r = &shardRows{batches: map[int][]batchRowT{}}
			shards[name] = r
		}
		return r
	}
	policies := map[string]string{}
	var settings *MinimumThroughputBillingCommitmentOutput
	for key, v := range rows {
		kind, _, _ := strings.Cut(key, "/")
		var err error
		switch kind {
		case keyRowKey:
			var r keyRow
			if err = json.Unmarshal(v, &r); err == nil {
				var aead cipher.AEAD
				if aead, err = newAEAD(r.Key); err == nil {
					s.aead, s.iterKey, keyFound = aead, r.Key, true
				}
			}
		case settingsKey:
			var r settingsRowT
			if err = json.Unmarshal(v, &r); err == nil {
				settings = &MinimumThroughputBillingCommitmentOutput{Status: MinimumThroughputBillingCommitmentOutputStatus(r.Status)}
				if r.Started != 0 {
					settings.StartedAt = new(fromNanos(r.Started, loc))
				}
				if r.EarliestEnd != 0 {
					settings.EarliestAllowedEndAt = new(fromNanos(r.EarliestEnd, loc))
				}
				if r.HasEndedField {
					settings.EndedAt = new(fromNanos(r.Ended, loc))
				}
			}
		case "p":
			var r policyRowT
			if err = json.Unmarshal(v, &r); err == nil {
				policies[r.ARN] = r.Policy
			}
		case "s":
			var r streamRow
			if err = json.Unmarshal(v, &r); err == nil {
				streams[r.Name] = s.streamFromRow(&r, loc)
			}
		case "h":
			var r shardRowT
			if err = json.Unmarshal(v, &r); err == nil {
				sr := shardsOf(r.Stream)
				sr.rows = append(sr.rows, r)
			}
		case "b":
			var r batchRowT
			if err = decodeBatchRow(v, &r); err == nil {
				sr := shardsOf(r.Stream)
				sr.batches[r.Index] = append(sr.batches[r.Index], r)
			}
		default:
			err = fmt.Errorf("unknown row")
		}
		if err != nil {
			return fmt.Errorf("kinesis: restore row %q: %w", key, err)
		}
	}
	for name, st := range streams {
		sr := shards[name]
		if sr == nil {
			continue
		}
		slices.SortFunc(sr.rows, func(a, b shardRowT) int { return a.Index - b.Index })
		for i := range sr.rows {
			sh, err := shardFromRow(&sr.rows[i], sr.batches[sr.rows[i].Index], loc)
			if err != nil {
				return fmt.Errorf("kinesis: restore stream %s: %w", name, err)
			}
			st.shards = append(st.shards, sh)
			st.nextIndex = max(st.nextIndex, sh.index+1)
		}
	}
	s.mu.Lock()
	s.streams = streams
	s.policies = policies
	s.settings = settings
	if !keyFound && s.journal != nil {
		s.journal.Put(keyRowKey, s.keyRow())
	}
	s.mu.Unlock()
	now := s.now()
	for _, st := range streams {
		st.mu.Lock()
		st.settle(now)
		gone := st.gone
		if !gone {
			st.expireClosedShards(now)
			for _, sh := range st.shards {
				st.trim(sh, now)
			}
		}
		st.mu.Unlock()
		if gone {
			s.drop(st)
		}
	}
	return nil
}

// streamFromRow builds a stream, without its shards, from its row.
func (s *Service) streamFromRow(r *streamRow, loc *time.Location) *stream {
	st := &stream{
		name: r.Name, arn: r.ARN, created: fromNanos(r.Created, loc), svc: s,
		status: r.Status, readyAt: fromNanos(r.ReadyAt, loc), deleteAt: fromNanos(r.DeleteAt, loc),
		pending: r.Pending, pendingN: r.PendingN, mode: r.Mode, retention: r.Retention,
		nextIndex: r.NextIndex, tags: r.Tags, encType: r.Enc, keyID: r.KeyID, metrics: r.Metrics,
		maxRecKiB: r.MaxRecKiB, warmMiBps: r.Warm, throttle: r.Throttle,
	}
	if st.tags == nil {
		st.tags = map[string]string{}
	}
	for _, c := range r.Consumers {
		tags := c.Tags
		if tags == nil {
			tags = map[string]string{}
		}
		st.consumers = append(st.consumers, &consumer{
			name: c.Name, arn: c.ARN, created: fromNanos(c.Created, loc), status: c.Status,
			readyAt: fromNanos(c.ReadyAt, loc), deleteAt: fromNanos(c.DeleteAt, loc), tags: tags,
		})
	}
	return st
}

// shardFromRow builds a shard from its row and its batch rows.
func shardFromRow(r *shardRowT, batches []batchRowT, loc *time.Location) (*shard, error) {
	start, ok1 := parseHashKey(r.Start)
	end, ok2 := parseHashKey(r.End)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("shard %d: invalid hash key range %s-%s", r.Index, r.Start, r.End)
	}
	sh := &shard{
		index: r.Index, id: shardIDFor(r.Index), parent: r.Parent, adjParent: r.AdjParent,
		start: start, end: end, startStr: r.Start, endStr: r.End,
		created: r.Created, createdAt: fromNanos(r.CreatedAt, loc),
		notify:  make(chan struct{}),
		counter: r.Counter, rowCounter: r.Counter, rowPos: r.Pos,
	}
	sh.startSeq = seqNum{shardCreate: sh.created, seqTime: sh.created, shardIndex: uint32(sh.index)}.String()
	if r.Closed {
		at := fromNanos(r.ClosedAt, loc)
		sh.closed, sh.closedAt = true, at
		sh.endSeq = seqNum{shardCreate: sh.created, counter: maxCounter, seqTime: uint64(at.Unix()), shardIndex: uint32(sh.index)}.String()
	}
	sh.log.base = r.Pos
	slices.SortFunc(batches, func(a, b batchRowT) int { return cmpUint(a.Pos, b.Pos) })
	for i := range batches {
		b := &batches[i]
		if b.Pos < sh.log.end() || len(b.Records) == 0 {
			// Already trimmed, or a duplicate.
			continue
		}
		if b.Pos > sh.log.end() {
			// A gap (rows lost): keep positions right by starting over.
			sh.log = shardLog{base: b.Pos}
		}
		var flags uint16 = flagBatch
		if b.KMS != 0 {
			flags |= flagKMS
		}
		for j, rec := range b.Records {
			if len(rec) < 2 {
				return nil, fmt.Errorf("shard %d: batch at %d: record %d has %d fields", r.Index, b.Pos, j, len(rec))
			}
			key := rec[0]
			if len(rec) > 2 && rec[2] == "b" {
				k, err := base64.StdEncoding.DecodeString(key)
				if err != nil {
					return nil, fmt.Errorf("shard %d: batch at %d: record %d: partition key: %w", r.Index, b.Pos, j, err)
				}
				key = string(k)
			}
			data, err := base64.StdEncoding.DecodeString(rec[1])
			if err != nil {
				return nil, fmt.Errorf("shard %d: batch at %d: record %d: data: %w", r.Index, b.Pos, j, err)
			}
			c := b.Counter + uint64(j)
			sh.log.add(c, b.Arrival, key, data, flags)
			flags &^= flagBatch
			sh.counter = max(sh.counter, c)
		}
	}
	return sh, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Service implements awsapi.Persistent.
var _ awsapi.Persistent = (*Service)(nil)
