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

// TestNarrow checks the integer reading of DialectJava against Java's
// BigDecimal.longValue: integer part truncated toward zero, low 64 bits.
func TestNarrow(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		raw   string
		shift int
		want  int64
	}{
		{"0", 0, 0},
		{"-0", 0, 0},
		{"42", 0, 42},
		{"-42", 0, -42},
		{"2.9", 0, 2},
		{"-2.9", 0, -2},
		{"0.999", 0, 0},
		{"9223372036854775807", 0, 9223372036854775807},
		{"9223372036854775808", 0, -9223372036854775808},
		{"18446744073709551615", 0, -1},
		{"18446744073709551616", 0, 0},
		{"36893488147419103237", 0, 5}, // 2^65 + 5
		{"1e3", 0, 1000},
		{"1.5E+2", 0, 150},
		{"12345e-2", 0, 123},
		{"1e-5", 0, 0},
		{"1e19", 0, -8446744073709551616},
		{"1e63", 0, -9223372036854775808}, // 2^63 * 5^63, 5^63 odd
		{"3e64", 0, 0},
		{"1e99999999999999999999", 0, 0},
		{"1e-99999999999999999999", 0, 0},
		{"1.5", 3, 1500},
		{"1700000000.1239", 3, 1700000000123},
		{"-1.0009", 3, -1000},
	} {
		if got := int64(narrow([]byte(c.raw), c.shift)); got != c.want {
			t.Errorf("narrow(%s, %d) = %d, want %d", c.raw, c.shift, got, c.want)
		}
	}
}
