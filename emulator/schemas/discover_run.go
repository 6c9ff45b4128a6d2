package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat"
	"github.com/evolvestack/evolvestack/registry/compat/jsonschema"
)

// observed is one event waiting for inference.
type observed struct {
	bus   string
	event []byte
}

// ObserveEvent hands an event that reached the bus busArn to discovery. It
// returns at once: when a started discoverer watches the bus the event is
// copied onto a bounded queue that a background drain (an emulator clock
// callback, so Clock.Settle waits for it) infers into schemas; otherwise it
// costs one map lookup. Events past the queue's bound are dropped.
func (s *Service) ObserveEvent(busArn string, event []byte) {
	d := s.discovery()
	if _, ok := (*d.started.Load())[busArn]; !ok {
		return
	}
	ev := make([]byte, len(event))
	copy(ev, event)
	d.qmu.Lock()
	if len(d.queue) >= maxQueuedEvents {
		d.qmu.Unlock()
		d.dropped.Add(1)
		return
	}
	d.queue = append(d.queue, observed{bus: busArn, event: ev})
	start := !d.draining
	d.draining = true
	d.qmu.Unlock()
	if start {
		if s.env.Clock != nil {
			s.env.Clock.AfterFunc(0, func() { s.drainDiscovery(d) })
		} else {
			go s.drainDiscovery(d)
		}
	}
}

// drainDiscovery infers every queued event, then returns.
func (s *Service) drainDiscovery(d *discovererState) {
	for {
		d.qmu.Lock()
		batch := d.queue
		d.queue = nil
		if len(batch) == 0 {
			d.draining = false
			d.qmu.Unlock()
			return
		}
		d.qmu.Unlock()
		for _, o := range batch {
			s.discoverOne(d, o)
		}
	}
}

// discoverOne infers one event and writes a new version of its schema
// when its shape differs from the latest discovered version.
func (s *Service) discoverOne(d *discovererState, o observed) {
	bus, ok := (*d.started.Load())[o.bus]
	if !ok {
		return // the discoverer stopped meanwhile
	}
	inf, err := inferEvent(o.event)
	if err != nil {
		s.logger().Debug("schema discovery skipped an event", "bus", o.bus, "error", err)
		return
	}
	if !bus.crossAccount && inf.account != "" && inf.account != s.env.Scope.Account {
		return
	}
	d.imu.Lock()
	defer d.imu.Unlock()
	// The previous version is the schema's latest as the registry holds
	// it now: a user may have deleted versions, or the schema, since
	// discovery last wrote one.
	prevVersion, prevContent, err := s.latestVersion(discoveredRegistryName, inf.schemaName)
	hadPrev := err == nil
	if hadPrev && prevContent == inf.content {
		return
	}
	version, created, err := s.writeDiscovered(inf.schemaName, inf.content)
	if err != nil {
		s.logger().Warn("schema discovery could not write a version", "schema", inf.schemaName, "error", err)
		return
	}
	if !created && version == prevVersion {
		return // canonically the same as the latest version
	}
	rep := DiscoveryReport{
		Registry: discoveredRegistryName, Schema: inf.schemaName, Version: version,
		BackwardCompatible: true, ForwardCompatible: true,
		Backward: []compat.Finding{}, Forward: []compat.Finding{}, Fields: []string{},
		Time: s.discoveryNow().UTC(),
	}
	if hadPrev && !created {
		rep.PreviousVersion = prevVersion
		if err := compareDiscovered(&rep, prevContent, inf.content); err != nil {
			s.logger().Warn("schema discovery could not compare versions", "schema", inf.schemaName, "error", err)
		}
	}
	d.reports[inf.schemaName+"\x00"+version] = rep
	s.saveReportLocked(rep)
	if !rep.BackwardCompatible || !rep.ForwardCompatible {
		s.logger().Warn("discovered schema version breaks consumers",
			"registry", rep.Registry, "schema", rep.Schema, "version", rep.Version, "previousVersion", rep.PreviousVersion,
			"backwardCompatible", rep.BackwardCompatible, "forwardCompatible", rep.ForwardCompatible,
			"fields", strings.Join(rep.Fields, ","))
	}
}

