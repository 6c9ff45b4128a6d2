package sqs

import (
	"sort"
	"strconv"
	"time"
)

// PeekedMessage is one message of a queue as PeekMessages shows it.
type PeekedMessage struct {
	MessageID string `json:"messageId"`
	Body      string `json:"body"`
	// State is "visible", "inflight" or "delayed" at the time of the peek.
	State string `json:"state"`
	// VisibleAt is when an in-flight or delayed message shows again.
	VisibleAt *time.Time `json:"visibleAt,omitempty"`
	// Attributes are the system attributes ReceiveMessage would return
	// (ApproximateReceiveCount without the receive PeekMessages is not).
	Attributes        map[string]string                `json:"attributes"`
	MessageAttributes map[string]MessageAttributeValue `json:"messageAttributes,omitempty"`
}

// PeekMessages lists up to max messages of the named queue, oldest sent
// first, without receiving them: visibility, receive counts and receipt
// handles are untouched. It is for the admin API (a DLQ's contents), not
// an SQS operation. Messages past the retention period are left out.
func (s *Service) PeekMessages(queueName string, max int) ([]PeekedMessage, int, error) {
	q := s.lookup(queueName)
	if q == nil {
		return nil, 0, errNoQueue()
	}
	now := s.env.Clock.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	var all []*message
	q.eachMessageLocked(func(m *message) {
		if m != nil && m.state != stateGone && !q.expiredLocked(m, now) {
			all = append(all, m)
		}
	})
	sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	total := len(all)
	if max > 0 && len(all) > max {
		all = all[:max]
	}
	out := make([]PeekedMessage, 0, len(all))
	for _, m := range all {
		out = append(out, peeked(m, now))
	}
	return out, total, nil
}

// peeked renders m; its queue's mu is held.
func peeked(m *message, now time.Time) PeekedMessage {
	p := PeekedMessage{MessageID: m.id, Body: m.body, State: "visible", Attributes: map[string]string{
		"SentTimestamp":           strconv.FormatInt(m.sent.UnixMilli(), 10),
		"ApproximateReceiveCount": strconv.Itoa(m.receives),
	}}
	if m.state == stateInflight || m.state == stateDelayed {
		if now.Before(m.visibleAt) {
			p.State = map[msgState]string{stateInflight: "inflight", stateDelayed: "delayed"}[m.state]
			at := m.visibleAt
			p.VisibleAt = &at
		}
	}
	if !m.firstReceive.IsZero() {
		p.Attributes["ApproximateFirstReceiveTimestamp"] = strconv.FormatInt(m.firstReceive.UnixMilli(), 10)
	}
	if m.senderID != "" {
		p.Attributes["SenderId"] = m.senderID
	}
	for k, v := range map[string]string{
		"DeadLetterQueueSourceArn": m.dlqSource(),
		"MessageGroupId":           m.group(),
		"MessageDeduplicationId":   m.dedupID(),
		"SequenceNumber":           m.seqNum(),
		"AWSTraceHeader":           m.traceHdr(),
	} {
		if v != "" {
			p.Attributes[k] = v
		}
	}
	if len(m.attrs) > 0 {
		p.MessageAttributes = make(map[string]MessageAttributeValue, len(m.attrs))
		for k, v := range m.attrs {
			p.MessageAttributes[k] = v
		}
	}
	return p
}
