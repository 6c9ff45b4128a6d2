package eventbridge

// The event envelope: the JSON document EventBridge matches rules against
// and delivers to targets, written field by field in AWS's key order.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
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
// source, account, time, region, resources, detail, then replay-name for
// replayed events.
// unverified: replay-name's position after detail.
func (e *event) marshal() []byte { return e.appendJSON(nil, true) }

// marshalWithoutDetail writes the envelope without its detail field (the
// <aws.events.event> input transformer variable).
func (e *event) marshalWithoutDetail() []byte { return e.appendJSON(nil, false) }

// appendJSON appends the envelope to b, with or without the detail.
func (e *event) appendJSON(b []byte, withDetail bool) []byte {
	if b == nil {
		b = make([]byte, 0, 160+len(e.id)+len(e.detailType)+len(e.source)+len(e.detail)+32*len(e.resources))
	}
	b = append(b, `{"version":"0","id":`...)
	b = appendJSONString(b, e.id)
	b = append(b, `,"detail-type":`...)
	b = appendJSONString(b, e.detailType)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, e.source)
	b = append(b, `,"account":`...)
	b = appendJSONString(b, e.account)
	b = append(b, `,"time":"`...)
	b = e.time.UTC().AppendFormat(b, eventTimeLayout)
	b = append(b, `","region":`...)
	b = appendJSONString(b, e.region)
	b = append(b, `,"resources":[`...)
	for i, r := range e.resources {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, r)
	}
	b = append(b, ']')
	if withDetail {
		b = append(b, `,"detail":`...)
		if len(e.detail) == 0 {
			b = append(b, "{}"...)
		} else {
			b = append(b, e.detail...)
		}
	}
	if e.replayName != "" {
		b = append(b, `,"replay-name":`...)
		b = appendJSONString(b, e.replayName)
	}
	return append(b, '}')
}

// compactDetail checks that detail is one JSON object and returns it
// compacted, or an error when it is malformed or not an object.
// unverified: AWS re-serialises the detail; compaction keeps number and
// string spellings as sent.
func compactDetail(detail string) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(detail)); err != nil {
		return nil, fmt.Errorf("detail: %w", err)
	}
	b := buf.Bytes()
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("detail is not a JSON object")
	}
	return b, nil
}

// appendJSONString appends s as a JSON string the way AWS's (Jackson)
// writer does: quotes, backslashes and control characters escaped, other
// characters (including <, > and &) as they are. Invalid UTF-8 becomes
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
