package delivery

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Policy is a delivery's retry schedule. The engine asks it after every
// failed attempt and before every attempt; a policy may read settings that
// change between attempts (Lambda's event invoke config does).
type Policy interface {
	// RetryDelay returns the wait between failed attempt n (1-based) and
	// the retry that follows it, or false when no retry is left.
	RetryDelay(n int) (time.Duration, bool)
	// MaxAge is how long after enqueueing a delivery may still be
	// attempted; 0 is no limit.
	MaxAge() time.Duration
}

// ThrottlePolicy is implemented by policies whose throttled attempts back
// off on a schedule of their own without using up retries (Lambda's). Under
// a policy without it a throttle counts as a retryable failure.
type ThrottlePolicy interface {
	// ThrottleDelay returns the wait after the n-th consecutive throttle
	// (1-based).
	ThrottleDelay(n int) time.Duration
}

// RatePolicy is implemented by policies that limit how many attempts per
// second reach one target (SNS's throttlePolicy.maxReceivesPerSecond).
type RatePolicy interface {
	// MaxPerSecond returns the limit; 0 or less is none.
	MaxPerSecond() int
}

// Fixed is a policy of Retries retries Delay apart with no age limit (Age
// 0) or a limit of Age. It suits tests and simple targets.
type Fixed struct {
	Retries int
	Delay   time.Duration
	Age     time.Duration
}

// RetryDelay implements Policy.
func (p Fixed) RetryDelay(n int) (time.Duration, bool) {
	if n < 1 || n > p.Retries {
		return 0, false
	}
	return p.Delay, true
}

// MaxAge implements Policy.
func (p Fixed) MaxAge() time.Duration { return p.Age }

// Lambda's asynchronous invocation limits and defaults.
const (
	LambdaMaxRetries         = 2
	LambdaMinEventAge        = time.Minute
	LambdaMaxEventAge        = 6 * time.Hour
	LambdaMaxThrottleBackoff = 5 * time.Minute
)

// LambdaPolicy is the retry schedule of Lambda's asynchronous invocations:
// MaximumRetryAttempts (0–2) retries, the first one minute after the first
// failure and the second two minutes after the second, while the event is
// younger than MaximumEventAge (60 s–6 h). Throttles and system errors back
// off 1 s, 2 s, 4 s ... up to 5 min without using up retries.
type LambdaPolicy struct {
	MaximumRetryAttempts int
	MaximumEventAge      time.Duration
}

// DefaultLambdaPolicy is the policy of a function without an event invoke
// config: two retries, six hours.
func DefaultLambdaPolicy() LambdaPolicy {
	return LambdaPolicy{MaximumRetryAttempts: LambdaMaxRetries, MaximumEventAge: LambdaMaxEventAge}
}

// RetryDelay implements Policy: n minutes after the n-th failure.
func (p LambdaPolicy) RetryDelay(n int) (time.Duration, bool) {
	if n < 1 || n > p.MaximumRetryAttempts {
		return 0, false
	}
	return time.Duration(n) * time.Minute, true
}

// MaxAge implements Policy.
func (p LambdaPolicy) MaxAge() time.Duration { return p.MaximumEventAge }

// ThrottleDelay implements ThrottlePolicy: 1 s doubling up to 5 min.
func (p LambdaPolicy) ThrottleDelay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	return min(time.Second<<min(n-1, 20), LambdaMaxThrottleBackoff)
}

// Validate checks the policy against Lambda's ranges.
func (p LambdaPolicy) Validate() error {
	if p.MaximumRetryAttempts < 0 || p.MaximumRetryAttempts > LambdaMaxRetries {
		return fmt.Errorf("delivery: MaximumRetryAttempts %d is outside 0-%d", p.MaximumRetryAttempts, LambdaMaxRetries)
	}
	if p.MaximumEventAge < LambdaMinEventAge || p.MaximumEventAge > LambdaMaxEventAge {
		return fmt.Errorf("delivery: MaximumEventAge %v is outside %v-%v", p.MaximumEventAge, LambdaMinEventAge, LambdaMaxEventAge)
	}
	return nil
}

// EventBridge's target retry limits and defaults.
const (
	EventBridgeMaxRetries    = 185
	EventBridgeMinEventAge   = time.Minute
	EventBridgeMaxEventAge   = 24 * time.Hour
	EventBridgeBaseDelay     = time.Second
	EventBridgeMaxRetryDelay = 8 * time.Minute
)

// EventBridgePolicy is the RetryPolicy of an EventBridge target:
// MaximumRetryAttempts (0–185) retries with exponential backoff while the
// event is younger than MaximumEventAge (60 s–24 h).
//
// AWS publishes no exact schedule, only "exponential back off and jitter"
// and the defaults (185 retries in 24 hours).
// unverified: the schedule is ours: 1 s doubling up to 8 min, which spreads
// the 185 default retries over about 23.6 hours. Jitter, when set, returns
// a number in [0, 1) and scales each delay into [d/2, d) ("equal jitter");
// nil keeps delays exact, which tests want.
type EventBridgePolicy struct {
	MaximumRetryAttempts int
	MaximumEventAge      time.Duration
	Jitter               func() float64
}

