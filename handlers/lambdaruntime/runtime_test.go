package lambdaruntime_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/handlers/lambdaruntime"
)

// fakeEngine records what the Runtime API handler passes on.
type fakeEngine struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeEngine) log(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeEngine) RuntimeNext(ctx context.Context, id string) (*lambda.RuntimeInvocation, error) {
	f.log("next " + id)
	if id == "gone" {
		return nil, lambda.ErrInstanceGone
	}
	return &lambda.RuntimeInvocation{RequestID: "req-1", Payload: []byte(`{"a":1}`), DeadlineMs: 1700000000000, InvokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:f", TraceID: "Root=1"}, nil
}

func (f *fakeEngine) RuntimeResponse(id, rid string, body []byte) error {
	f.log("response " + id + " " + rid + " " + string(body))
	if rid != "req-1" {
		return &lambda.RuntimeAPIError{Status: 400, Type: "InvalidRequestID", Message: "Invalid request ID"}
	}
	return nil
}

func (f *fakeEngine) RuntimeError(id, rid, typ string, body []byte) error {
	f.log("error " + id + " " + rid + " " + typ + " " + string(body))
	return nil
}

func (f *fakeEngine) RuntimeInitError(id, typ string, body []byte) error {
	f.log("init " + id + " " + typ + " " + string(body))
	return nil
}

func TestRuntimeAPI(t *testing.T) {
	t.Parallel()
	eng := &fakeEngine{}
	h := lambdaruntime.NewHandler(func(account, region string) lambdaruntime.Engine {
		if account == "000000000000" && region == "us-east-1" {
			return eng
		}
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	base := srv.URL + lambda.RuntimeAPIPathPrefix + "000000000000/us-east-1/"
	cases := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		wantBody                 string
		wantHeader               map[string]string
		wantCall                 string
	}{
		{name: "next", method: "GET", path: "i1/2018-06-01/runtime/invocation/next", status: 200, wantBody: `{"a":1}`,
			wantHeader: map[string]string{"Lambda-Runtime-Aws-Request-Id": "req-1", "Lambda-Runtime-Deadline-Ms": "1700000000000", "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:f", "Lambda-Runtime-Trace-Id": "Root=1"},
			wantCall:   "next i1"},
		{name: "next on a dying environment", method: "GET", path: "gone/2018-06-01/runtime/invocation/next", status: 500, wantBody: `"errorType":"Runtime.ExitError"`, wantCall: "next gone"},
		{name: "response", method: "POST", path: "i1/2018-06-01/runtime/invocation/req-1/response", body: `"ok"`, status: 202, wantBody: `{"status":"OK"}`, wantCall: `response i1 req-1 "ok"`},
		{name: "response to another id", method: "POST", path: "i1/2018-06-01/runtime/invocation/req-2/response", body: `1`, status: 400, wantBody: `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`, wantCall: "response i1 req-2 1"},
		{name: "error", method: "POST", path: "i1/2018-06-01/runtime/invocation/req-1/error", body: `{"errorMessage":"m","errorType":"T"}`, header: map[string]string{"Lambda-Runtime-Function-Error-Type": "T"}, status: 202, wantCall: `error i1 req-1 T {"errorMessage":"m","errorType":"T"}`},
		{name: "init error", method: "POST", path: "i1/2018-06-01/runtime/init/error", body: `{}`, header: map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.X"}, status: 202, wantCall: "init i1 Runtime.X {}"},
		{name: "wrong method", method: "POST", path: "i1/2018-06-01/runtime/invocation/next", status: 405},
		{name: "unknown path", method: "GET", path: "i1/2018-06-01/runtime/other", status: 404},
		{name: "unknown scope", method: "GET", path: "../../111111111111/eu-west-1/i1/2018-06-01/runtime/invocation/next", status: 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, c.status, body)
			}
			if !strings.Contains(string(body), c.wantBody) {
				t.Errorf("body %s lacks %s", body, c.wantBody)
			}
			for k, v := range c.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if c.wantCall != "" {
				eng.mu.Lock()
				found := false
				for _, call := range eng.calls {
					found = found || call == c.wantCall
				}
				eng.mu.Unlock()
				if !found {
					t.Errorf("engine was not called with %q", c.wantCall)
				}
			}
		})
	}
}
