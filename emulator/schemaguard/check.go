package schemaguard

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/glue"
	"github.com/evolvestack/evolvestack/emulator/schemas"
	"github.com/evolvestack/evolvestack/registry"
	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// result is the outcome of one check: reason is "" when the payload
// conforms.
type result struct {
	version   string
	versionID string
	reason    string
}

// schemaCache decodes and validates payloads: one deserializer per scope
// for Glue versions (their ids are the registry's), and one for
// EventBridge schemas, whose versions get stable synthetic ids.
type schemaCache struct {
	cfg Config

	mu      sync.Mutex
	glue    map[awsapi.Scope]*wire.Deserializer
	ebDec   *wire.Deserializer
	ebDefs  map[uuid.UUID]string // synthetic id → JSON Schema draft 4
	ebIDs   map[ebKey]uuid.UUID
	idSpace uuid.UUID
}

type ebKey struct {
	scope                     awsapi.Scope
	registry, schema, version string
}

func newSchemaCache(cfg Config) *schemaCache {
	c := &schemaCache{
		cfg:     cfg,
		glue:    map[awsapi.Scope]*wire.Deserializer{},
		ebDefs:  map[uuid.UUID]string{},
		ebIDs:   map[ebKey]uuid.UUID{},
		idSpace: uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://evolvestack/schemaguard")),
	}
	c.ebDec = wire.NewDeserializer(c.fetchEventBridge, c.deserializerConfig())
	return c
}

func (c *schemaCache) deserializerConfig() wire.DeserializerConfig {
	return wire.DeserializerConfig{ValidateJSON: true, CacheSize: 1000, Now: c.cfg.Clock.Now, Logger: c.cfg.Logger}
}

// memo keeps, for one checker (one request), what the registry said
// about the last version id named and about the latest version, so that
// a batch asks once.
type memo struct {
	id       uuid.UUID
	verdict  result // reason set when the version itself is refused
	haveID   bool
	latest   *registry.VersionInfo
	latestOK bool
	latestE  error
	wire     wire.ValidateMemo
	// The scope's registry and deserializer, looked up once per request.
	eng *registry.Engine
	dec *wire.Deserializer
}

func (c *schemaCache) check(ctx context.Context, scope awsapi.Scope, spec Spec, payload []byte, m *memo) result {
	if spec.Kind == KindSchemas {
		return c.checkEventBridge(ctx, scope, spec, payload)
	}
	return c.checkGlue(ctx, scope, spec, payload, m)
}

// engine is the Glue Schema Registry of scope.
func (c *schemaCache) engine(scope awsapi.Scope) (*registry.Engine, bool) {
	if c.cfg.Services == nil {
		return nil, false
	}
	g, ok := c.cfg.Services("glue", scope).(*glue.Service)
	if !ok {
		return nil, false
	}
	return g.Registry(), true
}

// glueDecoder is the deserializer of scope's Glue versions.
func (c *schemaCache) glueDecoder(scope awsapi.Scope) *wire.Deserializer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.glue[scope]; ok {
		return d
	}
	// The engine is looked up on each fetch: a reset replaces it.
	fetch := func(_ context.Context, id uuid.UUID) (string, string, error) {
		eng, ok := c.engine(scope)
		if !ok {
			return "", "", errors.New("the Glue Schema Registry is not available")
		}
		v, err := eng.GetSchemaVersion(registry.VersionRef{ID: id.String()})
		if err != nil {
			return "", "", err
		}
		return v.Definition, v.DataFormat, nil
	}
	d := wire.NewDeserializer(fetch, c.deserializerConfig())
	c.glue[scope] = d
	return d
}

func (c *schemaCache) checkGlue(ctx context.Context, scope awsapi.Scope, spec Spec, payload []byte, m *memo) result {
	if m.eng == nil {
		eng, ok := c.engine(scope)
		if !ok {
			return result{reason: "the Glue Schema Registry is not available"}
		}
		m.eng, m.dec = eng, c.glueDecoder(scope)
	}
	eng, dec := m.eng, m.dec
	if len(payload) > 0 && payload[0] == wire.HeaderVersion {
		h, err := wire.ParseHeader(payload)
		if err != nil {
			return result{reason: "the record's Glue Schema Registry header is not valid: " + err.Error()}
		}
		if !m.haveID || m.id != h.SchemaVersionID {
			m.id, m.haveID, m.verdict = h.SchemaVersionID, true, versionVerdict(eng, spec, h.SchemaVersionID.String())
		}
		res := m.verdict
		if res.reason != "" {
			return res
		}
		if _, err := dec.ValidateWith(ctx, payload, &m.wire); err != nil {
			res.reason = "the record does not decode with it: " + decodeReason(err)
		}
		return res
	}
	if !m.latestOK {
		m.latest, m.latestE = eng.GetSchemaVersion(registry.VersionRef{Schema: registry.SchemaRef{RegistryName: spec.Registry, SchemaName: spec.Schema}, Latest: true})
		m.latestOK = true
	}
	v, err := m.latest, m.latestE
	if err != nil {
		return result{reason: fmt.Sprintf("schema %s/%s has no usable version: %s", spec.Registry, spec.Schema, err.Error())}
	}
	res := result{version: strconv.FormatInt(v.Number, 10)}
	if v.DataFormat != wire.FormatJSON {
		first := "empty"
		if len(payload) > 0 {
			first = fmt.Sprintf("first byte 0x%02x", payload[0])
		}
		res.reason = fmt.Sprintf("the payload is not in the Glue Schema Registry wire format (%s), which a %s schema needs", first, v.DataFormat)
		return res
	}
	id, err := uuid.Parse(v.ID)
	if err != nil {
		res.reason = "the schema version id is not a UUID"
		return res
	}
	if reason := validatePlain(ctx, dec, id, payload); reason != "" {
		res.reason = reason
	}
	return res
}

