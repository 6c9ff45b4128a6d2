// Package registry is evolvestack's Glue Schema Registry engine: registries,
// schemas and their versions, compatibility enforcement that explains every
// failure, version metadata and tags, usable without the server (the CLI
// uses it offline) and served over the Glue API by emulator/glue.
package registry

import (
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/registry/compat"
	"github.com/evolvestack/evolvestack/registry/compat/avro"
	"github.com/evolvestack/evolvestack/registry/compat/jsonschema"
	"github.com/evolvestack/evolvestack/registry/compat/protobuf"
)

// DefaultRegistryName is the registry CreateSchema uses when none is named.
const DefaultRegistryName = "default-registry"

// Hard limits of the service.
const (
	MaxDefinitionLength   = 170000
	MaxMetadataPerVersion = 10
	MaxTagsPerResource    = 50
	MaxNameLength         = 255
)

// Limits are the quotas AWS raises on request. Zero fields take the
// defaults from DefaultLimits.
type Limits struct {
	RegistriesPerAccount int
	SchemasPerAccount    int
	VersionsPerSchema    int
}

// DefaultLimits are generous: well above AWS's defaults (100 registries,
// 10,000 schemas, 1,000 versions per schema) so tests hit them only on
// purpose.
func DefaultLimits() Limits {
	return Limits{RegistriesPerAccount: 1000, SchemasPerAccount: 100000, VersionsPerSchema: 100000}
}

// Config configures an Engine.
type Config struct {
	Account string
	Region  string
	// Partition is the ARN partition; default "aws".
	Partition string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives the findings of failed versions at warn level.
	Logger *slog.Logger
	Limits Limits
	// PendingFor keeps a new version PENDING for this long (on Now's
	// timeline) before it reports AVAILABLE or FAILURE, as AWS does while it
	// checks compatibility. Zero: the final status at once.
	PendingFor time.Duration
	// DeletingFor keeps deleted registries, schemas and versions visible
	// with status DELETING for this long. Zero: they disappear at once
	// (the delete call itself still reports DELETING).
	DeletingFor time.Duration
	// NewID generates schema version ids; default random UUIDs.
	NewID func() string
	// Journal receives every state change as a row (see persist.go); nil
	// keeps none.
	Journal awsapi.Journal
}

// Engine holds the schema registries of one account and region. It is safe
// for concurrent use.
type Engine struct {
	cfg     Config
	formats map[string]compat.Format

	mu         sync.Mutex
	registries map[string]*registryState // by name
	versions   map[string]*versionState  // by id
	schemas    int                       // live schemas, for the quota

	// dirty lists the rows changed under mu since it was taken, journaled
	// when it is released (unlock); always empty without a journal.
	dirty []rowRef
	// restored collects rows between RestoreState and RestoreDone.
	restored map[string][]byte
}

// Formats returns the data formats the registry supports, by Glue name.
func Formats() map[string]compat.Format {
	out := map[string]compat.Format{}
	for _, f := range []compat.Format{avro.New(), jsonschema.New(), protobuf.New()} {
		out[f.Name()] = f
	}
	return out
}

