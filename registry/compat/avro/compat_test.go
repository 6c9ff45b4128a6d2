package avro_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/registry/compat"
	"github.com/evolvestack/evolvestack/registry/compat/avro"
)

// want is one finding a case expects: its rule and path.
type want struct{ rule, path string }

// compatCase is one reader/writer pair and the decision the Avro
// specification (as Avro Java's SchemaCompatibility applies it) gives.
type compatCase struct {
	name           string
	reader, writer string
	ok             bool
	want           []want
	// hambaDiffers explains why hamba's SchemaCompatibility is not a
	// reliable oracle for this pair; empty means it should agree.
	hambaDiffers string
}

const (
	tm   = avro.RuleTypeMismatch
	nm   = avro.RuleNameMismatch
	rfmd = avro.RuleReaderFieldMissingDefault
	rfa  = avro.RuleReaderFieldAmbiguous
	esm  = avro.RuleEnumSymbolMissing
	fsm  = avro.RuleFixedSizeMismatch
	ubu  = avro.RuleUnionBranchUnreadable
	nubm = avro.RuleNoUnionBranchMatches
)

// hambaFirstFieldMatch: hamba takes the first writer field a reader field's
// name or aliases match; Avro Java rejects a reader field matching two.
const hambaFirstFieldMatch = "hamba takes the first matching writer field"

var primitives = []string{"null", "boolean", "int", "long", "float", "double", "bytes", "string"}

// promotions lists, from the specification's resolution rules, every writer
// primitive a reader primitive of another type accepts, as "writer->reader".
var promotions = []string{
	"int->long", "int->float", "int->double",
	"long->float", "long->double",
	"float->double",
	"string->bytes", "bytes->string",
}

// primitiveMatrix is every (reader, writer) pair of primitive types.
func primitiveMatrix() []compatCase {
	var out []compatCase
	for _, w := range primitives {
		for _, r := range primitives {
			ok := r == w || slices.Contains(promotions, w+"->"+r)
			c := compatCase{
				name:   fmt.Sprintf("primitive/%s-read-as-%s", w, r),
				reader: q(r),
				writer: q(w),
				ok:     ok,
			}
			if !ok {
				c.want = []want{{tm, r}}
			}
			out = append(out, c)
		}
	}
	return out
}

