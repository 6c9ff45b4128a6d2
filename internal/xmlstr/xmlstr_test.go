package xmlstr

import "testing"

func TestAppendEscaped(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text, long enough", "plain text, long enough"},
		{`a & b < c > d "e" 'f'`, `a &amp; b &lt; c &gt; d &quot;e&quot; 'f'`},
		{"cr\r lf\n tab\t", "cr&#xD; lf\n tab\t"},
		{"nul\x00 bell\x07 esc\x1b", "nul\uFFFD bell\uFFFD esc\uFFFD"},
		{"ü € 😀", "ü € 😀"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"non-characters \uFFFE \uFFFF", "non-characters \uFFFD \uFFFD"},
		{"del \x7f stays", "del \x7f stays"},
	}
	for _, tt := range tests {
		if got := string(AppendEscaped([]byte("x"), tt.in)); got != "x"+tt.want {
			t.Errorf("AppendEscaped(%q) = %q, want %q", tt.in, got, "x"+tt.want)
		}
	}
}
