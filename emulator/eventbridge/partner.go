package eventbridge

import (
	"context"
	"strings"
	"time"
)

// partnerExpiry is how long a partner event source stays pending.
// unverified: AWS's expiry period of an unused partner event source.
const partnerExpiry = 14 * 24 * time.Hour

// partnerSource is a partner event source, in the partner's scope, with the
// accounts it is offered to.
type partnerSource struct {
	name, arn string
	accounts  map[string]time.Time // account -> creation time
}

// eventSource is a partner event source offered to this account.
type eventSource struct {
	name, arn   string
	createdBy   string
	created     time.Time
	expiration  time.Time
	state       EventSourceState
	deactivated bool
}

// eventSourceARN is the ARN of a partner event source (no account).
func (s *Service) eventSourceARN(name string) string {
	return "arn:" + s.partition() + ":events:" + s.env.Scope.Region + "::event-source/" + name
}

// partnerName is the partner part of a source name: aws.partner/<partner>.
func partnerName(name string) string {
	p := strings.SplitN(name, "/", 3)
	if len(p) < 2 {
		return name
	}
	return p[0] + "/" + p[1]
}

func errSourceNotFound(name string) error {
	return errNotFound("Event source %s does not exist.", name)
}

// CreatePartnerEventSource offers a partner event source to an account.
func (s *Service) CreatePartnerEventSource(ctx context.Context, in *CreatePartnerEventSourceInput) (*CreatePartnerEventSourceOutput, error) {
	name, account := strOr(in.Name, ""), strOr(in.Account, "")
	other := s.other(account, s.env.Scope.Region)
	if other == nil {
		return nil, errValidation("Parameter Account is not valid.") // unverified: wording
	}
	now := s.now()
	s.mu.Lock()
	ps := s.partnerSources[name]
	if ps == nil {
		ps = &partnerSource{name: name, arn: s.eventSourceARN(name), accounts: map[string]time.Time{}}
		s.partnerSources[name] = ps
	}
	if _, ok := ps.accounts[account]; ok {
		s.mu.Unlock()
		return nil, errExists("Event source %s already exists.", name) // unverified: wording
	}
	ps.accounts[account] = now
	s.savePartnerSourceLocked(ps)
	arn := ps.arn
	s.mu.Unlock()
	other.mu.Lock()
	es := &eventSource{name: name, arn: arn, createdBy: partnerName(name), created: now,
		expiration: now.Add(partnerExpiry), state: EventSourceStatePending}
	other.eventSources[name] = es
	other.saveEventSourceLocked(es)
	other.mu.Unlock()
	return &CreatePartnerEventSourceOutput{EventSourceArn: ptr(arn)}, nil
}

// DeletePartnerEventSource withdraws a partner event source from an account.
func (s *Service) DeletePartnerEventSource(ctx context.Context, in *DeletePartnerEventSourceInput) (*DeletePartnerEventSourceOutput, error) {
	name, account := strOr(in.Name, ""), strOr(in.Account, "")
	s.mu.Lock()
	ps := s.partnerSources[name]
	if ps == nil {
		s.mu.Unlock()
		return nil, errSourceNotFound(name)
	}
	if _, ok := ps.accounts[account]; !ok {
		s.mu.Unlock()
		return nil, errSourceNotFound(name) // unverified: wording for an account the source is not offered to
	}
	delete(ps.accounts, account)
	if len(ps.accounts) == 0 {
		delete(s.partnerSources, name)
		s.del(keyPartner + name)
	} else {
		s.savePartnerSourceLocked(ps)
	}
	s.mu.Unlock()
	if other := s.other(account, s.env.Scope.Region); other != nil {
		other.mu.Lock()
		if es := other.eventSources[name]; es != nil {
			es.state = EventSourceStateDeleted
			other.saveEventSourceLocked(es)
		}
		other.mu.Unlock()
	}
	return &DeletePartnerEventSourceOutput{}, nil
}

