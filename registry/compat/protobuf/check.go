package protobuf

import (
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// Rules reported by CanRead.
const (
	RulePackageChanged        = "package-changed"
	RuleMessageRemoved        = "message-removed"
	RuleFieldTypeIncompatible = "field-type-incompatible"
	RuleFieldNumberChanged    = "field-number-changed"
	RuleLabelChanged          = "label-changed"
	RuleRequiredFieldAdded    = "required-field-added"
	RuleRequiredFieldRemoved  = "required-field-removed"
	RuleOneofFieldMoved       = "oneof-field-moved"
	RuleOneofFieldsMoved      = "oneof-multiple-fields-moved"
	RuleOneofFieldRemoved     = "oneof-field-removed"
	RuleReservedNumberReused  = "reserved-number-reused"
	RuleReservedNameReused    = "reserved-name-reused"
	RuleEnumValueRemoved      = "enum-value-removed"
	RuleUnsupportedSchema     = "unsupported-schema"
)

// CanRead reports why data written with writer cannot be read with reader.
//
// Every message the writer declares is looked up in the reader by its name
// relative to the package, and its fields are matched by number. The rules
// follow the wire format and Confluent's Protobuf checker:
//
//   - a changed package, or a writer message missing from the reader, is
//     incompatible (the message index names a type the reader lacks);
//   - a field number's type may change only within a wire-compatible group:
//     int32/int64/uint32/uint64/bool/enum; sint32/sint64; fixed32/sfixed32;
//     fixed64/sfixed64; string/bytes; bytes/embedded message. Embedded
//     messages must keep their name; map key and value types follow the same
//     groups;
//   - singular↔repeated is compatible for string, bytes and messages only;
//   - adding or removing a required field (or required-ness) is incompatible;
//   - a field keeping its name under a new number is incompatible;
//   - a reader oneof may take at most one of the writer's exclusive groups
//     (a non-oneof field or a whole oneof); a writer oneof member missing
//     from the reader is incompatible;
//   - a reader field on a number the writer reserves is incompatible unless
//     the writer reserves its name too (then it is the field the writer
//     retired); a reader field whose name only the writer reserves likewise;
//   - a value of a writer enum missing from the reader's enum is incompatible
//     when the reader's enum is closed (proto2);
//   - removing optional fields, renaming fields, adding messages, enums,
//     enum values or optional fields, moving one field into a new oneof,
//     and switching between proto2 and proto3 are compatible.
func (Format) CanRead(reader, writer compat.Schema) []compat.Finding {
	r, w := modelOf(reader), modelOf(writer)
	if r == nil || w == nil {
		return []compat.Finding{{
			Rule:    RuleUnsupportedSchema,
			Message: "the reader or the writer is not a parsed PROTOBUF schema",
		}}
	}
	c := checker{r: r, w: w}
	c.run()
	return c.out
}

// modelOf returns the model of a schema this format parsed, or of its
// compact form; nil for others.
func modelOf(s compat.Schema) *pfile {
	switch x := s.(type) {
	case *Schema:
		if x != nil && x.file != nil {
			return x.model()
		}
	case *compactSchema:
		if x != nil {
			return x.file
		}
	}
	return nil
}

type checker struct {
	r, w *pfile
	out  []compat.Finding
}

func (c *checker) add(path, rule, format string, args ...any) {
	c.out = append(c.out, compat.Finding{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// relName strips pkg from name.
func relName(pkg, name protoreflect.FullName) string {
	if pkg == "" {
		return string(name)
	}
	return strings.TrimPrefix(string(name), string(pkg)+".")
}

// collect gathers every message and enum of fd, sorted by full name.
func collect(fd protoreflect.FileDescriptor) ([]protoreflect.MessageDescriptor, []protoreflect.EnumDescriptor) {
	var msgs []protoreflect.MessageDescriptor
	var enums []protoreflect.EnumDescriptor
	addEnums := func(es protoreflect.EnumDescriptors) {
		for i := 0; i < es.Len(); i++ {
			enums = append(enums, es.Get(i))
		}
	}
	var walk func(protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			msgs = append(msgs, m)
			addEnums(m.Enums())
			walk(m.Messages())
		}
	}
	addEnums(fd.Enums())
	walk(fd.Messages())
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].FullName() < msgs[j].FullName() })
	sort.Slice(enums, func(i, j int) bool { return enums[i].FullName() < enums[j].FullName() })
	return msgs, enums
}

