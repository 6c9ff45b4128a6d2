package eventmatch

import (
	"bytes"
	"slices"
	"sync"
)

// machine is an immutable compiled rule set. Event paths form a trie; each
// branch of each rule picks its most selective required condition as its
// anchor, and only anchors are indexed on their path (exact values in hash
// maps, prefixes and suffixes in byte tries, numeric ranges in an interval
// table). Matching flattens the event once, looks every recorded value up in
// its path's anchor index to find candidate branches, then checks each
// candidate's remaining conditions against the values recorded on their
// paths.
type machine struct {
	root     *pathNode
	nodes    int
	conds    []condInfo
	branches []branchInfo
	always   []int32 // branches with no required condition
	need     []uint8 // per branch: the mask of its anchors (1 or 3; 0 without)
	ruleIDs  []string
	pool     sync.Pool
}

// pathNode is one step of an event path.
type pathNode struct {
	id       int32
	children map[string]*pathNode
	tracked  bool        // some condition reads this path
	idx      *fieldIndex // anchors on this path, or nil
}

// condInfo is one field condition of one branch: the path must hold a
// value matching one of pats (or, when !required, may be absent).
type condInfo struct {
	node     *pathNode
	pats     []*pattern
	required bool
	cost     int
}

type branchInfo struct {
	rule     int32
	nAnchors int32   // conditions indexed (0, 1 or 2)
	conds    []int32 // cheapest first
}

// maxSecondAnchorCost is the costliest condition indexed as a branch's
// second anchor (an index lookup, not a linear check).
const maxSecondAnchorCost = 4

// fieldIndex finds the branches whose anchor matches a value. Its lists
// hold anchor keys: branch*2 + anchor number.
type fieldIndex struct {
	strExact   map[string][]int32
	ipExact    map[string][]int32
	litExact   map[string][]int32 // number text, true, false, null
	numExact   map[int64][]int32  // EventBridge comparable numbers
	fltExact   map[float64][]int32
	fold       map[string][]int32
	prefix     *trie
	suffix     *trie
	prefixFold *trie
	suffixFold *trie
	ranges     *rangeIndex
	exists     []int32
	linear     []linEntry // checked one by one
}

type linEntry struct {
	p   *pattern
	key int32
}

// patternCost ranks patterns by how few values they let through and how
// cheap they are to check; a condition costs its worst pattern.
func patternCost(p *pattern) int {
	switch p.kind {
	case pExactString, pExactLiteral, pExactNumber, pExactIP:
		return 1
	case pEqualsFold:
		return 2
	case pPrefix, pSuffix, pPrefixFold, pSuffixFold:
		return 3
	case pNumeric:
		if p.sns {
			return 8
		}
		return 4
	case pExists:
		return 6
	case pAbsent:
		return 0
	}
	return 8 // checked linearly
}

func (n *pathNode) child(seg string) *pathNode {
	if n.children == nil {
		n.children = map[string]*pathNode{}
	}
	c := n.children[seg]
	if c == nil {
		c = &pathNode{}
		n.children[seg] = c
	}
	return c
}

func addTo[K comparable](m *map[K][]int32, k K, b int32) {
	if *m == nil {
		*m = map[K][]int32{}
	}
	(*m)[k] = append((*m)[k], b)
}

