package eventmatch

import "sort"

// trie is a byte trie of prefixes (or reversed suffixes); each node lists
// the conditions whose pattern ends there.
type trie struct {
	root trieNode
}

type trieNode struct {
	next map[byte]*trieNode
	cids []int32
}

func (t *trie) add(s string, cid int32, reverse bool) {
	n := &t.root
	for i := 0; i < len(s); i++ {
		c := s[i]
		if reverse {
			c = s[len(s)-1-i]
		}
		if n.next == nil {
			n.next = map[byte]*trieNode{}
		}
		nx := n.next[c]
		if nx == nil {
			nx = &trieNode{}
			n.next[c] = nx
		}
		n = nx
	}
	n.cids = append(n.cids, cid)
}

// walk calls hit with the conditions of every node on s's path: the
// patterns that are prefixes of s (suffixes when reverse).
func (t *trie) walk(s []byte, reverse bool, hit func([]int32)) {
	n := &t.root
	for i := 0; ; i++ {
		if len(n.cids) > 0 {
			hit(n.cids)
		}
		if i == len(s) || n.next == nil {
			return
		}
		c := s[i]
		if reverse {
			c = s[len(s)-1-i]
		}
		if n = n.next[c]; n == nil {
			return
		}
	}
}

// rangeIndex answers which EventBridge numeric ranges hold a number: the
// ranges' bounds cut the number line into elementary regions (each bound
// itself and the open interval between two bounds), each with the list of
// ranges that cover it, found by binary search.
type rangeIndex struct {
	points  []int64
	regions [][]int32 // 2*len(points)+1
	pending []rangeEntry
}

type rangeEntry struct {
	r  numRange
	id int32
}

func (x *rangeIndex) build() {
	seen := map[int64]bool{}
	for _, e := range x.pending {
		for _, p := range []struct {
			ok bool
			v  int64
		}{{e.r.hasLo, e.r.lo}, {e.r.hasHi, e.r.hi}} {
			if p.ok && !seen[p.v] {
				seen[p.v] = true
				x.points = append(x.points, p.v)
			}
		}
	}
	sort.Slice(x.points, func(i, j int) bool { return x.points[i] < x.points[j] })
	n := len(x.points)
	x.regions = make([][]int32, 2*n+1)
	for _, e := range x.pending {
		for reg := 0; reg <= 2*n; reg++ {
			if x.covers(&e.r, reg) {
				x.regions[reg] = append(x.regions[reg], e.id)
			}
		}
	}
	x.pending = nil
}

// covers reports whether region reg lies within r.
func (x *rangeIndex) covers(r *numRange, reg int) bool {
	i := reg / 2
	if reg%2 == 1 {
		return r.containsInt(x.points[i])
	}
	// The open interval (points[i-1], points[i]).
	if r.hasLo && (i == 0 || r.lo > x.points[i-1]) {
		return false
	}
	if r.hasHi && (i == len(x.points) || r.hi < x.points[i]) {
		return false
	}
	return true
}

func (x *rangeIndex) lookup(v int64) []int32 {
	i, j := 0, len(x.points)
	for i < j {
		h := int(uint(i+j) >> 1)
		if x.points[h] < v {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < len(x.points) && x.points[i] == v {
		return x.regions[2*i+1]
	}
	return x.regions[2*i]
}
