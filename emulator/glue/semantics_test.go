package glue_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// TestUpdateSchemaRules checks UpdateSchema as Glue documents it: a
// checkpoint or a mode must be given, a mode needs a checkpoint, and the
// checkpoint must name an AVAILABLE version.
func TestUpdateSchemaRules(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	latest := &types.SchemaVersionNumber{LatestVersion: true}
	number := func(n int64) *types.SchemaVersionNumber {
		return &types.SchemaVersionNumber{VersionNumber: aws.Int64(n)}
	}
	tests := []struct {
		name           string
		in             sdkglue.UpdateSchemaInput
		noVersions     bool
		wantCode       string
		wantMsg        string
		wantMode       types.Compatibility
		wantCheckpoint int64
		wantDesc       string
	}{
		{name: "description alone", in: sdkglue.UpdateSchemaInput{Description: aws.String("d")},
			wantCode: "InvalidInputException", wantMsg: "One of VersionNumber or Compatibility has to be provided."},
		{name: "mode without checkpoint", in: sdkglue.UpdateSchemaInput{Compatibility: types.CompatibilityNone},
			wantCode: "InvalidInputException", wantMsg: "VersionNumber (a checkpoint) is required when Compatibility is provided."},
		{name: "mode and latest", in: sdkglue.UpdateSchemaInput{Compatibility: types.CompatibilityForward, SchemaVersionNumber: latest, Description: aws.String("d")},
			wantMode: types.CompatibilityForward, wantCheckpoint: 2, wantDesc: "d"},
		{name: "checkpoint alone", in: sdkglue.UpdateSchemaInput{SchemaVersionNumber: number(2)},
			wantMode: types.CompatibilityBackward, wantCheckpoint: 2},
		{name: "checkpoint on a FAILURE version", in: sdkglue.UpdateSchemaInput{SchemaVersionNumber: number(3)},
			wantCode: "InvalidInputException", wantMsg: "not AVAILABLE"},
		{name: "checkpoint on a missing version", in: sdkglue.UpdateSchemaInput{SchemaVersionNumber: number(9)},
			wantCode: "EntityNotFoundException", wantMsg: "Schema version is not found."},
		{name: "latest of a schema without versions", in: sdkglue.UpdateSchemaInput{SchemaVersionNumber: latest}, noVersions: true,
			wantCode: "EntityNotFoundException", wantMsg: "Schema version is not found."},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer catch(t)
			name := "u" + string(rune('a'+i))
			id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String(name)}
			create := &sdkglue.CreateSchemaInput{SchemaName: aws.String(name), DataFormat: types.DataFormatAvro}
			if !tt.noVersions {
				create.SchemaDefinition = aws.String(avroRecord(fA))
			}
			must(c.CreateSchema(ctx, create))
			if !tt.noVersions {
				must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fA, fB))}))
				v3 := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fA, fC))}))
				if v3.Status != types.SchemaVersionStatusFailure {
					t.Fatalf("v3 %s, want FAILURE", v3.Status)
				}
			}
			in := tt.in
			in.SchemaId = id
			_, err := c.UpdateSchema(ctx, &in)
			if tt.wantCode != "" {
				wantErr(t, err, tt.wantCode, tt.wantMsg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: id}))
			if got.Compatibility != tt.wantMode || aws.ToInt64(got.SchemaCheckpoint) != tt.wantCheckpoint || aws.ToString(got.Description) != tt.wantDesc {
				t.Errorf("mode %s checkpoint %d description %q, want %s %d %q", got.Compatibility, aws.ToInt64(got.SchemaCheckpoint),
					aws.ToString(got.Description), tt.wantMode, tt.wantCheckpoint, tt.wantDesc)
			}
		})
	}
}

// TestDisabledTransitions switches a schema to DISABLED and back.
func TestDisabledTransitions(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("dt")}
	latest := &types.SchemaVersionNumber{LatestVersion: true}
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("dt"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	steps := []struct {
		mode    types.Compatibility
		def     string
		wantErr string
		want    types.SchemaVersionStatus
	}{
		{types.CompatibilityDisabled, avroRecord(fA, fB), "Compatibility DISABLED does not allow versioning.", ""},
		{types.CompatibilityBackward, avroRecord(fA, fB), "", types.SchemaVersionStatusAvailable},
		{types.CompatibilityDisabled, avroRecord(fA, fB, `{"name":"d","type":"int","default":1}`), "Compatibility DISABLED does not allow versioning.", ""},
		// An identical definition is still found while DISABLED.
		{types.CompatibilityDisabled, avroRecord(fA, fB), "", types.SchemaVersionStatusAvailable},
	}
	for i, st := range steps {
		must(c.UpdateSchema(ctx, &sdkglue.UpdateSchemaInput{SchemaId: id, Compatibility: st.mode, SchemaVersionNumber: latest}))
		v, err := c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(st.def)})
		if st.wantErr != "" {
			wantErr(t, err, "InvalidInputException", st.wantErr)
			continue
		}
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if v.Status != st.want || aws.ToInt64(v.VersionNumber) != 2 {
			t.Errorf("step %d: %s v%d", i, v.Status, aws.ToInt64(v.VersionNumber))
		}
	}
}

