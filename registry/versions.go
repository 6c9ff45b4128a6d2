package registry

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// VersionRef picks a schema version by id, or by schema and number (or as
// the schema's latest).
type VersionRef struct {
	ID     string
	Schema SchemaRef
	Number int64
	Latest bool
}

// VersionInfo describes a schema version.
type VersionInfo struct {
	ID           string
	Number       int64
	SchemaARN    string
	SchemaName   string
	RegistryName string
	DataFormat   string
	Definition   string
	Status       string
	Created      time.Time
	// IsLatest reports whether this is the schema's latest usable version.
	IsLatest bool
	// Findings explain a FAILURE: why the version is not compatible.
	Findings []Finding
}

// parsedDefinition is a definition parsed once.
type parsedDefinition struct {
	text   string
	schema compat.Schema
	// canonical is a digest of the canonical form (canonicalKey).
	canonical string
}

// canonicalSum is the key versions are found by: a digest of the canonical
// form, so the engine need not keep the canonical text of every version.
func canonicalSum(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return string(sum[:])
}

// canonicalKey is canonicalSum of s's canonical form, or the digest the
// format gives for it without building it (compat.CanonicalDigester).
func canonicalKey(s compat.Schema) string {
	if d, ok := s.(compat.CanonicalDigester); ok {
		return d.CanonicalDigest()
	}
	return canonicalSum(s.Canonical())
}

// newStore returns a store for the compact forms of a new schema's
// versions, or nil when format has none.
func newStore(format compat.Format) compat.Store {
	if c, ok := format.(compat.Compactor); ok {
		return c.NewStore()
	}
	return nil
}

// checkForm returns what the engine keeps of a version for compatibility
// checks: the compact form from store, or the parsed schema without one.
func checkForm(store compat.Store, s compat.Schema) compat.Schema {
	if store == nil {
		return s
	}
	return store.Compact(s)
}

// parse parses a definition of format f into the registry's error shape.
func (e *Engine) parse(f compat.Format, definition string) (*parsedDefinition, error) {
	if len(definition) > MaxDefinitionLength {
		return nil, invalidInput("The resource name contains too many or too few characters. Parameter Name: schemaDefinition")
	}
	if strings.TrimSpace(definition) == "" {
		return nil, invalidInput("Schema definition of %s data format is invalid: the definition is empty", f.Name())
	}
	s, err := f.Parse(definition)
	if err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "Schema definition of ") {
			msg = fmt.Sprintf("Schema definition of %s data format is invalid: %s", f.Name(), msg)
		}
		return nil, invalidInput("%s", msg)
	}
	return &parsedDefinition{text: definition, schema: s, canonical: canonicalKey(s)}, nil
}

// parseForSchema parses a definition in the data format of the schema ref
// names. Parsing runs outside the lock; callers resolve the schema again
// under it.
func (e *Engine) parseForSchema(ref SchemaRef, live bool, definition string) (*parsedDefinition, error) {
	e.mu.Lock()
	s, err := e.resolveSchema(ref, live)
	var format compat.Format
	if err == nil {
		format = s.format
	}
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return e.parse(format, definition)
}

// CheckValidity validates a definition's syntax, as
// CheckSchemaVersionValidity does: nil when valid, else the error text.
func (e *Engine) CheckValidity(dataFormat, definition string) (string, error) {
	f, err := e.Format(dataFormat)
	if err != nil {
		return "", err
	}
	if _, err := e.parse(f, definition); err != nil {
		return asAWS(err).Message, nil
	}
	return "", nil
}

// addVersion appends a version to s with the given findings; form is what
// later checks read of it (see checkForm). Callers hold mu.
func (e *Engine) addVersion(s *schemaState, p *parsedDefinition, form compat.Schema, findings []Finding, now time.Time) *versionState {
	v := &versionState{
		schema:     s,
		id:         e.cfg.NewID(),
		number:     s.next,
		definition: p.text,
		check:      form,
		canonical:  p.canonical,
		failed:     len(findings) > 0,
		findings:   findings,
		created:    now,
		settleAt:   now.Add(e.cfg.PendingFor),
	}
	if len(s.order) == 0 {
		// The first version has nothing to be checked against: Glue
		// stores it and answers at once.
		v.settleAt = now
	}
	s.next++
	s.versions[v.number] = v
	s.order = append(s.order, v.number)
	if old, dup := s.byCanonical[v.canonical]; !dup || !old.deletedAt.IsZero() {
		// A definition registered again after its version was deleted
		// is found as the new version.
		s.byCanonical[v.canonical] = v
	}
	e.versions[v.id] = v
	s.updated = now
	e.touchSchema(s)
	e.touchVersion(v)
	return v
}

func (e *Engine) versionInfo(v *versionState, now time.Time) *VersionInfo {
	s := v.schema
	info := &VersionInfo{
		ID:           v.id,
		Number:       v.number,
		SchemaARN:    s.arn,
		SchemaName:   s.name,
		RegistryName: s.registry.name,
		DataFormat:   s.format.Name(),
		Definition:   v.definition,
		Status:       v.status(now),
		Created:      v.created,
		Findings:     slices.Clone(v.findings),
	}
	if l := s.latest(now); l == v {
		info.IsLatest = true
	}
	return info
}

