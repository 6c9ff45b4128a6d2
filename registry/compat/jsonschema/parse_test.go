package jsonschema

import (
	"errors"
	"strings"
	"testing"
)

const invalidPrefix = "Schema definition of JSON data format is invalid: "

func TestName(t *testing.T) {
	t.Parallel()
	if got := New().Name(); got != "JSON" {
		t.Fatalf("Name() = %q", got)
	}
}

func TestParseDraftDetection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		def  string
		want Draft
	}{
		{"draft-04", nil, `{"$schema":"http://json-schema.org/draft-04/schema#"}`, Draft04},
		{"draft-06", nil, `{"$schema":"http://json-schema.org/draft-06/schema#"}`, Draft06},
		{"draft-07", nil, `{"$schema":"http://json-schema.org/draft-07/schema#"}`, Draft07},
		{"draft-07 without fragment", nil, `{"$schema":"http://json-schema.org/draft-07/schema"}`, Draft07},
		{"draft-07 over https", nil, `{"$schema":"https://json-schema.org/draft-07/schema#"}`, Draft07},
		{"draft-06 over https", nil, `{"$schema":"https://json-schema.org/draft-06/schema"}`, Draft06},
		{"absent defaults to draft-04", nil, `{"type":"object"}`, Draft04},
		{"absent with draft-07 default", []Option{WithDefaultDraft(Draft07)}, `{"type":"object"}`, Draft07},
		{"explicit beats default", []Option{WithDefaultDraft(Draft07)}, `{"$schema":"http://json-schema.org/draft-06/schema#"}`, Draft06},
		{"bad default ignored", []Option{WithDefaultDraft(Draft(5))}, `{}`, Draft04},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(tc.opts...).Parse(tc.def)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := s.(*Schema).Draft(); got != tc.want {
				t.Fatalf("draft = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseDraftSemantics(t *testing.T) {
	t.Parallel()
	// Numeric exclusiveMinimum is a draft-06+ form: invalid as draft-04 (the
	// default), valid as draft-07.
	def := `{"type":"number","exclusiveMinimum":5}`
	if _, err := New().Parse(def); err == nil {
		t.Fatal("draft-04 default accepted numeric exclusiveMinimum")
	}
	if _, err := New(WithDefaultDraft(Draft07)).Parse(def); err != nil {
		t.Fatalf("draft-07: %v", err)
	}
	// Boolean subschemas exist from draft-06, but Everit (which Glue
	// validates with) loads them in every draft: draft-04 accepts them too.
	b := `"properties":{"a":true}`
	for _, def := range []string{d4(b), d6(b), `{` + b + `}`} {
		if _, err := New().Parse(def); err != nil {
			t.Fatalf("%s: %v", def, err)
		}
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	defs := []string{
		`{}`,
		d7(`"type":"object","properties":{"id":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}},"required":["id"]`),
		d7(`"definitions":{"n":{"type":"object","properties":{"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"`),
		d7(`"$id":"http://example.com/root.json","properties":{"a":{"$ref":"#/definitions/x"}},"definitions":{"x":{"type":"integer"}}`),
		d7(`"properties":{"a":{"$ref":"#"}}`),
		d4(`"id":"http://example.com/s","type":"string","pattern":"^a+$","format":"no-such-format"`),
		d6(`"const":1,"contains":{"type":"integer"},"propertyNames":{"maxLength":3}`),
		d7(`"if":{"type":"string"},"then":{"minLength":1},"else":{"type":"number"}`),
		"  \n" + d7(`"type":"string"`) + "\n  ",
	}
	for _, def := range defs {
		if _, err := New().Parse(def); err != nil {
			t.Errorf("Parse(%s): %v", def, err)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		def     string
		contain string
	}{
		{"empty", ``, "empty definition"},
		{"whitespace only", "   ", "empty definition"},
		{"truncated", `{"type":`, "malformed JSON"},
		{"not json", `type: object`, "malformed JSON"},
		{"trailing data", `{} {}`, "unexpected data after the top-level value"},
		{"trailing comma", `{"type":"string",}`, "malformed JSON"},
		{"array", `[]`, "the schema must be a JSON object"},
		{"string", `"x"`, "the schema must be a JSON object"},
		{"number", `1`, "the schema must be a JSON object or a boolean"},
		{"$schema not a string", `{"$schema":7}`, "$schema must be a string"},
		{"unknown draft", `{"$schema":"https://json-schema.org/draft/2020-12/schema"}`,
			"could not determine schema version: no meta-schema is known with URL [https://json-schema.org/draft/2020-12/schema]"},
		{"draft-03", `{"$schema":"http://json-schema.org/draft-03/schema#"}`, "could not determine schema version"},
		{"bad type name", d7(`"type":"objekt"`), "invalid keyword value at '/type'"},
		{"required not array", d7(`"required":"a"`), "invalid keyword value at '/required'"},
		{"negative minLength", d7(`"minLength":-1`), "invalid keyword value at '/minLength'"},
		{"bad regex", d7(`"pattern":"(("`), "invalid keyword value at '/pattern'"},
		{"bad nested keyword", d7(`"properties":{"a":{"type":5}}`), "invalid keyword value at '/properties/a/type'"},
		{"d4 numeric exclusiveMinimum", d4(`"exclusiveMinimum":5`), "at '/exclusiveMinimum': got number, want boolean"},
		{"remote ref", d7(`"$ref":"http://example.com/x.json"`), "remote references are not supported: http://example.com/x.json"},
		{"relative remote ref", d7(`"$id":"http://example.com/root.json","properties":{"a":{"$ref":"other.json"}}`),
			"remote references are not supported: http://example.com/other.json"},
		{"missing local ref", d7(`"properties":{"a":{"$ref":"#/definitions/nope"}}`), "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := New().Parse(tc.def)
			if err == nil {
				t.Fatalf("Parse accepted %q: %v", tc.def, s.Canonical())
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, invalidPrefix) {
				t.Errorf("message %q lacks Glue prefix", msg)
			}
			if !strings.Contains(msg, tc.contain) {
				t.Errorf("message %q does not contain %q", msg, tc.contain)
			}
			if strings.Contains(msg, resourceURL) || strings.Contains(msg, "\n") {
				t.Errorf("message %q leaks internals or spans lines", msg)
			}
			var ide *InvalidDefinitionError
			if !errors.As(err, &ide) {
				t.Errorf("error %T is not an InvalidDefinitionError", err)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	f := New()
	canon := func(def string) string {
		t.Helper()
		s, err := f.Parse(def)
		if err != nil {
			t.Fatalf("Parse(%s): %v", def, err)
		}
		return s.Canonical()
	}
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"whitespace", `{"type":"object","required":["a"]}`, "{\n  \"type\" : \"object\",\n  \"required\" : [ \"a\" ]\n}", true},
		{"key order", `{"type":"string","maxLength":3}`, `{"maxLength":3,"type":"string"}`, true},
		{"nested key order", `{"properties":{"a":{"type":"string","minLength":1},"b":{}}}`, `{"properties":{"b":{},"a":{"minLength":1,"type":"string"}}}`, true},
		{"description matters", `{"type":"string"}`, `{"type":"string","description":"d"}`, false},
		{"default matters", `{"type":"string","default":"a"}`, `{"type":"string","default":"b"}`, false},
		{"array order matters", `{"required":["a","b"]}`, `{"required":["b","a"]}`, false},
		{"number literal kept", `{"maximum":1}`, `{"maximum":1.0}`, false},
		{"$schema matters", `{"type":"string"}`, d4(`"type":"string"`), false},
	}
	for _, tc := range tests {
		a, b := canon(tc.a), canon(tc.b)
		if (a == b) != tc.same {
			t.Errorf("%s: canonical %q vs %q, same=%v want %v", tc.name, a, b, a == b, tc.same)
		}
	}
	if got, want := canon("{ \"b\": [1, 2.50, \"<&>\"], \"a\": {\"y\": null, \"x\": true} }"),
		`{"a":{"x":true,"y":null},"b":[1,2.50,"<&>"]}`; got != want {
		t.Errorf("canonical = %s, want %s", got, want)
	}
	// The canonical form parses back to itself.
	c := canon(d7(`"type":"object","properties":{"z":{"type":"string"},"a":{"enum":[1,"x",null]}}`))
	if again := canon(c); again != c {
		t.Errorf("canonical not stable: %s vs %s", c, again)
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		`{}`, `[]`, `{"type":"objekt"}`, `{"$schema":"http://json-schema.org/draft-07/schema#","type":["string","null"]}`,
		d7(`"definitions":{"n":{"properties":{"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"`),
		d4(`"type":"number","minimum":0,"exclusiveMinimum":true`),
		d6(`"oneOf":[{"const":1},{"type":"string"}],"not":{"type":"null"}`),
		d7(`"items":[{"type":"string"}],"additionalItems":false,"patternProperties":{"^x":{}}`),
		`{"$ref":"http://example.com/x"}`, `{"pattern":"(("}`, `{"a":`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	format := New(WithDefaultDraft(Draft07))
	ref, err := format.Parse(d7(`"type":"object","properties":{"a":{"type":"string"}},"required":["a"]`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, def string) {
		s, err := format.Parse(def)
		if err != nil {
			if !strings.HasPrefix(err.Error(), invalidPrefix) {
				t.Fatalf("error without Glue prefix: %v", err)
			}
			return
		}
		c := s.Canonical()
		again, err := format.Parse(c)
		if err != nil {
			t.Fatalf("canonical form %s does not parse: %v", c, err)
		}
		if again.Canonical() != c {
			t.Fatalf("canonical form not stable: %s vs %s", c, again.Canonical())
		}
		// Must not panic; a schema without $ref reads itself.
		self := format.CanRead(s, again)
		if s.(*Schema).root.pure && len(self) != 0 {
			t.Fatalf("schema does not read itself: %+v", self)
		}
		for _, fd := range append(format.CanRead(ref, s), format.CanRead(s, ref)...) {
			if fd.Rule == "" || fd.Message == "" || !strings.HasPrefix(fd.Path, "#") {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}
