// Package provision reads a YAML provisioning file — the Kinesis streams,
// SQS queues, Glue schema registries, Lambda functions, SNS topics with
// their subscriptions and EventBridge buses, rules with their targets and
// archives an emulator should hold when it starts — and creates them
// through the services' typed operations.
//
// The file's top-level sections apply to the emulator's default account
// and region; a scopes list adds sections for other accounts and regions.
// Parsing is strict: unknown keys, wrong types, bad enum values and
// references to undeclared queues or streams are errors that name the line
// (keys starting with x- are ignored, for YAML anchors).
// Applying is idempotent: a resource that already exists with the declared
// settings is left alone, so applying the same file twice changes nothing.
// Streams are ACTIVE when Apply returns, whatever the emulator's clock does
// (see File.Apply).
// See examples/provisioning/init.yaml for a commented example.
package provision

import (
	"encoding/json"
	"fmt"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

// File is a parsed provisioning file.
type File struct {
	// Version is the format version; 0 (absent) and 1 mean the same.
	Version int `yaml:"version"`
	// Resources are created in the emulator's default account and region.
	Resources `yaml:",inline"`
	// Scopes declare resources of other accounts and regions.
	Scopes []Scope `yaml:"scopes"`
	// Faults are fault injection rules, added after the resources (a rule
	// without an id gets provision-N, N its position).
	Faults []faults.Rule `yaml:"faults"`

	name string // as given to Parse, for messages
	dir  string // relative paths are resolved against it
}

// Name returns the file name used in messages.
func (f *File) Name() string { return f.name }

// Resources are the sections one scope declares.
type Resources struct {
	Streams    []Stream   `yaml:"streams"`
	Queues     []Queue    `yaml:"queues"`
	Registries []Registry `yaml:"registries"`
	Functions  []Function `yaml:"functions"`
	Topics     []Topic    `yaml:"topics"`
	// Buses, Rules and Archives are EventBridge's, made after the
	// streams, queues, functions and topics their targets name.
	Buses    []Bus     `yaml:"buses"`
	Rules    []Rule    `yaml:"rules"`
	Archives []Archive `yaml:"archives"`
}

// Scope is an account and region with its resources. An empty account or
// region means the emulator's default.
type Scope struct {
	Account   Account `yaml:"account"`
	Region    string  `yaml:"region"`
	Resources `yaml:",inline"`
	Line      int `yaml:"-"`
}

// Account is a 12-digit account id. It is read as written, so an
// unquoted 000000000000 keeps its zeros.
type Account string

// UnmarshalYAML keeps a scalar's source text.
func (a *Account) UnmarshalYAML(n ast.Node) error {
	if _, ok := n.(ast.ScalarNode); !ok {
		return &yaml.SyntaxError{Message: "account: want a 12-digit id", Token: n.GetToken()}
	}
	if n.Type() == ast.NullType {
		*a = ""
		return nil
	}
	*a = Account(n.GetToken().Value)
	return nil
}

// Stream is a Kinesis data stream.
type Stream struct {
	Name string `yaml:"name"`
	// Shards makes a PROVISIONED stream with that many shards; without it
	// the stream is ON_DEMAND.
	Shards *int32 `yaml:"shards"`
	// Mode is PROVISIONED or ON_DEMAND; it defaults from Shards.
	Mode string `yaml:"mode"`
	// RetentionHours raises the retention period from the default 24.
	RetentionHours *int32            `yaml:"retentionHours"`
	Tags           map[string]string `yaml:"tags"`
	SchemaGuard    *SchemaGuard      `yaml:"schemaGuard"`
	Line           int               `yaml:"-"`
}

// SchemaGuard puts a stream, queue, topic or bus under evolvestack's
// schema guard: it becomes the evolvestack:schema and
// evolvestack:schema-mode tags of the resource.
type SchemaGuard struct {
	// Schema is glue:<registry>/<schema> or schemas:<registry>/<schema>.
	Schema string `yaml:"schema"`
	// Mode is record (the default) or reject.
	Mode string `yaml:"mode"`
}

// Queue is an SQS queue.
type Queue struct {
	Name string `yaml:"name"`
	// Fifo makes a FIFO queue; it defaults to whether Name ends in .fifo.
	Fifo *bool `yaml:"fifo"`
	// Attributes are CreateQueue attributes (VisibilityTimeout,
	// MessageRetentionPeriod, ...); numbers and booleans may be unquoted.
	Attributes map[string]string `yaml:"attributes"`
	// Redrive sets the RedrivePolicy from a queue of the same scope.
	Redrive     *Redrive          `yaml:"redrive"`
	Tags        map[string]string `yaml:"tags"`
	SchemaGuard *SchemaGuard      `yaml:"schemaGuard"`
	Line        int               `yaml:"-"`
}

// Redrive names a queue's dead-letter queue.
type Redrive struct {
	// DeadLetterQueue is the name of a queue declared in the same scope,
	// or a queue ARN.
	DeadLetterQueue string `yaml:"deadLetterQueue"`
	MaxReceiveCount int    `yaml:"maxReceiveCount"`
	Line            int    `yaml:"-"`
}

// Registry is a Glue schema registry and its schemas.
type Registry struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Tags        map[string]string `yaml:"tags"`
	Schemas     []Schema          `yaml:"schemas"`
	Line        int               `yaml:"-"`
}

