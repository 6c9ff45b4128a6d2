package emulator_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// shellZip is a function zip whose bootstrap runs script.
func shellZip(t *testing.T, script string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, "#!/bin/sh\n"+script+"\n")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawCall sends one request as a browser or a rebinding page would.
func rawCall(t *testing.T, method, url, host string, headers map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// TestCrossSiteRequestsRefused reproduces the attacks a web page could make
// on a developer's emulator: each is refused with 403 in the protocol's
// shape, and has no effect.
func TestCrossSiteRequestsRefused(t *testing.T) {
	t.Parallel()
	clk := clock.New(clock.WithStart(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)), clock.WithScale(0))
	e := emulator.Start(t, emulator.WithClock(clk))
	ctx := context.Background()
	lam := lambdasdk.NewFromConfig(e.AWSConfig())
	sq := sqs.NewFromConfig(e.AWSConfig())
	if _, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("keep")}); err != nil {
		t.Fatal(err)
	}
	zipB64 := base64.StdEncoding.EncodeToString(shellZip(t, "touch /tmp/evolvestack-pwned"))
	createFn := fmt.Sprintf(`{"FunctionName":"pwn","Runtime":"provided.al2023","Role":"arn:aws:iam::000000000000:role/r","Handler":"x","Code":{"ZipFile":%q}}`, zipB64)
	evil := map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain"}
	navigation := map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(e.Endpoint(), "http://"))
	rebound := "attacker.example:" + port

	tests := []struct {
		name, method, path, host string
		headers                  map[string]string
		body                     string
		wantInBody               string // the protocol's error shape
	}{
		{"simple POST CreateFunction", "POST", "/2015-03-31/functions", "", evil, createFn, `AccessDeniedException: {"message":"evolvestack refuses cross-site requests from origin`},
		{"simple POST Invoke", "POST", "/2015-03-31/functions/pwn/invocations", "", evil, `{}`, `AccessDeniedException: {"message"`},
		{"GET query CreateQueue", "GET", "/?Action=CreateQueue&QueueName=evil", "", navigation, "", "<Code>AccessDenied</Code>"},
		{"GET query DeleteQueue", "GET", "/000000000000/keep?Action=DeleteQueue", "", navigation, "", "<Code>AccessDenied</Code>"},
		{"form POST SendMessage", "POST", "/", "", map[string]string{"Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"},
			"Action=SendMessage&QueueUrl=" + e.Endpoint() + "/000000000000/keep&MessageBody=x", "<ErrorResponse"},
		{"awsJson SQS text/plain", "POST", "/", "", map[string]string{"Origin": "null", "Content-Type": "text/plain", "X-Amz-Target": "AmazonSQS.PurgeQueue"}, `{"QueueUrl":"` + e.Endpoint() + `/000000000000/keep"}`, "AccessDenied"},
		{"admin reset", "POST", "/_evolvestack/reset", "", evil, `{}`, `"error"`},
		{"admin clock", "POST", "/_evolvestack/clock", "", evil, `{"advance":"1h"}`, `"error"`},
		{"admin guard set", "PUT", "/_evolvestack/guard/resources", "", evil, `{"resource":"arn:aws:sqs:us-east-1:000000000000:q","schema":"glue:r/s"}`, `"error"`},
		{"admin guard violations", "GET", "/_evolvestack/guard/violations", "", evil, "", `"error"`},
		{"admin faults add", "POST", "/_evolvestack/faults", "", evil, `{"service":"sqs","status":503}`, `"error"`},
		{"admin faults clear", "DELETE", "/_evolvestack/faults", "", evil, "", `"error"`},
		{"admin faults preset", "POST", "/_evolvestack/faults/presets/flaky-network", "", evil, `{}`, `"error"`},
		{"admin faults log", "GET", "/_evolvestack/faults/log", "", evil, "", `"error"`},
		{"admin data export", "GET", "/_evolvestack/data/export", "", evil, "", `"error"`},
		{"admin data import", "POST", "/_evolvestack/data/import", "", evil, `{"evolvestack":"x","format":1}`, `"error"`},
		{"admin kms key", "POST", "/_evolvestack/events/kms-keys", "", evil, `{"keyId":"k","disabled":true}`, `"error"`},
		{"rebinding export", "GET", "/_evolvestack/data/export", rebound, nil, "", "DNS rebinding"},
		{"admin overview", "GET", "/_evolvestack/overview", "", evil, "", `"error"`},
		{"admin peek", "GET", "/_evolvestack/sqs/queues/keep/peek", "", evil, "", `"error"`},
		{"admin redrive", "POST", "/_evolvestack/sqs/queues/keep/redrive", "", evil, `{}`, `"error"`},
		{"admin purge", "POST", "/_evolvestack/sqs/queues/keep/purge", "", evil, `{}`, `"error"`},
		{"admin glue diff", "GET", "/_evolvestack/glue/diff?from=a&to=b", "", evil, "", `"error"`},
		{"admin tail", "GET", "/_evolvestack/tail?format=json", "", evil, "", `"error"`},
		{"rebinding dashboard", "GET", "/_evolvestack/ui/", rebound, nil, "", "DNS rebinding"},
		{"runtime API", "GET", "/_evolvestack/lambda-runtime/000000000000/us-east-1/x/2018-06-01/runtime/invocation/next", "", evil, "", `"error"`},
		{"rebinding read", "GET", "/?Action=ListQueues", rebound, nil, "", "DNS rebinding"},
		{"rebinding admin", "GET", "/_evolvestack/clock", rebound, nil, "", "DNS rebinding"},
		{"rebinding health", "GET", "/_evolvestack/health", rebound, nil, "", "DNS rebinding"},
		{"rebinding CreateFunction", "POST", "/2015-03-31/functions", rebound, map[string]string{"Content-Type": "application/json"}, createFn, "DNS rebinding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := rawCall(t, tc.method, e.Endpoint()+tc.path, tc.host, tc.headers, tc.body)
			if status != http.StatusForbidden {
				t.Fatalf("status %d, want 403: %s", status, body)
			}
			if et := hdr.Get("X-Amzn-Errortype"); et != "" {
				body = et + ": " + body // restJson names the error in a header
			}
			if !strings.Contains(body, tc.wantInBody) {
				t.Fatalf("body %q lacks %q", body, tc.wantInBody)
			}
			if hdr.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("refusal carries Access-Control-Allow-Origin %q", hdr.Get("Access-Control-Allow-Origin"))
			}
		})
	}
	// Nothing took effect.
	if n := len(e.Faults().List()); n != 0 {
		t.Errorf("the cross-site requests added %d fault rules", n)
	}
	if _, err := lam.GetFunction(ctx, &lambdasdk.GetFunctionInput{FunctionName: aws.String("pwn")}); err == nil {
		t.Error("the cross-site CreateFunction created a function")
	}
	qs, err := sq.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs.QueueUrls) != 1 || !strings.HasSuffix(qs.QueueUrls[0], "/keep") {
		t.Errorf("queues after the attacks: %v, want only keep", qs.QueueUrls)
	}
	attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(qs.QueueUrls[0]), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		t.Fatal(err)
	}
	if n := attrs.Attributes["ApproximateNumberOfMessages"]; n != "0" {
		t.Errorf("%s messages sent cross-site", n)
	}
	if got := clk.Now(); !got.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("clock moved to %v", got)
	}
	if g := e.Guard().Explicit(); len(g) != 0 {
		t.Errorf("a cross-site PUT set schema guards: %v", g)
	}
}

