package sns

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// defaultPolicy is the access policy AWS gives a new topic: every SNS action
// for principals of the owning account.
func defaultPolicy(topicARN, account string) string {
	p := policyDoc{
		Version: "2008-10-17",
		ID:      "__default_policy_ID",
		Statement: []policyStatement{{
			Sid:       "__default_statement_ID",
			Effect:    "Allow",
			Principal: map[string]any{"AWS": "*"},
			Action: []any{
				"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
				"SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish",
			},
			Resource:  topicARN,
			Condition: map[string]any{"StringEquals": map[string]any{"AWS:SourceOwner": account}},
		}},
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// policyDoc is a topic access policy as AWS stores it.
type policyDoc struct {
	Version   string            `json:"Version,omitempty"`
	ID        string            `json:"Id,omitempty"`
	Statement []policyStatement `json:"Statement"`
}

// policyStatement is one statement; fields that may be a string or a list
// stay as decoded.
type policyStatement struct {
	Sid       string `json:"Sid,omitempty"`
	Effect    string `json:"Effect"`
	Principal any    `json:"Principal,omitempty"`
	Action    any    `json:"Action,omitempty"`
	Resource  any    `json:"Resource,omitempty"`
	Condition any    `json:"Condition,omitempty"`
}

// allows reports whether t's policy lets a caller of account perform action
// (e.g. "SNS:Publish"). The topic's own account is always allowed.
func (t *topic) allows(account, action string) bool {
	if account == "" || account == t.account {
		return true
	}
	t.mu.RLock()
	policy := t.attrs["Policy"]
	t.mu.RUnlock()
	return policyAllows(policy, account, action)
}

// policyAllows evaluates a policy document for a cross-account caller: an
// explicit Deny wins, else some Allow must match principal, action and the
// AWS:SourceOwner / AWS:SourceAccount conditions it carries.
func policyAllows(policy, account, action string) bool {
	var p policyDoc
	if err := json.Unmarshal([]byte(policy), &p); err != nil {
		return false
	}
	allowed := false
	for _, st := range p.Statement {
		if !matchAction(st.Action, action) || !matchPrincipal(st.Principal, account) || !matchCondition(st.Condition, account) {
			continue
		}
		switch st.Effect {
		case "Deny":
			return false
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

// stringsOf returns v as a list of strings (one string or a list).
func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return x
	}
	return nil
}

func matchAction(v any, action string) bool {
	for _, a := range stringsOf(v) {
		if a == "*" || strings.EqualFold(a, "sns:*") || strings.EqualFold(a, action) {
			return true
		}
	}
	return false
}

func matchPrincipal(v any, account string) bool {
	if s, ok := v.(string); ok {
		return s == "*"
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, p := range stringsOf(m["AWS"]) {
		if p == "*" || p == account || strings.HasSuffix(p, ":iam::"+account+":root") ||
			strings.Contains(p, ":iam::"+account+":") {
			return true
		}
	}
	return false
}

// matchCondition checks the account conditions AWS evaluates for topic
// access (others are taken as met).
func matchCondition(v any, account string) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return true
	}
	for op, body := range m {
		keys, ok := body.(map[string]any)
		if !ok {
			continue
		}
		for k, vals := range keys {
			if !strings.EqualFold(k, "AWS:SourceOwner") && !strings.EqualFold(k, "AWS:SourceAccount") {
				continue
			}
			hit := false
			for _, want := range stringsOf(vals) {
				if want == account || (strings.HasPrefix(op, "StringLike") && want == "*") {
					hit = true
				}
			}
			if strings.HasPrefix(op, "StringNotEquals") || strings.HasPrefix(op, "StringNotLike") {
				hit = !hit
			}
			if !hit {
				return false
			}
		}
	}
	return true
}

// policyActions are the action names AddPermission accepts.
var policyActions = map[string]bool{
	"GetTopicAttributes": true, "SetTopicAttributes": true, "AddPermission": true, "RemovePermission": true,
	"DeleteTopic": true, "Subscribe": true, "ListSubscriptionsByTopic": true, "Publish": true, "Receive": true,
}

// AddPermission adds a statement to a topic's policy that lets the given
// accounts perform the given actions.
func (s *Service) AddPermission(ctx context.Context, in *AddPermissionInput) (*AddPermissionOutput, error) {
	t, err := s.topicByARN(str(in.TopicArn))
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "AddPermission"); err != nil {
		return nil, err
	}
	label := str(in.Label)
	if label == "" {
		return nil, invalidParam("Invalid parameter: Label") // unverified: wording
	}
	if len(in.AWSAccountId) == 0 {
		return nil, invalidParam("Invalid parameter: AWSAccountId") // unverified: wording
	}
	if len(in.ActionName) == 0 {
		return nil, invalidParam("Invalid parameter: ActionName") // unverified: wording
	}
	for _, a := range in.ActionName {
		if !policyActions[a] {
			return nil, invalidParam("Invalid parameter: Policy statement action out of service scope!")
		}
	}
	principals := make([]any, len(in.AWSAccountId))
	for i, a := range in.AWSAccountId {
		principals[i] = "arn:" + s.partition() + ":iam::" + a + ":root"
	}
	actions := make([]any, len(in.ActionName))
	for i, a := range in.ActionName {
		actions[i] = "SNS:" + a
	}
	st := policyStatement{Sid: label, Effect: "Allow", Principal: map[string]any{"AWS": oneOrList(principals)},
		Action: oneOrList(actions), Resource: t.arn}
	t.mu.Lock()
	defer t.mu.Unlock()
	p, err := t.policyLocked()
	if err != nil {
		return nil, err
	}
	for _, old := range p.Statement {
		if old.Sid == label {
			return nil, invalidParam("Invalid parameter: Statement already exists")
		}
	}
	p.Statement = append(p.Statement, st)
	return &AddPermissionOutput{}, t.storePolicyLocked(p)
}

// RemovePermission removes the statement with the given label from a
// topic's policy; an unknown label is not an error.
func (s *Service) RemovePermission(ctx context.Context, in *RemovePermissionInput) (*RemovePermissionOutput, error) {
	t, err := s.topicByARN(str(in.TopicArn))
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "RemovePermission"); err != nil {
		return nil, err
	}
	label := str(in.Label)
	t.mu.Lock()
	defer t.mu.Unlock()
	p, err := t.policyLocked()
	if err != nil {
		return nil, err
	}
	kept := p.Statement[:0]
	for _, st := range p.Statement {
		if st.Sid != label {
			kept = append(kept, st)
		}
	}
	p.Statement = kept
	return &RemovePermissionOutput{}, t.storePolicyLocked(p)
}

// policyLocked decodes t's policy (t.mu held); a topic whose policy was
// removed starts from an empty document.
func (t *topic) policyLocked() (policyDoc, error) {
	raw := t.attrs[attrPolicy]
	if raw == "" {
		return policyDoc{Version: "2008-10-17", Statement: []policyStatement{}}, nil
	}
	var p policyDoc
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return policyDoc{}, fmt.Errorf("decoding the policy of %s: %w", t.arn, err)
	}
	return p, nil
}

func (t *topic) storePolicyLocked(p policyDoc) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encoding the policy of %s: %w", t.arn, err)
	}
	t.attrs[attrPolicy] = string(b)
	t.persistLocked()
	return nil
}

// oneOrList is v's only element when it has one, else v (AWS writes
// single principals and actions as strings).
func oneOrList(v []any) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}