// Schema is a Glue schema with its versions, oldest first.
type Schema struct {
	Name string `yaml:"name"`
	// Format is AVRO, JSON or PROTOBUF.
	Format string `yaml:"format"`
	// Compatibility is the mode (NONE, DISABLED, BACKWARD, ...); the
	// default is BACKWARD, as in Glue.
	Compatibility string            `yaml:"compatibility"`
	Description   string            `yaml:"description"`
	Tags          map[string]string `yaml:"tags"`
	Versions      []SchemaVersion   `yaml:"versions"`
	Line          int               `yaml:"-"`
}

// SchemaVersion is one definition, inline or from a file relative to the
// provisioning file.
type SchemaVersion struct {
	Definition string `yaml:"definition"`
	File       string `yaml:"file"`
	Line       int    `yaml:"-"`

	text string // the definition, read from File when set
}

// Text returns the definition (read from File at parse time).
func (v *SchemaVersion) Text() string { return v.text }

// Function is a Lambda function from a zip package.
type Function struct {
	Name string `yaml:"name"`
	// Runtime defaults to provided.al2023 and Handler to bootstrap.
	Runtime string `yaml:"runtime"`
	Handler string `yaml:"handler"`
	// Zip is the deployment package, relative to the provisioning file.
	Zip string `yaml:"zip"`
	// Role defaults to arn:aws:iam::<account>:role/evolvestack.
	Role        string            `yaml:"role"`
	Description string            `yaml:"description"`
	Timeout     *int32            `yaml:"timeout"`
	MemorySize  *int32            `yaml:"memorySize"`
	Environment map[string]string `yaml:"environment"`
	// DeadLetterQueue is the name of a queue of the same scope (or an ARN)
	// for failed asynchronous invocations.
	DeadLetterQueue string            `yaml:"deadLetterQueue"`
	Tags            map[string]string `yaml:"tags"`
	EventSources    []EventSource     `yaml:"eventSources"`
	Line            int               `yaml:"-"`

	zipPath string // Zip resolved against the file's directory
}

// EventSource is an event source mapping from a queue or a stream of the
// same scope to the function.
type EventSource struct {
	// Queue or Stream (exactly one) names the source, or gives its ARN.
	Queue  string `yaml:"queue"`
	Stream string `yaml:"stream"`

	BatchSize                      *int32 `yaml:"batchSize"`
	MaximumBatchingWindowInSeconds *int32 `yaml:"maximumBatchingWindowInSeconds"`
	Enabled                        *bool  `yaml:"enabled"`
	// FunctionResponseTypes may hold ReportBatchItemFailures.
	FunctionResponseTypes []string `yaml:"functionResponseTypes"`
	// Filters are event filter patterns (JSON).
	Filters []string `yaml:"filters"`
	// MaximumConcurrency applies to queues.
	MaximumConcurrency *int32 `yaml:"maximumConcurrency"`

	// Stream-only settings. StartingPosition defaults to LATEST.
	StartingPosition           string     `yaml:"startingPosition"`
	MaximumRetryAttempts       *int32     `yaml:"maximumRetryAttempts"`
	MaximumRecordAgeInSeconds  *int32     `yaml:"maximumRecordAgeInSeconds"`
	BisectBatchOnFunctionError *bool      `yaml:"bisectBatchOnFunctionError"`
	ParallelizationFactor      *int32     `yaml:"parallelizationFactor"`
	TumblingWindowInSeconds    *int32     `yaml:"tumblingWindowInSeconds"`
	OnFailure                  *OnFailure `yaml:"onFailure"`
	Line                       int        `yaml:"-"`
}

