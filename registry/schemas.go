package registry

import (
	"slices"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// SchemaRef names a schema by ARN, or by registry name and schema name.
type SchemaRef struct {
	ARN          string
	RegistryName string
	SchemaName   string
}

// SchemaInfo describes a schema.
type SchemaInfo struct {
	RegistryName  string
	RegistryARN   string
	Name          string
	ARN           string
	Description   string
	DataFormat    string
	Compatibility Mode
	// Checkpoint, Latest and Next are version numbers; 0 when the schema
	// has no version yet.
	Checkpoint int64
	Latest     int64
	Next       int64
	Status     string
	Created    time.Time
	Updated    time.Time
	Tags       map[string]string
}

// CreateSchemaInput is what CreateSchema takes.
type CreateSchemaInput struct {
	// Registry is the registry to create the schema in; zero means
	// default-registry, created on demand.
	Registry      RegistryRef
	Name          string
	DataFormat    string
	Compatibility Mode // empty means BACKWARD
	Description   string
	Tags          map[string]string
	// Definition, when set, becomes version 1.
	Definition string
}

// CreateSchemaOutput is the new schema and, with a definition, its first
// version.
type CreateSchemaOutput struct {
	Schema  SchemaInfo
	Version *VersionInfo
}

// CreateSchema creates a schema, and its first version when a definition is
// given.
func (e *Engine) CreateSchema(in CreateSchemaInput) (*CreateSchemaOutput, error) {
	if err := checkName("schemaName", in.Name); err != nil {
		return nil, err
	}
	format, err := e.Format(in.DataFormat)
	if err != nil {
		return nil, err
	}
	mode := in.Compatibility
	if mode == "" {
		mode = ModeBackward
	}
	if !mode.Valid() {
		return nil, invalidInput("Compatibility is not valid.")
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	var parsed *parsedDefinition
	var form compat.Schema
	store := newStore(format)
	if in.Definition != "" {
		if parsed, err = e.parse(format, in.Definition); err != nil {
			return nil, err
		}
		form = checkForm(store, parsed.schema)
	}

	now := e.lock()
	defer e.unlock()
	var reg *registryState
	if in.Registry.Name == DefaultRegistryName && in.Registry.ARN == "" {
		// Named explicitly, as the Java serde does, the default registry is
		// still created on demand.
		in.Registry = RegistryRef{}
	}
	if in.Registry.IsZero() {
		reg = e.registries[DefaultRegistryName]
		if reg != nil && !reg.deletedAt.IsZero() {
			return nil, registryNotFound(RegistryRef{Name: DefaultRegistryName})
		}
		if reg == nil {
			if len(e.registries) >= e.cfg.Limits.RegistriesPerAccount {
				return nil, limitExceeded("registries")
			}
			reg = e.newRegistry(DefaultRegistryName, "", nil, now)
		}
	} else if reg, err = e.resolveRegistry(in.Registry, true); err != nil {
		return nil, err
	}
	if _, ok := reg.schemas[in.Name]; ok {
		return nil, alreadyExists("Schema already exists. SchemaName: %s", in.Name)
	}
	if e.schemas >= e.cfg.Limits.SchemasPerAccount {
		return nil, limitExceeded("schemas")
	}
	s := &schemaState{
		registry:    reg,
		name:        in.Name,
		arn:         e.schemaARN(reg.name, in.Name),
		description: in.Description,
		format:      format,
		mode:        mode,
		next:        1,
		created:     now,
		updated:     now,
		tags:        copyTags(in.Tags),
		versions:    map[int64]*versionState{},
		byCanonical: map[string]*versionState{},
		store:       store,
	}
	reg.schemas[in.Name] = s
	e.schemas++
	e.touchSchema(s)
	out := &CreateSchemaOutput{}
	if parsed != nil {
		v := e.addVersion(s, parsed, form, nil, now)
		s.checkpoint = v.number
		out.Version = e.versionInfo(v, now)
	}
	out.Schema = *e.schemaInfo(s, now)
	return out, nil
}

// resolveSchema finds a schema. Callers hold mu. With live set, schemas
// being deleted count as missing.
func (e *Engine) resolveSchema(ref SchemaRef, live bool) (*schemaState, error) {
	if ref.ARN != "" && (ref.RegistryName != "" || ref.SchemaName != "") {
		return nil, invalidInput(msgBothSchemaParams)
	}
	regName, name := ref.RegistryName, ref.SchemaName
	if ref.ARN != "" {
		rest, ok := strings.CutPrefix(ref.ARN, e.schemaARNPrefix())
		if !ok {
			return nil, schemaNotFound(ref)
		}
		regName, name, ok = strings.Cut(rest, "/")
		if !ok || regName == "" || name == "" {
			return nil, schemaNotFound(ref)
		}
	} else {
		if regName == "" || name == "" {
			return nil, invalidInput(msgNoSchemaParams)
		}
		if err := checkName("registryName", regName); err != nil {
			return nil, err
		}
		if err := checkName("schemaName", name); err != nil {
			return nil, err
		}
	}
	r, ok := e.registries[regName]
	if !ok {
		return nil, schemaNotFound(ref)
	}
	s, ok := r.schemas[name]
	if !ok || (live && !s.deletedAt.IsZero()) {
		return nil, schemaNotFound(ref)
	}
	return s, nil
}

func (e *Engine) schemaInfo(s *schemaState, now time.Time) *SchemaInfo {
	status := StatusAvailable
	if !s.deletedAt.IsZero() {
		status = StatusDeleting
	}
	info := &SchemaInfo{
		RegistryName:  s.registry.name,
		RegistryARN:   s.registry.arn,
		Name:          s.name,
		ARN:           s.arn,
		Description:   s.description,
		DataFormat:    s.format.Name(),
		Compatibility: s.mode,
		Checkpoint:    s.checkpoint,
		Next:          s.next,
		Status:        status,
		Created:       s.created,
		Updated:       s.updated,
		Tags:          copyTags(s.tags),
	}
	if v := s.newestSettled(now); v != nil {
		info.Latest = v.number
	}
	return info
}

// newestSettled is the newest version whose check is over, passed or
// failed, and that is not being deleted: what GetSchema reports as
// LatestSchemaVersion (a FAILURE version counts there, while
// GetSchemaVersion's LatestVersion picks the newest AVAILABLE one).
func (s *schemaState) newestSettled(now time.Time) *versionState {
	for i := len(s.order) - 1; i >= 0; i-- {
		switch s.versions[s.order[i]].status(now) {
		case StatusAvailable, StatusFailure:
			return s.versions[s.order[i]]
		}
	}
	return nil
}

// latest is the newest usable version, or nil.
func (s *schemaState) latest(now time.Time) *versionState {
	for i := len(s.order) - 1; i >= 0; i-- {
		if v := s.versions[s.order[i]]; v.usable(now) {
			return v
		}
	}
	return nil
}

// GetSchema describes a schema.
func (e *Engine) GetSchema(ref SchemaRef) (*SchemaInfo, error) {
	now := e.lock()
	defer e.unlock()
	s, err := e.resolveSchema(ref, false)
	if err != nil {
		return nil, err
	}
	return e.schemaInfo(s, now), nil
}

// ListSchemas lists the schemas of one registry, or of all registries when
// ref is zero, in (registry, schema) name order.
func (e *Engine) ListSchemas(ref RegistryRef, page Page) ([]SchemaInfo, string, error) {
	now := e.lock()
	defer e.unlock()
	after, limit, err := page.bounds()
	if err != nil {
		return nil, "", err
	}
	var regs []*registryState
	if ref.IsZero() {
		for _, r := range e.registries {
			regs = append(regs, r)
		}
	} else {
		r, err := e.resolveRegistry(ref, false)
		if err != nil {
			return nil, "", err
		}
		regs = append(regs, r)
	}
	type keyed struct {
		key string
		s   *schemaState
	}
	var all []keyed
	for _, r := range regs {
		for _, s := range r.schemas {
			if k := r.name + "/" + s.name; k > after {
				all = append(all, keyed{k, s})
			}
		}
	}
	slices.SortFunc(all, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	var out []SchemaInfo
	for i, k := range all {
		if len(out) == limit {
			return out, encodeToken(all[i-1].key), nil
		}
		out = append(out, *e.schemaInfo(k.s, now))
	}
	return out, "", nil
}

// UpdateSchemaInput is what UpdateSchema takes; nil fields stay as they are.
type UpdateSchemaInput struct {
	Schema        SchemaRef
	Checkpoint    *VersionNumber
	Compatibility *Mode
	Description   *string
}

// VersionNumber picks a version of a schema by number or as the latest.
type VersionNumber struct {
	Number int64
	Latest bool
}

// UpdateSchema changes a schema's compatibility mode, checkpoint or
// description. As Glue documents it, a checkpoint (VersionNumber) or a mode
// must be given, and a new mode needs a checkpoint too; a description alone
// is refused.
func (e *Engine) UpdateSchema(in UpdateSchemaInput) (*SchemaInfo, error) {
	if in.Compatibility != nil && !in.Compatibility.Valid() {
		return nil, invalidInput("Compatibility is not valid.")
	}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return nil, err
		}
	}
	if in.Checkpoint == nil && in.Compatibility == nil {
		return nil, invalidInput(msgUpdateSchemaNothing)
	}
	if in.Checkpoint == nil {
		return nil, invalidInput(msgCompatibilityNeedsVersion)
	}
	now := e.lock()
	defer e.unlock()
	s, err := e.resolveSchema(in.Schema, true)
	if err != nil {
		return nil, err
	}
	v, err := e.versionByNumber(s, in.Schema, *in.Checkpoint, now)
	if err != nil {
		return nil, err
	}
	if !v.usable(now) {
		return nil, invalidInput("The checkpoint version %d is not AVAILABLE.", v.number)
	}
	if in.Compatibility != nil {
		s.mode = *in.Compatibility
	}
	if in.Description != nil {
		s.description = *in.Description
	}
	s.checkpoint = v.number
	s.updated = now
	e.touchSchema(s)
	return e.schemaInfo(s, now), nil
}

// DeleteSchema deletes a schema and its versions. It reports DELETING; the
// schema disappears after Config.DeletingFor.
func (e *Engine) DeleteSchema(ref SchemaRef) (*SchemaInfo, error) {
	now := e.lock()
	defer e.unlock()
	s, err := e.resolveSchema(ref, true)
	if err != nil {
		return nil, err
	}
	e.markSchemaDeleted(s, now)
	info := e.schemaInfo(s, now)
	e.purge(now)
	return info, nil
}

// markSchemaDeleted starts deleting s. Callers hold mu.
func (e *Engine) markSchemaDeleted(s *schemaState, now time.Time) {
	if !s.deletedAt.IsZero() {
		return
	}
	s.deletedAt = now
	e.schemas--
	e.touchSchema(s)
	for _, v := range s.versions {
		if v.deletedAt.IsZero() {
			v.deletedAt = now
			e.touchVersion(v)
		}
	}
}
