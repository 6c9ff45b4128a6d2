package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Persistence (issue #18): the service's state is a set of rows, each a
// JSON document of one thing's whole state:
//
//	r/<registry>                        registry: description, tags, resource policy
//	s/<registry>/<schema>               schema: description, type, tags, version counter, last modified, discovered
//	v/<registry>/<schema>/<version>     version: type, content, creation time
//	ap                                  the account's resource policy
//	d/<discoverer id>                   discoverer: source bus, description, cross-account, state, tags
//	dr/<schema>/<version>               discovery's report of a version it wrote
//	cb/<registry>/<schema>/<version>/<language>  code binding: creation time, failed
//	dd                                  the built-in discovered-schemas registry was deleted
//
// The AWS-owned aws.events registry is built in, not stored; ARNs are
// derived from names; canonical forms of contents are computed again; a
// code binding's zip is generated again from its version on restore (the
// generator is deterministic for a content, language and time). The
// discoverers' managed rules are the events service's state. Events queued
// for discovery but not yet inferred are not kept: discovery is
// asynchronous and best-effort (the queue already drops events when full).
//
// Names hold no '/' (registry and schema names are checked), so keys split
// unambiguously; discoverer ids and report schemas, which may, come last
// or are read from the row.

// Row documents.
type (
	rowPolicy struct {
		Policy     string `json:"p"`
		RevisionID string `json:"rev"`
	}
	rowRegistry struct {
		Description string            `json:"d,omitempty"`
		Tags        map[string]string `json:"t,omitempty"`
		Policy      *rowPolicy        `json:"pol,omitempty"`
	}
	rowSchema struct {
		Description  string            `json:"d,omitempty"`
		Type         Type              `json:"ty"`
		Tags         map[string]string `json:"t,omitempty"`
		NextVersion  int               `json:"nv"`
		LastModified int64             `json:"lm"`
		Discovered   bool              `json:"disc,omitempty"`
	}
	rowVersion struct {
		Type    Type   `json:"ty"`
		Content string `json:"c"`
		Created int64  `json:"cr"`
	}
	rowDiscoverer struct {
		SourceArn    string            `json:"src"`
		Description  string            `json:"d,omitempty"`
		CrossAccount bool              `json:"x"`
		State        DiscovererState   `json:"st"`
		Tags         map[string]string `json:"t,omitempty"`
		Created      int64             `json:"c"`
	}
	rowCodeBinding struct {
		Registry string `json:"r"`
		Schema   string `json:"s"`
		Version  string `json:"v"`
		Language string `json:"l"`
		Created  int64  `json:"c"`
		Failed   bool   `json:"f,omitempty"`
	}
)

// marshalRow encodes a row; rows hold only strings, numbers, bools, maps
// of strings and times, which json always encodes.
func marshalRow(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("schemas: encoding a row: %v", err))
	}
	return b
}

func registryKey(name string) string    { return "r/" + name }
func schemaKey(reg, name string) string { return "s/" + reg + "/" + name }
func versionRowKey(reg, name string, n int) string {
	return "v/" + reg + "/" + name + "/" + strconv.Itoa(n)
}
func discovererKey(id string) string          { return "d/" + id }
func reportKey(schema, version string) string { return "dr/" + schema + "/" + version }

const (
	accountPolicyKey = "ap"
	// discoveredDeletedKey marks the built-in discovered-schemas registry
	// deleted, so that a restore does not bring it back.
	discoveredDeletedKey = "dd"
)

func policyRow(p *resourcePolicy) *rowPolicy {
	if p == nil {
		return nil
	}
	return &rowPolicy{Policy: p.policy, RevisionID: p.revisionID}
}

func (r *registry) row() []byte {
	return marshalRow(rowRegistry{Description: r.description, Tags: r.tags, Policy: policyRow(r.policy)})
}

func (sc *schema) row() []byte {
	return marshalRow(rowSchema{Description: sc.description, Type: sc.typ, Tags: sc.tags, NextVersion: sc.nextVersion,
		LastModified: awsapi.UnixNano(sc.lastModified), Discovered: sc.discovered})
}

