package samplegen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	js "github.com/santhosh-tekuri/jsonschema/v6"

	cjson "github.com/evolvestack/evolvestack/registry/compat/jsonschema"
)

// jsonAttempts is how many times a JSON sample is generated again (with
// fresh random choices) before it is dropped as unsatisfiable.
const jsonAttempts = 8

// jsonMaker parses a JSON Schema definition with the registry's parser and
// returns what makes one sample of it.
func jsonMaker(definition string) (func(*gen) (Sample, error), error) {
	parsed, err := cjson.New().Parse(definition)
	if err != nil {
		return nil, err
	}
	validator := parsed.(*cjson.Schema).Validator()
	dec := json.NewDecoder(strings.NewReader(definition))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("reading the definition: %w", err)
	}
	return func(g *gen) (Sample, error) {
		var lastErr error
		p := g.p
		for attempt := range jsonAttempts {
			if attempt > 0 {
				// An edge profile that does not validate: try random
				// choices instead, still from the seed.
				p = pRandom
			}
			jg := &jsonGen{gen: &gen{r: g.r, p: p, notes: g.notes}, root: root}
			v, err := jg.value(root, 0)
			if err != nil {
				lastErr = err
				continue
			}
			payload, err := json.Marshal(v)
			if err != nil {
				return Sample{}, fmt.Errorf("encoding: %w", err)
			}
			if err := validateJSON(validator, payload); err != nil {
				lastErr = err
				continue
			}
			return Sample{Payload: payload, JSON: payload}, nil
		}
		g.notes.add("json: %v", lastErr)
		return Sample{}, lastErr
	}, nil
}

// validateJSON checks payload with the compiled schema.
func validateJSON(s *js.Schema, payload []byte) error {
	v, err := js.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("generated JSON does not parse: %w", err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("could not generate a valid record: %s", strings.Join(strings.Fields(err.Error()), " "))
	}
	return nil
}

// jsonGen generates JSON values from a schema document.
type jsonGen struct {
	*gen
	root any
	refs int
}

// Bounds on what one generated value may hold.
const (
	maxItems     = 1000
	maxStringLen = 1 << 16
)

// maxRefs bounds $ref resolutions per sample (recursive schemas).
const maxRefs = 64

// value generates a value of schema s (a boolean or an object).
func (g *jsonGen) value(s any, d int) (any, error) {
	g.spent()
	switch s := s.(type) {
	case bool:
		if !s {
			return nil, errors.New("the schema false admits no value")
		}
		return g.anyValue(d), nil
	case map[string]any:
		return g.object(s, d)
	}
	return nil, fmt.Errorf("schema of type %T", s)
}

// anyValue is a value for a schema that admits anything.
func (g *jsonGen) anyValue(d int) any {
	switch g.p {
	case pMinimal:
		return nil
	case pMaximal:
		return map[string]any{"any": g.text()}
	case pMinimum:
		return json.Number("0")
	}
	return g.text()
}

// object generates a value of schema object s.
func (g *jsonGen) object(s map[string]any, d int) (any, error) {
	if ref, ok := s["$ref"].(string); ok {
		target, err := g.resolve(ref)
		if err != nil {
			return nil, err
		}
		if len(s) == 1 {
			return g.value(target, d)
		}
		if tm, ok := target.(map[string]any); ok {
			s = merge(tm, without(s, "$ref"))
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		merged := without(s, "allOf")
		for _, sub := range all {
			sub := g.deref(sub)
			if sm, ok := sub.(map[string]any); ok {
				merged = merge(merged, sm)
			}
		}
		return g.object(merged, d)
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		if opts, ok := s[kw].([]any); ok && len(opts) > 0 {
			choice := g.deref(opts[g.pick(len(opts))])
			base := without(s, kw)
			if cm, ok := choice.(map[string]any); ok {
				return g.object(merge(base, cm), d)
			}
			return g.value(choice, d)
		}
	}
	if c, ok := s["const"]; ok {
		return c, nil
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		if g.p == pUnicode {
			return e[len(e)-1], nil
		}
		return e[g.pick(len(e))], nil
	}
	switch g.typeOf(s) {
	case "null":
		return nil, nil
	case "boolean":
		return g.p == pMaximal || g.p == pUnicode || (g.p == pRandom && g.r.IntN(2) == 0), nil
	case "integer":
		return g.number(s, true)
	case "number":
		return g.number(s, false)
	case "string":
		return g.str(s)
	case "array":
		return g.array(s, d)
	case "object":
		return g.obj(s, d)
	}
	return g.anyValue(d), nil
}

// typeOf picks the JSON type to generate: from type (a string or a
// list), else from the keywords present.
func (g *jsonGen) typeOf(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		var types []string
		for _, x := range t {
			if x, ok := x.(string); ok {
				types = append(types, x)
			}
		}
		if len(types) == 0 {
			return ""
		}
		if g.p == pMinimal && slices.Contains(types, "null") {
			return "null"
		}
		if g.p != pRandom {
			// Edge profiles prefer a non-null type but the minimal one.
			types = slices.DeleteFunc(types, func(x string) bool { return x == "null" && len(types) > 1 })
		}
		return types[g.pick(len(types))]
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := s[k]; ok {
				return true
			}
		}
		return false
	}
	switch {
	case has("properties", "required", "additionalProperties", "patternProperties", "minProperties", "maxProperties"):
		return "object"
	case has("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"):
		return "array"
	case has("minLength", "maxLength", "pattern", "format"):
		return "string"
	case has("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
		return "number"
	}
	return ""
}

