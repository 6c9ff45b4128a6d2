package esm

// Persistence (--data-dir) of the pollers: a Kinesis mapping's checkpoint
// per shard, so that a restart neither processes a record again nor skips
// one. Rows, keyed within the Lambda instance:
//
//	k/<uuid>/<shard>  where the shard's processing stands: its starting
//	                  position (and, for LATEST, the iterator taken when
//	                  the mapping was enabled), the checkpoint (every record
//	                  up to this sequence number is processed), the records
//	                  processed past it (lanes of a ParallelizationFactor
//	                  above 1 finish out of order), and whether the shard is
//	                  finished (closed and fully processed)
//
// Records read but not processed are not stored: they are read again from
// the checkpoint. Not stored either: the retry count and bisection of a
// batch under way (a restarted batch counts its retries anew) and a
// tumbling window's state (the window in progress starts over with an
// empty state). SQS mappings keep nothing: messages received and not
// deleted are the SQS service's in-flight messages, visible again after
// their visibility timeout.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// keyCheckpoint starts the key of a shard's checkpoint row.
const keyCheckpoint = "k/"

// IsPollerKey reports whether a row key is the pollers' (a Manager's)
// rather than the Lambda service's.
func IsPollerKey(key string) bool { return strings.HasPrefix(key, keyCheckpoint) }

func checkpointKey(uuid, shard string) string { return keyCheckpoint + uuid + "/" + shard }

// shardRow is a shard's checkpoint row.
type shardRow struct {
	Parents  []string `json:"p,omitempty"`
	Start    string   `json:"s"`
	StartTS  int64    `json:"t,omitempty"` // Unix ns, AT_TIMESTAMP
	Iter     string   `json:"i,omitempty"` // LATEST position, until a record is processed
	OpenedAt int64    `json:"o,omitempty"` // Unix ns, when Iter was taken
	Done     string   `json:"d,omitempty"`
	Skip     []string `json:"x,omitempty"`
	Finished bool     `json:"f,omitempty"`
}

// rowLocked renders sh's row (k.ckMu held).
func (sh *shard) rowLocked() []byte {
	row := shardRow{Parents: sh.parents, Start: string(sh.startType), Done: sh.done, Finished: sh.finished}
	if !sh.startTS.IsZero() {
		row.StartTS = sh.startTS.UnixNano()
	}
	if sh.done == "" && sh.startIter != "" {
		row.Iter, row.OpenedAt = sh.startIter, sh.openedAt.UnixNano()
	}
	for seq := range sh.doneSet {
		row.Skip = append(row.Skip, seq)
	}
	slices.SortFunc(row.Skip, func(a, b string) int {
		switch {
		case seqLess(a, b):
			return -1
		case seqLess(b, a):
			return 1
		}
		return 0
	})
	b, err := json.Marshal(row)
	if err != nil {
		panic(fmt.Sprintf("esm: encoding a checkpoint: %v", err)) // strings and numbers always encode
	}
	return b
}

// persistLocked journals sh's row (k.ckMu held).
func (k *kinesisSource) persistLocked(sh *shard) {
	if j := k.env.Journal; j != nil && !k.dead {
		j.Put(checkpointKey(k.mp.uuid, sh.id), sh.rowLocked())
	}
}

// readRecord notes a record read from sh and reports whether it still
// has to be processed (false for one processed before a restart).
func (k *kinesisSource) readRecord(sh *shard, seq string) bool {
	if k.env.Journal == nil {
		return true
	}
	k.ckMu.Lock()
	defer k.ckMu.Unlock()
	sh.reads = append(sh.reads, seq)
	return !sh.doneSet[seq]
}

// afterRead moves sh's checkpoint past records read that were processed
// before a restart.
func (k *kinesisSource) afterRead(sh *shard) {
	if k.env.Journal == nil {
		return
	}
	k.ckMu.Lock()
	defer k.ckMu.Unlock()
	if sh.advanceLocked() {
		k.persistLocked(sh)
	}
}

// processed marks records of sh as done (invoked successfully, or
// discarded) and moves its checkpoint.
func (k *kinesisSource) processed(sh *shard, recs []*kinesisRecord) {
	if len(recs) == 0 || k.env.Journal == nil {
		return
	}
	k.ckMu.Lock()
	defer k.ckMu.Unlock()
	if sh.doneSet == nil {
		sh.doneSet = map[string]bool{}
	}
	for _, r := range recs {
		sh.doneSet[r.seq] = true
	}
	sh.advanceLocked()
	k.persistLocked(sh)
}

// finish marks sh finished.
func (k *kinesisSource) finish(sh *shard) {
	k.ckMu.Lock()
	defer k.ckMu.Unlock()
	if !sh.finished {
		sh.finished = true
		k.persistLocked(sh)
	}
}

// advanceLocked moves the checkpoint over the records processed in read
// order and reports whether it moved.
func (sh *shard) advanceLocked() bool {
	moved := false
	for len(sh.reads) > 0 && sh.doneSet[sh.reads[0]] {
		delete(sh.doneSet, sh.reads[0])
		sh.done = sh.reads[0]
		sh.reads = sh.reads[1:]
		moved = true
	}
	if moved {
		for seq := range sh.doneSet {
			if !seqLess(sh.done, seq) {
				delete(sh.doneSet, seq) // restored, and at or before the checkpoint
			}
		}
	}
	return moved
}

