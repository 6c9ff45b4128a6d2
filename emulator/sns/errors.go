package sns

import (
	"fmt"
	"net/http"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Error codes of the SNS model (the awsQuery codes the SDKs map to their
// exception types).
const (
	codeInvalidParameter      = "InvalidParameter"
	codeInvalidParameterValue = "ParameterValueInvalid"
	codeNotFound              = "NotFound"
	codeResourceNotFound      = "ResourceNotFound"
	codeAuthorizationError    = "AuthorizationError"
	codeTagLimitExceeded      = "TagLimitExceeded"
	codeTagPolicy             = "TagPolicy"
	codeSubscriptionLimit     = "SubscriptionLimitExceeded"
	codeTopicLimit            = "TopicLimitExceeded"
	codeFilterPolicyLimit     = "FilterPolicyLimitExceeded"
	codeValidationError       = "ValidationError"
	codeVerification          = "VerificationException"
	codeUserError             = "UserError"
	codeOptedOut              = "OptedOut"
)

// invalidParam is an InvalidParameter error; the text is formatted.
func invalidParam(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: codeInvalidParameter, Message: fmt.Sprintf(format, args...)}
}

// notFound is a 404 NotFound error with msg.
func notFound(msg string) *awsapi.Error {
	return &awsapi.Error{Code: codeNotFound, Message: msg, Status: http.StatusNotFound}
}

func errSubscriptionNotFound() *awsapi.Error { return notFound("Subscription does not exist") }

func errResourceNotFound() *awsapi.Error {
	return &awsapi.Error{Code: codeResourceNotFound, Message: "Resource does not exist", Status: http.StatusNotFound}
}

func errAuthorization(msg string) *awsapi.Error {
	return &awsapi.Error{Code: codeAuthorizationError, Message: msg, Status: http.StatusForbidden}
}

// ValidationError maps a failed generated validation to SNS's answer: the
// Coral message under the code ValidationError.
func (s *Service) ValidationError(err error) *awsapi.Error {
	if e, ok := awsapi.AsError(err); ok {
		return e
	}
	if v, ok := awsapi.AsValidationErrors(err); ok {
		return v.AWSError(codeValidationError)
	}
	return &awsapi.Error{Code: codeValidationError, Message: err.Error()}
}
