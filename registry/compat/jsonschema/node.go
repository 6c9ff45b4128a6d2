package jsonschema

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	js "github.com/santhosh-tekuri/jsonschema/v6"
)

// Type bits. "number" is tInt|tFrac; tFrac stands for numbers that are not
// integers.
const (
	tNull uint8 = 1 << iota
	tBool
	tObj
	tArr
	tInt
	tFrac
	tStr

	tNumber = tInt | tFrac
	tAll    = tNull | tBool | tObj | tArr | tNumber | tStr
)

// bound is a numeric bound; excl marks an exclusive one.
type bound struct {
	v    *big.Rat
	excl bool
}

type patProp struct {
	src string
	re  js.Regexp
	n   *node
}

type dep struct {
	names  []string // array form
	schema *node    // schema form
}

// prop is one entry of "properties": a name and its subschema. A store
// keeps one prop per (name, node), so versions that share a property share
// its entry and comparing two entries is comparing two pointers.
type prop struct {
	name string
	n    *node
	// self: n reads itself (readsItself), so an entry both sides of a
	// check share holds without a look at n.
	self bool
}

// newProp returns the entry for property name with subschema n.
func newProp(name string, n *node) *prop {
	return &prop{name: name, n: n, self: n != nil && readsItself(n)}
}

// node is the checker's view of one subschema: what the check reads of it,
// nothing of the compiler's. Nodes are immutable once built and may be
// shared by the versions of a schema (see store.go).
type node struct {
	// real: built from a subschema of a definition (synthetic nodes are
	// not). src and loc locate that subschema, so the validator for it
	// can be compiled when a check needs one (see source.go).
	real  bool
	src   *source
	loc   string
	draft int

	isBool  bool
	boolVal bool
	ref     *node

	types uint8 // tAll when unconstrained
	enums [][]any

	min, max   *bound
	multipleOf *big.Rat

	minLen, maxLen *int
	pattern        *string
	format         *string

	items    *node   // list form
	tuple    []*node // tuple form
	isTuple  bool
	addItems *node // nil: any
	minItems *int
	maxItems *int
	unique   bool
	contains *node

	props     []*prop // sorted by name
	patterns  []patProp
	addProps  *node // nil: any
	required  []string
	minProps  *int
	maxProps  *int
	propNames *node
	deps      map[string]dep

	allOf, anyOf, oneOf []*node
	not                 *node
	ifN, thenN, elseN   *node

	// onlyType: the subschema constrains nothing but the type (it may
	// carry annotations), so "not" of it removes those types.
	onlyType bool

	// raw reports whether the raw subschema was found; sum then identifies
	// its canonical JSON and empty says it is {}.
	raw   bool
	sum   digest
	empty bool
	pure  bool // the raw subschema holds no "$ref" key
}

func (n *node) isFalse() bool { return n != nil && n.isBool && !n.boolVal }

// deref follows $ref chains (siblings of $ref are ignored in drafts 4-7).
func deref(n *node) *node {
	for i := 0; n != nil && n.ref != nil && i < 64; i++ {
		n = n.ref
	}
	if n != nil && n.ref != nil {
		// A reference cycle without constraints: accept anything.
		return &node{isBool: true, boolVal: true, types: tAll}
	}
	return n
}

type builder struct {
	raw  any
	src  *source
	memo map[*js.Schema]*node
	sums digester
	// sentinels are the objects that stand for boolean subschemas of a
	// draft-04 definition (see rewriteBooleans), by map identity.
	sentinels map[uintptr]bool
}

func newBuilder(raw any, src *source) *builder {
	return &builder{raw: raw, src: src, memo: map[*js.Schema]*node{}, sums: digester{memo: map[uintptr]summary{}}}
}

