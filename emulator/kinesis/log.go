package kinesis

import (
	"sort"
)

// chunkSize is the size of the byte chunks records are packed into.
// Retention trimming frees whole chunks.
const chunkSize = 1 << 20

// entry is one stored record: its counter, arrival time and where its
// partition key and data sit in the chunks. 32 bytes.
type entry struct {
	counter uint64
	arrival int64  // Unix milliseconds, virtual
	chunk   uint32 // absolute chunk number
	off     uint32 // offset of the key in the chunk; the data follows
	dataLen uint32
	keyLen  uint16
	flags   uint16
}

// flagKMS marks a record put while the stream was encrypted.
const flagKMS = 1

// shardLog is a shard's append-only record store. Entries and chunk bytes
// are never modified once written, so readers may use slices of them
// after releasing the stream lock.
type shardLog struct {
	base      uint64 // absolute position of entries[0]
	entries   []entry
	chunkBase uint32 // absolute number of chunks[0]
	chunks    [][]byte
	fill      int   // bytes used in the last chunk
	bytes     int64 // key and data bytes held
}

// end returns the absolute position after the last record.
func (l *shardLog) end() uint64 { return l.base + uint64(len(l.entries)) }

// add appends a record and returns its absolute position. Chunks are
// allocated at full length and never re-sliced in place, so concurrent
// readers of earlier bytes do not race with appends.
func (l *shardLog) add(counter uint64, arrival int64, key string, data []byte, kms bool) uint64 {
	need := len(key) + len(data)
	if len(l.chunks) == 0 || len(l.chunks[len(l.chunks)-1])-l.fill < need {
		l.chunks = append(l.chunks, make([]byte, max(chunkSize, need)))
		l.fill = 0
	}
	idx := len(l.chunks) - 1
	c := l.chunks[idx]
	off := l.fill
	copy(c[off:], key)
	copy(c[off+len(key):], data)
	l.fill += need
	var flags uint16
	if kms {
		flags = flagKMS
	}
	l.entries = append(l.entries, entry{
		counter: counter,
		arrival: arrival,
		chunk:   l.chunkBase + uint32(idx),
		off:     uint32(off),
		keyLen:  uint16(len(key)),
		dataLen: uint32(len(data)),
		flags:   flags,
	})
	l.bytes += int64(need)
	return l.end() - 1
}

// trimBefore drops records that arrived before cutoff (Unix ms) and the
// chunks no remaining record uses.
func (l *shardLog) trimBefore(cutoff int64) {
	if len(l.entries) == 0 || l.entries[0].arrival >= cutoff {
		return
	}
	n := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].arrival >= cutoff })
	for _, e := range l.entries[:n] {
		l.bytes -= int64(e.keyLen) + int64(e.dataLen)
	}
	l.base += uint64(n)
	rest := l.entries[n:]
	if len(rest) == 0 {
		// Keep the last chunk for further appends only if it has room.
		l.entries = nil
		l.chunkBase += uint32(len(l.chunks))
		l.chunks = nil
		l.fill = 0
		return
	}
	// Copy the survivors so the trimmed entries' memory is freed.
	l.entries = append(make([]entry, 0, len(rest)+len(rest)/4), rest...)
	first := rest[0].chunk
	if drop := int(first - l.chunkBase); drop > 0 {
		l.chunks = append([][]byte(nil), l.chunks[drop:]...)
		l.chunkBase = first
	}
}

// search returns the absolute position of the first record whose counter
// is at least c.
func (l *shardLog) search(c uint64) uint64 {
	i := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].counter >= c })
	return l.base + uint64(i)
}

// searchTime returns the absolute position of the first record that
// arrived at or after ms.
func (l *shardLog) searchTime(ms int64) uint64 {
	i := sort.Search(len(l.entries), func(i int) bool { return l.entries[i].arrival >= ms })
	return l.base + uint64(i)
}

// view is a snapshot of a range of a shard's records, usable without the
// stream lock.
type view struct {
	entries   []entry
	chunks    [][]byte
	chunkBase uint32
}

// slice returns a view of the records at absolute positions [from, to).
func (l *shardLog) slice(from, to uint64) view {
	if from < l.base {
		from = l.base
	}
	if to > l.end() {
		to = l.end()
	}
	if from >= to {
		return view{}
	}
	es := l.entries[from-l.base : to-l.base : to-l.base]
	first, last := es[0].chunk-l.chunkBase, es[len(es)-1].chunk-l.chunkBase
	return view{entries: es, chunks: l.chunks[first : last+1 : last+1], chunkBase: es[0].chunk}
}

// keyData returns the partition key and data of v's i-th record.
func (v *view) keyData(i int) (key, data []byte) {
	e := &v.entries[i]
	c := v.chunks[e.chunk-v.chunkBase]
	k := e.off + uint32(e.keyLen)
	d := k + e.dataLen
	return c[e.off:k:k], c[k:d:d]
}

// bytes returns the key and data bytes of v's records.
func (v *view) bytes() int {
	n := 0
	for i := range v.entries {
		n += int(v.entries[i].keyLen) + int(v.entries[i].dataLen)
	}
	return n
}
