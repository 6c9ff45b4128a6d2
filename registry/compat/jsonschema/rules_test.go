package jsonschema

import (
	"strings"
	"testing"
)

// ruleCase is one reader/writer pair exercising a named rule: the meaning
// of boolean schemas, or one of the difference types of Confluent's JSON
// Schema compatibility checker (io.confluent.kafka.schemaregistry.json.diff,
// Difference.Type). ok is evolvestack's verdict: every document the writer
// accepts is accepted by the reader. Where Confluent's verdict differs,
// confluent says why evolvestack does not follow it.
type ruleCase struct {
	rule           string
	reader, writer string // bodies of an object schema, without braces
	ok             bool
	finding        string // evolvestack's rule when !ok
	path           string // and its path
	confluent      string // Confluent's verdict, where it differs
	drafts         []func(string) string
}

// noSchema is a definition without $schema: read as draft-04 (Everit's
// default), where boolean subschemas are accepted as Everit accepts them.
func noSchema(body string) string { return "{" + body + "}" }

var (
	allDrafts   = []func(string) string{noSchema, d4, d6, d7}
	draft6Plus  = []func(string) string{d6, d7}
	objOpen     = `"type":"object","properties":{"a":{"type":"string"}}`
	objClosed   = `"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false`
	objClosedAB = `"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"additionalProperties":false`
)

