package kinesis

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestHashCache checks the cached partition hashes against MD5 for
// repeating keys, keys that never repeat, collisions and concurrent puts.
func TestHashCache(t *testing.T) {
	t.Parallel()
	var c hashCache
	rng := rand.New(rand.NewPCG(1, 2))
	ehk := "42"
	check := func(keys []string) {
		t.Helper()
		recs := make([]PutRecordsRequestEntry, len(keys))
		for i := range keys {
			recs[i].PartitionKey = &keys[i]
			if i%97 == 3 {
				recs[i].ExplicitHashKey = &ehk
			}
		}
		hashes := make([]hashKey, len(recs))
		c.partitionHashes(recs, hashes)
		for i, k := range keys {
			want := partitionHash(k)
			if recs[i].ExplicitHashKey != nil {
				want = hashKey{}
			}
			if hashes[i] != want {
				t.Fatalf("key %q: hash %v, want %v", k, hashes[i], want)
			}
		}
	}
	batch := func(n int, key func(int) string) []string {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = key(i)
		}
		return keys
	}
	for range 20 {
		check(batch(500, func(i int) string { return fmt.Sprintf("pk-%05d", i) })) // repeating
	}
	if c.hits < c.lookups/2 {
		t.Fatalf("repeating keys: %d hits in %d lookups", c.hits, c.lookups)
	}
	for range 50 {
		check(batch(500, func(int) string { return fmt.Sprintf("%x", rng.Uint64()) })) // never repeating
	}
	check(batch(500, func(i int) string { return fmt.Sprintf("pk-%05d", i) }))
	check(batch(3, func(i int) string { return []string{"", "a", ""}[i] }))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			keys := batch(500, func(i int) string { return fmt.Sprintf("k%d", (i*7+g)%900) })
			recs := make([]PutRecordsRequestEntry, len(keys))
			for i := range keys {
				recs[i].PartitionKey = &keys[i]
			}
			for range 20 {
				hashes := make([]hashKey, len(recs))
				c.partitionHashes(recs, hashes)
				for i, k := range keys {
					if hashes[i] != partitionHash(k) {
						t.Errorf("concurrent: key %q: wrong hash", k)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
