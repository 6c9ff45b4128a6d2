package glue_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// TestGlueRestartE2E runs the persistence scenarios in an emulator with a
// data dir, closes it, starts another on the dir, and requires every read
// to answer as before; then, through the SDK, a definition is found by its
// restored version id and a new version continues the numbering. Scenarios
// with PENDING or DELETING periods are left out: those periods are test
// settings (SetTimings) that no emulator option keeps across a restart.
func TestGlueRestartE2E(t *testing.T) {
	t.Parallel()
	for _, sc := range glueScenarios {
		if sc.timings != (persistTimings{}) {
			continue
		}
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			defer catch(t)
			ctx := context.Background()
			dir := t.TempDir()
			start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			clk := clock.New(clock.WithScale(0), clock.WithStart(start))
			scope := []emulator.Option{emulator.WithAccount("123456789012"), emulator.WithRegion("eu-west-1"), emulator.WithDataDir(dir)}
			_, first := newClient(t, append(scope, emulator.WithClock(clk))...)
			sc.run(ctx, first.Glue(), clk)
			want := glueReads(t, first.Glue(), true)
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}

			c, second := newClient(t, append(scope, emulator.WithClock(clock.New(clock.WithScale(0))))...)
			if got := glueReads(t, second.Glue(), true); got != want {
				t.Fatalf("after the restart reads differ:\n got: %s\nwant: %s", got, want)
			}
			schemas := must(c.ListSchemas(ctx, &sdkglue.ListSchemasInput{}))
			if len(schemas.Schemas) == 0 {
				t.Fatal("no schemas after the restart")
			}
			for _, s := range schemas.Schemas {
				id := &types.SchemaId{RegistryName: s.RegistryName, SchemaName: s.SchemaName}
				latest, err := c.GetSchemaVersion(ctx, &sdkglue.GetSchemaVersionInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{LatestVersion: true}})
				if err != nil {
					continue // a schema without an AVAILABLE version
				}
				byDef := must(c.GetSchemaByDefinition(ctx, &sdkglue.GetSchemaByDefinitionInput{SchemaId: id, SchemaDefinition: latest.SchemaDefinition}))
				if aws.ToString(byDef.SchemaVersionId) != aws.ToString(latest.SchemaVersionId) {
					t.Errorf("%s: definition found as %s, want %s", aws.ToString(s.SchemaName), aws.ToString(byDef.SchemaVersionId), aws.ToString(latest.SchemaVersionId))
				}
				again := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: latest.SchemaDefinition}))
				if aws.ToString(again.SchemaVersionId) != aws.ToString(latest.SchemaVersionId) {
					t.Errorf("%s: registering the latest definition again made version %d", aws.ToString(s.SchemaName), aws.ToInt64(again.VersionNumber))
				}
				info := must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: id}))
				if latest.DataFormat != types.DataFormatAvro {
					continue
				}
				next := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id,
					SchemaDefinition: aws.String(avroRecord(fA, `{"name":"after","type":"string","default":""}`))}))
				if aws.ToInt64(next.VersionNumber) != aws.ToInt64(info.NextSchemaVersion) {
					t.Errorf("%s: new version %d, want %d", aws.ToString(s.SchemaName), aws.ToInt64(next.VersionNumber), aws.ToInt64(info.NextSchemaVersion))
				}
			}
		})
	}
}