// TestBrowserFromAllowedOrigin checks that a web app on an allowed origin
// can use the APIs from a browser: preflights pass and answers carry CORS
// headers.
func TestBrowserFromAllowedOrigin(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithAllowedOrigins("http://app.test:8080"))
	for _, origin := range []string{"http://localhost:3000", "http://app.test:8080"} {
		status, hdr, body := rawCall(t, "OPTIONS", e.Endpoint()+"/", "", map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-target,amz-sdk-invocation-id,amz-sdk-request,x-amz-user-agent",
		}, "")
		if status != http.StatusNoContent || hdr.Get("Access-Control-Allow-Origin") != origin ||
			!strings.Contains(hdr.Get("Access-Control-Allow-Headers"), "x-amz-target") {
			t.Fatalf("preflight from %s: %d %v %s", origin, status, hdr, body)
		}
		status, hdr, body = rawCall(t, "POST", e.Endpoint()+"/", "", map[string]string{
			"Origin": origin, "Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue",
		}, `{"QueueName":"from-browser"}`)
		if status != http.StatusOK || hdr.Get("Access-Control-Allow-Origin") != origin ||
			!strings.Contains(hdr.Get("Access-Control-Expose-Headers"), "x-amzn-RequestId") {
			t.Fatalf("CreateQueue from %s: %d %v %s", origin, status, hdr, body)
		}
	}
	status, hdr, _ := rawCall(t, "OPTIONS", e.Endpoint()+"/", "", map[string]string{
		"Origin": "https://evil.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}, "")
	if status != http.StatusForbidden || hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from a foreign origin: %d %v", status, hdr)
	}
}