func (c *checker) run() {
	if c.r.pkg != c.w.pkg {
		path := c.w.pkg
		if path == "" {
			path = c.r.pkg
		}
		c.add(path, RulePackageChanged,
			"the writer's package %q differs from the reader's package %q, so every message the writer names is unknown to the reader",
			c.w.pkg, c.r.pkg)
	}
	for _, wm := range c.w.msgs {
		if wm.mapEntry {
			continue
		}
		rm, ok := c.r.msgByRel[wm.rel]
		if !ok {
			c.add(wm.full, RuleMessageRemoved,
				"message %q of the writer is missing from the reader", wm.rel)
			continue
		}
		c.message(wm, rm)
	}
	for _, we := range c.w.enums {
		if re, ok := c.r.enumByRel[we.rel]; ok {
			c.enum(we, re)
		}
	}
}

func realOneof(f protoreflect.FieldDescriptor) protoreflect.OneofDescriptor {
	if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return o
	}
	return nil
}

func required(f protoreflect.FieldDescriptor) bool {
	return f != nil && f.Cardinality() == protoreflect.Required
}

func (c *checker) message(wm, rm *pmsg) {
	// Fields both declare alike at the same positions (the usual
	// evolution appends fields) have nothing to report.
	same := 0
	for same < min(len(wm.fields), len(rm.fields)) && wm.fields[same] == rm.fields[same] {
		same++
	}
	for _, wf := range wm.fields[same:] {
		rf := rm.fieldByNumber(wf.number)
		if rf == wf {
			continue
		}
		if byName := rm.fieldByName(wf.name); byName != nil && byName.number != wf.number {
			c.add(fieldPath(wm, wf), RuleFieldNumberChanged,
				"field %q has number %d in the writer but %d in the reader", wf.name, wf.number, byName.number)
		}
		if wf.required && (rf == nil || !rf.required) {
			c.add(fieldPath(wm, wf), RuleRequiredFieldRemoved,
				"field %q (number %d) is required in the writer but not in the reader", wf.name, wf.number)
		}
		if rf == nil {
			if wf.oneof != "" {
				c.add(fieldPath(wm, wf), RuleOneofFieldRemoved,
					"field %q (number %d) of oneof %q in the writer is missing from the reader, which cannot tell which case was set",
					wf.name, wf.number, wf.oneof)
			}
			continue
		}
		if rf.required && !wf.required {
			c.add(fieldPath(rm, rf), RuleRequiredFieldAdded,
				"field %q (number %d) is required in the reader but optional in the writer", rf.name, rf.number)
		}
		c.field(wm, wf, rf)
	}

	reservations := len(wm.reserved) > 0 || len(wm.resNames) > 0
	for _, rf := range rm.fields[same:] {
		if !rf.required && !reservations {
			continue // nothing to report whether or not the writer has it
		}
		if wm.fieldByNumber(rf.number) != nil {
			continue
		}
		path := fieldPath(rm, rf)
		if rf.required {
			c.add(path, RuleRequiredFieldAdded,
				"field %q (number %d) is required in the reader but missing from the writer", rf.name, rf.number)
		}
		numReserved := wm.reservedNumber(rf.number)
		nameReserved := wm.reservedName(rf.name)
		switch {
		case numReserved && !nameReserved:
			c.add(path, RuleReservedNumberReused,
				"the reader's field %q uses number %d, which the writer reserves; data from a writer that retired that number may be misread",
				rf.name, rf.number)
		case nameReserved && !numReserved:
			c.add(path, RuleReservedNameReused,
				"the reader's field %q (number %d) uses a name the writer reserves", rf.name, rf.number)
		}
	}

	c.oneofs(wm, rm)
}

