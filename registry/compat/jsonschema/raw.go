package jsonschema

import (
	"encoding/json"
	"math/big"
	"reflect"
	"sort"
	"strconv"
)

// Compiling a definition with the JSON Schema library costs it a
// meta-schema validation and a compiler whose queue of subschemas is
// searched linearly: 15 ms for an object of a thousand properties, most of
// a registration's budget. Definitions that need nothing the compiler
// knows better are therefore read directly into nodes by a rawBuilder,
// which builds exactly what the node builder builds from the compiled
// schema (raw_test.go compares the two on many definitions):
//
//   - no "$ref", "$id", "id" or nested "$schema" (references and base URIs
//     are the compiler's business);
//   - every keyword of the draft's meta-schema holds a value of the shape
//     that meta-schema requires, checked here keyword by keyword, and
//     every pattern compiles within the regexEngine's budget.
//
// Anything else (including every invalid definition) gives up, and Parse
// compiles the definition, which decides and words the error as before.

// rawBuilder builds nodes from a decoded definition.
type rawBuilder struct {
	draft   Draft
	src     *source
	sums    digester
	regexes *regexEngine
	failed  bool
	// sentinels: as for the node builder (draft-04 booleans).
	sentinels map[uintptr]bool
}

func newRawBuilder(draft Draft, src *source) *rawBuilder {
	return &rawBuilder{draft: draft, src: src, sums: digester{memo: map[uintptr]summary{}}, regexes: newRegexEngine()}
}

// definition builds the root of an object definition (its top-level
// $schema included); ok is false when the compiler must decide.
func (b *rawBuilder) definition(obj map[string]any) (*node, bool) {
	doc := obj
	if _, has := obj["$schema"]; has {
		doc = make(map[string]any, len(obj))
		for k, v := range obj {
			if k != "$schema" {
				doc[k] = v
			}
		}
	}
	if b.draft == Draft04 {
		// As the compiler gets it, so that digests are the same.
		b.sentinels = map[uintptr]bool{}
		doc = rewriteBooleans(doc, b.sentinels).(map[string]any)
	}
	root := b.schema(doc, "")
	if b.failed || b.regexes.err != nil {
		return nil, false
	}
	return root, true
}

func (b *rawBuilder) fail() *node {
	b.failed = true
	return nil
}

// schema builds the node for a value in a schema position.
func (b *rawBuilder) schema(v any, loc string) *node {
	if b.failed {
		return nil
	}
	switch x := v.(type) {
	case bool:
		return &node{real: true, src: b.src, loc: loc, draft: int(b.draft), isBool: true, boolVal: x, types: tAll,
			raw: true, sum: b.sums.of(x).sum, pure: true}
	case map[string]any:
		return b.object(x, loc)
	}
	return b.fail()
}

// has reports whether keyword k exists in draft d.
func (b *rawBuilder) since(d Draft) bool { return b.draft >= d }

