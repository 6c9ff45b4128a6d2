package handlers_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers"
	"github.com/evolvestack/evolvestack/handlers/guard"
)

// recorder is a fake service that records the request info of each call.
type recorder struct {
	mu    sync.Mutex
	infos []awsapi.RequestInfo
	err   error
	panic bool
}

func (r *recorder) record(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.infos = append(r.infos, *awsapi.Request(ctx))
	if r.panic {
		panic("boom")
	}
	return r.err
}

func (r *recorder) last() awsapi.RequestInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.infos[len(r.infos)-1]
}

type fakeKinesis struct{ *recorder }

func (f fakeKinesis) ListStreams(ctx context.Context, _ *kinesis.ListStreamsInput) (*kinesis.ListStreamsOutput, error) {
	if err := f.record(ctx); err != nil {
		return nil, err
	}
	return &kinesis.ListStreamsOutput{StreamNames: []string{}, HasMoreStreams: new(false)}, nil
}

type fakeSQS struct{ *recorder }

func (f fakeSQS) ListQueues(ctx context.Context, _ *sqs.ListQueuesInput) (*sqs.ListQueuesOutput, error) {
	if err := f.record(ctx); err != nil {
		return nil, err
	}
	return &sqs.ListQueuesOutput{}, nil
}

type fakeBackend struct {
	rec *recorder
	clk *clock.Clock
}

func (b fakeBackend) Descriptors() []*awsapi.ServiceDescriptor {
	return []*awsapi.ServiceDescriptor{kinesis.Descriptor(), sqs.Descriptor()}
}

func (b fakeBackend) Service(name string, _ awsapi.Scope) any {
	if name == "sqs" {
		return fakeSQS{b.rec}
	}
	return fakeKinesis{b.rec}
}
func (b fakeBackend) Admin() handlers.Admin      { return b }
func (b fakeBackend) Health() handlers.Health    { return handlers.Health{Status: "ready"} }
func (b fakeBackend) Reset(string, string) error { return nil }
func (b fakeBackend) Clock() *clock.Clock        { return b.clk }

func newHandler(rec *recorder) *handlers.Handler {
	// httptest's requests name host example.com.
	g, err := guard.New(guard.Policy{Hosts: []string{"example.com"}}, nil)
	if err != nil {
		panic(err)
	}
	return handlers.New(handlers.Config{
		Guard:          g,
		Backend:        fakeBackend{rec: rec, clk: clock.New()},
		Logger:         slog.New(slog.DiscardHandler),
		DefaultRegion:  "us-east-1",
		DefaultAccount: "000000000000",
	})
}

// signedKinesis is a well-formed (not verified) SigV4 header for Kinesis.
const signedKinesis = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd"

// sign adds a well-formed SigV4 header for service (not verified unless
// the handler is strict): AWS's front ends refuse unsigned requests.
func sign(r *http.Request, service string) {
	r.Header.Set("Authorization", strings.Replace(signedKinesis, "/kinesis/", "/"+service+"/", 1))
	r.Header.Set("X-Amz-Date", "20250101T000000Z")
}

// TestScopeFromSignature checks that the account comes from a 12-digit
// access key and the region from the credential scope.
func TestScopeFromSignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		auth     string
		query    string
		want     awsapi.Scope
		wantAKID string
	}{
		// Unsigned Kinesis requests are refused, as AWS refuses them (see
		// kinesis_frontend_http_test.go).
		{"account key", "AWS4-HMAC-SHA256 Credential=123456789012/20250101/eu-west-1/kinesis/aws4_request, SignedHeaders=host, Signature=abcd", "", awsapi.Scope{Account: "123456789012", Region: "eu-west-1"}, "123456789012"},
		{"other key", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/ap-south-1/kinesis/aws4_request, SignedHeaders=host, Signature=abcd", "", awsapi.Scope{Account: "000000000000", Region: "ap-south-1"}, "AKIDEXAMPLE"},
		{"presigned", "", "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=210987654321%2F20250101%2Fus-west-2%2Fkinesis%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abcd&X-Amz-Expires=300", awsapi.Scope{Account: "210987654321", Region: "us-west-2"}, "210987654321"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			h := newHandler(rec)
			req := httptest.NewRequest(http.MethodPost, "/"+tt.query, strings.NewReader("{}"))
			req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
				req.Header.Set("X-Amz-Date", "20250101T000000Z")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			got := rec.last()
			if got.Scope != tt.want || got.AccessKey != tt.wantAKID {
				t.Errorf("scope %+v key %q, want %+v %q", got.Scope, got.AccessKey, tt.want, tt.wantAKID)
			}
			if got.RequestID == "" || header(w, "x-amzn-RequestId") != got.RequestID {
				t.Errorf("request id %q, header %q", got.RequestID, header(w, "x-amzn-RequestId"))
			}
			if got.Service != "kinesis" || got.Operation != "ListStreams" {
				t.Errorf("service %q operation %q", got.Service, got.Operation)
			}
		})
	}
}

