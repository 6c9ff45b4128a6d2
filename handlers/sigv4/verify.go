package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Payload hash values clients may send in X-Amz-Content-Sha256.
const (
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	contentSHAKey   = "X-Amz-Content-Sha256"
	terminator      = "aws4_request"
)

// Verifier checks SigV4 signatures against known credentials. It is safe
// for concurrent use; it holds no mutable state.
type Verifier struct {
	secrets map[string]string
	now     func() time.Time
	maxSkew func(service string) time.Duration
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithMaxSkew sets how far the request time may be from now, per signing
// service. The default is DefaultMaxSkew.
func WithMaxSkew(f func(service string) time.Duration) Option {
	return func(v *Verifier) { v.maxSkew = f }
}

// DefaultMaxSkew returns the clock skew AWS tolerates for a signing
// service: 5 minutes for Kinesis and Lambda, 15 minutes for the others.
func DefaultMaxSkew(service string) time.Duration {
	switch service {
	case "kinesis", "lambda":
		return 5 * time.Minute
	}
	return 15 * time.Minute
}

// NewVerifier returns a Verifier for secrets (access key id -> secret
// access key; the map is copied) using now as its clock (nil means
// time.Now).
func NewVerifier(secrets map[string]string, now func() time.Time, opts ...Option) *Verifier {
	v := &Verifier{secrets: make(map[string]string, len(secrets)), now: now, maxSkew: DefaultMaxSkew}
	for k, s := range secrets {
		v.secrets[k] = s
	}
	if v.now == nil {
		v.now = time.Now
	}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Verify checks r's signature; body is the whole request body. It returns
// nil or an *Error.
func (v *Verifier) Verify(r *http.Request, body []byte) error {
	return v.VerifyService(r, body, "")
}

// VerifyService is Verify that also requires the credential scope to name
// service (the signing name); an empty service accepts any.
func (v *Verifier) VerifyService(r *http.Request, body []byte, service string) error {
	if err := v.verify(r, body, service); err != nil {
		return err
	}
	return nil // not the typed nil of v.verify
}

func (v *Verifier) verify(r *http.Request, body []byte, service string) *Error {
	p, err := parse(r)
	if err != nil {
		return err
	}
	if !p.signed {
		return &Error{Kind: MissingAuthentication}
	}
	if err := v.checkTime(&p); err != nil {
		return err
	}
	if !containsFold(p.id.SignedHeaders, "host") {
		return newError(SignatureMismatch, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if p.late != nil {
		return p.late
	}
	if err := checkScope(&p, service); err != nil {
		return err
	}
	secret, ok := v.secrets[p.id.AccessKey]
	if !ok {
		return &Error{Kind: UnknownAccessKey}
	}
	return checkSignature(r, body, &p, secret)
}

// checkTime applies the clock-skew window and presigned expiry.
func (v *Verifier) checkTime(p *parsed) *Error {
	now := v.now().UTC()
	skew := v.maxSkew(p.id.Service)
	mins := int(skew / time.Minute)
	if p.when.After(now.Add(skew)) {
		return newError(RequestTimeTooSkewed, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %d min.)",
			p.when.Format(timeFormat), now.Add(skew).Format(timeFormat), now.Format(timeFormat), mins))
	}
	if p.id.Presigned && p.id.Expires != "" {
		secs, _ := strconv.ParseInt(p.id.Expires, 10, 64) // validated by parse
		if now.After(p.when.Add(time.Duration(secs) * time.Second)) {
			return &Error{Kind: Expired}
		}
		return nil
	}
	if p.when.Before(now.Add(-skew)) {
		return newError(RequestTimeTooSkewed, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d min.)",
			p.when.Format(timeFormat), now.Add(-skew).Format(timeFormat), now.Format(timeFormat), mins))
	}
	return nil
}

// checkScope checks the credential scope against the request.
func checkScope(p *parsed, service string) *Error {
	var msg strings.Builder
	if !awsapi.ValidRegion(p.id.Region) {
		msg.WriteString("Credential should be scoped to a valid region, not '" + p.id.Region + "'. ")
	}
	if service != "" && p.id.Service != service {
		msg.WriteString("Credential should be scoped to correct service: '" + service + "'. ")
	}
	if p.id.Terminator != terminator {
		msg.WriteString("Credential should be scoped with a valid terminator: '" + terminator + "', not '" + p.id.Terminator + "'. ")
	}
	if day := p.when.Format("20060102"); p.id.Date != day {
		msg.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			p.id.Date + "' != '" + day + "', from '" + p.when.Format(timeFormat) + "'.")
	}
	if msg.Len() == 0 {
		return nil
	}
	return newError(SignatureMismatch, strings.TrimSuffix(msg.String(), " "))
}