// versionLess orders numeric version strings.
func versionLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// discoveredRegistryName is the registry discovery writes to.
const discoveredRegistryName = "discovered-schemas"

// writeDiscovered writes content as the next version of the discovered
// schema name through the registry code (schemas.go's putDiscovered).
func (s *Service) writeDiscovered(name, content string) (string, bool, error) {
	v, created, err := s.putDiscovered(discoveredRegistryName, name, content, string(TypeOpenApi3))
	if err != nil {
		return "", false, fmt.Errorf("writing discovered schema %s: %w", name, err)
	}
	return v, created, nil
}

func (s *Service) logger() interface {
	Debug(string, ...any)
	Warn(string, ...any)
} {
	if s.env.Logger != nil {
		return s.env.Logger
	}
	return discardLogger{}
}

type discardLogger struct{}

func (discardLogger) Debug(string, ...any) {}
func (discardLogger) Warn(string, ...any)  {}

// DiscoveryReport is what evolvestack found when discovery wrote a schema
// version (AWS says nothing of it): whether the new shape is compatible
// with the previous version's, and which fields made it not so. Backward
// means the new version reads events of the previous one; forward, the
// previous version reads events of the new one (consumers built on it keep
// working). Both check the shapes as closed: an event has exactly the
// members discovery saw.
type DiscoveryReport struct {
	Registry           string           `json:"registry"`
	Schema             string           `json:"schema"`
	Version            string           `json:"version"`
	PreviousVersion    string           `json:"previousVersion,omitempty"`
	BackwardCompatible bool             `json:"backwardCompatible"`
	ForwardCompatible  bool             `json:"forwardCompatible"`
	Backward           []compat.Finding `json:"backwardFindings"`
	Forward            []compat.Finding `json:"forwardFindings"`
	// Fields are the members the findings name, as JSON pointers into
	// the event ("/detail/b").
	Fields []string  `json:"fields"`
	Time   time.Time `json:"time"`
}

// DiscoveryFindings returns the report of a version that discovery wrote;
// a NotFoundException when discovery wrote no such version.
func (s *Service) DiscoveryFindings(registry, schema, version string) (DiscoveryReport, error) {
	d := s.discovery()
	d.imu.Lock()
	defer d.imu.Unlock()
	if registry != discoveredRegistryName {
		return DiscoveryReport{}, errNotFound("Discovery writes no schemas to registry %s.", registry)
	}
	if version == "" {
		for k, r := range d.reports {
			if n, _, _ := strings.Cut(k, "\x00"); n == schema && versionLess(version, r.Version) {
				version = r.Version
			}
		}
	}
	r, ok := d.reports[schema+"\x00"+version]
	if !ok {
		return DiscoveryReport{}, errNotFound("Discovery wrote no version %s of schema %s.", version, schema)
	}
	return r, nil
}

// DiscoveredVersions lists the reports of every version discovery wrote,
// by schema name and version.
func (s *Service) DiscoveredVersions() []DiscoveryReport {
	d := s.discovery()
	d.imu.Lock()
	defer d.imu.Unlock()
	out := make([]DiscoveryReport, 0, len(d.reports))
	for _, r := range d.reports {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Schema != out[j].Schema {
			return out[i].Schema < out[j].Schema
		}
		return versionLess(out[i].Version, out[j].Version)
	})
	return out
}

// deleteDiscovered runs f, a deletion from registry, and then forgets
// discovery's reports of what it deleted: one version, a whole schema
// (version ""), or every schema (schema "", the registry deleted). For the
// discovered-schemas registry both run under discovery's inference lock,
// so no version discovery writes meanwhile loses its report (the lock
// order is d.imu, then s.mu, as in discoverOne).
func (s *Service) deleteDiscovered(registry, schema, version string, f func() error) error {
	if registry != discoveredRegistryName {
		return f()
	}
	d := s.discovery()
	d.imu.Lock()
	defer d.imu.Unlock()
	if err := f(); err != nil {
		return err
	}
	for k, r := range d.reports {
		if (schema == "" || r.Schema == schema) && (version == "" || r.Version == version) {
			delete(d.reports, k)
			s.forgetReportLocked(r)
		}
	}
	return nil
}

