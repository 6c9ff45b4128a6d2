package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/sns"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newFaults(t testing.TB) (*faults.Faults, *clock.Clock) {
	t.Helper()
	clk := clock.New(clock.WithStart(start), clock.WithScale(0))
	t.Cleanup(func() { _ = clk.Close() })
	return faults.New(faults.Config{Clock: clk, Descriptors: []*awsapi.ServiceDescriptor{kinesis.Descriptor(), sns.Descriptor()}}), clk
}

func putRecord(stream string) awsapi.FaultCall {
	return awsapi.FaultCall{Service: "kinesis", Operation: "PutRecord", Resources: []string{stream}, Account: "000000000000", Region: "us-east-1", AccessKey: "AKID"}
}

func mustAdd(t *testing.T, f *faults.Faults, r faults.Rule) faults.Rule {
	t.Helper()
	out, err := f.Add(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fires runs n calls and returns which fired, as a string of 1s and 0s.
func fires(f *faults.Faults, c awsapi.FaultCall, n int) string {
	var b strings.Builder
	for range n {
		if f.Match(context.Background(), c) != nil {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

func TestMatching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule faults.Rule
		call awsapi.FaultCall
		want bool
	}{
		{"service only", faults.Rule{Service: "kinesis", Status: 503}, putRecord("orders"), true},
		{"other service", faults.Rule{Service: "sqs", Status: 503}, putRecord("orders"), false},
		{"service glob", faults.Rule{Service: "*", Status: 503}, putRecord("orders"), true},
		{"operation", faults.Rule{Service: "kinesis", Operation: "PutRecord", Status: 503}, putRecord("orders"), true},
		{"operation glob", faults.Rule{Service: "kinesis", Operation: "Put*", Status: 503}, putRecord("orders"), true},
		{"other operation", faults.Rule{Service: "kinesis", Operation: "GetRecords", Status: 503}, putRecord("orders"), false},
		{"resource name", faults.Rule{Service: "kinesis", Resource: "orders", Status: 503}, putRecord("orders"), true},
		{"resource glob", faults.Rule{Service: "kinesis", Resource: "ord?r*", Status: 503}, putRecord("orders-v2"), true},
		{"resource other", faults.Rule{Service: "kinesis", Resource: "orders", Status: 503}, putRecord("payments"), false},
		{"resource by ARN", faults.Rule{Service: "kinesis", Resource: "arn:aws:kinesis:*:stream/orders", Status: 503}, putRecord("arn:aws:kinesis:us-east-1:000000000000:stream/orders"), true},
		{"name matches ARN's last part", faults.Rule{Service: "kinesis", Resource: "orders", Status: 503}, putRecord("arn:aws:kinesis:us-east-1:000000000000:stream/orders"), true},
		{"resource rule, call without", faults.Rule{Service: "kinesis", Resource: "orders", Status: 503}, putRecord(""), false},
		{"account", faults.Rule{Service: "kinesis", Account: "000000000000", Status: 503}, putRecord("orders"), true},
		{"other account", faults.Rule{Service: "kinesis", Account: "111111111111", Status: 503}, putRecord("orders"), false},
		{"region glob", faults.Rule{Service: "kinesis", Region: "us-*", Status: 503}, putRecord("orders"), true},
		{"other region", faults.Rule{Service: "kinesis", Region: "eu-west-1", Status: 503}, putRecord("orders"), false},
		{"access key", faults.Rule{Service: "kinesis", AccessKey: "AKID", Status: 503}, putRecord("orders"), true},
		{"other access key", faults.Rule{Service: "kinesis", AccessKey: "OTHER", Status: 503}, putRecord("orders"), false},
		{"entries rule is not a call rule", faults.Rule{Service: "kinesis", Entries: &faults.Entries{Indexes: []int{0}}}, putRecord("orders"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, _ := newFaults(t)
			mustAdd(t, f, tc.rule)
			if got := f.Match(context.Background(), tc.call) != nil; got != tc.want {
				t.Fatalf("fired %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWhen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule faults.Rule
		want string
	}{
		{"always", faults.Rule{}, "1111111111"},
		{"count", faults.Rule{Count: 2}, "1100000000"},
		{"every", faults.Rule{Every: 3}, "0010010010"},
		{"every with count", faults.Rule{Every: 2, Count: 2}, "0101000000"},
		{"probability 1", faults.Rule{Probability: 1}, "1111111111"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, _ := newFaults(t)
			r := tc.rule
			r.Service, r.Error = "kinesis", "ProvisionedThroughputExceededException"
			mustAdd(t, f, r)
			if got := fires(f, putRecord("s"), 10); got != tc.want {
				t.Fatalf("fired %s, want %s", got, tc.want)
			}
		})
	}
}

func TestProbabilityIsSeededAndDeterministic(t *testing.T) {
	t.Parallel()
	run := func(seed uint64) string {
		f, _ := newFaults(t)
		mustAdd(t, f, faults.Rule{Service: "kinesis", Status: 503, Probability: 0.5, Seed: seed})
		return fires(f, putRecord("s"), 200)
	}
	a, b, c := run(7), run(7), run(8)
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Fatal("seeds 7 and 8 gave the same faults")
	}
	if n := strings.Count(a, "1"); n < 70 || n > 130 {
		t.Fatalf("probability 0.5 fired %d of 200", n)
	}
}

func TestWindowFollowsVirtualClock(t *testing.T) {
	t.Parallel()
	f, clk := newFaults(t)
	mustAdd(t, f, faults.Rule{Service: "kinesis", Status: 503, Window: &faults.Window{From: start.Add(time.Minute), Until: start.Add(2 * time.Minute)}})
	steps := []struct {
		advance time.Duration
		want    bool
	}{{0, false}, {time.Minute, true}, {30 * time.Second, true}, {30 * time.Second, false}}
	for i, s := range steps {
		if err := clk.Advance(s.advance); err != nil {
			t.Fatal(err)
		}
		if got := f.Match(context.Background(), putRecord("s")) != nil; got != s.want {
			t.Fatalf("step %d: fired %v, want %v", i, got, s.want)
		}
	}
}

func TestFirstFiringRuleWins(t *testing.T) {
	t.Parallel()
	f, _ := newFaults(t)
	a := mustAdd(t, f, faults.Rule{Service: "kinesis", Error: "ProvisionedThroughputExceededException", Count: 1})
	b := mustAdd(t, f, faults.Rule{Service: "kinesis", Status: 503})
	var got []string
	for range 3 {
		got = append(got, f.Match(context.Background(), putRecord("s")).Rule)
	}
	if want := []string{a.ID, b.ID, b.ID}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rules %v, want %v", got, want)
	}
	st := f.List()
	if st[0].Matched != 3 || st[0].Fired != 1 || st[1].Fired != 2 {
		t.Fatalf("counters %+v", st)
	}
}

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		service, code  string
		status         int
		wantCode       string
		wantQuery      string
		wantStatus     int
		receiver       bool
		retry, throttl bool
	}{
		{"kinesis", "ProvisionedThroughputExceededException", 0, "ProvisionedThroughputExceededException", "", 400, false, true, true},
		{"kinesis", "KMSThrottlingException", 0, "KMSThrottlingException", "", 400, false, false, false},
		{"kinesis", "InternalFailure", 0, "InternalFailure", "", 500, true, true, false},
		{"kinesis", "ResourceNotFoundException", 0, "ResourceNotFoundException", "", 400, false, false, false},
		{"sns", "Throttled", 0, "ThrottledException", "Throttled", 429, false, false, false}, // the wire code Throttled is in no retry list
		{"sns", "InternalError", 0, "InternalErrorException", "InternalError", 500, true, true, false},
		{"sqs", "RequestThrottled", 0, "RequestThrottled", "", 400, false, true, true},
		{"events", "ThrottlingException", 0, "ThrottlingException", "", 400, false, true, true},
		{"events", "InternalException", 0, "InternalException", "", 500, true, true, false},
		{"glue", "InternalServiceException", 0, "InternalServiceException", "", 500, true, true, false},
		{"lambda", "TooManyRequestsException", 0, "TooManyRequestsException", "", 429, false, true, true},
		{"lambda", "ServiceException", 0, "ServiceException", "", 500, true, true, false},
		{"schemas", "ServiceUnavailableException", 0, "ServiceUnavailableException", "", 503, true, true, false},
		{"kinesis", "ProvisionedThroughputExceededException", 503, "ProvisionedThroughputExceededException", "", 503, true, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.service+"/"+tc.code, func(t *testing.T) {
			t.Parallel()
			f, _ := newFaults(t)
			mustAdd(t, f, faults.Rule{Service: tc.service, Error: tc.code, Status: tc.status})
			c := putRecord("s")
			c.Service = tc.service
			d := f.Match(context.Background(), c)
			if d == nil || d.Error == nil {
				t.Fatalf("no error fault: %+v", d)
			}
			e := d.Error
			if e.Code != tc.wantCode || e.QueryCode != tc.wantQuery || e.HTTPStatus() != tc.wantStatus || e.Receiver != tc.receiver || e.Message == "" {
				t.Fatalf("error %+v, want code %s query %q status %d receiver %v", e, tc.wantCode, tc.wantQuery, tc.wantStatus, tc.receiver)
			}
			if retry, throttle := faults.Retryable(e.WireQueryCode(), e.HTTPStatus()); retry != tc.retry || throttle != tc.throttl {
				t.Fatalf("Retryable = %v, %v; want %v, %v", retry, throttle, tc.retry, tc.throttl)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		json     string
		min, max time.Duration
		after    bool
	}{
		{"fixed", `{"service":"sqs","latency":"250ms"}`, 250 * time.Millisecond, 250 * time.Millisecond, false},
		{"range after", `{"service":"sqs","latency":{"min":"100ms","max":"300ms"},"when":"after","seed":3}`, 100 * time.Millisecond, 300 * time.Millisecond, true},
		{"with error", `{"service":"sqs","latency":"1s","error":"RequestThrottled"}`, time.Second, time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := faults.ParseRule([]byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			f, _ := newFaults(t)
			mustAdd(t, f, r)
			c := putRecord("q")
			c.Service = "sqs"
			seen := map[time.Duration]bool{}
			for range 20 {
				d := f.Match(context.Background(), c)
				if d == nil || d.Latency < tc.min || d.Latency > tc.max || d.After != tc.after {
					t.Fatalf("fault %+v, want latency in [%s, %s], after %v", d, tc.min, tc.max, tc.after)
				}
				seen[d.Latency] = true
			}
			if tc.min != tc.max && len(seen) < 5 {
				t.Fatalf("a latency range gave only %d values", len(seen))
			}
			b, _ := json.Marshal(r)
			if back, err := faults.ParseRule(b); err != nil || !reflect.DeepEqual(back, r) {
				t.Fatalf("round trip %s: %+v, %v", b, back, err)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, json, want string
	}{
		{"no service", `{"status":503}`, "service is required"},
		{"no fault", `{"service":"sqs"}`, "a fault is required"},
		{"two faults", `{"service":"sqs","status":503,"reset":true}`, "only one of"},
		{"status range", `{"service":"sqs","status":404}`, "between 500 and 599"},
		{"error status range", `{"service":"sqs","error":"X","status":200}`, "between 400 and 599"},
		{"bad code", `{"service":"sqs","error":"no spaces please"}`, "not an error code"},
		{"message alone", `{"service":"sqs","message":"m","status":503}`, "message goes with error"},
		{"bad latency", `{"service":"sqs","latency":"soon"}`, "not a duration"},
		{"inverted range", `{"service":"sqs","latency":{"min":"2s","max":"1s"}}`, "empty or negative"},
		{"long latency", `{"service":"sqs","latency":"1h"}`, "longer than"},
		{"bad when", `{"service":"sqs","status":503,"when":"during"}`, "before or after"},
		{"probability", `{"service":"sqs","status":503,"probability":1.5}`, "probability"},
		{"count", `{"service":"sqs","status":503,"count":-1}`, "count -1"},
		{"every", `{"service":"sqs","status":503,"every":-2}`, "every -2"},
		{"window", `{"service":"sqs","status":503,"window":{"from":"2026-01-02T00:00:00Z","until":"2026-01-01T00:00:00Z"}}`, "window until"},
		{"entries both", `{"service":"sqs","entries":{"indexes":[1],"random":0.5}}`, "either indexes or random"},
		{"entries negative", `{"service":"sqs","entries":{"indexes":[-1]}}`, "negative"},
		{"lambda kind", `{"service":"lambda","lambda":"explode"}`, "throttle, timeout, crash, error or oom"},
		{"lambda service", `{"service":"sqs","lambda":"crash"}`, "need service lambda"},
		{"lambda crash message", `{"service":"lambda","lambda":"crash","message":"m"}`, "message goes with error"},
		{"unknown field", `{"service":"sqs","status":503,"bogus":1}`, "unknown field"},
		{"two objects", `{"service":"sqs","status":503}{}`, "one JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := faults.ParseRule([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	f, _ := newFaults(t)
	if f.Active() {
		t.Fatal("active without rules")
	}
	a := mustAdd(t, f, faults.Rule{Service: "sqs", Status: 503})
	b := mustAdd(t, f, faults.Rule{ID: "mine", Service: "sns", Reset: true})
	if a.ID == "" || b.ID != "mine" || !f.Active() {
		t.Fatalf("ids %q %q active %v", a.ID, b.ID, f.Active())
	}
	if _, err := f.Add(faults.Rule{ID: "mine", Service: "sns", Reset: true}); err == nil {
		t.Fatal("a duplicate id was accepted")
	}
	if !f.Remove(a.ID) || f.Remove(a.ID) || len(f.List()) != 1 {
		t.Fatalf("remove: %+v", f.List())
	}
	c := putRecord("t")
	c.Service, c.RequestID = "sns", "req-1"
	if d := f.Match(context.Background(), c); d == nil || !d.Reset {
		t.Fatalf("fault %+v", d)
	}
	log, dropped := f.Log()
	want := []faults.Fired{{Rule: "mine", Service: "sns", Operation: "PutRecord", Resource: "t", Account: "000000000000", Region: "us-east-1", RequestID: "req-1", Fault: "reset", Time: start}}
	if !reflect.DeepEqual(log, want) || dropped != 0 {
		t.Fatalf("log %+v (dropped %d), want %+v", log, dropped, want)
	}
	f.Clear()
	if f.Active() || f.Match(context.Background(), c) != nil {
		t.Fatal("rules survived Clear")
	}
	if log, _ := f.Log(); len(log) != 1 {
		t.Fatal("Clear dropped the log")
	}
	f.Reset()
	if log, _ := f.Log(); len(log) != 0 {
		t.Fatal("Reset kept the log")
	}
}

func TestLogIsBounded(t *testing.T) {
	t.Parallel()
	clk := clock.New(clock.WithScale(0))
	defer clk.Close()
	f := faults.New(faults.Config{Clock: clk, LogSize: 3})
	if _, err := f.Add(faults.Rule{Service: "sqs", Status: 503}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		f.Match(context.Background(), awsapi.FaultCall{Service: "sqs", Operation: fmt.Sprint(i)})
	}
	log, dropped := f.Log()
	var ops []string
	for _, e := range log {
		ops = append(ops, e.Operation)
	}
	if !reflect.DeepEqual(ops, []string{"2", "3", "4"}) || dropped != 2 {
		t.Fatalf("log %v dropped %d", ops, dropped)
	}
}

func TestEntryFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		service  string
		entries  faults.Entries
		n        int
		want     []int
		wantCode string
		// wantMsg is the message; "" asks only for a non-empty one.
		wantMsg string
	}{
		// Kinesis words a throughput failure with the record's shard.
		{"indexes", "kinesis", faults.Entries{Indexes: []int{0, 2, 9}}, 4, []int{0, 2}, "ProvisionedThroughputExceededException", "-"},
		{"kinesis internal", "kinesis", faults.Entries{Indexes: []int{1}, Error: "InternalFailure"}, 2, []int{1}, "InternalFailure", "Internal service failure."},
		{"message", "kinesis", faults.Entries{Indexes: []int{0}, Message: "boom"}, 1, []int{0}, "ProvisionedThroughputExceededException", "boom"},
		{"code", "sqs", faults.Entries{Indexes: []int{1}, Error: "RequestThrottled"}, 2, []int{1}, "RequestThrottled", ""},
		{"sqs default", "sqs", faults.Entries{Indexes: []int{0}}, 2, []int{0}, "InternalError", ""},
		{"sns default", "sns", faults.Entries{Indexes: []int{0}}, 2, []int{0}, "InternalError", ""},
		{"events default", "events", faults.Entries{Indexes: []int{0}}, 1, []int{0}, "ThrottlingException", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, _ := newFaults(t)
			mustAdd(t, f, faults.Rule{Service: tc.service, Entries: &tc.entries})
			c := awsapi.FaultCall{Service: tc.service, Operation: "Batch"}
			if f.Match(context.Background(), c) != nil {
				t.Fatal("an entries rule failed the whole call")
			}
			got := f.EntryFaults(context.Background(), c, tc.n)
			var idx []int
			for i := range tc.n {
				if ef, ok := got[i]; ok {
					idx = append(idx, i)
					msgOK := ef.Message != ""
					switch tc.wantMsg {
					case "-":
						msgOK = ef.Message == ""
					case "":
					default:
						msgOK = ef.Message == tc.wantMsg
					}
					if ef.Code != tc.wantCode || !msgOK || ef.Rule == "" {
						t.Fatalf("entry %d: %+v", i, ef)
					}
				}
			}
			if !reflect.DeepEqual(idx, tc.want) {
				t.Fatalf("failed %v, want %v", idx, tc.want)
			}
		})
	}
	// Random entries are seeded: the same seed fails the same entries.
	pick := func(seed uint64) string {
		f, _ := newFaults(t)
		mustAdd(t, f, faults.Rule{Service: "kinesis", Seed: seed, Entries: &faults.Entries{Random: 0.5}})
		return fmt.Sprint(f.EntryFaults(context.Background(), putRecord("s"), 64))
	}
	if pick(1) != pick(1) || pick(1) == pick(2) {
		t.Fatal("random entries are not determined by the seed")
	}
}

func TestLambdaFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind, wantType string
		status         int
	}{
		{faults.LambdaThrottle, "TooManyRequestsException", 429},
		{faults.LambdaTimeout, "Sandbox.Timedout", 0},
		{faults.LambdaCrash, "Runtime.ExitError", 0},
		{faults.LambdaOOM, "Runtime.OutOfMemory", 0},
		{faults.LambdaError, "Error", 0},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			f, _ := newFaults(t)
			mustAdd(t, f, faults.Rule{Service: "lambda", Resource: "fn", Lambda: tc.kind, Every: 2})
			c := awsapi.FaultCall{Service: "lambda", Operation: "ESM", Resources: []string{"arn:aws:lambda:us-east-1:000000000000:function:fn"}}
			if lf := f.LambdaFault(context.Background(), c); lf != nil {
				t.Fatalf("first invocation failed: %+v", lf)
			}
			lf := f.LambdaFault(context.Background(), c)
			if lf == nil || lf.Kind != tc.kind || lf.ErrorType != tc.wantType || lf.Message == "" {
				t.Fatalf("fault %+v", lf)
			}
			if (lf.Error != nil) != (tc.status != 0) || (lf.Error != nil && lf.Error.Status != tc.status) {
				t.Fatalf("error %+v, want status %d", lf.Error, tc.status)
			}
			other := c
			other.Resources = []string{"other"}
			if f.LambdaFault(context.Background(), other) != nil {
				t.Fatal("another function failed")
			}
		})
	}
}

// TestLambdaFaultMessage: a lambda error or throttle rule's message is
// what the invocation reports.
func TestLambdaFaultMessage(t *testing.T) {
	t.Parallel()
	tests := []struct{ kind string }{{faults.LambdaError}, {faults.LambdaThrottle}}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			r, err := faults.ParseRule([]byte(`{"service":"lambda","lambda":"` + tc.kind + `","message":"poison pill"}`))
			if err != nil {
				t.Fatal(err)
			}
			f, _ := newFaults(t)
			mustAdd(t, f, r)
			lf := f.LambdaFault(context.Background(), awsapi.FaultCall{Service: "lambda", Operation: "Invoke", Resources: []string{"fn"}})
			if lf == nil || lf.Message != "poison pill" || (lf.Error != nil && lf.Error.Message != "poison pill") {
				t.Fatalf("fault %+v", lf)
			}
		})
	}
}

