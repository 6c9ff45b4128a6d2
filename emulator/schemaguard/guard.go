// Package schemaguard is evolvestack's schema guard: payloads that enter a
// guarded Kinesis stream, SQS queue, SNS topic or EventBridge bus are
// checked against a schema of the Glue Schema Registry or of EventBridge
// Schemas, and every violation is recorded (mode record) or also refused
// (mode reject).
//
// A resource is guarded by its tags (awsapi.GuardSchemaTag and
// awsapi.GuardModeTag), or explicitly through Guard.Set (the admin API,
// the provisioning file and Go), which wins over the tags.
//
// What is checked:
//   - a record in the Glue Schema Registry wire format must name a version
//     of the guard's Glue schema whose status is AVAILABLE, and decode with
//     it (JSON payloads are also validated against it);
//   - any other payload must be JSON that conforms to the schema's latest
//     version (a Glue JSON schema, or an EventBridge schema converted to
//     JSON Schema draft 4); for an Avro or Protobuf schema it is a
//     violation.
package schemaguard

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// Mode says what a violation does.
type Mode string

const (
	// ModeRecord lets the payload in and records the violation.
	ModeRecord Mode = "record"
	// ModeReject refuses the payload (that entry only, in a batch) and
	// records the violation.
	ModeReject Mode = "reject"
)

// Kind is the registry a guard's schema lives in.
type Kind string

const (
	// KindGlue is the Glue Schema Registry.
	KindGlue Kind = "glue"
	// KindSchemas is the EventBridge Schemas registry.
	KindSchemas Kind = "schemas"
)

// Spec is what a resource is guarded by.
type Spec struct {
	Kind     Kind
	Registry string
	Schema   string
	Mode     Mode
}

// SchemaName renders the schema as the tag names it:
// "glue:<registry>/<schema>".
func (s Spec) SchemaName() string { return string(s.Kind) + ":" + s.Registry + "/" + s.Schema }

// ParseSpec reads a guard's schema ("glue:<registry>/<schema>" or
// "schemas:<registry>/<schema>") and mode ("record", "reject"; "" is
// record).
func ParseSpec(schema, mode string) (Spec, error) {
	var sp Spec
	kind, rest, ok := strings.Cut(schema, ":")
	if !ok || (Kind(kind) != KindGlue && Kind(kind) != KindSchemas) {
		return sp, fmt.Errorf("schema guard: schema %q must be glue:<registry>/<schema> or schemas:<registry>/<schema>", schema)
	}
	reg, name, ok := strings.Cut(rest, "/")
	if !ok || reg == "" || name == "" || strings.Contains(name, "/") {
		return sp, fmt.Errorf("schema guard: schema %q must be %s:<registry>/<schema>", schema, kind)
	}
	switch Mode(mode) {
	case "", ModeRecord:
		mode = string(ModeRecord)
	case ModeReject:
	default:
		return sp, fmt.Errorf("schema guard: mode %q must be record or reject", mode)
	}
	return Spec{Kind: Kind(kind), Registry: reg, Schema: name, Mode: Mode(mode)}, nil
}

// Violation is a payload that did not conform to its resource's schema.
type Violation struct {
	Resource  string    `json:"resource"`
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	Operation string    `json:"operation,omitempty"`
	AccessKey string    `json:"accessKey,omitempty"`
	Time      time.Time `json:"time"`
	Schema    string    `json:"schema"`
	// Version is the schema version the payload was checked with (the
	// Glue version number or the EventBridge schema version), "" when
	// none could be chosen.
	Version string `json:"version,omitempty"`
	// SchemaVersionID is the Glue version id a framed record named.
	SchemaVersionID string `json:"schemaVersionId,omitempty"`
	Reason          string `json:"reason"`
	Mode            Mode   `json:"mode"`
	// Refused says the payload was refused (mode reject).
	Refused bool `json:"refused"`
	// PayloadHead is the payload's first bytes (base64 in JSON).
	PayloadHead []byte `json:"payloadHead"`
	// PayloadSize is the payload's full size in bytes.
	PayloadSize int `json:"payloadSize"`
}

// payloadHeadSize is how much of a violating payload is kept.
const payloadHeadSize = 64

// DefaultMaxViolations bounds the violations kept (oldest dropped first).
const DefaultMaxViolations = 10000

// Config configures a Guard.
type Config struct {
	Clock  *clock.Clock
	Logger *slog.Logger
	// Services returns a service of a scope (the emulator's lookup); the
	// guard reads schemas from "glue" and "schemas".
	Services func(name string, scope awsapi.Scope) any
	// MaxViolations bounds the violations kept; 0 is DefaultMaxViolations.
	MaxViolations int
}

// Guard holds the explicit guards, the recorded violations and the
// compiled schemas. It is safe for concurrent use.
type Guard struct {
	cfg     Config
	schemas atomic.Pointer[schemaCache]

	mu       sync.Mutex
	explicit map[string]Spec // by resource ARN
	ring     []Violation
	next     int // ring index of the next violation when full
	dropped  int
}

