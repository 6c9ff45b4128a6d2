// Package eventbridge is evolvestack's Amazon EventBridge: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
package eventbridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is Amazon EventBridge for one account and region. The locking and
// the seam to the data plane are described at the top of rules.go.
type Service struct {
	env awsapi.Env

	// Hooks of the data plane, detected in New (nil when absent).
	onScheduleChange func(r *rule)
	onReplayStart    func(rp *replay)

	// dataOnce and data hold the data plane's state, built on first use.
	dataOnce sync.Once
	data     any

	mu          sync.RWMutex
	seq         uint64
	buses       map[string]*bus // by name
	archives    map[string]*archive
	replays     map[string]*replay
	connections map[string]*connection
	apiDests    map[string]*apiDestination
	// partnerSources are the sources this (partner) account created, by
	// name; eventSources are the partner sources offered to this account.
	partnerSources map[string]*partnerSource
	eventSources   map[string]*eventSource
	endpoints      map[string]*endpoint
	// disabledKeys are the KMS key identifiers made unusable with
	// DisableKMSKey (bus_dlq.go).
	disabledKeys map[string]bool
	// restoring holds the rows RestoreState received, for RestoreDone.
	restoring map[string][]byte
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service {
	s := &Service{
		env:            env,
		buses:          map[string]*bus{},
		archives:       map[string]*archive{},
		replays:        map[string]*replay{},
		connections:    map[string]*connection{},
		apiDests:       map[string]*apiDestination{},
		partnerSources: map[string]*partnerSource{},
		eventSources:   map[string]*eventSource{},
		endpoints:      map[string]*endpoint{},
	}
	now := s.now()
	s.buses[defaultBus] = &bus{name: defaultBus, arn: s.arn("event-bus/" + defaultBus), created: now, modified: now, rules: map[string]*rule{}}
	if !env.Restoring {
		s.saveBusLocked(s.buses[defaultBus])
	}
	if h, ok := any(s).(interface{ scheduleChanged(*rule) }); ok {
		s.onScheduleChange = h.scheduleChanged
	}
	if h, ok := any(s).(interface{ startReplay(*replay) }); ok {
		s.onReplayStart = h.startReplay
	}
	return s
}

// nextSeqLocked returns the next creation sequence number (s.mu held).
func (s *Service) nextSeqLocked() uint64 {
	s.seq++
	if j := s.env.Journal; j != nil {
		j.Put(keySeq, strconv.AppendUint(nil, s.seq, 10))
	}
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
func (s *Service) partition() string {
	return awsapi.Partition(s.env.Scope.Region)
}

// arn builds an EventBridge ARN of this scope.
func (s *Service) arn(resource string) string {
	return "arn:" + s.partition() + ":events:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":" + resource
}

// other returns the EventBridge service of another scope (nil when the
// emulator cannot provide it). It takes no lock.
func (s *Service) other(account, region string) *Service {
	if account == s.env.Scope.Account && region == s.env.Scope.Region {
		return s
	}
	if s.env.Services == nil {
		return nil
	}
	o, _ := s.env.Services("events", awsapi.Scope{Account: account, Region: region}).(*Service)
	return o
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