func (b *rawBuilder) object(m map[string]any, loc string) *node {
	if v, isBool := b.sentinels[reflect.ValueOf(m).Pointer()]; isBool && b.sentinels != nil {
		return &node{real: true, src: b.src, loc: loc, draft: int(b.draft), isBool: true, boolVal: v, types: tAll,
			raw: true, sum: b.sums.of(v).sum, pure: true}
	}
	sum := b.sums.of(m)
	n := &node{real: true, src: b.src, loc: loc, draft: int(b.draft), types: tAll, raw: true, sum: sum.sum, pure: sum.pure, empty: len(m) == 0}
	if len(m) == 0 {
		// The compiler reads {} as true.
		n.isBool, n.boolVal = true, true
		return n
	}
	// Keywords every draft reads; the validation of each value mirrors
	// the meta-schema.
	for k, v := range m {
		switch k {
		case "$ref", "$id", "id", "$schema":
			return b.fail()
		case "title", "description", "format":
			if _, ok := v.(string); !ok {
				return b.fail()
			}
		case "$comment", "contentMediaType", "contentEncoding":
			if _, ok := v.(string); !ok && b.since(Draft07) {
				return b.fail()
			}
		case "readOnly", "writeOnly":
			if _, ok := v.(bool); !ok && b.since(Draft07) {
				return b.fail()
			}
		case "examples":
			if _, ok := v.([]any); !ok && b.since(Draft07) {
				return b.fail()
			}
		case "uniqueItems":
			if _, ok := v.(bool); !ok {
				return b.fail()
			}
		case "definitions":
			defs, ok := v.(map[string]any)
			if !ok {
				return b.fail()
			}
			// Not built into nodes (nothing refers to them), but
			// checked as the meta-schema checks them, patterns too.
			for name, d := range defs {
				b.schema(d, loc+"/definitions/"+ptrEscape(name))
			}
		}
	}
	if b.failed {
		return nil
	}
	if t, ok := m["type"]; ok {
		n.types = b.types(t)
	}
	if e, ok := m["enum"]; ok {
		list, ok := e.([]any)
		if !ok || len(list) == 0 || !uniqueValues(list) {
			return b.fail()
		}
		n.enums = append(n.enums, list)
	}
	if c, ok := m["const"]; ok && b.since(Draft06) {
		n.enums = append(n.enums, []any{c})
	}
	if mul, ok := m["multipleOf"]; ok {
		r := b.number(mul)
		if r == nil || r.Sign() <= 0 {
			return b.fail()
		}
		n.multipleOf = r
	}
	n.min = b.bound(m, "minimum", "exclusiveMinimum", tighterLower)
	n.max = b.bound(m, "maximum", "exclusiveMaximum", tighterUpper)
	n.minLen, n.maxLen = b.count(m, "minLength"), b.count(m, "maxLength")
	if p, ok := m["pattern"]; ok {
		s, ok := p.(string)
		if !ok {
			return b.fail()
		}
		if _, err := b.regexes.compile(s); err != nil {
			return b.fail()
		}
		n.pattern = &s
	}
	if f, ok := m["format"].(string); ok {
		n.format = &f
	}
	n.onlyType = n.types != tAll && onlyTypeKeys(m)
	if it, ok := m["items"]; ok {
		if list, isList := it.([]any); isList {
			if len(list) == 0 {
				return b.fail()
			}
			n.isTuple = true
			for i, x := range list {
				n.tuple = append(n.tuple, b.schema(x, loc+"/items/"+strconv.Itoa(i)))
			}
			n.addItems = b.additional(m, "additionalItems", loc)
		} else {
			n.items = b.schema(it, loc+"/items")
		}
	} else if a, ok := m["additionalItems"]; ok {
		// Not applied without an items array, but still a schema.
		b.schema(a, loc+"/additionalItems")
	}
	n.minItems, n.maxItems = b.count(m, "minItems"), b.count(m, "maxItems")
	n.unique, _ = m["uniqueItems"].(bool)
	n.contains = b.optional(m, "contains", loc, Draft06)
	if p, ok := m["properties"]; ok {
		props, ok := p.(map[string]any)
		if !ok {
			return b.fail()
		}
		if len(props) > 0 {
			n.props = make([]*prop, 0, len(props))
			for k, v := range props {
				n.props = append(n.props, newProp(k, b.schema(v, loc+"/properties/"+ptrEscape(k))))
			}
			sortProps(n.props)
		}
	}
	if p, ok := m["patternProperties"]; ok {
		pats, ok := p.(map[string]any)
		if !ok {
			return b.fail()
		}
		for src, v := range pats {
			re, err := b.regexes.compile(src)
			if err != nil {
				return b.fail()
			}
			n.patterns = append(n.patterns, patProp{src: src, re: re, n: b.schema(v, loc+"/patternProperties/"+ptrEscape(src))})
		}
		sort.Slice(n.patterns, func(i, j int) bool { return n.patterns[i].src < n.patterns[j].src })
	}
	n.addProps = b.additional(m, "additionalProperties", loc)
	if r, ok := m["required"]; ok {
		n.required = b.strings(r)
	}
	n.minProps, n.maxProps = b.count(m, "minProperties"), b.count(m, "maxProperties")
	n.propNames = b.optional(m, "propertyNames", loc, Draft06)
	if d, ok := m["dependencies"]; ok {
		deps, ok := d.(map[string]any)
		if !ok {
			return b.fail()
		}
		if len(deps) > 0 {
			n.deps = make(map[string]dep, len(deps))
		}
		for k, v := range deps {
			if list, isList := v.([]any); isList {
				n.deps[k] = dep{names: b.strings(list)}
			} else {
				n.deps[k] = dep{schema: b.schema(v, loc+"/dependencies/"+ptrEscape(k))}
			}
		}
	}
	n.allOf = b.list(m, "allOf", loc)
	n.anyOf = b.list(m, "anyOf", loc)
	n.oneOf = b.list(m, "oneOf", loc)
	n.not = b.optional(m, "not", loc, Draft04)
	if b.since(Draft07) {
		if iv, ok := m["if"]; ok {
			n.ifN = b.schema(iv, loc+"/if")
			bv, isBool := iv.(bool)
			if !isBool || bv {
				n.thenN = b.optional(m, "then", loc, Draft07)
			} else if t, ok := m["then"]; ok {
				b.schema(t, loc+"/then")
			}
			if !isBool || !bv {
				n.elseN = b.optional(m, "else", loc, Draft07)
			} else if e, ok := m["else"]; ok {
				b.schema(e, loc+"/else")
			}
		} else {
			for _, k := range []string{"then", "else"} {
				if x, ok := m[k]; ok {
					b.schema(x, loc+"/"+k)
				}
			}
		}
	}
	if b.failed {
		return nil
	}
	return n
}

