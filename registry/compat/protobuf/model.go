package protobuf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"weak"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// The checker reads a compact model of a definition rather than the
// compiler's descriptors: what its rules use of each message, field and
// enum, with fields indexed by number and by name (the compiler's
// descriptors find a field by a linear search, which made a check of two
// messages of a thousand fields a million steps). A store (one per schema in
// the registry) keeps one field per distinct field, so versions share the
// fields they have in common, and a field both sides share is skipped by a
// pointer comparison.

// pfile is a definition's model.
type pfile struct {
	pkg   string
	msgs  []*pmsg // sorted by full name, map entries included
	enums []*penum
	// by name relative to the package
	msgByRel  map[string]*pmsg
	enumByRel map[string]*penum
}

// pmsg is a message.
type pmsg struct {
	full     string
	rel      string
	mapEntry bool
	fields   []*pfield // declaration order
	byNumber []*pfield // sorted by number (fields itself when declared so)
	byName   []*pfield // sorted by name
	maxNum   int32
	reserved [][2]protoreflect.FieldNumber // [start, end] inclusive
	resNames []string                      // sorted
	oneofs   []*poneof                     // not synthetic, declaration order
}

// poneof is a oneof that is not synthetic.
type poneof struct {
	name    string
	numbers []protoreflect.FieldNumber // its fields', in order
}

// pfield is a field (or the key or value of a map field).
type pfield struct {
	name     string
	number   protoreflect.FieldNumber
	required bool
	list     bool
	isMap    bool
	numeric  bool
	class    string // wireClass
	typeName string // message fields: typeName relative to the field's file
	desc     string // describe
	oneof    string // the real oneof's name, or ""
	key, val *pfield
}

// penum is an enum.
type penum struct {
	full   string
	rel    string
	closed bool
	values []pvalue // declaration order
	nums   map[protoreflect.EnumNumber]bool
}

type pvalue struct {
	name   string
	number protoreflect.EnumNumber
}

// fieldKey is what identifies a field among a store's: every property the
// checker reads of it.
func fieldKey(f *pfield) string {
	var b strings.Builder
	writeFieldKey(&b, f)
	return b.String()
}

func writeFieldKey(b *strings.Builder, f *pfield) {
	b.WriteString(strconv.Quote(f.name))
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(int(f.number)))
	for _, flag := range []bool{f.required, f.list, f.isMap, f.numeric} {
		if flag {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	for _, s := range []string{f.class, f.typeName, f.desc, f.oneof} {
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(s))
	}
	if f.key != nil {
		b.WriteString(" k{")
		writeFieldKey(b, f.key)
		b.WriteString("} v{")
		writeFieldKey(b, f.val)
		b.WriteString("}")
	}
}

// fieldPool interns fields; nil interns nothing.
type fieldPool interface {
	field(f *pfield) *pfield
}

// buildModel builds fd's model, taking fields from pool.
func buildModel(fd protoreflect.FileDescriptor, pool fieldPool) *pfile {
	out := &pfile{pkg: string(fd.Package()), msgByRel: map[string]*pmsg{}, enumByRel: map[string]*penum{}}
	msgs, enums := collect(fd)
	for _, m := range msgs {
		pm := buildMessage(fd, m, pool)
		out.msgs = append(out.msgs, pm)
		out.msgByRel[pm.rel] = pm
	}
	for _, e := range enums {
		pe := &penum{full: string(e.FullName()), rel: relName(fd.Package(), e.FullName()), closed: e.IsClosed(),
			nums: map[protoreflect.EnumNumber]bool{}}
		for i := 0; i < e.Values().Len(); i++ {
			v := e.Values().Get(i)
			pe.values = append(pe.values, pvalue{string(v.Name()), v.Number()})
			pe.nums[v.Number()] = true
		}
		out.enums = append(out.enums, pe)
		out.enumByRel[pe.rel] = pe
	}
	return out
}

func buildMessage(fd protoreflect.FileDescriptor, m protoreflect.MessageDescriptor, pool fieldPool) *pmsg {
	pm := &pmsg{full: string(m.FullName()), rel: relName(fd.Package(), m.FullName()), mapEntry: m.IsMapEntry()}
	fs := m.Fields()
	pm.fields = make([]*pfield, fs.Len())
	for i := range pm.fields {
		f := buildField(fd, fs.Get(i))
		if pool != nil {
			f = pool.field(f)
		}
		pm.fields[i] = f
		pm.maxNum = max(pm.maxNum, int32(f.number))
	}
	byNum := func(a, b *pfield) int { return int(a.number) - int(b.number) }
	if slices.IsSortedFunc(pm.fields, byNum) {
		pm.byNumber = pm.fields
	} else {
		pm.byNumber = slices.SortedFunc(slices.Values(pm.fields), byNum)
	}
	pm.byName = slices.SortedFunc(slices.Values(pm.fields), func(a, b *pfield) int { return strings.Compare(a.name, b.name) })
	rr := m.ReservedRanges()
	for i := 0; i < rr.Len(); i++ {
		r := rr.Get(i)
		pm.reserved = append(pm.reserved, [2]protoreflect.FieldNumber{r[0], r[1] - 1})
	}
	rn := m.ReservedNames()
	for i := 0; i < rn.Len(); i++ {
		pm.resNames = append(pm.resNames, string(rn.Get(i)))
	}
	sort.Strings(pm.resNames)
	os := m.Oneofs()
	for i := 0; i < os.Len(); i++ {
		o := os.Get(i)
		if o.IsSynthetic() {
			continue
		}
		po := &poneof{name: string(o.Name())}
		for j := 0; j < o.Fields().Len(); j++ {
			po.numbers = append(po.numbers, o.Fields().Get(j).Number())
		}
		pm.oneofs = append(pm.oneofs, po)
	}
	return pm
}