// handCases are pairs written from the specification's resolution rules.
func handCases() []compatCase {
	person := rec("Person", fld("id", `"long"`), fld("name", `"string"`))
	list := rec("LinkedList", fld("value", `"int"`), fld("next", union(`"null"`, `"LinkedList"`)))
	address := rec("Address", fld("street", `"string"`), fld("zip", `"int"`))
	addressStr := rec("Address", fld("street", `"string"`), fld("zip", `"string"`))
	return []compatCase{
		// Records and fields.
		{name: "record/identical", reader: person, writer: person, ok: true},
		{name: "record/empty", reader: rec("E"), writer: rec("E"), ok: true},
		{name: "record/writer-extra-field-ignored", reader: rec("R", fld("a", `"int"`)),
			writer: rec("R", fld("a", `"int"`), fld("b", `"string"`)), ok: true},
		{name: "record/reader-extra-field-with-default", reader: rec("R", fld("a", `"int"`), fldDef("b", `"string"`, `"x"`)),
			writer: rec("R", fld("a", `"int"`)), ok: true},
		{name: "record/reader-extra-field-without-default", reader: rec("R", fld("a", `"int"`), fld("b", `"double"`)),
			writer: rec("R", fld("a", `"int"`)), want: []want{{rfmd, "R.b"}}},
		{name: "record/reader-extra-optional-null-default", reader: rec("R", fld("a", `"int"`), fldDef("b", union(`"null"`, `"string"`), "null")),
			writer: rec("R", fld("a", `"int"`)), ok: true},
		{name: "record/reader-extra-union-string-first-default", reader: rec("R", fldDef("b", union(`"string"`, `"null"`), `"x"`)),
			writer: rec("R"), ok: true},
		{name: "record/reader-extra-union-without-default", reader: rec("R", fld("b", union(`"null"`, `"string"`))),
			writer: rec("R"), want: []want{{rfmd, "R.b"}}},
		{name: "record/reader-extra-record-field-with-default",
			reader: rec("R", fldDef("n", rec("N", fldDef("x", `"int"`, "1")), `{}`)),
			writer: rec("R"), ok: true},
		{name: "record/reader-extra-array-default", reader: rec("R", fldDef("xs", arr(`"int"`), "[]")),
			writer: rec("R"), ok: true},
		{name: "record/reader-extra-map-default", reader: rec("R", fldDef("m", mp(`"int"`), "{}")),
			writer: rec("R"), ok: true},
		{name: "record/reader-extra-enum-default", reader: rec("R", fldDef("e", enum("E", "A", "B"), `"A"`)),
			writer: rec("R"), ok: true},
		{name: "record/reader-extra-enum-field-without-default-despite-enum-default",
			reader: rec("R", fld("e", enumDef("E", "A", "A", "B"))),
			writer: rec("R"), want: []want{{rfmd, "R.e"}}},
		{name: "record/field-int-promoted-to-long", reader: rec("R", fld("a", `"long"`)),
			writer: rec("R", fld("a", `"int"`)), ok: true},
		{name: "record/field-long-to-int", reader: rec("R", fld("a", `"int"`)),
			writer: rec("R", fld("a", `"long"`)), want: []want{{tm, "R.a"}}},
		{name: "record/field-string-to-bytes", reader: rec("R", fld("a", `"bytes"`)),
			writer: rec("R", fld("a", `"string"`)), ok: true},
		{name: "record/field-bytes-to-string", reader: rec("R", fld("a", `"string"`)),
			writer: rec("R", fld("a", `"bytes"`)), ok: true},
		{name: "record/field-double-to-float", reader: rec("R", fld("a", `"float"`)),
			writer: rec("R", fld("a", `"double"`)), want: []want{{tm, "R.a"}}},
		{name: "record/field-default-does-not-fix-type-change", reader: rec("R", fldDef("a", `"int"`, "0")),
			writer: rec("R", fld("a", `"string"`)), want: []want{{tm, "R.a"}}},
		{name: "record/fields-reordered", reader: rec("R", fld("b", `"string"`), fld("a", `"int"`)),
			writer: rec("R", fld("a", `"int"`), fld("b", `"string"`)), ok: true},
		{name: "record/field-renamed-with-reader-alias", reader: rec("R", fldAlias("b", `"int"`, "a")),
			writer: rec("R", fld("a", `"int"`)), ok: true},
		{name: "record/field-renamed-without-alias", reader: rec("R", fld("b", `"int"`)),
			writer: rec("R", fld("a", `"int"`)), want: []want{{rfmd, "R.b"}}},
		{name: "record/field-renamed-alias-only-on-writer", reader: rec("R", fld("b", `"int"`)),
			writer: rec("R", fldAlias("a", `"int"`, "b")), want: []want{{rfmd, "R.b"}}},
		{name: "record/field-alias-matches-two-writer-fields", reader: rec("R", fldAlias("a", `"int"`, "b")),
			writer: rec("R", fld("a", `"int"`), fld("b", `"int"`)), want: []want{{rfa, "R.a"}}, hambaDiffers: hambaFirstFieldMatch},
		{name: "record/field-alias-type-checked", reader: rec("R", fldAlias("b", `"int"`, "a")),
			writer: rec("R", fld("a", `"string"`)), want: []want{{tm, "R.b"}}},
		{name: "record/renamed-without-alias", reader: rec("S", fld("a", `"int"`)),
			writer: rec("R", fld("a", `"int"`)), want: []want{{nm, "S"}}},
		{name: "record/renamed-with-reader-alias", reader: recNS("S", "", []string{"R"}, fld("a", `"int"`)),
			writer: rec("R", fld("a", `"int"`)), ok: true},
		{name: "record/renamed-alias-only-on-writer", reader: rec("S", fld("a", `"int"`)),
			writer: recNS("R", "", []string{"S"}, fld("a", `"int"`)), want: []want{{nm, "S"}}},
		{name: "record/alias-relative-to-reader-namespace", reader: recNS("New", "ns", []string{"Old"}),
			writer: recNS("Old", "ns", nil), ok: true},
		{name: "record/alias-relative-to-other-namespace", reader: recNS("New", "ns", []string{"Old"}),
			writer: recNS("Old", "other", nil), want: []want{{nm, "New"}}},
		{name: "record/alias-fully-qualified", reader: recNS("New", "ns", []string{"other.Old"}),
			writer: recNS("Old", "other", nil), ok: true},
		{name: "record/same-name-different-namespace", reader: recNS("R", "a.b", nil, fld("x", `"int"`)),
			writer: recNS("R", "c.d", nil, fld("x", `"int"`)), ok: true},
		{name: "record/namespace-only-on-writer", reader: rec("R", fld("x", `"int"`)),
			writer: recNS("R", "ns", nil, fld("x", `"int"`)), ok: true},
		{name: "record/dotted-name", reader: rec("a.b.R", fld("x", `"int"`)),
			writer: recNS("R", "a.b", nil, fld("x", `"int"`)), ok: true},
		{name: "record/nested-field-type-change", reader: rec("R", fld("addr", addressStr)),
			writer: rec("R", fld("addr", address)), want: []want{{tm, "R.addr.zip"}}},
		{name: "record/nested-field-promotion", reader: rec("R", fld("addr", rec("Address", fld("zip", `"double"`)))),
			writer: rec("R", fld("addr", rec("Address", fld("zip", `"int"`)))), ok: true},
		{name: "record/nested-missing-default", reader: rec("R", fld("addr", rec("Address", fld("zip", `"int"`), fld("city", `"string"`)))),
			writer: rec("R", fld("addr", rec("Address", fld("zip", `"int"`)))), want: []want{{rfmd, "R.addr.city"}}},
		{name: "record/nested-renamed", reader: rec("R", fld("addr", rec("Location", fld("zip", `"int"`)))),
			writer: rec("R", fld("addr", rec("Address", fld("zip", `"int"`)))), want: []want{{nm, "R.addr"}}},
		{name: "record/two-problems-both-reported", reader: rec("R", fld("a", `"int"`), fld("b", `"string"`), fld("c", `"int"`)),
			writer: rec("R", fld("a", `"long"`), fld("b", `"string"`)), want: []want{{tm, "R.a"}, {rfmd, "R.c"}}},
		{name: "record/named-type-reused-reported-at-each-use",
			reader: rec("R", fld("billing", addressStr), fld("shipping", `"Address"`)),
			writer: rec("R", fld("billing", address), fld("shipping", `"Address"`)),
			want:   []want{{tm, "R.billing.zip"}, {tm, "R.shipping.zip"}}},
		{name: "record/reference-vs-inline-definition",
			reader: rec("R", fld("a", address), fld("b", `"Address"`)),
			writer: rec("R", fld("a", address), fld("b", rec("Address2", fld("zip", `"int"`)))),
			want:   []want{{nm, "R.b"}}},
		{name: "record/error-type-reads-record", reader: `{"type":"error","name":"R","fields":[{"name":"a","type":"int"}]}`,
			writer: rec("R", fld("a", `"int"`)), ok: true},
		{name: "record/reader-record-writer-string", reader: person, writer: `"string"`, want: []want{{tm, "Person"}}},
		{name: "record/reader-string-writer-record", reader: `"string"`, writer: person, want: []want{{tm, "string"}}},
		{name: "record/reader-record-writer-array", reader: person, writer: arr(person), want: []want{{tm, "Person"}}},
		{name: "record/reader-record-writer-enum", reader: rec("E"), writer: enum("E", "A"), want: []want{{tm, "E"}}},

		// Enums.
		{name: "enum/identical", reader: enum("Color", "RED", "GREEN"), writer: enum("Color", "RED", "GREEN"), ok: true},
		{name: "enum/reader-adds-symbol", reader: enum("Color", "RED", "GREEN", "BLUE"), writer: enum("Color", "RED", "GREEN"), ok: true},
		{name: "enum/writer-adds-symbol", reader: enum("Color", "RED", "GREEN"), writer: enum("Color", "RED", "GREEN", "BLUE"),
			want: []want{{esm, "Color"}}},
		{name: "enum/writer-adds-symbol-reader-default", reader: enumDef("Color", "RED", "RED", "GREEN"),
			writer: enum("Color", "RED", "GREEN", "BLUE"), ok: true},
		{name: "enum/writer-adds-symbol-writer-default-only", reader: enum("Color", "RED", "GREEN"),
			writer: enumDef("Color", "RED", "RED", "GREEN", "BLUE"), want: []want{{esm, "Color"}}},
		{name: "enum/symbols-reordered", reader: enum("Color", "GREEN", "RED"), writer: enum("Color", "RED", "GREEN"), ok: true},
		{name: "enum/two-missing-symbols", reader: enum("Color", "RED"), writer: enum("Color", "RED", "GREEN", "BLUE"),
			want: []want{{esm, "Color"}}},
		{name: "enum/renamed", reader: enum("Colour", "RED"), writer: enum("Color", "RED"), want: []want{{nm, "Colour"}}},
		{name: "enum/renamed-with-alias", reader: `{"type":"enum","name":"Colour","aliases":["Color"],"symbols":["RED"]}`,
			writer: enum("Color", "RED"), ok: true},
		{name: "enum/in-record-field", reader: rec("R", fld("c", enum("Color", "RED"))),
			writer: rec("R", fld("c", enum("Color", "RED", "BLUE"))), want: []want{{esm, "R.c"}}},
		{name: "enum/writer-enum-reader-string", reader: `"string"`, writer: enum("Color", "RED"), want: []want{{tm, "string"}}},
		{name: "enum/writer-string-reader-enum", reader: enum("Color", "RED"), writer: `"string"`, want: []want{{tm, "Color"}}},
		{name: "enum/in-union-writer-adds-symbol", reader: rec("R", fld("c", union(`"null"`, enum("Color", "RED")))),
			writer: rec("R", fld("c", union(`"null"`, enum("Color", "RED", "BLUE")))),
			want:   []want{{ubu, "R.c"}, {esm, "R.c"}}},

		// Fixed.
		{name: "fixed/identical", reader: fixed("Hash", 16), writer: fixed("Hash", 16), ok: true},
		{name: "fixed/size-grows", reader: fixed("Hash", 32), writer: fixed("Hash", 16), want: []want{{fsm, "Hash"}}},
		{name: "fixed/size-shrinks", reader: fixed("Hash", 8), writer: fixed("Hash", 16), want: []want{{fsm, "Hash"}}},
		{name: "fixed/renamed", reader: fixed("Digest", 16), writer: fixed("Hash", 16), want: []want{{nm, "Digest"}}},
		{name: "fixed/renamed-with-alias", reader: `{"type":"fixed","name":"Digest","aliases":["Hash"],"size":16}`,
			writer: fixed("Hash", 16), ok: true},
		{name: "fixed/writer-fixed-reader-bytes", reader: `"bytes"`, writer: fixed("Hash", 16), want: []want{{tm, "bytes"}}},
		{name: "fixed/writer-bytes-reader-fixed", reader: fixed("Hash", 16), writer: `"bytes"`, want: []want{{tm, "Hash"}}},
		{name: "fixed/in-record-size-change", reader: rec("R", fld("h", fixed("Hash", 20))),
			writer: rec("R", fld("h", fixed("Hash", 16))), want: []want{{fsm, "R.h"}}},

		// Arrays and maps.
		{name: "array/items-promoted", reader: arr(`"long"`), writer: arr(`"int"`), ok: true},
		{name: "array/items-narrowed", reader: arr(`"int"`), writer: arr(`"long"`), want: []want{{tm, "array[]"}}},
		{name: "array/of-records-missing-default", reader: rec("Order", fld("items", arr(rec("Item", fld("sku", `"string"`), fld("price", `"double"`))))),
			writer: rec("Order", fld("items", arr(rec("Item", fld("sku", `"string"`))))),
			want:   []want{{rfmd, "Order.items[].price"}}},
		{name: "array/of-records-field-promoted", reader: rec("Order", fld("items", arr(rec("Item", fld("price", `"double"`))))),
			writer: rec("Order", fld("items", arr(rec("Item", fld("price", `"float"`))))), ok: true},
		{name: "array/of-arrays-narrowed", reader: arr(arr(`"float"`)), writer: arr(arr(`"double"`)), want: []want{{tm, "array[][]"}}},
		{name: "array/writer-map", reader: arr(`"int"`), writer: mp(`"int"`), want: []want{{tm, "array"}}},
		{name: "array/writer-items-union-reader-items-union", reader: arr(union(`"null"`, `"string"`, `"int"`)),
			writer: arr(union(`"null"`, `"string"`)), ok: true},
		{name: "array/items-union-loses-branch", reader: arr(union(`"null"`, `"string"`)),
			writer: arr(union(`"null"`, `"string"`, `"boolean"`)), want: []want{{ubu, "array[]"}}},
		{name: "map/values-promoted", reader: mp(`"double"`), writer: mp(`"long"`), ok: true},
		{name: "map/values-narrowed", reader: rec("R", fld("m", mp(`"int"`))), writer: rec("R", fld("m", mp(`"long"`))),
			want: []want{{tm, "R.m{}"}}},
		{name: "map/of-records-missing-default", reader: rec("R", fld("m", mp(rec("V", fld("x", `"int"`))))),
			writer: rec("R", fld("m", mp(rec("V")))), want: []want{{rfmd, "R.m{}.x"}}},
		{name: "map/writer-array", reader: mp(`"int"`), writer: arr(`"int"`), want: []want{{tm, "map"}}},
		{name: "map/of-arrays", reader: mp(arr(`"string"`)), writer: mp(arr(`"bytes"`)), ok: true},
		{name: "map/writer-string", reader: mp(`"string"`), writer: `"string"`, want: []want{{tm, "map"}}},

		// Unions.
		{name: "union/identical", reader: union(`"null"`, `"string"`), writer: union(`"null"`, `"string"`), ok: true},
		{name: "union/reordered", reader: union(`"string"`, `"null"`), writer: union(`"null"`, `"string"`), ok: true},
		{name: "union/writer-has-extra-branch", reader: union(`"null"`, `"string"`), writer: union(`"null"`, `"string"`, `"int"`),
			want: []want{{ubu, "union"}}},
		{name: "union/reader-has-extra-branch", reader: union(`"null"`, `"string"`, `"int"`), writer: union(`"null"`, `"string"`), ok: true},
		{name: "union/writer-plain-in-reader-union", reader: union(`"null"`, `"string"`), writer: `"string"`, ok: true},
		{name: "union/writer-plain-promoted-into-reader-union", reader: union(`"null"`, `"long"`), writer: `"int"`, ok: true},
		{name: "union/writer-plain-no-branch", reader: union(`"null"`, `"string"`), writer: `"int"`, want: []want{{nubm, "union"}}},
		{name: "union/writer-union-reader-plain", reader: `"string"`, writer: union(`"null"`, `"string"`),
			want: []want{{ubu, "string"}, {tm, "string"}}},
		{name: "union/writer-single-branch-reader-plain", reader: `"string"`, writer: union(`"string"`), ok: true},
		{name: "union/writer-int-long-reader-double", reader: `"double"`, writer: union(`"int"`, `"long"`), ok: true},
		{name: "union/writer-int-long-reader-long", reader: `"long"`, writer: union(`"int"`, `"long"`), ok: true},
		{name: "union/writer-int-long-reader-int", reader: `"int"`, writer: union(`"int"`, `"long"`),
			want: []want{{ubu, "int"}, {tm, "int"}}},
		{name: "union/writer-null-reader-nullable", reader: union(`"null"`, `"int"`), writer: `"null"`, ok: true},
		{name: "union/writer-null-reader-int", reader: `"int"`, writer: `"null"`, want: []want{{tm, "int"}}},
		{name: "union/records-reader-branch-missing-default",
			reader: rec("R", fld("u", union(`"null"`, rec("A", fld("x", `"int"`), fld("y", `"int"`))))),
			writer: rec("R", fld("u", union(`"null"`, rec("A", fld("x", `"int"`))))),
			want:   []want{{ubu, "R.u"}, {rfmd, "R.u.y"}}},
		{name: "union/records-reordered", reader: union(rec("B"), rec("A")), writer: union(rec("A"), rec("B")), ok: true},
		{name: "union/record-branch-by-alias", reader: union(`"null"`, recNS("C", "", []string{"A"})),
			writer: union(`"null"`, rec("A")), ok: true},
		{name: "union/writer-record-matches-second-reader-branch", reader: union(rec("A", fld("a", `"int"`)), rec("B", fld("b", `"int"`))),
			writer: rec("B", fld("b", `"int"`)), ok: true},
		{name: "union/writer-record-no-reader-branch", reader: union(`"null"`, rec("B")), writer: rec("A"),
			want: []want{{nubm, "union"}}},
		{name: "union/writer-record-same-name-branch-unreadable", reader: union(`"null"`, rec("A", fld("x", `"int"`))), writer: rec("A"),
			want: []want{{nubm, "union"}, {rfmd, "union.x"}}},
		{name: "union/arrays-promoted", reader: union(`"null"`, arr(`"long"`)), writer: union(`"null"`, arr(`"int"`)), ok: true},
		{name: "union/maps-narrowed-detail", reader: rec("R", fld("f", union(`"null"`, mp(`"int"`)))),
			writer: rec("R", fld("f", union(`"null"`, mp(`"long"`)))), want: []want{{ubu, "R.f"}, {tm, "R.f{}"}}},
		{name: "union/optional-field-made-required", reader: rec("R", fld("a", `"string"`)),
			writer: rec("R", fld("a", union(`"null"`, `"string"`))), want: []want{{ubu, "R.a"}, {tm, "R.a"}}},
		{name: "union/required-field-made-optional", reader: rec("R", fldDef("a", union(`"null"`, `"string"`), "null")),
			writer: rec("R", fld("a", `"string"`)), ok: true},
		{name: "union/string-writer-bytes-in-reader-union", reader: union(`"null"`, `"bytes"`), writer: union(`"null"`, `"string"`), ok: true},
		{name: "union/enum-branch-reader-default", reader: union(`"null"`, enumDef("E", "A", "A")),
			writer: union(`"null"`, enum("E", "A", "B")), ok: true},
		{name: "union/fixed-branch-size-change", reader: union(`"null"`, fixed("F", 4)), writer: union(`"null"`, fixed("F", 8)),
			want: []want{{ubu, "union"}, {fsm, "union"}}},

		// Recursive types.
		{name: "recursive/identical", reader: list, writer: list, ok: true},
		{name: "recursive/reader-adds-field-without-default",
			reader: rec("LinkedList", fld("value", `"int"`), fld("next", union(`"null"`, `"LinkedList"`)), fld("label", `"string"`)),
			writer: list, want: []want{{rfmd, "LinkedList.label"}}},
		{name: "recursive/reader-adds-field-with-default",
			reader: rec("LinkedList", fld("value", `"int"`), fld("next", union(`"null"`, `"LinkedList"`)), fldDef("label", `"string"`, `""`)),
			writer: list, ok: true},
		{name: "recursive/value-promoted",
			reader: rec("LinkedList", fld("value", `"long"`), fld("next", union(`"null"`, `"LinkedList"`))),
			writer: list, ok: true},
		{name: "recursive/value-narrowed",
			reader: list,
			writer: rec("LinkedList", fld("value", `"long"`), fld("next", union(`"null"`, `"LinkedList"`))),
			want:   []want{{tm, "LinkedList.value"}}},
		{name: "recursive/tree-children-array",
			reader: rec("Tree", fld("value", `"string"`), fld("children", arr(`"Tree"`))),
			writer: rec("Tree", fld("value", `"bytes"`), fld("children", arr(`"Tree"`))), ok: true},
		{name: "recursive/tree-value-narrowed",
			reader: rec("Tree", fld("value", `"int"`), fld("children", arr(`"Tree"`))),
			writer: rec("Tree", fld("value", `"double"`), fld("children", arr(`"Tree"`))),
			want:   []want{{tm, "Tree.value"}}},
		{name: "recursive/mutual",
			reader: rec("A", fld("b", rec("B", fld("x", `"int"`), fld("a", union(`"null"`, `"A"`))))),
			writer: rec("A", fld("b", rec("B", fld("x", `"long"`), fld("a", union(`"null"`, `"A"`))))),
			want:   []want{{tm, "A.b.x"}}},
		{name: "recursive/mutual-compatible",
			reader: rec("A", fld("b", rec("B", fld("x", `"long"`), fld("a", union(`"null"`, `"A"`))))),
			writer: rec("A", fld("b", rec("B", fld("x", `"int"`), fld("a", union(`"null"`, `"A"`))))), ok: true},
		{name: "recursive/map-of-self",
			reader: rec("Node", fld("kids", mp(`"Node"`)), fldDef("w", `"int"`, "0")),
			writer: rec("Node", fld("kids", mp(`"Node"`))), ok: true},

		// Logical types: ignored, only the underlying types are resolved, as in
		// Avro Java's SchemaCompatibility.
		{name: "logical/decimal-precision-change-ignored",
			reader: `{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}`,
			writer: `{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}`, ok: true},
		{name: "logical/decimal-scale-change-ignored",
			reader: `{"type":"bytes","logicalType":"decimal","precision":10,"scale":4}`,
			writer: `{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}`, ok: true},
		{name: "logical/timestamp-millis-vs-micros-ignored",
			reader: `{"type":"long","logicalType":"timestamp-micros"}`,
			writer: `{"type":"long","logicalType":"timestamp-millis"}`, ok: true},
		{name: "logical/date-int-promoted-to-timestamp-long",
			reader: `{"type":"long","logicalType":"timestamp-millis"}`,
			writer: `{"type":"int","logicalType":"date"}`, ok: true},
		{name: "logical/timestamp-long-to-date-int",
			reader: `{"type":"int","logicalType":"date"}`,
			writer: `{"type":"long","logicalType":"timestamp-millis"}`, want: []want{{tm, "int"}}},
		{name: "logical/uuid-to-string", reader: `"string"`, writer: `{"type":"string","logicalType":"uuid"}`, ok: true},
		{name: "logical/string-to-uuid", reader: `{"type":"string","logicalType":"uuid"}`, writer: `"string"`, ok: true},
		{name: "logical/decimal-bytes-to-decimal-fixed",
			reader: `{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":10,"scale":2}`,
			writer: `{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}`, want: []want{{tm, "Money"}}},
		{name: "logical/decimal-fixed-size-change",
			reader: `{"type":"fixed","name":"Money","size":16,"logicalType":"decimal","precision":10,"scale":2}`,
			writer: `{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":10,"scale":2}`,
			want:   []want{{fsm, "Money"}}},
		{name: "logical/timestamp-to-string", reader: rec("R", fld("t", `"string"`)),
			writer: rec("R", fld("t", `{"type":"long","logicalType":"timestamp-millis"}`)), want: []want{{tm, "R.t"}}},
		{name: "logical/time-millis-to-time-micros", reader: `{"type":"long","logicalType":"time-micros"}`,
			writer: `{"type":"int","logicalType":"time-millis"}`, ok: true},
	}
}

func allCases() []compatCase { return append(primitiveMatrix(), handCases()...) }

func TestCanRead(t *testing.T) {
	t.Parallel()
	cases := allCases()
	if len(cases) < 120 {
		t.Fatalf("only %d reader/writer pairs", len(cases))
	}
	f := avro.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !tc.ok && len(tc.want) == 0 {
				t.Fatal("an incompatible case must list expected findings")
			}
			got := f.CanRead(mustParse(t, tc.reader), mustParse(t, tc.writer))
			if tc.ok {
				if got != nil {
					t.Fatalf("want compatible, got %+v", got)
				}
				return
			}
			if len(got) == 0 {
				t.Fatal("want incompatible, got no findings")
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(f compat.Finding) bool { return f.Rule == w.rule && f.Path == w.path }) {
					t.Errorf("missing finding %s at %q; got %+v", w.rule, w.path, got)
				}
			}
			for _, g := range got {
				if g.Rule == "" || !strings.Contains(g.Message, "reader") || !strings.Contains(g.Message, "writer") {
					t.Errorf("finding must name a rule and speak of the reader and the writer: %+v", g)
				}
			}
		})
	}
}
