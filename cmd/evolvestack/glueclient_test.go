//go:build !evolvestack_slim

package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
)

// TestGlueClientAnswers drives glueClient against a scripted server: the
// request it sends (target, content type, signature, body), how it reads
// AWS's error shapes, and which failures it retries.
func TestGlueClientAnswers(t *testing.T) {
	t.Parallel()
	type answer struct {
		status int
		header map[string]string
		body   string
	}
	tests := []struct {
		name         string
		answers      []answer // one per attempt; the last repeats
		wantCalls    int
		wantCode     string // "" for success
		wantMsg      string
		wantFault    smithy.ErrorFault
		wantSchemaID string
	}{
		{name: "success", answers: []answer{{200, nil, `{"SchemaVersionId":"v-1","Status":"AVAILABLE","VersionNumber":3}`}}, wantCalls: 1, wantSchemaID: "v-1"},
		{name: "__type with namespace", answers: []answer{{400, nil, `{"__type":"com.amazonaws.glue#EntityNotFoundException","message":"Schema is not found."}`}},
			wantCalls: 1, wantCode: "EntityNotFoundException", wantMsg: "Schema is not found.", wantFault: smithy.FaultClient},
		{name: "header code with suffix and Message", answers: []answer{{400, map[string]string{"X-Amzn-ErrorType": "InvalidInputException:http://internal.amazon.com/"}, `{"Message":"bad input"}`}},
			wantCalls: 1, wantCode: "InvalidInputException", wantMsg: "bad input", wantFault: smithy.FaultClient},
		{name: "throttling retried then success", answers: []answer{{400, nil, `{"__type":"ThrottlingException","message":"Rate exceeded"}`}, {200, nil, `{"SchemaVersionId":"v-2"}`}},
			wantCalls: 2, wantSchemaID: "v-2"},
		{name: "server error retried up to 3 attempts", answers: []answer{{500, nil, `{"__type":"InternalServiceException","message":"oops"}`}},
			wantCalls: 3, wantCode: "InternalServiceException", wantMsg: "oops", wantFault: smithy.FaultServer},
		{name: "bodiless error", answers: []answer{{403, nil, ``}}, wantCalls: 1, wantCode: "HTTP403", wantMsg: "Forbidden", wantFault: smithy.FaultClient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				body, _ := io.ReadAll(r.Body)
				if got := r.Header.Get("X-Amz-Target"); got != "AWSGlue.GetSchemaVersion" {
					t.Errorf("X-Amz-Target %q", got)
				}
				if got := r.Header.Get("Content-Type"); got != "application/x-amz-json-1.1" {
					t.Errorf("Content-Type %q", got)
				}
				if got := r.Header.Get("Authorization"); !strings.Contains(got, "Credential=AKID/") || !strings.Contains(got, "/eu-west-1/glue/aws4_request") {
					t.Errorf("Authorization %q", got)
				}
				if string(body) != `{"SchemaVersionId":"id-1"}` {
					t.Errorf("body %s", body)
				}
				a := tc.answers[min(n, len(tc.answers))-1]
				for k, v := range a.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(a.status)
				_, _ = io.WriteString(w, a.body)
			}))
			defer srv.Close()
			c := newGlueClient(aws.Config{Region: "eu-west-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
			})}, srv.URL)
			c.backoff = time.Millisecond
			out, err := c.GetSchemaVersion(context.Background(), &getSchemaVersionInput{SchemaVersionId: aws.String("id-1")})
			if got := int(calls.Load()); got != tc.wantCalls {
				t.Errorf("%d calls, want %d", got, tc.wantCalls)
			}
			if tc.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if str(out.SchemaVersionId) != tc.wantSchemaID {
					t.Errorf("SchemaVersionId %q, want %q", str(out.SchemaVersionId), tc.wantSchemaID)
				}
				return
			}
			var ae *smithy.GenericAPIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an API error", err)
			}
			if ae.Code != tc.wantCode || ae.Message != tc.wantMsg || ae.Fault != tc.wantFault {
				t.Errorf("error %q %q %v, want %q %q %v", ae.Code, ae.Message, ae.Fault, tc.wantCode, tc.wantMsg, tc.wantFault)
			}
			if code, _, exit := classify(err); code != tc.wantCode || exit == exitYes {
				t.Errorf("classify: code %q exit %d", code, exit)
			}
		})
	}
}