// add indexes anchor pattern p of branch b.
func (x *fieldIndex) add(p *pattern, b int32) {
	switch p.kind {
	case pExactString:
		addTo(&x.strExact, p.s, b)
	case pExactIP:
		addTo(&x.ipExact, p.s, b)
	case pExactLiteral:
		addTo(&x.litExact, p.s, b)
	case pExactNumber:
		addTo(&x.litExact, p.s, b)
		if p.sns {
			addTo(&x.fltExact, p.flt, b)
		} else if p.numOK {
			addTo(&x.numExact, p.num, b)
		}
	case pEqualsFold:
		addTo(&x.fold, p.s, b)
	case pPrefix, pSuffix, pPrefixFold, pSuffixFold:
		t := &x.prefix
		switch p.kind {
		case pSuffix:
			t = &x.suffix
		case pPrefixFold:
			t = &x.prefixFold
		case pSuffixFold:
			t = &x.suffixFold
		}
		if *t == nil {
			*t = &trie{}
		}
		(*t).add(p.s, b, p.kind == pSuffix || p.kind == pSuffixFold)
	case pNumeric:
		if p.sns {
			x.linear = append(x.linear, linEntry{p, b})
			return
		}
		if x.ranges == nil {
			x.ranges = &rangeIndex{}
		}
		x.ranges.pending = append(x.ranges.pending, rangeEntry{p.rng, b})
	case pExists:
		x.exists = append(x.exists, b)
	case pAbsent:
	default:
		x.linear = append(x.linear, linEntry{p, b})
	}
}

// buildMachine compiles rules (named by ids) into one machine.
func buildMachine(rules []*Rule, ids []string) *machine {
	m := &machine{root: &pathNode{}, ruleIDs: ids}
	var indexes []*fieldIndex
	for ri, r := range rules {
		for _, b := range r.branches {
			bid := int32(len(m.branches))
			bi := branchInfo{rule: int32(ri)}
			for _, f := range b.fields {
				n := m.root
				for _, s := range f.segs {
					n = n.child(s)
				}
				n.tracked = true
				c := condInfo{node: n, pats: f.pats, required: true}
				for _, p := range f.pats {
					if p.kind == pAbsent {
						c.required = false
					}
					c.cost = max(c.cost, patternCost(p))
				}
				bi.conds = append(bi.conds, int32(len(m.conds)))
				m.conds = append(m.conds, c)
			}
			slices.SortStableFunc(bi.conds, func(a, b int32) int { return m.conds[a].cost - m.conds[b].cost })
			// Anchors: the cheapest required condition, and a second one
			// when it is also found through an index.
			for _, cid := range bi.conds {
				c := &m.conds[cid]
				if !c.required || bi.nAnchors == 2 || bi.nAnchors == 1 && c.cost > maxSecondAnchorCost {
					continue
				}
				if c.node.idx == nil {
					c.node.idx = &fieldIndex{}
					indexes = append(indexes, c.node.idx)
				}
				key := bid*2 + bi.nAnchors
				for _, p := range c.pats {
					c.node.idx.add(p, key)
				}
				bi.nAnchors++
			}
			if bi.nAnchors == 0 {
				m.always = append(m.always, bid)
			}
			m.branches = append(m.branches, bi)
			m.need = append(m.need, uint8(1)<<bi.nAnchors-1)
		}
	}
	for _, x := range indexes {
		if x.ranges != nil {
			x.ranges.build()
		}
	}
	var number func(n *pathNode)
	number = func(n *pathNode) {
		n.id = int32(m.nodes)
		m.nodes++
		for _, c := range n.children {
			number(c)
		}
	}
	number(m.root)
	return m
}

// lookup finds the child of n for an event key, also when the key holds
// dots that the patterns spelled as nesting (event-ruler joins path steps
// with '.', so both spellings name the same field).
func (n *pathNode) lookup(key []byte) *pathNode {
	if n == nil || n.children == nil {
		return nil
	}
	if c := n.children[string(key)]; c != nil {
		return c
	}
	if bytes.IndexByte(key, '.') < 0 {
		return nil
	}
	for len(key) > 0 && n != nil {
		i := bytes.IndexByte(key, '.')
		if i < 0 {
			return n.children[string(key)]
		}
		n = n.children[string(key[:i])]
		key = key[i+1:]
		if n == nil || n.children == nil {
			return nil
		}
	}
	return n
}

// arrMember places a value in one array of the event: array id and index.
type arrMember struct {
	id, idx int32
}

// fieldRec is one leaf value of the event on a tracked path.
type fieldRec struct {
	node     *pathNode
	v        value
	arrStart int32
	arrEnd   int32
	next     int32 // next value on the same path, or -1
}

