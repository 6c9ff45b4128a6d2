package kinesis

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
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

// shardIDFor renders shard index i as Kinesis names shards; Kinesis prints
// a negative index it decoded from a sequence number the same way
// ("shardId--02147483648").
func shardIDFor(i int) string {
	return fmt.Sprintf("shardId-%012d", i)
}

// maxShardIndex is the largest shard index a shard id may name: a Java
// int.
const maxShardIndex = 1<<31 - 1

// resolveShardID resolves a shard id as Kinesis does: the digits between
// its first and second hyphen ("shardId-5", "shard-0", "x-1",
// "-00002147483647"), or the whole id without a hyphen ("5"), leading zeros
// allowed, naming an index up to 2^31-1. It returns the index and the
// canonical id shardId-%012d; ok is false for any other id (kinesalite's
// db.resolveShardId and its GetShardIterator, SplitShard and MergeShards
// tests, recorded against AWS).
func resolveShardID(id string) (index int, canonical string, ok bool) {
	if id == "" {
		return 0, "", false
	}
	num := id
	if _, rest, found := strings.Cut(id, "-"); found {
		if n, _, _ := strings.Cut(rest, "-"); n != "" {
			num = n
		}
	}
	num = strings.TrimLeft(num, "0")
	if len(num) > 10 {
		return 0, "", false
	}
	n := 0
	for i := 0; i < len(num); i++ {
		c := num[i]
		if c < '0' || c > '9' {
			return 0, "", false
		}
		n = n*10 + int(c-'0')
	}
	if n > maxShardIndex {
		return 0, "", false
	}
	return n, shardIDFor(n), true
}

// parseShardID returns the index a shard id names; see resolveShardID.
func parseShardID(id string) (int, bool) {
	i, _, ok := resolveShardID(id)
	return i, ok
}