func TestPresets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		params  map[string]string
		n       int
		wantErr string
	}{
		{"throttled-stream", map[string]string{"stream": "orders", "probability": "0.5"}, 3, ""},
		{"flaky-network", nil, 3, ""},
		{"poison-lambda", map[string]string{"function": "fn", "kind": "timeout", "every": "2"}, 1, ""},
		{"poison-lambda", nil, 0, "needs function"},
		{"poison-lambda", map[string]string{"function": "fn", "kind": "boom"}, 0, "throttle, timeout"},
		{"throttled-stream", map[string]string{"probability": "lots"}, 0, "not a number"},
		{"throttled-stream", map[string]string{"streem": "x"}, 0, `no parameter "streem"`},
		{"nope", nil, 0, "one of flaky-network, poison-lambda, throttled-stream"},
	}
	for _, tc := range tests {
		t.Run(tc.name+tc.wantErr, func(t *testing.T) {
			t.Parallel()
			rules, err := faults.Expand(tc.name, tc.params)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(rules) != tc.n {
				t.Fatalf("%d rules, %v", len(rules), err)
			}
			f, _ := newFaults(t)
			for _, r := range rules {
				mustAdd(t, f, r)
			}
		})
	}
	if _, ok := faults.Presets()["throttled-stream"]; !ok {
		t.Fatal("Presets lacks throttled-stream")
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	f, _ := newFaults(t)
	mustAdd(t, f, faults.Rule{Service: "kinesis", Status: 503, Count: 100})
	var wg sync.WaitGroup
	var mu sync.Mutex
	fired := 0
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if f.Match(context.Background(), putRecord("s")) != nil {
					mu.Lock()
					fired++
					mu.Unlock()
				}
				f.List()
				f.Log()
			}
		})
	}
	wg.Wait()
	if fired != 100 {
		t.Fatalf("count 100 fired %d times", fired)
	}
}

func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{0, 10} {
		b.Run(fmt.Sprintf("%d non-matching rules", n), func(b *testing.B) {
			f, _ := newFaults(b)
			for i := range n {
				if _, err := f.Add(faults.Rule{Service: "sqs", Resource: fmt.Sprintf("queue-%d", i), Status: 503}); err != nil {
					b.Fatal(err)
				}
			}
			c := putRecord("orders")
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if f.Match(ctx, c) != nil {
					b.Fatal("fired")
				}
			}
		})
	}
}
