package samplegen

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	hamba "github.com/hamba/avro/v2"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	cproto "github.com/evolvestack/evolvestack/registry/compat/protobuf"
)

// avroAll has every Avro type and logical type.
const avroAll = `{"type":"record","name":"All","namespace":"t","fields":[
 {"name":"n","type":"null"},
 {"name":"b","type":"boolean"},
 {"name":"i","type":"int"},
 {"name":"l","type":"long"},
 {"name":"f","type":"float"},
 {"name":"d","type":"double"},
 {"name":"s","type":"string"},
 {"name":"raw","type":"bytes"},
 {"name":"e","type":{"type":"enum","name":"E","symbols":["FIRST","MIDDLE","LAST"]}},
 {"name":"arr","type":{"type":"array","items":"int"}},
 {"name":"m","type":{"type":"map","values":"string"}},
 {"name":"fx","type":{"type":"fixed","name":"F4","size":4}},
 {"name":"opt","type":["null","string"],"default":null},
 {"name":"multi","type":["null","int","string",{"type":"record","name":"Inner","fields":[{"name":"x","type":"double"}]}]},
 {"name":"nested","type":{"type":"record","name":"Nested","fields":[{"name":"inner","type":"Inner"},{"name":"tags","type":{"type":"array","items":"string"}}]}},
 {"name":"withDefault","type":"int","default":42},
 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},
 {"name":"decfx","type":{"type":"fixed","name":"DF","size":8,"logicalType":"decimal","precision":10,"scale":3}},
 {"name":"id","type":{"type":"string","logicalType":"uuid"}},
 {"name":"day","type":{"type":"int","logicalType":"date"}},
 {"name":"tms","type":{"type":"int","logicalType":"time-millis"}},
 {"name":"tus","type":{"type":"long","logicalType":"time-micros"}},
 {"name":"tsms","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"tsus","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"lts","type":{"type":"long","logicalType":"local-timestamp-millis"}},
 {"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
 {"name":"self","type":["null","All"],"default":null}
]}`

// decodeAvro decodes every sample with the schema.
func decodeAvro(t *testing.T, res *Result) map[string]map[string]any {
	t.Helper()
	s := hamba.MustParse(avroAll)
	out := map[string]map[string]any{}
	for _, smp := range res.Samples {
		var v map[string]any
		if err := hamba.Unmarshal(s, smp.Payload, &v); err != nil {
			t.Fatalf("%s does not decode: %v", smp.Name, err)
		}
		if !json.Valid(smp.JSON) {
			t.Fatalf("%s renders as invalid JSON: %s", smp.Name, smp.JSON)
		}
		out[smp.Name] = v
	}
	return out
}

