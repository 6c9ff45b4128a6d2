package awsapi

import (
	"log/slog"

	"github.com/evolvestack/evolvestack/emulator/clock"
)

// Env is what the emulator hands each service instance: the scope it
// serves, the shared clock, a logger and the limits in force.
type Env struct {
	Scope  Scope
	Clock  *clock.Clock
	Logger *slog.Logger
	// Limits are the soft quotas AWS raises on request; hard limits are
	// enforced by the services themselves.
	Limits Limits
	// Services returns another service's implementation for a scope (e.g.
	// Lambda sending to an SQS dead-letter queue), creating it on first
	// use; nil for an unknown name. Names are the model names: kinesis,
	// sqs, sns, events, schemas, glue, lambda.
	Services func(name string, scope Scope) any
	// Endpoint returns the URL clients reach the emulator at (for
	// processes it starts, such as Lambda handlers).
	Endpoint func() string
	// Guard is evolvestack's schema guard; nil guards nothing.
	Guard SchemaGuard
	// Faults is evolvestack's fault injection; nil injects nothing.
	Faults Faults
	// Journal keeps the instance's state changes when the emulator has a
	// data dir; nil keeps nothing (see Persistent).
	Journal Journal
	// Observe, when set, shows what happens inside the service (delivery
	// attempts, invocations) in the dashboard's live tail; it must be cheap.
	Observe func(Observation)
	// Restoring is true when the instance is built to receive restored
	// state: its constructor starts no background work that the restored
	// state decides (RestoreDone starts it).
	Restoring bool
}

// Limits holds configurable soft quotas. Zero values mean the service's
// generous default.
type Limits struct {
	// MaxResourcesPerAccount caps streams, queues, registries and the
	// like per account and region.
	MaxResourcesPerAccount int
	// SchemaVersionsPerSchema caps the versions of one Glue schema.
	SchemaVersionsPerSchema int
}
