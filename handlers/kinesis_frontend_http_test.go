package handlers_test

// The Kinesis front end as AWS's answers it before any operation runs,
// over real HTTP (no content type sniffed, exact bytes). The expected
// answers are kinesalite's recordings of Kinesis (mhart/kinesalite
// test/connection.js): the latest version of that file where it recorded a
// case, the older one (XML MissingAuthenticationTokenException for
// unsigned requests that cannot be routed) where the latest has no
// recording.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers"
	"github.com/evolvestack/evolvestack/handlers/sigv4"
)

// kfKinesis is a Kinesis with one operation, enough to tell a request
// that reached the service from one the front end answered.
type kfKinesis struct{}

func (kfKinesis) ListStreams(context.Context, *kinesis.ListStreamsInput) (*kinesis.ListStreamsOutput, error) {
	return &kinesis.ListStreamsOutput{StreamNames: []string{}, HasMoreStreams: new(false)}, nil
}

type kfSQS struct{}

func (kfSQS) ListQueues(context.Context, *sqs.ListQueuesInput) (*sqs.ListQueuesOutput, error) {
	return &sqs.ListQueuesOutput{}, nil
}

type kfBackend struct{ clk *clock.Clock }

func (kfBackend) Descriptors() []*awsapi.ServiceDescriptor {
	return []*awsapi.ServiceDescriptor{kinesis.Descriptor(), sqs.Descriptor()}
}

func (kfBackend) Service(name string, _ awsapi.Scope) any {
	if name == "sqs" {
		return kfSQS{}
	}
	return kfKinesis{}
}
func (b kfBackend) Admin() handlers.Admin    { return b }
func (kfBackend) Health() handlers.Health    { return handlers.Health{Status: "ready"} }
func (kfBackend) Reset(string, string) error { return nil }
func (b kfBackend) Clock() *clock.Clock      { return b.clk }

