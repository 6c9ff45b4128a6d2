package emulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

// fastRetries is the SDK's standard retryer with short backoffs.
func fastRetries(o *retry.StandardOptions) {
	o.Backoff = retry.NewExponentialJitterBackoff(20 * time.Millisecond)
}

func addFault(t *testing.T, e *emulator.Emulator, r faults.Rule) faults.Rule {
	t.Helper()
	out, err := e.Faults().Add(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newStream(t *testing.T, ctx context.Context, kc *kinesis.Client, name string) {
	t.Helper()
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	w := kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestFaultsRetryerRidesOutKinesisThrottling(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	kc := kinesis.NewFromConfig(e.AWSConfig(), func(o *kinesis.Options) { o.Retryer = retry.NewStandard(fastRetries) })
	newStream(t, ctx, kc, "orders")
	rule := addFault(t, e, faults.Rule{Service: "kinesis", Operation: "PutRecord", Resource: "orders", Error: "ProvisionedThroughputExceededException", Count: 2})
	out, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("k"), Data: []byte("v")})
	if err != nil {
		t.Fatalf("the standard retryer did not ride out 2 throttles: %v", err)
	}
	log, _ := e.Faults().Log()
	if len(log) != 2 || log[0].Rule != rule.ID || log[0].Operation != "PutRecord" || log[0].Resource != "orders" || log[0].RequestID == "" {
		t.Fatalf("log %+v", log)
	}
	// The record was written once, by the third attempt.
	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("orders"), ShardId: out.ShardId, ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(recs.Records) != 1 {
		t.Fatalf("records %v, %v; want 1", recs, err)
	}
	// Without retries the same fault reaches the caller as the SDK's
	// typed, retryable error.
	addFault(t, e, faults.Rule{Service: "kinesis", Operation: "PutRecord", Error: "ProvisionedThroughputExceededException", Count: 1})
	_, err = kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("k"), Data: []byte("v")},
		func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })
	var pte *kinesistypes.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Fatalf("error %v, want ProvisionedThroughputExceededException", err)
	}
}

func TestFaultsErrorShapes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	noRetry := func(o *retry.StandardOptions) { o.MaxAttempts = 1 }
	cfg := e.AWSConfig()
	cfg.Retryer = func() aws.Retryer { return retry.NewStandard(noRetry) }
	tests := []struct {
		name       string
		rule       faults.Rule
		call       func() error
		wantCode   string
		wantStatus int
	}{
		{"awsQuery SNS Throttled", faults.Rule{Service: "sns", Operation: "ListTopics", Error: "Throttled"},
			func() error { _, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{}); return err }, "Throttled", 429},
		{"awsJson SQS RequestThrottled", faults.Rule{Service: "sqs", Operation: "ListQueues", Error: "RequestThrottled"},
			func() error { _, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{}); return err }, "RequestThrottled", 400},
		{"restJson Lambda TooManyRequests", faults.Rule{Service: "lambda", Operation: "ListFunctions", Error: "TooManyRequestsException"},
			func() error {
				_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
				return err
			}, "TooManyRequestsException", 429},
		{"explicit message and status", faults.Rule{Service: "kinesis", Operation: "ListStreams", Error: "InternalFailure", Message: "boom", Status: 503},
			func() error {
				_, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
				return err
			}, "InternalFailure", 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := addFault(t, e, tc.rule)
			defer e.Faults().Remove(r.ID)
			err := tc.call()
			var ae smithy.APIError
			var re *smithyhttp.ResponseError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.wantCode || !errors.As(err, &re) || re.HTTPStatusCode() != tc.wantStatus {
				t.Fatalf("error %v, want %s with HTTP %d", err, tc.wantCode, tc.wantStatus)
			}
			if tc.rule.Message != "" && ae.ErrorMessage() != tc.rule.Message {
				t.Fatalf("message %q, want %q", ae.ErrorMessage(), tc.rule.Message)
			}
		})
	}
}

func TestFaultsEmpty503(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	addFault(t, e, faults.Rule{Service: "sqs", Operation: "ListQueues", Status: 503, Count: 1})
	// Over plain HTTP: the status and nothing else.
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.Endpoint(), strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "AmazonSQS.ListQueues")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.ContentLength != 0 {
		t.Fatalf("HTTP %d with %d bytes, want an empty 503", resp.StatusCode, resp.ContentLength)
	}
	// The SDK retries a 503 and gets through once the rule is spent.
	addFault(t, e, faults.Rule{Service: "sqs", Operation: "ListQueues", Status: 503, Count: 1})
	qc := sqs.NewFromConfig(e.AWSConfig(), func(o *sqs.Options) { o.Retryer = retry.NewStandard(fastRetries) })
	if _, err := qc.ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("the retryer did not ride out a 503: %v", err)
	}
}

func TestFaultsLatencyAfterTheWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	qc := sqs.NewFromConfig(e.AWSConfig(), func(o *sqs.Options) { o.RetryMaxAttempts = 1 })
	q, err := qc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("jobs")})
	if err != nil {
		t.Fatal(err)
	}
	addFault(t, e, faults.Rule{Service: "sqs", Operation: "SendMessage", Resource: "jobs", Latency: &faults.Latency{Min: 3 * time.Second, Max: 3 * time.Second}, When: faults.After, Count: 1})
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = qc.SendMessage(tctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("sent once")})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the client's timeout", err)
	}
	msgs, err := qc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1})
	if err != nil || len(msgs.Messages) != 1 || aws.ToString(msgs.Messages[0].Body) != "sent once" {
		t.Fatalf("messages %+v, %v: the write should have happened", msgs, err)
	}
}

func TestFaultsReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	addFault(t, e, faults.Rule{Service: "sqs", Operation: "ListQueues", Reset: true, Count: 1})
	qc := sqs.NewFromConfig(e.AWSConfig())
	_, err := qc.ListQueues(ctx, &sqs.ListQueuesInput{}, func(o *sqs.Options) { o.RetryMaxAttempts = 1 })
	var re *smithyhttp.ResponseError
	if err == nil || (errors.As(err, &re) && re.HTTPStatusCode() != 0) {
		t.Fatalf("error %v, want a dropped connection (no HTTP answer)", err)
	}
	addFault(t, e, faults.Rule{Service: "sqs", Operation: "ListQueues", Reset: true, Count: 1})
	if _, err := qc.ListQueues(ctx, &sqs.ListQueuesInput{}, func(o *sqs.Options) { o.Retryer = retry.NewStandard(fastRetries) }); err != nil {
		t.Fatalf("the retryer did not ride out a dropped connection: %v", err)
	}
}

func TestFaultsDeterministicWithSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	run := func(seed uint64) string {
		e := emulator.Start(t)
		kc := kinesis.NewFromConfig(e.AWSConfig(), func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })
		newStream(t, ctx, kc, "s")
		addFault(t, e, faults.Rule{Service: "kinesis", Operation: "PutRecord", Error: "ProvisionedThroughputExceededException", Probability: 0.5, Seed: seed})
		var b strings.Builder
		for range 30 {
			_, err := kc.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("v")})
			if err != nil {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b, c := run(42), run(42), run(43)
	if a != b || a == c || !strings.Contains(a, "x") || !strings.Contains(a, ".") {
		t.Fatalf("seed 42: %s and %s; seed 43: %s", a, b, c)
	}
}

func TestFaultsClearedByFullReset(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	addFault(t, e, faults.Rule{Service: "sqs", Status: 503})
	if err := e.Reset("sqs", ""); err != nil || len(e.Faults().List()) != 1 {
		t.Fatalf("a partial reset dropped the rules: %v", err)
	}
	if err := e.Reset("", ""); err != nil || len(e.Faults().List()) != 0 {
		t.Fatalf("a full reset kept the rules: %v", err)
	}
	if _, err := sqs.NewFromConfig(e.AWSConfig()).ListQueues(context.Background(), &sqs.ListQueuesInput{}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkFaultsHotPaths measures the server side of Kinesis PutRecords
// (100 records) and SQS SendMessageBatch (10 entries) with no fault rule
// and with 10 rules that match neither; issue 17 asks the first to stay
// within 3% of the router without the hook.
func BenchmarkFaultsHotPaths(b *testing.B) {
	ctx := context.Background()
	e := emulator.Start(b)
	kc := kinesis.NewFromConfig(e.AWSConfig())
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(1)}); err != nil {
		b.Fatal(err)
	}
	e.Clock().Advance(e.Kinesis().Options().CreateDelay)
	w := kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("bench")}, 10*time.Second); err != nil {
		b.Fatal(err)
	}
	q, err := sqs.NewFromConfig(e.AWSConfig()).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	var recs, entries []string
	for i := range 100 {
		recs = append(recs, fmt.Sprintf(`{"Data":"%s","PartitionKey":"pk-%d"}`, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'a' + byte(i%26)}, 100)), i))
	}
	for i := range 10 {
		entries = append(entries, fmt.Sprintf(`{"Id":"m%d","MessageBody":"%s"}`, i, strings.Repeat("b", 100)))
	}
	ops := []struct {
		name, target, ctype, service, body string
	}{
		{"PutRecords", "Kinesis_20131202.PutRecords", "application/x-amz-json-1.1", "kinesis", `{"StreamName":"bench","Records":[` + strings.Join(recs, ",") + `]}`},
		{"SendMessageBatch", "AmazonSQS.SendMessageBatch", "application/x-amz-json-1.0", "sqs", `{"QueueUrl":"` + aws.ToString(q.QueueUrl) + `","Entries":[` + strings.Join(entries, ",") + `]}`},
	}
	h := e.Handler()
	for _, rules := range []int{0, 10} {
		for _, op := range ops {
			b.Run(fmt.Sprintf("%s/rules=%d", op.name, rules), func(b *testing.B) {
				e.Faults().Clear()
				for i := range rules {
					if _, err := e.Faults().Add(faults.Rule{Service: op.service, Resource: fmt.Sprintf("other-%d", i), Status: 503}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(op.body))
					req.Host = "127.0.0.1:4566"
					req.Header.Set("X-Amz-Target", op.target)
					req.Header.Set("Content-Type", op.ctype)
					req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20250101/us-east-1/"+op.service+"/aws4_request, SignedHeaders=host, Signature=abcd")
					req.Header.Set("X-Amz-Date", "20250101T000000Z")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
