package emulator_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator"
)

// BenchmarkSchemaGuardPutRecords measures PutRecords (500 GSR-framed Avro
// records of ~100 bytes, aws-sdk-go-v2 over loopback, 4 clients) on an
// unguarded stream and on one guarded in mode reject; issue 16 asks the
// guarded rate to stay ≥70% of the unguarded one. Compare the records/s
// of the two sub-benchmarks.
func BenchmarkSchemaGuardPutRecords(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		b.Run(fmt.Sprintf("guarded=%v", guarded), func(b *testing.B) {
			ctx := context.Background()
			e := emulator.Start(b)
			v1, _ := guardSchemas(b, ctx, e)
			k := awskinesis.NewFromConfig(e.AWSConfig())
			if _, err := k.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
				b.Fatal(err)
			}
			e.Clock().Advance(e.Kinesis().Options().CreateDelay)
			w := awskinesis.NewStreamExistsWaiter(k, func(o *awskinesis.StreamExistsWaiterOptions) {
				o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
			})
			if err := w.Wait(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String("bench")}, 10*time.Second); err != nil {
				b.Fatal(err)
			}
			if guarded {
				if _, err := k.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: aws.String("bench"), Tags: map[string]string{
					"evolvestack:schema": "glue:shop/Order", "evolvestack:schema-mode": "reject"}}); err != nil {
					b.Fatal(err)
				}
			}
			recs := make([]kinesistypes.PutRecordsRequestEntry, 500)
			for i := range recs {
				recs[i] = kinesistypes.PutRecordsRequestEntry{
					Data:         avroRecord(b, v1, guardOrderV1, map[string]any{"id": fmt.Sprintf("order-%05d-%s", i, uuid.NewString()+"-abcd"), "amount": int64(i * 1000)}),
					PartitionKey: aws.String(fmt.Sprintf("pk-%05d", i)),
				}
			}
			b.SetParallelism(2) // 4 clients on 2 cores
			b.ReportAllocs()
			cpu0 := processCPU(b)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					out, err := k.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("bench"), Records: recs})
					if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
						b.Errorf("PutRecords: %v, %v failed", err, out.FailedRecordCount)
						return
					}
				}
			})
			b.StopTimer()
			// The guard really is on: an unframed record is refused.
			probe, err := k.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("bench"), Records: []kinesistypes.PutRecordsRequestEntry{
				{Data: []byte(`{"id":"x"}`), PartitionKey: aws.String("p")}}})
			if err != nil || (aws.ToInt32(probe.FailedRecordCount) == 1) != guarded {
				b.Fatalf("probe on guarded=%v: %v %+v", guarded, err, probe)
			}
			b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
			// CPU per record (client and server: one process) is what
			// bounds throughput on a busy machine; compare it when other
			// load makes records/s noisy.
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N*len(recs)), "cpu-ns/record")
		})
	}
}

// processCPU is the process's user+system CPU time so far, in ns.
func processCPU(b *testing.B) int64 {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
