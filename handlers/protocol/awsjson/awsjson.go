// Package awsjson implements the awsJson1_0 and awsJson1_1 protocols
// (Kinesis, SQS, EventBridge, Glue): X-Amz-Target routed POSTs with JSON
// bodies.
package awsjson

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// Error codes of the Coral framework that awsJson 1.0 services qualify
// with the framework namespace.
const (
	CodeUnknownOperation = "UnknownOperationException"
	CodeSerialization    = jsonwire.SerializationCode
)

// Codec is the awsJson codec. The zero value is not usable; call New.
type Codec struct {
	cache shape.Cache
	// bufs recycles response buffers: large outputs (GetRecords with
	// thousands of records) would otherwise regrow one per call. A plain
	// free list, not a sync.Pool, so buffers survive garbage collections.
	mu   sync.Mutex
	bufs [][]byte
}

// maxFreeBuffers bounds how many response buffers the codec keeps.
const maxFreeBuffers = 8

func (c *Codec) getBuffer() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.bufs); n > 0 {
		b := c.bufs[n-1]
		c.bufs = c.bufs[:n-1]
		return b[:0]
	}
	return make([]byte, 0, 1024)
}

func (c *Codec) putBuffer(b []byte) {
	if cap(b) > maxPooledBuffer {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bufs) < maxFreeBuffers {
		c.bufs = append(c.bufs, b[:0])
	}
}

// maxPooledBuffer bounds the buffers kept for reuse.
const maxPooledBuffer = 16 << 20

var _ protocol.Codec = (*Codec)(nil)

// New returns a Codec with empty plan caches.
func New() *Codec { return &Codec{} }

// UnknownOperation is the error for an X-Amz-Target naming no operation
// of the service (or absent): 400 with a bare __type and no message.
func UnknownOperation() *awsapi.Error {
	return &awsapi.Error{Code: CodeUnknownOperation}
}

// SerializationError is the error for a body that is not a JSON object or
// has a member of the wrong type; msg may be empty.
func SerializationError(msg string) *awsapi.Error {
	return jsonwire.SerializationError(msg)
}

// ContentType returns the response content type for desc.
func ContentType(desc *awsapi.ServiceDescriptor) string {
	v := desc.JSONVersion
	if v == "" {
		v = "1.1"
	}
	return "application/x-amz-json-" + v
}

// DecodeInput decodes req.Body into in. An empty body decodes as {}.
func (c *Codec) DecodeInput(req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("awsjson: decode %s: input must be a non-nil pointer, got %T", op.Name, in)
	}
	plan, err := c.cache.Plan(v.Type())
	if err != nil {
		return fmt.Errorf("awsjson: decode %s: %w", op.Name, err)
	}
	return jsonwire.Unmarshal(req.Body, plan, v.Elem(), DecodeOptions(desc))
}

// DecodeOptions returns how desc's Coral front end reads a JSON body.
// SQS's JSON protocol words type errors with the JSON token ("STRING_VALUE
// can not be converted to an Integer", what sqs.eu-central-1 answered in
// 2024: async-aws/aws issue #1667); the older Coral JSON codec of Kinesis,
// Glue and EventBridge names Java classes and narrows numbers as Java does
// (jsonwire.DialectJava). Every service validates an enum member given as
// "" against its enum.
func DecodeOptions(desc *awsapi.ServiceDescriptor) jsonwire.Options {
	o := jsonwire.Options{Dialect: jsonwire.DialectJava, KeepEmptyEnums: true}
	if desc != nil && desc.Name == "sqs" {
		o.Dialect = jsonwire.DialectTokens
	}
	return o
}

// EmptyVoidBody reports whether desc answers an operation without output
// with an empty body (Content-Length 0) rather than {}. Kinesis does:
// kinesalite's CreateStream test, recorded against Kinesis, expects "" (as
// the Smithy awsJson protocol tests have a service respond to an operation
// without output with no payload). SQS's JSON protocol is left answering
// {}: nothing recorded says which it sends.
func EmptyVoidBody(desc *awsapi.ServiceDescriptor) bool {
	return desc == nil || desc.Name != "sqs"
}

// Appender is an output that renders itself as this codec's encoder
// would, the same bytes, faster: outputs that carry thousands of items
// (Kinesis's GetRecords) implement it. AppendJSON reports false, having
// appended nothing, when the encoder must render the output instead.
type Appender interface {
	AppendJSON(b []byte) ([]byte, bool)
}

