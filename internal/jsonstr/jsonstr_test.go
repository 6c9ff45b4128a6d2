package jsonstr

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAppend checks Append against encoding/json's decoder.
func TestAppend(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain ascii text, long enough for words", "plain ascii text, long enough for words"},
		{`quote " and backslash \ inside a word`, `quote " and backslash \ inside a word`},
		{"\"\"\"\"\"\"\"\"\\\\\\\\\\\\\\\\", "\"\"\"\"\"\"\"\"\\\\\\\\\\\\\\\\"},
		{"tab\tnewline\ncr\r and \x01\x1f controls", "tab\tnewline\ncr\r and \x01\x1f controls"},
		{"unicode ü € 😀 \u2028 \ufffd mixed in eight-byte words", "unicode ü € 😀 \u2028 \ufffd mixed in eight-byte words"},
		{"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f del", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f del"},
		{"bad \xff byte", "bad \ufffd byte"},
		{strings.Repeat("ab\"c", 40), strings.Repeat("ab\"c", 40)},
	}
	for _, tt := range tests {
		b := Append([]byte("x"), tt.in)
		if b[0] != 'x' || !json.Valid(b[1:]) {
			t.Errorf("%q: invalid JSON %s", tt.in, b)
			continue
		}
		var got string
		if err := json.Unmarshal(b[1:], &got); err != nil || got != tt.want {
			t.Errorf("%q: decodes to %q (%v), want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("plain")
	f.Add("q\"b\\ \x01 \xff ü \u2028")
	f.Fuzz(func(t *testing.T, s string) {
		b := Append(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, b, err)
		}
		var want strings.Builder
		for _, r := range s { // each invalid byte is one U+FFFD
			want.WriteRune(r)
		}
		if got != want.String() {
			t.Fatalf("%q decodes to %q, want %q", s, got, want.String())
		}
	})
}
