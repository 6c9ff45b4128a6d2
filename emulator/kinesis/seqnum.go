package kinesis

import (
	"math/big"
	"math/bits"
	"strconv"
)

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

// decodedSeq is a sequence number as Kinesis reads one it is given.
// Kinesis has issued three layouts, told apart by size and by the last hex
// digit (kinesalite's db.parseSequence and its tests, recorded against
// AWS):
//   - version 0, below 2^129 (a number below 2^124 gains 2^124 first): 1,
//     the shard's creation second (9 hex digits), 2 reserved, 16 random,
//     the shard index (4);
//   - version 1, 47 hex digits: 2, the creation second (9), the shard
//     index's low digit (1), 2 reserved, the record second (9), 14 random,
//     a counter (2), the shard index (8), 1;
//   - version 2, 47 hex digits: seqNum's layout.
type decodedSeq struct {
	version     int
	shardCreate uint64 // seconds
	counter     uint64 // the record counter of versions 1 and 2
	seqTime     uint64 // record second of versions 1 and 2; 0 for version 0
	shardIndex  int32  // a Java int, as Kinesis reads it: 8xxxxxxx is negative
	text        string // the number as Kinesis prints it back in errors
}

// maxV0CreateSecond bounds a version-0 number's creation second: AWS
// refuses 0x3bb2cc3d8 (kinesalite's "sequence number with large date"
// tests).
const maxV0CreateSecond = 0x3bb2cc3d8

var (
	seqV0Floor = new(big.Int).Lsh(big.NewInt(1), 124) // version 0 starts here
	seqV0End   = new(big.Int).Lsh(big.NewInt(1), 129) // and ends before here
)

// decodeSeq decodes a decimal sequence number as Kinesis does; ok is false
// for one Kinesis refuses as invalid.
func decodeSeq(str string) (decodedSeq, bool) {
	if str == "" || len(str) > 129 {
		return decodedSeq{}, false
	}
	for i := 0; i < len(str); i++ {
		if str[i] < '0' || str[i] > '9' {
			return decodedSeq{}, false
		}
	}
	v, _ := new(big.Int).SetString(str, 10)
	if v.Cmp(seqV0Floor) < 0 {
		v.Add(v, seqV0Floor)
	}
	hex := v.Text(16)
	field := func(from, to int) uint64 {
		n, _ := strconv.ParseUint(hex[from:to], 16, 64)
		return n
	}
	if v.Cmp(seqV0End) < 0 {
		d := decodedSeq{shardCreate: field(1, 10), shardIndex: int32(field(28, 32))}
		if d.shardCreate >= maxV0CreateSecond {
			return decodedSeq{}, false
		}
		// Kinesis prints a version-0 number re-encoded, 2^124 added.
		canon, _ := new(big.Int).SetString("1"+hex[1:32], 16)
		d.text = canon.String()
		return d, true
	}
	if len(hex) != 47 || hex[0] != '2' {
		return decodedSeq{}, false
	}
	switch hex[46] {
	case '1':
		return decodedSeq{version: 1, shardCreate: field(1, 10), seqTime: field(13, 22), counter: field(36, 38), shardIndex: int32(uint32(field(38, 46))), text: str}, true
	case '2':
		// The counter is a Java long: a leading 8-f would be negative.
		if hex[11] > '7' {
			return decodedSeq{}, false
		}
		return decodedSeq{version: 2, shardCreate: field(1, 10), counter: field(11, 27), seqTime: field(29, 38), shardIndex: int32(uint32(field(38, 46))), text: str}, true
	}
	// Other versions are refused. AWS answered version 3 with a bare
	// InternalFailure (kinesalite's tests); a 500 would only make SDKs
	// retry, so it is refused as invalid like the rest.
	return decodedSeq{}, false
}
