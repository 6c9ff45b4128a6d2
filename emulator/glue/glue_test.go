package glue_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/registry"
)

func newClient(t *testing.T, opts ...emulator.Option) (*sdkglue.Client, *emulator.Emulator) {
	t.Helper()
	e := emulator.Start(t, opts...)
	return sdkglue.NewFromConfig(e.AWSConfig()), e
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got %s %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// mustFail carries an unexpected error from must to catch.
type mustFail struct{ err error }

// must returns v, or stops the test (through catch) when err is set.
func must[T any](v T, err error) T {
	if err != nil {
		panic(mustFail{err})
	}
	return v
}

// catch turns a must failure into t.Fatal; defer it first in every test
// and subtest that calls must.
func catch(t *testing.T) {
	if r := recover(); r != nil {
		f, ok := r.(mustFail)
		if !ok {
			panic(r)
		}
		t.Helper()
		t.Fatalf("unexpected error: %v", f.err)
	}
}

// avroRecord builds an Avro record schema named Order from field JSON.
func avroRecord(fields ...string) string {
	return `{"type":"record","name":"Order","namespace":"shop","fields":[` + strings.Join(fields, ",") + `]}`
}

const (
	fA        = `{"name":"a","type":"int"}`
	fADefault = `{"name":"a","type":"int","default":0}`
	fAString  = `{"name":"a","type":"string","default":""}`
	fB        = `{"name":"b","type":"string","default":""}`
	fC        = `{"name":"c","type":"string"}`
)

func TestRegistryLifecycle(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := newClient(t)
	ctx := context.Background()

	for i := range 5 {
		out := must(c.CreateRegistry(ctx, &sdkglue.CreateRegistryInput{RegistryName: aws.String(fmt.Sprintf("reg-%d", i)), Description: aws.String("d"), Tags: map[string]string{"team": "data"}}))
		wantARN := fmt.Sprintf("arn:aws:glue:us-east-1:%s:registry/reg-%d", e.Account(), i)
		if aws.ToString(out.RegistryArn) != wantARN {
			t.Errorf("arn %q, want %q", aws.ToString(out.RegistryArn), wantARN)
		}
	}
	_, err := c.CreateRegistry(ctx, &sdkglue.CreateRegistryInput{RegistryName: aws.String("reg-1")})
	wantErr(t, err, "AlreadyExistsException", "Registry already exists. RegistryName: reg-1")
	_, err = c.CreateRegistry(ctx, &sdkglue.CreateRegistryInput{RegistryName: aws.String("bad name")})
	wantErr(t, err, "InvalidInputException", "regular expression pattern")

	// Pagination: pages of two, stable while a registry is added mid-way.
	var names []string
	var token *string
	for page := 0; ; page++ {
		out := must(c.ListRegistries(ctx, &sdkglue.ListRegistriesInput{MaxResults: aws.Int32(2), NextToken: token}))
		for _, r := range out.Registries {
			names = append(names, aws.ToString(r.RegistryName))
		}
		if page == 0 {
			must(c.CreateRegistry(ctx, &sdkglue.CreateRegistryInput{RegistryName: aws.String("reg-9")}))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if got := strings.Join(names, ","); got != "reg-0,reg-1,reg-2,reg-3,reg-4,reg-9" {
		t.Errorf("listed %s", got)
	}

	got := must(c.GetRegistry(ctx, &sdkglue.GetRegistryInput{RegistryId: &types.RegistryId{RegistryName: aws.String("reg-2")}}))
	if got.Status != types.RegistryStatusAvailable || aws.ToString(got.Description) != "d" || got.CreatedTime == nil {
		t.Errorf("GetRegistry %+v", got)
	}
	must(c.UpdateRegistry(ctx, &sdkglue.UpdateRegistryInput{RegistryId: &types.RegistryId{RegistryArn: got.RegistryArn}, Description: aws.String("new")}))
	got = must(c.GetRegistry(ctx, &sdkglue.GetRegistryInput{RegistryId: &types.RegistryId{RegistryArn: got.RegistryArn}}))
	if aws.ToString(got.Description) != "new" {
		t.Errorf("description %q", aws.ToString(got.Description))
	}
	_, err = c.GetRegistry(ctx, &sdkglue.GetRegistryInput{RegistryId: &types.RegistryId{RegistryName: aws.String("reg-2"), RegistryArn: got.RegistryArn}})
	wantErr(t, err, "InvalidInputException", "both cannot be provided")

	del := must(c.DeleteRegistry(ctx, &sdkglue.DeleteRegistryInput{RegistryId: &types.RegistryId{RegistryName: aws.String("reg-2")}}))
	if del.Status != types.RegistryStatusDeleting {
		t.Errorf("delete status %s", del.Status)
	}
	_, err = c.GetRegistry(ctx, &sdkglue.GetRegistryInput{RegistryId: &types.RegistryId{RegistryName: aws.String("reg-2")}})
	wantErr(t, err, "EntityNotFoundException", "Registry is not found. RegistryName: reg-2")
}

func TestDeletingStatusFollowsTheClock(t *testing.T) {
	t.Parallel()
	defer catch(t)
	clk := clock.New(clock.WithScale(0))
	c, e := newClient(t, emulator.WithClock(clk))
	ctx := context.Background()
	e.Glue().Registry().SetTimings(0, time.Minute)
	must(c.CreateRegistry(ctx, &sdkglue.CreateRegistryInput{RegistryName: aws.String("r")}))
	must(c.DeleteRegistry(ctx, &sdkglue.DeleteRegistryInput{RegistryId: &types.RegistryId{RegistryName: aws.String("r")}}))
	got := must(c.GetRegistry(ctx, &sdkglue.GetRegistryInput{RegistryId: &types.RegistryId{RegistryName: aws.String("r")}}))
	if got.Status != types.RegistryStatusDeleting {
		t.Fatalf("status %s, want DELETING", got.Status)
	}
	// A deleted version reports DELETING in listings until the period ends.
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("s")}
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("s"), DataFormat: types.DataFormatAvro, Compatibility: types.CompatibilityNone, SchemaDefinition: aws.String(avroRecord(fA))}))
	must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fB))}))
	must(c.DeleteSchemaVersions(ctx, &sdkglue.DeleteSchemaVersionsInput{SchemaId: id, Versions: aws.String("2")}))
	list := must(c.ListSchemaVersions(ctx, &sdkglue.ListSchemaVersionsInput{SchemaId: id}))
	if len(list.Schemas) != 2 || list.Schemas[1].Status != types.SchemaVersionStatusDeleting {
		t.Fatalf("versions after delete %+v", list.Schemas)
	}
	if err := clk.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetRegistry(ctx, &sdkglue.GetRegistryInput{RegistryId: &types.RegistryId{RegistryName: aws.String("r")}})
	wantErr(t, err, "EntityNotFoundException", "Registry is not found")
	list = must(c.ListSchemaVersions(ctx, &sdkglue.ListSchemaVersionsInput{SchemaId: id}))
	if len(list.Schemas) != 1 {
		t.Fatalf("versions after the deleting period %+v", list.Schemas)
	}
}

