package eventbridge

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxTargetsPerRule is AWS's quota of targets per rule.
const maxTargetsPerRule = 5

// Default retry policy of a target.
const (
	defaultMaxAttempts = 185
	defaultMaxAge      = 24 * time.Hour
)

var targetARNRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^arn:[\d\w:\-/]*`) })

// validPath reports whether p is a JSONPath EventBridge accepts.
func validPath(p string) bool {
	_, err := parseJSONPath(p)
	return err == nil
}

// validateTarget checks one target as PutTargets does.
func (s *Service) validateTarget(t *Target) error {
	id, arn := strOr(t.Id, ""), strOr(t.Arn, "")
	if !targetARNRe().MatchString(arn) {
		return errParam(arn, "Provided Arn is not in correct format.")
	}
	a, _ := parseARN(arn)
	// Input, InputPath and InputTransformer: the data plane's checks
	// (transform.go), which know the JSONPath and template syntax.
	if err := validateTargetInput(t); err != nil {
		return err
	}
	if a.service == "sqs" && strings.HasSuffix(arn, ".fifo") && t.SqsParameters == nil {
		return errValidation("Parameter(s) SqsParameters must be specified for target: %s.", id)
	}
	if t.SqsParameters != nil && a.service != "sqs" {
		return errValidation("Parameter(s) SqsParameters not valid for target: %s.", id) // unverified: wording
	}
	if t.KinesisParameters != nil && a.service != "kinesis" {
		return errValidation("Parameter(s) KinesisParameters not valid for target: %s.", id) // unverified: wording
	}
	if t.HttpParameters != nil && !(a.service == "events" && strings.HasPrefix(a.resource, "api-destination/")) && a.service != "execute-api" {
		return errValidation("Parameter(s) HttpParameters not valid for target: %s.", id) // unverified: wording
	}
	if t.KinesisParameters != nil && t.KinesisParameters.PartitionKeyPath != nil && *t.KinesisParameters.PartitionKeyPath != "" &&
		!validPath(*t.KinesisParameters.PartitionKeyPath) {
		return errParam("KinesisParameters.PartitionKeyPath", "Invalid JSONPath.") // unverified: wording
	}
	if t.DeadLetterConfig != nil {
		if err := validateDLQ(t.DeadLetterConfig); err != nil {
			return err
		}
	}
	if a.service == "events" && strings.HasPrefix(a.resource, "event-bus/") && a.account != s.env.Scope.Account && t.RoleArn == nil {
		// unverified: wording; AWS requires a role for cross-account bus targets.
		return errValidation("RoleArn is required for target %s.", arn)
	}
	return nil
}

// newTarget resolves a validated target for storage.
func newTarget(t Target) *target {
	nt := &target{Target: t, maxAttempts: defaultMaxAttempts, maxAge: defaultMaxAge}
	if rp := t.RetryPolicy; rp != nil {
		if rp.MaximumRetryAttempts != nil {
			nt.maxAttempts = int(*rp.MaximumRetryAttempts)
		}
		if rp.MaximumEventAgeInSeconds != nil {
			nt.maxAge = time.Duration(*rp.MaximumEventAgeInSeconds) * time.Second
		}
	}
	return nt
}

// PutTargets adds or replaces targets of a rule.
func (s *Service) PutTargets(ctx context.Context, in *PutTargetsInput) (*PutTargetsOutput, error) {
	for i := range in.Targets {
		if err := s.validateTarget(&in.Targets[i]); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	r, err := s.ruleLocked(in.EventBusName, strOr(in.Rule, ""))
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if r.managedBy != "" {
		s.mu.Unlock()
		return nil, errManaged(r.name)
	}
	ts := slices.Clone(r.targets)
	for _, t := range in.Targets {
		nt := newTarget(t)
		i := slices.IndexFunc(ts, func(o *target) bool { return *o.Id == *t.Id })
		if i >= 0 {
			ts[i] = nt
			continue
		}
		if len(ts) >= maxTargetsPerRule {
			s.mu.Unlock()
			return nil, errLimit("The requested resource exceeds the maximum number allowed.")
		}
		ts = append(ts, nt)
	}
	r.targets = ts
	s.saveRuleLocked(r)
	s.mu.Unlock()
	if r.sched != nil {
		s.notifySchedule(r)
	}
	return &PutTargetsOutput{FailedEntryCount: ptr(int32(0)), FailedEntries: []PutTargetsResultEntry{}}, nil
}

// RemoveTargets removes targets of a rule; unknown ids fail per entry.
func (s *Service) RemoveTargets(ctx context.Context, in *RemoveTargetsInput) (*RemoveTargetsOutput, error) {
	force := in.Force != nil && *in.Force
	s.mu.Lock()
	r, err := s.ruleLocked(in.EventBusName, strOr(in.Rule, ""))
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	failed := []RemoveTargetsResultEntry{}
	var removed []*target
	ts := slices.Clone(r.targets)
	for _, id := range in.Ids {
		i := slices.IndexFunc(ts, func(o *target) bool { return *o.Id == id })
		switch {
		case i < 0:
			// unverified: AWS's per-entry answer for an unknown target id.
			failed = append(failed, RemoveTargetsResultEntry{TargetId: ptr(id), ErrorCode: ptr(ErrCodeResourceNotFoundException),
				ErrorMessage: ptr("Rule '" + r.name + "' does not have a target with the Id '" + id + "'.")})
		case r.managedBy != "" && !force:
			failed = append(failed, RemoveTargetsResultEntry{TargetId: ptr(id), ErrorCode: ptr(ErrCodeManagedRuleException),
				ErrorMessage: ptr(managedRuleMessage(r.name))})
		default:
			removed = append(removed, ts[i])
			ts = slices.Delete(ts, i, i+1)
		}
	}
	r.targets = ts
	s.saveRuleLocked(r)
	s.mu.Unlock()
	// Retries waiting for a removed target are cancelled, not dead-lettered.
	s.targetsRemoved(r.arn, removed)
	if r.sched != nil {
		s.notifySchedule(r)
	}
	return &RemoveTargetsOutput{FailedEntryCount: ptr(int32(len(failed))), FailedEntries: failed}, nil
}

// ListTargetsByRule lists a rule's targets by id.
func (s *Service) ListTargetsByRule(ctx context.Context, in *ListTargetsByRuleInput) (*ListTargetsByRuleOutput, error) {
	s.mu.RLock()
	r, err := s.ruleLocked(in.EventBusName, strOr(in.Rule, ""))
	if err != nil {
		s.mu.RUnlock()
		return nil, err
	}
	items := make([]keyed[Target], 0, len(r.targets))
	for _, t := range r.targets {
		items = append(items, keyed[Target]{*t.Id, t.Target})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListTargetsByRuleOutput{Targets: out, NextToken: next}, nil
}
