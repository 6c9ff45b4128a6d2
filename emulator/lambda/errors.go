package lambda

import (
	"fmt"
	"net/http"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Error codes Lambda returns.
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceConflict      = "ResourceConflictException"
	CodeInvalidParameterValue = "InvalidParameterValueException"
	CodeTooManyRequests       = "TooManyRequestsException"
	CodeRequestTooLarge       = "RequestEntityTooLargeException"
	CodePreconditionFailed    = "PreconditionFailedException"
	CodeInvalidRuntime        = "InvalidRuntimeException"
	CodeService               = "ServiceException"
)

// userError is a Lambda error: every Lambda error body carries "Type":"User".
func userError(status int, code, format string, args ...any) *awsapi.Error {
	return &awsapi.Error{
		Code:    code,
		Message: fmt.Sprintf(format, args...),
		Status:  status,
		Fields:  map[string]any{"Type": "User"},
	}
}

func errFunctionNotFound(arn string) *awsapi.Error {
	return userError(http.StatusNotFound, CodeResourceNotFound, "Function not found: %s", arn)
}

func errResourceNotFound(format string, args ...any) *awsapi.Error {
	return userError(http.StatusNotFound, CodeResourceNotFound, format, args...)
}

func errInvalidParameter(format string, args ...any) *awsapi.Error {
	return userError(http.StatusBadRequest, CodeInvalidParameterValue, format, args...)
}

func errConflict(format string, args ...any) *awsapi.Error {
	return userError(http.StatusConflict, CodeResourceConflict, format, args...)
}

func errPrecondition() *awsapi.Error {
	return userError(http.StatusPreconditionFailed, CodePreconditionFailed,
		"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
}

// errThrottled is the TooManyRequestsException of a concurrency limit;
// reason is the Reason member (e.g. ReservedFunctionConcurrentInvocationLimitExceeded).
func errThrottled(reason string) *awsapi.Error {
	e := userError(http.StatusTooManyRequests, CodeTooManyRequests, "Rate Exceeded.")
	e.Fields["Reason"] = reason
	return e
}

func errRequestTooLarge(limit int, op string) *awsapi.Error {
	return userError(http.StatusRequestEntityTooLarge, CodeRequestTooLarge,
		"Request must be smaller than %d bytes for the %s operation", limit, op)
}

func errServiceClosed() *awsapi.Error {
	return &awsapi.Error{Code: CodeService, Message: "The Lambda service of this emulator scope has been shut down.", Status: http.StatusInternalServerError, Receiver: true, Fields: map[string]any{"Type": "Service"}}
}

// errEventTooLarge refuses an Event invocation whose payload is over the
// asynchronous limit.
func errEventTooLarge(size int) *awsapi.Error {
	return userError(http.StatusRequestEntityTooLarge, CodeRequestTooLarge,
		"%d byte payload is too large for the Event invocation type (limit %d bytes)", size, MaxAsyncPayload)
}