func TestSchemaLifecycle(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := newClient(t)
	ctx := context.Background()

	// No RegistryId: default-registry, created on demand.
	out := must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{
		SchemaName: aws.String("orders"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA)),
		Tags: map[string]string{"k": "v"},
	}))
	if aws.ToString(out.RegistryName) != "default-registry" || out.Compatibility != types.CompatibilityBackward ||
		aws.ToInt64(out.SchemaCheckpoint) != 1 || aws.ToInt64(out.LatestSchemaVersion) != 1 || aws.ToInt64(out.NextSchemaVersion) != 2 ||
		out.SchemaStatus != types.SchemaStatusAvailable || out.SchemaVersionStatus != types.SchemaVersionStatusAvailable || out.SchemaVersionId == nil {
		t.Fatalf("CreateSchema %+v", out)
	}
	wantARN := "arn:aws:glue:us-east-1:" + e.Account() + ":schema/default-registry/orders"
	if aws.ToString(out.SchemaArn) != wantARN {
		t.Errorf("schema arn %q", aws.ToString(out.SchemaArn))
	}
	_, err := c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("orders"), DataFormat: types.DataFormatAvro})
	wantErr(t, err, "AlreadyExistsException", "Schema already exists. SchemaName: orders")
	_, err = c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("x"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(`{"type":"record"`)})
	wantErr(t, err, "InvalidInputException", "Schema definition of AVRO data format is invalid")
	_, err = c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{RegistryId: &types.RegistryId{RegistryName: aws.String("nope")}, SchemaName: aws.String("x"), DataFormat: types.DataFormatAvro})
	wantErr(t, err, "EntityNotFoundException", "Registry is not found. RegistryName: nope")

	byARN := &types.SchemaId{SchemaArn: out.SchemaArn}
	byName := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("orders")}
	for _, id := range []*types.SchemaId{byARN, byName} {
		got := must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: id}))
		if aws.ToString(got.SchemaName) != "orders" || got.DataFormat != types.DataFormatAvro || got.CreatedTime == nil {
			t.Errorf("GetSchema %+v", got)
		}
	}
	_, err = c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("missing")}})
	wantErr(t, err, "EntityNotFoundException", "Schema is not found.")
	_, err = c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: &types.SchemaId{SchemaName: aws.String("orders")}})
	wantErr(t, err, "InvalidInputException", "At least one of (registryName and schemaName) or schemaArn has to be provided.")

	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("events"), DataFormat: types.DataFormatJson, Compatibility: types.CompatibilityNone}))
	list := must(c.ListSchemas(ctx, &sdkglue.ListSchemasInput{RegistryId: &types.RegistryId{RegistryName: aws.String("default-registry")}}))
	if len(list.Schemas) != 2 || aws.ToString(list.Schemas[0].SchemaName) != "events" {
		t.Errorf("ListSchemas %+v", list.Schemas)
	}
	tags := must(c.GetTags(ctx, &sdkglue.GetTagsInput{ResourceArn: out.SchemaArn}))
	if tags.Tags["k"] != "v" {
		t.Errorf("tags %v", tags.Tags)
	}
	must(c.TagResource(ctx, &sdkglue.TagResourceInput{ResourceArn: out.SchemaArn, TagsToAdd: map[string]string{"k2": "v2"}}))
	must(c.UntagResource(ctx, &sdkglue.UntagResourceInput{ResourceArn: out.SchemaArn, TagsToRemove: []string{"k"}}))
	tags = must(c.GetTags(ctx, &sdkglue.GetTagsInput{ResourceArn: out.SchemaArn}))
	if len(tags.Tags) != 1 || tags.Tags["k2"] != "v2" {
		t.Errorf("tags after tag/untag %v", tags.Tags)
	}
	_, err = c.GetTags(ctx, &sdkglue.GetTagsInput{ResourceArn: aws.String("arn:aws:glue:us-east-1:" + e.Account() + ":schema/default-registry/none")})
	wantErr(t, err, "EntityNotFoundException", "")

	del := must(c.DeleteSchema(ctx, &sdkglue.DeleteSchemaInput{SchemaId: byName}))
	if del.Status != types.SchemaStatusDeleting {
		t.Errorf("DeleteSchema status %s", del.Status)
	}
	_, err = c.GetSchemaVersion(ctx, &sdkglue.GetSchemaVersionInput{SchemaVersionId: out.SchemaVersionId})
	wantErr(t, err, "EntityNotFoundException", "Schema version is not found. SchemaVersionId: "+aws.ToString(out.SchemaVersionId))
}

