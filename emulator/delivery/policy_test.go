package delivery_test

import (
	"errors"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/delivery"
)

const s = time.Second

// schedule returns the delays of retries 1..n+1 of p (-1 where none).
func schedule(p delivery.Policy, n int) []time.Duration {
	out := make([]time.Duration, 0, n+1)
	for i := 1; i <= n+1; i++ {
		d, ok := p.RetryDelay(i)
		if !ok {
			d = -1
		}
		out = append(out, d)
	}
	return out
}

func equal(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPolicySchedules(t *testing.T) {
	t.Parallel()
	m := time.Minute
	cases := []struct {
		name string
		p    delivery.Policy
		want []time.Duration // retries 1..len(want); the one after must be refused
	}{
		{"lambda default", delivery.DefaultLambdaPolicy(), []time.Duration{m, 2 * m}},
		{"lambda one retry", delivery.LambdaPolicy{MaximumRetryAttempts: 1, MaximumEventAge: time.Hour}, []time.Duration{m}},
		{"lambda no retries", delivery.LambdaPolicy{MaximumEventAge: time.Hour}, nil},
		{"eventbridge three", delivery.EventBridgePolicy{MaximumRetryAttempts: 3, MaximumEventAge: time.Hour}, []time.Duration{s, 2 * s, 4 * s}},
		{"eventbridge capped", delivery.EventBridgePolicy{MaximumRetryAttempts: 12, MaximumEventAge: time.Hour},
			[]time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 256 * s, 480 * s, 480 * s, 480 * s}},
		{"sns default http", delivery.SNSDefaultHTTPPolicy(), []time.Duration{20 * s, 20 * s, 20 * s}},
		{"sns customer managed", delivery.SNSCustomerManagedPolicy(), append([]time.Duration{
			10 * s, 10 * s, // pre-backoff
			10 * s, 20 * s, 40 * s, 80 * s, 160 * s, 320 * s, 600 * s, 600 * s, 600 * s, 600 * s, // backoff
		}, repeat(600*s, 38)...)},
		{"sns linear", snsBackoff(delivery.BackoffLinear), []time.Duration{0, s, s, 1 * s, 3 * s, 5 * s, 7 * s, 10 * s, 10 * s}},
		{"sns arithmetic", snsBackoff(delivery.BackoffArithmetic), []time.Duration{0, s, s, 1 * s, 1 * s, 3 * s, 6 * s, 10 * s, 10 * s}},
		{"sns geometric", snsBackoff(delivery.BackoffGeometric), []time.Duration{0, s, s, 1 * s, 1 * s, 3 * s, 5 * s, 10 * s, 10 * s}},
		{"sns exponential", snsBackoff(delivery.BackoffExponential), []time.Duration{0, s, s, 1 * s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s}},
		{"sns one backoff retry", delivery.SNSPolicy{NumRetries: 1, MinDelayTarget: 3 * s, MaxDelayTarget: 9 * s, BackoffFunction: delivery.BackoffLinear}, []time.Duration{3 * s}},
		{"fixed", delivery.Fixed{Retries: 2, Delay: 5 * s}, []time.Duration{5 * s, 5 * s}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := append(append([]time.Duration(nil), c.want...), -1)
			if got := schedule(c.p, len(c.want)); !equal(got, want) {
				t.Errorf("schedule %v, want %v", got, want)
			}
			if _, ok := c.p.RetryDelay(0); ok {
				t.Error("retry 0 allowed")
			}
		})
	}
}

