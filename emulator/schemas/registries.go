package schemas

import (
	"context"
	"maps"
	"strings"
	"time"
)

const (
	// awsEventsRegistry is the read-only registry of AWS service events.
	awsEventsRegistry = "aws.events"
	// discoveredRegistry receives the schemas discoverers infer.
	discoveredRegistry = "discovered-schemas"
	// maxRegistryName is the longest registry name.
	// unverified: the console's 64-character limit on registry names.
	maxRegistryName = 64
	// maxSchemaName is the longest schema name.
	// unverified: AWS's limit on schema names.
	maxSchemaName = 385
)

type registry struct {
	name        string
	description string
	tags        map[string]string
	schemas     map[string]*schema
	policy      *resourcePolicy
	// managed marks the AWS-owned aws.events registry: readable, not writable.
	managed bool
}

func (s *Service) now() time.Time {
	if s.env.Clock == nil {
		return time.Now().UTC()
	}
	return s.env.Clock.Now().UTC()
}

func (s *Service) registryARN(name string) string {
	if name == awsEventsRegistry {
		// unverified: AWS-owned resources carry no account in their ARN.
		return "arn:" + s.partitionName() + ":schemas:" + s.env.Scope.Region + "::registry/" + name
	}
	return "arn:" + s.partitionName() + ":schemas:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":registry/" + name
}

func (s *Service) schemaARN(reg, name string) string {
	if reg == awsEventsRegistry {
		return "arn:" + s.partitionName() + ":schemas:" + s.env.Scope.Region + "::schema/" + reg + "/" + name
	}
	return "arn:" + s.partitionName() + ":schemas:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":schema/" + reg + "/" + name
}

// nameChars reports whether every byte of name is one of the letters,
// digits and punctuation allowed, extra naming the punctuation.
func nameChars(name, extra string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte(extra, c) >= 0:
		default:
			return false
		}
	}
	return true
}

// checkRegistryName applies the naming rules of custom registries.
func checkRegistryName(name string) error {
	if name == "" || len(name) > maxRegistryName || !nameChars(name, ".-_") {
		// unverified
		return errBadRequest("Registry name must be 1 to %d characters long and contain only letters, numbers, periods, hyphens and underscores.", maxRegistryName)
	}
	if strings.HasPrefix(strings.ToLower(name), "aws.") {
		// unverified
		return errBadRequest("Registry name cannot start with the reserved prefix aws.")
	}
	return nil
}

// checkSchemaName applies the naming rules of schemas.
func checkSchemaName(name string) error {
	if name == "" || len(name) > maxSchemaName || !nameChars(name, ".-_@") {
		// unverified
		return errBadRequest("Schema name must be 1 to %d characters long and contain only letters, numbers, periods, hyphens, underscores and @.", maxSchemaName)
	}
	return nil
}

// registryLocked returns the named registry.
func (s *Service) registryLocked(name string) (*registry, error) {
	r, ok := s.registries[name]
	if !ok {
		return nil, errRegistryNotFound(name)
	}
	return r, nil
}

// writableRegistryLocked returns the named registry when it may be changed.
func (s *Service) writableRegistryLocked(name string) (*registry, error) {
	r, err := s.registryLocked(name)
	if err != nil {
		return nil, err
	}
	if r.managed {
		return nil, errReadOnlyRegistry(name)
	}
	return r, nil
}

// CreateRegistry creates a custom registry.
func (s *Service) CreateRegistry(ctx context.Context, in *CreateRegistryInput) (*CreateRegistryOutput, error) {
	name := deref(in.RegistryName)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.registries[name]; ok {
		if r.managed {
			return nil, errReadOnlyRegistry(name)
		}
		// AWS's text, as a Terraform user quoted it (a public README's
		// troubleshooting of "Registry with name ... already exists").
		return nil, errConflict("Registry with name %s already exists.", name)
	}
	if err := checkRegistryName(name); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if q := s.registryQuota(); s.customRegistriesLocked() >= q {
		return nil, errQuota("registries", q)
	}
	r := &registry{name: name, description: deref(in.Description), tags: copyTags(in.Tags), schemas: map[string]*schema{}}
	s.registries[name] = r
	s.saveRegistryLocked(r)
	return &CreateRegistryOutput{
		Description:  optString(r.description),
		RegistryArn:  ptr(s.registryARN(name)),
		RegistryName: ptr(name),
		Tags:         copyTags(r.tags),
	}, nil
}

// customRegistriesLocked counts the registries the registries quota
// covers: the account's own, not aws.events or discovered-schemas.
func (s *Service) customRegistriesLocked() int {
	n := 0
	for name, r := range s.registries {
		if !r.managed && name != discoveredRegistry {
			n++
		}
	}
	return n
}

// DescribeRegistry describes a registry.
func (s *Service) DescribeRegistry(ctx context.Context, in *DescribeRegistryInput) (*DescribeRegistryOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.registryLocked(deref(in.RegistryName))
	if err != nil {
		return nil, err
	}
	return &DescribeRegistryOutput{
		Description:  optString(r.description),
		RegistryArn:  ptr(s.registryARN(r.name)),
		RegistryName: ptr(r.name),
		Tags:         copyTags(r.tags),
	}, nil
}

// UpdateRegistry changes a registry's description.
func (s *Service) UpdateRegistry(ctx context.Context, in *UpdateRegistryInput) (*UpdateRegistryOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.writableRegistryLocked(deref(in.RegistryName))
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		r.description = *in.Description
		s.saveRegistryLocked(r)
	}
	return &UpdateRegistryOutput{
		Description:  optString(r.description),
		RegistryArn:  ptr(s.registryARN(r.name)),
		RegistryName: ptr(r.name),
		Tags:         copyTags(r.tags),
	}, nil
}

// DeleteRegistry deletes a registry with its schemas and policy.
func (s *Service) DeleteRegistry(ctx context.Context, in *DeleteRegistryInput) (*DeleteRegistryOutput, error) {
	name := deref(in.RegistryName)
	err := s.deleteDiscovered(name, "", "", func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		r, err := s.writableRegistryLocked(name)
		if err != nil {
			return err
		}
		s.forgetRegistryLocked(r)
		delete(s.registries, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteRegistryOutput{}, nil
}

// ListRegistries lists registries by name prefix and scope (LOCAL for the
// account's registries, AWS for the AWS-owned ones).
func (s *Service) ListRegistries(ctx context.Context, in *ListRegistriesInput) (*ListRegistriesOutput, error) {
	scope := strings.ToUpper(deref(in.Scope))
	if scope != "" && scope != "LOCAL" && scope != "AWS" {
		// unverified
		return nil, errBadRequest("Invalid scope %s. Valid values are LOCAL and AWS.", deref(in.Scope))
	}
	prefix := deref(in.RegistryNamePrefix)
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for name, r := range s.registries {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if (scope == "LOCAL" && r.managed) || (scope == "AWS" && !r.managed) {
			continue
		}
		keys = append(keys, name)
	}
	page, next, err := pageKeys(keys, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListRegistriesOutput{Registries: make([]RegistrySummary, 0, len(page)), NextToken: next}
	for _, name := range page {
		r := s.registries[name]
		out.Registries = append(out.Registries, RegistrySummary{
			RegistryArn:  ptr(s.registryARN(name)),
			RegistryName: ptr(name),
			Tags:         copyTags(r.tags),
		})
	}
	return out, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func copyTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	maps.Copy(out, t)
	return out
}
