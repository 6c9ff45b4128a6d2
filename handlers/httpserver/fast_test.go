package httpserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/handlers/httpserver"
)

// echo is what the echo handler saw of a request.
type echo struct {
	Path, Method, Proto, Host, Body, Target string
	ContentLength                           int64
	// NetHTTP is true when net/http served the request (its contexts
	// carry the server); false on the fast path.
	NetHTTP bool
}

// echoHandler answers every request with what it saw as JSON; the paths
// /hijack, /panic, /unread and /block do what they say.
func echoHandler(block <-chan struct{}, entered chan<- struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Test") {
		case "hijack":
			c, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = c.Close()
			}
			return
		case "hijack-read":
			// Reads on from the hijacked connection, with no deadline of
			// its own, and answers with what it read.
			c, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer c.Close()
			b, err := rw.ReadByte()
			if err != nil {
				_, _ = io.WriteString(c, "read: "+err.Error())
				return
			}
			_, _ = io.WriteString(c, "read "+string(b))
			return
		case "panic":
			panic("handler panic")
		case "unread":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "left the body")
			return
		case "block":
			entered <- struct{}{}
			<-block
		case "close":
			w.Header().Set("Connection", "close")
		case "declared", "short", "long":
			// The answer's length is declared first: the fast path
			// streams it.
			w.Header().Set("Content-Length", "10")
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "01234")
			switch r.Header.Get("X-Test") {
			case "declared":
				_, _ = io.WriteString(w, "56789")
			case "long":
				if _, err := io.WriteString(w, "56789-too-long"); err != http.ErrContentLength {
					panic(fmt.Sprintf("writing past the declared length: %v", err))
				}
			}
			return
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.NewEncoder(w).Encode(echo{
			Path: r.URL.Path, Method: r.Method, Proto: r.Proto, Host: r.Host, Body: string(body),
			Target: r.Header.Get("X-Amz-Target"), ContentLength: r.ContentLength,
			NetHTTP: r.Context().Value(http.ServerContextKey) != nil,
		})
	})
}

