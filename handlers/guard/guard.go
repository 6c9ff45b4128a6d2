// Package guard keeps the emulator's port safe next to a browser: it refuses
// cross-site requests (CSRF from any web page the developer visits), requests
// for host names that do not name the emulator (DNS rebinding), and answers
// CORS preflights only for allowed origins. Non-browser clients (the AWS
// SDKs, the CLI, curl) send neither Origin nor Sec-Fetch-* headers and pass.
package guard

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Policy says which origins and hosts may reach the emulator. The zero
// Policy allows the loopback origins and hosts only.
type Policy struct {
	// Origins are extra allowed origins ("http://app.test:3000"); a port of
	// "*" allows any port ("http://app.test:*"), and "*" alone allows every
	// origin.
	Origins []string
	// Hosts are extra host names requests may name in Host
	// ("evolvestack" for a compose service); "*" allows any host. Loopback
	// names, IP literals and the machine's own host names are always
	// allowed.
	Hosts []string
}

// Guard checks requests against a Policy. It is safe for concurrent use.
type Guard struct {
	origins  []originPattern
	anyOrig  bool
	hosts    map[string]bool
	anyHost  bool
	hostname func() (string, error)
}

type originPattern struct {
	scheme, host, port string // port "*" matches any
}

// New compiles p. hostname returns the machine's host name (os.Hostname);
// nil allows none beyond the built-in ones.
func New(p Policy, hostname func() (string, error)) (*Guard, error) {
	g := &Guard{hosts: map[string]bool{}, hostname: hostname}
	for _, o := range append([]string{"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"}, p.Origins...) {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" {
			g.anyOrig = true
			continue
		}
		pat, err := parseOriginPattern(o)
		if err != nil {
			return nil, err
		}
		g.origins = append(g.origins, pat)
	}
	for _, h := range p.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		switch h {
		case "":
		case "*":
			g.anyHost = true
		default:
			g.hosts[strings.TrimSuffix(h, ".")] = true
		}
	}
	return g, nil
}

// parseOriginPattern reads "scheme://host[:port|:*]".
func parseOriginPattern(s string) (originPattern, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || scheme == "" || rest == "" || strings.ContainsAny(rest, "/?#@") {
		return originPattern{}, fmt.Errorf("allowed origin %q: want scheme://host[:port], with port * for any", s)
	}
	host, port := rest, ""
	if strings.HasSuffix(rest, ":*") {
		host, port = strings.TrimSuffix(rest, ":*"), "*"
	} else if h, p, err := net.SplitHostPort(rest); err == nil {
		host, port = h, p
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return originPattern{}, fmt.Errorf("allowed origin %q: no host", s)
	}
	return originPattern{scheme: strings.ToLower(scheme), host: strings.ToLower(host), port: port}, nil
}

// Refusal is why a request was refused.
type Refusal struct {
	// Message says why, for the error body.
	Message string
}

// Check decides whether r may be served. It returns nil to serve it, or
// why not. Preflights are not handled here: see Preflight.
func (g *Guard) Check(r *http.Request) *Refusal {
	if !g.HostAllowed(r.Host) {
		return &Refusal{Message: fmt.Sprintf("evolvestack refuses requests for host %q (DNS rebinding protection); allow it with --allowed-hosts", hostOnly(r.Host))}
	}
	origin := r.Header.Get("Origin")
	if origin != "" {
		if !g.OriginAllowed(origin, r.Host) {
			return &Refusal{Message: fmt.Sprintf("evolvestack refuses cross-site requests from origin %q; allow it with --cors-origins", origin)}
		}
		return nil
	}
	// No Origin: a browser marks cross-site navigations and no-cors loads
	// with Sec-Fetch-Site.
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return &Refusal{Message: "evolvestack refuses cross-site requests (Sec-Fetch-Site: cross-site)"}
	}
	return nil
}

