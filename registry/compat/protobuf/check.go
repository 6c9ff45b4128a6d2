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
	r, rok := reader.(*Schema)
	w, wok := writer.(*Schema)
	if !rok || !wok || r == nil || w == nil || r.file == nil || w.file == nil {
		return []compat.Finding{{
			Rule:    RuleUnsupportedSchema,
			Message: "the reader or the writer is not a parsed PROTOBUF schema",
		}}
	}
	c := checker{r: r.file, w: w.file}
	c.run()
	return c.out
}

type checker struct {
	r, w   protoreflect.FileDescriptor
	rMsgs  map[string]protoreflect.MessageDescriptor
	rEnums map[string]protoreflect.EnumDescriptor
	out    []compat.Finding
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

// collect gathers every message and enum of fd by relative name.
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
	rMsgs, rEnums := collect(c.r)
	c.rMsgs = make(map[string]protoreflect.MessageDescriptor, len(rMsgs))
	for _, m := range rMsgs {
		c.rMsgs[relName(c.r.Package(), m.FullName())] = m
	}
	c.rEnums = make(map[string]protoreflect.EnumDescriptor, len(rEnums))
	for _, e := range rEnums {
		c.rEnums[relName(c.r.Package(), e.FullName())] = e
	}

	if c.r.Package() != c.w.Package() {
		path := string(c.w.Package())
		if path == "" {
			path = string(c.r.Package())
		}
		c.add(path, RulePackageChanged,
			"the writer's package %q differs from the reader's package %q, so every message the writer names is unknown to the reader",
			c.w.Package(), c.r.Package())
	}

	wMsgs, wEnums := collect(c.w)
	for _, wm := range wMsgs {
		if wm.IsMapEntry() {
			continue
		}
		rm, ok := c.rMsgs[relName(c.w.Package(), wm.FullName())]
		if !ok {
			c.add(string(wm.FullName()), RuleMessageRemoved,
				"message %q of the writer is missing from the reader", relName(c.w.Package(), wm.FullName()))
			continue
		}
		c.message(wm, rm)
	}
	for _, we := range wEnums {
		if re, ok := c.rEnums[relName(c.w.Package(), we.FullName())]; ok {
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

func (c *checker) message(wm, rm protoreflect.MessageDescriptor) {
	wfs, rfs := wm.Fields(), rm.Fields()
	for i := 0; i < wfs.Len(); i++ {
		wf := wfs.Get(i)
		rf := rfs.ByNumber(wf.Number())
		if byName := rfs.ByName(wf.Name()); byName != nil && byName.Number() != wf.Number() {
			c.add(fieldPath(wm, wf), RuleFieldNumberChanged,
				"field %q has number %d in the writer but %d in the reader", wf.Name(), wf.Number(), byName.Number())
		}
		if required(wf) && !required(rf) {
			c.add(fieldPath(wm, wf), RuleRequiredFieldRemoved,
				"field %q (number %d) is required in the writer but not in the reader", wf.Name(), wf.Number())
		}
		if rf == nil {
			if realOneof(wf) != nil {
				c.add(fieldPath(wm, wf), RuleOneofFieldRemoved,
					"field %q (number %d) of oneof %q in the writer is missing from the reader, which cannot tell which case was set",
					wf.Name(), wf.Number(), realOneof(wf).Name())
			}
			continue
		}
		if required(rf) && !required(wf) {
			c.add(fieldPath(rm, rf), RuleRequiredFieldAdded,
				"field %q (number %d) is required in the reader but optional in the writer", rf.Name(), rf.Number())
		}
		c.field(wm, wf, rf)
	}

	for i := 0; i < rfs.Len(); i++ {
		rf := rfs.Get(i)
		if wfs.ByNumber(rf.Number()) != nil {
			continue
		}
		path := fieldPath(rm, rf)
		if required(rf) {
			c.add(path, RuleRequiredFieldAdded,
				"field %q (number %d) is required in the reader but missing from the writer", rf.Name(), rf.Number())
		}
		numReserved := wm.ReservedRanges().Has(rf.Number())
		nameReserved := wm.ReservedNames().Has(rf.Name())
		switch {
		case numReserved && !nameReserved:
			c.add(path, RuleReservedNumberReused,
				"the reader's field %q uses number %d, which the writer reserves; data from a writer that retired that number may be misread",
				rf.Name(), rf.Number())
		case nameReserved && !numReserved:
			c.add(path, RuleReservedNameReused,
				"the reader's field %q (number %d) uses a name the writer reserves", rf.Name(), rf.Number())
		}
	}

	c.oneofs(wm, rm)
}

// oneofs checks that every reader oneof takes at most one of the writer's
// mutually exclusive groups: otherwise the writer may set two of its members
// and the reader keeps only one.
func (c *checker) oneofs(wm, rm protoreflect.MessageDescriptor) {
	ros := rm.Oneofs()
	for i := 0; i < ros.Len(); i++ {
		ro := ros.Get(i)
		if ro.IsSynthetic() {
			continue
		}
		groups := map[string]bool{}
		var moved, existing []string
		for j := 0; j < ro.Fields().Len(); j++ {
			rf := ro.Fields().Get(j)
			wf := wm.Fields().ByNumber(rf.Number())
			if wf == nil {
				continue
			}
			if wo := realOneof(wf); wo != nil {
				groups["oneof "+string(wo.Name())] = true
				existing = append(existing, string(wf.Name()))
			} else {
				groups[fmt.Sprintf("field %d", wf.Number())] = true
				moved = append(moved, string(wf.Name()))
			}
		}
		if len(groups) < 2 {
			continue
		}
		path := string(rm.FullName()) + "." + string(ro.Name())
		if len(existing) == 0 {
			c.add(path, RuleOneofFieldsMoved,
				"oneof %q of the reader holds the writer's separate fields %s, which the writer can set together",
				ro.Name(), quoteList(moved))
			continue
		}
		c.add(path, RuleOneofFieldMoved,
			"oneof %q of the reader holds fields the writer can set together (%s); the reader keeps only one",
			ro.Name(), quoteList(append(moved, existing...)))
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
func (c *checker) field(wm protoreflect.MessageDescriptor, wf, rf protoreflect.FieldDescriptor) {
	switch {
	case wf.IsMap() && rf.IsMap():
		c.valueType(wm, wf, "the key of map field", wf.MapKey(), rf.MapKey())
		c.valueType(wm, wf, "the value of map field", wf.MapValue(), rf.MapValue())
		return
	case wf.IsMap() || rf.IsMap():
		c.add(fieldPath(wm, wf), RuleFieldTypeIncompatible,
			"field %q (number %d) is %s in the writer but %s in the reader, which cannot decode it",
			wf.Name(), wf.Number(), c.describe(wf), c.describe(rf))
		return
	}
	if !c.valueType(wm, wf, "field", wf, rf) {
		return
	}
	if wf.IsList() != rf.IsList() && numeric(wf) {
		c.add(fieldPath(wm, wf), RuleLabelChanged,
			"field %q (number %d) is %s in the writer but %s in the reader; only string, bytes and message fields may switch between singular and repeated",
			wf.Name(), wf.Number(), cardinality(wf), cardinality(rf))
	}
}

func fieldPath(m protoreflect.MessageDescriptor, f protoreflect.FieldDescriptor) string {
	return string(m.FullName()) + "." + string(f.Name())
}

func cardinality(f protoreflect.FieldDescriptor) string {
	if f.IsList() {
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

func (c *checker) describe(f protoreflect.FieldDescriptor) string {
	switch {
	case f.IsMap():
		return fmt.Sprintf("map<%s, %s>", c.describe(f.MapKey()), c.describe(f.MapValue()))
	case f.Kind() == protoreflect.EnumKind:
		return "enum " + string(f.Enum().FullName())
	case f.Kind() == protoreflect.MessageKind || f.Kind() == protoreflect.GroupKind:
		return "message " + string(f.Message().FullName())
	}
	return f.Kind().String()
}

// valueType compares the types of two fields (or of the keys or values of
// two map fields) and reports whether they are compatible. outer is the
// writer's field and what says which part of it is compared.
func (c *checker) valueType(wm protoreflect.MessageDescriptor, outer protoreflect.FieldDescriptor, what string, wf, rf protoreflect.FieldDescriptor) bool {
	wc, rc := wireClass(wf.Kind()), wireClass(rf.Kind())
	ok := classesCompatible(wc, rc)
	if ok && wc == "message" && rc == "message" {
		ok = typeName(wf.Message(), c.w) == typeName(rf.Message(), c.r)
	}
	if !ok {
		c.add(fieldPath(wm, outer), RuleFieldTypeIncompatible,
			"%s %q (number %d) is %s in the writer but %s in the reader, which cannot decode it",
			what, outer.Name(), outer.Number(), c.describe(wf), c.describe(rf))
	}
	return ok
}

// enum reports writer values a closed reader enum lacks: a proto2 reader
// drops them to unknown fields and sees the field unset.
func (c *checker) enum(we, re protoreflect.EnumDescriptor) {
	if !re.IsClosed() {
		return
	}
	for i := 0; i < we.Values().Len(); i++ {
		v := we.Values().Get(i)
		if re.Values().ByNumber(v.Number()) != nil {
			continue
		}
		c.add(string(we.FullName())+"."+string(v.Name()), RuleEnumValueRemoved,
			"value %q (%d) of enum %q in the writer is missing from the reader's closed enum, which treats it as unknown",
			v.Name(), v.Number(), relName(c.w.Package(), we.FullName()))
	}
}
