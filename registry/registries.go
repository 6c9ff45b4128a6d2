package registry

import (
	"slices"
	"strings"
	"time"
)

// RegistryRef names a registry by name or by ARN (exactly one).
type RegistryRef struct {
	Name string
	ARN  string
}

// IsZero reports whether the reference names nothing.
func (r RegistryRef) IsZero() bool { return r.Name == "" && r.ARN == "" }

// RegistryInfo describes a registry.
type RegistryInfo struct {
	Name        string
	ARN         string
	Description string
	Status      string
	Created     time.Time
	Updated     time.Time
	Tags        map[string]string
}

// maxDescription is the longest description Glue accepts.
const maxDescription = 2048

func checkDescription(d string) error {
	if len(d) > maxDescription {
		return invalidInput("The resource name contains too many or too few characters. Parameter Name: description")
	}
	return nil
}

// CreateRegistry creates a registry.
func (e *Engine) CreateRegistry(name, description string, tags map[string]string) (*RegistryInfo, error) {
	if err := checkName("registryName", name); err != nil {
		return nil, err
	}
	if err := checkDescription(description); err != nil {
		return nil, err
	}
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	now := e.lock()
	defer e.unlock()
	if _, ok := e.registries[name]; ok {
		return nil, alreadyExists("Registry already exists. RegistryName: %s", name)
	}
	if len(e.registries) >= e.cfg.Limits.RegistriesPerAccount {
		return nil, limitExceeded("registries")
	}
	r := e.newRegistry(name, description, tags, now)
	return e.registryInfo(r, now), nil
}

func (e *Engine) newRegistry(name, description string, tags map[string]string, now time.Time) *registryState {
	r := &registryState{
		name:        name,
		arn:         e.registryARN(name),
		description: description,
		created:     now,
		updated:     now,
		tags:        copyTags(tags),
		schemas:     map[string]*schemaState{},
	}
	e.registries[name] = r
	e.touchRegistry(r)
	return r
}

func (e *Engine) registryInfo(r *registryState, now time.Time) *RegistryInfo {
	status := StatusAvailable
	if !r.deletedAt.IsZero() {
		status = StatusDeleting
	}
	return &RegistryInfo{
		Name:        r.name,
		ARN:         r.arn,
		Description: r.description,
		Status:      status,
		Created:     r.created,
		Updated:     r.updated,
		Tags:        copyTags(r.tags),
	}
}

// resolveRegistry finds a registry. Callers hold mu. With live set,
// registries being deleted count as missing.
func (e *Engine) resolveRegistry(ref RegistryRef, live bool) (*registryState, error) {
	if ref.Name != "" && ref.ARN != "" {
		return nil, invalidInput(msgBothRegistryParams)
	}
	if ref.IsZero() {
		return nil, invalidInput("At least one of registryName or registryArn has to be provided.")
	}
	name := ref.Name
	if ref.ARN != "" {
		prefix := e.registryARN("")
		n, ok := strings.CutPrefix(ref.ARN, prefix)
		if !ok || n == "" {
			return nil, registryNotFound(ref)
		}
		name = n
	} else if err := checkName("registryName", name); err != nil {
		return nil, err
	}
	r, ok := e.registries[name]
	if !ok || (live && !r.deletedAt.IsZero()) {
		return nil, registryNotFound(ref)
	}
	return r, nil
}

// GetRegistry describes a registry.
func (e *Engine) GetRegistry(ref RegistryRef) (*RegistryInfo, error) {
	now := e.lock()
	defer e.unlock()
	r, err := e.resolveRegistry(ref, false)
	if err != nil {
		return nil, err
	}
	return e.registryInfo(r, now), nil
}

// ListRegistries lists registries in name order, a page at a time.
func (e *Engine) ListRegistries(page Page) ([]RegistryInfo, string, error) {
	now := e.lock()
	defer e.unlock()
	after, limit, err := page.bounds()
	if err != nil {
		return nil, "", err
	}
	names := make([]string, 0, len(e.registries))
	for n := range e.registries {
		if n > after {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var out []RegistryInfo
	for _, n := range names {
		if len(out) == limit {
			return out, encodeToken(out[len(out)-1].Name), nil
		}
		out = append(out, *e.registryInfo(e.registries[n], now))
	}
	return out, "", nil
}

// UpdateRegistry changes a registry's description.
func (e *Engine) UpdateRegistry(ref RegistryRef, description string) (*RegistryInfo, error) {
	if err := checkDescription(description); err != nil {
		return nil, err
	}
	now := e.lock()
	defer e.unlock()
	r, err := e.resolveRegistry(ref, true)
	if err != nil {
		return nil, err
	}
	r.description = description
	r.updated = now
	e.touchRegistry(r)
	return e.registryInfo(r, now), nil
}

// DeleteRegistry deletes a registry with its schemas and versions. It
// reports DELETING; the registry disappears after Config.DeletingFor.
func (e *Engine) DeleteRegistry(ref RegistryRef) (*RegistryInfo, error) {
	now := e.lock()
	defer e.unlock()
	r, err := e.resolveRegistry(ref, true)
	if err != nil {
		return nil, err
	}
	r.deletedAt = now
	e.touchRegistry(r)
	for _, s := range r.schemas {
		e.markSchemaDeleted(s, now)
	}
	info := e.registryInfo(r, now)
	e.purge(now)
	return info, nil
}

func copyTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}
