package eventbridge

// Scheduled rules fire on the virtual clock: each enabled rule with a
// ScheduleExpression keeps one timer armed for its next firing time; when
// it fires, the rule's targets get the "Scheduled Event" from aws.events
// and the timer is armed for the firing after.

import (
	"time"

	"github.com/evolvestack/evolvestack/emulator/clock"
)

// scheduleTimer is the armed timer of one scheduled rule.
type scheduleTimer struct {
	timer *clock.Timer
	next  time.Time
	// gen tells a timer that fired after the rule changed to do nothing.
	gen uint64
}

// scheduleChanged is the control plane's hook after a scheduled rule is
// created, changed, enabled, disabled or deleted: it (re)arms or stops the
// rule's timer.
func (s *Service) scheduleChanged(r *rule) {
	if s.env.Clock == nil {
		return
	}
	s.mu.RLock()
	arn, sc, active := r.arn, r.sched, r.enabled() && !r.deleted && r.sched != nil
	s.mu.RUnlock()
	p := s.plane()
	p.mu.Lock()
	defer p.mu.Unlock()
	gen := uint64(1)
	if old := p.schedules[arn]; old != nil {
		old.timer.Stop()
		gen = old.gen + 1
		delete(p.schedules, arn)
	}
	if !active {
		return
	}
	p.armLocked(r, sc, s.now(), gen)
}

// armLocked arms r's timer for its first firing after after (p.mu held).
func (p *dataPlane) armLocked(r *rule, sc *schedule, after time.Time, gen uint64) {
	next := sc.nextFire(after)
	if next.IsZero() {
		return
	}
	st := &scheduleTimer{gen: gen, next: next}
	st.timer = p.s.env.Clock.AfterFunc(next.Sub(p.s.now()), func() { p.fire(r, sc, next, gen) })
	p.schedules[r.arn] = st
}

// fire sends the scheduled event of r for the firing at due and arms the
// next firing.
func (p *dataPlane) fire(r *rule, sc *schedule, due time.Time, gen uint64) {
	p.mu.Lock()
	if st := p.schedules[r.arn]; st == nil || st.gen != gen {
		p.mu.Unlock()
		return
	}
	p.armLocked(r, sc, due, gen)
	p.mu.Unlock()

	s := p.s
	s.mu.RLock()
	if !r.enabled() || r.deleted || r.sched != sc {
		s.mu.RUnlock()
		return
	}
	targets := r.targets
	s.mu.RUnlock()
	ev := scheduledEvent(s.env.Scope.Account, s.env.Scope.Region, r.arn, due, s.now())
	p.dispatch([]matchedRule{{arn: r.arn, name: r.name, targets: targets}}, ev)
}

// scheduledEvent is the event a scheduled rule sends at due.
func scheduledEvent(account, region, ruleArn string, due, now time.Time) *event {
	return (&event{
		id: newUUID(), detailType: "Scheduled Event", source: "aws.events", account: account, region: region,
		time: due.UTC().Truncate(time.Second), resources: []string{ruleArn}, detail: []byte("{}"), ingested: now,
	}).seal()
}

// ScheduledRules returns the ARNs of the scheduled rules with an armed
// timer and their next firing times.
func (s *Service) ScheduledRules() map[string]time.Time {
	p := s.plane()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]time.Time, len(p.schedules))
	for arn, st := range p.schedules {
		out[arn] = st.next
	}
	return out
}
