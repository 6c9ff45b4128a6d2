package eventbridge

// The seam between the control plane (part A: service.go, buses.go,
// rules.go, targets.go, archives.go, replays.go, connections.go, ...) and
// the data plane (part B: putevents*.go, envelope*.go, transform*.go,
// targets_deliver*.go, schedule_run*.go, replay_run*.go).
//
// # Locking
//
// s.mu (a sync.RWMutex on Service) guards every map of the service and
// every mutable field of the resources below (bus, rule, archive
// metadata, replay, connection, apiDestination, partner sources,
// endpoints). Readers take s.mu.RLock, writers s.mu.Lock. A service never
// holds its own lock while taking another scope's (cross-account buses):
// look the other Service up with s.other(account, region), release, then
// lock it. Hooks are called with no lock held.
//
// Immutable snapshots: rule.targets is a copy-on-write slice of *target;
// PutTargets/RemoveTargets install a new slice, a stored *target is never
// modified. So the data plane may read r.targets under s.mu.RLock and use
// the slice and its targets after releasing the lock.
//
// # Lookups (caller holds s.mu, read or write)
//
//	s.busLocked(nameOrARN *string) (*bus, error) // nil or "" = "default"; another scope's ARN or an unknown name: AWS's ResourceNotFoundException
//	s.buses[name]                                 // *bus by name; "default" always exists
//	b.match(event []byte) ([]*rule, error)        // enabled pattern rules of b matching the JSON event, sorted by name
//	b.rules[name]                                 // *rule by name (pattern and schedule rules)
//	b.allows(owner, account, action string) bool  // bus policy: may account call action (e.g. "events:PutEvents"); owner = s.env.Scope.Account
//	s.archiveByARN(arn) *archive, s.archives[name]
//	s.replays[name] *replay
//	s.connectionByARN(arn) *connection, s.apiDestinationByARN(arn) *apiDestination
//	s.other(account, region string) *Service      // the events service of another scope (no lock needed to call)
//
// # Resources
//
//	bus:  name, arn, rules, set (eventmatch.Set of the ENABLED and
//	      ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS pattern rules,
//	      keyed by rule name), dlq (*DeadLetterConfig), policy.
//	rule: bus, name, arn, state, pattern/compiled (*eventmatch.Rule, nil
//	      for schedule rules), sched (*schedule, nil for pattern rules),
//	      roleArn, managedBy, targets ([]*target), deleted (set when
//	      DeleteRule removes it). r.enabled() reports state != DISABLED.
//	target: embeds the generated Target (t.Id, t.Arn, t.RoleArn, t.Input,
//	      t.InputPath, t.InputTransformer, t.SqsParameters,
//	      t.KinesisParameters, t.HttpParameters, t.DeadLetterConfig,
//	      t.RetryPolicy as given) plus resolved t.maxAttempts (default 185)
//	      and t.maxAge (default 24h).
//	schedule: expr; sc.nextFire(after time.Time) time.Time is the first
//	      firing time strictly after `after` (zero when it never fires
//	      again; cron is evaluated in UTC, rate from the rule's creation).
//	archive: AWS keeps an archive as a managed rule on its bus,
//	      "Events-Archive-<name>" (ManagedBy "prod.vhs.events.aws.internal"),
//	      whose pattern is the archive's plus {"replay-name":[{"exists":false}]}
//	      and whose one target has the archive ARN as Arn (and t.archive
//	      set): delivering to it means a.add(ingestion time, event JSON),
//	      which appends to a.events and updates EventCount/SizeBytes under
//	      a.mu (its own mutex, not s.mu).
//	      a.snapshot(from, to) returns the events in [from, to); a.purge(before)
//	      drops old ones (retention: a.retentionDays, 0 = forever).
//	replay: name, arn, archive (*archive), start, end, destBus (bus ARN),
//	      filterArns (rule ARNs; empty = all rules of the bus), state,
//	      reason, replayStart, replayEnd, lastReplayed (the runner sets it
//	      under s.mu.Lock). Change the state only
//	      with s.setReplayState(rp, state, reason) (takes s.mu; sets
//	      ReplayStartTime/ReplayEndTime as AWS does). CancelReplay moves a
//	      STARTING/RUNNING replay to CANCELLING; the runner then sets
//	      CANCELLED.
//	connection: name, arn, authType, auth (the Create parameters with
//	      secrets), state, secretArn, gen. s.setConnectionStateIf(c, gen,
//	      state, reason) for the OAuth runner (connection_states.go).
//	apiDestination: name, arn, connectionArn, endpoint, method, rateLimit
//	      (InvocationRateLimitPerSecond, default 300); its state follows
//	      the connection's (s.apiDestinationStateLocked).
//
// # Hooks (part B defines these methods on *Service; New detects them)
//
//	func (s *Service) scheduleChanged(r *rule)           // after PutRule/EnableRule/DisableRule/DeleteRule/PutTargets/RemoveTargets/DeleteEventBus of a rule with a schedule (or that had one); r.deleted on delete
//	func (s *Service) startReplay(rp *replay)            // after StartReplay stored rp in STARTING
//
// PutTargets calls the data plane's validateTargetInput(t *Target) error
// (transform.go) for Input, InputPath and InputTransformer.
// RemoveTargets, DeleteRule and DeleteEventBus call s.targetsRemoved (no
// lock held): the targets are marked removed and their waiting retries
// cancelled (s.targetRemoved). DescribeArchive and ListArchives call
// s.expireArchive first, so retention shows without new events.
// PutRule and CreateEventBus cap rules per bus and custom buses at
// env.Limits.MaxResourcesPerAccount when set (s.softQuota).
//
// Data-plane state: s.dataOnce/s.data (any) are reserved for part B:
// func (s *Service) plane() *dataPlane { s.dataOnce.Do(...); return s.data.(*dataPlane) }.

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

