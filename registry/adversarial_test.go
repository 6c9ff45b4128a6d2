package registry_test

import (
	"fmt"
	"strings"
)

// Generators of adversarial schema definitions: each fills up to about
// fillTo bytes, just under Glue's 170,000-byte limit on a definition.

const fillTo = 169000

// nest repeats open/close around inner as many times as fit in fillTo.
// open may contain %d, replaced by the level.
func nest(open, inner, close string) string { return nestIn("", "", open, inner, close) }

// nestIn is nest between prefix and suffix.
func nestIn(prefix, suffix, open, inner, close string) string {
	var b strings.Builder
	b.WriteString(prefix)
	n := 0
	for {
		o := open
		if strings.Contains(open, "%d") {
			o = fmt.Sprintf(open, n)
		}
		if b.Len()+len(o)+len(close)*(n+1)+len(inner)+len(suffix) >= fillTo {
			break
		}
		b.WriteString(o)
		n++
	}
	b.WriteString(inner)
	b.WriteString(strings.Repeat(close, n))
	b.WriteString(suffix)
	return b.String()
}

// list joins item(i) with sep between prefix and suffix while it fits.
func list(prefix, sep, suffix string, item func(i int) string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; ; i++ {
		it := item(i)
		if b.Len()+len(sep)+len(it)+len(suffix) >= fillTo {
			break
		}
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(it)
	}
	b.WriteString(suffix)
	return b.String()
}

// --- Avro ---

func avroDeepRecords() string {
	return nest(`{"type":"record","name":"R%d","fields":[{"name":"f","type":`, `"int"`, `}]}`)
}

func avroDeepRecordsInUnions() string {
	return nest(`["null",{"type":"record","name":"R%d","fields":[{"name":"f","type":`, `"int"`, `}]}]`)
}

func avroDeepArrays() string {
	return nest(`{"type":"array","items":`, `"int"`, `}`)
}

func avroDeepMaps() string {
	return nest(`{"type":"map","values":`, `"int"`, `}`)
}

func avroManyFields() string {
	return list(`{"type":"record","name":"R","fields":[`, ",", `]}`, func(i int) string {
		return fmt.Sprintf(`{"name":"f%d","type":"int"}`, i)
	})
}

func avroHugeEnum() string {
	return list(`{"type":"enum","name":"E","symbols":[`, ",", `]}`, func(i int) string {
		return fmt.Sprintf(`"S%d"`, i)
	})
}

func avroManyRecords() string {
	return list(`{"type":"record","name":"R","fields":[`, ",", `]}`, func(i int) string {
		return fmt.Sprintf(`{"name":"f%d","type":{"type":"record","name":"T%d","fields":[]}}`, i, i)
	})
}

func avroHugeUnion() string {
	return list(`[`, ",", `]`, func(i int) string {
		return fmt.Sprintf(`{"type":"record","name":"U%d","fields":[{"name":"a","type":"int"}]}`, i)
	})
}

// avroLongNamespace: every named type inherits an 80 KB namespace, so each
// full name costs 80 KB.
func avroLongNamespace() string {
	ns := strings.Repeat("n.", 40000) + "n"
	return list(`{"type":"record","name":"R","namespace":"`+ns+`","fields":[`, ",", `]}`, func(i int) string {
		return fmt.Sprintf(`{"name":"f%d","type":{"type":"fixed","name":"F%d","size":1}}`, i, i)
	})
}

// avroDeepProperty: a custom property holding deeply nested JSON.
func avroDeepProperty() string {
	return nestIn(`{"type":"record","name":"R","fields":[{"name":"f","type":"string","x":`, `}]}`, `[`, `1`, `]`)
}

// --- JSON Schema ---

func jsonDeepProperties() string {
	return nest(`{"type":"object","properties":{"a":`, `{"type":"string"}`, `}}`)
}

func jsonDeepItems() string {
	return nest(`{"items":`, `{}`, `}`)
}

func jsonDeepAllOf() string {
	return nest(`{"allOf":[`, `{}`, `]}`)
}

func jsonManyProperties() string {
	return list(`{"type":"object","properties":{`, ",", `}}`, func(i int) string {
		return fmt.Sprintf(`"p%d":{"type":"integer"}`, i)
	})
}

func jsonHugeEnum() string {
	return list(`{"enum":[`, ",", `]}`, func(i int) string { return fmt.Sprint(i) })
}

// refDefs builds definitions d0..dn, d0 = first and each later one
// def(i) (which may refer to d(i-1)), with the root referring to the last.
func refDefs(first string, def func(i int) string) string {
	var b strings.Builder
	b.WriteString(`{"definitions":{"d0":` + first)
	n := 0
	for {
		d := fmt.Sprintf(`,"d%d":%s`, n+1, def(n+1))
		if b.Len()+len(d)+60 >= fillTo {
			break
		}
		b.WriteString(d)
		n++
	}
	fmt.Fprintf(&b, `},"$ref":"#/definitions/d%d"}`, n)
	return b.String()
}

func jsonRefChain() string {
	return refDefs(`{"type":"string"}`, func(i int) string {
		return fmt.Sprintf(`{"$ref":"#/definitions/d%d"}`, i-1)
	})
}