// HostAllowed reports whether hostport (a Host header) names the emulator.
func (g *Guard) HostAllowed(hostport string) bool {
	if g.anyHost {
		return true
	}
	host := strings.ToLower(strings.TrimSuffix(hostOnly(hostport), "."))
	if host == "" {
		// HTTP/1.0 without Host: no browser sends that.
		return true
	}
	if net.ParseIP(host) != nil {
		return true
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || g.hosts[host] {
		return true
	}
	if g.hostname != nil {
		if hn, err := g.hostname(); err == nil && hn != "" {
			hn = strings.ToLower(hn)
			if host == hn {
				return true
			}
			if short, _, ok := strings.Cut(hn, "."); ok && host == short {
				return true
			}
		}
	}
	return false
}

// OriginAllowed reports whether origin may call the emulator reached at
// requestHost: the emulator's own origin, the loopback origins and the
// configured ones.
func (g *Guard) OriginAllowed(origin, requestHost string) bool {
	if g.anyOrig {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" || u.User != nil {
		return false // includes "null"
	}
	if strings.EqualFold(u.Host, requestHost) && g.HostAllowed(requestHost) {
		return true // same origin
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	scheme := strings.ToLower(u.Scheme)
	return slices.ContainsFunc(g.origins, func(p originPattern) bool {
		return p.scheme == scheme && p.host == host && (p.port == "*" || p.port == port)
	})
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.Trim(h, "[]")
	}
	return strings.Trim(hostport, "[]")
}

// allowedHeaderPrefixes are the request headers the AWS SDKs send from a
// browser (compared in lower case).
var allowedHeaderPrefixes = []string{"x-amz-", "amz-sdk-", "x-amzn-"}

var allowedHeaders = []string{"authorization", "content-type", "content-encoding", "content-md5",
	"content-length", "cache-control", "x-requested-with", "accept", "accept-encoding", "expires", "range",
	"if-match", "if-none-match", "x-api-key"}

// ExposedHeaders are the response headers the SDKs read, exposed to
// browser scripts.
const ExposedHeaders = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-request-id, x-amz-id-2, " +
	"x-amz-crc32, x-amzn-Remapped-Content-Length, X-Amz-Function-Error, X-Amz-Log-Result, X-Amz-Executed-Version, " +
	"X-Amz-Invocation-Type, x-amzn-Trace-Id, x-amz-apigw-id, Date, ETag, Content-Length, Content-Type, Location"

// allowedMethods are the methods the services' wire protocols use.
const allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"

// IsPreflight reports whether r is a CORS preflight.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// Preflight answers a CORS preflight: 204 with the CORS headers for an
// allowed origin asking for allowed headers, else 403 without them.
func (g *Guard) Preflight(w http.ResponseWriter, r *http.Request) {
	reqHeaders, ok := g.preflightAllowed(w, r)
	if !ok {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	hd.Set("Access-Control-Allow-Methods", allowedMethods)
	if len(reqHeaders) > 0 {
		hd.Set("Access-Control-Allow-Headers", strings.Join(reqHeaders, ", "))
	}
	hd.Set("Access-Control-Expose-Headers", ExposedHeaders)
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// AWSMaxAge is the Access-Control-Max-Age AWS's JSON front ends send (two
// days; kinesalite's recordings of Kinesis, mhart/kinesalite
// test/connection.js).
const AWSMaxAge = "172800"

// PreflightAWS answers an OPTIONS request with an Origin (a preflight, or
// not: AWS answers both) as AWS's JSON front ends do: 200 with an empty
// body, Access-Control-Allow-Headers and -Methods echoing what was asked
// for, Access-Control-Max-Age two days. Unlike AWS, which allows every
// origin ("*"), it answers so only for an allowed origin asking for
// allowed headers and methods, naming that origin; anything else is
// refused as Preflight refuses it (403 without CORS headers).
func (g *Guard) PreflightAWS(w http.ResponseWriter, r *http.Request) {
	if _, ok := g.preflightAllowed(w, r); !ok {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	if v := strings.Join(r.Header.Values("Access-Control-Request-Headers"), ", "); v != "" {
		hd.Set("Access-Control-Allow-Headers", v)
	}
	if m := r.Header.Get("Access-Control-Request-Method"); m != "" {
		hd.Set("Access-Control-Allow-Methods", m)
	}
	hd.Set("Access-Control-Max-Age", AWSMaxAge)
	hd.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// preflightAllowed checks a preflight's host, origin, requested headers
// and requested method (none is allowed), and returns the requested
// headers in lower case. It adds the Vary header either way.
func (g *Guard) preflightAllowed(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	origin := r.Header.Get("Origin")
	w.Header().Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	if !g.HostAllowed(r.Host) || !g.OriginAllowed(origin, r.Host) {
		return nil, false
	}
	var reqHeaders []string
	for _, line := range r.Header.Values("Access-Control-Request-Headers") {
		for h := range strings.SplitSeq(line, ",") {
			h = strings.ToLower(strings.TrimSpace(h))
			if h == "" {
				continue
			}
			if !headerAllowed(h) {
				return nil, false
			}
			reqHeaders = append(reqHeaders, h)
		}
	}
	m := strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))
	if m != "" && !slices.Contains(strings.Split(allowedMethods, ", "), m) {
		return nil, false
	}
	return reqHeaders, true
}

// Decorate adds the CORS response headers for an allowed cross-origin
// request (one Check let through with an Origin).
func (g *Guard) Decorate(w http.ResponseWriter, r *http.Request) {
	g.DecorateExposing(w, r, ExposedHeaders)
}

// DecorateExposing is Decorate exposing the response headers expose (a
// service's own list, e.g. the one Kinesis sends) instead of
// ExposedHeaders.
func (g *Guard) DecorateExposing(w http.ResponseWriter, r *http.Request, expose string) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	hd := w.Header()
	hd.Add("Vary", "Origin")
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Expose-Headers", expose)
}

func headerAllowed(h string) bool {
	if slices.Contains(allowedHeaders, h) {
		return true
	}
	for _, p := range allowedHeaderPrefixes {
		if strings.HasPrefix(h, p) {
			return true
		}
	}
	return false
}
