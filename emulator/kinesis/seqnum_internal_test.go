package kinesis

import (
	"math/big"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestAppendDecimal192 checks the decimal rendering of 192-bit values
// against math/big.
func TestAppendDecimal192(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	limb := func() uint64 {
		switch rng.IntN(5) {
		case 0:
			return 0
		case 1:
			return ^uint64(0)
		case 2:
			return 10_000_000_000_000_000_000 - uint64(rng.IntN(3))
		}
		return rng.Uint64() >> rng.IntN(64)
	}
	for range 100000 {
		w := [3]uint64{limb(), limb(), limb()}
		want := new(big.Int).SetUint64(w[0])
		want.Lsh(want, 64).Or(want, new(big.Int).SetUint64(w[1]))
		want.Lsh(want, 64).Or(want, new(big.Int).SetUint64(w[2]))
		if got := string(appendDecimal192([]byte("x"), w)); got != "x"+want.String() {
			t.Fatalf("appendDecimal192(%x) = %s, want x%s", w, got, want)
		}
	}
	for range 10000 {
		s := seqNum{shardCreate: rng.Uint64() >> 28, counter: rng.Uint64() >> (1 + rng.IntN(63)), seqTime: rng.Uint64() >> 28, shardIndex: rng.Uint32()}
		d, ok := decodeSeq(s.String())
		if !ok || d.version != 2 || d.counter != s.counter || d.shardCreate != s.shardCreate&(1<<36-1) || d.seqTime != s.seqTime&(1<<36-1) || uint32(d.shardIndex) != s.shardIndex {
			t.Fatalf("%+v renders as %s, which decodes as %+v (%v)", s, s.String(), d, ok)
		}
	}
}

// TestDiv10e19 checks the division by the reciprocal against the
// division instruction.
func TestDiv10e19(t *testing.T) {
	t.Parallel()
	const d = 10_000_000_000_000_000_000
	rng := rand.New(rand.NewPCG(3, 4))
	edge := []uint64{0, 1, 2, d - 1, d - 2, d / 2, 1 << 63, ^uint64(0), ^uint64(0) - 1, 1<<63 - 1}
	for range 2000000 {
		var hi, lo uint64
		switch rng.IntN(4) {
		case 0:
			hi, lo = edge[rng.IntN(len(edge))]%d, edge[rng.IntN(len(edge))]
		case 1:
			hi, lo = rng.Uint64N(d), edge[rng.IntN(len(edge))]
		default:
			hi, lo = rng.Uint64N(d)>>rng.IntN(64), rng.Uint64()
		}
		wq, wr := bits.Div64(hi, lo, d)
		if q, r := div10e19(hi, lo); q != wq || r != wr {
			t.Fatalf("div10e19(%d, %d) = %d, %d, want %d, %d", hi, lo, q, r, wq, wr)
		}
	}
}

// TestSeqWriter checks the incremental rendering against the conversion
// of every number, across counter gaps, second changes and a number that
// gains a digit.
func TestSeqWriter(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, created := range []uint64{1_733_516_000, 0xfffffffff, 1, 0} {
		for _, index := range []int{0, 7, 1 << 20, 1<<31 - 1} {
			sh := &shard{index: index, created: created}
			w := seqWriter{sh: sh}
			var buf []byte
			c := uint64(rng.IntN(3))
			if index == 7 {
				c = 1<<47 - 50 // crosses into the counter's top limb
			}
			ms := int64(1_733_516_000_000)
			for range 3000 {
				switch rng.IntN(20) {
				case 0:
					c += uint64(rng.IntN(5))
				case 1:
					ms += int64(rng.IntN(3000))
				}
				c++
				ms++
				start := len(buf)
				buf = w.append(buf, c, ms)
				if got, want := string(buf[start:]), sh.seqFor(c, ms).String(); got != want {
					t.Fatalf("shard %d created %d: counter %d at %d = %s, want %s", index, created, c, ms, got, want)
				}
			}
		}
	}
	// The word-at-a-time addition agrees with the digit-at-a-time one.
	for range 100000 {
		n := 32 + rng.IntN(30)
		x := make([]byte, n)
		for i := range x {
			x[i] = '0' + byte(rng.IntN(10))
			if rng.IntN(3) == 0 {
				x[i] = '9'
			}
		}
		if rng.IntN(10) == 0 {
			for i := range x {
				x[i] = '9'
			}
			x[rng.IntN(n)] = '8'
		}
		y := append([]byte(nil), x...)
		okX, okY := addPow80(x), addDecimal(y, pow80)
		if okX != okY || okX && string(x) != string(y) {
			t.Fatalf("addPow80 = %s %v, addDecimal = %s %v", x, okX, y, okY)
		}
	}
	// Sums that gain a digit are refused.
	x := []byte("99999999999999999999999999")
	if addDecimal(x, pow80) {
		t.Fatalf("999…9 + 2^80 fits in %d digits: %s", len(x), x)
	}
	y := []byte("0000000000000000000000000000")
	if !addDecimal(y, pow80) || string(y) != "000"+pow80 {
		t.Fatalf("0 + 2^80 = %s", y)
	}
}

// BenchmarkSeqNumAppend converts a sequence number to decimal.
func BenchmarkSeqNumAppend(b *testing.B) {
	s := seqNum{shardCreate: 1_733_516_000, counter: 123456, seqTime: 1_733_516_123, shardIndex: 3}
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = s.appendTo(buf[:0])
		s.counter++
	}
}
