package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/persist"
	"github.com/evolvestack/evolvestack/handlers/httpserver"
)

// serveConfig is the server's configuration from flags and environment.
type serveConfig struct {
	addr       string
	region     string
	account    string
	logLevel   string
	logFormat  string
	auth       string
	authKeys   string
	clockScale float64
	drain      time.Duration
	initFile   string
	origins    string
	hosts      string
	maxConns   int
	adminToken string
	dataDir    string
	dataSync   string
	// netHTTPOnly turns the HTTP fast path off.
	netHTTPOnly bool
}

// envOr returns the environment variable's value, or def when unset.
func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func parseServe(args []string, stderr io.Writer, getenv func(string) string) (*serveConfig, error) {
	c := &serveConfig{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", envOr(getenv, "EVOLVESTACK_ADDR", "127.0.0.1:4566"), "listen address (EVOLVESTACK_ADDR)")
	fs.StringVar(&c.region, "region", envOr(getenv, "EVOLVESTACK_REGION", emulator.DefaultRegion), "region for requests that name none (EVOLVESTACK_REGION)")
	fs.StringVar(&c.account, "account", envOr(getenv, "EVOLVESTACK_ACCOUNT", emulator.DefaultAccount), "account for access keys that are not 12-digit account ids (EVOLVESTACK_ACCOUNT)")
	fs.StringVar(&c.logLevel, "log-level", envOr(getenv, "EVOLVESTACK_LOG_LEVEL", "info"), "debug, info, warn or error; debug logs every request (EVOLVESTACK_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", envOr(getenv, "EVOLVESTACK_LOG_FORMAT", "text"), "text or json (EVOLVESTACK_LOG_FORMAT)")
	fs.StringVar(&c.auth, "auth", envOr(getenv, "EVOLVESTACK_AUTH", "any"), "any: accept any credentials; strict: verify SigV4 signatures (EVOLVESTACK_AUTH)")
	fs.StringVar(&c.authKeys, "auth-keys", envOr(getenv, "EVOLVESTACK_AUTH_KEYS", ""), "with --auth strict: comma-separated ACCESS_KEY:SECRET pairs (EVOLVESTACK_AUTH_KEYS)")
	scale := envOr(getenv, "EVOLVESTACK_CLOCK_SCALE", "1")
	fs.Func("clock-scale", "speed of the virtual clock against real time; 0 freezes it (EVOLVESTACK_CLOCK_SCALE, default 1)", func(s string) error {
		scale = s
		return nil
	})
	fs.StringVar(&c.initFile, "init", getenv("EVOLVESTACK_INIT"), "YAML provisioning file whose resources are created at start-up (EVOLVESTACK_INIT)")
	fs.StringVar(&c.origins, "cors-origins", getenv("EVOLVESTACK_CORS_ORIGINS"), "comma-separated browser origins allowed to call the emulator besides http://localhost:*, http://127.0.0.1:*, http://[::1]:* (e.g. http://app.test:3000, port * for any) (EVOLVESTACK_CORS_ORIGINS)")
	fs.StringVar(&c.hosts, "allowed-hosts", getenv("EVOLVESTACK_ALLOWED_HOSTS"), "comma-separated host names clients may use besides localhost, IP literals and this machine's host name, e.g. a compose service name; * for any (EVOLVESTACK_ALLOWED_HOSTS)")
	maxConns := envOr(getenv, "EVOLVESTACK_MAX_CONNECTIONS", "0")
	fs.Func("max-connections", "most client connections open at once; 0 picks 4096 or less to fit the file descriptor limit (EVOLVESTACK_MAX_CONNECTIONS)", func(s string) error {
		maxConns = s
		return nil
	})
	fs.StringVar(&c.adminToken, "admin-token", getenv("EVOLVESTACK_ADMIN_TOKEN"), "with --auth strict: the bearer token that opens the admin API; random when empty, printed at start-up (EVOLVESTACK_ADMIN_TOKEN)")
	fs.StringVar(&c.dataDir, "data-dir", getenv("EVOLVESTACK_DATA_DIR"), "keep every service's state in this directory across restarts; empty keeps state in memory only (EVOLVESTACK_DATA_DIR)")
	fs.StringVar(&c.dataSync, "data-sync", envOr(getenv, "EVOLVESTACK_DATA_SYNC", "write"), "with --data-dir, what an answer waits for: write (kept if the process is killed) or fsync (kept through an OS crash too) (EVOLVESTACK_DATA_SYNC)")
	fastPath := envOr(getenv, "EVOLVESTACK_FAST_PATH", "on")
	fs.Func("fast-path", "on: plain HTTP/1.1 API calls skip net/http's server (faster; a request's context does not end when its client goes away); off: net/http serves every request (EVOLVESTACK_FAST_PATH, default on)", func(s string) error {
		fastPath = s
		return nil
	})
	fs.DurationVar(&c.drain, "shutdown-timeout", 30*time.Second, "how long to wait for in-flight requests on SIGINT/SIGTERM")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	s, err := strconv.ParseFloat(scale, 64)
	if err != nil || s < 0 {
		return nil, fmt.Errorf("clock scale %q: want a number >= 0", scale)
	}
	c.clockScale = s
	n, err := strconv.Atoi(maxConns)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("max connections %q: want a number >= 0", maxConns)
	}
	c.maxConns = n
	switch fastPath {
	case "on":
	case "off":
		c.netHTTPOnly = true
	default:
		return nil, fmt.Errorf("fast path %q: want on or off", fastPath)
	}
	return c, nil
}

