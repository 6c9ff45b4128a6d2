package delivery_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/delivery"
)

// BenchmarkEnqueueToAttempt measures enqueue→attempt throughput: b.N
// deliveries queued at once on a frozen clock, each attempted and
// delivered.
func BenchmarkEnqueueToAttempt(b *testing.B) {
	clk := clock.New(clock.WithScale(0))
	var n atomic.Int64
	q, err := delivery.New(delivery.Options[int]{
		Clock: clk,
		Attempt: func(context.Context, delivery.Attempt[int]) delivery.Outcome {
			n.Add(1)
			return delivery.Delivered()
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	pol := delivery.DefaultLambdaPolicy()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.Enqueue(delivery.Delivery[int]{ID: "x", Payload: i, Policy: pol}); err != nil {
			b.Fatal(err)
		}
	}
	if err := clk.Settle(context.Background()); err != nil {
		b.Fatal(err)
	}
	if n.Load() != int64(b.N) {
		b.Fatalf("%d attempts, want %d", n.Load(), b.N)
	}
}

// BenchmarkAfterFuncPerDelivery is the pattern the engine replaced in
// Lambda: a map entry and a clock timer per delivery, the attempt in the
// timer's callback.
func BenchmarkAfterFuncPerDelivery(b *testing.B) {
	clk := clock.New(clock.WithScale(0))
	var n atomic.Int64
	var mu sync.Mutex
	pending := map[string]int{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		id := strconv.Itoa(i)
		mu.Lock()
		pending[id] = i
		mu.Unlock()
		clk.AfterFunc(0, func() {
			n.Add(1)
			mu.Lock()
			delete(pending, id)
			mu.Unlock()
		})
	}
	if err := clk.Settle(context.Background()); err != nil {
		b.Fatal(err)
	}
	if n.Load() != int64(b.N) {
		b.Fatalf("%d attempts, want %d", n.Load(), b.N)
	}
}

// copyJournal keeps every row in one growing byte slice, as the store's
// log does.
type copyJournal struct {
	mu  sync.Mutex
	buf []byte
}

func (j *copyJournal) Put(key string, value []byte) {
	j.mu.Lock()
	j.buf = append(append(j.buf, key...), value...)
	j.mu.Unlock()
}

func (j *copyJournal) Delete(key string) {
	j.mu.Lock()
	j.buf = append(j.buf, key...)
	j.mu.Unlock()
}

// BenchmarkEnqueueToAttemptJournaled is BenchmarkEnqueueToAttempt with
// a journal: a row Put at every enqueue, a Delete at every delivery.
func BenchmarkEnqueueToAttemptJournaled(b *testing.B) {
	clk := clock.New(clock.WithScale(0))
	var n atomic.Int64
	q, err := delivery.New(delivery.Options[int]{
		Clock: clk,
		Attempt: func(context.Context, delivery.Attempt[int]) delivery.Outcome {
			n.Add(1)
			return delivery.Delivered()
		},
		Journal:   &copyJournal{},
		KeyPrefix: "d/",
		Encode:    func(p int) ([]byte, error) { return strconv.AppendInt(nil, int64(p), 10), nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	pol := delivery.DefaultLambdaPolicy()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.Enqueue(delivery.Delivery[int]{ID: "x", Payload: i, Policy: pol}); err != nil {
			b.Fatal(err)
		}
	}
	if err := clk.Settle(context.Background()); err != nil {
		b.Fatal(err)
	}
	if n.Load() != int64(b.N) {
		b.Fatalf("%d attempts, want %d", n.Load(), b.N)
	}
}
