package sqs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// The HTTP benchmarks drive the server over loopback with a lean client
// (pre-built awsJson bodies on keep-alive connections), so the figures are
// the emulator's own throughput rather than an SDK's.

func httpPost(b *testing.B, c *http.Client, url, op string, body []byte) []byte {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return nil
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("%s: %d %s", op, resp.StatusCode, out)
	}
	return out
}

func benchQueue(b *testing.B) (*emulator.Emulator, string, *http.Client) {
	b.Helper()
	e := emulator.Start(b)
	out, err := e.SQS().CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("httpbench")})
	if err != nil {
		b.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	b.Cleanup(c.CloseIdleConnections)
	return e, aws.ToString(out.QueueUrl), c
}

// BenchmarkHTTPSendMessage reports SendMessage calls per second.
func BenchmarkHTTPSendMessage(b *testing.B) {
	e, url, c := benchQueue(b)
	body, _ := json.Marshal(map[string]any{"QueueUrl": url, "MessageBody": "benchmark message body"})
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			httpPost(b, c, e.Endpoint()+"/", "SendMessage", body)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkHTTPSendMessageBatch reports messages per second in batches of
// ten.
func BenchmarkHTTPSendMessageBatch(b *testing.B) {
	e, url, c := benchQueue(b)
	entries := make([]map[string]any, 10)
	for i := range entries {
		entries[i] = map[string]any{"Id": fmt.Sprint(i), "MessageBody": fmt.Sprintf("benchmark message body %d", i)}
	}
	body, _ := json.Marshal(map[string]any{"QueueUrl": url, "Entries": entries})
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			httpPost(b, c, e.Endpoint()+"/", "SendMessageBatch", body)
		}
	})
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
}

func benchHTTPReceiveDelete(b *testing.B, backlog int) {
	e, url, c := benchQueue(b)
	fill(b, e.SQS(), aws.String(url), backlog+b.N)
	recv, _ := json.Marshal(map[string]any{"QueueUrl": url, "MaxNumberOfMessages": 1})
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out := httpPost(b, c, e.Endpoint()+"/", "ReceiveMessage", recv)
			i := bytes.Index(out, []byte(`"ReceiptHandle":"`))
			if i < 0 {
				b.Errorf("no message: %s", out)
				return
			}
			rest := out[i+len(`"ReceiptHandle":"`):]
			handle := string(rest[:bytes.IndexByte(rest, '"')])
			del, _ := json.Marshal(map[string]any{"QueueUrl": url, "ReceiptHandle": strings.ReplaceAll(handle, `\/`, "/")})
			httpPost(b, c, e.Endpoint()+"/", "DeleteMessage", del)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkHTTPReceiveDelete10k and ...1M receive and delete one message
// per operation at a 10,000 and a 1,000,000 message backlog.
func BenchmarkHTTPReceiveDelete10k(b *testing.B) { benchHTTPReceiveDelete(b, 10_000) }
func BenchmarkHTTPReceiveDelete1M(b *testing.B)  { benchHTTPReceiveDelete(b, 1_000_000) }

func benchHTTPReceiveDeleteBatch(b *testing.B, backlog int) {
	e, url, c := benchQueue(b)
	fill(b, e.SQS(), aws.String(url), backlog+b.N*10)
	recv, _ := json.Marshal(map[string]any{"QueueUrl": url, "MaxNumberOfMessages": 10})
	var handles = regexp.MustCompile(`"ReceiptHandle":"((?:[^"\\]|\\.)*)"`)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out := httpPost(b, c, e.Endpoint()+"/", "ReceiveMessage", recv)
			var entries []map[string]any
			for i, m := range handles.FindAllSubmatch(out, -1) {
				var h string
				if err := json.Unmarshal(append(append([]byte{'"'}, m[1]...), '"'), &h); err != nil {
					b.Error(err)
					return
				}
				entries = append(entries, map[string]any{"Id": fmt.Sprint(i), "ReceiptHandle": h})
			}
			if len(entries) == 0 {
				b.Errorf("no messages: %s", out)
				return
			}
			del, _ := json.Marshal(map[string]any{"QueueUrl": url, "Entries": entries})
			httpPost(b, c, e.Endpoint()+"/", "DeleteMessageBatch", del)
		}
	})
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkHTTPReceiveDeleteBatch10k and ...1M receive ten messages and
// delete them in one batch per operation, as consumers (and Lambda's
// pollers) do, at a 10,000 and a 1,000,000 message backlog.
func BenchmarkHTTPReceiveDeleteBatch10k(b *testing.B) { benchHTTPReceiveDeleteBatch(b, 10_000) }
func BenchmarkHTTPReceiveDeleteBatch1M(b *testing.B)  { benchHTTPReceiveDeleteBatch(b, 1_000_000) }
