package awsapi

import (
	"context"
	"errors"
)

// ErrNotImplemented is returned by ServiceDescriptor.Invoke when the service
// implementation lacks the operation.
var ErrNotImplemented = errors.New("operation not implemented")

type requestKey struct{}

// RequestInfo describes the request being served.
type RequestInfo struct {
	RequestID string
	Scope     Scope
	Service   string // descriptor name
	Operation string
	AccessKey string
	// Endpoint is scheme://host[:port] the client used, for building URLs
	// (SQS queue URLs) that point back at this server.
	Endpoint string
	// Protocol is the wire protocol of the request (ProtocolJSON,
	// ProtocolQuery, ProtocolRESTJSON or ProtocolCBOR).
	Protocol string
}

// WithRequest returns ctx carrying info.
func WithRequest(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, info)
}

// Request returns the RequestInfo in ctx, or an empty one.
func Request(ctx context.Context) *RequestInfo {
	if ri, ok := ctx.Value(requestKey{}).(*RequestInfo); ok {
		return ri
	}
	return &RequestInfo{}
}
