package protobuf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/registry/compat"
)

func p3(body string) string { return "syntax = \"proto3\";\npackage shop;\n" + body }
func p2(body string) string { return "syntax = \"proto2\";\npackage shop;\n" + body }

type want struct{ rule, path string }

type pairCase struct {
	name           string
	reader, writer string
	want           []want // nil: compatible
}

func pairCases() []pairCase {
	item := "message Item { string sku = 1; }\nmessage Other { string id = 1; }\n"
	return []pairCase{
		// Unchanged and additive.
		{name: "identical", reader: p3("message Order { int32 id = 1; }"), writer: p3("message Order { int32 id = 1; }")},
		{name: "field added in reader", reader: p3("message Order { int32 id = 1; string note = 2; }"), writer: p3("message Order { int32 id = 1; }")},
		{name: "optional field removed in reader", reader: p3("message Order { int32 id = 1; }"), writer: p3("message Order { int32 id = 1; string note = 2; }")},
		{name: "field renamed", reader: p3("message Order { int32 ident = 1; }"), writer: p3("message Order { int32 id = 1; }")},
		{name: "message added in reader", reader: p3("message Order { int32 id = 1; }\nmessage Extra {}"), writer: p3("message Order { int32 id = 1; }")},
		{name: "map field removed", reader: p3("message Order { int32 id = 1; }"), writer: p3("message Order { int32 id = 1; map<string, string> tags = 2; }")},

		// Wire-compatible scalar groups.
		{name: "int32 to int64", reader: p3("message Order { int64 q = 1; }"), writer: p3("message Order { int32 q = 1; }")},
		{name: "int32 to uint64", reader: p3("message Order { uint64 q = 1; }"), writer: p3("message Order { int32 q = 1; }")},
		{name: "uint32 to int64", reader: p3("message Order { int64 q = 1; }"), writer: p3("message Order { uint32 q = 1; }")},
		{name: "bool to int32", reader: p3("message Order { int32 q = 1; }"), writer: p3("message Order { bool q = 1; }")},
		{name: "enum to int32", reader: p3("message Order { int32 s = 1; }"), writer: p3("enum S { A = 0; }\nmessage Order { S s = 1; }")},
		{name: "bool to enum", reader: p3("enum S { A = 0; }\nmessage Order { S s = 1; }"), writer: p3("message Order { bool s = 1; }")},
		{name: "enum to other enum", reader: p3("enum T { B = 0; }\nmessage Order { T s = 1; }"), writer: p3("enum S { A = 0; }\nmessage Order { S s = 1; }")},
		{name: "sint32 to sint64", reader: p3("message Order { sint64 q = 1; }"), writer: p3("message Order { sint32 q = 1; }")},
		{name: "fixed32 to sfixed32", reader: p3("message Order { sfixed32 q = 1; }"), writer: p3("message Order { fixed32 q = 1; }")},
		{name: "fixed64 to sfixed64", reader: p3("message Order { sfixed64 q = 1; }"), writer: p3("message Order { fixed64 q = 1; }")},
		{name: "string to bytes", reader: p3("message Order { bytes b = 1; }"), writer: p3("message Order { string b = 1; }")},
		{name: "bytes to string", reader: p3("message Order { string b = 1; }"), writer: p3("message Order { bytes b = 1; }")},
		{name: "message read as bytes", reader: p3(item + "message Order { bytes b = 1; }"), writer: p3(item + "message Order { Item b = 1; }")},
		{name: "bytes read as message", reader: p3(item + "message Order { Item b = 1; }"), writer: p3(item + "message Order { bytes b = 1; }")},

		// Wire-incompatible types.
		{name: "message read as string", reader: p3(item + "message Order { string b = 1; }"), writer: p3(item + "message Order { Item b = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.b"}}},
		{name: "float to double", reader: p3("message Order { double p = 1; }"), writer: p3("message Order { float p = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.p"}}},
		{name: "double to float", reader: p3("message Order { float p = 1; }"), writer: p3("message Order { double p = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.p"}}},
		{name: "int32 to sint32", reader: p3("message Order { sint32 q = 1; }"), writer: p3("message Order { int32 q = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.q"}}},
		{name: "int32 to string", reader: p3("message Order { string q = 1; }"), writer: p3("message Order { int32 q = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.q"}}},
		{name: "fixed32 to float", reader: p3("message Order { float q = 1; }"), writer: p3("message Order { fixed32 q = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.q"}}},
		{name: "fixed64 to double", reader: p3("message Order { double q = 1; }"), writer: p3("message Order { fixed64 q = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.q"}}},
		{name: "int64 to fixed64", reader: p3("message Order { fixed64 q = 1; }"), writer: p3("message Order { int64 q = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.q"}}},
		{name: "enum to string", reader: p3("message Order { string s = 1; }"), writer: p3("enum S { A = 0; }\nmessage Order { S s = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.s"}}},
		{name: "message type changed", reader: p3(item + "message Order { Other i = 1; }"), writer: p3(item + "message Order { Item i = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.i"}}},

		// Numbers.
		{name: "field number changed", reader: p3("message Order { int32 id = 2; }"), writer: p3("message Order { int32 id = 1; }"),
			want: []want{{RuleFieldNumberChanged, "shop.Order.id"}}},
		{name: "field numbers swapped", reader: p3("message Order { int32 a = 2; int32 b = 1; }"), writer: p3("message Order { int32 a = 1; int32 b = 2; }"),
			want: []want{{RuleFieldNumberChanged, "shop.Order.a"}, {RuleFieldNumberChanged, "shop.Order.b"}}},

		// Labels.
		{name: "repeated string to string", reader: p3("message Order { string t = 1; }"), writer: p3("message Order { repeated string t = 1; }")},
		{name: "string to repeated string", reader: p3("message Order { repeated string t = 1; }"), writer: p3("message Order { string t = 1; }")},
		{name: "repeated string to bytes", reader: p3("message Order { bytes t = 1; }"), writer: p3("message Order { repeated string t = 1; }")},
		{name: "repeated message to message", reader: p3(item + "message Order { Item i = 1; }"), writer: p3(item + "message Order { repeated Item i = 1; }")},
		{name: "repeated int32 to int32", reader: p3("message Order { int32 q = 1; }"), writer: p3("message Order { repeated int32 q = 1; }"),
			want: []want{{RuleLabelChanged, "shop.Order.q"}}},
		{name: "int32 to repeated int32", reader: p3("message Order { repeated int32 q = 1; }"), writer: p3("message Order { int32 q = 1; }"),
			want: []want{{RuleLabelChanged, "shop.Order.q"}}},
		{name: "repeated enum to enum", reader: p3("enum S { A = 0; }\nmessage Order { S s = 1; }"), writer: p3("enum S { A = 0; }\nmessage Order { repeated S s = 1; }"),
			want: []want{{RuleLabelChanged, "shop.Order.s"}}},
		{name: "proto3 optional to implicit", reader: p3("message Order { int32 q = 1; }"), writer: p3("message Order { optional int32 q = 1; }")},
		{name: "implicit to proto3 optional", reader: p3("message Order { optional int32 q = 1; }"), writer: p3("message Order { int32 q = 1; }")},

		// Messages and packages.
		{name: "message removed", reader: p3("message Order { int32 id = 1; }"), writer: p3("message Order { int32 id = 1; }\nmessage Extra {}"),
			want: []want{{RuleMessageRemoved, "shop.Extra"}}},
		{name: "message renamed", reader: p3("message Purchase { int32 id = 1; }"), writer: p3("message Order { int32 id = 1; }"),
			want: []want{{RuleMessageRemoved, "shop.Order"}}},
		{name: "nested message removed", reader: p3("message Order { int32 id = 1; }"), writer: p3("message Order { int32 id = 1; message Line {} }"),
			want: []want{{RuleMessageRemoved, "shop.Order.Line"}}},
		{name: "nested message field changed", reader: p3("message Order { message Line { string qty = 1; } Line l = 1; }"), writer: p3("message Order { message Line { int32 qty = 1; } Line l = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.Line.qty"}}},
		{name: "nested message moved to top level", reader: p3("message Line {}\nmessage Order { Line l = 1; }"), writer: p3("message Order { message Line {} Line l = 1; }"),
			want: []want{{RuleMessageRemoved, "shop.Order.Line"}, {RuleFieldTypeIncompatible, "shop.Order.l"}}},
		{name: "package changed", reader: "syntax = \"proto3\";\npackage store;\nmessage Order { int32 id = 1; }", writer: p3("message Order { int32 id = 1; }"),
			want: []want{{RulePackageChanged, "shop"}}},
		{name: "package added", reader: p3("message Order { int32 id = 1; }"), writer: "syntax = \"proto3\";\nmessage Order { int32 id = 1; }",
			want: []want{{RulePackageChanged, "shop"}}},
		{name: "package changed and field changed", reader: "syntax = \"proto3\";\npackage store;\nmessage Order { string id = 1; }", writer: p3("message Order { int32 id = 1; }"),
			want: []want{{RulePackageChanged, "shop"}, {RuleFieldTypeIncompatible, "shop.Order.id"}}},

		// Maps.
		{name: "map value widened", reader: p3("message Order { map<string, int64> m = 1; }"), writer: p3("message Order { map<string, int32> m = 1; }")},
		{name: "map value incompatible", reader: p3("message Order { map<string, string> m = 1; }"), writer: p3("message Order { map<string, int32> m = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.m"}}},
		{name: "map key incompatible", reader: p3("message Order { map<int32, int32> m = 1; }"), writer: p3("message Order { map<string, int32> m = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.m"}}},
		{name: "map to repeated message", reader: p3("message E { string key = 1; int32 value = 2; }\nmessage Order { repeated E m = 1; }"), writer: p3("message E {}\nmessage Order { map<string, int32> m = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.m"}}},
		{name: "map to string", reader: p3("message Order { string m = 1; }"), writer: p3("message Order { map<string, int32> m = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.m"}}},

		// proto2 required.
		{name: "required kept", reader: p2("message Order { required int32 id = 1; }"), writer: p2("message Order { required int32 id = 1; }")},
		{name: "required field added", reader: p2("message Order { required int32 id = 1; required string sku = 2; }"), writer: p2("message Order { required int32 id = 1; }"),
			want: []want{{RuleRequiredFieldAdded, "shop.Order.sku"}}},
		{name: "required field removed", reader: p2("message Order { required int32 id = 1; }"), writer: p2("message Order { required int32 id = 1; required string sku = 2; }"),
			want: []want{{RuleRequiredFieldRemoved, "shop.Order.sku"}}},
		{name: "optional made required", reader: p2("message Order { required int32 id = 1; }"), writer: p2("message Order { optional int32 id = 1; }"),
			want: []want{{RuleRequiredFieldAdded, "shop.Order.id"}}},
		{name: "required made optional", reader: p2("message Order { optional int32 id = 1; }"), writer: p2("message Order { required int32 id = 1; }"),
			want: []want{{RuleRequiredFieldRemoved, "shop.Order.id"}}},

		// Oneofs.
		{name: "single field moved into new oneof", reader: p3("message Order { oneof pay { string card = 1; string iban = 2; } }"), writer: p3("message Order { string card = 1; }")},
		{name: "two fields moved into new oneof", reader: p3("message Order { oneof pay { string card = 1; string iban = 2; } }"), writer: p3("message Order { string card = 1; string iban = 2; }"),
			want: []want{{RuleOneofFieldsMoved, "shop.Order.pay"}}},
		{name: "field moved into existing oneof", reader: p3("message Order { oneof pay { string card = 1; string iban = 2; } }"), writer: p3("message Order { oneof pay { string card = 1; } string iban = 2; }"),
			want: []want{{RuleOneofFieldMoved, "shop.Order.pay"}}},
		{name: "two oneofs merged", reader: p3("message Order { oneof pay { string card = 1; string iban = 2; } }"), writer: p3("message Order { oneof a { string card = 1; } oneof b { string iban = 2; } }"),
			want: []want{{RuleOneofFieldMoved, "shop.Order.pay"}}},
		{name: "field moved out of oneof", reader: p3("message Order { string card = 1; string iban = 2; }"), writer: p3("message Order { oneof pay { string card = 1; string iban = 2; } }")},
		{name: "oneof member removed", reader: p3("message Order { oneof pay { string card = 1; } }"), writer: p3("message Order { oneof pay { string card = 1; string iban = 2; } }"),
			want: []want{{RuleOneofFieldRemoved, "shop.Order.iban"}}},
		{name: "oneof member added", reader: p3("message Order { oneof pay { string card = 1; string iban = 2; } }"), writer: p3("message Order { oneof pay { string card = 1; } }")},
		{name: "oneof renamed", reader: p3("message Order { oneof payment { string card = 1; string iban = 2; } }"), writer: p3("message Order { oneof pay { string card = 1; string iban = 2; } }")},

		// Reserved numbers and names.
		{name: "reserved number reused", reader: p3("message Order { int32 id = 1; int64 total = 3; }"), writer: p3("message Order { int32 id = 1; reserved 3; }"),
			want: []want{{RuleReservedNumberReused, "shop.Order.total"}}},
		{name: "reserved range reused", reader: p3("message Order { int32 id = 1; int64 total = 7; }"), writer: p3("message Order { int32 id = 1; reserved 5 to 9; }"),
			want: []want{{RuleReservedNumberReused, "shop.Order.total"}}},
		{name: "old reader of retired field", reader: p3("message Order { int32 id = 1; string note = 3; }"), writer: p3("message Order { int32 id = 1; reserved 3; reserved \"note\"; }")},
		{name: "reader retires field", reader: p3("message Order { int32 id = 1; reserved 3; reserved \"note\"; }"), writer: p3("message Order { int32 id = 1; string note = 3; }")},
		{name: "reserved name reused", reader: p3("message Order { int32 id = 1; string note = 4; }"), writer: p3("message Order { int32 id = 1; reserved 3; reserved \"note\"; }"),
			want: []want{{RuleReservedNameReused, "shop.Order.note"}}},

		// Enums.
		{name: "enum value added", reader: p3("enum S { A = 0; B = 1; C = 2; }\nmessage Order { S s = 1; }"), writer: p3("enum S { A = 0; B = 1; }\nmessage Order { S s = 1; }")},
		{name: "open enum value removed", reader: p3("enum S { A = 0; }\nmessage Order { S s = 1; }"), writer: p3("enum S { A = 0; B = 1; }\nmessage Order { S s = 1; }")},
		{name: "closed enum value removed", reader: p2("enum Status { NEW = 0; }\nmessage Order { optional Status s = 1; }"), writer: p2("enum Status { NEW = 0; DONE = 1; }\nmessage Order { optional Status s = 1; }"),
			want: []want{{RuleEnumValueRemoved, "shop.Status.DONE"}}},
		{name: "closed nested enum value removed", reader: p2("message Order { enum Status { NEW = 0; } optional Status s = 1; }"), writer: p2("message Order { enum Status { NEW = 0; DONE = 1; } optional Status s = 1; }"),
			want: []want{{RuleEnumValueRemoved, "shop.Order.Status.DONE"}}},
		{name: "enum value renamed", reader: p3("enum S { A = 0; BEE = 1; }\nmessage Order { S s = 1; }"), writer: p3("enum S { A = 0; B = 1; }\nmessage Order { S s = 1; }")},
		{name: "unused enum removed", reader: p3("message Order { int32 id = 1; }"), writer: p3("enum S { A = 0; }\nmessage Order { int32 id = 1; }")},

		// Syntax.
		{name: "proto2 writer proto3 reader", reader: p3("message Order { int32 id = 1; repeated int32 q = 2; }"), writer: p2("message Order { optional int32 id = 1; repeated int32 q = 2; }")},
		{name: "proto3 writer proto2 reader", reader: p2("message Order { optional int32 id = 1; repeated int32 q = 2; }"), writer: p3("message Order { int32 id = 1; repeated int32 q = 2; }")},

		// Imports of well-known types.
		{name: "well-known type kept", reader: p3("import \"google/protobuf/timestamp.proto\";\nmessage Order { google.protobuf.Timestamp at = 1; }"), writer: p3("import \"google/protobuf/timestamp.proto\";\nmessage Order { google.protobuf.Timestamp at = 1; }")},
		{name: "well-known type changed", reader: p3("import \"google/protobuf/duration.proto\";\nmessage Order { google.protobuf.Duration at = 1; }"), writer: p3("import \"google/protobuf/timestamp.proto\";\nmessage Order { google.protobuf.Timestamp at = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.at"}}},
		{name: "unused import added", reader: p3("import \"google/protobuf/empty.proto\";\nmessage Order { int32 id = 1; }"), writer: p3("message Order { int32 id = 1; }")},
		{name: "local type shadows well-known name", reader: p3("import \"google/protobuf/timestamp.proto\";\nmessage Timestamp {}\nmessage Order { Timestamp at = 1; }"), writer: p3("import \"google/protobuf/timestamp.proto\";\nmessage Timestamp {}\nmessage Order { google.protobuf.Timestamp at = 1; }"),
			want: []want{{RuleFieldTypeIncompatible, "shop.Order.at"}}},
	}
}