// TestCompatibilityModes registers a sequence of versions under each mode
// and checks each version's status.
func TestCompatibilityModes(t *testing.T) {
	t.Parallel()
	defer catch(t)
	tests := []struct {
		mode     types.Compatibility
		versions []string
		want     []types.SchemaVersionStatus
	}{
		{types.CompatibilityNone, []string{avroRecord(fA), avroRecord(fC), avroRecord(fAString)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "AVAILABLE"}},
		// BACKWARD: a new field without a default cannot read old data.
		{types.CompatibilityBackward, []string{avroRecord(fA), avroRecord(fA, fB), avroRecord(fA, fC)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "FAILURE"}},
		// BACKWARD checks the latest only; BACKWARD_ALL every version.
		{types.CompatibilityBackward, []string{avroRecord(fA), avroRecord(fB), avroRecord(fAString)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "AVAILABLE"}},
		{types.CompatibilityBackwardAll, []string{avroRecord(fA), avroRecord(fB), avroRecord(fAString)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "FAILURE"}},
		// FORWARD: old readers must read new data.
		{types.CompatibilityForward, []string{avroRecord(fA), avroRecord(fA, fC), avroRecord(fB)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "FAILURE"}},
		{types.CompatibilityForward, []string{avroRecord(fA), avroRecord(fADefault), avroRecord(fB)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "AVAILABLE"}},
		{types.CompatibilityForwardAll, []string{avroRecord(fA), avroRecord(fADefault), avroRecord(fB)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "FAILURE"}},
		// FULL: both ways.
		{types.CompatibilityFull, []string{avroRecord(fA), avroRecord(fA, fC)}, []types.SchemaVersionStatus{"AVAILABLE", "FAILURE"}},
		{types.CompatibilityFull, []string{avroRecord(fA), avroRecord(fADefault), avroRecord(fB)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "AVAILABLE"}},
		{types.CompatibilityFullAll, []string{avroRecord(fA), avroRecord(fADefault), avroRecord(fB)}, []types.SchemaVersionStatus{"AVAILABLE", "AVAILABLE", "FAILURE"}},
	}
	c, e := newClient(t)
	ctx := context.Background()
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s-%d", tt.mode, i), func(t *testing.T) {
			t.Parallel()
			defer catch(t)
			name := fmt.Sprintf("s%d", i)
			id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String(name)}
			out := must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String(name), DataFormat: types.DataFormatAvro, Compatibility: tt.mode, SchemaDefinition: aws.String(tt.versions[0])}))
			if out.SchemaVersionStatus != tt.want[0] {
				t.Fatalf("v1 %s", out.SchemaVersionStatus)
			}
			for j, def := range tt.versions[1:] {
				v := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(def)}))
				if v.Status != tt.want[j+1] || aws.ToInt64(v.VersionNumber) != int64(j+2) {
					t.Fatalf("v%d: status %s number %d, want %s", j+2, v.Status, aws.ToInt64(v.VersionNumber), tt.want[j+1])
				}
				got := must(c.GetSchemaVersion(ctx, &sdkglue.GetSchemaVersionInput{SchemaVersionId: v.SchemaVersionId}))
				if got.Status != v.Status || aws.ToString(got.SchemaDefinition) != def {
					t.Errorf("GetSchemaVersion %s %q", got.Status, aws.ToString(got.SchemaDefinition))
				}
				if v.Status == types.SchemaVersionStatusFailure {
					findings, err := e.Glue().Registry().Findings(registryVersion(aws.ToString(v.SchemaVersionId)))
					if err != nil || len(findings) == 0 {
						t.Errorf("failed version has no findings: %v %v", findings, err)
					}
				}
			}
			list := must(c.ListSchemaVersions(ctx, &sdkglue.ListSchemaVersionsInput{SchemaId: id}))
			if len(list.Schemas) != len(tt.want) {
				t.Fatalf("ListSchemaVersions has %d, want %d", len(list.Schemas), len(tt.want))
			}
			for j, v := range list.Schemas {
				if v.Status != tt.want[j] {
					t.Errorf("listed v%d %s, want %s", j+1, v.Status, tt.want[j])
				}
			}
		})
	}
}

