package eventbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// busPolicy is the resource policy of a bus: its statements in order, each
// kept as the compact JSON AWS returns.
type busPolicy struct {
	version    string
	statements []json.RawMessage
}

// policyStatement is the statement PutPermission writes, in AWS's key order.
type policyStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal any            `json:"Principal"`
	Action    string         `json:"Action"`
	Resource  string         `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// render returns the policy document, nil without statements.
func (p *busPolicy) render() *string {
	if p == nil || len(p.statements) == 0 {
		return nil
	}
	var buf bytes.Buffer
	buf.WriteString(`{"Version":`)
	v, _ := json.Marshal(p.version)
	buf.Write(v)
	buf.WriteString(`,"Statement":[`)
	for i, st := range p.statements {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(st)
	}
	buf.WriteString("]}")
	s := buf.String()
	return &s
}

// sid returns a statement's Sid.
func stmtSid(raw json.RawMessage) string {
	var st struct{ Sid string }
	_ = json.Unmarshal(raw, &st)
	return st.Sid
}

// allows reports whether the bus policy lets account call action (e.g.
// "events:PutEvents"). The owner is always allowed. Deny statements win.
// The emulator has no AWS Organizations, so conditions are not evaluated.
func (b *bus) allows(owner, account, action string) bool {
	if account == owner {
		return true
	}
	if b.policy == nil {
		return false
	}
	allowed := false
	for _, raw := range b.policy.statements {
		var st struct {
			Effect    string
			Principal any
			Action    any
		}
		if json.Unmarshal(raw, &st) != nil {
			continue
		}
		if !principalMatches(st.Principal, account) || !actionMatches(st.Action, action) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		if st.Effect == "Allow" {
			allowed = true
		}
	}
	return allowed
}

func principalMatches(p any, account string) bool {
	switch v := p.(type) {
	case string:
		return v == "*" || v == account || (strings.HasPrefix(v, "arn:") && strings.HasSuffix(v, ":iam::"+account+":root"))
	case map[string]any:
		return principalMatches(v["AWS"], account)
	case []any:
		for _, e := range v {
			if principalMatches(e, account) {
				return true
			}
		}
	}
	return false
}

func actionMatches(a any, action string) bool {
	switch v := a.(type) {
	case string:
		return v == action || v == "events:*" || v == "*"
	case []any:
		for _, e := range v {
			if actionMatches(e, action) {
				return true
			}
		}
	}
	return false
}

var principalRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d{12}|\*)$`) })

// statementIDRe is the form of a StatementId.
var statementIDRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`) })

// PutPermission adds a statement to a bus's policy, or replaces the policy
// with a whole document.
func (s *Service) PutPermission(ctx context.Context, in *PutPermissionInput) (*PutPermissionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.busLocked(in.EventBusName)
	if err != nil {
		return nil, err
	}
	if in.Policy != nil {
		if in.Action != nil || in.Principal != nil || in.StatementId != nil || in.Condition != nil {
			// unverified: wording when Policy is combined with the other parameters.
			return nil, errValidation("Combination of policy with other arguments is not allowed")
		}
		var doc struct {
			Version   string
			Statement json.RawMessage
		}
		if err := json.Unmarshal([]byte(*in.Policy), &doc); err != nil {
			// The text of moto's put_permission (getmoto/moto
			// moto/events/models.py).
			return nil, errValidation("This policy contains invalid Json")
		}
		var stmts []json.RawMessage
		if len(doc.Statement) > 0 && doc.Statement[0] == '{' {
			stmts = []json.RawMessage{doc.Statement}
		} else if err := json.Unmarshal(doc.Statement, &stmts); err != nil || len(stmts) == 0 {
			// unverified: wording for a policy without statements.
			return nil, errParam("Policy", "Policy must contain at least one statement.")
		}
		for i := range stmts {
			var c bytes.Buffer
			if json.Compact(&c, stmts[i]) == nil {
				stmts[i] = c.Bytes()
			}
		}
		if doc.Version == "" {
			doc.Version = "2012-10-17"
		}
		b.policy = &busPolicy{version: doc.Version, statements: stmts}
		b.modified = s.now()
		s.saveBusLocked(b)
		return &PutPermissionOutput{}, nil
	}
	// The checks and texts below are those of moto's put_permission
	// (getmoto/moto moto/events/models.py), in its order.
	if in.Principal == nil {
		return nil, errValidation("Parameter Principal must be specified.")
	}
	if in.Condition != nil && *in.Principal != "*" {
		return nil, awsErr("InvalidParameterValue", "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set.")
	}
	if !principalRe().MatchString(*in.Principal) {
		return nil, awsErr("InvalidParameterValue", `Value %s at 'principal' failed to satisfy constraint: Member must satisfy regular expression pattern: (\d{12}|\*)`, *in.Principal)
	}
	if in.Action == nil || *in.Action != "events:PutEvents" {
		return nil, errValidation("Provided value in parameter 'action' is not supported.")
	}
	if in.StatementId == nil || !statementIDRe().MatchString(*in.StatementId) {
		return nil, awsErr("InvalidParameterValue", `StatementId must match ^[a-zA-Z0-9-_]{1,64}$`)
	}
	st := policyStatement{Sid: *in.StatementId, Effect: "Allow", Action: *in.Action, Resource: b.arn}
	if *in.Principal == "*" {
		st.Principal = "*"
	} else {
		st.Principal = map[string]string{"AWS": "arn:" + s.partition() + ":iam::" + *in.Principal + ":root"}
	}
	if c := in.Condition; c != nil {
		st.Condition = map[string]any{strOr(c.Type, ""): map[string]string{strOr(c.Key, ""): strOr(c.Value, "")}}
	}
	raw, _ := json.Marshal(st)
	if b.policy == nil {
		b.policy = &busPolicy{version: "2012-10-17"}
	}
	stmts := slices.Clone(b.policy.statements)
	replaced := false
	for i, old := range stmts {
		if stmtSid(old) == st.Sid {
			stmts[i], replaced = raw, true
		}
	}
	if !replaced {
		stmts = append(stmts, raw)
	}
	b.policy = &busPolicy{version: b.policy.version, statements: stmts}
	b.modified = s.now()
	s.saveBusLocked(b)
	return &PutPermissionOutput{}, nil
}

// RemovePermission removes one statement of a bus's policy, or all.
func (s *Service) RemovePermission(ctx context.Context, in *RemovePermissionInput) (*RemovePermissionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.busLocked(in.EventBusName)
	if err != nil {
		return nil, err
	}
	if in.RemoveAllPermissions != nil && *in.RemoveAllPermissions {
		b.policy = nil
		b.modified = s.now()
		s.saveBusLocked(b)
		return &RemovePermissionOutput{}, nil
	}
	if in.StatementId == nil || *in.StatementId == "" {
		return nil, errValidation("Parameter StatementId is required.") // unverified: wording
	}
	if b.policy == nil || len(b.policy.statements) == 0 {
		return nil, errNotFound("EventBus does not have a policy.")
	}
	i := slices.IndexFunc(b.policy.statements, func(raw json.RawMessage) bool { return stmtSid(raw) == *in.StatementId })
	if i < 0 {
		return nil, errNotFound("Statement with the provided id does not exist.")
	}
	stmts := slices.Delete(slices.Clone(b.policy.statements), i, i+1)
	b.policy = &busPolicy{version: b.policy.version, statements: stmts}
	if len(stmts) == 0 {
		b.policy = nil
	}
	b.modified = s.now()
	s.saveBusLocked(b)
	return &RemovePermissionOutput{}, nil
}
