package kinesis

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestShardLogBlocks checks the shard store across many blocks: appends,
// positions, views, searches and retention trimming against a plain slice
// of what was added.
func TestShardLogBlocks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	type rec struct {
		counter uint64
		arrival int64
		key     string
		data    []byte
	}
	var l shardLog
	var want []rec // want[i] is at absolute position wantBase+i
	wantBase := uint64(0)
	counter := uint64(0)
	arrival := int64(1000)
	check := func(step string) {
		t.Helper()
		if l.base != wantBase || l.len() != len(want) || l.end() != wantBase+uint64(len(want)) {
			t.Fatalf("%s: base %d len %d, want %d %d", step, l.base, l.len(), wantBase, len(want))
		}
		var bytes int64
		for _, r := range want {
			bytes += int64(len(r.key) + len(r.data))
		}
		if l.bytes != bytes {
			t.Fatalf("%s: %d bytes held, want %d", step, l.bytes, bytes)
		}
		for range 50 {
			if len(want) == 0 {
				break
			}
			from := rng.IntN(len(want))
			to := from + rng.IntN(min(len(want)-from, 3*entryBlock)+1)
			v := l.slice(wantBase+uint64(from), wantBase+uint64(to))
			if v.len() != to-from {
				t.Fatalf("%s: view [%d, %d) has %d records", step, from, to, v.len())
			}
			i := from
			for _, seg := range v.segs {
				for j := range seg {
					e := &seg[j]
					k, d := v.keyData(e)
					r := want[i]
					if e.counter != r.counter || e.arrival != r.arrival || string(k) != r.key || string(d) != string(r.data) || l.at(wantBase+uint64(i)) != e {
						t.Fatalf("%s: record %d = %d %d %q %q, want %+v", step, i, e.counter, e.arrival, k, d, r)
					}
					i++
				}
			}
			if to > from && *v.last() != *l.at(wantBase + uint64(to-1)) {
				t.Fatalf("%s: last of view [%d, %d) wrong", step, from, to)
			}
			p := rng.IntN(len(want))
			if got := l.search(want[p].counter); got != wantBase+uint64(p) {
				t.Fatalf("%s: search(%d) = %d, want %d", step, want[p].counter, got, wantBase+uint64(p))
			}
			first := p
			for first > 0 && want[first-1].arrival == want[p].arrival {
				first--
			}
			if got := l.searchTime(want[p].arrival); got != wantBase+uint64(first) {
				t.Fatalf("%s: searchTime(%d) = %d, want %d", step, want[p].arrival, got, wantBase+uint64(first))
			}
		}
	}
	add := func(n int) {
		for range n {
			counter += 1 + uint64(rng.IntN(2))
			if rng.IntN(10) == 0 {
				arrival++
			}
			r := rec{counter: counter, arrival: arrival, key: fmt.Sprintf("k%d", counter), data: make([]byte, rng.IntN(300))}
			for i := range r.data {
				r.data[i] = byte(rng.Uint32())
			}
			if p := l.add(r.counter, r.arrival, r.key, r.data, 0); p != wantBase+uint64(len(want)) {
				t.Fatalf("add returned position %d, want %d", p, wantBase+uint64(len(want)))
			}
			want = append(want, r)
		}
	}
	trim := func(cutoff int64) {
		l.trimBefore(cutoff)
		n := 0
		for n < len(want) && want[n].arrival < cutoff {
			n++
		}
		want = want[n:]
		wantBase += uint64(n)
		if len(want) == 0 {
			want = nil
		}
	}
	add(10)
	check("small")
	add(3 * entryBlock)
	check("three blocks")
	trim(want[100].arrival)
	check("trimmed into the first block")
	trim(want[entryBlock+5].arrival)
	check("trimmed past a block")
	add(2*entryBlock + 7)
	check("grown again")
	trim(arrival + 1)
	check("trimmed empty")
	add(entryBlock + 1)
	check("after emptying")
	if len(l.blocks) != 2 || len(l.blocks[0]) != entryBlock {
		t.Fatalf("blocks of %d records: %d", l.len(), len(l.blocks))
	}
	var small shardLog
	small.add(1, 1, "k", nil, 0)
	if len(small.blocks) != 1 || len(small.blocks[0]) != firstBlock {
		t.Fatalf("a shard of one record has blocks of %d entries", len(small.blocks[0]))
	}
}
