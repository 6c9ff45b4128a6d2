package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// lfEpoch is the frozen clock's start in the Lambda fault tests.
var lfEpoch = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

// lfEnv is an emulator on a frozen clock with Lambda, SQS and Kinesis
// clients, and a handler that records what it was given.
type lfEnv struct {
	t   *testing.T
	e   *emulator.Emulator
	lam *awslambda.Client
	sqs *awssqs.Client
	kin *awskinesis.Client
	ctx context.Context

	mu    sync.Mutex
	calls map[string][]json.RawMessage // events by function
}

func lfSetup(t *testing.T) *lfEnv {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(lfEpoch))))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cfg := e.AWSConfig()
	return &lfEnv{t: t, e: e, ctx: ctx, calls: map[string][]json.RawMessage{},
		lam: awslambda.NewFromConfig(cfg, func(o *awslambda.Options) { o.RetryMaxAttempts = 1 }),
		sqs: awssqs.NewFromConfig(cfg), kin: awskinesis.NewFromConfig(cfg)}
}

// function registers an in-process handler for name that records its
// events and answers {"ok":true}.
func (h *lfEnv) function(name string) {
	h.t.Helper()
	err := h.e.RegisterHandler(name, func(_ context.Context, ev json.RawMessage) (map[string]bool, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.calls[name] = append(h.calls[name], ev)
		return map[string]bool{"ok": true}, nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// ran returns the events the handler of name was given.
func (h *lfEnv) ran(name string) []json.RawMessage {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.calls[name])
}

func (h *lfEnv) records(name string) []lambda.InvocationRecord {
	h.t.Helper()
	recs, err := h.e.LambdaInvocations(name)
	if err != nil {
		h.t.Fatal(err)
	}
	return recs
}

func (h *lfEnv) rule(r faults.Rule) faults.Rule {
	h.t.Helper()
	out, err := h.e.Faults().Add(r)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// fired returns the fault log entries of rule.
func (h *lfEnv) fired(rule string) []faults.Fired {
	log, _ := h.e.Faults().Log()
	var out []faults.Fired
	for _, f := range log {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func (h *lfEnv) settle() {
	h.t.Helper()
	if err := h.e.Clock().Settle(h.ctx); err != nil {
		h.t.Fatal(err)
	}
}

// drive advances the frozen clock a second at a time until cond holds.
func (h *lfEnv) drive(what string, cond func() bool) {
	h.t.Helper()
	for range 900 {
		h.settle()
		if cond() {
			return
		}
		if err := h.e.Clock().Advance(time.Second); err != nil {
			h.t.Fatal(err)
		}
	}
	h.t.Fatalf("%s: not reached after 900 virtual seconds", what)
}

func (h *lfEnv) queue(name string, attrs map[string]string) (url, arn string) {
	h.t.Helper()
	q, err := h.sqs.CreateQueue(h.ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		h.t.Fatal(err)
	}
	a, err := h.sqs.GetQueueAttributes(h.ctx, &awssqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		h.t.Fatal(err)
	}
	return *q.QueueUrl, a.Attributes["QueueArn"]
}

// queueCounts returns a queue's visible and in-flight message counts.
func (h *lfEnv) queueCounts(url string) (visible, inFlight string) {
	h.t.Helper()
	out, err := h.sqs.GetQueueAttributes(h.ctx, &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		h.t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"], out.Attributes["ApproximateNumberOfMessagesNotVisible"]
}

// requestID returns the request id Lambda answered an Invoke with.
func requestID(t *testing.T, out *awslambda.InvokeOutput) string {
	t.Helper()
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if id == "" {
		t.Fatal("no request id in the response")
	}
	return id
}

// TestFaultsLambdaInvokeFailures: each injected handler fault, as the SDK
// sees a synchronous Invoke: a 200 with FunctionError Unhandled and AWS's
// error document, a log tail like a real failure's, the invocation
// recorded with the rule; a timeout runs the handler (its side effects
// happen), the others do not; the next invocation (count 1) succeeds.
func TestFaultsLambdaInvokeFailures(t *testing.T) {
	t.Parallel()
	h := lfSetup(t)
	tests := []struct {
		kind, message      string
		wantType, wantMsg  string // wantMsg: %s is the request id
		wantRan            int
		wantLog            string
		wantDurationMillis int64
	}{
		{faults.LambdaTimeout, "", "Sandbox.Timedout", "RequestId: %s Error: Task timed out after 3.00 seconds", 1, "Task timed out after 3.00 seconds", 3000},
		{faults.LambdaCrash, "", "Runtime.ExitError", "RequestId: %s Error: Runtime exited with error: exit status 1", 0,
			"Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n", -1},
		{faults.LambdaOOM, "", "Runtime.OutOfMemory", "RequestId: %s Error: Runtime exited with error: signal: killed", 0,
			"Max Memory Used: 128 MB", -1},
		{faults.LambdaError, "poison pill", "Error", "poison pill", 0, "END RequestId: ", -1},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			fn := "sync-" + tc.kind
			h.function(fn)
			rule := h.rule(faults.Rule{Service: "lambda", Operation: "Invoke", Resource: fn, Lambda: tc.kind, Message: tc.message, Count: 1})
			out, err := h.lam.Invoke(h.ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"n":1}`), LogType: lambdatypes.LogTypeTail})
			if err != nil {
				t.Fatal(err)
			}
			rid := requestID(t, out)
			var doc struct{ ErrorType, ErrorMessage string }
			if err := json.Unmarshal(out.Payload, &doc); err != nil {
				t.Fatalf("payload %s: %v", out.Payload, err)
			}
			wantMsg := tc.wantMsg
			if strings.Contains(wantMsg, "%s") {
				wantMsg = fmt.Sprintf(wantMsg, rid)
			}
			if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" || doc.ErrorType != tc.wantType || doc.ErrorMessage != wantMsg {
				t.Fatalf("status %d, FunctionError %q, payload %s; want Unhandled %s %q", out.StatusCode, aws.ToString(out.FunctionError), out.Payload, tc.wantType, wantMsg)
			}
			if n := len(h.ran(fn)); n != tc.wantRan {
				t.Fatalf("the handler ran %d times, want %d", n, tc.wantRan)
			}
			b, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			tail := string(b)
			if err != nil || !strings.Contains(tail, tc.wantLog) || !strings.Contains(tail, "REPORT RequestId: "+rid) {
				t.Fatalf("log tail %q (%v), want %q", tail, err, tc.wantLog)
			}
			recs := h.records(fn)
			if len(recs) != 1 {
				t.Fatalf("records %+v", recs)
			}
			r := recs[0]
			if r.Succeeded() || r.FunctionError != "Unhandled" || r.ErrorType != tc.wantType || r.ErrorMessage != wantMsg || r.Fault != rule.ID ||
				r.Trigger != lambda.TriggerAPI || r.RequestID != rid || r.Throttled {
				t.Fatalf("record %+v", r)
			}
			if tc.wantDurationMillis >= 0 && r.Duration != time.Duration(tc.wantDurationMillis)*time.Millisecond {
				t.Fatalf("duration %v, want %d ms", r.Duration, tc.wantDurationMillis)
			}
			if f := h.fired(rule.ID); len(f) != 1 || f[0].Operation != "Invoke" || f[0].RequestID != rid || !strings.HasSuffix(f[0].Resource, ":function:"+fn) ||
				f[0].Fault != "lambda "+tc.kind {
				t.Fatalf("fault log %+v", f)
			}
			// The rule is spent: the next invocation runs the handler.
			out, err = h.lam.Invoke(h.ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"n":2}`)})
			if err != nil || out.FunctionError != nil || string(out.Payload) != `{"ok":true}` {
				t.Fatalf("second invoke: %v %+v", err, out)
			}
			if recs := h.records(fn); len(recs) != 2 || !recs[1].Succeeded() || recs[1].Fault != "" {
				t.Fatalf("records %+v", recs)
			}
		})
	}
}

// TestFaultsLambdaInvokeThrottle: an injected throttle is a 429
// TooManyRequestsException with AWS's Reason; the SDK's standard retryer
// rides it out (the handler runs once); without retries the caller gets
// the typed error. Both refusals are recorded, and the admin API shows
// them.
func TestFaultsLambdaInvokeThrottle(t *testing.T) {
	t.Parallel()
	h := lfSetup(t)
	fn := "sync-throttled"
	h.function(fn)
	rule := h.rule(faults.Rule{Service: "lambda", Resource: fn, Lambda: faults.LambdaThrottle, Count: 1})
	retrying := awslambda.NewFromConfig(h.e.AWSConfig(), func(o *awslambda.Options) { o.Retryer = retry.NewStandard(fastRetries) })
	out, err := retrying.Invoke(h.ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"n":1}`)})
	if err != nil || out.FunctionError != nil || string(out.Payload) != `{"ok":true}` {
		t.Fatalf("the standard retryer did not ride out a throttle: %v %+v", err, out)
	}
	if n := len(h.ran(fn)); n != 1 {
		t.Fatalf("the handler ran %d times, want 1", n)
	}
	if f := h.fired(rule.ID); len(f) != 1 || f[0].Operation != "Invoke" || f[0].Fault != "lambda throttle" {
		t.Fatalf("fault log %+v", f)
	}

	// Without retries the caller sees the throttle.
	rule2 := h.rule(faults.Rule{Service: "lambda", Operation: "Invoke", Resource: fn, Lambda: faults.LambdaThrottle, Count: 1})
	_, err = h.lam.Invoke(h.ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"n":2}`)})
	var tmr *lambdatypes.TooManyRequestsException
	var re *smithyhttp.ResponseError
	if !errors.As(err, &tmr) || !errors.As(err, &re) || re.HTTPStatusCode() != 429 ||
		tmr.Reason != lambdatypes.ThrottleReasonReservedFunctionConcurrentInvocationLimitExceeded || aws.ToString(tmr.Message) != "Rate Exceeded." || aws.ToString(tmr.Type) != "User" {
		t.Fatalf("error %v (%+v), want a 429 TooManyRequestsException", err, tmr)
	}
	if n := len(h.ran(fn)); n != 1 {
		t.Fatalf("a throttled invocation ran the handler (%d runs)", n)
	}
	recs := h.records(fn)
	if len(recs) != 3 {
		t.Fatalf("records %+v, want throttled, succeeded, throttled", recs)
	}
	for i, want := range []struct {
		throttled bool
		rule      string
	}{{true, rule.ID}, {false, ""}, {true, rule2.ID}} {
		r := recs[i]
		if r.Throttled != want.throttled || r.Fault != want.rule || r.Succeeded() == want.throttled || r.Trigger != lambda.TriggerAPI {
			t.Fatalf("record %d: %+v", i, r)
		}
		if want.throttled && (r.ErrorType != "TooManyRequestsException" || r.ErrorMessage != "Rate Exceeded." || r.FunctionError != "" || r.Event == "") {
			t.Fatalf("throttled record %d: %+v", i, r)
		}
	}

	// The admin API lists them as they are.
	resp, err := http.Get(h.e.Endpoint() + "/_evolvestack/lambda/functions/" + fn + "/invocations")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got struct {
		Invocations []struct {
			Throttled bool   `json:"throttled"`
			Fault     string `json:"fault"`
			ErrorType string `json:"errorType"`
		} `json:"invocations"`
	}
	if err := json.Unmarshal(body, &got); err != nil || len(got.Invocations) != 3 || !got.Invocations[0].Throttled ||
		got.Invocations[0].Fault != rule.ID || got.Invocations[0].ErrorType != "TooManyRequestsException" || got.Invocations[1].Throttled {
		t.Fatalf("admin API: HTTP %d %s (%v)", resp.StatusCode, body, err)
	}
}