// TestLatestSchemaVersionCountsFailures: GetSchema's LatestSchemaVersion
// moves to a version that failed its check, while GetSchemaVersion with
// LatestVersion keeps answering the newest AVAILABLE version.
func TestLatestSchemaVersionCountsFailures(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("lf")}
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("lf"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	bad := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroRecord(fA, fC))}))
	if bad.Status != types.SchemaVersionStatusFailure {
		t.Fatalf("v2 %s, want FAILURE", bad.Status)
	}
	tests := []struct {
		name string
		got  func() int64
		want int64
	}{
		{"GetSchema LatestSchemaVersion", func() int64 {
			return aws.ToInt64(must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: id})).LatestSchemaVersion)
		}, 2},
		{"GetSchema SchemaCheckpoint", func() int64 {
			return aws.ToInt64(must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: id})).SchemaCheckpoint)
		}, 1},
		{"GetSchema NextSchemaVersion", func() int64 {
			return aws.ToInt64(must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: id})).NextSchemaVersion)
		}, 3},
		{"GetSchemaVersion LatestVersion", func() int64 {
			return aws.ToInt64(must(c.GetSchemaVersion(ctx, &sdkglue.GetSchemaVersionInput{SchemaId: id,
				SchemaVersionNumber: &types.SchemaVersionNumber{LatestVersion: true}})).VersionNumber)
		}, 1},
	}
	for _, tt := range tests {
		if got := tt.got(); got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestFirstVersionIsAvailableAtOnce: with a PENDING period, the first
// version of a schema (which has nothing to be checked against) is
// AVAILABLE at once; later ones are PENDING.
func TestFirstVersionIsAvailableAtOnce(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := newClient(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	ctx := context.Background()
	e.Glue().Registry().SetTimings(10*time.Second, 0)
	out := must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("a"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("b"), DataFormat: types.DataFormatAvro}))
	idB := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("b")}
	firstB := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: idB, SchemaDefinition: aws.String(avroRecord(fA))}))
	secondB := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: idB, SchemaDefinition: aws.String(avroRecord(fA, fB))}))
	tests := []struct {
		name string
		got  types.SchemaVersionStatus
		want types.SchemaVersionStatus
	}{
		{"CreateSchema with a definition", out.SchemaVersionStatus, types.SchemaVersionStatusAvailable},
		{"first RegisterSchemaVersion", firstB.Status, types.SchemaVersionStatusAvailable},
		{"second RegisterSchemaVersion", secondB.Status, types.SchemaVersionStatusPending},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	got := must(c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: idB}))
	if aws.ToInt64(got.SchemaCheckpoint) != 1 || aws.ToInt64(got.LatestSchemaVersion) != 1 || aws.ToInt64(got.NextSchemaVersion) != 3 {
		t.Errorf("while v2 is PENDING: checkpoint %d latest %d next %d", aws.ToInt64(got.SchemaCheckpoint), aws.ToInt64(got.LatestSchemaVersion), aws.ToInt64(got.NextSchemaVersion))
	}
}

// TestReRegisterAfterDelete registers a definition again while its deleted
// version is still DELETING: the new version is the one found by
// definition, then and after the old one is gone.
func TestReRegisterAfterDelete(t *testing.T) {
	t.Parallel()
	defer catch(t)
	clk := clock.New(clock.WithScale(0))
	c, e := newClient(t, emulator.WithClock(clk))
	ctx := context.Background()
	e.Glue().Registry().SetTimings(0, time.Minute)
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("rr")}
	def := aws.String(avroRecord(fA, fB))
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("rr"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: def}))
	must(c.DeleteSchemaVersions(ctx, &sdkglue.DeleteSchemaVersionsInput{SchemaId: id, Versions: aws.String("2")}))
	again := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: def}))
	if aws.ToInt64(again.VersionNumber) != 3 {
		t.Fatalf("registered again as v%d, want v3", aws.ToInt64(again.VersionNumber))
	}
	for _, advance := range []time.Duration{0, time.Minute} {
		if err := clk.Advance(advance); err != nil {
			t.Fatal(err)
		}
		byDef := must(c.GetSchemaByDefinition(ctx, &sdkglue.GetSchemaByDefinitionInput{SchemaId: id, SchemaDefinition: def}))
		if aws.ToString(byDef.SchemaVersionId) != aws.ToString(again.SchemaVersionId) || byDef.Status != types.SchemaVersionStatusAvailable {
			t.Errorf("after %s: GetSchemaByDefinition %s %s, want v3", advance, aws.ToString(byDef.SchemaVersionId), byDef.Status)
		}
		reg := must(c.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: def}))
		if aws.ToInt64(reg.VersionNumber) != 3 {
			t.Errorf("after %s: registering again gave v%d, want v3", advance, aws.ToInt64(reg.VersionNumber))
		}
	}
}