// resolve follows a local $ref ("#", "#/definitions/x", "#/$defs/x").
func (g *jsonGen) resolve(ref string) (any, error) {
	g.refs++
	if g.refs > maxRefs {
		return nil, fmt.Errorf("$ref %q: more than %d references in one sample (recursive schema)", ref, maxRefs)
	}
	if ref == "#" || ref == "" {
		return g.root, nil
	}
	if !strings.HasPrefix(ref, "#/") {
		g.notes.add("json: $ref %q is not a local reference: not generated", ref)
		return nil, fmt.Errorf("$ref %q is not a local reference", ref)
	}
	cur := g.root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return cur, nil
}

// deref resolves s when it is only a $ref.
func (g *jsonGen) deref(s any) any {
	if m, ok := s.(map[string]any); ok && len(m) == 1 {
		if ref, ok := m["$ref"].(string); ok {
			if t, err := g.resolve(ref); err == nil {
				return t
			}
		}
	}
	return s
}

// merge combines two schema objects: properties and required add up,
// other keywords of b win.
func merge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		switch k {
		case "properties":
			pa, _ := out[k].(map[string]any)
			pb, _ := v.(map[string]any)
			props := make(map[string]any, len(pa)+len(pb))
			for n, x := range pa {
				props[n] = x
			}
			for n, x := range pb {
				props[n] = x
			}
			out[k] = props
		case "required":
			ra, _ := out[k].([]any)
			rb, _ := v.([]any)
			out[k] = append(append([]any{}, ra...), rb...)
		default:
			out[k] = v
		}
	}
	return out
}

