package eventbridge

// PutEvents: entry validation with per-entry failures, the request size
// limit, bus resolution (by name or ARN, across accounts when the bus's
// policy allows it) and ingestion: the event is matched against the bus's
// rules and handed to their targets.

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// maxPutEventsBytes is the limit on the entries of one PutEvents request
// by AWS's entry-size calculation: 1 MB since January 2026 (256 KB
// before).
const maxPutEventsBytes = 1 << 20

// timeEntryBytes is what an entry's Time counts for in the size.
const timeEntryBytes = 14

// Per-entry error codes of PutEvents.
const (
	entryInvalidArgument = "InvalidArgument"
	entryMalformedDetail = "MalformedDetail"
)

// entrySize is AWS's PutEventsRequestEntry size: 14 bytes for Time when
// set, and the UTF-8 bytes of Source, DetailType, Detail and each
// resource.
func entrySize(e *PutEventsRequestEntry) int {
	n := 0
	if e.Time != nil {
		n += timeEntryBytes
	}
	n += len(strOf(e.Source)) + len(strOf(e.DetailType)) + len(strOf(e.Detail))
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// entryFailure is a failed PutEvents entry.
func entryFailure(code, message string) PutEventsResultEntry {
	return PutEventsResultEntry{ErrorCode: &code, ErrorMessage: &message}
}

// checkEntry validates one entry and returns its compacted detail, or the
// entry's failure.
func checkEntry(e *PutEventsRequestEntry) ([]byte, *PutEventsResultEntry) {
	required := func(p *string, name string) *PutEventsResultEntry {
		if p != nil && *p != "" {
			return nil
		}
		f := entryFailure(entryInvalidArgument, "Parameter "+name+" is not valid. Reason: "+name+" is a required argument.")
		return &f
	}
	if f := required(e.Source, "Source"); f != nil {
		return nil, f
	}
	if f := required(e.DetailType, "DetailType"); f != nil {
		return nil, f
	}
	if f := required(e.Detail, "Detail"); f != nil {
		return nil, f
	}
	if !utf8.ValidString(*e.Detail) {
		f := entryFailure(entryMalformedDetail, "Detail is malformed.")
		return nil, &f
	}
	detail, err := compactDetail(*e.Detail)
	if err != nil {
		f := entryFailure(entryMalformedDetail, "Detail is malformed.")
		return nil, &f
	}
	if strings.HasPrefix(*e.Source, "aws.") {
		// AWS's answer, as quoted from the AWS CLI in
		// aws-samples/serverless-patterns pull request 3089.
		f := entryFailure("NotAuthorizedForSourceException", "Not authorized for the source.")
		return nil, &f
	}
	return detail, nil
}

// PutEvents sends custom events to event buses.
func (s *Service) PutEvents(ctx context.Context, in *PutEventsInput) (*PutEventsOutput, error) {
	size := 0
	for i := range in.Entries {
		size += entrySize(&in.Entries[i])
	}
	if size > maxPutEventsBytes {
		return nil, awsapi.Errorf(awsapi.ValidationExceptionCode, "Total size of the entries in the request is over the limit.")
	}
	caller := s.caller(ctx)
	now := s.now()
	primary := ""
	if id := strOf(in.EndpointId); id != "" {
		var err error
		if primary, err = s.endpointPrimaryBus(id); err != nil {
			return nil, err
		}
	}
	var faulted map[int]awsapi.EntryFault
	if s.env.Faults != nil && s.env.Faults.Active() {
		faulted = s.env.EntryFaults(ctx, "events", "PutEvents", len(in.Entries), s.busResources(in.Entries, primary)...)
	}
	out := &PutEventsOutput{Entries: make([]PutEventsResultEntry, 0, len(in.Entries))}
	failed := int32(0)
	for i := range in.Entries {
		e := &in.Entries[i]
		if primary != "" && strOf(e.EventBusName) == "" {
			c := *e
			c.EventBusName = &primary
			e = &c
		}
		var fault *awsapi.EntryFault
		if ef, ok := faulted[i]; ok {
			fault = new(ef)
		}
		res := s.putEntry(ctx, caller, e, now, fault)
		if res.ErrorCode != nil {
			failed++
		}
		out.Entries = append(out.Entries, res)
	}
	out.FailedEntryCount = &failed
	return out, nil
}

// endpointPrimaryBus returns the primary event bus ARN of the global
// endpoint with id: PutEvents through an endpoint reaches its primary
// region's bus (the emulator never fails over).
func (s *Service) endpointPrimaryBus(id string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, ep := range s.endpoints {
		if ep.id == id && len(ep.buses) > 0 {
			return strOf(ep.buses[0].EventBusArn), nil
		}
	}
	// unverified: AWS's answer for an unknown EndpointId.
	return "", awsapi.Errorf(ErrCodeResourceNotFoundException, "Endpoint %s does not exist.", id)
}

// busResources lists the buses a PutEvents request's entries go to, by
// name and ARN, for fault rules' resource globs: a rule that matches one
// of them picks its failing entries among all of the request's.
func (s *Service) busResources(entries []PutEventsRequestEntry, primary string) []string {
	var out []string
	add := func(r string) {
		for _, have := range out {
			if have == r {
				return
			}
		}
		out = append(out, r)
	}
	for i := range entries {
		bus := strOf(entries[i].EventBusName)
		switch {
		case bus == "" && primary != "":
			bus = primary
		case bus == "":
			bus = defaultBus
		}
		add(bus)
		if !strings.HasPrefix(bus, "arn:") {
			add(s.arn("event-bus/" + bus))
		}
	}
	return out
}

// putEntry validates one entry and ingests it on its bus; fault, when
// set, fails a valid entry instead (an injected fault: the event is not
// ingested).
func (s *Service) putEntry(ctx context.Context, caller string, e *PutEventsRequestEntry, now time.Time, fault *awsapi.EntryFault) PutEventsResultEntry {
	detail, f := checkEntry(e)
	if f != nil {
		return *f
	}
	if fault != nil {
		return entryFailure(fault.Code, fault.Message)
	}
	owner, name := s.busTarget(strOf(e.EventBusName))
	ev := &event{
		id: newUUID(), detailType: *e.DetailType, source: *e.Source, account: caller,
		region: s.env.Scope.Region, time: now, resources: e.Resources, detail: detail, ingested: now,
	}
	if e.Time != nil {
		ev.time = *e.Time
	}
	ev.time = ev.time.UTC().Truncate(time.Second)
	if ev.resources == nil {
		ev.resources = []string{}
	}
	ev.seal()
	if err := owner.deliverToBus(ctx, caller, name, ev); err != nil {
		code, msg := "InternalException", err.Error()
		if ae, ok := awsapi.AsError(err); ok {
			code, msg = ae.Code, ae.Message
		}
		if code == ErrCodeResourceNotFoundException {
			// AWS accepts an entry for a bus that does not exist and drops
			// the event: the entry gets an EventId (LocalStack's AWS
			// recording test_put_events_nonexistent_event_bus in
			// tests/aws/services/events/test_events.snapshot.json).
			return PutEventsResultEntry{EventId: &ev.id}
		}
		return entryFailure(code, msg)
	}
	return PutEventsResultEntry{EventId: &ev.id}
}

// busTarget resolves an EventBusName (name or ARN) to the service that
// owns the bus and the bus's name. An ARN of another account or region
// names that scope's bus.
func (s *Service) busTarget(nameOrARN string) (*Service, string) {
	if a, ok := splitDPARN(nameOrARN); ok && a.service == "events" && strings.HasPrefix(a.resource, "event-bus/") {
		name := strings.TrimPrefix(a.resource, "event-bus/")
		if a.account != s.env.Scope.Account || a.region != s.env.Scope.Region {
			if o := s.other(a.account, a.region); o != nil {
				return o, name
			}
		}
		return s, name
	}
	if nameOrARN == "" {
		return s, defaultBus
	}
	return s, nameOrARN
}

// deliverToBus ingests ev on this service's bus name, sent by account
// sender: another account needs the bus policy's events:PutEvents.
//
// A bus under evolvestack's schema guard checks the event (its whole
// envelope) first; in mode reject a refused event is an InvalidArgument
// error and reaches no rule.
func (s *Service) deliverToBus(ctx context.Context, sender, name string, ev *event) error {
	s.mu.RLock()
	b, err := s.busLocked(&name)
	if err == nil && sender != s.env.Scope.Account && !b.allows(s.env.Scope.Account, sender, "events:PutEvents") {
		// unverified: the code and text of a PutEvents the bus policy refuses.
		err = awsapi.Errorf("AccessDeniedException", "User: arn:aws:iam::%s:root is not authorized to perform: events:PutEvents on resource: %s", sender, b.arn)
	}
	if err != nil {
		s.mu.RUnlock()
		return err
	}
	if s.env.Guard != nil {
		if c := s.env.GuardFor(b.arn, b.tags.get(awsapi.GuardSchemaTag), b.tags.get(awsapi.GuardModeTag)); c != nil {
			// Checked without the lock: the guard reads other services.
			s.mu.RUnlock()
			if msg := c.Check(ctx, ev.document()); msg != "" {
				return awsapi.Errorf(entryInvalidArgument, "%s", msg)
			}
			s.mu.RLock()
			if b, err = s.busLocked(&name); err != nil {
				s.mu.RUnlock()
				return err
			}
		}
	}
	// unverified: PutEvents accepts the entry of a bus whose key is
	// unusable (the failure shows only in the bus's dead-letter queue).
	if s.busKeyFailureLocked(b, ev) {
		d := s.busDeadLetterLocked(b)
		s.mu.RUnlock()
		s.plane().sendBusDeadLetter(d, ev)
		return nil
	}
	matched := s.matchLocked(b, ev, nil)
	busArn := b.arn
	s.mu.RUnlock()
	s.plane().dispatch(matched, ev)
	s.observe(busArn, ev)
	return nil
}

// dpARN are the fields of an ARN.
type dpARN struct {
	partition, service, region, account, resource string
}

// splitDPARN splits arn:partition:service:region:account:resource.
func splitDPARN(arn string) (dpARN, bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[0] != "arn" {
		return dpARN{}, false
	}
	return dpARN{partition: f[1], service: f[2], region: f[3], account: f[4], resource: f[5]}, true
}
