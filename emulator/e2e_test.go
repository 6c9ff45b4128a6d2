package emulator_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/schemas"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/evolvestack/evolvestack/emulator"
)

// rewrite returns an APIOptions entry that alters the outgoing HTTP request
// after signing, to send what a buggy or foreign client would.
func rewrite(f func(r *smithyhttp.Request) *smithyhttp.Request) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("evolvestackRewrite",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if r, ok := in.Request.(*smithyhttp.Request); ok {
					in.Request = f(r)
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
}

// withBody replaces the request body.
func withBody(body string) func(r *smithyhttp.Request) *smithyhttp.Request {
	return func(r *smithyhttp.Request) *smithyhttp.Request {
		r.ContentLength = int64(len(body))
		r.Header.Del("Content-Length")
		nr, err := r.SetStream(strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		return nr
	}
}

// withHeader sets a request header.
func withHeader(k, v string) func(r *smithyhttp.Request) *smithyhttp.Request {
	return func(r *smithyhttp.Request) *smithyhttp.Request {
		r.Header.Set(k, v)
		return r
	}
}

// wantAPIError asserts err is an AWS API error with the given code and a
// message containing msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s error, got success", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %T: %v", code, err, err)
	}
	if ae.ErrorCode() != code {
		t.Errorf("error code %q, want %q (message %q)", ae.ErrorCode(), code, ae.ErrorMessage())
	}
	if !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("error message %q lacks %q", ae.ErrorMessage(), msg)
	}
}

// TestEachProtocolThroughTheSDK drives a trivial operation of every service
// through its real aws-sdk-go-v2 client: awsJson 1.1 (Kinesis, Glue,
// EventBridge), awsJson 1.0 (SQS), awsQuery (SNS), restJson1 (Lambda,
// Schemas).
func TestEachProtocolThroughTheSDK(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	cfg := e.AWSConfig()
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"kinesis ListStreams", func() error {
			out, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
			if err == nil && (out.HasMoreStreams == nil || *out.HasMoreStreams) {
				return errors.New("HasMoreStreams not false")
			}
			return err
		}},
		{"sqs ListQueues", func() error {
			_, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		}},
		{"sns ListTopics", func() error {
			_, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		}},
		{"eventbridge ListRules", func() error {
			_, err := eventbridge.NewFromConfig(cfg).ListRules(ctx, &eventbridge.ListRulesInput{})
			return err
		}},
		{"glue ListRegistries", func() error {
			_, err := glue.NewFromConfig(cfg).ListRegistries(ctx, &glue.ListRegistriesInput{})
			return err
		}},
		{"lambda ListFunctions", func() error {
			_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}},
		{"schemas ListDiscoverers", func() error {
			_, err := schemas.NewFromConfig(cfg).ListDiscoverers(ctx, &schemas.ListDiscoverersInput{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.call(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestErrorsThroughTheSDK checks that each protocol family's clients get
// correctly shaped errors for unknown operations, malformed requests,
// validation failures and operations evolvestack does not serve.
func TestErrorsThroughTheSDK(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	cfg := e.AWSConfig()
	ctx := context.Background()
	kin := func(r func(*smithyhttp.Request) *smithyhttp.Request) *kinesis.Client {
		return kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.APIOptions = append(o.APIOptions, rewrite(r)) })
	}
	sq := func(r func(*smithyhttp.Request) *smithyhttp.Request) *sqs.Client {
		return sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.APIOptions = append(o.APIOptions, rewrite(r)) })
	}
	sn := func(r func(*smithyhttp.Request) *smithyhttp.Request) *sns.Client {
		return sns.NewFromConfig(cfg, func(o *sns.Options) { o.APIOptions = append(o.APIOptions, rewrite(r)) })
	}
	lam := func(r func(*smithyhttp.Request) *smithyhttp.Request) *lambda.Client {
		return lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.APIOptions = append(o.APIOptions, rewrite(r)) })
	}
	noop := func(r *smithyhttp.Request) *smithyhttp.Request { return r }
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{
			name: "awsJson1.1 unknown operation",
			call: func() error {
				_, err := kin(withHeader("X-Amz-Target", "Kinesis_20131202.NoSuchOperation")).ListStreams(ctx, &kinesis.ListStreamsInput{})
				return err
			},
			code: "UnknownOperationException",
		},
		{
			name: "awsJson1.1 malformed JSON",
			call: func() error {
				_, err := kin(withBody(`{"Limit": `)).ListStreams(ctx, &kinesis.ListStreamsInput{})
				return err
			},
			code: "SerializationException",
		},
		{
			name: "awsJson1.1 wrong member type",
			call: func() error {
				_, err := kin(withBody(`{"Limit": "ten"}`)).ListStreams(ctx, &kinesis.ListStreamsInput{})
				return err
			},
			code: "SerializationException",
		},
		{
			name: "awsJson1.1 validation",
			call: func() error {
				_, err := kin(noop).ListStreams(ctx, &kinesis.ListStreamsInput{Limit: aws.Int32(0)})
				return err
			},
			code: "ValidationException",
			msg:  "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			name: "awsJson1.1 operation not served",
			call: func() error {
				_, err := glue.NewFromConfig(cfg).GetJobs(ctx, &glue.GetJobsInput{})
				return err
			},
			code: "UnsupportedOperation",
			msg:  "GetJobs",
		},
		{
			name: "awsJson1.0 unknown operation",
			call: func() error {
				_, err := sq(withHeader("X-Amz-Target", "AmazonSQS.NoSuchOperation")).ListQueues(ctx, &sqs.ListQueuesInput{})
				return err
			},
			code: "UnknownOperationException",
		},
		{
			name: "awsJson1.0 malformed JSON",
			call: func() error {
				_, err := sq(withBody(`[`)).ListQueues(ctx, &sqs.ListQueuesInput{})
				return err
			},
			code: "SerializationException",
		},
		{
			name: "awsQuery unknown action",
			call: func() error {
				_, err := sn(withBody("Action=NoSuchAction&Version=2010-03-31")).ListTopics(ctx, &sns.ListTopicsInput{})
				return err
			},
			code: "InvalidAction",
			msg:  "NoSuchAction",
		},
		{
			name: "awsQuery missing action",
			call: func() error {
				_, err := sn(withBody("Version=2010-03-31")).ListTopics(ctx, &sns.ListTopicsInput{})
				return err
			},
			code: "MissingAction",
		},
		{
			name: "restJson1 unknown path",
			call: func() error {
				_, err := lam(func(r *smithyhttp.Request) *smithyhttp.Request { r.URL.Path = "/2015-03-31/no-such-resource"; return r }).ListFunctions(ctx, &lambda.ListFunctionsInput{})
				return err
			},
			code: "UnknownOperationException",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantAPIError(t, tt.call(), tt.code, tt.msg)
		})
	}
}

