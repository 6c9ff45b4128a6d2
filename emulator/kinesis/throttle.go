package kinesis

import "time"

// Kinesis' per-shard throughput limits.
const (
	writeBytesPerSec   = 1 << 20
	writeRecordsPerSec = 1000
	readBytesPerSec    = 2 << 20
	readCallsPerSec    = 5
)

// bucket is a token bucket refilled continuously on the virtual clock up
// to one second's worth of tokens.
type bucket struct {
	tokens int64
	at     time.Time // last refill
	init   bool
}

// refill brings b up to date for now at rate tokens per second.
func (b *bucket) refill(now time.Time, rate int64) {
	if !b.init {
		b.tokens, b.at, b.init = rate, now, true
		return
	}
	if d := now.Sub(b.at); d > 0 {
		add := int64(float64(rate) * d.Seconds())
		b.tokens = min(rate, b.tokens+add)
		b.at = now
	}
}

// bucketPair limits writes: bytes and records.
type bucketPair struct{ bytes, records bucket }

// take consumes one record of n bytes, or reports false if either limit
// is exhausted. A record larger than a second's worth of bytes (a stream
// with a raised maximum record size) needs a full bucket and leaves it in
// debt, repaid before the next write: the shard bursts, then averages out.
func (p *bucketPair) take(now time.Time, n int) bool {
	p.bytes.refill(now, writeBytesPerSec)
	p.records.refill(now, writeRecordsPerSec)
	if p.records.tokens < 1 || p.bytes.tokens < min(int64(n), writeBytesPerSec) {
		return false
	}
	p.records.tokens--
	p.bytes.tokens -= int64(n)
	return true
}

// readBucket limits reads: calls, and bytes that may run into debt (a
// large read succeeds and throttles the calls after it until the debt is
// repaid, as Kinesis does).
type readBucket struct{ calls, bytes bucket }

// allow consumes one call, or reports false when calls or bytes are
// exhausted.
func (r *readBucket) allow(now time.Time) bool {
	r.calls.refill(now, readCallsPerSec)
	r.bytes.refill(now, readBytesPerSec)
	if r.calls.tokens < 1 || r.bytes.tokens <= 0 {
		return false
	}
	r.calls.tokens--
	return true
}

// spend charges n bytes read.
func (r *readBucket) spend(n int) { r.bytes.tokens -= int64(n) }
