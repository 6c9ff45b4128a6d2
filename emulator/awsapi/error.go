package awsapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS API error as a service returns it. Handlers render it in
// the wire shape of the request's protocol.
type Error struct {
	// Code is the error code, e.g. "ResourceNotFoundException".
	Code string
	// QueryCode is the code awsQuery renders and awsJson services that are
	// query compatible put in the x-amzn-query-error header, e.g.
	// "AWS.SimpleQueueService.NonExistentQueue". Empty means Code.
	QueryCode string
	// Message is the human-readable text; empty renders no message.
	Message string
	// Status is the HTTP status code; zero means 400.
	Status int
	// Receiver marks a server-side fault (Type Receiver); default Sender.
	Receiver bool
	// Fields are extra members of the error shape rendered next to the
	// message (e.g. Lambda's "Type": "User").
	Fields map[string]any
}

// Error implements error.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// HTTPStatus returns the status code to send.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// WireQueryCode returns QueryCode or, when empty, Code.
func (e *Error) WireQueryCode() string {
	if e.QueryCode != "" {
		return e.QueryCode
	}
	return e.Code
}

// Errorf builds a sender-fault error with status 400.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NewError builds an error with an explicit status.
func NewError(status int, code, message string) *Error {
	return &Error{Code: code, Message: message, Status: status}
}

// AsError returns err as an *Error when it is one (or wraps one).
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
