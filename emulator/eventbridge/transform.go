package eventbridge

// What a target receives: the event, the target's constant Input, the part
// of the event its InputPath selects, or its InputTransformer's template
// filled in from the event.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/awsapi"

	"github.com/evolvestack/evolvestack/internal/jsonstr"
)

// The input transformer's predefined variables.
const (
	varRuleArn       = "aws.events.rule-arn"
	varRuleName      = "aws.events.rule-name"
	varIngestionTime = "aws.events.event.ingestion-time"
	varEvent         = "aws.events.event"
	varEventJSON     = "aws.events.event.json"
)

// isPredefinedVar reports whether name is one of the predefined variables.
func isPredefinedVar(name string) bool {
	switch name {
	case varRuleArn, varRuleName, varIngestionTime, varEvent, varEventJSON:
		return true
	}
	return false
}

// pathStep is one step of a JSONPath: a member name, an array index or a
// wildcard.
type pathStep struct {
	name     string
	index    int
	isIndex  bool
	wildcard bool
}

// jsonPath is a parsed InputPath or InputPathsMap value: the subset AWS
// evaluates ($, dot and bracket members, array indices, * wildcards).
type jsonPath []pathStep

// errBadPath is returned (wrapped) by parseJSONPath.
var errBadPath = errors.New("invalid JSONPath")

// isPathNameByte reports whether c may appear in a dot-notation member
// name: letters, digits, '-', '_', '/', and any non-ASCII byte.
func isPathNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '/' || c == '@' || c == ':' || c >= 0x80
}

// parseJSONPath parses p.
func parseJSONPath(p string) (jsonPath, error) {
	if p == "" || p[0] != '$' {
		return nil, fmt.Errorf("%w: %q does not start with $", errBadPath, p)
	}
	var steps jsonPath
	for i := 1; i < len(p); {
		switch p[i] {
		case '.':
			i++
			if i < len(p) && p[i] == '*' {
				steps = append(steps, pathStep{wildcard: true})
				i++
				continue
			}
			j := i
			for j < len(p) && isPathNameByte(p[j]) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("%w: %q has an empty member name at %d", errBadPath, p, i)
			}
			steps = append(steps, pathStep{name: p[i:j]})
			i = j
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("%w: %q has an unclosed [", errBadPath, p)
			}
			in := p[i+1 : i+end]
			i += end + 1
			switch {
			case in == "*":
				steps = append(steps, pathStep{wildcard: true})
			case len(in) >= 2 && (in[0] == '\'' && in[len(in)-1] == '\'' || in[0] == '"' && in[len(in)-1] == '"'):
				steps = append(steps, pathStep{name: in[1 : len(in)-1]})
			default:
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("%w: %q has a bad index [%s]", errBadPath, p, in)
				}
				steps = append(steps, pathStep{index: n, isIndex: true})
			}
		default:
			return nil, fmt.Errorf("%w: %q has an unexpected %q at %d", errBadPath, p, p[i], i)
		}
	}
	return steps, nil
}

// eval returns the JSON value the path selects in doc, or false when it
// selects nothing. A path with wildcards returns the array of its matches.
func (p jsonPath) eval(doc []byte) (json.RawMessage, bool) {
	cur := []json.RawMessage{bytes.TrimSpace(doc)}
	wild := false
	for _, st := range p {
		var next []json.RawMessage
		for _, v := range cur {
			switch {
			case st.wildcard:
				wild = true
				next = append(next, jsonChildren(v)...)
			case st.isIndex:
				if el, ok := arrayElement(v, st.index); ok {
					next = append(next, el)
				}
			default:
				if m, ok := objectMember(v, st.name); ok {
					next = append(next, m)
				}
			}
		}
		cur = next
		if len(cur) == 0 {
			return nil, false
		}
	}
	if !wild {
		return cur[0], true
	}
	b := []byte{'['}
	for i, v := range cur {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, v...)
	}
	return append(b, ']'), true
}

// jsonMembers decodes the members of a JSON object in order.
func jsonMembers(v json.RawMessage, each func(key string, val json.RawMessage) bool) {
	if len(v) == 0 || v[0] != '{' {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return
		}
		if !each(key, val) {
			return
		}
	}
}

// objectMember returns the member name of the object v (the last one when
// the name repeats, as JSON parsers keep).
func objectMember(v json.RawMessage, name string) (json.RawMessage, bool) {
	var out json.RawMessage
	found := false
	jsonMembers(v, func(k string, val json.RawMessage) bool {
		if k == name {
			out, found = val, true
		}
		return true
	})
	return out, found
}