// TestStrictAdminAPI checks that with strict authentication the admin API
// needs signed credentials or the admin token, health stays open, and
// signature expiry follows the wall clock, not virtual time.
func TestStrictAdminAPI(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithStrictAuth(map[string]string{emulator.DefaultAccount: "evolvestack"}),
		emulator.WithClock(clock.New(clock.WithScale(0))))
	if len(e.AdminToken()) < 32 {
		t.Fatalf("admin token %q", e.AdminToken())
	}
	sign := func(secret string) func(*http.Request) {
		return func(r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			sum := sha256.Sum256(body)
			err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: emulator.DefaultAccount, SecretAccessKey: secret},
				r, hex.EncodeToString(sum[:]), "evolvestack", "us-east-1", time.Now())
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	tests := []struct {
		name, method, path, body string
		auth                     func(*http.Request)
		status                   int
	}{
		{"reset unsigned", "POST", "/_evolvestack/reset", `{}`, nil, http.StatusForbidden},
		{"clock unsigned", "POST", "/_evolvestack/clock", `{"advance":"1h"}`, nil, http.StatusForbidden},
		{"clock read unsigned", "GET", "/_evolvestack/clock", "", nil, http.StatusForbidden},
		{"invocations unsigned", "GET", "/_evolvestack/lambda/functions/f/invocations", "", nil, http.StatusForbidden},
		{"guard unsigned", "PUT", "/_evolvestack/guard/resources", `{"resource":"arn:aws:sqs:us-east-1:000000000000:q","schema":"glue:r/s"}`, nil, http.StatusForbidden},
		{"guard violations unsigned", "GET", "/_evolvestack/guard/violations", "", nil, http.StatusForbidden},
		{"faults add unsigned", "POST", "/_evolvestack/faults", `{"service":"sqs","status":503}`, nil, http.StatusForbidden},
		{"faults list unsigned", "GET", "/_evolvestack/faults", "", nil, http.StatusForbidden},
		{"export unsigned", "GET", "/_evolvestack/data/export", "", nil, http.StatusForbidden},
		{"import unsigned", "POST", "/_evolvestack/data/import", `{"evolvestack":"x","format":1}`, nil, http.StatusForbidden},
		{"export with the token", "GET", "/_evolvestack/data/export", "", bearer(e.AdminToken()), http.StatusOK},
		{"faults remove unsigned", "DELETE", "/_evolvestack/faults/f-1", "", nil, http.StatusForbidden},
		{"faults preset unsigned", "POST", "/_evolvestack/faults/presets/flaky-network", `{}`, nil, http.StatusForbidden},
		{"faults log unsigned", "GET", "/_evolvestack/faults/log", "", nil, http.StatusForbidden},
		{"faults token", "GET", "/_evolvestack/faults", "", bearer(e.AdminToken()), http.StatusOK},
		{"unknown route unsigned", "GET", "/_evolvestack/nope", "", nil, http.StatusForbidden},
		{"health open", "GET", "/_evolvestack/health", "", nil, http.StatusOK},
		{"wrong token", "POST", "/_evolvestack/reset", `{}`, bearer("nope"), http.StatusForbidden},
		{"token", "POST", "/_evolvestack/reset", `{}`, bearer(e.AdminToken()), http.StatusOK},
		{"wrong secret", "POST", "/_evolvestack/clock", `{"advance":"1h"}`, sign("wrong"), http.StatusForbidden},
		{"signed", "POST", "/_evolvestack/clock", `{"advance":"6m"}`, sign("evolvestack"), http.StatusOK},
		{"signed read", "GET", "/_evolvestack/clock", "", sign("evolvestack"), http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.Endpoint()+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.auth != nil {
				tc.auth(req)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, raw)
			}
		})
	}
	// The signed clock call moved virtual time 6 minutes; move it an hour
	// more: SDK calls signed now must still pass.
	if err := e.Clock().Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	sq := sqs.NewFromConfig(e.AWSConfig())
	if _, err := sq.ListQueues(context.Background(), &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("signed call after moving the virtual clock: %v", err)
	}
}

