// Package awscbor implements the application/x-amz-cbor-1.1 protocol: the
// awsJson protocol (X-Amz-Target routed POSTs) with CBOR bodies, which the
// AWS SDK for Java (v1 and v2, and so the KCL) uses for Kinesis by default.
//
// Requests and responses are CBOR maps keyed by member names. Blobs are
// byte strings, timestamps are tag 1 followed by integer epoch
// milliseconds (not the RFC 8949 seconds), numbers are CBOR integers and
// floats. Responses are written as AWS's Jackson-based services write
// them: indefinite-length maps and arrays.
package awscbor

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/awsjson"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// ContentType is the media type of requests and responses.
const ContentType = "application/x-amz-cbor-1.1"

// Error codes of the Coral framework, as in awsJson.
const (
	CodeUnknownOperation = awsjson.CodeUnknownOperation
	CodeSerialization    = awsjson.CodeSerialization
)

// Codec is the CBOR codec. The zero value is not usable; call New.
type Codec struct {
	cache shape.Cache
	dm    cbor.DecMode
	em    cbor.EncMode
	err   error
}

var _ protocol.Codec = (*Codec)(nil)

// New returns a Codec with empty plan caches.
func New() *Codec {
	c := &Codec{}
	var err error
	if c.dm, err = decOptions().DecMode(); err != nil {
		c.err = fmt.Errorf("awscbor: decoder options: %w", err)
	}
	if c.em, err = encOptions().EncMode(); err != nil {
		c.err = fmt.Errorf("awscbor: encoder options: %w", err)
	}
	return c
}

// IsContentType reports whether ct (a Content-Type header value) selects
// this protocol.
func IsContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), ContentType)
}

// UnknownOperation is the error for an X-Amz-Target naming no operation of
// the service (or absent): 400 with a bare __type and no message.
func UnknownOperation() *awsapi.Error {
	return awsjson.UnknownOperation()
}

// SerializationError is the error for a body that is not a CBOR map or has
// a member of the wrong type; msg may be empty (malformed CBOR carries
// none).
func SerializationError(msg string) *awsapi.Error {
	return awsjson.SerializationError(msg)
}

// DecodeInput decodes req.Body into in. Unlike JSON, an empty body is
// refused with a SerializationException (the SDKs always send a map).
func (c *Codec) DecodeInput(req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("awscbor: decode %s: input must be a non-nil pointer, got %T", opName(op), in)
	}
	if c.err != nil {
		return c.err
	}
	plan, err := c.cache.Plan(v.Type())
	if err != nil {
		return fmt.Errorf("awscbor: decode %s: %w", opName(op), err)
	}
	return c.unmarshal(req.Body, plan, v.Elem())
}

// unmarshal decodes the CBOR map in data into struct value v.
func (c *Codec) unmarshal(data []byte, plan *shape.Type, v reflect.Value) error {
	if len(data) == 0 {
		return SerializationError("")
	}
	// fxamacker/cbor checks well-formedness, declared lengths against the
	// body, nesting depth and element counts before anything is built.
	if err := c.dm.Wellformed(data); err != nil {
		return SerializationError("")
	}
	d := decoder{data: data, dm: c.dm, budget: allocFactor*len(data) + allocSlack}
	if _, err := d.skipTags(); err != nil {
		return err
	}
	if major, _, _ := d.peek(); major != majorMap {
		return SerializationError("")
	}
	if err := d.object(plan, v); err != nil {
		return err
	}
	if d.pos != len(d.data) {
		return SerializationError("")
	}
	return nil
}

// Marshal returns the CBOR map of v, a generated shape (or pointer to
// one); for event-stream payloads in this protocol. A nil pointer yields
// an empty map.
func (c *Codec) Marshal(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if v == nil || (rv.Kind() == reflect.Pointer && rv.IsNil()) {
		return []byte{startIndefMap, breakByte}, nil
	}
	if c.err != nil {
		return nil, c.err
	}
	plan, err := c.cache.Plan(rv.Type())
	if err != nil {
		return nil, fmt.Errorf("awscbor: marshal %T: %w", v, err)
	}
	e := encoder{em: c.em}
	return e.object(make([]byte, 0, 256), plan, reflect.Indirect(rv)), nil
}

// WriteOutput writes a 200 response with out as the CBOR body. An
// operation without output shape answers an empty body whatever out is,
// as Kinesis answers them (awsjson.EmptyVoidBody); a nil out of an
// operation with output renders an empty map.
func (c *Codec) WriteOutput(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, out any) error {
	var body []byte
	void := op != nil && op.OutputShape == ""
	if !void {
		body = []byte{startIndefMap, breakByte}
	}
	if void && awsjson.EmptyVoidBody(desc) {
		out = nil
	}
	if v := reflect.ValueOf(out); out != nil && !(v.Kind() == reflect.Pointer && v.IsNil()) {
		b, err := c.Marshal(out)
		if err != nil {
			return fmt.Errorf("awscbor: encode %s: %w", opName(op), err)
		}
		body = b
	}
	writeBody(w, req, http.StatusOK, body)
	return nil
}

// WriteError writes err as the CBOR map {"__type": ..., "message": ...}
// with the error's status. For awsQueryCompatible services the
// x-amzn-query-error header carries the query code and fault.
func (c *Codec) WriteError(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, err *awsapi.Error) {
	if desc != nil && desc.QueryCompatible {
		fault := "Sender"
		if err.Receiver {
			fault = "Receiver"
		}
		shape.SetHeader(w.Header(), "x-amzn-query-error", awsjson.QueryCode(desc, err)+";"+fault)
	}
	writeBody(w, req, err.HTTPStatus(), c.ErrorBody(desc, err))
}

// ErrorBody renders the CBOR error map of err: __type (as awsJson names
// it for desc), the message under the member name the model gives it, then
// the extra fields sorted by name. desc may be nil (bare code, "message").
func (c *Codec) ErrorBody(desc *awsapi.ServiceDescriptor, err *awsapi.Error) []byte {
	if desc == nil {
		desc = &awsapi.ServiceDescriptor{JSONVersion: "1.1"}
	}
	e := encoder{em: c.em}
	b := make([]byte, 0, 64+len(err.Message))
	b = append(b, startIndefMap)
	b = appendText(b, "__type")
	b = appendText(b, awsjson.ErrorType(desc, err.Code))
	msgKey := awsjson.MessageMember(desc, err.Code)
	if err.Message != "" {
		b = appendText(b, msgKey)
		b = appendText(b, err.Message)
	}
	keys := make([]string, 0, len(err.Fields))
	for k := range err.Fields {
		if k != msgKey && k != "__type" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendText(b, k)
		b = e.appendAny(b, err.Fields[k])
	}
	return append(b, breakByte)
}

func opName(op *awsapi.Operation) string {
	if op == nil {
		return "<unknown>"
	}
	return op.Name
}

func writeBody(w http.ResponseWriter, req *protocol.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req != nil && req.RequestID != "" {
		shape.SetHeader(h, "x-amzn-RequestId", req.RequestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
