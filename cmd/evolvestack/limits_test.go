package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// procStatus reads a field of /proc/PID/status in kB.
func procStatus(t *testing.T, pid int, field string) int {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc on this system: %v", err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestBinaryLargeBodies sends 16 concurrent 100 MB bodies, half with a
// declared length and half chunked, to the largest-limit API (Lambda
// CreateFunction): each is refused with 413 and the process's peak RSS stays
// under 300 MB.
func TestBinaryLargeBodies(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the process's peak RSS")
	}
	b := startBinary(t)
	const size = 100 << 20
	var wg sync.WaitGroup
	statuses := make([]int, 16)
	errs := make([]error, 16)
	for i := range 16 {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, b.endpoint+"/2015-03-31/functions", io.LimitReader(zeros{}, size))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00")
			if i%2 == 0 {
				req.ContentLength = size
			} else {
				req.ContentLength = -1 // chunked
			}
			client := &http.Client{Timeout: 2 * time.Minute}
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err // the server may close before the client has written all
				return
			}
			statuses[i] = resp.StatusCode
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusRequestEntityTooLarge && !strings.Contains(string(raw), "Request must be smaller than 70167211 bytes for the CreateFunction operation") {
				errs[i] = fmt.Errorf("413 body %q", raw)
			}
		})
	}
	wg.Wait()
	refused := 0
	for i, st := range statuses {
		switch {
		case st == http.StatusRequestEntityTooLarge:
			refused++
		case errs[i] != nil && st == 0:
			t.Logf("body %d: %v", i, errs[i])
		default:
			t.Errorf("body %d: status %d, %v", i, st, errs[i])
		}
		if st != 0 && errs[i] != nil {
			t.Errorf("body %d: %v", i, errs[i])
		}
	}
	if refused < 8 {
		t.Errorf("%d of 16 bodies answered 413, want at least the 8 with a declared length", refused)
	}
	hwm := procStatus(t, b.cmd.Process.Pid, "VmHWM")
	t.Logf("peak RSS after 16 concurrent 100 MB bodies: %d MB", hwm>>10)
	if hwm > 300<<10 {
		t.Errorf("peak RSS %d MB, want under 300 MB", hwm>>10)
	}
}

// TestBinaryIdleConnections holds many more idle keep-alive connections
// than the limit: the process keeps its descriptors under the limit, and
// health still answers at once.
func TestBinaryIdleConnections(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc to count the process's descriptors")
	}
	const limit = 200
	b := startBinary(t, "EVOLVESTACK_MAX_CONNECTIONS="+strconv.Itoa(limit))
	addr := strings.TrimPrefix(b.endpoint, "http://")
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for i := range 3 * limit {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		// One keep-alive request, then the connection stays idle.
		fmt.Fprintf(c, "GET /_evolvestack/health HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("request on connection %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	start := time.Now()
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(b.endpoint + "/_evolvestack/health")
	if err != nil {
		t.Fatalf("health under %d idle connections: %v", 3*limit, err)
	}
	resp.Body.Close()
	t.Logf("health answered in %v with %d idle client connections", time.Since(start), 3*limit)
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", b.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if len(fds) > limit+32 {
		t.Errorf("the process holds %d descriptors with a limit of %d connections", len(fds), limit)
	}
}

// TestBinaryRemovesFunctionFolders creates and invokes a zip function,
// stops the binary with SIGTERM, and checks that no function folder is left
// in its temp directory.
func TestBinaryRemovesFunctionFolders(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	b := startBinary(t, "TMPDIR="+tmp)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, "#!/bin/sh\nexit 2\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(b.endpoint), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	lam := lambda.NewFromConfig(cfg)
	ctx := context.Background()
	for _, name := range []string{"f1", "f2"} {
		if _, err := lam.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: lambdatypes.RuntimeProvidedal2023,
			Role: aws.String("arn:aws:iam::000000000000:role/r"), Handler: aws.String("x"), Code: &lambdatypes.FunctionCode{ZipFile: zbuf.Bytes()}}); err != nil {
			t.Fatal(err)
		}
		_, _ = lam.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name)}) // starts (and loses) a process
	}
	entries, _ := os.ReadDir(tmp)
	if len(entries) == 0 {
		t.Fatal("no function folder was made in TMPDIR: the test does not exercise the cleanup")
	}
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v (stderr %s)", err, b.stderr.String())
	}
	entries, _ = os.ReadDir(tmp)
	for _, e := range entries {
		t.Errorf("left in TMPDIR after SIGTERM: %s", e.Name())
	}
}

// TestServeAllowedHostsAndOrigins starts the server with --allowed-hosts
// and --cors-origins (and the same through the environment) and checks that
// the named host and origin are served and others refused; with --auth
// strict the admin token is printed and opens the admin API.
func TestServeAllowedHostsAndOrigins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flags", []string{"--allowed-hosts", "evolvestack, other", "--cors-origins", "http://app.test:3000",
			"--auth", "strict", "--auth-keys", "AKID:secret", "--admin-token", "tok123"}, nil},
		{"environment", nil, map[string]string{"EVOLVESTACK_ALLOWED_HOSTS": "evolvestack", "EVOLVESTACK_CORS_ORIGINS": "http://app.test:3000",
			"EVOLVESTACK_AUTH": "strict", "EVOLVESTACK_AUTH_KEYS": "AKID:secret", "EVOLVESTACK_ADMIN_TOKEN": "tok123"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pr, pw := io.Pipe()
			var logs syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, tc.args...), pw, &logs, envMap(tc.env))
				pw.Close()
			}()
			rd := bufio.NewReader(pr)
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("ready line: %v (%s)", err, logs.String())
			}
			tokenLine, _ := rd.ReadString('\n')
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			if !strings.Contains(tokenLine, "Authorization: Bearer tok123") {
				t.Errorf("start-up output %q lacks the admin token", tokenLine)
			}
			endpoint := readyLine.FindStringSubmatch(line)[1]
			get := func(host, origin, auth string) int {
				req, _ := http.NewRequest(http.MethodGet, endpoint+"/_evolvestack/clock", nil)
				req.Host = host
				if origin != "" {
					req.Header.Set("Origin", origin)
				}
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(endpoint, "http://"))
			checks := []struct {
				host, origin, auth string
				want               int
			}{
				{"evolvestack:" + port, "", "Bearer tok123", http.StatusOK},
				{"evolvestack:" + port, "http://app.test:3000", "Bearer tok123", http.StatusOK},
				{"evolvestack:" + port, "http://app.test:3001", "Bearer tok123", http.StatusForbidden},
				{"attacker.example:" + port, "", "Bearer tok123", http.StatusForbidden},
				{"evolvestack:" + port, "", "", http.StatusForbidden},
				{"evolvestack:" + port, "", "Bearer wrong", http.StatusForbidden},
			}
			for _, c := range checks {
				if got := get(c.host, c.origin, c.auth); got != c.want {
					t.Errorf("host %s origin %q auth %q: %d, want %d", c.host, c.origin, c.auth, got, c.want)
				}
			}
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("exit %d: %s", code, logs.String())
			}
		})
	}
}
