package sqs

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"
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
// gave them (version 4, RFC 4122 variant) and do not repeat, and stamp
// pairs each with its own body and its MD5, skipping nil entries.
func TestMessageIDsAreRandomUUIDs(t *testing.T) {
	t.Parallel()
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := range 1000 {
		msgs := make([]*message, 10)
		for j := range msgs {
			if (i+j)%7 != 3 {
				msgs[j] = &message{body: fmt.Sprintf("body %d %d", i, j)}
			}
		}
		stamp(msgs)
		for j, m := range msgs {
			if m == nil {
				continue
			}
			if want := fmt.Sprintf("body %d %d", i, j); m.body != want {
				t.Fatalf("body %q, want %q", m.body, want)
			}
			if !form.MatchString(m.id) {
				t.Fatalf("id %q is no version 4 UUID", m.id)
			}
			if seen[m.id] {
				t.Fatalf("id %q repeated", m.id)
			}
			seen[m.id] = true
			if sum := md5.Sum([]byte(m.body)); m.md5Body != hex.EncodeToString(sum[:]) {
				t.Fatalf("MD5 of %q = %s, want %x", m.body, m.md5Body, sum)
			}
		}
	}
}

// TestPlainTextWordsMatchBytes checks the word-at-a-time plainText against
// the byte loop for every byte value at every position of a word and of
// the tail, and on mixed strings.
func TestPlainTextWordsMatchBytes(t *testing.T) {
	t.Parallel()
	for n := range 20 {
		for pos := range n {
			for c := range 256 {
				b := []byte(strings.Repeat("x", n))
				b[pos] = byte(c)
				if got, want := plainText(string(b)), plainBytes(string(b)); got != want {
					t.Fatalf("plainText(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	tests := []struct {
		s    string
		want bool
	}{
		{"", true},
		{"plain message body of some length", true},
		{"tabs\tand\nline\r\nbreaks everywhere\t\t\t\t\t\t\t\t", true},
		{"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", false},
		{"\xff\xff\xff\xff\xff\xff\xff\x20", false},
		{"ascii then \u00e9 accent", false},
		{"\x00abcdefgh", false},
		{"abcdefgh\x1f", false},
		{"~~~~~~~~ ~~~~~~~", true},
	}
	for _, tc := range tests {
		if got := plainText(tc.s); got != tc.want {
			t.Errorf("plainText(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
