package kinesis

import (
	"encoding/binary"
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

// maxSeqDigits is the most digits a sequence number has (2^188 < 10^57).
const maxSeqDigits = 57

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
	return appendDecimal192(b, s.words())
}

// appendDecimal192 appends w (three 64-bit limbs, most significant first)
// in decimal. Below 2^188, as sequence numbers are, three divisions by
// 10^19 split it into base-10^19 digits c2, c1, c0.
func appendDecimal192(b []byte, w [3]uint64) []byte {
	const tenPow19 = 10_000_000_000_000_000_000
	if w[0] >= 1<<60 {
		// Not a sequence number's layout (its top limb is below 2^60).
		return appendDecimalBig(b, w)
	}
	q1, r := div10e19(w[0], w[1])
	q2, c0 := div10e19(r, w[2])
	// q1 < 2^124/10^19 < 10^19, so one more division ends it.
	c2, c1 := div10e19(q1, q2)
	var tmp [57]byte
	put19(tmp[0:19], c2)
	put19(tmp[19:38], c1)
	put19(tmp[38:57], c0)
	i := 0
	for i < len(tmp)-1 && tmp[i] == '0' {
		i++
	}
	return append(b, tmp[i:]...)
}

// tenPow19Inv is the reciprocal of 10^19 that div10e19 multiplies by:
// floor((2^128-1) / 10^19) - 2^64.
var tenPow19Inv, _ = bits.Div64(^uint64(10_000_000_000_000_000_000), ^uint64(0), 10_000_000_000_000_000_000)

// div10e19 returns the quotient and remainder of (hi·2^64 + lo) / 10^19,
// hi < 10^19, as bits.Div64 does but by multiplying by the reciprocal
// (Möller and Granlund, "Improved division by invariant integers", 2011,
// algorithm 4; 10^19 is normalized, its top bit set): a 128-bit division
// instruction takes several times longer.
func div10e19(hi, lo uint64) (q, r uint64) {
	const d = 10_000_000_000_000_000_000
	q1, q0 := bits.Mul64(tenPow19Inv, hi)
	var c uint64
	q0, c = bits.Add64(q0, lo, 0)
	q1, _ = bits.Add64(q1, hi, c)
	q1++
	r = lo - q1*d
	if r > q0 {
		q1--
		r += d
	}
	if r >= d {
		q1++
		r -= d
	}
	return q1, r
}

// appendDecimalBig is appendDecimal192 for any three limbs.
func appendDecimalBig(b []byte, w [3]uint64) []byte {
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
		b = append19(b, chunks[i])
	}
	return b
}

// digitPairs holds "00" to "99".
const digitPairs = "0001020304050607080910111213141516171819" +
	"2021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859" +
	"6061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// put19 writes v < 10^19 into dst as 19 zero-padded digits: 3, 8 and 8
// digits, each group's pairs computed independently of one another.
func put19(dst []byte, v uint64) {
	_ = dst[18]
	top := uint32(v / 10_000_000_000_000_000)
	mid := uint32(v / 100_000_000 % 100_000_000)
	lo := uint32(v % 100_000_000)
	dst[0] = byte('0' + top/100)
	t := top % 100
	dst[1], dst[2] = digitPairs[2*t], digitPairs[2*t+1]
	put8(dst[3:11], mid)
	put8(dst[11:19], lo)
}

// put8 writes v < 10^8 into dst as 8 zero-padded digits.
func put8(dst []byte, v uint32) {
	_ = dst[7]
	hi, lo := v/10000, v%10000
	a, b, c, d := hi/100, hi%100, lo/100, lo%100
	dst[0], dst[1] = digitPairs[2*a], digitPairs[2*a+1]
	dst[2], dst[3] = digitPairs[2*b], digitPairs[2*b+1]
	dst[4], dst[5] = digitPairs[2*c], digitPairs[2*c+1]
	dst[6], dst[7] = digitPairs[2*d], digitPairs[2*d+1]
}

// append19 appends v < 10^19 as exactly 19 digits, zero-padded.
func append19(b []byte, v uint64) []byte {
	var tmp [19]byte
	put19(tmp[:], v)
	return append(b, tmp[:]...)
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

// pow80 is 2^80 in decimal: the step between the sequence numbers of
// consecutive records of a shard within one second (the counter sits at
// bit 80).
const pow80 = "1208925819614629174706176"

// seqWriter appends the sequence numbers of one shard's records, taken in
// order: the number after one it wrote for the same second is that one's
// digits plus 2^80, a short decimal addition instead of a conversion.
type seqWriter struct {
	sh      *shard
	valid   bool
	counter uint64
	sec     uint64
	last    []byte // the digits last written; never written again
}

// append appends the sequence number of sh's record with counter c that
// arrived at ms (Unix milliseconds).
func (w *seqWriter) append(buf []byte, c uint64, ms int64) []byte {
	sec := uint64(ms / 1000)
	start := len(buf)
	if w.valid && c == w.counter+1 && sec == w.sec {
		buf = append(buf, w.last...)
		if addPow80(buf[start:]) {
			w.counter, w.last = c, buf[start:]
			return buf
		}
		buf = buf[:start] // one digit longer: convert
	}
	buf = w.sh.seqFor(c, ms).appendTo(buf)
	w.valid, w.counter, w.sec, w.last = true, c, sec, buf[start:]
	return buf
}

// pow80Words holds 2^80's digits as values 0-9, eight to a word in
// big-endian order, the least significant word first.
var pow80Words = func() (w [4]uint64) {
	var d [32]byte
	copy(d[32-len(pow80):], pow80)
	for i := range d {
		if d[i] != 0 {
			d[i] -= '0'
		}
	}
	for i := range w {
		w[i] = binary.BigEndian.Uint64(d[24-8*i:])
	}
	return w
}()

// addPow80 is addDecimal(x, pow80), eight digits at a time: with 246
// added to every digit sum, a sum of ten or more carries into the next
// byte exactly as a decimal carry does, and one below ten keeps its high
// bit, which tells which bytes to take 246 back from.
func addPow80(x []byte) bool {
	n := len(x)
	if n < 32 {
		return addDecimal(x, pow80)
	}
	const ascii, bias, lows = 0x3030303030303030, 0xf6f6f6f6f6f6f6f6, 0x0101010101010101
	var carry uint64
	for w := range pow80Words {
		p := x[n-8*w-8 : n-8*w]
		s, c := bits.Add64(binary.BigEndian.Uint64(p)-ascii+pow80Words[w], bias, carry)
		s -= (s >> 7 & lows) * 0xf6
		binary.BigEndian.PutUint64(p, s+ascii)
		carry = c
	}
	for i := n - 33; carry != 0 && i >= 0; i-- {
		if x[i] == '9' {
			x[i] = '0'
			continue
		}
		x[i]++
		carry = 0
	}
	return carry == 0
}

// addDecimal adds the decimal digits y to the decimal digits x in place;
// it reports false, leaving x undefined, when the sum needs more digits
// than x has.
func addDecimal(x []byte, y string) bool {
	if len(y) > len(x) {
		return false
	}
	carry := byte(0)
	i := len(x) - 1
	for j := len(y) - 1; j >= 0; i, j = i-1, j-1 {
		d := x[i] + y[j] - '0' + carry
		carry = 0
		if d > '9' {
			d -= 10
			carry = 1
		}
		x[i] = d
	}
	for ; carry != 0 && i >= 0; i-- {
		if x[i] == '9' {
			x[i] = '0'
			continue
		}
		x[i]++
		carry = 0
	}
	return carry == 0
}
