package guard_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/evolvestack/evolvestack/handlers/guard"
)

// TestPreflightAWS checks the AWS-shaped CORS answer (what Kinesis sends
// for an OPTIONS with an Origin: kinesalite's recordings,
// mhart/kinesalite test/connection.js): echoed headers and method, two
// days' Max-Age, 200 with an empty body; and that it keeps every refusal
// of Preflight.
func TestPreflightAWS(t *testing.T) {
	t.Parallel()
	g, err := guard.New(guard.Policy{Origins: []string{"http://app.test:3000"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, host, origin, method, headers string
		status                              int
		want                                map[string]string // "" means absent
	}{
		{"origin only", "127.0.0.1:4566", "http://localhost:3000", "", "", 200,
			map[string]string{"Access-Control-Allow-Origin": "http://localhost:3000", "Access-Control-Max-Age": "172800", "Content-Length": "0",
				"Access-Control-Allow-Headers": "", "Access-Control-Allow-Methods": "", "Access-Control-Expose-Headers": ""}},
		{"headers echoed as sent", "127.0.0.1:4566", "http://app.test:3000", "", "Content-Type, X-Amz-Target,x-amz-date", 200,
			map[string]string{"Access-Control-Allow-Origin": "http://app.test:3000", "Access-Control-Allow-Headers": "Content-Type, X-Amz-Target,x-amz-date"}},
		{"method echoed", "127.0.0.1:4566", "http://localhost:3000", "POST", "content-type", 200,
			map[string]string{"Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "content-type", "Access-Control-Max-Age": "172800"}},
		{"foreign origin", "127.0.0.1:4566", "https://evil.example", "POST", "", 403, map[string]string{"Access-Control-Allow-Origin": ""}},
		{"null origin", "127.0.0.1:4566", "null", "", "", 403, map[string]string{"Access-Control-Allow-Origin": ""}},
		{"foreign host", "attacker.example:4566", "http://attacker.example:4566", "", "", 403, map[string]string{"Access-Control-Allow-Origin": ""}},
		{"odd header", "127.0.0.1:4566", "http://localhost:3000", "", "a, b, c", 403, map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Headers": ""}},
		{"odd method", "127.0.0.1:4566", "http://localhost:3000", "TRACE", "", 403, map[string]string{"Access-Control-Allow-Methods": ""}},
		{"method substring", "127.0.0.1:4566", "http://localhost:3000", "POS", "", 403, map[string]string{"Access-Control-Allow-Methods": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodOptions, "/", nil)
			r.Host = tc.host
			r.Header.Set("Origin", tc.origin)
			if tc.method != "" {
				r.Header.Set("Access-Control-Request-Method", tc.method)
			}
			if tc.headers != "" {
				r.Header.Set("Access-Control-Request-Headers", tc.headers)
			}
			w := httptest.NewRecorder()
			g.PreflightAWS(w, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if w.Body.Len() != 0 {
				t.Errorf("body %q", w.Body)
			}
			for k, v := range tc.want {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s %q, want %q", k, got, v)
				}
			}
		})
	}
}

// TestPreflightMethodExact checks that Preflight compares the requested
// method with whole method names ("POS" is not "POST").
func TestPreflightMethodExact(t *testing.T) {
	t.Parallel()
	g, _ := guard.New(guard.Policy{}, nil)
	for m, want := range map[string]int{"POST": 204, "POS": 403, "OST": 403, "GET, POST": 403, "delete": 204} {
		r := httptest.NewRequest(http.MethodOptions, "/", nil)
		r.Host = "127.0.0.1:4566"
		r.Header.Set("Origin", "http://localhost:3000")
		r.Header.Set("Access-Control-Request-Method", m)
		w := httptest.NewRecorder()
		g.Preflight(w, r)
		if w.Code != want {
			t.Errorf("method %q: status %d, want %d", m, w.Code, want)
		}
	}
}

// TestDecorateExposing checks that a service's own expose list replaces
// the default one, for allowed cross-origin requests only.
func TestDecorateExposing(t *testing.T) {
	t.Parallel()
	g, _ := guard.New(guard.Policy{}, nil)
	const kinesis = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date"
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Header.Set("Origin", "http://localhost:3000")
	w := httptest.NewRecorder()
	g.DecorateExposing(w, r, kinesis)
	if w.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" || w.Header().Get("Access-Control-Expose-Headers") != kinesis {
		t.Errorf("headers %v", w.Header())
	}
	w = httptest.NewRecorder()
	g.Decorate(w, r)
	if w.Header().Get("Access-Control-Expose-Headers") != guard.ExposedHeaders {
		t.Errorf("Decorate exposes %q", w.Header().Get("Access-Control-Expose-Headers"))
	}
	w = httptest.NewRecorder()
	g.DecorateExposing(w, httptest.NewRequest(http.MethodPost, "/", nil), kinesis)
	if len(w.Header()) != 0 {
		t.Errorf("no Origin, headers %v", w.Header())
	}
}
