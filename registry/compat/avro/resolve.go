package avro

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// Rule ids reported in compat.Finding.Rule.
const (
	// RuleTypeMismatch: the writer's type cannot be read as the reader's
	// type, not even through a promotion.
	RuleTypeMismatch = "type-mismatch"
	// RuleNameMismatch: reader and writer record, enum or fixed have
	// different unqualified names and no reader alias names the writer's.
	RuleNameMismatch = "name-mismatch"
	// RuleReaderFieldMissingDefault: a reader field has no writer field (by
	// name or reader alias) and no default.
	RuleReaderFieldMissingDefault = "reader-field-missing-default"
	// RuleReaderFieldAmbiguous: a reader field's name and aliases match more
	// than one writer field.
	RuleReaderFieldAmbiguous = "reader-field-ambiguous"
	// RuleEnumSymbolMissing: the writer's enum has symbols the reader's
	// lacks, and the reader's enum has no default symbol.
	RuleEnumSymbolMissing = "enum-symbol-missing"
	// RuleFixedSizeMismatch: reader and writer fixed differ in size.
	RuleFixedSizeMismatch = "fixed-size-mismatch"
	// RuleUnionBranchUnreadable: a branch of the writer's union cannot be
	// read with the reader's schema.
	RuleUnionBranchUnreadable = "union-branch-unreadable"
	// RuleNoUnionBranchMatches: no branch of the reader's union can read the
	// writer's (non-union) schema.
	RuleNoUnionBranchMatches = "no-union-branch-matches"
	// RuleSchemaTooComplex: the check gave up after too many steps; the pair
	// is treated as incompatible.
	RuleSchemaTooComplex = "schema-too-complex"
	// RuleNotAvroSchema: CanRead was given a schema this format did not parse.
	RuleNotAvroSchema = "not-avro-schema"
)

const (
	// maxFindings bounds the findings one CanRead returns.
	maxFindings = 200
	// maxSteps bounds the work of one CanRead, in steps: a schema pair
	// visited costs one, plus one per 64 bytes of its path, and reusing a
	// memoised record pair one per finding re-rooted. The largest realistic
	// schemas (a 1,700-column table, an event model of 560 records) take
	// under 5,000; this keeps a check near 15 MB and 50 ms.
	maxSteps = 1 << 17
	// noLow marks a result that depends on no in-progress record pair.
	noLow = math.MaxInt
	// maxDescribedBranches bounds the branches a message lists of a union.
	maxDescribedBranches = 16
)

// CanRead reports whether data written with writer can be read with reader,
// following the Avro specification's schema-resolution rules and deciding as
// Apache Avro Java's SchemaCompatibility does:
//
//   - Promotions: int to long, float or double; long to float or double;
//     float to double; string to bytes and bytes to string. Nothing else
//     (long to int is a type-mismatch).
//   - Records, enums and fixed match when their unqualified names are equal
//     or a reader alias equals the writer's full name. Namespaces alone never
//     make a pair incompatible.
//   - Reader fields are matched to writer fields by name or by the reader
//     field's aliases. Writer fields the reader lacks are skipped; a reader
//     field the writer lacks needs a default.
//   - A writer enum symbol the reader lacks is an error unless the reader's
//     enum declares a default symbol (Avro 1.9+).
//   - Fixed must agree in size.
//   - Writer union: every branch must be readable by the reader. Reader
//     union with a non-union writer: some branch must read the writer (any
//     branch, as Avro Java checks, not only the first matching one).
//   - Logical types are ignored and only their underlying types resolved, as
//     Avro Java's SchemaCompatibility does: decimal precision or scale
//     changes, and timestamp-millis against timestamp-micros, are compatible.
//   - Recursive types: a record pair already being checked is assumed
//     compatible when met again, so recursion terminates.
//
// Finding paths start with the reader's top-level type (its unqualified name
// when named, else its type keyword), then ".field" for each record field
// (the reader's field name), "[]" for array items and "{}" for map values;
// union branches add no segment, their messages name the branch instead.
// E.g. "Order.items[].price".
func (Format) CanRead(reader, writer compat.Schema) []compat.Finding {
	r, rs := graphOf(reader)
	w, ws := graphOf(writer)
	if r == nil || w == nil {
		return []compat.Finding{{
			Path:    "",
			Rule:    RuleNotAvroSchema,
			Message: "the reader or the writer schema was not parsed by the AVRO format",
		}}
	}
	var shared *pairMemo
	if rs != nil && rs == ws {
		shared = &rs.memo
	}
	return canRead(r, w, maxSteps, shared)
}