// logger builds the structured logger the flags ask for.
func (c *serveConfig) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log format %q: want text or json", c.logFormat)
	}
}

// options turns the configuration into emulator options.
func (c *serveConfig) options(log *slog.Logger) ([]emulator.Option, error) {
	clk := clock.New()
	if err := clk.SetScale(c.clockScale); err != nil {
		return nil, fmt.Errorf("clock scale: %w", err)
	}
	opts := []emulator.Option{
		emulator.WithRegion(c.region),
		emulator.WithAccount(c.account),
		emulator.WithLogger(log),
		emulator.WithClock(clk),
	}
	switch c.auth {
	case "any", "":
	case "strict":
		keys, err := parseKeys(c.authKeys)
		if err != nil {
			return nil, err
		}
		opts = append(opts, emulator.WithStrictAuth(keys))
		if c.adminToken != "" {
			opts = append(opts, emulator.WithAdminToken(c.adminToken))
		}
	default:
		return nil, fmt.Errorf("auth %q: want any or strict", c.auth)
	}
	if c.dataDir != "" {
		mode, err := persist.ParseSyncMode(c.dataSync)
		if err != nil {
			return nil, err
		}
		opts = append(opts, emulator.WithDataDir(c.dataDir), emulator.WithDataSync(mode))
	}
	if origins := splitList(c.origins); len(origins) > 0 {
		opts = append(opts, emulator.WithAllowedOrigins(origins...))
	}
	if hosts := splitList(c.hosts); len(hosts) > 0 {
		opts = append(opts, emulator.WithAllowedHosts(hosts...))
	}
	return opts, nil
}

// splitList reads a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseKeys reads "AKID:SECRET,AKID2:SECRET2".
func parseKeys(s string) (map[string]string, error) {
	keys := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		id, secret, ok := strings.Cut(pair, ":")
		if !ok || id == "" || secret == "" {
			return nil, fmt.Errorf("auth key %q: want ACCESS_KEY:SECRET", pair)
		}
		keys[id] = secret
	}
	if len(keys) == 0 {
		return nil, errors.New("--auth strict needs --auth-keys ACCESS_KEY:SECRET[,...]")
	}
	return keys, nil
}

// serve runs the emulator until ctx ends, then drains and returns 0.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cfg, err := parseServe(args, stderr, getenv)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "evolvestack: %v\n", err)
		return 2
	}
	log, err := cfg.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack: %v\n", err)
		return 2
	}
	opts, err := cfg.options(log)
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack: %v\n", err)
		return 2
	}
	initFile, err := loadInit(cfg.initFile)
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack: %v\n", err)
		return 2
	}
	e, err := emulator.New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack: %v\n", err)
		return 1
	}
	endpoint := "http://" + clientAddr(ln.Addr().String())
	e.SetEndpoint(endpoint)
	if err := applyInit(ctx, e, initFile, log); err != nil {
		fmt.Fprintf(stderr, "evolvestack: %v\n", err)
		_ = ln.Close()
		_ = e.Close()
		return 1
	}
	release := newStartupRelease(e.Handler(), log)
	defer release.stop()
	srv := httpserver.New(release, httpserver.Config{
		MaxConnections: cfg.maxConns,
		NetHTTPOnly:    cfg.netHTTPOnly,
		Protocols:      emulator.ServerProtocols(),
		Logger:         log,
	})
	// Lambda handler processes hold Runtime API requests open; stopping
	// them lets Shutdown finish once the other in-flight requests have.
	srv.RegisterOnShutdown(func() { _ = e.Release("lambda") })
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "evolvestack %s ready on %s (region %s, account %s); point clients at it with AWS_ENDPOINT_URL=%s\n",
		emulator.Version, endpoint, cfg.region, cfg.account, endpoint)
	if tok := e.AdminToken(); tok != "" {
		fmt.Fprintf(stdout, "strict auth: the admin API needs SigV4-signed requests or the header \"Authorization: Bearer %s\"\n", tok)
	}
	log.Debug("server limits", "max_connections", srv.MaxConnections())

	select {
	case err := <-done:
		log.Error("server stopped", "error", err)
		_ = e.Close()
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.drain)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.drain)
	defer cancel()
	code := 0
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "error", err)
		code = 1
	}
	<-done
	if err := e.Close(); err != nil {
		log.Error("closing services", "error", err)
		code = 1
	}
	log.Info("stopped")
	return code
}

// clientAddr turns a listen address into one a client can dial: an
// unspecified host (0.0.0.0, ::) becomes 127.0.0.1.
func clientAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
