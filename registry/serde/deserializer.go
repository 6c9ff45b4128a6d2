package serde

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// SecondaryDecoder decodes records that do not start with the Glue header
// version byte (plain JSON, another registry's framing, ...).
type SecondaryDecoder = wire.SecondaryDecoder

// PlainJSON is a SecondaryDecoder for undecorated JSON records: the
// Record has a nil SchemaVersionID, DataFormat JSON and no definition.
func PlainJSON(ctx context.Context, data []byte) (*Record, error) { return wire.PlainJSON(ctx, data) }

// DeserializerConfig configures a Deserializer; the zero value is usable.
type DeserializerConfig = wire.DeserializerConfig

// Deserializer decodes records in the Glue Schema Registry wire format.
// Writer schemas are fetched by version id once and cached. It is safe
// for concurrent use. Package wire holds it, for programs that fetch
// writer schemas without the SDK's Glue client.
type Deserializer = wire.Deserializer

// Record is one decoded record.
type Record = wire.Record

// NewDeserializer returns a deserializer fetching writer schemas through
// client's GetSchemaVersion.
func NewDeserializer(client GlueAPI, cfg DeserializerConfig) *Deserializer {
	return wire.NewDeserializer(GlueSchemaFetcher(client), cfg)
}

// GlueSchemaFetcher returns a wire.SchemaFetcher calling client's
// GetSchemaVersion (a nil client fails every fetch).
func GlueSchemaFetcher(client GlueAPI) wire.SchemaFetcher {
	return func(ctx context.Context, id uuid.UUID) (string, string, error) {
		if client == nil {
			return "", "", errors.New("no Glue client")
		}
		out, err := client.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(id.String())})
		if err != nil {
			return "", "", err
		}
		if out.SchemaVersionId == nil || out.SchemaDefinition == nil {
			return "", "", errors.New("Schema definition is not present")
		}
		return *out.SchemaDefinition, string(out.DataFormat), nil
	}
}
