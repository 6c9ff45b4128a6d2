package sns

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/delivery"
)

func TestHTTPPolicy(t *testing.T) {
	t.Parallel()
	sec := time.Second
	tests := []struct {
		name, sub, topic string
		want             delivery.SNSPolicy
	}{
		{"default", "", "", delivery.SNSDefaultHTTPPolicy()},
		{"subscription", `{"healthyRetryPolicy":{"numRetries":5,"numNoDelayRetries":1,"minDelayTarget":2,"maxDelayTarget":30,"backoffFunction":"exponential"},"throttlePolicy":{"maxReceivesPerSecond":4}}`, "",
			delivery.SNSPolicy{NumRetries: 5, NumNoDelayRetries: 1, MinDelayTarget: 2 * sec, MaxDelayTarget: 30 * sec, BackoffFunction: "exponential", MaxReceivesPerSecond: 4}},
		{"topic", "", `{"http":{"defaultHealthyRetryPolicy":{"numRetries":7,"minDelayTarget":1,"maxDelayTarget":9}}}`,
			delivery.SNSPolicy{NumRetries: 7, MinDelayTarget: sec, MaxDelayTarget: 9 * sec, BackoffFunction: "linear"}},
		{"subscription over topic", `{"healthyRetryPolicy":{"numRetries":1}}`, `{"http":{"defaultHealthyRetryPolicy":{"numRetries":7}}}`,
			delivery.SNSPolicy{NumRetries: 1, MinDelayTarget: 20 * sec, MaxDelayTarget: 20 * sec, BackoffFunction: "linear"}},
		{"overrides disabled", `{"healthyRetryPolicy":{"numRetries":1}}`, `{"http":{"defaultHealthyRetryPolicy":{"numRetries":7},"disableSubscriptionOverrides":true}}`,
			delivery.SNSPolicy{NumRetries: 7, MinDelayTarget: 20 * sec, MaxDelayTarget: 20 * sec, BackoffFunction: "linear"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := httpPolicy(tc.sub, tc.topic); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestPostClassifiesAnswers: 2xx delivers, 5xx and connection errors are
// retried, 3xx and 4xx fail at once, and redirects are not followed.
func TestPostClassifiesAnswers(t *testing.T) {
	t.Parallel()
	s, _, _ := deliverEnv(t)
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/302" {
			http.Redirect(w, r, other.URL, http.StatusFound)
			return
		}
		code, _ := strconv.Atoi(r.URL.Path[1:])
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	tests := []struct {
		url  string
		want delivery.Kind
		code int
	}{
		{srv.URL + "/200", delivery.Success, 200},
		{srv.URL + "/204", delivery.Success, 204},
		{srv.URL + "/302", delivery.Permanent, 302},
		{srv.URL + "/404", delivery.Permanent, 404},
		{srv.URL + "/500", delivery.Retryable, 500},
		{srv.URL + "/503", delivery.Retryable, 503},
		{dead.URL + "/x", delivery.Retryable, 0},
	}
	for _, tc := range tests {
		out, code := s.post(context.Background(), &subscription{endpoint: tc.url}, &Delivery{Body: "b", Headers: map[string]string{"x-amz-sns-message-type": "Notification"}})
		if out.Kind != tc.want || code != tc.code {
			t.Errorf("%s: %v %d, want %v %d (%s)", tc.url, out.Kind, code, tc.want, tc.code, out.Reason)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

// TestCloseDropsQueuedDeliveries: Close stops the queues; deliveries
// waiting for a retry are dropped and nothing more is attempted.
func TestCloseDropsQueuedDeliveries(t *testing.T) {
	t.Parallel()
	s, _, _ := deliverEnv(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	tp := &topic{arn: testTopic, name: "orders", account: "000000000000", region: "us-east-1"}
	sub := &subscription{arn: testTopic + ":h", topicArn: testTopic, protocol: "http", endpoint: srv.URL}
	tp.live = []*subscription{sub}
	s.subs[sub.arn] = sub
	s.fanOut(context.Background(), tp, testNotification(nil))
	settle(t, s)
	if hits.Load() != 1 || s.PendingDeliveries() != 1 {
		t.Fatalf("hits %d, pending %d", hits.Load(), s.PendingDeliveries())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.env.Clock.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if hits.Load() != 1 || s.PendingDeliveries() != 0 {
		t.Fatalf("after Close: hits %d, pending %d", hits.Load(), s.PendingDeliveries())
	}
	// Publishing after Close drops and counts.
	s.fanOut(context.Background(), tp, testNotification(nil))
	if s.DroppedDeliveries() != 1 {
		t.Fatalf("dropped %d", s.DroppedDeliveries())
	}
}
