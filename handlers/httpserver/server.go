// Package httpserver builds the http.Server evolvestack listens with: timeouts
// on headers, bodies and idle keep-alive connections, and a connection limit
// below the process's file descriptor limit that makes room for new clients
// (health checks included) by closing the longest-idle connections first.
package httpserver

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Defaults for Config's zero values.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxConnections    = 4096
	// fdReserve is kept free of connections for files, pipes of handler
	// processes and outgoing connections.
	fdReserve = 256
)

// Config configures New.
type Config struct {
	// MaxConnections bounds open client connections; 0 means
	// DefaultMaxConnections, lowered to fit the descriptor limit.
	MaxConnections int
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle that long.
	IdleTimeout time.Duration
	// Protocols are the HTTP versions served (nil: HTTP/1.1).
	Protocols *http.Protocols
	// BaseContext, when set, is every request's base context.
	BaseContext context.Context
	Logger      *slog.Logger
	// NetHTTPOnly turns the fast path (fast.go) off: every request is
	// served by net/http.
	NetHTTPOnly bool
}

// Server is an http.Server with a connection limit, whose plain HTTP/1.1
// API calls take a fast path (fast.go).
type Server struct {
	*http.Server
	conns *tracker
	fast  *fastServer
}

// New returns a server for h. Serve it with (*Server).Serve so the limit
// applies.
func New(h http.Handler, cfg Config) *Server {
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
		if lim := fdLimit(); lim > 0 {
			cfg.MaxConnections = min(cfg.MaxConnections, max(int(lim)-fdReserve, 64))
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	t := &tracker{max: cfg.MaxConnections, conns: map[net.Conn]*connInfo{}, log: cfg.Logger}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		Protocols:         cfg.Protocols,
		ConnState:         t.setState,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	if cfg.BaseContext != nil {
		srv.BaseContext = func(net.Listener) context.Context { return cfg.BaseContext }
	}
	s := &Server{Server: srv, conns: t}
	if !cfg.NetHTTPOnly {
		s.fast = &fastServer{srv: srv, t: t, conns: map[*fastConn]struct{}{}}
	}
	return s
}

// Serve accepts connections on ln within the connection limit. With the
// fast path, every connection starts on it; net/http serves those it
// hands over.
func (s *Server) Serve(ln net.Listener) error {
	ll := &limitListener{Listener: ln, t: s.conns}
	if s.fast == nil {
		return s.Server.Serve(ll)
	}
	hl := newHandoffListener(ln)
	s.fast.mu.Lock()
	s.fast.handoff = hl
	s.fast.mu.Unlock()
	go func() {
		for {
			c, err := ll.Accept()
			if err != nil {
				hl.fail(err)
				return
			}
			go s.fast.serve(c)
		}
	}()
	return s.Server.Serve(hl)
}

// Shutdown stops the server gracefully, as http.Server's does: fast-path
// connections close when idle, and it waits for their requests too.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.fast == nil {
		return s.Server.Shutdown(ctx)
	}
	s.fast.shutdown()
	err := s.Server.Shutdown(ctx)
	if ferr := s.fast.wait(ctx); err == nil {
		err = ferr
	}
	return err
}

// Close closes every connection at once, as http.Server's does.
func (s *Server) Close() error {
	if s.fast != nil {
		s.fast.closeAll()
	}
	return s.Server.Close()
}

// MaxConnections is the connection limit in force.
func (s *Server) MaxConnections() int { return s.conns.max }

// OpenConnections is the number of client connections open now.
func (s *Server) OpenConnections() int {
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	return len(s.conns.conns)
}

// connInfo is what the tracker knows of one connection.
type connInfo struct {
	state http.ConnState
	since time.Time
}

// tracker counts connections and their states.
type tracker struct {
	max        int
	log        *slog.Logger
	mu         sync.Mutex
	conns      map[net.Conn]*connInfo
	lastRefuse time.Time
}

func (t *tracker) setState(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(t.conns, c)
	default:
		if ci := t.conns[c]; ci != nil {
			ci.state, ci.since = st, time.Now()
		}
	}
}

// replace moves old's entry to c (a connection handed to net/http).
func (t *tracker) replace(old, c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ci := t.conns[old]
	if ci == nil {
		return // closed meanwhile to make room
	}
	delete(t.conns, old)
	ci.state, ci.since = http.StateNew, time.Now()
	t.conns[c] = ci
}

// admit registers c, first closing the longest-idle (or never used)
// connection when at the limit. It reports false when every connection is
// busy.
func (t *tracker) admit(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.conns) >= t.max {
		var victim net.Conn
		var vi *connInfo
		for oc, ci := range t.conns {
			if ci.state != http.StateIdle && ci.state != http.StateNew {
				continue
			}
			// Idle connections go before new ones, oldest first.
			if vi == nil || (ci.state == http.StateIdle && vi.state == http.StateNew) ||
				(ci.state == vi.state && ci.since.Before(vi.since)) {
				victim, vi = oc, ci
			}
		}
		if victim == nil {
			if time.Since(t.lastRefuse) > time.Second {
				t.log.Warn("connection limit reached and every connection busy: refusing new connections", "max_connections", t.max)
				t.lastRefuse = time.Now()
			}
			return false
		}
		delete(t.conns, victim)
		_ = victim.Close()
	}
	t.conns[c] = &connInfo{state: http.StateNew, since: time.Now()}
	return true
}

// limitListener admits accepted connections through the tracker.
type limitListener struct {
	net.Listener
	t *tracker
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.t.admit(c) {
			return c, nil
		}
		_ = c.Close()
	}
}
