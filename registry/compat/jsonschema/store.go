package jsonschema

import (
	"runtime"
	"sync"
	"weak"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// The registry keeps, for each version of a schema, the compact form a
// store returns: the version's nodes (no compiled validator, no decoded
// document, no canonical text), with every subschema without "$ref" kept
// once per store. Such a subschema means what its JSON says (in its
// draft), so one node per (digest, draft) serves every version that has
// it, and a property unchanged across a thousand versions is one node and
// one prop entry; comparing it between two versions is comparing two
// pointers.

// internKey identifies a shareable node.
type internKey struct {
	sum   digest
	draft int
}

// propKey identifies a shareable prop entry: its name and its node's.
type propKey struct {
	name string
	node internKey
}

// store is the JSON Schema compat.Store.
type store struct {
	mu    sync.Mutex
	nodes map[internKey]weak.Pointer[node]
	props map[propKey]weak.Pointer[prop]
	docs  docCache
}

// NewStore implements compat.Compactor.
func (f *format) NewStore() compat.Store {
	return &store{nodes: map[internKey]weak.Pointer[node]{}, props: map[propKey]weak.Pointer[prop]{}}
}

// compactSchema is the compact form of a version.
type compactSchema struct {
	root      *node
	canonical string
	store     *store
}

// Canonical returns the hex digest of the definition's canonical form.
func (c *compactSchema) Canonical() string { return c.canonical }

// Compact implements compat.Store. A schema this format did not parse is
// returned as it is.
func (st *store) Compact(s compat.Schema) compat.Schema {
	p, ok := s.(*Schema)
	if !ok || p == nil || p.root == nil {
		return s
	}
	st.mu.Lock()
	root := st.intern(p.root, map[*node]*node{})
	st.mu.Unlock()
	return &compactSchema{root: root, canonical: p.CanonicalDigest(), store: st}
}

// shareable reports whether n means what its JSON says: a subschema
// without "$ref" anywhere in it.
func shareable(n *node) bool { return n.real && n.raw && n.pure }

// intern returns n with its shareable nodes replaced by the store's,
// adding those the store lacks, and the same for prop entries. The nodes
// of the parsed version are not changed: what differs is copied.
// Callers hold mu.
func (st *store) intern(n *node, seen map[*node]*node) *node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	share := shareable(n)
	key := internKey{n.sum, n.draft}
	if share {
		if c := st.nodes[key].Value(); c != nil {
			seen[n] = c
			return c
		}
	}
	cp := new(node)
	*cp = *n
	seen[n] = cp
	in := func(x *node) *node { return st.intern(x, seen) }
	list := func(l []*node) []*node {
		if l == nil {
			return nil
		}
		out := make([]*node, len(l))
		for i, x := range l {
			out[i] = in(x)
		}
		return out
	}
	cp.ref = in(n.ref)
	cp.items = in(n.items)
	cp.tuple = list(n.tuple)
	cp.addItems = in(n.addItems)
	cp.contains = in(n.contains)
	if n.props != nil {
		cp.props = make([]*prop, len(n.props))
		for i, pe := range n.props {
			cp.props[i] = st.prop(pe.name, in(pe.n))
		}
	}
	if n.patterns != nil {
		cp.patterns = make([]patProp, len(n.patterns))
		for i, pp := range n.patterns {
			pp.n = in(pp.n)
			cp.patterns[i] = pp
		}
	}
	cp.addProps = in(n.addProps)
	cp.propNames = in(n.propNames)
	if n.deps != nil {
		cp.deps = make(map[string]dep, len(n.deps))
		for k, d := range n.deps {
			d.schema = in(d.schema)
			cp.deps[k] = d
		}
	}
	cp.allOf, cp.anyOf, cp.oneOf = list(n.allOf), list(n.anyOf), list(n.oneOf)
	cp.not = in(n.not)
	cp.ifN, cp.thenN, cp.elseN = in(n.ifN), in(n.thenN), in(n.elseN)
	if share {
		st.nodes[key] = weak.Make(cp)
		runtime.AddCleanup(cp, st.dropNode, key)
	}
	return cp
}

// prop returns the store's entry for property name with schema n (an
// interned node), adding it if n is shareable. Callers hold mu.
func (st *store) prop(name string, n *node) *prop {
	if !shareable(n) {
		return newProp(name, n)
	}
	k := propKey{name, internKey{n.sum, n.draft}}
	if c := st.props[k].Value(); c != nil && c.n == n {
		return c
	}
	pe := newProp(name, n)
	st.props[k] = weak.Make(pe)
	runtime.AddCleanup(pe, st.dropProp, k)
	return pe
}

func (st *store) dropNode(k internKey) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if wp, ok := st.nodes[k]; ok && wp.Value() == nil {
		delete(st.nodes, k)
	}
}

func (st *store) dropProp(k propKey) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if wp, ok := st.props[k]; ok && wp.Value() == nil {
		delete(st.props, k)
	}
}

// size reports how many nodes and prop entries the store holds, collected
// ones whose cleanup has not run yet included.
func (st *store) size() (nodes, props int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.nodes), len(st.props)
}
