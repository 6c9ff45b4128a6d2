package emulator_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	kinesissvc "github.com/evolvestack/evolvestack/emulator/kinesis"
)

// kfHeaders records the headers of every response a client received.
type kfHeaders struct {
	mu   sync.Mutex
	seen []http.Header
	rt   http.RoundTripper
}

func (k *kfHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := k.rt.RoundTrip(r)
	if err == nil {
		k.mu.Lock()
		k.seen = append(k.seen, resp.Header.Clone())
		k.mu.Unlock()
	}
	return resp, err
}

func (k *kfHeaders) all() []http.Header {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]http.Header(nil), k.seen...)
}

var kfUUIDRe = regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)

// checkKinesisHeaders checks what every Kinesis answer carries: a request
// id and an x-amz-id-2 of 72 to 80 random bytes in base64.
func checkKinesisHeaders(t *testing.T, hs []http.Header) {
	t.Helper()
	if len(hs) == 0 {
		t.Fatal("no responses recorded")
	}
	for i, h := range hs {
		if id := h.Get("X-Amzn-Requestid"); !kfUUIDRe.MatchString(id) {
			t.Errorf("response %d: x-amzn-RequestId %q", i, id)
		}
		raw, err := base64.StdEncoding.DecodeString(h.Get("X-Amz-Id-2"))
		if err != nil || len(raw) < 72 || len(raw) > 80 {
			t.Errorf("response %d: x-amz-id-2 %q (%d bytes, %v)", i, h.Get("X-Amz-Id-2"), len(raw), err)
		}
	}
}

// TestKinesisFrontEndSDK drives the aws-sdk-go-v2 Kinesis client end to
// end through the Kinesis front end: signed calls work and every answer
// carries Kinesis's headers; an unsigned client is refused as AWS refuses
// it.
func TestKinesisFrontEndSDK(t *testing.T) {
	t.Parallel()
	clk := clock.New(clock.WithScale(0))
	e := emulator.Start(t, emulator.WithClock(clk))
	ctx := context.Background()
	rec := &kfHeaders{rt: http.DefaultTransport}
	cfg := e.AWSConfig()
	cfg.HTTPClient = &http.Client{Transport: rec, Timeout: 10 * time.Second}
	kin := kinesis.NewFromConfig(cfg)

	if _, err := kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("fe"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if err := clk.Advance(kinesissvc.AWSCreateDelay); err != nil {
		t.Fatal(err)
	}
	put, err := kin.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("fe"), PartitionKey: aws.String("k"), Data: []byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	it, err := kin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("fe"), ShardId: put.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := kin.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Records) != 1 || string(recs.Records[0].Data) != "hello" {
		t.Fatalf("records %+v", recs.Records)
	}
	ls, err := kin.ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil || len(ls.StreamNames) != 1 {
		t.Fatalf("ListStreams %v %v", ls, err)
	}
	// A modelled error still reaches the SDK as itself.
	_, err = kin.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("nope")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("DescribeStreamSummary of a missing stream: %v", err)
	}
	checkKinesisHeaders(t, rec.all())

	// An unsigned client (anonymous credentials) is refused before any
	// effect, as AWS refuses it, in the default auth mode.
	anon := e.AWSConfig()
	anon.Credentials = aws.AnonymousCredentials{}
	anonRec := &kfHeaders{rt: http.DefaultTransport}
	anon.HTTPClient = &http.Client{Transport: anonRec, Timeout: 10 * time.Second}
	_, err = kinesis.NewFromConfig(anon).CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("anon"), ShardCount: aws.Int32(1)})
	checkMissingToken(t, err)
	checkKinesisHeaders(t, anonRec.all())
	if _, err := kin.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("anon")}); !errors.As(err, &rnf) {
		t.Errorf("the unsigned CreateStream made a stream: %v", err)
	}
}

func checkMissingToken(t *testing.T, err error) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "MissingAuthenticationTokenException" || ae.ErrorMessage() != "Missing Authentication Token" {
		t.Fatalf("unsigned call: %v, want MissingAuthenticationTokenException: Missing Authentication Token", err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
		t.Errorf("unsigned call: status %v, want 400", err)
	}
}

// TestKinesisFrontEndSDKStrict checks the SDK client against strict auth:
// the right secret works, a wrong one and no signature are refused.
func TestKinesisFrontEndSDKStrict(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithStrictAuth(map[string]string{emulator.DefaultAccount: "right"}))
	ctx := context.Background()
	cfg := e.AWSConfig()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(emulator.DefaultAccount, "right", "")
	rec := &kfHeaders{rt: http.DefaultTransport}
	cfg.HTTPClient = &http.Client{Transport: rec, Timeout: 10 * time.Second}
	if _, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{}); err != nil {
		t.Fatal(err)
	}
	checkKinesisHeaders(t, rec.all())

	wrong := e.AWSConfig()
	wrong.Credentials = credentials.NewStaticCredentialsProvider(emulator.DefaultAccount, "wrong", "")
	_, err := kinesis.NewFromConfig(wrong).ListStreams(ctx, &kinesis.ListStreamsInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("wrong secret: %v, want InvalidSignatureException", err)
	}

	anon := e.AWSConfig()
	anon.Credentials = aws.AnonymousCredentials{}
	_, err = kinesis.NewFromConfig(anon).ListStreams(ctx, &kinesis.ListStreamsInput{})
	checkMissingToken(t, err)
}
