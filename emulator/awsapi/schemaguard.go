package awsapi

import "context"

// The tags that put a resource under evolvestack's schema guard: the
// schema ("glue:<registry>/<schema>" or "schemas:<registry>/<schema>")
// and the mode ("record", the default, or "reject").
const (
	GuardSchemaTag = "evolvestack:schema"
	GuardModeTag   = "evolvestack:schema-mode"
)

// SchemaGuard checks the payloads that enter guarded resources (Kinesis
// streams, SQS queues, SNS topics, EventBridge buses) against a schema.
type SchemaGuard interface {
	// For returns the checker of the resource named by arn, or nil when
	// it is not guarded. schemaTag and modeTag are the values of the
	// resource's GuardSchemaTag and GuardModeTag tags ("" when absent);
	// a guard set through the admin API or Go wins over them.
	For(scope Scope, arn, schemaTag, modeTag string) PayloadChecker
}

// PayloadChecker checks payloads for one guarded resource. A checker
// serves one request: it may remember what the registry said for the
// request's other payloads, and is not for concurrent use.
type PayloadChecker interface {
	// Check checks one payload and records a violation. It returns ""
	// when the payload may enter (it conforms, or the mode is record),
	// else why it is refused: which schema and what is wrong, for the
	// service's own error.
	Check(ctx context.Context, payload []byte) string
}

// GuardFor is env.Guard.For, or nil when the emulator has no guard.
func (env Env) GuardFor(arn, schemaTag, modeTag string) PayloadChecker {
	if env.Guard == nil {
		return nil
	}
	return env.Guard.For(env.Scope, arn, schemaTag, modeTag)
}
