package eventmatch

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// token is a JSON token of the policy reader.
type token uint8

const (
	tEOF token = iota
	tStartObject
	tEndObject
	tStartArray
	tEndArray
	tField
	tString
	tNumber
	tTrue
	tFalse
	tNull
)

// lexer reads a policy or pattern (already checked to be valid JSON) one
// token at a time, keeping its input pointer where Jackson's streaming parser
// keeps it, so that errors carry the column AWS reports: a string value is
// consumed lazily (only its opening quote until its text is asked for), and
// after a field name the parser has already read the start of the value.
type lexer struct {
	src   []byte
	pos   int
	stack []byte // '{' or '['

	cur        token
	name       string // current field name
	text       string // text of the current scalar token
	incomplete bool   // cur is a string whose text is not read yet

	pend      token // value token read ahead after a field name
	hasPend   bool
	pendText  string
	pendIncmp bool
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// readString reads a string whose opening quote is at l.pos-1 and leaves
// l.pos after its closing quote.
func (l *lexer) readString() string {
	s, n := unquoteAt(l.src, l.pos)
	l.pos = n
	return s
}

// unquoteAt decodes the JSON string whose body starts at i (after the
// opening quote) and returns it with the offset after the closing quote. The
// input is valid JSON.
func unquoteAt(src []byte, i int) (string, int) {
	start := i
	for i < len(src) && src[i] != '"' && src[i] != '\\' {
		i++
	}
	if i < len(src) && src[i] == '"' {
		return string(src[start:i]), i + 1
	}
	buf := append([]byte(nil), src[start:i]...)
	for i < len(src) {
		c := src[i]
		switch {
		case c == '"':
			return string(buf), i + 1
		case c == '\\' && i+1 < len(src):
			i++
			switch src[i] {
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, n := decodeU(src, i+1)
				i = n - 1
				if utf16.IsSurrogate(r) {
					if n+1 < len(src) && src[n] == '\\' && src[n+1] == 'u' {
						r2, n2 := decodeU(src, n+2)
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							r, i = d, n2-1
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				buf = append(buf, src[i])
			}
			i++
		default:
			buf = append(buf, c)
			i++
		}
	}
	return string(buf), i
}

func decodeU(src []byte, i int) (rune, int) {
	if i+4 > len(src) {
		return utf8.RuneError, len(src)
	}
	v, err := strconv.ParseUint(string(src[i:i+4]), 16, 32)
	if err != nil {
		return utf8.RuneError, i + 4
	}
	return rune(v), i + 4
}

// scanNumber returns the end of the number starting at i.
func scanNumber(src []byte, i int) int {
	for i < len(src) {
		switch c := src[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

// readValueStart reads the start of a value at l.pos: whole scalars, the
// opening quote of strings, the bracket of containers.
func (l *lexer) readValueStart() (tok token, text string, incomplete bool) {
	l.skipSpace()
	if l.pos >= len(l.src) {
		return tEOF, "", false
	}
	switch c := l.src[l.pos]; c {
	case '{':
		l.pos++
		l.stack = append(l.stack, '{')
		return tStartObject, "{", false
	case '[':
		l.pos++
		l.stack = append(l.stack, '[')
		return tStartArray, "[", false
	case '"':
		l.pos++
		return tString, "", true
	case 't':
		l.pos += 4
		return tTrue, "true", false
	case 'f':
		l.pos += 5
		return tFalse, "false", false
	case 'n':
		l.pos += 4
		return tNull, "null", false
	default:
		end := scanNumber(l.src, l.pos)
		text = string(l.src[l.pos:end])
		l.pos = end
		return tNumber, text, false
	}
}

// next advances to the next token, as Jackson's nextToken.
func (l *lexer) next() token {
	if l.hasPend {
		l.hasPend = false
		l.cur, l.text, l.incomplete = l.pend, l.pendText, l.pendIncmp
		return l.cur
	}
	if l.cur == tString && l.incomplete {
		l.finish()
	}
	l.skipSpace()
	if l.pos < len(l.src) && l.src[l.pos] == ',' {
		l.pos++
		l.skipSpace()
	}
	if l.pos >= len(l.src) {
		l.cur = tEOF
		return l.cur
	}
	switch l.src[l.pos] {
	case '}', ']':
		l.pos++
		if len(l.stack) > 0 {
			l.stack = l.stack[:len(l.stack)-1]
		}
		if l.src[l.pos-1] == '}' {
			l.cur, l.text = tEndObject, "}"
		} else {
			l.cur, l.text = tEndArray, "]"
		}
		return l.cur
	}
	if len(l.stack) > 0 && l.stack[len(l.stack)-1] == '{' {
		// A field name, then the start of its value.
		l.pos++
		l.name = l.readString()
		l.skipSpace()
		if l.pos < len(l.src) && l.src[l.pos] == ':' {
			l.pos++
		}
		l.pend, l.pendText, l.pendIncmp = l.readValueStart()
		l.hasPend = true
		l.cur, l.text, l.incomplete = tField, l.name, false
		return l.cur
	}
	l.cur, l.text, l.incomplete = l.readValueStart()
	return l.cur
}

// finish reads the rest of the current string token.
func (l *lexer) finish() {
	l.text = l.readString()
	l.incomplete = false
}

// getText is Jackson's getText: the current token's text, reading a lazy
// string to its end.
func (l *lexer) getText() string {
	if l.cur == tString && l.incomplete {
		l.finish()
	}
	return l.text
}

// isNumeric reports whether the current token is a number.
func (l *lexer) isNumeric() bool { return l.cur == tNumber }

// location is the Jackson location of the input pointer.
func (l *lexer) location() string { return jacksonLocation(l.src, l.pos) }
