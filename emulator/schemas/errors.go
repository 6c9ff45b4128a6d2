package schemas

import (
	"fmt"
	"net/http"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// schemasError builds an error of the model's shape: every Schemas error
// body carries a Code next to its Message.
func schemasError(status int, code, shortCode, format string, args ...any) *awsapi.Error {
	return &awsapi.Error{
		Code:    code,
		Message: fmt.Sprintf(format, args...),
		Status:  status,
		// unverified: the body's Code member holds the short form of the
		// exception name (API Gateway style) on AWS.
		Fields: map[string]any{"Code": shortCode},
	}
}

func errBadRequest(format string, args ...any) *awsapi.Error {
	return schemasError(http.StatusBadRequest, ErrCodeBadRequestException, "BadRequest", format, args...)
}

func errNotFound(format string, args ...any) *awsapi.Error {
	return schemasError(http.StatusNotFound, ErrCodeNotFoundException, "NotFound", format, args...)
}

func errConflict(format string, args ...any) *awsapi.Error {
	return schemasError(http.StatusConflict, ErrCodeConflictException, "Conflict", format, args...)
}

func errForbidden(format string, args ...any) *awsapi.Error {
	return schemasError(http.StatusForbidden, ErrCodeForbiddenException, "Forbidden", format, args...)
}

func errPreconditionFailed(format string, args ...any) *awsapi.Error {
	return schemasError(http.StatusPreconditionFailed, ErrCodePreconditionFailedException, "PreconditionFailed", format, args...)
}

// unverified: AWS's wording of the not-found and conflict messages follows
// "Registry with name X already exists", the one text seen from AWS.
func errRegistryNotFound(name string) *awsapi.Error {
	return errNotFound("Registry with name %s does not exist.", name)
}

func errSchemaNotFound(name string) *awsapi.Error {
	return errNotFound("Schema with name %s does not exist.", name)
}

func errVersionNotFound(name, version string) *awsapi.Error {
	// unverified
	return errNotFound("Schema %s with version %s does not exist.", name, version)
}

func errReadOnlyRegistry(name string) *awsapi.Error {
	// unverified
	return errForbidden("Registry %s is managed by AWS and cannot be modified.", name)
}

// ValidationError maps a failure of the model's constraints to the
// BadRequestException Schemas answers with (it has no ValidationException).
func (s *Service) ValidationError(err error) *awsapi.Error {
	if e, ok := awsapi.AsError(err); ok {
		return e
	}
	// unverified: the wording; the constraint list is the Coral-style one.
	return errBadRequest("%s", err.Error())
}
