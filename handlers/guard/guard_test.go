package guard_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/handlers/guard"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	g, err := guard.New(guard.Policy{Origins: []string{"http://app.test:3000", "https://web.test:*"}, Hosts: []string{"evolvestack"}},
		func() (string, error) { return "builder.corp.example", nil })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		host    string
		headers map[string]string
		refused string // substring of the refusal, "" to allow
	}{
		{"sdk on loopback", "127.0.0.1:4566", nil, ""},
		{"sdk on localhost", "localhost:4566", nil, ""},
		{"ipv6 literal", "[::1]:4566", nil, ""},
		{"any ip literal", "10.1.2.3:4566", nil, ""},
		{"sub.localhost", "api.localhost:4566", nil, ""},
		{"compose service name", "evolvestack:4566", nil, ""},
		{"machine host name", "builder.corp.example:4566", nil, ""},
		{"machine short name", "builder:4566", nil, ""},
		{"host case and dot", "LocalHost.:4566", nil, ""},
		{"rebinding host", "attacker.example:4566", nil, "host \"attacker.example\""},
		{"rebinding host no port", "rebind.attacker.example", nil, "DNS rebinding"},
		{"cross-site origin", "127.0.0.1:4566", map[string]string{"Origin": "https://evil.example"}, "origin \"https://evil.example\""},
		{"null origin", "127.0.0.1:4566", map[string]string{"Origin": "null"}, "cross-site"},
		{"cross-site fetch metadata", "127.0.0.1:4566", map[string]string{"Sec-Fetch-Site": "cross-site"}, "Sec-Fetch-Site"},
		{"same-origin", "127.0.0.1:4566", map[string]string{"Origin": "http://127.0.0.1:4566", "Sec-Fetch-Site": "same-origin"}, ""},
		{"localhost dev app", "127.0.0.1:4566", map[string]string{"Origin": "http://localhost:3000", "Sec-Fetch-Site": "cross-site"}, ""},
		{"loopback dev app", "127.0.0.1:4566", map[string]string{"Origin": "http://127.0.0.1:8080"}, ""},
		{"ipv6 dev app", "127.0.0.1:4566", map[string]string{"Origin": "http://[::1]:5173"}, ""},
		{"https localhost not implied", "127.0.0.1:4566", map[string]string{"Origin": "https://localhost:3000"}, "cross-site"},
		{"configured origin", "127.0.0.1:4566", map[string]string{"Origin": "http://app.test:3000"}, ""},
		{"configured origin other port", "127.0.0.1:4566", map[string]string{"Origin": "http://app.test:3001"}, "cross-site"},
		{"configured any port", "127.0.0.1:4566", map[string]string{"Origin": "https://web.test:8443"}, ""},
		{"lookalike origin", "127.0.0.1:4566", map[string]string{"Origin": "http://localhost.evil.example:3000"}, "cross-site"},
		{"same-site fetch metadata", "localhost:4566", map[string]string{"Sec-Fetch-Site": "same-site"}, ""},
		{"user typed url", "localhost:4566", map[string]string{"Sec-Fetch-Site": "none"}, ""},
		{"rebinding with own origin", "attacker.example:4566", map[string]string{"Origin": "http://attacker.example:4566"}, "DNS rebinding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Host = tc.host
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			ref := g.Check(r)
			switch {
			case tc.refused == "" && ref != nil:
				t.Fatalf("refused: %s", ref.Message)
			case tc.refused != "" && ref == nil:
				t.Fatalf("allowed, want refusal containing %q", tc.refused)
			case tc.refused != "" && !strings.Contains(ref.Message, tc.refused):
				t.Fatalf("refusal %q, want it to contain %q", ref.Message, tc.refused)
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	t.Parallel()
	g, err := guard.New(guard.Policy{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, origin, method, headers string
		status                        int
	}{
		{"sdk headers", "http://localhost:3000", "POST", "authorization, content-type, x-amz-date, x-amz-target, amz-sdk-invocation-id, amz-sdk-request, x-amz-user-agent, x-amz-content-sha256", http.StatusNoContent},
		{"lambda invoke", "http://127.0.0.1:3000", "POST", "x-amz-invocation-type,x-amz-log-type,x-amz-client-context", http.StatusNoContent},
		{"no headers", "http://[::1]:3000", "GET", "", http.StatusNoContent},
		{"foreign origin", "https://evil.example", "POST", "content-type", http.StatusForbidden},
		{"odd header", "http://localhost:3000", "POST", "x-evil", http.StatusForbidden},
		{"odd method", "http://localhost:3000", "TRACE", "", http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodOptions, "/", nil)
			r.Host = "127.0.0.1:4566"
			r.Header.Set("Origin", tc.origin)
			r.Header.Set("Access-Control-Request-Method", tc.method)
			if tc.headers != "" {
				r.Header.Set("Access-Control-Request-Headers", tc.headers)
			}
			if !guard.IsPreflight(r) {
				t.Fatal("not seen as a preflight")
			}
			w := httptest.NewRecorder()
			g.Preflight(w, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			allow := w.Header().Get("Access-Control-Allow-Origin")
			if tc.status != http.StatusNoContent {
				if allow != "" {
					t.Fatalf("refused preflight carries Access-Control-Allow-Origin %q", allow)
				}
				return
			}
			if allow != tc.origin {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", allow, tc.origin)
			}
			if !strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), tc.method) {
				t.Fatalf("Access-Control-Allow-Methods %q lacks %s", w.Header().Get("Access-Control-Allow-Methods"), tc.method)
			}
			for h := range strings.SplitSeq(tc.headers, ",") {
				if h = strings.TrimSpace(h); h != "" && !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), h) {
					t.Fatalf("Access-Control-Allow-Headers %q lacks %s", w.Header().Get("Access-Control-Allow-Headers"), h)
				}
			}
			if !strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "x-amzn-RequestId") {
				t.Fatalf("Access-Control-Expose-Headers %q lacks x-amzn-RequestId", w.Header().Get("Access-Control-Expose-Headers"))
			}
		})
	}
}

func TestBadPolicy(t *testing.T) {
	t.Parallel()
	for _, o := range []string{"localhost:3000", "http://", "http://a/b", "http://user@host"} {
		if _, err := guard.New(guard.Policy{Origins: []string{o}}, nil); err == nil {
			t.Errorf("origin %q accepted", o)
		}
	}
}