func TestDisabledAllowsOnlyTheFirstVersion(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("frozen")}
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("frozen"), DataFormat: types.DataFormatAvro, Compatibility: types.CompatibilityDisabled, SchemaDefinition: aws.String(avroRecord(fA))}))
	_, err := c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fA, fB))})
	wantErr(t, err, "InvalidInputException", "Compatibility DISABLED does not allow versioning. SchemaId: SchemaId(schemaArn=null, schemaName=frozen, registryName=default-registry)")
}

func TestIdenticalDefinitionReturnsExistingVersion(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("o")}
	first := must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("o"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA, fB))}))
	tests := []struct {
		name    string
		def     string
		same    bool
		version int64
	}{
		{"whitespace and key order", "{ \"namespace\": \"shop\",\n \"name\": \"Order\", \"type\": \"record\", \"fields\": [" + fA + ", {\"default\":\"\", \"type\":\"string\", \"name\":\"b\"}] }", true, 1},
		{"changed default", avroRecord(fA, `{"name":"b","type":"string","default":"x"}`), false, 2},
		{"doc added", avroRecord(fA, `{"name":"b","type":"string","default":"","doc":"the b"}`), false, 3},
	}
	for _, tt := range tests {
		v := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(tt.def)}))
		if same := aws.ToString(v.SchemaVersionId) == aws.ToString(first.SchemaVersionId); same != tt.same || aws.ToInt64(v.VersionNumber) != tt.version {
			t.Errorf("%s: same=%v number=%d, want same=%v number=%d", tt.name, same, aws.ToInt64(v.VersionNumber), tt.same, tt.version)
		}
		byDef := must(c.GetSchemaByDefinition(ctx, &sdkglue.GetSchemaByDefinitionInput{SchemaId: id, SchemaDefinition: aws.String(tt.def)}))
		if aws.ToString(byDef.SchemaVersionId) != aws.ToString(v.SchemaVersionId) || byDef.DataFormat != types.DataFormatAvro {
			t.Errorf("%s: GetSchemaByDefinition %+v", tt.name, byDef)
		}
	}
	_, err := c.GetSchemaByDefinition(ctx, &sdkglue.GetSchemaByDefinitionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fC))})
	wantErr(t, err, "EntityNotFoundException", "Schema version is not found.")
	_, err = c.GetSchemaByDefinition(ctx, &sdkglue.GetSchemaByDefinitionInput{SchemaId: &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("missing")}, SchemaDefinition: aws.String(avroRecord(fA))})
	wantErr(t, err, "EntityNotFoundException", "Schema is not found.")
}

