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
	t, err := s.resolve(str(in.FunctionName), str(in.Qualifier), false)
	if err != nil {
		return nil, err
	}
	if t.qualifier == latest {
		return nil, errInvalidParameter("We currently do not support adding policies for $LATEST.")
	}
	fn, q := t.root, t.qualifier
	sid := str(in.StatementId)
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if rev := str(in.RevisionId); rev != "" && rev != fn.revisionLocked(q) {
		return nil, errPrecondition()
	}
	for _, st := range fn.policies[q] {
		if st["Sid"] == sid {
			return nil, errConflict("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", sid)
		}
	}
	st := map[string]any{
		"Sid":       sid,
		"Effect":    "Allow",
		"Principal": principalOf(str(in.Principal)),
		"Action":    str(in.Action),
		"Resource":  t.arn(),
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
	fn.policies[q] = append(fn.policies[q], st)
	fn.newRevisionLocked(q)
	fn.persistLocked()
	b, _ := json.Marshal(st)
	return &AddPermissionOutput{Statement: ptr(string(b))}, nil
}

// revisionLocked returns the revision of what qualifier names in fn
// ($LATEST, locked): the function's, a version's or an alias's.
func (fn *function) revisionLocked(qualifier string) string {
	if a := fn.aliases[qualifier]; a != nil {
		return str(a.RevisionId)
	}
	if v := fn.versions[qualifier]; v != nil {
		return str(v.config().RevisionId)
	}
	return str(fn.cfg.RevisionId)
}

// newRevisionLocked gives what qualifier names in fn ($LATEST, locked) a
// new revision.
func (fn *function) newRevisionLocked(qualifier string) {
	rev := ptr(uuid.NewString())
	if a := fn.aliases[qualifier]; a != nil {
		a.RevisionId = rev
		return
	}
	if v := fn.versions[qualifier]; v != nil {
		v.mu.Lock()
		v.cfg.RevisionId = rev
		v.persistLocked()
		v.mu.Unlock()
		return
	}
	fn.cfg.RevisionId = rev
}

// policyKey is the key of a qualifier's policy: $LATEST shares the
// unqualified function's.
func policyKey(qualifier string) string {
	if qualifier == latest {
		return ""
	}
	return qualifier
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
	fn, name, q := s.findFunction(str(in.FunctionName), in.Qualifier)
	if fn == nil {
		return nil, errResourceNotFound("No policy found for: %s", s.functionArn(name))
	}
	q = policyKey(q)
	fn.mu.Lock()
	defer fn.mu.Unlock()
	policy := fn.policies[q]
	if len(policy) == 0 {
		return nil, errResourceNotFound("No policy is associated with the given resource.")
	}
	sid := str(in.StatementId)
	for i, st := range policy {
		if st["Sid"] != sid {
			continue
		}
		if rev := str(in.RevisionId); rev != "" && rev != fn.revisionLocked(q) {
			return nil, errPrecondition()
		}
		fn.policies[q] = append(policy[:i:i], policy[i+1:]...)
		fn.newRevisionLocked(q)
		fn.persistLocked()
		return &RemovePermissionOutput{}, nil
	}
	return nil, errResourceNotFound("Statement %s is not found in resource policy.", sid)
}

// GetPolicy returns a function's resource policy.
func (s *Service) GetPolicy(ctx context.Context, in *GetPolicyInput) (*GetPolicyOutput, error) {
	t, err := s.resolve(str(in.FunctionName), str(in.Qualifier), false)
	if err != nil {
		return nil, err
	}
	fn, q := t.root, policyKey(t.qualifier)
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if len(fn.policies[q]) == 0 {
		return nil, errResourceNotFound("The resource you requested does not exist.")
	}
	doc := map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": fn.policies[q]}
	b, _ := json.Marshal(doc)
	return &GetPolicyOutput{Policy: ptr(string(b)), RevisionId: ptr(fn.revisionLocked(q))}, nil
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
	fn.persistLocked()
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
	fn.persistLocked()
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