func booleanRules() []ruleCase {
	return []ruleCase{
		{rule: "boolean: additionalProperties {} reads additionalProperties false",
			reader: `"type":"object","additionalProperties":{}`, writer: `"type":"object","additionalProperties":false`, ok: true},
		{rule: "boolean: additionalProperties false does not read additionalProperties {}",
			reader: `"type":"object","additionalProperties":false`, writer: `"type":"object","additionalProperties":{}`,
			finding: "additional-properties-closed", path: "#/additionalProperties"},
		{rule: "boolean: additionalProperties true is the open model",
			reader: `"type":"object","additionalProperties":true`, writer: `"type":"object"`, ok: true},
		{rule: "boolean: additionalProperties {} reads additionalProperties true",
			reader: `"type":"object","additionalProperties":{}`, writer: `"type":"object","additionalProperties":true`, ok: true},
		{rule: "boolean: property true reads any value",
			reader: `"type":"object","properties":{"a":true}`, writer: objOpen, ok: true},
		{rule: "boolean: property true written, read as string",
			reader: objOpen, writer: `"type":"object","properties":{"a":true}`,
			finding: "type-narrowed", path: "#/properties/a"},
		{rule: "boolean: property false added to an open writer (PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL)",
			reader: `"type":"object","properties":{"a":false}`, writer: `"type":"object"`,
			finding: "property-added-to-open-model", path: "#/properties/a"},
		{rule: "boolean: property false reads a closed writer without it",
			reader: `"type":"object","properties":{"a":false}`, writer: `"type":"object","properties":{"b":{}},"additionalProperties":false`, ok: true},
		{rule: "boolean: property false on both sides",
			reader: `"type":"object","properties":{"a":false}`, writer: `"type":"object","properties":{"a":false}`, ok: true},
		{rule: "boolean: PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
			reader: objClosed, writer: `"type":"object","properties":{"a":{"type":"string"},"b":false},"additionalProperties":false`, ok: true},
		{rule: "boolean: items false reads items false",
			reader: `"type":"array","items":false`, writer: `"type":"array","items":false`, ok: true},
		{rule: "boolean: items false does not read items",
			reader: `"type":"array","items":false`, writer: `"type":"array","items":{"type":"integer"}`,
			finding: "additional-items-closed", path: "#/items"},
		{rule: "boolean: items true reads any items",
			reader: `"type":"array","items":true`, writer: `"type":"array","items":{"type":"integer"}`, ok: true},
		{rule: "boolean: tuple items with true and false",
			reader: `"type":"array","items":[true,{"type":"string"}],"additionalItems":false`,
			writer: `"type":"array","items":[{"type":"integer"},{"type":"string"},false]`, ok: true},
		{rule: "boolean: allOf [true] reads anything",
			reader: `"allOf":[true]`, writer: `"type":"string"`, ok: true},
		{rule: "boolean: allOf [false] reads nothing",
			reader: `"allOf":[false]`, writer: `"type":"string"`, finding: "reader-rejects-all", path: "#/allOf/0"},
		{rule: "boolean: anyOf [false, string] reads string",
			reader: `"anyOf":[false,{"type":"string"}]`, writer: `"type":"string"`, ok: true},
		{rule: "boolean: oneOf [true, false] reads anything",
			reader: `"oneOf":[true,false]`, writer: `"title":"any"`, ok: true},
		{rule: "boolean: not false reads anything",
			reader: `"not":false`, writer: `"title":"any"`, ok: true},
		{rule: "boolean: not true reads nothing",
			reader: `"not":true`, writer: `"type":"string"`, finding: "reader-rejects-all", path: "#/not"},
		{rule: "boolean: a writer with not true writes nothing",
			reader: `"type":"string"`, writer: `"not":true`, ok: true},
		{rule: "boolean: a writer with allOf [false] writes nothing",
			reader: `"type":"string"`, writer: `"allOf":[false]`, ok: true},
		{rule: "boolean: dependencies a false reads a closed writer without a",
			reader: `"type":"object","dependencies":{"a":false}`, writer: `"type":"object","properties":{"b":{}},"additionalProperties":false`, ok: true},
		{rule: "boolean: dependencies a false added to an open writer",
			reader: `"type":"object","dependencies":{"a":false}`, writer: `"type":"object"`,
			finding: "dependency-added", path: "#/dependencies/a"},
		{rule: "boolean: patternProperties false added to an open writer",
			reader: `"type":"object","patternProperties":{"^x":false}`, writer: `"type":"object"`,
			finding: "pattern-property-added", path: "#/patternProperties/^x"},
		{rule: "boolean: patternProperties false reads a closed writer",
			reader: `"type":"object","patternProperties":{"^x":false}`, writer: objClosed, ok: true},
		{rule: "boolean: $ref to a true definition",
			reader: `"definitions":{"t":true},"type":"object","properties":{"a":{"$ref":"#/definitions/t"}}`, writer: objOpen, ok: true},
		{rule: "boolean: $ref to a false definition reads a closed writer",
			reader: `"definitions":{"f":false},"type":"object","properties":{"b":{"$ref":"#/definitions/f"}}`, writer: objClosed, ok: true},
		{rule: "boolean: $ref to a false definition on an open writer",
			reader: `"definitions":{"f":false},"type":"object","properties":{"b":{"$ref":"#/definitions/f"}}`, writer: objOpen,
			finding: "property-added-to-open-model", path: "#/properties/b"},
		{rule: "boolean: propertyNames false reads a writer without properties",
			reader: `"type":"object","propertyNames":false`, writer: `"type":"object","maxProperties":0`, ok: true, drafts: draft6Plus},
		{rule: "boolean: propertyNames false does not read an open writer",
			reader: `"type":"object","propertyNames":false`, writer: `"type":"object"`,
			finding: "property-names-added", path: "#/propertyNames", drafts: draft6Plus},
		{rule: "boolean: propertyNames true reads an open writer",
			reader: `"type":"object","propertyNames":true`, writer: `"type":"object"`, ok: true, drafts: draft6Plus},
		{rule: "boolean: contains true needs an item",
			reader: `"type":"array","contains":true`, writer: `"type":"array","minItems":1`, ok: true, drafts: draft6Plus},
		{rule: "boolean: contains false reads no array",
			reader: `"type":"array","contains":false`, writer: `"type":"array"`,
			finding: "contains-added", path: "#/contains", drafts: draft6Plus},
		{rule: "boolean: if true then string",
			reader: `"if":true,"then":{"type":"string"}`, writer: `"type":"string"`, ok: true, drafts: []func(string) string{d7}},
		{rule: "boolean: if false else string",
			reader: `"if":false,"else":{"type":"string"}`, writer: `"type":"string"`, ok: true, drafts: []func(string) string{d7}},
	}
}

func notRules() []ruleCase {
	return []ruleCase{
		{rule: "NOT_TYPE_NARROWED: the reader's not excludes less than the writer's",
			reader: `"not":{"type":"string"}`, writer: `"not":{"type":["string","number"]}`, ok: true},
		{rule: "NOT_TYPE_EXTENDED: the reader's not excludes more than the writer's",
			reader: `"not":{"type":["string","number"]}`, writer: `"not":{"type":"string"}`,
			finding: "not-extended", path: "#/not"},
		{rule: "NOT_TYPE_NARROWED: enum inside not",
			reader: `"not":{"enum":["a"]}`, writer: `"not":{"enum":["a","b"]}`, ok: true},
		{rule: "NOT_TYPE_EXTENDED: enum inside not",
			reader: `"not":{"enum":["a","b"]}`, writer: `"not":{"enum":["a"]}`,
			finding: "not-extended", path: "#/not"},
		{rule: "NOT_TYPE_NARROWED: object constraints inside not",
			reader: `"type":"object","not":{"type":"object","properties":{"k":{"const":1}},"required":["k"]}`,
			writer: `"type":"object","not":{"type":"object","required":["k"]}`, ok: true, drafts: draft6Plus},
		{rule: "not: a writer's not of a type removes that type",
			reader: `"type":"string"`, writer: `"type":["string","null"],"not":{"type":"null"}`, ok: true},
		{rule: "not: not of integer leaves non-integer numbers",
			reader: `"type":"number","not":{"type":"integer"}`, writer: `"type":"number","not":{"type":"integer"}`, ok: true},
		{rule: "not: a reader's not met by the writer's types",
			reader: `"not":{"type":"null"}`, writer: `"type":"string"`, ok: true},
		{rule: "not: a reader's not the writer says nothing about",
			reader: `"not":{"type":"null"}`, writer: `"title":"any"`, finding: "not-unprovable", path: "#"},
		{rule: "not: not inside not turns the direction back",
			reader: `"not":{"not":{"type":["string","number"]}}`, writer: `"type":"string"`, ok: true},
		{rule: "not: not inside not, narrowed",
			reader: `"not":{"not":{"type":"string"}}`, writer: `"type":["string","number"]`,
			finding: "not-unprovable", path: "#"},
	}
}

