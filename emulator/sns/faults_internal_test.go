package sns

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/delivery"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

// TestPostFaulted checks the outcome of an HTTP(S) delivery attempt under
// each kind of injected fault, and whether the endpoint got the POST.
func TestPostFaulted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rule       *faults.Rule
		wantKind   delivery.Kind
		wantStatus int
		wantCalls  int32
		wantReason string
	}{
		{name: "no rule", wantKind: delivery.Success, wantStatus: 200, wantCalls: 1},
		{name: "server error", rule: &faults.Rule{Error: "InternalError"}, wantKind: delivery.Retryable, wantStatus: 500, wantReason: "HTTP 500"},
		{name: "client error", rule: &faults.Rule{Error: "NotFound", Status: 404}, wantKind: delivery.Permanent, wantStatus: 404, wantReason: "HTTP 404"},
		{name: "empty 502", rule: &faults.Rule{Status: 502}, wantKind: delivery.Retryable, wantStatus: 502, wantReason: "HTTP 502"},
		{name: "reset", rule: &faults.Rule{Reset: true}, wantKind: delivery.Retryable, wantReason: "connection reset"},
		{name: "after the POST", rule: &faults.Rule{Error: "InternalError", When: faults.After}, wantKind: delivery.Retryable, wantStatus: 500, wantCalls: 1},
		{name: "other subscription", rule: &faults.Rule{Resource: "*:other", Error: "InternalError"}, wantKind: delivery.Success, wantStatus: 200, wantCalls: 1},
		{name: "by endpoint", rule: &faults.Rule{Resource: "http://127.0.0.1:*", Status: 503}, wantKind: delivery.Retryable, wantStatus: 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { calls.Add(1) }))
			t.Cleanup(srv.Close)
			fs := faults.New(faults.Config{})
			if tc.rule != nil {
				r := *tc.rule
				r.Service, r.Operation = "sns", "Deliver"
				if _, err := fs.Add(r); err != nil {
					t.Fatal(err)
				}
			}
			s := New(awsapi.Env{Scope: awsapi.Scope{Account: "123456789012", Region: "us-east-1"}, Faults: fs})
			t.Cleanup(func() { _ = s.Close() })
			sub := &subscription{arn: "arn:aws:sns:us-east-1:123456789012:t:sub-1", endpoint: srv.URL + "/hook", protocol: "http"}
			out, status := s.postFaulted(context.Background(), sub, &Delivery{MessageID: "m-1", Body: "{}", Headers: map[string]string{"Content-Type": "text/plain"}})
			if out.Kind != tc.wantKind || status != tc.wantStatus || !strings.Contains(out.Reason, tc.wantReason) {
				t.Errorf("outcome %v %q, status %d; want %v %q, %d", out.Kind, out.Reason, status, tc.wantKind, tc.wantReason, tc.wantStatus)
			}
			if n := calls.Load(); n != tc.wantCalls {
				t.Errorf("endpoint called %d times, want %d", n, tc.wantCalls)
			}
		})
	}
}