// rule is an EventBridge rule on one bus.
type rule struct {
	bus         *bus
	name, arn   string
	seq         uint64
	state       RuleState
	pattern     string
	compiled    *eventmatch.Rule
	sched       *schedule
	description *string
	roleArn     *string
	managedBy   string
	createdBy   string
	tags        tagSet
	// targets is copy-on-write: replaced whole, never changed in place.
	targets []*target
	deleted bool
}

// enabled reports whether the rule takes events or fires.
func (r *rule) enabled() bool { return r.state != RuleStateDisabled }

// target is one stored target of a rule; immutable once stored, but for
// removed.
type target struct {
	Target
	maxAttempts int
	maxAge      time.Duration
	// archive is set on the internal target of an archive's managed rule.
	archive *archive
	// removed is set once RemoveTargets, DeleteRule or DeleteEventBus
	// took the target away: its waiting deliveries end without attempt.
	removed atomic.Bool
}

// targetsRemoved marks the targets of rule ruleArn removed and cancels
// their waiting retries (no lock held). Deliveries the engine keys by
// something else than the rule and target (rate-limited API destinations)
// see the mark at their next attempt.
func (s *Service) targetsRemoved(ruleArn string, ts []*target) {
	for _, t := range ts {
		t.removed.Store(true)
		s.targetRemoved(ruleArn, *t.Id)
	}
}

// softQuota is the cap of the raisable per-account quotas (rules per
// event bus, event buses per account): env.Limits.MaxResourcesPerAccount,
// 0 for none. AWS's defaults (300 rules per bus, 100 buses) are raisable
// quotas, so none applies unless the limits ask for one.
func (s *Service) softQuota() int { return s.env.Limits.MaxResourcesPerAccount }

// errQuota is AWS's LimitExceededException for a full quota (the text
// PutRule, PutTargets and CreateEventBus answer).
func errQuota() error {
	return errLimit("The requested resource exceeds the maximum number allowed.")
}

// ruleARN is the ARN of rule name on bus busName.
func (s *Service) ruleARN(busName, name string) string {
	if busName == defaultBus {
		return s.arn("rule/" + name)
	}
	return s.arn("rule/" + busName + "/" + name)
}