func (v *schemaVersion) row() []byte {
	return marshalRow(rowVersion{Type: v.typ, Content: v.content, Created: awsapi.UnixNano(v.created)})
}

func (x *discoverer) row() []byte {
	return marshalRow(rowDiscoverer{SourceArn: x.sourceArn, Description: x.description, CrossAccount: x.crossAccount,
		State: x.state, Tags: x.tags, Created: awsapi.UnixNano(x.created)})
}

func (b *codeBinding) row(key string) []byte {
	parts := strings.SplitN(key, "\x00", 4)
	return marshalRow(rowCodeBinding{Registry: parts[0], Schema: parts[1], Version: parts[2], Language: parts[3],
		Created: awsapi.UnixNano(b.created), Failed: b.failed})
}

func codeBindingRowKey(key string) string { return "cb/" + strings.ReplaceAll(key, "\x00", "/") }

// Journal calls, each made holding the lock that guards the change.

// saveRegistryLocked journals r (s.mu held).
func (s *Service) saveRegistryLocked(r *registry) {
	if j := s.env.Journal; j != nil && !r.managed {
		j.Put(registryKey(r.name), r.row())
		if r.name == discoveredRegistry {
			j.Delete(discoveredDeletedKey)
		}
	}
}

// forgetRegistryLocked journals the removal of r with its schemas (s.mu
// held).
func (s *Service) forgetRegistryLocked(r *registry) {
	if j := s.env.Journal; j != nil {
		for _, sc := range r.schemas {
			s.forgetSchemaLocked(r.name, sc)
		}
		j.Delete(registryKey(r.name))
		if r.name == discoveredRegistry {
			j.Put(discoveredDeletedKey, []byte(`{}`))
		}
	}
}

// saveSchemaLocked journals sc and, when set, its version v (s.mu held).
func (s *Service) saveSchemaLocked(reg string, sc *schema, v *schemaVersion) {
	if j := s.env.Journal; j != nil {
		j.Put(schemaKey(reg, sc.name), sc.row())
		if v != nil {
			j.Put(versionRowKey(reg, sc.name, v.number), v.row())
		}
	}
}

// forgetSchemaLocked journals the removal of sc with its versions (s.mu
// held).
func (s *Service) forgetSchemaLocked(reg string, sc *schema) {
	if j := s.env.Journal; j != nil {
		for _, v := range sc.versions {
			j.Delete(versionRowKey(reg, sc.name, v.number))
		}
		j.Delete(schemaKey(reg, sc.name))
	}
}

// saveAccountPolicyLocked journals the account's policy (s.mu held).
func (s *Service) saveAccountPolicyLocked() {
	if j := s.env.Journal; j != nil {
		if s.accountPolicy == nil {
			j.Delete(accountPolicyKey)
		} else {
			j.Put(accountPolicyKey, marshalRow(policyRow(s.accountPolicy)))
		}
	}
}

// saveDiscovererLocked journals x (d.mu held).
func (s *Service) saveDiscovererLocked(x *discoverer) {
	if j := s.env.Journal; j != nil {
		j.Put(discovererKey(x.id), x.row())
	}
}

// forgetDiscovererLocked journals x's removal (d.mu held).
func (s *Service) forgetDiscovererLocked(x *discoverer) {
	if j := s.env.Journal; j != nil {
		j.Delete(discovererKey(x.id))
	}
}

// saveReportLocked journals a discovery report (d.imu held).
func (s *Service) saveReportLocked(r DiscoveryReport) {
	if j := s.env.Journal; j != nil {
		j.Put(reportKey(r.Schema, r.Version), marshalRow(r))
	}
}

// forgetReportLocked journals a report's removal (d.imu held).
func (s *Service) forgetReportLocked(r DiscoveryReport) {
	if j := s.env.Journal; j != nil {
		j.Delete(reportKey(r.Schema, r.Version))
	}
}

// saveCodeBindingLocked journals a code binding (its state's mu held).
func (s *Service) saveCodeBindingLocked(key string, b *codeBinding) {
	if j := s.env.Journal; j != nil {
		j.Put(codeBindingRowKey(key), b.row(key))
	}
}

