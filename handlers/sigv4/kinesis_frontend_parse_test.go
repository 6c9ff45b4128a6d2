package sigv4_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/sigv4"
)

// TestParseAny checks how a front end that reads every Authorization
// header as SigV4 (Kinesis's) sees a request, against Parse, which ignores
// headers of other schemes. Texts: kinesalite's recordings of Kinesis
// (mhart/kinesalite test/connection.js).
func TestParseAny(t *testing.T) {
	t.Parallel()
	const missingAll = "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
		"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
	tests := []struct {
		name     string
		query    string
		headers  map[string]string
		present  bool
		anyErr   string // ParseAny's IncompleteSignature/mismatch text, "" for none
		anyKind  sigv4.Kind
		parseErr bool // Parse also fails
		service  string
	}{
		{name: "none"},
		{name: "other scheme", headers: map[string]string{"Authorization": "X"}, present: true,
			anyErr: missingAll + "Authorization=X", anyKind: sigv4.IncompleteSignature},
		{name: "bearer", headers: map[string]string{"Authorization": "Bearer tok", "X-Amz-Date": "20250101T000000Z"}, present: true,
			anyErr: "'tok' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer tok'.", anyKind: sigv4.IncompleteSignature},
		{name: "AWS4 prefix", headers: map[string]string{"Authorization": "AWS4- Signature=b Credential=a", "Date": "a"}, present: true,
			anyErr: "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b Credential=a", anyKind: sigv4.IncompleteSignature, parseErr: true},
		{name: "both forms", query: "X-Amz-Algorithm", headers: map[string]string{"Authorization": "X"}, present: true,
			anyErr: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.", anyKind: sigv4.SignatureMismatch, parseErr: true},
		{name: "empty algorithm query", query: "X-Amz-Algorithm", present: true, anyKind: sigv4.IncompleteSignature, parseErr: true,
			anyErr: "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "query without algorithm", query: "X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d"},
		{name: "well formed", headers: map[string]string{
			"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab",
			"X-Amz-Date":    "20250101T000000Z"}, present: true, service: "kinesis"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := "/"
			if tc.query != "" {
				target += "?" + tc.query
			}
			r := httptest.NewRequest(http.MethodPost, target, nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			if got := sigv4.Present(r); got != tc.present {
				t.Errorf("Present %v, want %v", got, tc.present)
			}
			id, err := sigv4.ParseAny(r)
			var se *sigv4.Error
			switch {
			case tc.anyErr == "" && err != nil:
				t.Errorf("ParseAny: %v", err)
			case tc.anyErr != "" && (!errors.As(err, &se) || se.Message != tc.anyErr || se.Kind != tc.anyKind):
				t.Errorf("ParseAny: %v, want %v %q", err, tc.anyKind, tc.anyErr)
			}
			if id.Service != tc.service {
				t.Errorf("service %q, want %q", id.Service, tc.service)
			}
			if _, err := sigv4.Parse(r); (err != nil) != tc.parseErr {
				t.Errorf("Parse: %v, want error %v", err, tc.parseErr)
			}
		})
	}
}

// TestMissingToken checks the wording Kinesis gives a request without
// authentication, against the JSON services' standard one.
func TestMissingToken(t *testing.T) {
	t.Parallel()
	e := sigv4.MissingToken("Missing Authentication Token").AWSError(awsapi.ProtocolJSON)
	if e.Code != "MissingAuthenticationTokenException" || e.Message != "Missing Authentication Token" || e.Status != http.StatusBadRequest {
		t.Errorf("Kinesis: %+v", e)
	}
	if e := sigv4.MissingToken("").AWSError(awsapi.ProtocolJSON); e.Message != "Request is missing Authentication Token" {
		t.Errorf("standard: %+v", e)
	}
}