// without copies s without key.
func without(s map[string]any, key string) map[string]any {
	out := make(map[string]any, len(s))
	for k, v := range s {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// num reads a numeric keyword.
func num(s map[string]any, key string) (float64, bool) {
	n, ok := s[key].(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// number generates an integer or number within minimum, maximum (and
// their exclusive forms: numbers from draft 6 on, booleans in draft 4)
// and multipleOf.
func (g *jsonGen) number(s map[string]any, integer bool) (any, error) {
	lo, hi := -math.MaxFloat64, math.MaxFloat64
	if integer {
		lo, hi = math.MinInt64, math.MaxInt64
	}
	if v, ok := num(s, "minimum"); ok {
		lo = v
		if s["exclusiveMinimum"] == true {
			lo = nextUp(v, integer)
		}
	}
	if v, ok := num(s, "maximum"); ok {
		hi = v
		if s["exclusiveMaximum"] == true {
			hi = nextDown(v, integer)
		}
	}
	if v, ok := num(s, "exclusiveMinimum"); ok {
		lo = max(lo, nextUp(v, integer))
	}
	if v, ok := num(s, "exclusiveMaximum"); ok {
		hi = min(hi, nextDown(v, integer))
	}
	if integer {
		lo, hi = math.Ceil(lo), math.Floor(hi)
	}
	if lo > hi {
		return nil, fmt.Errorf("no %s between %v and %v", map[bool]string{true: "integer", false: "number"}[integer], lo, hi)
	}
	var v float64
	switch g.p {
	case pMinimal:
		v = min(max(0, lo), hi)
	case pMaximal:
		v = hi
	case pMinimum:
		v = lo
	case pUnicode:
		v = min(max(-1, lo), hi)
	default:
		l, h := max(lo, -1e6), min(hi, 1e6)
		if l > h {
			l, h = lo, hi
		}
		v = l + g.r.Float64()*(h-l)
		if integer {
			v = math.Round(v)
		}
	}
	if m, ok := num(s, "multipleOf"); ok && m > 0 {
		k := math.Floor(v / m)
		v = k * m
		if v < lo {
			v = (k + 1) * m
		}
		if v > hi || v < lo {
			return nil, fmt.Errorf("no multiple of %v between %v and %v", m, lo, hi)
		}
	}
	if integer {
		return intNumber(v), nil
	}
	return json.Number(strconv.FormatFloat(v, 'g', -1, 64)), nil
}

// intNumber writes an integral float exactly, the int64 extremes
// included.
func intNumber(v float64) json.Number {
	switch {
	case v >= math.MaxInt64:
		return json.Number(strconv.FormatInt(math.MaxInt64, 10))
	case v <= math.MinInt64:
		return json.Number(strconv.FormatInt(math.MinInt64, 10))
	}
	bf, _ := new(big.Float).SetFloat64(v).Int(nil)
	return json.Number(bf.String())
}

func nextUp(v float64, integer bool) float64 {
	if integer {
		return math.Floor(v) + 1
	}
	return math.Nextafter(v, math.Inf(1))
}

func nextDown(v float64, integer bool) float64 {
	if integer {
		return math.Ceil(v) - 1
	}
	return math.Nextafter(v, math.Inf(-1))
}

// formatValues are sample strings of the formats the generator knows:
// minimal, maximal, minimum, unicode, and random ones to choose from.
func formatValues(format string) []string {
	switch format {
	case "date-time":
		return []string{"1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "0001-01-01T00:00:00Z", "2024-02-29T12:00:00+05:30", "2021-06-15T08:30:00Z"}
	case "date":
		return []string{"1970-01-01", "9999-12-31", "0001-01-01", "2024-02-29", "2021-06-15"}
	case "time":
		return []string{"00:00:00Z", "23:59:59.999999Z", "00:00:00Z", "12:00:00+05:30", "08:30:00Z"}
	case "email":
		return []string{"a@b.co", "very.long.local-part+tag@sub.example.com", "a@b.co", "o'brien@example.org", "user@example.com"}
	case "idn-email":
		return []string{"a@b.co", "very.long+tag@example.com", "a@b.co", "用户@例子.广告", "user@example.com"}
	case "hostname":
		return []string{"a", "very-long-host-name.sub.example.com", "a", "xn--fsqu00a.example", "example.com"}
	case "idn-hostname":
		return []string{"a", "very-long-host-name.example.com", "a", "例子.广告", "example.com"}
	case "ipv4":
		return []string{"0.0.0.0", "255.255.255.255", "0.0.0.0", "192.168.0.1", "10.1.2.3"}
	case "ipv6":
		return []string{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::", "2001:db8::1", "fe80::1"}
	case "uri":
		return []string{"a:b", "https://user@example.com:8443/a/b?q=1&r=%C3%A9#frag", "a:b", "https://example.com/%E4%B8%96%E7%95%8C", "https://example.com/x"}
	case "iri":
		return []string{"a:b", "https://example.com/a/b?q=1#frag", "a:b", "https://例子.广告/世界", "https://example.com/x"}
	case "uri-reference", "iri-reference":
		return []string{"", "https://example.com/a/b?q=1#frag", "a", "../%E4%B8%96", "/x/y"}
	case "uri-template":
		return []string{"", "https://example.com/{id}/{+path}{?q}", "a", "/users/{id}", "/x/{y}"}
	case "uuid":
		return []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000000", "123e4567-e89b-12d3-a456-426614174000", "9f1c2b3a-4d5e-4f60-8a7b-1c2d3e4f5a6b"}
	case "duration":
		return []string{"P0D", "P9999Y12M31DT23H59M59S", "PT0S", "P1W", "PT36H"}
	case "json-pointer":
		return []string{"", "/a~1b/c~0d/0", "/", "/ключ", "/a/b"}
	case "relative-json-pointer":
		return []string{"0", "9/a/b", "0", "1#", "2/x"}
	case "regex":
		return []string{"", "^[a-z]+(\\d{2,4})?$", "a", "é+", ".*"}
	}
	return nil
}

// str generates a string within format, pattern, minLength and maxLength.
func (g *jsonGen) str(s map[string]any) (any, error) {
	lo, hasLo := num(s, "minLength")
	hi, hasHi := num(s, "maxLength")
	var v string
	if f, ok := s["format"].(string); ok {
		vals := formatValues(f)
		if vals == nil {
			g.notes.add("json: format %q is not generated: plain strings instead", f)
		} else {
			if g.p == pRandom {
				v = vals[4]
			} else {
				v = vals[int(g.p)-1]
			}
			return v, nil
		}
	}
	if p, ok := s["pattern"].(string); ok {
		out, err := g.fromPattern(p)
		if err != nil {
			g.notes.add("json: %v: not generated", err)
			return nil, err
		}
		return out, nil
	}
	v = g.text()
	n := utf8.RuneCountInString(v)
	if hasHi && float64(n) > hi {
		v = string([]rune(v)[:int(hi)])
	}
	if hasLo && float64(n) < lo {
		if lo > maxStringLen {
			g.notes.add("json: minLength %v is more than the generator makes (%d)", lo, maxStringLen)
			return nil, fmt.Errorf("minLength %v: string too long", lo)
		}
		v += strings.Repeat("x", int(lo)-n)
	}
	return v, nil
}

// array generates an array within items/prefixItems, minItems, maxItems
// and uniqueItems.
func (g *jsonGen) array(s map[string]any, d int) (any, error) {
	n := g.collLen(d)
	if v, ok := num(s, "minItems"); ok && float64(n) < v {
		if v > maxItems {
			g.notes.add("json: minItems %v is more than the generator makes (%d)", v, maxItems)
			return nil, fmt.Errorf("minItems %v: too many items", v)
		}
		n = int(v)
	}
	if v, ok := num(s, "maxItems"); ok && float64(n) > v {
		n = int(v)
	}
	var prefix []any
	if p, ok := s["prefixItems"].([]any); ok {
		prefix = p
	} else if p, ok := s["items"].([]any); ok {
		prefix = p // draft 4 to 2019-09 tuples
	}
	if len(prefix) > 0 {
		n = max(n, len(prefix))
	}
	rest, hasRest := s["items"]
	if _, tuple := rest.([]any); tuple {
		rest, hasRest = s["additionalItems"]
	}
	if len(prefix) > 0 && !hasRest {
		rest, hasRest = true, true
	}
	if rb, ok := rest.(bool); ok && !rb {
		n = min(n, len(prefix))
	}
	unique := s["uniqueItems"] == true
	out := make([]any, 0, n)
	seen := map[string]bool{}
	for i := 0; len(out) < n && i < 4*n+4; i++ {
		var item any = true
		switch {
		case len(out) < len(prefix):
			item = prefix[len(out)]
		case hasRest:
			item = rest
		}
		v, err := g.value(item, d+1)
		if err != nil {
			return nil, err
		}
		if unique {
			k, _ := json.Marshal(v)
			if seen[string(k)] {
				continue
			}
			seen[string(k)] = true
		}
		out = append(out, v)
	}
	return out, nil
}

// obj generates an object: every required property, the optional ones as
// the profile says, an additional property when allowed in edge:maximal.
func (g *jsonGen) obj(s map[string]any, d int) (any, error) {
	props, _ := s["properties"].(map[string]any)
	required := map[string]bool{}
	if r, ok := s["required"].([]any); ok {
		for _, x := range r {
			if x, ok := x.(string); ok {
				required[x] = true
			}
		}
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	minProps := 0
	if v, ok := num(s, "minProperties"); ok {
		minProps = int(min(v, maxItems))
	}
	out := map[string]any{}
	for i, name := range names {
		include := required[name]
		if !include {
			switch g.p {
			case pMaximal:
				include = d < maxDepth && !g.full()
			case pUnicode:
				include = i%2 == 0 && d < maxDepth && !g.full()
			case pRandom:
				include = d < maxDepth && !g.full() && g.r.IntN(2) == 0
			}
		}
		if !include && len(out)+len(names)-i > minProps {
			continue
		}
		v, err := g.value(props[name], d+1)
		if err != nil {
			return nil, fmt.Errorf("property %q: %w", name, err)
		}
		out[name] = v
	}
	// Required properties the properties keyword does not describe.
	for name := range required {
		if _, ok := out[name]; !ok {
			extra := any(true)
			if ap, ok := s["additionalProperties"]; ok {
				extra = ap
			}
			v, err := g.value(extra, d+1)
			if err != nil {
				return nil, fmt.Errorf("property %q: %w", name, err)
			}
			out[name] = v
		}
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok && g.p == pMaximal && d < maxDepth {
		key := "additional"
		if g.p == pUnicode {
			key = "ключ"
		}
		if _, taken := props[key]; !taken {
			v, err := g.value(ap, d+1)
			if err != nil {
				return nil, fmt.Errorf("additional property: %w", err)
			}
			out[key] = v
		}
	}
	return out, nil
}
