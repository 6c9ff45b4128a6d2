package glue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/glue"
)

// persistTimings are the PENDING and DELETING periods a scenario runs with.
type persistTimings struct{ pending, deleting time.Duration }

// newPersistService builds a Glue service on clk with journal j (nil: none).
func newPersistService(clk *clock.Clock, j awsapi.Journal, tm persistTimings) *glue.Service {
	svc := glue.New(awsapi.Env{Scope: awsapi.Scope{Account: "123456789012", Region: "eu-west-1"}, Clock: clk, Journal: j})
	svc.Registry().SetTimings(tm.pending, tm.deleting)
	return svc
}

func sid(reg, name string) *glue.SchemaId {
	return &glue.SchemaId{RegistryName: &reg, SchemaName: &name}
}

func jsonRecord(props ...string) string {
	return `{"type":"object","properties":{` + strings.Join(props, ",") + `}}`
}

const protoV1 = `syntax = "proto3"; package shop; message Order { string id = 1; }`
const protoV2 = `syntax = "proto3"; package shop; message Order { string id = 1; int32 qty = 2; }`

// glueScenarios drive every state-changing Glue operation, and the
// background ones (versions settling, DELETING periods ending).
var glueScenarios = []struct {
	name    string
	timings persistTimings
	run     func(ctx context.Context, s *glue.Service, clk *clock.Clock)
}{
	{"lifecycle", persistTimings{}, func(ctx context.Context, s *glue.Service, clk *clock.Clock) {
		reg := "orders"
		must(s.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: &reg, Description: ptrTo("first"), Tags: map[string]string{"team": "a", "env": "dev"}}))
		clk.Advance(time.Second)
		must(s.UpdateRegistry(ctx, &glue.UpdateRegistryInput{RegistryId: &glue.RegistryId{RegistryName: &reg}, Description: ptrTo("second")}))
		regARN := "arn:aws:glue:eu-west-1:123456789012:registry/orders"
		must(s.TagResource(ctx, &glue.TagResourceInput{ResourceArn: &regARN, TagsToAdd: map[string]string{"owner": "b"}}))
		must(s.UntagResource(ctx, &glue.UntagResourceInput{ResourceArn: &regARN, TagsToRemove: []string{"env"}}))
		must(s.CreateSchema(ctx, &glue.CreateSchemaInput{
			RegistryId: &glue.RegistryId{RegistryName: &reg}, SchemaName: ptrTo("order"), DataFormat: glue.DataFormatAvro,
			Compatibility: glue.CompatibilityBackward, Description: ptrTo("orders"), Tags: map[string]string{"k": "v"},
			SchemaDefinition: ptrTo(avroRecord(fA)),
		}))
		clk.Advance(time.Second)
		must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(reg, "order"), SchemaDefinition: ptrTo(avroRecord(fA, fB))}))
		must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(reg, "order"), SchemaDefinition: ptrTo(avroRecord(fB))}))     // FAILURE: a removed without default
		must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(reg, "order"), SchemaDefinition: ptrTo(avroRecord(fA, fB))})) // same: no new version
		must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(reg, "order"), SchemaDefinition: ptrTo(avroRecord(fA, fB, fC))}))
		schemaARN := "arn:aws:glue:eu-west-1:123456789012:schema/orders/order"
		must(s.TagResource(ctx, &glue.TagResourceInput{ResourceArn: &schemaARN, TagsToAdd: map[string]string{"x": "y"}}))
		for i, kv := range [][2]string{{"source", "ci"}, {"source", "cli"}, {"ticket", "T-1"}} {
			clk.Advance(time.Duration(i+1) * time.Millisecond)
			must(s.PutSchemaVersionMetadata(ctx, &glue.PutSchemaVersionMetadataInput{
				SchemaId: sid(reg, "order"), SchemaVersionNumber: &glue.SchemaVersionNumber{VersionNumber: ptrTo(int64(2))},
				MetadataKeyValue: &glue.MetadataKeyValuePair{MetadataKey: &kv[0], MetadataValue: &kv[1]},
			}))
		}
		must(s.RemoveSchemaVersionMetadata(ctx, &glue.RemoveSchemaVersionMetadataInput{
			SchemaId: sid(reg, "order"), SchemaVersionNumber: &glue.SchemaVersionNumber{VersionNumber: ptrTo(int64(2))},
			MetadataKeyValue: &glue.MetadataKeyValuePair{MetadataKey: ptrTo("source"), MetadataValue: ptrTo("ci")},
		}))
		must(s.UpdateSchema(ctx, &glue.UpdateSchemaInput{SchemaId: sid(reg, "order"), SchemaVersionNumber: &glue.SchemaVersionNumber{VersionNumber: ptrTo(int64(2))},
			Compatibility: glue.CompatibilityFull, Description: ptrTo("now full")}))
		must(s.DeleteSchemaVersions(ctx, &glue.DeleteSchemaVersionsInput{SchemaId: sid(reg, "order"), Versions: ptrTo("3-4")}))
		// A definition registered again after its version was deleted.
		must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(reg, "order"), SchemaDefinition: ptrTo(avroRecord(fA, fB, fC))}))
		must(s.CreateSchema(ctx, &glue.CreateSchemaInput{
			RegistryId: &glue.RegistryId{RegistryName: &reg}, SchemaName: ptrTo("doc"), DataFormat: glue.DataFormatJson,
			Compatibility: glue.CompatibilityForwardAll, SchemaDefinition: ptrTo(jsonRecord(`"a":{"type":"string"}`)),
		}))
		must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(reg, "doc"), SchemaDefinition: ptrTo(jsonRecord(`"a":{"type":"string"}`, `"b":{"type":"integer"}`))}))
		// The default registry, created on demand, and a schema without versions.
		must(s.CreateSchema(ctx, &glue.CreateSchemaInput{SchemaName: ptrTo("proto"), DataFormat: glue.DataFormatProtobuf, SchemaDefinition: ptrTo(protoV1)}))
		must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid("default-registry", "proto"), SchemaDefinition: ptrTo(protoV2)}))
		must(s.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &glue.RegistryId{RegistryName: &reg}, SchemaName: ptrTo("empty"), DataFormat: glue.DataFormatAvro}))
	}},
	{"deleting periods", persistTimings{pending: time.Minute, deleting: time.Hour}, func(ctx context.Context, s *glue.Service, clk *clock.Clock) {
		for _, reg := range []string{"keep", "gone"} {
			must(s.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: ptrTo(reg)}))
			for _, name := range []string{"a", "b"} {
				must(s.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &glue.RegistryId{RegistryName: ptrTo(reg)}, SchemaName: ptrTo(name),
					DataFormat: glue.DataFormatAvro, Compatibility: glue.CompatibilityNone, SchemaDefinition: ptrTo(avroRecord(fA))}))
				must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(reg, name), SchemaDefinition: ptrTo(avroRecord(fA, fB))}))
				must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(reg, name), SchemaDefinition: ptrTo(avroRecord(fC))}))
			}
		}
		clk.Advance(2 * time.Minute) // versions settle
		must(s.DeleteSchemaVersions(ctx, &glue.DeleteSchemaVersionsInput{SchemaId: sid("keep", "a"), Versions: ptrTo("2")}))
		must(s.DeleteSchema(ctx, &glue.DeleteSchemaInput{SchemaId: sid("keep", "b")}))
		must(s.DeleteRegistry(ctx, &glue.DeleteRegistryInput{RegistryId: &glue.RegistryId{RegistryName: ptrTo("gone")}}))
		clk.Advance(30 * time.Minute)
		must(s.DeleteSchemaVersions(ctx, &glue.DeleteSchemaVersionsInput{SchemaId: sid("keep", "a"), Versions: ptrTo("3")}))
		clk.Advance(45 * time.Minute) // the first deletions end; the last is still DELETING
		must(s.ListRegistries(ctx, &glue.ListRegistriesInput{}))
		// A new version still PENDING at the end.
		must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid("keep", "a"), SchemaDefinition: ptrTo(avroRecord(fB, fC))}))
	}},
	{"immediate deletes and reuse", persistTimings{}, func(ctx context.Context, s *glue.Service, clk *clock.Clock) {
		for round := range 2 {
			must(s.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: ptrTo("r"), Description: ptrTo(fmt.Sprint("round ", round))}))
			must(s.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &glue.RegistryId{RegistryName: ptrTo("r")}, SchemaName: ptrTo("s"),
				DataFormat: glue.DataFormatAvro, Compatibility: glue.CompatibilityNone, SchemaDefinition: ptrTo(avroRecord(fA))}))
			must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid("r", "s"), SchemaDefinition: ptrTo(avroRecord(fB))}))
			must(s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid("r", "s"), SchemaDefinition: ptrTo(avroRecord(fC))}))
			must(s.DeleteSchemaVersions(ctx, &glue.DeleteSchemaVersionsInput{SchemaId: sid("r", "s"), Versions: ptrTo("2")}))
			must(s.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &glue.RegistryId{RegistryName: ptrTo("r")}, SchemaName: ptrTo("t"),
				DataFormat: glue.DataFormatAvro, SchemaDefinition: ptrTo(avroRecord(fA))}))
			must(s.DeleteSchema(ctx, &glue.DeleteSchemaInput{SchemaId: sid("r", "t")}))
			clk.Advance(time.Second)
			if round == 0 {
				must(s.DeleteRegistry(ctx, &glue.DeleteRegistryInput{RegistryId: &glue.RegistryId{RegistryName: ptrTo("r")}}))
			}
		}
	}},
}