// state is the scratch space of one match, pooled per machine.
type state struct {
	m   *machine
	gen uint32
	// hits holds, per branch, gen<<2 | the mask of its anchors hit in
	// this match (one word per branch: one memory access per hit).
	hits     []uint64
	ruleGen  []uint32
	nodeGen  []uint32
	nodeHead []int32
	cands    []int32
	matched  []int32
	fields   []fieldRec
	arrs     []arrMember
	arrStack []arrMember
	nextArr  int32
	buf      []byte
	// per-candidate scratch: matching values of each condition
	picks  []int32
	starts []int32
	chosen []int32
}

func (m *machine) getState() *state {
	if st, ok := m.pool.Get().(*state); ok {
		st.gen++
		if st.gen == 0 {
			clear(st.hits)
			clear(st.ruleGen)
			clear(st.nodeGen)
			st.gen = 1
		}
		return st
	}
	return &state{
		m:        m,
		gen:      1,
		hits:     make([]uint64, len(m.branches)),
		ruleGen:  make([]uint32, len(m.ruleIDs)),
		nodeGen:  make([]uint32, m.nodes),
		nodeHead: make([]int32, m.nodes),
	}
}

func (m *machine) putState(st *state) {
	clear(st.fields) // drop references to the event
	st.fields = st.fields[:0]
	st.cands = st.cands[:0]
	st.matched = st.matched[:0]
	st.arrs = st.arrs[:0]
	st.arrStack = st.arrStack[:0]
	st.nextArr = 0
	m.pool.Put(st)
}

// addField records a leaf value at node n.
func (st *state) addField(n *pathNode, v value) {
	if !n.tracked {
		return
	}
	head := int32(-1)
	if st.nodeGen[n.id] == st.gen {
		head = st.nodeHead[n.id]
	}
	start := int32(len(st.arrs))
	st.arrs = append(st.arrs, st.arrStack...)
	st.fields = append(st.fields, fieldRec{node: n, v: v, arrStart: start, arrEnd: int32(len(st.arrs)), next: head})
	st.nodeGen[n.id] = st.gen
	st.nodeHead[n.id] = int32(len(st.fields) - 1)
}

// candidates records anchor hits; a branch whose anchors are all hit
// becomes a candidate.
func (st *state) candidates(keys []int32) {
	for _, k := range keys {
		st.anchorHit(k)
	}
}

func (st *state) anchorHit(k int32) {
	b, bit := k>>1, uint64(1)<<(k&1)
	h, g := st.hits[b], uint64(st.gen)<<2
	if h&^3 != g {
		h = g
	}
	if h&bit != 0 {
		return
	}
	h |= bit
	st.hits[b] = h
	if uint8(h&3) == st.m.need[b] {
		st.cands = append(st.cands, b)
	}
}

// anchorDone reports whether anchor key k was already hit in this match.
func (st *state) anchorDone(k int32) bool {
	h := st.hits[k>>1]
	return h&^3 == uint64(st.gen)<<2 && h&(uint64(1)<<(k&1)) != 0
}

// anchors looks a value up in its path's anchor index.
func (st *state) anchors(f *fieldRec) {
	x := f.node.idx
	if x == nil {
		return
	}
	v := &f.v
	switch v.kind {
	case vString:
		if l := x.strExact[v.str]; l != nil {
			st.candidates(l)
		}
		if x.ipExact != nil {
			if ip, ok := parseIPAddr(v.str); ok {
				st.candidates(x.ipExact[string(ip.b[:ip.n])])
			}
		}
		s := stringBytes(v.str)
		if x.prefix != nil {
			x.prefix.walk(s, false, st.candidates)
		}
		if x.suffix != nil {
			x.suffix.walk(s, true, st.candidates)
		}
		if x.fold != nil || x.prefixFold != nil || x.suffixFold != nil {
			st.buf = appendFold(st.buf[:0], v.str)
			if l := x.fold[string(st.buf)]; l != nil {
				st.candidates(l)
			}
			if x.prefixFold != nil {
				x.prefixFold.walk(st.buf, false, st.candidates)
			}
			if x.suffixFold != nil {
				x.suffixFold.walk(st.buf, true, st.candidates)
			}
		}
	case vNumber:
		if l := x.litExact[v.str]; l != nil {
			st.candidates(l)
		}
		if v.cOK {
			if l := x.numExact[v.c]; l != nil {
				st.candidates(l)
			}
			if x.ranges != nil {
				st.candidates(x.ranges.lookup(v.c))
			}
		}
		if v.fOK && x.fltExact != nil {
			st.candidates(x.fltExact[v.f])
		}
	default:
		if l := x.litExact[v.literal()]; l != nil {
			st.candidates(l)
		}
	}
	st.candidates(x.exists)
	for i := range x.linear {
		e := &x.linear[i]
		if !st.anchorDone(e.key) && e.p.matches(v) {
			st.anchorHit(e.key)
		}
	}
}

