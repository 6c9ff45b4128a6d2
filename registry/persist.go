package registry

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/registry/compat"
)

// Persistence (issue #18): the engine's state is a set of rows, one per
// registry ("r/<registry>"), schema ("s/<registry>/<schema>") and version
// ("v/<registry>/<schema>/<number>"), each a JSON document of the entity's
// whole state (rowRegistry, rowSchema, rowVersion). ARNs are derived from
// the names; what is derived from definitions (parsed and compact forms,
// canonical digests, the by-definition index) is rebuilt after a restore,
// not stored. Not stored either: the engine's configuration (PENDING and
// DELETING periods, the id generator). Names hold no '/', so keys are
// unambiguous.
//
// Operations mark what they change (touch*) while holding mu; unlock
// journals the marked rows as they stand then: Put for an entity that
// still exists, Delete for one that is gone. An operation that marks and
// purges in one go (a schema deleted with DeletingFor zero) so journals
// only the Deletes.

// rowKind says which entity a rowRef names.
type rowKind byte

const (
	kindRegistry rowKind = 'r'
	kindSchema   rowKind = 's'
	kindVersion  rowKind = 'v'
)

// rowRef names a changed row until unlock journals it.
type rowRef struct {
	kind             rowKind
	registry, schema string
	number           int64
}

func (r rowRef) key() string {
	switch r.kind {
	case kindRegistry:
		return "r/" + r.registry
	case kindSchema:
		return "s/" + r.registry + "/" + r.schema
	}
	return "v/" + r.registry + "/" + r.schema + "/" + strconv.FormatInt(r.number, 10)
}

func (e *Engine) touchRegistry(r *registryState) {
	if e.cfg.Journal != nil {
		e.dirty = append(e.dirty, rowRef{kind: kindRegistry, registry: r.name})
	}
}

func (e *Engine) touchSchema(s *schemaState) {
	if e.cfg.Journal != nil {
		e.dirty = append(e.dirty, rowRef{kind: kindSchema, registry: s.registry.name, schema: s.name})
	}
}

func (e *Engine) touchVersion(v *versionState) {
	if e.cfg.Journal != nil {
		e.dirty = append(e.dirty, rowRef{kind: kindVersion, registry: v.schema.registry.name, schema: v.schema.name, number: v.number})
	}
}

// unlock journals the rows changed under mu, then releases it.
func (e *Engine) unlock() {
	if len(e.dirty) > 0 {
		e.flush()
	}
	e.mu.Unlock()
}

// flush journals each changed row once, as it stands. Callers hold mu.
func (e *Engine) flush() {
	seen := make(map[rowRef]bool, len(e.dirty))
	for _, ref := range e.dirty {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		if value := e.currentRow(ref); value != nil {
			e.cfg.Journal.Put(ref.key(), value)
		} else {
			e.cfg.Journal.Delete(ref.key())
		}
	}
	e.dirty = e.dirty[:0]
}

// currentRow encodes the entity ref names, nil when it no longer exists.
// Callers hold mu.
func (e *Engine) currentRow(ref rowRef) []byte {
	r, ok := e.registries[ref.registry]
	if !ok {
		return nil
	}
	if ref.kind == kindRegistry {
		return encodeRow(registryRow(r))
	}
	s, ok := r.schemas[ref.schema]
	if !ok {
		return nil
	}
	if ref.kind == kindSchema {
		return encodeRow(schemaRow(s))
	}
	v, ok := s.versions[ref.number]
	if !ok {
		return nil
	}
	return encodeRow(versionRow(v))
}

// rowRegistry is a registry's row.
type rowRegistry struct {
	Description string            `json:"d,omitempty"`
	Created     int64             `json:"c"`
	Updated     int64             `json:"u"`
	Tags        map[string]string `json:"t,omitempty"`
	DeletedAt   int64             `json:"x,omitempty"`
}

// rowSchema is a schema's row.
type rowSchema struct {
	DataFormat    string            `json:"f"`
	Compatibility Mode              `json:"m"`
	Checkpoint    int64             `json:"cp"`
	Next          int64             `json:"nx"`
	Description   string            `json:"d,omitempty"`
	Created       int64             `json:"c"`
	Updated       int64             `json:"u"`
	Tags          map[string]string `json:"t,omitempty"`
	DeletedAt     int64             `json:"x,omitempty"`
}

// rowVersion is a version's row. Failed is kept apart from Findings so
// that a failure without findings would still restore as one.
type rowVersion struct {
	ID         string        `json:"id"`
	Definition string        `json:"def"`
	Failed     bool          `json:"fail,omitempty"`
	Findings   []Finding     `json:"fi,omitempty"`
	Created    int64         `json:"c"`
	SettleAt   int64         `json:"st"`
	Metadata   []rowMetadata `json:"md,omitempty"`
	DeletedAt  int64         `json:"x,omitempty"`
}

