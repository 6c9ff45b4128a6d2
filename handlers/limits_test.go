package handlers_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/handlers"
	"github.com/evolvestack/evolvestack/handlers/guard"
)

// endless is a body that never ends; n counts the bytes read from it.
type endless struct{ n atomic.Int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n.Add(int64(len(p)))
	return len(p), nil
}

func limitServer(t *testing.T, bodyTimeout time.Duration) *httptest.Server {
	t.Helper()
	g, err := guard.New(guard.Policy{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := handlers.New(handlers.Config{
		Guard:          g,
		Backend:        fakeBackend{rec: &recorder{}, clk: clock.New()},
		Logger:         slog.New(slog.DiscardHandler),
		DefaultRegion:  "us-east-1",
		DefaultAccount: "000000000000",
		BodyTimeout:    bodyTimeout,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestOversizedBodies checks that a body over the service's limit is
// refused with 413 in the protocol's own shape, before it is read when
// its length is declared.
func TestOversizedBodies(t *testing.T) {
	t.Parallel()
	srv := limitServer(t, 0)
	tests := []struct {
		name     string
		path     string
		headers  map[string]string
		declared bool
		check    func(t *testing.T, resp *http.Response, body []byte)
	}{
		{"kinesis json declared", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.PutRecords", "Content-Type": "application/x-amz-json-1.1"}, true,
			func(t *testing.T, resp *http.Response, body []byte) {
				if !bytes.Contains(body, []byte(`"__type":"RequestEntityTooLargeException"`)) || !bytes.Contains(body, []byte("Request must be smaller than 16777216 bytes.")) {
					t.Errorf("body %s", body)
				}
			}},
		{"kinesis json chunked", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.PutRecords", "Content-Type": "application/x-amz-json-1.1"}, false,
			func(t *testing.T, resp *http.Response, body []byte) {
				if !bytes.Contains(body, []byte(`RequestEntityTooLargeException`)) {
					t.Errorf("body %s", body)
				}
			}},
		{"kinesis cbor", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.PutRecords", "Content-Type": "application/x-amz-cbor-1.1"}, true,
			func(t *testing.T, resp *http.Response, body []byte) {
				var m map[string]any
				if err := cbor.Unmarshal(body, &m); err != nil || m["__type"] != "RequestEntityTooLargeException" {
					t.Errorf("CBOR body %q: %v", body, err)
				}
			}},
		{"sqs query", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, true,
			func(t *testing.T, resp *http.Response, body []byte) {
				if !bytes.Contains(body, []byte("<ErrorResponse")) || !bytes.Contains(body, []byte("<Code>RequestEntityTooLargeException</Code>")) ||
					!bytes.Contains(body, []byte("8388608 bytes")) {
					t.Errorf("body %s", body)
				}
			}},
		{"admin", "/_evolvestack/reset", map[string]string{"Content-Type": "application/json"}, true,
			func(t *testing.T, resp *http.Response, body []byte) {
				if !bytes.Contains(body, []byte(`"error"`)) {
					t.Errorf("body %s", body)
				}
			}},
		{"admin chunked", "/_evolvestack/clock", map[string]string{"Content-Type": "application/json"}, false,
			func(t *testing.T, resp *http.Response, body []byte) {
				if !bytes.Contains(body, []byte(`over 1048576 bytes`)) {
					t.Errorf("body %s", body)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := &endless{}
			var body io.Reader = io.LimitReader(src, 100<<20)
			req, err := http.NewRequest(http.MethodPost, srv.URL+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.declared {
				req.ContentLength = 100 << 20
			} else {
				req.ContentLength = -1
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%v (client sent %d bytes)", err, src.n.Load())
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			tc.check(t, resp, raw)
			if tc.declared && src.n.Load() > 8<<20 {
				t.Errorf("the client sent %d bytes of a declared oversized body before the refusal", src.n.Load())
			}
		})
	}
}

// TestSlowBody checks that a body trickling in, or never ending, does not
// hold a connection past the body timeout.
func TestSlowBody(t *testing.T) {
	t.Parallel()
	srv := limitServer(t, 300*time.Millisecond)
	addr := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name string
		head string
	}{
		{"declared length, 1 byte at a time", "Content-Length: 1000\r\n"},
		{"chunked, never ending", "Transfer-Encoding: chunked\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Type: application/x-amz-json-1.1\r\n%s\r\n", addr, tc.head)
			done := make(chan *http.Response, 1)
			go func() {
				resp, _ := http.ReadResponse(bufio.NewReader(c), nil)
				done <- resp
			}()
			start := time.Now()
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case resp := <-done:
					if resp == nil {
						t.Logf("connection closed after %v", time.Since(start))
						return
					}
					raw, _ := io.ReadAll(resp.Body)
					if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "RequestTimeout") {
						t.Fatalf("status %d: %s", resp.StatusCode, raw)
					}
					if d := time.Since(start); d > 3*time.Second {
						t.Fatalf("answered after %v", d)
					}
					return
				case <-tick.C:
					if time.Since(start) > 5*time.Second {
						t.Fatal("the slow body held the connection for 5 s")
					}
					if strings.Contains(tc.head, "chunked") {
						_, _ = io.WriteString(c, "1\r\n{\r\n")
					} else {
						_, _ = io.WriteString(c, " ")
					}
				}
			}
		})
	}
}