func TestAvroEdgeValues(t *testing.T) {
	t.Parallel()
	res, err := Generate(FormatAvro, avroAll, Options{Seed: 7, Random: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) > 0 || len(res.Samples) != 24 {
		t.Fatalf("%d samples, notes %q", len(res.Samples), res.Notes)
	}
	got := decodeAvro(t, res)
	tests := []struct {
		sample string
		check  func(v map[string]any) bool
		what   string
	}{
		{"edge:minimal", func(v map[string]any) bool { return v["opt"] == nil && v["multi"] == nil && v["self"] == nil }, "nulls in unions"},
		{"edge:minimal", func(v map[string]any) bool { return v["withDefault"] == 42 }, "defaults"},
		{"edge:minimal", func(v map[string]any) bool {
			return v["s"] == "" && len(v["raw"].([]byte)) == 0 && len(v["arr"].([]any)) == 0 && len(v["m"].(map[string]any)) == 0
		}, "empty strings, bytes, arrays, maps"},
		{"edge:minimal", func(v map[string]any) bool { return v["e"] == "FIRST" && v["i"] == 0 && v["b"] == false }, "zero values"},
		{"edge:maximal", func(v map[string]any) bool { return v["i"] == math.MaxInt32 && v["l"] == int64(math.MaxInt64) }, "integer maxima"},
		{"edge:maximal", func(v map[string]any) bool { return v["d"] == math.MaxFloat64 && v["f"] == float32(math.MaxFloat32) }, "float maxima"},
		{"edge:maximal", func(v map[string]any) bool {
			return len(v["arr"].([]any)) >= 24 && len(v["m"].(map[string]any)) >= 24
		}, "long arrays and maps"},
		{"edge:maximal", func(v map[string]any) bool { s := v["s"].(string); return len(s) >= 256 && !isASCII(s) }, "long unicode strings"},
		{"edge:maximal", func(v map[string]any) bool { return v["e"] == "LAST" && v["opt"] != nil && v["self"] != nil }, "last symbol, unions set, recursion"},
		{"edge:minimum", func(v map[string]any) bool { return v["i"] == math.MinInt32 && v["l"] == int64(math.MinInt64) }, "integer minima"},
		{"edge:minimum", func(v map[string]any) bool { _, ok := v["multi"].(map[string]any); return ok }, "last union branch (a record)"},
		{"edge:minimum", func(v map[string]any) bool { return len(v["arr"].([]any)) == 1 }, "one-element arrays"},
		{"edge:unicode", func(v map[string]any) bool {
			for k := range v["m"].(map[string]any) {
				if isASCII(k) {
					return false
				}
			}
			return !isASCII(v["s"].(string)) && v["e"] == "LAST"
		}, "unicode strings and map keys"},
		{"edge:maximal", func(v map[string]any) bool {
			n := v["nested"].(map[string]any)
			_, ok := n["inner"].(map[string]any)
			return ok
		}, "nested records"},
	}
	for _, tt := range tests {
		if !tt.check(got[tt.sample]) {
			t.Errorf("%s lacks %s: %v", tt.sample, tt.what, got[tt.sample])
		}
	}
	// Random samples pick every enum symbol and several union branches.
	symbols, branches := map[any]bool{}, map[string]bool{}
	for name, v := range got {
		if strings.HasPrefix(name, "random:") {
			symbols[v["e"]] = true
			// hamba decodes a union branch as {name: value}.
			if m, ok := v["multi"].(map[string]any); ok {
				for name := range m {
					branches[name] = true
				}
			} else {
				branches["null"] = true
			}
		}
	}
	if len(symbols) != 3 || len(branches) != 4 {
		t.Errorf("random samples cover symbols %v and branches %v", symbols, branches)
	}
}

func isASCII(s string) bool {
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func TestJSONSchemaConstraints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema string
		// check holds for every sample's value.
		check func(v map[string]any) bool
		// note is in Notes when the generator could not honour something.
		note string
	}{
		{"required and enum", `{"type":"object","required":["a","k"],"properties":{"a":{"type":"string"},"k":{"enum":["x","y",3]},"o":{"type":"integer"}}}`,
			func(v map[string]any) bool {
				_, a := v["a"]
				k := v["k"]
				return a && (k == "x" || k == "y" || k == json.Number("3"))
			}, ""},
		{"const", `{"type":"object","required":["c"],"properties":{"c":{"const":{"deep":[1,2]}}}}`,
			func(v map[string]any) bool { b, _ := json.Marshal(v["c"]); return string(b) == `{"deep":[1,2]}` }, ""},
		{"bounds", `{"type":"object","required":["n","x"],"properties":{"n":{"type":"integer","minimum":5,"maximum":9},"x":{"type":"number","minimum":0,"exclusiveMinimum":true,"maximum":1,"exclusiveMaximum":true}}}`,
			func(v map[string]any) bool {
				n, _ := v["n"].(json.Number).Int64()
				x, _ := v["x"].(json.Number).Float64()
				return n >= 5 && n <= 9 && x > 0 && x < 1
			}, ""},
		{"multipleOf", `{"type":"object","required":["m"],"properties":{"m":{"type":"integer","multipleOf":7,"minimum":1}}}`,
			func(v map[string]any) bool { m, _ := v["m"].(json.Number).Int64(); return m%7 == 0 && m >= 7 }, ""},
		{"lengths", `{"type":"object","required":["s"],"properties":{"s":{"type":"string","minLength":3,"maxLength":4}}}`,
			func(v map[string]any) bool { n := utf8.RuneCountInString(v["s"].(string)); return n >= 3 && n <= 4 }, ""},
		{"pattern", `{"type":"object","required":["p"],"properties":{"p":{"type":"string","pattern":"^[A-Z]{3}-\\d{2,4}(x|yz)?$"}}}`,
			func(v map[string]any) bool {
				return regexp.MustCompile(`^[A-Z]{3}-\d{2,4}(x|yz)?$`).MatchString(v["p"].(string))
			}, ""},
		{"formats", `{"type":"object","required":["d","e","u","i","h"],"properties":{"d":{"type":"string","format":"date-time"},"e":{"type":"string","format":"email"},"u":{"type":"string","format":"uuid"},"i":{"type":"string","format":"ipv4"},"h":{"type":"string","format":"hostname"}}}`,
			func(v map[string]any) bool {
				return strings.Contains(v["e"].(string), "@") && len(v["u"].(string)) == 36 && strings.Count(v["i"].(string), ".") == 3 && strings.Contains(v["d"].(string), "T")
			}, ""},
		{"arrays", `{"type":"object","required":["a","t"],"properties":{"a":{"type":"array","items":{"type":"integer","minimum":0,"maximum":3},"minItems":1,"maxItems":3,"uniqueItems":true},"t":{"type":"array","items":[{"type":"string"},{"type":"boolean"}],"additionalItems":false}}}`,
			func(v map[string]any) bool {
				a, tu := v["a"].([]any), v["t"].([]any)
				return len(a) >= 1 && len(a) <= 3 && len(tu) == 2
			}, ""},
		{"refs and allOf", `{"definitions":{"id":{"type":"string","minLength":1}},"allOf":[{"type":"object","required":["id"],"properties":{"id":{"$ref":"#/definitions/id"}}},{"required":["n"],"properties":{"n":{"type":"null"}}}]}`,
			func(v map[string]any) bool {
				id, _ := v["id"].(string)
				n, has := v["n"]
				return id != "" && has && n == nil
			}, ""},
		{"oneOf", `{"type":"object","required":["o"],"properties":{"o":{"oneOf":[{"type":"integer"},{"type":"string","maxLength":2}]}}}`,
			func(v map[string]any) bool { _, has := v["o"]; return has }, ""},
		{"nullable type list", `{"type":"object","required":["x"],"properties":{"x":{"type":["null","string"]}}}`,
			func(v map[string]any) bool { _, has := v["x"]; return has }, ""},
		{"unsatisfiable pattern", `{"type":"object","required":["p"],"properties":{"p":{"type":"string","pattern":"^a\\bb$"}}}`,
			nil, "could not generate a valid record"},
		{"draft 6 exclusive bounds", `{"$schema":"http://json-schema.org/draft-06/schema#","type":"object","required":["x"],"properties":{"x":{"type":"integer","exclusiveMinimum":10,"exclusiveMaximum":13}}}`,
			func(v map[string]any) bool { x, _ := v["x"].(json.Number).Int64(); return x == 11 || x == 12 }, ""},
		{"not", `{"type":"object","required":["p"],"properties":{"p":{"type":"string","not":{"type":"string"}}}}`,
			nil, "could not generate a valid record"},
		{"unknown format", `{"type":"object","required":["p"],"properties":{"p":{"type":"string","format":"x-color"}}}`,
			func(v map[string]any) bool { _, ok := v["p"].(string); return ok }, `format "x-color" is not generated`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Generate(FormatJSON, tt.schema, Options{Seed: 3, Random: 10})
			if err != nil {
				t.Fatal(err)
			}
			if tt.note != "" && !strings.Contains(strings.Join(res.Notes, "\n"), tt.note) {
				t.Errorf("notes %q lack %q", res.Notes, tt.note)
			}
			if tt.check == nil {
				if len(res.Samples) != 0 {
					t.Errorf("%d samples of an unsatisfiable schema", len(res.Samples))
				}
				return
			}
			if len(res.Samples) != 14 {
				t.Fatalf("%d samples, want 14; notes %q", len(res.Samples), res.Notes)
			}
			for _, s := range res.Samples {
				if !bytes.Equal(s.Payload, s.JSON) {
					t.Errorf("%s: payload and rendering differ", s.Name)
				}
				dec := json.NewDecoder(bytes.NewReader(s.Payload))
				dec.UseNumber()
				var v map[string]any
				if err := dec.Decode(&v); err != nil {
					t.Fatalf("%s: %v", s.Name, err)
				}
				if !tt.check(v) {
					t.Errorf("%s breaks the schema: %s", s.Name, s.Payload)
				}
			}
		})
	}
}

