package eventbridge

// The event envelope: the JSON document EventBridge matches rules against
// and delivers to targets, written field by field in AWS's key order.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/internal/jsonstr"
)

// eventTimeLayout is how AWS writes an event's time: whole seconds, UTC.
const eventTimeLayout = "2006-01-02T15:04:05Z"

// event is one event on a bus, as PutEvents, a schedule or a replay made it.
type event struct {
	id         string
	detailType string
	source     string
	account    string
	region     string
	time       time.Time
	resources  []string
	// detail is the compacted JSON object of the entry's Detail.
	detail json.RawMessage
	// replayName is set on events a replay re-sends.
	replayName string
	// ingested is when the bus received the event (virtual clock).
	ingested time.Time
	// doc is the marshalled event, set by seal before the event is shared.
	doc []byte
}

// seal fixes the event's document; call it once the fields are set and
// before the event is shared.
func (e *event) seal() *event {
	e.doc = e.marshal()
	return e
}

// document returns the event's JSON document.
func (e *event) document() []byte {
	if e.doc != nil {
		return e.doc
	}
	return e.marshal()
}

// marshal writes the event as AWS delivers it: version, id, detail-type,
// source, account, time, region, replay-name (replayed events only),
// resources, detail (the order of LocalStack's AWS recordings of replayed
// events, test_archive_and_replay.snapshot.json).
func (e *event) marshal() []byte { return e.appendJSON(nil) }

// appendJSON appends the event document to b.
func (e *event) appendJSON(b []byte) []byte {
	if b == nil {
		b = make([]byte, 0, 160+len(e.id)+len(e.detailType)+len(e.source)+len(e.detail)+32*len(e.resources))
	}
	b = append(b, `{"version":"0","id":`...)
	b = jsonstr.Append(b, e.id)
	b = append(b, `,"detail-type":`...)
	b = jsonstr.Append(b, e.detailType)
	b = append(b, `,"source":`...)
	b = jsonstr.Append(b, e.source)
	b = append(b, `,"account":`...)
	b = jsonstr.Append(b, e.account)
	b = append(b, `,"time":"`...)
	b = e.time.UTC().AppendFormat(b, eventTimeLayout)
	b = append(b, `","region":`...)
	b = jsonstr.Append(b, e.region)
	if e.replayName != "" {
		b = append(b, `,"replay-name":`...)
		b = jsonstr.Append(b, e.replayName)
	}
	b = append(b, `,"resources":[`...)
	for i, r := range e.resources {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, r)
	}
	b = append(b, ']')
	b = append(b, `,"detail":`...)
	if len(e.detail) == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, e.detail...)
	}
	return append(b, '}')
}

// compactDetail checks that detail is one JSON object and returns it
// compacted, or an error when it is malformed or not an object.
// unverified: AWS re-serialises the detail; compaction keeps number and
// string spellings as sent.
func compactDetail(detail string) (json.RawMessage, error) {
	c := jsonCompactor{src: detail, dst: make([]byte, 0, len(detail))}
	c.ws()
	if c.i >= len(c.src) || c.src[c.i] != '{' {
		if json.Valid([]byte(detail)) {
			return nil, fmt.Errorf("detail is not a JSON object")
		}
		return nil, fmt.Errorf("detail: invalid JSON")
	}
	if !c.value(0) {
		return nil, fmt.Errorf("detail: invalid JSON at offset %d", c.i)
	}
	c.ws()
	if c.i != len(c.src) {
		return nil, fmt.Errorf("detail: invalid JSON at offset %d", c.i)
	}
	return c.dst, nil
}

// maxDetailDepth is the deepest nesting compactDetail accepts (the limit
// of encoding/json's scanner).
const maxDetailDepth = 10000

// jsonCompactor validates JSON (RFC 8259, as encoding/json does) and copies
// it without insignificant whitespace, in one pass.
type jsonCompactor struct {
	src string
	i   int
	dst []byte
}

