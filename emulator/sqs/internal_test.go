package sqs

import (
	"net/url"
	"regexp"
	"testing"
)

// TestPlainQueueURLMatchesURLParse keeps the fast queue URL parser in
// step with the url.Parse one it short-cuts.
func TestPlainQueueURLMatchesURLParse(t *testing.T) {
	t.Parallel()
	slow := func(raw string) (account, region, name string, ok bool) {
		u, err := url.Parse(raw)
		if err != nil || u.Path == "" {
			return "", "", "", false
		}
		return splitQueuePath(u.Hostname(), u.Path)
	}
	tests := []struct {
		raw                   string
		account, region, name string
		ok                    bool
	}{
		{"http://127.0.0.1:4566/000000000000/q", "000000000000", "", "q", true},
		{"http://localhost:4566/000000000000/q.fifo/", "000000000000", "", "q.fifo", true},
		{"https://sqs.eu-west-1.amazonaws.com/123456789012/orders", "123456789012", "eu-west-1", "orders", true},
		{"https://us-east-2.queue.amazonaws.com/123456789012/orders", "123456789012", "us-east-2", "orders", true},
		{"https://sqs.cn-north-1.amazonaws.com.cn/123456789012/orders", "123456789012", "cn-north-1", "orders", true},
		{"http://sqs.ap-south-1.localhost.localstack.cloud:4566/000000000000/q", "000000000000", "ap-south-1", "q", true},
		{"http://localhost:4566/queue/us-west-2/000000000000/q", "000000000000", "us-west-2", "q", true},
		{"http://localhost:4566/queue/000000000000/q", "000000000000", "", "q", true},
		{"http://localhost:4566/x/y/000000000000/q", "000000000000", "", "q", true},
		{"http://SQS.EU-WEST-1.AMAZONAWS.COM/123456789012/q", "123456789012", "", "q", true},
		{"http://localhost:4566/12345678901/q", "", "", "", false},
		{"http://localhost:4566/q", "", "", "", false},
		{"http://localhost:4566", "", "", "", false},
		{"http://localhost:4566/", "", "", "", false},
		{"http://localhost:4566/000000000000/", "", "", "", false},
		{"http://localhost:4566//000000000000/q", "000000000000", "", "q", true},
	}
	for _, tt := range tests {
		a, r, n, ok, done := parsePlainQueueURL(tt.raw)
		if !done {
			t.Errorf("%s: fast parser declined", tt.raw)
			continue
		}
		if a != tt.account || r != tt.region || n != tt.name || ok != tt.ok {
			t.Errorf("%s: got %q %q %q %v, want %q %q %q %v", tt.raw, a, r, n, ok, tt.account, tt.region, tt.name, tt.ok)
		}
		sa, sr, sn, sok := slow(tt.raw)
		if a != sa || r != sr || n != sn || ok != sok {
			t.Errorf("%s: fast %q %q %q %v, url.Parse %q %q %q %v", tt.raw, a, r, n, ok, sa, sr, sn, sok)
		}
	}
	// Anything unusual goes to url.Parse.
	for _, raw := range []string{"http://h/000000000000/q%41", "http://h/000000000000/q?x=1", "http://u@h/000000000000/q",
		"http://[::1]:4566/000000000000/q", "q", "/000000000000/q", "http://h/000000000000/q r"} {
		if _, _, _, _, done := parsePlainQueueURL(raw); done {
			t.Errorf("%s: fast parser took it", raw)
		}
	}
}

// TestMessageIDsAreRandomUUIDs: message ids keep the form uuid.NewString
// gave them (version 4, RFC 4122 variant) and do not repeat.
func TestMessageIDsAreRandomUUIDs(t *testing.T) {
	t.Parallel()
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		for _, id := range newMessageIDs(10) {
			if !form.MatchString(id) {
				t.Fatalf("id %q is no version 4 UUID", id)
			}
			if seen[id] {
				t.Fatalf("id %q repeated", id)
			}
			seen[id] = true
		}
	}
}
