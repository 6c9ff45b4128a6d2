package jsonwire

import "testing"

func TestAppendString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":        `"plain"`,
		"q\"b\\":       `"q\"b\\"`,
		"<&>\u2028":    "\"<&>\u2028\"",
		"\x00\x1f\n\t": `"\u0000\u001f\n\t"`,
		"bad\xffutf8":  `"bad\ufffdutf8"`,
		"emoji 😀 é":    `"emoji 😀 é"`,
	} {
		if got := string(AppendString(nil, in)); got != want {
			t.Errorf("AppendString(%q) = %s, want %s", in, got, want)
		}
	}
}
