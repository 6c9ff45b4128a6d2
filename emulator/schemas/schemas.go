package schemas

// For the discovery code (discover*.go, infer*.go, codebinding*.go):
//
//	// putDiscovered creates schema name in registry (created true) or, when
//	// content differs canonically from the latest version, adds a version;
//	// identical content returns the latest version. typ is "OpenApi3" or
//	// "JSONSchemaDraft4"; content is validated as CreateSchema validates it.
//	// A missing registry is created (discovered-schemas always exists).
//	func (s *Service) putDiscovered(registry, name, content, typ string) (version string, created bool, err error)
//
//	// schemaVersionContent returns the content of a version ("" = latest)
//	// or a NotFoundException.
//	func (s *Service) schemaVersionContent(registry, name, version string) (string, error)
//
//	// extension keeps per-service state for code outside service.go:
//	// st := s.extension("discovery", func() any { return newDiscoveryState() }).(*discoveryState)
//	func (s *Service) extension(key string, mk func() any) any
//
//	// ListDiscoverers (service.go) delegates to an unexported method when defined:
//	func (s *Service) listDiscoverers(ctx context.Context, in *ListDiscoverersInput) (*ListDiscoverersOutput, error)
//
//	// TagResource/UntagResource/ListTagsForResource (tags.go) delegate
//	// discoverer ARNs (":discoverer/") to these methods when defined; ok
//	// is false when no discoverer has that ARN. f runs under the
//	// discovery lock and changes the live tag map.
//	func (s *Service) discovererTags(arn string) (tags map[string]string, ok bool)
//	func (s *Service) updateDiscovererTags(arn string, f func(map[string]string)) (ok bool)
//
// Neither putDiscovered nor schemaVersionContent calls back into the
// discovery code, so they may be called with the discovery code's own
// locks held.

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
)

// schema is a named schema with its versions, oldest first.
type schema struct {
	name         string
	description  string
	typ          Type
	tags         map[string]string
	versions     []*schemaVersion
	nextVersion  int
	lastModified time.Time
	// discovered marks a schema written by putDiscovered.
	discovered bool
}

type schemaVersion struct {
	number    int
	typ       Type
	content   string
	canonical string
	created   time.Time
}

func (v *schemaVersion) id() string { return strconv.Itoa(v.number) }

func (sc *schema) latest() *schemaVersion {
	if len(sc.versions) == 0 {
		return nil
	}
	return sc.versions[len(sc.versions)-1]
}

func (sc *schema) version(id string) *schemaVersion {
	for _, v := range sc.versions {
		if v.id() == id {
			return v
		}
	}
	return nil
}

// addVersionLocked appends content as the next version.
func (sc *schema) addVersionLocked(typ Type, content, canon string, now time.Time) *schemaVersion {
	sc.nextVersion++
	v := &schemaVersion{number: sc.nextVersion, typ: typ, content: content, canonical: canon, created: now}
	sc.versions = append(sc.versions, v)
	sc.typ = typ
	sc.lastModified = now
	return v
}

func (s *Service) schemaLocked(reg, name string) (*registry, *schema, error) {
	r, err := s.registryLocked(reg)
	if err != nil {
		return nil, nil, err
	}
	sc, ok := r.schemas[name]
	if !ok {
		return nil, nil, errSchemaNotFound(name)
	}
	return r, sc, nil
}

// CreateSchema creates a schema with its first version.
func (s *Service) CreateSchema(ctx context.Context, in *CreateSchemaInput) (*CreateSchemaOutput, error) {
	regName, name := deref(in.RegistryName), deref(in.SchemaName)
	if err := checkSchemaName(name); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	canon, err := validateContent(in.Type, deref(in.Content))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.writableRegistryLocked(regName)
	if err != nil {
		return nil, err
	}
	if _, ok := r.schemas[name]; ok {
		// AWS's text: hashicorp/terraform-provider-aws issue 38261 quotes
		// "ConflictException: Schema with name ExampleTerraform already exists." (409).
		return nil, errConflict("Schema with name %s already exists.", name)
	}
	if q := s.schemaQuota(); len(r.schemas) >= q {
		return nil, errQuota("schemas in registry "+r.name, q)
	}
	sc := &schema{name: name, description: deref(in.Description), tags: copyTags(in.Tags)}
	v := sc.addVersionLocked(in.Type, deref(in.Content), canon, s.now())
	r.schemas[name] = sc
	s.saveSchemaLocked(r.name, sc, v)
	return &CreateSchemaOutput{
		Description:        optString(sc.description),
		LastModified:       ptr(sc.lastModified),
		SchemaArn:          ptr(s.schemaARN(regName, name)),
		SchemaName:         ptr(name),
		SchemaVersion:      ptr(v.id()),
		Tags:               copyTags(sc.tags),
		Type:               ptr(string(v.typ)),
		VersionCreatedDate: ptr(v.created),
	}, nil
}

