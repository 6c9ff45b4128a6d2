package kinesis

import (
	"sync"
	"time"
)

// stream is one Kinesis data stream. mu guards every field but the
// immutable name, arn and created.
type stream struct {
	name    string
	arn     string
	created time.Time
	svc     *Service

	mu        sync.Mutex
	status    StreamStatus
	readyAt   time.Time      // end of CREATING or UPDATING
	deleteAt  time.Time      // end of DELETING
	gone      bool           // deletion finished
	pending   *pendingChange // applied when UPDATING ends
	pendingN  int            // open shards the pending change adds
	mode      StreamMode
	retention int32
	shards    []*shard // every shard, by index
	nextIndex int
	tags      map[string]string
	encType   EncryptionType
	keyID     string
	metrics   []MetricsName
	maxRecKiB int32
	warmMiBps *int32
	consumers []*consumer
	throttle  *bool
	putGen    uint64 // counts puts, to mark the shards one touched
	rowSlab   []byte // free room for batch rows (see journalBatches)

	keyHashes hashCache // its own lock
}

// shard is one shard of a stream, with its records.
type shard struct {
	index      int
	id         string
	parent     string
	adjParent  string
	start      hashKey
	end        hashKey
	startStr   string
	endStr     string
	created    uint64 // creation time, seconds
	createdAt  time.Time
	startSeq   string
	closed     bool
	endSeq     string
	closedAt   time.Time
	counter    uint64 // last issued record counter
	log        shardLog
	notify     chan struct{} // closed and replaced when records arrive or the shard closes
	write      bucketPair
	read       readBucket
	subs       map[string]bool // consumer ARNs subscribed to this shard
	putGen     uint64          // the stream's putGen when a put last touched it
	batchPos   uint64          // where the records of the put that last touched it start
	batchBytes int64           // log.bytes before them
	// The counter and position floors of the shard's persisted row (see
	// shardRow), as of its last save.
	rowCounter uint64
	rowPos     uint64
}

// settle applies the transitions due by now, journaling them. st.mu is
// held.
func (st *stream) settle(now time.Time) {
	if st.gone {
		return
	}
	if st.status == StreamStatusDeleting {
		if !now.Before(st.deleteAt) {
			st.gone = true
			st.wakeAll()
			st.forget()
		}
		return
	}
	changed := false
	if st.status == StreamStatusCreating && !now.Before(st.readyAt) {
		st.status = StreamStatusActive
		st.readyAt = time.Time{}
		changed = true
	}
	if st.status == StreamStatusUpdating && !now.Before(st.readyAt) {
		if st.pending != nil {
			st.apply(st.pending, st.readyAt)
			st.pending = nil
			st.pendingN = 0
		}
		st.status = StreamStatusActive
		st.readyAt = time.Time{}
		changed = true
	}
	for _, c := range st.consumers {
		if c.settle(now) {
			changed = true
		}
	}
	st.consumers = deleteDone(st.consumers)
	if changed {
		st.save()
	}
}

// pendingChange is a change that takes effect when an UPDATING period
// ends: data rather than a closure, so that it persists.
type pendingChange struct {
	Kind   string `json:"k"`           // one of the change* kinds
	Shard  int    `json:"a,omitempty"` // the shard split or merged
	Other  int    `json:"b,omitempty"` // the shard merged with Shard
	Hash   string `json:"h,omitempty"` // a split's NewStartingHashKey
	Target int    `json:"n,omitempty"` // UpdateShardCount's target
	KeyID  string `json:"key,omitempty"`
}

// Kinds of pendingChange.
const (
	changeSplit      = "split"
	changeMerge      = "merge"
	changeShardCount = "count"
	changeEncrypt    = "encrypt"
	changeDecrypt    = "decrypt"
)