// TestGlueClientUnreachable: a refused connection is a send error (exit 2,
// ConnectionError in JSON output), tried as often as the SDK would.
func TestGlueClientUnreachable(t *testing.T) {
	t.Parallel()
	c := newGlueClient(aws.Config{Region: "us-east-1"}, unreachable)
	c.backoff = time.Millisecond
	_, err := c.GetSchema(context.Background(), &getSchemaInput{SchemaId: &schemaID{RegistryName: aws.String("r"), SchemaName: aws.String("s")}})
	if !isSendError(err) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("error %v, want a send error saying connection refused", err)
	}
	if _, _, exit := classify(err); exit != exitUsage {
		t.Errorf("exit %d, want %d", exit, exitUsage)
	}
}

// TestGlueRegionalEndpoint names Glue's endpoint in each partition.
func TestGlueRegionalEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct{ region, want string }{
		{"us-east-1", "https://glue.us-east-1.amazonaws.com"},
		{"cn-north-1", "https://glue.cn-north-1.amazonaws.com.cn"},
		{"us-gov-west-1", "https://glue.us-gov-west-1.amazonaws.com"},
		{"us-iso-east-1", "https://glue.us-iso-east-1.c2s.ic.gov"},
		{"us-isob-east-1", "https://glue.us-isob-east-1.sc2s.sgov.gov"},
		{"us-isof-south-1", "https://glue.us-isof-south-1.csp.hci.ic.gov"},
		{"eu-isoe-west-1", "https://glue.eu-isoe-west-1.cloud.adc-e.uk"},
		{"eusc-de-east-1", "https://glue.eusc-de-east-1.amazonaws.eu"},
	}
	for _, tc := range tests {
		if got := newGlueClient(aws.Config{Region: tc.region}, "").endpoint; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.region, got, tc.want)
		}
	}
}

// TestGlueClientSignsForStrictAuth runs schema commands against an
// emulator that verifies SigV4 signatures: glueClient's are accepted with
// the right secret and refused with a wrong one.
func TestGlueClientSignsForStrictAuth(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithStrictAuth(map[string]string{"AKID": "secret"}))
	def := filepath.Join(t.TempDir(), "r.avsc")
	if err := os.WriteFile(def, []byte(`{"type":"record","name":"r","fields":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ep := []string{"--endpoint", e.Endpoint()}
	tests := []struct {
		name     string
		secret   string
		args     []string
		glueURL  string // AWS_ENDPOINT_URL_GLUE
		wantCode int
		want     string
	}{
		{"register", "secret", append([]string{"schema", "register", "--create", "--registry", "reg", "--schema", "s1", def}, ep...), "", exitYes, "registered reg/s1 version 1"},
		{"list", "secret", append([]string{"schema", "list", "--registry", "reg"}, ep...), "", exitYes, "s1"},
		{"service endpoint from the environment", "secret", []string{"schema", "list"}, e.Endpoint(), exitYes, "s1"},
		{"wrong secret", "wrong", append([]string{"schema", "list"}, ep...), "", exitUsage, "InvalidSignatureException"},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		env := envMap(map[string]string{"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": tc.secret, "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_GLUE": tc.glueURL})
		code := run(context.Background(), tc.args, &out, &errOut, env)
		if code != tc.wantCode || !strings.Contains(out.String()+errOut.String(), tc.want) {
			t.Errorf("%s: exit %d, want %d with %q; stdout %q stderr %q", tc.name, code, tc.wantCode, tc.want, out.String(), errOut.String())
		}
	}
}