// New returns a Guard.
func New(cfg Config) *Guard {
	if cfg.Clock == nil {
		cfg.Clock = clock.New()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxViolations <= 0 {
		cfg.MaxViolations = DefaultMaxViolations
	}
	g := &Guard{cfg: cfg, explicit: map[string]Spec{}}
	g.schemas.Store(newSchemaCache(cfg))
	return g
}

// Set guards the resource arn with spec, over any tags it has.
func (g *Guard) Set(arn string, spec Spec) {
	g.mu.Lock()
	g.explicit[arn] = spec
	g.mu.Unlock()
}

// Remove drops the explicit guard of arn (its tags may still guard it).
// It reports whether there was one.
func (g *Guard) Remove(arn string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.explicit[arn]
	delete(g.explicit, arn)
	return ok
}

// Explicit returns the explicit guards by resource ARN.
func (g *Guard) Explicit() map[string]Spec {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]Spec, len(g.explicit))
	for k, v := range g.explicit {
		out[k] = v
	}
	return out
}

// For implements awsapi.SchemaGuard.
func (g *Guard) For(scope awsapi.Scope, arn, schemaTag, modeTag string) awsapi.PayloadChecker {
	g.mu.Lock()
	spec, ok := g.explicit[arn]
	g.mu.Unlock()
	if ok {
		return &checker{g: g, scope: scope, arn: arn, spec: spec}
	}
	if schemaTag == "" {
		return nil
	}
	spec, err := ParseSpec(schemaTag, modeTag)
	if err != nil {
		// A tag that names no schema in a usable way still guards the
		// resource: every payload is a violation that says why.
		if m := Mode(modeTag); m == ModeReject {
			spec.Mode = m
		} else {
			spec.Mode = ModeRecord
		}
		return &checker{g: g, scope: scope, arn: arn, spec: spec, misconfigured: err.Error()}
	}
	return &checker{g: g, scope: scope, arn: arn, spec: spec}
}

// checker checks payloads for one resource during one request; it is not
// for concurrent use.
type checker struct {
	g             *Guard
	scope         awsapi.Scope
	arn           string
	spec          Spec
	misconfigured string
	memo          memo
}

// Check implements awsapi.PayloadChecker.
func (c *checker) Check(ctx context.Context, payload []byte) string {
	var res result
	if c.misconfigured != "" {
		res.reason = c.misconfigured
	} else {
		res = c.g.schemas.Load().check(ctx, c.scope, c.spec, payload, &c.memo)
	}
	if res.reason == "" {
		return ""
	}
	schema := c.spec.SchemaName()
	if c.misconfigured != "" {
		schema = "(invalid)"
	}
	ri := awsapi.Request(ctx)
	v := Violation{
		Resource: c.arn, Account: c.scope.Account, Region: c.scope.Region,
		Operation: ri.Operation, AccessKey: ri.AccessKey, Time: c.g.cfg.Clock.Now().UTC(),
		Schema: schema, Version: res.version, SchemaVersionID: res.versionID,
		Reason: res.reason, Mode: c.spec.Mode, Refused: c.spec.Mode == ModeReject,
		PayloadHead: slices.Clone(payload[:min(len(payload), payloadHeadSize)]), PayloadSize: len(payload),
	}
	c.g.record(v)
	c.g.cfg.Logger.Warn("schema guard: payload does not conform to its schema",
		"resource", c.arn, "schema", schema, "version", res.version, "reason", res.reason, "mode", string(c.spec.Mode))
	if c.spec.Mode != ModeReject {
		return ""
	}
	if res.version != "" {
		return fmt.Sprintf("Refused by the schema guard: the payload does not conform to schema %s version %s: %s", schema, res.version, res.reason)
	}
	return fmt.Sprintf("Refused by the schema guard: the payload does not conform to schema %s: %s", schema, res.reason)
}

func (g *Guard) record(v Violation) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.ring) < g.cfg.MaxViolations {
		g.ring = append(g.ring, v)
		return
	}
	g.ring[g.next] = v
	g.next = (g.next + 1) % len(g.ring)
	g.dropped++
}

// Filter selects violations; zero fields select all.
type Filter struct {
	Resource string
	Account  string
	Schema   string
	Since    time.Time
}

func (f Filter) match(v *Violation) bool {
	return (f.Resource == "" || v.Resource == f.Resource) &&
		(f.Account == "" || v.Account == f.Account) &&
		(f.Schema == "" || v.Schema == f.Schema) &&
		(f.Since.IsZero() || !v.Time.Before(f.Since))
}

// Violations returns the recorded violations f selects, oldest first,
// and how many older ones were dropped to stay within MaxViolations.
func (g *Guard) Violations(f Filter) (out []Violation, dropped int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := range g.ring {
		v := &g.ring[(g.next+i)%len(g.ring)]
		if f.match(v) {
			out = append(out, *v)
		}
	}
	return out, g.dropped
}

// ClearViolations forgets the recorded violations.
func (g *Guard) ClearViolations() {
	g.mu.Lock()
	g.ring, g.next, g.dropped = nil, 0, 0
	g.mu.Unlock()
}

// Reset forgets the explicit guards, the violations and the compiled
// schemas.
func (g *Guard) Reset() {
	g.mu.Lock()
	g.explicit = map[string]Spec{}
	g.ring, g.next, g.dropped = nil, 0, 0
	g.mu.Unlock()
	g.schemas.Store(newSchemaCache(g.cfg))
}
