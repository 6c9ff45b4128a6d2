package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

func adminCall(t *testing.T, e *emulator.Emulator, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.Endpoint()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: content type %q", method, path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, path, raw, err)
	}
	return resp.StatusCode, out
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clock.New(clock.WithStart(start), clock.WithScale(0))
	e := emulator.Start(t, emulator.WithClock(clk))

	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		check      func(t *testing.T, out map[string]any)
	}{
		{"health", "GET", "/_evolvestack/health", "", 200, func(t *testing.T, out map[string]any) {
			if out["status"] != "ready" {
				t.Errorf("status %v", out["status"])
			}
			svcs, _ := out["services"].(map[string]any)
			for _, s := range []string{"kinesis", "sqs", "sns", "events", "schemas", "glue", "lambda"} {
				if svcs[s] != "running" {
					t.Errorf("service %s: %v", s, svcs[s])
				}
			}
		}},
		{"clock get", "GET", "/_evolvestack/clock", "", 200, func(t *testing.T, out map[string]any) {
			if out["now"] != "2030-01-02T03:04:05Z" || out["scale"] != 0.0 {
				t.Errorf("clock %v", out)
			}
		}},
		{"reset everything", "POST", "/_evolvestack/reset", "", 200, nil},
		{"reset one service and account", "POST", "/_evolvestack/reset", `{"service":"kinesis","account":"123456789012"}`, 200, nil},
		{"reset unknown service", "POST", "/_evolvestack/reset", `{"service":"s3"}`, 400, func(t *testing.T, out map[string]any) {
			if !strings.Contains(out["error"].(string), `unknown service "s3"`) {
				t.Errorf("error %v", out["error"])
			}
		}},
		{"reset bad account", "POST", "/_evolvestack/reset", `{"account":"12"}`, 400, nil},
		{"reset malformed", "POST", "/_evolvestack/reset", `{`, 400, nil},
		{"clock bad advance", "POST", "/_evolvestack/clock", `{"advance":"soon"}`, 400, nil},
		{"clock negative scale", "POST", "/_evolvestack/clock", `{"scale":-2}`, 400, nil},
		{"unknown endpoint", "GET", "/_evolvestack/nope", "", 404, nil},
		{"wrong method", "DELETE", "/_evolvestack/health", "", 405, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := adminCall(t, e, tt.method, tt.path, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, out)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

func TestAdminClockAdvance(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clk := clock.New(clock.WithStart(start), clock.WithScale(0))
	e := emulator.Start(t, emulator.WithClock(clk))
	fired := clk.After(90 * time.Second)

	status, out := adminCall(t, e, "POST", "/_evolvestack/clock", `{"advance":"90s"}`)
	if status != 200 || out["now"] != "2030-01-02T03:05:35Z" {
		t.Fatalf("advance: %d %v", status, out)
	}
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("timer due at +90s did not fire on advance")
	}
	status, out = adminCall(t, e, "POST", "/_evolvestack/clock", `{"advance":30}`)
	if status != 200 || out["now"] != "2030-01-02T03:06:05Z" {
		t.Fatalf("advance by seconds: %d %v", status, out)
	}
	status, out = adminCall(t, e, "POST", "/_evolvestack/clock", `{"scale":60}`)
	if status != 200 || out["scale"] != 60.0 || clk.Scale() != 60 {
		t.Fatalf("scale: %d %v", status, out)
	}
}

func TestResetDropsServiceState(t *testing.T) {
	t.Parallel()
	e, err := emulator.New()
	if err != nil {
		t.Fatal(err)
	}
	a := awsapi.Scope{Account: "111111111111", Region: "us-east-1"}
	b := awsapi.Scope{Account: "222222222222", Region: "eu-west-1"}
	ka, kb := e.Service("kinesis", a), e.Service("kinesis", b)
	if ka == kb {
		t.Fatal("two scopes share one service instance")
	}
	if e.Service("kinesis", a) != ka {
		t.Fatal("service instance not kept per scope")
	}
	if err := e.Reset("kinesis", "111111111111"); err != nil {
		t.Fatal(err)
	}
	if e.Service("kinesis", a) == ka {
		t.Error("reset of account a kept its state")
	}
	if e.Service("kinesis", b) != kb {
		t.Error("reset of account a dropped account b's state")
	}
	if e.Service("nope", a) != nil {
		t.Error("unknown service returned an instance")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []emulator.Option
	}{
		{"short account", []emulator.Option{emulator.WithAccount("123")}},
		{"letters in account", []emulator.Option{emulator.WithAccount("12345678901a")}},
		{"empty region", []emulator.Option{emulator.WithRegion("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := emulator.New(tt.opts...); err == nil {
				t.Fatal("want error")
			}
		})
	}
}
