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
	r, rok := reader.(*Schema)
	w, wok := writer.(*Schema)
	if !rok || !wok || r == nil || w == nil || r.parsed == nil || w.parsed == nil {
		return []compat.Finding{{
			Path:    "",
			Rule:    RuleNotAvroSchema,
			Message: "the reader or the writer schema was not parsed by the AVRO format",
		}}
	}
	return canRead(r, w, maxSteps)
}

// canRead runs one check with the given step budget.
func canRead(r, w *Schema, budget int) []compat.Finding {
	c := &checker{
		unions:     map[*hamba.UnionSchema]*unionIndex{},
		inProgress: map[pairKey]int{},
		memo:       map[pairKey]memoEntry{},
		budget:     budget,
	}
	root := deref(r.parsed)
	out, _ := c.check(root, deref(w.parsed), rootLabel(root), 0)
	if c.exhausted {
		// One finding at the root replaces those at every abandoned branch.
		out = slices.DeleteFunc(out, func(f compat.Finding) bool { return f.Rule == RuleSchemaTooComplex })
		out = append([]compat.Finding{tooComplex(rootLabel(root))}, out...)
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

// unionIndex locates the branches of a reader union: named ones by
// unqualified name ("n:" key) and by alias ("a:" key, a full name), the
// others in order.
type unionIndex struct {
	named   map[string][]int
	unnamed []int
}

// candidates returns, in order, the indexes of the branches of ru that may
// read w (w is not a union): a named branch of w's kind whose name or
// alias matches w's (the rule nameFinding applies), an array or map for an
// array or map, and a primitive branch w's type is promotable to. Every
// other branch fails on the type or the name alone.
func (c *checker) candidates(ru *hamba.UnionSchema, w hamba.Schema) []int {
	idx, ok := c.unions[ru]
	if !ok {
		idx = &unionIndex{named: map[string][]int{}}
		for i, b := range ru.Types() {
			if n, ok := deref(b).(hamba.NamedSchema); ok {
				idx.named["n:"+n.Name()] = append(idx.named["n:"+n.Name()], i)
				for _, a := range n.Aliases() {
					idx.named["a:"+a] = append(idx.named["a:"+a], i)
				}
				continue
			}
			idx.unnamed = append(idx.unnamed, i)
		}
		c.unions[ru] = idx
	}
	branches := ru.Types()
	var out []int
	if wn, ok := w.(hamba.NamedSchema); ok {
		for _, i := range append(idx.named["n:"+wn.Name()], idx.named["a:"+wn.FullName()]...) {
			if deref(branches[i]).Type() == w.Type() && !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, i := range idx.unnamed {
		b := deref(branches[i])
		switch b.Type() {
		case hamba.Array, hamba.Map:
			if b.Type() == w.Type() {
				out = append(out, i)
			}
		default:
			if promotable(w.Type(), b.Type()) {
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
// each depth, memo the results of record pairs.
type checker struct {
	unions     map[*hamba.UnionSchema]*unionIndex
	inProgress map[pairKey]int
	frames     []int
	nextFrame  int
	memo       map[pairKey]memoEntry
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
func (c *checker) check(r, w hamba.Schema, path string, depth int) ([]compat.Finding, int) {
	c.steps += 1 + len(path)/64
	if c.steps > c.budget {
		c.exhausted = true
		return []compat.Finding{tooComplex(path)}, noLow
	}
	r, w = deref(r), deref(w)

	if wu, ok := w.(*hamba.UnionSchema); ok {
		return c.writerUnion(r, wu, path, depth)
	}
	if ru, ok := r.(*hamba.UnionSchema); ok {
		matched, detail, low := c.readerUnion(ru, w, path, depth)
		if matched {
			return nil, low
		}
		f := compat.Finding{
			Path: path,
			Rule: RuleNoUnionBranchMatches,
			Message: fmt.Sprintf("no branch of the reader's %s can read the writer's %s",
				describe(ru, 2), describe(w, 2)),
		}
		return append([]compat.Finding{f}, detail...), low
	}

	switch rs := r.(type) {
	case *hamba.RecordSchema:
		ws, ok := w.(*hamba.RecordSchema)
		if !ok {
			return []compat.Finding{typeMismatch(r, w, path)}, noLow
		}
		return c.record(rs, ws, path, depth)
	case *hamba.EnumSchema:
		ws, ok := w.(*hamba.EnumSchema)
		if !ok {
			return []compat.Finding{typeMismatch(r, w, path)}, noLow
		}
		return enumFindings(rs, ws, path), noLow
	case *hamba.FixedSchema:
		ws, ok := w.(*hamba.FixedSchema)
		if !ok {
			return []compat.Finding{typeMismatch(r, w, path)}, noLow
		}
		return fixedFindings(rs, ws, path), noLow
	case *hamba.ArraySchema:
		ws, ok := w.(*hamba.ArraySchema)
		if !ok {
			return []compat.Finding{typeMismatch(r, w, path)}, noLow
		}
		return c.check(rs.Items(), ws.Items(), path+"[]", depth)
	case *hamba.MapSchema:
		ws, ok := w.(*hamba.MapSchema)
		if !ok {
			return []compat.Finding{typeMismatch(r, w, path)}, noLow
		}
		return c.check(rs.Values(), ws.Values(), path+"{}", depth)
	}
	if promotable(w.Type(), r.Type()) {
		return nil, noLow
	}
	return []compat.Finding{typeMismatch(r, w, path)}, noLow
}

// writerUnion requires every writer branch to be readable by r.
func (c *checker) writerUnion(r hamba.Schema, wu *hamba.UnionSchema, path string, depth int) ([]compat.Finding, int) {
	var out []compat.Finding
	low := noLow
	ru, readerIsUnion := r.(*hamba.UnionSchema)
	for i, branch := range wu.Types() {
		if len(out) >= maxFindings {
			break // the pair is incompatible; more findings add nothing
		}
		branch = deref(branch)
		var detail []compat.Finding
		var l int
		if readerIsUnion {
			var matched bool
			matched, detail, l = c.readerUnion(ru, branch, path, depth)
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
func (c *checker) readerUnion(ru *hamba.UnionSchema, w hamba.Schema, path string, depth int) (bool, []compat.Finding, int) {
	low := noLow
	var closest []compat.Finding
	branches := ru.Types()
	for _, i := range c.candidates(ru, w) {
		branch := deref(branches[i])
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
func (c *checker) record(r, w *hamba.RecordSchema, path string, depth int) ([]compat.Finding, int) {
	key := pairKey{reader: r.FullName(), writer: w.FullName()}
	if d, ok := c.inProgress[key]; ok {
		// Recursion: assume compatible; the outer check decides.
		return nil, d
	}
	if m, ok := c.memo[key]; ok && c.valid(m) {
		c.steps += len(m.findings)
		return reroot(m.findings, m.base, path), m.dep
	}
	c.inProgress[key] = depth
	c.nextFrame++
	c.frames = append(c.frames[:depth], c.nextFrame)
	defer func() {
		delete(c.inProgress, key)
		c.frames = c.frames[:depth]
	}()

	var out []compat.Finding
	if f, bad := nameFinding(r, w, "record", path); bad {
		out = append(out, f)
	}
	low := noLow
	writerFields := make(map[string]*hamba.Field, len(w.Fields()))
	for _, wf := range w.Fields() {
		writerFields[wf.Name()] = wf
	}
	for _, rf := range r.Fields() {
		fieldPath := path + "." + rf.Name()
		matches := matchingWriterFields(rf, writerFields)
		switch len(matches) {
		case 0:
			if !rf.HasDefault() {
				out = append(out, compat.Finding{
					Path: fieldPath,
					Rule: RuleReaderFieldMissingDefault,
					Message: fmt.Sprintf("field %q (%s) is in the reader schema but not in the writer's, and has no default",
						rf.Name(), describe(rf.Type(), 1)),
				})
			}
		case 1:
			fs, l := c.check(rf.Type(), matches[0].Type(), fieldPath, depth+1)
			low = min(low, l)
			out = append(out, fs...)
		default:
			names := make([]string, len(matches))
			for i, m := range matches {
				names[i] = fmt.Sprintf("%q", m.Name())
			}
			out = append(out, compat.Finding{
				Path: fieldPath,
				Rule: RuleReaderFieldAmbiguous,
				Message: fmt.Sprintf("field %q of the reader matches more than one field of the writer through its name and aliases (%s)",
					rf.Name(), strings.Join(names, ", ")),
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
		c.memo[key] = entry
	}
	return out, low
}

// matchingWriterFields returns the writer fields named like the reader field
// or like one of its aliases, without duplicates, in lookup order.
func matchingWriterFields(rf *hamba.Field, writerFields map[string]*hamba.Field) []*hamba.Field {
	var out []*hamba.Field
	if wf, ok := writerFields[rf.Name()]; ok {
		out = append(out, wf)
	}
	for _, alias := range rf.Aliases() {
		if wf, ok := writerFields[alias]; ok && !slices.Contains(out, wf) {
			out = append(out, wf)
		}
	}
	return out
}

func enumFindings(r, w *hamba.EnumSchema, path string) []compat.Finding {
	var out []compat.Finding
	if f, bad := nameFinding(r, w, "enum", path); bad {
		out = append(out, f)
	}
	if r.HasDefault() {
		return out
	}
	var missing []string
	for _, s := range w.Symbols() {
		if !slices.Contains(r.Symbols(), s) {
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
			w.FullName(), noun, strings.Join(missing, ", "), r.FullName()),
	})
}

func fixedFindings(r, w *hamba.FixedSchema, path string) []compat.Finding {
	var out []compat.Finding
	if f, bad := nameFinding(r, w, "fixed", path); bad {
		out = append(out, f)
	}
	if r.Size() != w.Size() {
		out = append(out, compat.Finding{
			Path: path,
			Rule: RuleFixedSizeMismatch,
			Message: fmt.Sprintf("the reader's fixed %q is %d bytes but the writer's fixed %q is %d bytes",
				r.FullName(), r.Size(), w.FullName(), w.Size()),
		})
	}
	return out
}

// nameFinding applies Avro Java's name rule: equal unqualified names, or a
// reader alias equal to the writer's full name.
func nameFinding(r, w hamba.NamedSchema, kind, path string) (compat.Finding, bool) {
	if namesMatch(r, w) {
		return compat.Finding{}, false
	}
	return compat.Finding{
		Path: path,
		Rule: RuleNameMismatch,
		Message: fmt.Sprintf("the reader's %s %q and the writer's %s %q have different names, and the reader has no alias %q",
			kind, r.FullName(), kind, w.FullName(), w.FullName()),
	}, true
}

func namesMatch(r, w hamba.NamedSchema) bool {
	return r.Name() == w.Name() || slices.Contains(r.Aliases(), w.FullName())
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

func typeMismatch(r, w hamba.Schema, path string) compat.Finding {
	msg := fmt.Sprintf("the writer's %s cannot be read as the reader's %s", describe(w, 2), describe(r, 2))
	if promotionFamily(r.Type()) && promotionFamily(w.Type()) {
		msg += fmt.Sprintf("; Avro does not promote %s to %s", w.Type(), r.Type())
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
func sameKind(branch, w hamba.Schema) bool {
	if branch.Type() != w.Type() {
		return false
	}
	if bn, ok := branch.(hamba.NamedSchema); ok {
		wn, ok := w.(hamba.NamedSchema)
		return ok && namesMatch(bn, wn)
	}
	return branch.Type() == hamba.Array || branch.Type() == hamba.Map
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
func rootLabel(s hamba.Schema) string {
	if n, ok := s.(hamba.NamedSchema); ok {
		return n.Name()
	}
	return string(s.Type())
}

// describe names a schema for messages, e.g. `record "shop.Order"`,
// "long (timestamp-millis)", "array of string", "union [null, string]".
func describe(s hamba.Schema, depth int) string {
	s = deref(s)
	switch t := s.(type) {
	case *hamba.RecordSchema:
		return fmt.Sprintf("record %q", t.FullName())
	case *hamba.EnumSchema:
		return fmt.Sprintf("enum %q", t.FullName())
	case *hamba.FixedSchema:
		d := fmt.Sprintf("fixed %q (%d bytes", t.FullName(), t.Size())
		if l := t.Logical(); l != nil {
			d += ", " + l.String()
		}
		return d + ")"
	case *hamba.ArraySchema:
		if depth <= 0 {
			return "array"
		}
		return "array of " + describe(t.Items(), depth-1)
	case *hamba.MapSchema:
		if depth <= 0 {
			return "map"
		}
		return "map of " + describe(t.Values(), depth-1)
	case *hamba.UnionSchema:
		if depth <= 0 {
			return "union"
		}
		parts := make([]string, 0, min(len(t.Types()), maxDescribedBranches+1))
		for i, b := range t.Types() {
			if i == maxDescribedBranches {
				parts = append(parts, fmt.Sprintf("... %d more", len(t.Types())-i))
				break
			}
			parts = append(parts, shortName(b))
		}
		return "union [" + strings.Join(parts, ", ") + "]"
	case *hamba.PrimitiveSchema:
		if l := t.Logical(); l != nil {
			return fmt.Sprintf("%s (%s)", t.Type(), l.String())
		}
	}
	return string(s.Type())
}

// shortName names a union branch: its full name when named, else its type.
func shortName(s hamba.Schema) string {
	s = deref(s)
	if n, ok := s.(hamba.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}
