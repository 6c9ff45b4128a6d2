package lambda_test

import (
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestBootstrapInvoke runs the real aws-lambda-go program through the
// Runtime API: responses, errors, panics, crashes, timeouts, warm reuse and
// the environment Lambda sets.
func TestBootstrapInvoke(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	cases := []struct {
		name  string
		mod   func(*lambdasdk.CreateFunctionInput)
		check func(t *testing.T, fn string)
	}{
		{name: "echo with tail logs", check: func(t *testing.T, fn string) {
			out := v.invoke(t, fn, map[string]any{"action": "print", "message": "hello from the handler"})
			if out.FunctionError != nil {
				t.Fatalf("FunctionError %q: %s", *out.FunctionError, out.Payload)
			}
			if out.StatusCode != 200 || aws.ToString(out.ExecutedVersion) != "$LATEST" {
				t.Errorf("status %d version %q", out.StatusCode, aws.ToString(out.ExecutedVersion))
			}
			r := decodeResult(t, out.Payload)
			if r.Function != fn || r.RequestID == "" || r.Message != "hello from the handler" {
				t.Errorf("result %+v", r)
			}
			logs, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"START RequestId: " + r.RequestID + " Version: $LATEST", "hello from the handler", "END RequestId: " + r.RequestID, "REPORT RequestId: " + r.RequestID} {
				if !contains(string(logs), want) {
					t.Errorf("tail log lacks %q:\n%s", want, logs)
				}
			}
		}},
		{name: "warm reuse", check: func(t *testing.T, fn string) {
			a := decodeResult(t, v.invoke(t, fn, map[string]any{"action": "echo"}).Payload)
			b := decodeResult(t, v.invoke(t, fn, map[string]any{"action": "echo"}).Payload)
			if a.Pid != b.Pid || b.Count != a.Count+1 {
				t.Errorf("second invocation ran in pid %d count %d, first pid %d count %d", b.Pid, b.Count, a.Pid, a.Count)
			}
		}},
		{name: "handler error", check: func(t *testing.T, fn string) {
			out := v.invoke(t, fn, map[string]any{"action": "fail", "message": "it broke"})
			if aws.ToString(out.FunctionError) != "Unhandled" {
				t.Fatalf("FunctionError %v", out.FunctionError)
			}
			if got, want := string(out.Payload), `{"errorMessage":"it broke","errorType":"errorString"}`; got != want {
				t.Errorf("payload %s, want %s", got, want)
			}
			// The process survives a returned error.
			a := decodeResult(t, v.invoke(t, fn, map[string]any{"action": "echo"}).Payload)
			if a.Count != 2 {
				t.Errorf("count after error %d, want 2 (same process)", a.Count)
			}
		}},
		{name: "panic restarts", check: func(t *testing.T, fn string) {
			first := decodeResult(t, v.invoke(t, fn, map[string]any{"action": "echo"}).Payload)
			out := v.invoke(t, fn, map[string]any{"action": "panic", "message": "kaboom"})
			d := decodeErrorDoc(t, out.Payload)
			if aws.ToString(out.FunctionError) != "Unhandled" || d.Type != "string" || d.Message != "kaboom" {
				t.Errorf("panic result %v %s", out.FunctionError, out.Payload)
			}
			after := decodeResult(t, v.invoke(t, fn, map[string]any{"action": "echo"}).Payload)
			if after.Pid == first.Pid || after.Count != 1 {
				t.Errorf("after panic pid %d count %d, before pid %d", after.Pid, after.Count, first.Pid)
			}
		}},
		{name: "crash", check: func(t *testing.T, fn string) {
			out := v.invoke(t, fn, map[string]any{"action": "crash"})
			d := decodeErrorDoc(t, out.Payload)
			rid := decodeRequestID(t, out)
			if d.Type != "Runtime.ExitError" || d.Message != "RequestId: "+rid+" Error: Runtime exited with error: exit status 3" {
				t.Errorf("crash result %+v", d)
			}
			logs, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			if !contains(string(logs), "crashing") {
				t.Errorf("log lacks the handler's output:\n%s", logs)
			}
			if r := decodeResult(t, v.invoke(t, fn, map[string]any{"action": "echo"}).Payload); r.Count != 1 {
				t.Errorf("after crash count %d, want a fresh process", r.Count)
			}
		}},
		{name: "timeout", mod: func(in *lambdasdk.CreateFunctionInput) { in.Timeout = aws.Int32(1) }, check: func(t *testing.T, fn string) {
			out := v.invoke(t, fn, map[string]any{"action": "sleep", "sleepMs": 2500})
			d := decodeErrorDoc(t, out.Payload)
			rid := decodeRequestID(t, out)
			if aws.ToString(out.FunctionError) != "Unhandled" || d.Type != "Sandbox.Timedout" || d.Message != "RequestId: "+rid+" Error: Task timed out after 1.00 seconds" {
				t.Errorf("timeout result %v %+v", out.FunctionError, d)
			}
			if r := decodeResult(t, v.invoke(t, fn, map[string]any{"action": "echo"}).Payload); r.Count != 1 {
				t.Errorf("after timeout count %d, want a fresh process", r.Count)
			}
		}},
		{name: "environment", mod: func(in *lambdasdk.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"GREETING": "hi"}}
		}, check: func(t *testing.T, fn string) {
			for k, want := range map[string]string{
				"GREETING":                        "hi",
				"AWS_ENDPOINT_URL":                v.e.Endpoint(),
				"AWS_REGION":                      "us-east-1",
				"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
				"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
				"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + fn,
			} {
				if r := decodeResult(t, v.invoke(t, fn, map[string]any{"action": "echo", "env": k}).Payload); r.Env != want {
					t.Errorf("%s = %q, want %q", k, r.Env, want)
				}
			}
		}},
		{name: "exit during init", mod: func(in *lambdasdk.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"BOOT_MODE": "exit-on-init"}}
		}, check: func(t *testing.T, fn string) {
			out := v.invoke(t, fn, map[string]any{"action": "echo"})
			d := decodeErrorDoc(t, out.Payload)
			if d.Type != "Runtime.ExitError" || !contains(d.Message, "Runtime exited with error: exit status 2") {
				t.Errorf("init exit result %+v", d)
			}
			logs, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			if !contains(string(logs), "init failing") {
				t.Errorf("log lacks the init output:\n%s", logs)
			}
		}},
		{name: "missing bootstrap", check: nil},
	}
	for i, c := range cases {
		fn := fmt.Sprintf("boot-%d", i)
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.check == nil {
				v.createFunction(t, fn, mustZip(t, map[string]zipEntry{"handler.sh": {data: []byte("#!/bin/sh\n"), mode: 0o755}}), nil)
				out := v.invoke(t, fn, map[string]any{})
				d := decodeErrorDoc(t, out.Payload)
				if d.Type != "Runtime.InvalidEntrypoint" || d.Message != "RequestId: "+decodeRequestID(t, out)+" Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]" {
					t.Errorf("missing bootstrap result %+v", d)
				}
				return
			}
			v.createFunction(t, fn, bootstrapZip, c.mod)
			c.check(t, fn)
		})
	}
}

// decodeRequestID returns the request id of an Invoke.
func decodeRequestID(t *testing.T, out *lambdasdk.InvokeOutput) string {
	t.Helper()
	rid, ok := requestIDOf(out)
	if !ok {
		t.Fatal("no request id in the Invoke response")
	}
	return rid
}