func requiredRules() []ruleCase {
	return []ruleCase{
		{rule: "REQUIRED_ATTRIBUTE_ADDED",
			reader: objOpen + `,"required":["a"]`, writer: objOpen,
			finding: "required-added", path: "#/properties/a"},
		{rule: "REQUIRED_ATTRIBUTE_REMOVED",
			reader: objOpen, writer: objOpen + `,"required":["a"]`, ok: true},
		{rule: "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
			reader: `"type":"object","properties":{"a":{"type":"string","default":""}},"required":["a"]`, writer: objOpen,
			finding: "required-added", path: "#/properties/a",
			confluent: "compatible: Confluent lets a default stand in; JSON Schema validation ignores defaults, so the writer's {} still fails the reader"},
		{rule: "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
			reader: objClosedAB + `,"required":["b"]`, writer: objClosed,
			finding: "required-added-to-closed-model", path: "#/properties/b"},
		{rule: "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
			reader: `"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string","default":""}},"additionalProperties":false,"required":["b"]`, writer: objClosed,
			finding: "required-added-to-closed-model", path: "#/properties/b",
			confluent: "compatible: a default does not make a document without b valid, and the writer never writes b"},
		{rule: "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, partially open writer",
			reader:  `"type":"object","properties":{"b":{"type":"string"}},"required":["b"]`,
			writer:  `"type":"object","additionalProperties":{"type":"string"}`,
			finding: "required-added", path: "#/properties/b"},
		{rule: "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
			reader: objClosedAB, writer: objClosed, ok: true},
		{rule: "required names an undeclared property, added",
			reader: objOpen + `,"required":["x"]`, writer: objOpen,
			finding: "required-added", path: "#/properties/x",
			confluent: "compatible: Confluent compares required only for properties both declare; the reader still rejects the writer's {}"},
		{rule: "required names an undeclared property, added to a closed writer",
			reader: objClosed + `,"required":["x"]`, writer: objClosed,
			finding: "required-added-to-closed-model", path: "#/properties/x",
			confluent: "compatible: Confluent ignores the undeclared name; the writer never writes x, so no document of it has x"},
		{rule: "required names an undeclared property, removed",
			reader: objOpen, writer: objOpen + `,"required":["x"]`, ok: true},
		{rule: "required names an undeclared property on both sides",
			reader: objOpen + `,"required":["x"]`, writer: objOpen + `,"required":["x"]`, ok: true},
		{rule: "required undeclared in the writer, declared and constrained in the reader (PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL)",
			reader: `"type":"object","properties":{"x":{"type":"string"}},"required":["x"]`, writer: `"type":"object","required":["x"]`,
			finding: "property-added-to-open-model", path: "#/properties/x"},
		{rule: "required undeclared in the writer, declared with an empty schema in the reader (PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL)",
			reader: `"type":"object","properties":{"x":{}},"required":["x"]`, writer: `"type":"object","required":["x"]`, ok: true},
		{rule: "required names a property the closed writer forbids: the writer writes no object",
			reader: objClosedAB + `,"required":["b"]`, writer: objClosed + `,"required":["x"]`, ok: true,
			confluent: "incompatible (REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL): no object satisfies the writer, so none can fail the reader"},
		{rule: "required names a property the writer sets to false: the writer writes no object",
			reader: `"type":"object","required":["y"]`, writer: `"type":"object","properties":{"x":false},"required":["x"]`, ok: true},
	}
}

