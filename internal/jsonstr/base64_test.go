package jsonstr

import (
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

func TestAppendBase64(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 300 {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.IntN(256))
		}
		for _, prefix := range []string{"", "{", "pre"} { // after output of any length
			got := AppendBase64([]byte(prefix), src)
			if want := prefix + base64.StdEncoding.EncodeToString(src); string(got) != want {
				t.Fatalf("AppendBase64(%q, %x) = %s, want %s", prefix, src, got, want)
			}
		}
	}
}

func FuzzAppendBase64(f *testing.F) {
	f.Add([]byte("hello, world"), []byte("pre"))
	f.Add([]byte{0xff, 0xfe, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, []byte(nil))
	f.Fuzz(func(t *testing.T, src, prefix []byte) {
		got := AppendBase64(append([]byte(nil), prefix...), src)
		if want := base64.StdEncoding.AppendEncode(append([]byte(nil), prefix...), src); string(got) != string(want) {
			t.Fatalf("AppendBase64(%x) = %s, want %s", src, got, want)
		}
	})
}

func TestAppendEpochMillis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ms   int64
		want string // "" when it declines
	}{
		{9_999_999_999, ""},
		{10_000_000_000, "1.0E7"},
		{1_733_516_123_456, "1.733516123456E9"},
		{1_733_516_123_450, "1.73351612345E9"},
		{1_733_516_123_000, "1.733516123E9"},
		{1_700_000_000_000, "1.7E9"},
		{99_999_999_999_999, "9.9999999999999E10"},
		{100_000_000_000_000, ""},
		{-1, ""},
	}
	for _, tt := range tests {
		got, ok := AppendEpochMillis([]byte("x"), tt.ms)
		switch {
		case tt.want == "" && (ok || string(got) != "x"):
			t.Errorf("AppendEpochMillis(%d) = %q, %v; want it to decline", tt.ms, got, ok)
		case tt.want != "" && (!ok || string(got) != "x"+tt.want):
			t.Errorf("AppendEpochMillis(%d) = %q, %v; want %q", tt.ms, got, ok, "x"+tt.want)
		}
	}
}