// snsBackoff: 1 immediate retry, 2 pre-backoff 1 s apart, 5 backing off
// from 1 to 10 s, 1 post-backoff at 10 s.
func snsBackoff(fn string) delivery.SNSPolicy {
	return delivery.SNSPolicy{
		NumRetries: 9, NumNoDelayRetries: 1, NumMinDelayRetries: 2, NumMaxDelayRetries: 1,
		MinDelayTarget: 1 * s, MaxDelayTarget: 10 * s, BackoffFunction: fn,
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// TestSNSManagedPolicy checks the AWS-managed endpoints' policy: 100,015
// retries over about 23 days, phase by phase.
func TestSNSManagedPolicy(t *testing.T) {
	t.Parallel()
	p := delivery.SNSManagedPolicy()
	cases := []struct {
		n    int
		want time.Duration
		ok   bool
	}{
		{1, 0, true}, {3, 0, true}, // immediate
		{4, s, true}, {5, s, true}, // pre-backoff
		{6, s, true}, {7, 2 * s, true}, {8, 4 * s, true}, {9, 8 * s, true}, {10, 16 * s, true}, {11, 20 * s, true}, {15, 20 * s, true}, // backoff
		{16, 20 * s, true}, {100015, 20 * s, true}, // post-backoff
		{100016, 0, false},
	}
	for _, c := range cases {
		d, ok := p.RetryDelay(c.n)
		if d != c.want || ok != c.ok {
			t.Errorf("retry %d: %v %v, want %v %v", c.n, d, ok, c.want, c.ok)
		}
	}
	total := p.TotalRetryTime()
	if days := total.Hours() / 24; days < 23 || days >= 24 {
		t.Errorf("total retry time %v (%.2f days), want 23 days and some", total, days)
	}
	if got := delivery.SNSCustomerManagedPolicy().TotalRetryTime(); got < 6*time.Hour || got > 8*time.Hour {
		t.Errorf("customer-managed total %v, want over 6 hours", got)
	}
}

func TestEventBridgeDefaultsAndJitter(t *testing.T) {
	t.Parallel()
	p := delivery.DefaultEventBridgePolicy()
	var total time.Duration
	for n := 1; n <= delivery.EventBridgeMaxRetries; n++ {
		d, ok := p.RetryDelay(n)
		if !ok {
			t.Fatalf("retry %d refused", n)
		}
		total += d
	}
	if total > p.MaxAge() || total < 23*time.Hour {
		t.Errorf("185 retries take %v, want just under %v", total, p.MaxAge())
	}
	for _, f := range []float64{0, 0.5, 0.999, -1, 2} {
		p.Jitter = func() float64 { return f }
		d, _ := p.RetryDelay(5) // nominal 16 s
		if d < 8*s || d > 16*s {
			t.Errorf("jitter %v: delay %v outside [8s, 16s]", f, d)
		}
	}
}

func TestLambdaThrottleDelay(t *testing.T) {
	t.Parallel()
	p := delivery.DefaultLambdaPolicy()
	want := map[int]time.Duration{0: s, 1: s, 2: 2 * s, 3: 4 * s, 9: 256 * s, 10: 5 * time.Minute, 100: 5 * time.Minute}
	for n, w := range want {
		if got := p.ThrottleDelay(n); got != w {
			t.Errorf("throttle %d: %v, want %v", n, got, w)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	h := time.Hour
	cases := []struct {
		name string
		v    interface{ Validate() error }
		ok   bool
	}{
		{"lambda default", delivery.DefaultLambdaPolicy(), true},
		{"lambda min", delivery.LambdaPolicy{MaximumEventAge: time.Minute}, true},
		{"lambda 3 retries", delivery.LambdaPolicy{MaximumRetryAttempts: 3, MaximumEventAge: h}, false},
		{"lambda negative", delivery.LambdaPolicy{MaximumRetryAttempts: -1, MaximumEventAge: h}, false},
		{"lambda 59 s", delivery.LambdaPolicy{MaximumEventAge: 59 * s}, false},
		{"lambda 6 h 1 s", delivery.LambdaPolicy{MaximumEventAge: 6*h + s}, false},
		{"eventbridge default", delivery.DefaultEventBridgePolicy(), true},
		{"eventbridge 186", delivery.EventBridgePolicy{MaximumRetryAttempts: 186, MaximumEventAge: h}, false},
		{"eventbridge 25 h", delivery.EventBridgePolicy{MaximumEventAge: 25 * h}, false},
		{"eventbridge 30 s", delivery.EventBridgePolicy{MaximumEventAge: 30 * s}, false},
		{"sns default", delivery.SNSDefaultHTTPPolicy(), true},
		{"sns backoff", snsBackoff(delivery.BackoffGeometric), true},
		{"sns 101 retries", delivery.SNSPolicy{NumRetries: 101, MinDelayTarget: s, MaxDelayTarget: s, BackoffFunction: "linear"}, false},
		{"sns phases too many", delivery.SNSPolicy{NumRetries: 2, NumNoDelayRetries: 2, NumMaxDelayRetries: 1, MinDelayTarget: s, MaxDelayTarget: s, BackoffFunction: "linear"}, false},
		{"sns min 0", delivery.SNSPolicy{NumRetries: 1, MaxDelayTarget: s, BackoffFunction: "linear"}, false},
		{"sns max < min", delivery.SNSPolicy{NumRetries: 1, MinDelayTarget: 5 * s, MaxDelayTarget: s, BackoffFunction: "linear"}, false},
		{"sns max 3601", delivery.SNSPolicy{NumRetries: 1, MinDelayTarget: s, MaxDelayTarget: 3601 * s, BackoffFunction: "linear"}, false},
		{"sns fraction", delivery.SNSPolicy{NumRetries: 1, MinDelayTarget: 1500 * time.Millisecond, MaxDelayTarget: 2 * s, BackoffFunction: "linear"}, false},
		{"sns bad function", delivery.SNSPolicy{NumRetries: 1, MinDelayTarget: s, MaxDelayTarget: s, BackoffFunction: "cubic"}, false},
		{"sns over an hour", delivery.SNSPolicy{NumRetries: 100, MinDelayTarget: 60 * s, MaxDelayTarget: 60 * s, BackoffFunction: "linear"}, false},
		{"sns exactly an hour", delivery.SNSPolicy{NumRetries: 60, MinDelayTarget: 60 * s, MaxDelayTarget: 60 * s, BackoffFunction: "linear"}, true},
		{"sns negative rate", delivery.SNSPolicy{NumRetries: 1, MinDelayTarget: s, MaxDelayTarget: s, BackoffFunction: "linear", MaxReceivesPerSecond: -1}, false},
		{"sns managed is not an HTTP policy", delivery.SNSManagedPolicy(), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.v.Validate()
			if (err == nil) != c.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, c.ok)
			}
			if _, sns := c.v.(delivery.SNSPolicy); sns && err != nil && !errors.Is(err, delivery.ErrInvalidSNSPolicy) {
				t.Errorf("error %v does not wrap ErrInvalidSNSPolicy", err)
			}
		})
	}
}
