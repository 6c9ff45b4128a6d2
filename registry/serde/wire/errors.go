package wire

import (
	"fmt"

	"github.com/google/uuid"
)

// DecodeError reports a record whose payload cannot be decoded with its
// writer (or the given reader) schema.
type DecodeError struct {
	SchemaVersionID uuid.UUID
	DataFormat      string
	// Stage says what failed, e.g. "fetching the writer schema",
	// "decoding the AVRO payload", "resolving the reader schema".
	Stage string
	Err   error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("serde: schema version %s: %s: %v", e.SchemaVersionID, e.Stage, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }
