// Package protocol defines what each AWS wire protocol codec offers the
// router: decoding a request into a generated input shape, and writing a
// success or error response in the protocol's shape.
package protocol

import (
	"net/http"
	"net/url"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Request is a request as the router hands it to a codec.
type Request struct {
	HTTP *http.Request
	// Body is the whole request body, already read.
	Body []byte
	// PathVars are the URI labels matched by the router (REST protocols).
	PathVars map[string]string
	// RequestID is the id the response must carry.
	RequestID string
	// Form holds the awsQuery parameters once the router has parsed them
	// (nil before), so the codec does not parse the body again.
	Form url.Values
}

// Codec decodes and encodes one protocol. Implementations are safe for
// concurrent use and keep their per-type caches inside the value (no
// package-level state).
type Codec interface {
	// DecodeInput fills in, a pointer to a generated input struct, from req.
	// Malformed input yields an *awsapi.Error as the real service sends it
	// (e.g. SerializationException for JSON).
	DecodeInput(req *Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, in any) error
	// WriteOutput writes a success response for op with out, a pointer to a
	// generated output struct (nil means an empty output).
	WriteOutput(w http.ResponseWriter, req *Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, out any) error
	// WriteError writes err in the protocol's error shape. op may be nil
	// (unknown operation).
	WriteError(w http.ResponseWriter, req *Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, err *awsapi.Error)
}

// EventStreamOutput is an event stream an operation's output carries; see
// awsapi.EventStream.
type EventStreamOutput = awsapi.EventStream
