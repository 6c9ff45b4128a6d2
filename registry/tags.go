package registry

import "strings"

// taggable returns the tags of the registry or schema with arn, and what
// marks that resource changed. Callers hold mu.
func (e *Engine) taggable(arn string) (*map[string]string, func(), error) {
	if rest, ok := strings.CutPrefix(arn, e.schemaARNPrefix()); ok {
		reg, name, _ := strings.Cut(rest, "/")
		if r, ok := e.registries[reg]; ok && r.deletedAt.IsZero() {
			if s, ok := r.schemas[name]; ok && s.deletedAt.IsZero() {
				return &s.tags, func() { e.touchSchema(s) }, nil
			}
		}
	} else if name, ok := strings.CutPrefix(arn, e.registryARN("")); ok {
		if r, ok := e.registries[name]; ok && r.deletedAt.IsZero() {
			return &r.tags, func() { e.touchRegistry(r) }, nil
		}
	}
	return nil, nil, notFound("Resource is not found. ResourceArn: %s", arn)
}

// TagResource adds or replaces tags on a registry or schema.
func (e *Engine) TagResource(arn string, tags map[string]string) error {
	if len(tags) == 0 {
		return invalidInput("New Tags cannot be empty or more than %d", MaxTagsPerResource)
	}
	e.lock()
	defer e.unlock()
	t, touch, err := e.taggable(arn)
	if err != nil {
		return err
	}
	merged := copyTags(*t)
	for k, v := range tags {
		merged[k] = v
	}
	if err := checkTags(merged); err != nil {
		return err
	}
	*t = merged
	touch()
	return nil
}

// UntagResource removes tags by key from a registry or schema.
func (e *Engine) UntagResource(arn string, keys []string) error {
	e.lock()
	defer e.unlock()
	t, touch, err := e.taggable(arn)
	if err != nil {
		return err
	}
	for _, k := range keys {
		delete(*t, k)
	}
	touch()
	return nil
}

// GetTags returns the tags of a registry or schema.
func (e *Engine) GetTags(arn string) (map[string]string, error) {
	e.lock()
	defer e.unlock()
	t, _, err := e.taggable(arn)
	if err != nil {
		return nil, err
	}
	return copyTags(*t), nil
}