// apply makes p take effect at time at. st.mu is held.
func (st *stream) apply(p *pendingChange, at time.Time) {
	switch p.Kind {
	case changeSplit:
		sh := st.shardByIndex(p.Shard)
		h, ok := parseHashKey(p.Hash)
		if sh == nil || sh.closed || !ok {
			return
		}
		st.closeShard(sh, at)
		st.newShard(at, sh.start, h.sub1(), sh.id, "")
		st.newShard(at, h, sh.end, sh.id, "")
	case changeMerge:
		a, b := st.shardByIndex(p.Shard), st.shardByIndex(p.Other)
		if a == nil || b == nil || a.closed || b.closed {
			return
		}
		lo, hi := a, b
		if b.start.cmp(a.start) < 0 {
			lo, hi = b, a
		}
		st.closeShard(a, at)
		st.closeShard(b, at)
		st.newShard(at, lo.start, hi.end, a.id, b.id)
	case changeShardCount:
		st.reshardUniform(p.Target, at)
	case changeEncrypt:
		st.encType = EncryptionTypeKms
		st.keyID = p.KeyID
	case changeDecrypt:
		st.encType = EncryptionTypeNone
		st.keyID = ""
	}
}

// beginUpdate marks st UPDATING for the service's update delay and
// applies p when it ends (immediately for a zero delay), then journals
// the stream. st.mu is held.
func (st *stream) beginUpdate(now time.Time, delay time.Duration, addOpen int, p *pendingChange) {
	if delay <= 0 {
		if p != nil {
			st.apply(p, now)
		}
		st.save()
		return
	}
	st.status = StreamStatusUpdating
	st.readyAt = now.Add(delay)
	st.pending = p
	st.pendingN = addOpen
	st.save()
}

// pendingExtra is the open shards a pending change adds. st.mu is held.
func (st *stream) pendingExtra() int { return st.pendingN }

// visible reports whether the stream's shards are visible (not CREATING).
func (st *stream) visible() bool { return st.status != StreamStatusCreating }

// readable reports whether data operations may use the stream.
func (st *stream) readable() bool {
	return st.status == StreamStatusActive || st.status == StreamStatusUpdating
}

// openShards returns the open shards in index order. st.mu is held.
func (st *stream) openShards() []*shard {
	var out []*shard
	for _, sh := range st.shards {
		if !sh.closed {
			out = append(out, sh)
		}
	}
	return out
}

// openShardCount counts open shards. st.mu is held.
func (st *stream) openShardCount() int {
	n := 0
	for _, sh := range st.shards {
		if !sh.closed {
			n++
		}
	}
	return n
}

// shardByID returns the shard named id. st.mu is held.
func (st *stream) shardByID(id string) *shard {
	i, ok := parseShardID(id)
	if !ok {
		return nil
	}
	return st.shardByIndex(i)
}