// DescribePartnerEventSource describes a partner's event source.
func (s *Service) DescribePartnerEventSource(ctx context.Context, in *DescribePartnerEventSourceInput) (*DescribePartnerEventSourceOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ps := s.partnerSources[strOr(in.Name, "")]
	if ps == nil {
		return nil, errSourceNotFound(strOr(in.Name, ""))
	}
	return &DescribePartnerEventSourceOutput{Arn: ptr(ps.arn), Name: ptr(ps.name)}, nil
}

// ListPartnerEventSources lists a partner's event sources by name prefix.
func (s *Service) ListPartnerEventSources(ctx context.Context, in *ListPartnerEventSourcesInput) (*ListPartnerEventSourcesOutput, error) {
	prefix := strOr(in.NamePrefix, "")
	s.mu.RLock()
	var items []keyed[PartnerEventSource]
	for _, ps := range s.partnerSources {
		if strings.HasPrefix(ps.name, prefix) {
			items = append(items, keyed[PartnerEventSource]{ps.name, PartnerEventSource{Arn: ptr(ps.arn), Name: ptr(ps.name)}})
		}
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListPartnerEventSourcesOutput{PartnerEventSources: out, NextToken: next}, nil
}

// ListPartnerEventSourceAccounts lists the accounts a source is offered to.
func (s *Service) ListPartnerEventSourceAccounts(ctx context.Context, in *ListPartnerEventSourceAccountsInput) (*ListPartnerEventSourceAccountsOutput, error) {
	name := strOr(in.EventSourceName, "")
	s.mu.RLock()
	ps := s.partnerSources[name]
	if ps == nil {
		s.mu.RUnlock()
		return nil, errSourceNotFound(name)
	}
	accounts := make(map[string]time.Time, len(ps.accounts))
	for a, t := range ps.accounts {
		accounts[a] = t
	}
	s.mu.RUnlock()
	var items []keyed[PartnerEventSourceAccount]
	for a, created := range accounts {
		acc := PartnerEventSourceAccount{Account: ptr(a), CreationTime: ptr(created), State: EventSourceStatePending}
		if other := s.other(a, s.env.Scope.Region); other != nil {
			other.mu.RLock()
			if es := other.eventSources[name]; es != nil {
				acc.State, acc.ExpirationTime = es.state, optTime(es.expiration)
			}
			other.mu.RUnlock()
		}
		items = append(items, keyed[PartnerEventSourceAccount]{a, acc})
	}
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListPartnerEventSourceAccountsOutput{PartnerEventSourceAccounts: out, NextToken: next}, nil
}

func (s *Service) eventSourceLocked(name string) (*eventSource, error) {
	if es := s.eventSources[name]; es != nil {
		return es, nil
	}
	return nil, errSourceNotFound(name)
}

// DescribeEventSource describes a partner event source offered to this account.
func (s *Service) DescribeEventSource(ctx context.Context, in *DescribeEventSourceInput) (*DescribeEventSourceOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	es, err := s.eventSourceLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	return &DescribeEventSourceOutput{Arn: ptr(es.arn), CreatedBy: ptr(es.createdBy), CreationTime: ptr(es.created),
		ExpirationTime: optTime(es.expiration), Name: ptr(es.name), State: es.state}, nil
}

// ListEventSources lists the partner event sources offered to this account.
func (s *Service) ListEventSources(ctx context.Context, in *ListEventSourcesInput) (*ListEventSourcesOutput, error) {
	prefix := strOr(in.NamePrefix, "")
	s.mu.RLock()
	var items []keyed[EventSource]
	for _, es := range s.eventSources {
		if strings.HasPrefix(es.name, prefix) {
			items = append(items, keyed[EventSource]{es.name, EventSource{Arn: ptr(es.arn), CreatedBy: ptr(es.createdBy),
				CreationTime: ptr(es.created), ExpirationTime: optTime(es.expiration), Name: ptr(es.name), State: es.state}})
		}
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListEventSourcesOutput{EventSources: out, NextToken: next}, nil
}

// ActivateEventSource reactivates a deactivated partner event source.
func (s *Service) ActivateEventSource(ctx context.Context, in *ActivateEventSourceInput) (*ActivateEventSourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, err := s.eventSourceLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	if es.state == EventSourceStateDeleted {
		return nil, awsErr(ErrCodeInvalidStateException, "Event source %s is deleted.", es.name) // unverified: wording
	}
	es.deactivated = false
	if s.buses[es.name] != nil {
		es.state = EventSourceStateActive
	}
	s.saveEventSourceLocked(es)
	return &ActivateEventSourceOutput{}, nil
}

// DeactivateEventSource pauses a partner event source.
func (s *Service) DeactivateEventSource(ctx context.Context, in *DeactivateEventSourceInput) (*DeactivateEventSourceOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es, err := s.eventSourceLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	if es.state == EventSourceStateDeleted {
		return nil, awsErr(ErrCodeInvalidStateException, "Event source %s is deleted.", es.name) // unverified: wording
	}
	es.deactivated = true
	es.state = EventSourceStatePending
	s.saveEventSourceLocked(es)
	return &DeactivateEventSourceOutput{}, nil
}

// PutPartnerEvents sends a partner's events to the partner bus of every
// account its source is offered to. Accounts without a partner bus (or
// with the source deactivated) drop the event, as on AWS.
func (s *Service) PutPartnerEvents(ctx context.Context, in *PutPartnerEventsInput) (*PutPartnerEventsOutput, error) {
	now := s.now()
	out := &PutPartnerEventsOutput{Entries: make([]PutPartnerEventsResultEntry, 0, len(in.Entries))}
	failed := int32(0)
	fail := func(code, msg string) {
		failed++
		out.Entries = append(out.Entries, PutPartnerEventsResultEntry{ErrorCode: ptr(code), ErrorMessage: ptr(msg)})
	}
	for _, e := range in.Entries {
		switch {
		case strOr(e.Source, "") == "":
			fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.")
			continue
		case strOr(e.DetailType, "") == "":
			fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
			continue
		case strOr(e.Detail, "") == "":
			fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.")
			continue
		}
		detail, err := compactDetail(*e.Detail)
		if err != nil {
			fail("MalformedDetail", "Detail is malformed.")
			continue
		}
		s.mu.RLock()
		ps := s.partnerSources[*e.Source]
		var accounts []string
		if ps != nil {
			for a := range ps.accounts {
				accounts = append(accounts, a)
			}
		}
		s.mu.RUnlock()
		if ps == nil {
			// unverified: code and text for a source the partner does not own.
			fail("InvalidArgument", "Parameter Source is not valid. Reason: Event source "+*e.Source+" does not exist.")
			continue
		}
		id := newUUID()
		for _, account := range accounts {
			other := s.other(account, s.env.Scope.Region)
			if other == nil {
				continue
			}
			other.mu.RLock()
			es := other.eventSources[*e.Source]
			active := es != nil && !es.deactivated && es.state != EventSourceStateDeleted
			other.mu.RUnlock()
			if !active {
				continue
			}
			ev := &event{id: id, detailType: *e.DetailType, source: *e.Source, account: account, region: s.env.Scope.Region,
				time: now, resources: e.Resources, detail: detail, ingested: now}
			if e.Time != nil {
				ev.time = *e.Time
			}
			ev.time = ev.time.UTC().Truncate(time.Second)
			if ev.resources == nil {
				ev.resources = []string{}
			}
			ev.seal()
			_ = other.deliverToBus(ctx, account, *e.Source, ev) // no partner bus: dropped
		}
		out.Entries = append(out.Entries, PutPartnerEventsResultEntry{EventId: ptr(id)})
	}
	out.FailedEntryCount = &failed
	return out, nil
}
