package sns

import (
	"strconv"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Publishing limits and windows.
const (
	// fifoDedupWindow is how long a FIFO topic remembers a deduplication id.
	fifoDedupWindow = 5 * time.Minute
	// maxDeliveries bounds the recorded deliveries kept per service.
	maxDeliveries = 1000
	// maxRawSQSAttributes is the most attributes a raw-delivery SQS
	// subscription accepts; messages with more are discarded as client
	// errors.
	maxRawSQSAttributes = 10
)

// publishState is the publishing state of a Service: its signing key,
// FIFO sequence numbers and deduplication windows, and the deliveries
// recorded for endpoints the emulator does not run. The zero value is
// ready to use.
type publishState struct {
	keyMu  sync.Mutex
	shared *SigningKey // set by UseSigningKey; nil means own
	own    SigningKey

	// journal keeps the FIFO counters and windows (persist.go); nil
	// without a data dir.
	journal awsapi.Journal

	mu         sync.Mutex
	fifo       map[string]*fifoTopicState // by topic ARN
	fifoLocks  map[string]*sync.Mutex     // serialise a FIFO topic's publishes
	deliveries []Delivery                 // ring of the last maxDeliveries
	next       int                        // ring write position once full
}

// signingKey returns the key the service signs with.
func (p *publishState) signingKey() *SigningKey {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	if p.shared != nil {
		return p.shared
	}
	return &p.own
}

// useSigningKey makes the service sign with k.
func (p *publishState) useSigningKey(k *SigningKey) {
	p.keyMu.Lock()
	p.shared = k
	p.keyMu.Unlock()
}

// fifoTopicState is a FIFO topic's sequence counter and deduplication
// window.
type fifoTopicState struct {
	seq   uint64
	dedup map[string]fifoSent // by deduplication id
	// order lists deduplication ids by first publish, for expiry.
	order []fifoOrder
}

// fifoSent is what a deduplicated publish answers again.
type fifoSent struct {
	messageID, sequenceNumber string
	at                        time.Time
}

type fifoOrder struct {
	id string
	at time.Time
}

// sequenceNumber formats the n-th sequence number of a FIFO topic: 20
// digits, increasing (unverified: AWS's numbers observed as
// 10000000000000003000, 10000000000000004000, ...).
func sequenceNumber(n uint64) string {
	const base uint64 = 10_000_000_000_000_000_000 // 10^19: 20 digits
	return strconv.FormatUint(base+n*1000, 10)
}

// fifoAdmit applies topicArn's deduplication window at now to dedupID:
// a duplicate returns the first publish's answer and false; a new id is
// given the next sequence number (via newID for its message id) and true.
func (p *publishState) fifoAdmit(topicArn, dedupID string, now time.Time, newID func() string) (fifoSent, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fifo == nil {
		p.fifo = map[string]*fifoTopicState{}
	}
	st := p.fifo[topicArn]
	if st == nil {
		st = &fifoTopicState{dedup: map[string]fifoSent{}}
		p.fifo[topicArn] = st
	}
	// Expire ids older than the window (order is by time).
	cut := 0
	for cut < len(st.order) && now.Sub(st.order[cut].at) >= fifoDedupWindow {
		if e, ok := st.dedup[st.order[cut].id]; ok && e.at.Equal(st.order[cut].at) {
			delete(st.dedup, st.order[cut].id)
			if p.journal != nil {
				p.journal.Delete(dedupKey(topicArn, st.order[cut].id))
			}
		}
		cut++
	}
	st.order = st.order[cut:]
	if e, ok := st.dedup[dedupID]; ok {
		return e, false
	}
	st.seq++
	e := fifoSent{messageID: newID(), sequenceNumber: sequenceNumber(st.seq), at: now}
	st.dedup[dedupID] = e
	st.order = append(st.order, fifoOrder{id: dedupID, at: now})
	if p.journal != nil {
		p.journal.Put("f/"+lastPart(topicArn), seqRowValue(st.seq))
		p.journal.Put(dedupKey(topicArn, dedupID), e.row())
	}
	return e, true
}

// lockFIFO serialises publishes to FIFO topic topicArn, so that messages
// reach subscriptions in sequence-number order; it returns the unlock.
func (p *publishState) lockFIFO(topicArn string) func() {
	p.mu.Lock()
	if p.fifoLocks == nil {
		p.fifoLocks = map[string]*sync.Mutex{}
	}
	m := p.fifoLocks[topicArn]
	if m == nil {
		m = &sync.Mutex{}
		p.fifoLocks[topicArn] = m
	}
	p.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// forgetTopic drops a deleted topic's FIFO state.
func (p *publishState) forgetTopic(topicArn string) {
	p.mu.Lock()
	if st := p.fifo[topicArn]; st != nil && p.journal != nil {
		p.journal.Delete("f/" + lastPart(topicArn))
		for id := range st.dedup {
			p.journal.Delete(dedupKey(topicArn, id))
		}
	}
	delete(p.fifo, topicArn)
	delete(p.fifoLocks, topicArn)
	p.mu.Unlock()
}

// Delivery is one message SNS delivered to an endpoint the emulator does
// not run itself (email, email-json, sms, application, firehose) or POSTed
// to an HTTP(S) endpoint, as recorded for tests.
type Delivery struct {
	// Protocol is the subscription's protocol ("sms" for a publish to a
	// phone number, "application" for one to a platform endpoint).
	Protocol string `json:"protocol"`
	// Endpoint is the address, phone number, URL or ARN delivered to.
	Endpoint string `json:"endpoint"`
	// SubscriptionArn and TopicArn are empty for direct publishes.
	SubscriptionArn string `json:"subscriptionArn,omitempty"`
	TopicArn        string `json:"topicArn,omitempty"`
	MessageID       string `json:"messageId"`
	// Subject is the message's subject ("" when none).
	Subject string `json:"subject,omitempty"`
	// Body is what the endpoint receives: the envelope JSON, or the raw
	// or per-protocol message.
	Body string `json:"body"`
	// Headers are the HTTP headers of an http(s) delivery.
	Headers map[string]string `json:"headers,omitempty"`
	// Attributes are the message attributes (type and value; binary
	// values base64).
	Attributes map[string]DeliveryAttribute `json:"attributes,omitempty"`
	Time       time.Time                    `json:"time"`
}

// DeliveryAttribute is a message attribute of a recorded delivery.
type DeliveryAttribute struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// record appends d to the bounded delivery log.
func (p *publishState) record(d Delivery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.deliveries) < maxDeliveries {
		p.deliveries = append(p.deliveries, d)
		return
	}
	p.deliveries[p.next] = d
	p.next = (p.next + 1) % maxDeliveries
}

// recorded returns the recorded deliveries, oldest first.
func (p *publishState) recorded() []Delivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Delivery, 0, len(p.deliveries))
	out = append(out, p.deliveries[p.next:]...)
	return append(out, p.deliveries[:p.next]...)
}