// protoAll has every scalar kind, an enum, nesting, recursion, repeated
// fields, maps and a oneof.
const protoAll = `syntax = "proto3";
package t;
message All {
  double d = 1; float f = 2; int32 i32 = 3; int64 i64 = 4; uint32 u32 = 5; uint64 u64 = 6;
  sint32 s32 = 7; sint64 s64 = 8; fixed32 f32 = 9; fixed64 f64 = 10; sfixed32 sf32 = 11; sfixed64 sf64 = 12;
  bool b = 13; string s = 14; bytes raw = 15; Color c = 16; Inner inner = 17;
  repeated string tags = 18; map<string, Inner> byName = 19; map<int32, bool> flags = 20;
  oneof choice { string text = 21; int64 number = 22; Inner nested = 23; }
  optional string maybe = 24; repeated All children = 25;
}
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; BLUE = 2; }
message Inner { string name = 1; }
`

func TestProtobufEdgeValues(t *testing.T) {
	t.Parallel()
	res, err := Generate(FormatProtobuf, protoAll, Options{Seed: 5, Random: 10})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := cproto.New().Parse(protoAll)
	if err != nil {
		t.Fatal(err)
	}
	md := parsed.(*cproto.Schema).File().Messages().ByName("All")
	byName := map[string]*dynamicpb.Message{}
	for _, s := range res.Samples {
		idx, n := protowire.ConsumeVarint(s.Payload)
		if n < 0 || parsed.(*cproto.Schema).MessageNames()[idx] != "t.All" {
			t.Fatalf("%s: message index %d", s.Name, idx)
		}
		m := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(s.Payload[n:], m); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		byName[s.Name] = m
	}
	field := func(m *dynamicpb.Message, name string) any {
		return m.Get(md.Fields().ByName(protoName(name))).Interface()
	}
	minimal, maximal, minimum := byName["edge:minimal"], byName["edge:maximal"], byName["edge:minimum"]
	if proto.Size(minimal) != 0 {
		t.Errorf("edge:minimal sets fields (proto3 defaults are not written): %v", minimal)
	}
	if field(maximal, "i64") != int64(math.MaxInt64) || field(maximal, "u64") != uint64(math.MaxUint64) || field(maximal, "d") != math.MaxFloat64 {
		t.Errorf("edge:maximal numbers: %v %v %v", field(maximal, "i64"), field(maximal, "u64"), field(maximal, "d"))
	}
	if field(minimum, "s32") != int32(math.MinInt32) || field(minimum, "sf64") != int64(math.MinInt64) {
		t.Errorf("edge:minimum numbers: %v %v", field(minimum, "s32"), field(minimum, "sf64"))
	}
	if maximal.Get(md.Fields().ByName("tags")).List().Len() < 24 || maximal.Get(md.Fields().ByName("byName")).Map().Len() < 24 {
		t.Errorf("edge:maximal collections are short")
	}
	if !maximal.Has(md.Fields().ByName("nested")) || !minimum.Has(md.Fields().ByName("text")) {
		t.Errorf("oneof members: maximal should set the last, minimum the first")
	}
	if s := field(byName["edge:unicode"], "s").(string); isASCII(s) {
		t.Errorf("edge:unicode string %q", s)
	}
}