// graphOf returns the node graph of a parsed or compact schema, and the
// store of a compact one.
func graphOf(s compat.Schema) (*node, *store) {
	switch t := s.(type) {
	case *Schema:
		if t == nil || (t.parsed == nil && t.definition == "") {
			return nil, nil
		}
		return t.graph(), nil
	case *compactSchema:
		if t == nil {
			return nil, nil
		}
		return t.root, t.store
	}
	return nil, nil
}

// canRead runs one check with the given step budget; shared, when set,
// holds the results of closed record pairs across checks.
func canRead(r, w *node, budget int, shared *pairMemo) []compat.Finding {
	c := &checker{shared: shared, budget: budget}
	out, _ := c.check(r, w, rootLabel(r), 0)
	if c.exhausted {
		// One finding at the root replaces those at every abandoned branch.
		out = slices.DeleteFunc(out, func(f compat.Finding) bool { return f.Rule == RuleSchemaTooComplex })
		out = append([]compat.Finding{tooComplex(rootLabel(r))}, out...)
	}
	if len(out) > maxFindings {
		out = out[:maxFindings]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

type pairKey struct{ reader, writer string }

// candidates returns, in order, the indexes of the branches of ru that may
// read w (w is not a union): a named branch of w's kind whose name or
// alias matches w's (the rule nameFinding applies), an array or map for an
// array or map, and a primitive branch w's type is promotable to. Every
// other branch fails on the type or the name alone.
func candidates(ru, w *node) []int {
	idx := ru.index
	branches := ru.branches
	var out []int
	if w.named() {
		for _, i := range append(idx.named["n:"+w.name], idx.named["a:"+w.full]...) {
			if branches[i].typ == w.typ && !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, i := range idx.unnamed {
		b := branches[i]
		switch b.typ {
		case hamba.Array, hamba.Map:
			if b.typ == w.typ {
				out = append(out, i)
			}
		default:
			if promotable(w.typ, b.typ) {
				out = append(out, i)
			}
		}
	}
	return out
}

// memoEntry is the result of a record pair, with the path it was computed
// at so it can be re-rooted. A provisional entry (dep != noLow) assumed the
// record pair being checked at depth dep compatible; it stays valid only
// while that same check (frame) is still in progress.
type memoEntry struct {
	base     string
	findings []compat.Finding
	dep      int
	frame    int
}

// checker walks one reader/writer pair. inProgress holds the record pairs on
// the current walk with their depth, frames the id of the record check at
// each depth, memo the results of record pairs, shared those of closed
// record pairs across checks.
type checker struct {
	inProgress map[pairKey]int
	frames     []int
	nextFrame  int
	memo       map[pairKey]memoEntry
	shared     *pairMemo
	steps      int
	budget     int
	exhausted  bool
}

// valid reports whether a memoised result may be reused now.
func (c *checker) valid(m memoEntry) bool {
	return m.dep == noLow || (m.dep < len(c.frames) && c.frames[m.dep] == m.frame)
}

// check returns the findings for reading w as r at path, and the lowest
// depth of an in-progress record pair the result relied on (noLow if none).
func (c *checker) check(r, w *node, path string, depth int) ([]compat.Finding, int) {
	if identical(r, w) {
		// A type reads itself: nothing to walk.
		return nil, noLow
	}
	c.steps += 1 + len(path)/64
	if c.steps > c.budget {
		c.exhausted = true
		return []compat.Finding{tooComplex(path)}, noLow
	}

	if w.typ == hamba.Union {
		return c.writerUnion(r, w, path, depth)
	}
	if r.typ == hamba.Union {
		matched, detail, low := c.readerUnion(r, w, path, depth)
		if matched {
			return nil, low
		}
		f := compat.Finding{
			Path: path,
			Rule: RuleNoUnionBranchMatches,
			Message: fmt.Sprintf("no branch of the reader's %s can read the writer's %s",
				describe(r, 2), describe(w, 2)),
		}
		return append([]compat.Finding{f}, detail...), low
	}

	switch r.typ {
	case hamba.Record, hamba.Enum, hamba.Fixed, hamba.Array, hamba.Map:
		if w.typ != r.typ {
			return []compat.Finding{typeMismatch(r, w, path)}, noLow
		}
	}
	switch r.typ {
	case hamba.Record:
		return c.record(r, w, path, depth)
	case hamba.Enum:
		return enumFindings(r, w, path), noLow
	case hamba.Fixed:
		return fixedFindings(r, w, path), noLow
	case hamba.Array:
		return c.check(r.items, w.items, path+"[]", depth)
	case hamba.Map:
		return c.check(r.items, w.items, path+"{}", depth)
	}
	if promotable(w.typ, r.typ) {
		return nil, noLow
	}
	return []compat.Finding{typeMismatch(r, w, path)}, noLow
}

// writerUnion requires every writer branch to be readable by r.
func (c *checker) writerUnion(r, wu *node, path string, depth int) ([]compat.Finding, int) {
	var out []compat.Finding
	low := noLow
	readerIsUnion := r.typ == hamba.Union
	for i, branch := range wu.branches {
		if len(out) >= maxFindings {
			break // the pair is incompatible; more findings add nothing
		}
		var detail []compat.Finding
		var l int
		if readerIsUnion {
			var matched bool
			matched, detail, l = c.readerUnion(r, branch, path, depth)
			low = min(low, l)
			if matched {
				continue
			}
		} else {
			detail, l = c.check(r, branch, path, depth)
			low = min(low, l)
			if len(detail) == 0 {
				continue
			}
		}
		out = append(out, compat.Finding{
			Path: path,
			Rule: RuleUnionBranchUnreadable,
			Message: fmt.Sprintf("branch %d (%s) of the writer's %s cannot be read as the reader's %s",
				i, describe(branch, 1), describe(wu, 2), describe(r, 2)),
		})
		out = append(out, detail...)
	}
	return out, low
}

// readerUnion reports whether some branch of ru reads w. When none does, the
// findings of the closest branch (same kind and name) explain why.
//
// Only the branches that may read w are checked (see candidates): the
// others fail whatever their content, so checking them would change no
// result but cost a check per pair of branches, which for two unions of
// hundreds of records is hundreds of thousands.
func (c *checker) readerUnion(ru, w *node, path string, depth int) (bool, []compat.Finding, int) {
	low := noLow
	var closest []compat.Finding
	for _, i := range candidates(ru, w) {
		branch := ru.branches[i]
		fs, l := c.check(branch, w, path, depth)
		low = min(low, l)
		if len(fs) == 0 {
			return true, nil, low
		}
		if closest == nil && sameKind(branch, w) {
			closest = fs
		}
	}
	return false, closest, low
}

// record checks a record pair, guarding recursion with the pair of full names.
func (c *checker) record(r, w *node, path string, depth int) ([]compat.Finding, int) {
	key := pairKey{reader: r.full, writer: w.full}
	if d, ok := c.inProgress[key]; ok {
		// Recursion: assume compatible; the outer check decides.
		return nil, d
	}
	if m, ok := c.memo[key]; ok && c.valid(m) {
		c.steps += len(m.findings)
		return reroot(m.findings, m.base, path), m.dep
	}
	sharable := c.shared != nil && r.closed && w.closed
	if sharable {
		if m, ok := c.shared.get(r, w); ok {
			c.steps += len(m.findings)
			return reroot(m.findings, m.base, path), noLow
		}
	}
	// The pair is marked in progress only once a field needs a check of
	// its own: only those can lead back to it.
	entered := false
	enter := func() {
		if entered {
			return
		}
		entered = true
		if c.inProgress == nil {
			c.inProgress = map[pairKey]int{}
		}
		c.inProgress[key] = depth
		c.nextFrame++
		c.frames = append(c.frames[:depth], c.nextFrame)
	}
	defer func() {
		if entered {
			delete(c.inProgress, key)
			c.frames = c.frames[:depth]
		}
	}()

	var out []compat.Finding
	if f, bad := nameFinding(r, w, "record", path); bad {
		out = append(out, f)
	}
	low := noLow

	// The fields both records share at the same positions, same in every
	// respect, read themselves: the usual evolution (fields appended) then
	// costs one comparison per shared field. Without reader aliases, a
	// reader field matches only the writer field of its name, so the
	// fields after a common prefix that covers the whole writer are
	// missing from it.
	rf, wf := r.fields, w.fields
	same := 0
	if !r.fieldAliases {
		for same < min(len(rf), len(wf)) && sameField(rf[same], wf[same]) && rf[same].typ.clean {
			same++
		}
		if same == len(wf) && r.lastRequired < same {
			// Every reader field after the prefix has a default.
			rf = nil
		}
	}
	var writerFields map[string]*fieldNode
	lookup := func(name string) *fieldNode {
		if writerFields == nil {
			writerFields = make(map[string]*fieldNode, len(wf)-same)
			for _, f := range wf[same:] {
				writerFields[f.name] = f
			}
		}
		return writerFields[name]
	}
	for i := same; i < len(rf); i++ {
		f := rf[i]
		var matches []*fieldNode
		if r.fieldAliases || same < len(wf) {
			matches = matchingWriterFields(f, lookup)
		}
		switch len(matches) {
		case 0:
			if !f.hasDefault {
				out = append(out, compat.Finding{
					Path: path + "." + f.name,
					Rule: RuleReaderFieldMissingDefault,
					Message: fmt.Sprintf("field %q (%s) is in the reader schema but not in the writer's, and has no default",
						f.name, describe(f.typ, 1)),
				})
			}
		case 1:
			if identical(f.typ, matches[0].typ) {
				continue
			}
			enter()
			fs, l := c.check(f.typ, matches[0].typ, path+"."+f.name, depth+1)
			low = min(low, l)
			out = append(out, fs...)
		default:
			names := make([]string, len(matches))
			for i, m := range matches {
				names[i] = fmt.Sprintf("%q", m.name)
			}
			out = append(out, compat.Finding{
				Path: path + "." + f.name,
				Rule: RuleReaderFieldAmbiguous,
				Message: fmt.Sprintf("field %q of the reader matches more than one field of the writer through its name and aliases (%s)",
					f.name, strings.Join(names, ", ")),
			})
		}
		if len(out) > maxFindings {
			break
		}
	}
	if low >= depth {
		// Final: no dependence on a record pair still being checked higher up.
		low = noLow
	}
	if !c.exhausted {
		entry := memoEntry{base: path, findings: out, dep: low}
		if low != noLow {
			entry.frame = c.frames[low]
		}
		if depth > 0 || entered {
			// The root pair with no field checked cannot be met again.
			if c.memo == nil {
				c.memo = map[pairKey]memoEntry{}
			}
			c.memo[key] = entry
		}
		if sharable && low == noLow {
			c.shared.put(r, w, entry)
		}
	}
	return out, low
}

// matchingWriterFields returns the writer fields named like the reader field
// or like one of its aliases, without duplicates, in lookup order.
func matchingWriterFields(rf *fieldNode, lookup func(string) *fieldNode) []*fieldNode {
	var out []*fieldNode
	if wf := lookup(rf.name); wf != nil {
		out = append(out, wf)
	}
	for _, alias := range rf.aliases {
		if wf := lookup(alias); wf != nil && !slices.Contains(out, wf) {
			out = append(out, wf)
		}
	}
	return out
}

func enumFindings(r, w *node, path string) []compat.Finding {
	var out []compat.Finding
	if f, bad := nameFinding(r, w, "enum", path); bad {
		out = append(out, f)
	}
	if r.enumDefault {
		return out
	}
	var missing []string
	for _, s := range w.symbols {
		if !slices.Contains(r.symbols, s) {
			missing = append(missing, fmt.Sprintf("%q", s))
		}
	}
	if len(missing) == 0 {
		return out
	}
	sort.Strings(missing)
	noun := "symbol"
	if len(missing) > 1 {
		noun = "symbols"
	}
	return append(out, compat.Finding{
		Path: path,
		Rule: RuleEnumSymbolMissing,
		Message: fmt.Sprintf("the writer's enum %q has %s %s that the reader's enum %q lacks, and the reader's enum has no default symbol",
			w.full, noun, strings.Join(missing, ", "), r.full),
	})
}

func fixedFindings(r, w *node, path string) []compat.Finding {
	var out []compat.Finding
	if f, bad := nameFinding(r, w, "fixed", path); bad {
		out = append(out, f)
	}
	if r.size != w.size {
		out = append(out, compat.Finding{
			Path: path,
			Rule: RuleFixedSizeMismatch,
			Message: fmt.Sprintf("the reader's fixed %q is %d bytes but the writer's fixed %q is %d bytes",
				r.full, r.size, w.full, w.size),
		})
	}
	return out
}

// nameFinding applies Avro Java's name rule: equal unqualified names, or a
// reader alias equal to the writer's full name.
func nameFinding(r, w *node, kind, path string) (compat.Finding, bool) {
	if namesMatch(r, w) {
		return compat.Finding{}, false
	}
	return compat.Finding{
		Path: path,
		Rule: RuleNameMismatch,
		Message: fmt.Sprintf("the reader's %s %q and the writer's %s %q have different names, and the reader has no alias %q",
			kind, r.full, kind, w.full, w.full),
	}, true
}

func namesMatch(r, w *node) bool {
	return r.name == w.name || slices.Contains(r.aliases, w.full)
}

// promotable reports whether a value of the writer's primitive type can be
// read as the reader's.
func promotable(writer, reader hamba.Type) bool {
	if writer == reader {
		return true
	}
	switch reader {
	case hamba.Long:
		return writer == hamba.Int
	case hamba.Float:
		return writer == hamba.Int || writer == hamba.Long
	case hamba.Double:
		return writer == hamba.Int || writer == hamba.Long || writer == hamba.Float
	case hamba.String:
		return writer == hamba.Bytes
	case hamba.Bytes:
		return writer == hamba.String
	}
	return false
}

func tooComplex(path string) compat.Finding {
	return compat.Finding{
		Path:    path,
		Rule:    RuleSchemaTooComplex,
		Message: "the reader and writer schemas are too large or too deeply recursive to compare, so the reader is not assumed to read the writer",
	}
}

func typeMismatch(r, w *node, path string) compat.Finding {
	msg := fmt.Sprintf("the writer's %s cannot be read as the reader's %s", describe(w, 2), describe(r, 2))
	if promotionFamily(r.typ) && promotionFamily(w.typ) {
		msg += fmt.Sprintf("; Avro does not promote %s to %s", w.typ, r.typ)
	}
	return compat.Finding{Path: path, Rule: RuleTypeMismatch, Message: msg}
}

// promotionFamily reports whether t takes part in some Avro promotion.
func promotionFamily(t hamba.Type) bool {
	switch t {
	case hamba.Int, hamba.Long, hamba.Float, hamba.Double, hamba.Bytes, hamba.String:
		return true
	}
	return false
}

// sameKind reports whether a reader union branch is the one a developer
// would expect to read w: the same named type or the same complex type.
func sameKind(branch, w *node) bool {
	if branch.typ != w.typ {
		return false
	}
	if branch.named() {
		return w.named() && namesMatch(branch, w)
	}
	return branch.typ == hamba.Array || branch.typ == hamba.Map
}

// reroot moves memoised findings computed at base to path.
func reroot(fs []compat.Finding, base, path string) []compat.Finding {
	if len(fs) == 0 {
		return nil
	}
	out := make([]compat.Finding, len(fs))
	for i, f := range fs {
		if base != path && strings.HasPrefix(f.Path, base) {
			f.Path = path + f.Path[len(base):]
		}
		out[i] = f
	}
	return out
}

func deref(s hamba.Schema) hamba.Schema {
	for {
		ref, ok := s.(*hamba.RefSchema)
		if !ok {
			return s
		}
		s = ref.Schema()
	}
}

// rootLabel names the top of every finding path.
func rootLabel(n *node) string {
	if n.named() {
		return n.name
	}
	return string(n.typ)
}

// describe names a schema for messages, e.g. `record "shop.Order"`,
// "long (timestamp-millis)", "array of string", "union [null, string]".
func describe(n *node, depth int) string {
	switch n.typ {
	case hamba.Record:
		return fmt.Sprintf("record %q", n.full)
	case hamba.Enum:
		return fmt.Sprintf("enum %q", n.full)
	case hamba.Fixed:
		d := fmt.Sprintf("fixed %q (%d bytes", n.full, n.size)
		if n.logical != "" {
			d += ", " + n.logical
		}
		return d + ")"
	case hamba.Array:
		if depth <= 0 {
			return "array"
		}
		return "array of " + describe(n.items, depth-1)
	case hamba.Map:
		if depth <= 0 {
			return "map"
		}
		return "map of " + describe(n.items, depth-1)
	case hamba.Union:
		if depth <= 0 {
			return "union"
		}
		parts := make([]string, 0, min(len(n.branches), maxDescribedBranches+1))
		for i, b := range n.branches {
			if i == maxDescribedBranches {
				parts = append(parts, fmt.Sprintf("... %d more", len(n.branches)-i))
				break
			}
			parts = append(parts, shortName(b))
		}
		return "union [" + strings.Join(parts, ", ") + "]"
	}
	if n.logical != "" {
		return fmt.Sprintf("%s (%s)", n.typ, n.logical)
	}
	return string(n.typ)
}

// shortName names a union branch: its full name when named, else its type.
func shortName(n *node) string {
	if n.named() {
		return n.full
	}
	return string(n.typ)
}
