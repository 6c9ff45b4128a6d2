package awsclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
)

func TestAPIError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		code, msg string
		fault     smithy.ErrorFault
	}{
		{"JSON __type with namespace", 400, nil, `{"__type":"com.amazonaws#ResourceNotFoundException","message":"gone"}`, "ResourceNotFoundException", "gone", smithy.FaultClient},
		{"header code with suffix", 400, http.Header{"X-Amzn-Errortype": {"InvalidInputException:http://internal.amazon.com/"}}, `{"Message":"bad input"}`, "InvalidInputException", "bad input", smithy.FaultClient},
		{"JSON code", 409, nil, `{"code":"Conflict","message":"m"}`, "Conflict", "m", smithy.FaultClient},
		{"query XML", 400, nil, `<ErrorResponse><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>no queue</Message></Error></ErrorResponse>`, "AWS.SimpleQueueService.NonExistentQueue", "no queue", smithy.FaultClient},
		{"bodiless", 403, nil, ``, "HTTP403", "Forbidden", smithy.FaultClient},
		{"plain text", 502, nil, "upstream down\n", "HTTP502", "upstream down", smithy.FaultServer},
		{"server JSON", 500, nil, `{"__type":"InternalFailure"}`, "InternalFailure", "", smithy.FaultServer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			e := APIError(tc.status, h, []byte(tc.body))
			if e.Code != tc.code || e.Message != tc.msg || e.Fault != tc.fault {
				t.Fatalf("got %q %q %v, want %q %q %v", e.Code, e.Message, e.Fault, tc.code, tc.msg, tc.fault)
			}
		})
	}
}

func TestDo(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(auth, "/eu-west-1/glue/aws4_request") ||
			r.Header.Get("X-Amz-Target") != "AWSGlue.GetSchema" || string(body) != `{"a":1}` {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"Unexpected","message":"`+auth+`"}`)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	c := New(cfg, "us-east-1")
	_, raw, err := c.Do(context.Background(), "glue", http.MethodPost, srv.URL+"/", http.Header{"X-Amz-Target": {"AWSGlue.GetSchema"}}, []byte(`{"a":1}`))
	if err != nil || string(raw) != `{"ok":true}` {
		t.Fatalf("signed call: %q %v", raw, err)
	}
	_, _, err = c.Do(context.Background(), "glue", http.MethodPost, srv.URL+"/", nil, []byte(`{}`))
	var ae *smithy.GenericAPIError
	if !errors.As(err, &ae) || ae.Code != "Unexpected" {
		t.Fatalf("error answer: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, _, err = c.Do(context.Background(), "glue", http.MethodPost, "http://"+addr+"/", nil, nil)
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("refused connection: %v, want a *SendError", err)
	}
	if New(aws.Config{}, "us-east-1").Region != "us-east-1" {
		t.Fatal("default region not used")
	}
}
