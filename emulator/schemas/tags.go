package schemas

import (
	"context"
	"strings"
)

// maxTags is the most tags a resource carries.
// unverified: EventBridge Schemas' tag quota.
const maxTags = 50

// discovererTagger is implemented by the discovery code when present.
type discovererTagger interface {
	discovererTags(arn string) (tags map[string]string, ok bool)
	updateDiscovererTags(arn string, f func(map[string]string)) (ok bool)
}

func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		// unverified
		return errBadRequest("Too many tags: a resource can have at most %d tags.", maxTags)
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 {
			// unverified
			return errBadRequest("Tag keys must be 1 to 128 characters long and values at most 256 characters.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			// unverified
			return errBadRequest("Tag keys cannot start with the reserved prefix aws:.")
		}
	}
	return nil
}

// tagsByARNLocked returns the live tag map of the registry or schema arn
// names, applying set and remove to it.
func (s *Service) tagsByARNLocked(arn string, set map[string]string, remove []string) (map[string]string, error) {
	prefix := "arn:" + s.partitionName() + ":schemas:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	var tags map[string]string
	var save func()
	switch {
	case ok && strings.HasPrefix(rest, "registry/"):
		if r, found := s.registries[strings.TrimPrefix(rest, "registry/")]; found && !r.managed {
			tags = r.tags
			save = func() { s.saveRegistryLocked(r) }
		}
	case ok && strings.HasPrefix(rest, "schema/"):
		reg, name, _ := strings.Cut(strings.TrimPrefix(rest, "schema/"), "/")
		if r, found := s.registries[reg]; found && !r.managed {
			if sc, found := r.schemas[name]; found {
				if sc.tags == nil {
					sc.tags = map[string]string{}
				}
				tags = sc.tags
				save = func() { s.saveSchemaLocked(reg, sc, nil) }
			}
		}
	}
	if tags == nil {
		// unverified
		return nil, errNotFound("Resource %s does not exist.", arn)
	}
	if len(set) > 0 {
		merged := copyTags(tags)
		for k, v := range set {
			merged[k] = v
		}
		if err := checkTags(merged); err != nil {
			return nil, err
		}
	}
	for k, v := range set {
		tags[k] = v
	}
	for _, k := range remove {
		delete(tags, k)
	}
	if len(set) > 0 || len(remove) > 0 {
		save()
	}
	return copyTags(tags), nil
}

// tagResource applies set and remove to the resource arn names.
func (s *Service) tagResource(arn string, set map[string]string, remove []string) (map[string]string, error) {
	if strings.Contains(arn, ":discoverer/") {
		if d, ok := any(s).(discovererTagger); ok {
			var tagErr error
			found := d.updateDiscovererTags(arn, func(tags map[string]string) {
				if len(set) > 0 {
					merged := copyTags(tags)
					for k, v := range set {
						merged[k] = v
					}
					if tagErr = checkTags(merged); tagErr != nil {
						return
					}
				}
				for k, v := range set {
					tags[k] = v
				}
				for _, k := range remove {
					delete(tags, k)
				}
			})
			if tagErr != nil {
				return nil, tagErr
			}
			if found {
				if tags, ok := d.discovererTags(arn); ok {
					return tags, nil
				}
			}
		}
		return nil, errNotFound("Resource %s does not exist.", arn)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tagsByARNLocked(arn, set, remove)
}

// TagResource adds tags to a registry, schema or discoverer.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if _, err := s.tagResource(deref(in.ResourceArn), in.Tags, nil); err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags from a registry, schema or discoverer.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	if _, err := s.tagResource(deref(in.ResourceArn), nil, in.TagKeys); err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource returns the tags of a registry, schema or discoverer.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	tags, err := s.tagResource(deref(in.ResourceArn), nil, nil)
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceOutput{Tags: tags}, nil
}
