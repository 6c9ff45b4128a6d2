// Package xmlstr appends text to XML documents the way AWS's query
// services write it. The awsQuery codec and the services' own renderings
// of hot answers share it.
package xmlstr

import "unicode/utf8"

// isPlain reports whether AppendEscaped copies ASCII byte c as it is.
func isPlain(c byte) bool {
	switch c {
	case '&', '<', '>', '"':
		return false
	}
	return (c >= 0x20 && c < utf8.RuneSelf) || c == '\n' || c == '\t'
}

// AppendEscaped appends s escaped for XML content and attributes as AWS
// escapes it (&, <, >, " and CR); characters XML cannot carry become
// U+FFFD.
func AppendEscaped(b []byte, s string) []byte {
	// Runs of plain ASCII are copied at once.
	plain := 0
	for plain < len(s) && isPlain(s[plain]) {
		plain++
	}
	b = append(b, s[:plain]...)
	for i := plain; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '"':
				b = append(b, "&quot;"...)
			case c == '\r':
				b = append(b, "&#xD;"...)
			case c < 0x20 && c != '\n' && c != '\t':
				b = append(b, "\uFFFD"...)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}