func protoName(s string) protoreflect.Name { return protoreflect.Name(s) }

func TestDeterministic(t *testing.T) {
	t.Parallel()
	tests := []struct{ format, def string }{{FormatAvro, avroAll}, {FormatJSON, `{"type":"object","properties":{"a":{"type":"string","pattern":"[a-f]{4,8}"},"n":{"type":"number"}}}`}, {FormatProtobuf, protoAll}}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			a, err := Generate(tt.format, tt.def, Options{Seed: 11, Random: 5})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Generate(tt.format, tt.def, Options{Seed: 11, Random: 5})
			c, _ := Generate(tt.format, tt.def, Options{Seed: 12, Random: 5})
			same, differ := true, false
			for i := range a.Samples {
				same = same && bytes.Equal(a.Samples[i].Payload, b.Samples[i].Payload) && a.Samples[i].Name == b.Samples[i].Name
				if strings.HasPrefix(a.Samples[i].Name, "random:") && !bytes.Equal(a.Samples[i].Payload, c.Samples[i].Payload) {
					differ = true
				}
			}
			if !same || len(a.Samples) != len(b.Samples) {
				t.Error("the same seed gave other samples")
			}
			if !differ {
				t.Error("another seed gave the same random samples")
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ format, def, want string }{
		{"XML", "<a/>", `unsupported data format "XML"`},
		{FormatAvro, `{"type":"record"}`, "AVRO definition"},
		{FormatJSON, `{"type":5}`, "JSON definition"},
		{FormatProtobuf, `syntax = "proto3";`, "declares no message"},
	}
	for _, tt := range tests {
		_, err := Generate(tt.format, tt.def, Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Generate(%s, %s): %v, want %q", tt.format, tt.def, err, tt.want)
		}
	}
}