// uuidPattern matches a version id.
var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func ptrTo[T any](v T) *T { return &v }

// glueReads answers every read operation over everything s holds, as
// text; with ids false, version ids are left out (instances that went on
// separately give new versions different random ids).
func glueReads(t *testing.T, s *glue.Service, ids bool) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	put := func(label string, v any, err error) {
		out, _ := json.Marshal(v)
		if !ids {
			out = uuidPattern.ReplaceAll(out, []byte("<id>"))
		}
		fmt.Fprintf(&b, "%s: %s err=%v\n", label, out, err)
	}
	regs, err := s.ListRegistries(ctx, &glue.ListRegistriesInput{})
	put("ListRegistries", regs, err)
	schemas, err := s.ListSchemas(ctx, &glue.ListSchemasInput{})
	put("ListSchemas", schemas, err)
	for _, r := range regs.Registries {
		got, err := s.GetRegistry(ctx, &glue.GetRegistryInput{RegistryId: &glue.RegistryId{RegistryName: r.RegistryName}})
		put("GetRegistry", got, err)
		tags, err := s.GetTags(ctx, &glue.GetTagsInput{ResourceArn: r.RegistryArn})
		put("GetTags", tags, err)
		page, err := s.ListSchemas(ctx, &glue.ListSchemasInput{RegistryId: &glue.RegistryId{RegistryName: r.RegistryName}, MaxResults: ptrTo(int32(1))})
		put("ListSchemas page", page, err)
	}
	for _, sc := range schemas.Schemas {
		id := sid(*sc.RegistryName, *sc.SchemaName)
		got, err := s.GetSchema(ctx, &glue.GetSchemaInput{SchemaId: id})
		put("GetSchema", got, err)
		tags, err := s.GetTags(ctx, &glue.GetTagsInput{ResourceArn: sc.SchemaArn})
		put("GetTags", tags, err)
		latest, err := s.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaId: id, SchemaVersionNumber: &glue.SchemaVersionNumber{LatestVersion: ptrTo(true)}})
		put("GetSchemaVersion latest", latest, err)
		vs, err := s.ListSchemaVersions(ctx, &glue.ListSchemaVersionsInput{SchemaId: id})
		put("ListSchemaVersions", vs, err)
		for _, v := range vs.Schemas {
			byNumber, err := s.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaId: id, SchemaVersionNumber: &glue.SchemaVersionNumber{VersionNumber: v.VersionNumber}})
			put("GetSchemaVersion", byNumber, err)
			byID, err := s.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: v.SchemaVersionId})
			put("GetSchemaVersion id", byID, err)
			if byNumber != nil {
				def, err := s.GetSchemaByDefinition(ctx, &glue.GetSchemaByDefinitionInput{SchemaId: id, SchemaDefinition: byNumber.SchemaDefinition})
				put("GetSchemaByDefinition", def, err)
			}
			md, err := s.QuerySchemaVersionMetadata(ctx, &glue.QuerySchemaVersionMetadataInput{SchemaVersionId: v.SchemaVersionId})
			put("QuerySchemaVersionMetadata", md, err)
			report, err := s.SchemaVersionReport(*v.SchemaVersionId)
			put("SchemaVersionReport", report, err)
		}
	}
	return b.String()
}

