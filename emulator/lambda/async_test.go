package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// testEvent is the event both handler flavours understand.
type testEvent struct {
	Action  string `json:"action"`
	Message string `json:"message,omitempty"`
}

// goTestHandler is the in-process twin of testdata/bootstrap.
func goTestHandler(ctx context.Context, ev testEvent) (map[string]string, error) {
	switch ev.Action {
	case "fail":
		return nil, errors.New(ev.Message)
	case "panic":
		panic(ev.Message)
	case "block":
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return map[string]string{"action": ev.Action, "message": ev.Message}, nil
}

// flavours deploy a function either as the real bootstrap or as an
// in-process Go handler.
func flavours() []struct {
	name   string
	deploy func(t *testing.T, v *env, fn string, mod func(*lambdasdk.CreateFunctionInput))
} {
	return []struct {
		name   string
		deploy func(t *testing.T, v *env, fn string, mod func(*lambdasdk.CreateFunctionInput))
	}{
		{"bootstrap", func(t *testing.T, v *env, fn string, mod func(*lambdasdk.CreateFunctionInput)) {
			v.createFunction(t, fn, bootstrapZip, mod)
		}},
		{"in-process", func(t *testing.T, v *env, fn string, mod func(*lambdasdk.CreateFunctionInput)) {
			v.createFunction(t, fn, mustZip(t, map[string]zipEntry{"README": {data: []byte("go handler")}}), mod)
			if err := v.e.RegisterHandler(fn, goTestHandler); err != nil {
				t.Fatal(err)
			}
		}},
	}
}

// destinationRecord is what Lambda sends to a destination.
type destinationRecord struct {
	Version        string `json:"version"`
	Timestamp      string `json:"timestamp"`
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	RequestPayload  testEvent `json:"requestPayload"`
	ResponseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError"`
	} `json:"responseContext"`
	ResponsePayload json.RawMessage `json:"responsePayload"`
}