// OnFailure is where a stream mapping sends records it gives up on.
type OnFailure struct {
	// Queue names a queue of the same scope, or gives its ARN.
	Queue string `yaml:"queue"`
	Line  int    `yaml:"-"`
}

// Topic is an SNS topic and its subscriptions.
type Topic struct {
	Name string `yaml:"name"`
	// Fifo makes a FIFO topic; it defaults to whether Name ends in .fifo.
	Fifo *bool `yaml:"fifo"`
	// Attributes are CreateTopic attributes (DisplayName, Policy,
	// DeliveryPolicy, SignatureVersion, ...); JSON-valued ones may be
	// written as YAML mappings.
	Attributes    map[string]AttrValue `yaml:"attributes"`
	Tags          map[string]string    `yaml:"tags"`
	SchemaGuard   *SchemaGuard         `yaml:"schemaGuard"`
	Subscriptions []Subscription       `yaml:"subscriptions"`
	Line          int                  `yaml:"-"`
}

// Subscription subscribes an endpoint to its topic.
type Subscription struct {
	// Protocol is sqs, lambda, http, https, email, email-json, sms,
	// application or firehose.
	Protocol string `yaml:"protocol"`
	// Endpoint is, for sqs and lambda, the name of a queue or function of
	// the same scope or an ARN; for the other protocols, the endpoint as
	// Subscribe takes it (URL, address, number, ARN).
	Endpoint string `yaml:"endpoint"`
	// Attributes are Subscribe attributes (RawMessageDelivery,
	// FilterPolicy, FilterPolicyScope, DeliveryPolicy, RedrivePolicy, ...);
	// JSON-valued ones may be written as YAML mappings.
	Attributes map[string]AttrValue `yaml:"attributes"`
	// Redrive sets the RedrivePolicy from a queue of the same scope.
	Redrive *SubscriptionRedrive `yaml:"redrive"`
	Line    int                  `yaml:"-"`
}

// SubscriptionRedrive names a subscription's dead-letter queue.
type SubscriptionRedrive struct {
	// DeadLetterQueue is the name of a queue declared in the same scope,
	// or a queue ARN.
	DeadLetterQueue string `yaml:"deadLetterQueue"`
	Line            int    `yaml:"-"`
}

// AttrValue is an attribute value: a scalar as written, or a YAML mapping
// or list as its JSON text (for FilterPolicy, Policy, DeliveryPolicy, ...).
type AttrValue string

// UnmarshalYAML reads a scalar as text and a mapping or list as JSON.
func (v *AttrValue) UnmarshalYAML(n ast.Node) error {
	switch n.Type() {
	case ast.NullType:
		*v = ""
		return nil
	case ast.MappingType, ast.MappingValueType, ast.SequenceType, ast.AliasType, ast.AnchorType, ast.TagType:
		var x any
		if err := yaml.NodeToValue(n, &x); err != nil {
			return err
		}
		if s, ok := x.(string); ok {
			*v = AttrValue(s)
			return nil
		}
		b, err := json.Marshal(jsonable(x))
		if err != nil {
			return &yaml.SyntaxError{Message: "attribute value: " + err.Error(), Token: n.GetToken()}
		}
		*v = AttrValue(b)
		return nil
	}
	var s string
	if err := yaml.NodeToValue(n, &s); err != nil {
		return err
	}
	*v = AttrValue(s)
	return nil
}

// jsonable turns the map[any]any a YAML mapping may decode to into
// map[string]any, recursively, so that it marshals as JSON.
func jsonable(x any) any {
	switch t := x.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonable(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = jsonable(e)
		}
		return t
	}
	return x
}

// Bus is a custom EventBridge event bus.
type Bus struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Policy is the bus's resource policy (PutPermission's Policy): a
	// mapping or the JSON text.
	Policy      AttrValue         `yaml:"policy"`
	Tags        map[string]string `yaml:"tags"`
	SchemaGuard *SchemaGuard      `yaml:"schemaGuard"`
	Line        int               `yaml:"-"`
}

