package lambda

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/google/uuid"
)

// AddPermission adds a statement to a function's resource policy.
func (s *Service) AddPermission(ctx context.Context, in *AddPermissionInput) (*AddPermissionOutput, error) {
	if q := str(in.Qualifier); q == latest {
		return nil, errInvalidParameter("We currently do not support adding policies for $LATEST.")
	}
	fn, _, err := s.lookup(str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	sid := str(in.StatementId)
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if rev := str(in.RevisionId); rev != "" && rev != str(fn.cfg.RevisionId) {
		return nil, errPrecondition()
	}
	for _, st := range fn.policy {
		if st["Sid"] == sid {
			return nil, errConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", sid)
		}
	}
	st := map[string]any{
		"Sid":       sid,
		"Effect":    "Allow",
		"Principal": principalOf(str(in.Principal)),
		"Action":    str(in.Action),
		"Resource":  fn.arn,
	}
	cond := map[string]any{}
	if v := str(in.SourceArn); v != "" {
		cond["ArnLike"] = map[string]string{"AWS:SourceArn": v}
	}
	if v := str(in.SourceAccount); v != "" {
		addCondition(cond, "StringEquals", "AWS:SourceAccount", v)
	}
	if v := str(in.PrincipalOrgID); v != "" {
		addCondition(cond, "StringEquals", "aws:PrincipalOrgID", v)
	}
	if v := str(in.EventSourceToken); v != "" {
		addCondition(cond, "StringEquals", "lambda:EventSourceToken", v)
	}
	if v := string(in.FunctionUrlAuthType); v != "" {
		addCondition(cond, "StringEquals", "lambda:FunctionUrlAuthType", v)
	}
	if len(cond) > 0 {
		st["Condition"] = cond
	}
	fn.policy = append(fn.policy, st)
	fn.cfg.RevisionId = ptr(uuid.NewString())
	b, _ := json.Marshal(st)
	return &AddPermissionOutput{Statement: ptr(string(b))}, nil
}

func addCondition(cond map[string]any, op, key, value string) {
	m, _ := cond[op].(map[string]string)
	if m == nil {
		m = map[string]string{}
		cond[op] = m
	}
	m[key] = value
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// principalOf renders a principal as IAM policies do.
func principalOf(p string) any {
	switch {
	case p == "*":
		return "*"
	case accountIDPattern.MatchString(p):
		return map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	case strings.HasPrefix(p, "arn:"):
		return map[string]string{"AWS": p}
	default:
		return map[string]string{"Service": p}
	}
}

// RemovePermission removes a statement from a function's resource policy.
func (s *Service) RemovePermission(ctx context.Context, in *RemovePermissionInput) (*RemovePermissionOutput, error) {
	fn, name, _ := s.findFunction(str(in.FunctionName), in.Qualifier)
	if fn == nil {
		return nil, errResourceNotFound("No policy found for: %s", s.functionArn(name))
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if len(fn.policy) == 0 {
		return nil, errResourceNotFound("No policy is associated with the given resource.")
	}
	sid := str(in.StatementId)
	for i, st := range fn.policy {
		if st["Sid"] != sid {
			continue
		}
		if rev := str(in.RevisionId); rev != "" && rev != str(fn.cfg.RevisionId) {
			return nil, errPrecondition()
		}
		fn.policy = append(fn.policy[:i], fn.policy[i+1:]...)
		fn.cfg.RevisionId = ptr(uuid.NewString())
		return &RemovePermissionOutput{}, nil
	}
	return nil, errResourceNotFound("Statement %s is not found in resource policy.", sid)
}

// GetPolicy returns a function's resource policy.
func (s *Service) GetPolicy(ctx context.Context, in *GetPolicyInput) (*GetPolicyOutput, error) {
	fn, _, err := s.lookup(str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if len(fn.policy) == 0 {
		return nil, errResourceNotFound("The resource you requested does not exist.")
	}
	doc := map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": fn.policy}
	b, _ := json.Marshal(doc)
	return &GetPolicyOutput{Policy: ptr(string(b)), RevisionId: fn.cfg.RevisionId}, nil
}

// tagTarget resolves a function ARN given to the tagging operations.
func (s *Service) tagTarget(resource string) (*function, error) {
	if arnService(resource) == "lambda" && strings.Contains(resource, ":event-source-mapping:") {
		return nil, errInvalidParameter("evolvestack tags functions only: %s", resource)
	}
	fn, _, err := s.lookup(resource, "")
	return fn, err
}

// TagResource adds tags to a function.
func (s *Service) TagResource(ctx context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	fn, err := s.tagTarget(str(in.Resource))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	for k, v := range in.Tags {
		fn.tags[k] = v
	}
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags from a function.
func (s *Service) UntagResource(ctx context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	fn, err := s.tagTarget(str(in.Resource))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	for _, k := range in.TagKeys {
		delete(fn.tags, k)
	}
	return &UntagResourceOutput{}, nil
}

// ListTags returns a function's tags.
func (s *Service) ListTags(ctx context.Context, in *ListTagsInput) (*ListTagsOutput, error) {
	fn, err := s.tagTarget(str(in.Resource))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	return &ListTagsOutput{Tags: copyMap(fn.tags)}, nil
}