// TestQueryRawForm posts raw awsQuery forms and checks the XML shapes.
func TestQueryRawForm(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantBody   []string
	}{
		{
			name:       "ListTopics",
			form:       url.Values{"Action": {"ListTopics"}, "Version": {"2010-03-31"}},
			wantStatus: 200,
			wantBody:   []string{`<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">`, "<ListTopicsResult", "<ResponseMetadata>", "<RequestId>"},
		},
		{
			name:       "unknown action",
			form:       url.Values{"Action": {"Frobnicate"}, "Version": {"2010-03-31"}},
			wantStatus: 400,
			wantBody:   []string{"<ErrorResponse", "<Type>Sender</Type>", "<Code>InvalidAction</Code>", "Frobnicate", "<RequestId>"},
		},
		{
			name:       "missing action",
			form:       url.Values{"Version": {"2010-03-31"}},
			wantStatus: 400,
			wantBody:   []string{"<ErrorResponse", "<Code>MissingAction</Code>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodPost, e.Endpoint()+"/", strings.NewReader(tt.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			for _, w := range tt.wantBody {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

// TestStrictAuth checks SigV4 verification through real clients.
func TestStrictAuth(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithStrictAuth(map[string]string{"AKIDGOOD": "right-secret"}))
	ctx := context.Background()
	cfgWith := func(key, secret string) aws.Config {
		c := e.AWSConfig()
		c.Credentials = credentials.NewStaticCredentialsProvider(key, secret, "")
		c.RetryMaxAttempts = 1
		return c
	}
	tests := []struct {
		name, key, secret string
		call              func(aws.Config) error
		code              string
	}{
		{"json good", "AKIDGOOD", "right-secret", func(c aws.Config) error {
			_, err := kinesis.NewFromConfig(c).ListStreams(ctx, &kinesis.ListStreamsInput{})
			return err
		}, ""},
		{"json wrong secret", "AKIDGOOD", "wrong", func(c aws.Config) error {
			_, err := kinesis.NewFromConfig(c).ListStreams(ctx, &kinesis.ListStreamsInput{})
			return err
		}, "InvalidSignatureException"},
		{"json unknown key", "AKIDBAD", "x", func(c aws.Config) error {
			_, err := kinesis.NewFromConfig(c).ListStreams(ctx, &kinesis.ListStreamsInput{})
			return err
		}, "UnrecognizedClientException"},
		{"query good", "AKIDGOOD", "right-secret", func(c aws.Config) error {
			_, err := sns.NewFromConfig(c).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		}, ""},
		{"query wrong secret", "AKIDGOOD", "wrong", func(c aws.Config) error {
			_, err := sns.NewFromConfig(c).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		}, "SignatureDoesNotMatch"},
		{"query unknown key", "AKIDBAD", "x", func(c aws.Config) error {
			_, err := sns.NewFromConfig(c).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		}, "InvalidClientTokenId"},
		{"rest good", "AKIDGOOD", "right-secret", func(c aws.Config) error {
			_, err := lambda.NewFromConfig(c).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}, ""},
		{"rest wrong secret", "AKIDGOOD", "wrong", func(c aws.Config) error {
			_, err := lambda.NewFromConfig(c).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}, "InvalidSignatureException"},
		{"rest unknown key", "AKIDBAD", "x", func(c aws.Config) error {
			_, err := lambda.NewFromConfig(c).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		}, "UnrecognizedClientException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(cfgWith(tt.key, tt.secret))
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantAPIError(t, err, tt.code, "")
		})
	}
}

// TestHTTP2PriorKnowledge speaks HTTP/2 without TLS (h2c), as the
// JavaScript SDK's Kinesis client does by default.
func TestHTTP2PriorKnowledge(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protocols}
	defer tr.CloseIdleConnections()
	cfg := e.AWSConfig()
	var proto string
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := tr.RoundTrip(r)
		if err == nil {
			proto = resp.Proto
		}
		return resp, err
	})}
	if _, err := kinesis.NewFromConfig(cfg).ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatal(err)
	}
	if proto != "HTTP/2.0" {
		t.Fatalf("response protocol %q, want HTTP/2.0", proto)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