// finish finds the matching rules' indexes (sorted) in st.matched.
func (st *state) finish() {
	for fi := range st.fields {
		st.anchors(&st.fields[fi])
	}
	for _, b := range st.cands {
		st.check(b)
	}
	for _, b := range st.m.always {
		st.check(b)
	}
	slices.Sort(st.matched)
}

// check verifies every condition of candidate branch b.
func (st *state) check(b int32) {
	bi := &st.m.branches[b]
	if st.ruleGen[bi.rule] == st.gen {
		return
	}
	st.picks, st.starts = st.picks[:0], st.starts[:0]
	arrays := false
	for _, cid := range bi.conds {
		c := &st.m.conds[cid]
		head := int32(-1)
		if st.nodeGen[c.node.id] == st.gen {
			head = st.nodeHead[c.node.id]
		}
		start := int32(len(st.picks))
		for fi := head; fi >= 0; fi = st.fields[fi].next {
			f := &st.fields[fi]
			for _, p := range c.pats {
				if p.kind != pAbsent && p.matches(&f.v) {
					st.picks = append(st.picks, fi)
					if f.arrEnd > f.arrStart {
						arrays = true
					}
					break
				}
			}
		}
		if int32(len(st.picks)) == start {
			if c.required || head >= 0 {
				return
			}
			continue // absent, and absence is allowed
		}
		st.starts = append(st.starts, start)
	}
	if arrays && len(st.starts) > 1 && !st.consistent() {
		return
	}
	st.ruleGen[bi.rule] = st.gen
	st.matched = append(st.matched, bi.rule)
}

// maxConsistencySteps bounds the search for array-consistent values; past
// it a candidate is treated as not matching.
const maxConsistencySteps = 100000

// consistent reports whether each checked condition can take one of its
// matching values such that values inside the same event array come from
// the same element (event-ruler's array consistency).
func (st *state) consistent() bool {
	st.chosen = st.chosen[:0]
	budget := maxConsistencySteps
	var search func(k int) bool
	search = func(k int) bool {
		if k == len(st.starts) {
			return true
		}
		end := int32(len(st.picks))
		if k+1 < len(st.starts) {
			end = st.starts[k+1]
		}
		for _, fi := range st.picks[st.starts[k]:end] {
			if budget--; budget < 0 {
				return false
			}
			ok := true
			for _, c := range st.chosen {
				if !st.compatible(c, fi) {
					ok = false
					break
				}
			}
			if ok {
				st.chosen = append(st.chosen, fi)
				if search(k + 1) {
					return true
				}
				st.chosen = st.chosen[:len(st.chosen)-1]
			}
		}
		return false
	}
	return search(0)
}

// compatible reports whether two values sit in the same element of every
// array they share.
func (st *state) compatible(a, b int32) bool {
	fa, fb := &st.fields[a], &st.fields[b]
	for _, x := range st.arrs[fa.arrStart:fa.arrEnd] {
		for _, y := range st.arrs[fb.arrStart:fb.arrEnd] {
			if x.id == y.id && x.idx != y.idx {
				return false
			}
		}
	}
	return true
}
