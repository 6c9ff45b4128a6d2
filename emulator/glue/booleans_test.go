package glue_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
)

// TestJSONBooleanSubschemas: boolean subschemas are valid JSON Schema
// definitions over the Glue API, without "$schema" (draft-04, as Everit
// reads it) too, and keep their meaning in compatibility checks: a closed
// object (additionalProperties false) can be read by one that allows
// anything more ({}), not the other way round.
func TestJSONBooleanSubschemas(t *testing.T) {
	t.Parallel()
	defer catch(t)
	client, _ := newClient(t)
	ctx := context.Background()
	for _, def := range []string{
		`{"type":"object","properties":{"a":true,"b":false}}`,
		`{"$schema":"http://json-schema.org/draft-07/schema#","type":"array","items":[true,false]}`,
		`true`,
	} {
		out := must(client.CheckSchemaVersionValidity(ctx, &sdkglue.CheckSchemaVersionValidityInput{DataFormat: types.DataFormatJson, SchemaDefinition: aws.String(def)}))
		if !out.Valid {
			t.Fatalf("%s: %s", def, aws.ToString(out.Error))
		}
	}
	closed := `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`
	open := `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{}}`
	must(client.CreateSchema(ctx, &sdkglue.CreateSchemaInput{SchemaName: aws.String("booleans"), DataFormat: types.DataFormatJson,
		Compatibility: types.CompatibilityBackward, SchemaDefinition: aws.String(closed)}))
	id := &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("booleans")}
	v2 := must(client.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(open)}))
	if v2.Status != types.SchemaVersionStatusAvailable {
		t.Fatalf("additionalProperties {} after false: %s", v2.Status)
	}
	v3 := must(client.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id,
		SchemaDefinition: aws.String(`{"type":"object","properties":{"a":{"type":"string"},"b":false},"additionalProperties":false}`)}))
	if v3.Status != types.SchemaVersionStatusFailure {
		t.Fatalf("additionalProperties false after {}: %s", v3.Status)
	}
}
