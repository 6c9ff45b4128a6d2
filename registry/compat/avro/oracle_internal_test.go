package avro

// The checker as it was before it ran on compact graphs (node.go): it walks
// hamba's schemas directly. Kept as an oracle: the graph checker must
// return exactly its findings (see TestGraphCheckerMatchesOracle).

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// oldCanRead runs one check with the given step budget.
func oldCanRead(r, w *Schema, budget int) []compat.Finding {
	c := &oldChecker{
		unions:     map[*hamba.UnionSchema]*oldUnionIndex{},
		inProgress: map[oldPairKey]int{},
		memo:       map[oldPairKey]memoEntry{},
		budget:     budget,
	}
	root := deref(r.Avro())
	out, _ := c.check(root, deref(w.Avro()), oldRootLabel(root), 0)
	if c.exhausted {
		// One finding at the root replaces those at every abandoned branch.
		out = slices.DeleteFunc(out, func(f compat.Finding) bool { return f.Rule == RuleSchemaTooComplex })
		out = append([]compat.Finding{tooComplex(oldRootLabel(root))}, out...)
	}
	if len(out) > maxFindings {
		out = out[:maxFindings]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

type oldPairKey struct{ reader, writer string }

// oldUnionIndex locates the branches of a reader union: named ones by
// unqualified name ("n:" key) and by alias ("a:" key, a full name), the
// others in order.
type oldUnionIndex struct {
	named   map[string][]int
	unnamed []int
}

// candidates returns, in order, the indexes of the branches of ru that may
// read w (w is not a union): a named branch of w's kind whose name or
// alias matches w's (the rule oldNameFinding applies), an array or map for an
// array or map, and a primitive branch w's type is promotable to. Every
// other branch fails on the type or the name alone.
func (c *oldChecker) candidates(ru *hamba.UnionSchema, w hamba.Schema) []int {
	idx, ok := c.unions[ru]
	if !ok {
		idx = &oldUnionIndex{named: map[string][]int{}}
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

// oldChecker walks one reader/writer pair. inProgress holds the record pairs on
// the current walk with their depth, frames the id of the record check at
// each depth, memo the results of record pairs.
type oldChecker struct {
	unions     map[*hamba.UnionSchema]*oldUnionIndex
	inProgress map[oldPairKey]int
	frames     []int
	nextFrame  int
	memo       map[oldPairKey]memoEntry
	steps      int
	budget     int
	exhausted  bool
}

// valid reports whether a memoised result may be reused now.
func (c *oldChecker) valid(m memoEntry) bool {
	return m.dep == noLow || (m.dep < len(c.frames) && c.frames[m.dep] == m.frame)
}

// check returns the findings for reading w as r at path, and the lowest
// depth of an in-progress record pair the result relied on (noLow if none).
func (c *oldChecker) check(r, w hamba.Schema, path string, depth int) ([]compat.Finding, int) {
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
				oldDescribe(ru, 2), oldDescribe(w, 2)),
		}
		return append([]compat.Finding{f}, detail...), low
	}

	switch rs := r.(type) {
	case *hamba.RecordSchema:
		ws, ok := w.(*hamba.RecordSchema)
		if !ok {
			return []compat.Finding{oldTypeMismatch(r, w, path)}, noLow
		}
		return c.record(rs, ws, path, depth)
	case *hamba.EnumSchema:
		ws, ok := w.(*hamba.EnumSchema)
		if !ok {
			return []compat.Finding{oldTypeMismatch(r, w, path)}, noLow
		}
		return oldEnumFindings(rs, ws, path), noLow
	case *hamba.FixedSchema:
		ws, ok := w.(*hamba.FixedSchema)
		if !ok {
			return []compat.Finding{oldTypeMismatch(r, w, path)}, noLow
		}
		return oldFixedFindings(rs, ws, path), noLow
	case *hamba.ArraySchema:
		ws, ok := w.(*hamba.ArraySchema)
		if !ok {
			return []compat.Finding{oldTypeMismatch(r, w, path)}, noLow
		}
		return c.check(rs.Items(), ws.Items(), path+"[]", depth)
	case *hamba.MapSchema:
		ws, ok := w.(*hamba.MapSchema)
		if !ok {
			return []compat.Finding{oldTypeMismatch(r, w, path)}, noLow
		}
		return c.check(rs.Values(), ws.Values(), path+"{}", depth)
	}
	if promotable(w.Type(), r.Type()) {
		return nil, noLow
	}
	return []compat.Finding{oldTypeMismatch(r, w, path)}, noLow
}

// writerUnion requires every writer branch to be readable by r.
func (c *oldChecker) writerUnion(r hamba.Schema, wu *hamba.UnionSchema, path string, depth int) ([]compat.Finding, int) {
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
				i, oldDescribe(branch, 1), oldDescribe(wu, 2), oldDescribe(r, 2)),
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
func (c *oldChecker) readerUnion(ru *hamba.UnionSchema, w hamba.Schema, path string, depth int) (bool, []compat.Finding, int) {
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
		if closest == nil && oldSameKind(branch, w) {
			closest = fs
		}
	}
	return false, closest, low
}