// TestMalformedRegions checks that a credential scope naming no AWS region
// is refused as AWS's front end refuses it, in every protocol, and makes no
// state.
func TestMalformedRegions(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	tests := []struct {
		name string
		call func(cfg aws.Config) error
		code string
	}{
		{"sqs awsJson", func(cfg aws.Config) error {
			_, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		}, "SignatureDoesNotMatch"}, // SQS keeps its query-protocol codes in JSON
		{"lambda restJson", func(cfg aws.Config) error {
			_, err := lambdasdk.NewFromConfig(cfg).ListFunctions(ctx, &lambdasdk.ListFunctionsInput{})
			return err
		}, "InvalidSignatureException"},
	}
	for _, region := range []string{"xx-nowhere-1", "mars", "us-east-1a", "eu-west"} {
		for _, tc := range tests {
			t.Run(tc.name+"/"+region, func(t *testing.T) {
				cfg := e.AWSConfig()
				cfg.Region = region
				cfg.RetryMaxAttempts = 1
				err := tc.call(cfg)
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() != "Credential should be scoped to a valid region, not '"+region+"'." {
					t.Fatalf("err %v, want %s naming the region", err, tc.code)
				}
			})
		}
	}
	status, _, body := rawCall(t, "GET", e.Endpoint()+"/?Action=ListQueues", "", map[string]string{
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1..%2F/sqs/aws4_request, SignedHeaders=host, Signature=00"}, "")
	if status != http.StatusForbidden || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("query with a bad region: %d %s", status, body)
	}
	status, _, body = rawCall(t, "GET", e.Endpoint()+"/_evolvestack/lambda/functions/f/invocations?region=mars", "", nil, "")
	if status != http.StatusBadRequest || !strings.Contains(body, `region \"mars\"`) {
		t.Errorf("admin with a bad region: %d %s", status, body)
	}
	status, _, _ = rawCall(t, "GET", e.Endpoint()+"/_evolvestack/lambda-runtime/000000000000/mars/x/2018-06-01/runtime/invocation/next", "", nil, "")
	if status != http.StatusNotFound {
		t.Errorf("runtime API with a bad region: %d", status)
	}
	for _, sc := range e.Scopes("") {
		if sc.Region != e.Region() {
			t.Errorf("state was made for %+v", sc)
		}
	}
}

// TestResetUnderLoad resets all state again and again while SDK clients
// call every service: each call succeeds or answers a normal 4xx error,
// never a 5xx.
func TestResetUnderLoad(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	cfg := e.AWSConfig()
	cfg.RetryMaxAttempts = 1
	sq := sqs.NewFromConfig(cfg)
	lam := lambdasdk.NewFromConfig(cfg)
	kin := kinesis.NewFromConfig(cfg)
	calls := []func(i int) error{
		func(i int) error {
			out, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
			if err != nil {
				return err
			}
			_, err = sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String("m")})
			return err
		},
		func(i int) error {
			e.RegisterHandler("fn", func(ctx context.Context, in map[string]any) (map[string]any, error) { return in, nil })
			_, err := lam.CreateFunction(ctx, &lambdasdk.CreateFunctionInput{FunctionName: aws.String("fn"), Runtime: lambdatypes.RuntimeProvidedal2023,
				Role: aws.String("arn:aws:iam::000000000000:role/r"), Handler: aws.String("x"), Code: &lambdatypes.FunctionCode{ZipFile: shellZip(t, "exit 3")}})
			var conflict *lambdatypes.ResourceConflictException
			if err != nil && !errors.As(err, &conflict) {
				return err
			}
			_, err = lam.Invoke(ctx, &lambdasdk.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{"a":1}`)})
			return err
		},
		func(i int) error {
			_, err := kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(fmt.Sprintf("s%d", i)), ShardCount: aws.Int32(1)})
			return err
		},
	}
	stop := make(chan struct{})
	resets := make(chan int)
	go func() {
		n := 0
		defer func() { resets <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := e.Reset("", ""); err != nil {
				t.Error(err)
			}
			n++
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for w, call := range calls {
		wg.Go(func() {
			for i := range 150 {
				err := call(i)
				var re *awshttp.ResponseError
				if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
					t.Errorf("worker %d call %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	t.Logf("%d resets during the calls", <-resets)
}