// TestServiceFailures checks that service errors, internal errors and
// panics reach the client as AWS errors, never a bare 500 or a dropped
// connection.
func TestServiceFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rec        *recorder
		target     string
		wantStatus int
		wantBody   []string
		wantHeader map[string]string
	}{
		{
			name:       "aws error",
			rec:        &recorder{err: &awsapi.Error{Code: "ResourceNotFoundException", Message: "Stream x under account 000000000000 not found."}},
			target:     "Kinesis_20131202.ListStreams",
			wantStatus: 400,
			wantBody:   []string{`"__type":"ResourceNotFoundException"`, `"message":"Stream x under account 000000000000 not found."`},
		},
		{
			name:       "internal error",
			rec:        &recorder{err: io.ErrUnexpectedEOF},
			target:     "Kinesis_20131202.ListStreams",
			wantStatus: 500,
			wantBody:   []string{`InternalFailure`},
		},
		{
			name:       "panic",
			rec:        &recorder{panic: true},
			target:     "Kinesis_20131202.ListStreams",
			wantStatus: 500,
			wantBody:   []string{`InternalFailure`},
		},
		{
			name:       "query compatible error header",
			rec:        &recorder{err: &awsapi.Error{Code: "QueueDoesNotExist", QueryCode: "AWS.SimpleQueueService.NonExistentQueue", Message: "The specified queue does not exist."}},
			target:     "AmazonSQS.ListQueues",
			wantStatus: 400,
			wantBody:   []string{`QueueDoesNotExist`, `"message":"The specified queue does not exist."`},
			wantHeader: map[string]string{"x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(tt.rec)
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", tt.target)
			service := "kinesis"
			if strings.HasPrefix(tt.target, "AmazonSQS.") {
				service = "sqs"
			}
			sign(req, service)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			for _, s := range tt.wantBody {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("body %s lacks %s", w.Body, s)
				}
			}
			for k, v := range tt.wantHeader {
				if got := header(w, k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// TestMalformedRequests sends requests no SDK would and expects AWS's
// errors, never a panic or a bare 500.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		path       string
		headers    map[string]string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"json target without operation", "POST", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202"}, "{}", 400, "UnknownOperationException"},
		{"json unknown prefix", "POST", "/", map[string]string{"X-Amz-Target": "Nope_2020.ListStreams"}, "{}", 400, "UnknownOperationException"},
		{"json no target", "POST", "/", map[string]string{"Content-Type": "application/x-amz-json-1.1"}, "{}", 400, ""},
		{"json not an object", "POST", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams"}, `"x"`, 400, "SerializationException"},
		{"json truncated", "POST", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams"}, `{"Limit":`, 400, "SerializationException"},
		{"query bad escape", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=ListQueues&x=%zz", 400, "<ErrorResponse"},
		{"query unknown action no scope", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=Nope", 400, "InvalidAction"},
		{"signature malformed", "POST", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Authorization": "AWS4-HMAC-SHA256 garbage"}, "{}", 400, "IncompleteSignatureException"},
		{"get root", "GET", "/", nil, "", 0, ""},
		{"json empty body", "POST", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Content-Type": "application/x-amz-json-1.1"}, "", 400, "SerializationException"},
		{"json wrong content type", "POST", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Content-Type": "text/plain"}, "{}", 404, "<UnknownOperationException/>"},
		{"json wrong method unsigned", "GET", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Content-Type": "application/x-amz-json-1.1"}, "", 403, "<MissingAuthenticationTokenException>"},
		{"json wrong method", "GET", "/", map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Content-Type": "application/x-amz-json-1.1",
			"Authorization": signedKinesis, "X-Amz-Date": "20250101T000000Z"}, "", 403, "<Message>Unable to determine service/operation name to be authorized</Message>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(&recorder{})
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if _, ok := tt.headers["X-Amz-Target"]; ok {
				req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if tt.wantStatus != 0 && w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if w.Code >= 500 {
				t.Errorf("server error %d: %s", w.Code, w.Body)
			}
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("body %s lacks %s", w.Body, tt.wantBody)
			}
			if header(w, "x-amzn-RequestId") == "" && header(w, "x-amz-request-id") == "" {
				t.Error("no request id header")
			}
		})
	}
}

// header reads a response header whatever the case of its key (AWS's
// spellings such as x-amzn-RequestId are kept as sent).
func header(w *httptest.ResponseRecorder, key string) string {
	for k, v := range w.Header() {
		if strings.EqualFold(k, key) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// TestCBORRouting checks that Kinesis requests in CBOR (the Java SDK's
// default) are decoded and answered in CBOR.
func TestCBORRouting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		target     string
		body       []byte
		wantStatus int
		wantBody   []byte
	}{
		{"empty indefinite map", "Kinesis_20131202.ListStreams", []byte{0xbf, 0xff}, 200, []byte("StreamNames")},
		{"malformed", "Kinesis_20131202.ListStreams", []byte{0xbf, 0x61}, 400, []byte("SerializationException")},
		{"empty body", "Kinesis_20131202.ListStreams", nil, 400, []byte("SerializationException")},
		{"unknown operation", "Kinesis_20131202.Nope", []byte{0xbf, 0xff}, 400, []byte("UnknownOperationException")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(&recorder{})
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
			sign(req, "kinesis")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.wantStatus || !bytes.Contains(w.Body.Bytes(), tt.wantBody) {
				t.Fatalf("status %d body %q, want %d containing %q", w.Code, w.Body.Bytes(), tt.wantStatus, tt.wantBody)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/x-amz-cbor-1.1" {
				t.Errorf("content type %q", ct)
			}
		})
	}
}
