package eventbridge

// Replays run on the virtual clock: a started replay is STARTING, becomes
// RUNNING after replayStartDelay, re-sends the archived events of its time
// range to its bus (only to the rules it names, each event carrying
// replay-name), and is COMPLETED replayFinishDelay later. A replay
// cancelled meanwhile (CANCELLING) ends CANCELLED at its next step.

import (
	"encoding/json"
	"fmt"
	"time"
)

// The virtual time a replay spends in each state.
// unverified: AWS takes minutes; the emulator's steps are short.
const (
	replayStartDelay  = time.Second
	replayFinishDelay = time.Second
)

// startReplay is the control plane's hook after StartReplay stored rp in
// STARTING.
func (s *Service) startReplay(rp *replay) {
	if s.env.Clock == nil {
		return
	}
	s.env.Clock.AfterFunc(replayStartDelay, func() { s.runReplay(rp) })
}

// cancelled moves a CANCELLING replay to CANCELLED and reports whether it
// was.
func (s *Service) cancelled(rp *replay) bool {
	s.mu.RLock()
	st := rp.state
	s.mu.RUnlock()
	switch st {
	case ReplayStateCancelling:
		s.setReplayState(rp, ReplayStateCancelled, "")
		return true
	case ReplayStateCancelled, ReplayStateFailed, ReplayStateCompleted:
		return true
	}
	return false
}

// runReplay starts re-sending the replay's events.
func (s *Service) runReplay(rp *replay) {
	if s.cancelled(rp) {
		return
	}
	s.setReplayState(rp, ReplayStateRunning, "")
	s.continueReplay(rp)
}

// continueReplay re-sends the replay's events that follow its progress
// (all of them at first; after a restart, those not sent yet) and
// schedules its completion. Each event sent moves the progress: the
// ingestion time of the last one (EventLastReplayedTime) and how many
// events of that same time were sent.
func (s *Service) continueReplay(rp *replay) {
	if s.cancelled(rp) {
		return
	}
	s.mu.RLock()
	a, name, start, end, dest := rp.archive, rp.name, rp.start, rp.end, rp.destBus
	from, skip := start, 0
	if !rp.lastReplayed.IsZero() {
		from, skip = rp.lastReplayed, rp.sameAt
	}
	only := make(map[string]bool, len(rp.filterArns))
	for _, f := range rp.filterArns {
		only[f] = true
	}
	s.mu.RUnlock()
	if a == nil {
		s.setReplayState(rp, ReplayStateFailed, "The archive of the replay no longer exists.") // unverified: wording
		return
	}
	s.expireArchive(a)
	var failure error
	for _, ae := range a.snapshot(from, end) {
		if skip > 0 && ae.At.Equal(from) {
			skip--
			continue
		}
		ev, err := parseEvent(ae.Event)
		if err != nil {
			failure = err
			continue
		}
		ev.replayName = name
		ev.ingested = s.now()
		ev.seal()
		if err := s.replayTo(dest, ev, only); err != nil {
			failure = err
			break
		}
		s.mu.Lock()
		if ae.At.Equal(rp.lastReplayed) {
			rp.sameAt++
		} else {
			rp.lastReplayed, rp.sameAt = ae.At, 1
		}
		s.saveReplayLocked(rp)
		s.mu.Unlock()
	}
	if failure != nil {
		s.setReplayState(rp, ReplayStateFailed, failure.Error())
		return
	}
	s.env.Clock.AfterFunc(replayFinishDelay, func() {
		if !s.cancelled(rp) {
			s.setReplayState(rp, ReplayStateCompleted, "")
		}
	})
}

// replayTo sends a replayed event to the rules of bus destArn (this scope's
// bus), limited to only when it is not empty.
func (s *Service) replayTo(destArn string, ev *event, only map[string]bool) error {
	s.mu.RLock()
	b, err := s.busLocked(&destArn)
	if err != nil {
		s.mu.RUnlock()
		return err
	}
	matched := s.matchLocked(b, ev, only)
	s.mu.RUnlock()
	s.plane().dispatch(matched, ev)
	return nil
}

// expireArchive drops the events of a older than its retention on the
// virtual clock. It takes s.mu for reading: call it without s.mu held
// (DescribeArchive and ListArchives call it before reading the figures).
func (s *Service) expireArchive(a *archive) {
	s.mu.RLock()
	days := a.retentionDays
	s.mu.RUnlock()
	if days > 0 {
		a.purge(s.now().Add(-time.Duration(days) * 24 * time.Hour))
	}
}

// wireEvent is an event document as stored.
type wireEvent struct {
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// parseEvent reads back an archived event document.
func parseEvent(doc []byte) (*event, error) {
	var w wireEvent
	if err := json.Unmarshal(doc, &w); err != nil {
		return nil, fmt.Errorf("archived event: %w", err)
	}
	t, err := time.Parse(eventTimeLayout, w.Time)
	if err != nil {
		return nil, fmt.Errorf("archived event time: %w", err)
	}
	if w.Resources == nil {
		w.Resources = []string{}
	}
	return &event{id: w.ID, detailType: w.DetailType, source: w.Source, account: w.Account, time: t, region: w.Region,
		resources: w.Resources, detail: w.Detail}, nil
}