// New returns an empty engine.
func New(cfg Config) *Engine {
	if cfg.Partition == "" {
		cfg.Partition = "aws"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := DefaultLimits()
	if cfg.Limits.RegistriesPerAccount == 0 {
		cfg.Limits.RegistriesPerAccount = d.RegistriesPerAccount
	}
	if cfg.Limits.SchemasPerAccount == 0 {
		cfg.Limits.SchemasPerAccount = d.SchemasPerAccount
	}
	if cfg.Limits.VersionsPerSchema == 0 {
		cfg.Limits.VersionsPerSchema = d.VersionsPerSchema
	}
	if cfg.NewID == nil {
		cfg.NewID = uuid.NewString
	}
	return &Engine{
		cfg:        cfg,
		formats:    Formats(),
		registries: map[string]*registryState{},
		versions:   map[string]*versionState{},
	}
}

// SetTimings changes how long new versions stay PENDING and deleted
// entities stay DELETING (see Config.PendingFor and Config.DeletingFor).
func (e *Engine) SetTimings(pending, deleting time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg.PendingFor = pending
	e.cfg.DeletingFor = deleting
}

// Format returns the named data format, or an InvalidInputException.
func (e *Engine) Format(name string) (compat.Format, error) {
	f, ok := e.formats[name]
	if !ok {
		return nil, invalidInput("Data format is not valid.")
	}
	return f, nil
}

// registryState is one registry.
type registryState struct {
	name, arn, description string
	created, updated       time.Time
	tags                   map[string]string
	schemas                map[string]*schemaState
	deletedAt              time.Time // zero while live
}

// schemaState is one schema and its versions.
type schemaState struct {
	registry               *registryState
	name, arn, description string
	format                 compat.Format
	mode                   Mode
	checkpoint             int64
	next                   int64 // number the next version gets
	created, updated       time.Time
	tags                   map[string]string
	versions               map[int64]*versionState
	order                  []int64                  // version numbers ascending
	byCanonical            map[string]*versionState // by canonical digest
	// store keeps the compact forms of the versions, when the format has
	// them (compat.Compactor); nil otherwise.
	store     compat.Store
	deletedAt time.Time
	// unbuilt marks a restored schema whose versions' check forms and
	// canonical digests (and so byCanonical) are not built yet: they are
	// on first use (ensureBuilt), so that a restart need not parse every
	// definition of every schema.
	unbuilt bool
}

// versionState is one schema version.
type versionState struct {
	schema     *schemaState
	id         string
	number     int64
	definition string
	// check is what compatibility checks read: the format's compact form
	// when it has one, else the parsed definition.
	check compat.Schema
	// canonical is a digest of the canonical form (canonicalKey): what finds a
	// definition registered again.
	canonical string
	failed    bool // the compatibility check failed
	findings  []Finding
	created   time.Time
	settleAt  time.Time // PENDING until then
	metadata  []metadataEntry
	deletedAt time.Time
}

type metadataEntry struct {
	key, value string
	created    time.Time
}

// Statuses as Glue reports them.
const (
	StatusAvailable = "AVAILABLE"
	StatusPending   = "PENDING"
	StatusFailure   = "FAILURE"
	StatusDeleting  = "DELETING"
)

// status is the version's status at now.
func (v *versionState) status(now time.Time) string {
	switch {
	case !v.deletedAt.IsZero():
		return StatusDeleting
	case now.Before(v.settleAt):
		return StatusPending
	case v.failed:
		return StatusFailure
	default:
		return StatusAvailable
	}
}

// usable reports whether v counts as an earlier version in compatibility
// checks and for LatestVersion: settled, passed, not deleted.
func (v *versionState) usable(now time.Time) bool {
	return v.status(now) == StatusAvailable
}

func (e *Engine) registryARN(name string) string {
	return fmt.Sprintf("arn:%s:glue:%s:%s:registry/%s", e.cfg.Partition, e.cfg.Region, e.cfg.Account, name)
}

// schemaARNPrefix is what every schema ARN of this engine starts with.
func (e *Engine) schemaARNPrefix() string {
	return fmt.Sprintf("arn:%s:glue:%s:%s:schema/", e.cfg.Partition, e.cfg.Region, e.cfg.Account)
}

func (e *Engine) schemaARN(registry, name string) string {
	return fmt.Sprintf("arn:%s:glue:%s:%s:schema/%s/%s", e.cfg.Partition, e.cfg.Region, e.cfg.Account, registry, name)
}

// namePattern is Glue's pattern for registry and schema names.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9-_$#.]+$`)

// checkName validates a registry or schema name as the service does.
func checkName(param, name string) error {
	if len(name) < 1 || len(name) > MaxNameLength {
		return invalidInput("The resource name contains too many or too few characters. Parameter Name: %s", param)
	}
	if !namePattern.MatchString(name) {
		return invalidInput("The parameter value contains one or more characters that are not valid. Parameter Name: %s", param)
	}
	return nil
}

func checkTags(tags map[string]string) error {
	if len(tags) > MaxTagsPerResource {
		return invalidInput("New Tags cannot be empty or more than %d", MaxTagsPerResource)
	}
	return nil
}

// lock takes the engine's lock, drops what has finished deleting, and
// returns the time the operation runs at. Callers unlock e.mu.
func (e *Engine) lock() time.Time {
	e.mu.Lock()
	now := e.cfg.Now()
	e.purge(now)
	return now
}

// purge drops entities whose DELETING period is over. Callers hold mu.
func (e *Engine) purge(now time.Time) {
	for name, r := range e.registries {
		if !r.deletedAt.IsZero() && !now.Before(r.deletedAt.Add(e.cfg.DeletingFor)) {
			for _, s := range r.schemas {
				e.dropSchema(s)
			}
			e.touchRegistry(r)
			delete(e.registries, name)
			continue
		}
		for sname, s := range r.schemas {
			if !s.deletedAt.IsZero() && !now.Before(s.deletedAt.Add(e.cfg.DeletingFor)) {
				e.dropSchema(s)
				delete(r.schemas, sname)
				continue
			}
			for _, n := range s.order {
				v := s.versions[n]
				if !v.deletedAt.IsZero() && !now.Before(v.deletedAt.Add(e.cfg.DeletingFor)) {
					e.dropVersion(v)
				}
			}
		}
	}
}

// dropSchema forgets s and its versions. Callers hold mu.
func (e *Engine) dropSchema(s *schemaState) {
	e.touchSchema(s)
	for _, v := range s.versions {
		e.touchVersion(v)
		delete(e.versions, v.id)
	}
	if s.deletedAt.IsZero() {
		e.schemas--
	}
	s.versions = map[int64]*versionState{}
	s.order = nil
	s.byCanonical = map[string]*versionState{}
}

// dropVersion forgets v. Callers hold mu.
func (e *Engine) dropVersion(v *versionState) {
	s := v.schema
	e.touchVersion(v)
	delete(e.versions, v.id)
	delete(s.versions, v.number)
	if s.byCanonical[v.canonical] == v {
		delete(s.byCanonical, v.canonical)
	}
	for i, n := range s.order {
		if n == v.number {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
}

// asAWS returns err as the *awsapi.Error it is.
func asAWS(err error) *awsapi.Error {
	if e, ok := awsapi.AsError(err); ok {
		return e
	}
	return &awsapi.Error{Code: CodeInternalService, Message: err.Error(), Status: 500, Receiver: true}
}
