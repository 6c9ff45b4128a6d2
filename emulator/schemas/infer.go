package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Inference of discovered schemas: an event becomes an OpenApi3 document
// in the shape AWS writes discovered schemas (checked against the schema
// AWS's user guide shows for a discovered Step Functions event):
//
//   - components.schemas.AWSEvent is the envelope, with
//     x-amazon-events-detail-type and x-amazon-events-source, "detail"
//     first among its properties and a $ref to the detail's component,
//     named from the detail-type with everything but letters and digits
//     removed and each word capitalised ("EC2 Instance State-change
//     Notification" -> EC2InstanceStateChangeNotification), which is also
//     info.title and the part of the schema name after "@";
//   - other properties are in alphabetical order; "required" lists every
//     member the event has, in the order of a java.util.HashSet filled in
//     alphabetical order (AWS's documented outputs follow it exactly);
//   - strings that parse as RFC 3339 get format date-time, whole numbers are
//     integer with format int64 (int32 when they fit, unverified), other
//     numbers number/double (unverified), null is the empty schema {};
//   - nested objects are components named from their property (unverified),
//     array items from the property plus "Item" (unverified).

// maxInferDepth is how deep inference follows nested values; AWS ignores
// events nested more than 255 levels.
const maxInferDepth = 255

type shapeKind int

const (
	kindAny shapeKind = iota
	kindNull
	kindBool
	kindInt
	kindNumber
	kindString
	kindArray
	kindObject
)

// shape is the inferred type of one value.
type shape struct {
	kind     shapeKind
	format   string // int32/int64 for kindInt, date-time for kindString
	props    map[string]*shape
	required map[string]bool
	items    *shape // kindArray; nil for an empty array
}

var errTooDeep = errors.New("event nested too deeply")

// inferValue returns the shape of v, a value decoded with UseNumber.
func inferValue(v any, depth int) (*shape, error) {
	if depth > maxInferDepth {
		return nil, errTooDeep
	}
	switch x := v.(type) {
	case nil:
		return &shape{kind: kindNull}, nil
	case bool:
		return &shape{kind: kindBool}, nil
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				if n >= -1<<31 && n < 1<<31 {
					return &shape{kind: kindInt, format: "int32"}, nil
				}
				return &shape{kind: kindInt, format: "int64"}, nil
			}
		}
		return &shape{kind: kindNumber, format: "double"}, nil
	case string:
		if looksLikeTimestamp(x) {
			return &shape{kind: kindString, format: "date-time"}, nil
		}
		return &shape{kind: kindString}, nil
	case []any:
		sh := &shape{kind: kindArray}
		for _, e := range x {
			es, err := inferValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			if sh.items == nil {
				sh.items = es
			} else {
				sh.items = mergeShapes(sh.items, es)
			}
		}
		return sh, nil
	case map[string]any:
		sh := &shape{kind: kindObject, props: make(map[string]*shape, len(x)), required: make(map[string]bool, len(x))}
		for k, e := range x {
			es, err := inferValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			sh.props[k] = es
			sh.required[k] = true
		}
		return sh, nil
	}
	return &shape{kind: kindAny}, nil
}

