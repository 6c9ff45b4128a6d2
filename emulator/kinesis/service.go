// Package kinesis is evolvestack's Kinesis Data Streams: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
//
// Records live per shard in append-only chunks that retention trimming
// drops; sequence numbers, shard iterators, resharding lineage, enhanced
// fan-out consumers and (opt-in) per-shard throughput limits follow
// Kinesis. Every delay and expiry follows the emulator's virtual clock.
package kinesis

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Kinesis limits and defaults.
const (
	defaultRetentionHours = 24
	minRetentionHours     = 24
	maxRetentionHours     = 8760
	onDemandShards        = 4
	maxConsumersPerStream = 20
	maxTagsPerStream      = 50
	iteratorLifetime      = 5 * time.Minute
	subscriptionLifetime  = 5 * time.Minute
	maxGetRecordsBytes    = 10 << 20
	maxPutRecordsBytes    = 5 << 20
	defaultMaxRecordKiB   = 1024
	maxListStreams        = 10000
	maxDescribeShards     = 100
	maxListStreamsPage    = 100
	maxListShardsPage     = 1000
	maxListConsumersPage  = 100
)

// AWSCreateDelay is a CREATING period like AWS's: a new stream is not
// ACTIVE at once, so clients wait for it (the SDK's stream-exists waiter)
// before using it. kinesalite, whose behaviour is recorded against AWS,
// uses the same 500 ms.
const AWSCreateDelay = 500 * time.Millisecond

// defaultCreateDelay is the CreateDelay of DefaultOptions: AWS's CREATING
// period, so callers wait for a new stream as they must on AWS.
const defaultCreateDelay time.Duration = AWSCreateDelay

// Options tune the emulation. The zero value makes every status transition
// immediate and leaves throughput unlimited; New starts with
// DefaultOptions.
type Options struct {
	// CreateDelay is how long a new stream stays CREATING (virtual time);
	// 0 makes it ACTIVE at once.
	CreateDelay time.Duration
	// UpdateDelay is how long a stream stays UPDATING after resharding,
	// a mode change or an encryption change.
	UpdateDelay time.Duration
	// DeleteDelay is how long a deleted stream stays DELETING.
	DeleteDelay time.Duration
	// ConsumerDelay is how long a consumer stays CREATING after
	// RegisterStreamConsumer and DELETING after DeregisterStreamConsumer.
	ConsumerDelay time.Duration
	// ShardLimit caps the open shards of the account and region
	// (DescribeLimits' ShardLimit).
	ShardLimit int
	// OnDemandStreamLimit caps the on-demand streams of the account and
	// region.
	OnDemandStreamLimit int
	// ThroughputLimits enforces Kinesis' per-shard limits on every stream
	// (writes 1 MiB/s and 1,000 records/s; reads 2 MiB/s and 5 GetRecords
	// calls/s) with ProvisionedThroughputExceededException.
	// SetStreamThroughputLimits overrides it per stream.
	ThroughputLimits bool
}

// DefaultOptions returns the options a new service starts with: AWS's
// limits, CreateDelay defaultCreateDelay, the other transitions
// immediate.
func DefaultOptions() Options {
	return Options{ShardLimit: 500, OnDemandStreamLimit: 50, CreateDelay: defaultCreateDelay}
}

// Service is Kinesis Data Streams for one account and region.
type Service struct {
	env     awsapi.Env
	journal awsapi.Journal // nil without a data dir
	aead    cipher.AEAD    // seals shard iterators and NextTokens
	iterKey []byte         // aead's key, persisted so that they stay valid

	mu       sync.RWMutex
	opts     Options
	streams  map[string]*stream
	policies map[string]string // resource ARN -> policy document
	settings *MinimumThroughputBillingCommitmentOutput
	closed   bool
	restored map[string][]byte // rows RestoreState kept for RestoreDone

	// GetRecords answers' buffers (see ReleaseOutput).
	recMu     sync.Mutex
	lentRecs  map[*Record]*recordBuffers
	spareRecs []*recordBuffers
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	aead, err := newAEAD(key)
	if err != nil {
		// A 32-byte key is always valid.
		panic(err)
	}
	opts := DefaultOptions()
	if env.Limits.MaxResourcesPerAccount > 0 {
		opts.ShardLimit = max(opts.ShardLimit, env.Limits.MaxResourcesPerAccount)
	}
	s := &Service{
		env:      env,
		journal:  env.Journal,
		aead:     aead,
		iterKey:  key,
		opts:     opts,
		streams:  map[string]*stream{},
		policies: map[string]string{},
	}
	if s.journal != nil && !env.Restoring {
		s.journal.Put(keyRowKey, s.keyRow())
	}
	return s
}