// jsonRefFanout: each definition refers twice to the previous one, in
// anyOf, so expanding the references naively doubles per level.
func jsonRefFanout() string {
	return refDefs(`{"type":"string"}`, func(i int) string {
		return fmt.Sprintf(`{"anyOf":[{"$ref":"#/definitions/d%d"},{"$ref":"#/definitions/d%d","minLength":1}]}`, i-1, i-1)
	})
}

// jsonLongKeyPrefix: many subschemas under a property with an 80 KB name:
// every subschema's location repeats the name.
func jsonLongKeyPrefix() string {
	key := strings.Repeat("k", 80000)
	return list(`{"properties":{"`+key+`":{"properties":{`, ",", `}}}}`, func(i int) string {
		return fmt.Sprintf(`"p%d":{}`, i)
	})
}

func jsonManyPatterns() string {
	return list(`{"patternProperties":{`, ",", `}}`, func(i int) string {
		return fmt.Sprintf(`"^p%d(a|b)+c{1,9}$":{"type":"integer"}`, i)
	})
}

// --- Protobuf ---

func protoDeepMessages() string {
	return `syntax = "proto3";` + "\n" + nest(`message M%d{`, `int32 f=1;`, `}`)
}

func protoLongPackage() string {
	pkg := strings.Repeat("a.", 84000) + "a"
	return `syntax = "proto3"; package ` + pkg + `; message M { int32 f = 1; }`
}

func protoLongPackageManyMessages() string {
	pkg := strings.Repeat("a.", 40000) + "a"
	return list(`syntax = "proto3"; package `+pkg+";\n", "\n", "", func(i int) string {
		return fmt.Sprintf(`message M%d{}`, i)
	})
}

func protoManyFields() string {
	return list(`syntax = "proto3"; message M {`, "\n", `}`, func(i int) string {
		return fmt.Sprintf(`int32 f%d = %d;`, i, i+1)
	})
}

func protoHugeEnum() string {
	return list(`syntax = "proto3"; enum E {`, "\n", `}`, func(i int) string {
		return fmt.Sprintf(`V%d = %d;`, i, i)
	})
}

func protoManyMessages() string {
	return list(`syntax = "proto3";`+"\n", "\n", "", func(i int) string {
		return fmt.Sprintf(`message M%d{int32 a=1;}`, i)
	})
}

func protoManyReserved() string {
	return list(`syntax = "proto3"; message M { reserved `, ",", `; }`, func(i int) string {
		return fmt.Sprint(i + 1)
	})
}

func protoDeepOptionLiteral() string {
	return nestIn(`syntax = "proto3"; message M { option (x) = `, `; }`, `{a:`, `1`, `}`)
}

// protoDeepRefs: nested messages where each level has a field naming a long
// relative type, resolved by trying every enclosing scope.
func protoDeepRefs() string {
	return `syntax = "proto3";` + "\n" + nest(`message M%d{ M0.M1.M2.M3.M4.M5.M6.M7 f=1;`, ``, `}`)
}

// avroBigDefault: a field default holding a long array.
func avroBigDefault() string {
	return list(`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":"int"},"default":[`, ",", `]}]}`, func(int) string { return "1" })
}

// avroBigProperty: a custom property holding a long array of strings.
func avroBigProperty() string {
	return list(`{"type":"record","name":"R","x":[`, ",", `],"fields":[]}`, func(int) string { return `""` })
}

// avroManyRefs: one record type referred to by name from many fields.
func avroManyRefs() string {
	return list(`{"type":"record","name":"R","namespace":"`+strings.Repeat("n", 990)+`","fields":[{"name":"t","type":{"type":"fixed","name":"F","size":1}}`, "", `]}`, func(i int) string {
		return fmt.Sprintf(`,{"name":"f%d","type":"F"}`, i)
	})
}

// --- Pairs for the compatibility check ---

func jsonEnum(n, from int) string {
	vals := make([]string, n)
	for i := range vals {
		vals[i] = fmt.Sprint(from + i)
	}
	return `{"enum":[` + strings.Join(vals, ",") + `]}`
}

// jsonFanOut defines d0 .. dn, each an anyOf of two references to the one
// before.
func jsonFanOut(n int, extra string) string {
	var b strings.Builder
	b.WriteString(`{"definitions":{"d0":{"type":"string"}`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `,"d%d":{"anyOf":[{"$ref":"#/definitions/d%d"},{"$ref":"#/definitions/d%d","minLength":%d}]}`, i, i-1, i-1, i)
	}
	fmt.Fprintf(&b, `},"$ref":"#/definitions/d%d"%s}`, n, extra)
	return b.String()
}

// avroUnion is a union of n one-field records named prefix0, prefix1...
func avroUnion(n int, prefix string) string {
	branches := make([]string, n)
	for i := range branches {
		branches[i] = fmt.Sprintf(`{"type":"record","name":"%s%d","fields":[{"name":"a","type":"int"}]}`, prefix, i)
	}
	return "[" + strings.Join(branches, ",") + "]"
}

func protoMessages(n int) string {
	var b strings.Builder
	b.WriteString(`syntax = "proto3";`)
	for i := range n {
		fmt.Fprintf(&b, "\nmessage M%d { int32 a = 1; }", i)
	}
	return b.String()
}
