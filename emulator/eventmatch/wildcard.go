package eventmatch

import (
	"strconv"
	"strings"
)

// maxWildcards is how many '*' one wildcard pattern may hold before AWS
// calls the rule too complex.
// unverified: event-ruler measures the machine's complexity instead; this
// bound is the one LocalStack's recorded tests use.
const maxWildcards = 5

const tooComplexWildcard = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"

// wildcard is a compiled wildcard pattern: literal parts that '*' separates.
type wildcard struct {
	parts []string // len = number of '*' + 1
}

// compileWildcard parses s with event-ruler's escapes (\* and \\) and
// limits. Positions in the reasons count the opening quote, as event-ruler
// parses the quoted value.
func compileWildcard(s string) (*wildcard, *Error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return nil, &Error{Reason: "Consecutive wildcard characters at pos " + strconv.Itoa(i+1)}
			}
			parts = append(parts, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				cur.WriteByte(s[i+1])
				i++
				continue
			}
			return nil, &Error{Reason: "Invalid escape character at pos " + strconv.Itoa(i+1)}
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	if len(parts)-1 > maxWildcards {
		return nil, &Error{Reason: tooComplexWildcard}
	}
	return &wildcard{parts: parts}, nil
}

// match reports whether s matches the pattern.
func (w *wildcard) match(s string) bool {
	p := w.parts
	if len(p) == 1 {
		return s == p[0]
	}
	if !strings.HasPrefix(s, p[0]) {
		return false
	}
	s = s[len(p[0]):]
	for _, mid := range p[1 : len(p)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, p[len(p)-1])
}

// literalPrefix is the text every match starts with.
func (w *wildcard) literalPrefix() string { return w.parts[0] }
