package kinesis

import (
	"hash/maphash"
	"strings"
	"sync"
)

// hashCache remembers the MD5 hash keys of a stream's recent partition
// keys: producers reuse a bounded set of keys (device, user, order ids),
// and a lookup costs a fraction of an MD5. It is a two-way set-associative
// table; a stream whose keys rarely repeat stores only one miss in
// hashCacheSample, so that its puts pay little more than the lookups.
type hashCache struct {
	mu      sync.Mutex
	seed    maphash.Seed
	slots   []hashSlot // hashCacheSlots, allocated on first use
	lookups uint32     // recent lookups and hits, halved now and then
	hits    uint32
	misses  uint32 // misses seen, for sampling
}

type hashSlot struct {
	key  string // "" for an empty slot (partition keys are not empty)
	hash hashKey
	used uint32 // the lookup count when last used, to evict the older
}

const (
	hashCacheSlots  = 2048 // two per set
	hashCacheSample = 16
)

// partitionHashes sets hashes[i] to the hash key of recs[i] for every
// record without an ExplicitHashKey.
func (c *hashCache) partitionHashes(recs []PutRecordsRequestEntry, hashes []hashKey) {
	var missBuf [64]int
	miss := missBuf[:0]
	c.mu.Lock()
	if c.slots == nil {
		c.seed = maphash.MakeSeed()
		c.slots = make([]hashSlot, hashCacheSlots)
	}
	for i := range recs {
		if recs[i].ExplicitHashKey != nil {
			continue
		}
		k := *recs[i].PartitionKey
		if s := c.find(k); s != nil {
			hashes[i] = s.hash
			continue
		}
		miss = append(miss, i)
	}
	store := c.hits*8 >= c.lookups // keys repeat: keep every miss
	c.mu.Unlock()
	if len(miss) == 0 {
		return
	}
	for _, i := range miss {
		hashes[i] = partitionHash(*recs[i].PartitionKey)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, i := range miss {
		c.misses++
		if store || c.misses%hashCacheSample == 0 {
			c.insert(*recs[i].PartitionKey, hashes[i])
		}
	}
}

// find returns the slot holding k, or nil. c.mu is held.
func (c *hashCache) find(k string) *hashSlot {
	c.lookups++
	if c.lookups >= 1<<20 {
		c.lookups, c.hits = c.lookups/2, c.hits/2
	}
	if k == "" {
		return nil
	}
	set := c.set(k)
	for j := range set {
		if s := &set[j]; s.key == k {
			s.used = c.lookups
			c.hits++
			return s
		}
	}
	return nil
}

// insert stores k's hash in the older slot of its set. c.mu is held.
func (c *hashCache) insert(k string, h hashKey) {
	if k == "" {
		return
	}
	set := c.set(k)
	s := &set[0]
	if set[1].used < s.used {
		s = &set[1]
	}
	// A copy: k may share its memory with the rest of its request.
	*s = hashSlot{key: strings.Clone(k), hash: h, used: c.lookups}
}

// set returns the two slots k may be in.
func (c *hashCache) set(k string) []hashSlot {
	i := int(maphash.String(c.seed, k)&(hashCacheSlots/2-1)) * 2
	return c.slots[i : i+2 : i+2]
}
