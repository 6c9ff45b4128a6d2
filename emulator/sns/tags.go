package sns

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// maxTags is how many tags one topic may carry.
const maxTags = 50

var tagCharsRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
})

func errTagLimit() *awsapi.Error {
	return &awsapi.Error{Code: codeTagLimitExceeded, Message: "Could not complete request: tag quota of per resource exceeded"}
}

// checkTags validates a tag list and returns it as a map.
func checkTags(tags []Tag) (map[string]string, error) {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := str(t.Key), str(t.Value)
		if _, dup := out[k]; dup {
			return nil, invalidParam("Invalid parameter: Duplicated keys are not allowed.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, invalidParam("Invalid parameter: Tag keys must not start with 'aws:'") // unverified: wording
		}
		if k == "" || len([]rune(k)) > 128 || !tagCharsRe().MatchString(k) {
			return nil, invalidParam("Invalid parameter: Tag key is not valid: %s", k) // unverified: wording
		}
		if len([]rune(v)) > 256 || !tagCharsRe().MatchString(v) {
			return nil, invalidParam("Invalid parameter: Tag value is not valid: %s", v) // unverified: wording
		}
		out[k] = v
	}
	if len(out) > maxTags {
		return nil, errTagLimit()
	}
	return out, nil
}

// taggedTopic returns the topic a tagging call names: ResourceNotFound
// when there is none.
func (s *Service) taggedTopic(arn string) (*topic, error) {
	t, err := s.topicByARN(arn)
	if err != nil {
		if e, ok := awsapi.AsError(err); ok && e.Code == codeNotFound {
			return nil, errResourceNotFound()
		}
		return nil, err
	}
	if t.account != s.env.Scope.Account {
		return nil, errResourceNotFound()
	}
	return t, nil
}

// TagResource adds or replaces tags of a topic.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	t, err := s.taggedTopic(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.tags)
	for k := range tags {
		if _, ok := t.tags[k]; !ok {
			n++
		}
	}
	if n > maxTags {
		return nil, errTagLimit()
	}
	if t.tags == nil {
		t.tags = map[string]string{}
	}
	for k, v := range tags {
		t.tags[k] = v
	}
	t.persistLocked()
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags from a topic; absent keys are ignored.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	t, err := s.taggedTopic(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range in.TagKeys {
		delete(t.tags, k)
	}
	t.persistLocked()
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource lists a topic's tags, sorted by key.
func (s *Service) ListTagsForResource(ctx context.Context, in *ListTagsForResourceInput) (*ListTagsForResourceOutput, error) {
	t, err := s.taggedTopic(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]Tag, 0, len(t.tags))
	for _, k := range sortedKeys(t.tags) {
		out = append(out, Tag{Key: ptr(k), Value: ptr(t.tags[k])})
	}
	return &ListTagsForResourceOutput{Tags: out}, nil
}

// maxDataProtectionPolicy is the largest data protection policy (30 KiB).
const maxDataProtectionPolicy = 30720

// checkDataProtectionPolicy validates a data protection policy document:
// JSON with Name, Version and a Statement list.
func checkDataProtectionPolicy(v string) error {
	if len(v) > maxDataProtectionPolicy {
		return invalidParam("Invalid parameter: DataProtectionPolicy Reason: Policy is too large") // unverified: wording
	}
	var p struct {
		Name      *string           `json:"Name"`
		Version   *string           `json:"Version"`
		Statement []json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return invalidParam("Invalid parameter: DataProtectionPolicy Reason: Failed to parse the policy JSON") // unverified: wording
	}
	if p.Name == nil || p.Version == nil || len(p.Statement) == 0 {
		return invalidParam("Invalid parameter: DataProtectionPolicy Reason: Name, Version and Statement are required") // unverified: wording
	}
	if *p.Version != "2021-06-01" {
		return invalidParam("Invalid parameter: DataProtectionPolicy Reason: Version must be 2021-06-01") // unverified: wording
	}
	return nil
}

// GetDataProtectionPolicy returns a topic's data protection policy ("" when
// none is set).
func (s *Service) GetDataProtectionPolicy(ctx context.Context, in *GetDataProtectionPolicyInput) (*GetDataProtectionPolicyOutput, error) {
	t, err := s.topicByARN(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	if t.account != s.env.Scope.Account {
		return nil, errAuthorization("Not authorized to access this resource") // unverified: wording
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := &GetDataProtectionPolicyOutput{}
	if t.dataProtection != "" {
		out.DataProtectionPolicy = ptr(t.dataProtection)
	}
	return out, nil
}

// PutDataProtectionPolicy sets a topic's data protection policy; an empty
// policy removes it.
func (s *Service) PutDataProtectionPolicy(ctx context.Context, in *PutDataProtectionPolicyInput) (*PutDataProtectionPolicyOutput, error) {
	t, err := s.topicByARN(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	if t.account != s.env.Scope.Account {
		return nil, &awsapi.Error{Code: codeAuthorizationError, Message: "Not authorized to access this resource", Status: http.StatusForbidden} // unverified: wording
	}
	policy := str(in.DataProtectionPolicy)
	if policy != "" {
		if err := checkDataProtectionPolicy(policy); err != nil {
			return nil, err
		}
	}
	t.mu.Lock()
	t.dataProtection = policy
	t.persistLocked()
	t.mu.Unlock()
	return &PutDataProtectionPolicyOutput{}, nil
}
