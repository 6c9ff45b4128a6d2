package protobuf

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

const allWellKnown = `syntax = "proto3";
package shop;
import "google/protobuf/any.proto";
import "google/protobuf/api.proto";
import "google/protobuf/descriptor.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/source_context.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/type.proto";
import "google/protobuf/wrappers.proto";
message Everything {
  google.protobuf.Any any = 1;
  google.protobuf.Api api = 2;
  google.protobuf.FileDescriptorProto file = 3;
  google.protobuf.Duration duration = 4;
  google.protobuf.Empty empty = 5;
  google.protobuf.FieldMask mask = 6;
  google.protobuf.SourceContext ctx = 7;
  google.protobuf.Struct st = 8;
  google.protobuf.ListValue list = 9;
  google.protobuf.Timestamp at = 10;
  google.protobuf.Type type = 11;
  google.protobuf.StringValue name = 12;
}
`

func TestFormatName(t *testing.T) {
	t.Parallel()
	if got := New().Name(); got != "PROTOBUF" {
		t.Fatalf("Name() = %q", got)
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		def        string
		syntax     protoreflect.Syntax
		pkg        string
		messages   []string
		fieldCheck string // a field full name that must exist
	}{
		{name: "proto3", def: p3("message Order { int32 id = 1; repeated string tags = 2; }"),
			syntax: protoreflect.Proto3, pkg: "shop", messages: []string{"shop.Order"}, fieldCheck: "shop.Order.tags"},
		{name: "proto2", def: p2("message Order { required int32 id = 1; optional string note = 2 [default = \"x\"]; }"),
			syntax: protoreflect.Proto2, pkg: "shop", messages: []string{"shop.Order"}, fieldCheck: "shop.Order.note"},
		{name: "no syntax statement is proto2", def: "message Order { optional int32 id = 1; }",
			syntax: protoreflect.Proto2, messages: []string{"Order"}, fieldCheck: "Order.id"},
		{name: "nested and enums", def: p3("message Order { enum S { A = 0; } message Line { message Qty { int32 n = 1; } Qty q = 1; } Line l = 1; S s = 2; }"),
			syntax: protoreflect.Proto3, pkg: "shop", messages: []string{"shop.Order", "shop.Order.Line", "shop.Order.Line.Qty"}, fieldCheck: "shop.Order.Line.Qty.n"},
		{name: "all well-known imports", def: allWellKnown,
			syntax: protoreflect.Proto3, pkg: "shop", messages: []string{"shop.Everything"}, fieldCheck: "shop.Everything.list"},
		{name: "oneof, map, proto3 optional, reserved", def: p3("message Order { oneof pay { string card = 1; } map<string, int32> m = 2; optional int32 q = 3; reserved 4, 6 to 9; reserved \"old\"; }"),
			syntax: protoreflect.Proto3, pkg: "shop", messages: []string{"shop.Order", "shop.Order.MEntry"}, fieldCheck: "shop.Order.m"},
		{name: "dotted package", def: "syntax = \"proto3\";\npackage com.example.shop;\nmessage Order {}",
			syntax: protoreflect.Proto3, pkg: "com.example.shop", messages: []string{"com.example.shop.Order"}},
		{name: "comments and options", def: "// header\nsyntax = \"proto3\"; /* c */\npackage shop;\noption java_package = \"com.shop\";\nmessage Order { int32 id = 1 [deprecated = true]; }",
			syntax: protoreflect.Proto3, pkg: "shop", messages: []string{"shop.Order"}, fieldCheck: "shop.Order.id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := New().Parse(tc.def)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			ps, ok := s.(*Schema)
			if !ok {
				t.Fatalf("Parse returned %T", s)
			}
			fd := ps.File()
			if fd.Syntax() != tc.syntax || string(fd.Package()) != tc.pkg {
				t.Errorf("syntax %v package %q, want %v %q", fd.Syntax(), fd.Package(), tc.syntax, tc.pkg)
			}
			if got := ps.MessageNames(); !reflect.DeepEqual(got, tc.messages) {
				t.Errorf("MessageNames() = %v, want %v", got, tc.messages)
			}
			if tc.fieldCheck != "" {
				i := strings.LastIndexByte(tc.fieldCheck, '.')
				msg := findMessage(fd, tc.fieldCheck[:i])
				if msg == nil || msg.Fields().ByName(protoreflect.Name(tc.fieldCheck[i+1:])) == nil {
					t.Errorf("field %s not found", tc.fieldCheck)
				}
			}
			if s.Canonical() == "" {
				t.Error("empty canonical form")
			}
		})
	}
}

