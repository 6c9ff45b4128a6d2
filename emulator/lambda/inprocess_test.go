package lambda_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// TestInProcessInvoke runs Go handlers registered on the emulator with
// the same payloads and error documents as the deployed bootstrap.
func TestInProcessInvoke(t *testing.T) {
	t.Parallel()
	v := start(t, true)
	if err := v.e.RegisterHandler("go-fn", goTestHandler); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		event     testEvent
		wantError string
		want      string
	}{
		{"echo", testEvent{Action: "echo", Message: "hi"}, "", `{"action":"echo","message":"hi"}`},
		{"error", testEvent{Action: "fail", Message: "it broke"}, "Unhandled", `{"errorMessage":"it broke","errorType":"errorString"}`},
		{"panic", testEvent{Action: "panic", Message: "kaboom"}, "Unhandled", `{"errorMessage":"kaboom","errorType":"string"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := v.invoke(t, "go-fn", c.event)
			if got := aws.ToString(out.FunctionError); got != c.wantError {
				t.Errorf("FunctionError %q, want %q", got, c.wantError)
			}
			if got := string(out.Payload); trimNL(got) != c.want {
				t.Errorf("payload %s, want %s", got, c.want)
			}
			logs, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			if !contains(string(logs), "START RequestId:") || !contains(string(logs), "REPORT RequestId:") {
				t.Errorf("tail log %q", logs)
			}
			if c.wantError != "" && !contains(string(logs), c.event.Message) {
				t.Errorf("tail log lacks the error document: %q", logs)
			}
		})
	}
	recs, err := v.e.LambdaInvocations("go-fn")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(cases) || recs[0].Trigger != lambda.TriggerAPI || recs[1].ErrorType != "errorString" || recs[2].ErrorMessage != "kaboom" {
		t.Errorf("records %+v", recs)
	}
	if err := v.e.RegisterHandler("bad", 42); err == nil {
		t.Error("a non-function handler was accepted")
	}
	if err := v.e.RegisterHandler("bad", func(a, b, c int) {}); err == nil {
		t.Error("a three-argument handler was accepted")
	}
}

// TestInProcessTimeoutByClock: a blocked handler times out when the test
// advances the frozen clock past the function's timeout.
func TestInProcessTimeoutByClock(t *testing.T) {
	t.Parallel()
	v := start(t, true)
	started := make(chan struct{}, 1)
	err := v.e.RegisterHandler("slow", func(ctx context.Context, ev testEvent) (string, error) {
		started <- struct{}{}
		<-ctx.Done()
		return "", ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.lambda.UpdateFunctionConfiguration(ctxT(t), &lambdasdk.UpdateFunctionConfigurationInput{FunctionName: aws.String("slow"), Timeout: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out *lambdasdk.InvokeOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := v.lambda.Invoke(context.Background(), &lambdasdk.InvokeInput{FunctionName: aws.String("slow"), Payload: []byte(`{}`)})
		done <- result{out, err}
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("handler did not start")
	}
	if err := v.e.Clock().Advance(29 * time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		t.Fatalf("invocation ended before its timeout: %v %v", r.err, r.out)
	case <-time.After(100 * time.Millisecond):
	}
	if err := v.e.Clock().Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("invocation did not time out")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	rid, _ := requestIDOf(r.out)
	d := decodeErrorDoc(t, r.out.Payload)
	if d.Type != "Sandbox.Timedout" || d.Message != "RequestId: "+rid+" Error: Task timed out after 30.00 seconds" {
		t.Errorf("timeout payload %s", r.out.Payload)
	}
}

// TestAdminInvocations reads the invocation records over the admin API.
func TestAdminInvocations(t *testing.T) {
	t.Parallel()
	v := start(t, true)
	if err := v.e.RegisterHandler("admin-fn", goTestHandler); err != nil {
		t.Fatal(err)
	}
	v.invoke(t, "admin-fn", testEvent{Action: "echo"})
	v.invoke(t, "admin-fn", testEvent{Action: "fail", Message: "bad"})
	cases := []struct {
		path   string
		status int
		count  int
	}{
		{"/_evolvestack/lambda/functions/admin-fn/invocations", 200, 2},
		{"/_evolvestack/lambda/functions/admin-fn/invocations?account=000000000000&region=us-east-1", 200, 2},
		{"/_evolvestack/lambda/functions/missing/invocations", 404, 0},
	}
	for _, c := range cases {
		resp, err := http.Get(v.e.Endpoint() + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d: %s", c.path, resp.StatusCode, body)
			continue
		}
		if c.status != 200 {
			continue
		}
		var doc struct {
			Invocations []lambda.InvocationRecord `json:"invocations"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Invocations) != c.count || doc.Invocations[1].ErrorMessage != "bad" || doc.Invocations[0].Event != `{"action":"echo"}` {
			t.Errorf("%s: %s", c.path, body)
		}
	}
}

func trimNL(s string) string {
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return s
}

// TestInProcessTimeoutWhateverTheHandlerReturns: a handler that returns
// its own error as soon as its context's deadline passes still timed out,
// as on Lambda; it used to race the emulator's timer and come out as a
// plain function error now and then.
func TestInProcessTimeoutWhateverTheHandlerReturns(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	err := v.e.RegisterHandler("too-late", func(ctx context.Context, ev testEvent) (string, error) {
		<-ctx.Done()
		return "", errors.New("too late")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.lambda.UpdateFunctionConfiguration(ctxT(t), &lambdasdk.UpdateFunctionConfigurationInput{FunctionName: aws.String("too-late"), Timeout: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		out := v.invoke(t, "too-late", testEvent{})
		if d := decodeErrorDoc(t, out.Payload); aws.ToString(out.FunctionError) != "Unhandled" || d.Type != "Sandbox.Timedout" {
			t.Fatalf("invocation %d: %s %s, want a Sandbox.Timedout", i, aws.ToString(out.FunctionError), out.Payload)
		}
	}
}
