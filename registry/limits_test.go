package registry_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/registry"
	"github.com/evolvestack/evolvestack/registry/internal/costtest"
)

// The definition limits seen through the engine the Glue service calls:
// CreateSchema, RegisterSchemaVersion, GetSchemaByDefinition and
// CheckSchemaVersionValidity all parse through one path, which must refuse
// definitions that would make a parser blow up with InvalidInputException,
// quickly, before the parser runs; accept realistic ones; and keep the
// compatibility check of what it accepts bounded.

// refused are definitions of up to 169,000 bytes that cost the parsers
// seconds and hundreds of megabytes to gigabytes before the limits (figures
// in the comments: time and bytes allocated to parse once), with what the
// refusal must say.
var refused = []struct {
	name, format string
	gen          func() string
	reason       string
}{
	{"avro-deep-records", "AVRO", avroDeepRecords, "more than 128 levels deep"},                       // 124 ms, 31 MB
	{"avro-deep-records-in-unions", "AVRO", avroDeepRecordsInUnions, "more than 128 levels deep"},     // 94 ms, 29 MB
	{"avro-deep-arrays", "AVRO", avroDeepArrays, "more than 128 levels deep"},                         // 51 ms, 18 MB
	{"avro-deep-maps", "AVRO", avroDeepMaps, "more than 128 levels deep"},                             // 47 ms, 18 MB
	{"avro-deep-property", "AVRO", avroDeepProperty, "more than 128 levels deep"},                     //
	{"avro-many-fields", "AVRO", avroManyFields, "more than 4000 JSON objects"},                       // 72 ms, 36 MB
	{"avro-many-records", "AVRO", avroManyRecords, "more than 4000 JSON objects"},                     // 60 ms, 29 MB
	{"avro-huge-union", "AVRO", avroHugeUnion, "more than 4000 JSON objects"},                         // 61 ms, 29 MB
	{"avro-long-namespace", "AVRO", avroLongNamespace, "longer than 1000 characters"},                 // 2.2 s, 132 MB
	{"avro-big-default", "AVRO", avroBigDefault, "more than 40000 JSON values"},                       //
	{"avro-big-property", "AVRO", avroBigProperty, "more than 40000 JSON values"},                     //
	{"avro-many-refs", "AVRO", avroManyRefs, "more than 4000 JSON objects"},                           //
	{"json-deep-properties", "JSON", jsonDeepProperties, "more than 128 levels deep"},                 // over a minute; 1,000 levels: 11 s, 9.5 GB
	{"json-deep-items", "JSON", jsonDeepItems, "more than 128 levels deep"},                           // 4,000 levels: 83 s, 137 GB
	{"json-deep-allof", "JSON", jsonDeepAllOf, "more than 128 levels deep"},                           //
	{"json-many-properties", "JSON", jsonManyProperties, "more than 3000 JSON objects"},               // 512 ms, 37 MB
	{"json-ref-chain", "JSON", jsonRefChain, "more than 3000 JSON objects"},                           // 167 ms, 28 MB
	{"json-ref-fanout", "JSON", jsonRefFanout, "more than 3000 JSON objects"},                         // 319 ms, 36 MB
	{"json-long-key-prefix", "JSON", jsonLongKeyPrefix, "add up to more than 1048576 characters"},     // over 90 s
	{"json-many-patterns", "JSON", jsonManyPatterns, "more than 3000 JSON objects"},                   // 387 ms, 73 MB
	{"proto-deep-messages", "PROTOBUF", protoDeepMessages, "more than 64 levels deep"},                // 628 ms, 291 MB
	{"proto-deep-refs", "PROTOBUF", protoDeepRefs, "more than 64 levels deep"},                        // 2.3 s, 166 MB
	{"proto-deep-option-literal", "PROTOBUF", protoDeepOptionLiteral, "more than 64 levels deep"},     // 1.8 s, 624 MB
	{"proto-long-package", "PROTOBUF", protoLongPackage, "longer than 512 characters"},                // 139 ms, 62 MB
	{"proto-long-package-many-messages", "PROTOBUF", protoLongPackageManyMessages, "longer than 512"}, // 1.9 s, 1.9 GB
	{"proto-many-fields", "PROTOBUF", protoManyFields, "more than 32768 tokens"},                      // 193 ms, 35 MB
	{"proto-huge-enum", "PROTOBUF", protoHugeEnum, "more than 32768 tokens"},                          // 190 ms, 34 MB
	{"proto-many-messages", "PROTOBUF", protoManyMessages, "more than 32768 tokens"},                  // 144 ms, 40 MB
	{"proto-many-reserved", "PROTOBUF", protoManyReserved, "more than 32768 tokens"},                  // 105 ms, 42 MB
}

// refusalTime bounds refusing a definition: a scan of its text.
const refusalTime = 250 * time.Millisecond

func TestDefinitionLimitsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			def := tc.gen()
			if len(def) > registry.MaxDefinitionLength {
				t.Fatalf("the definition is %d bytes, over Glue's limit", len(def))
			}
			wantMsg := "Schema definition of " + tc.format + " data format is invalid: "
			check := func(op string, err error, took time.Duration) {
				t.Helper()
				var ae *awsapi.Error
				if !errors.As(err, &ae) || ae.Code != registry.CodeInvalidInput {
					t.Fatalf("%s: got %v, want %s", op, err, registry.CodeInvalidInput)
				}
				if !strings.HasPrefix(ae.Message, wantMsg) || !strings.Contains(ae.Message, tc.reason) {
					t.Fatalf("%s: message %q does not say %q", op, ae.Message, tc.reason)
				}
				if len(ae.Message) > 500 {
					t.Fatalf("%s: message of %d bytes", op, len(ae.Message))
				}
				if limit := refusalTime * costtest.Slack(); took > limit {
					t.Fatalf("%s took %v (limit %v)", op, took, limit)
				}
			}
			e := newEngine(t)
			start := time.Now()
			_, err := e.CreateSchema(registry.CreateSchemaInput{Name: "s", DataFormat: tc.format, Definition: def})
			check("CreateSchema", err, time.Since(start))

			if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "ok", DataFormat: tc.format, Compatibility: registry.ModeNone, Definition: small[tc.format]}); err != nil {
				t.Fatal(err)
			}
			ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "ok"}
			start = time.Now()
			_, err = e.RegisterSchemaVersion(ref, def)
			check("RegisterSchemaVersion", err, time.Since(start))
			start = time.Now()
			_, err = e.GetSchemaByDefinition(ref, def)
			check("GetSchemaByDefinition", err, time.Since(start))

			// CheckSchemaVersionValidity answers with the same message.
			msg, err := e.CheckValidity(tc.format, def)
			if err != nil || !strings.HasPrefix(msg, wantMsg) || !strings.Contains(msg, tc.reason) {
				t.Fatalf("CheckValidity = %q, %v", msg, err)
			}
		})
	}
}

// small is a valid definition per format.
var small = map[string]string{
	"AVRO":     `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`,
	"JSON":     `{"type":"object","properties":{"a":{"type":"integer"}}}`,
	"PROTOBUF": `syntax = "proto3"; message R { int32 a = 1; }`,
}

// realistic are large but plausible definitions, each with an evolution
// every version of which BACKWARD accepts.
var realistic = []struct {
	name, format string
	gen          func() string
	evolve       func(string) string
}{
	{"avro-wide-table", "AVRO", avroWideTable, func(d string) string {
		return strings.Replace(d, `{"name":"op","type":"string"}`, `{"name":"op","type":"string"},{"name":"note","type":["null","string"],"default":null}`, 1)
	}},
	{"avro-domain-model", "AVRO", avroDomainModel, func(d string) string {
		return strings.ReplaceAll(d, `{"name":"quantity","type":"int"}`, `{"name":"quantity","type":"long"}`)
	}},
	{"avro-enum-20000", "AVRO", avroHugeEnum, func(d string) string { return strings.Replace(d, `"S0",`, `"S0","NEW",`, 1) }},
	{"json-crd", "JSON", jsonCRD, func(d string) string { return strings.ReplaceAll(d, `"maxLength":253`, `"maxLength":300`) }},
	{"json-wide-object", "JSON", jsonWideObject, func(d string) string { return strings.ReplaceAll(d, `"maxLength":255`, `"maxLength":1024`) }},
	{"json-enum-30000", "JSON", jsonHugeEnum, func(d string) string { return strings.Replace(d, `"enum":[`, `"enum":[-1,`, 1) }},
	{"proto-api", "PROTOBUF", protoAPI, func(d string) string {
		return strings.Replace(d, "  reserved \"legacy_id\";\n", "  reserved \"legacy_id\";\n  string channel = 11;\n", 1)
	}},
}

func TestRealisticDefinitionsAccepted(t *testing.T) {
	t.Parallel()
	for _, tc := range realistic {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			def := tc.gen()
			next := tc.evolve(def)
			if len(next) > registry.MaxDefinitionLength || next == def {
				t.Fatalf("the evolution is %d bytes, or changes nothing", len(next))
			}
			e := newEngine(t)
			if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "s", DataFormat: tc.format, Definition: def}); err != nil {
				t.Fatalf("CreateSchema: %v", err)
			}
			ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "s"}
			start := time.Now()
			v, err := e.RegisterSchemaVersion(ref, next)
			if err != nil {
				t.Fatalf("RegisterSchemaVersion: %v", err)
			}
			if v.Status != registry.StatusAvailable {
				t.Fatalf("status %s: %+v", v.Status, v.Findings[:min(len(v.Findings), 3)])
			}
			if took, limit := time.Since(start), 2*time.Second*costtest.Slack(); took > limit {
				t.Fatalf("parsing and checking took %v (limit %v)", took, limit)
			}
		})
	}
}

