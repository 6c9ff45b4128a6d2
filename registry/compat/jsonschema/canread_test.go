package jsonschema

import (
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/registry/compat"
)

func d4(body string) string {
	return `{"$schema":"http://json-schema.org/draft-04/schema#",` + body + `}`
}
func d6(body string) string {
	return `{"$schema":"http://json-schema.org/draft-06/schema#",` + body + `}`
}
func d7(body string) string {
	return `{"$schema":"http://json-schema.org/draft-07/schema#",` + body + `}`
}

type pairCase struct {
	name   string
	reader string
	writer string
	ok     bool
	rule   string // expected finding rule when !ok
	path   string // expected finding path when !ok
}

// pairCases is the reader/writer compatibility table. ok means every
// document valid under writer is valid under reader.
func pairCases() []pairCase {
	obj := func(props string, extra string) string {
		s := `"type":"object","properties":{` + props + `}`
		if extra != "" {
			s += "," + extra
		}
		return s
	}
	return []pairCase{
		// --- types ---
		{name: "same type", reader: d7(`"type":"string"`), writer: d7(`"type":"string"`), ok: true},
		{name: "integer widened to number", reader: d7(`"type":"number"`), writer: d7(`"type":"integer"`), ok: true},
		{name: "number narrowed to integer", reader: d7(`"type":"integer"`), writer: d7(`"type":"number"`), rule: "type-narrowed", path: "#"},
		{name: "type widened with null", reader: d7(`"type":["string","null"]`), writer: d7(`"type":"string"`), ok: true},
		{name: "null dropped from type", reader: d7(`"type":"string"`), writer: d7(`"type":["string","null"]`), rule: "type-narrowed", path: "#"},
		{name: "reader adds type", reader: d7(`"type":"object"`), writer: d7(`"title":"x"`), rule: "type-narrowed", path: "#"},
		{name: "reader drops type", reader: d7(`"title":"x"`), writer: d7(`"type":"object"`), ok: true},
		{name: "d4 integer to number", reader: d4(`"type":"number"`), writer: d4(`"type":"integer"`), ok: true},
		{name: "d6 string to boolean", reader: d6(`"type":"boolean"`), writer: d6(`"type":"string"`), rule: "type-narrowed", path: "#"},
		{name: "empty reader accepts anything", reader: `{}`, writer: d7(`"type":"array"`), ok: true},

		// --- object content model ---
		{name: "reader adds constrained property to open writer",
			reader: d7(obj(`"a":{"type":"string"},"b":{"type":"string"}`, "")),
			writer: d7(obj(`"a":{"type":"string"}`, "")),
			rule:   "property-added-to-open-model", path: "#/properties/b"},
		{name: "reader adds unconstrained property",
			reader: d7(obj(`"a":{"type":"string"},"b":{}`, "")),
			writer: d7(obj(`"a":{"type":"string"}`, "")), ok: true},
		{name: "reader adds property to closed writer",
			reader: d7(obj(`"a":{"type":"string"},"b":{"type":"string"}`, `"additionalProperties":false`)),
			writer: d7(obj(`"a":{"type":"string"}`, `"additionalProperties":false`)), ok: true},
		{name: "reader closes open writer",
			reader: d7(obj(`"a":{"type":"string"}`, `"additionalProperties":false`)),
			writer: d7(obj(`"a":{"type":"string"}`, "")),
			rule:   "additional-properties-closed", path: "#/additionalProperties"},
		{name: "property removed from closed reader",
			reader: d7(obj(`"a":{"type":"string"}`, `"additionalProperties":false`)),
			writer: d7(obj(`"a":{"type":"string"},"b":{"type":"integer"}`, `"additionalProperties":false`)),
			rule:   "property-removed-from-closed-model", path: "#/properties/b"},
		{name: "property removed from open reader",
			reader: d7(obj(`"a":{"type":"string"}`, "")),
			writer: d7(obj(`"a":{"type":"string"},"b":{"type":"integer"}`, "")), ok: true},
		{name: "reader opens closed writer",
			reader: d7(obj(`"a":{"type":"string"}`, "")),
			writer: d7(obj(`"a":{"type":"string"}`, `"additionalProperties":false`)), ok: true},
		{name: "same additionalProperties schema",
			reader: d7(obj(`"a":{"type":"string"}`, `"additionalProperties":{"type":"string"}`)),
			writer: d7(obj(`"a":{"type":"string"}`, `"additionalProperties":{"type":"string"}`)), ok: true},
		{name: "reader adds additionalProperties schema to open writer",
			reader: d7(obj(`"a":{"type":"string"}`, `"additionalProperties":{"type":"string"}`)),
			writer: d7(obj(`"a":{"type":"string"}`, "")),
			rule:   "type-narrowed", path: "#/additionalProperties"},
		{name: "additionalProperties widened",
			reader: d7(obj(``, `"additionalProperties":{"type":["string","number"]}`)),
			writer: d7(obj(``, `"additionalProperties":{"type":"string"}`)), ok: true},
		{name: "writer property not allowed by reader additionalProperties",
			reader: d7(obj(`"a":{"type":"string"}`, `"additionalProperties":{"type":"string"}`)),
			writer: d7(obj(`"a":{"type":"string"},"c":{"type":"integer"}`, `"additionalProperties":{"type":"string"}`)),
			rule:   "type-narrowed", path: "#/properties/c"},
		{name: "property type narrowed",
			reader: d7(obj(`"a":{"type":"string"}`, "")),
			writer: d7(obj(`"a":{"type":["string","null"]}`, "")),
			rule:   "type-narrowed", path: "#/properties/a"},
		{name: "property type widened",
			reader: d7(obj(`"a":{"type":["string","null"]}`, "")),
			writer: d7(obj(`"a":{"type":"string"}`, "")), ok: true},
		{name: "nested property narrowed",
			reader: d7(obj(`"addr":{"type":"object","properties":{"zip":{"type":"integer"}}}`, "")),
			writer: d7(obj(`"addr":{"type":"object","properties":{"zip":{"type":"string"}}}`, "")),
			rule:   "type-narrowed", path: "#/properties/addr/properties/zip"},
		{name: "property name with slash is escaped",
			reader: d7(obj(`"a/b":{"type":"integer"}`, "")),
			writer: d7(obj(`"a/b":{"type":"number"}`, "")),
			rule:   "type-narrowed", path: "#/properties/a~1b"},
		{name: "reader adds patternProperties to open writer",
			reader: d7(obj(``, `"patternProperties":{"^x-":{"type":"string"}}`)),
			writer: d7(obj(``, "")),
			rule:   "pattern-property-added", path: "#/patternProperties/^x-"},
		{name: "same patternProperties closed",
			reader: d7(obj(``, `"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false`)),
			writer: d7(obj(``, `"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false`)), ok: true},
		{name: "patternProperties widened",
			reader: d6(obj(`"id":{"type":"integer"}`, `"patternProperties":{"^x-":{"type":["string","null"]}},"additionalProperties":false`)),
			writer: d6(obj(`"id":{"type":"integer"}`, `"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false`)), ok: true},
		{name: "writer patternProperties against closed reader",
			reader: d7(obj(`"a":{}`, `"additionalProperties":false`)),
			writer: d7(obj(`"a":{}`, `"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false`)),
			rule:   "additional-properties-closed", path: "#/additionalProperties"},
		{name: "pattern property schema narrowed",
			reader: d7(obj(``, `"patternProperties":{"^x-":{"type":"integer"}}`)),
			writer: d7(obj(``, `"patternProperties":{"^x-":{"type":"number"}}`)),
			rule:   "pattern-property-added", path: "#/patternProperties/^x-"},
		{name: "listed writer property checked against reader pattern",
			reader: d7(obj(``, `"patternProperties":{"^x-":{"type":"integer"}}`)),
			writer: d7(obj(`"x-a":{"type":"string"}`, `"additionalProperties":false`)),
			rule:   "type-narrowed", path: "#/patternProperties/^x-"},
		{name: "closed writer pattern narrower than reader additionalProperties",
			reader: d4(obj(``, `"additionalProperties":{"type":"string"}`)),
			writer: d4(obj(``, `"patternProperties":{"^s_":{"type":"string","maxLength":3}},"additionalProperties":false`)), ok: true},

		// --- required ---
		{name: "required added", reader: d7(obj(`"a":{"type":"string"}`, `"required":["a"]`)),
			writer: d7(obj(`"a":{"type":"string"}`, "")), rule: "required-added", path: "#/properties/a"},
		{name: "required removed", reader: d7(obj(`"a":{"type":"string"}`, "")),
			writer: d7(obj(`"a":{"type":"string"}`, `"required":["a"]`)), ok: true},
		{name: "required kept", reader: d4(obj(`"a":{"type":"string"}`, `"required":["a"]`)),
			writer: d4(obj(`"a":{"type":"string"}`, `"required":["a"]`)), ok: true},
		{name: "d4 required added", reader: d4(obj(`"a":{"type":"string"},"b":{"type":"string"}`, `"required":["a","b"]`)),
			writer: d4(obj(`"a":{"type":"string"},"b":{"type":"string"}`, `"required":["a"]`)), rule: "required-added", path: "#/properties/b"},

		// --- enum / const ---
		{name: "enum widened", reader: d7(`"enum":["a","b","c"]`), writer: d7(`"enum":["a","b"]`), ok: true},
		{name: "enum value removed", reader: d7(`"enum":["a","b"]`), writer: d7(`"enum":["a","b","c"]`), rule: "enum-value-removed", path: "#"},
		{name: "enum added", reader: d7(`"type":"string","enum":["a"]`), writer: d7(`"type":"string"`), rule: "enum-added", path: "#"},
		{name: "const within enum", reader: d6(`"enum":["x","y"]`), writer: d6(`"const":"x"`), ok: true},
		{name: "const changed", reader: d6(`"const":"y"`), writer: d6(`"const":"x"`), rule: "enum-value-removed", path: "#"},
		{name: "enum value rejected by bounds", reader: d7(`"type":"integer","minimum":2`), writer: d7(`"enum":[1,2]`), rule: "value-rejected", path: "#"},
		{name: "enum numbers compared by value", reader: d7(`"enum":[1,2]`), writer: d7(`"enum":[1.0,2]`), ok: true},
		{name: "boolean writer within enum", reader: d7(`"enum":[true,false]`), writer: d7(`"type":"boolean"`), ok: true},
		{name: "boolean writer enum narrowed", reader: d7(`"enum":[true]`), writer: d7(`"type":"boolean"`), rule: "enum-value-removed", path: "#"},
		{name: "d4 ignores const", reader: d4(`"const":"b"`), writer: d4(`"const":"a"`), ok: true},
		{name: "default draft ignores const", reader: `{"const":"b"}`, writer: `{"const":"a"}`, ok: true},
		{name: "object enum values", reader: d7(obj(`"k":{"type":"string"}`, "")), writer: d7(`"enum":[{"k":"v"},{"k":1}]`), rule: "value-rejected", path: "#"},

		// --- numbers ---
		{name: "same minimum", reader: d7(`"type":"number","minimum":0`), writer: d7(`"type":"number","minimum":0`), ok: true},
		{name: "minimum increased", reader: d7(`"type":"number","minimum":5`), writer: d7(`"type":"number","minimum":0`), rule: "min-increased", path: "#"},
		{name: "minimum decreased", reader: d7(`"type":"number","minimum":0`), writer: d7(`"type":"number","minimum":5`), ok: true},
		{name: "maximum decreased", reader: d7(`"type":"number","maximum":10`), writer: d7(`"type":"number","maximum":100`), rule: "max-decreased", path: "#"},
		{name: "maximum added", reader: d7(`"type":"number","maximum":100`), writer: d7(`"type":"number"`), rule: "max-decreased", path: "#"},
		{name: "d4 exclusive minimum added", reader: d4(`"type":"number","minimum":0,"exclusiveMinimum":true`), writer: d4(`"type":"number","minimum":0`), rule: "min-increased", path: "#"},
		{name: "d4 exclusive integer equivalent", reader: d4(`"type":"integer","minimum":1`), writer: d4(`"type":"integer","minimum":0,"exclusiveMinimum":true`), ok: true},
		{name: "d7 exclusive vs inclusive number", reader: d7(`"type":"number","exclusiveMinimum":0`), writer: d7(`"type":"number","minimum":0`), rule: "min-increased", path: "#"},
		{name: "d7 exclusive within inclusive", reader: d7(`"type":"number","minimum":0`), writer: d7(`"type":"number","exclusiveMinimum":0`), ok: true},
		{name: "d6 exclusive maximum integer", reader: d6(`"type":"integer","maximum":9`), writer: d6(`"type":"integer","exclusiveMaximum":10`), ok: true},
		{name: "multipleOf coarser writer", reader: d7(`"type":"number","multipleOf":5`), writer: d7(`"type":"number","multipleOf":10`), ok: true},
		{name: "multipleOf finer writer", reader: d7(`"type":"number","multipleOf":10`), writer: d7(`"type":"number","multipleOf":5`), rule: "multiple-of-changed", path: "#"},
		{name: "multipleOf 1 on integers", reader: d7(`"type":"number","multipleOf":1`), writer: d7(`"type":"integer"`), ok: true},
		{name: "multipleOf added on numbers", reader: d7(`"type":"number","multipleOf":0.25`), writer: d7(`"type":"number"`), rule: "multiple-of-changed", path: "#"},
		{name: "multipleOf fractional", reader: d7(`"type":"number","multipleOf":0.25`), writer: d7(`"type":"number","multipleOf":0.5`), ok: true},
		{name: "numeric keyword irrelevant to strings", reader: d7(`"type":"string","minimum":5`), writer: d7(`"type":"string"`), ok: true},

		// --- strings ---
		{name: "minLength increased", reader: d7(`"type":"string","minLength":3`), writer: d7(`"type":"string","minLength":1`), rule: "min-length-increased", path: "#"},
		{name: "minLength decreased", reader: d7(`"type":"string","minLength":1`), writer: d7(`"type":"string","minLength":3`), ok: true},
		{name: "maxLength decreased", reader: d4(`"type":"string","maxLength":10`), writer: d4(`"type":"string","maxLength":20`), rule: "max-length-decreased", path: "#"},
		{name: "maxLength added", reader: d4(`"type":"string","maxLength":10`), writer: d4(`"type":"string"`), rule: "max-length-decreased", path: "#"},
		{name: "same pattern", reader: d7(`"type":"string","pattern":"^[a-z]+$"`), writer: d7(`"type":"string","pattern":"^[a-z]+$"`), ok: true},
		{name: "pattern added", reader: d7(`"type":"string","pattern":"^[a-z]+$"`), writer: d7(`"type":"string"`), rule: "pattern-added", path: "#"},
		{name: "pattern changed", reader: d7(`"type":"string","pattern":"^[a-z]+$"`), writer: d7(`"type":"string","pattern":"^[a-c]+$"`), rule: "pattern-changed", path: "#"},
		{name: "pattern removed", reader: d7(`"type":"string"`), writer: d7(`"type":"string","pattern":"^[a-z]+$"`), ok: true},
		{name: "format added", reader: d7(`"type":"string","format":"date-time"`), writer: d7(`"type":"string"`), rule: "format-added", path: "#"},
		{name: "format changed", reader: d7(`"type":"string","format":"email"`), writer: d7(`"type":"string","format":"hostname"`), rule: "format-changed", path: "#"},
		{name: "format kept", reader: d6(`"type":"string","format":"email"`), writer: d6(`"type":"string","format":"email","maxLength":64`), ok: true},
		{name: "format removed", reader: d7(`"type":"string"`), writer: d7(`"type":"string","format":"email"`), ok: true},

		// --- arrays ---
		{name: "same items", reader: d7(`"type":"array","items":{"type":"string"}`), writer: d7(`"type":"array","items":{"type":"string"}`), ok: true},
		{name: "items narrowed", reader: d7(`"type":"array","items":{"type":"string"}`), writer: d7(`"type":"array","items":{"type":["string","null"]}`), rule: "type-narrowed", path: "#/items"},
		{name: "minItems increased", reader: d7(`"type":"array","minItems":2`), writer: d7(`"type":"array","minItems":1`), rule: "min-items-increased", path: "#"},
		{name: "maxItems added", reader: d4(`"type":"array","maxItems":5`), writer: d4(`"type":"array"`), rule: "max-items-decreased", path: "#"},
		{name: "maxItems widened", reader: d4(`"type":"array","maxItems":10`), writer: d4(`"type":"array","maxItems":5`), ok: true},
		{name: "uniqueItems added", reader: d7(`"type":"array","uniqueItems":true`), writer: d7(`"type":"array"`), rule: "unique-items-added", path: "#"},
		{name: "uniqueItems removed", reader: d7(`"type":"array"`), writer: d7(`"type":"array","uniqueItems":true`), ok: true},
		{name: "same closed tuple", reader: d7(`"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false`),
			writer: d7(`"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false`), ok: true},
		{name: "reader closes tuple", reader: d7(`"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false`),
			writer: d7(`"type":"array","items":[{"type":"string"},{"type":"integer"}]`), rule: "additional-items-closed", path: "#/additionalItems"},
		{name: "tuple position narrowed", reader: d4(`"type":"array","items":[{"type":"string"},{"type":"integer"}]`),
			writer: d4(`"type":"array","items":[{"type":"string"},{"type":"string"}]`), rule: "type-narrowed", path: "#/items/1"},
		{name: "list writer into tuple reader", reader: d7(`"type":"array","items":[{"type":"string"}],"additionalItems":{"type":"string"}`),
			writer: d7(`"type":"array","items":{"type":"string"}`), ok: true},
		{name: "tuple writer into list reader", reader: d7(`"type":"array","items":{"type":"integer"}`),
			writer: d7(`"type":"array","items":[{"type":"string"}],"additionalItems":false`), rule: "type-narrowed", path: "#/items"},
		{name: "contains guaranteed", reader: d6(`"type":"array","contains":{"type":"string"}`),
			writer: d6(`"type":"array","items":{"type":"string"},"minItems":1`), ok: true},
		{name: "contains added", reader: d6(`"type":"array","contains":{"type":"string"}`),
			writer: d6(`"type":"array","items":{"type":"string"}`), rule: "contains-added", path: "#/contains"},

		// --- object counts, dependencies, propertyNames ---
		{name: "maxProperties below closed writer", reader: d7(`"type":"object","maxProperties":2`),
			writer: d7(obj(`"a":{},"b":{},"c":{}`, `"additionalProperties":false`)), rule: "max-properties-decreased", path: "#"},
		{name: "maxProperties fits closed writer", reader: d7(`"type":"object","maxProperties":2`),
			writer: d7(obj(`"a":{},"b":{}`, `"additionalProperties":false`)), ok: true},
		{name: "minProperties met by required", reader: d7(`"type":"object","minProperties":1`),
			writer: d7(obj(`"a":{}`, `"required":["a"]`)), ok: true},
		{name: "minProperties added", reader: d7(`"type":"object","minProperties":1`),
			writer: d7(`"type":"object"`), rule: "min-properties-increased", path: "#"},
		{name: "dependency added", reader: d4(obj(`"a":{},"b":{}`, `"dependencies":{"a":["b"]}`)),
			writer: d4(obj(`"a":{},"b":{}`, "")), rule: "dependency-added", path: "#/dependencies/a"},
		{name: "dependency met by required", reader: d4(obj(`"a":{},"b":{}`, `"dependencies":{"a":["b"]}`)),
			writer: d4(obj(`"a":{},"b":{}`, `"required":["b"]`)), ok: true},
		{name: "propertyNames met by closed writer", reader: d6(`"type":"object","propertyNames":{"maxLength":3}`),
			writer: d6(obj(`"ab":{},"abc":{}`, `"additionalProperties":false`)), ok: true},
		{name: "propertyNames added", reader: d6(`"type":"object","propertyNames":{"maxLength":3}`),
			writer: d6(`"type":"object"`), rule: "property-names-added", path: "#/propertyNames"},

		// --- $ref ---
		{name: "same refs", reader: d7(obj(`"a":{"$ref":"#/definitions/s"}`, `"definitions":{"s":{"type":"string"}}`)),
			writer: d7(obj(`"a":{"$ref":"#/definitions/s"}`, `"definitions":{"s":{"type":"string"}}`)), ok: true},
		{name: "ref target narrowed", reader: d7(obj(`"a":{"$ref":"#/definitions/s"}`, `"definitions":{"s":{"type":"string"}}`)),
			writer: d7(obj(`"a":{"$ref":"#/definitions/s"}`, `"definitions":{"s":{"type":["string","null"]}}`)), rule: "type-narrowed", path: "#/properties/a"},
		{name: "inline writer vs ref reader", reader: d4(obj(`"a":{"$ref":"#/definitions/s"}`, `"definitions":{"s":{"type":"string"}}`)),
			writer: d4(obj(`"a":{"type":"string"}`, "")), ok: true},
		{name: "recursive list identical",
			reader: d7(`"definitions":{"n":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"`),
			writer: d7(`"definitions":{"n":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"`), ok: true},
		{name: "recursive list widened",
			reader: d7(`"definitions":{"n":{"type":"object","properties":{"v":{"type":"number"},"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"`),
			writer: d7(`"definitions":{"n":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"`), ok: true},
		{name: "recursive list narrowed",
			reader: d7(`"definitions":{"n":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"`),
			writer: d7(`"definitions":{"n":{"type":"object","properties":{"v":{"type":"number"},"next":{"$ref":"#/definitions/n"}}}},"$ref":"#/definitions/n"`),
			rule:   "type-narrowed", path: "#/properties/v"},
		{name: "root ref to self", reader: d7(obj(`"child":{"$ref":"#"}`, "")), writer: d7(obj(`"child":{"$ref":"#"}`, "")), ok: true},

		// --- combinators ---
		{name: "anyOf widened", reader: d7(`"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]`),
			writer: d7(`"anyOf":[{"type":"string"},{"type":"integer"}]`), ok: true},
		{name: "anyOf branch removed", reader: d7(`"anyOf":[{"type":"string"},{"type":"integer"}]`),
			writer: d7(`"anyOf":[{"type":"string"},{"type":"integer"},{"type":"array"}]`), rule: "any-of-unmatched", path: "#"},
		{name: "anyOf null branch removed", reader: d7(`"anyOf":[{"type":"string"},{"type":"integer"}]`),
			writer: d7(`"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]`), rule: "value-rejected", path: "#"},
		{name: "type list into anyOf", reader: d7(`"anyOf":[{"type":"string"},{"type":"integer"}]`),
			writer: d7(`"type":["string","integer"]`), ok: true},
		{name: "same oneOf", reader: d7(`"oneOf":[{"type":"string"},{"type":"integer"}]`),
			writer: d7(`"oneOf":[{"type":"string"},{"type":"integer"}]`), ok: true},
		{name: "writer into disjoint oneOf", reader: d6(`"oneOf":[{"type":"string"},{"type":"integer"}]`),
			writer: d6(`"type":"string","maxLength":4`), ok: true},
		{name: "oneOf overlapping branches", reader: d7(`"oneOf":[{"type":"string"},{"type":"string","maxLength":5}]`),
			writer: d7(`"type":"string"`), rule: "one-of-unprovable", path: "#"},
		{name: "discriminated oneOf gains a branch",
			reader: d7(`"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"string"}},"required":["kind"]},{"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"integer"}},"required":["kind"]},{"type":"object","properties":{"kind":{"const":"c"}},"required":["kind"]}]`),
			writer: d7(`"oneOf":[{"type":"object","properties":{"kind":{"const":"a"},"x":{"type":"string"}},"required":["kind"]},{"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"integer"}},"required":["kind"]}]`), ok: true},
		{name: "writer allOf merged", reader: d7(obj(`"a":{"type":"string"}`, `"required":["a"]`)),
			writer: d7(`"allOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"required":["a"]}]`), ok: true},
		{name: "reader allOf member adds required", reader: d7(`"allOf":[{"required":["a"]},{"required":["b"]}]`),
			writer: d7(obj(`"a":{},"b":{}`, `"required":["a"]`)), rule: "required-added", path: "#/allOf/1/properties/b"},
		{name: "writer anyOf base suffices", reader: d7(obj(`"a":{"type":"string"}`, "")),
			writer: d7(obj(`"a":{"type":"string"}`, `"anyOf":[{"required":["a"]},{"required":["b"]}]`)), ok: true},
		{name: "writer anyOf branch lacks required", reader: d7(obj(`"a":{"type":"string"}`, `"required":["a"]`)),
			writer: d7(obj(`"a":{"type":"string"}`, `"anyOf":[{"required":["a"]},{"required":["b"]}]`)), rule: "required-added", path: "#/properties/a"},
		{name: "not satisfied by type", reader: d7(`"not":{"type":"null"}`), writer: d7(`"type":"string"`), ok: true},
		{name: "not unprovable", reader: d7(`"not":{"type":"null"}`), writer: d7(`"title":"any"`), rule: "not-unprovable", path: "#"},
		{name: "if then else identical",
			reader: d7(`"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]}`),
			writer: d7(`"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]}`), ok: true},
		{name: "if then met by required", reader: d7(`"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]}`),
			writer: d7(obj(`"x":{}`, `"required":["x"]`)), ok: true},
		{name: "if then added", reader: d7(`"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]}`),
			writer: d7(`"type":"object"`), rule: "conditional-unprovable", path: "#"},

		// --- boolean schemas ---
		{name: "true property schema", reader: d7(obj(`"a":true`, "")), writer: d7(obj(`"a":{"type":"string"}`, "")), ok: true},
		{name: "false property schema", reader: d7(obj(`"a":false`, "")), writer: d7(obj(`"a":{"type":"string"}`, "")), rule: "reader-rejects-all", path: "#/properties/a"},
		{name: "false on both sides", reader: d6(obj(`"a":false`, "")), writer: d6(obj(`"a":false`, "")), ok: true},
		{name: "writer false items", reader: d7(`"type":"array","items":{"type":"integer"}`), writer: d7(`"type":"array","items":false`), ok: true},

		// --- across drafts ---
		{name: "d4 writer d7 reader same meaning", reader: d7(`"type":"number","exclusiveMaximum":10`),
			writer: d4(`"type":"number","maximum":10,"exclusiveMaximum":true`), ok: true},
		{name: "d7 writer d4 reader narrowed", reader: d4(`"type":"number","maximum":10,"exclusiveMaximum":true`),
			writer: d7(`"type":"number","maximum":10`), rule: "max-decreased", path: "#"},
		{name: "d6 writer d7 reader identical body", reader: d7(obj(`"a":{"type":"string"}`, `"required":["a"]`)),
			writer: d6(obj(`"a":{"type":"string"}`, `"required":["a"]`)), ok: true},
	}
}