func TestCompatibilityRules(t *testing.T) {
	t.Parallel()
	f := New()
	groups := map[string][]ruleCase{"boolean": booleanRules(), "not": notRules(), "required": requiredRules()}
	for group, cases := range groups {
		for _, tc := range cases {
			drafts := tc.drafts
			if drafts == nil {
				drafts = allDrafts
			}
			for _, draft := range drafts {
				reader, writer := draft(tc.reader), draft(tc.writer)
				name := group + "/" + tc.rule + "/" + draftName(reader)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					r, err := f.Parse(reader)
					if err != nil {
						t.Fatalf("reader: %v", err)
					}
					w, err := f.Parse(writer)
					if err != nil {
						t.Fatalf("writer: %v", err)
					}
					got := f.CanRead(r, w)
					if tc.ok {
						if len(got) != 0 {
							t.Fatalf("want compatible, got %+v", got)
						}
						return
					}
					for _, fd := range got {
						if fd.Rule == tc.finding && fd.Path == tc.path {
							return
						}
					}
					t.Fatalf("want %s at %s, got %+v", tc.finding, tc.path, got)
				})
			}
		}
	}
}

func draftName(def string) string {
	for _, d := range []string{"draft-04", "draft-06", "draft-07"} {
		if strings.Contains(def, d) {
			return d
		}
	}
	return "default"
}

// TestBooleanSchemasParse: true and false are accepted wherever a schema
// may stand, in every draft and as the whole definition, and mean what
// they mean when data is validated.
func TestBooleanSchemasParse(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`"properties":{"a":true,"b":false}`,
		`"patternProperties":{"^x":false}`,
		`"additionalProperties":false`,
		`"additionalProperties":{"properties":{"c":false}}`,
		`"items":true`,
		`"items":[true,false]`,
		`"items":[{}],"additionalItems":false`,
		`"allOf":[true],"anyOf":[false,true],"oneOf":[true,false]`,
		`"not":false`,
		`"definitions":{"t":true,"f":false},"properties":{"a":{"$ref":"#/definitions/f"}}`,
		`"dependencies":{"a":false,"b":["c"]}`,
	}
	for _, body := range bodies {
		for _, draft := range allDrafts {
			def := draft(body)
			if _, err := New().Parse(def); err != nil {
				t.Errorf("Parse(%s): %v", def, err)
			}
		}
	}
	for _, def := range []string{d6(`"propertyNames":false,"contains":true`), d7(`"if":true,"then":false,"else":true`)} {
		if _, err := New().Parse(def); err != nil {
			t.Errorf("Parse(%s): %v", def, err)
		}
	}
	for _, tc := range []struct {
		def   string
		doc   any
		valid bool
	}{
		{`true`, map[string]any{"x": 1.0}, true},
		{`false`, "x", false},
		{noSchema(`"properties":{"a":false}`), map[string]any{"a": 1.0}, false},
		{noSchema(`"properties":{"a":false}`), map[string]any{"b": 1.0}, true},
		{noSchema(`"properties":{"a":true}`), map[string]any{"a": "x"}, true},
		{noSchema(`"items":[true,false]`), []any{1.0}, true},
		{noSchema(`"items":[true,false]`), []any{1.0, 2.0}, false},
		{noSchema(`"not":false`), nil, true},
		{noSchema(`"anyOf":[false]`), nil, false},
		{noSchema(`"dependencies":{"a":false}`), map[string]any{"a": 1.0}, false},
	} {
		s, err := New().Parse(tc.def)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tc.def, err)
		}
		if err := s.(*Schema).Validator().Validate(tc.doc); (err == nil) != tc.valid {
			t.Errorf("%s validating %v: %v, want valid=%v", tc.def, tc.doc, err, tc.valid)
		}
	}
	// The whole definition as a boolean.
	for _, def := range []string{`true`, ` false `} {
		s, err := New().Parse(def)
		if err != nil {
			t.Fatalf("Parse(%q): %v", def, err)
		}
		if got := s.Canonical(); got != strings.TrimSpace(def) {
			t.Fatalf("canonical %q", got)
		}
	}
	tr, _ := New().Parse(`true`)
	fa, _ := New().Parse(`false`)
	str, _ := New().Parse(d7(`"type":"string"`))
	f := New()
	for _, tc := range []struct {
		name    string
		r, w    any
		ok      bool
		finding string
	}{
		{"true reads anything", tr, str, true, ""},
		{"false reads false", fa, fa, true, ""},
		{"anything reads false", str, fa, true, ""},
		{"false reads nothing", fa, str, false, "reader-rejects-all"},
		{"string does not read true", str, tr, false, "type-narrowed"},
	} {
		got := f.CanRead(tc.r.(*Schema), tc.w.(*Schema))
		if (len(got) == 0) != tc.ok || (!tc.ok && got[0].Rule != tc.finding) {
			t.Errorf("%s: %+v", tc.name, got)
		}
	}
}