type rowMetadata struct {
	Key     string `json:"k"`
	Value   string `json:"v"`
	Created int64  `json:"c"`
}

func registryRow(r *registryState) rowRegistry {
	return rowRegistry{Description: r.description, Created: awsapi.UnixNano(r.created), Updated: awsapi.UnixNano(r.updated), Tags: r.tags, DeletedAt: awsapi.UnixNano(r.deletedAt)}
}

func schemaRow(s *schemaState) rowSchema {
	return rowSchema{
		DataFormat: s.format.Name(), Compatibility: s.mode, Checkpoint: s.checkpoint, Next: s.next,
		Description: s.description, Created: awsapi.UnixNano(s.created), Updated: awsapi.UnixNano(s.updated), Tags: s.tags,
		DeletedAt: awsapi.UnixNano(s.deletedAt),
	}
}

func versionRow(v *versionState) rowVersion {
	row := rowVersion{
		ID: v.id, Definition: v.definition, Failed: v.failed, Findings: v.findings,
		Created: awsapi.UnixNano(v.created), SettleAt: awsapi.UnixNano(v.settleAt), DeletedAt: awsapi.UnixNano(v.deletedAt),
	}
	for _, m := range v.metadata {
		row.Metadata = append(row.Metadata, rowMetadata{Key: m.key, Value: m.value, Created: awsapi.UnixNano(m.created)})
	}
	return row
}

// encodeRow marshals a row; the row types hold nothing json rejects.
func encodeRow(row any) []byte {
	b, err := json.Marshal(row)
	if err != nil {
		panic(fmt.Sprintf("registry: encoding a row: %v", err))
	}
	return b
}

// DumpState emits every row of the engine's state (awsapi.Persistent),
// entities in their DELETING period included. It journals nothing.
func (e *Engine) DumpState(emit func(key string, value []byte)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.registries {
		emit(rowRef{kind: kindRegistry, registry: r.name}.key(), encodeRow(registryRow(r)))
		for _, s := range r.schemas {
			emit(rowRef{kind: kindSchema, registry: r.name, schema: s.name}.key(), encodeRow(schemaRow(s)))
			for _, v := range s.versions {
				emit(rowRef{kind: kindVersion, registry: r.name, schema: s.name, number: v.number}.key(), encodeRow(versionRow(v)))
			}
		}
	}
	return nil
}

// RestoreState keeps one row for RestoreDone; a nil value deletes it.
func (e *Engine) RestoreState(key string, value []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.restored == nil {
		e.restored = map[string][]byte{}
	}
	if value == nil {
		delete(e.restored, key)
	} else {
		e.restored[key] = value
	}
	return nil
}

// RestoreDone builds the engine's state from the rows RestoreState kept,
// replacing what it held, and drops (journaling it) what finished deleting
// by now. It parses no definition: a restored schema's compact forms,
// canonical digests and by-definition index are rebuilt on its first
// registration or GetSchemaByDefinition (ensureBuilt), so a restart costs
// reading the rows, not parsing every version of every schema.
func (e *Engine) RestoreDone() error {
	e.mu.Lock()
	rows := e.restored
	e.restored = nil
	err := e.rebuild(rows)
	e.mu.Unlock()
	if err != nil {
		return err
	}
	e.lock()
	e.unlock()
	return nil
}

// restoredVersion is a version row waiting for its schema.
type restoredVersion struct {
	number int64
	row    rowVersion
}

// rebuild replaces the state with rows. Callers hold mu.
func (e *Engine) rebuild(rows map[string][]byte) error {
	e.registries = map[string]*registryState{}
	e.versions = map[string]*versionState{}
	e.schemas = 0
	schemaRows := map[[2]string]rowSchema{}
	versionRows := map[[2]string][]restoredVersion{}
	for key, value := range rows {
		kind, rest, _ := strings.Cut(key, "/")
		parts := strings.Split(rest, "/")
		var err error
		switch {
		case kind == "r" && len(parts) == 1:
			var row rowRegistry
			if err = json.Unmarshal(value, &row); err == nil {
				e.registries[parts[0]] = &registryState{
					name: parts[0], arn: e.registryARN(parts[0]), description: row.Description,
					created: awsapi.FromUnixNano(row.Created), updated: awsapi.FromUnixNano(row.Updated),
					tags: copyTags(row.Tags), schemas: map[string]*schemaState{}, deletedAt: awsapi.FromUnixNano(row.DeletedAt),
				}
			}
		case kind == "s" && len(parts) == 2:
			var row rowSchema
			if err = json.Unmarshal(value, &row); err == nil {
				schemaRows[[2]string{parts[0], parts[1]}] = row
			}
		case kind == "v" && len(parts) == 3:
			var row rowVersion
			var n int64
			if n, err = strconv.ParseInt(parts[2], 10, 64); err == nil {
				if err = json.Unmarshal(value, &row); err == nil {
					k := [2]string{parts[0], parts[1]}
					versionRows[k] = append(versionRows[k], restoredVersion{number: n, row: row})
				}
			}
		default:
			err = fmt.Errorf("unknown key")
		}
		if err != nil {
			return fmt.Errorf("restoring glue registry row %q: %w", key, err)
		}
	}
	for k, row := range schemaRows {
		r, ok := e.registries[k[0]]
		if !ok {
			return fmt.Errorf("restoring glue schema %s/%s: its registry has no row", k[0], k[1])
		}
		s, err := e.restoreSchema(r, k[1], row, versionRows[k])
		if err != nil {
			return fmt.Errorf("restoring glue schema %s/%s: %w", k[0], k[1], err)
		}
		r.schemas[s.name] = s
		if s.deletedAt.IsZero() {
			e.schemas++
		}
		delete(versionRows, k)
	}
	for k := range versionRows {
		return fmt.Errorf("restoring glue versions of %s/%s: the schema has no row", k[0], k[1])
	}
	return nil
}

