// Package sns is evolvestack's Amazon SNS: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
package sns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is Amazon SNS for one account and region.
//
// Locking: mu guards the maps of the service (topics, subscriptions,
// platform applications and endpoints, SMS state) and the sequence
// counter. Each topic has its own mutex for its mutable attributes and
// subscription list; the order is always s.mu before t.mu, and a service
// never holds its own lock while taking another account's.
type Service struct {
	env awsapi.Env

	// compileFilter checks a subscription's FilterPolicy (scope is
	// "MessageAttributes" or "MessageBody") and returns the compiled form
	// stored on the subscription (compileFilterPolicy: the shared matcher).
	compileFilter func(policy []byte, scope string) (any, error)
	// onPending, when set, is called (without locks held) after Subscribe
	// creates a subscription that waits for confirmation, so that the
	// SubscriptionConfirmation message can be sent.
	onPending func(t *topic, sub *subscription)
	// pub is the publishing state (publish*.go): signing key, FIFO
	// sequence numbers and deduplication, recorded deliveries.
	pub publishState
	// disp is the delivery state (dispatch.go): queues, HTTP client,
	// attempt records.
	disp dispatcher

	mu     sync.RWMutex
	seq    uint64
	topics map[string]*topic        // by ARN
	subs   map[string]*subscription // current version, by ARN
	// pendingUntil is the earliest time a pending subscription expires
	// (zero when none is pending).
	pendingUntil time.Time
	// filterPolicies counts subscriptions with a FilterPolicy (AWS caps
	// them per account and region).
	filterPolicies int
	apps           map[string]*platformApp      // by ARN
	endpoints      map[string]*platformEndpoint // by ARN
	sms            smsState
	// restore collects restored rows until RestoreDone (persist.go).
	restore *restoring
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service {
	s := &Service{
		env:           env,
		compileFilter: compileFilterPolicy,
		topics:        map[string]*topic{},
		subs:          map[string]*subscription{},
		apps:          map[string]*platformApp{},
		endpoints:     map[string]*platformEndpoint{},
		sms:           newSMSState(),
	}
	s.pub.journal = env.Journal
	// Publishing (deliver.go) sends the SubscriptionConfirmation messages
	// when it is built in.
	if c, ok := any(s).(interface{ sendConfirmation(*topic, *subscription) }); ok {
		s.onPending = c.sendConfirmation
	}
	return s
}

// nextSeqLocked returns the next creation sequence number (s.mu held).
func (s *Service) nextSeqLocked() uint64 {
	s.seq++
	return s.seq
}

// now is the emulator's virtual time.
func (s *Service) now() time.Time {
	if s.env.Clock == nil {
		return time.Now()
	}
	return s.env.Clock.Now()
}

// caller is the account of the request in ctx (the service's own when the
// call does not come over the wire).
func (s *Service) caller(ctx context.Context) string {
	if a := awsapi.Request(ctx).Scope.Account; a != "" {
		return a
	}
	return s.env.Scope.Account
}

// partition is the ARN partition of the service's region.
func (s *Service) partition() string { return awsapi.Partition(s.env.Scope.Region) }

// arn builds an SNS ARN of this scope.
func (s *Service) arn(resource string) string {
	return "arn:" + s.partition() + ":sns:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":" + resource
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randomHex returns n random hex digits.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
