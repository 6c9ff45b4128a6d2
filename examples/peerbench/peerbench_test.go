package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator"
)

// TestSQSBatch runs the comparison against two emulators and checks every
// run sent messages, that the queues were deleted, and the summary.
func TestSQSBatch(t *testing.T) {
	t.Parallel()
	a, b := emulator.Start(t), emulator.Start(t)
	cfg := Config{Endpoints: []string{a.Endpoint(), b.Endpoint()}, Clients: 2, Duration: 100 * time.Millisecond,
		Rounds: 2, Warmup: 50 * time.Millisecond, Batch: 10, Size: 100, Queue: "pb"}
	if _, err := os.Stat("/proc/self/task"); err == nil {
		cfg.PIDs = []int{os.Getpid(), os.Getpid()}
	}
	var log bytes.Buffer
	res, err := SQSBatch(context.Background(), cfg, &log)
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
		if cfg.PIDs != nil && (len(res.ServerCPU[i]) != cfg.Rounds || res.ClientCPU[i][0] <= 0) {
			t.Errorf("endpoint %d: CPU %v %v", i, res.ServerCPU[i], res.ClientCPU[i])
		}
	}
	for _, e := range []*emulator.Emulator{a, b} {
		status, body, err := queryPost(context.Background(), http.DefaultClient, e.Endpoint(), []byte("Action=ListQueues&Version=2012-11-05"))
		if err != nil || status != http.StatusOK || strings.Contains(string(body), "<QueueUrl>") {
			t.Errorf("queues left after the runs: %d %s %v", status, body, err)
		}
	}
	var sum bytes.Buffer
	res.Summary(&sum)
	if !strings.Contains(sum.String(), "first/this") || strings.Count(log.String(), "round ") != 4 {
		t.Errorf("summary:\n%s\nlog:\n%s", sum.String(), log.String())
	}
}

// TestSQSBatchFailures checks that failed entries and refused requests
// stop the run with an error, as do bad configurations.
func TestSQSBatchFailures(t *testing.T) {
	t.Parallel()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		switch r.Form.Get("Action") {
		case "CreateQueue":
			_, _ = w.Write([]byte(`<CreateQueueResponse><CreateQueueResult><QueueUrl>http://x/000000000000/q</QueueUrl></CreateQueueResult></CreateQueueResponse>`))
		case "SendMessageBatch":
			_, _ = w.Write([]byte(`<SendMessageBatchResponse><SendMessageBatchResult><BatchResultErrorEntry><Id>m1</Id></BatchResultErrorEntry></SendMessageBatchResult></SendMessageBatchResponse>`))
		default:
			w.WriteHeader(http.StatusOK)
		}
	}))
	t.Cleanup(failing.Close)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	}))
	t.Cleanup(refusing.Close)
	good := Config{Clients: 1, Duration: 50 * time.Millisecond, Rounds: 1, Batch: 10, Size: 10, Queue: "q"}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"failed entries", func(c *Config) { c.Endpoints = []string{failing.URL} }, "SendMessageBatch: status 200"},
		{"refused", func(c *Config) { c.Endpoints = []string{refusing.URL} }, "CreateQueue: status 400"},
		{"no endpoint", func(c *Config) {}, "no endpoint"},
		{"batch too large", func(c *Config) { c.Endpoints, c.Batch = []string{failing.URL}, 11 }, "batch 11"},
		{"pids mismatch", func(c *Config) { c.Endpoints, c.PIDs = []string{failing.URL}, []int{1, 2} }, "2 pids for 1 endpoints"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tc.edit(&cfg)
			_, err := SQSBatch(context.Background(), cfg, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestRunFlags checks the command line: usage errors and a full run.
func TestRunFlags(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{nil, 2, "usage: peerbench"},
		{[]string{"sqs-batch"}, 2, "at least one --endpoint"},
		{[]string{"sqs-batch", "--endpoint", e.Endpoint(), "--pid", "x"}, 2, "want a positive integer"},
		{[]string{"sqs-batch", "--endpoint", e.Endpoint(), "--duration", "50ms", "--rounds", "1", "--warmup", "0"}, 0, "median"},
		{[]string{"sns-fanout", "--endpoint", e.Endpoint(), "--duration", "50ms", "--rounds", "1", "--warmup", "0", "--subs", "2", "--raw"}, 0, "deliveries/s"},
		{[]string{"sns-fanout", "--endpoint", e.Endpoint(), "--subs", "0"}, 1, "subs 0"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.out) {
			t.Errorf("%q: exit %d, output %q; want %d containing %q", tc.args, code, stdout.String()+stderr.String(), tc.code, tc.out)
		}
	}
}