func TestCanReadTable(t *testing.T) {
	t.Parallel()
	f := New()
	cases := pairCases()
	if len(cases) < 80 {
		t.Fatalf("table has %d pairs, want at least 80", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustParse(t, f, tc.reader)
			w := mustParse(t, f, tc.writer)
			got := f.CanRead(r, w)
			if tc.ok {
				if len(got) != 0 {
					t.Fatalf("want compatible, got findings %+v", got)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("want incompatible (%s at %s), got compatible", tc.rule, tc.path)
			}
			for _, fd := range got {
				if fd.Rule == "" || fd.Path == "" || fd.Message == "" {
					t.Errorf("incomplete finding %+v", fd)
				}
				if !strings.HasPrefix(fd.Path, "#") {
					t.Errorf("finding path %q is not a pointer", fd.Path)
				}
				if fd.Rule == tc.rule && fd.Path == tc.path {
					return
				}
			}
			t.Fatalf("want finding %s at %s, got %+v", tc.rule, tc.path, got)
		})
	}
}

func TestFindingMessages(t *testing.T) {
	t.Parallel()
	f := New()
	tests := []struct {
		reader, writer, want string
	}{
		{d7(`"type":"object","properties":{"price":{"type":"number"}},"required":["price"]`),
			d7(`"type":"object","properties":{"price":{"type":"number"}}`),
			`property "price" is required by the reader but optional in the writer`},
		{d7(`"type":"integer"`), d7(`"type":"number"`),
			`the writer allows type "non-integer number" but the reader does not`},
		{d7(`"enum":["a"]`), d7(`"enum":["a","b"]`),
			`value "b" is allowed by the writer but not by the reader's enum`},
		{d7(`"type":"number","minimum":5`), d7(`"type":"number","minimum":1.5`),
			`the reader requires values of at least 5 but the writer allows values of at least 1.5`},
		{d7(`"type":"number","exclusiveMaximum":10`), d7(`"type":"number"`),
			`the reader requires values less than 10 but the writer has no maximum`},
		{d7(`"type":"number","minimum":0.1`), d7(`"type":"number","minimum":0.05`),
			`the reader requires values of at least 0.1 but the writer allows values of at least 0.05`},
		{d7(`"type":"string","maxLength":3`), d7(`"type":"string"`),
			`the reader allows a maximum length of 3 but the writer allows any`},
	}
	for _, tc := range tests {
		got := f.CanRead(mustParse(t, f, tc.reader), mustParse(t, f, tc.writer))
		found := false
		for _, fd := range got {
			if fd.Message == tc.want {
				found = true
			}
		}
		if !found {
			t.Errorf("want message %q, got %+v", tc.want, got)
		}
	}
}