// DescribeSchema returns a version of a schema, the latest by default.
func (s *Service) DescribeSchema(ctx context.Context, in *DescribeSchemaInput) (*DescribeSchemaOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sc, v, err := s.versionLocked(deref(in.RegistryName), deref(in.SchemaName), deref(in.SchemaVersion))
	if err != nil {
		return nil, err
	}
	return &DescribeSchemaOutput{
		Content:            ptr(v.content),
		Description:        optString(sc.description),
		LastModified:       ptr(sc.lastModified),
		SchemaArn:          ptr(s.schemaARN(deref(in.RegistryName), sc.name)),
		SchemaName:         ptr(sc.name),
		SchemaVersion:      ptr(v.id()),
		Tags:               copyTags(sc.tags),
		Type:               ptr(string(v.typ)),
		VersionCreatedDate: ptr(v.created),
	}, nil
}

// versionLocked finds a version of a schema; an empty version means the latest.
func (s *Service) versionLocked(reg, name, version string) (*registry, *schema, *schemaVersion, error) {
	r, sc, err := s.schemaLocked(reg, name)
	if err != nil {
		return nil, nil, nil, err
	}
	if version == "" {
		v := sc.latest()
		if v == nil {
			return nil, nil, nil, errSchemaNotFound(name)
		}
		return r, sc, v, nil
	}
	v := sc.version(version)
	if v == nil {
		return nil, nil, nil, errVersionNotFound(name, version)
	}
	return r, sc, v, nil
}