// newAEAD returns the cipher that seals iterators and tokens under key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("kinesis: iterator cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("kinesis: iterator cipher: %w", err)
	}
	return aead, nil
}

// Close ends every open SubscribeToShard stream.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	streams := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		streams = append(streams, st)
	}
	s.mu.Unlock()
	for _, st := range streams {
		st.mu.Lock()
		st.wakeAll()
		st.mu.Unlock()
	}
	return nil
}

// Options returns the options in force.
func (s *Service) Options() Options {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.opts
}

// SetOptions replaces the options; zero limits keep their defaults. It
// applies to transitions started afterwards.
func (s *Service) SetOptions(o Options) {
	d := DefaultOptions()
	if o.ShardLimit <= 0 {
		o.ShardLimit = d.ShardLimit
	}
	if o.OnDemandStreamLimit <= 0 {
		o.OnDemandStreamLimit = d.OnDemandStreamLimit
	}
	s.mu.Lock()
	s.opts = o
	s.mu.Unlock()
}

// SetStreamThroughputLimits turns the per-shard throughput limits on or off
// for one stream, overriding Options.ThroughputLimits.
func (s *Service) SetStreamThroughputLimits(name string, on bool) error {
	st, err := s.lookup(name)
	if err != nil {
		return err
	}
	st.mu.Lock()
	st.throttle = &on
	st.save()
	st.mu.Unlock()
	return nil
}

// StoredRecords returns how many records the named stream holds across its
// shards, after retention trimming: a window on memory use for tests.
func (s *Service) StoredRecords(name string) (int, error) {
	st, err := s.lookup(name)
	if err != nil {
		return 0, err
	}
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.settle(now)
	n := 0
	for _, sh := range st.shards {
		st.trim(sh, now)
		n += sh.log.len()
	}
	return n, nil
}

func (s *Service) now() time.Time { return s.env.Clock.Now() }

func (s *Service) account() string { return s.env.Scope.Account }

func (s *Service) region() string { return s.env.Scope.Region }

// streamARN returns the ARN of the named stream.
func (s *Service) streamARN(name string) string {
	return "arn:" + awsapi.Partition(s.region()) + ":kinesis:" + s.region() + ":" + s.account() + ":stream/" + name
}

// Errors as Kinesis words them.

func (s *Service) errStreamNotFound(name string) *awsapi.Error {
	return awsapi.Errorf(ErrCodeResourceNotFoundException, "Stream %s under account %s not found.", name, s.account())
}

func (s *Service) errNotActive(st *stream) *awsapi.Error {
	return awsapi.Errorf(ErrCodeResourceInUseException, "Stream %s under account %s not ACTIVE, instead in state %s", st.name, s.account(), st.status)
}

func (s *Service) errShardNotFound(shardID, name string) *awsapi.Error {
	return awsapi.Errorf(ErrCodeResourceNotFoundException, "Could not find shard %s in stream %s under account %s.", shardID, name, s.account())
}

func invalidArg(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(ErrCodeInvalidArgumentException, format, args...)
}

// lookup returns the named stream, settled to now, or ResourceNotFound.
// A stream whose deletion finished is dropped.
func (s *Service) lookup(name string) (*stream, error) {
	s.mu.RLock()
	st, ok := s.streams[name]
	s.mu.RUnlock()
	if !ok {
		return nil, s.errStreamNotFound(name)
	}
	now := s.now()
	st.mu.Lock()
	st.settle(now)
	gone := st.gone
	st.mu.Unlock()
	if gone {
		s.drop(st)
		return nil, s.errStreamNotFound(name)
	}
	return st, nil
}