// DefaultEventBridgePolicy is the policy of a target without a
// RetryPolicy: 185 retries, 24 hours.
func DefaultEventBridgePolicy() EventBridgePolicy {
	return EventBridgePolicy{MaximumRetryAttempts: EventBridgeMaxRetries, MaximumEventAge: EventBridgeMaxEventAge}
}

// RetryDelay implements Policy.
func (p EventBridgePolicy) RetryDelay(n int) (time.Duration, bool) {
	if n < 1 || n > p.MaximumRetryAttempts {
		return 0, false
	}
	d := min(EventBridgeBaseDelay<<min(n-1, 20), EventBridgeMaxRetryDelay)
	if p.Jitter != nil {
		f := min(max(p.Jitter(), 0), 1)
		d = d/2 + time.Duration(f*float64(d/2))
	}
	return d, true
}

// MaxAge implements Policy.
func (p EventBridgePolicy) MaxAge() time.Duration { return p.MaximumEventAge }

// Validate checks the policy against EventBridge's ranges.
func (p EventBridgePolicy) Validate() error {
	if p.MaximumRetryAttempts < 0 || p.MaximumRetryAttempts > EventBridgeMaxRetries {
		return fmt.Errorf("delivery: MaximumRetryAttempts %d is outside 0-%d", p.MaximumRetryAttempts, EventBridgeMaxRetries)
	}
	if p.MaximumEventAge < EventBridgeMinEventAge || p.MaximumEventAge > EventBridgeMaxEventAge {
		return fmt.Errorf("delivery: MaximumEventAge %v is outside %v-%v", p.MaximumEventAge, EventBridgeMinEventAge, EventBridgeMaxEventAge)
	}
	return nil
}

// SNS backoff functions (a delivery policy's backoffFunction).
const (
	BackoffLinear      = "linear"
	BackoffArithmetic  = "arithmetic"
	BackoffGeometric   = "geometric"
	BackoffExponential = "exponential"
)

// SNS's limits on HTTP/S delivery policies.
const (
	SNSMaxRetries        = 100
	SNSMaxDelayTarget    = 3600 * time.Second
	SNSMaxTotalRetryTime = 3600 * time.Second
)

// SNSPolicy is an SNS delivery policy (healthyRetryPolicy plus
// throttlePolicy). Its NumRetries retries run in four phases:
// NumNoDelayRetries at once, then NumMinDelayRetries MinDelayTarget apart
// (pre-backoff), then the backoff phase (the retries left over) whose
// delays grow from MinDelayTarget to MaxDelayTarget by BackoffFunction,
// then NumMaxDelayRetries MaxDelayTarget apart (post-backoff).
//
// unverified: AWS documents the phases and the functions' names but not
// their formulas. Over the backoff phase's k retries (i = 0..k-1, p =
// i/(k-1), p = 0 when k = 1): linear is min+(max-min)p, arithmetic
// min+(max-min)p², geometric min·(max/min)^p, exponential min·2^i capped
// at max. Delays are whole seconds rounded down (at least min), and SNS's
// jitter is not applied.
type SNSPolicy struct {
	NumRetries         int
	NumNoDelayRetries  int
	NumMinDelayRetries int
	NumMaxDelayRetries int
	MinDelayTarget     time.Duration
	MaxDelayTarget     time.Duration
	BackoffFunction    string
	// MaxReceivesPerSecond is the throttlePolicy (0: none).
	MaxReceivesPerSecond int
}

// SNSDefaultHTTPPolicy is the policy of an HTTP/S subscription without a
// delivery policy: three retries 20 seconds apart.
func SNSDefaultHTTPPolicy() SNSPolicy {
	return SNSPolicy{NumRetries: 3, MinDelayTarget: 20 * time.Second, MaxDelayTarget: 20 * time.Second, BackoffFunction: BackoffLinear}
}

// SNSManagedPolicy is SNS's fixed policy for AWS-managed endpoints (SQS,
// Lambda, Firehose): 3 immediate retries, 2 one second apart, 10 backing
// off exponentially from 1 to 20 seconds, then 100,000 twenty seconds
// apart: 100,015 retries over about 23 days.
func SNSManagedPolicy() SNSPolicy {
	return SNSPolicy{
		NumRetries: 100015, NumNoDelayRetries: 3, NumMinDelayRetries: 2, NumMaxDelayRetries: 100000,
		MinDelayTarget: time.Second, MaxDelayTarget: 20 * time.Second, BackoffFunction: BackoffExponential,
	}
}

