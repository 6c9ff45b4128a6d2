package jsonwire

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// The fast paths of the codec must agree byte for byte with the general
// ones they short-cut.

const hexDigits = "0123456789abcdef"

// appendStringRef is AppendString without its word-at-a-time skipping.
func appendStringRef(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func TestAppendStringMatchesReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	pools := []string{
		"abcdefghijklmnopqrstuvwxyz0123456789-_.",
		"ab\"\\\x00\x1f\x20\x7f\x80\xff/é😀",
	}
	for i := range 20000 {
		pool := pools[i%2]
		n := rng.IntN(40)
		b := make([]byte, 0, n)
		for len(b) < n {
			if i%7 == 0 {
				b = append(b, byte(rng.IntN(256)))
			} else {
				b = append(b, pool[rng.IntN(len(pool))])
			}
		}
		s := string(b)
		if got, want := AppendString([]byte("x"), s), appendStringRef([]byte("x"), s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	// Every single special byte at every position of a word.
	for c := range 256 {
		for pos := range 17 {
			b := bytes.Repeat([]byte("a"), 17)
			b[pos] = byte(c)
			if got, want := AppendString(nil, string(b)), appendStringRef(nil, string(b)); !bytes.Equal(got, want) {
				t.Fatalf("AppendString(%q) = %s, want %s", b, got, want)
			}
		}
	}
}

func TestAppendEpochSeconds(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	check := func(ms int64) {
		tm := time.UnixMilli(ms)
		want := shape.AppendJavaDouble(nil, shape.EpochSeconds(tm), 64)
		if got := appendEpochSeconds(nil, tm); !bytes.Equal(got, want) {
			t.Fatalf("appendEpochSeconds(%d ms) = %s, want %s", ms, got, want)
		}
	}
	for _, ms := range []int64{0, -1, 1, 999, 1000, 9_999_999_999, 10_000_000_000, 1_000_000_000_000, 1_700_000_000_000,
		1_733_516_123_456, 1_733_516_123_450, 1_733_516_123_400, 1_733_516_123_000, 99_999_999_999_999, 100_000_000_000_000,
		-1_700_000_000_000} {
		check(ms)
	}
	for range 200000 {
		// Spread over the magnitudes, with many round values.
		ms := rng.Int64N(int64(1) << rng.IntN(50))
		switch rng.IntN(4) {
		case 0:
			ms -= ms % 1000
		case 1:
			ms -= ms % 100000
		case 2:
			ms = -ms
		}
		check(ms)
	}
	// The time's location and monotonic reading do not matter.
	now := time.Now()
	if got, want := appendEpochSeconds(nil, now), shape.AppendJavaDouble(nil, shape.EpochSeconds(now), 64); !bytes.Equal(got, want) {
		t.Fatalf("appendEpochSeconds(now) = %s, want %s", got, want)
	}
}

// TestBlobFastPath checks the one-pass base64 reading against the general
// path (string, then validation and strict decoding) on canonical,
// non-canonical and malformed input.
func TestBlobFastPath(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var inputs []string
	for n := range 40 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.IntN(256))
		}
		enc := base64.StdEncoding.EncodeToString(src)
		inputs = append(inputs, enc, base64.RawStdEncoding.EncodeToString(src))
		for range 20 {
			b := []byte(enc)
			if len(b) == 0 {
				break
			}
			i := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				const odd = "=\\\"\n\r\x00 -_.é"
				b[i] = odd[rng.IntN(len(odd))]
			case 1:
				b[i] = alphabet[rng.IntN(64)]
			case 2:
				b = append(b[:i:i], append([]byte(`\/`), b[i+1:]...)...)
			}
			inputs = append(inputs, string(b))
		}
	}
	inputs = append(inputs, "", "=", "==", "===", "====", "A===", "AA==", "AB==", "AAA=", "AAB=", "AAAA", "AA=A",
		"AAAA====", `QUJD\u0044`, `QUJ\"`, "QUJD\n", "QUJD\r\nQUJD", "QUJ", `\`, "QUJD")
	for _, in := range inputs {
		data := []byte(`"` + in + `"}`)
		fast := decoder{data: data}
		got, ok := fast.blob()
		slow := decoder{data: data}
		raw, err := slow.strBytes()
		var want []byte
		if err == nil {
			want, err = decodeBase64(raw)
		}
		if !ok {
			if fast.pos != 0 {
				t.Fatalf("%q: fast path moved the cursor to %d on failure", in, fast.pos)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: fast path decoded %x, general path fails: %v", in, got, err)
		}
		if !bytes.Equal(got, want) || got == nil || fast.pos != slow.pos {
			t.Fatalf("%q: fast path %x (pos %d), general path %x (pos %d)", in, got, fast.pos, want, slow.pos)
		}
		if cap(got) != len(got) {
			t.Fatalf("%q: blob capacity %d > length %d: appends would overwrite a neighbour", in, cap(got), len(got))
		}
	}
}

// TestDecodeSharesChunks checks that decoded strings and blobs are
// separate values even when they share a chunk.
func TestDecodeSharesChunks(t *testing.T) {
	t.Parallel()
	type entry struct {
		Data []byte  `locationName:"Data"`
		Key  *string `locationName:"Key"`
		Name string  `locationName:"Name"`
	}
	type input struct {
		Entries []entry `locationName:"Entries"`
		Empty   []entry `locationName:"Empty"`
		Ptrs    *[]int32
	}
	body := []byte(`{"Entries":[{"Data":"QUJD","Key":"k1","Name":"n1"},null,{"Data":"","Key":"k\u0032","Name":"n2"},{"Data":"REVG","Key":"k3"}],"Empty":[],"Ptrs":[1,null,2]}`)
	var c shape.Cache
	plan, err := c.Plan(reflect.TypeFor[input]())
	if err != nil {
		t.Fatal(err)
	}
	var in input
	if err := Unmarshal(body, plan, reflect.ValueOf(&in).Elem(), Options{}); err != nil {
		t.Fatal(err)
	}
	if len(in.Entries) != 3 || in.Empty == nil || len(in.Empty) != 0 || in.Ptrs == nil || !reflect.DeepEqual(*in.Ptrs, []int32{1, 2}) {
		t.Fatalf("entries %+v, empty %#v, ptrs %v", in.Entries, in.Empty, in.Ptrs)
	}
	want := []struct{ data, key, name string }{{"ABC", "k1", "n1"}, {"", "k2", "n2"}, {"DEF", "k3", ""}}
	for i, w := range want {
		e := in.Entries[i]
		if string(e.Data) != w.data || e.Data == nil || *e.Key != w.key || e.Name != w.name {
			t.Fatalf("entry %d = %q %q %q, want %+v", i, e.Data, *e.Key, e.Name, w)
		}
	}
	in.Entries[0].Data = append(in.Entries[0].Data, 'X', 'Y', 'Z', 'W')
	if string(in.Entries[2].Data) != "DEF" || *in.Entries[0].Key != "k1" {
		t.Fatalf("appending to a blob changed its neighbours: %q %q", in.Entries[2].Data, *in.Entries[0].Key)
	}
	if in.Entries[0].Key == in.Entries[1].Key {
		t.Fatal("members share a *string")
	}
}

// smallEntry is decoded through member offsets, bigEntry (over
// maxLinearFields members) through reflect.
type smallEntry struct {
	Data []byte  `locationName:"Data"`
	Key  *string `locationName:"Key"`
	Name string  `locationName:"Name"`
}

type bigEntry struct {
	Data                                              []byte  `locationName:"Data"`
	Key                                               *string `locationName:"Key"`
	Name                                              string  `locationName:"Name"`
	P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12 *int32
	P13, P14, P15                                     *string
}

// TestDecodeFastStoresMatchReflect decodes random objects both ways.
func TestDecodeFastStoresMatchReflect(t *testing.T) {
	t.Parallel()
	var c shape.Cache
	sp, err := c.Plan(reflect.TypeFor[smallEntry]())
	if err != nil {
		t.Fatal(err)
	}
	bp, err := c.Plan(reflect.TypeFor[bigEntry]())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	values := []string{`"QUJD"`, `"QUI="`, `"QQ=="`, `""`, `"QUJ"`, `"QU\/D"`, `"Q\u0055JD"`, `"Q=JD"`, `"QUJD`, `null`, `1`, `true`, `{}`, `[]`,
		`"k"`, `"\u00e9\ud800"`, `"a\"b"`, `"\n"`, "\"\x01\""}
	keys := []string{"Data", "Key", "Name", "Other", "data", `D\u0061ta`, `K\"ey`, "Dat", "Datas", "Ke", "", `Name\\`}
	for range 20000 {
		body := []byte("{")
		for j := range rng.IntN(4) {
			if j > 0 {
				body = append(body, ',')
			}
			body = append(body, `"`+keys[rng.IntN(len(keys))]+`":`+values[rng.IntN(len(values))]...)
		}
		body = append(body, '}')
		for _, opts := range []Options{{}, {KeepEmptyEnums: true, Dialect: DialectJava}} {
			var s smallEntry
			var b bigEntry
			es := Unmarshal(body, sp, reflect.ValueOf(&s).Elem(), opts)
			eb := Unmarshal(body, bp, reflect.ValueOf(&b).Elem(), opts)
			if !reflect.DeepEqual(es, eb) {
				t.Fatalf("%s: errors %v and %v", body, es, eb)
			}
			if es != nil {
				continue
			}
			if !reflect.DeepEqual(s, smallEntry{Data: b.Data, Key: b.Key, Name: b.Name}) {
				t.Fatalf("%s: fast %+v, reflect %+v", body, s, b)
			}
		}
	}
}
