package eventbridge

import (
	"context"
	"strings"
)

// maxTags is AWS's tag limit per resource (the EventBridge user guide's
// "Tagging resources" and the TagResource API reference: 50 tags).
const maxTags = 50

// tagSet holds a resource's tags in insertion order.
type tagSet struct {
	tags []Tag
}

// set adds or replaces tags.
func (t *tagSet) set(tags []Tag) {
	for _, tg := range tags {
		k := strOr(tg.Key, "")
		found := false
		for i := range t.tags {
			if *t.tags[i].Key == k {
				t.tags[i].Value = ptr(strOr(tg.Value, ""))
				found = true
			}
		}
		if !found {
			t.tags = append(t.tags, Tag{Key: ptr(k), Value: ptr(strOr(tg.Value, ""))})
		}
	}
}

// get returns the value of tag key, "" when absent.
func (t *tagSet) get(key string) string {
	for _, tg := range t.tags {
		if *tg.Key == key {
			return strOr(tg.Value, "")
		}
	}
	return ""
}

// remove deletes tags by key.
func (t *tagSet) remove(keys []string) {
	out := t.tags[:0:0]
	for _, tg := range t.tags {
		keep := true
		for _, k := range keys {
			if *tg.Key == k {
				keep = false
			}
		}
		if keep {
			out = append(out, tg)
		}
	}
	t.tags = out
}

// list returns a copy of the tags.
func (t *tagSet) list() []Tag {
	out := make([]Tag, len(t.tags))
	copy(out, t.tags)
	return out
}

// wouldExceed reports whether adding tags passes maxTags.
func (t *tagSet) wouldExceed(tags []Tag) bool {
	n := len(t.tags)
	for _, tg := range tags {
		found := false
		for _, old := range t.tags {
			if *old.Key == strOr(tg.Key, "") {
				found = true
			}
		}
		if !found {
			n++
		}
	}
	return n > maxTags
}

// validateTags checks a Tags parameter.
func validateTags(tags []Tag) error {
	if len(tags) > maxTags {
		return errLimit("The requested resource exceeds the maximum number allowed.") // unverified: wording
	}
	for _, tg := range tags {
		if strings.HasPrefix(strOr(tg.Key, ""), "aws:") {
			// unverified: wording for reserved tag keys.
			return errValidation("Invalid tag key: keys starting with 'aws:' are reserved.")
		}
	}
	return nil
}

// taggedLocked finds the tags of a bus or rule by ARN (s.mu held).
func (s *Service) taggedLocked(arn string) (*tagSet, error) {
	a, ok := parseARN(arn)
	if !ok || a.service != "events" {
		return nil, errParam("ResourceARN", "Provided Arn is not in correct format.") // unverified: wording
	}
	switch {
	case strings.HasPrefix(a.resource, "event-bus/"):
		name := strings.TrimPrefix(a.resource, "event-bus/")
		b := s.buses[name]
		if b == nil || b.arn != arn {
			return nil, errBusNotFound(name)
		}
		return &b.tags, nil
	case strings.HasPrefix(a.resource, "rule/"):
		rest := strings.TrimPrefix(a.resource, "rule/")
		busN, name := defaultBus, rest
		if i := strings.LastIndex(rest, "/"); i >= 0 {
			busN, name = rest[:i], rest[i+1:]
		}
		b := s.buses[busN]
		if b == nil {
			return nil, errBusNotFound(busN)
		}
		r := b.rules[name]
		if r == nil || r.arn != arn {
			return nil, errRuleNotFound(name, busN)
		}
		return &r.tags, nil
	}
	// unverified: wording for an ARN of a resource type that has no tags.
	return nil, errNotFound("Resource %s does not exist.", arn)
}

// saveTaggedLocked journals the bus or rule whose tags arn names changed
// (s.mu held for writing; taggedLocked found it).
func (s *Service) saveTaggedLocked(arn string) {
	if s.env.Journal == nil {
		return
	}
	a, _ := parseARN(arn)
	if name, ok := strings.CutPrefix(a.resource, "event-bus/"); ok {
		if b := s.buses[name]; b != nil {
			s.saveBusLocked(b)
		}
		return
	}
	rest := strings.TrimPrefix(a.resource, "rule/")
	busN, name := defaultBus, rest
	if i := strings.LastIndex(rest, "/"); i >= 0 {
		busN, name = rest[:i], rest[i+1:]
	}
	if b := s.buses[busN]; b != nil && b.rules[name] != nil {
		s.saveRuleLocked(b.rules[name])
	}
}

// TagResource adds or replaces tags of a bus or rule.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taggedLocked(strOr(in.ResourceARN, ""))
	if err != nil {
		return nil, err
	}
	if t.wouldExceed(in.Tags) {
		return nil, errLimit("The requested resource exceeds the maximum number allowed.") // unverified: wording
	}
	t.set(in.Tags)
	s.saveTaggedLocked(strOr(in.ResourceARN, ""))
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags of a bus or rule.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.taggedLocked(strOr(in.ResourceARN, ""))
	if err != nil {
		return nil, err
	}
	t.remove(in.TagKeys)
	s.saveTaggedLocked(strOr(in.ResourceARN, ""))
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource lists the tags of a bus or rule.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.taggedLocked(strOr(in.ResourceARN, ""))
	if err != nil {
		return nil, err
	}
	return &ListTagsForResourceOutput{Tags: t.list()}, nil
}