func TestCheckpointAndUpdateSchema(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("cp")}
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("cp"), DataFormat: types.DataFormatAvro, Compatibility: types.CompatibilityBackwardAll, SchemaDefinition: aws.String(avroRecord(fA))}))
	must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fB))}))
	// v3 (a as string) cannot read v1 data: FAILURE while v1 counts.
	v3 := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fAString))}))
	if v3.Status != types.SchemaVersionStatusFailure {
		t.Fatalf("v3 %s, want FAILURE", v3.Status)
	}
	// Move the checkpoint to v2: only v2 on counts, and the same change passes.
	must(c.UpdateSchema(ctx, &sdkglue.UpdateSchemaInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(2)}}))
	got := must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: id}))
	// LatestSchemaVersion counts the FAILURE version 3, as Glue reports it.
	if aws.ToInt64(got.SchemaCheckpoint) != 2 || aws.ToInt64(got.LatestSchemaVersion) != 3 || aws.ToInt64(got.NextSchemaVersion) != 4 {
		t.Fatalf("after checkpoint: checkpoint %d latest %d next %d", aws.ToInt64(got.SchemaCheckpoint), aws.ToInt64(got.LatestSchemaVersion), aws.ToInt64(got.NextSchemaVersion))
	}
	v4 := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fAString, fB))}))
	if v4.Status != types.SchemaVersionStatusAvailable {
		t.Fatalf("v4 %s, want AVAILABLE", v4.Status)
	}
	// A new mode comes with a checkpoint: here the latest AVAILABLE version.
	must(c.UpdateSchema(ctx, &sdkglue.UpdateSchemaInput{SchemaId: id, Compatibility: types.CompatibilityNone, Description: aws.String("relaxed"),
		SchemaVersionNumber: &types.SchemaVersionNumber{LatestVersion: true}}))
	got = must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: id}))
	if got.Compatibility != types.CompatibilityNone || aws.ToInt64(got.SchemaCheckpoint) != 4 || aws.ToString(got.Description) != "relaxed" {
		t.Errorf("after mode change: %s checkpoint %d %q", got.Compatibility, aws.ToInt64(got.SchemaCheckpoint), aws.ToString(got.Description))
	}
	_, err := c.UpdateSchema(ctx, &sdkglue.UpdateSchemaInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(3)}})
	wantErr(t, err, "InvalidInputException", "not AVAILABLE")
	_, err = c.UpdateSchema(ctx, &sdkglue.UpdateSchemaInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(2), LatestVersion: true}})
	wantErr(t, err, "InvalidInputException", "Only one of VersionNumber or LatestVersion is required.")

	latest := must(c.GetSchemaVersion(ctx, &sdkglue.GetSchemaVersionInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{LatestVersion: true}}))
	if latest.VersionNumber == nil || *latest.VersionNumber != 4 {
		t.Errorf("latest version %v", latest.VersionNumber)
	}
	_, err = c.GetSchemaVersion(ctx, &sdkglue.GetSchemaVersionInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(99)}})
	wantErr(t, err, "EntityNotFoundException", "Schema version is not found. RegistryName: default-registry, SchemaName: cp, SchemaArn: null, VersionNumber: 99, isLatestVersion: false")
	_, err = c.GetSchemaVersion(ctx, &sdkglue.GetSchemaVersionInput{SchemaId: id, SchemaVersionId: v4.SchemaVersionId})
	wantErr(t, err, "InvalidInputException", "No other input parameters can be specified when fetching by SchemaVersionId.")
}

func TestPendingFollowsTheClock(t *testing.T) {
	t.Parallel()
	defer catch(t)
	clk := clock.New(clock.WithScale(0))
	c, e := newClient(t, emulator.WithClock(clk))
	ctx := context.Background()
	e.Glue().Registry().SetTimings(10*time.Second, 0)
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("p")}
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("p"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	clk.Advance(10 * time.Second)
	v := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fA, fC))}))
	if v.Status != types.SchemaVersionStatusPending {
		t.Fatalf("status %s, want PENDING", v.Status)
	}
	clk.Advance(10 * time.Second)
	got := must(c.GetSchemaVersion(ctx, &sdkglue.GetSchemaVersionInput{SchemaVersionId: v.SchemaVersionId}))
	if got.Status != types.SchemaVersionStatusFailure {
		t.Fatalf("status after 10s %s, want FAILURE", got.Status)
	}
}