// oneofs checks that every reader oneof takes at most one of the writer's
// mutually exclusive groups: otherwise the writer may set two of its members
// and the reader keeps only one.
func (c *checker) oneofs(wm, rm *pmsg) {
	for _, ro := range rm.oneofs {
		groups := map[string]bool{}
		var moved, existing []string
		for _, n := range ro.numbers {
			wf := wm.fieldByNumber(n)
			if wf == nil {
				continue
			}
			if wf.oneof != "" {
				groups["oneof "+wf.oneof] = true
				existing = append(existing, wf.name)
			} else {
				groups[fmt.Sprintf("field %d", wf.number)] = true
				moved = append(moved, wf.name)
			}
		}
		if len(groups) < 2 {
			continue
		}
		path := rm.full + "." + ro.name
		if len(existing) == 0 {
			c.add(path, RuleOneofFieldsMoved,
				"oneof %q of the reader holds the writer's separate fields %s, which the writer can set together",
				ro.name, quoteList(moved))
			continue
		}
		c.add(path, RuleOneofFieldMoved,
			"oneof %q of the reader holds fields the writer can set together (%s); the reader keeps only one",
			ro.name, quoteList(append(moved, existing...)))
	}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// field compares two fields sharing a number.
func (c *checker) field(wm *pmsg, wf, rf *pfield) {
	switch {
	case wf.isMap && rf.isMap:
		c.valueType(wm, wf, "the key of map field", wf.key, rf.key)
		c.valueType(wm, wf, "the value of map field", wf.val, rf.val)
		return
	case wf.isMap || rf.isMap:
		c.add(fieldPath(wm, wf), RuleFieldTypeIncompatible,
			"field %q (number %d) is %s in the writer but %s in the reader, which cannot decode it",
			wf.name, wf.number, wf.desc, rf.desc)
		return
	}
	if !c.valueType(wm, wf, "field", wf, rf) {
		return
	}
	if wf.list != rf.list && wf.numeric {
		c.add(fieldPath(wm, wf), RuleLabelChanged,
			"field %q (number %d) is %s in the writer but %s in the reader; only string, bytes and message fields may switch between singular and repeated",
			wf.name, wf.number, cardinality(wf), cardinality(rf))
	}
}

func fieldPath(m *pmsg, f *pfield) string {
	return m.full + "." + f.name
}

func cardinality(f *pfield) string {
	if f.list {
		return "repeated"
	}
	return "singular"
}

// wireClass groups kinds whose encodings a reader can decode for each other.
func wireClass(k protoreflect.Kind) string {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind,
		protoreflect.Uint64Kind, protoreflect.BoolKind, protoreflect.EnumKind:
		return "varint"
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return "zigzag"
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "fixed32"
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "fixed64"
	case protoreflect.FloatKind:
		return "float"
	case protoreflect.DoubleKind:
		return "double"
	case protoreflect.StringKind:
		return "string"
	case protoreflect.BytesKind:
		return "bytes"
	default:
		return "message"
	}
}

func numeric(f protoreflect.FieldDescriptor) bool {
	switch wireClass(f.Kind()) {
	case "string", "bytes", "message":
		return false
	}
	return true
}

func classesCompatible(w, r string) bool {
	if w == r {
		return true
	}
	pair := w + "/" + r
	switch pair {
	case "string/bytes", "bytes/string", "bytes/message", "message/bytes":
		return true
	}
	return false
}

// typeName names a message type: relative to the package for types the
// schema declares, fully qualified for imported ones.
func typeName(md protoreflect.MessageDescriptor, fd protoreflect.FileDescriptor) string {
	if md.ParentFile() != nil && md.ParentFile().Path() == fd.Path() {
		return relName(fd.Package(), md.FullName())
	}
	return "." + string(md.FullName())
}

// valueType compares the types of two fields (or of the keys or values of
// two map fields) and reports whether they are compatible. outer is the
// writer's field and what says which part of it is compared.
func (c *checker) valueType(wm *pmsg, outer *pfield, what string, wf, rf *pfield) bool {
	ok := classesCompatible(wf.class, rf.class)
	if ok && wf.class == "message" && rf.class == "message" {
		ok = wf.typeName == rf.typeName
	}
	if !ok {
		c.add(fieldPath(wm, outer), RuleFieldTypeIncompatible,
			"%s %q (number %d) is %s in the writer but %s in the reader, which cannot decode it",
			what, outer.name, outer.number, wf.desc, rf.desc)
	}
	return ok
}

// enum reports writer values a closed reader enum lacks: a proto2 reader
// drops them to unknown fields and sees the field unset.
func (c *checker) enum(we, re *penum) {
	if !re.closed {
		return
	}
	for _, v := range we.values {
		if re.nums[v.number] {
			continue
		}
		c.add(we.full+"."+v.name, RuleEnumValueRemoved,
			"value %q (%d) of enum %q in the writer is missing from the reader's closed enum, which treats it as unknown",
			v.name, v.number, we.rel)
	}
}