func mustParse(tb testing.TB, def string) compat.Schema {
	tb.Helper()
	s, err := New().Parse(def)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", def, err)
	}
	return s
}

func TestCanRead(t *testing.T) {
	t.Parallel()
	cases := pairCases()
	if len(cases) < 50 {
		t.Fatalf("only %d reader/writer pairs", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := New()
			got := f.CanRead(mustParse(t, tc.reader), mustParse(t, tc.writer))
			if tc.want == nil {
				if got != nil {
					t.Fatalf("want compatible, got %+v", got)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("want incompatible with %v, got compatible", tc.want)
			}
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					if g.Rule == w.rule && g.Path == w.path {
						found = true
					}
				}
				if !found {
					t.Errorf("missing finding %s at %s; got %+v", w.rule, w.path, got)
				}
			}
			for _, g := range got {
				if !strings.Contains(g.Message, "reader") || !strings.Contains(g.Message, "writer") {
					t.Errorf("message %q does not speak of the reader and the writer", g.Message)
				}
			}
		})
	}
}

// Every definition reads itself, and findings come out in the same order
// each time.
func TestCanReadSelfAndDeterministic(t *testing.T) {
	t.Parallel()
	f := New()
	for _, tc := range pairCases() {
		r, w := mustParse(t, tc.reader), mustParse(t, tc.writer)
		if got := f.CanRead(r, r); got != nil {
			t.Errorf("%s: reader cannot read itself: %+v", tc.name, got)
		}
		if got := f.CanRead(w, w); got != nil {
			t.Errorf("%s: writer cannot read itself: %+v", tc.name, got)
		}
		a, b := f.CanRead(r, w), f.CanRead(r, w)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: findings differ between runs:\n%v\n%v", tc.name, a, b)
		}
	}
}

