package jsonschema

// The reader/writer check decides "writer ⊆ reader": every document the
// writer schema accepts is accepted by the reader schema. It is sound but
// incomplete: it reports compatible only when it proved it, and otherwise
// returns findings (a "check-inconclusive" or "*-unprovable" finding when it
// could not prove inclusion rather than found a counter-example).
//
// Conventions:
//   - The writer is a conjunction of subschemas ("locals"); allOf and $ref
//     are flattened into it. A writer anyOf/oneOf is split: every branch,
//     taken together with the rest of the writer, must be covered (oneOf is
//     treated as anyOf, which only widens the writer). Writer keywords the
//     check does not use (if/then/else, dependencies, propertyNames,
//     contains) are dropped, which only widens the writer. A writer "not"
//     is used where it is exact: "not" of a type-only schema removes those
//     types, "not": true leaves the writer nothing, and a writer "not" whose
//     schema holds all of a reader "not"'s proves them disjoint.
//   - A reader allOf must hold member by member. A reader anyOf needs one
//     branch covering the writer (tried per writer type when the writer
//     allows several); a reader oneOf needs one covering branch and every
//     other branch provably disjoint from the writer (by type, by values, or
//     by a discriminating property whose enum/const values differ). A reader
//     not needs the writer provably disjoint from it: inside not the
//     direction inverts, so where the writer has a not as well, the
//     reader's not schema must be included in the writer's (as Confluent's
//     NotSchemaDiff compares them reversed). A reader
//     if/then/else needs the writer inside if and then, outside if and
//     inside else, or inside both then and else.
//   - When the writer allows a finite set of values (enum/const, or only
//     null/boolean), each value the writer accepts is validated against the
//     reader with the JSON Schema validator: that decision is exact.
//   - Keywords are checked only for the types the writer allows: "minimum"
//     of the reader is irrelevant when the writer produces only strings.
//     integer ⊆ number; for integer-only writers exclusive and inclusive
//     bounds are compared on integers.
//   - Boolean schemas: true accepts everything, false nothing, wherever
//     they stand.
//   - Objects: a writer that requires a property it cannot produce writes
//     no object at all. A reader's "required" needs the writer to require
//     the property too, whether or not "properties" declares it (Confluent
//     ignores required names that "properties" does not declare; they
//     still reject documents without them). Property p's value is checked against the reader's
//     properties[p], every matching patternProperties entry and, when
//     neither applies, additionalProperties; the writer side is built the
//     same way. Names neither side lists are covered when some writer
//     conjunct bounds them by schemas that all fit the reader's pattern or
//     additionalProperties schema. An open writer (no additionalProperties
//     or true) therefore cannot meet a reader that closes the model or
//     constrains a property the writer leaves open.
//   - pattern and format: the reader's value must appear on the writer
//     (regular-expression inclusion is not attempted).
//   - Recursive $refs: a (writer, reader) pair met again while being checked
//     is assumed to hold (co-inductive reading of recursive schemas).
//   - Identical subschemas without $ref of the same draft are compatible.

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/evolvestack/evolvestack/registry/compat"
	js "github.com/santhosh-tekuri/jsonschema/v6"
)

// maxFindings bounds the findings one CanRead returns.
const maxFindings = 200

type checker struct {
	ids        map[*node]int
	inProgress map[string]int // key → data level when entered
	level      int            // how many times the check descended into a child value
	steps      int
	depth      int
	disjDepth  int

	// work and validations count what the check spent beyond its steps
	// (see budget.go); exhausted is set once a question was left undecided
	// for lack of either.
	work        int
	validations int
	exhausted   bool
	sets        map[*node][]map[string]bool
	stripped    map[*node]*js.Schema
	costs       map[costKey]int

	// The compiled definitions validations used (see source.go), and
	// the cache of the store the schemas come from, if any.
	docs  map[*source]*compiledDoc
	libs  map[*node]*js.Schema
	cache *docCache
}

func newChecker() *checker {
	return &checker{
		ids:        map[*node]int{},
		inProgress: map[string]int{},
		sets:       map[*node][]map[string]bool{},
		stripped:   map[*node]*js.Schema{},
		costs:      map[costKey]int{},
		docs:       map[*source]*compiledDoc{},
		libs:       map[*node]*js.Schema{},
	}
}

func (c *checker) id(n *node) int {
	if i, ok := c.ids[n]; ok {
		return i
	}
	i := len(c.ids) + 1
	c.ids[n] = i
	return i
}

// writer is a conjunction of local subschemas plus pending disjunctions.
type writer struct {
	locals []*node
	disj   [][]*node
	empty  bool // provably accepts nothing
}

func (w *writer) add(n *node, seen map[*node]bool) {
	n = deref(n)
	if n == nil || w.empty {
		return
	}
	if n.isBool {
		if !n.boolVal {
			w.empty = true
		}
		return
	}
	if seen[n] {
		return
	}
	seen[n] = true
	w.locals = append(w.locals, n)
	if d := deref(n.not); d != nil && d.isBool && d.boolVal {
		w.empty = true // "not": true accepts nothing
		return
	}
	for _, m := range n.allOf {
		w.add(m, seen)
	}
	if len(n.anyOf) > 0 {
		w.disj = append(w.disj, n.anyOf)
	}
	if len(n.oneOf) > 0 {
		w.disj = append(w.disj, n.oneOf)
	}
}

