package serde

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// Messages the Glue service puts in EntityNotFoundException errors; the
// serializer tells the two apart by them, as AWS's Java library does.
const (
	msgSchemaVersionNotFound = "Schema version is not found."
	msgSchemaNotFound        = "Schema is not found."
	codeAlreadyExists        = "AlreadyExistsException"
)

// Finding is one reason a schema version failed its compatibility check,
// as evolvestack's admin endpoint reports it.
type Finding struct {
	Path          string `json:"path"`
	Rule          string `json:"rule"`
	Message       string `json:"message"`
	Direction     string `json:"direction"`
	ReaderVersion int64  `json:"readerVersion"`
	WriterVersion int64  `json:"writerVersion"`
	Explanation   string `json:"explanation"`
}

// IncompatibleSchemaError reports a schema version the registry refused:
// its status is FAILURE because it breaks the schema's compatibility mode.
// Findings say why when the registry can tell (evolvestack can; AWS's API
// cannot, so against AWS it is empty).
type IncompatibleSchemaError struct {
	SchemaVersionID uuid.UUID
	RegistryName    string
	SchemaName      string
	VersionNumber   int64
	Status          string
	Findings        []Finding
}

func (e *IncompatibleSchemaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "serde: Schema evolution check failed. schemaVersionId %s is in %s status", e.SchemaVersionID, e.Status)
	if e.SchemaName != "" {
		fmt.Fprintf(&b, " (schema %q in registry %q", e.SchemaName, e.RegistryName)
		if e.VersionNumber > 0 {
			fmt.Fprintf(&b, ", version %d", e.VersionNumber)
		}
		b.WriteString(")")
	}
	switch len(e.Findings) {
	case 0:
	case 1:
		fmt.Fprintf(&b, ": %s", e.Findings[0].text())
	default:
		fmt.Fprintf(&b, ": %s (and %d more)", e.Findings[0].text(), len(e.Findings)-1)
	}
	return b.String()
}

func (f Finding) text() string {
	if f.Explanation != "" {
		return f.Explanation
	}
	if f.Path != "" {
		return f.Path + ": " + f.Message
	}
	return f.Message
}

// AutoRegistrationDisabledError reports a schema or schema version that is
// not in the registry while the serializer may not register it.
type AutoRegistrationDisabledError struct {
	RegistryName string
	SchemaName   string
	// Err is the registry's not-found error.
	Err error
}

func (e *AutoRegistrationDisabledError) Error() string {
	return fmt.Sprintf("serde: Failed to auto-register schema. Auto registration of schema is not enabled. (schema %q in registry %q: %v)",
		e.SchemaName, e.RegistryName, e.Err)
}

func (e *AutoRegistrationDisabledError) Unwrap() error { return e.Err }

// DecodeError reports a record whose payload cannot be decoded with its
// writer (or the given reader) schema.
type DecodeError = wire.DecodeError

// apiMessage is the service's error message, or the error text.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return err.Error()
}

func isAlreadyExists(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == codeAlreadyExists
}