// checkSignature recomputes the signature and compares it in constant time.
// It tries the canonical path with and without RFC 3986 dot-segment
// normalisation (botocore and the JS SDK normalise, the Go and Java SDKs
// do not) and, for a presigned request without a payload hash header, both
// the body hash and UNSIGNED-PAYLOAD.
func checkSignature(r *http.Request, body []byte, p *parsed, secret string) *Error {
	payloads, err := payloadHashes(r, body, p.id.Presigned)
	if err != nil {
		return err
	}
	escaped := r.URL.EscapedPath()
	paths := []string{escapePath(normalizePath(escaped))}
	if raw := escapePath(escaped); raw != paths[0] {
		paths = append(paths, raw)
	}
	query := canonicalQuery(r.URL.RawQuery, p.id.Presigned)
	headers := canonicalHeaders(r, p.id.SignedHeaders)
	scope := p.id.Date + "/" + p.id.Region + "/" + p.id.Service + "/" + p.id.Terminator
	key := signingKey(secret, p.id.Date, p.id.Region, p.id.Service)
	want := []byte(p.id.Signature)
	var first *Error
	for _, payload := range payloads {
		for _, path := range paths {
			creq := strings.Join([]string{r.Method, path, query, headers, p.signedHeaders, payload}, "\n")
			sum := sha256.Sum256([]byte(creq))
			sts := Algorithm + "\n" + p.when.Format(timeFormat) + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
			sig := hex.EncodeToString(hmacSHA256(key, []byte(sts)))
			if hmac.Equal([]byte(sig), want) {
				return nil
			}
			if first == nil {
				first = &Error{Kind: SignatureMismatch, CanonicalRequest: creq, StringToSign: sts}
			}
		}
	}
	return first
}

// payloadHashes returns the payload hash candidates for the canonical
// request.
func payloadHashes(r *http.Request, body []byte, presigned bool) ([]string, *Error) {
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	declared := r.Header.Get(contentSHAKey)
	switch {
	case declared == "" && presigned:
		return []string{bodyHash, UnsignedPayload}, nil
	case declared == "":
		return []string{bodyHash}, nil
	case isHexSHA256(declared) && !strings.EqualFold(declared, bodyHash):
		// The signature may cover a hash of another body.
		return nil, &Error{Kind: SignatureMismatch}
	}
	return []string{declared}, nil
}

// canonicalHeaders builds the canonical header block for the signed names.
func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, n := range names {
		n = strings.ToLower(n)
		b.WriteString(n)
		b.WriteByte(':')
		for i, v := range headerValues(r, n) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.TrimSpace(stripExcessSpaces(v)))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// headerValues returns the values of the lower-case header name, including
// the ones net/http keeps outside Header.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		if r.Host != "" {
			return []string{r.Host}
		}
		return []string{r.URL.Host}
	case "content-length":
		if vs := r.Header.Values("Content-Length"); len(vs) > 0 {
			return vs
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		return nil
	case "transfer-encoding":
		if vs := r.Header.Values("Transfer-Encoding"); len(vs) > 0 {
			return vs
		}
		return r.TransferEncoding
	}
	if vs, ok := r.Header[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return vs
	}
	for k, vs := range r.Header {
		if strings.EqualFold(k, name) {
			return vs
		}
	}
	return nil
}

// canonicalQuery encodes, sorts and joins the query parameters; a presigned
// request's X-Amz-Signature is left out.
func canonicalQuery(raw string, presigned bool) string {
	if raw == "" {
		return ""
	}
	type pair struct{ k, v string }
	var pairs []pair
	for seg := range strings.SplitSeq(raw, "&") {
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, pair{uriEncode(k, true), uriEncode(v, true)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// queryUnescape decodes a query component; an invalid escape leaves it as
// sent.
func queryUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// escapePath encodes an already-escaped path a second time, keeping '/',
// as the standard signer does for every service but S3.
func escapePath(p string) string { return uriEncode(p, false) }

// uriEncode percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ with
// upper-case hex; '/' is kept unless encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (encodeSlash || s[i] != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!encodeSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// normalizePath removes dot segments and empty segments, as botocore and
// the JS SDK do before signing.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if p[0] == '/' {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if len(out) > 0 && p[len(p)-1] == '/' {
		b.WriteByte('/')
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// stripExcessSpaces trims leading and trailing spaces and collapses runs of
// spaces to one, as the standard signer does.
func stripExcessSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// signingKey derives the SigV4 signing key.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte(terminator))
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
