package esm

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n    int
		want time.Duration
	}{{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {6, 32 * time.Second}, {7, time.Minute}, {500, time.Minute}}
	for _, tc := range cases {
		if got := backoff(tc.n); got != tc.want {
			t.Errorf("backoff(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestStreamARN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, arn, name string
		ok            bool
	}{
		{"arn:aws:kinesis:us-east-1:111122223333:stream/orders", "arn:aws:kinesis:us-east-1:111122223333:stream/orders", "orders", true},
		{"arn:aws:kinesis:eu-west-1:111122223333:stream/orders/consumer/c1:1700000000", "arn:aws:kinesis:eu-west-1:111122223333:stream/orders", "orders", true},
		{"arn:aws:sqs:us-east-1:111122223333:q", "", "", false},
		{"orders", "", "", false},
	}
	for _, tc := range cases {
		arn, name, err := streamARN(tc.in)
		if (err == nil) != tc.ok || arn != tc.arn || name != tc.name {
			t.Errorf("streamARN(%q) = %q, %q, %v", tc.in, arn, name, err)
		}
	}
}

func TestParseBatchResponse(t *testing.T) {
	t.Parallel()
	valid := map[string]bool{"1": true, "2": true}
	cases := []struct {
		payload string
		whole   bool
		failed  int
		state   string
	}{
		{"", false, 0, ""},
		{"null", false, 0, ""},
		{"{}", false, 0, ""},
		{`{"batchItemFailures":[]}`, false, 0, ""},
		{`{"batchItemFailures":[{"itemIdentifier":"2"},{"itemIdentifier":"2"}]}`, false, 1, ""},
		{`{"batchItemFailures":[{"itemIdentifier":"3"}]}`, true, 0, ""},
		{`{"batchItemFailures":[{"itemIdentifier":2}]}`, true, 0, ""},
		{`{"batchItemFailures":{}}`, true, 0, ""},
		{`{"batchItemFailures":["1"]}`, true, 0, ""},
		{`[1]`, true, 0, ""},
		{`{"state":{"n":"1"}}`, false, 0, `{"n":"1"}`},
	}
	for _, tc := range cases {
		got := parseBatchResponse([]byte(tc.payload), valid)
		if got.whole != tc.whole || len(got.failed) != tc.failed || string(got.state) != tc.state {
			t.Errorf("%s: %+v", tc.payload, got)
		}
	}
}