func (c *jsonCompactor) ws() {
	for c.i < len(c.src) {
		switch c.src[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// value copies one JSON value at c.i (whitespace skipped by the caller).
func (c *jsonCompactor) value(depth int) bool {
	if c.i >= len(c.src) {
		return false
	}
	switch ch := c.src[c.i]; {
	case ch == '{':
		return c.object(depth + 1)
	case ch == '[':
		return c.array(depth + 1)
	case ch == '"':
		return c.str()
	case ch == '-' || ch >= '0' && ch <= '9':
		return c.number()
	case ch == 't':
		return c.literal("true")
	case ch == 'f':
		return c.literal("false")
	case ch == 'n':
		return c.literal("null")
	}
	return false
}

func (c *jsonCompactor) object(depth int) bool {
	if depth > maxDetailDepth {
		return false
	}
	c.dst = append(c.dst, '{')
	c.i++
	c.ws()
	if c.i < len(c.src) && c.src[c.i] == '}' {
		c.dst = append(c.dst, '}')
		c.i++
		return true
	}
	for {
		if c.i >= len(c.src) || c.src[c.i] != '"' || !c.str() {
			return false
		}
		c.ws()
		if c.i >= len(c.src) || c.src[c.i] != ':' {
			return false
		}
		c.dst = append(c.dst, ':')
		c.i++
		c.ws()
		if !c.value(depth) {
			return false
		}
		c.ws()
		if c.i >= len(c.src) {
			return false
		}
		switch c.src[c.i] {
		case ',':
			c.dst = append(c.dst, ',')
			c.i++
			c.ws()
		case '}':
			c.dst = append(c.dst, '}')
			c.i++
			return true
		default:
			return false
		}
	}
}

func (c *jsonCompactor) array(depth int) bool {
	if depth > maxDetailDepth {
		return false
	}
	c.dst = append(c.dst, '[')
	c.i++
	c.ws()
	if c.i < len(c.src) && c.src[c.i] == ']' {
		c.dst = append(c.dst, ']')
		c.i++
		return true
	}
	for {
		if !c.value(depth) {
			return false
		}
		c.ws()
		if c.i >= len(c.src) {
			return false
		}
		switch c.src[c.i] {
		case ',':
			c.dst = append(c.dst, ',')
			c.i++
			c.ws()
		case ']':
			c.dst = append(c.dst, ']')
			c.i++
			return true
		default:
			return false
		}
	}
}

// str copies a string; control characters must be escaped and escapes
// must be JSON's.
func (c *jsonCompactor) str() bool {
	start := c.i
	c.i++
	for c.i < len(c.src) {
		ch := c.src[c.i]
		switch {
		case ch == '"':
			c.i++
			c.dst = append(c.dst, c.src[start:c.i]...)
			return true
		case ch < 0x20:
			return false
		case ch == '\\':
			if c.i+1 >= len(c.src) {
				return false
			}
			switch c.src[c.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				c.i += 2
			case 'u':
				if c.i+6 > len(c.src) {
					return false
				}
				for _, h := range []byte(c.src[c.i+2 : c.i+6]) {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return false
					}
				}
				c.i += 6
			default:
				return false
			}
		default:
			c.i++
		}
	}
	return false
}

// number copies a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (c *jsonCompactor) number() bool {
	start := c.i
	if c.src[c.i] == '-' {
		c.i++
	}
	digits := func() int {
		n := 0
		for c.i < len(c.src) && c.src[c.i] >= '0' && c.src[c.i] <= '9' {
			c.i++
			n++
		}
		return n
	}
	if c.i < len(c.src) && c.src[c.i] == '0' {
		c.i++
	} else if digits() == 0 {
		return false
	}
	if c.i < len(c.src) && c.src[c.i] == '.' {
		c.i++
		if digits() == 0 {
			return false
		}
	}
	if c.i < len(c.src) && (c.src[c.i] == 'e' || c.src[c.i] == 'E') {
		c.i++
		if c.i < len(c.src) && (c.src[c.i] == '+' || c.src[c.i] == '-') {
			c.i++
		}
		if digits() == 0 {
			return false
		}
	}
	c.dst = append(c.dst, c.src[start:c.i]...)
	return true
}

func (c *jsonCompactor) literal(lit string) bool {
	if !strings.HasPrefix(c.src[c.i:], lit) {
		return false
	}
	c.i += len(lit)
	c.dst = append(c.dst, lit...)
	return true
}