// startEcho serves echoHandler and returns the server and its address.
func startEcho(t *testing.T, cfg httpserver.Config, block <-chan struct{}, entered chan<- struct{}) (*httpserver.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(echoHandler(block, entered), cfg)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; err != nil && err != http.ErrServerClosed {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, ln.Addr().String()
}

// plain is an SDK-shaped request.
func plain(body string, extra ...string) string {
	h := "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

// readEcho reads one answer from br.
func readEcho(t *testing.T, br *bufio.Reader) (*http.Response, echo) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	for err == nil && resp.StatusCode < 200 {
		resp, err = http.ReadResponse(br, nil) // 100 Continue
	}
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	var e echo
	if resp.StatusCode == http.StatusOK && strings.HasPrefix(string(b), "{") {
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("answer %q: %v", b, err)
		}
	}
	return resp, e
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

// TestFastPath checks which requests the fast path serves and which it
// hands to net/http, and that both answer alike; each case writes its
// requests on one connection at once (pipelined), so a hand-over carries
// bytes the fast path had already read.
func TestFastPath(t *testing.T) {
	t.Parallel()
	type want struct {
		status  int
		netHTTP bool
		body    string
	}
	tests := []struct {
		name string
		reqs []string
		want []want
	}{
		{"plain calls stay on the fast path", []string{plain(`{"a":1}`), plain(""), plain(`{}`)},
			[]want{{200, false, `{"a":1}`}, {200, false, ""}, {200, false, "{}"}}},
		{"a GET goes to net/http", []string{"GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n"}, []want{{200, true, ""}}},
		{"a plain call then a GET", []string{plain("one"), "GET /y HTTP/1.1\r\nHost: localhost\r\n\r\n", plain("three")},
			[]want{{200, false, "one"}, {200, true, ""}, {200, true, "three"}}},
		{"another path", []string{"POST /2015-03-31/functions HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"}, []want{{200, true, "{}"}}},
		{"HTTP/1.0", []string{"POST / HTTP/1.0\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"}, []want{{200, true, "{}"}}},
		{"chunked body", []string{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"}, []want{{200, true, "{}"}}},
		{"Expect", []string{"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"}, []want{{200, true, "{}"}}},
		{"SubscribeToShard", []string{plain("{}", "X-Amz-Target: Kinesis_20131202.SubscribeToShard")}, []want{{200, true, "{}"}}},
		{"Connection upgrade", []string{plain("{}", "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA")}, []want{{200, true, "{}"}}},
		// Malformed heads get net/http's own answer.
		{"no Host", []string{"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"}, []want{{400, true, ""}}},
		{"two Hosts", []string{"POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 0\r\n\r\n"}, []want{{400, true, ""}}},
		{"two lengths", []string{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}, []want{{400, true, ""}}},
		{"bad length", []string{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\na"}, []want{{400, true, ""}}},
		{"no length", []string{"POST / HTTP/1.1\r\nHost: a\r\n\r\n"}, []want{{200, true, ""}}},
		{"bad header name", []string{"POST / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n"}, []want{{400, true, ""}}},
		{"folded header", []string{"POST / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\nContent-Length: 0\r\n\r\n"}, []want{{200, true, ""}}},
		{"long head", []string{plain("{}", "X-Long: "+strings.Repeat("a", 9000))}, []want{{200, true, "{}"}}},
		{"bad Host", []string{"POST / HTTP/1.1\r\nHost: a b\r\nContent-Length: 0\r\n\r\n"}, []want{{400, true, ""}}},
		{"bare LF", []string{"POST / HTTP/1.1\nHost: a\nContent-Length: 0\n\n"}, []want{{200, true, ""}}},
	}
	_, addr := startEcho(t, httpserver.Config{}, nil, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, br := dial(t, addr)
			if _, err := io.WriteString(c, strings.Join(tc.reqs, "")); err != nil {
				t.Fatal(err)
			}
			for i, w := range tc.want {
				resp, e := readEcho(t, br)
				if resp.StatusCode != w.status {
					t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, w.status)
				}
				if w.status != http.StatusOK {
					continue
				}
				if e.NetHTTP != w.netHTTP || e.Body != w.body || e.Method == "" || resp.Header.Get("Date") == "" {
					t.Errorf("request %d: served %+v (Date %q), want net/http %v and body %q", i, e, resp.Header.Get("Date"), w.netHTTP, w.body)
				}
				if !e.NetHTTP && (e.Host != "localhost" || e.Path != "/" || e.Proto != "HTTP/1.1" || e.ContentLength != int64(len(w.body)) || e.Target != "AmazonSQS.ListQueues") {
					t.Errorf("request %d: the fast path gave the handler %+v", i, e)
				}
				if resp.ContentLength < 0 || resp.Header.Get("Content-Type") == "" {
					t.Errorf("request %d: length %d, type %q", i, resp.ContentLength, resp.Header.Get("Content-Type"))
				}
			}
		})
	}
}

// TestFastPathConnection checks what happens to a fast-path connection
// after a request: kept, drained, closed, hijacked, or closed after a
// panic (the server still serving others).
func TestFastPathConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		req    string
		status int
		close  bool // the answer says Connection: close
		open   bool // the connection takes another request
	}{
		{"keep-alive", plain("{}"), 200, false, true},
		{"client asks to close", plain("{}", "Connection: close"), 200, true, false},
		{"handler asks to close", plain("{}", "X-Test: close"), 200, true, false},
		{"small unread body is drained", plain(strings.Repeat("a", 1000), "X-Test: unread"), 200, false, true},
		{"large unread body closes", plain(strings.Repeat("a", 300<<10), "X-Test: unread"), 200, true, false},
		{"declared length", plain("{}", "X-Test: declared"), 200, false, true},
		{"declared length, written past", plain("{}", "X-Test: long"), 200, false, true},
		{"declared length, written short", plain("{}", "X-Test: short"), -1, false, false},
		{"hijack", plain("{}", "X-Test: hijack"), 0, false, false},
		{"panic", plain("{}", "X-Test: panic"), 0, false, false},
	}
	_, addr := startEcho(t, httpserver.Config{}, nil, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, br := dial(t, addr)
			if _, err := io.WriteString(c, tc.req); err != nil {
				t.Fatal(err)
			}
			switch tc.status {
			case 0:
				if _, err := http.ReadResponse(br, nil); err == nil {
					t.Fatal("an answer, want the connection dropped")
				}
			case -1: // a head, then a body cut short
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				if b, err := io.ReadAll(resp.Body); err == nil {
					t.Fatalf("body %q read whole, want it cut short", b)
				}
			default:
				resp, _ := readEcho(t, br)
				if resp.StatusCode != tc.status || resp.Close != tc.close {
					t.Fatalf("status %d close %v, want %d %v", resp.StatusCode, resp.Close, tc.status, tc.close)
				}
			}
			_, _ = io.WriteString(c, plain("again"))
			resp, err := http.ReadResponse(br, nil)
			if tc.open != (err == nil) {
				t.Fatalf("second request: %v, want the connection open %v", err, tc.open)
			}
			if err == nil {
				_ = resp.Body.Close()
			}
			// The server serves new connections whatever happened.
			c2, br2 := dial(t, addr)
			_, _ = io.WriteString(c2, plain("new"))
			if resp, e := readEcho(t, br2); resp.StatusCode != 200 || e.Body != "new" {
				t.Fatalf("new connection: %d %+v", resp.StatusCode, e)
			}
		})
	}
}