// optional builds keyword k's schema, if present and a keyword of the
// draft.
func (b *rawBuilder) optional(m map[string]any, k, loc string, since Draft) *node {
	v, ok := m[k]
	if !ok || !b.since(since) {
		return nil
	}
	return b.schema(v, loc+"/"+k)
}

// additional builds additionalProperties or additionalItems: true is
// nil (anything), false a false node.
func (b *rawBuilder) additional(m map[string]any, k, loc string) *node {
	v, ok := m[k]
	if !ok {
		return nil
	}
	if x, isBool := v.(bool); isBool {
		if x {
			return nil
		}
		return falseNode(b.sums.of(false).sum)
	}
	return b.schema(v, loc+"/"+k)
}

// list builds a non-empty array of schemas.
func (b *rawBuilder) list(m map[string]any, k, loc string) []*node {
	v, ok := m[k]
	if !ok {
		return nil
	}
	items, ok := v.([]any)
	if !ok || len(items) == 0 {
		b.fail()
		return nil
	}
	out := make([]*node, len(items))
	for i, x := range items {
		out[i] = b.schema(x, loc+"/"+k+"/"+strconv.Itoa(i))
	}
	return out
}

// types reads "type": a simple type name or a non-empty array of distinct
// ones.
func (b *rawBuilder) types(v any) uint8 {
	if s, ok := v.(string); ok {
		t := typeBit(s)
		if t == 0 {
			b.fail()
		}
		return t
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		b.fail()
		return tAll
	}
	var t uint8
	seen := map[string]bool{}
	for _, e := range list {
		s, ok := e.(string)
		if !ok || seen[s] || typeBit(s) == 0 {
			b.fail()
			return tAll
		}
		seen[s] = true
		t |= typeBit(s)
	}
	return t
}

// strings reads an array of distinct strings (non-empty in draft-04).
func (b *rawBuilder) strings(v any) []string {
	list, ok := v.([]any)
	if !ok || (len(list) == 0 && b.draft == Draft04) {
		b.fail()
		return nil
	}
	out := make([]string, 0, len(list))
	seen := make(map[string]bool, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok || seen[s] {
			b.fail()
			return nil
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

// number reads a JSON number.
func (b *rawBuilder) number(v any) *big.Rat {
	n, ok := v.(json.Number)
	if !ok {
		return nil
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return nil
	}
	return r
}

// count reads a non-negative integer keyword, written with digits only.
func (b *rawBuilder) count(m map[string]any, k string) *int {
	v, ok := m[k]
	if !ok {
		return nil
	}
	n, ok := v.(json.Number)
	if !ok || len(n) == 0 || len(n) > 9 {
		b.fail()
		return nil
	}
	for _, c := range string(n) {
		if c < '0' || c > '9' {
			b.fail()
			return nil
		}
	}
	i, _ := strconv.Atoi(string(n))
	return &i
}

// bound reads a minimum or maximum with its exclusive form: in draft-04 a
// boolean that needs the bound, in later drafts a bound of its own.
func (b *rawBuilder) bound(m map[string]any, inclusive, exclusive string, tighter func(a, b *bound) *bound) *bound {
	var in *bound
	if v, ok := m[inclusive]; ok {
		r := b.number(v)
		if r == nil {
			b.fail()
			return nil
		}
		in = &bound{v: r}
	}
	v, ok := m[exclusive]
	if !ok {
		return in
	}
	if b.draft == Draft04 {
		x, isBool := v.(bool)
		if !isBool || in == nil {
			b.fail()
			return nil
		}
		if x {
			in.excl = true
		}
		return in
	}
	r := b.number(v)
	if r == nil {
		b.fail()
		return nil
	}
	return tighter(in, &bound{v: r, excl: true})
}

// uniqueValues reports whether no two values of list are equal as JSON
// values.
func uniqueValues(list []any) bool {
	seen := make(map[string]bool, len(list))
	for _, v := range list {
		k := valueKey(v)
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}
