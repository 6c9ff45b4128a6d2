package sigv4

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"
)

func newRequest(t testing.TB, rawQuery string, headers map[string]string) *http.Request {
	t.Helper()
	r, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://localhost:4566/", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.URL.RawQuery = rawQuery
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

func TestParse(t *testing.T) {
	t.Parallel()
	const (
		date = "20250101T000000Z"
		good = "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd"
	)
	full := Identity{AccessKey: "AKID", Date: "20250101", Region: "us-east-1", Service: "kinesis", Terminator: "aws4_request",
		Time: date, SignedHeaders: []string{"host", "x-amz-date"}, Signature: "0123abcd"}
	tests := []struct {
		name     string
		auth     string
		amzDate  string
		date     string
		query    string
		want     Identity
		wantKind Kind
		wantMsg  string
	}{
		{name: "unsigned", want: Identity{}},
		{name: "bearer is unsigned", auth: "Bearer x", want: Identity{}},
		{name: "AWS4 without dash is unsigned", auth: "AWS4", want: Identity{}},
		{name: "algorithm typo query is unsigned", query: "X-Amz-Algorith=x", want: Identity{}},
		{name: "header form", auth: good, amzDate: date, want: full},
		{name: "no spaces after commas", auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request,SignedHeaders=host;x-amz-date,Signature=0123abcd",
			amzDate: date, want: full},
		{name: "space separated params", auth: "AWS4-HMAC-SHA256 Signature=0123abcd Credential=AKID/20250101/us-east-1/kinesis/aws4_request SignedHeaders=host;x-amz-date",
			amzDate: date, want: full},
		{name: "trailing slash in credential", auth: "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request/, SignedHeaders=host;x-amz-date, Signature=0123abcd",
			amzDate: date, want: full},
		{name: "date header in http format", auth: good, date: "Wed, 01 Jan 2025 00:00:00 GMT",
			want: Identity{AccessKey: "AKID", Date: "20250101", Region: "us-east-1", Service: "kinesis", Terminator: "aws4_request",
				Time: "Wed, 01 Jan 2025 00:00:00 GMT", SignedHeaders: []string{"host", "x-amz-date"}, Signature: "0123abcd"}},
		{name: "presigned", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Fsqs%2Faws4_request&X-Amz-Date=" + date +
			"&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=ff",
			want: Identity{AccessKey: "AKID", Date: "20250101", Region: "us-east-1", Service: "sqs", Terminator: "aws4_request",
				Time: date, SignedHeaders: []string{"host"}, Signature: "ff", Presigned: true, Expires: "60"}},
		{name: "AWS4- only", auth: "AWS4-", wantKind: IncompleteSignature,
			wantMsg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-"},
		{name: "missing signed headers", auth: "AWS4- Signature=b, Credential=a", date: "a", wantKind: IncompleteSignature,
			wantMsg: "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b, Credential=a"},
		{name: "missing equal sign", auth: "AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders", wantKind: IncompleteSignature,
			wantMsg: "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders'."},
		{name: "bad date", auth: good, amzDate: "201", wantKind: IncompleteSignature,
			wantMsg: "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "unsupported algorithm", auth: "AWS4-HMAC-SHA25 Credential=a/b/c/d/e, SignedHeaders=host, Signature=x", amzDate: date, wantKind: IncompleteSignature,
			wantMsg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "},
		{name: "short credential", auth: "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=x", amzDate: date, wantKind: IncompleteSignature,
			wantMsg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'"},
		{name: "both forms", auth: good, query: "X-Amz-Algorithm", wantKind: SignatureMismatch,
			wantMsg: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "empty presigned algorithm", query: "X-Amz-Algorithm", wantKind: IncompleteSignature,
			wantMsg: "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. " +
				"AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
				"AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "presigned missing signed headers", query: "X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d", wantKind: IncompleteSignature,
			wantMsg: "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."},
		{name: "presigned expires not a number", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a/b/c/d/e&X-Amz-Signature=c&X-Amz-SignedHeaders=host&X-Amz-Date=" + date + "&X-Amz-Expires=soon",
			wantKind: IncompleteSignature, wantMsg: "X-Amz-Expires should be a number"},
		{name: "presigned expires over a week", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a/b/c/d/e&X-Amz-Signature=c&X-Amz-SignedHeaders=host&X-Amz-Date=" + date + "&X-Amz-Expires=604801",
			wantKind: IncompleteSignature, wantMsg: "X-Amz-Expires must be less than a week (in seconds) that is, the given X-Amz-Expires must be less than 604800 seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := map[string]string{}
			if tt.auth != "" {
				h["Authorization"] = tt.auth
			}
			if tt.amzDate != "" {
				h["X-Amz-Date"] = tt.amzDate
			}
			if tt.date != "" {
				h["Date"] = tt.date
			}
			id, err := Parse(newRequest(t, tt.query, h))
			if tt.wantKind != 0 {
				var e *Error
				if !errors.As(err, &e) || e.Kind != tt.wantKind || e.Message != tt.wantMsg {
					t.Fatalf("Parse error = %#v, want kind %v message %q", err, tt.wantKind, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(id, tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", id, tt.want)
			}
			if id.Signed() != (tt.want.Signature != "") {
				t.Errorf("Signed() = %v", id.Signed())
			}
		})
	}
}

func TestHasQueryKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want bool
	}{
		{"X-Amz-Algorithm=a", true},
		{"a=1&X-Amz-Algorithm", true},
		{"a=1&X-Amz-Algorithm&b=2", true},
		{"aX-Amz-Algorithm=1", false},
		{"X-Amz-Algorithms=1", false},
		{"a=X-Amz-Algorithm", false},
		{"x=aX-Amz-Algorithm&X-Amz-Algorithm=1", true},
		{"", false},
	}
	for _, tt := range tests {
		if got := hasQueryKey(tt.raw, "X-Amz-Algorithm"); got != tt.want {
			t.Errorf("hasQueryKey(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

func TestAccountFor(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"123456789012", "123456789012"},
		{"000000000000", "000000000000"},
		{"AKIAIOSFODNN7EXAMPLE", "000000000000"},
		{"12345678901", "000000000000"},
		{"1234567890123", "000000000000"},
		{"12345678901a", "000000000000"},
		{"", "000000000000"},
		{"١٢٣٤٥٦٧٨٩٠١٢", "000000000000"},
	}
	for _, tt := range tests {
		if got := AccountFor(tt.key, "000000000000"); got != tt.want {
			t.Errorf("AccountFor(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc", "20250101T000000Z", "")
	f.Add("AWS4-", "", "")
	f.Add("AWS4- Signature=b Credential=a", "a", "")
	f.Add("AWS4-HMAC-SHA256 Credential=///////, SignedHeaders=;;, Signature==", "20250101T000000Z", "")
	f.Add("AWS4-HMAC-SHA256 ,,, ,=,", "99999999T999999Z", "a=%zz&&b")
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb%2Fc%2Fd%2Fe&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=x&X-Amz-Expires=-1")
	f.Add("", "", "X-Amz-Algorithm")
	f.Add("x", "", "X-Amz-Algorithm=")
	v := NewVerifier(map[string]string{"AKID": "secret", "a": "s"}, func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) })
	f.Fuzz(func(t *testing.T, auth, date, rawQuery string) {
		r := &http.Request{Method: http.MethodPost, Header: http.Header{}, Host: "localhost"}
		r.URL = &url.URL{Path: "/", RawQuery: rawQuery}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		id, err := Parse(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind < MissingAuthentication || e.Kind > RequestTimeTooSkewed || e.Kind.String() == "Unknown" {
				t.Fatalf("Parse error %#v is not a typed *Error", err)
			}
		} else if !id.Signed() && (id.Signature != "" || id.Presigned) {
			t.Fatalf("inconsistent identity %+v", id)
		}
		verr := v.Verify(r, []byte(auth))
		if verr == nil {
			t.Fatalf("Verify accepted a fuzzed request: %+v", id)
		}
		var e *Error
		if !errors.As(verr, &e) {
			t.Fatalf("Verify error %#v is not a typed *Error", verr)
		}
		for _, p := range []string{"json", "rest-json", "query"} {
			if ae := e.AWSError(p); ae.Code == "" || ae.HTTPStatus() < 400 {
				t.Fatalf("AWSError(%s) = %+v", p, ae)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name  string
		auth  string
		query string
	}{
		{"header", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", ""},
		{"presigned", "", "Action=ListQueues&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20250101%2Fus-east-1%2Fsqs%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"},
		{"unsigned", "", "Action=ListQueues&Version=2012-11-05"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			h := map[string]string{"X-Amz-Date": "20250101T000000Z"}
			if c.auth != "" {
				h["Authorization"] = c.auth
			}
			r := newRequest(b, c.query, h)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