// WriteOutput writes a 200 response with out as the JSON body. An
// operation without output shape answers an empty body whatever out is
// (SQS: {} when out is not nil); a nil out of an operation with output
// renders {}.
func (c *Codec) WriteOutput(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, out any) error {
	var body []byte
	void := op != nil && op.OutputShape == ""
	if !void {
		body = []byte("{}")
	}
	if void && EmptyVoidBody(desc) {
		out = nil
	}
	if v := reflect.ValueOf(out); out != nil && !(v.Kind() == reflect.Pointer && v.IsNil()) {
		buf, appended := c.getBuffer(), false
		if a, ok := out.(Appender); ok {
			body, appended = a.AppendJSON(buf)
		}
		if !appended {
			plan, err := c.cache.Plan(v.Type())
			if err != nil {
				c.putBuffer(buf)
				return fmt.Errorf("awsjson: encode %s: %w", op.Name, err)
			}
			body = jsonwire.Marshal(buf, plan, reflect.Indirect(v), jsonwire.Options{})
		}
		writeBody(w, req, desc, http.StatusOK, body)
		c.putBuffer(body)
		return nil
	}
	writeBody(w, req, desc, http.StatusOK, body)
	return nil
}

// WriteError writes err as {"__type": ..., "message": ...}. For
// awsQueryCompatible services the x-amzn-query-error header carries the
// query code and fault.
func (c *Codec) WriteError(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, err *awsapi.Error) {
	if desc.QueryCompatible {
		fault := "Sender"
		if err.Receiver {
			fault = "Receiver"
		}
		shape.SetHeader(w.Header(), "x-amzn-query-error", QueryCode(desc, err)+";"+fault)
	}
	writeBody(w, req, desc, err.HTTPStatus(), ErrorBody(desc, err))
}

// QueryCode returns the awsQuery error code of err: err.QueryCode, else
// the code the model gives the error shape, else err.Code.
func QueryCode(desc *awsapi.ServiceDescriptor, err *awsapi.Error) string {
	if err.QueryCode != "" {
		return err.QueryCode
	}
	if es, ok := desc.ErrorShape(err.Code); ok && es.Code != "" {
		return es.Code
	}
	return err.Code
}

// ErrorType returns the __type value of err: awsJson 1.1 services send the
// bare code; 1.0 services qualify it with the shape namespace
// (com.amazonaws.sqs#QueueDoesNotExist, or com.amazon.coral.service# for
// framework errors). A code that already holds '#' is sent as is.
func ErrorType(desc *awsapi.ServiceDescriptor, code string) string {
	if desc.JSONVersion != "1.0" || strings.Contains(code, "#") {
		return code
	}
	switch code {
	case CodeUnknownOperation, CodeSerialization, "InternalFailure",
		"MissingAuthenticationTokenException", "AccessDeniedException",
		"UnrecognizedClientException", "IncompleteSignatureException",
		"InvalidSignatureException", "RequestExpired", "ThrottlingException":
		return "com.amazon.coral.service#" + code
	case "ValidationException":
		return "com.amazon.coral.validate#" + code
	}
	ns := desc.EndpointPrefix
	if ns == "" {
		ns = desc.Name
	}
	return "com.amazonaws." + ns + "#" + code
}

// MessageMember returns the key the message of an error with code goes
// under: the model's spelling for modeled errors, "Message" for
// SerializationException (as Coral sends it), else "message".
func MessageMember(desc *awsapi.ServiceDescriptor, code string) string {
	if es, ok := desc.ErrorShape(code); ok && es.MessageMember != "" {
		return es.MessageMember
	}
	if code == CodeSerialization {
		return "Message"
	}
	return "message"
}

// ErrorBody renders the JSON error document of err.
func ErrorBody(desc *awsapi.ServiceDescriptor, err *awsapi.Error) []byte {
	b := make([]byte, 0, 128)
	b = append(b, `{"__type":`...)
	b = jsonwire.AppendString(b, ErrorType(desc, err.Code))
	msgKey := MessageMember(desc, err.Code)
	if err.Message != "" {
		b = append(b, ',')
		b = jsonwire.AppendString(b, msgKey)
		b = append(b, ':')
		b = jsonwire.AppendString(b, err.Message)
	}
	b = AppendFields(b, err.Fields, msgKey)
	return append(b, '}')
}

// AppendFields appends the extra members of an error (sorted by name,
// each preceded by a comma), skipping the message key.
func AppendFields(b []byte, fields map[string]any, skip string) []byte {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != skip && k != "__type" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = append(b, ',')
		b = jsonwire.AppendString(b, k)
		b = append(b, ':')
		b = jsonwire.AppendAny(b, fields[k])
	}
	return b
}

func writeBody(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType(desc))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if req != nil && req.RequestID != "" {
		shape.SetHeader(h, "x-amzn-RequestId", req.RequestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