// restoreSchema builds a schema and its versions, oldest first, but for
// what ensureBuilt derives from their definitions.
func (e *Engine) restoreSchema(r *registryState, name string, row rowSchema, versions []restoredVersion) (*schemaState, error) {
	format, err := e.Format(row.DataFormat)
	if err != nil {
		return nil, fmt.Errorf("data format %q: %w", row.DataFormat, err)
	}
	s := &schemaState{
		registry: r, name: name, arn: e.schemaARN(r.name, name), description: row.Description,
		format: format, mode: row.Compatibility, checkpoint: row.Checkpoint, next: row.Next,
		created: awsapi.FromUnixNano(row.Created), updated: awsapi.FromUnixNano(row.Updated), tags: copyTags(row.Tags),
		versions: map[int64]*versionState{}, byCanonical: map[string]*versionState{},
		store: newStore(format), deletedAt: awsapi.FromUnixNano(row.DeletedAt),
	}
	slices.SortFunc(versions, func(a, b restoredVersion) int { return cmp.Compare(a.number, b.number) })
	for _, rv := range versions {
		v := &versionState{
			schema: s, id: rv.row.ID, number: rv.number, definition: rv.row.Definition,
			failed: rv.row.Failed, findings: rv.row.Findings,
			created: awsapi.FromUnixNano(rv.row.Created), settleAt: awsapi.FromUnixNano(rv.row.SettleAt), deletedAt: awsapi.FromUnixNano(rv.row.DeletedAt),
		}
		for _, m := range rv.row.Metadata {
			v.metadata = append(v.metadata, metadataEntry{key: m.Key, value: m.Value, created: awsapi.FromUnixNano(m.Created)})
		}
		s.versions[v.number] = v
		s.order = append(s.order, v.number)
		e.versions[v.id] = v
	}
	s.unbuilt = len(versions) > 0
	return s, nil
}

// ensureBuilt builds what a restored schema's versions derive from their
// definitions: the check forms in the schema's store, the canonical
// digests and the by-definition index, as addVersion built them (a
// definition registered again after its version was deleted is found as
// the newer version). Callers hold mu.
func (e *Engine) ensureBuilt(s *schemaState) error {
	if !s.unbuilt {
		return nil
	}
	versions := make([]*versionState, 0, len(s.order))
	for _, n := range s.order {
		versions = append(versions, s.versions[n])
	}
	forms, err := compactAll(s.format, s.store, versions)
	if err != nil {
		e.cfg.Logger.Error("a restored schema version does not parse", "schema", s.arn, "error", err)
		return &awsapi.Error{Code: CodeInternalService, Message: fmt.Sprintf("The stored versions of schema %s cannot be read.", s.arn), Status: 500, Receiver: true}
	}
	for i, v := range versions {
		v.check, v.canonical = forms[i].check, forms[i].canonical
		if old, dup := s.byCanonical[v.canonical]; !dup || !old.deletedAt.IsZero() {
			s.byCanonical[v.canonical] = v
		}
	}
	s.unbuilt = false
	return nil
}

// versionForm is what a version's definition is parsed into.
type versionForm struct {
	check     compat.Schema
	canonical string
}

// compactAll parses the versions' definitions and builds their check forms
// in store, on every CPU: parsing is most of the work (a schema of 1,000
// large versions takes seconds on one), and a Store is safe for concurrent
// use.
func compactAll(format compat.Format, store compat.Store, versions []*versionState) ([]versionForm, error) {
	out := make([]versionForm, len(versions))
	errs := make([]error, len(versions))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(versions)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(versions); i = int(next.Add(1) - 1) {
				parsed, err := format.Parse(versions[i].definition)
				if err != nil {
					errs[i] = fmt.Errorf("parsing version %d: %w", versions[i].number, err)
					continue
				}
				out[i] = versionForm{check: checkForm(store, parsed), canonical: canonicalKey(parsed)}
			}
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