// addShard adds a shard the listing found and journals it.
func (k *kinesisSource) addShard(sh *shard) {
	k.ckMu.Lock()
	defer k.ckMu.Unlock()
	k.shards[sh.id] = sh
	k.persistLocked(sh)
}

// restoreShards takes a mapping's restored checkpoints: the shards are
// listed already and resume where their processing stood.
func (k *kinesisSource) restoreShards(rows map[string]shardRow) {
	for id, row := range rows {
		sh := &shard{id: id, parents: row.Parents, startType: kinesis.ShardIteratorType(row.Start),
			done: row.Done, after: row.Done, finished: row.Finished}
		if row.StartTS != 0 {
			sh.startTS = time.Unix(0, row.StartTS).UTC()
		}
		if len(row.Skip) > 0 {
			sh.doneSet = make(map[string]bool, len(row.Skip))
			for _, seq := range row.Skip {
				sh.doneSet[seq] = true
			}
		}
		if row.Done == "" && row.Iter != "" {
			// Resume at the LATEST position taken before the restart; an
			// iterator that expired meanwhile re-opens at the time it was
			// taken (openIterator).
			sh.startIter, sh.iter, sh.opened = row.Iter, row.Iter, true
			sh.openedAt = time.Unix(0, row.OpenedAt).UTC()
			sh.readAt = sh.openedAt
		}
		k.shards[id] = sh
	}
	k.listed = len(rows) > 0
}

// dump emits the checkpoint rows.
func (k *kinesisSource) dump(emit func(key string, value []byte)) {
	k.ckMu.Lock()
	defer k.ckMu.Unlock()
	for _, sh := range k.shards {
		emit(checkpointKey(k.mp.uuid, sh.id), sh.rowLocked())
	}
}

// silence stops journaling; with forget it deletes the rows too (the
// mapping was deleted, not shut down).
func (k *kinesisSource) silence(forget bool) {
	k.ckMu.Lock()
	defer k.ckMu.Unlock()
	if k.dead {
		return
	}
	k.dead = true
	if j := k.env.Journal; forget && j != nil {
		for id := range k.shards {
			j.Delete(checkpointKey(k.mp.uuid, id))
		}
	}
}

// DumpState emits the pollers' rows (see awsapi.Persistent; State
// combines them with the Lambda service's).
func (m *Manager) DumpState(emit func(key string, value []byte)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range slices.Sorted(maps.Keys(m.mappings)) {
		if k, ok := m.mappings[id].src.(*kinesisSource); ok {
			k.dump(emit)
		}
	}
	return nil
}

// RestoreState takes one of the pollers' rows; value nil deletes it.
func (m *Manager) RestoreState(key string, value []byte) error {
	rest, ok := strings.CutPrefix(key, keyCheckpoint)
	uuid, shardID, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return fmt.Errorf("esm: restoring row %q: unknown key", key)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if value == nil {
		delete(m.restored[uuid], shardID)
		return nil
	}
	var row shardRow
	if err := json.Unmarshal(value, &row); err != nil {
		return fmt.Errorf("esm: restoring the checkpoint %s: %w", key, err)
	}
	if m.restored == nil {
		m.restored = map[string]map[string]shardRow{}
	}
	if m.restored[uuid] == nil {
		m.restored[uuid] = map[string]shardRow{}
	}
	m.restored[uuid][shardID] = row
	return nil
}

// RestoreDone starts the pollers of the restored mappings, which resume
// at their checkpoints; call it after the Lambda service's RestoreDone.
// Checkpoints of mappings that no longer exist are deleted.
func (m *Manager) RestoreDone() error {
	for _, cfg := range m.svc.EventSourceMappings() {
		m.handle(lambda.ESMEvent{Config: cfg})
	}
	m.mu.Lock()
	orphans := m.restored
	m.restored = nil
	for id := range m.mappings {
		delete(orphans, id)
	}
	m.mu.Unlock()
	if j := m.env.Journal; j != nil {
		for id, rows := range orphans {
			for shardID := range rows {
				j.Delete(checkpointKey(id, shardID))
			}
		}
	}
	return nil
}

// State is a Lambda service with its pollers as one awsapi.Persistent:
// rows with the pollers' keys (IsPollerKey) are the Manager's, the others
// the service's.
type State struct {
	Service *lambda.Service
	Pollers *Manager
}

// DumpState emits the service's rows, then the pollers'.
func (st State) DumpState(emit func(key string, value []byte)) error {
	return errors.Join(st.Service.DumpState(emit), st.Pollers.DumpState(emit))
}

// RestoreState routes a row to the service or the pollers.
func (st State) RestoreState(key string, value []byte) error {
	if IsPollerKey(key) {
		return st.Pollers.RestoreState(key, value)
	}
	return st.Service.RestoreState(key, value)
}

// RestoreDone builds the service's state, then starts the pollers.
func (st State) RestoreDone() error {
	return errors.Join(st.Service.RestoreDone(), st.Pollers.RestoreDone())
}
