package schemas

import (
	"context"
	"testing"
)

// BenchmarkObserveEvent measures what ObserveEvent costs the PutEvents path
// that calls it for every event reaching a bus: with no discoverer on the
// bus (one map lookup), and with a started one, where the caller copies
// the event onto the queue ("caller": the drain is held off and the queue
// emptied as it fills, so only the caller's side is timed; "with-drain":
// inference runs meanwhile on the other cores, and events past the queue's
// bound are dropped).
func BenchmarkObserveEvent(b *testing.B) {
	ev := orderEvent("000000000000", `{"orderId":"o-1","total":500,"country":"DE","items":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"customer":{"id":"c-1","tier":"gold"}}`)
	b.Run("no-discoverer", func(b *testing.B) {
		s, _ := newDiscoveryService(b)
		b.ReportAllocs()
		for b.Loop() {
			s.ObserveEvent(testBus, ev)
		}
	})
	b.Run("caller", func(b *testing.B) {
		s, _ := newDiscoveryService(b)
		if _, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
			b.Fatal(err)
		}
		d := s.discovery()
		d.qmu.Lock()
		d.draining = true
		d.qmu.Unlock()
		b.ReportAllocs()
		for b.Loop() {
			s.ObserveEvent(testBus, ev)
			if len(d.queue) == maxQueuedEvents {
				d.qmu.Lock()
				d.queue = d.queue[:0]
				d.qmu.Unlock()
			}
		}
	})
	b.Run("with-drain", func(b *testing.B) {
		s, c := newDiscoveryService(b)
		if _, err := s.CreateDiscoverer(context.Background(), &CreateDiscovererInput{SourceArn: dscStr(testBus)}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			s.ObserveEvent(testBus, ev)
		}
		b.StopTimer()
		settle(b, c)
	})
}