const (
	kfKey    = "AKIDEXAMPLE"
	kfSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// kfServer serves a handler over real HTTP (default guard: loopback
// hosts and origins) and returns its URL.
func kfServer(t *testing.T, strict bool) string {
	t.Helper()
	cfg := handlers.Config{
		Backend:        kfBackend{clk: clock.New()},
		Logger:         slog.New(slog.DiscardHandler),
		DefaultRegion:  "us-east-1",
		DefaultAccount: "000000000000",
	}
	if strict {
		cfg.Verifier = sigv4.NewVerifier(map[string]string{kfKey: kfSecret}, nil)
	}
	srv := httptest.NewServer(handlers.New(cfg))
	t.Cleanup(srv.Close)
	return srv.URL
}

// kfAnswer is a response as the client saw it.
type kfAnswer struct {
	status int
	header http.Header
	body   []byte
}

// kfDo sends one request exactly as given: no compression, no redirects,
// no headers but Host, User-Agent, Content-Length and those given.
func kfDo(t *testing.T, r *http.Request) kfAnswer {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	resp, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return kfAnswer{resp.StatusCode, resp.Header, body}
}

func kfRequest(t *testing.T, base, method, path string, headers map[string]string, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequestWithContext(context.Background(), method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// kfSigned is a complete (unverified) SigV4 Authorization for Kinesis, as
// an SDK sends it: the emulator checks its form in every auth mode.
var kfSigned = map[string]string{
	"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd",
	"X-Amz-Date":    "20250101T000000Z",
}

func kfWith(base map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// What Kinesis answers (kinesalite's recordings).
const (
	kfXMLMissing = "<MissingAuthenticationTokenException>\n  <Message>Missing Authentication Token</Message>\n</MissingAuthenticationTokenException>\n"
	kfXMLDenied  = "<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n"
	kfXMLUnknown = "<UnknownOperationException/>\n"
	// bf 66 "__type" 78 19 "UnknownOperationException" ff
	kfCBORUnknown = "\xbf\x66__type\x78\x19UnknownOperationException\xff"
	// bf 66 "__type" 76 "SerializationException" ff
	kfCBORSerialization = "\xbf\x66__type\x76SerializationException\xff"
	kfCBORMissing       = "\xbf\x66__type\x78\x23MissingAuthenticationTokenException\x67message\x78\x1cMissing Authentication Token\xff"
	kfJSONUnknown       = `{"__type":"UnknownOperationException"}`
	kfJSONSerialization = `{"__type":"SerializationException"}`
	kfJSONMissing       = `{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}`
	kfLegacyUnknown     = `{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException","message":null},"Version":"1.0"}`
	kfLegacySerial      = `{"Output":{"__type":"com.amazon.coral.service#SerializationException","Message":null},"Version":"1.0"}`
	kfIncompleteX       = `{"__type":"IncompleteSignatureException","message":"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=X"}`
	kfBothForms         = `{"__type":"InvalidSignatureException","message":"Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."}`
	kfIncompleteQuery   = `{"__type":"IncompleteSignatureException","message":"AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."}`
	kfIncompleteSH      = `{"__type":"IncompleteSignatureException","message":"AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."}`
	kfListStreamsOK     = `{"StreamNames":[],"HasMoreStreams":false}`

	kfJSON   = "application/x-amz-json-1.1"
	kfCBOR   = "application/x-amz-cbor-1.1"
	kfOrigin = "http://localhost:3000"
	// kfExpose is what Kinesis exposes to browser scripts (kinesalite's
	// latest recording).
	kfExpose = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date"
)

var kfUUID = regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)

// kfCase is one request and the exact answer expected.
type kfCase struct {
	name    string
	method  string
	path    string
	headers map[string]string
	body    string
	status  int
	ctype   string // exact Content-Type; "" means none
	want    string // exact body
	// also are further headers: "" means the header must be absent.
	also map[string]string
	// noID2: the answer carries no x-amz-id-2 (a CORS preflight).
	noID2 bool
}

func (c kfCase) check(t *testing.T, a kfAnswer) {
	t.Helper()
	if a.status != c.status {
		t.Errorf("status %d, want %d (body %q)", a.status, c.status, a.body)
	}
	if string(a.body) != c.want {
		t.Errorf("body\n %q\nwant\n %q", a.body, c.want)
	}
	if got := a.header.Get("Content-Type"); got != c.ctype || (c.ctype == "" && len(a.header.Values("Content-Type")) > 0) {
		t.Errorf("Content-Type %q, want %q", got, c.ctype)
	}
	if got := a.header.Get("Content-Length"); got != strconv.Itoa(len(a.body)) {
		t.Errorf("Content-Length %q for %d bytes", got, len(a.body))
	}
	if id := a.header.Get("X-Amzn-Requestid"); !kfUUID.MatchString(id) {
		t.Errorf("x-amzn-RequestId %q", id)
	}
	id2 := a.header.Get("X-Amz-Id-2")
	if c.noID2 {
		if id2 != "" {
			t.Errorf("x-amz-id-2 %q on a preflight", id2)
		}
	} else if raw, err := base64.StdEncoding.DecodeString(id2); err != nil || len(raw) < 72 || len(raw) > 80 {
		t.Errorf("x-amz-id-2 %q: %d bytes, %v", id2, len(raw), err)
	}
	for k, v := range c.also {
		if got := a.header.Get(k); got != v || (v == "" && len(a.header.Values(k)) > 0) {
			t.Errorf("%s %q, want %q", k, got, v)
		}
	}
}

// TestKinesisFrontEnd checks, over HTTP, what the front end answers to
// Kinesis requests before (and instead of) any operation, in the default
// auth mode.
func TestKinesisFrontEnd(t *testing.T) {
	t.Parallel()
	base := kfServer(t, false)
	target := func(op string) map[string]string { return map[string]string{"X-Amz-Target": "Kinesis_20131202." + op} }
	named := map[string]string{"X-Amz-Target": "Kinesis_20131202"} // names Kinesis, no operation
	jsonLS := map[string]string{"Content-Type": kfJSON, "X-Amz-Target": "Kinesis_20131202.ListStreams"}
	tests := []kfCase{
		// Requests the front end cannot route (latest recordings: CBOR for a
		// POST without body, whatever its content type or target).
		{name: "POST no auth no body", method: "POST", headers: named, status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "GET signed", method: "GET", headers: kfSigned, status: 403, want: kfXMLDenied},
		{name: "PUT signed", method: "PUT", headers: kfSigned, status: 403, want: kfXMLDenied},
		{name: "DELETE signed", method: "DELETE", headers: kfSigned, status: 403, want: kfXMLDenied},
		{name: "POST signed no body", method: "POST", headers: kfSigned, status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "POST signed body no content type", method: "POST", headers: kfSigned, body: "{}", status: 403, want: kfXMLDenied},
		{name: "POST signed body form content type", method: "POST", headers: kfWith(kfSigned, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), body: "{}", status: 403, want: kfXMLDenied},
		{name: "x-amz-json-1.0 content type", method: "POST", headers: kfWith(kfSigned, "Content-Type", "application/x-amz-json-1.0"), status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "random content type", method: "POST", headers: kfWith(kfSigned, "Content-Type", "application/x-amz-json-1.1asdf"), status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "random target", method: "POST", headers: kfWith(kfSigned, "X-Amz-Target", "Whatever"), status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "empty action", method: "POST", headers: kfWith(kfSigned, "X-Amz-Target", "Kinesis_20131202."), status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "random action", method: "POST", headers: kfWith(kfSigned, "X-Amz-Target", "Kinesis_20131202.Whatever"), status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "random service and action", method: "POST", headers: kfWith(kfSigned, "X-Amz-Target", "Whatever.Whatever"), status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "incomplete action", method: "POST", headers: kfWith(kfSigned, "X-Amz-Target", "Kinesis_20131202.ListStream"), status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "target no content type no body", method: "POST", headers: kfWith(kfSigned, "X-Amz-Target", "Kinesis_20131202.ListStreams"), status: 400, ctype: kfCBOR, want: kfCBORSerialization},
		{name: "target wrong content type with body", method: "POST", headers: kfWith(kfSigned, "X-Amz-Target", "Kinesis_20131202.ListStreams", "Content-Type", "text/plain"), body: "{}", status: 404, want: kfXMLUnknown},
		{name: "origin allowed", method: "POST", headers: kfWith(kfSigned, "Origin", kfOrigin), status: 400, ctype: kfCBOR, want: kfCBORUnknown,
			also: map[string]string{"Access-Control-Allow-Origin": kfOrigin, "Access-Control-Expose-Headers": kfExpose}},
		// Older recordings, where the latest has none: unsigned requests
		// that cannot be routed.
		{name: "OPTIONS no origin no auth", method: "OPTIONS", headers: named, status: 403, want: kfXMLMissing},
		{name: "GET no auth", method: "GET", headers: target("ListStreams"), status: 403, want: kfXMLMissing},
		{name: "PUT no auth", method: "PUT", headers: target("ListStreams"), status: 403, want: kfXMLMissing},
		{name: "POST no auth body no content type", method: "POST", headers: named, body: "{}", status: 403, want: kfXMLMissing},
		{name: "OPTIONS no origin signed", method: "OPTIONS", headers: kfSigned, status: 403, want: kfXMLDenied},

		// JSON.
		{name: "json no target", method: "POST", headers: kfWith(kfSigned, "Content-Type", kfJSON), status: 400, ctype: kfJSON, want: kfJSONUnknown},
		{name: "json no operation no auth", method: "POST", headers: kfWith(named, "Content-Type", kfJSON), status: 400, ctype: kfJSON, want: kfJSONUnknown},
		{name: "application/json no target", method: "POST", headers: kfWith(kfSigned, "Content-Type", "application/json"), status: 400, ctype: kfCBOR, want: kfCBORUnknown},
		{name: "application/json target no body", method: "POST", headers: kfWith(kfSigned, "Content-Type", "application/json", "X-Amz-Target", "Kinesis_20131202.ListStreams"), status: 400, ctype: kfCBOR, want: kfCBORSerialization},
		{name: "json no body", method: "POST", headers: kfWith(kfSigned, "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.ListStreams"), status: 400, ctype: kfJSON, want: kfJSONSerialization},
		{name: "json no body no auth", method: "POST", headers: jsonLS, status: 400, ctype: kfJSON, want: kfJSONSerialization},
		{name: "json not JSON no auth", method: "POST", headers: jsonLS, body: "hello", status: 400, ctype: kfJSON, want: kfJSONSerialization},
		{name: "json not JSON signed", method: "POST", headers: kfWith(kfSigned, "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.ListStreams"), body: "hello", status: 400, ctype: kfJSON, want: kfJSONSerialization},
		{name: "json not JSON unknown target", method: "POST", headers: kfWith(kfSigned, "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.Nope"), body: "hello", status: 400, ctype: kfJSON, want: kfJSONSerialization},
		{name: "json unknown operation", method: "POST", headers: kfWith(kfSigned, "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.Nope"), body: "{}", status: 400, ctype: kfJSON, want: kfJSONUnknown},
		{name: "application/json with body", method: "POST", headers: kfWith(target("ListStreams"), "Content-Type", "application/json"), body: "{}", status: 200, ctype: "application/json", want: kfLegacyUnknown},
		{name: "application/json not JSON", method: "POST", headers: kfWith(target("ListStreams"), "Content-Type", "application/json"), body: "hello", status: 200, ctype: "application/json", want: kfLegacySerial},
		{name: "application/json with spaces", method: "POST", headers: kfWith(target("ListStreams"), "Content-Type", "     application/json     ;"), body: "hello", status: 200, ctype: "application/json", want: kfLegacySerial},
		{name: "no auth", method: "POST", headers: jsonLS, body: "{}", status: 400, ctype: kfJSON, want: kfJSONMissing},
		{name: "no auth content type with spaces", method: "POST", headers: kfWith(jsonLS, "Content-Type", "   application/x-amz-json-1.1   ;whatever"), body: "{}", status: 400, ctype: kfJSON, want: kfJSONMissing},
		{name: "no auth cbor", method: "POST", headers: kfWith(jsonLS, "Content-Type", kfCBOR), body: "\xbf\xff", status: 400, ctype: kfCBOR, want: kfCBORMissing},
		{name: "invalid auth", method: "POST", headers: kfWith(jsonLS, "Authorization", "X"), body: "{}", status: 400, ctype: kfJSON, want: kfIncompleteX},
		{name: "incomplete auth header and query", method: "POST", path: "/?X-Amz-Algorith", headers: kfWith(jsonLS, "Authorization", "X"), body: "{}", status: 400, ctype: kfJSON, want: kfIncompleteX},
		{name: "query params except algorithm", method: "POST", path: "/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d", headers: jsonLS, body: "{}", status: 400, ctype: kfJSON, want: kfJSONMissing},
		{name: "both auth header and query", method: "POST", path: "/?X-Amz-Algorithm", headers: kfWith(jsonLS, "Authorization", "X"), body: "{}", status: 400, ctype: kfJSON, want: kfBothForms},
		{name: "header spaces", method: "POST", headers: kfWith(jsonLS, "Authorization", "AWS4- Signature=b Credential=a", "Date", "a"), body: "{}", status: 400, ctype: kfJSON,
			want: `{"__type":"IncompleteSignatureException","message":"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b Credential=a"}`},
		{name: "header commas", method: "POST", headers: kfWith(jsonLS, "Authorization", "AWS4- Signature=b,Credential=a", "Date", "a"), body: "{}", status: 400, ctype: kfJSON,
			want: `{"__type":"IncompleteSignatureException","message":"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b,Credential=a"}`},
		{name: "header comma space", method: "POST", headers: kfWith(jsonLS, "Authorization", "AWS4- Signature=b, Credential=a", "Date", "a"), body: "{}", status: 400, ctype: kfJSON,
			want: `{"__type":"IncompleteSignatureException","message":"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b, Credential=a"}`},
		{name: "empty algorithm query", method: "POST", path: "/?X-Amz-Algorithm", headers: jsonLS, body: "{}", status: 400, ctype: kfJSON, want: kfIncompleteQuery},
		{name: "missing signed headers query", method: "POST", path: "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d", headers: jsonLS, body: "{}", status: 400, ctype: kfJSON, want: kfIncompleteSH},
		{name: "signed reaches the service", method: "POST", headers: kfWith(kfSigned, "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.ListStreams"), body: "{}", status: 200, ctype: kfJSON, want: kfListStreamsOK},
		{name: "signed from allowed origin", method: "POST", headers: kfWith(kfSigned, "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.ListStreams", "Origin", kfOrigin), body: "{}", status: 200, ctype: kfJSON, want: kfListStreamsOK,
			also: map[string]string{"Access-Control-Allow-Origin": kfOrigin, "Access-Control-Expose-Headers": kfExpose}},

		// CORS: AWS answers OPTIONS with an Origin (a preflight or not)
		// with its CORS headers; evolvestack only for allowed origins.
		{name: "OPTIONS origin no auth", method: "OPTIONS", headers: kfWith(named, "Origin", kfOrigin), status: 200, noID2: true,
			also: map[string]string{"Access-Control-Allow-Origin": kfOrigin, "Access-Control-Max-Age": "172800", "Access-Control-Allow-Headers": "", "Access-Control-Allow-Methods": "", "Access-Control-Expose-Headers": ""}},
		{name: "OPTIONS origin signed", method: "OPTIONS", headers: kfWith(kfSigned, "Origin", kfOrigin), status: 200, noID2: true,
			also: map[string]string{"Access-Control-Allow-Origin": kfOrigin, "Access-Control-Max-Age": "172800"}},
		{name: "OPTIONS origin and headers", method: "OPTIONS", headers: kfWith(kfSigned, "Origin", kfOrigin, "Access-Control-Request-Headers", "content-type, x-amz-target, X-Amz-Date"), status: 200, noID2: true,
			also: map[string]string{"Access-Control-Allow-Origin": kfOrigin, "Access-Control-Max-Age": "172800", "Access-Control-Allow-Headers": "content-type, x-amz-target, X-Amz-Date"}},
		{name: "OPTIONS origin headers and method", method: "OPTIONS", headers: kfWith(kfSigned, "Origin", kfOrigin, "Access-Control-Request-Headers", "content-type, x-amz-target", "Access-Control-Request-Method", "POST"), status: 200, noID2: true,
			also: map[string]string{"Access-Control-Allow-Origin": kfOrigin, "Access-Control-Max-Age": "172800", "Access-Control-Allow-Headers": "content-type, x-amz-target", "Access-Control-Allow-Methods": "POST"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.check(t, kfDo(t, kfRequest(t, base, tc.method, tc.path, tc.headers, tc.body)))
		})
	}
}

// TestKinesisFrontEndGuard checks that the guard's refusals stay in front
// of the Kinesis front end: a foreign origin, a preflight asking for a
// header no SDK sends, and a foreign Host get the guard's 403 without any
// CORS header, whatever Kinesis would answer.
func TestKinesisFrontEndGuard(t *testing.T) {
	t.Parallel()
	base := kfServer(t, false)
	tests := []struct {
		name    string
		method  string
		host    string
		headers map[string]string
		body    string
	}{
		{"foreign origin preflight", "OPTIONS", "", kfWith(kfSigned, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST"), ""},
		{"foreign origin OPTIONS", "OPTIONS", "", kfWith(kfSigned, "Origin", "https://evil.example"), ""},
		{"foreign origin unsigned OPTIONS", "OPTIONS", "", map[string]string{"Origin": "https://evil.example", "X-Amz-Target": "Kinesis_20131202.ListStreams"}, ""},
		{"odd requested header", "OPTIONS", "", kfWith(kfSigned, "Origin", kfOrigin, "Access-Control-Request-Headers", "a, b, c"), ""},
		{"foreign origin POST", "POST", "", kfWith(kfSigned, "Origin", "https://evil.example", "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.ListStreams"), "{}"},
		{"cross-site fetch", "POST", "", kfWith(kfSigned, "Sec-Fetch-Site", "cross-site", "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.ListStreams"), "{}"},
		{"rebinding host", "POST", "attacker.example", kfWith(kfSigned, "Content-Type", kfJSON, "X-Amz-Target", "Kinesis_20131202.ListStreams"), "{}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := kfRequest(t, base, tc.method, "", tc.headers, tc.body)
			if tc.host != "" {
				r.Host = tc.host
			}
			a := kfDo(t, r)
			if a.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403: %q", a.status, a.body)
			}
			for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Expose-Headers"} {
				if v := a.header.Get(k); v != "" {
					t.Errorf("refusal carries %s %q", k, v)
				}
			}
			if bytes.Contains(a.body, []byte("StreamNames")) {
				t.Errorf("refused request reached the service: %q", a.body)
			}
		})
	}
}

// TestKinesisFrontEndStrict checks that strict mode keeps verifying
// signatures behind the front end, and refuses unsigned requests as AWS
// does.
func TestKinesisFrontEndStrict(t *testing.T) {
	t.Parallel()
	base := kfServer(t, true)
	sign := func(secret, body string) map[string]string {
		r := kfRequest(t, base, "POST", "", map[string]string{"Content-Type": kfJSON, "X-Amz-Target": "Kinesis_20131202.ListStreams"}, body)
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: kfKey, SecretAccessKey: secret},
			r, hex.EncodeToString(sum[:]), "kinesis", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		h := map[string]string{}
		for k := range r.Header {
			h[k] = r.Header.Get(k)
		}
		return h
	}
	tests := []kfCase{
		{name: "signed", method: "POST", headers: sign(kfSecret, "{}"), body: "{}", status: 200, ctype: kfJSON, want: kfListStreamsOK},
		{name: "unsigned", method: "POST", headers: map[string]string{"Content-Type": kfJSON, "X-Amz-Target": "Kinesis_20131202.ListStreams"}, body: "{}", status: 400, ctype: kfJSON, want: kfJSONMissing},
		{name: "invalid auth", method: "POST", headers: map[string]string{"Content-Type": kfJSON, "X-Amz-Target": "Kinesis_20131202.ListStreams", "Authorization": "X"}, body: "{}", status: 400, ctype: kfJSON, want: kfIncompleteX},
		{name: "not JSON before auth", method: "POST", headers: map[string]string{"Content-Type": kfJSON, "X-Amz-Target": "Kinesis_20131202.ListStreams"}, body: "hello", status: 400, ctype: kfJSON, want: kfJSONSerialization},
		{name: "unknown operation before auth", method: "POST", headers: map[string]string{"Content-Type": kfJSON, "X-Amz-Target": "Kinesis_20131202.Nope"}, body: "{}", status: 400, ctype: kfJSON, want: kfJSONUnknown},
		{name: "GET signed", method: "GET", headers: kfSigned, status: 403, want: kfXMLDenied},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.check(t, kfDo(t, kfRequest(t, base, tc.method, tc.path, tc.headers, tc.body)))
		})
	}
	// A wrong secret is refused with the signature mismatch AWS reports.
	a := kfDo(t, kfRequest(t, base, "POST", "", sign("wrong", "{}"), "{}"))
	if a.status != 400 || !bytes.HasPrefix(a.body, []byte(`{"__type":"InvalidSignatureException","message":"The request signature we calculated does not match`)) {
		t.Errorf("wrong secret: %d %s", a.status, a.body)
	}
	if raw, err := base64.StdEncoding.DecodeString(a.header.Get("X-Amz-Id-2")); err != nil || len(raw) < 72 {
		t.Errorf("wrong secret: x-amz-id-2 %q", a.header.Get("X-Amz-Id-2"))
	}
}

// TestKinesisFrontEndOtherServices checks that the other awsJson services
// keep their own front end: an unsigned SQS call is still served in the
// default mode, and carries no x-amz-id-2.
func TestKinesisFrontEndOtherServices(t *testing.T) {
	t.Parallel()
	base := kfServer(t, false)
	a := kfDo(t, kfRequest(t, base, "POST", "", map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.ListQueues"}, "{}"))
	if a.status != 200 {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	if v := a.header.Get("X-Amz-Id-2"); v != "" {
		t.Errorf("SQS answer carries x-amz-id-2 %q", v)
	}
	// A browser's preflight names no service: the guard answers it.
	a = kfDo(t, kfRequest(t, base, "OPTIONS", "", map[string]string{"Origin": kfOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-amz-target"}, ""))
	if a.status != http.StatusNoContent || a.header.Get("Access-Control-Allow-Origin") != kfOrigin {
		t.Errorf("browser preflight: %d %v", a.status, a.header)
	}
}