// arrayElements returns the elements of the array v.
func arrayElements(v json.RawMessage) []json.RawMessage {
	if len(v) == 0 || v[0] != '[' {
		return nil
	}
	var els []json.RawMessage
	if err := json.Unmarshal(v, &els); err != nil {
		return nil
	}
	return els
}

// arrayElement returns element i of the array v.
func arrayElement(v json.RawMessage, i int) (json.RawMessage, bool) {
	els := arrayElements(v)
	if i >= len(els) {
		return nil, false
	}
	return els[i], true
}

// jsonChildren returns the member values of an object or the elements of an
// array, in order.
func jsonChildren(v json.RawMessage) []json.RawMessage {
	if len(v) > 0 && v[0] == '[' {
		return arrayElements(v)
	}
	var out []json.RawMessage
	jsonMembers(v, func(_ string, val json.RawMessage) bool {
		out = append(out, val)
		return true
	})
	return out
}

// isJSONTemplate reports whether an InputTemplate is a JSON template (an
// object) rather than a string template.
func isJSONTemplate(template string) bool {
	return strings.HasPrefix(strings.TrimSpace(template), "{")
}

// isPlaceholderByte reports whether c may appear in a <placeholder> name:
// the InputPathsMap key characters plus the dots of predefined names.
func isPlaceholderByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// scanPlaceholders calls each for every <name> in template with its
// position and whether it sits inside a JSON string literal.
func scanPlaceholders(template string, each func(start, end int, name string, inString bool)) {
	inString := false
	for i := 0; i < len(template); i++ {
		c := template[i]
		switch {
		case c == '\\' && inString:
			i++ // skip the escaped character
		case c == '"':
			inString = !inString
		case c == '<':
			j := i + 1
			for j < len(template) && isPlaceholderByte(template[j]) {
				j++
			}
			if j > i+1 && j < len(template) && template[j] == '>' {
				each(i, j+1, template[i+1:j], inString)
				i = j
			}
		}
	}
}

// validateTargetInput checks a target's Input, InputPath and
// InputTransformer as PutTargets does, with AWS's texts (ValidationException).
func validateTargetInput(t *Target) error {
	id := strOf(t.Id)
	set := 0
	for _, present := range []bool{t.Input != nil, t.InputPath != nil, t.InputTransformer != nil} {
		if present {
			set++
		}
	}
	if set > 1 {
		return awsapi.Errorf("ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided for target %s.", id)
	}
	if t.Input != nil && !json.Valid([]byte(*t.Input)) {
		// unverified: AWS's wording for an Input that is not JSON.
		return awsapi.Errorf("ValidationException", "Input for target %s is not valid JSON text.", id)
	}
	if t.InputPath != nil {
		if _, err := parseJSONPath(*t.InputPath); err != nil {
			// unverified: AWS's wording for a bad InputPath.
			return awsapi.Errorf("ValidationException", "InputPath for target %s is not a valid JSONPath.", id)
		}
	}
	if t.InputTransformer != nil {
		return checkInputTransformer(id, t.InputTransformer)
	}
	return nil
}

// validateInputTransformer is the PutTargets hook of the control plane:
// the InputTransformer's paths and template, with AWS's texts. Prefer
// validateTargetInput, whose texts name the target.
func (s *Service) validateInputTransformer(it *InputTransformer) error {
	return checkInputTransformer("", it)
}

// checkInputTransformer validates an InputTransformer of target id.
func checkInputTransformer(id string, it *InputTransformer) error {
	if it == nil {
		return nil
	}
	for key, p := range it.InputPathsMap {
		if isPredefinedVar(key) {
			// unverified: AWS's wording for a reserved variable name.
			return awsapi.Errorf("ValidationException", "InputPathsMap for target %s contains reserved key %s.", id, key)
		}
		if _, err := parseJSONPath(p); err != nil {
			// unverified: AWS's wording for a bad path.
			return awsapi.Errorf("ValidationException", "InputPathsMap for target %s contains invalid JSONPath %s.", id, p)
		}
	}
	template := strOf(it.InputTemplate)
	jsonTemplate := isJSONTemplate(template)
	var err error
	scanPlaceholders(template, func(_, _ int, name string, inString bool) {
		if err != nil {
			return
		}
		_, mapped := it.InputPathsMap[name]
		switch {
		case !mapped && !isPredefinedVar(name):
			err = awsapi.Errorf("ValidationException", "InputTemplate for target %s contains invalid placeholder %s.", id, name)
		case (name == varEvent || name == varEventJSON) && (!jsonTemplate || inString):
			err = awsapi.Errorf("ValidationException", "InputTemplate for target %s contains placeholder %s valid only for JSON template.", id, name)
		}
	})
	return err
}