// glueGoOn changes s further after a restore: a version for every live
// schema.
func glueGoOn(t *testing.T, s *glue.Service) {
	t.Helper()
	defer catch(t)
	ctx := context.Background()
	schemas := must(s.ListSchemas(ctx, &glue.ListSchemasInput{}))
	for _, sc := range schemas.Schemas {
		if sc.SchemaStatus != glue.SchemaStatusAvailable {
			continue
		}
		got := must(s.GetSchema(ctx, &glue.GetSchemaInput{SchemaId: sid(*sc.RegistryName, *sc.SchemaName)}))
		var def string
		switch got.DataFormat {
		case glue.DataFormatAvro:
			def = avroRecord(fA, `{"name":"restored","type":"string","default":""}`)
		case glue.DataFormatJson:
			def = jsonRecord(`"a":{"type":"string"}`, `"restored":{"type":"string"}`)
		default:
			def = protoV2 + " message Restored { string id = 1; }"
		}
		v, err := s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid(*sc.RegistryName, *sc.SchemaName), SchemaDefinition: &def})
		if err != nil {
			t.Fatalf("registering after restore: %v", err)
		}
		if next := got.NextSchemaVersion; next != nil && *v.VersionNumber != *next {
			t.Fatalf("new version of %s is %d, want the restored next %d", *sc.SchemaName, *v.VersionNumber, *next)
		}
	}
}