// TestAsyncRetriesOnVirtualClock queues Event invocations on a frozen
// clock and advances it: the second attempt comes a minute after the
// first, the third two minutes later, then the event goes to the DLQ and
// the OnFailure destination; a success goes to OnSuccess.
func TestAsyncRetriesOnVirtualClock(t *testing.T) {
	t.Parallel()
	for _, fl := range flavours() {
		t.Run(fl.name, func(t *testing.T) {
			t.Parallel()
			v := start(t, true)
			fn := "async-" + fl.name
			dlqURL, dlqArn := v.createQueue(t, "dlq")
			failURL, failArn := v.createQueue(t, "on-failure")
			okURL, okArn := v.createQueue(t, "on-success")
			fl.deploy(t, v, fn, func(in *lambdasdk.CreateFunctionInput) {
				in.DeadLetterConfig = &types.DeadLetterConfig{TargetArn: aws.String(dlqArn)}
			})
			if _, err := v.lambda.PutFunctionEventInvokeConfig(ctxT(t), &lambdasdk.PutFunctionEventInvokeConfigInput{
				FunctionName: aws.String(fn),
				DestinationConfig: &types.DestinationConfig{
					OnFailure: &types.OnFailure{Destination: aws.String(failArn)},
					OnSuccess: &types.OnSuccess{Destination: aws.String(okArn)},
				},
			}); err != nil {
				t.Fatal(err)
			}
			failing, _ := json.Marshal(testEvent{Action: "fail", Message: "nope"})
			out, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String(fn), InvocationType: types.InvocationTypeEvent, Payload: failing})
			if err != nil {
				t.Fatal(err)
			}
			if out.StatusCode != 202 || len(out.Payload) != 0 {
				t.Errorf("Event invoke status %d payload %q", out.StatusCode, out.Payload)
			}
			rid, _ := requestIDOf(out)
			v.settle(t)
			attempts := func() int {
				recs, err := v.e.LambdaInvocations(fn)
				if err != nil {
					t.Fatal(err)
				}
				return len(recs)
			}
			steps := []struct {
				advance time.Duration
				want    int
			}{{0, 1}, {59 * time.Second, 1}, {time.Second, 2}, {119 * time.Second, 2}, {time.Second, 3}, {time.Hour, 3}}
			for _, st := range steps {
				v.advance(t, st.advance)
				if got := attempts(); got != st.want {
					t.Fatalf("after advancing %v: %d attempts, want %d", st.advance, got, st.want)
				}
				if st.want < 3 {
					if msgs := v.receive(t, dlqURL); len(msgs) != 0 {
						t.Fatalf("dead-letter message before the retries ran out: %v", aws.ToString(msgs[0].Body))
					}
				}
			}
			recs, _ := v.e.LambdaInvocations(fn)
			for i, r := range recs {
				if r.RequestID != rid || r.Attempt != i+1 || r.Trigger != "Async" || r.ErrorMessage != "nope" {
					t.Errorf("record %d: %+v", i, r)
				}
			}
			dl := v.receive(t, dlqURL)
			if len(dl) != 1 {
				t.Fatalf("%d dead-letter messages, want 1", len(dl))
			}
			if got := aws.ToString(dl[0].Body); got != string(failing) {
				t.Errorf("dead-letter body %s, want %s", got, failing)
			}
			for k, want := range map[string]string{"RequestID": rid, "ErrorCode": "200", "ErrorMessage": "nope"} {
				a, ok := dl[0].MessageAttributes[k]
				if !ok || aws.ToString(a.StringValue) != want {
					t.Errorf("dead-letter attribute %s = %v, want %q", k, a.StringValue, want)
				}
			}
			if dt := aws.ToString(dl[0].MessageAttributes["ErrorCode"].DataType); dt != "Number" {
				t.Errorf("ErrorCode data type %q", dt)
			}
			fm := v.receive(t, failURL)
			if len(fm) != 1 {
				t.Fatalf("%d OnFailure records, want 1", len(fm))
			}
			var rec destinationRecord
			if err := json.Unmarshal([]byte(aws.ToString(fm[0].Body)), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.Version != "1.0" || rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 3 ||
				rec.RequestContext.RequestID != rid || rec.RequestContext.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:"+fn+":$LATEST" ||
				rec.RequestPayload != (testEvent{Action: "fail", Message: "nope"}) || rec.ResponseContext.StatusCode != 200 ||
				rec.ResponseContext.FunctionError != "Unhandled" || rec.ResponseContext.ExecutedVersion != "$LATEST" {
				t.Errorf("OnFailure record %s", aws.ToString(fm[0].Body))
			}
			if d := decodeErrorDoc(t, rec.ResponsePayload); d.Message != "nope" || d.Type != "errorString" {
				t.Errorf("OnFailure response payload %s", rec.ResponsePayload)
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", rec.Timestamp); err != nil {
				t.Errorf("timestamp %q: %v", rec.Timestamp, err)
			}

			ok, _ := json.Marshal(testEvent{Action: "echo", Message: "fine"})
			if _, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String(fn), InvocationType: types.InvocationTypeEvent, Payload: ok}); err != nil {
				t.Fatal(err)
			}
			v.settle(t)
			sm := v.receive(t, okURL)
			if len(sm) != 1 {
				t.Fatalf("%d OnSuccess records, want 1", len(sm))
			}
			var srec destinationRecord
			if err := json.Unmarshal([]byte(aws.ToString(sm[0].Body)), &srec); err != nil {
				t.Fatal(err)
			}
			var resp map[string]any
			if err := json.Unmarshal(srec.ResponsePayload, &resp); err != nil || resp["message"] != "fine" {
				t.Errorf("OnSuccess response payload %s (%v)", srec.ResponsePayload, err)
			}
			if srec.RequestContext.Condition != "Success" || srec.RequestContext.ApproximateInvokeCount != 1 || srec.ResponseContext.FunctionError != "" {
				t.Errorf("OnSuccess record %s", aws.ToString(sm[0].Body))
			}
			if msgs := v.receive(t, dlqURL); len(msgs) != 0 {
				t.Errorf("a success reached the dead-letter queue")
			}
		})
	}
}

