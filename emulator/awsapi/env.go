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