func findMessage(fd protoreflect.FileDescriptor, name string) protoreflect.MessageDescriptor {
	var find func(protoreflect.MessageDescriptors) protoreflect.MessageDescriptor
	find = func(ms protoreflect.MessageDescriptors) protoreflect.MessageDescriptor {
		for i := 0; i < ms.Len(); i++ {
			if string(ms.Get(i).FullName()) == name {
				return ms.Get(i)
			}
			if m := find(ms.Get(i).Messages()); m != nil {
				return m
			}
		}
		return nil
	}
	return find(fd.Messages())
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	const prefix = "Schema definition of PROTOBUF data format is invalid: "
	for _, tc := range []struct {
		name  string
		def   string
		exact string   // whole error text, when known
		parts []string // substrings otherwise
	}{
		{name: "missing import in package",
			def:   "syntax = \"proto3\";\npackage proto;\nimport \"amount.proto\";\nmessage Order { Amount amount = 1; }",
			exact: prefix + "unable to find amount.proto\n  searching 1 proto paths:\n    /\n  for file proto/default.proto"},
		{name: "two missing imports, dotted package",
			def:   "syntax = \"proto3\";\npackage a.b;\nimport \"x.proto\";\nimport \"google/protobuf/timestamp.proto\";\nimport \"y/z.proto\";\nmessage M {}",
			exact: prefix + "unable to find x.proto\n  searching 1 proto paths:\n    /\n  for file a/b/default.proto\nunable to find y/z.proto\n  searching 1 proto paths:\n    /\n  for file a/b/default.proto"},
		{name: "missing import without package",
			def:   "syntax = \"proto3\";\nimport \"struct.proto\";\nmessage M {}",
			exact: prefix + "unable to find struct.proto\n  searching 1 proto paths:\n    /\n  for file default.proto"},
		{name: "plugin.proto is not importable",
			def:   "syntax = \"proto3\";\nimport \"google/protobuf/compiler/plugin.proto\";\nmessage M {}",
			parts: []string{prefix, "unable to find google/protobuf/compiler/plugin.proto"}},
		{name: "syntax error", def: "syntax = \"proto3\";\nmessage M { int32 x = 1 }",
			exact: prefix + "default.proto:2:25: syntax error: expecting ';'"},
		{name: "garbage", def: "garbage", parts: []string{prefix, "syntax error"}},
		{name: "unknown syntax", def: "syntax = \"proto4\";\nmessage M {}", parts: []string{prefix, "syntax value must be"}},
		{name: "undefined type", def: "syntax = \"proto3\";\npackage a.b;\nmessage M { Unknown x = 1; }",
			parts: []string{prefix, "a/b/default.proto:3:13", "Unknown"}},
		{name: "duplicate number", def: "syntax = \"proto3\";\npackage a.b;\nmessage M { int32 x = 1; string y = 1; }",
			parts: []string{prefix, "a/b/default.proto:3:", "same tag 1"}},
		{name: "proto3 enum without zero", def: "syntax = \"proto3\";\nenum E { A = 1; }", parts: []string{prefix, "zero"}},
		{name: "proto3 required", def: "syntax = \"proto3\";\nmessage M { required int32 a = 1; }", parts: []string{prefix, "required"}},
		{name: "group", def: "syntax = \"proto2\";\nmessage M { optional group G = 1 { optional int32 a = 2; } }",
			exact: prefix + "groups are not supported: M.g"},
		{name: "extension range", def: "syntax = \"proto2\";\nmessage M { extensions 100 to 200; }",
			exact: prefix + "extensions are not supported: message M declares an extension range"},
		{name: "extend", def: "syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\nextend google.protobuf.FieldOptions { optional string tag = 50000; }",
			exact: prefix + "extensions are not supported: tag"},
		{name: "nested extend", def: "syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\nmessage M { extend google.protobuf.FieldOptions { optional string tag = 50000; } }",
			exact: prefix + "extensions are not supported: M.tag"},
		{name: "editions", def: "edition = \"2023\";\nmessage M { int32 a = 1; }", parts: []string{prefix, "editions are not supported"}},
		{name: "many errors are capped", def: "syntax = \"proto3\";\nmessage M { " + strings.Repeat("Nope a = 1; ", 30) + "}", parts: []string{prefix}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := New().Parse(tc.def)
			if err == nil {
				t.Fatalf("Parse succeeded: %v", s)
			}
			if s != nil {
				t.Errorf("Parse returned a schema with its error")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not a *ParseError", err)
			}
			if tc.exact != "" && err.Error() != tc.exact {
				t.Errorf("error\n%q\nwant\n%q", err.Error(), tc.exact)
			}
			for _, p := range tc.parts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q lacks %q", err.Error(), p)
				}
			}
			if n := strings.Count(err.Error(), "\n"); n >= maxReportedErrors {
				t.Errorf("error lists %d lines", n+1)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	base := "syntax = \"proto3\";\npackage shop;\nmessage Order { int32 id = 1; string note = 2; }\n"
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"identical", base, base, true},
		{"whitespace and comments", base, "// c\nsyntax=\"proto3\";package shop;/* x */\n\n\nmessage Order{\n  int32 id=1; // id\n  string note=2;}", true},
		{"implicit proto2", "message M { optional int32 a = 1; }", "syntax = \"proto2\";\nmessage M { optional int32 a = 1; }", true},
		{"single and double quotes", base, "syntax = 'proto3';\npackage shop;\nmessage Order { int32 id = 1; string note = 2; }\n", true},
		{"field renamed", base, "syntax = \"proto3\";\npackage shop;\nmessage Order { int32 ident = 1; string note = 2; }\n", false},
		{"field type", base, "syntax = \"proto3\";\npackage shop;\nmessage Order { int64 id = 1; string note = 2; }\n", false},
		{"field number", base, "syntax = \"proto3\";\npackage shop;\nmessage Order { int32 id = 3; string note = 2; }\n", false},
		{"package", base, "syntax = \"proto3\";\npackage store;\nmessage Order { int32 id = 1; string note = 2; }\n", false},
		{"syntax", "syntax = \"proto2\";\nmessage M { optional int32 a = 1; }", "syntax = \"proto3\";\nmessage M { optional int32 a = 1; }", false},
		{"option", base, "syntax = \"proto3\";\npackage shop;\noption java_package = \"x\";\nmessage Order { int32 id = 1; string note = 2; }\n", false},
		{"default value", "message M { optional int32 a = 1 [default = 1]; }", "message M { optional int32 a = 1 [default = 2]; }", false},
		{"reserved", base, "syntax = \"proto3\";\npackage shop;\nmessage Order { int32 id = 1; string note = 2; reserved 3; }\n", false},
		{"field order", base, "syntax = \"proto3\";\npackage shop;\nmessage Order { string note = 2; int32 id = 1; }\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := mustParse(t, tc.a).Canonical(), mustParse(t, tc.b).Canonical()
			if (a == b) != tc.same {
				t.Errorf("same = %v, want %v\n%s\n%s", a == b, tc.same, a, b)
			}
			if again := mustParse(t, tc.a).Canonical(); again != a {
				t.Errorf("canonical form is not deterministic")
			}
		})
	}
}

func TestMessageNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		def  string
		want []string
	}{
		// The example from Glue's serializer: B = 0, B.A = 1, B.A.D = 2, B.C = 3.
		{"glue example", "syntax = \"proto3\";\nmessage B { message C {} message A { message D {} } }", []string{"B", "B.A", "B.A.D", "B.C"}},
		{"package and declaration order", p3("message Zed {}\nmessage Alpha { message Beta {} }\nmessage Mid {}"),
			[]string{"shop.Alpha", "shop.Alpha.Beta", "shop.Mid", "shop.Zed"}},
		{"map entries included", p3("message Order { map<string, int32> counts = 1; map<int32, Order> kids = 2; }"),
			[]string{"shop.Order", "shop.Order.CountsEntry", "shop.Order.KidsEntry"}},
		{"uppercase sorts before lowercase", p3("message b {}\nmessage B {}\nmessage a {}"), []string{"shop.B", "shop.a", "shop.b"}},
		{"imports excluded", "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\nmessage E { google.protobuf.Timestamp t = 1; }", []string{"E"}},
		{"no messages", p3("enum S { A = 0; }"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, tc.def).(*Schema)
			if got := MessageNames(s.File()); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("MessageNames = %v, want %v", got, tc.want)
			}
			got := s.MessageNames()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Schema.MessageNames = %v, want %v", got, tc.want)
			}
			if len(got) > 0 {
				got[0] = "mutated"
				if s.MessageNames()[0] == "mutated" {
					t.Error("MessageNames exposes internal state")
				}
			}
		})
	}
	if MessageNames(nil) != nil {
		t.Error("MessageNames(nil) is not nil")
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "garbage", allWellKnown,
		p3("message Order { int32 id = 1; map<string, Order> m = 2; oneof o { string a = 3; } }"),
		p2("message M { required int32 a = 1; optional group G = 2 { optional int32 b = 3; } extensions 10 to 20; }"),
		"syntax = \"proto3\";\npackage a.b;\nimport \"x.proto\";\nmessage M { x.Y y = 1; }",
		"message A { message A { message A { option (x) = { a: { b: [1, 2] } }; } } }",
		"edition = \"2023\";\nmessage M { int32 a = 1 [features.field_presence = IMPLICIT]; }",
		"syntax = \"proto3\"; enum E { option allow_alias = true; A = 0; B = 0; }",
		"syntax = \"proto2\"; message M { optional double d = 1 [default = inf]; optional bytes b = 2 [default = \"\\x00\\377\"]; }",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, def string) {
		s, err := New().Parse(def)
		if err != nil {
			if s != nil {
				t.Fatalf("schema returned with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), "Schema definition of PROTOBUF data format is invalid: ") {
				t.Fatalf("error without Glue's prefix: %v", err)
			}
			return
		}
		if s.Canonical() == "" {
			t.Fatal("empty canonical form")
		}
		if got := New().CanRead(s, s); got != nil {
			t.Fatalf("schema cannot read itself: %+v", got)
		}
		again, err := New().Parse(def)
		if err != nil || again.Canonical() != s.Canonical() {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}