func diffRows(t *testing.T, what string, got, want []awsapi.JournalEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i].Key != want[i].Key || !bytes.Equal(got[i].Value, want[i].Value) {
			t.Fatalf("%s: row %d is %s=%s, want %s=%s", what, i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
}

func TestGluePersistence(t *testing.T) {
	t.Parallel()
	for _, sc := range glueScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			defer catch(t)
			ctx := context.Background()
			clk := clock.New(clock.WithScale(0), clock.WithStart(time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)))
			j := &awsapi.MemoryJournal{}
			orig := newPersistService(clk, j, sc.timings)
			sc.run(ctx, orig, clk)

			// 1. The journal's rows are the state's.
			dump, err := awsapi.DumpRows(orig)
			if err != nil {
				t.Fatal(err)
			}
			if len(dump) == 0 {
				t.Fatal("the scenario left no rows")
			}
			diffRows(t, "journal rows vs dump", j.Rows(), dump)

			// 2. Replays answer every read as the original does; 3. a dump
			// followed by the whole log (overlapping) gives the same state.
			log := j.Log()
			replays := map[string][]awsapi.JournalEntry{
				"log":           log,
				"dump":          dump,
				"dump then log": append(slices.Clone(dump), log...),
			}
			want := glueReads(t, orig, true)
			restored := map[string]*glue.Service{}
			for name, entries := range replays {
				rj := &awsapi.MemoryJournal{}
				r := newPersistService(clk, rj, sc.timings)
				if err := awsapi.Replay(r, entries); err != nil {
					t.Fatalf("%s: replay: %v", name, err)
				}
				if got := glueReads(t, r, true); got != want {
					t.Fatalf("%s: restored reads differ:\n got: %s\nwant: %s", name, got, want)
				}
				rdump, err := awsapi.DumpRows(r)
				if err != nil {
					t.Fatal(err)
				}
				diffRows(t, name+": restored dump vs original dump", rdump, dump)
				restored[name] = r
			}
			// They go on as the original does, also once PENDING and
			// DELETING periods end.
			glueGoOn(t, orig)
			for _, r := range restored {
				glueGoOn(t, r)
			}
			if err := clk.Advance(2 * time.Hour); err != nil {
				t.Fatal(err)
			}
			want = glueReads(t, orig, false)
			for name, r := range restored {
				if got := glueReads(t, r, false); got != want {
					t.Fatalf("%s: after going on, reads differ:\n got: %s\nwant: %s", name, got, want)
				}
			}
			diffRows(t, "journal rows vs dump after going on", j.Rows(), must(awsapi.DumpRows(orig)))
		})
	}
}