func newWriter(nodes ...*node) *writer {
	w := &writer{}
	seen := map[*node]bool{}
	for _, n := range nodes {
		w.add(n, seen)
	}
	return w
}

// withBranch returns the writer with its first disjunction replaced by b.
func (w *writer) withBranch(b *node) *writer {
	out := &writer{locals: append([]*node(nil), w.locals...), disj: append([][]*node(nil), w.disj[1:]...)}
	seen := map[*node]bool{}
	for _, l := range out.locals {
		seen[l] = true
	}
	out.add(b, seen)
	return out
}

func (w *writer) withType(t uint8) *writer {
	out := &writer{locals: append(append([]*node(nil), w.locals...), &node{types: t}), disj: w.disj, empty: w.empty}
	return out
}

func (w *writer) types() uint8 {
	t := tAll
	for _, l := range w.locals {
		t &= l.types
		if d := deref(l.not); d != nil && d.onlyType {
			t &^= d.types
		}
	}
	return t
}

// dedupe drops repeated findings, keeping the first occurrence order.
func dedupe(in []compat.Finding) []compat.Finding {
	if len(in) < 2 {
		return in
	}
	seen := map[compat.Finding]bool{}
	out := in[:0:0]
	for _, f := range in {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

func find(path, rule, format string, args ...any) compat.Finding {
	return compat.Finding{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)}
}

func ptrEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// sub checks that the conjunction of writer nodes is included in reader r.
func (c *checker) sub(ws []*node, r *node, path string) []compat.Finding {
	return c.check(newWriter(ws...), r, path)
}

// child is sub for the schemas of a child value (property, item, name).
func (c *checker) child(ws []*node, r *node, path string) []compat.Finding {
	c.level++
	defer func() { c.level-- }()
	return c.sub(ws, r, path)
}

// childW is check for the schemas of a child value.
func (c *checker) childW(w *writer, r *node, path string) []compat.Finding {
	c.level++
	defer func() { c.level-- }()
	return c.check(w, r, path)
}

func (c *checker) key(w *writer, r *node) string {
	ids := make([]int, 0, len(w.locals))
	c.work += 1 + len(w.locals)
	for _, d := range w.disj {
		c.work += len(d)
	}
	for _, l := range w.locals {
		ids = append(ids, c.id(l))
	}
	sort.Ints(ids)
	var b strings.Builder
	b.WriteString(strconv.Itoa(c.id(r)))
	for _, i := range ids {
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(i))
	}
	for _, d := range w.disj {
		b.WriteByte('|')
		for _, x := range d {
			b.WriteString(strconv.Itoa(c.id(x)))
			b.WriteByte(',')
		}
	}
	return b.String()
}

func (c *checker) inconclusive(path string) []compat.Finding {
	return []compat.Finding{find(path, "check-inconclusive",
		"the check could not prove that the reader accepts everything the writer allows (schema too complex)")}
}

// check is the core: writer ⊆ r.
func (c *checker) check(w *writer, r *node, path string) []compat.Finding {
	r = deref(r)
	if r == nil || (r.isBool && r.boolVal) || w.empty {
		return nil
	}
	c.steps += 1 + len(path)/64
	if c.steps > maxSteps || c.depth > maxDepth || c.work > maxWork {
		c.exhausted = true
		return c.inconclusive(path)
	}
	// Identical subschemas.
	if len(w.locals) == 1 && sameSubschema(w.locals[0], r) {
		return nil
	}
	if r.real && r.empty {
		return nil
	}
	k := c.key(w, r)
	if lvl, ok := c.inProgress[k]; ok {
		if c.level > lvl {
			return nil // recursion through child values: assume it holds
		}
		// A cycle that never reaches a child value: validation of such a
		// schema does not terminate, so nothing is proved.
		return c.inconclusive(path)
	}
	c.inProgress[k] = c.level
	c.depth++
	defer func() {
		delete(c.inProgress, k)
		c.depth--
	}()

	if len(w.disj) > 0 {
		// Without the disjunctions the writer is wider; if that fits, done.
		base := &writer{locals: w.locals}
		if len(c.check(base, r, path)) == 0 {
			return nil
		}
		var out []compat.Finding
		for _, b := range w.disj[0] {
			out = append(out, c.check(w.withBranch(b), r, path)...)
		}
		return out
	}
	return c.local(w, r, path)
}