// build converts compiled schema s, reached from the root along loc (a
// path walk can follow, see walk), into nodes.
func (b *builder) build(s *js.Schema, loc string) *node {
	if s == nil {
		return nil
	}
	if n, ok := b.memo[s]; ok {
		return n
	}
	n := &node{real: true, src: b.src, loc: loc, draft: s.DraftVersion, types: tAll}
	b.memo[s] = n
	raw := b.lookup(s.Location)
	if m, ok := raw.(map[string]any); ok && b.sentinels != nil {
		if v, isBool := b.sentinels[reflect.ValueOf(m).Pointer()]; isBool {
			n.isBool, n.boolVal = true, v
			n.raw, n.sum, n.pure = true, b.sums.of(v).sum, true
			return n
		}
	}
	if raw != nil {
		sum := b.sums.of(raw)
		n.raw, n.sum, n.pure = true, sum.sum, sum.pure
		m, ok := raw.(map[string]any)
		n.empty = ok && len(m) == 0
	}
	if s.Bool != nil {
		n.isBool, n.boolVal = true, *s.Bool
		return n
	}
	if s.Ref != nil {
		n.ref = b.build(s.Ref, loc+"/$ref")
		return n
	}
	if s.Types != nil && !s.Types.IsEmpty() {
		n.types = 0
		for _, t := range s.Types.ToStrings() {
			n.types |= typeBit(t)
		}
	}
	if s.Enum != nil {
		n.enums = append(n.enums, s.Enum.Values)
	}
	if s.Const != nil {
		n.enums = append(n.enums, []any{*s.Const})
	}
	n.min = tighterLower(ratBound(s.Minimum, false), ratBound(s.ExclusiveMinimum, true))
	n.max = tighterUpper(ratBound(s.Maximum, false), ratBound(s.ExclusiveMaximum, true))
	n.multipleOf = s.MultipleOf
	n.minLen, n.maxLen = s.MinLength, s.MaxLength
	if s.Pattern != nil {
		p := s.Pattern.String()
		n.pattern = &p
	}
	if m, ok := raw.(map[string]any); ok {
		if f, ok := m["format"].(string); ok {
			n.format = &f
		}
		n.onlyType = n.types != tAll && onlyTypeKeys(m)
	}
	switch it := s.Items.(type) {
	case *js.Schema:
		n.items = b.build(it, loc+"/items")
	case []*js.Schema:
		n.isTuple = true
		for i, x := range it {
			n.tuple = append(n.tuple, b.build(x, loc+"/items/"+strconv.Itoa(i)))
		}
		n.addItems = b.additional(s.AdditionalItems, loc+"/additionalItems")
	}
	n.minItems, n.maxItems, n.unique = s.MinItems, s.MaxItems, s.UniqueItems
	n.contains = b.build(s.Contains, loc+"/contains")
	if len(s.Properties) > 0 {
		n.props = make([]*prop, 0, len(s.Properties))
		for k, v := range s.Properties {
			n.props = append(n.props, newProp(k, b.build(v, loc+"/properties/"+ptrEscape(k))))
		}
		sortProps(n.props)
	}
	for re, v := range s.PatternProperties {
		n.patterns = append(n.patterns, patProp{src: re.String(), re: re, n: b.build(v, loc+"/patternProperties/"+ptrEscape(re.String()))})
	}
	sort.Slice(n.patterns, func(i, j int) bool { return n.patterns[i].src < n.patterns[j].src })
	n.addProps = b.additional(s.AdditionalProperties, loc+"/additionalProperties")
	n.required = s.Required
	n.minProps, n.maxProps = s.MinProperties, s.MaxProperties
	n.propNames = b.build(s.PropertyNames, loc+"/propertyNames")
	if len(s.Dependencies) > 0 {
		n.deps = map[string]dep{}
		for k, v := range s.Dependencies {
			switch d := v.(type) {
			case []string:
				n.deps[k] = dep{names: d}
			case *js.Schema:
				n.deps[k] = dep{schema: b.build(d, loc+"/dependencies/"+ptrEscape(k))}
			}
		}
	}
	for i, x := range s.AllOf {
		n.allOf = append(n.allOf, b.build(x, loc+"/allOf/"+strconv.Itoa(i)))
	}
	for i, x := range s.AnyOf {
		n.anyOf = append(n.anyOf, b.build(x, loc+"/anyOf/"+strconv.Itoa(i)))
	}
	for i, x := range s.OneOf {
		n.oneOf = append(n.oneOf, b.build(x, loc+"/oneOf/"+strconv.Itoa(i)))
	}
	n.not = b.build(s.Not, loc+"/not")
	n.ifN, n.thenN, n.elseN = b.build(s.If, loc+"/if"), b.build(s.Then, loc+"/then"), b.build(s.Else, loc+"/else")
	return n
}

// sortProps sorts entries by name.
func sortProps(ps []*prop) {
	slices.SortFunc(ps, func(a, b *prop) int { return strings.Compare(a.name, b.name) })
}

// propNode returns the subschema of property name, if listed.
func (n *node) propNode(name string) (*node, bool) {
	i, ok := slices.BinarySearchFunc(n.props, name, func(p *prop, name string) int { return strings.Compare(p.name, name) })
	if !ok {
		return nil, false
	}
	return n.props[i].n, true
}

// onlyTypeKeys reports whether a subschema's keywords are "type" and
// annotations only.
func onlyTypeKeys(m map[string]any) bool {
	for k := range m {
		switch k {
		case "type", "title", "description", "$comment", "default", "examples":
		default:
			return false
		}
	}
	return true
}

// additional converts additionalProperties/additionalItems: nil or true
// become nil (anything), false a false node.
func (b *builder) additional(v any, loc string) *node {
	switch a := v.(type) {
	case bool:
		if a {
			return nil
		}
		return falseNode(b.sums.of(false).sum)
	case *js.Schema:
		return b.build(a, loc)
	}
	return nil
}

