package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/glue"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// faultBackend serves Kinesis's descriptor and injects fs's faults.
type faultBackend struct {
	fs  *faults.Faults
	clk *clock.Clock
}

func (b faultBackend) Descriptors() []*awsapi.ServiceDescriptor {
	return []*awsapi.ServiceDescriptor{kinesis.Descriptor()}
}
func (b faultBackend) Service(string, awsapi.Scope) any { return nil }
func (b faultBackend) Admin() Admin                     { return b }
func (b faultBackend) Health() Health                   { return Health{Status: "ready"} }
func (b faultBackend) Reset(string, string) error       { return nil }
func (b faultBackend) Clock() *clock.Clock              { return b.clk }
func (b faultBackend) Faults() *faults.Faults           { return b.fs }

// hookServer serves PutRecord through applyFault as dispatch does; ran
// counts the operations that took effect.
func hookServer(t *testing.T, rule faults.Rule) (url string, ran *atomic.Int32) {
	t.Helper()
	clk := clock.New()
	t.Cleanup(func() { _ = clk.Close() })
	fs := faults.New(faults.Config{Clock: clk, Descriptors: []*awsapi.ServiceDescriptor{kinesis.Descriptor()}})
	if _, err := fs.Add(rule); err != nil {
		t.Fatal(err)
	}
	h := New(Config{Backend: faultBackend{fs: fs, clk: clk}, DefaultAccount: "000000000000", DefaultRegion: "us-east-1"})
	ran = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		op, _ := h.kinesis.Operation("PutRecord")
		c := &call{req: protocol.Request{HTTP: r, RequestID: "req-1"}, codec: h.json, desc: h.kinesis, op: op, opName: op.Name}
		c.info = &awsapi.RequestInfo{RequestID: "req-1", Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Service: "kinesis", Operation: "PutRecord"}
		stream := r.URL.Query().Get("stream")
		ctx := awsapi.WithRequest(r.Context(), c.info)
		handled, after := h.applyFault(ctx, sw, c, &kinesis.PutRecordInput{StreamName: &stream})
		if handled {
			return
		}
		ran.Add(1)
		if after != nil && after() {
			return
		}
		_, _ = io.WriteString(sw, `{"SequenceNumber":"1","ShardId":"shardId-000000000000"}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ran
}

func TestApplyFault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rule       faults.Rule
		stream     string
		timeout    time.Duration
		wantStatus int
		wantBody   string // substring; "" for an empty body
		wantErr    bool   // the client sees no answer
		wantRan    int32
	}{
		{"no match", faults.Rule{Service: "kinesis", Resource: "other", Status: 503}, "orders", 0, 200, "SequenceNumber", false, 1},
		{"error in awsJson shape", faults.Rule{Service: "kinesis", Resource: "orders", Error: "ProvisionedThroughputExceededException"}, "orders", 0, 400,
			`"__type":"ProvisionedThroughputExceededException"`, false, 0},
		{"error by stream ARN", faults.Rule{Service: "kinesis", Resource: "arn:aws:kinesis:us-east-1:000000000000:stream/orders", Error: "InternalFailure"}, "orders", 0, 500, "InternalFailure", false, 0},
		{"empty 503", faults.Rule{Service: "kinesis", Status: 503}, "orders", 0, 503, "", false, 0},
		{"error after the op", faults.Rule{Service: "kinesis", Status: 500, When: faults.After}, "orders", 0, 500, "", false, 1},
		{"reset", faults.Rule{Service: "kinesis", Reset: true}, "orders", 0, 0, "", true, 0},
		{"reset after the op", faults.Rule{Service: "kinesis", Reset: true, When: faults.After}, "orders", 0, 0, "", true, 1},
		{"latency before", faults.Rule{Service: "kinesis", Latency: &faults.Latency{Min: 50 * time.Millisecond, Max: 50 * time.Millisecond}}, "orders", 0, 200, "SequenceNumber", false, 1},
		{"latency after, client times out", faults.Rule{Service: "kinesis", Latency: &faults.Latency{Min: 2 * time.Second, Max: 2 * time.Second}, When: faults.After}, "orders", 300 * time.Millisecond, 0, "", true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url, ran := hookServer(t, tc.rule)
			client := &http.Client{Timeout: tc.timeout}
			begin := time.Now()
			resp, err := client.Post(url+"?stream="+tc.stream, "application/x-amz-json-1.1", strings.NewReader("{}"))
			if tc.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got HTTP %d, want no answer", resp.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.wantStatus || (tc.wantBody == "") != (len(body) == 0) || !strings.Contains(string(body), tc.wantBody) {
					t.Fatalf("HTTP %d %q, want %d with %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
				}
			}
			if tc.rule.Latency != nil && !tc.wantErr && time.Since(begin) < tc.rule.Latency.Min {
				t.Fatalf("answered after %s, before the latency", time.Since(begin))
			}
			// The operation runs before the after-latency; wait for it.
			deadline := time.Now().Add(5 * time.Second)
			for ran.Load() != tc.wantRan && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if ran.Load() != tc.wantRan {
				t.Fatalf("the operation ran %d times, want %d", ran.Load(), tc.wantRan)
			}
		})
	}
}

func TestApplyFaultClientGoneDuringLatency(t *testing.T) {
	t.Parallel()
	url, ran := hookServer(t, faults.Rule{Service: "kinesis", Latency: &faults.Latency{Min: 5 * time.Second, Max: 5 * time.Second}})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("{}"))
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the client's deadline", err)
	}
	time.Sleep(300 * time.Millisecond)
	if ran.Load() != 0 {
		t.Fatal("the operation ran for a client that had gone")
	}
}

func TestResourcesOf(t *testing.T) {
	t.Parallel()
	sc := awsapi.Scope{Account: "000000000000", Region: "us-east-1"}
	name, arn := "orders", "arn:aws:kinesis:us-east-1:000000000000:stream/orders"
	qurl := "http://localhost:4566/000000000000/jobs"
	tests := []struct {
		name    string
		service string
		in      any
		want    []string
	}{
		{"kinesis name", "kinesis", &kinesis.PutRecordInput{StreamName: &name}, []string{"orders", arn}},
		{"kinesis ARN", "kinesis", &kinesis.PutRecordInput{StreamARN: &arn}, []string{arn}},
		{"sqs URL", "sqs", &sqs.SendMessageInput{QueueUrl: &qurl}, []string{qurl, "arn:aws:sqs:us-east-1:000000000000:jobs"}},
		{"glue nested id", "glue", &glue.GetSchemaVersionInput{SchemaId: &glue.SchemaId{SchemaName: &name}}, []string{"orders"}},
		{"nil", "kinesis", (*kinesis.PutRecordInput)(nil), nil},
		{"not a struct", "kinesis", "x", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := resourcesOf(sc, tc.service, tc.in); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("resources %q, want %q", got, tc.want)
			}
		})
	}
}

// BenchmarkApplyFault measures the hook on a Kinesis PutRecord with no
// rule and with 10 rules that do not match (the resources are then read).
func BenchmarkApplyFault(b *testing.B) {
	for _, n := range []int{0, 10} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			clk := clock.New()
			defer clk.Close()
			fs := faults.New(faults.Config{Clock: clk})
			for i := range n {
				if _, err := fs.Add(faults.Rule{Service: "kinesis", Resource: fmt.Sprintf("other-%d", i), Status: 503}); err != nil {
					b.Fatal(err)
				}
			}
			h := New(Config{Backend: faultBackend{fs: fs, clk: clk}})
			op, _ := h.kinesis.Operation("PutRecord")
			c := &call{desc: h.kinesis, op: op, info: &awsapi.RequestInfo{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}}}
			stream := "orders"
			in := &kinesis.PutRecordInput{StreamName: &stream}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if handled, after := h.applyFault(ctx, nil, c, in); handled || after != nil {
					b.Fatal("a fault fired")
				}
			}
		})
	}
}

func TestAdminFaults(t *testing.T) {
	t.Parallel()
	clk := clock.New()
	defer clk.Close()
	fs := faults.New(faults.Config{Clock: clk})
	h := New(Config{Backend: faultBackend{fs: fs, clk: clk}, DefaultAccount: "000000000000", DefaultRegion: "us-east-1"})
	steps := []struct {
		name, method, path, body string
		status                   int
		want                     string
		rules                    int
	}{
		{"add", "POST", "/_evolvestack/faults", `{"service":"kinesis","error":"ProvisionedThroughputExceededException","count":2}`, 200, `"id":"f-1"`, 1},
		{"add latency", "POST", "/_evolvestack/faults", `{"service":"sqs","latency":{"min":"1ms","max":"2ms"}}`, 200, `"latency":{"max":"2ms","min":"1ms"}`, 2},
		{"invalid", "POST", "/_evolvestack/faults", `{"service":"sqs"}`, 400, "a fault is required", 2},
		{"not JSON", "POST", "/_evolvestack/faults", `service=sqs`, 400, "fault rule", 2},
		{"too large", "POST", "/_evolvestack/faults", `{"service":"sqs","message":"` + strings.Repeat("x", 70<<10) + `"}`, 400, "at most 64 KiB", 2},
		{"list", "GET", "/_evolvestack/faults", "", 200, `"matched":0`, 2},
		{"remove", "DELETE", "/_evolvestack/faults/f-1", "", 200, `"removed":"f-1"`, 1},
		{"remove unknown", "DELETE", "/_evolvestack/faults/f-1", "", 404, `no fault rule \"f-1\"`, 1},
		{"presets", "GET", "/_evolvestack/faults/presets", "", 200, "throttled-stream", 1},
		{"preset", "POST", "/_evolvestack/faults/presets/throttled-stream", `{"stream":"orders","probability":0.25}`, 200, `"probability":0.25`, 4},
		{"preset without body", "POST", "/_evolvestack/faults/presets/flaky-network", "", 200, `"reset":true`, 7},
		{"preset bad param", "POST", "/_evolvestack/faults/presets/poison-lambda", `{"function":["a"]}`, 400, "must be a string or a number", 7},
		{"preset unknown", "POST", "/_evolvestack/faults/presets/nope", "", 400, "no fault preset", 7},
		{"clear", "DELETE", "/_evolvestack/faults", "", 200, `"rules":[]`, 0},
		{"log", "GET", "/_evolvestack/faults/log", "", 200, `"fired":[]`, 0},
		{"clear log", "DELETE", "/_evolvestack/faults/log", "", 200, `"fired":[]`, 0},
		{"method", "PUT", "/_evolvestack/faults", "", 405, "not allowed", 0},
	}
	for _, s := range steps {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(s.method, "http://localhost"+s.path, strings.NewReader(s.body)))
		var body bytes.Buffer
		if err := json.Compact(&body, rec.Body.Bytes()); err != nil {
			t.Fatalf("%s: not JSON: %s", s.name, rec.Body)
		}
		if rec.Code != s.status || !strings.Contains(body.String(), s.want) {
			t.Fatalf("%s: HTTP %d %s; want %d with %s", s.name, rec.Code, &body, s.status, s.want)
		}
		if n := len(fs.List()); n != s.rules {
			t.Fatalf("%s: %d rules, want %d", s.name, n, s.rules)
		}
	}
}
