package kinesis

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
)

// hashKey is a 128-bit hash key: partition keys map to one by MD5, and
// every shard owns a contiguous range of them.
type hashKey struct{ hi, lo uint64 }

// maxHashKey returns 2^128-1, the end of the key space.
func maxHashKey() hashKey { return hashKey{^uint64(0), ^uint64(0)} }

func (a hashKey) cmp(b hashKey) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a hashKey) add1() hashKey {
	lo, c := bits.Add64(a.lo, 1, 0)
	return hashKey{a.hi + c, lo}
}

func (a hashKey) sub1() hashKey {
	lo, b := bits.Sub64(a.lo, 1, 0)
	return hashKey{a.hi - b, lo}
}

// mulSmall returns a*n, assuming no overflow.
func (a hashKey) mulSmall(n uint64) hashKey {
	h1, l := bits.Mul64(a.lo, n)
	_, h2 := bits.Mul64(a.hi, n)
	return hashKey{h1 + h2, l}
}

// partitionHash maps a partition key to its hash key by MD5, as Kinesis
// does.
func partitionHash(key string) hashKey {
	sum := md5.Sum([]byte(key))
	return hashKey{binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:])}
}

// parseHashKey parses a decimal hash key; ok is false unless it is all
// digits and below 2^128.
func parseHashKey(s string) (hashKey, bool) {
	if s == "" || len(s) > 39 {
		return hashKey{}, false
	}
	var h hashKey
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return hashKey{}, false
		}
		// h = h*10 + d, detecting overflow past 128 bits.
		hiHi, hiLo := bits.Mul64(h.hi, 10)
		loHi, loLo := bits.Mul64(h.lo, 10)
		hi, carry := bits.Add64(hiLo, loHi, 0)
		if hiHi != 0 || carry != 0 {
			return hashKey{}, false
		}
		lo, c2 := bits.Add64(loLo, uint64(c-'0'), 0)
		hi, carry = bits.Add64(hi, 0, c2)
		if carry != 0 {
			return hashKey{}, false
		}
		h = hashKey{hi, lo}
	}
	return h, true
}

// String renders h in decimal.
func (h hashKey) String() string {
	if h.hi == 0 {
		return strconv.FormatUint(h.lo, 10)
	}
	// Split into a high part and 19 low digits.
	const tenPow19 = 10_000_000_000_000_000_000
	qhi := h.hi / tenPow19
	q, r := bits.Div64(h.hi%tenPow19, h.lo, tenPow19)
	high := hashKey{qhi, q}
	return high.String() + fmt.Sprintf("%019d", r)
}

// evenRanges splits the whole key space into n contiguous ranges, the last
// one absorbing the remainder, as CreateStream and UpdateShardCount do.
func evenRanges(n int) [][2]hashKey {
	// step = floor(2^128 / n) = floor((2^128-1)/n) unless n divides 2^128.
	un := uint64(n)
	qhi := maxHashKey().hi / un
	qlo, rem := bits.Div64(maxHashKey().hi%un, maxHashKey().lo, un)
	step := hashKey{qhi, qlo}
	if rem == un-1 {
		step = step.add1()
	}
	out := make([][2]hashKey, n)
	for i := range n {
		start := step.mulSmall(uint64(i))
		end := maxHashKey()
		if i < n-1 {
			end = step.mulSmall(uint64(i + 1)).sub1()
		}
		out[i] = [2]hashKey{start, end}
	}
	return out
}

// seqNum is a Kinesis sequence number: a 188-bit value printed in decimal
// (56 or 57 digits), laid out like the numbers Kinesis issues. From the
// most significant end, in hex digits: version 2 (1), shard creation time
// in seconds (9), low digit of the shard index (1), per-shard record
// counter (16), reserved (2), record time in seconds (9), shard index (8),
// version 2 (1).
type seqNum struct {
	shardCreate uint64 // seconds
	counter     uint64 // < 2^63
	seqTime     uint64 // seconds
	shardIndex  uint32
}

// maxCounter is the counter of a closed shard's EndingSequenceNumber.
const maxCounter = 1<<63 - 1

// words returns the number as three 64-bit limbs, most significant first.
func (s seqNum) words() [3]uint64 {
	const mask36 = 1<<36 - 1
	t := s.seqTime & mask36
	return [3]uint64{
		s.counter>>48 | (uint64(s.shardIndex)&0xf)<<16 | (s.shardCreate&mask36)<<20 | 2<<56,
		t>>28 | s.counter<<16,
		2 | uint64(s.shardIndex)<<4 | (t&(1<<28-1))<<36,
	}
}

// String renders s in decimal.
func (s seqNum) String() string {
	var buf [64]byte
	return string(s.appendTo(buf[:0]))
}

// appendTo appends s in decimal to b.
func (s seqNum) appendTo(b []byte) []byte {
	w := s.words()
	const tenPow19 = 10_000_000_000_000_000_000
	var chunks [4]uint64
	n := 0
	for w[0] != 0 || w[1] != 0 || w[2] != 0 {
		var r uint64
		w[0], r = w[0]/tenPow19, w[0]%tenPow19
		w[1], r = bits.Div64(r, w[1], tenPow19)
		w[2], r = bits.Div64(r, w[2], tenPow19)
		chunks[n] = r
		n++
	}
	if n == 0 {
		return append(b, '0')
	}
	b = strconv.AppendUint(b, chunks[n-1], 10)
	for i := n - 2; i >= 0; i-- {
		var tmp [19]byte
		v := chunks[i]
		for j := 18; j >= 0; j-- {
			tmp[j] = byte('0' + v%10)
			v /= 10
		}
		b = append(b, tmp[:]...)
	}
	return b
}

// parseSeqNum parses a sequence number this emulator issued; ok is false
// for anything else.
func parseSeqNum(str string) (seqNum, bool) {
	if str == "" || len(str) > 58 {
		return seqNum{}, false
	}
	var w [3]uint64
	for i := 0; i < len(str); i++ {
		c := str[i]
		if c < '0' || c > '9' {
			return seqNum{}, false
		}
		// w = w*10 + d
		carry := uint64(c - '0')
		for j := 2; j >= 0; j-- {
			hi, lo := bits.Mul64(w[j], 10)
			var cc uint64
			lo, cc = bits.Add64(lo, carry, 0)
			w[j] = lo
			carry = hi + cc
		}
		if carry != 0 {
			return seqNum{}, false
		}
	}
	if w[0]>>56 != 2 || w[2]&0xf != 2 || (w[1]>>8)&0xff != 0 {
		return seqNum{}, false
	}
	const mask36 = 1<<36 - 1
	s := seqNum{
		shardCreate: (w[0] >> 20) & mask36,
		counter:     (w[0]&0xffff)<<48 | w[1]>>16,
		seqTime:     (w[1]&0xff)<<28 | w[2]>>36,
		shardIndex:  uint32(w[2] >> 4),
	}
	if s.counter > maxCounter || (w[0]>>16)&0xf != uint64(s.shardIndex)&0xf || s.shardIndex > 1<<31-1 {
		return seqNum{}, false
	}
	return s, true
}

// shardIDFor renders shard index i as Kinesis names shards.
func shardIDFor(i int) string {
	return fmt.Sprintf("shardId-%012d", i)
}

// parseShardID accepts "shardId-000000000001" and, like Kinesis, the bare
// number or a shorter "shardId-1"; ok is false otherwise.
func parseShardID(id string) (int, bool) {
	num := id
	if len(id) > 8 && id[:8] == "shardId-" {
		num = id[8:]
	}
	if num == "" || len(num) > 12 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(num); i++ {
		c := num[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
