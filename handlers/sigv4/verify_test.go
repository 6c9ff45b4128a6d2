package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testKey    = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// signCase describes one request to sign with the SDK signer.
type signCase struct {
	name    string
	service string
	method  string
	url     string
	headers map[string]string
	body    string
	// unsigned signs with UNSIGNED-PAYLOAD (header form: also sends
	// X-Amz-Content-Sha256).
	unsigned bool
	presign  bool
	expires  string // X-Amz-Expires for presigned requests
	token    string // session token
	// wire rewrites the signed request before it is sent, keeping its
	// meaning (e.g. another query encoding, what another SDK sends).
	wire func(r *http.Request)
	// signPath, when set, is the path given to the signer while url's path
	// goes on the wire (a normalising SDK such as botocore).
	signPath string
}

func signCases() []signCase {
	return []signCase{
		{name: "kinesis json", service: "kinesis", method: http.MethodPost, url: "http://localhost:4566/",
			headers: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202.ListStreams"},
			body:    `{"Limit":10}`},
		{name: "events empty body", service: "events", method: http.MethodPost, url: "http://localhost:4566/",
			headers: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.ListEventBuses"}},
		{name: "sqs query form", service: "sqs", method: http.MethodPost, url: "http://127.0.0.1:4566/",
			headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
			body:    "Action=SendMessage&MessageBody=hello+w%C3%B6rld&QueueUrl=http%3A%2F%2Flocalhost%2F000000000000%2Fq&Version=2012-11-05"},
		{name: "sns get with encoded query", service: "sns", method: http.MethodGet,
			url: "http://localhost:4566/?Version=2010-03-31&Action=Publish&Message=a%20b%2Bc%2A~%21&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At&a=2&a=1&empty="},
		{name: "sns query with plus for space", service: "sns", method: http.MethodGet,
			url:  "http://localhost:4566/?Action=Publish&Message=x%20y%2Fz",
			wire: func(r *http.Request) { r.URL.RawQuery = "Message=x+y/z&Action=Publish" }},
		{name: "lambda escaped path and qualifier", service: "lambda", method: http.MethodPost,
			url:     "http://localhost:4566/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/invocations?Qualifier=%24LATEST",
			headers: map[string]string{"X-Amz-Invocation-Type": "RequestResponse", "X-Amz-Log-Type": "Tail"},
			body:    `{"k":"v"}`},
		{name: "schemas path with space", service: "schemas", method: http.MethodGet,
			url: "http://localhost:4566/v1/registries/name/my%20reg/schemas?limit=10&schemaNamePrefix=a%2Fb"},
		{name: "lambda dot segments go style", service: "lambda", method: http.MethodGet,
			url: "http://localhost:4566/2015-03-31/functions/./f/../g/configuration"},
		{name: "botocore style normalised path", service: "lambda", method: http.MethodGet,
			url: "http://localhost:4566/2015-03-31//functions/./g/configuration", signPath: "/2015-03-31/functions/g/configuration"},
		{name: "header spaces and token", service: "glue", method: http.MethodPost, url: "http://localhost:4566/",
			headers: map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSGlue.GetRegistry", "X-Custom": "a   b  c"},
			body:    `{}`, token: "session-token/with+chars="},
		{name: "unsigned payload header", service: "kinesis", method: http.MethodPost, url: "http://localhost:4566/",
			headers:  map[string]string{"X-Amz-Target": "Kinesis_20131202.PutRecord"},
			body:     `{"Data":"eA=="}`,
			unsigned: true},
		{name: "presigned get", service: "sqs", method: http.MethodGet,
			url:     "http://localhost:4566/000000000000/q?Action=ReceiveMessage&Version=2012-11-05",
			presign: true, expires: "300"},
		{name: "presigned unsigned payload", service: "sns", method: http.MethodGet,
			url:     "http://localhost:4566/?Action=ListTopics&Version=2010-03-31",
			presign: true, unsigned: true, expires: "900", token: "tok"},
		{name: "presigned post with body hash", service: "lambda", method: http.MethodPost,
			url:     "http://localhost:4566/2015-03-31/functions/f%20x/invocations",
			body:    `{"a":1}`,
			presign: true},
	}
}

// signed signs c with secret and returns the request as a server reads it.
func signed(t testing.TB, c signCase, secret string) (*http.Request, []byte) {
	t.Helper()
	signURL := c.url
	if c.signPath != "" {
		i := strings.Index(c.url[len("http://"):], "/") + len("http://")
		signURL = c.url[:i] + c.signPath
	}
	r, err := http.NewRequestWithContext(context.Background(), c.method, signURL, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.headers {
		r.Header.Set(k, v)
	}
	hash := hexSHA(c.body)
	if c.unsigned {
		hash = UnsignedPayload
		if !c.presign {
			r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
		}
	}
	creds := aws.Credentials{AccessKeyID: testKey, SecretAccessKey: secret, SessionToken: c.token}
	signer := v4.NewSigner()
	if c.presign {
		if c.expires != "" {
			q := r.URL.Query()
			q.Set("X-Amz-Expires", c.expires)
			r.URL.RawQuery = q.Encode()
		}
		u, hdr, err := signer.PresignHTTP(context.Background(), creds, r, hash, c.service, "us-east-1", signTime())
		if err != nil {
			t.Fatal(err)
		}
		r, err = http.NewRequestWithContext(context.Background(), c.method, u, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range hdr {
			if k != "Host" {
				r.Header[k] = vs
			}
		}
	} else if err := signer.SignHTTP(context.Background(), creds, r, hash, c.service, "us-east-1", signTime()); err != nil {
		t.Fatal(err)
	}
	if c.signPath != "" {
		wire, err := http.NewRequestWithContext(context.Background(), c.method, c.url, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		wire.Header = r.Header
		wire.URL.RawQuery = r.URL.RawQuery
		r = wire
	}
	if c.wire != nil {
		c.wire(r)
	}
	return roundTrip(t, r)
}

// roundTrip serialises r and reads it back as net/http's server does.
func roundTrip(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sr, body
}

func hexSHA(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// signTime is when every test request is signed.
func signTime() time.Time { return time.Date(2025, 1, 1, 12, 30, 45, 0, time.UTC) }

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newTestVerifier(now time.Time) *Verifier {
	return NewVerifier(map[string]string{testKey: testSecret}, fixedClock(now))
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func TestVerifyAcceptsSDKSignatures(t *testing.T) {
	t.Parallel()
	v := newTestVerifier(signTime().Add(time.Minute))
	for _, c := range signCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, body := signed(t, c, testSecret)
			if err := v.Verify(r, body); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if err := v.VerifyService(r, body, c.service); err != nil {
				t.Fatalf("VerifyService(%q): %v", c.service, err)
			}
			id, err := Parse(r)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if id.AccessKey != testKey || id.Service != c.service || id.Region != "us-east-1" || id.Date != "20250101" || id.Presigned != c.presign {
				t.Errorf("Parse = %+v", id)
			}
		})
	}
}

func TestVerifyRejectsTampering(t *testing.T) {
	t.Parallel()
	v := newTestVerifier(signTime().Add(time.Minute))
	tampers := []struct {
		name string
		// apply changes the server-side request or body.
		apply func(r *http.Request, body []byte) []byte
		// allowedWhenUnsigned: the change is not covered by UNSIGNED-PAYLOAD.
		allowedWhenUnsigned bool
	}{
		{name: "body", apply: func(_ *http.Request, b []byte) []byte { return append(bytes.Clone(b), 'x') }, allowedWhenUnsigned: true},
		{name: "extra query", apply: func(r *http.Request, b []byte) []byte {
			if r.URL.RawQuery != "" {
				r.URL.RawQuery += "&"
			}
			r.URL.RawQuery += "extra=1"
			return b
		}},
		{name: "host", apply: func(r *http.Request, b []byte) []byte { r.Host = "evil.example:4566"; return b }},
		{name: "method", apply: func(r *http.Request, b []byte) []byte { r.Method = http.MethodPut; return b }},
		{name: "path", apply: func(r *http.Request, b []byte) []byte { r.URL.Path += "x"; r.URL.RawPath = ""; return b }},
		{name: "signed header", apply: func(r *http.Request, b []byte) []byte {
			if r.Header.Get("X-Amz-Security-Token") != "" {
				r.Header.Set("X-Amz-Security-Token", "other")
			}
			r.Header.Set("X-Amz-Date", signTime().Add(time.Second).Format(timeFormat))
			if r.URL.Query().Get("X-Amz-Date") != "" {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Date=20250101T123045Z", "X-Amz-Date=20250101T123046Z", 1)
				r.Header.Del("X-Amz-Date")
			}
			return b
		}},
	}
	for _, c := range signCases() {
		for _, tp := range tampers {
			t.Run(c.name+"/"+tp.name, func(t *testing.T) {
				t.Parallel()
				r, body := signed(t, c, testSecret)
				body = tp.apply(r, body)
				err := v.Verify(r, body)
				if c.unsigned && tp.allowedWhenUnsigned {
					if err != nil {
						t.Fatalf("UNSIGNED-PAYLOAD request rejected after %s change: %v", tp.name, err)
					}
					return
				}
				if kindOf(err) != SignatureMismatch {
					t.Fatalf("Verify after %s change = %v, want SignatureMismatch", tp.name, err)
				}
			})
		}
		t.Run(c.name+"/wrong secret", func(t *testing.T) {
			t.Parallel()
			r, body := signed(t, c, testSecret+"x")
			err := v.Verify(r, body)
			if kindOf(err) != SignatureMismatch {
				t.Fatalf("Verify = %v, want SignatureMismatch", err)
			}
			var e *Error
			errors.As(err, &e)
			if e.CanonicalRequest == "" || !strings.HasPrefix(e.StringToSign, Algorithm+"\n20250101T123045Z\n20250101/us-east-1/"+c.service+"/aws4_request\n") {
				t.Errorf("mismatch details = %q / %q", e.CanonicalRequest, e.StringToSign)
			}
		})
		t.Run(c.name+"/unknown key", func(t *testing.T) {
			t.Parallel()
			r, body := signed(t, c, testSecret)
			other := NewVerifier(map[string]string{"AKIDOTHER": testSecret}, fixedClock(signTime()))
			if err := other.Verify(r, body); kindOf(err) != UnknownAccessKey {
				t.Fatalf("Verify = %v, want UnknownAccessKey", err)
			}
		})
	}
}

func TestVerifyWrongService(t *testing.T) {
	t.Parallel()
	r, body := signed(t, signCases()[0], testSecret)
	err := newTestVerifier(signTime()).VerifyService(r, body, "sqs")
	var e *Error
	if !errors.As(err, &e) || e.Kind != SignatureMismatch || e.Message != "Credential should be scoped to correct service: 'sqs'." {
		t.Fatalf("VerifyService = %v", err)
	}
}

func TestVerifyClock(t *testing.T) {
	t.Parallel()
	byName := map[string]signCase{}
	for _, c := range signCases() {
		byName[c.name] = c
	}
	tests := []struct {
		name     string
		c        string
		offset   time.Duration // now - signing time
		wantKind Kind
		wantMsg  string
	}{
		{"sqs within 15 min", "sqs query form", 14 * time.Minute, 0, ""},
		{"sqs expired", "sqs query form", 16 * time.Minute, RequestTimeTooSkewed,
			"Signature expired: 20250101T123045Z is now earlier than 20250101T123145Z (20250101T124645Z - 15 min.)"},
		{"sqs not yet current", "sqs query form", -16 * time.Minute, RequestTimeTooSkewed,
			"Signature not yet current: 20250101T123045Z is still later than 20250101T122945Z (20250101T121445Z + 15 min.)"},
		{"kinesis 5 min window", "kinesis json", 6 * time.Minute, RequestTimeTooSkewed,
			"Signature expired: 20250101T123045Z is now earlier than 20250101T123145Z (20250101T123645Z - 5 min.)"},
		{"kinesis within 5 min", "kinesis json", 4 * time.Minute, 0, ""},
		{"presigned within expiry", "presigned get", 299 * time.Second, 0, ""},
		{"presigned expired", "presigned get", 301 * time.Second, Expired, ""},
		{"presigned from the future", "presigned get", -16 * time.Minute, RequestTimeTooSkewed,
			"Signature not yet current: 20250101T123045Z is still later than 20250101T122945Z (20250101T121445Z + 15 min.)"},
		{"presigned without expires uses window", "presigned post with body hash", 6 * time.Minute, RequestTimeTooSkewed,
			"Signature expired: 20250101T123045Z is now earlier than 20250101T123145Z (20250101T123645Z - 5 min.)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, body := signed(t, byName[tt.c], testSecret)
			err := newTestVerifier(signTime().Add(tt.offset)).Verify(r, body)
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.wantKind || e.Message != tt.wantMsg {
				t.Fatalf("Verify = %#v, want kind %v message %q", err, tt.wantKind, tt.wantMsg)
			}
		})
	}
}

func TestVerifyCustomSkew(t *testing.T) {
	t.Parallel()
	r, body := signed(t, signCases()[0], testSecret)
	v := NewVerifier(map[string]string{testKey: testSecret}, fixedClock(signTime().Add(10*time.Minute)),
		WithMaxSkew(func(string) time.Duration { return time.Hour }))
	if err := v.Verify(r, body); err != nil {
		t.Fatalf("Verify with 1h window: %v", err)
	}
}

func TestVerifyRequestErrors(t *testing.T) {
	t.Parallel()
	v := newTestVerifier(signTime())
	date := signTime().Format(timeFormat)
	cred := "Credential=" + testKey + "/20250101/us-east-1/kinesis/aws4_request"
	tests := []struct {
		name     string
		auth     string
		query    string
		date     string
		wantKind Kind
		wantMsg  string
	}{
		{name: "unsigned", wantKind: MissingAuthentication},
		{name: "sigv2 style", auth: "AWS " + testKey + ":abc", wantKind: MissingAuthentication},
		{name: "host not signed", auth: Algorithm + " " + cred + ", SignedHeaders=x-amz-date, Signature=abc", date: date,
			wantKind: SignatureMismatch, wantMsg: "'Host' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "bad algorithm", auth: "AWS4-HMAC-SHA1 " + cred + ", SignedHeaders=host;x-amz-date, Signature=abc", date: date,
			wantKind: IncompleteSignature, wantMsg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now). "},
		{name: "scope errors", auth: Algorithm + " Credential=" + testKey + "/20241231//kinesis/aws5_request, SignedHeaders=host;x-amz-date, Signature=abc", date: date,
			wantKind: SignatureMismatch,
			wantMsg: "Credential should be scoped to a valid region, not ''. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20241231' != '20250101', from '20250101T123045Z'."},
		{name: "skew before algorithm", auth: "AWS4-X " + cred + ", SignedHeaders=host, Signature=abc", date: "20240101T000000Z",
			wantKind: RequestTimeTooSkewed,
			wantMsg:  "Signature expired: 20240101T000000Z is now earlier than 20250101T122545Z (20250101T123045Z - 5 min.)"},
		{name: "both forms", auth: Algorithm + " " + cred, query: "X-Amz-Algorithm=" + Algorithm,
			wantKind: SignatureMismatch, wantMsg: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "unknown key", auth: Algorithm + " Credential=AKIDNOPE/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc", date: date,
			wantKind: UnknownAccessKey},
		{name: "bad signature", auth: Algorithm + " " + cred + ", SignedHeaders=host;x-amz-date, Signature=abc", date: date,
			wantKind: SignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://localhost/?"+tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if tt.date != "" {
				r.Header.Set("X-Amz-Date", tt.date)
			}
			err = v.Verify(r, nil)
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.wantKind || (tt.wantMsg != "" && e.Message != tt.wantMsg) {
				t.Fatalf("Verify = %#v, want kind %v message %q", err, tt.wantKind, tt.wantMsg)
			}
		})
	}
}