// UpdateSchema changes a schema's description and, when the content
// differs from the latest version's, adds a version.
func (s *Service) UpdateSchema(ctx context.Context, in *UpdateSchemaInput) (*UpdateSchemaOutput, error) {
	regName, name := deref(in.RegistryName), deref(in.SchemaName)
	s.mu.Lock()
	r, sc, err := s.schemaLocked(regName, name)
	if err == nil && r.managed {
		err = errReadOnlyRegistry(regName)
	}
	var typ Type
	if err == nil {
		typ = in.Type
		if typ == "" {
			typ = sc.typ
		}
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if in.Content == nil && in.Type != "" && in.Type != sc.typ {
		// unverified
		return nil, errBadRequest("Content is required when changing the schema type.")
	}
	var canon string
	if in.Content != nil {
		if canon, err = validateContent(typ, *in.Content); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Look again: the schema may have changed while the content was checked.
	if r, sc, err = s.schemaLocked(regName, name); err != nil {
		return nil, err
	}
	now := s.now()
	if in.Description != nil {
		sc.description = *in.Description
		sc.lastModified = now
	}
	v := sc.latest()
	if in.Content != nil && (v == nil || v.canonical != canon || v.typ != typ) {
		if q := s.versionQuota(); len(sc.versions) >= q {
			return nil, errQuota("versions of schema "+name, q)
		}
		v = sc.addVersionLocked(typ, *in.Content, canon, now)
		s.saveSchemaLocked(r.name, sc, v)
	} else if in.Description != nil {
		s.saveSchemaLocked(r.name, sc, nil)
	}
	return &UpdateSchemaOutput{
		Description:        optString(sc.description),
		LastModified:       ptr(sc.lastModified),
		SchemaArn:          ptr(s.schemaARN(regName, name)),
		SchemaName:         ptr(name),
		SchemaVersion:      ptr(v.id()),
		Tags:               copyTags(sc.tags),
		Type:               ptr(string(v.typ)),
		VersionCreatedDate: ptr(v.created),
	}, nil
}

// DeleteSchema deletes a schema with all its versions (and discovery's
// reports of them).
func (s *Service) DeleteSchema(ctx context.Context, in *DeleteSchemaInput) (*DeleteSchemaOutput, error) {
	regName, name := deref(in.RegistryName), deref(in.SchemaName)
	err := s.deleteDiscovered(regName, name, "", func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		r, _, err := s.schemaLocked(regName, name)
		if err != nil {
			return err
		}
		if r.managed {
			return errReadOnlyRegistry(r.name)
		}
		s.forgetSchemaLocked(r.name, r.schemas[name])
		delete(r.schemas, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteSchemaOutput{}, nil
}

// DeleteSchemaVersion deletes one version of a schema. Version numbers are
// not reused.
func (s *Service) DeleteSchemaVersion(ctx context.Context, in *DeleteSchemaVersionInput) (*DeleteSchemaVersionOutput, error) {
	regName, name, version := deref(in.RegistryName), deref(in.SchemaName), deref(in.SchemaVersion)
	err := s.deleteDiscovered(regName, name, version, func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		r, sc, v, err := s.versionLocked(regName, name, version)
		if err != nil {
			return err
		}
		if r.managed {
			return errReadOnlyRegistry(r.name)
		}
		if len(sc.versions) == 1 {
			// unverified: AWS refuses to delete the only version of a schema.
			return errBadRequest("Cannot delete the only version of schema %s. Delete the schema instead.", sc.name)
		}
		for i, x := range sc.versions {
			if x == v {
				sc.versions = append(sc.versions[:i:i], sc.versions[i+1:]...)
				break
			}
		}
		sc.lastModified = s.now()
		if j := s.env.Journal; j != nil {
			j.Delete(versionRowKey(r.name, sc.name, v.number))
			s.saveSchemaLocked(r.name, sc, nil)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteSchemaVersionOutput{}, nil
}

// ListSchemas lists a registry's schemas by name prefix.
func (s *Service) ListSchemas(ctx context.Context, in *ListSchemasInput) (*ListSchemasOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.registryLocked(deref(in.RegistryName))
	if err != nil {
		return nil, err
	}
	prefix := deref(in.SchemaNamePrefix)
	var keys []string
	for name := range r.schemas {
		if strings.HasPrefix(name, prefix) {
			keys = append(keys, name)
		}
	}
	page, next, err := pageKeys(keys, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListSchemasOutput{Schemas: make([]SchemaSummary, 0, len(page)), NextToken: next}
	for _, name := range page {
		sc := r.schemas[name]
		out.Schemas = append(out.Schemas, SchemaSummary{
			LastModified: ptr(sc.lastModified),
			SchemaArn:    ptr(s.schemaARN(r.name, name)),
			SchemaName:   ptr(name),
			Tags:         copyTags(sc.tags),
			VersionCount: ptr(int64(len(sc.versions))),
		})
	}
	return out, nil
}

// ListSchemaVersions lists the versions of a schema, oldest first.
func (s *Service) ListSchemaVersions(ctx context.Context, in *ListSchemaVersionsInput) (*ListSchemaVersionsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, sc, err := s.schemaLocked(deref(in.RegistryName), deref(in.SchemaName))
	if err != nil {
		return nil, err
	}
	// Keys sort as strings: pad the numbers so that order is numeric.
	keys := make([]string, 0, len(sc.versions))
	byKey := make(map[string]*schemaVersion, len(sc.versions))
	for _, v := range sc.versions {
		k := versionKey(v.number)
		keys = append(keys, k)
		byKey[k] = v
	}
	page, next, err := pageKeys(keys, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListSchemaVersionsOutput{SchemaVersions: make([]SchemaVersionSummary, 0, len(page)), NextToken: next}
	for _, k := range page {
		v := byKey[k]
		out.SchemaVersions = append(out.SchemaVersions, SchemaVersionSummary{
			SchemaArn:     ptr(s.schemaARN(r.name, sc.name)),
			SchemaName:    ptr(sc.name),
			SchemaVersion: ptr(v.id()),
			Type:          v.typ,
		})
	}
	return out, nil
}

func versionKey(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 12-min(len(s), 12)) + s
}

// putDiscovered creates or versions a schema from Go (see the comment at
// the top of this file).
func (s *Service) putDiscovered(registryName, name, content, typ string) (version string, created bool, err error) {
	t := Type(typ)
	if n := len([]rune(content)); n > maxContentLength {
		return "", false, errBadRequest("Schema content of %d characters exceeds the limit of %d.", n, maxContentLength)
	}
	canon, err := validateContent(t, content)
	if err != nil {
		return "", false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.registries[registryName]
	if !ok {
		if err := checkRegistryName(registryName); err != nil {
			return "", false, err
		}
		r = &registry{name: registryName, tags: map[string]string{}, schemas: map[string]*schema{}}
		s.registries[registryName] = r
		s.saveRegistryLocked(r)
	}
	if r.managed {
		return "", false, errReadOnlyRegistry(registryName)
	}
	now := s.now()
	sc, ok := r.schemas[name]
	if !ok {
		if err := checkSchemaName(name); err != nil {
			return "", false, err
		}
		if q := s.schemaQuota(); len(r.schemas) >= q {
			return "", false, errQuota("schemas in registry "+r.name, q)
		}
		sc = &schema{name: name, tags: map[string]string{}, discovered: true}
		r.schemas[name] = sc
		v := sc.addVersionLocked(t, content, canon, now)
		s.saveSchemaLocked(r.name, sc, v)
		return v.id(), true, nil
	}
	if v := sc.latest(); v != nil && v.canonical == canon && v.typ == t {
		return v.id(), false, nil
	}
	if q := s.versionQuota(); len(sc.versions) >= q {
		return "", false, errQuota("versions of schema "+name, q)
	}
	v := sc.addVersionLocked(t, content, canon, now)
	s.saveSchemaLocked(r.name, sc, v)
	return v.id(), false, nil
}

// latestVersion returns the id and content of a schema's latest version.
func (s *Service) latestVersion(registryName, name string) (version, content string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, v, err := s.versionLocked(registryName, name, "")
	if err != nil {
		return "", "", err
	}
	return v.id(), v.content, nil
}

// schemaVersionContent returns the content of a version ("" = latest).
func (s *Service) schemaVersionContent(registryName, name, version string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _, v, err := s.versionLocked(registryName, name, version)
	if err != nil {
		return "", err
	}
	return v.content, nil
}

// sortedVersions returns the schema's versions, oldest first.
func sortedVersions(sc *schema) []*schemaVersion {
	out := append([]*schemaVersion(nil), sc.versions...)
	sort.Slice(out, func(i, j int) bool { return out[i].number < out[j].number })
	return out
}
