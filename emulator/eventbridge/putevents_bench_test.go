package eventbridge

import (
	"context"
	"fmt"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

// BenchmarkPutEventsMatch1000Rules measures PutEvents (10 entries, in
// process) on a bus of 1,000 pattern rules without targets: validation,
// the envelope and matching. It reports events/s on the benchmark's cores.
func BenchmarkPutEventsMatch1000Rules(b *testing.B) {
	s := New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: clock.New(clock.WithScale(0))})
	ctx := context.Background()
	// PutRule stops at AWS's default quota (300 rules a bus); the rules
	// are stored the way it stores them.
	bus := s.buses[defaultBus]
	for i := range 1000 {
		pattern := fmt.Sprintf(`{"source":["com.shop.%d"],"detail-type":["Order %s"],"detail":{"total":[{"numeric":[">=",%d,"<",%d]}],"country":[{"prefix":"D"}]}}`,
			i%100, [...]string{"Placed", "Paid", "Shipped", "Cancelled"}[i%4], i*10%1000, i*10%1000+100)
		compiled, err := eventmatch.CompilePattern([]byte(pattern))
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("r%d", i)
		r := &rule{bus: bus, name: name, arn: s.arn("rule/" + name), state: RuleStateEnabled, pattern: pattern, compiled: compiled}
		bus.rules[name] = r
		bus.index(r)
	}
	entries := make([]PutEventsRequestEntry, 10)
	for i := range entries {
		entries[i] = PutEventsRequestEntry{Source: ptrTo(fmt.Sprintf("com.shop.%d", i)), DetailType: ptrTo("Order Placed"),
			Detail: ptrTo(`{"orderId":"o-1","total":500,"country":"DE","items":[{"sku":"a","qty":1},{"sku":"b","qty":2}],"customer":{"id":"c-1","tier":"gold"}}`)}
	}
	in := &PutEventsInput{Entries: entries}
	b.ReportAllocs()
	for b.Loop() {
		out, err := s.PutEvents(ctx, in)
		if err != nil || *out.FailedEntryCount != 0 {
			b.Fatal(err, out)
		}
	}
	b.ReportMetric(float64(b.N*len(entries))/b.Elapsed().Seconds(), "events/s")
}
