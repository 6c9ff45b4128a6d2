package eventbridge

// Persistence of the deliveries waiting for an attempt or a retry: the
// delivery queue journals one row per delivery under q/<number>
// (delivery.Options.Journal); its payload is a jobRow. After a restart
// they go on with their attempt counts, ages and due times, to the
// targets as they are then (a target removed meanwhile drops them).
// Not kept: a fault latency holding an attempt (the attempt is made
// without it), and the ERROR_CODE of the last failed attempt (the dead
// letter of a delivery that fails for good right after a restart carries
// the last failure's message with the code of an internal error).

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/evolvestack/evolvestack/emulator/delivery"
)

// keyDelivery starts the rows of the delivery queue.
const keyDelivery = "q/"

// jobRow is a queued delivery's payload in its journal row.
type jobRow struct {
	Rule     string          `json:"r"`
	RuleName string          `json:"rn"`
	Target   string          `json:"t"` // target id
	Event    json.RawMessage `json:"e"` // the event document
	Replay   string          `json:"rp,omitempty"`
	Ingested int64           `json:"in"`
	Payload  string          `json:"p"` // what the target gets
}

// encodeJob is the delivery queue's Options.Encode.
func encodeJob(j *job) ([]byte, error) {
	return json.Marshal(jobRow{Rule: j.ruleArn, RuleName: j.ruleName, Target: strOf(j.t.Id), Event: j.ev.document(),
		Replay: j.ev.replayName, Ingested: j.ev.ingested.UnixNano(), Payload: string(j.payload)})
}

// restoreDeliveries queues the restored deliveries again (RestoreDone, no
// lock held): those whose rule or target is gone are dropped.
func (s *Service) restoreDeliveries(rows []delivery.Stored) error {
	p := s.plane()
	if p.q == nil || s.env.Journal == nil {
		return nil
	}
	// The targets, by rule ARN and target id, as they are now.
	targets := map[string]*target{}
	s.mu.RLock()
	for _, b := range s.buses {
		for _, r := range b.rules {
			for _, t := range r.targets {
				targets[r.arn+"#"+strOf(t.Id)] = t
			}
		}
	}
	loc := s.now().Location()
	s.mu.RUnlock()
	err := p.q.Restore(rows, func(st delivery.Stored) (delivery.Delivery[*job], bool) {
		var row jobRow
		if err := json.Unmarshal(st.Payload, &row); err != nil {
			return delivery.Delivery[*job]{}, false
		}
		t := targets[row.Rule+"#"+row.Target]
		if t == nil {
			return delivery.Delivery[*job]{}, false
		}
		ev, err := parseEvent(row.Event)
		if err != nil {
			return delivery.Delivery[*job]{}, false
		}
		ev.replayName = row.Replay
		ev.ingested = time.Unix(0, row.Ingested).In(loc)
		ev.seal()
		j := &job{s: s, ruleArn: row.Rule, ruleName: row.RuleName, t: t, ev: ev, payload: []byte(row.Payload), lastMessage: st.Reason}
		d := delivery.Delivery[*job]{Payload: j}
		_, d.Policy = p.deliveryPolicy(row.Rule, t)
		return d, true
	})
	if err != nil {
		return fmt.Errorf("eventbridge: restoring deliveries: %w", err)
	}
	return nil
}
