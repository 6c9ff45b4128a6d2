// Package sigv4 reads and checks AWS Signature Version 4 authentication.
//
// Parse extracts the signer's identity from a request cheaply and is meant
// to run on every request. Verifier recomputes the signature the way AWS
// does and reports failures as *Error values, which AWSError renders as the
// error a real AWS service of the request's protocol family returns.
package sigv4

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm SigV4 services accept.
const Algorithm = "AWS4-HMAC-SHA256"

// timeFormat is the ISO-8601 basic format of X-Amz-Date.
const timeFormat = "20060102T150405Z"

// maxPresignExpires is the longest X-Amz-Expires AWS accepts (seven days).
const maxPresignExpires = 604800

// Identity is who signed a request and how, as the request states it. It is
// not proof of anything until a Verifier accepted the request.
type Identity struct {
	// AccessKey is the access key id of the credential scope.
	AccessKey string
	// Date is the credential scope date, YYYYMMDD.
	Date string
	// Region and Service are the credential scope's region and service.
	Region  string
	Service string
	// Terminator is the credential scope's last element, "aws4_request".
	Terminator string
	// Time is the request timestamp (X-Amz-Date, or Date) as sent.
	Time string
	// SignedHeaders lists the signed header names in the order given.
	SignedHeaders []string
	// Signature is the hex signature the client sent.
	Signature string
	// Presigned marks query-string (presigned URL) authentication.
	Presigned bool
	// Expires is X-Amz-Expires of a presigned request, as sent.
	Expires string
}

// Signed reports whether the request carried SigV4 authentication.
func (id Identity) Signed() bool { return id.Signature != "" || id.AccessKey != "" }

// parsed is the outcome of parsing, with what Verify needs beyond Identity.
type parsed struct {
	id        Identity
	signed    bool
	algorithm string
	// signedHeaders is the SignedHeaders value exactly as sent.
	signedHeaders string
	// when is the request time; zero when Time was malformed.
	when time.Time
	// late is a structural error AWS reports only after its clock and host
	// checks (unsupported algorithm, malformed credential).
	late *Error
	// query holds the parsed query string of a presigned request.
	query url.Values
}

// Parse extracts the SigV4 identity of r from its Authorization header or
// its presigned query parameters. An unsigned request yields an empty
// Identity and no error. A malformed signature yields an *Error (kind
// IncompleteSignature, or SignatureMismatch when both forms are present)
// together with whatever parts could be read.
func Parse(r *http.Request) (Identity, error) {
	p, err := parse(r)
	if err != nil {
		return p.id, err
	}
	if p.late != nil {
		return p.id, p.late
	}
	return p.id, nil
}

// ParseAny is Parse for a front end that reads every Authorization header
// as a SigV4 one, as Kinesis's does (kinesalite's recordings of Kinesis,
// mhart/kinesalite test/connection.js: "Authorization: X" is answered
// with IncompleteSignatureException listing the missing Credential,
// Signature, SignedHeaders and date). Parse instead treats a header of
// another scheme as no signature.
func ParseAny(r *http.Request) (Identity, error) {
	p, err := parseAs(r, true)
	if err != nil {
		return p.id, err
	}
	if p.late != nil {
		return p.id, p.late
	}
	return p.id, nil
}

// Present reports whether r carries any authentication AWS's front ends
// look for: an Authorization header, or an X-Amz-Algorithm query parameter
// (even empty). A request without either is answered with
// MissingAuthenticationToken.
func Present(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || hasQueryKey(r.URL.RawQuery, "X-Amz-Algorithm")
}

// MissingToken is the failure for a request without authentication,
// worded msg (empty for the protocol's standard text).
func MissingToken(msg string) *Error { return newError(MissingAuthentication, msg) }

// parse reads r's authentication. The returned error is one AWS reports
// before looking at the clock; later structural errors go to p.late.
func parse(r *http.Request) (parsed, *Error) { return parseAs(r, false) }