// TestAsyncEventInvokeConfigLimits checks MaximumRetryAttempts and
// MaximumEventAgeInSeconds.
func TestAsyncEventInvokeConfigLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		retries      *int32
		maxAge       *int32
		wantAttempts int
		condition    string
	}{
		{"no retries", aws.Int32(0), nil, 1, "RetriesExhausted"},
		{"one retry", aws.Int32(1), nil, 2, "RetriesExhausted"},
		{"event too old for the second retry", nil, aws.Int32(100), 2, "EventAgeExceeded"},
	}
	v := start(t, true)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fn := fmt.Sprintf("limits-%d", i)
			url, arn := v.createQueue(t, fmt.Sprintf("limits-failure-%d", i))
			if err := v.e.RegisterHandler(fn, goTestHandler); err != nil {
				t.Fatal(err)
			}
			if _, err := v.lambda.PutFunctionEventInvokeConfig(ctxT(t), &lambdasdk.PutFunctionEventInvokeConfigInput{
				FunctionName: aws.String(fn), MaximumRetryAttempts: c.retries, MaximumEventAgeInSeconds: c.maxAge,
				DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String(arn)}},
			}); err != nil {
				t.Fatal(err)
			}
			p, _ := json.Marshal(testEvent{Action: "fail", Message: "x"})
			if _, err := v.e.Lambda().InvokeEvent(ctxT(t), fn, p); err != nil {
				t.Fatal(err)
			}
			v.settle(t)
			for range 4 {
				v.advance(t, 2*time.Minute)
			}
			recs, _ := v.e.LambdaInvocations(fn)
			if len(recs) != c.wantAttempts {
				t.Errorf("%d attempts, want %d", len(recs), c.wantAttempts)
			}
			msgs := v.receive(t, url)
			if len(msgs) != 1 {
				t.Fatalf("%d failure records, want 1", len(msgs))
			}
			var rec destinationRecord
			if err := json.Unmarshal([]byte(aws.ToString(msgs[0].Body)), &rec); err != nil {
				t.Fatal(err)
			}
			if rec.RequestContext.Condition != c.condition || rec.RequestContext.ApproximateInvokeCount != c.wantAttempts {
				t.Errorf("record %s", aws.ToString(msgs[0].Body))
			}
			if n, _ := v.e.Lambda().PendingEvents(fn); n != 0 {
				t.Errorf("%d events still queued", n)
			}
		})
	}
}

// TestAsyncThrottleRetries: an event throttled by zero reserved
// concurrency is retried with backoff and runs once concurrency returns.
func TestAsyncThrottleRetries(t *testing.T) {
	t.Parallel()
	v := start(t, true)
	fn := "throttled"
	if err := v.e.RegisterHandler(fn, goTestHandler); err != nil {
		t.Fatal(err)
	}
	if _, err := v.lambda.PutFunctionConcurrency(ctxT(t), &lambdasdk.PutFunctionConcurrencyInput{FunctionName: aws.String(fn), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	_, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String(fn), Payload: []byte(`{"action":"echo"}`)})
	wantAPIError(t, err, "TooManyRequestsException", 429, "Rate Exceeded.")
	if _, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String(fn), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"action":"echo"}`)}); err != nil {
		t.Fatal(err)
	}
	v.settle(t)
	v.advance(t, 10*time.Second)
	if recs, _ := v.e.LambdaInvocations(fn); len(recs) != 0 {
		t.Fatalf("throttled event ran %d times", len(recs))
	}
	if n, _ := v.e.Lambda().PendingEvents(fn); n != 1 {
		t.Fatalf("%d events queued, want 1", n)
	}
	if _, err := v.lambda.DeleteFunctionConcurrency(ctxT(t), &lambdasdk.DeleteFunctionConcurrencyInput{FunctionName: aws.String(fn)}); err != nil {
		t.Fatal(err)
	}
	v.advance(t, 5*time.Minute)
	recs, _ := v.e.LambdaInvocations(fn)
	if len(recs) != 1 || !recs[0].Succeeded() || recs[0].Attempt != 1 {
		t.Fatalf("after unthrottling: %+v", recs)
	}
}