// SNSCustomerManagedPolicy is SNS's fixed policy for customer-managed
// endpoints (email, SMS, mobile push): 2 retries 10 seconds apart, 10
// backing off exponentially from 10 to 600 seconds, then 38 ten minutes
// apart: 50 retries over more than 6 hours.
func SNSCustomerManagedPolicy() SNSPolicy {
	return SNSPolicy{
		NumRetries: 50, NumMinDelayRetries: 2, NumMaxDelayRetries: 38,
		MinDelayTarget: 10 * time.Second, MaxDelayTarget: 600 * time.Second, BackoffFunction: BackoffExponential,
	}
}

// backoffRetries is the size of the backoff phase.
func (p SNSPolicy) backoffRetries() int {
	return max(p.NumRetries-p.NumNoDelayRetries-p.NumMinDelayRetries-p.NumMaxDelayRetries, 0)
}

// RetryDelay implements Policy.
func (p SNSPolicy) RetryDelay(n int) (time.Duration, bool) {
	if n < 1 || n > p.NumRetries {
		return 0, false
	}
	if n <= p.NumNoDelayRetries {
		return 0, true
	}
	n -= p.NumNoDelayRetries
	if n <= p.NumMinDelayRetries {
		return p.MinDelayTarget, true
	}
	n -= p.NumMinDelayRetries
	k := p.backoffRetries()
	if n > k {
		return p.MaxDelayTarget, true
	}
	return p.backoff(n-1, k), true
}

// backoff is the delay of backoff retry i (0-based) of k.
func (p SNSPolicy) backoff(i, k int) time.Duration {
	lo, hi := p.MinDelayTarget.Seconds(), p.MaxDelayTarget.Seconds()
	pos := 0.0
	if k > 1 {
		pos = float64(i) / float64(k-1)
	}
	var s float64
	switch p.BackoffFunction {
	case BackoffArithmetic:
		s = lo + (hi-lo)*pos*pos
	case BackoffGeometric:
		if lo <= 0 {
			lo = 1
		}
		s = lo * math.Pow(hi/lo, pos)
	case BackoffExponential:
		s = lo * math.Pow(2, float64(min(i, 62)))
	default: // linear
		s = lo + (hi-lo)*pos
	}
	s = math.Floor(min(max(s+1e-9, lo), hi))
	return time.Duration(s) * time.Second
}

// MaxAge implements Policy: SNS limits retries, not ages.
func (p SNSPolicy) MaxAge() time.Duration { return 0 }

// MaxPerSecond implements RatePolicy.
func (p SNSPolicy) MaxPerSecond() int { return p.MaxReceivesPerSecond }

// TotalRetryTime is the sum of all retry delays.
func (p SNSPolicy) TotalRetryTime() time.Duration {
	var total time.Duration
	for n := 1; n <= p.NumRetries; n++ {
		d, _ := p.RetryDelay(n)
		total += d
	}
	return total
}

// ErrInvalidSNSPolicy is returned (wrapped) by SNSPolicy.Validate.
var ErrInvalidSNSPolicy = errors.New("delivery: invalid SNS delivery policy")

// Validate checks an HTTP/S delivery policy against SNS's limits: 0–100
// retries, 1 s ≤ minDelayTarget ≤ maxDelayTarget ≤ 3600 s, phases that fit
// in numRetries, a known backoff function, at most 3600 s of retries in
// all, and a positive maxReceivesPerSecond when set. The errors name the
// field; the SNS service words them as AWS does.
func (p SNSPolicy) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSNSPolicy}, args...)...)
	}
	switch {
	case p.NumRetries < 0 || p.NumRetries > SNSMaxRetries:
		return bad("numRetries %d is outside 0-%d", p.NumRetries, SNSMaxRetries)
	case p.NumNoDelayRetries < 0, p.NumMinDelayRetries < 0, p.NumMaxDelayRetries < 0:
		return bad("phase retry counts must not be negative")
	case p.NumNoDelayRetries+p.NumMinDelayRetries+p.NumMaxDelayRetries > p.NumRetries:
		return bad("numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries exceed numRetries %d", p.NumRetries)
	case p.MinDelayTarget < time.Second || p.MinDelayTarget%time.Second != 0:
		return bad("minDelayTarget %v must be a whole number of seconds, at least 1", p.MinDelayTarget)
	case p.MaxDelayTarget < p.MinDelayTarget || p.MaxDelayTarget > SNSMaxDelayTarget || p.MaxDelayTarget%time.Second != 0:
		return bad("maxDelayTarget %v must be whole seconds between minDelayTarget and %v", p.MaxDelayTarget, SNSMaxDelayTarget)
	case p.MaxReceivesPerSecond < 0:
		return bad("maxReceivesPerSecond %d must be positive", p.MaxReceivesPerSecond)
	}
	switch p.BackoffFunction {
	case BackoffLinear, BackoffArithmetic, BackoffGeometric, BackoffExponential:
	default:
		return bad("unknown backoffFunction %q", p.BackoffFunction)
	}
	if t := p.TotalRetryTime(); t > SNSMaxTotalRetryTime {
		return bad("retries take %v, more than %v", t, SNSMaxTotalRetryTime)
	}
	return nil
}