// parseAs is parse; anyScheme reads an Authorization header that does not
// start with "AWS4-" as a (malformed) SigV4 header instead of ignoring it.
func parseAs(r *http.Request, anyScheme bool) (parsed, *Error) {
	var p parsed
	auth := r.Header.Get("Authorization")
	presign := hasQueryKey(r.URL.RawQuery, "X-Amz-Algorithm")
	if presign {
		if auth != "" {
			return p, newError(SignatureMismatch, "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
		}
		return parseQuery(r)
	}
	if auth == "" || (!anyScheme && !strings.HasPrefix(strings.TrimSpace(auth), "AWS4-")) {
		return p, nil
	}
	return parseHeader(r, auth)
}

// parseHeader parses the Authorization header form.
func parseHeader(r *http.Request, auth string) (parsed, *Error) {
	p := parsed{signed: true}
	rest := strings.TrimSpace(auth)
	p.algorithm, rest, _ = strings.Cut(rest, " ")
	var cred, sig, sh string
	var haveCred, haveSig, haveSH bool
	for tok := range strings.FieldsFuncSeq(rest, isAuthSep) {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			return p, newError(IncompleteSignature, "'"+tok+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+auth+"'.")
		}
		switch k {
		case "Credential":
			cred, haveCred = v, v != ""
		case "Signature":
			sig, haveSig = v, v != ""
		case "SignedHeaders":
			sh, haveSH = v, true
		}
	}
	p.id.Signature = sig
	p.signedHeaders = sh
	p.id.SignedHeaders = splitSignedHeaders(sh)
	date := r.Header.Get("X-Amz-Date")
	fromDateHeader := false
	if date == "" {
		date, fromDateHeader = r.Header.Get("Date"), true
	}
	p.id.Time = date
	var msg strings.Builder
	if !haveCred {
		msg.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if !haveSig {
		msg.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !haveSH {
		msg.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if date == "" {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	p.late = p.setCredential(cred)
	if msg.Len() > 0 {
		msg.WriteString("Authorization=")
		msg.WriteString(auth)
		return p, newError(IncompleteSignature, msg.String())
	}
	if err := p.setTime(date, fromDateHeader); err != nil {
		return p, err
	}
	if p.algorithm != Algorithm {
		p.late = newError(IncompleteSignature, "Unsupported AWS 'algorithm': '"+p.algorithm+"' (only "+Algorithm+" for now). ")
	}
	return p, nil
}

// parseQuery parses the presigned query-string form.
func parseQuery(r *http.Request) (parsed, *Error) {
	p := parsed{signed: true}
	p.id.Presigned = true
	q, _ := url.ParseQuery(r.URL.RawQuery) // malformed pairs are skipped, as url.URL.Query does
	p.query = q
	p.algorithm = q.Get("X-Amz-Algorithm")
	cred := q.Get("X-Amz-Credential")
	p.id.Signature = q.Get("X-Amz-Signature")
	p.signedHeaders = q.Get("X-Amz-SignedHeaders")
	p.id.SignedHeaders = splitSignedHeaders(p.signedHeaders)
	p.id.Time = q.Get("X-Amz-Date")
	p.id.Expires = q.Get("X-Amz-Expires")
	p.late = p.setCredential(cred)
	var msg strings.Builder
	for _, k := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if q.Get(k) == "" {
			msg.WriteString("AWS query-string parameters must include '" + k + "'. ")
		}
	}
	if msg.Len() > 0 {
		msg.WriteString("Re-examine the query-string parameters.")
		return p, newError(IncompleteSignature, msg.String())
	}
	if err := p.setTime(p.id.Time, false); err != nil {
		return p, err
	}
	if _, ok := q["X-Amz-Expires"]; ok {
		n, err := strconv.ParseInt(p.id.Expires, 10, 64)
		switch {
		case err != nil:
			return p, newError(IncompleteSignature, "X-Amz-Expires should be a number")
		case n < 0:
			return p, newError(IncompleteSignature, "X-Amz-Expires must be non-negative")
		case n > maxPresignExpires:
			return p, newError(IncompleteSignature, "X-Amz-Expires must be less than a week (in seconds) that is, the given X-Amz-Expires must be less than 604800 seconds")
		}
	}
	if p.algorithm != Algorithm {
		p.late = newError(IncompleteSignature, "Unsupported AWS 'algorithm': '"+p.algorithm+"' (only "+Algorithm+" for now). ")
	}
	return p, nil
}

// setCredential splits a credential "AKID/date/region/service/aws4_request"
// and returns the error AWS gives for a malformed one.
func (p *parsed) setCredential(cred string) *Error {
	if cred == "" {
		return nil
	}
	// strings.Split's parts, without its slice: this runs on every request.
	s := strings.TrimRight(cred, "/")
	n := strings.Count(s, "/") + 1
	p.id.AccessKey, s, _ = strings.Cut(s, "/")
	if n != 5 {
		return newError(IncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+cred+"'")
	}
	p.id.Date, s, _ = strings.Cut(s, "/")
	p.id.Region, s, _ = strings.Cut(s, "/")
	p.id.Service, p.id.Terminator, _ = strings.Cut(s, "/")
	return nil
}

// setTime parses the request time. A Date header may also use the HTTP
// date format.
func (p *parsed) setTime(v string, httpDate bool) *Error {
	if t, ok := parseBasicTime(v); ok {
		p.when = t
		return nil
	}
	t, err := time.Parse(timeFormat, v)
	if err != nil && httpDate {
		if ht, herr := http.ParseTime(v); herr == nil {
			t, err = ht.UTC(), nil
		}
	}
	if err != nil {
		return newError(IncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '"+v+"'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	p.when = t
	return nil
}

// parseBasicTime is time.Parse(timeFormat, v) for the times it accepts,
// without its generality (it runs on every request); false sends the
// caller to time.Parse.
func parseBasicTime(v string) (time.Time, bool) {
	if len(v) != len(timeFormat) || v[8] != 'T' || v[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) int {
		n := 0
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d := num(v[0:4]), num(v[4:6]), num(v[6:8])
	h, mi, sec := num(v[9:11]), num(v[11:13]), num(v[13:15])
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // past the month's end
		return time.Time{}, false
	}
	return t, true
}

// isAuthSep reports whether c separates Authorization header parameters.
func isAuthSep(c rune) bool { return c == ',' || c == ' ' || c == '\t' }

// splitSignedHeaders splits "host;x-amz-date" into names.
func splitSignedHeaders(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ";")
}

// hasQueryKey reports whether the raw query has a parameter named key,
// without decoding the whole query.
func hasQueryKey(raw, key string) bool {
	for off := 0; off < len(raw); {
		i := strings.Index(raw[off:], key)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(key)
		if (i == 0 || raw[i-1] == '&') && (end == len(raw) || raw[end] == '=' || raw[end] == '&') {
			return true
		}
		off = end
	}
	return false
}

// AccountFor returns the account an access key id maps to: a 12-digit key
// id is itself the account id, any other key the default account.
func AccountFor(accessKey, defaultAccount string) string {
	if len(accessKey) != 12 {
		return defaultAccount
	}
	for i := 0; i < len(accessKey); i++ {
		if accessKey[i] < '0' || accessKey[i] > '9' {
			return defaultAccount
		}
	}
	return accessKey
}
