package kinesis_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
)

// batch returns 500 records of 100 bytes with distinct partition keys.
func batch() []types.PutRecordsRequestEntry {
	recs := make([]types.PutRecordsRequestEntry, 500)
	for i := range recs {
		recs[i] = types.PutRecordsRequestEntry{Data: make([]byte, 100), PartitionKey: aws.String(fmt.Sprintf("pk-%05d", i))}
	}
	return recs
}

func benchClient(b *testing.B, shards int32) *sdk.Client {
	b.Helper()
	e := emulator.Start(b)
	c := sdk.NewFromConfig(e.AWSConfig())
	if _, err := c.CreateStream(context.Background(), &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(shards)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "bench")
	return c
}

// BenchmarkSDKPutRecords drives PutRecords (500 records of 100 bytes) through
// aws-sdk-go-v2 over loopback and reports records/s.
func BenchmarkSDKPutRecords(b *testing.B) {
	c := benchClient(b, 4)
	ctx := context.Background()
	recs := batch()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := c.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: recs})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSDKGetRecords reads 10,000 records per GetRecords call through
// aws-sdk-go-v2 over loopback and reports records/s.
func BenchmarkSDKGetRecords(b *testing.B) {
	c := benchClient(b, 1)
	ctx := context.Background()
	recs := batch()
	for range 20 {
		if _, err := c.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: recs}); err != nil {
			b.Fatal(err)
		}
	}
	it, err := c.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("bench"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		out, err := c.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(10000)})
		if err != nil || len(out.Records) != 10000 {
			b.Fatal(err)
		}
		n += len(out.Records)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkStoredRecordMemory reports the heap bytes one stored record of
// 100 bytes with an 8-byte partition key costs.
func BenchmarkStoredRecordMemory(b *testing.B) {
	e := emulator.Start(b)
	c := sdk.NewFromConfig(e.AWSConfig())
	ctx := context.Background()
	if _, err := c.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("mem"), ShardCount: aws.Int32(4)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "mem")
	recs := batch()
	const calls = 400
	var before, after runtime.MemStats
	var perRecord float64
	for b.Loop() {
		n0, err := e.Kinesis().StoredRecords("mem")
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range calls {
			if _, err := c.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("mem"), Records: recs}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		n1, err := e.Kinesis().StoredRecords("mem")
		if err != nil || n1-n0 < calls*len(recs) {
			b.Fatalf("stored %d new records, want at least %d (%v)", n1-n0, calls*len(recs), err)
		}
		perRecord = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n1-n0)
	}
	b.ReportMetric(perRecord, "B/record")
	b.ReportMetric(perRecord/float64(100+8), "x-payload")
}

// BenchmarkServiceGetRecords reads 10,000 records per call from the service
// directly (no HTTP, no JSON), to separate the store from the wire.
func BenchmarkServiceGetRecords(b *testing.B) {
	e := emulator.Start(b)
	svc := e.Kinesis()
	ctx := context.Background()
	if _, err := svc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(1)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "bench")
	in := &kinesis.PutRecordsInput{StreamName: aws.String("bench")}
	for i := range 500 {
		in.Records = append(in.Records, kinesis.PutRecordsRequestEntry{Data: make([]byte, 100), PartitionKey: aws.String(fmt.Sprintf("pk-%05d", i))})
	}
	for range 20 {
		if _, err := svc.PutRecords(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	it, err := svc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("bench"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: kinesis.ShardIteratorTypeTrimHorizon})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		out, err := svc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(10000)})
		if err != nil || len(out.Records) != 10000 {
			b.Fatal(err)
		}
		n += len(out.Records)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