// maxOptimisticChecks is how many times RegisterSchemaVersion checks
// outside the lock before, with registrations racing it that long, it
// finishes its checks holding the lock.
const maxOptimisticChecks = 4

// RegisterSchemaVersion adds a version to a schema, or returns the existing
// version with the same definition. A version that breaks the schema's
// compatibility mode is still created, with status FAILURE and findings
// that say why.
//
// The compatibility checks run outside the engine's lock, so a long check
// holds up no other operation. The version is numbered, and its status
// decided, when it is added under the lock: if meanwhile versions were
// added, deleted or settled, or the mode or checkpoint changed, the checks
// the schema's state at that moment requires and that have not run yet are
// run first (a check's result depends only on the two versions, so the
// others stand). The outcome is the one registering at that moment, with
// every check under the lock, gives.
func (e *Engine) RegisterSchemaVersion(ref SchemaRef, definition string) (*VersionInfo, error) {
	p, err := e.parseForSchema(ref, true, definition)
	if err != nil {
		return nil, err
	}
	var (
		s       *schemaState
		form    compat.Schema // p's check form, in s's store
		results = map[checkKey][]compat.Finding{}
	)
	for attempt := 0; ; attempt++ {
		now := e.lock()
		cur, err := e.resolveSchema(ref, true)
		if err == nil {
			err = e.ensureBuilt(cur)
		}
		if err != nil {
			e.unlock()
			return nil, err
		}
		if v, ok := cur.byCanonical[p.canonical]; ok && v.deletedAt.IsZero() {
			info := e.versionInfo(v, now)
			e.unlock()
			return info, nil
		}
		if cur.mode == ModeDisabled && len(cur.order) > 0 {
			e.unlock()
			return nil, invalidInput("Compatibility DISABLED does not allow versioning. SchemaId: SchemaId(schemaArn=%s, schemaName=%s, registryName=%s)",
				orNull(ref.ARN), orNull(ref.SchemaName), orNull(ref.RegistryName))
		}
		if len(cur.order) >= e.cfg.Limits.VersionsPerSchema {
			e.unlock()
			return nil, limitExceeded("schema versions")
		}
		if cur != s {
			// First round, or the schema was deleted and created again.
			s, form = cur, nil
			clear(results)
		}
		js := checkJobs(s.mode, s.priors(now))
		missing := missingChecks(js, results)
		if form == nil || len(missing) > 0 {
			store, format := s.store, s.format
			if attempt < maxOptimisticChecks {
				e.unlock()
			}
			if form == nil {
				form = checkForm(store, p.schema)
			}
			runChecks(format, missing, form, results)
			if attempt < maxOptimisticChecks {
				continue
			}
		}
		info := e.commitVersion(s, p, form, assemble(js, results, s.next), now)
		e.unlock()
		return info, nil
	}
}

// commitVersion adds the version RegisterSchemaVersion checked. Callers
// hold mu.
func (e *Engine) commitVersion(s *schemaState, p *parsedDefinition, form compat.Schema, findings []Finding, now time.Time) *VersionInfo {
	v := e.addVersion(s, p, form, findings, now)
	if len(s.order) == 1 {
		s.checkpoint = v.number
	}
	if v.failed {
		attrs := []any{"registry", s.registry.name, "schema", s.name, "version", v.number, "version_id", v.id, "compatibility", string(s.mode)}
		for _, f := range findings {
			e.cfg.Logger.Warn("schema version failed compatibility check", append(attrs, "path", f.Path, "rule", f.Rule, "finding", f.Explanation)...)
		}
	}
	return e.versionInfo(v, now)
}

// priors lists the versions a new version is checked against: the usable
// ones from the checkpoint on, oldest first.
func (s *schemaState) priors(now time.Time) []Prior {
	var out []Prior
	for _, n := range s.order {
		if n < s.checkpoint {
			continue
		}
		if v := s.versions[n]; v.usable(now) {
			out = append(out, Prior{Number: n, Schema: v.check})
		}
	}
	return out
}

// resolveVersion finds a version. Callers hold mu.
func (e *Engine) resolveVersion(ref VersionRef, now time.Time) (*versionState, error) {
	if ref.ID != "" {
		if ref.Schema != (SchemaRef{}) || ref.Number != 0 || ref.Latest {
			return nil, invalidInput(msgVersionIDWithOtherParams)
		}
		v, ok := e.versions[ref.ID]
		if !ok {
			return nil, versionNotFound(ref)
		}
		return v, nil
	}
	if ref.Schema == (SchemaRef{}) {
		return nil, invalidInput(msgNoSchemaParams)
	}
	s, err := e.resolveSchema(ref.Schema, false)
	if err != nil {
		return nil, err
	}
	return e.versionByNumber(s, ref.Schema, VersionNumber{Number: ref.Number, Latest: ref.Latest}, now)
}

