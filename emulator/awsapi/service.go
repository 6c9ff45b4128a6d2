package awsapi

import "context"

// Protocol names as the botocore models spell them.
const (
	ProtocolJSON     = "json"
	ProtocolRESTJSON = "rest-json"
	ProtocolQuery    = "query"
	// ProtocolCBOR is awsJson's CBOR variant (Kinesis from the Java SDK);
	// it appears in RequestInfo, not in models.
	ProtocolCBOR = "cbor"
)

// Scope is the account and region one request addresses. State is kept
// apart per scope.
type Scope struct {
	Account string
	Region  string
}

// ServiceDescriptor describes one AWS service as its API model does, plus
// the generated glue that lets a handler decode, validate and invoke any of
// its operations without reflection over method sets.
type ServiceDescriptor struct {
	// Name is the model's folder name: kinesis, sqs, sns, events, glue,
	// lambda, schemas.
	Name            string
	Protocol        string
	JSONVersion     string // "1.0" or "1.1" for json protocols
	TargetPrefix    string // X-Amz-Target prefix for json protocols
	APIVersion      string
	EndpointPrefix  string
	SigningName     string
	XMLNamespace    string // query protocol response namespace
	QueryCompatible bool   // awsQueryCompatible trait
	// AllOperations lists every operation name in the full model, including
	// the ones evolvestack does not implement.
	AllOperations []string
	// Operations lists the operations the generated code covers.
	Operations []Operation
	// Errors lists the model's error shapes.
	Errors []ErrorShape
	// NewInput returns a new zero input struct for op, or nil if op is unknown.
	NewInput func(op string) any
	// Invoke calls op on svc (a service implementation). It returns
	// ErrNotImplemented when svc lacks the method.
	Invoke func(ctx context.Context, svc any, op string, in any) (any, error)
}

// Operation is one operation of a model.
type Operation struct {
	Name          string
	HTTPMethod    string
	RequestURI    string // e.g. "/2015-03-31/functions/{FunctionName}/invocations"
	ResponseCode  int    // REST success status; 0 means 200
	InputShape    string
	OutputShape   string
	ResultWrapper string // query protocol output wrapper element
}

// ErrorShape is an error shape of a model.
type ErrorShape struct {
	Name          string // shape name, e.g. "QueueDoesNotExist"
	Code          string // error.code when the model sets one (query code)
	HTTPStatus    int
	SenderFault   bool
	MessageMember string // "message" or "Message" as the shape spells it
}

// Operation returns the operation named op.
func (d *ServiceDescriptor) Operation(op string) (*Operation, bool) {
	for i := range d.Operations {
		if d.Operations[i].Name == op {
			return &d.Operations[i], true
		}
	}
	return nil, false
}

// KnowsOperation reports whether op exists in the full model.
func (d *ServiceDescriptor) KnowsOperation(op string) bool {
	for _, n := range d.AllOperations {
		if n == op {
			return true
		}
	}
	return false
}

// ErrorShape returns the model's error shape named name.
func (d *ServiceDescriptor) ErrorShape(name string) (*ErrorShape, bool) {
	for i := range d.Errors {
		if d.Errors[i].Name == name {
			return &d.Errors[i], true
		}
	}
	return nil, false
}

// Validator is implemented by generated input shapes.
type Validator interface {
	// Validate checks the model's constraints and returns a
	// *ValidationErrors listing every violation, or nil.
	Validate() error
}

// EventStream is the value of an event-stream member of an operation's
// output (Kinesis SubscribeToShard): the router sends an initial response,
// then each event until the stream ends.
type EventStream interface {
	// NextEvent blocks until the next event: its event type (the member
	// name of the stream union, e.g. "SubscribeToShardEvent") and value.
	// It returns io.EOF when the stream ends normally; another error ends
	// the stream with an exception event (an *Error names it).
	NextEvent(ctx context.Context) (eventType string, event any, err error)
	// Close releases the stream; the router calls it when the client goes
	// away or the stream ends.
	Close() error
}

// EventStreamer is implemented by generated outputs with an event stream.
type EventStreamer interface {
	EventStreamSource() EventStream
}