// values returns the finite set of values the writer can produce, if any.
func (c *checker) values(w *writer) ([]any, bool) {
	wt := w.types()
	var cand []any
	have := false
	for _, l := range w.locals {
		for i, e := range l.enums {
			if !have {
				cand, have = append([]any(nil), e...), true
				continue
			}
			set := c.enumSets(l)[i]
			var keep []any
			for _, v := range cand {
				if set[valueKey(v)] {
					keep = append(keep, v)
				}
			}
			cand = keep
		}
	}
	if !have {
		if wt&^(tNull|tBool) != 0 {
			return nil, false
		}
		cand = []any{nil, true, false}
	}
	var out []any
	for _, v := range cand {
		if valueType(v)&wt == 0 {
			continue
		}
		ok := true
		for _, l := range w.locals {
			if !l.real {
				continue
			}
			// A value whose validation is too costly is kept: the writer
			// is then taken wider than it is, which is sound.
			if accepted, known := c.validate(l, v); known && !accepted {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, true
}

// local checks the reader's keywords against a writer without disjunctions.
func (c *checker) local(w *writer, r *node, path string) []compat.Finding {
	wt := w.types()
	if wt&tObj != 0 && w.requiresForbidden() {
		wt &^= tObj // the writer's objects lack a property it requires
	}
	if wt == 0 {
		return nil // the writer's types contradict each other
	}
	if vals, ok := c.values(w); ok {
		var out []compat.Finding
		for _, v := range vals {
			accepted, known := c.validate(r, v)
			if accepted {
				continue
			}
			if !known {
				return append(out, c.inconclusive(path)...)
			}
			if len(out) >= maxFindings {
				break
			}
			if len(r.enums) > 0 && !c.inAllEnums(r, v) {
				out = append(out, find(path, "enum-value-removed",
					"value %s is allowed by the writer but not by the reader's enum", jsonText(v)))
			} else {
				out = append(out, find(path, "value-rejected",
					"value %s is allowed by the writer but rejected by the reader", jsonText(v)))
			}
		}
		return out
	}
	if r.isBool && !r.boolVal {
		return []compat.Finding{find(path, "reader-rejects-all",
			"the reader's schema is false and rejects every value the writer allows")}
	}
	var out []compat.Finding
	if r.types != tAll {
		if missing := wt &^ r.types; missing != 0 {
			if wt == tAll {
				out = append(out, find(path, "type-narrowed",
					"the writer allows any type but the reader accepts only %s", quoteList(typeNames(r.types))))
			} else {
				out = append(out, find(path, "type-narrowed",
					"the writer allows type %s but the reader does not", quoteList(typeNames(missing))))
			}
		}
	}
	if len(r.enums) > 0 {
		out = append(out, find(path, "enum-added",
			"the reader restricts values to an enum or const but the writer does not"))
	}
	if wt&tNumber != 0 {
		out = append(out, c.numeric(w, r, wt, path)...)
	}
	if wt&tStr != 0 {
		out = append(out, c.strings(w, r, path)...)
	}
	if wt&tArr != 0 {
		out = append(out, c.arrays(w, r, path)...)
	}
	if wt&tObj != 0 {
		out = append(out, c.objects(w, r, path)...)
	}
	out = append(out, c.combinators(w, r, wt, path)...)
	return out
}

func (c *checker) combinators(w *writer, r *node, wt uint8, path string) []compat.Finding {
	var out []compat.Finding
	for i, m := range r.allOf {
		out = append(out, c.check(w, m, fmt.Sprintf("%s/allOf/%d", path, i))...)
	}
	if len(r.anyOf) > 0 && !c.coveredBySome(w, r.anyOf, wt, path, false) {
		out = append(out, find(path, "any-of-unmatched",
			"no branch of the reader's anyOf accepts everything the writer allows"))
	}
	if len(r.oneOf) > 0 && !c.coveredBySome(w, r.oneOf, wt, path, true) {
		out = append(out, find(path, "one-of-unprovable",
			"the check could not prove that exactly one branch of the reader's oneOf accepts each document the writer allows"))
	}
	if r.not != nil && !c.disjoint(w, r.not) {
		switch d := deref(r.not); {
		case d != nil && d.isBool && d.boolVal:
			out = append(out, find(path+"/not", "reader-rejects-all",
				"the reader's not: true rejects every value the writer allows"))
		case w.hasNot():
			out = append(out, find(path+"/not", "not-extended",
				"the reader's not excludes documents the writer's not allows: inside not the check runs the other way, and the writer's not schema does not hold all of the reader's"))
		default:
			out = append(out, find(path, "not-unprovable",
				"the check could not prove that the writer never produces a document the reader's not excludes"))
		}
	}
	if r.ifN != nil && (r.thenN != nil || r.elseN != nil) {
		thenOK := r.thenN == nil || len(c.check(w, r.thenN, path+"/then")) == 0
		elseOK := r.elseN == nil || len(c.check(w, r.elseN, path+"/else")) == 0
		ok := thenOK && elseOK
		if !ok && thenOK && len(c.check(w, r.ifN, path+"/if")) == 0 {
			ok = true
		}
		if !ok && elseOK && c.disjoint(w, r.ifN) {
			ok = true
		}
		if !ok {
			out = append(out, find(path, "conditional-unprovable",
				"the check could not prove that documents the writer allows meet the reader's if/then/else"))
		}
	}
	return out
}

// coveredBySome reports whether one branch covers the writer (for oneOf,
// with all other branches disjoint from it), splitting the writer by type
// when no single branch covers it.
func (c *checker) coveredBySome(w *writer, branches []*node, wt uint8, path string, exclusive bool) bool {
	try := func(w *writer) bool {
		for i, b := range branches {
			if len(c.check(w, b, path)) != 0 {
				continue
			}
			if !exclusive {
				return true
			}
			ok := true
			for j, o := range branches {
				if j != i && !c.disjoint(w, o) {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
		return false
	}
	if try(w) {
		return true
	}
	bits := []uint8{tNull, tBool, tObj, tArr, tInt, tFrac, tStr}
	n := 0
	for _, b := range bits {
		if wt&b != 0 {
			n++
		}
	}
	if n < 2 {
		return false
	}
	for _, b := range bits {
		if wt&b != 0 && !try(w.withType(b)) {
			return false
		}
	}
	return true
}

// disjoint reports whether no document the writer allows is accepted by n.
func (c *checker) disjoint(w *writer, n *node) bool {
	n = deref(n)
	c.work++
	if c.work > maxWork {
		c.exhausted = true
		return false
	}
	if n == nil || c.disjDepth > 32 {
		return false
	}
	c.disjDepth++
	defer func() { c.disjDepth-- }()
	if n.isBool {
		return !n.boolVal
	}
	wt := w.types()
	if wt&n.types == 0 {
		return true
	}
	if vals, ok := c.values(w); ok {
		for _, v := range vals {
			if !n.real {
				return false
			}
			if accepted, known := c.validate(n, v); accepted || !known {
				return false
			}
		}
		return true
	}
	// The writer excludes what its not accepts: n is disjoint from the
	// writer when n's documents are all among those (the inclusion runs
	// from n to the writer's not schema: the direction inverts inside not).
	for _, l := range w.locals {
		if l.not != nil && len(c.check(newWriter(n), l.not, "#/not")) == 0 {
			return true
		}
	}
	// n excludes what its own not accepts: the writer within n's not is
	// disjoint from n (a not inside a not turns the direction back).
	if n.not != nil && len(c.check(w, n.not, "#/not")) == 0 {
		return true
	}
	for _, m := range n.allOf {
		if c.disjoint(w, m) {
			return true
		}
	}
	if len(n.anyOf) > 0 {
		all := true
		for _, m := range n.anyOf {
			if !c.disjoint(w, m) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	if wt&^tObj != 0 {
		return false
	}
	req := w.required()
	// Discriminator: a property the writer requires whose values n excludes.
	for _, pe := range n.props {
		if !req[pe.name] {
			continue
		}
		pw := newWriter(w.propSchemas(pe.name)...)
		if c.disjoint(pw, pe.n) {
			return true
		}
	}
	// n requires a property the writer forbids.
	for _, p := range n.required {
		if w.forbids(p) {
			return true
		}
	}
	return false
}

// hasNot reports whether a writer conjunct has a not.
func (w *writer) hasNot() bool {
	for _, l := range w.locals {
		if l.not != nil {
			return true
		}
	}
	return false
}

// requiresForbidden reports whether the writer requires a property it
// cannot produce: then no object is valid under it.
func (w *writer) requiresForbidden() bool {
	for _, l := range w.locals {
		for _, p := range l.required {
			if w.forbids(p) {
				return true
			}
		}
	}
	return false
}

func (w *writer) required() map[string]bool {
	req := map[string]bool{}
	for _, l := range w.locals {
		for _, p := range l.required {
			req[p] = true
		}
	}
	return req
}

// propSchemas returns the writer schemas constraining property name.
func (w *writer) propSchemas(name string) []*node {
	var out []*node
	for _, l := range w.locals {
		out = append(out, l.propSchemas(name)...)
	}
	return out
}

// propSchemas returns the schemas n applies to the value of property name.
func (n *node) propSchemas(name string) []*node {
	var out []*node
	if p, ok := n.propNode(name); ok {
		out = append(out, p)
	}
	for _, pp := range n.patterns {
		if pp.re.MatchString(name) {
			out = append(out, pp.n)
		}
	}
	if len(out) == 0 && n.addProps != nil {
		out = append(out, n.addProps)
	}
	return out
}

// forbids reports whether the writer cannot produce property name.
func (w *writer) forbids(name string) bool {
	for _, s := range w.propSchemas(name) {
		if d := deref(s); d != nil && d.isFalse() {
			return true
		}
	}
	return false
}

// --- numbers ---

func (c *checker) numeric(w *writer, r *node, wt uint8, path string) []compat.Finding {
	var out []compat.Finding
	intOnly := wt&tFrac == 0
	var wmin, wmax *bound
	var wmul []*big.Rat
	for _, l := range w.locals {
		wmin = tighterLower(wmin, l.min)
		wmax = tighterUpper(wmax, l.max)
		if l.multipleOf != nil {
			wmul = append(wmul, l.multipleOf)
		}
	}
	if r.min != nil && !lowerWithin(wmin, r.min, intOnly) {
		if wmin == nil {
			out = append(out, find(path, "min-increased",
				"the reader requires %s but the writer has no minimum", lowerText(r.min)))
		} else {
			out = append(out, find(path, "min-increased",
				"the reader requires %s but the writer allows %s", lowerText(r.min), lowerText(wmin)))
		}
	}
	if r.max != nil && !upperWithin(wmax, r.max, intOnly) {
		if wmax == nil {
			out = append(out, find(path, "max-decreased",
				"the reader requires %s but the writer has no maximum", upperText(r.max)))
		} else {
			out = append(out, find(path, "max-decreased",
				"the reader requires %s but the writer allows %s", upperText(r.max), upperText(wmax)))
		}
	}
	if r.multipleOf != nil {
		ok := intOnly && new(big.Rat).Inv(r.multipleOf).IsInt()
		for _, m := range wmul {
			if new(big.Rat).Quo(m, r.multipleOf).IsInt() {
				ok = true
			}
		}
		if !ok {
			if len(wmul) == 0 {
				out = append(out, find(path, "multiple-of-changed",
					"the reader requires multiples of %s but the writer does not", r.multipleOf.RatString()))
			} else {
				out = append(out, find(path, "multiple-of-changed",
					"the reader requires multiples of %s but the writer allows multiples of %s",
					r.multipleOf.RatString(), wmul[0].RatString()))
			}
		}
	}
	return out
}

// toIntLower turns a lower bound into an inclusive integer bound.
func toIntLower(b *bound) *big.Rat {
	v := new(big.Rat).Set(b.v)
	if v.IsInt() {
		if b.excl {
			v.Add(v, big.NewRat(1, 1))
		}
		return v
	}
	q := new(big.Int).Div(v.Num(), v.Denom()) // floor for positive denominators
	return new(big.Rat).SetInt(q.Add(q, big.NewInt(1)))
}

// toIntUpper turns an upper bound into an inclusive integer bound.
func toIntUpper(b *bound) *big.Rat {
	v := new(big.Rat).Set(b.v)
	if v.IsInt() {
		if b.excl {
			v.Sub(v, big.NewRat(1, 1))
		}
		return v
	}
	q := new(big.Int).Div(v.Num(), v.Denom())
	return new(big.Rat).SetInt(q)
}

// lowerWithin reports whether writer lower bound w implies reader bound r.
func lowerWithin(w, r *bound, intOnly bool) bool {
	if w == nil {
		return false
	}
	if intOnly {
		return toIntLower(w).Cmp(toIntLower(r)) >= 0
	}
	switch c := w.v.Cmp(r.v); {
	case c > 0:
		return true
	case c < 0:
		return false
	}
	return w.excl || !r.excl
}

// upperWithin reports whether writer upper bound w implies reader bound r.
func upperWithin(w, r *bound, intOnly bool) bool {
	if w == nil {
		return false
	}
	if intOnly {
		return toIntUpper(w).Cmp(toIntUpper(r)) <= 0
	}
	switch c := w.v.Cmp(r.v); {
	case c < 0:
		return true
	case c > 0:
		return false
	}
	return w.excl || !r.excl
}

func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.RatString()
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(12), "0"), ".")
}

func lowerText(b *bound) string {
	if b.excl {
		return "values greater than " + ratText(b.v)
	}
	return "values of at least " + ratText(b.v)
}

func upperText(b *bound) string {
	if b.excl {
		return "values less than " + ratText(b.v)
	}
	return "values of at most " + ratText(b.v)
}

// --- strings ---

func (c *checker) strings(w *writer, r *node, path string) []compat.Finding {
	var out []compat.Finding
	wmin, wmax := 0, -1
	var pats, fmts []string
	for _, l := range w.locals {
		if l.minLen != nil && *l.minLen > wmin {
			wmin = *l.minLen
		}
		if l.maxLen != nil && (wmax < 0 || *l.maxLen < wmax) {
			wmax = *l.maxLen
		}
		if l.pattern != nil {
			pats = append(pats, *l.pattern)
		}
		if l.format != nil {
			fmts = append(fmts, *l.format)
		}
	}
	if r.minLen != nil && *r.minLen > wmin {
		out = append(out, find(path, "min-length-increased",
			"the reader requires a minimum length of %d but the writer allows %d", *r.minLen, wmin))
	}
	if r.maxLen != nil && (wmax < 0 || wmax > *r.maxLen) {
		out = append(out, find(path, "max-length-decreased",
			"the reader allows a maximum length of %d but the writer allows %s", *r.maxLen, limitText(wmax)))
	}
	if r.pattern != nil && !containsString(pats, *r.pattern) {
		if len(pats) == 0 {
			out = append(out, find(path, "pattern-added",
				"the reader requires pattern %q but the writer has no pattern", *r.pattern))
		} else {
			out = append(out, find(path, "pattern-changed",
				"the reader requires pattern %q but the writer uses pattern %q", *r.pattern, pats[0]))
		}
	}
	if r.format != nil && !containsString(fmts, *r.format) {
		if len(fmts) == 0 {
			out = append(out, find(path, "format-added",
				"the reader requires format %q but the writer has no format", *r.format))
		} else {
			out = append(out, find(path, "format-changed",
				"the reader requires format %q but the writer uses format %q", *r.format, fmts[0]))
		}
	}
	return out
}

func limitText(n int) string {
	if n < 0 {
		return "any"
	}
	return strconv.Itoa(n)
}

// --- arrays ---

// itemSchema returns the schema n applies at index i (nil: anything).
func (n *node) itemSchema(i int) *node {
	if n.isTuple {
		if i < len(n.tuple) {
			return n.tuple[i]
		}
		return n.addItems
	}
	return n.items
}

func (c *checker) arrays(w *writer, r *node, path string) []compat.Finding {
	var out []compat.Finding
	wmin, wmax := 0, -1
	unique := false
	width := 0
	if r.isTuple {
		width = len(r.tuple)
	}
	for _, l := range w.locals {
		if l.minItems != nil && *l.minItems > wmin {
			wmin = *l.minItems
		}
		lmax := -1
		if l.maxItems != nil {
			lmax = *l.maxItems
		}
		if l.isTuple {
			if l.addItems.isFalse() && (lmax < 0 || len(l.tuple) < lmax) {
				lmax = len(l.tuple)
			}
			if len(l.tuple) > width {
				width = len(l.tuple)
			}
		}
		// An item schema false makes its index, and every later one,
		// impossible.
		for k := 0; k < len(l.tuple) || (k == 0 && !l.isTuple); k++ {
			if it := deref(l.itemSchema(k)); it.isFalse() {
				if lmax < 0 || k < lmax {
					lmax = k
				}
				break
			}
		}
		if lmax >= 0 && (wmax < 0 || lmax < wmax) {
			wmax = lmax
		}
		unique = unique || l.unique
	}
	if r.minItems != nil && *r.minItems > wmin {
		out = append(out, find(path, "min-items-increased",
			"the reader requires at least %d items but the writer allows %d", *r.minItems, wmin))
	}
	if r.maxItems != nil && (wmax < 0 || wmax > *r.maxItems) {
		out = append(out, find(path, "max-items-decreased",
			"the reader allows at most %d items but the writer allows %s", *r.maxItems, limitText(wmax)))
	}
	if r.unique && !unique && (wmax < 0 || wmax > 1) {
		out = append(out, find(path, "unique-items-added",
			"the reader requires unique items but the writer does not"))
	}
	for i := 0; i <= width; i++ {
		if wmax >= 0 && i >= wmax {
			break
		}
		rs := r.itemSchema(i)
		if rs == nil {
			continue
		}
		var ws []*node
		for _, l := range w.locals {
			if s := l.itemSchema(i); s != nil {
				ws = append(ws, s)
			}
		}
		p := path + "/items"
		switch {
		case r.isTuple && i < len(r.tuple):
			p = fmt.Sprintf("%s/items/%d", path, i)
		case r.isTuple:
			p = path + "/additionalItems"
		}
		if d := deref(rs); d.isFalse() {
			if !newWriter(ws...).empty {
				out = append(out, find(p, "additional-items-closed",
					"the reader allows at most %d items but the writer allows more", i))
			}
			continue
		}
		out = append(out, c.child(ws, rs, p)...)
	}
	if r.contains != nil {
		ok := false
		for _, l := range w.locals {
			if l.contains != nil && len(c.child([]*node{l.contains}, r.contains, path+"/contains")) == 0 {
				ok = true
				break
			}
		}
		if !ok && wmin >= 1 && width == 0 {
			var ws []*node
			for _, l := range w.locals {
				if s := l.itemSchema(0); s != nil {
					ws = append(ws, s)
				}
			}
			ok = len(c.child(ws, r.contains, path+"/contains")) == 0
		}
		if !ok {
			out = append(out, find(path+"/contains", "contains-added",
				"the reader requires an item matching its contains schema but the writer does not guarantee one"))
		}
	}
	return out
}

// --- objects ---

func (c *checker) objects(w *writer, r *node, path string) []compat.Finding {
	var out []compat.Finding
	req := w.required()
	for _, p := range r.required {
		switch {
		case req[p]:
		case w.forbids(p):
			out = append(out, find(path+"/properties/"+ptrEscape(p), "required-added-to-closed-model",
				"property %q is required by the reader but the writer's content model never allows it", p))
		default:
			out = append(out, find(path+"/properties/"+ptrEscape(p), "required-added",
				"property %q is required by the reader but optional in the writer", p))
		}
	}
	// Listed properties, in name order.
	if len(w.locals) == 1 {
		// Merge the two sorted lists. An entry both share (the same
		// name and node, as versions in a store share them) holds when
		// its node reads itself, as property would find.
		a, b := r.props, w.locals[0].props
		simple := len(w.disj) == 0 && len(r.patterns) == 0 && len(w.locals[0].patterns) == 0
		// A closed writer never writes what it does not list: a run of
		// properties only the reader lists is skipped at once.
		closed := simple && w.locals[0].addProps.isFalse()
		for len(a) > 0 || len(b) > 0 {
			if simple {
				// A run of entries both share.
				i := 0
				for i < len(a) && i < len(b) && a[i] == b[i] && a[i].self {
					i++
				}
				c.work += i
				a, b = a[i:], b[i:]
				if len(a) == 0 && len(b) == 0 {
					break
				}
			}
			if closed && len(a) > 0 && (len(b) == 0 || a[0].name < b[0].name) {
				j := len(a)
				if len(b) > 0 {
					j, _ = slices.BinarySearchFunc(a, b[0].name, func(p *prop, name string) int { return strings.Compare(p.name, name) })
				}
				c.work += j
				a = a[j:]
				continue
			}
			var rp, wp *prop
			switch {
			case len(a) > 0 && len(b) > 0 && a[0] == b[0]:
				if simple && readsItself(a[0].n) {
					c.work++
					a, b = a[1:], b[1:]
					continue
				}
				rp, wp, a, b = a[0], b[0], a[1:], b[1:]
			case len(b) == 0 || (len(a) > 0 && a[0].name < b[0].name):
				rp, a = a[0], a[1:]
			case len(a) == 0 || b[0].name < a[0].name:
				wp, b = b[0], b[1:]
			default:
				rp, wp, a, b = a[0], b[0], a[1:], b[1:]
			}
			c.work++
			out = append(out, c.propertyOf(w, r, rp, wp, path)...)
		}
	} else {
		names := map[string]bool{}
		for _, pe := range r.props {
			names[pe.name] = true
		}
		for _, l := range w.locals {
			for _, pe := range l.props {
				names[pe.name] = true
			}
		}
		sorted := make([]string, 0, len(names))
		for p := range names {
			sorted = append(sorted, p)
		}
		c.work += len(sorted)
		sort.Strings(sorted)
		for _, p := range sorted {
			out = append(out, c.property(w, r, p, path)...)
		}
	}
	out = append(out, c.unlisted(w, r, path)...)
	// Property counts.
	wmin, wmax := len(req), -1
	for _, l := range w.locals {
		if l.minProps != nil && *l.minProps > wmin {
			wmin = *l.minProps
		}
		lmax := -1
		if l.maxProps != nil {
			lmax = *l.maxProps
		}
		if l.addProps.isFalse() && len(l.patterns) == 0 && (lmax < 0 || len(l.props) < lmax) {
			lmax = len(l.props)
		}
		if lmax >= 0 && (wmax < 0 || lmax < wmax) {
			wmax = lmax
		}
	}
	if r.minProps != nil && *r.minProps > wmin {
		out = append(out, find(path, "min-properties-increased",
			"the reader requires at least %d properties but the writer allows %d", *r.minProps, wmin))
	}
	if r.maxProps != nil && (wmax < 0 || wmax > *r.maxProps) {
		out = append(out, find(path, "max-properties-decreased",
			"the reader allows at most %d properties but the writer allows %s", *r.maxProps, limitText(wmax)))
	}
	out = append(out, c.dependencies(w, r, req, path)...)
	if pn := deref(r.propNames); pn != nil && !(pn.isBool && pn.boolVal) {
		ok := wmax == 0 // no property, no name to check
		for _, l := range w.locals {
			if l.propNames != nil && len(c.child([]*node{l.propNames}, r.propNames, path+"/propertyNames")) == 0 {
				ok = true
				break
			}
			if l.addProps.isFalse() && len(l.patterns) == 0 {
				ok = true
				for _, pe := range l.props {
					rn := deref(r.propNames)
					if rn == nil || !rn.real {
						ok = false
						break
					}
					if accepted, known := c.validate(rn, pe.name); !accepted || !known {
						ok = false
						break
					}
				}
				if ok {
					break
				}
			}
		}
		if !ok {
			out = append(out, find(path+"/propertyNames", "property-names-added",
				"the reader restricts property names but the writer does not restrict them the same way"))
		}
	}
	return out
}

// property checks the value of listed property p.
func (c *checker) property(w *writer, r *node, p, path string) []compat.Finding {
	var rp, wp *prop
	if n, ok := r.propNode(p); ok {
		rp = &prop{name: p, n: n}
	}
	if len(w.locals) == 1 {
		if n, ok := w.locals[0].propNode(p); ok {
			wp = &prop{name: p, n: n}
		}
	}
	if rp == nil && wp == nil {
		wp = &prop{name: p} // listed by another writer conjunct
	}
	return c.propertyOf(w, r, rp, wp, path)
}

// propertyOf checks the value of a listed property: rp is the reader's
// entry for it (nil if the reader does not list it), wp the writer's when
// the writer is one conjunct (nil if it does not list it; when the writer
// has several, any entry of that name).
func (c *checker) propertyOf(w *writer, r *node, rp, wp *prop, path string) []compat.Finding {
	p := ""
	if rp != nil {
		p = rp.name
	} else {
		p = wp.name
	}
	listed := rp != nil
	if len(w.locals) == 1 && len(w.disj) == 0 && len(r.patterns) == 0 {
		// The common cases, without building writers: a property the
		// same on both sides, and one a closed writer never writes.
		l := w.locals[0]
		if len(l.patterns) == 0 {
			has := wp != nil
			switch {
			case listed && has && sameSubschema(wp.n, rp.n):
				return nil
			case !has && l.addProps.isFalse():
				return nil
			}
		}
	}
	ppath := path + "/properties/" + ptrEscape(p)
	ws := w.propSchemas(p)
	pw := newWriter(ws...)
	if pw.empty {
		return nil // the writer never produces p
	}
	var out []compat.Finding
	if listed {
		f := c.childW(pw, rp.n, ppath)
		if len(f) > 0 && len(ws) == 0 {
			out = append(out, find(ppath, "property-added-to-open-model",
				"property %q is constrained by the reader but the writer's open content model allows any value for it", p))
		} else {
			out = append(out, f...)
		}
	}
	matched := false
	for _, pp := range r.patterns {
		if !pp.re.MatchString(p) {
			continue
		}
		matched = true
		out = append(out, c.childW(pw, pp.n, path+"/patternProperties/"+ptrEscape(pp.src))...)
	}
	if listed || matched || r.addProps == nil {
		return out
	}
	if r.addProps.isFalse() {
		return append(out, find(ppath, "property-removed-from-closed-model",
			"property %q is allowed by the writer but the reader's closed content model does not allow it", p))
	}
	return append(out, c.childW(pw, r.addProps, ppath)...)
}

// sameSubschema reports whether w and r are the same subschema without
// $ref, of the same draft: every document one accepts the other does (the
// shortcut check takes for a single writer conjunct).
func sameSubschema(w, r *node) bool {
	if w == r {
		return readsItself(w)
	}
	return w.real && w.pure && r.pure && w.draft == r.draft && w.raw && r.raw && w.sum == r.sum
}

// readsItself reports whether sameSubschema holds for n and itself.
func readsItself(n *node) bool { return n.real && n.pure && n.raw }

// unlisted checks names that no side lists, against the reader's
// patternProperties and additionalProperties.
func (c *checker) unlisted(w *writer, r *node, path string) []compat.Finding {
	var out []compat.Finding
	rpats := map[string]bool{}
	for _, pp := range r.patterns {
		rpats[pp.src] = true
	}
	locals := w.locals
	if len(locals) == 0 {
		locals = []*node{{types: tAll}}
	}
	// cases returns the schemas that may bound an unlisted name for one
	// writer conjunct; nil entries mean "anything".
	cases := func(l *node, pat string) []*node {
		if pat != "" {
			for _, pp := range l.patterns {
				if pp.src == pat {
					return []*node{pp.n}
				}
			}
		}
		cs := []*node{l.addProps}
		for _, pp := range l.patterns {
			if pat == "" && rpats[pp.src] {
				continue // names matching it are not additional for the reader
			}
			cs = append(cs, pp.n)
		}
		return cs
	}
	covered := func(pat string, target *node, p string) []compat.Finding {
		var first []compat.Finding
		for _, l := range locals {
			var fs []compat.Finding
			for _, cs := range cases(l, pat) {
				var ws []*node
				if cs != nil {
					ws = []*node{cs}
				}
				fs = append(fs, c.child(ws, target, p)...)
			}
			if len(fs) == 0 {
				return nil
			}
			if first == nil {
				first = fs
			}
		}
		return first
	}
	for _, pp := range r.patterns {
		p := path + "/patternProperties/" + ptrEscape(pp.src)
		if f := covered(pp.src, pp.n, p); len(f) > 0 {
			out = append(out, find(p, "pattern-property-added",
				"properties matching %q are constrained by the reader but the writer does not constrain them the same way", pp.src))
		}
	}
	if r.addProps != nil {
		p := path + "/additionalProperties"
		if f := covered("", r.addProps, p); len(f) > 0 {
			if r.addProps.isFalse() {
				out = append(out, find(p, "additional-properties-closed",
					"the reader does not allow additional properties but the writer does"))
			} else {
				out = append(out, f...)
			}
		}
	}
	return out
}

func (c *checker) dependencies(w *writer, r *node, req map[string]bool, path string) []compat.Finding {
	var out []compat.Finding
	keys := make([]string, 0, len(r.deps))
	for k := range r.deps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, p := range keys {
		d := r.deps[p]
		if w.forbids(p) {
			continue
		}
		dpath := path + "/dependencies/" + ptrEscape(p)
		if d.schema != nil {
			ok := len(c.check(&writer{locals: w.locals}, d.schema, dpath)) == 0
			for _, l := range w.locals {
				if ok {
					break
				}
				if ld, has := l.deps[p]; has && ld.schema != nil {
					ok = len(c.sub([]*node{ld.schema}, d.schema, dpath)) == 0
				}
			}
			if !ok {
				out = append(out, find(dpath, "dependency-added",
					"the reader adds a schema dependency on property %q that the writer does not guarantee", p))
			}
			continue
		}
		for _, q := range d.names {
			ok := req[q]
			for _, l := range w.locals {
				if ld, has := l.deps[p]; has && containsString(ld.names, q) {
					ok = true
				}
			}
			if !ok {
				out = append(out, find(dpath, "dependency-added",
					"the reader requires property %q when %q is present but the writer does not", q, p))
			}
		}
	}
	return out
}

// --- values ---

func valueType(v any) uint8 {
	switch x := v.(type) {
	case nil:
		return tNull
	case bool:
		return tBool
	case map[string]any:
		return tObj
	case []any:
		return tArr
	case string:
		return tStr
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(x)); ok && r.IsInt() {
			return tInt
		}
		return tFrac
	}
	return tAll
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func jsonText(v any) string {
	s, err := canonicalJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