// persistState is what RestoreState collects for RestoreDone.
type persistState struct {
	rows map[string][]byte
}

const persistKey = "persist"

func (s *Service) restoring() *persistState {
	return s.extension(persistKey, func() any { return &persistState{rows: map[string][]byte{}} }).(*persistState)
}

// DumpState emits every row of the service's state (awsapi.Persistent).
func (s *Service) DumpState(emit func(key string, value []byte)) error {
	d := s.discovery()
	d.imu.Lock()
	s.mu.Lock()
	for _, r := range s.registries {
		if r.managed {
			continue
		}
		emit(registryKey(r.name), r.row())
		for _, sc := range r.schemas {
			emit(schemaKey(r.name, sc.name), sc.row())
			for _, v := range sc.versions {
				emit(versionRowKey(r.name, sc.name, v.number), v.row())
			}
		}
	}
	if s.accountPolicy != nil {
		emit(accountPolicyKey, marshalRow(policyRow(s.accountPolicy)))
	}
	if s.registries[discoveredRegistry] == nil {
		emit(discoveredDeletedKey, []byte(`{}`))
	}
	s.mu.Unlock()
	for _, r := range d.reports {
		emit(reportKey(r.Schema, r.Version), marshalRow(r))
	}
	d.imu.Unlock()

	d.mu.Lock()
	for _, x := range d.discoverers {
		emit(discovererKey(x.id), x.row())
	}
	d.mu.Unlock()

	cb := s.codeBindings()
	cb.mu.Lock()
	for k, b := range cb.bindings {
		emit(codeBindingRowKey(k), b.row(k))
	}
	cb.mu.Unlock()
	return nil
}

// RestoreState keeps one row for RestoreDone; a nil value deletes it.
func (s *Service) RestoreState(key string, value []byte) error {
	p := s.restoring()
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == nil {
		delete(p.rows, key)
	} else {
		p.rows[key] = value
	}
	return nil
}

