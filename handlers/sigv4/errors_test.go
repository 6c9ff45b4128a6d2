package sigv4

import (
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

func TestAWSError(t *testing.T) {
	t.Parallel()
	const skewMsg = "Signature expired: 20250101T000000Z is now earlier than 20250101T001000Z (20250101T002500Z - 15 min.)"
	mismatch := &Error{Kind: SignatureMismatch, CanonicalRequest: "POST\n/\n\nhost:h\n\nhost\nabc", StringToSign: "AWS4-HMAC-SHA256\nT\nS\nH"}
	withDetails := msgMismatch + "\n\nThe Canonical String for this request should have been\n'POST\n/\n\nhost:h\n\nhost\nabc'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\nT\nS\nH'\n"
	incomplete := &Error{Kind: IncompleteSignature, Message: "Authorization header requires 'Signature' parameter. Authorization=AWS4-"}
	tests := []struct {
		name       string
		err        *Error
		protocol   string
		wantCode   string
		wantStatus int
		wantMsg    string
	}{
		{"json missing", &Error{Kind: MissingAuthentication}, awsapi.ProtocolJSON, "MissingAuthenticationTokenException", 400, "Request is missing Authentication Token"},
		{"json incomplete", incomplete, awsapi.ProtocolJSON, "IncompleteSignatureException", 400, incomplete.Message},
		{"json unknown key", &Error{Kind: UnknownAccessKey}, awsapi.ProtocolJSON, "UnrecognizedClientException", 400, "The security token included in the request is invalid."},
		{"json mismatch", mismatch, awsapi.ProtocolJSON, "InvalidSignatureException", 400, withDetails},
		{"json mismatch without details", &Error{Kind: SignatureMismatch}, awsapi.ProtocolJSON, "InvalidSignatureException", 400, msgMismatch},
		{"json scope", &Error{Kind: SignatureMismatch, Message: "Credential should be scoped to correct service: 'kinesis'."}, awsapi.ProtocolJSON,
			"InvalidSignatureException", 400, "Credential should be scoped to correct service: 'kinesis'."},
		{"json skew", &Error{Kind: RequestTimeTooSkewed, Message: skewMsg}, awsapi.ProtocolJSON, "InvalidSignatureException", 400, skewMsg},
		{"json expired", &Error{Kind: Expired}, awsapi.ProtocolJSON, "InvalidSignatureException", 400, "Request has expired."},
		{"unknown protocol is json", &Error{Kind: UnknownAccessKey}, "rest-xml", "UnrecognizedClientException", 400, "The security token included in the request is invalid."},

		{"rest-json missing", &Error{Kind: MissingAuthentication}, awsapi.ProtocolRESTJSON, "MissingAuthenticationTokenException", 403, "Missing Authentication Token"},
		{"rest-json incomplete", incomplete, awsapi.ProtocolRESTJSON, "IncompleteSignatureException", 403, incomplete.Message},
		{"rest-json unknown key", &Error{Kind: UnknownAccessKey}, awsapi.ProtocolRESTJSON, "UnrecognizedClientException", 403, "The security token included in the request is invalid."},
		{"rest-json mismatch", mismatch, awsapi.ProtocolRESTJSON, "InvalidSignatureException", 403, msgMismatch},
		{"rest-json skew", &Error{Kind: RequestTimeTooSkewed, Message: skewMsg}, awsapi.ProtocolRESTJSON, "InvalidSignatureException", 403, skewMsg},
		{"rest-json expired", &Error{Kind: Expired}, awsapi.ProtocolRESTJSON, "InvalidSignatureException", 403, "Request has expired."},

		{"query missing", &Error{Kind: MissingAuthentication}, awsapi.ProtocolQuery, "MissingAuthenticationToken", 403, "Request is missing Authentication Token"},
		{"query incomplete", incomplete, awsapi.ProtocolQuery, "IncompleteSignature", 400, incomplete.Message},
		{"query unknown key", &Error{Kind: UnknownAccessKey}, awsapi.ProtocolQuery, "InvalidClientTokenId", 403, "The security token included in the request is invalid."},
		{"query mismatch", mismatch, awsapi.ProtocolQuery, "SignatureDoesNotMatch", 403, withDetails},
		{"query skew", &Error{Kind: RequestTimeTooSkewed, Message: skewMsg}, awsapi.ProtocolQuery, "SignatureDoesNotMatch", 403, skewMsg},
		{"query expired", &Error{Kind: Expired}, awsapi.ProtocolQuery, "RequestExpired", 400, "Request has expired."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.err.AWSError(tt.protocol)
			if got.Code != tt.wantCode || got.HTTPStatus() != tt.wantStatus || got.Message != tt.wantMsg || got.Receiver || got.QueryCode != "" {
				t.Errorf("AWSError(%s) = %+v, want %s %d %q", tt.protocol, got, tt.wantCode, tt.wantStatus, tt.wantMsg)
			}
		})
	}
}

func TestServiceError(t *testing.T) {
	t.Parallel()
	sqs := &awsapi.ServiceDescriptor{Name: "sqs", Protocol: awsapi.ProtocolJSON, QueryCompatible: true}
	kinesis := &awsapi.ServiceDescriptor{Name: "kinesis", Protocol: awsapi.ProtocolJSON}
	sns := &awsapi.ServiceDescriptor{Name: "sns", Protocol: awsapi.ProtocolQuery}
	tests := []struct {
		name       string
		desc       *awsapi.ServiceDescriptor
		kind       Kind
		wantCode   string
		wantQuery  string
		wantStatus int
	}{
		{"sqs json unknown key", sqs, UnknownAccessKey, "UnrecognizedClientException", "InvalidClientTokenId", 403},
		{"sqs json mismatch", sqs, SignatureMismatch, "InvalidSignatureException", "SignatureDoesNotMatch", 403},
		{"sqs json incomplete", sqs, IncompleteSignature, "IncompleteSignatureException", "IncompleteSignature", 400},
		{"sqs json missing", sqs, MissingAuthentication, "MissingAuthenticationTokenException", "MissingAuthenticationToken", 403},
		{"kinesis mismatch", kinesis, SignatureMismatch, "InvalidSignatureException", "", 400},
		{"sns unknown key", sns, UnknownAccessKey, "InvalidClientTokenId", "", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := (&Error{Kind: tt.kind, Message: "m"}).ServiceError(tt.desc)
			if got.Code != tt.wantCode || got.QueryCode != tt.wantQuery || got.HTTPStatus() != tt.wantStatus {
				t.Errorf("ServiceError = %+v, want %s/%s %d", got, tt.wantCode, tt.wantQuery, tt.wantStatus)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Kind: MissingAuthentication}, "sigv4: MissingAuthentication"},
		{&Error{Kind: IncompleteSignature, Message: "x"}, "sigv4: IncompleteSignature: x"},
		{&Error{Kind: Kind(99)}, "sigv4: Unknown"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	for k := MissingAuthentication; k <= RequestTimeTooSkewed; k++ {
		if s := k.String(); s == "Unknown" || strings.Contains(s, " ") {
			t.Errorf("Kind(%d).String() = %q", k, s)
		}
	}
}
