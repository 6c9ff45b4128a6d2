package httpserver_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/handlers/httpserver"
)

func start(t *testing.T, cfg httpserver.Config) (*httpserver.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), cfg)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return srv, ln.Addr().String()
}

// get sends one keep-alive request on c and reads the answer.
func get(c net.Conn, addr string) error {
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// closedSoon reports whether the server closes c within d.
func closedSoon(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(make([]byte, 1))
	ne, ok := err.(net.Error)
	return err != nil && !(ok && ne.Timeout())
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   httpserver.Config
		setup func(c net.Conn, addr string) error
	}{
		{"idle keep-alive", httpserver.Config{IdleTimeout: 200 * time.Millisecond}, get},
		{"slow headers", httpserver.Config{ReadHeaderTimeout: 200 * time.Millisecond}, func(c net.Conn, addr string) error {
			_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
			return err
		}},
		{"silent connection", httpserver.Config{ReadHeaderTimeout: 200 * time.Millisecond}, func(net.Conn, string) error { return nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, addr := start(t, tc.cfg)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := tc.setup(c, addr); err != nil {
				t.Fatal(err)
			}
			if !closedSoon(c, 3*time.Second) {
				t.Fatal("the server kept the connection open")
			}
		})
	}
}

// TestConnectionLimit checks that at the limit the longest-idle connection
// is closed to admit a new one, so a new client (a health check) is always
// served, and the count never passes the limit.
func TestConnectionLimit(t *testing.T) {
	t.Parallel()
	const limit = 20
	srv, addr := start(t, httpserver.Config{MaxConnections: limit})
	if srv.MaxConnections() != limit {
		t.Fatalf("MaxConnections %d", srv.MaxConnections())
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 3 * limit {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if err := get(c, addr); err != nil {
			t.Fatalf("request on connection %d: %v", i, err)
		}
		if n := srv.OpenConnections(); n > limit {
			t.Fatalf("%d open connections, limit %d", n, limit)
		}
	}
	// The oldest were closed, the newest are open.
	if !closedSoon(conns[0], time.Second) {
		t.Error("the oldest idle connection is still open")
	}
	if err := get(conns[len(conns)-1], addr); err != nil {
		t.Errorf("newest connection: %v", err)
	}
}

func TestDefaultLimitFitsDescriptors(t *testing.T) {
	t.Parallel()
	srv := httpserver.New(http.NotFoundHandler(), httpserver.Config{})
	if n := srv.MaxConnections(); n < 64 || n > httpserver.DefaultMaxConnections {
		t.Fatalf("default MaxConnections %d", n)
	}
}
