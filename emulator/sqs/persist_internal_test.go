package sqs

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAppendJSONString checks the hand-written JSON string encoder of the
// message rows against encoding/json's decoder.
func TestAppendJSONString(t *testing.T) {
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
		b := appendJSONString([]byte("x"), tt.in)
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
