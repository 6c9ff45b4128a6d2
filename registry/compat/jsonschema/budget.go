package jsonschema

import (
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v6"
)

// The checker decides some questions by validating a value with the JSON
// Schema validator, which is exact but whose cost the schema decides: it
// tries every branch of an anyOf and follows every $ref, so anyOf of two
// references to the previous definition, thirty times over, costs 2^30 per
// value; and it compares a value with an enum's members one by one. Every
// validation is therefore costed before it runs, on an estimate that
// expands references and combinators as the validator will, and charged to
// a budget per CanRead. Enum membership, the common case, is decided with
// hash sets and never reaches the validator: a writer and a reader enum of
// 10,000 values each cost 20,000 lookups, not 10^8 comparisons.
const (
	// maxValidation bounds the schema nodes validations may visit in one
	// CanRead: the validator spends up to ~350 bytes and a microsecond on
	// each (failing validations build errors), so this keeps validations
	// near 20 MB. Comparing two enums of 28,000 values (all 170,000 bytes
	// allow) takes 56,000.
	maxValidation = 1 << 16
	// maxWork bounds the checker's own work beyond its steps: writer
	// conjuncts keyed, property names merged, disjointness questions.
	maxWork = 1 << 20
	// maxSteps bounds the (writer, reader) pairs one CanRead compares, each
	// counting one plus one per 64 bytes of its path. Comparing versions of
	// the largest realistic schemas takes a few thousand (1,152 for an
	// object of 1,150 properties).
	maxSteps = 1 << 15
	// maxDepth bounds how deep the comparison recurses.
	maxDepth = 256
)

// valueKey is a key equal for JSON values the validator deems equal:
// numbers compare by value (1 and 1.0 are one value), objects whatever
// their key order.
func valueKey(v any) string {
	var b strings.Builder
	writeKey(&b, v)
	return b.String()
}

func writeKey(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteByte('z')
	case bool:
		if x {
			b.WriteByte('t')
		} else {
			b.WriteByte('f')
		}
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(x)); ok {
			b.WriteByte('n')
			b.WriteString(r.RatString())
		} else {
			b.WriteString("?n")
			b.WriteString(string(x))
		}
	case string:
		b.WriteByte('s')
		b.WriteString(strconv.Itoa(len(x)))
		b.WriteByte(':')
		b.WriteString(x)
	case []any:
		b.WriteByte('[')
		for _, e := range x {
			writeKey(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for _, k := range keys {
			b.WriteString(strconv.Itoa(len(k)))
			b.WriteByte(':')
			b.WriteString(k)
			writeKey(b, x[k])
		}
		b.WriteByte('}')
	default:
		b.WriteString("?")
	}
}

// valueSize is how many JSON values v holds, itself included.
func valueSize(v any) int {
	switch x := v.(type) {
	case []any:
		n := 1
		for _, e := range x {
			n += valueSize(e)
		}
		return n
	case map[string]any:
		n := 1
		for _, e := range x {
			n += valueSize(e)
		}
		return n
	}
	return 1
}

// enumSets returns n's enum and const lists as sets of value keys.
func (c *checker) enumSets(n *node) []map[string]bool {
	if sets, ok := c.sets[n]; ok {
		return sets
	}
	sets := make([]map[string]bool, len(n.enums))
	for i, e := range n.enums {
		c.work += len(e)
		sets[i] = make(map[string]bool, len(e))
		for _, v := range e {
			sets[i][valueKey(v)] = true
		}
	}
	c.sets[n] = sets
	return sets
}

// inAllEnums reports whether v is in every enum and const of n.
func (c *checker) inAllEnums(n *node, v any) bool {
	sets := c.enumSets(n)
	if len(sets) == 0 {
		return true
	}
	k := valueKey(v)
	for _, s := range sets {
		if !s[k] {
			return false
		}
	}
	return true
}

// withoutEnums returns lib, n's compiled schema, without its own enum and
// const, which inAllEnums decides.
func (c *checker) withoutEnums(n *node, lib *js.Schema) *js.Schema {
	if lib.Enum == nil && lib.Const == nil {
		return lib
	}
	if s, ok := c.stripped[n]; ok {
		return s
	}
	s := *lib
	s.Enum, s.Const = nil, nil
	c.stripped[n] = &s
	return &s
}

// validate reports whether n accepts v. known is false when deciding it
// would cost more than the budget left (or n's validator is not to be
// had); the check then proves nothing.
func (c *checker) validate(n *node, v any) (ok, known bool) {
	if n.isBool {
		return n.boolVal, true
	}
	if !n.real {
		return false, true // synthetic: taken as rejecting (conservative)
	}
	if !c.inAllEnums(n, v) {
		return false, true
	}
	lib := c.lib(n)
	if lib == nil {
		c.exhausted = true
		return false, false
	}
	lib = c.withoutEnums(n, lib)
	cost := c.validationCost(lib, valueSize(v) > 1)
	if cost >= maxValidation || c.validations+cost*valueSize(v) > maxValidation {
		c.exhausted = true
		return false, false
	}
	c.validations += cost * valueSize(v)
	return lib.Validate(v) == nil, true
}

// lib returns n's compiled schema, compiling its definition if no one
// holds it compiled; nil if that fails.
func (c *checker) lib(n *node) *js.Schema {
	if s, ok := c.libs[n]; ok {
		return s
	}
	d, ok := c.docs[n.src]
	if !ok {
		d = n.src.compiled()
		c.docs[n.src] = d
		if c.cache != nil {
			c.cache.keep(d)
		}
	}
	var s *js.Schema
	if d.err == nil {
		s, _ = walk(d.root, n.loc)
	}
	c.libs[n] = s
	return s
}

// costKey caches a validation cost estimate.
type costKey struct {
	s     *js.Schema
	whole bool
}

// validationCost estimates how many schema nodes validating one value
// against s visits: references and combinators are expanded as the
// validator expands them, each enum counts its members, and with whole the
// keywords applying to properties and items are followed too (for objects
// and arrays). The estimate saturates at maxValidation; a reference cycle
// saturates it.
func (c *checker) validationCost(s *js.Schema, whole bool) int {
	if s == nil {
		return 0
	}
	k := costKey{s, whole}
	if v, ok := c.costs[k]; ok {
		return v
	}
	c.costs[k] = maxValidation // in progress: a cycle saturates
	n := 1
	if s.Enum != nil {
		n += len(s.Enum.Values)
	}
	if s.Const != nil {
		n++
	}
	add := func(sub *js.Schema) {
		if n < maxValidation {
			n = min(maxValidation, n+c.validationCost(sub, whole))
		}
	}
	add(s.Ref)
	add(s.Not)
	add(s.If)
	add(s.Then)
	add(s.Else)
	for _, l := range [][]*js.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range l {
			add(sub)
		}
	}
	if whole {
		for _, sub := range s.Properties {
			add(sub)
		}
		for _, sub := range s.PatternProperties {
			add(sub)
		}
		add(s.PropertyNames)
		add(s.Contains)
		for _, d := range s.Dependencies {
			if sub, ok := d.(*js.Schema); ok {
				add(sub)
			}
		}
		for _, a := range []any{s.AdditionalProperties, s.Items, s.AdditionalItems} {
			switch x := a.(type) {
			case *js.Schema:
				add(x)
			case []*js.Schema:
				for _, sub := range x {
					add(sub)
				}
			}
		}
	}
	c.costs[k] = n
	return n
}