func TestCheckSchemaVersionValidity(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	tests := []struct {
		format types.DataFormat
		def    string
		valid  bool
		errMsg string
	}{
		{types.DataFormatAvro, avroRecord(fA), true, ""},
		{types.DataFormatAvro, `{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}`, false, "Schema definition of AVRO data format is invalid"},
		{types.DataFormatJson, `{"type":"object","properties":{"a":{"type":"string"}}}`, true, ""},
		{types.DataFormatJson, `{"type":"object",`, false, "Schema definition of JSON data format is invalid"},
		{types.DataFormatProtobuf, "syntax = \"proto3\";\nmessage A { string a = 1; }\n", true, ""},
		{types.DataFormatProtobuf, "syntax = \"proto3\";\nmessage A { string a = ; }\n", false, "Schema definition of PROTOBUF data format is invalid"},
	}
	for _, tt := range tests {
		out := must(c.CheckSchemaVersionValidity(ctx, &sdkglue.CheckSchemaVersionValidityInput{DataFormat: tt.format, SchemaDefinition: aws.String(tt.def)}))
		if out.Valid != tt.valid || !strings.Contains(aws.ToString(out.Error), tt.errMsg) {
			t.Errorf("%s %q: valid %v error %q", tt.format, tt.def, out.Valid, aws.ToString(out.Error))
		}
	}
}

func TestOtherFormatsEndToEnd(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		format types.DataFormat
		v1     string
		ok, ko string
	}{
		{"json", types.DataFormatJson,
			`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"type":"string"}}}`,
			`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"type":["string","null"]}}}`,
			`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`},
		{"protobuf", types.DataFormatProtobuf,
			"syntax = \"proto3\";\npackage shop;\nmessage Order { string id = 1; }\n",
			"syntax = \"proto3\";\npackage shop;\nmessage Order { string id = 1; int64 qty = 2; }\n",
			"syntax = \"proto3\";\npackage shop;\nmessage Order { double id = 1; int64 qty = 2; }\n"},
	}
	for _, tt := range tests {
		id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String(tt.name)}
		must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String(tt.name), DataFormat: tt.format, SchemaDefinition: aws.String(tt.v1)}))
		ok := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(tt.ok)}))
		ko := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(tt.ko)}))
		if ok.Status != types.SchemaVersionStatusAvailable || ko.Status != types.SchemaVersionStatusFailure {
			t.Errorf("%s: compatible %s, incompatible %s", tt.name, ok.Status, ko.Status)
		}
	}
}

func TestDeleteVersionsAndDiff(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("d")}
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("d"), DataFormat: types.DataFormatAvro, Compatibility: types.CompatibilityNone, SchemaDefinition: aws.String(avroRecord(fA))}))
	for _, def := range []string{avroRecord(fA, fB), avroRecord(fB), avroRecord(fC)} {
		must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(def)}))
	}
	diff := must(c.GetSchemaVersionsDiff(ctx, &sdkglue.GetSchemaVersionsDiffInput{SchemaId: id,
		FirstSchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(1)}, SecondSchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(2)},
		SchemaDiffType: types.SchemaDiffTypeSyntaxDiff}))
	if d := aws.ToString(diff.Diff); !strings.Contains(d, `"op":"add"`) || !strings.Contains(d, `/fields/1`) {
		t.Errorf("diff %s", d)
	}
	res := must(c.DeleteSchemaVersions(ctx, &sdkglue.DeleteSchemaVersionsInput{SchemaId: id, Versions: aws.String("1-3")}))
	// Version 1 cannot go (it is the first); 2 and 3 are deleted.
	if len(res.SchemaVersionErrors) != 1 || aws.ToInt64(res.SchemaVersionErrors[0].VersionNumber) != 1 {
		t.Fatalf("errors %+v", res.SchemaVersionErrors)
	}
	list := must(c.ListSchemaVersions(ctx, &sdkglue.ListSchemaVersionsInput{SchemaId: id}))
	var nums []int64
	for _, v := range list.Schemas {
		nums = append(nums, aws.ToInt64(v.VersionNumber))
	}
	if fmt.Sprint(nums) != "[1 4]" {
		t.Errorf("versions left %v", nums)
	}
	must(c.UpdateSchema(ctx, &sdkglue.UpdateSchemaInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(4)}}))
	_, err := c.DeleteSchemaVersions(ctx, &sdkglue.DeleteSchemaVersionsInput{SchemaId: id, Versions: aws.String("4")})
	wantErr(t, err, "InvalidInputException", "checkpoint")
	_, err = c.DeleteSchemaVersions(ctx, &sdkglue.DeleteSchemaVersionsInput{SchemaId: id, Versions: aws.String("x")})
	wantErr(t, err, "InvalidInputException", "")
}