// shardByIndex returns the shard with index i. st.mu is held.
func (st *stream) shardByIndex(i int) *shard {
	// Shards are kept sorted by index; expired closed shards leave gaps.
	lo, hi := 0, len(st.shards)
	for lo < hi {
		m := (lo + hi) / 2
		if st.shards[m].index < i {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(st.shards) && st.shards[lo].index == i {
		return st.shards[lo]
	}
	return nil
}

// newShard appends a new open shard covering [start, end]. st.mu is held.
func (st *stream) newShard(now time.Time, start, end hashKey, parent, adjParent string) *shard {
	i := st.nextIndex
	st.nextIndex++
	// Sequence numbers lead with the shard's creation second. As on
	// Kinesis, a child is created the second after its parents close
	// (kinesalite's SplitShard and MergeShards tests, recorded against
	// AWS), and always later than its parents were, so that its sequence
	// numbers sort after theirs even when resharding happens within a
	// second.
	created := uint64(now.Unix())
	if parent != "" {
		created++
	}
	for _, p := range []string{parent, adjParent} {
		if ps := st.shardByID(p); p != "" && ps != nil && ps.created >= created {
			created = ps.created + 1
		}
	}
	sh := &shard{
		index:     i,
		id:        shardIDFor(i),
		parent:    parent,
		adjParent: adjParent,
		start:     start,
		end:       end,
		startStr:  start.String(),
		endStr:    end.String(),
		created:   created,
		createdAt: now,
		notify:    make(chan struct{}),
	}
	// The first sequence number's time is the creation second, as on
	// Kinesis.
	sh.startSeq = seqNum{shardCreate: sh.created, seqTime: sh.created, shardIndex: uint32(i)}.String()
	st.shards = append(st.shards, sh)
	st.saveShard(sh)
	return sh
}

// closeShard closes sh at time at. st.mu is held.
func (st *stream) closeShard(sh *shard, at time.Time) {
	sh.closed = true
	sh.closedAt = at
	sh.endSeq = seqNum{shardCreate: sh.created, counter: maxCounter, seqTime: uint64(at.Unix()), shardIndex: uint32(sh.index)}.String()
	sh.wake()
	st.saveShard(sh)
}

// children returns the shards whose parent is sh. st.mu is held.
func (st *stream) children(sh *shard) []*shard {
	var out []*shard
	for _, c := range st.shards {
		if c.parent == sh.id || c.adjParent == sh.id {
			out = append(out, c)
		}
	}
	return out
}

// childShards renders sh's children as ChildShard values. st.mu is held.
func (st *stream) childShards(sh *shard) []ChildShard {
	kids := st.children(sh)
	if len(kids) == 0 {
		return nil
	}
	out := make([]ChildShard, 0, len(kids))
	for _, c := range kids {
		parents := []string{c.parent}
		if c.adjParent != "" {
			parents = append(parents, c.adjParent)
		}
		out = append(out, ChildShard{
			ShardId:      new(c.id),
			ParentShards: parents,
			HashKeyRange: &HashKeyRange{StartingHashKey: new(c.startStr), EndingHashKey: new(c.endStr)},
		})
	}
	return out
}

// shardFor returns the open shard owning hash key h. st.mu is held.
func (st *stream) shardFor(h hashKey) *shard {
	for _, sh := range st.shards {
		if !sh.closed && h.cmp(sh.start) >= 0 && h.cmp(sh.end) <= 0 {
			return sh
		}
	}
	return nil
}

// toShard renders sh. st.mu is held.
func (sh *shard) toShard() Shard {
	out := Shard{
		ShardId:             new(sh.id),
		HashKeyRange:        &HashKeyRange{StartingHashKey: new(sh.startStr), EndingHashKey: new(sh.endStr)},
		SequenceNumberRange: &SequenceNumberRange{StartingSequenceNumber: new(sh.startSeq)},
	}
	if sh.parent != "" {
		out.ParentShardId = new(sh.parent)
	}
	if sh.adjParent != "" {
		out.AdjacentParentShardId = new(sh.adjParent)
	}
	if sh.closed {
		out.SequenceNumberRange.EndingSequenceNumber = new(sh.endSeq)
	}
	return out
}

// wake tells waiting subscribers that the shard changed.
func (sh *shard) wake() {
	close(sh.notify)
	sh.notify = make(chan struct{})
}

// wakeAll wakes the subscribers of every shard. st.mu is held.
func (st *stream) wakeAll() {
	for _, sh := range st.shards {
		sh.wake()
	}
}

// trim drops sh's records older than the retention period, and st's closed
// shards whose records have all expired. st.mu is held.
func (st *stream) trim(sh *shard, now time.Time) {
	cutoff := now.Add(-time.Duration(st.retention) * time.Hour).UnixMilli()
	l := &sh.log
	if l.n == 0 || l.at(l.base).arrival >= cutoff {
		return
	}
	if j := st.svc.journal; j != nil {
		st.forgetRecords(j, sh, l.searchTime(cutoff))
	}
	l.trimBefore(cutoff)
	st.saveShard(sh)
}

// expireClosedShards removes closed shards older than the retention period
// from the shard list, as Kinesis stops listing them. st.mu is held.
func (st *stream) expireClosedShards(now time.Time) {
	cutoff := now.Add(-time.Duration(st.retention) * time.Hour)
	kept := st.shards[:0]
	for _, sh := range st.shards {
		if sh.closed && sh.closedAt.Before(cutoff) {
			sh.wake()
			if j := st.svc.journal; j != nil {
				st.forgetRecords(j, sh, sh.log.end())
				j.Delete(shardKey(st.name, sh.index))
			}
			continue
		}
		kept = append(kept, sh)
	}
	clear(st.shards[len(kept):])
	st.shards = kept
}

// seqFor returns the sequence number of the record with counter c and
// arrival time ms in sh.
func (sh *shard) seqFor(c uint64, ms int64) seqNum {
	return seqNum{shardCreate: sh.created, counter: c, seqTime: uint64(ms / 1000), shardIndex: uint32(sh.index)}
}
