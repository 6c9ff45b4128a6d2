package kinesis_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
)

// TestConcurrentPutsAndReads reads shards while batches are written to
// them (run with -race): every record comes back once, whole, in the
// order its writer put it, with sequence numbers that increase.
func TestConcurrentPutsAndReads(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	svc := e.Kinesis()
	ctx := context.Background()
	if _, err := svc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("c"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	awaitActive(t, e, "c")
	const writers, batches, perBatch = 4, 25, 180 // > one block of entries per shard
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				in := &kinesis.PutRecordsInput{StreamName: aws.String("c")}
				for r := range perBatch {
					n := b*perBatch + r
					key := fmt.Sprintf("w%d-k%d", w, n%37)
					in.Records = append(in.Records, kinesis.PutRecordsRequestEntry{PartitionKey: aws.String(key), Data: []byte(fmt.Sprintf("%s|%d|%s", key, n, strings.Repeat("x", n%50)))})
				}
				out, err := svc.PutRecords(ctx, in)
				if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
					t.Errorf("PutRecords: %v", err)
					return
				}
			}
		})
	}
	var total atomic.Int64
	for s := range 2 {
		wg.Go(func() {
			it, err := svc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("c"), ShardId: aws.String(fmt.Sprintf("shardId-%012d", s)), ShardIteratorType: kinesis.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Error(err)
				return
			}
			iter := it.ShardIterator
			last := map[string]int{}
			prevSeq := ""
			deadline := time.Now().Add(30 * time.Second)
			got := 0
			for time.Now().Before(deadline) {
				out, err := svc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(int32(1 + got%700))})
				if err != nil {
					t.Error(err)
					return
				}
				for _, r := range out.Records {
					key := aws.ToString(r.PartitionKey)
					var n int
					if _, err := fmt.Sscanf(string(r.Data), key+"|%d|", &n); err != nil || string(r.Data) != fmt.Sprintf("%s|%d|%s", key, n, strings.Repeat("x", n%50)) {
						t.Errorf("shard %d: record %q of key %q", s, r.Data, key)
						return
					}
					w := key[:strings.IndexByte(key, '-')]
					if p, ok := last[w]; ok && n <= p {
						t.Errorf("shard %d: writer %s's record %d after %d", s, w, n, p)
						return
					}
					last[w] = n
					seq := aws.ToString(r.SequenceNumber)
					if len(seq) < len(prevSeq) || len(seq) == len(prevSeq) && seq <= prevSeq {
						t.Errorf("shard %d: sequence number %s after %s", s, seq, prevSeq)
						return
					}
					prevSeq = seq
				}
				got += len(out.Records)
				iter = out.NextShardIterator
				if total.Add(int64(len(out.Records))) == writers*batches*perBatch {
					return
				}
				if len(out.Records) == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	if n := total.Load(); n != writers*batches*perBatch {
		t.Fatalf("read %d records, want %d", n, writers*batches*perBatch)
	}
}
