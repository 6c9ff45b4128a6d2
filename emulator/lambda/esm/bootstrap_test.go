package esm_test

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// buildConsumer compiles testdata/kinesisconsumer for Linux and zips it
// as a provided.al2023 package.
func buildConsumer(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/kinesisconsumer")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building bootstrap: %v\n%s", err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bin); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestKinesisBootstrapConsumer runs a real bootstrap process as the
// consumer of a stream: records reach it through the Runtime API, a
// partial batch response retries from the failed record, and a failing
// batch is retried with increasing attempt numbers.
func TestKinesisBootstrapConsumer(t *testing.T) {
	t.Parallel()
	code := buildConsumer(t)
	h := newHarness(t)
	if _, err := h.lambda.CreateFunction(h.ctx(), &lambdasdk.CreateFunctionInput{
		FunctionName: aws.String("consumer"),
		Runtime:      lambdatypes.RuntimeProvidedal2023,
		Handler:      aws.String("bootstrap"),
		Role:         aws.String("arn:aws:iam::000000000000:role/consumer"),
		Code:         &lambdatypes.FunctionCode{ZipFile: code},
		Timeout:      aws.Int32(10),
	}); err != nil {
		t.Fatal(err)
	}
	arn := h.createStream("s", 1)
	h.put("s", "k", "one")
	h.put("s", "k", "partial")
	h.put("s", "k", "two")
	h.createESM(trimHorizon("consumer", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
		in.FunctionResponseTypes = []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures}
		in.MaximumRetryAttempts = aws.Int32(1)
	}))
	h.drive("first batches", func() bool { return len(h.invocations("consumer")) == 2 })
	h.advance(5 * time.Second)
	calls := h.kinesisBatches("consumer")
	if got := calls[0].datas(); strings.Join(got, ",") != "one,partial,two" {
		t.Errorf("first batch %v", got)
	}
	// "partial" is reported failed twice (the first try and its one
	// retry), then the batch from the checkpoint on is discarded.
	if got := calls[1].datas(); strings.Join(got, ",") != "partial,two" || calls[1].rec.Attempt != 2 {
		t.Errorf("retry %v attempt %d", got, calls[1].rec.Attempt)
	}
	if len(calls) != 2 {
		t.Errorf("%d invocations, want 2", len(calls))
	}
	if calls[0].ev.Records[0].InvokeIdentityArn != "arn:aws:iam::000000000000:role/consumer" {
		t.Errorf("invokeIdentityArn %q", calls[0].ev.Records[0].InvokeIdentityArn)
	}
	h.put("s", "k", "fail")
	h.drive("failing batch retried", func() bool {
		n := 0
		for _, c := range h.kinesisBatches("consumer") {
			if c.rec.FunctionError == "Unhandled" {
				n++
			}
		}
		return n == 2
	})
	logs, err := h.e.Lambda().FunctionLogs("consumer")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"consumed one from shardId-000000000000:", "consumed two from shardId-000000000000:", "record refused"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}