// RestoreDone builds the service's state from the rows RestoreState kept:
// the registries (aws.events aside, which is built in), schemas, versions
// and policies, the discoverers with the set of started buses, discovery's
// reports, and the code bindings with their zips generated again.
func (s *Service) RestoreDone() error {
	p := s.restoring()
	s.mu.Lock()
	rows := p.rows
	p.rows = map[string][]byte{}
	if len(rows) == 0 {
		// Nothing to restore: the instance keeps its built-in state,
		// which its constructor did not journal.
		if r := s.registries[discoveredRegistry]; r != nil {
			s.saveRegistryLocked(r)
		}
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()

	registries := map[string]*registry{}
	type pendingSchema struct {
		reg string
		sc  *schema
	}
	var schemas []pendingSchema
	versions := map[[2]string][]*schemaVersion{}
	var accountPolicy *resourcePolicy
	discoverers := map[string]*discoverer{}
	reports := map[string]DiscoveryReport{}
	var bindings []rowCodeBinding
	var errs []error
	for key, value := range rows {
		kind, rest, _ := strings.Cut(key, "/")
		var err error
		switch kind {
		case "r":
			var row rowRegistry
			if err = json.Unmarshal(value, &row); err == nil {
				r := &registry{name: rest, description: row.Description, tags: copyTags(row.Tags), schemas: map[string]*schema{}}
				if row.Policy != nil {
					r.policy = &resourcePolicy{policy: row.Policy.Policy, revisionID: row.Policy.RevisionID}
				}
				registries[rest] = r
			}
		case "s":
			var row rowSchema
			reg, name, ok := strings.Cut(rest, "/")
			if !ok {
				err = errors.New("malformed key")
			} else if err = json.Unmarshal(value, &row); err == nil {
				schemas = append(schemas, pendingSchema{reg, &schema{name: name, description: row.Description, typ: row.Type,
					tags: copyTags(row.Tags), nextVersion: row.NextVersion, lastModified: awsapi.FromUnixNano(row.LastModified), discovered: row.Discovered}})
			}
		case "v":
			var row rowVersion
			parts := strings.Split(rest, "/")
			var n int
			if len(parts) != 3 {
				err = errors.New("malformed key")
			} else if n, err = strconv.Atoi(parts[2]); err == nil {
				if err = json.Unmarshal(value, &row); err == nil {
					var canon string
					if canon, err = validateContent(row.Type, row.Content); err == nil {
						k := [2]string{parts[0], parts[1]}
						versions[k] = append(versions[k], &schemaVersion{number: n, typ: row.Type, content: row.Content,
							canonical: canon, created: awsapi.FromUnixNano(row.Created)})
					}
				}
			}
		case discoveredDeletedKey:
			// The registry has no row: nothing to build.
		case accountPolicyKey:
			var row rowPolicy
			if err = json.Unmarshal(value, &row); err == nil {
				accountPolicy = &resourcePolicy{policy: row.Policy, revisionID: row.RevisionID}
			}
		case "d":
			var row rowDiscoverer
			if err = json.Unmarshal(value, &row); err == nil {
				discoverers[rest] = &discoverer{id: rest, arn: s.discovererArn(rest), sourceArn: row.SourceArn, description: row.Description,
					crossAccount: row.CrossAccount, state: row.State, tags: copyTags(row.Tags), created: awsapi.FromUnixNano(row.Created)}
			}
		case "dr":
			var row DiscoveryReport
			if err = json.Unmarshal(value, &row); err == nil {
				reports[row.Schema+"\x00"+row.Version] = row
			}
		case "cb":
			var row rowCodeBinding
			if err = json.Unmarshal(value, &row); err == nil {
				bindings = append(bindings, row)
			}
		default:
			err = errors.New("unknown key")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restoring schemas row %q: %w", key, err))
		}
	}
	for _, ps := range schemas {
		r, ok := registries[ps.reg]
		if !ok {
			errs = append(errs, fmt.Errorf("restoring schema %s/%s: its registry has no row", ps.reg, ps.sc.name))
			continue
		}
		k := [2]string{ps.reg, ps.sc.name}
		ps.sc.versions = sortedVersions(&schema{versions: versions[k]})
		delete(versions, k)
		r.schemas[ps.sc.name] = ps.sc
	}
	for k := range versions {
		errs = append(errs, fmt.Errorf("restoring versions of schema %s/%s: the schema has no row", k[0], k[1]))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	s.mu.Lock()
	managed := s.registries[awsEventsRegistry]
	s.registries = registries
	if managed != nil {
		s.registries[awsEventsRegistry] = managed
	}
	s.accountPolicy = accountPolicy
	s.mu.Unlock()

	d := s.discovery()
	d.imu.Lock()
	d.reports = reports
	d.imu.Unlock()
	d.mu.Lock()
	d.discoverers = discoverers
	d.republishLocked()
	d.mu.Unlock()

	cb := s.codeBindings()
	restored := make(map[string]*codeBinding, len(bindings))
	for _, row := range bindings {
		b := &codeBinding{created: awsapi.FromUnixNano(row.Created), version: row.Version, failed: row.Failed}
		if !b.failed {
			// A binding whose version is gone can no longer be reached
			// (lookups resolve the version first): it keeps no zip.
			if content, typ, ok := s.versionForBinding(row.Registry, row.Schema, row.Version); ok {
				if m, err := buildBindingModel(row.Schema, typ, content); err == nil {
					b.zip, _ = generateBinding(m, row.Language, b.created)
				}
			}
		}
		restored[strings.Join([]string{row.Registry, row.Schema, row.Version, row.Language}, "\x00")] = b
	}
	cb.mu.Lock()
	maps.Copy(cb.bindings, restored)
	cb.mu.Unlock()
	return nil
}

// versionForBinding returns a version's content and type.
func (s *Service) versionForBinding(reg, name, version string) (content, typ string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, v, err := s.versionLocked(reg, name, version)
	if err != nil {
		return "", "", false
	}
	return v.content, string(v.typ), true
}

var _ awsapi.Persistent = (*Service)(nil)