// TestFastPathShutdown checks that Shutdown closes idle fast-path
// connections at once and waits for a request being served.
func TestFastPathShutdown(t *testing.T) {
	t.Parallel()
	block, entered := make(chan struct{}), make(chan struct{}, 1)
	srv, addr := startEcho(t, httpserver.Config{}, block, entered)
	idle, idleBR := dial(t, addr)
	_, _ = io.WriteString(idle, plain("{}"))
	readEcho(t, idleBR)
	busy, busyBR := dial(t, addr)
	_, _ = io.WriteString(busy, plain("busy", "X-Test: block"))
	select {
	case <-entered: // the busy request is in the handler
	case <-time.After(10 * time.Second):
		t.Fatal("the busy request did not reach the handler")
	}
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	if !closedSoon(idle, 2*time.Second) {
		t.Error("the idle connection stayed open during Shutdown")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a request was being served", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(block)
	resp, e := readEcho(t, busyBR)
	if resp.StatusCode != 200 || e.Body != "busy" || !resp.Close {
		t.Fatalf("busy request: %d %+v close %v", resp.StatusCode, e, resp.Close)
	}
	select {
	case err := <-shut:
		if err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return after the request ended")
	}
}

// TestFastPathConnectionLimit is TestConnectionLimit with fast-path
// connections: at the limit the longest-idle is closed for a new one.
func TestFastPathConnectionLimit(t *testing.T) {
	t.Parallel()
	const limit = 10
	srv, addr := startEcho(t, httpserver.Config{MaxConnections: limit}, nil, nil)
	var conns []net.Conn
	for i := range 3 * limit {
		c, br := dial(t, addr)
		conns = append(conns, c)
		_, _ = io.WriteString(c, plain(fmt.Sprint(i)))
		if resp, e := readEcho(t, br); resp.StatusCode != 200 || e.NetHTTP {
			t.Fatalf("connection %d: %d %+v", i, resp.StatusCode, e)
		}
		if n := srv.OpenConnections(); n > limit {
			t.Fatalf("%d open connections, limit %d", n, limit)
		}
	}
	if !closedSoon(conns[0], time.Second) {
		t.Error("the oldest idle connection is still open")
	}
}

// TestFastPathConcurrent runs many clients through the Go HTTP client
// with -race.
func TestFastPathConcurrent(t *testing.T) {
	t.Parallel()
	_, addr := startEcho(t, httpserver.Config{}, nil, nil)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				body := fmt.Sprintf("%d-%d", g, i)
				resp, err := client.Post("http://"+addr+"/", "application/x-amz-json-1.0", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				var e echo
				err = json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				if err != nil || e.Body != body || e.NetHTTP {
					t.Errorf("%s: %+v %v", body, e, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestFastPathDeadlines checks the header and idle timeouts on the fast
// path, and that their deadlines cut neither a body that comes late nor a
// hijacked connection.
func TestFastPathDeadlines(t *testing.T) {
	t.Parallel()
	const header, idle = 150 * time.Millisecond, 2 * time.Second
	_, addr := startEcho(t, httpserver.Config{ReadHeaderTimeout: header, IdleTimeout: idle}, nil, nil)
	req := plain("late body")
	split := strings.Index(req, "\r\n\r\n") + 4
	// closedWithin reads from c until it is closed, and fails unless that
	// came within d.
	closedWithin := func(t *testing.T, c net.Conn, br *bufio.Reader, d time.Duration) {
		t.Helper()
		start := time.Now()
		if _, err := br.ReadByte(); err == nil {
			t.Fatal("an answer, want the connection closed")
		}
		if took := time.Since(start); took > d {
			t.Fatalf("closed after %v, want within %v", took, d)
		}
	}
	tests := []struct {
		name string
		run  func(t *testing.T, c net.Conn, br *bufio.Reader)
	}{
		{"head in parts within the header timeout", func(t *testing.T, c net.Conn, br *bufio.Reader) {
			_, _ = io.WriteString(c, req[:20])
			time.Sleep(header / 3)
			_, _ = io.WriteString(c, req[20:])
			if resp, e := readEcho(t, br); resp.StatusCode != 200 || e.Body != "late body" {
				t.Fatalf("%d %+v", resp.StatusCode, e)
			}
		}},
		{"head that stalls on a new connection", func(t *testing.T, c net.Conn, br *bufio.Reader) {
			_, _ = io.WriteString(c, req[:20])
			closedWithin(t, c, br, header+time.Second)
		}},
		{"head that stalls on a kept-alive connection", func(t *testing.T, c net.Conn, br *bufio.Reader) {
			_, _ = io.WriteString(c, req)
			readEcho(t, br)
			_, _ = io.WriteString(c, req[:20])
			closedWithin(t, c, br, idle/2) // the header timeout, not the idle one
		}},
		{"idle connection", func(t *testing.T, c net.Conn, br *bufio.Reader) {
			_, _ = io.WriteString(c, req)
			readEcho(t, br)
			start := time.Now()
			closedWithin(t, c, br, idle+time.Second)
			if took := time.Since(start); took < idle-100*time.Millisecond {
				t.Fatalf("closed after %v, before the idle timeout %v", took, idle)
			}
		}},
		{"body later than the header timeout", func(t *testing.T, c net.Conn, br *bufio.Reader) {
			for range 2 { // on a new connection and a kept-alive one
				_, _ = io.WriteString(c, req[:split])
				time.Sleep(2 * header)
				_, _ = io.WriteString(c, req[split:])
				if resp, e := readEcho(t, br); resp.StatusCode != 200 || e.Body != "late body" {
					t.Fatalf("%d %+v", resp.StatusCode, e)
				}
			}
		}},
		{"hijacked connection read after the header timeout", func(t *testing.T, c net.Conn, br *bufio.Reader) {
			for _, first := range []bool{true, false} {
				if !first {
					var err error
					c, err = net.Dial("tcp", addr)
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					br = bufio.NewReader(c)
					_, _ = io.WriteString(c, req) // one request first: the idle deadline is set
					readEcho(t, br)
				}
				_, _ = io.WriteString(c, plain("", "X-Test: hijack-read"))
				time.Sleep(2 * header)
				_, _ = io.WriteString(c, "x")
				got, _ := io.ReadAll(br)
				if string(got) != "read x" {
					t.Fatalf("hijacked connection (first request %v) answered %q, want %q", first, got, "read x")
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, br := dial(t, addr)
			tc.run(t, c, br)
		})
	}
}
