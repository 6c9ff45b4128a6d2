package sqs

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Errors the model does not name: SQS sends them over JSON under the
// Coral exception names and over query (and in x-amzn-query-error) under
// the old codes.
const (
	codeInvalidParameterValue     = "InvalidParameterValueException"
	queryInvalidParameterValue    = "InvalidParameterValue"
	codeMissingParameter          = "MissingRequiredParameterException"
	queryMissingParameter         = "MissingParameter"
	queueDeletedRecentlyQueryCode = "AWS.SimpleQueueService.QueueDeletedRecently"
	queueDeletedRecentlyMessage   = "You must wait 60 seconds after deleting a queue before you can create another with the same name."
)

func sqsErr(code, queryCode string, status int, format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: code, QueryCode: queryCode, Status: status, Message: fmt.Sprintf(format, args...)}
}

func errNoQueue() *awsapi.Error {
	return sqsErr(ErrCodeQueueDoesNotExist, "AWS.SimpleQueueService.NonExistentQueue", http.StatusBadRequest,
		"The specified queue does not exist.")
}

func errInvalidParam(format string, args ...any) *awsapi.Error {
	return sqsErr(codeInvalidParameterValue, queryInvalidParameterValue, http.StatusBadRequest, format, args...)
}

func errMissingParam(name string) *awsapi.Error {
	return sqsErr(codeMissingParameter, queryMissingParameter, http.StatusBadRequest, "The request must contain the parameter %s.", name)
}

func errInvalidAttrName(name string) *awsapi.Error {
	return sqsErr(ErrCodeInvalidAttributeName, "", http.StatusBadRequest, "Unknown Attribute %s.", name)
}

func errInvalidAttrValue(name string) *awsapi.Error {
	return sqsErr(ErrCodeInvalidAttributeValue, "", http.StatusBadRequest, "Invalid value for the parameter %s.", name)
}

func errReceiptInvalid(handle string) *awsapi.Error {
	return sqsErr(ErrCodeReceiptHandleIsInvalid, "", http.StatusBadRequest,
		"The input receipt handle \"%s\" is not a valid receipt handle.", handle)
}

func errHandleExpired(handle string) *awsapi.Error {
	return errInvalidParam("Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", handle)
}

func errNotInflight() *awsapi.Error {
	return sqsErr(ErrCodeMessageNotInflight, "AWS.SimpleQueueService.MessageNotInflight", http.StatusBadRequest, "")
}

func errResourceNotFound(param string) *awsapi.Error {
	return sqsErr(ErrCodeResourceNotFoundException, "", http.StatusNotFound,
		"The resource that you specified for the %s parameter doesn't exist.", param)
}

func errUnsupported(format string, args ...any) *awsapi.Error {
	return sqsErr(ErrCodeUnsupportedOperation, "AWS.SimpleQueueService.UnsupportedOperation", http.StatusBadRequest, format, args...)
}

// ValidationError maps a failed generated validation to the errors SQS
// sends: a missing member is MissingParameter, anything else
// InvalidParameterValue.
func (s *Service) ValidationError(err error) *awsapi.Error {
	if e, ok := awsapi.AsError(err); ok {
		return e
	}
	v, ok := awsapi.AsValidationErrors(err)
	if !ok || v.Len() == 0 {
		return errInvalidParam("%s", err.Error())
	}
	first := v.Violations()[0]
	if first.Constraint == awsapi.NotNullConstraint() {
		return errMissingParam(paramName(first.Path))
	}
	return errInvalidParam("Value %s for parameter %s is invalid. Reason: %s.", strings.Trim(first.Value, "'"), paramName(first.Path), first.Constraint)
}

// paramName turns a Coral member path ("entries.1.member.id") into the
// parameter name SQS prints ("Id").
func paramName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if path == "" {
		return path
	}
	return strings.ToUpper(path[:1]) + path[1:]
}

// ProtocolError adapts an error's text to the wire protocol: over awsQuery
// SQS still names the "wsdl version" of a missing queue.
func (s *Service) ProtocolError(protocol string, e *awsapi.Error) *awsapi.Error {
	if protocol == awsapi.ProtocolQuery && e.Code == ErrCodeQueueDoesNotExist && e.Message == "The specified queue does not exist." {
		q := *e
		q.Message = "The specified queue does not exist for this wsdl version."
		return &q
	}
	return e
}