// record checks a record pair, guarding recursion with the pair of full names.
func (c *oldChecker) record(r, w *hamba.RecordSchema, path string, depth int) ([]compat.Finding, int) {
	key := oldPairKey{reader: r.FullName(), writer: w.FullName()}
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
	if f, bad := oldNameFinding(r, w, "record", path); bad {
		out = append(out, f)
	}
	low := noLow
	writerFields := make(map[string]*hamba.Field, len(w.Fields()))
	for _, wf := range w.Fields() {
		writerFields[wf.Name()] = wf
	}
	for _, rf := range r.Fields() {
		fieldPath := path + "." + rf.Name()
		matches := oldMatchingWriterFields(rf, writerFields)
		switch len(matches) {
		case 0:
			if !rf.HasDefault() {
				out = append(out, compat.Finding{
					Path: fieldPath,
					Rule: RuleReaderFieldMissingDefault,
					Message: fmt.Sprintf("field %q (%s) is in the reader schema but not in the writer's, and has no default",
						rf.Name(), oldDescribe(rf.Type(), 1)),
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

// oldMatchingWriterFields returns the writer fields named like the reader field
// or like one of its aliases, without duplicates, in lookup order.
func oldMatchingWriterFields(rf *hamba.Field, writerFields map[string]*hamba.Field) []*hamba.Field {
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

func oldEnumFindings(r, w *hamba.EnumSchema, path string) []compat.Finding {
	var out []compat.Finding
	if f, bad := oldNameFinding(r, w, "enum", path); bad {
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

func oldFixedFindings(r, w *hamba.FixedSchema, path string) []compat.Finding {
	var out []compat.Finding
	if f, bad := oldNameFinding(r, w, "fixed", path); bad {
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

// oldNameFinding applies Avro Java's name rule: equal unqualified names, or a
// reader alias equal to the writer's full name.
func oldNameFinding(r, w hamba.NamedSchema, kind, path string) (compat.Finding, bool) {
	if oldNamesMatch(r, w) {
		return compat.Finding{}, false
	}
	return compat.Finding{
		Path: path,
		Rule: RuleNameMismatch,
		Message: fmt.Sprintf("the reader's %s %q and the writer's %s %q have different names, and the reader has no alias %q",
			kind, r.FullName(), kind, w.FullName(), w.FullName()),
	}, true
}

func oldNamesMatch(r, w hamba.NamedSchema) bool {
	return r.Name() == w.Name() || slices.Contains(r.Aliases(), w.FullName())
}

func oldTypeMismatch(r, w hamba.Schema, path string) compat.Finding {
	msg := fmt.Sprintf("the writer's %s cannot be read as the reader's %s", oldDescribe(w, 2), oldDescribe(r, 2))
	if promotionFamily(r.Type()) && promotionFamily(w.Type()) {
		msg += fmt.Sprintf("; Avro does not promote %s to %s", w.Type(), r.Type())
	}
	return compat.Finding{Path: path, Rule: RuleTypeMismatch, Message: msg}
}

// oldSameKind reports whether a reader union branch is the one a developer
// would expect to read w: the same named type or the same complex type.
func oldSameKind(branch, w hamba.Schema) bool {
	if branch.Type() != w.Type() {
		return false
	}
	if bn, ok := branch.(hamba.NamedSchema); ok {
		wn, ok := w.(hamba.NamedSchema)
		return ok && oldNamesMatch(bn, wn)
	}
	return branch.Type() == hamba.Array || branch.Type() == hamba.Map
}

// oldRootLabel names the top of every finding path.
func oldRootLabel(s hamba.Schema) string {
	if n, ok := s.(hamba.NamedSchema); ok {
		return n.Name()
	}
	return string(s.Type())
}

// oldDescribe names a schema for messages, e.g. `record "shop.Order"`,
// "long (timestamp-millis)", "array of string", "union [null, string]".
func oldDescribe(s hamba.Schema, depth int) string {
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
		return "array of " + oldDescribe(t.Items(), depth-1)
	case *hamba.MapSchema:
		if depth <= 0 {
			return "map"
		}
		return "map of " + oldDescribe(t.Values(), depth-1)
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
			parts = append(parts, oldShortName(b))
		}
		return "union [" + strings.Join(parts, ", ") + "]"
	case *hamba.PrimitiveSchema:
		if l := t.Logical(); l != nil {
			return fmt.Sprintf("%s (%s)", t.Type(), l.String())
		}
	}
	return string(s.Type())
}

// oldShortName names a union branch: its full name when named, else its type.
func oldShortName(s hamba.Schema) string {
	s = deref(s)
	if n, ok := s.(hamba.NamedSchema); ok {
		return n.FullName()
	}
	return string(s.Type())
}