func TestVerifyDeclaredHashMismatch(t *testing.T) {
	t.Parallel()
	c := signCases()[0]
	r, body := signed(t, c, testSecret)
	r.Header.Set("X-Amz-Content-Sha256", hexSHA("other body"))
	if err := newTestVerifier(signTime()).Verify(r, body); kindOf(err) != SignatureMismatch {
		t.Fatalf("Verify = %v, want SignatureMismatch", err)
	}
}

func TestNewVerifierCopiesSecrets(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{testKey: testSecret}
	v := NewVerifier(secrets, nil)
	delete(secrets, testKey)
	r, body := signed(t, signCases()[0], testSecret)
	err := v.Verify(r, body)
	// The real clock is far past signTime(): the key must still be known, so
	// the failure is the clock, not the key.
	if kindOf(err) != RequestTimeTooSkewed {
		t.Fatalf("Verify = %v, want RequestTimeTooSkewed", err)
	}
}

func TestCanonicalHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"query sorted after encoding", canonicalQuery("b=a-b&b=a/b&a=x y&c", false), "a=x%20y&b=a%2Fb&b=a-b&c="},
		{"query drops presigned signature", canonicalQuery("X-Amz-Signature=abc&a=1", true), "a=1"},
		{"query keeps signature param unless presigned", canonicalQuery("X-Amz-Signature=abc", false), "X-Amz-Signature=abc"},
		{"query invalid escape kept", canonicalQuery("a=%zz", false), "a=%25zz"},
		{"path double encoded", escapePath("/a%3Ab/c d"), "/a%253Ab/c%20d"},
		{"normalize dots", normalizePath("/a/./b/../c/"), "/a/c/"},
		{"normalize double slash", normalizePath("//a//b"), "/a/b"},
		{"normalize root", normalizePath("/.."), "/"},
		{"normalize empty", normalizePath(""), "/"},
		{"strip spaces", stripExcessSpaces("  a   b c  "), "a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
