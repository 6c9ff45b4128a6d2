package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator"
)

// TestSNSFanout runs the comparison against two emulators, enveloped and
// raw, and checks every run delivered, that the topics and queues were
// deleted, and the summary.
func TestSNSFanout(t *testing.T) {
	t.Parallel()
	for _, raw := range []bool{false, true} {
		t.Run(map[bool]string{false: "envelope", true: "raw"}[raw], func(t *testing.T) {
			t.Parallel()
			a, b := emulator.Start(t), emulator.Start(t)
			cfg := Config{Endpoints: []string{a.Endpoint(), b.Endpoint()}, Clients: 2, Duration: 100 * time.Millisecond,
				Rounds: 2, Warmup: 50 * time.Millisecond, Batch: 10, Size: 100, Queue: "pb", Subs: 3, Raw: raw}
			var log bytes.Buffer
			res, err := SNSFanout(context.Background(), cfg, &log)
			if err != nil {
				t.Fatal(err)
			}
			for i := range cfg.Endpoints {
				if len(res.Rates[i]) != cfg.Rounds {
					t.Fatalf("endpoint %d: %d rates, want %d", i, len(res.Rates[i]), cfg.Rounds)
				}
				for _, r := range res.Rates[i] {
					if r <= 0 {
						t.Errorf("endpoint %d: rate %v", i, r)
					}
				}
			}
			for _, e := range []*emulator.Emulator{a, b} {
				status, body, err := queryPost(context.Background(), http.DefaultClient, e.Endpoint(), []byte("Action=ListQueues&Version=2012-11-05"))
				if err != nil || status != http.StatusOK || strings.Contains(string(body), "<QueueUrl>") {
					t.Errorf("queues left after the runs: %d %s %v", status, body, err)
				}
				status, body, err = snsPost(context.Background(), http.DefaultClient, e.Endpoint(), url.Values{"Action": {"ListTopics"}})
				if err != nil || status != http.StatusOK || strings.Contains(string(body), "<TopicArn>") {
					t.Errorf("topics left after the runs: %d %s %v", status, body, err)
				}
			}
			var sum bytes.Buffer
			res.Summary(&sum)
			if !strings.Contains(sum.String(), "deliveries/s") || strings.Count(log.String(), "round ") != 4 {
				t.Errorf("summary:\n%s\nlog:\n%s", sum.String(), log.String())
			}
		})
	}
}

// TestFanoutCounts checks that settle counts every delivery of a known
// number of publishes and that checkDelivery tells the two body shapes
// apart.
func TestFanoutCounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		raw       bool
		publishes int
	}{{"envelope", false, 7}, {"raw", true, 4}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, c := context.Background(), http.DefaultClient
			ep := emulator.Start(t).Endpoint()
			fr, err := setupFanout(ctx, c, ep, "count", 2, tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			o := publishOp(ep, publishForm(fr.topicARN, "hello"))
			for range tc.publishes {
				if _, err := o(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			n, err := fr.settle(ctx, c, ep, int64(2*tc.publishes))
			if err != nil || n != int64(2*tc.publishes) {
				t.Fatalf("settle: %d deliveries, %v; want %d", n, err, 2*tc.publishes)
			}
			if err := fr.checkDelivery(ctx, c, ep, "hello", tc.raw); err != nil {
				t.Error(err)
			}
			if err := fr.checkDelivery(ctx, c, ep, "hello", !tc.raw); err == nil {
				t.Errorf("checkDelivery accepted a delivery of the other shape (raw %v)", !tc.raw)
			}
			if err := fr.teardown(ctx, c, ep); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestSNSFanoutFailures checks that refused publishes and missing
// deliveries' bodies stop the run, as do bad configurations.
func TestSNSFanoutFailures(t *testing.T) {
	t.Parallel()
	fake := func(publish int) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			switch r.Form.Get("Action") {
			case "CreateTopic":
				_, _ = w.Write([]byte(`<CreateTopicResponse><CreateTopicResult><TopicArn>arn:aws:sns:us-east-1:000000000000:t</TopicArn></CreateTopicResult></CreateTopicResponse>`))
			case "CreateQueue":
				_, _ = w.Write([]byte(`<CreateQueueResponse><CreateQueueResult><QueueUrl>http://x/000000000000/q</QueueUrl></CreateQueueResult></CreateQueueResponse>`))
			case "GetQueueAttributes":
				_, _ = w.Write([]byte(`<GetQueueAttributesResponse><GetQueueAttributesResult><Attribute><Name>` + r.Form.Get("AttributeName.1") + `</Name><Value>0</Value></Attribute></GetQueueAttributesResult></GetQueueAttributesResponse>`))
			case "Subscribe":
				_, _ = w.Write([]byte(`<SubscribeResponse><SubscribeResult><SubscriptionArn>arn:aws:sns:us-east-1:000000000000:t:1</SubscriptionArn></SubscribeResult></SubscribeResponse>`))
			case "Publish":
				w.WriteHeader(publish)
				_, _ = w.Write([]byte(`<PublishResponse><PublishResult><MessageId>m</MessageId></PublishResult></PublishResponse>`))
			case "ReceiveMessage":
				_, _ = w.Write([]byte(`<ReceiveMessageResponse><ReceiveMessageResult></ReceiveMessageResult></ReceiveMessageResponse>`))
			default:
				w.WriteHeader(http.StatusOK)
			}
		}))
		t.Cleanup(s.Close)
		return s
	}
	refusing, silent := fake(http.StatusBadRequest), fake(http.StatusOK)
	good := Config{Clients: 1, Duration: 50 * time.Millisecond, Rounds: 1, Batch: 10, Size: 10, Queue: "q", Subs: 2}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"publish refused", func(c *Config) { c.Endpoints = []string{refusing.URL} }, "Publish: status 400"},
		{"nothing delivered", func(c *Config) { c.Endpoints = []string{silent.URL} }, "ReceiveMessage: status 200"},
		{"no subscriptions", func(c *Config) { c.Endpoints, c.Subs = []string{silent.URL}, 0 }, "subs 0"},
		{"too many subscriptions", func(c *Config) { c.Endpoints, c.Subs = []string{silent.URL}, 101 }, "subs 101"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tc.edit(&cfg)
			_, err := SNSFanout(context.Background(), cfg, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