// versionVerdict says whether the Glue version id may write to a resource
// guarded by spec: it must be a version of spec's schema, AVAILABLE.
func versionVerdict(eng *registry.Engine, spec Spec, id string) result {
	v, err := eng.GetSchemaVersion(registry.VersionRef{ID: id})
	if err != nil {
		return result{versionID: id, reason: fmt.Sprintf("the record names schema version id %s, which is not registered", id)}
	}
	res := result{version: strconv.FormatInt(v.Number, 10), versionID: id}
	switch {
	case v.RegistryName != spec.Registry || v.SchemaName != spec.Schema:
		res.reason = fmt.Sprintf("the record names schema version id %s, a version of %s/%s, not of %s/%s", id, v.RegistryName, v.SchemaName, spec.Registry, spec.Schema)
	case v.Status != registry.StatusAvailable:
		res.reason = fmt.Sprintf("the record names version %d (id %s), whose status is %s", v.Number, id, v.Status)
	}
	return res
}

func (c *schemaCache) checkEventBridge(ctx context.Context, scope awsapi.Scope, spec Spec, payload []byte) result {
	svc, ok := c.cfg.Services("schemas", scope).(*schemas.Service)
	if !ok || c.cfg.Services == nil {
		return result{reason: "EventBridge Schemas is not available"}
	}
	version, draft4, err := svc.LatestJSONSchema(spec.Registry, spec.Schema)
	if err != nil {
		return result{reason: fmt.Sprintf("schema %s/%s cannot be read: %s", spec.Registry, spec.Schema, err.Error())}
	}
	id := c.eventBridgeID(ebKey{scope: scope, registry: spec.Registry, schema: spec.Schema, version: version}, draft4)
	if len(payload) > 0 && payload[0] == wire.HeaderVersion {
		return result{version: version, reason: "the payload is a Glue Schema Registry record, but the guard's schema is an EventBridge schema (JSON)"}
	}
	return result{version: version, reason: validatePlain(ctx, c.ebDec, id, payload)}
}

// eventBridgeID is the synthetic version id of an EventBridge schema
// version; the content is part of the id, so a schema deleted and created
// again never reuses a stale definition.
func (c *schemaCache) eventBridgeID(k ebKey, draft4 string) uuid.UUID {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.ebIDs[k]; ok && c.ebDefs[id] == draft4 {
		return id
	}
	sum := sha256.Sum256([]byte(draft4))
	id := uuid.NewSHA1(c.idSpace, []byte(strings.Join([]string{k.scope.Account, k.scope.Region, k.registry, k.schema, k.version, string(sum[:])}, "\x00")))
	c.ebIDs[k] = id
	c.ebDefs[id] = draft4
	return id
}

func (c *schemaCache) fetchEventBridge(_ context.Context, id uuid.UUID) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.ebDefs[id]
	if !ok {
		return "", "", errors.New("unknown EventBridge schema version")
	}
	return d, wire.FormatJSON, nil
}

// validatePlain validates a JSON payload against the JSON schema version
// id, by framing it as the serde would.
func validatePlain(ctx context.Context, dec *wire.Deserializer, id uuid.UUID, payload []byte) string {
	framed, err := wire.Encode(id, wire.CompressionNone, payload)
	if err != nil {
		return err.Error()
	}
	if _, err := dec.Validate(ctx, framed); err != nil {
		return decodeReason(err)
	}
	return ""
}

// decodeReason is a decode error without the serde's framing: what was
// wrong, on one line.
func decodeReason(err error) string {
	var de *wire.DecodeError
	if errors.As(err, &de) {
		if de.Stage == "fetching the writer schema" || de.Stage == "parsing the writer schema" {
			err = fmt.Errorf("%s: %w", de.Stage, de.Err)
		} else {
			err = de.Err
		}
	}
	s := strings.TrimSpace(err.Error())
	s = strings.ReplaceAll(s, "\n", "; ")
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}
