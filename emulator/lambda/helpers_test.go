package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// bootstrapZip is the test handler (testdata/bootstrap) built for Linux
// and zipped as a provided.al2023 package; TestMain sets it once.
var bootstrapZip []byte

func TestMain(m *testing.M) {
	code, err := buildBootstrap()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bootstrapZip = code
	os.Exit(m.Run())
}

// buildBootstrap compiles testdata/bootstrap into a temporary directory
// and zips it.
func buildBootstrap() ([]byte, error) {
	dir, err := os.MkdirTemp("", "lambda-bootstrap-*")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/bootstrap")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building bootstrap: %v\n%s", err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("reading bootstrap: %w", err)
	}
	return zipFiles(map[string]zipEntry{"bootstrap": {data: bin, mode: 0o755}})
}

type zipEntry struct {
	data []byte
	mode os.FileMode
	// size, when set, is written as the declared uncompressed size.
	size uint64
}

func zipFiles(files map[string]zipEntry) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, f := range files {
		if f.size != 0 {
			hdr := &zip.FileHeader{Name: name, Method: zip.Store, UncompressedSize64: f.size, CompressedSize64: uint64(len(f.data))}
			w, err := zw.CreateRaw(hdr)
			if err != nil {
				return nil, fmt.Errorf("zip %s: %w", name, err)
			}
			if _, err := w.Write(f.data); err != nil {
				return nil, fmt.Errorf("zip %s: %w", name, err)
			}
			continue
		}
		hdr := &zip.FileHeader{Name: name, Method: zip.Deflate}
		mode := f.mode
		if mode == 0 {
			mode = 0o644
		}
		hdr.SetMode(mode)
		w, err := zw.CreateHeader(hdr)
		if err != nil {
			return nil, fmt.Errorf("zip %s: %w", name, err)
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, fmt.Errorf("zip %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	return buf.Bytes(), nil
}

func mustZip(t *testing.T, files map[string]zipEntry) []byte {
	t.Helper()
	b, err := zipFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// env is an emulator with Lambda and SQS clients.
type env struct {
	e      *emulator.Emulator
	lambda *lambdasdk.Client
	sqs    *sqssdk.Client
}

// start starts an emulator; frozen freezes its clock.
func start(t *testing.T, frozen bool) *env {
	t.Helper()
	var opts []emulator.Option
	if frozen {
		opts = append(opts, emulator.WithClock(clock.New(clock.WithScale(0))))
	}
	e := emulator.Start(t, opts...)
	// Registered after Start, so it runs first: handler processes stop
	// (and their Runtime API long polls end) before the server shuts down.
	t.Cleanup(func() { _ = e.Reset("lambda", "") })
	cfg := e.AWSConfig()
	return &env{
		e:      e,
		lambda: lambdasdk.NewFromConfig(cfg, func(o *lambdasdk.Options) { o.RetryMaxAttempts = 1 }),
		sqs:    sqssdk.NewFromConfig(cfg),
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// createFunction creates a provided.al2023 function from code.
func (v *env) createFunction(t *testing.T, name string, code []byte, mod func(*lambdasdk.CreateFunctionInput)) *lambdasdk.CreateFunctionOutput {
	t.Helper()
	in := &lambdasdk.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      types.RuntimeProvidedal2023,
		Role:         aws.String("arn:aws:iam::000000000000:role/lambda"),
		Handler:      aws.String("bootstrap"),
		Code:         &types.FunctionCode{ZipFile: code},
	}
	if mod != nil {
		mod(in)
	}
	out, err := v.lambda.CreateFunction(ctxT(t), in)
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
	return out
}

// invoke calls Invoke RequestResponse with a JSON payload and Tail logs.
func (v *env) invoke(t *testing.T, name string, payload any) *lambdasdk.InvokeOutput {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String(name), Payload: b, LogType: types.LogTypeTail})
	if err != nil {
		t.Fatalf("Invoke %s: %v", name, err)
	}
	return out
}

// createQueue makes an SQS queue and returns its URL and ARN.
func (v *env) createQueue(t *testing.T, name string) (string, string) {
	t.Helper()
	out, err := v.sqs.CreateQueue(ctxT(t), &sqssdk.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	return aws.ToString(out.QueueUrl), "arn:aws:sqs:us-east-1:000000000000:" + name
}

// receive returns the messages now in a queue (at most 10).
func (v *env) receive(t *testing.T, url string) []sqstypes.Message {
	t.Helper()
	out, err := v.sqs.ReceiveMessage(ctxT(t), &sqssdk.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

// settle waits for the clock's callbacks (asynchronous attempts) to end.
func (v *env) settle(t *testing.T) {
	t.Helper()
	if err := v.e.Clock().Settle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// advance moves the frozen clock and waits for what it triggers.
func (v *env) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if err := v.e.Clock().Advance(d); err != nil {
		t.Fatal(err)
	}
	v.settle(t)
}

// wantAPIError asserts err is an AWS API error with code, HTTP status and
// message.
func wantAPIError(t *testing.T, err error, code string, status int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %T: %v", code, err, err)
	}
	if ae.ErrorCode() != code {
		t.Errorf("error code %q, want %q (message %q)", ae.ErrorCode(), code, ae.ErrorMessage())
	}
	if ae.ErrorMessage() != msg {
		t.Errorf("error message\n got %q\nwant %q", ae.ErrorMessage(), msg)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Errorf("HTTP status %d, want %d", re.HTTPStatusCode(), status)
	}
}

// errorDoc is a function error payload.
type errorDoc struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

func decodeErrorDoc(t *testing.T, b []byte) errorDoc {
	t.Helper()
	var d errorDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("error payload %q: %v", b, err)
	}
	return d
}

// handlerResult is what testdata/bootstrap returns.
type handlerResult struct {
	Action    string `json:"action"`
	Message   string `json:"message"`
	Function  string `json:"function"`
	RequestID string `json:"requestId"`
	Pid       int    `json:"pid"`
	Count     int64  `json:"count"`
	Env       string `json:"env"`
	Arn       string `json:"arn"`
}

func decodeResult(t *testing.T, b []byte) handlerResult {
	t.Helper()
	var r handlerResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("result payload %q: %v", b, err)
	}
	return r
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// requestIDOf returns the x-amzn-RequestId of an Invoke response.
func requestIDOf(out *lambdasdk.InvokeOutput) (string, bool) {
	return awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
}
