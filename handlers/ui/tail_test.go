package ui_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/handlers/ui"
)

// TestTailRing: events come back in order with increasing sequence
// numbers; the ring keeps only the newest size events; max limits to the
// newest; concurrent writers lose nothing the ring has room for.
func TestTailRing(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name            string
		size, add       int
		since           uint64
		max             int
		wantFirst, want int // first seq, count
	}{
		{"empty", 4, 0, 0, 0, 0, 0},
		{"all", 4, 3, 0, 0, 1, 3},
		{"after a seq", 4, 3, 1, 0, 2, 2},
		{"caught up", 4, 3, 3, 0, 0, 0},
		{"wrapped keeps the newest", 4, 10, 0, 0, 7, 4},
		{"max keeps the newest", 8, 6, 0, 2, 5, 2},
		{"since beyond max", 8, 6, 5, 3, 6, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tl := ui.NewTail(tc.size, func() time.Time { return at })
			for i := range tc.add {
				tl.Add(ui.Event{Kind: "call", Operation: fmt.Sprint("op", i+1)})
			}
			got := tl.Since(tc.since, tc.max)
			if len(got) != tc.want {
				t.Fatalf("%d events %+v, want %d", len(got), got, tc.want)
			}
			for i, ev := range got {
				seq := uint64(tc.wantFirst + i)
				if ev.Seq != seq || ev.Operation != fmt.Sprint("op", seq) || !ev.Time.Equal(at) {
					t.Errorf("event %d: %+v, want seq %d op%d at %v", i, ev, seq, seq, at)
				}
			}
		})
	}
	t.Run("concurrent", func(t *testing.T) {
		t.Parallel()
		tl := ui.NewTail(1000, time.Now)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 100 {
					tl.Add(ui.Event{Kind: "call"})
				}
			})
		}
		wg.Wait()
		if got := tl.Since(0, 0); len(got) != 800 || tl.Last() != 800 || got[799].Seq != 800 {
			t.Errorf("%d events, last %d; want 800", len(got), tl.Last())
		}
	})
	var nilTail *ui.Tail
	nilTail.Add(ui.Event{}) // a handler without a tail records nothing
}