// TestFaultsLambdaESMThrottledAndRetried: the first batch an event source
// mapping (an SQS queue, a Kinesis stream) sends to its function is
// throttled; the poller retries it as a throttle, the next attempt is
// processed, and every record reaches the handler exactly once. A rule on
// ESM leaves direct invocations alone.
func TestFaultsLambdaESMThrottledAndRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		source string
		// setup makes the source, puts the bodies in and returns its ARN.
		setup func(h *lfEnv, bodies []string) string
		// check runs once the handler has everything.
		check func(h *lfEnv)
	}{
		{"sqs", func(h *lfEnv, bodies []string) string {
			url, arn := h.queue("esm-src", map[string]string{"VisibilityTimeout": "5"})
			for _, b := range bodies {
				if _, err := h.sqs.SendMessage(h.ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b)}); err != nil {
					h.t.Fatal(err)
				}
			}
			return arn
		}, func(h *lfEnv) {
			h.drive("the queue empties", func() bool {
				v, nv := h.queueCounts(aws.ToString(h.mustURL("esm-src")))
				return v == "0" && nv == "0"
			})
		}},
		{"kinesis", func(h *lfEnv, bodies []string) string {
			if _, err := h.kin.CreateStream(h.ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("esm-src"), ShardCount: aws.Int32(1)}); err != nil {
				h.t.Fatal(err)
			}
			h.settle()
			if err := h.e.Clock().Advance(h.e.Kinesis().Options().CreateDelay); err != nil {
				h.t.Fatal(err)
			}
			h.settle()
			for _, b := range bodies {
				if _, err := h.kin.PutRecord(h.ctx, &awskinesis.PutRecordInput{StreamName: aws.String("esm-src"), PartitionKey: aws.String("k"), Data: []byte(b)}); err != nil {
					h.t.Fatal(err)
				}
			}
			d, err := h.kin.DescribeStreamSummary(h.ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("esm-src")})
			if err != nil {
				h.t.Fatal(err)
			}
			return aws.ToString(d.StreamDescriptionSummary.StreamARN)
		}, func(*lfEnv) {}},
	}
	for _, tc := range tests {
		t.Run(tc.source, func(t *testing.T) {
			t.Parallel()
			h := lfSetup(t)
			fn := "esm-consumer"
			h.function(fn)
			rule := h.rule(faults.Rule{Service: "lambda", Operation: "ESM", Resource: fn, Lambda: faults.LambdaThrottle, Count: 1})
			// A direct invocation is not an ESM one: the rule lets it by.
			if out, err := h.lam.Invoke(h.ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{}`)}); err != nil || out.FunctionError != nil {
				t.Fatalf("direct invoke: %v %+v", err, out)
			}
			bodies := []string{"order-1", "order-2", "order-3"}
			src := tc.setup(h, bodies)
			in := &awslambda.CreateEventSourceMappingInput{FunctionName: aws.String(fn), EventSourceArn: aws.String(src), BatchSize: aws.Int32(10)}
			if tc.source == "kinesis" {
				in.StartingPosition = lambdatypes.EventSourcePositionTrimHorizon
			}
			if _, err := h.lam.CreateEventSourceMapping(h.ctx, in); err != nil {
				t.Fatal(err)
			}
			h.drive("every record processed", func() bool { return len(esmBodies(t, h.ran(fn))) >= len(bodies) })
			tc.check(h)
			h.settle()
			got := esmBodies(t, h.ran(fn))
			slices.Sort(got)
			if !slices.Equal(got, bodies) {
				t.Fatalf("the handler got %q, want each of %q once", got, bodies)
			}
			var esm []lambda.InvocationRecord
			for _, r := range h.records(fn) {
				if r.Trigger == lambda.TriggerESM {
					esm = append(esm, r)
				}
			}
			if len(esm) != 2 || !esm[0].Throttled || esm[0].Fault != rule.ID || esm[0].ErrorType != "TooManyRequestsException" || !esm[1].Succeeded() {
				t.Fatalf("ESM invocations %+v, want the batch throttled then processed", esm)
			}
			for i, r := range esm {
				got := esmBodies(t, []json.RawMessage{json.RawMessage(r.Event)})
				slices.Sort(got)
				if !slices.Equal(got, bodies) {
					t.Fatalf("ESM invocation %d carried %q, want the whole batch %q", i, got, bodies)
				}
			}
			if f := h.fired(rule.ID); len(f) != 1 || f[0].Operation != "ESM" || f[0].RequestID != esm[0].RequestID {
				t.Fatalf("fault log %+v", f)
			}
		})
	}
}

// mustURL returns the URL of queue name.
func (h *lfEnv) mustURL(name string) *string {
	h.t.Helper()
	out, err := h.sqs.GetQueueUrl(h.ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		h.t.Fatal(err)
	}
	return out.QueueUrl
}

// esmBodies returns the bodies of the SQS messages or Kinesis records of
// ESM events (other events have no Records).
func esmBodies(t *testing.T, evs []json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, ev := range evs {
		var e struct {
			Records []struct {
				Body    string `json:"body"`
				Kinesis struct {
					Data []byte `json:"data"`
				} `json:"kinesis"`
			}
		}
		if err := json.Unmarshal(ev, &e); err != nil {
			t.Fatalf("event %s: %v", ev, err)
		}
		for _, r := range e.Records {
			if r.Body != "" {
				out = append(out, r.Body)
			} else {
				out = append(out, string(r.Kinesis.Data))
			}
		}
	}
	return out
}

// TestFaultsLambdaAsync: every attempt of an asynchronous invocation
// crashes, so after MaximumRetryAttempts (a minute apart) the event goes
// to the function's dead-letter queue with AWS's attributes; throttled
// attempts are retried without using up a retry and the event is
// delivered.
func TestFaultsLambdaAsync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rule    faults.Rule
		retries int32
		// wantRecords: attempts recorded; wantFired: faults injected;
		// wantDLQ: dead-lettered.
		wantRecords, wantFired int
		wantDLQ                bool
	}{
		{"crash every attempt to the DLQ", faults.Rule{Service: "lambda", Operation: "InvokeAsync", Lambda: faults.LambdaCrash}, 1, 2, 2, true},
		{"throttled twice then delivered", faults.Rule{Service: "lambda", Operation: "InvokeAsync", Lambda: faults.LambdaThrottle, Count: 2}, 0, 3, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := lfSetup(t)
			fn := "async-fn"
			h.function(fn)
			dlqURL, dlqARN := h.queue("async-dlq", nil)
			if _, err := h.lam.UpdateFunctionConfiguration(h.ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(fn),
				DeadLetterConfig: &lambdatypes.DeadLetterConfig{TargetArn: aws.String(dlqARN)}}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.lam.PutFunctionEventInvokeConfig(h.ctx, &awslambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String(fn),
				MaximumRetryAttempts: aws.Int32(tc.retries)}); err != nil {
				t.Fatal(err)
			}
			r := tc.rule
			r.Resource = fn
			rule := h.rule(r)
			out, err := h.lam.Invoke(h.ctx, &awslambda.InvokeInput{FunctionName: aws.String(fn), InvocationType: lambdatypes.InvocationTypeEvent,
				Payload: []byte(`{"order":7}`)})
			if err != nil || out.StatusCode != 202 {
				t.Fatalf("invoke: %v %+v", err, out)
			}
			rid := requestID(t, out)
			h.drive("the event ends", func() bool { return len(h.records(fn)) >= tc.wantRecords && (!tc.wantDLQ || h.queueDepth(dlqURL) > 0) })
			// Nothing more happens later.
			for range 200 {
				h.settle()
				if err := h.e.Clock().Advance(5 * time.Second); err != nil {
					t.Fatal(err)
				}
			}
			h.settle()
			recs := h.records(fn)
			if len(recs) != tc.wantRecords {
				t.Fatalf("records %+v, want %d", recs, tc.wantRecords)
			}
			for i, rec := range recs {
				if rec.Trigger != lambda.TriggerAsync || rec.RequestID != rid {
					t.Fatalf("record %d: %+v", i, rec)
				}
			}
			if f := h.fired(rule.ID); len(f) != tc.wantFired || f[0].Operation != "InvokeAsync" || f[0].RequestID != rid {
				t.Fatalf("fault log %+v", f)
			}
			dead := h.drainQueue(dlqURL)
			if !tc.wantDLQ {
				if len(dead) != 0 || len(h.ran(fn)) != 1 || !recs[len(recs)-1].Succeeded() || !recs[0].Throttled || !recs[1].Throttled {
					t.Fatalf("dead letters %+v, runs %d, records %+v", dead, len(h.ran(fn)), recs)
				}
				return
			}
			wantMsg := "RequestId: " + rid + " Error: Runtime exited with error: exit status 1"
			for i, rec := range recs {
				if rec.Attempt != i+1 || rec.FunctionError != "Unhandled" || rec.ErrorType != "Runtime.ExitError" || rec.ErrorMessage != wantMsg || rec.Fault != rule.ID {
					t.Fatalf("record %d: %+v", i, rec)
				}
			}
			if gap := recs[1].Start.Sub(recs[0].Start); gap < time.Minute {
				t.Fatalf("the retry came %v after the first attempt, want a minute", gap)
			}
			if n := len(h.ran(fn)); n != 0 {
				t.Fatalf("a crashed invocation ran the handler %d times", n)
			}
			if len(dead) != 1 {
				t.Fatalf("dead letters %+v, want 1", dead)
			}
			a := dead[0].MessageAttributes
			if aws.ToString(dead[0].Body) != `{"order":7}` || aws.ToString(a["RequestID"].StringValue) != rid || aws.ToString(a["ErrorCode"].StringValue) != "200" ||
				aws.ToString(a["ErrorCode"].DataType) != "Number" || aws.ToString(a["ErrorMessage"].StringValue) != wantMsg {
				t.Fatalf("dead letter %s %+v", aws.ToString(dead[0].Body), a)
			}
		})
	}
}

func (h *lfEnv) queueDepth(url string) int {
	h.t.Helper()
	v, _ := h.queueCounts(url)
	var n int
	_, _ = fmt.Sscan(v, &n)
	return n
}

// drainQueue receives and deletes every message of a queue.
func (h *lfEnv) drainQueue(url string) []sqstypes.Message {
	h.t.Helper()
	var all []sqstypes.Message
	for {
		out, err := h.sqs.ReceiveMessage(h.ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return all
		}
		for _, m := range out.Messages {
			if _, err := h.sqs.DeleteMessage(h.ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				h.t.Fatal(err)
			}
		}
		all = append(all, out.Messages...)
	}
}

// BenchmarkFaultsLambdaInvoke measures one synchronous invocation of an
// in-process handler (no HTTP) with no fault rule and with 10 Lambda rules
// for other functions.
func BenchmarkFaultsLambdaInvoke(b *testing.B) {
	ctx := context.Background()
	e := emulator.Start(b)
	if err := e.RegisterHandler("bench", func(context.Context, json.RawMessage) (string, error) { return "ok", nil }); err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"n":1}`)
	for _, rules := range []int{0, 10} {
		b.Run(fmt.Sprintf("rules=%d", rules), func(b *testing.B) {
			e.Faults().Clear()
			for i := range rules {
				if _, err := e.Faults().Add(faults.Rule{Service: "lambda", Resource: fmt.Sprintf("other-%d", i), Lambda: faults.LambdaCrash}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.Lambda().InvokeSync(ctx, "bench", payload, lambda.TriggerAPI)
				if err != nil || res.FunctionError != "" {
					b.Fatalf("%v %+v", err, res)
				}
			}
		})
	}
}