func TestVersionMetadata(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	out := must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("m"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	id := out.SchemaVersionId
	put := func(k, v string) error {
		_, err := c.PutSchemaVersionMetadata(ctx, &sdkglue.PutSchemaVersionMetadataInput{SchemaVersionId: id, MetadataKeyValue: &types.MetadataKeyValuePair{MetadataKey: aws.String(k), MetadataValue: aws.String(v)}})
		return err
	}
	res := must(c.PutSchemaVersionMetadata(ctx, &sdkglue.PutSchemaVersionMetadataInput{
		SchemaId: &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("m")}, SchemaVersionNumber: &types.SchemaVersionNumber{LatestVersion: true},
		MetadataKeyValue: &types.MetadataKeyValuePair{MetadataKey: aws.String("x-amz-meta-transport"), MetadataValue: aws.String("orders-stream")}}))
	if aws.ToString(res.SchemaVersionId) != aws.ToString(id) || !res.LatestVersion || aws.ToInt64(res.VersionNumber) != 1 {
		t.Errorf("put result %+v", res)
	}
	wantErr(t, put("x-amz-meta-transport", "orders-stream"), "AlreadyExistsException", "Resource already exist for schema version id")
	for i := range 9 {
		if err := put("owner", fmt.Sprintf("team-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, put("owner", "one-too-many"), "ResourceNumberLimitExceededException", "Schema Version Metadata")
	wantErr(t, put("bad key!", "v"), "InvalidInputException", "")

	q := must(c.QuerySchemaVersionMetadata(ctx, &sdkglue.QuerySchemaVersionMetadataInput{SchemaVersionId: id}))
	if len(q.MetadataInfoMap) != 2 || aws.ToString(q.MetadataInfoMap["x-amz-meta-transport"].MetadataValue) != "orders-stream" || len(q.MetadataInfoMap["owner"].OtherMetadataValueList) != 8 {
		t.Errorf("query %+v", q.MetadataInfoMap)
	}
	q = must(c.QuerySchemaVersionMetadata(ctx, &sdkglue.QuerySchemaVersionMetadataInput{SchemaVersionId: id, MetadataList: []types.MetadataKeyValuePair{{MetadataKey: aws.String("owner"), MetadataValue: aws.String("team-3")}}}))
	if len(q.MetadataInfoMap) != 1 || aws.ToString(q.MetadataInfoMap["owner"].MetadataValue) != "team-3" {
		t.Errorf("filtered query %+v", q.MetadataInfoMap)
	}
	must(c.RemoveSchemaVersionMetadata(ctx, &sdkglue.RemoveSchemaVersionMetadataInput{SchemaVersionId: id, MetadataKeyValue: &types.MetadataKeyValuePair{MetadataKey: aws.String("owner"), MetadataValue: aws.String("team-3")}}))
	_, err := c.RemoveSchemaVersionMetadata(ctx, &sdkglue.RemoveSchemaVersionMetadataInput{SchemaVersionId: id, MetadataKeyValue: &types.MetadataKeyValuePair{MetadataKey: aws.String("owner"), MetadataValue: aws.String("team-3")}})
	wantErr(t, err, "EntityNotFoundException", "")
}

func TestLimitsAreConfigurable(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t, emulator.WithLimits(awsapi.Limits{MaxResourcesPerAccount: 2}))
	ctx := context.Background()
	for _, n := range []string{"a", "b"} {
		must(c.CreateRegistry(ctx, &sdkglue.CreateRegistryInput{RegistryName: aws.String(n)}))
	}
	_, err := c.CreateRegistry(ctx, &sdkglue.CreateRegistryInput{RegistryName: aws.String("c")})
	wantErr(t, err, "ResourceNumberLimitExceededException", "More registries cannot be created. The maximum limit has been reached.")

	c, _ = newClient(t, emulator.WithLimits(awsapi.Limits{SchemaVersionsPerSchema: 2}))
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("v")}
	if _, err := c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("v"), DataFormat: types.DataFormatAvro, Compatibility: types.CompatibilityNone, SchemaDefinition: aws.String(avroRecord(fA))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fB))}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fC))})
	wantErr(t, err, "ResourceNumberLimitExceededException", "More schema versions cannot be created.")
}

func TestDefinitionSizeLimit(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	big := `{"type":"record","name":"R","doc":"` + strings.Repeat("x", 170001) + `","fields":[]}`
	_, err := c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("big"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(big)})
	wantErr(t, err, "InvalidInputException", "170000")
}