// drop removes st from the stream map if it is still there.
func (s *Service) drop(st *stream) {
	s.mu.Lock()
	if s.streams[st.name] == st {
		delete(s.streams, st.name)
	}
	s.mu.Unlock()
}

// resolve finds the stream an input names by StreamName or StreamARN.
func (s *Service) resolve(name, arn *string) (*stream, error) {
	n, err := s.streamNameOf(name, arn)
	if err != nil {
		return nil, err
	}
	return s.lookup(n)
}

// streamNameOf returns the stream name an input designates.
func (s *Service) streamNameOf(name, arn *string) (string, error) {
	if arn != nil && *arn != "" {
		n, ok := s.nameFromARN(*arn)
		if !ok {
			return "", s.errStreamNotFound(*arn)
		}
		if name != nil && *name != "" && *name != n {
			return "", invalidArg("StreamARN %s and StreamName %s do not refer to the same stream.", *arn, *name)
		}
		return n, nil
	}
	if name != nil && *name != "" {
		return *name, nil
	}
	return "", invalidArg("Neither StreamName nor StreamARN was provided.")
}

// nameFromARN returns the stream name of a stream ARN in this account and
// region.
func (s *Service) nameFromARN(arn string) (string, bool) {
	prefix := "arn:" + awsapi.Partition(s.region()) + ":kinesis:" + s.region() + ":" + s.account() + ":stream/"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok || rest == "" {
		return "", false
	}
	name, _, _ := strings.Cut(rest, "/")
	return name, name != ""
}

// resourceOf resolves a stream or consumer ARN (TagResource, policies).
func (s *Service) resourceOf(arn string) (*stream, *consumer, error) {
	name, ok := s.nameFromARN(arn)
	if !ok {
		return nil, nil, awsapi.Errorf(ErrCodeResourceNotFoundException, "Resource %s not found.", arn)
	}
	st, err := s.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	if !strings.Contains(arn, "/consumer/") {
		if arn != st.arn {
			return nil, nil, s.errStreamNotFound(name)
		}
		return st, nil, nil
	}
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.consumerByARN(arn, now)
	if c == nil {
		return nil, nil, awsapi.Errorf(ErrCodeResourceNotFoundException, "Consumer %s not found.", arn)
	}
	return st, c, nil
}

// openShardTotal counts the open shards of every stream but except.
func (s *Service) openShardTotal(except *stream) (shards, onDemand int) {
	s.mu.RLock()
	streams := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		if st != except {
			streams = append(streams, st)
		}
	}
	s.mu.RUnlock()
	now := s.now()
	for _, st := range streams {
		st.mu.Lock()
		st.settle(now)
		if !st.gone {
			shards += st.openShardCount() + st.pendingExtra()
			if st.mode == StreamModeOnDemand {
				onDemand++
			}
		}
		st.mu.Unlock()
	}
	return shards, onDemand
}

// errShardLimit is the LimitExceededException of a request that would take
// the account past its shard limit.
func (s *Service) errShardLimit(current, additional, limit int) *awsapi.Error {
	return awsapi.Errorf(ErrCodeLimitExceededException,
		"This request would exceed the shard limit for the account %s in %s. Current shard count for the account: %d. Limit: %d. Number of additional shards that would have resulted from this request: %d. Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
		s.account(), s.region(), current, limit, additional)
}

// sortedStreams returns the live streams ordered by name.
func (s *Service) sortedStreams() []*stream {
	s.mu.RLock()
	out := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		out = append(out, st)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *stream) int { return strings.Compare(a.name, b.name) })
	now := s.now()
	live := out[:0]
	for _, st := range out {
		st.mu.Lock()
		st.settle(now)
		gone := st.gone
		st.mu.Unlock()
		if gone {
			s.drop(st)
			continue
		}
		live = append(live, st)
	}
	return live
}

// throttled reports whether throughput limits apply to st. st.mu is held.
func (s *Service) throttled(st *stream) bool {
	if st.throttle != nil {
		return *st.throttle
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.opts.ThroughputLimits
}

// ctxErr is the error for a context that ended.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kinesis: %w", err)
	}
	return nil
}