// transformContext is what the predefined variables read.
type transformContext struct {
	ruleArn, ruleName string
	ev                *event
	// doc is ev.marshal(), the event the paths are evaluated against.
	doc []byte
}

// targetPayload returns what target t receives for the event in c: its
// Input, the value its InputPath selects, its transformed template, or the
// event itself. ok is false when an InputPath selects nothing (nothing is
// sent).
// unverified: AWS's behaviour for an InputPath that selects nothing.
func targetPayload(t *Target, c transformContext) (payload []byte, ok bool) {
	switch {
	case t.Input != nil:
		return []byte(*t.Input), true
	case t.InputPath != nil:
		p, err := parseJSONPath(*t.InputPath)
		if err != nil {
			return nil, false
		}
		v, found := p.eval(c.doc)
		if !found {
			return nil, false
		}
		return append([]byte{}, v...), true
	case t.InputTransformer != nil:
		return transform(t.InputTransformer, c), true
	}
	return c.doc, true
}

// transform fills in an InputTransformer's template for the event in c.
//
// A variable whose path selects nothing becomes empty. In a JSON template
// a variable outside quotes becomes its JSON value (strings quoted), one
// inside quotes its text unquoted, as it is written in the event (not
// escaped again); objects and arrays inside quotes lose their quotes. A
// string template is all "inside quotes".
// unverified: a missing variable outside quotes becomes empty too.
func transform(it *InputTransformer, c transformContext) []byte {
	template := strOf(it.InputTemplate)
	values := make(map[string]json.RawMessage, len(it.InputPathsMap)+5)
	for key, ps := range it.InputPathsMap {
		if p, err := parseJSONPath(ps); err == nil {
			if v, ok := p.eval(c.doc); ok {
				values[key] = v
			}
		}
	}
	jsonTemplate := isJSONTemplate(template)
	var out []byte
	last := 0
	scanPlaceholders(template, func(start, end int, name string, inString bool) {
		if !jsonTemplate {
			inString = true
		}
		var v json.RawMessage
		switch name {
		case varRuleArn:
			v = jsonstr.Append(nil, c.ruleArn)
		case varRuleName:
			v = jsonstr.Append(nil, c.ruleName)
		case varIngestionTime:
			// unverified: the ingestion time's format (whole seconds, UTC).
			v = jsonstr.Append(nil, c.ev.ingested.UTC().Format(eventTimeLayout))
		case varEvent:
			v = eventWithoutDetail(c.ev)
		case varEventJSON:
			v = c.doc
		default:
			mapped := false
			v, mapped = values[name]
			if _, declared := it.InputPathsMap[name]; !declared && !mapped {
				return // not a variable: the text stays as written
			}
		}
		out = append(out, template[last:start]...)
		last = end
		out = appendValue(out, v, inString)
	})
	if out == nil {
		return []byte(template)
	}
	return append(out, template[last:]...)
}

// eventWithoutDetail is the <aws.events.event> variable: the envelope
// without detail, "detail-type" written "detailType", in the key order
// AWS writes it (LocalStack's AWS recording
// test_input_transformer_predefined_variables in
// tests/aws/services/events/test_events_inputs.snapshot.json).
// unverified: the value of "time" (the recording masks it; the event's time
// here).
func eventWithoutDetail(ev *event) json.RawMessage {
	b := make([]byte, 0, 160+len(ev.id)+len(ev.detailType)+len(ev.source)+32*len(ev.resources))
	b = append(b, `{"id":`...)
	b = jsonstr.Append(b, ev.id)
	b = append(b, `,"account":`...)
	b = jsonstr.Append(b, ev.account)
	b = append(b, `,"detailType":`...)
	b = jsonstr.Append(b, ev.detailType)
	b = append(b, `,"time":"`...)
	b = ev.time.UTC().AppendFormat(b, eventTimeLayout)
	b = append(b, `","source":`...)
	b = jsonstr.Append(b, ev.source)
	b = append(b, `,"region":`...)
	b = jsonstr.Append(b, ev.region)
	b = append(b, `,"resources":[`...)
	for i, r := range ev.resources {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, r)
	}
	return append(b, `],"version":"0"}`...)
}

// appendValue appends variable value v (JSON text; nil when missing) to a
// template, inside a string literal or not.
func appendValue(out []byte, v json.RawMessage, inString bool) []byte {
	if len(v) == 0 {
		return out
	}
	if !inString {
		return append(out, v...)
	}
	switch v[0] {
	case '"':
		return append(out, v[1:len(v)-1]...)
	case '{', '[':
		return append(out, bytes.ReplaceAll(v, []byte(`"`), nil)...)
	}
	return append(out, v...)
}

// strOf returns *p or "".
func strOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