func registryVersion(id string) registry.VersionRef { return registry.VersionRef{ID: id} }

// TestFindingsFromTheAdminAPI reads why a version failed over HTTP.
func TestFindingsFromTheAdminAPI(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := newClient(t)
	ctx := context.Background()
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("f")}
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("f"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	v := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fA, fC))}))
	ok := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fA, fB))}))
	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       []string
	}{
		{"failed", "/_evolvestack/glue/schema-versions/" + aws.ToString(v.SchemaVersionId), 200,
			[]string{`"status": "FAILURE"`, `"versionNumber": 2`, `"rule":`, `"path":`, `"c\"`, "readers of version 2 cannot read data written with version 1"}},
		{"available", "/_evolvestack/glue/schema-versions/" + aws.ToString(ok.SchemaVersionId), 200, []string{`"status": "AVAILABLE"`, `"findings": []`}},
		{"other account", "/_evolvestack/glue/schema-versions/" + aws.ToString(v.SchemaVersionId) + "?account=111111111111", 404, []string{"Schema version is not found"}},
		{"unknown", "/_evolvestack/glue/schema-versions/00000000-0000-0000-0000-000000000000", 404, []string{"Schema version is not found"}},
	}
	for _, tt := range tests {
		resp := must(http.Get(e.Endpoint() + tt.path))
		body := must(io.ReadAll(resp.Body))
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("%s: status %d: %s", tt.name, resp.StatusCode, body)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s: body lacks %s:\n%s", tt.name, w, body)
			}
		}
	}
}

// TestPaginationOfEveryList pages through schemas, versions and metadata
// with MaxResults 2 and checks nothing is lost or repeated.
func TestPaginationOfEveryList(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	for i := range 5 {
		must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String(fmt.Sprintf("s%d", i)), DataFormat: types.DataFormatAvro, Compatibility: types.CompatibilityNone, SchemaDefinition: aws.String(avroRecord(fA))}))
	}
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("s0")}
	for _, f := range []string{fB, fC, fAString, fADefault} {
		must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(f))}))
	}
	for i := range 5 {
		must(c.PutSchemaVersionMetadata(ctx, &sdkglue.PutSchemaVersionMetadataInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(1)},
			MetadataKeyValue: &types.MetadataKeyValuePair{MetadataKey: aws.String(fmt.Sprintf("k%d", i)), MetadataValue: aws.String("v")}}))
	}
	tests := []struct {
		name string
		page func(token *string) ([]string, *string, error)
		want string
	}{
		{"ListSchemas", func(token *string) ([]string, *string, error) {
			out, err := c.ListSchemas(ctx, &sdkglue.ListSchemasInput{MaxResults: aws.Int32(2), NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var names []string
			for _, s := range out.Schemas {
				names = append(names, aws.ToString(s.SchemaName))
			}
			return names, out.NextToken, nil
		}, "s0 s1 s2 s3 s4"},
		{"ListSchemaVersions", func(token *string) ([]string, *string, error) {
			out, err := c.ListSchemaVersions(ctx, &sdkglue.ListSchemaVersionsInput{SchemaId: id, MaxResults: aws.Int32(2), NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var nums []string
			for _, v := range out.Schemas {
				nums = append(nums, fmt.Sprint(aws.ToInt64(v.VersionNumber)))
			}
			return nums, out.NextToken, nil
		}, "1 2 3 4 5"},
		{"QuerySchemaVersionMetadata", func(token *string) ([]string, *string, error) {
			out, err := c.QuerySchemaVersionMetadata(ctx, &sdkglue.QuerySchemaVersionMetadataInput{SchemaId: id, SchemaVersionNumber: &types.SchemaVersionNumber{VersionNumber: aws.Int64(1)}, MaxResults: aws.Int32(2), NextToken: token})
			if err != nil {
				return nil, nil, err
			}
			var keys []string
			for k := range out.MetadataInfoMap {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			return keys, out.NextToken, nil
		}, "k0 k1 k2 k3 k4"},
	}
	for _, tt := range tests {
		var all []string
		var token *string
		for pages := 0; ; pages++ {
			items, next, err := tt.page(token)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if len(items) > 2 || pages > 5 {
				t.Fatalf("%s: page of %d items, page %d", tt.name, len(items), pages)
			}
			all = append(all, items...)
			if token = next; token == nil {
				break
			}
		}
		if got := strings.Join(all, " "); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	_, err := c.ListSchemas(ctx, &sdkglue.ListSchemasInput{NextToken: aws.String("garbage!")})
	wantErr(t, err, "InvalidInputException", "NextToken")
}
