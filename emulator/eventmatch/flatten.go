package eventmatch

import (
	"errors"
	"strings"
	"unsafe"
)

// ErrInvalidEvent is returned (wrapped) for an event that is not a JSON object.
var ErrInvalidEvent = errors.New("eventmatch: event is not a JSON object")

// maxEventDepth bounds the nesting of an event.
const maxEventDepth = 10000

// stringBytes views s as bytes without copying; the bytes must not be
// modified.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// bytesString views b as a string without copying; b must not change while
// the string is in use (during one match).
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// scanner walks an event's JSON once, looking each key up in the path trie
// and recording the leaf values of paths some pattern names.
type scanner struct {
	b  []byte
	i  int
	st *state
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) ws() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// flattenEvent records the fields of a JSON object event.
func (st *state) flattenEvent(b []byte) error {
	s := scanner{b: b, st: st}
	s.ws()
	if s.i >= len(b) || b[s.i] != '{' {
		return ErrInvalidEvent
	}
	if !s.value(st.m.root, 0) {
		return ErrInvalidEvent
	}
	s.ws()
	if s.i != len(b) {
		return ErrInvalidEvent
	}
	return nil
}

// value parses one JSON value for node n (nil: nothing to record).
func (s *scanner) value(n *pathNode, depth int) bool {
	if depth > maxEventDepth || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; c {
	case '{':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return true
		}
		for {
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return false
			}
			key, ok := s.str()
			if !ok {
				return false
			}
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return false
			}
			s.i++
			s.ws()
			if !s.value(n.lookup(key), depth+1) {
				return false
			}
			s.ws()
			if s.i >= len(s.b) {
				return false
			}
			if s.b[s.i] == '}' {
				s.i++
				return true
			}
			if s.b[s.i] != ',' {
				return false
			}
			s.i++
		}
	case '[':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return true
		}
		st := s.st
		id := st.nextArr
		st.nextArr++
		for k := int32(0); ; k++ {
			if n != nil {
				st.arrStack = append(st.arrStack, arrMember{id: id, idx: k})
			}
			s.ws()
			if !s.value(n, depth+1) {
				return false
			}
			if n != nil {
				st.arrStack = st.arrStack[:len(st.arrStack)-1]
			}
			s.ws()
			if s.i >= len(s.b) {
				return false
			}
			if s.b[s.i] == ']' {
				s.i++
				return true
			}
			if s.b[s.i] != ',' {
				return false
			}
			s.i++
		}
	case '"':
		v, ok := s.str()
		if ok && n != nil {
			s.st.addField(n, value{kind: vString, str: bytesString(v)})
		}
		return ok
	case 't':
		return s.literal("true", n, vTrue)
	case 'f':
		return s.literal("false", n, vFalse)
	case 'n':
		return s.literal("null", n, vNull)
	default:
		start := s.i
		if !s.number() {
			return false
		}
		if n != nil {
			s.st.addField(n, newNumberValue(bytesString(s.b[start:s.i])))
		}
		return true
	}
}

func (s *scanner) literal(lit string, n *pathNode, k valKind) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	if n != nil {
		s.st.addField(n, value{kind: k})
	}
	return true
}

// number scans a JSON number.
func (s *scanner) number() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() bool {
		st := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > st
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if !digits() {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	s.i = i
	return true
}

// str scans a JSON string at s.i (its opening quote) and returns its value:
// a view of the event when it has no escapes, else a decoded copy.
func (s *scanner) str() ([]byte, bool) {
	b := s.b
	i := s.i + 1
	start := i
	escaped := false
	for {
		if i >= len(b) {
			return nil, false
		}
		c := b[i]
		if c == '"' {
			break
		}
		if c < 0x20 {
			return nil, false
		}
		if c == '\\' {
			escaped = true
			if i+1 >= len(b) {
				return nil, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return nil, false
				}
				for _, h := range b[i+2 : i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, false
					}
				}
				i += 6
			default:
				return nil, false
			}
			continue
		}
		i++
	}
	s.i = i + 1
	if !escaped {
		return b[start:i], true
	}
	v, _ := unquoteAt(b, start)
	return []byte(v), true
}

// Attribute is an SNS message attribute as a filter policy sees it.
type Attribute struct {
	// Type is the DataType: String, String.Array, Number or Binary (a
	// custom suffix such as "Number.float" is allowed).
	Type string
	// Value is the StringValue (ignored for Binary).
	Value string
}

// flattenAttributes records SNS message attributes as fields.
func (st *state) flattenAttributes(attrs map[string]Attribute) {
	for name, a := range attrs {
		n := st.m.root.lookup(stringBytes(name))
		if n == nil {
			continue
		}
		switch attrKind(a.Type) {
		case "String":
			st.addField(n, value{kind: vString, str: attrString(a.Value)})
		case "Number":
			st.addField(n, newNumberValue(a.Value))
		case "String.Array":
			// Each element is a value; an invalid array gives none.
			mark := len(st.fields)
			s := scanner{b: stringBytes(a.Value), st: st}
			s.ws()
			ok := s.i < len(s.b) && s.b[s.i] == '[' && s.value(n, 0)
			s.ws()
			if !ok || s.i != len(s.b) {
				st.fields = st.fields[:mark]
				st.arrStack = st.arrStack[:0]
			}
		}
	}
}

// attrString is the form of a String attribute that policies compare: SNS
// documents that a policy must escape double quotes and backslashes twice
// to match them in attribute values, that is, it sees them escaped once.
func attrString(v string) string {
	if !strings.ContainsAny(v, `"\`) {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return r.Replace(v)
}

// attrKind maps a DataType to its base type ("Number.float" → "Number").
func attrKind(t string) string {
	switch {
	case t == "String.Array":
		return t
	case t == "String" || len(t) > 7 && t[:7] == "String.":
		return "String"
	case t == "Number" || len(t) > 7 && t[:7] == "Number.":
		return "Number"
	}
	return "Binary"
}
