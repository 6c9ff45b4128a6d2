package eventbridge

import (
	"context"
	"sync"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// appendJournal copies every row into one growing byte slice, as the
// store's log does, for the benchmarks.
type appendJournal struct {
	mu  sync.Mutex
	buf []byte
}

func (j *appendJournal) Put(key string, value []byte) {
	j.mu.Lock()
	j.buf = append(append(append(j.buf, key...), ' '), value...)
	if len(j.buf) > 64<<20 { // bounded: the store writes out its buffer
		j.buf = j.buf[:0]
	}
	j.mu.Unlock()
}

func (j *appendJournal) Delete(key string) {
	j.mu.Lock()
	j.buf = append(j.buf, key...)
	j.mu.Unlock()
}

// BenchmarkPutEventsArchived measures EventBridge's hot write path: PutEvents
// (10 entries) on a bus with an archive, so that every event becomes a
// journal row, without a journal and with one.
func BenchmarkPutEventsArchived(b *testing.B) {
	for _, bc := range []struct {
		name    string
		journal awsapi.Journal
	}{
		{"memory", nil},
		{"journal", &appendJournal{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: clock.New(clock.WithScale(0)), Journal: bc.journal})
			b.Cleanup(func() { _ = s.Close() })
			ctx := context.Background()
			if _, err := s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("all"), EventSourceArn: ptr(s.arn("event-bus/default"))}); err != nil {
				b.Fatal(err)
			}
			entries := make([]PutEventsRequestEntry, 10)
			for i := range entries {
				entries[i] = PutEventsRequestEntry{Source: ptr("com.shop"), DetailType: ptr("Order Placed"),
					Detail: ptr(`{"orderId":"o-1","total":500,"country":"DE","items":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"customer":{"id":"c-1","tier":"gold"}}`)}
			}
			in := &PutEventsInput{Entries: entries}
			b.ReportAllocs()
			for b.Loop() {
				out, err := s.PutEvents(ctx, in)
				if err != nil || *out.FailedEntryCount != 0 {
					b.Fatal(err, out)
				}
				// Keep the archive small: the benchmark measures the write.
				a := s.archives["all"]
				a.mu.Lock()
				a.events = a.events[:0]
				a.mu.Unlock()
			}
			b.ReportMetric(float64(b.N*len(entries))/b.Elapsed().Seconds(), "events/s")
		})
	}
}
