package sigv4

import (
	"net/http"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Kind classifies an authentication failure.
type Kind int

// Failure kinds, in the order AWS checks for them.
const (
	// MissingAuthentication: the request carries no SigV4 signature.
	MissingAuthentication Kind = iota + 1
	// IncompleteSignature: the Authorization header or the presigned
	// query parameters are malformed.
	IncompleteSignature
	// UnknownAccessKey: the access key id is not known.
	UnknownAccessKey
	// SignatureMismatch: the signature or its credential scope is wrong.
	SignatureMismatch
	// Expired: a presigned request is used after X-Amz-Expires.
	Expired
	// RequestTimeTooSkewed: the request time is too far from now.
	RequestTimeTooSkewed
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case MissingAuthentication:
		return "MissingAuthentication"
	case IncompleteSignature:
		return "IncompleteSignature"
	case UnknownAccessKey:
		return "UnknownAccessKey"
	case SignatureMismatch:
		return "SignatureMismatch"
	case Expired:
		return "Expired"
	case RequestTimeTooSkewed:
		return "RequestTimeTooSkewed"
	}
	return "Unknown"
}

// Error is an authentication failure.
type Error struct {
	Kind Kind
	// Message is the specific text AWS gives for this failure (for
	// IncompleteSignature, clock skew and credential-scope problems). Empty
	// means the kind's standard text.
	Message string
	// CanonicalRequest and StringToSign are what the server computed, for a
	// SignatureMismatch on the signature itself.
	CanonicalRequest string
	StringToSign     string
}

func newError(k Kind, msg string) *Error { return &Error{Kind: k, Message: msg} }

// Error implements error.
func (e *Error) Error() string {
	if e.Message == "" {
		return "sigv4: " + e.Kind.String()
	}
	return "sigv4: " + e.Kind.String() + ": " + e.Message
}

// Standard texts.
const (
	msgMissingJSON     = "Request is missing Authentication Token"
	msgMissingRESTJSON = "Missing Authentication Token"
	msgInvalidToken    = "The security token included in the request is invalid."
	msgMismatch        = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgRequestExpired  = "Request has expired."
)

// AWSError returns the error a real AWS service of the given protocol family
// (awsapi.ProtocolJSON, ProtocolRESTJSON or ProtocolQuery) sends for e. An
// unknown protocol is treated as JSON.
func (e *Error) AWSError(protocol string) *awsapi.Error {
	var out *awsapi.Error
	switch protocol {
	case awsapi.ProtocolQuery:
		out = e.queryError()
	case awsapi.ProtocolRESTJSON:
		out = e.restJSONError()
	default:
		out = e.jsonError()
	}
	return out
}

// ServiceError is AWSError for the service d describes. A JSON service
// with the awsQueryCompatible trait (SQS) keeps its query-protocol status
// and reports the query code as QueryCode.
func (e *Error) ServiceError(d *awsapi.ServiceDescriptor) *awsapi.Error {
	out := e.AWSError(d.Protocol)
	if d.Protocol == awsapi.ProtocolJSON && d.QueryCompatible {
		q := e.queryError()
		out.Status = q.Status
		out.QueryCode = q.Code
	}
	return out
}

// jsonError renders e as the AWS JSON (Coral) services do.
func (e *Error) jsonError() *awsapi.Error {
	switch e.Kind {
	case MissingAuthentication:
		return awsapi.NewError(http.StatusBadRequest, "MissingAuthenticationTokenException", e.text(msgMissingJSON))
	case IncompleteSignature:
		return awsapi.NewError(http.StatusBadRequest, "IncompleteSignatureException", e.Message)
	case UnknownAccessKey:
		return awsapi.NewError(http.StatusBadRequest, "UnrecognizedClientException", e.text(msgInvalidToken))
	case Expired:
		return awsapi.NewError(http.StatusBadRequest, "InvalidSignatureException", e.text(msgRequestExpired))
	case RequestTimeTooSkewed:
		return awsapi.NewError(http.StatusBadRequest, "InvalidSignatureException", e.Message)
	default:
		return awsapi.NewError(http.StatusBadRequest, "InvalidSignatureException", e.mismatchText(true))
	}
}

// restJSONError renders e as Lambda (restJson1 behind its REST front
// door) does: every authentication failure is a 403.
func (e *Error) restJSONError() *awsapi.Error {
	switch e.Kind {
	case MissingAuthentication:
		return awsapi.NewError(http.StatusForbidden, "MissingAuthenticationTokenException", e.text(msgMissingRESTJSON))
	case IncompleteSignature:
		return awsapi.NewError(http.StatusForbidden, "IncompleteSignatureException", e.Message)
	case UnknownAccessKey:
		return awsapi.NewError(http.StatusForbidden, "UnrecognizedClientException", e.text(msgInvalidToken))
	case Expired:
		return awsapi.NewError(http.StatusForbidden, "InvalidSignatureException", e.text(msgRequestExpired))
	case RequestTimeTooSkewed:
		return awsapi.NewError(http.StatusForbidden, "InvalidSignatureException", e.Message)
	default:
		return awsapi.NewError(http.StatusForbidden, "InvalidSignatureException", e.mismatchText(false))
	}
}

// queryError renders e as the AWS query services (SNS, SQS query, STS) do.
func (e *Error) queryError() *awsapi.Error {
	switch e.Kind {
	case MissingAuthentication:
		return awsapi.NewError(http.StatusForbidden, "MissingAuthenticationToken", e.text(msgMissingJSON))
	case IncompleteSignature:
		return awsapi.NewError(http.StatusBadRequest, "IncompleteSignature", e.Message)
	case UnknownAccessKey:
		return awsapi.NewError(http.StatusForbidden, "InvalidClientTokenId", e.text(msgInvalidToken))
	case Expired:
		return awsapi.NewError(http.StatusBadRequest, "RequestExpired", e.text(msgRequestExpired))
	case RequestTimeTooSkewed:
		return awsapi.NewError(http.StatusForbidden, "SignatureDoesNotMatch", e.Message)
	default:
		return awsapi.NewError(http.StatusForbidden, "SignatureDoesNotMatch", e.mismatchText(true))
	}
}

// text returns e.Message, or def when it is empty.
func (e *Error) text(def string) string {
	if e.Message != "" {
		return e.Message
	}
	return def
}

// mismatchText is the signature-mismatch message; with details it carries
// the canonical request and string to sign the server computed, as AWS
// JSON and query services append them.
func (e *Error) mismatchText(details bool) string {
	if e.Message != "" {
		return e.Message
	}
	if !details || e.CanonicalRequest == "" {
		return msgMismatch
	}
	return msgMismatch + "\n\nThe Canonical String for this request should have been\n'" + e.CanonicalRequest +
		"'\n\nThe String-to-Sign should have been\n'" + e.StringToSign + "'\n"
}

// InvalidRegion is the failure for a credential scope whose region is not a
// well-formed AWS region name.
func InvalidRegion(region string) *Error {
	return newError(SignatureMismatch, "Credential should be scoped to a valid region, not '"+region+"'.")
}
