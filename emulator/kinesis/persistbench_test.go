package kinesis_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/evolvestack/evolvestack/emulator"
)

// BenchmarkHTTPPutRecordsDataDir puts 500 records of 100 bytes per call
// over loopback into an emulator without a data dir and one with, call by
// call in turn so that load from elsewhere weighs on both alike, and
// reports each one's records/s and their ratio.
func BenchmarkHTTPPutRecordsDataDir(b *testing.B) {
	start := func(opts ...emulator.Option) *emulator.Emulator {
		e := emulator.Start(b, opts...)
		if _, err := sdk.NewFromConfig(e.AWSConfig()).CreateStream(context.Background(), &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
			b.Fatal(err)
		}
		awaitActive(b, e, "bench")
		return e
	}
	mem := start()
	disk := start(emulator.WithDataDir(b.TempDir()))
	c := &http.Client{}
	body := putRecordsBody("bench")
	var tm, td time.Duration
	for b.Loop() {
		t0 := time.Now()
		kinesisPost(b, c, mem.Endpoint()+"/", "PutRecords", body)
		t1 := time.Now()
		kinesisPost(b, c, disk.Endpoint()+"/", "PutRecords", body)
		tm, td = tm+t1.Sub(t0), td+time.Since(t1)
	}
	n := float64(b.N * 500)
	b.ReportMetric(n/tm.Seconds(), "memory-records/s")
	b.ReportMetric(n/td.Seconds(), "datadir-records/s")
	b.ReportMetric(tm.Seconds()/td.Seconds(), "datadir/memory")
}
