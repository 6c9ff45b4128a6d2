package registry

import (
	"fmt"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Error codes the Glue Schema Registry returns.
const (
	CodeEntityNotFound          = "EntityNotFoundException"
	CodeAlreadyExists           = "AlreadyExistsException"
	CodeInvalidInput            = "InvalidInputException"
	CodeResourceNumberLimit     = "ResourceNumberLimitExceededException"
	CodeConcurrentModification  = "ConcurrentModificationException"
	CodeAccessDenied            = "AccessDeniedException"
	CodeInternalService         = "InternalServiceException"
	msgSchemaVersionNotFound    = "Schema version is not found."
	msgSchemaNotFound           = "Schema is not found."
	msgRegistryNotFound         = "Registry is not found."
	msgBothRegistryParams       = "One of registryName or registryArn has to be provided, both cannot be provided."
	msgBothSchemaParams         = "One of (registryName and schemaName) or schemaArn has to be provided, both cannot be provided."
	msgNoSchemaParams           = "At least one of (registryName and schemaName) or schemaArn has to be provided."
	msgBothVersionParams        = "Only one of VersionNumber or LatestVersion is required."
	msgNoVersionParams          = "One of version number (or) latest version is required."
	msgVersionIDWithOtherParams = "No other input parameters can be specified when fetching by SchemaVersionId."
	msgUpdateSchemaNothing      = "One of VersionNumber or Compatibility has to be provided."
	// Glue documents the rule; the text of its error is not published.
	msgCompatibilityNeedsVersion = "VersionNumber (a checkpoint) is required when Compatibility is provided."
)

func invalidInput(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: CodeInvalidInput, Message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: CodeEntityNotFound, Message: fmt.Sprintf(format, args...)}
}

func alreadyExists(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: CodeAlreadyExists, Message: fmt.Sprintf(format, args...)}
}

func limitExceeded(resource string) *awsapi.Error {
	return &awsapi.Error{Code: CodeResourceNumberLimit, Message: fmt.Sprintf("More %s cannot be created. The maximum limit has been reached.", resource)}
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func schemaNotFound(ref SchemaRef) *awsapi.Error {
	return notFound("%s RegistryName: %s, SchemaName: %s, SchemaArn: %s", msgSchemaNotFound, orNull(ref.RegistryName), orNull(ref.SchemaName), orNull(ref.ARN))
}

func registryNotFound(ref RegistryRef) *awsapi.Error {
	if ref.ARN != "" {
		return notFound("%s RegistryArn: %s", msgRegistryNotFound, ref.ARN)
	}
	return notFound("%s RegistryName: %s", msgRegistryNotFound, ref.Name)
}

func versionNotFound(ref VersionRef) *awsapi.Error {
	if ref.ID != "" {
		return notFound("%s SchemaVersionId: %s", msgSchemaVersionNotFound, ref.ID)
	}
	num := "null"
	if ref.Number > 0 {
		num = fmt.Sprint(ref.Number)
	}
	return notFound("%s RegistryName: %s, SchemaName: %s, SchemaArn: %s, VersionNumber: %s, isLatestVersion: %t",
		msgSchemaVersionNotFound, orNull(ref.Schema.RegistryName), orNull(ref.Schema.SchemaName), orNull(ref.Schema.ARN), num, ref.Latest)
}
