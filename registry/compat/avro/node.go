package avro

import (
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"sync"
	"weak"

	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// The checker does not walk hamba's schemas but a compact graph of nodes
// built from them: what schema resolution and the findings' messages use
// (names, aliases, field names, whether a field has a default, enum
// symbols, fixed sizes, logical types for messages), nothing else (no docs,
// no default values, no hamba caches). A 1,000-field record is about 10 KB
// of nodes instead of hamba's megabyte.
//
// A node whose type graph holds no back-reference to an enclosing record
// (it is "closed") is identified by a SHA-256 digest of that graph, so:
//
//   - two closed nodes with equal digests are the same type, and a type
//     always reads itself (unless a record of it has a field whose alias
//     names another of its fields, which Avro refuses as ambiguous), so the
//     check skips identical subtrees without walking them;
//   - a store (one per schema in the registry) keeps one node per digest,
//     so versions share what they have in common, and remembers the result
//     of each closed record pair it checked.

// digest identifies a closed node or field.
type digest [sha256.Size]byte

// node is one Avro type. Nodes are immutable once built and may be shared
// by many schemas; a record's fields may lead back to the record itself.
type node struct {
	typ         hamba.Type   // hamba.Record for records and errors
	name        string       // named types: the unqualified name
	full        string       // named types: the full name
	aliases     []string     // named types: the aliases' full names
	logical     string       // the logical type's canonical form, or ""
	size        int          // fixed
	symbols     []string     // enum
	enumDefault bool         // enum: declares a default symbol
	fields      []*fieldNode // record
	items       *node        // array items, map values
	branches    []*node      // union
	index       *unionIndex

	// Records: whether a field has aliases, the index of the last field
	// without a default (-1 if none), and whether a field's alias names
	// another field (so the record cannot read itself).
	fieldAliases bool
	lastRequired int
	selfAmbig    bool

	// closed: the digest sum identifies the node; clean: no record of its
	// graph is self-ambiguous, so the node reads itself. Both are set once,
	// when the node is built, before it is shared.
	closed bool
	clean  bool
	sum    digest
}

// fieldNode is one record field.
type fieldNode struct {
	name       string
	aliases    []string
	hasDefault bool
	typ        *node
	closed     bool
	sum        digest
}

// unionIndex locates the branches of a union: named ones by unqualified
// name ("n:" key) and by alias ("a:" key, a full name), the others in
// order.
type unionIndex struct {
	named   map[string][]int
	unnamed []int
}

// identical reports whether r and w are provably the same type that reads
// itself.
func identical(r, w *node) bool {
	if r == w {
		return r.clean
	}
	return r.closed && w.closed && r.clean && r.sum == w.sum
}

// sameField reports whether a and b are provably the same field (name,
// aliases, default presence and type).
func sameField(a, b *fieldNode) bool {
	return a == b || (a.closed && b.closed && a.sum == b.sum)
}

// --- building ---

// buildGraph converts a hamba schema into nodes, with digests.
func buildGraph(s hamba.Schema) *node {
	b := builder{named: map[hamba.Schema]*node{}}
	root := b.build(s)
	d := digester{stack: map[*node]int{}}
	d.of(root, 0)
	return root
}

type builder struct {
	named map[hamba.Schema]*node // named types by hamba's schema, so references share the node
}

func (b *builder) build(s hamba.Schema) *node {
	s = deref(s)
	if n, ok := b.named[s]; ok {
		return n
	}
	switch t := s.(type) {
	case *hamba.RecordSchema:
		n := &node{typ: hamba.Record, name: t.Name(), full: t.FullName(), aliases: t.Aliases(), lastRequired: -1}
		b.named[s] = n
		fs := t.Fields()
		n.fields = make([]*fieldNode, len(fs))
		names := make(map[string]bool, len(fs))
		for _, f := range fs {
			names[f.Name()] = true
		}
		for i, f := range fs {
			n.fields[i] = &fieldNode{name: f.Name(), aliases: f.Aliases(), hasDefault: f.HasDefault(), typ: b.build(f.Type())}
			if len(f.Aliases()) > 0 {
				n.fieldAliases = true
				for _, a := range f.Aliases() {
					if a != f.Name() && names[a] {
						n.selfAmbig = true
					}
				}
			}
			if !f.HasDefault() {
				n.lastRequired = i
			}
		}
		return n
	case *hamba.EnumSchema:
		n := &node{typ: hamba.Enum, name: t.Name(), full: t.FullName(), aliases: t.Aliases(), symbols: t.Symbols(), enumDefault: t.HasDefault()}
		b.named[s] = n
		return n
	case *hamba.FixedSchema:
		n := &node{typ: hamba.Fixed, name: t.Name(), full: t.FullName(), aliases: t.Aliases(), size: t.Size(), logical: logicalOf(t.Logical())}
		b.named[s] = n
		return n
	case *hamba.ArraySchema:
		return &node{typ: hamba.Array, items: b.build(t.Items())}
	case *hamba.MapSchema:
		return &node{typ: hamba.Map, items: b.build(t.Values())}
	case *hamba.UnionSchema:
		n := &node{typ: hamba.Union, branches: make([]*node, len(t.Types()))}
		for i, br := range t.Types() {
			n.branches[i] = b.build(br)
		}
		n.index = indexUnion(n.branches)
		return n
	case *hamba.PrimitiveSchema:
		return &node{typ: t.Type(), logical: logicalOf(t.Logical())}
	}
	return &node{typ: s.Type()}
}

func logicalOf(l hamba.LogicalSchema) string {
	if l == nil {
		return ""
	}
	return l.String()
}

func indexUnion(branches []*node) *unionIndex {
	idx := &unionIndex{named: map[string][]int{}}
	for i, b := range branches {
		if b.named() {
			idx.named["n:"+b.name] = append(idx.named["n:"+b.name], i)
			for _, a := range b.aliases {
				idx.named["a:"+a] = append(idx.named["a:"+a], i)
			}
			continue
		}
		idx.unnamed = append(idx.unnamed, i)
	}
	return idx
}

func (n *node) named() bool {
	return n.typ == hamba.Record || n.typ == hamba.Enum || n.typ == hamba.Fixed
}

// maxDigestSteps bounds the nodes one digest walk visits. A graph whose
// records reach each other through many paths could take exponentially
// many; past the budget the nodes left are not closed: they are neither
// shared nor skipped as identical, which costs only speed.
const maxDigestSteps = 1 << 16

// digester computes the digests of a freshly built graph. A record being
// walked (on the stack) met again is encoded as a reference by full name;
// full names are unique in a schema, so the encoding of a closed node,
// references included, describes its whole type graph.
type digester struct {
	stack   map[*node]int // records being walked, by depth
	visited map[*node]bool
	steps   int
	buf     []byte
}

// poisoned marks a result the walk gave up on: lower than every depth, so
// nothing above it is closed.
const poisoned = -1

// of returns n's sum and the lowest depth of an enclosing record it refers
// back to (noLow if none). It sets closed, clean and sum on the nodes and
// fields it finds closed. depth is the depth of the records on the stack.
func (d *digester) of(n *node, depth int) (digest, int) {
	if n.closed {
		return n.sum, noLow
	}
	if k, ok := d.stack[n]; ok {
		return d.hash('R', func() { d.str(n.full) }), k
	}
	d.steps++
	if d.steps > maxDigestSteps {
		return digest{}, poisoned
	}
	low := noLow
	var sum digest
	switch n.typ {
	case hamba.Record:
		d.stack[n] = depth
		sums := make([]digest, len(n.fields))
		for i, f := range n.fields {
			ts, l := d.of(f.typ, depth+1)
			low = min(low, l)
			sums[i] = d.hash('F', func() {
				d.str(f.name)
				d.strs(f.aliases)
				d.flag(f.hasDefault)
				d.buf = append(d.buf, ts[:]...)
			})
			if l == noLow {
				f.closed, f.sum = true, sums[i]
			}
		}
		delete(d.stack, n)
		sum = d.hash('r', func() {
			d.named(n)
			d.num(len(sums))
			for _, s := range sums {
				d.buf = append(d.buf, s[:]...)
			}
		})
		if low >= depth {
			low = noLow
		}
	case hamba.Array, hamba.Map:
		is, l := d.of(n.items, depth)
		low = l
		sum = d.hash(kindTag(n.typ), func() { d.buf = append(d.buf, is[:]...) })
	case hamba.Union:
		sums := make([]digest, len(n.branches))
		for i, b := range n.branches {
			var l int
			sums[i], l = d.of(b, depth)
			low = min(low, l)
		}
		sum = d.hash('u', func() {
			d.num(len(sums))
			for _, s := range sums {
				d.buf = append(d.buf, s[:]...)
			}
		})
	default:
		sum = d.hash(kindTag(n.typ), func() {
			d.str(string(n.typ))
			d.named(n)
			d.str(n.logical)
			d.num(n.size)
			d.strs(n.symbols)
			d.flag(n.enumDefault)
		})
	}
	if low == noLow {
		n.closed, n.sum, n.clean = true, sum, d.cleanOf(n)
	}
	return sum, low
}

// cleanOf reports whether no record reachable from n, a node just found
// closed, is self-ambiguous. Closed nodes below n already know; only the
// records of a cycle through n are walked.
func (d *digester) cleanOf(n *node) bool {
	if d.visited == nil {
		d.visited = map[*node]bool{}
	}
	clear(d.visited)
	return d.cleanWalk(n, n)
}

func (d *digester) cleanWalk(n, root *node) bool {
	if n != root && n.closed {
		return n.clean
	}
	if d.visited[n] {
		return true
	}
	d.visited[n] = true
	if n.selfAmbig {
		return false
	}
	for _, f := range n.fields {
		if !d.cleanWalk(f.typ, root) {
			return false
		}
	}
	if n.items != nil && !d.cleanWalk(n.items, root) {
		return false
	}
	for _, b := range n.branches {
		if !d.cleanWalk(b, root) {
			return false
		}
	}
	return true
}

func kindTag(t hamba.Type) byte {
	switch t {
	case hamba.Array:
		return 'a'
	case hamba.Map:
		return 'm'
	case hamba.Enum:
		return 'e'
	case hamba.Fixed:
		return 'x'
	}
	return 'p'
}

func (d *digester) hash(tag byte, body func()) digest {
	d.buf = append(d.buf[:0], tag)
	body()
	return sha256.Sum256(d.buf)
}

func (d *digester) num(n int) { d.buf = binary.AppendUvarint(d.buf, uint64(n)) }

func (d *digester) str(s string) {
	d.num(len(s))
	d.buf = append(d.buf, s...)
}

func (d *digester) strs(ss []string) {
	d.num(len(ss))
	for _, s := range ss {
		d.str(s)
	}
}

func (d *digester) flag(b bool) {
	if b {
		d.buf = append(d.buf, 1)
	} else {
		d.buf = append(d.buf, 0)
	}
}

func (d *digester) named(n *node) {
	d.str(n.name)
	d.str(n.full)
	d.strs(n.aliases)
}

// --- stores ---

// store is the Avro compat.Store: one node and one field per digest, held
// weakly, and the results of closed record pairs.
type store struct {
	mu     sync.Mutex
	nodes  map[digest]weak.Pointer[node]
	fields map[digest]weak.Pointer[fieldNode]
	memo   pairMemo
}

// NewStore implements compat.Compactor.
func (Format) NewStore() compat.Store {
	return &store{nodes: map[digest]weak.Pointer[node]{}, fields: map[digest]weak.Pointer[fieldNode]{}}
}

// compactSchema is a compact form: the graph and a digest of the canonical
// form, nothing of hamba's.
type compactSchema struct {
	root      *node
	canonical string
	store     *store
}

// Canonical returns the hex SHA-256 of the definition's canonical form.
func (c *compactSchema) Canonical() string { return c.canonical }

// Compact implements compat.Store. A schema this format did not parse is
// returned as it is.
func (st *store) Compact(s compat.Schema) compat.Schema {
	p, ok := s.(*Schema)
	if !ok || p == nil {
		return s
	}
	root := p.take()
	if root == nil {
		root = buildGraph(p.Avro())
	}
	st.mu.Lock()
	root = st.intern(root, map[*node]*node{})
	st.mu.Unlock()
	return &compactSchema{root: root, canonical: p.CanonicalDigest(), store: st}
}

// intern replaces the closed nodes and fields of a freshly built graph by
// the store's, adding those it lacks. The graph is not shared yet, so its
// non-closed nodes are updated in place. Callers hold mu.
func (st *store) intern(n *node, seen map[*node]*node) *node {
	if c, ok := seen[n]; ok {
		return c
	}
	if n.closed {
		if c := st.nodes[n.sum].Value(); c != nil {
			seen[n] = c
			return c
		}
	}
	seen[n] = n
	for i, f := range n.fields {
		f.typ = st.intern(f.typ, seen)
		if f.closed {
			if c := st.fields[f.sum].Value(); c != nil {
				n.fields[i] = c
				continue
			}
			st.addField(f)
		}
	}
	if n.items != nil {
		n.items = st.intern(n.items, seen)
	}
	for i, b := range n.branches {
		n.branches[i] = st.intern(b, seen)
	}
	if n.closed {
		st.addNode(n)
	}
	return n
}

func (st *store) addNode(n *node) {
	st.nodes[n.sum] = weak.Make(n)
	runtime.AddCleanup(n, st.dropNode, n.sum)
}

func (st *store) addField(f *fieldNode) {
	st.fields[f.sum] = weak.Make(f)
	runtime.AddCleanup(f, st.dropField, f.sum)
}

func (st *store) dropNode(sum digest) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if wp, ok := st.nodes[sum]; ok && wp.Value() == nil {
		delete(st.nodes, sum)
	}
}

func (st *store) dropField(sum digest) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if wp, ok := st.fields[sum]; ok && wp.Value() == nil {
		delete(st.fields, sum)
	}
}

// size reports how many nodes and fields the store holds, collected ones
// whose cleanup has not run yet included.
func (st *store) size() (nodes, fields int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.nodes), len(st.fields)
}

// pairMemo remembers the findings of closed record pairs across checks,
// relative to the path they were found at. It is bounded: when full it
// starts over.
type pairMemo struct {
	mu sync.Mutex
	m  map[[2]digest]memoEntry
}

const maxPairMemo = 1 << 14

func (p *pairMemo) get(r, w *node) (memoEntry, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[[2]digest{r.sum, w.sum}]
	return e, ok
}

func (p *pairMemo) put(r, w *node, e memoEntry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil || len(p.m) >= maxPairMemo {
		p.m = map[[2]digest]memoEntry{}
	}
	p.m[[2]digest{r.sum, w.sum}] = e
}