// notifySchedule tells the data plane a scheduled rule changed (no lock held).
func (s *Service) notifySchedule(r *rule) {
	if s.onScheduleChange != nil {
		s.onScheduleChange(r)
	}
}

// compilePattern checks an EventPattern as PutRule and CreateArchive do.
func compilePattern(p string) (*eventmatch.Rule, error) {
	if len(p) > eventmatch.MaxEventPatternLength {
		return nil, errValidation("Event pattern is not valid. Reason: Event pattern exceeds maximum length.") // unverified: wording (the model caps the field at 4096)
	}
	c, err := eventmatch.CompilePattern([]byte(p))
	if err != nil {
		return nil, compileErr(err)
	}
	return c, nil
}

// PutRule creates or replaces a rule.
func (s *Service) PutRule(ctx context.Context, in *PutRuleInput) (*PutRuleOutput, error) {
	pattern, expr := strOr(in.EventPattern, ""), strOr(in.ScheduleExpression, "")
	if pattern == "" && expr == "" {
		return nil, errValidation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	var compiled *eventmatch.Rule
	if pattern != "" {
		var err error
		if compiled, err = compilePattern(pattern); err != nil {
			return nil, err
		}
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	name := strOr(in.Name, "")
	state := in.State
	if state == "" {
		state = RuleStateEnabled
	}
	s.mu.Lock()
	b, err := s.busLocked(in.EventBusName)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	var sched *schedule
	if expr != "" {
		if b.name != defaultBus {
			s.mu.Unlock()
			return nil, errValidation("ScheduleExpression is supported only on the default event bus.")
		}
		if sched, err = parseSchedule(expr, s.now()); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	}
	r := b.rules[name]
	hadSchedule := false
	if r != nil {
		if r.managedBy != "" {
			s.mu.Unlock()
			return nil, errManaged(name)
		}
		hadSchedule = r.sched != nil
		if r.sched != nil && sched != nil && r.sched.expr == sched.expr {
			sched = r.sched // keep the rate anchor of an unchanged schedule
		}
	} else {
		if q := s.softQuota(); q > 0 && len(b.rules) >= q {
			s.mu.Unlock()
			return nil, errQuota()
		}
		r = &rule{bus: b, name: name, arn: s.ruleARN(b.name, name), seq: s.nextSeqLocked(), createdBy: s.env.Scope.Account}
		r.tags.set(in.Tags)
		b.rules[name] = r
	}
	// PutRule replaces the rule: omitted fields are cleared (targets and
	// tags stay).
	r.state, r.pattern, r.compiled, r.sched = state, pattern, compiled, sched
	r.description, r.roleArn = in.Description, in.RoleArn
	b.index(r)
	s.saveRuleLocked(r)
	s.mu.Unlock()
	if sched != nil || hadSchedule {
		s.notifySchedule(r)
	}
	return &PutRuleOutput{RuleArn: ptr(r.arn)}, nil
}

// describeRule renders a rule (s.mu held).
func describeRule(r *rule) Rule {
	out := Rule{
		Name: ptr(r.name), Arn: ptr(r.arn), EventPattern: optStr(r.pattern), State: r.state,
		Description: r.description, RoleArn: r.roleArn, ManagedBy: optStr(r.managedBy), EventBusName: ptr(r.bus.name),
	}
	if r.sched != nil {
		out.ScheduleExpression = ptr(r.sched.expr)
	}
	return out
}

// ruleLocked finds a rule (s.mu held).
func (s *Service) ruleLocked(busNameOrARN *string, name string) (*rule, error) {
	b, err := s.busLocked(busNameOrARN)
	if err != nil {
		return nil, err
	}
	r := b.rules[name]
	if r == nil {
		return nil, errRuleNotFound(name, b.name)
	}
	return r, nil
}

// DescribeRule describes a rule.
func (s *Service) DescribeRule(ctx context.Context, in *DescribeRuleInput) (*DescribeRuleOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.ruleLocked(in.EventBusName, strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	d := describeRule(r)
	return &DescribeRuleOutput{
		Name: d.Name, Arn: d.Arn, EventPattern: d.EventPattern, ScheduleExpression: d.ScheduleExpression,
		State: d.State, Description: d.Description, RoleArn: d.RoleArn, ManagedBy: d.ManagedBy,
		EventBusName: d.EventBusName, CreatedBy: optStr(r.createdBy),
	}, nil
}

// setState enables or disables a rule.
func (s *Service) setState(busNameOrARN *string, name string, state RuleState) error {
	s.mu.Lock()
	r, err := s.ruleLocked(busNameOrARN, name)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	if r.managedBy != "" {
		s.mu.Unlock()
		return errManaged(name)
	}
	r.state = state
	r.bus.index(r)
	s.saveRuleLocked(r)
	s.mu.Unlock()
	if r.sched != nil {
		s.notifySchedule(r)
	}
	return nil
}

// EnableRule enables a rule.
func (s *Service) EnableRule(ctx context.Context, in *EnableRuleInput) (*EnableRuleOutput, error) {
	if err := s.setState(in.EventBusName, strOr(in.Name, ""), RuleStateEnabled); err != nil {
		return nil, err
	}
	return &EnableRuleOutput{}, nil
}

// DisableRule disables a rule.
func (s *Service) DisableRule(ctx context.Context, in *DisableRuleInput) (*DisableRuleOutput, error) {
	if err := s.setState(in.EventBusName, strOr(in.Name, ""), RuleStateDisabled); err != nil {
		return nil, err
	}
	return &DisableRuleOutput{}, nil
}

// DeleteRule deletes a rule without targets; deleting a rule that does not
// exist succeeds, as on AWS.
func (s *Service) DeleteRule(ctx context.Context, in *DeleteRuleInput) (*DeleteRuleOutput, error) {
	name := strOr(in.Name, "")
	force := in.Force != nil && *in.Force
	s.mu.Lock()
	b, err := s.busLocked(in.EventBusName)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	r := b.rules[name]
	if r == nil {
		s.mu.Unlock()
		return &DeleteRuleOutput{}, nil
	}
	if r.managedBy != "" && !force {
		s.mu.Unlock()
		return nil, errManaged(name)
	}
	if len(r.targets) > 0 {
		s.mu.Unlock()
		return nil, errValidation("Rule can't be deleted since it has targets.")
	}
	delete(b.rules, name)
	r.deleted = true
	b.index(r)
	s.deleteRuleLocked(r)
	targets := r.targets
	s.mu.Unlock()
	s.targetsRemoved(r.arn, targets)
	if r.sched != nil {
		s.notifySchedule(r)
	}
	return &DeleteRuleOutput{}, nil
}

// ListRules lists the rules of a bus by name.
func (s *Service) ListRules(ctx context.Context, in *ListRulesInput) (*ListRulesOutput, error) {
	prefix := strOr(in.NamePrefix, "")
	s.mu.RLock()
	b, err := s.busLocked(in.EventBusName)
	if err != nil {
		s.mu.RUnlock()
		return nil, err
	}
	items := make([]keyed[Rule], 0, len(b.rules))
	for _, r := range b.rules {
		if strings.HasPrefix(r.name, prefix) {
			items = append(items, keyed[Rule]{r.name, describeRule(r)})
		}
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListRulesOutput{Rules: out, NextToken: next}, nil
}

// ListRuleNamesByTarget lists the rules of a bus with a target of an ARN.
func (s *Service) ListRuleNamesByTarget(ctx context.Context, in *ListRuleNamesByTargetInput) (*ListRuleNamesByTargetOutput, error) {
	arn := strOr(in.TargetArn, "")
	s.mu.RLock()
	b, err := s.busLocked(in.EventBusName)
	if err != nil {
		s.mu.RUnlock()
		return nil, err
	}
	var items []keyed[string]
	for _, r := range b.rules {
		for _, t := range r.targets {
			if strOr(t.Arn, "") == arn {
				items = append(items, keyed[string]{r.name, r.name})
				break
			}
		}
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListRuleNamesByTargetOutput{RuleNames: out, NextToken: next}, nil
}
