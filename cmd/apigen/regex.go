package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
)

// goPattern is a model pattern translated for Go's RE2.
type goPattern struct {
	// Match is the anchored expression the whole value must match.
	Match string
	// Reject lists expressions the value must not match (Java lookarounds
	// at the start or end of the pattern).
	Reject []string
}

// translatePattern turns a Java regex (full-match semantics) into RE2
// expressions. Dots match line breaks too: AWS accepts multi-line values
// (e.g. Glue schema definitions) under patterns such as ".*\S.*". ok is false when RE2 cannot express it (lookarounds other
// than a leading negative lookahead or a trailing negative lookbehind,
// backreferences...).
func translatePattern(java string) (p goPattern, ok bool, why string) {
	body := convertEscapes(java)
	// A leading negative lookahead: [^](?!X)rest or (^(?!X))rest.
	for _, lead := range []string{"(?!", "^(?!", "(^(?!"} {
		if !strings.HasPrefix(body, lead) {
			continue
		}
		open := len(lead) - 3
		end := matchParen(body, open)
		if end < 0 {
			return p, false, "unbalanced parentheses"
		}
		look := body[open+3 : end]
		rest := body[end+1:]
		if lead == "(^(?!" {
			if !strings.HasPrefix(rest, ")") {
				break
			}
			rest = rest[1:]
		}
		if rest == "" {
			return p, false, "lookahead only"
		}
		p.Reject = append(p.Reject, "^(?s:"+look+")")
		body = rest
		break
	}
	// A trailing negative lookbehind: rest(?<!Y).
	if strings.HasSuffix(body, ")") {
		if i := strings.LastIndex(body, "(?<!"); i > 0 && matchParen(body, i) == len(body)-1 {
			p.Reject = append(p.Reject, "(?s:"+body[i+4:len(body)-1]+")$")
			body = body[:i]
		}
	}
	p.Match = "^(?s:" + body + ")$"
	for _, e := range append([]string{p.Match}, p.Reject...) {
		if _, err := regexp.Compile(e); err != nil {
			return goPattern{}, false, firstLine(err.Error())
		}
	}
	return p, true, ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// matchParen returns the index of the parenthesis closing the one at
// s[open], honouring escapes and character classes, or -1.
func matchParen(s string, open int) int {
	depth := 0
	inClass := false
	for i := open; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// convertEscapes rewrites Java \uXXXX escapes (joining surrogate pairs) as
// RE2 \x{...} escapes.
func convertEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] == 'u' && i+6 <= len(s) {
				if r, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
					cp := rune(r)
					next := i + 6
					if utf16.IsSurrogate(cp) && next+6 <= len(s) && s[next] == '\\' && s[next+1] == 'u' {
						if r2, err := strconv.ParseUint(s[next+2:next+6], 16, 32); err == nil {
							if dec := utf16.DecodeRune(cp, rune(r2)); dec != '\uFFFD' {
								cp = dec
								next += 6
							}
						}
					}
					fmt.Fprintf(&b, `\x{%X}`, cp)
					i = next - 1
					continue
				}
			}
			b.WriteByte(s[i])
			b.WriteByte(s[i+1])
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
