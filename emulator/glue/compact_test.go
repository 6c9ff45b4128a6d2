package glue_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// TestCheckedAgainstCompactVersions: under BACKWARD_ALL every new version
// is checked against the compact forms the registry keeps of the earlier
// ones, in each format, including checks that need a JSON Schema validator
// compiled on demand (enum values) and Protobuf fields shared between
// versions. The verdicts are those of the format's rules.
func TestCheckedAgainstCompactVersions(t *testing.T) {
	t.Parallel()
	jsonEnum := func(values string) string {
		return `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"s":{"enum":[` + values +
			`]},"n":{"type":"integer"}},"additionalProperties":false}`
	}
	proto := func(fields string) string {
		return "syntax = \"proto3\";\npackage shop;\nmessage Order {\n  int32 id = 1;\n" + fields + "}\n"
	}
	for _, tc := range []struct {
		format   string
		versions []string
		want     []types.SchemaVersionStatus // of versions 2...
	}{
		{"JSON", []string{jsonEnum(`"a","b"`), jsonEnum(`"a","b","c"`), jsonEnum(`"a","c"`), jsonEnum(`"a","b","c","d"`)},
			// "a","c" cannot read version 1's and 2's "b".
			[]types.SchemaVersionStatus{types.SchemaVersionStatusAvailable, types.SchemaVersionStatusFailure, types.SchemaVersionStatusAvailable}},
		{"PROTOBUF", []string{proto(""), proto("  optional string note = 2;\n"), proto("  optional int64 note = 2;\n"), proto("  optional string note = 2;\n  optional string more = 3;\n")},
			// An int64 cannot read version 2's string.
			[]types.SchemaVersionStatus{types.SchemaVersionStatusAvailable, types.SchemaVersionStatusFailure, types.SchemaVersionStatusAvailable}},
		{"AVRO", []string{avroRecord(fA), avroRecord(fA, fB), avroRecord(fA, fB, fC), avroRecord(fA, fB, `{"name":"c","type":["null","string"],"default":null}`)},
			// c without a default cannot read versions 1 and 2.
			[]types.SchemaVersionStatus{types.SchemaVersionStatusAvailable, types.SchemaVersionStatusFailure, types.SchemaVersionStatusAvailable}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			defer catch(t)
			client, _ := newClient(t)
			ctx := context.Background()
			must(client.CreateSchema(ctx, &sdkglue.CreateSchemaInput{
				SchemaName: aws.String("orders"), DataFormat: types.DataFormat(tc.format),
				Compatibility: types.CompatibilityBackwardAll, SchemaDefinition: aws.String(tc.versions[0]),
			}))
			id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("orders")}
			for i, def := range tc.versions[1:] {
				out := must(client.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(def)}))
				if out.Status != tc.want[i] {
					t.Errorf("version %d: status %s, want %s", i+2, out.Status, tc.want[i])
				}
			}
		})
	}
}