// TestMetadataKeyPattern follows the model's pattern, where "+-=" is a
// character range: ',', ':', ';' and '<' are allowed in keys and values.
func TestMetadataKeyPattern(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := newClient(t)
	ctx := context.Background()
	out := must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("mk"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"team:owner", "data;eng", true},
		{"a,b", "x<y", true},
		{"x-amz.meta_1/@+=", "v", true},
		{"has space", "v", false},
		{"k", "a>b", false},
		{"k", "a!b", false},
	}
	for _, tt := range tests {
		_, err := c.PutSchemaVersionMetadata(ctx, &sdkglue.PutSchemaVersionMetadataInput{SchemaVersionId: out.SchemaVersionId,
			MetadataKeyValue: &types.MetadataKeyValuePair{MetadataKey: aws.String(tt.key), MetadataValue: aws.String(tt.value)}})
		if tt.ok {
			if err != nil {
				t.Errorf("%q=%q: %v", tt.key, tt.value, err)
			}
			continue
		}
		wantErr(t, err, "InvalidInputException", "")
	}
	q := must(c.QuerySchemaVersionMetadata(ctx, &sdkglue.QuerySchemaVersionMetadataInput{SchemaVersionId: out.SchemaVersionId,
		MetadataList: []types.MetadataKeyValuePair{{MetadataKey: aws.String("team:owner")}}}))
	if aws.ToString(q.MetadataInfoMap["team:owner"].MetadataValue) != "data;eng" {
		t.Errorf("query %+v", q.MetadataInfoMap)
	}
}

// TestWireFormat reads raw responses: string timestamps as Glue writes them
// (2021-11-07T16:42:28.617Z) and error messages under "Message", the
// member name of Glue's error shapes.
func TestWireFormat(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := newClient(t)
	ctx := context.Background()
	must(c.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("w"), DataFormat: types.DataFormatAvro, SchemaDefinition: aws.String(avroRecord(fA))}))
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	tests := []struct {
		op, body   string
		status     int
		stampField []string
		want       map[string]string
	}{
		{"GetRegistry", `{"RegistryId":{"RegistryName":"default-registry"}}`, 200, []string{"CreatedTime", "UpdatedTime"}, nil},
		{"GetSchema", `{"SchemaId":{"RegistryName":"default-registry","SchemaName":"w"}}`, 200, []string{"CreatedTime", "UpdatedTime"}, nil},
		{"GetSchemaVersion", `{"SchemaId":{"RegistryName":"default-registry","SchemaName":"w"},"SchemaVersionNumber":{"LatestVersion":true}}`, 200, []string{"CreatedTime"}, nil},
		{"GetSchema", `{"SchemaId":{"RegistryName":"default-registry","SchemaName":"nope"}}`, 400, nil,
			map[string]string{"__type": "EntityNotFoundException", "Message": "Schema is not found. RegistryName: default-registry, SchemaName: nope, SchemaArn: null"}},
		{"GetSchemaByDefinition", `{"SchemaId":{"RegistryName":"default-registry","SchemaName":"w"},"SchemaDefinition":"{\"type\":\"string\"}"}`, 400, nil,
			map[string]string{"__type": "EntityNotFoundException", "Message": "Schema version is not found."}},
	}
	for _, tt := range tests {
		req := must(http.NewRequest(http.MethodPost, e.Endpoint()+"/", strings.NewReader(tt.body)))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSGlue."+tt.op)
		resp := must(http.DefaultClient.Do(req))
		raw := must(io.ReadAll(resp.Body))
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d: %s", tt.op, resp.StatusCode, raw)
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v: %s", tt.op, err, raw)
		}
		for _, f := range tt.stampField {
			if s, _ := doc[f].(string); !stamp.MatchString(s) {
				t.Errorf("%s: %s = %v, want like 2021-11-07T16:42:28.617Z", tt.op, f, doc[f])
			}
		}
		for k, v := range tt.want {
			if doc[k] != v {
				t.Errorf("%s: %s = %v, want %q (body %s)", tt.op, k, doc[k], v, raw)
			}
		}
	}
}