// TestExampleSchemasAccepted registers the repository's example schemas.
func TestExampleSchemasAccepted(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../examples/*/schemas/*.avsc")
	if len(files) == 0 {
		t.Skip("no example schemas")
	}
	e := newEngine(t)
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: fmt.Sprintf("s%d", i), DataFormat: "AVRO", Definition: string(b)}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// pairs are versions whose compatibility check was unbounded or costly
// before the check's budgets (figures in the comments).
var pairs = []struct {
	name, format   string
	writer, reader func() string
	status, rule   string
}{
	// 5 min 35 s, 57 GB: every value compared with every other.
	{"json-enum-value-removed", "JSON", func() string { return jsonEnum(15000, 0) }, func() string { return jsonEnum(15000, 1) }, registry.StatusFailure, "enum-value-removed"},
	// Never returned: validating against anyOf of two references to the
	// previous definition, 30 times, visits 2^30 schemas.
	{"json-reference-fan-out", "JSON", func() string { return jsonFanOut(30, `,"maxLength":5`) }, func() string { return jsonFanOut(30, "") }, registry.StatusFailure, "check-inconclusive"},
	// 6 s, 1 GB: every pair of branches checked.
	{"avro-unions", "AVRO", func() string { return avroUnion(1900, "W") }, func() string { return avroUnion(1900, "R") }, registry.StatusFailure, "union-branch-unreadable"},
	{"avro-unions-evolved", "AVRO", func() string { return avroUnion(1900, "W") }, func() string {
		return strings.Replace(avroUnion(1900, "W"), `"type":"int"`, `"type":"long"`, -1)
	}, registry.StatusAvailable, ""},
	{"proto-many-messages", "PROTOBUF", func() string { return protoMessages(3000) }, func() string { return protoMessages(3001) }, registry.StatusAvailable, ""},
}

func TestCompatibilityCheckBounded(t *testing.T) {
	t.Parallel()
	for _, tc := range pairs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t)
			if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "s", DataFormat: tc.format, Definition: tc.writer()}); err != nil {
				t.Fatalf("CreateSchema: %v", err)
			}
			ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "s"}
			start := time.Now()
			v, err := e.RegisterSchemaVersion(ref, tc.reader())
			took := time.Since(start)
			if err != nil {
				t.Fatalf("RegisterSchemaVersion: %v", err)
			}
			if limit := 2 * time.Second * costtest.Slack(); took > limit {
				t.Fatalf("took %v (limit %v)", took, limit)
			}
			if v.Status != tc.status || (tc.rule != "" && (len(v.Findings) == 0 || v.Findings[0].Rule != tc.rule)) {
				t.Fatalf("status %s, findings %+v; want %s, %s", v.Status, v.Findings[:min(len(v.Findings), 2)], tc.status, tc.rule)
			}
			if len(v.Findings) > 200 {
				t.Fatalf("%d findings", len(v.Findings))
			}
		})
	}
}

// TestDefinitionLimitsCost bounds the bytes allocated to refuse each
// definition of refused (a scan of the text; for Avro names, a decode of
// it), to accept each of realistic, and to check each pair. Not parallel:
// it measures allocation.
func TestDefinitionLimitsCost(t *testing.T) {
	e := newEngine(t)
	for _, tc := range refused {
		def := tc.gen()
		allocated, took := costtest.Measure(func() { _, _ = e.CheckValidity(tc.format, def) })
		if allocated > 6<<20 {
			t.Errorf("refusing %s allocated %.1f MB in %v", tc.name, float64(allocated)/1e6, took)
		}
	}
	for _, tc := range realistic {
		def := tc.gen()
		allocated, took := costtest.Measure(func() { _, _ = e.CheckValidity(tc.format, def) })
		t.Logf("realistic %-18s %7d bytes: %4.1f MB, %v", tc.name, len(def), float64(allocated)/1e6, took.Round(time.Millisecond))
		if allocated > 40<<20 {
			t.Errorf("accepting %s allocated %.1f MB", tc.name, float64(allocated)/1e6)
		}
	}
	formats := registry.Formats()
	for _, tc := range pairs {
		f := formats[tc.format]
		r, err := f.Parse(tc.reader())
		if err != nil {
			t.Fatal(err)
		}
		w, err := f.Parse(tc.writer())
		if err != nil {
			t.Fatal(err)
		}
		allocated, took := costtest.Measure(func() { f.CanRead(r, w) })
		t.Logf("check %-24s %5.1f MB, %v", tc.name, float64(allocated)/1e6, took.Round(time.Millisecond))
		if allocated > 60<<20 {
			t.Errorf("checking %s allocated %.1f MB", tc.name, float64(allocated)/1e6)
		}
	}
}

func BenchmarkRefuseDefinition(b *testing.B) {
	e := newEngine(b)
	for _, tc := range refused {
		def := tc.gen()
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(def)))
			b.ReportAllocs()
			for b.Loop() {
				if msg, _ := e.CheckValidity(tc.format, def); msg == "" {
					b.Fatal("accepted")
				}
			}
		})
	}
}

func BenchmarkParseRealistic(b *testing.B) {
	e := newEngine(b)
	for _, tc := range realistic {
		def := tc.gen()
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(def)))
			b.ReportAllocs()
			for b.Loop() {
				if msg, _ := e.CheckValidity(tc.format, def); msg != "" {
					b.Fatal(msg)
				}
			}
		})
	}
}