func TestCanReadForeignSchema(t *testing.T) {
	t.Parallel()
	f := New()
	s := mustParse(t, f, `{}`)
	got := f.CanRead(s, otherSchema{})
	if len(got) != 1 || got[0].Rule != "not-json-schema" {
		t.Fatalf("got %+v", got)
	}
}

type otherSchema struct{}

func (otherSchema) Canonical() string { return "" }

func TestCanReadSymmetricFullCompat(t *testing.T) {
	t.Parallel()
	// Adding an optional unconstrained property keeps both directions.
	f := New()
	a := mustParse(t, f, d7(`"type":"object","properties":{"a":{"type":"string"}}`))
	b := mustParse(t, f, d7(`"type":"object","properties":{"a":{"type":"string"},"b":{}}`))
	if got := f.CanRead(a, b); len(got) != 0 {
		t.Errorf("a reads b: %+v", got)
	}
	if got := f.CanRead(b, a); len(got) != 0 {
		t.Errorf("b reads a: %+v", got)
	}
}

func mustParse(t testing.TB, f compat.Format, def string) compat.Schema {
	t.Helper()
	s, err := f.Parse(def)
	if err != nil {
		t.Fatalf("Parse(%s): %v", def, err)
	}
	return s
}

// TestCanReadTerminates feeds self-referential and deeply nested schemas;
// the check must return (any decision) without exhausting the stack.
func TestCanReadTerminates(t *testing.T) {
	t.Parallel()
	f := New(WithDefaultDraft(Draft07))
	// As deep as Parse accepts: 63 objects are 126 levels of JSON nesting.
	const levels = (maxNesting - 2) / 2
	deep := strings.Repeat(`{"type":"object","properties":{"a":`, levels) + `{"type":"string"}` + strings.Repeat(`}}`, levels)
	deep2 := strings.Repeat(`{"type":"object","properties":{"a":`, levels) + `{"type":"integer"}` + strings.Repeat(`}}`, levels)
	defs := []string{
		`{"not":{"allOf":[{"$ref":"#/not"}]}}`,
		`{"anyOf":[{"$ref":"#"},{"type":"string"}]}`,
		`{"oneOf":[{"$ref":"#"},{"$ref":"#"}]}`,
		`{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"properties":{"x":{"$ref":"#/definitions/a"}}}`,
		`{"allOf":[{"$ref":"#"}],"properties":{"a":{"$ref":"#"}}}`,
		`{"if":{"$ref":"#"},"then":{"$ref":"#"},"else":{"not":{"$ref":"#"}}}`,
		deep, deep2,
	}
	var schemas []compat.Schema
	for _, d := range defs {
		s, err := f.Parse(d)
		if err != nil {
			t.Fatalf("Parse(%.60s): %v", d, err)
		}
		schemas = append(schemas, s)
	}
	for _, r := range schemas {
		for _, w := range schemas {
			for _, fd := range f.CanRead(r, w) {
				if fd.Rule == "" || fd.Message == "" {
					t.Fatalf("bad finding %+v", fd)
				}
			}
		}
	}
	// The deep pair differs only at the bottom.
	got := f.CanRead(schemas[len(schemas)-1], schemas[len(schemas)-2])
	if len(got) == 0 {
		t.Fatal("deep string→integer change called compatible")
	}
}

func TestNonProductiveCycleNotProved(t *testing.T) {
	t.Parallel()
	// Validating against this reader never terminates; the check must not
	// call any writer compatible with it.
	f := New(WithDefaultDraft(Draft07))
	r := mustParse(t, f, `{"anyOf":[{"$ref":"#"}]}`)
	w := mustParse(t, f, `{"type":"string"}`)
	got := f.CanRead(r, w)
	if len(got) == 0 {
		t.Fatal("non-productive reader cycle called compatible")
	}
}