func buildField(fd protoreflect.FileDescriptor, f protoreflect.FieldDescriptor) *pfield {
	pf := &pfield{
		name:     string(f.Name()),
		number:   f.Number(),
		required: f.Cardinality() == protoreflect.Required,
		list:     f.IsList(),
		isMap:    f.IsMap(),
		numeric:  numeric(f),
		class:    wireClass(f.Kind()),
		desc:     describe(f),
	}
	if o := realOneof(f); o != nil {
		pf.oneof = string(o.Name())
	}
	if pf.class == "message" && f.Message() != nil {
		pf.typeName = typeName(f.Message(), fd)
	}
	if pf.isMap {
		pf.key, pf.val = buildField(fd, f.MapKey()), buildField(fd, f.MapValue())
	}
	return pf
}

// describe names a field's type for messages.
func describe(f protoreflect.FieldDescriptor) string {
	switch {
	case f.IsMap():
		return fmt.Sprintf("map<%s, %s>", describe(f.MapKey()), describe(f.MapValue()))
	case f.Kind() == protoreflect.EnumKind:
		return "enum " + string(f.Enum().FullName())
	case f.Kind() == protoreflect.MessageKind || f.Kind() == protoreflect.GroupKind:
		return "message " + string(f.Message().FullName())
	}
	return f.Kind().String()
}

// byNumber finds the field numbered n.
func (m *pmsg) fieldByNumber(n protoreflect.FieldNumber) *pfield {
	if int32(n) > m.maxNum {
		return nil
	}
	i, ok := slices.BinarySearchFunc(m.byNumber, n, func(f *pfield, n protoreflect.FieldNumber) int { return int(f.number) - int(n) })
	if !ok {
		return nil
	}
	return m.byNumber[i]
}

// fieldByName finds the field named name.
func (m *pmsg) fieldByName(name string) *pfield {
	i, ok := slices.BinarySearchFunc(m.byName, name, func(f *pfield, name string) int { return strings.Compare(f.name, name) })
	if !ok {
		return nil
	}
	return m.byName[i]
}

// reservedNumber reports whether m reserves number n.
func (m *pmsg) reservedNumber(n protoreflect.FieldNumber) bool {
	for _, r := range m.reserved {
		if n >= r[0] && n <= r[1] {
			return true
		}
	}
	return false
}

// reservedName reports whether m reserves name.
func (m *pmsg) reservedName(name string) bool {
	_, ok := slices.BinarySearch(m.resNames, name)
	return ok
}

// model returns s's model, built once.
func (s *Schema) model() *pfile {
	s.modelOnce.Do(func() { s.built = buildModel(s.file, nil) })
	return s.built
}

// --- stores ---

// store is the PROTOBUF compat.Store: one field per distinct field, held
// weakly.
type store struct {
	mu     sync.Mutex
	fields map[string]weak.Pointer[pfield]
}

// NewStore implements compat.Compactor.
func (Format) NewStore() compat.Store {
	return &store{fields: map[string]weak.Pointer[pfield]{}}
}

// compactSchema is a compact form: the model and a digest of the canonical
// form.
type compactSchema struct {
	file      *pfile
	canonical string
}

// Canonical returns the hex SHA-256 of the definition's canonical form.
func (c *compactSchema) Canonical() string { return c.canonical }

// Compact implements compat.Store. A schema this format did not parse is
// returned as it is.
func (st *store) Compact(s compat.Schema) compat.Schema {
	p, ok := s.(*Schema)
	if !ok || p == nil || p.file == nil {
		return s
	}
	sum := sha256.Sum256([]byte(p.canonical))
	return &compactSchema{file: buildModel(p.file, st), canonical: hex.EncodeToString(sum[:])}
}

func (st *store) field(f *pfield) *pfield {
	k := fieldKey(f)
	st.mu.Lock()
	defer st.mu.Unlock()
	if c := st.fields[k].Value(); c != nil {
		return c
	}
	st.fields[k] = weak.Make(f)
	runtime.AddCleanup(f, st.drop, k)
	return f
}

func (st *store) drop(k string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if wp, ok := st.fields[k]; ok && wp.Value() == nil {
		delete(st.fields, k)
	}
}

// size reports how many fields the store holds, collected ones whose
// cleanup has not run yet included.
func (st *store) size() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.fields)
}
