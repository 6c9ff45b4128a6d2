package sqs_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// The awsQuery SendMessageBatch benchmarks measure the case old clients
// (and goaws comparisons) exercise: batches of ten 100-byte messages as a
// form-encoded POST, answered in XML.

const queryBatchClients = 4

// queryBatchForm is a SendMessageBatch form of ten 100-byte messages.
func queryBatchForm(queueURL string) string {
	form := url.Values{"Action": {"SendMessageBatch"}, "Version": {"2012-11-05"}, "QueueUrl": {queueURL}}
	for i := 1; i <= 10; i++ {
		p := "SendMessageBatchRequestEntry." + strconv.Itoa(i) + "."
		body := "message " + strconv.Itoa(i) + " "
		body += strings.Repeat("x", 100-len(body))
		form.Set(p+"Id", "m"+strconv.Itoa(i))
		form.Set(p+"MessageBody", body)
	}
	return form.Encode()
}

const queryAuth = "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x"

func queryBatchQueue(b *testing.B, e *emulator.Emulator, endpoint string) string {
	b.Helper()
	if _, err := e.SQS().CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("querybench")}); err != nil {
		b.Fatal(err)
	}
	return endpoint + "/000000000000/querybench"
}

// BenchmarkHTTPQuerySendMessageBatch sends awsQuery SendMessageBatch
// requests (ten 100-byte messages) from four concurrent keep-alive
// clients over loopback. An op is one batch.
func BenchmarkHTTPQuerySendMessageBatch(b *testing.B) {
	e := emulator.Start(b)
	body := queryBatchForm(queryBatchQueue(b, e, e.Endpoint()))
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: queryBatchClients}}
	b.Cleanup(c.CloseIdleConnections)
	var left atomic.Int64
	left.Store(int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	var wg sync.WaitGroup
	for range queryBatchClients {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				req, _ := http.NewRequest(http.MethodPost, e.Endpoint()+"/", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", queryAuth)
				resp, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || strings.Contains(string(out), "BatchResultErrorEntry") {
					b.Errorf("%d %s", resp.StatusCode, out)
					return
				}
			}
		})
	}
	wg.Wait()
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
	if cpu > 0 {
		// Client and server share the process: this is both sides' CPU.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// benchWriter is a reusable http.ResponseWriter, so that the handler
// benchmark counts the handler and not a recorder.
type benchWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) Write(p []byte) (int, error) { return w.body.Write(p) }

// The net/http server's writer takes deadlines; so does this one.
func (w *benchWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *benchWriter) SetWriteDeadline(time.Time) error { return nil }

func (w *benchWriter) reset() {
	clear(w.header)
	w.code = http.StatusOK
	w.body.Reset()
}

// BenchmarkHandlerQuerySendMessageBatch is the server side alone of the
// same request (routing, form decoding, validation, MD5s, enqueue, XML),
// from four concurrent callers without a network or a client: its ns/op,
// allocs/op and cpu-ns/op (process CPU time, steadier than wall time on a
// busy machine) are the emulator's cost per batch of ten.
func BenchmarkHandlerQuerySendMessageBatch(b *testing.B) {
	e, err := emulator.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close() })
	const endpoint = "http://127.0.0.1:4566"
	body := queryBatchForm(queryBatchQueue(b, e, endpoint))
	h := e.Handler()
	var left atomic.Int64
	left.Store(int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	var wg sync.WaitGroup
	for range queryBatchClients {
		wg.Go(func() {
			w := &benchWriter{header: http.Header{}}
			for left.Add(-1) >= 0 {
				req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
				req.RemoteAddr = "127.0.0.1:50000"
				req.RequestURI = "/"
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", queryAuth)
				w.reset()
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK || bytes.Contains(w.body.Bytes(), []byte("BatchResultErrorEntry")) {
					b.Errorf("%d %s", w.code, w.body.Bytes())
					return
				}
			}
		})
	}
	wg.Wait()
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