// FuzzGenerate feeds definitions and seeds: Generate must not panic, and
// what it returns must decode.
func FuzzGenerate(f *testing.F) {
	f.Add(uint8(0), avroAll, uint64(1))
	f.Add(uint8(1), `{"type":"object","properties":{"a":{"type":"string","pattern":"^a+b?$"}}}`, uint64(2))
	f.Add(uint8(2), protoAll, uint64(3))
	f.Add(uint8(0), `["null","string",{"type":"array","items":"long"}]`, uint64(4))
	f.Add(uint8(1), `{"type":"array","items":{"enum":[1,"a",null]},"minItems":2}`, uint64(5))
	f.Fuzz(func(t *testing.T, format uint8, def string, seed uint64) {
		formats := []string{FormatAvro, FormatJSON, FormatProtobuf}
		fm := formats[int(format)%3]
		res, err := Generate(fm, def, Options{Seed: seed, Random: 2})
		if err != nil {
			return
		}
		for _, s := range res.Samples {
			if !json.Valid(s.JSON) {
				t.Fatalf("%s renders as invalid JSON: %q", s.Name, s.JSON)
			}
			if fm == FormatAvro {
				sch, err := hamba.Parse(def)
				if err != nil {
					t.Fatalf("hamba does not parse what the registry accepted: %v", err)
				}
				var v any
				if err := hamba.Unmarshal(sch, s.Payload, &v); err != nil {
					t.Fatalf("%s does not decode: %v", s.Name, err)
				}
			}
		}
	})
}

func BenchmarkGenerate(b *testing.B) {
	tests := []struct{ format, def string }{{FormatAvro, avroAll}, {FormatJSON, `{"type":"object","required":["id"],"properties":{"id":{"type":"string","format":"uuid"},"tags":{"type":"array","items":{"type":"string","pattern":"^[a-z]{2,5}$"}},"n":{"type":"integer","minimum":0}}}`}, {FormatProtobuf, protoAll}}
	for _, tt := range tests {
		b.Run(tt.format, func(b *testing.B) {
			for i := range b.N {
				res, err := Generate(tt.format, tt.def, Options{Seed: uint64(i), Random: 10})
				if err != nil || len(res.Samples) != 14 {
					b.Fatalf("%v, %d samples", err, len(res.Samples))
				}
			}
		})
	}
}
