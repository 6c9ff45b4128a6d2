package eventbridge

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

// defaultBus is the name of the bus every account and region has.
const defaultBus = "default"

// bus is an event bus.
type bus struct {
	name, arn   string
	created     time.Time
	modified    time.Time
	description *string
	kmsKey      *string
	dlq         *DeadLetterConfig
	logConfig   *LogConfig
	eventSource string // the partner event source of a partner bus
	policy      *busPolicy
	tags        tagSet
	rules       map[string]*rule
	set         eventmatch.Set // enabled pattern rules, by rule name
	deleted     bool
}

// match returns the enabled pattern rules of b that match the JSON event,
// sorted by name. The caller holds s.mu (read or write).
func (b *bus) match(event []byte) ([]*rule, error) {
	ids, err := b.set.Match(event)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	out := make([]*rule, 0, len(ids))
	for _, id := range ids {
		if r := b.rules[id]; r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// index updates b.set for r after a change (s.mu held for writing).
func (b *bus) index(r *rule) {
	if r.compiled != nil && r.enabled() && !r.deleted {
		b.set.Add(r.name, r.compiled)
		return
	}
	b.set.Remove(r.name)
}

// busName extracts the bus name from a name or an event-bus ARN.
func busName(nameOrARN *string) string {
	n := strOr(nameOrARN, "")
	if n == "" {
		return defaultBus
	}
	if strings.HasPrefix(n, "arn:") {
		if i := strings.Index(n, ":event-bus/"); i >= 0 {
			return n[i+len(":event-bus/"):]
		}
	}
	return n
}

// busLocked finds a bus of this scope by name or ARN (s.mu held).
func (s *Service) busLocked(nameOrARN *string) (*bus, error) {
	name := busName(nameOrARN)
	if a, ok := parseARN(strOr(nameOrARN, "")); ok && (a.account != s.env.Scope.Account || a.region != s.env.Scope.Region) {
		// unverified: the answer for another scope's bus ARN in a
		// control-plane call (rules live only on the caller's buses).
		return nil, errBusNotFound(name)
	}
	if b := s.buses[name]; b != nil {
		return b, nil
	}
	return nil, errBusNotFound(name)
}

// CreateEventBus creates a custom or partner event bus.
func (s *Service) CreateEventBus(ctx context.Context, in *CreateEventBusInput) (*CreateEventBusOutput, error) {
	name := strOr(in.Name, "")
	src := strOr(in.EventSourceName, "")
	if src == "" && strings.Contains(name, "/") {
		return nil, errValidation("Event bus name must not contain '/'.")
	}
	if err := validateDLQ(in.DeadLetterConfig); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buses[name] != nil {
		return nil, errExists("Event bus %s already exists.", name)
	}
	// The default bus does not count toward the quota of custom buses.
	if q := s.softQuota(); q > 0 && len(s.buses)-1 >= q {
		return nil, errQuota() // unverified: CreateEventBus's text for a full quota
	}
	if src != "" {
		es := s.eventSources[src]
		if es == nil {
			return nil, errNotFound("Event source %s does not exist.", src)
		}
		if name != src {
			// unverified: wording for a partner bus whose name differs from its source.
			return nil, errValidation("Event source %s does not match the event bus name %s.", src, name)
		}
	}
	now := s.now()
	b := &bus{
		name: name, arn: s.arn("event-bus/" + name), created: now, modified: now,
		description: in.Description, kmsKey: in.KmsKeyIdentifier, dlq: in.DeadLetterConfig,
		logConfig: in.LogConfig, eventSource: src, rules: map[string]*rule{},
	}
	b.tags.set(in.Tags)
	s.buses[name] = b
	s.saveBusLocked(b)
	if es := s.eventSources[src]; es != nil {
		es.state = EventSourceStateActive
		s.saveEventSourceLocked(es)
	}
	return &CreateEventBusOutput{EventBusArn: &b.arn, Description: b.description, KmsKeyIdentifier: b.kmsKey, DeadLetterConfig: b.dlq, LogConfig: b.logConfig}, nil
}

// DescribeEventBus describes a bus (default when Name is empty).
func (s *Service) DescribeEventBus(ctx context.Context, in *DescribeEventBusInput) (*DescribeEventBusOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.busLocked(in.Name)
	if err != nil {
		return nil, err
	}
	return &DescribeEventBusOutput{
		Name: &b.name, Arn: &b.arn, Description: b.description, KmsKeyIdentifier: b.kmsKey,
		DeadLetterConfig: b.dlq, Policy: b.policy.render(), LogConfig: b.logConfig,
		CreationTime: ptr(b.created), LastModifiedTime: ptr(b.modified),
	}, nil
}

// UpdateEventBus changes a bus's description, KMS key, dead-letter queue
// and log configuration.
func (s *Service) UpdateEventBus(ctx context.Context, in *UpdateEventBusInput) (*UpdateEventBusOutput, error) {
	if err := validateDLQ(in.DeadLetterConfig); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.busLocked(in.Name)
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		b.description = optStr(*in.Description)
	}
	// Without KmsKeyIdentifier the bus goes back to an AWS owned key (the
	// UpdateEventBus API reference; Terraform's aws_cloudwatch_event_bus
	// removes a key by leaving it out), while Description, DeadLetterConfig
	// and LogConfig keep their values unless given (Terraform clears a
	// description by sending "").
	b.kmsKey = nil
	if in.KmsKeyIdentifier != nil {
		b.kmsKey = optStr(*in.KmsKeyIdentifier)
	}
	if in.DeadLetterConfig != nil {
		b.dlq = in.DeadLetterConfig
		if strOr(in.DeadLetterConfig.Arn, "") == "" {
			b.dlq = nil
		}
	}
	if in.LogConfig != nil {
		b.logConfig = in.LogConfig
	}
	b.modified = s.now()
	s.saveBusLocked(b)
	return &UpdateEventBusOutput{Arn: &b.arn, Name: &b.name, KmsKeyIdentifier: b.kmsKey, Description: b.description, DeadLetterConfig: b.dlq, LogConfig: b.logConfig}, nil
}

// DeleteEventBus deletes a custom bus and its rules; deleting a bus that
// does not exist succeeds, as on AWS.
func (s *Service) DeleteEventBus(ctx context.Context, in *DeleteEventBusInput) (*DeleteEventBusOutput, error) {
	name := strOr(in.Name, "")
	if name == defaultBus {
		return nil, errValidation("Cannot delete event bus default.")
	}
	s.mu.Lock()
	b := s.buses[name]
	var gone []*rule
	dropped := map[string][]*target{} // rule ARN -> targets
	if b != nil {
		delete(s.buses, name)
		s.del(keyBus + name)
		b.deleted = true
		for _, r := range b.rules {
			r.deleted = true
			b.set.Remove(r.name)
			s.deleteRuleLocked(r)
			if r.sched != nil {
				gone = append(gone, r)
			}
			if len(r.targets) > 0 {
				dropped[r.arn] = r.targets
			}
		}
		if es := s.eventSources[b.eventSource]; es != nil {
			es.state = EventSourceStatePending
			s.saveEventSourceLocked(es)
		}
	}
	s.mu.Unlock()
	for ruleArn, ts := range dropped {
		s.targetsRemoved(ruleArn, ts)
	}
	for _, r := range gone {
		s.notifySchedule(r)
	}
	return &DeleteEventBusOutput{}, nil
}

// ListEventBuses lists the buses of the account and region by name.
func (s *Service) ListEventBuses(ctx context.Context, in *ListEventBusesInput) (*ListEventBusesOutput, error) {
	prefix := strOr(in.NamePrefix, "")
	s.mu.RLock()
	items := make([]keyed[EventBus], 0, len(s.buses))
	for _, b := range s.buses {
		if !strings.HasPrefix(b.name, prefix) {
			continue
		}
		items = append(items, keyed[EventBus]{b.name, EventBus{
			Name: ptr(b.name), Arn: ptr(b.arn), Description: b.description, Policy: b.policy.render(),
			CreationTime: ptr(b.created), LastModifiedTime: ptr(b.modified),
		}})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListEventBusesOutput{EventBuses: out, NextToken: next}, nil
}

// validateDLQ checks a DeadLetterConfig's ARN (an SQS queue).
func validateDLQ(d *DeadLetterConfig) error {
	if d == nil || d.Arn == nil || *d.Arn == "" {
		return nil
	}
	a, ok := parseARN(*d.Arn)
	if !ok || a.service != "sqs" {
		// unverified: wording for a non-SQS dead-letter ARN.
		return errParam("DeadLetterConfig.Arn", "ARN is not a valid SQS queue ARN.")
	}
	return nil
}

// arnFields is a parsed ARN.
type arnFields struct {
	partition, service, region, account, resource string
}

// parseARN splits arn:partition:service:region:account:resource.
func parseARN(s string) (arnFields, bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" || p[1] == "" || p[2] == "" {
		return arnFields{}, false
	}
	return arnFields{p[1], p[2], p[3], p[4], p[5]}, true
}

// mustJSON marshals v (which cannot fail for the types used here).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}