// looksLikeTimestamp reports whether s is an RFC 3339 date-time.
func looksLikeTimestamp(s string) bool {
	if len(s) < 20 || len(s) > 40 || s[4] != '-' || (s[10] != 'T' && s[10] != 't') {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// mergeShapes is the shape of values of either a or b (array elements of
// different shapes): objects take the union of members and require those
// both require, integers widen to the wider format and to number, null
// gives way to the other, anything else becomes the empty schema.
func mergeShapes(a, b *shape) *shape {
	switch {
	case a.kind == kindNull:
		return b
	case b.kind == kindNull:
		return a
	case a.kind == kindInt && b.kind == kindInt:
		if a.format == "int64" || b.format == "int64" {
			return &shape{kind: kindInt, format: "int64"}
		}
		return a
	case (a.kind == kindInt || a.kind == kindNumber) && (b.kind == kindInt || b.kind == kindNumber):
		return &shape{kind: kindNumber, format: "double"}
	case a.kind != b.kind:
		return &shape{kind: kindAny}
	}
	switch a.kind {
	case kindString:
		if a.format != b.format {
			return &shape{kind: kindString}
		}
		return a
	case kindArray:
		switch {
		case a.items == nil:
			return b
		case b.items == nil:
			return a
		}
		return &shape{kind: kindArray, items: mergeShapes(a.items, b.items)}
	case kindObject:
		m := &shape{kind: kindObject, props: map[string]*shape{}, required: map[string]bool{}}
		for k, v := range a.props {
			if w, ok := b.props[k]; ok {
				m.props[k] = mergeShapes(v, w)
				if a.required[k] && b.required[k] {
					m.required[k] = true
				}
			} else {
				m.props[k] = v
			}
		}
		for k, v := range b.props {
			if _, ok := a.props[k]; !ok {
				m.props[k] = v
			}
		}
		return m
	}
	return a
}

// pascalName is AWS's generated name for a detail-type or property: the
// words (runs of letters and digits) with their first letter upper-cased,
// joined.
func pascalName(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r)) || r > unicode.MaxASCII {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// discoveredSchemaName is the name AWS gives the discovered schema of an
// event: "<source>@<DetailType>".
func discoveredSchemaName(source, detailType string) string {
	return source + "@" + pascalName(detailType)
}

// javaHashSetOrder returns keys (sorted first) in the iteration order of a
// java.util.HashSet they were added to in that order.
func javaHashSetOrder(keys []string) []string {
	keys = append([]string(nil), keys...)
	sort.Strings(keys)
	capacity := 16
	for float64(len(keys)) > 0.75*float64(capacity) {
		capacity *= 2
	}
	type slot struct {
		k      string
		bucket uint32
		i      int
	}
	slots := make([]slot, len(keys))
	for i, k := range keys {
		var h int32
		for _, c := range utf16Units(k) {
			h = 31*h + int32(c)
		}
		u := uint32(h)
		u ^= u >> 16
		slots[i] = slot{k, u & uint32(capacity-1), i}
	}
	sort.SliceStable(slots, func(a, b int) bool { return slots[a].bucket < slots[b].bucket })
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = s.k
	}
	return out
}

func utf16Units(s string) []uint16 {
	out := make([]uint16, 0, len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}

// ordered is a JSON object that keeps its members' order.
type ordered []member

type member struct {
	k string
	v any
}

// MarshalJSON writes the members in order.
func (o ordered) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshalNoEscape(m.k)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		v, err := marshalNoEscape(m.v)
		if err != nil {
			return nil, err
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// emitter builds the components of one document.
type emitter struct {
	names      []string           // component names in order of creation
	components map[string]ordered // by name
	canon      map[string]string  // name -> canonical JSON, to reuse equal shapes
}

// component registers the object shape sh under a name derived from hint
// (and parent on a clash) and returns its name.
func (e *emitter) component(sh *shape, hint, parent string) (string, error) {
	body, err := e.objectSchema(sh, hint)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("encoding component %s: %w", hint, err)
	}
	name := hint
	if name == "" {
		name = "Object"
	}
	// unverified: how AWS names two different objects with the same
	// property name; here the parent's name comes first, then a number.
	candidates := []string{name, parent + name}
	for i := 0; ; i++ {
		var n string
		if i < len(candidates) {
			n = candidates[i]
		} else {
			n = parent + name + strconv.Itoa(i-len(candidates)+1)
		}
		if prev, taken := e.canon[n]; taken {
			if prev == string(c) {
				return n, nil
			}
			continue
		}
		e.canon[n] = string(c)
		e.components[n] = body
		e.names = append(e.names, n)
		return n, nil
	}
}

// objectSchema is the schema of an object shape: type, required, and its
// properties in alphabetical order.
func (e *emitter) objectSchema(sh *shape, name string) (ordered, error) {
	keys := make([]string, 0, len(sh.props))
	var req []string
	for k := range sh.props {
		keys = append(keys, k)
		if sh.required[k] {
			req = append(req, k)
		}
	}
	sort.Strings(keys)
	props := make(ordered, 0, len(keys))
	for _, k := range keys {
		p, err := e.propertySchema(sh.props[k], pascalName(k), name)
		if err != nil {
			return nil, err
		}
		props = append(props, member{k, p})
	}
	out := ordered{{"type", "object"}}
	if len(req) > 0 {
		out = append(out, member{"required", javaHashSetOrder(req)})
	}
	return append(out, member{"properties", props}), nil
}

// propertySchema is the schema of a property of shape sh.
func (e *emitter) propertySchema(sh *shape, hint, parent string) (any, error) {
	switch sh.kind {
	case kindBool:
		return ordered{{"type", "boolean"}}, nil
	case kindInt:
		return ordered{{"type", "integer"}, {"format", sh.format}}, nil
	case kindNumber:
		return ordered{{"type", "number"}, {"format", "double"}}, nil
	case kindString:
		if sh.format != "" {
			return ordered{{"type", "string"}, {"format", sh.format}}, nil
		}
		return ordered{{"type", "string"}}, nil
	case kindArray:
		if sh.items == nil {
			// unverified: the items of an array only ever seen empty.
			return ordered{{"type", "array"}, {"items", ordered{}}}, nil
		}
		it, err := e.propertySchema(sh.items, hint+"Item", parent)
		if err != nil {
			return nil, err
		}
		return ordered{{"type", "array"}, {"items", it}}, nil
	case kindObject:
		n, err := e.component(sh, hint, parent)
		if err != nil {
			return nil, err
		}
		return ordered{{"$ref", "#/components/schemas/" + n}}, nil
	}
	return ordered{}, nil
}

// inferredEvent is what inference makes of one event.
type inferredEvent struct {
	schemaName string
	content    string
	// account is the event's account member, for the cross-account check.
	account string
}

// decodeEvent decodes one event (numbers kept as json.Number).
func decodeEvent(event []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding event: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decoding event: data after the JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("event is not a JSON object")
	}
	return obj, nil
}

// envelopeOf returns the source and detail-type of an EventBridge event
// envelope; ok is false when obj is not one (no string source and
// detail-type, or a detail that is not an object).
func envelopeOf(obj map[string]any) (source, detailType string, ok bool) {
	source, _ = obj["source"].(string)
	detailType, _ = obj["detail-type"].(string)
	_, isObj := obj["detail"].(map[string]any)
	return source, detailType, source != "" && detailType != "" && isObj && pascalName(detailType) != ""
}

// inferEvent infers the discovered schema of an EventBridge event (the
// envelope as targets receive it). It fails for an event without a
// string source and detail-type or an object detail.
func inferEvent(event []byte) (*inferredEvent, error) {
	obj, err := decodeEvent(event)
	if err != nil {
		return nil, err
	}
	source, detailType, ok := envelopeOf(obj)
	if !ok {
		return nil, errors.New("event lacks source, detail-type or an object detail")
	}
	sh, err := inferValue(obj, 0)
	if err != nil {
		return nil, err
	}
	content, err := envelopeDocument(sh, source, detailType)
	if err != nil {
		return nil, err
	}
	account, _ := obj["account"].(string)
	return &inferredEvent{schemaName: discoveredSchemaName(source, detailType), content: content, account: account}, nil
}

// envelopeDocument writes the OpenApi3 document of events of shape sh (an
// object with an object detail).
func envelopeDocument(sh *shape, source, detailType string) (string, error) {
	detailName := pascalName(detailType)
	dsh := sh.props["detail"]
	if dsh == nil || dsh.kind != kindObject {
		return "", errors.New("events lack an object detail")
	}
	e := &emitter{components: map[string]ordered{}, canon: map[string]string{}}
	// The envelope's and the detail's names are reserved first so that
	// no nested object takes them.
	e.canon["AWSEvent"] = "\x00"
	e.canon[detailName] = "\x00"
	detailBody, err := e.objectSchema(dsh, detailName)
	if err != nil {
		return "", err
	}
	keys := make([]string, 0, len(sh.props))
	var req []string
	for k := range sh.props {
		if k != "detail" {
			keys = append(keys, k)
		}
		if sh.required[k] {
			req = append(req, k)
		}
	}
	sort.Strings(keys)
	props := ordered{{"detail", ordered{{"$ref", "#/components/schemas/" + detailName}}}}
	for _, k := range keys {
		if k == "resources" {
			props = append(props, member{k, ordered{{"type", "array"}, {"items", ordered{{"type", "string"}}}}})
			continue
		}
		p, err := e.propertySchema(sh.props[k], pascalName(k), "AWSEvent")
		if err != nil {
			return "", err
		}
		props = append(props, member{k, p})
	}
	envelope := ordered{{"type", "object"}}
	if len(req) > 0 {
		envelope = append(envelope, member{"required", javaHashSetOrder(req)})
	}
	envelope = append(envelope,
		member{"x-amazon-events-detail-type", detailType},
		member{"x-amazon-events-source", source},
		member{"properties", props})
	schemas := ordered{{"AWSEvent", envelope}, {detailName, detailBody}}
	for _, n := range e.names {
		schemas = append(schemas, member{n, e.components[n]})
	}
	return document(detailName, schemas)
}

// plainDocument writes the OpenApi3 document of JSON values of shape sh
// that are not EventBridge envelopes: one component named Event.
func plainDocument(sh *shape) (string, error) {
	e := &emitter{components: map[string]ordered{}, canon: map[string]string{"Event": "\x00"}}
	var body any
	var err error
	if sh.kind == kindObject {
		body, err = e.objectSchema(sh, "Event")
	} else {
		body, err = e.propertySchema(sh, "Event", "")
	}
	if err != nil {
		return "", err
	}
	schemas := ordered{{"Event", body}}
	for _, n := range e.names {
		schemas = append(schemas, member{n, e.components[n]})
	}
	return document("Event", schemas)
}

func document(title string, schemas ordered) (string, error) {
	doc := ordered{
		{"openapi", "3.0.0"},
		{"info", ordered{{"version", "1.0.0"}, {"title", title}}},
		{"paths", ordered{}},
		{"components", ordered{{"schemas", schemas}}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("encoding discovered schema: %w", err)
	}
	return string(b), nil
}