// DroppedEvents is how many events discovery dropped because its queue
// was full.
func (s *Service) DroppedEvents() uint64 { return s.discovery().dropped.Load() }

// compareDiscovered fills rep's compatibility from the two OpenApi3
// documents.
func compareDiscovered(rep *DiscoveryReport, prevContent, newContent string) error {
	f := jsonschema.New()
	oldJS, err := openAPIToJSONSchema(prevContent)
	if err != nil {
		return fmt.Errorf("converting the previous version: %w", err)
	}
	newJS, err := openAPIToJSONSchema(newContent)
	if err != nil {
		return fmt.Errorf("converting the new version: %w", err)
	}
	oldS, err := f.Parse(oldJS)
	if err != nil {
		return fmt.Errorf("parsing the previous version: %w", err)
	}
	newS, err := f.Parse(newJS)
	if err != nil {
		return fmt.Errorf("parsing the new version: %w", err)
	}
	rep.Backward = nonNil(f.CanRead(newS, oldS))
	rep.Forward = nonNil(f.CanRead(oldS, newS))
	rep.BackwardCompatible = len(rep.Backward) == 0
	rep.ForwardCompatible = len(rep.Forward) == 0
	seen := map[string]bool{}
	for _, fs := range [][]compat.Finding{rep.Backward, rep.Forward} {
		for _, x := range fs {
			p := eventPointer(x.Path)
			if p != "" && !seen[p] {
				seen[p] = true
				rep.Fields = append(rep.Fields, p)
			}
		}
	}
	sort.Strings(rep.Fields)
	return nil
}

func nonNil(f []compat.Finding) []compat.Finding {
	if f == nil {
		return []compat.Finding{}
	}
	return f
}

// eventPointer turns a finding's schema path ("#/properties/detail/properties/b")
// into a pointer into the event ("/detail/b"); "" when it names no member.
func eventPointer(path string) string {
	parts := strings.Split(strings.TrimPrefix(path, "#"), "/")
	var out []string
	for i := 0; i < len(parts); i++ {
		switch parts[i] {
		case "properties", "required":
			if i+1 < len(parts) {
				out = append(out, parts[i+1])
				i++
			}
		case "items":
			out = append(out, "*")
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "/" + strings.Join(out, "/")
}

// openAPIToJSONSchema converts a discovered OpenApi3 document into one
// draft-04 JSON Schema: AWSEvent at the root, every component inlined
// where it is referenced (discovered shapes are trees), extensions
// dropped, and every object closed (additionalProperties false).
func openAPIToJSONSchema(content string) (string, error) {
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		return "", fmt.Errorf("decoding OpenApi3 content: %w", err)
	}
	root, ok := doc.Components.Schemas["AWSEvent"]
	if !ok {
		return "", errors.New("content has no AWSEvent component")
	}
	out, err := inlineSchema(root, doc.Components.Schemas, 0)
	if err != nil {
		return "", err
	}
	m, _ := out.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m["$schema"] = "http://json-schema.org/draft-04/schema#"
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encoding JSON Schema: %w", err)
	}
	return string(b), nil
}

func inlineSchema(v any, comps map[string]any, depth int) (any, error) {
	if depth > maxInferDepth {
		return nil, errTooDeep
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil
	}
	if ref, ok := m["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/components/schemas/")
		target, exists := comps[name]
		if !found || !exists {
			return nil, fmt.Errorf("unresolvable reference %q", ref)
		}
		return inlineSchema(target, comps, depth+1)
	}
	out := map[string]any{}
	for k, x := range m {
		switch {
		case strings.HasPrefix(k, "x-"), k == "nullable":
		case k == "properties":
			props, _ := x.(map[string]any)
			np := map[string]any{}
			for pk, pv := range props {
				c, err := inlineSchema(pv, comps, depth+1)
				if err != nil {
					return nil, err
				}
				np[pk] = c
			}
			out[k] = np
		case k == "items":
			c, err := inlineSchema(x, comps, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = c
		default:
			out[k] = x
		}
	}
	if out["type"] == "object" {
		out["additionalProperties"] = false
	}
	return out, nil
}
