package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "version", args: []string{"version"}, wantCode: 0, wantOut: "evolvestack "},
		{name: "help", args: []string{"help"}, wantCode: 0, wantOut: "Usage:"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantErr: `unknown command "frobnicate"`},
		{name: "bad flag", args: []string{"serve", "--nope"}, wantCode: 2, wantErr: "flag provided but not defined"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantCode: 2, wantErr: `log level "loud"`},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantCode: 2, wantErr: `log format "xml"`},
		{name: "bad account", args: []string{"--account", "42"}, wantCode: 2, wantErr: "12-digit"},
		{name: "bad clock scale", args: []string{"--clock-scale", "-1"}, wantCode: 2, wantErr: "clock scale"},
		{name: "bad env clock scale", env: map[string]string{"EVOLVESTACK_CLOCK_SCALE": "fast"}, wantCode: 2, wantErr: "clock scale"},
		{name: "strict auth without keys", args: []string{"--auth", "strict"}, wantCode: 2, wantErr: "--auth-keys"},
		{name: "strict auth bad key", args: []string{"--auth", "strict", "--auth-keys", "AKID"}, wantCode: 2, wantErr: "ACCESS_KEY:SECRET"},
		{name: "unknown auth", args: []string{"--auth", "maybe"}, wantCode: 2, wantErr: `auth "maybe"`},
		{name: "bad cors origin", args: []string{"--cors-origins", "app.test:3000"}, wantCode: 2, wantErr: `allowed origin "app.test:3000"`},
		{name: "bad env cors origin", env: map[string]string{"EVOLVESTACK_CORS_ORIGINS": "http://a/b"}, wantCode: 2, wantErr: "allowed origin"},
		{name: "bad max connections", args: []string{"--max-connections", "-3"}, wantCode: 2, wantErr: "max connections"},
		{name: "bad fast path", args: []string{"--fast-path", "maybe"}, wantCode: 2, wantErr: `fast path "maybe": want on or off`},
		{name: "bad env fast path", env: map[string]string{"EVOLVESTACK_FAST_PATH": "yes"}, wantCode: 2, wantErr: "fast path"},
		{name: "bad addr", args: []string{"--addr", "256.0.0.1:bad"}, wantCode: 1, wantErr: "evolvestack:"},
		{name: "health unreachable", args: []string{"health", "--endpoint", "http://127.0.0.1:1", "--timeout", "500ms"}, wantCode: 1, wantErr: "unreachable"},
		{name: "health bad args", args: []string{"health", "extra"}, wantCode: 2, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errOut, envMap(tt.env))
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tt.wantErr)
			}
		})
	}
}

var readyLine = regexp.MustCompile(`ready on (http://[0-9.:]+) .*AWS_ENDPOINT_URL=(http://[0-9.:]+)`)

// syncBuffer is a goroutine-safe buffer for a command's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeInProcess starts the server through run, checks the ready line,
// health, the debug request log, and a clean shutdown on cancel.
func TestServeInProcess(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var logs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--log-level", "debug", "--log-format", "json"}, pw, &logs, noEnv)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading ready line: %v (logs: %s)", err, logs.String())
	}
	go io.Copy(io.Discard, pr)
	m := readyLine.FindStringSubmatch(line)
	if m == nil || m[1] != m[2] {
		t.Fatalf("ready line %q does not name the endpoint", line)
	}
	endpoint := m[1]

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"health", "--endpoint", endpoint}, &out, &errOut, noEnv); code != 0 {
		t.Fatalf("health exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "healthy") {
		t.Errorf("health output %q", out.String())
	}
	// One AWS request, to see the debug log line.
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	req.Header.Set("X-Amz-Date", "20250101T000000Z")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ListStreams status %d", resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d after cancel; logs: %s", code, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	for _, want := range []string{`"msg":"request"`, `"service":"kinesis"`, `"operation":"ListStreams"`, `"status":200`, `"latency"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
	if code := run(context.Background(), []string{"health", "--endpoint", endpoint, "--timeout", "300ms"}, &out, &errOut, noEnv); code != 1 {
		t.Errorf("health after shutdown exit %d, want 1", code)
	}
}

// builtBinary is a running evolvestack binary.
type builtBinary struct {
	bin, endpoint string
	cmd           *exec.Cmd
	stderr        *syncBuffer
	started       time.Time // when the process was started
}

// startBinary builds the binary (the build cache makes repeats cheap),
// starts it on a free loopback port with env added, and waits for its
// ready line. The process is killed at cleanup.
func startBinary(t *testing.T, env ...string) *builtBinary {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "evolvestack")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), "EVOLVESTACK_ADDR=127.0.0.1:0", "EVOLVESTACK_LOG_LEVEL=info"), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &builtBinary{bin: bin, cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = b.stderr
	b.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading ready line: %v (stderr %s)", err, b.stderr.String())
	}
	m := readyLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("ready line %q", line)
	}
	b.endpoint = m[1]
	return b
}

// TestBinary builds the real binary, measures start-up to the first answered
// request, checks the health command against it, and stops it with SIGTERM.
func TestBinary(t *testing.T) {
	t.Parallel()
	b := startBinary(t)
	bin, endpoint, cmd, stderr := b.bin, b.endpoint, b.cmd, b.stderr
	resp, err := http.Get(endpoint + "/_evolvestack/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	startup := time.Since(b.started)
	t.Logf("start-up to first answered request: %v", startup)
	if startup > 2*time.Second {
		t.Errorf("start-up took %v", startup)
	}

	health := exec.Command(bin, "health", "--endpoint", endpoint)
	if out, err := health.CombinedOutput(); err != nil {
		t.Fatalf("evolvestack health: %v\n%s", err, out)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v (stderr %s)", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no stop log line: %s", stderr.String())
	}
	health = exec.Command(bin, "health", "--endpoint", endpoint, "--timeout", "300ms")
	if err := health.Run(); err == nil {
		t.Error("health succeeded after shutdown")
	} else if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("health after shutdown: %v, want exit 1", err)
	}
}

func TestFastPathSetting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want bool // net/http only
	}{
		{"default", nil, nil, false},
		{"flag off", []string{"--fast-path", "off"}, nil, true},
		{"env off", nil, map[string]string{"EVOLVESTACK_FAST_PATH": "off"}, true},
		{"flag on beats env", []string{"--fast-path", "on"}, map[string]string{"EVOLVESTACK_FAST_PATH": "off"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseServe(tt.args, io.Discard, envMap(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.netHTTPOnly != tt.want {
				t.Fatalf("net/http only %v, want %v", c.netHTTPOnly, tt.want)
			}
		})
	}
}
