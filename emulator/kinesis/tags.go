package kinesis

import (
	"context"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// sortedTags renders tags sorted by key.
func sortedTags(tags map[string]string) []Tag {
	keys := slices.Sorted(maps.Keys(tags))
	out := make([]Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, Tag{Key: new(k), Value: new(tags[k])})
	}
	return out
}

// validTagText reports whether s holds only the characters Kinesis allows
// in tag keys and values: Unicode letters, digits and white space (the
// classes L, N and Z, so not tabs or newlines) and _ . / = + - % @.
func validTagText(s string) bool {
	for _, r := range s {
		if !unicode.In(r, unicode.L, unicode.N, unicode.Z) && !strings.ContainsRune("_./=+-%@", r) {
			return false
		}
	}
	return true
}

// errTagText is Kinesis' refusal of tag keys and values with other
// characters. Sources: the API reference's Tag ("Valid characters: Unicode
// letters, digits, white space, _ . / = + - % @") and kinesalite's tests
// recorded against AWS for the message and for tabs, newlines, commas and
// semicolons being refused. Those 2015 recordings also refused '%' with a
// second message; today's API reference lists '%' as valid, so it is
// accepted.
func errTagText() error {
	return invalidArg("%s", "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.")
}

// guardTag reports whether k is one of evolvestack's schema guard tags,
// whose key and value hold ':' (e.g. "evolvestack:schema" =
// "glue:shop/Order"). They are the emulator's own, so Kinesis' character
// rule does not apply to them; any other tag is checked as AWS checks it.
func guardTag(k string) bool { return k == awsapi.GuardSchemaTag || k == awsapi.GuardModeTag }

// checkTagMap refuses a tag map with a key or value validTagText refuses.
func checkTagMap(tags map[string]string) error {
	for k, v := range tags {
		if guardTag(k) {
			continue
		}
		if !validTagText(k) || !validTagText(v) {
			return errTagText()
		}
	}
	return nil
}

// addTags merges add into tags, refusing invalid characters and exceeding
// the per-resource limit.
func (s *Service) addTags(tags map[string]string, add map[string]string, what string) error {
	if err := checkTagMap(add); err != nil {
		return err
	}
	n := len(tags)
	for k := range add {
		if _, ok := tags[k]; !ok {
			n++
		}
	}
	if n > maxTagsPerStream {
		return invalidArg("Failed to add tags to %s under account %s because a given stream cannot have more than %d tags associated with it.", what, s.account(), maxTagsPerStream)
	}
	maps.Copy(tags, add)
	return nil
}

// AddTagsToStream adds or overwrites tags of a stream.
func (s *Service) AddTagsToStream(ctx context.Context, in *AddTagsToStreamInput) (*AddTagsToStreamOutput, error) {
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := s.addTags(st.tags, in.Tags, "stream "+st.name); err != nil {
		return nil, err
	}
	st.save()
	return &AddTagsToStreamOutput{}, nil
}

// RemoveTagsFromStream removes tags of a stream; absent keys are ignored.
func (s *Service) RemoveTagsFromStream(ctx context.Context, in *RemoveTagsFromStreamInput) (*RemoveTagsFromStreamOutput, error) {
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	// Kinesis checks the keys to remove too (kinesalite's
	// RemoveTagsFromStream tests, recorded against AWS).
	for _, k := range in.TagKeys {
		if !guardTag(k) && !validTagText(k) {
			return nil, errTagText()
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, k := range in.TagKeys {
		delete(st.tags, k)
	}
	st.save()
	return &RemoveTagsFromStreamOutput{}, nil
}

// ListTagsForStream lists a stream's tags by key, a page at a time.
func (s *Service) ListTagsForStream(ctx context.Context, in *ListTagsForStreamInput) (*ListTagsForStreamOutput, error) {
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	limit := 10
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	st.mu.Lock()
	all := sortedTags(st.tags)
	st.mu.Unlock()
	out := &ListTagsForStreamOutput{Tags: []Tag{}, HasMoreTags: new(false)}
	for _, t := range all {
		if in.ExclusiveStartTagKey != nil && strings.Compare(*t.Key, *in.ExclusiveStartTagKey) <= 0 {
			continue
		}
		if len(out.Tags) == limit {
			out.HasMoreTags = new(true)
			break
		}
		out.Tags = append(out.Tags, t)
	}
	return out, nil
}

// TagResource tags a stream or a consumer by ARN.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	st, c, err := s.resourceOf(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	tags, what := st.tags, "stream "+st.name
	if c != nil {
		tags, what = c.tags, "consumer "+c.name
	}
	if err := s.addTags(tags, in.Tags, what); err != nil {
		return nil, err
	}
	st.save()
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags of a stream or a consumer by ARN.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	st, c, err := s.resourceOf(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	tags := st.tags
	if c != nil {
		tags = c.tags
	}
	for _, k := range in.TagKeys {
		delete(tags, k)
	}
	st.save()
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource lists the tags of a stream or a consumer by ARN.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	st, c, err := s.resourceOf(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	tags := st.tags
	if c != nil {
		tags = c.tags
	}
	return &ListTagsForResourceOutput{Tags: sortedTags(tags)}, nil
}

// PutResourcePolicy attaches a resource policy to a stream or consumer.
func (s *Service) PutResourcePolicy(ctx context.Context, in *PutResourcePolicyInput) (*PutResourcePolicyOutput, error) {
	st, c, err := s.resourceOf(*in.ResourceARN)
	if err != nil {
		return nil, err
	}
	if c != nil {
		st.mu.Lock()
		status, name, created := c.status, c.name, c.created
		st.mu.Unlock()
		if status != ConsumerStatusActive {
			return nil, awsapi.Errorf(ErrCodeResourceInUseException, "Consumer %s with creation timestamp %d under stream %s and account %s is not in ACTIVE status.", name, created.Unix(), st.name, s.account())
		}
	}
	s.mu.Lock()
	s.policies[*in.ResourceARN] = *in.Policy
	if s.journal != nil {
		s.journal.Put(policyKey(*in.ResourceARN), policyRow(*in.ResourceARN, *in.Policy))
	}
	s.mu.Unlock()
	return &PutResourcePolicyOutput{}, nil
}

// GetResourcePolicy returns a resource's policy, "{}" when it has none.
func (s *Service) GetResourcePolicy(ctx context.Context, in *GetResourcePolicyInput) (*GetResourcePolicyOutput, error) {
	if _, _, err := s.resourceOf(*in.ResourceARN); err != nil {
		return nil, err
	}
	s.mu.RLock()
	p, ok := s.policies[*in.ResourceARN]
	s.mu.RUnlock()
	if !ok {
		p = "{}"
	}
	return &GetResourcePolicyOutput{Policy: new(p)}, nil
}

// DeleteResourcePolicy removes a resource's policy.
func (s *Service) DeleteResourcePolicy(ctx context.Context, in *DeleteResourcePolicyInput) (*DeleteResourcePolicyOutput, error) {
	if _, _, err := s.resourceOf(*in.ResourceARN); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.policies[*in.ResourceARN]; !ok {
		return nil, awsapi.Errorf(ErrCodeResourceNotFoundException, "No resource policy found for resource ARN %s.", *in.ResourceARN)
	}
	delete(s.policies, *in.ResourceARN)
	if s.journal != nil {
		s.journal.Delete(policyKey(*in.ResourceARN))
	}
	return &DeleteResourcePolicyOutput{}, nil
}