// versionByNumber picks a version of s. Callers hold mu.
func (e *Engine) versionByNumber(s *schemaState, sref SchemaRef, n VersionNumber, now time.Time) (*versionState, error) {
	ref := VersionRef{Schema: sref, Number: n.Number, Latest: n.Latest}
	switch {
	case n.Latest && n.Number != 0:
		return nil, invalidInput(msgBothVersionParams)
	case n.Latest:
		if v := s.latest(now); v != nil {
			return v, nil
		}
		return nil, versionNotFound(ref)
	case n.Number == 0:
		return nil, invalidInput(msgNoVersionParams)
	}
	v, ok := s.versions[n.Number]
	if !ok {
		return nil, versionNotFound(ref)
	}
	return v, nil
}

// GetSchemaVersion describes a version.
func (e *Engine) GetSchemaVersion(ref VersionRef) (*VersionInfo, error) {
	now := e.lock()
	defer e.unlock()
	v, err := e.resolveVersion(ref, now)
	if err != nil {
		return nil, err
	}
	return e.versionInfo(v, now), nil
}

// GetSchemaByDefinition finds the version of a schema whose definition is
// the same as definition (after canonicalisation).
func (e *Engine) GetSchemaByDefinition(ref SchemaRef, definition string) (*VersionInfo, error) {
	p, err := e.parseForSchema(ref, false, definition)
	if err != nil {
		return nil, err
	}
	var s *schemaState
	now := e.lock()
	defer e.unlock()
	if s, err = e.resolveSchema(ref, false); err != nil {
		return nil, err
	}
	if err := e.ensureBuilt(s); err != nil {
		return nil, err
	}
	v, ok := s.byCanonical[p.canonical]
	if !ok {
		return nil, notFound("%s", msgSchemaVersionNotFound)
	}
	return e.versionInfo(v, now), nil
}

// ListSchemaVersions lists a schema's versions in number order.
func (e *Engine) ListSchemaVersions(ref SchemaRef, page Page) ([]VersionInfo, string, error) {
	now := e.lock()
	defer e.unlock()
	after, limit, err := page.bounds()
	if err != nil {
		return nil, "", err
	}
	var from int64
	if after != "" {
		if from, err = strconv.ParseInt(after, 10, 64); err != nil {
			return nil, "", invalidInput("The NextToken is not valid.")
		}
	}
	s, err := e.resolveSchema(ref, false)
	if err != nil {
		return nil, "", err
	}
	var out []VersionInfo
	for _, n := range s.order {
		if n <= from {
			continue
		}
		if len(out) == limit {
			return out, encodeToken(strconv.FormatInt(out[len(out)-1].Number, 10)), nil
		}
		out = append(out, *e.versionInfo(s.versions[n], now))
	}
	return out, "", nil
}

// VersionError is one version DeleteSchemaVersions could not delete.
type VersionError struct {
	Number  int64
	Code    string
	Message string
}

// DeleteSchemaVersions deletes a version ("5") or a range ("5-8") of a
// schema. The first version can only go with its schema, and a range that
// holds the checkpoint is refused whole.
func (e *Engine) DeleteSchemaVersions(ref SchemaRef, versions string) ([]VersionError, error) {
	lo, hi, err := parseRange(versions)
	if err != nil {
		return nil, err
	}
	now := e.lock()
	defer e.unlock()
	s, err := e.resolveSchema(ref, true)
	if err != nil {
		return nil, err
	}
	if s.checkpoint >= lo && s.checkpoint <= hi && s.checkpoint != 1 {
		return nil, invalidInput("The version range contains the checkpoint version %d. Move the checkpoint with UpdateSchema before deleting it.", s.checkpoint)
	}
	var errs []VersionError
	for n := lo; n <= hi; n++ {
		v, ok := s.versions[n]
		switch {
		case n == 1 && ok:
			errs = append(errs, VersionError{Number: n, Code: CodeInvalidInput, Message: "The first schema version can only be deleted by deleting the schema."})
		case !ok || !v.deletedAt.IsZero():
			errs = append(errs, VersionError{Number: n, Code: CodeEntityNotFound, Message: fmt.Sprintf("%s VersionNumber: %d", msgSchemaVersionNotFound, n)})
		default:
			v.deletedAt = now
			v.metadata = nil
			e.touchVersion(v)
		}
	}
	e.purge(now)
	return errs, nil
}

// parseRange reads "5" or "5-8".
func parseRange(s string) (int64, int64, error) {
	bad := invalidInput("The versions string is not valid: %q. Use a version number (5) or a range (5-8).", s)
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	lo, err := strconv.ParseInt(a, 10, 64)
	if err != nil || lo < 1 {
		return 0, 0, bad
	}
	hi := lo
	if isRange {
		if hi, err = strconv.ParseInt(b, 10, 64); err != nil || hi < lo {
			return 0, 0, bad
		}
	}
	if hi-lo > 100000 {
		return 0, 0, bad
	}
	return lo, hi, nil
}

// Findings returns why a version failed its compatibility check (nil for a
// version that passed).
func (e *Engine) Findings(ref VersionRef) ([]Finding, error) {
	info, err := e.GetSchemaVersion(ref)
	if err != nil {
		return nil, err
	}
	return info.Findings, nil
}
