// Package jsonscan bounds the work a JSON schema definition can cause
// before it reaches a parser: one pass over the text, no allocation, that
// measures nesting depth, how many values and objects the document holds
// and, optionally, the cost of the JSON pointers a parser builds for every
// object.
//
// The scan does not validate JSON: text that is not JSON is measured as far
// as the scan can follow it, and the decoder that runs next reports the
// syntax error. Brackets inside strings are skipped, so a definition cannot
// hide nesting from the scan or inflate it with string content.
package jsonscan

import "fmt"

// Limits bounds a definition. A zero field is not checked.
type Limits struct {
	// MaxDepth bounds the nesting of objects and arrays: {"a":[1]} is 2.
	MaxDepth int
	// MaxObjects bounds how many JSON objects the document holds.
	MaxObjects int
	// MaxValues bounds how many values (objects, arrays, strings, numbers,
	// booleans and nulls, object keys excluded) the document holds.
	MaxValues int
	// MaxPointerBytes bounds the sum, over every object, of the length of
	// the JSON pointer to the object: what a parser that records each
	// object's location stores, once per copy.
	MaxPointerBytes int
	// MaxPointerCost bounds the sum, over every object, of the lengths of
	// the JSON pointers to the object and to each of its ancestors. A
	// parser that builds each object's pointer by appending one token at a
	// time to the pointer of its parent allocates about this many bytes.
	MaxPointerCost int
}

// Error is a limit the definition exceeds. Its message says which, e.g.
// "the definition nests objects and arrays more than 128 levels deep".
type Error struct {
	// Limit names the limit: "depth", "objects", "values", "pointer-bytes"
	// or "pointer-cost".
	Limit string
	// Max is the limit's value.
	Max int
}

func (e *Error) Error() string {
	switch e.Limit {
	case "depth":
		return fmt.Sprintf("the definition nests objects and arrays more than %d levels deep", e.Max)
	case "objects":
		return fmt.Sprintf("the definition holds more than %d JSON objects", e.Max)
	case "values":
		return fmt.Sprintf("the definition holds more than %d JSON values", e.Max)
	case "pointer-bytes":
		return fmt.Sprintf("the JSON pointers to the definition's objects add up to more than %d characters", e.Max)
	}
	return fmt.Sprintf("the definition's objects are nested too deeply under too long keys: the JSON pointers to them and to their ancestors add up to more than %d characters", e.Max)
}

// maxDepth bounds the scan's own stack when Limits.MaxDepth is unset.
const maxDepth = 1 << 12

// frame is an open object or array.
type frame struct {
	object bool
	index  int // next element of an array
	key    int // length of the pending key of an object
	ptr    int // length of the pointer to the container
	cum    int // sum of the pointer lengths of the container and its ancestors
}

// Stats is what Measure found.
type Stats struct {
	// Depth is the deepest nesting of objects and arrays.
	Depth int
	// Objects, Values, PointerBytes and PointerCost are counted as Limits
	// describes.
	Objects, Values, PointerBytes, PointerCost int
}

type scanner struct {
	stack []frame
	Stats
}

// value counts a value starting at the current position and returns the
// length of its pointer and the sum of the pointer lengths of it and its
// ancestors.
func (s *scanner) value() (ptr, cum int) {
	s.Values++
	if len(s.stack) == 0 {
		return 0, 0
	}
	f := &s.stack[len(s.stack)-1]
	tok := f.key
	if !f.object {
		tok = digits(f.index)
		f.index++
	}
	ptr = f.ptr + 1 + tok
	return ptr, f.cum + ptr
}

// Scan measures definition against lim and returns an *Error for the first
// limit exceeded, else nil.
func Scan(definition string, lim Limits) error {
	_, err := scan(definition, lim)
	return err
}

// Measure returns the statistics of definition that Limits bound (nesting
// is followed at most 4096 levels deep).
func Measure(definition string) Stats {
	s, _ := scan(definition, Limits{})
	return s
}

func scan(definition string, lim Limits) (Stats, error) {
	depthLimit := lim.MaxDepth
	if depthLimit <= 0 || depthLimit > maxDepth {
		depthLimit = maxDepth
	}
	var buf [128]frame // enough for the limits in use: no allocation
	s := scanner{stack: buf[:0]}
	for i := 0; i < len(definition); i++ {
		switch c := definition[i]; c {
		case '{', '[':
			ptr, cum := s.value()
			if c == '{' {
				s.Objects++
				s.PointerBytes += ptr
				s.PointerCost += cum
			}
			if len(s.stack) == depthLimit {
				return s.Stats, &Error{Limit: "depth", Max: depthLimit}
			}
			s.stack = append(s.stack, frame{object: c == '{', ptr: ptr, cum: cum})
			s.Depth = max(s.Depth, len(s.stack))
		case '}', ']':
			if len(s.stack) > 0 {
				s.stack = s.stack[:len(s.stack)-1]
			}
		case '"':
			start := i + 1
			i = skipString(definition, start)
			if n := len(s.stack); n > 0 && s.stack[n-1].object && isKey(definition, i+1) {
				s.stack[n-1].key = i - start
				continue
			}
			s.value()
		case ',', ':', ' ', '\t', '\n', '\r':
			continue
		default:
			// A number, true, false or null: one value.
			s.value()
			for i+1 < len(definition) && !isDelimiter(definition[i+1]) {
				i++
			}
		}
		switch {
		case lim.MaxObjects > 0 && s.Objects > lim.MaxObjects:
			return s.Stats, &Error{Limit: "objects", Max: lim.MaxObjects}
		case lim.MaxValues > 0 && s.Values > lim.MaxValues:
			return s.Stats, &Error{Limit: "values", Max: lim.MaxValues}
		case lim.MaxPointerBytes > 0 && s.PointerBytes > lim.MaxPointerBytes:
			return s.Stats, &Error{Limit: "pointer-bytes", Max: lim.MaxPointerBytes}
		case lim.MaxPointerCost > 0 && s.PointerCost > lim.MaxPointerCost:
			return s.Stats, &Error{Limit: "pointer-cost", Max: lim.MaxPointerCost}
		}
	}
	return s.Stats, nil
}

// skipString returns the index of the quote closing the string whose
// content starts at i (len(s) when it is not closed).
func skipString(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(s)
}

// isKey reports whether the first non-space byte from i is a colon.
func isKey(s string, i int) bool {
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', ':', '{', '}', '[', ']', '"', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// digits is the length of n in decimal.
func digits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
