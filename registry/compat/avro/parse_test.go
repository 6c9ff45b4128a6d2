package avro_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/registry/compat/avro"
)

func TestName(t *testing.T) {
	t.Parallel()
	if got := avro.New().Name(); got != "AVRO" {
		t.Fatalf("Name() = %q, want AVRO", got)
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, def string }{
		{"primitive", `"int"`},
		{"primitive-object", `{"type":"string"}`},
		{"null", `"null"`},
		{"record", rec("R", fld("a", `"int"`), fldDef("b", union(`"null"`, `"string"`), "null"))},
		{"record-namespace-aliases-doc", `{"type":"record","name":"R","namespace":"a.b","aliases":["Old"],"doc":"d","fields":[{"name":"x","type":"long","doc":"x","order":"descending","aliases":["y"]}]}`},
		{"error-type", `{"type":"error","name":"Oops","fields":[{"name":"msg","type":"string"}]}`},
		{"enum", enum("Color", "RED", "GREEN")},
		{"enum-default", enumDef("Color", "RED", "RED", "GREEN")},
		{"fixed", fixed("Hash", 16)},
		{"array", arr(`"int"`)},
		{"map", mp(rec("V", fld("x", `"int"`)))},
		{"union", union(`"null"`, `"string"`, rec("R"))},
		{"recursive", rec("LinkedList", fld("value", `"int"`), fld("next", union(`"null"`, `"LinkedList"`)))},
		{"named-reference", rec("R", fld("a", fixed("F", 4)), fld("b", `"F"`))},
		{"logical-types", rec("R", fld("d", `{"type":"int","logicalType":"date"}`), fld("ts", `{"type":"long","logicalType":"timestamp-micros"}`),
			fld("dec", `{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}`), fld("u", `{"type":"string","logicalType":"uuid"}`))},
		{"custom-properties", `{"type":"record","name":"R","x-owner":"team","fields":[{"name":"a","type":"int","x-pii":true}]}`},
		{"whitespace", "\n  {\n \"type\" : \"int\" }\n\t"},
	}
	f := avro.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := f.Parse(tc.def)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s.Canonical() == "" {
				t.Fatal("empty canonical form")
			}
			if got := f.CanRead(s, s); got != nil {
				t.Fatalf("a schema must read itself: %+v", got)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	const prefix = "Schema definition of AVRO data format is invalid: "
	cases := []struct {
		name, def string
		// exact is the whole expected message when the detail follows Avro
		// Java's wording; otherwise contains must appear in it.
		exact, contains string
	}{
		{name: "record-without-name", def: `{"type":"record","fields":[]}`, exact: prefix + "No name in schema"},
		{name: "field-without-name", def: `{"type":"record","name":"R","fields":[{"type":"int"}]}`, exact: prefix + "No name in schema"},
		{name: "undefined-type", def: rec("R", fld("a", `"Foo"`)), exact: prefix + `Undefined name: "Foo"`},
		{name: "undefined-top-level", def: `"Foo"`, exact: prefix + `Undefined name: "Foo"`},
		{name: "unknown-type-keyword", def: `{"type":"integer"}`, exact: prefix + `Undefined name: "integer"`},
		{name: "json-null", def: `null`, exact: prefix + "Schema not yet supported: null"},
		{name: "json-number", def: `42`, exact: prefix + "Schema not yet supported: 42"},
		{name: "json-null-field-type", def: rec("R", fld("a", "null")), exact: prefix + "Schema not yet supported: null"},
		{name: "json-bool-in-union", def: union(`"int"`, "true"), exact: prefix + "Schema not yet supported: true"},
		{name: "json-number-array-items", def: arr("1"), exact: prefix + "Schema not yet supported: 1"},
		{name: "not-json", def: `int`, contains: "not valid JSON"},
		{name: "truncated-json", def: `{"type":"record"`, contains: "not valid JSON"},
		{name: "trailing-content", def: `{"type":"int"} x`, contains: "not valid JSON"},
		{name: "empty", def: ``, contains: "not valid JSON"},
		{name: "record-without-fields", def: `{"type":"record","name":"R"}`, contains: "fields"},
		{name: "duplicate-field", def: rec("R", fld("a", `"int"`), fld("a", `"long"`)), contains: "duplicate field"},
		{name: "field-without-type", def: `{"type":"record","name":"R","fields":[{"name":"a"}]}`, contains: "type"},
		{name: "bad-default", def: rec("R", fldDef("a", `"int"`, `"x"`)), contains: "default"},
		{name: "union-default-not-first-branch", def: rec("R", fldDef("a", union(`"null"`, `"string"`), `"x"`)), contains: "default"},
		{name: "duplicate-enum-symbol", def: enum("E", "A", "A"), contains: "symbol"},
		{name: "enum-default-not-a-symbol", def: enumDef("E", "B", "A"), contains: "default"},
		{name: "fixed-without-size", def: `{"type":"fixed","name":"F"}`, contains: "size"},
		{name: "invalid-name", def: rec("1R"), contains: "name"},
		{name: "array-without-items", def: `{"type":"array"}`, contains: "items"},
		{name: "map-without-values", def: `{"type":"map"}`, contains: "values"},
		{name: "duplicate-union-branch", def: union(`"int"`, `"int"`), contains: "union"},
		{name: "nested-union", def: union(union(`"int"`)), contains: "union"},
		{name: "duplicate-named-type", def: rec("R", fld("a", rec("X")), fld("b", rec("X"))), contains: "duplicate"},
	}
	f := avro.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := f.Parse(tc.def)
			if err == nil {
				t.Fatalf("Parse accepted %s as %s", tc.def, s.Canonical())
			}
			if !errors.Is(err, avro.ErrInvalidDefinition) {
				t.Errorf("error does not wrap ErrInvalidDefinition: %v", err)
			}
			var ide *avro.InvalidDefinitionError
			if !errors.As(err, &ide) || ide.Detail == "" {
				t.Errorf("error is not an *InvalidDefinitionError with a detail: %v", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, prefix) {
				t.Errorf("message %q lacks Glue's prefix", msg)
			}
			if tc.exact != "" && msg != tc.exact {
				t.Errorf("message = %q, want %q", msg, tc.exact)
			}
			if tc.contains != "" && !strings.Contains(msg, tc.contains) {
				t.Errorf("message %q does not mention %q", msg, tc.contains)
			}
		})
	}
}

// TestParseIsolated checks that named types from one Parse do not leak into
// the next (no shared schema cache).
func TestParseIsolated(t *testing.T) {
	t.Parallel()
	f := avro.New()
	if _, err := f.Parse(rec("Leaky", fld("a", `"int"`))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Parse(`"Leaky"`); err == nil {
		t.Fatal(`"Leaky" resolved from a previous Parse`)
	}
	// The same name may be defined again with another shape.
	if _, err := f.Parse(rec("Leaky", fld("b", `"string"`))); err != nil {
		t.Fatal(err)
	}
}

func TestCanReadForeignSchema(t *testing.T) {
	t.Parallel()
	got := avro.New().CanRead(foreign{}, mustParse(t, `"int"`))
	if len(got) != 1 || got[0].Rule != avro.RuleNotAvroSchema {
		t.Fatalf("CanRead(foreign) = %+v", got)
	}
}

type foreign struct{}

func (foreign) Canonical() string { return "x" }