// Rule is an EventBridge rule and its targets.
type Rule struct {
	Name string `yaml:"name"`
	// Bus is a bus of the same scope, or an event bus ARN; "" or default
	// is the default bus.
	Bus string `yaml:"bus"`
	// EventPattern is a mapping or the JSON text; ScheduleExpression is
	// rate(...) or cron(...) (default bus only). One of them is required.
	EventPattern       AttrValue `yaml:"eventPattern"`
	ScheduleExpression string    `yaml:"scheduleExpression"`
	// State is ENABLED (default), DISABLED or
	// ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
	State       string            `yaml:"state"`
	Description string            `yaml:"description"`
	RoleArn     string            `yaml:"roleArn"`
	Tags        map[string]string `yaml:"tags"`
	Targets     []RuleTarget      `yaml:"targets"`
	Line        int               `yaml:"-"`
}

// RuleTarget is one target of a rule. Exactly one of Arn, Queue,
// Function, Topic, Stream and Bus says where events go; the others name a
// resource of the same scope.
type RuleTarget struct {
	ID       string `yaml:"id"`
	Arn      string `yaml:"arn"`
	Queue    string `yaml:"queue"`
	Function string `yaml:"function"`
	Topic    string `yaml:"topic"`
	Stream   string `yaml:"stream"`
	Bus      string `yaml:"bus"`
	RoleArn  string `yaml:"roleArn"`
	// At most one of Input (a mapping or the JSON text), InputPath and
	// InputTransformer.
	Input            AttrValue            `yaml:"input"`
	InputPath        string               `yaml:"inputPath"`
	InputTransformer *TargetTransformer   `yaml:"inputTransformer"`
	RetryPolicy      *TargetRetryPolicy   `yaml:"retryPolicy"`
	DeadLetterQueue  string               `yaml:"deadLetterQueue"` // a queue of the same scope, or an SQS queue ARN
	SqsParameters    *TargetSqsParameters `yaml:"sqsParameters"`
	// KinesisParameters applies to stream targets.
	KinesisParameters *TargetKinesisParameters `yaml:"kinesisParameters"`
	Line              int                      `yaml:"-"`
}

// TargetTransformer is a target's InputTransformer.
type TargetTransformer struct {
	InputPathsMap map[string]string `yaml:"inputPathsMap"`
	// InputTemplate is the template text (a JSON or a string template).
	InputTemplate string `yaml:"inputTemplate"`
	Line          int    `yaml:"-"`
}

// TargetRetryPolicy is a target's RetryPolicy (EventBridge's defaults:
// 185 attempts, 86400 seconds).
type TargetRetryPolicy struct {
	MaximumRetryAttempts     *int32 `yaml:"maximumRetryAttempts"`
	MaximumEventAgeInSeconds *int32 `yaml:"maximumEventAgeInSeconds"`
	Line                     int    `yaml:"-"`
}

// TargetSqsParameters is a queue target's SqsParameters.
type TargetSqsParameters struct {
	MessageGroupID string `yaml:"messageGroupId"`
	Line           int    `yaml:"-"`
}

// TargetKinesisParameters is a stream target's KinesisParameters.
type TargetKinesisParameters struct {
	PartitionKeyPath string `yaml:"partitionKeyPath"`
	Line             int    `yaml:"-"`
}

// Archive is an EventBridge archive of a bus's events.
type Archive struct {
	Name string `yaml:"name"`
	// Bus is a bus of the same scope or an event bus ARN; "" or default is
	// the default bus.
	Bus          string    `yaml:"bus"`
	Description  string    `yaml:"description"`
	EventPattern AttrValue `yaml:"eventPattern"`
	// RetentionDays keeps events that many days; 0 (default) keeps them
	// indefinitely.
	RetentionDays int32 `yaml:"retentionDays"`
	Line          int   `yaml:"-"`
}

// withGuard returns tags with g's guard tags added (tags itself when g is
// nil).
func withGuard(tags map[string]string, g *SchemaGuard) map[string]string {
	if g == nil {
		return tags
	}
	out := make(map[string]string, len(tags)+2)
	for k, v := range tags {
		out[k] = v
	}
	out[awsapi.GuardSchemaTag] = g.Schema
	if g.Mode != "" {
		out[awsapi.GuardModeTag] = g.Mode
	}
	return out
}
