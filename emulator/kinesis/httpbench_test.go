package kinesis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/evolvestack/evolvestack/emulator"
)

// The HTTP benchmarks drive the server over loopback with a lean client
// (pre-built awsJson bodies on keep-alive connections), so the figures are
// the emulator's own throughput; the SDK benchmarks include the client's
// cost, which dominates on a shared 2-core machine.

func kinesisPost(b *testing.B, c *http.Client, url, op string, body []byte) []byte {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d %s", op, resp.StatusCode, out)
	}
	return out
}

func putRecordsBody(stream string) []byte {
	recs := make([]map[string]any, 500)
	for i := range recs {
		recs[i] = map[string]any{"Data": make([]byte, 100), "PartitionKey": fmt.Sprintf("pk-%05d", i)}
	}
	body, _ := json.Marshal(map[string]any{"StreamName": stream, "Records": recs})
	return body
}

// BenchmarkHTTPPutRecords reports records/s for PutRecords of 500 × 100 B.
func BenchmarkHTTPPutRecords(b *testing.B) {
	e := emulator.Start(b)
	if _, err := sdk.NewFromConfig(e.AWSConfig()).CreateStream(context.Background(), &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "bench")
	c := &http.Client{}
	body := putRecordsBody("bench")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		kinesisPost(b, c, e.Endpoint()+"/", "PutRecords", body)
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkHTTPGetRecords reports records/s for GetRecords with Limit
// 10,000.
func BenchmarkHTTPGetRecords(b *testing.B) {
	e := emulator.Start(b)
	ctx := context.Background()
	sc := sdk.NewFromConfig(e.AWSConfig())
	if _, err := sc.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(1)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "bench")
	c := &http.Client{}
	body := putRecordsBody("bench")
	for range 20 {
		kinesisPost(b, c, e.Endpoint()+"/", "PutRecords", body)
	}
	it, err := sc.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("bench"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		b.Fatal(err)
	}
	get, _ := json.Marshal(map[string]any{"ShardIterator": aws.ToString(it.ShardIterator), "Limit": 10000})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out := kinesisPost(b, c, e.Endpoint()+"/", "GetRecords", get)
		if bytes.Count(out[:min(len(out), 1<<20)], []byte(`"SequenceNumber"`)) < 1000 {
			b.Fatalf("short response")
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "records/s")
}
