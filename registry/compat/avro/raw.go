package avro

import (
	"strings"

	hamba "github.com/hamba/avro/v2"
)

// hamba's parser decodes every record and field through mapstructure, which
// is most of the cost of parsing a large definition (9 ms of a 1,000-field
// record). The checker needs only the graph of node.go, so Parse builds it
// straight from the decoded JSON for definitions in a plain subset, and
// leaves hamba's schema to be parsed when someone asks for it (Avro()):
//
//   - primitive types by name, records ("record" with name, namespace,
//     fields and doc only), arrays, maps and unions of distinct kinds, all
//     written inline (no reference to a named type by name);
//   - fields with name, type, doc and a default only when it is null and
//     the field's type is null or a union whose first branch is null;
//   - names and namespaces hamba accepts, each full name once, each field
//     name once per record.
//
// Everything else (and so every invalid definition) goes to hamba, which
// decides and words errors as before. raw_test.go checks on many
// definitions that this builds the graph hamba's schema gives, with the
// same digests.

// rawGraph builds the graph of doc; ok is false when hamba must parse it.
func rawGraph(doc any) (root *node, ok bool) {
	b := rawAvro{names: map[string]bool{}}
	root = b.schema(doc, "")
	if b.failed {
		return nil, false
	}
	d := digester{stack: map[*node]int{}}
	d.of(root, 0)
	return root, true
}

type rawAvro struct {
	names  map[string]bool // full names defined
	failed bool
}

func (b *rawAvro) fail() *node {
	b.failed = true
	return nil
}

func (b *rawAvro) schema(v any, ns string) *node {
	if b.failed {
		return nil
	}
	switch x := v.(type) {
	case string:
		if !primitive(x) {
			return b.fail() // a named type by name: hamba resolves it
		}
		return &node{typ: hamba.Type(x)}
	case []any:
		return b.union(x, ns)
	case map[string]any:
		return b.object(x, ns)
	}
	return b.fail()
}

func (b *rawAvro) union(list []any, ns string) *node {
	n := &node{typ: hamba.Union, branches: make([]*node, len(list))}
	kinds := map[hamba.Type]bool{}
	for i, x := range list {
		if _, nested := x.([]any); nested {
			return b.fail()
		}
		br := b.schema(x, ns)
		if b.failed {
			return nil
		}
		if kinds[br.typ] {
			return b.fail() // hamba decides which duplicates it refuses
		}
		kinds[br.typ] = true
		n.branches[i] = br
	}
	n.index = indexUnion(n.branches)
	return n
}

// only reports whether m has no keys but allowed.
func only(m map[string]any, allowed ...string) bool {
	for k := range m {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (b *rawAvro) object(m map[string]any, ns string) *node {
	t, _ := m["type"].(string)
	switch {
	case t == "record":
		return b.record(m, ns)
	case t == "array" && only(m, "type", "items"):
		items, ok := m["items"]
		if !ok {
			return b.fail()
		}
		return &node{typ: hamba.Array, items: b.schema(items, ns)}
	case t == "map" && only(m, "type", "values"):
		values, ok := m["values"]
		if !ok {
			return b.fail()
		}
		return &node{typ: hamba.Map, items: b.schema(values, ns)}
	case primitive(t) && only(m, "type"):
		return &node{typ: hamba.Type(t)}
	}
	return b.fail()
}

func (b *rawAvro) record(m map[string]any, ns string) *node {
	if !only(m, "type", "name", "namespace", "fields", "doc") {
		return b.fail()
	}
	name, ok := m["name"].(string)
	if !ok || !validName(name) {
		return b.fail()
	}
	if v, has := m["namespace"]; has {
		s, ok := v.(string)
		if !ok {
			return b.fail()
		}
		if s != "" {
			ns = s
		}
	}
	if v, has := m["doc"]; has {
		if _, ok := v.(string); !ok {
			return b.fail()
		}
	}
	full := name
	if ns != "" {
		for part := range strings.SplitSeq(ns, ".") {
			if !validName(part) {
				return b.fail()
			}
		}
		full = ns + "." + name
	}
	if b.names[full] {
		return b.fail()
	}
	b.names[full] = true
	list, ok := m["fields"].([]any)
	if !ok {
		return b.fail()
	}
	n := &node{typ: hamba.Record, name: name, full: full, lastRequired: -1, fields: make([]*fieldNode, len(list))}
	seen := make(map[string]bool, len(list))
	for i, x := range list {
		f, ok := x.(map[string]any)
		if !ok || !only(f, "name", "type", "default", "doc") {
			return b.fail()
		}
		fname, ok := f["name"].(string)
		if !ok || !validName(fname) || seen[fname] {
			return b.fail()
		}
		seen[fname] = true
		if v, has := f["doc"]; has {
			if _, ok := v.(string); !ok {
				return b.fail()
			}
		}
		ft, has := f["type"]
		if !has {
			return b.fail()
		}
		typ := b.schema(ft, ns)
		if b.failed {
			return nil
		}
		def, hasDefault := f["default"]
		if hasDefault {
			nullFirst := typ.typ == hamba.Null || (typ.typ == hamba.Union && len(typ.branches) > 0 && typ.branches[0].typ == hamba.Null)
			if def != nil || !nullFirst {
				return b.fail()
			}
		}
		n.fields[i] = &fieldNode{name: fname, hasDefault: hasDefault, typ: typ}
		if !hasDefault {
			n.lastRequired = i
		}
	}
	return n
}

// validName reports whether s is a name (or a namespace's part) hamba
// accepts.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || r == '_'
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}