// falseNode is additionalProperties or additionalItems false.
func falseNode(sum digest) *node {
	return &node{isBool: true, boolVal: false, types: tAll, raw: true, sum: sum, pure: true}
}

// lookup returns the raw value at a compiled schema's location.
func (b *builder) lookup(loc string) any {
	_, frag, _ := strings.Cut(loc, "#")
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	} else {
		return nil
	}
	cur := b.raw
	if frag == "" {
		return cur
	}
	for rest, more := strings.TrimPrefix(frag, "/"), true; more; {
		var tok string
		tok, rest, more = strings.Cut(rest, "/")
		if strings.Contains(tok, "~") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		}
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			i := 0
			for _, ch := range tok {
				if ch < '0' || ch > '9' {
					return nil
				}
				i = i*10 + int(ch-'0')
				if i > len(c) {
					return nil
				}
			}
			if i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// digest identifies a raw JSON value: values with the same canonical JSON
// (sorted keys, numbers as written) have the same digest, and different
// ones different digests but for SHA-256 collisions. The checker compares
// subschemas by digest, which costs each object its own size once instead
// of the canonical JSON of its whole subtree.
type digest [sha256.Size]byte

type summary struct {
	sum  digest
	pure bool // no "$ref" key anywhere in the value
}

// digester computes summaries, each object's once.
type digester struct {
	memo map[uintptr]summary // by map identity
	buf  []byte
}

func (d *digester) of(v any) summary {
	var m map[string]any
	if obj, ok := v.(map[string]any); ok {
		m = obj
		if s, ok := d.memo[reflect.ValueOf(m).Pointer()]; ok {
			return s
		}
	}
	out := summary{pure: true}
	var children []summary
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
			if k == "$ref" {
				out.pure = false
			}
		}
		sort.Strings(keys)
		children = make([]summary, len(keys))
		for i, k := range keys {
			children[i] = d.of(x[k])
			out.pure = out.pure && children[i].pure
		}
		d.buf = binary.AppendUvarint(append(d.buf[:0], 'o'), uint64(len(keys)))
		for i, k := range keys {
			d.buf = binary.AppendUvarint(d.buf, uint64(len(k)))
			d.buf = append(d.buf, k...)
			d.buf = append(d.buf, children[i].sum[:]...)
		}
	case []any:
		children = make([]summary, len(x))
		for i, e := range x {
			children[i] = d.of(e)
			out.pure = out.pure && children[i].pure
		}
		d.buf = binary.AppendUvarint(append(d.buf[:0], 'a'), uint64(len(x)))
		for _, c := range children {
			d.buf = append(d.buf, c.sum[:]...)
		}
	case string:
		d.buf = append(binary.AppendUvarint(append(d.buf[:0], 's'), uint64(len(x))), x...)
	case json.Number:
		d.buf = append(append(d.buf[:0], 'n'), x...)
	case bool:
		d.buf = append(d.buf[:0], 'f')
		if x {
			d.buf[0] = 't'
		}
	default:
		d.buf = append(d.buf[:0], 'z')
	}
	out.sum = sha256.Sum256(d.buf)
	if m != nil {
		d.memo[reflect.ValueOf(m).Pointer()] = out
	}
	return out
}

func typeBit(t string) uint8 {
	switch t {
	case "null":
		return tNull
	case "boolean":
		return tBool
	case "object":
		return tObj
	case "array":
		return tArr
	case "integer":
		return tInt
	case "number":
		return tNumber
	case "string":
		return tStr
	}
	return 0
}

// typeNames names the types in a bit set for messages.
func typeNames(t uint8) []string {
	var out []string
	if t&tNull != 0 {
		out = append(out, "null")
	}
	if t&tBool != 0 {
		out = append(out, "boolean")
	}
	if t&tObj != 0 {
		out = append(out, "object")
	}
	if t&tArr != 0 {
		out = append(out, "array")
	}
	switch t & tNumber {
	case tNumber:
		out = append(out, "number")
	case tInt:
		out = append(out, "integer")
	case tFrac:
		out = append(out, "non-integer number")
	}
	if t&tStr != 0 {
		out = append(out, "string")
	}
	return out
}

func ratBound(r *big.Rat, excl bool) *bound {
	if r == nil {
		return nil
	}
	return &bound{v: r, excl: excl}
}

// tighterLower returns the stricter of two lower bounds.
func tighterLower(a, b *bound) *bound {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	switch c := a.v.Cmp(b.v); {
	case c > 0:
		return a
	case c < 0:
		return b
	}
	if b.excl {
		return b
	}
	return a
}

// tighterUpper returns the stricter of two upper bounds.
func tighterUpper(a, b *bound) *bound {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	switch c := a.v.Cmp(b.v); {
	case c < 0:
		return a
	case c > 0:
		return b
	}
	if b.excl {
		return b
	}
	return a
}
