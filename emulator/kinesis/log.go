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

// Entry flags.
const (
	// flagKMS marks a record put while the stream was encrypted.
	flagKMS = 1 << iota
	// flagBatch marks the first record a call stored in a shard: the
	// records up to the next one so marked are one persisted batch row.
	flagBatch
)

// entryBlock is the number of entries in a full block of a shard's
// index. Blocks are never copied once full, so a growing shard does not
// copy (and make the garbage collector reclaim) ever larger arrays.
const entryBlock = 4096

// firstBlock is the size of a shard's first block, which grows to
// entryBlock.
const firstBlock = 16

// shardLog is a shard's append-only record store. Entries and chunk bytes
// are never modified once written, so readers may use slices of them
// after releasing the stream lock.
type shardLog struct {
	base uint64 // absolute position of the first record
	// blocks hold the entries: every block but the last is full, with
	// entryBlock entries, the first of them from index off on; blocks are
	// allocated at full length (the first one grows) and written in place
	// past what readers were given.
	blocks    [][]entry
	off       int
	n         int    // records held
	chunkBase uint32 // absolute number of chunks[0]
	chunks    [][]byte
	fill      int   // bytes used in the last chunk
	bytes     int64 // key and data bytes held
}

// end returns the absolute position after the last record.
func (l *shardLog) end() uint64 { return l.base + uint64(l.n) }

// len returns the number of records held.
func (l *shardLog) len() int { return l.n }

// at returns the record at absolute position p, which must be held.
func (l *shardLog) at(p uint64) *entry {
	i := l.off + int(p-l.base)
	return &l.blocks[i/entryBlock][i%entryBlock]
}

// add appends a record and returns its absolute position. Chunks are
// allocated at full length and never re-sliced in place, so concurrent
// readers of earlier bytes do not race with appends; entries are appended
// past the end of what readers were given.
func (l *shardLog) add(counter uint64, arrival int64, key string, data []byte, flags uint16) uint64 {
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
	e := entry{
		counter: counter,
		arrival: arrival,
		chunk:   l.chunkBase + uint32(idx),
		off:     uint32(off),
		keyLen:  uint16(len(key)),
		dataLen: uint32(len(data)),
		flags:   flags,
	}
	i := l.off + l.n
	bi, j := i/entryBlock, i%entryBlock
	switch {
	case bi == len(l.blocks):
		// A shard's first block starts small and grows (by copying:
		// readers keep the array they were given), so that small shards
		// stay small; the others are full-size from the start.
		size := entryBlock
		if bi == 0 {
			size = firstBlock
		}
		l.blocks = append(l.blocks, make([]entry, size))
	case j == len(l.blocks[bi]):
		b := make([]entry, min(2*j, entryBlock))
		copy(b, l.blocks[bi])
		l.blocks[bi] = b
	}
	l.blocks[bi][j] = e
	l.n++
	l.bytes += int64(need)
	return l.end() - 1
}

// trimBefore drops records that arrived before cutoff (Unix ms) and the
// chunks and blocks no remaining record uses.
func (l *shardLog) trimBefore(cutoff int64) {
	if l.n == 0 || l.at(l.base).arrival >= cutoff {
		return
	}
	n := sort.Search(l.n, func(i int) bool { return l.at(l.base+uint64(i)).arrival >= cutoff })
	for i := range n {
		e := l.at(l.base + uint64(i))
		l.bytes -= int64(e.keyLen) + int64(e.dataLen)
	}
	var first uint32
	if n < l.n {
		first = l.at(l.base + uint64(n)).chunk
	}
	l.base += uint64(n)
	l.n -= n
	if l.n == 0 {
		l.blocks = nil
		l.off = 0
		l.chunkBase += uint32(len(l.chunks))
		l.chunks = nil
		l.fill = 0
		return
	}
	l.off += n
	if drop := l.off / entryBlock; drop > 0 {
		// Copy the rest so the dropped blocks' memory is freed.
		l.blocks = append(make([][]entry, 0, len(l.blocks)-drop+4), l.blocks[drop:]...)
		l.off -= drop * entryBlock
	}
	if drop := int(first - l.chunkBase); drop > 0 {
		l.chunks = append([][]byte(nil), l.chunks[drop:]...)
		l.chunkBase = first
	}
}

// keyData returns the partition key and data of e, a record held.
func (l *shardLog) keyData(e *entry) (key, data []byte) {
	c := l.chunks[e.chunk-l.chunkBase]
	k := e.off + uint32(e.keyLen)
	d := k + e.dataLen
	return c[e.off:k:k], c[k:d:d]
}

// search returns the absolute position of the first record whose counter
// is at least c.
func (l *shardLog) search(c uint64) uint64 {
	i := sort.Search(l.n, func(i int) bool { return l.at(l.base+uint64(i)).counter >= c })
	return l.base + uint64(i)
}

// searchTime returns the absolute position of the first record that
// arrived at or after ms.
func (l *shardLog) searchTime(ms int64) uint64 {
	i := sort.Search(l.n, func(i int) bool { return l.at(l.base+uint64(i)).arrival >= ms })
	return l.base + uint64(i)
}

// view is a snapshot of a range of a shard's records, usable without the
// stream lock.
type view struct {
	segs      [][]entry // the entries, in runs of consecutive ones
	n         int
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
	v := view{n: int(to - from)}
	i, j := l.off+int(from-l.base), l.off+int(to-l.base) // [i, j) in block space
	for i < j {
		b := l.blocks[i/entryBlock]
		lo := i % entryBlock
		hi := min(entryBlock, lo+(j-i))
		v.segs = append(v.segs, b[lo:hi:hi])
		i += hi - lo
	}
	firstChunk := v.segs[0][0].chunk
	lastSeg := v.segs[len(v.segs)-1]
	lastChunk := lastSeg[len(lastSeg)-1].chunk
	first, last := firstChunk-l.chunkBase, lastChunk-l.chunkBase
	v.chunks = l.chunks[first : last+1 : last+1]
	v.chunkBase = firstChunk
	return v
}

// len returns the number of records in v.
func (v *view) len() int { return v.n }

// last returns v's last record; v must not be empty.
func (v *view) last() *entry {
	s := v.segs[len(v.segs)-1]
	return &s[len(s)-1]
}

// keyData returns the partition key and data of record e of v.
func (v *view) keyData(e *entry) (key, data []byte) {
	c := v.chunks[e.chunk-v.chunkBase]
	k := e.off + uint32(e.keyLen)
	d := k + e.dataLen
	return c[e.off:k:k], c[k:d:d]
}

// bytes returns the key and data bytes of v's records.
func (v *view) bytes() int {
	n := 0
	for _, s := range v.segs {
		for i := range s {
			n += int(s[i].keyLen) + int(s[i].dataLen)
		}
	}
	return n
}