// TestGlueRestoredBadDefinition: definitions are parsed on a schema's
// first use after a restore; one that no longer parses (a damaged data
// dir) fails that use with an internal error, never a panic.
func TestGlueRestoredBadDefinition(t *testing.T) {
	t.Parallel()
	s := newPersistService(clock.New(clock.WithScale(0)), nil, persistTimings{})
	rows := []awsapi.JournalEntry{
		{Key: "r/x", Value: []byte(`{"c":1,"u":1}`)},
		{Key: "s/x/y", Value: []byte(`{"f":"AVRO","m":"NONE","cp":1,"nx":2,"c":1,"u":1}`)},
		{Key: "v/x/y/1", Value: []byte(`{"id":"i","def":"{","c":1,"st":1}`)},
	}
	if err := awsapi.Replay(s, rows); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: ptrTo("i")}); err != nil {
		t.Fatalf("reading the version: %v", err)
	}
	for _, call := range []func() error{
		func() error {
			_, err := s.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: sid("x", "y"), SchemaDefinition: ptrTo(avroRecord(fA))})
			return err
		},
		func() error {
			_, err := s.GetSchemaByDefinition(ctx, &glue.GetSchemaByDefinitionInput{SchemaId: sid("x", "y"), SchemaDefinition: ptrTo(avroRecord(fA))})
			return err
		},
	} {
		if e, ok := awsapi.AsError(call()); !ok || e.Code != "InternalServiceException" {
			t.Fatalf("use of the damaged schema: %v, want InternalServiceException", e)
		}
	}
}

func TestGlueRestoreRejectsBadRows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rows []awsapi.JournalEntry
	}{
		{"unknown key", []awsapi.JournalEntry{{Key: "q/x", Value: []byte(`{}`)}}},
		{"bad json", []awsapi.JournalEntry{{Key: "r/x", Value: []byte(`{`)}}},
		{"schema without registry", []awsapi.JournalEntry{{Key: "s/x/y", Value: []byte(`{"f":"AVRO","m":"NONE","cp":0,"nx":1,"c":1,"u":1}`)}}},
		{"version without schema", []awsapi.JournalEntry{{Key: "r/x", Value: []byte(`{"c":1,"u":1}`)}, {Key: "v/x/y/1", Value: []byte(`{"id":"i","def":"\"int\"","c":1,"st":1}`)}}},
		{"unknown data format", []awsapi.JournalEntry{{Key: "r/x", Value: []byte(`{"c":1,"u":1}`)}, {Key: "s/x/y", Value: []byte(`{"f":"XML","m":"NONE","cp":0,"nx":1,"c":1,"u":1}`)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newPersistService(clock.New(clock.WithScale(0)), nil, persistTimings{})
			if err := awsapi.Replay(s, tc.rows); err == nil {
				t.Fatal("replay accepted bad rows")
			}
		})
	}
}
