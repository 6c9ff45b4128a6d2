package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/emulator"
	ekinesis "github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/persist"
)

// The data dir benchmarks drive the hot write paths over loopback with a
// lean client (pre-built bodies, 4 keep-alive connections), in memory and
// with a data dir, so that their ratio is the cost of keeping the writes.

// benchModes are the storage modes compared.
func benchModes(b *testing.B) []struct {
	name string
	opts func() []emulator.Option
} {
	return []struct {
		name string
		opts func() []emulator.Option
	}{
		{"memory", func() []emulator.Option { return nil }},
		{"datadir", func() []emulator.Option { return []emulator.Option{emulator.WithDataDir(b.TempDir())} }},
		{"datadir-fsync", func() []emulator.Option {
			return []emulator.Option{emulator.WithDataDir(b.TempDir()), emulator.WithDataSync(persist.SyncFsync)}
		}},
	}
}

func benchPost(b *testing.B, c *http.Client, url, target, ctype, service string, body []byte) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/"+service+"/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("%s: %d %s", target, resp.StatusCode, out)
	}
}

// BenchmarkDataDirPutRecords reports records/s for PutRecords of 500 ×
// 100 B from 4 clients, in memory and with a data dir.
func BenchmarkDataDirPutRecords(b *testing.B) {
	for _, m := range benchModes(b) {
		b.Run(m.name, func(b *testing.B) {
			e := emulator.Start(b, m.opts()...)
			ctx := context.Background()
			kin := kinesis.NewFromConfig(e.AWSConfig())
			if _, err := kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
				b.Fatal(err)
			}
			waitStreamB(b, kin, "bench")
			recs := make([]map[string]any, 500)
			for i := range recs {
				recs[i] = map[string]any{"Data": make([]byte, 100), "PartitionKey": fmt.Sprintf("pk-%05d", i)}
			}
			body, _ := json.Marshal(map[string]any{"StreamName": "bench", "Records": recs})
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
			b.SetParallelism(2) // 4 clients on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					benchPost(b, c, e.Endpoint()+"/", "Kinesis_20131202.PutRecords", "application/x-amz-json-1.1", "kinesis", body)
				}
			})
			b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkDataDirSendMessageBatch reports messages/s for SendMessageBatch
// of 10 × 100 B from 4 clients, in memory and with a data dir.
func BenchmarkDataDirSendMessageBatch(b *testing.B) {
	for _, m := range benchModes(b) {
		b.Run(m.name, func(b *testing.B) {
			e := emulator.Start(b, m.opts()...)
			out, err := sqs.NewFromConfig(e.AWSConfig()).CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("bench")})
			if err != nil {
				b.Fatal(err)
			}
			entries := make([]map[string]any, 10)
			for i := range entries {
				entries[i] = map[string]any{"Id": fmt.Sprint(i), "MessageBody": string(bytes.Repeat([]byte{'x'}, 100))}
			}
			body, _ := json.Marshal(map[string]any{"QueueUrl": aws.ToString(out.QueueUrl), "Entries": entries})
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
			b.SetParallelism(2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					benchPost(b, c, e.Endpoint()+"/", "AmazonSQS.SendMessageBatch", "application/x-amz-json-1.0", "sqs", body)
				}
			})
			b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkDataDirRestart1MRecords reports the time New takes to restore a
// data dir holding 1,000,000 Kinesis records (100 B each, 4 shards).
func BenchmarkDataDirRestart1MRecords(b *testing.B) {
	dir := b.TempDir()
	e, err := emulator.New(emulator.WithDataDir(dir))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	k := e.Kinesis()
	if _, err := k.CreateStream(ctx, &ekinesis.CreateStreamInput{StreamName: aws.String("big"), ShardCount: aws.Int32(4)}); err != nil {
		b.Fatal(err)
	}
	if err := e.Clock().Advance(time.Minute); err != nil { // past CREATING
		b.Fatal(err)
	}
	entries := make([]ekinesis.PutRecordsRequestEntry, 500)
	for i := range entries {
		entries[i] = ekinesis.PutRecordsRequestEntry{Data: make([]byte, 100), PartitionKey: aws.String(fmt.Sprintf("pk-%05d", i))}
	}
	for range 2000 {
		if _, err := k.PutRecords(ctx, &ekinesis.PutRecordsInput{StreamName: aws.String("big"), Records: entries}); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		e2, err := emulator.New(emulator.WithDataDir(dir))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/restore")
		b.StopTimer()
		if err := e2.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func waitStreamB(b *testing.B, kin *kinesis.Client, name string) {
	b.Helper()
	w := kinesis.NewStreamExistsWaiter(kin, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = 10 * time.Millisecond
		o.MaxDelay = 50 * time.Millisecond
	})
	if err := w.Wait(context.Background(), &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 10*time.Second); err != nil {
		b.Fatal(err)
	}
}