type foreignSchema struct{}

func (foreignSchema) Canonical() string { return "" }

func TestCanReadForeignSchema(t *testing.T) {
	t.Parallel()
	s := mustParse(t, p3("message Order { int32 id = 1; }"))
	for _, tc := range []struct {
		name   string
		r, w   compat.Schema
		wantOK bool
	}{
		{"foreign reader", foreignSchema{}, s, false},
		{"foreign writer", s, foreignSchema{}, false},
		{"nil writer", s, nil, false},
		{"typed nil reader", (*Schema)(nil), s, false},
	} {
		got := New().CanRead(tc.r, tc.w)
		if len(got) != 1 || got[0].Rule != RuleUnsupportedSchema {
			t.Errorf("%s: got %+v", tc.name, got)
		}
	}
}

func TestFindingMessages(t *testing.T) {
	t.Parallel()
	f := New()
	for _, tc := range []struct {
		reader, writer, contains string
	}{
		{p3("message Order { string q = 1; }"), p3("message Order { int32 q = 1; }"), `field "q" (number 1) is int32 in the writer but string in the reader`},
		{p3("message Order { map<string, string> m = 1; }"), p3("message Order { map<string, int32> m = 1; }"), `the value of map field "m" (number 1) is int32 in the writer but string in the reader`},
		{p3("message Order {}"), p3("message Order {}\nmessage Extra {}"), `message "Extra" of the writer is missing from the reader`},
		{p3("message Order { int32 id = 2; }"), p3("message Order { int32 id = 1; }"), `field "id" has number 1 in the writer but 2 in the reader`},
	} {
		got := f.CanRead(mustParse(t, tc.reader), mustParse(t, tc.writer))
		var msgs []string
		for _, g := range got {
			msgs = append(msgs, g.Message)
		}
		if !strings.Contains(strings.Join(msgs, "\n"), tc.contains) {
			t.Errorf("messages %q lack %q", msgs, tc.contains)
		}
	}
}

func BenchmarkCanRead50Fields(b *testing.B) {
	kinds := []string{"int32", "int64", "string", "bytes", "double", "bool", "sint64", "fixed32", "uint64", "float"}
	var wb, rb strings.Builder
	for i := 1; i <= 50; i++ {
		k := kinds[i%len(kinds)]
		fmt.Fprintf(&wb, "  %s f%d = %d;\n", k, i, i)
		if k == "int32" {
			k = "int64" // a compatible widening, so every field is compared in full
		}
		fmt.Fprintf(&rb, "  %s f%d = %d;\n", k, i, i)
	}
	w := mustParse(b, p3("message Big {\n"+wb.String()+"}"))
	r := mustParse(b, p3("message Big {\n"+rb.String()+"}"))
	f := New()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if got := f.CanRead(r, w); got != nil {
			b.Fatalf("unexpected findings %+v", got)
		}
	}
}
