package eventbridge

import (
	"context"
	"strings"
	"time"
)

// replay is a replay of archived events to a bus.
type replay struct {
	name, arn    string
	description  *string
	source       string // archive ARN
	archive      *archive
	start, end   time.Time
	destBus      string   // bus ARN
	filterArns   []string // rule ARNs; empty = every rule of the bus
	state        ReplayState
	reason       string
	replayStart  time.Time
	replayEnd    time.Time
	lastReplayed time.Time
	// sameAt is how many events archived at lastReplayed were sent: the
	// replay's progress together with lastReplayed.
	sameAt int
}

// finished reports whether the replay reached a final state.
func (rp *replay) finished() bool {
	switch rp.state {
	case ReplayStateCompleted, ReplayStateCancelled, ReplayStateFailed:
		return true
	}
	return false
}

// setReplayState moves a replay to state (takes s.mu). Final states set
// ReplayEndTime.
func (s *Service) setReplayState(rp *replay, state ReplayState, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp.state, rp.reason = state, reason
	if rp.finished() && rp.replayEnd.IsZero() {
		rp.replayEnd = s.now()
	}
	s.saveReplayLocked(rp)
}

// StartReplay starts replaying an archive's events to its bus.
func (s *Service) StartReplay(ctx context.Context, in *StartReplayInput) (*StartReplayOutput, error) {
	name := strOr(in.ReplayName, "")
	src := strOr(in.EventSourceArn, "")
	dest := ""
	if in.Destination != nil {
		dest = strOr(in.Destination.Arn, "")
	}
	if a, ok := parseARN(dest); !ok || a.service != "events" || !strings.HasPrefix(a.resource, "event-bus/") {
		return nil, errParam("Destination.Arn", "Must contain an event bus ARN.")
	}
	if in.EventStartTime != nil && in.EventEndTime != nil && !in.EventEndTime.After(*in.EventStartTime) {
		return nil, errParam("EventEndTime", "EventStartTime must be before EventEndTime.")
	}
	s.mu.Lock()
	if s.replays[name] != nil {
		s.mu.Unlock()
		return nil, errExists("Replay %s already exists.", name)
	}
	a := s.archiveByARN(src)
	if a == nil {
		s.mu.Unlock()
		return nil, errParam("EventSourceArn", "Archive "+src[strings.LastIndex(src, "/")+1:]+" does not exist.")
	}
	if dest != a.source {
		s.mu.Unlock()
		if d, _ := parseARN(dest); d.account == s.env.Scope.Account && d.region == s.env.Scope.Region {
			if _, ok := s.buses[strings.TrimPrefix(d.resource, "event-bus/")]; !ok {
				return nil, errBusNotFound(strings.TrimPrefix(d.resource, "event-bus/"))
			}
		}
		return nil, errParam("Destination.Arn", "Cross event bus replay is not permitted.")
	}
	for _, f := range in.Destination.FilterArns {
		if fa, ok := parseARN(f); !ok || fa.service != "events" || !strings.HasPrefix(fa.resource, "rule/") {
			s.mu.Unlock()
			// unverified: wording for a filter that is not a rule ARN.
			return nil, errParam("Destination.FilterArns", "Must contain rule ARNs.")
		}
	}
	rp := &replay{
		name: name, arn: s.arn("replay/" + name), description: in.Description, source: src, archive: a,
		start: *in.EventStartTime, end: *in.EventEndTime, destBus: dest, filterArns: append([]string(nil), in.Destination.FilterArns...),
		state: ReplayStateStarting, replayStart: s.now(),
	}
	s.replays[name] = rp
	s.saveReplayLocked(rp)
	s.mu.Unlock()
	if s.onReplayStart != nil {
		s.onReplayStart(rp)
	}
	return &StartReplayOutput{ReplayArn: ptr(rp.arn), State: ReplayStateStarting, ReplayStartTime: ptr(rp.replayStart)}, nil
}

func (s *Service) replayLocked(name string) (*replay, error) {
	if rp := s.replays[name]; rp != nil {
		return rp, nil
	}
	return nil, errNotFound("Replay %s does not exist.", name)
}

// DescribeReplay describes a replay.
func (s *Service) DescribeReplay(ctx context.Context, in *DescribeReplayInput) (*DescribeReplayOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rp, err := s.replayLocked(strOr(in.ReplayName, ""))
	if err != nil {
		return nil, err
	}
	return &DescribeReplayOutput{
		ReplayName: ptr(rp.name), ReplayArn: ptr(rp.arn), Description: rp.description, State: rp.state,
		StateReason: optStr(rp.reason), EventSourceArn: ptr(rp.source),
		Destination:    &ReplayDestination{Arn: ptr(rp.destBus), FilterArns: append([]string(nil), rp.filterArns...)},
		EventStartTime: ptr(rp.start), EventEndTime: ptr(rp.end), EventLastReplayedTime: optTime(rp.lastReplayed),
		ReplayStartTime: optTime(rp.replayStart), ReplayEndTime: optTime(rp.replayEnd),
	}, nil
}

// CancelReplay cancels a replay that has not finished.
func (s *Service) CancelReplay(ctx context.Context, in *CancelReplayInput) (*CancelReplayOutput, error) {
	name := strOr(in.ReplayName, "")
	s.mu.Lock()
	defer s.mu.Unlock()
	rp, err := s.replayLocked(name)
	if err != nil {
		return nil, err
	}
	if rp.state != ReplayStateStarting && rp.state != ReplayStateRunning {
		return nil, errIllegalStatus("Replay %s is not in a valid state for this operation.", name)
	}
	rp.state = ReplayStateCancelling
	if s.onReplayStart == nil { // no runner: nothing to wind down
		rp.state = ReplayStateCancelled
		rp.replayEnd = s.now()
	}
	s.saveReplayLocked(rp)
	return &CancelReplayOutput{ReplayArn: ptr(rp.arn), State: ReplayStateCancelling}, nil
}

// ListReplays lists replays, filtered by at most one of NamePrefix,
// EventSourceArn and State.
func (s *Service) ListReplays(ctx context.Context, in *ListReplaysInput) (*ListReplaysOutput, error) {
	filters := 0
	for _, set := range []bool{in.NamePrefix != nil, in.EventSourceArn != nil, in.State != ""} {
		if set {
			filters++
		}
	}
	if filters > 1 {
		return nil, errValidation("At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or NamePrefix.")
	}
	s.mu.RLock()
	var items []keyed[Replay]
	for _, rp := range s.replays {
		if (in.NamePrefix != nil && !strings.HasPrefix(rp.name, *in.NamePrefix)) ||
			(in.EventSourceArn != nil && rp.source != *in.EventSourceArn) || (in.State != "" && rp.state != in.State) {
			continue
		}
		items = append(items, keyed[Replay]{rp.name, Replay{
			ReplayName: ptr(rp.name), EventSourceArn: ptr(rp.source), State: rp.state, StateReason: optStr(rp.reason),
			EventStartTime: ptr(rp.start), EventEndTime: ptr(rp.end), EventLastReplayedTime: optTime(rp.lastReplayed),
			ReplayStartTime: optTime(rp.replayStart), ReplayEndTime: optTime(rp.replayEnd),
		}})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListReplaysOutput{Replays: out, NextToken: next}, nil
}
