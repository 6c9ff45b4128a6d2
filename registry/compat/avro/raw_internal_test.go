package avro

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/evolvestack/evolvestack/registry/scaletest"
)

// TestRawGraphMatchesHamba: every definition the raw builder reads gives
// the graph (digests included) hamba's schema gives, and hamba accepts it.
func TestRawGraphMatchesHamba(t *testing.T) {
	t.Parallel()
	defs := []string{
		scaletest.Avro(1), scaletest.Avro(50),
		`"string"`, `["null","string"]`, `{"type":"int"}`,
		`{"type":"record","name":"A","fields":[]}`,
		`{"type":"record","name":"A","namespace":"x.y","doc":"d","fields":[{"name":"a","type":{"type":"record","name":"B","fields":[{"name":"b","type":"long","doc":"x"}]}},{"name":"c","type":["null",{"type":"record","name":"C","namespace":"","fields":[]}],"default":null}]}`,
		`{"type":"record","name":"A","fields":[{"name":"a","type":{"type":"array","items":{"type":"map","values":["null","int","string"]}}},{"name":"n","type":"null","default":null}]}`,
		// Left to hamba: references, enums, fixed, logical types, aliases,
		// non-null defaults, duplicates, bad names.
		`{"type":"record","name":"A","fields":[{"name":"a","type":{"type":"record","name":"B","fields":[]}},{"name":"b","type":"B"}]}`,
		`{"type":"record","name":"A","fields":[{"name":"a","type":{"type":"enum","name":"E","symbols":["X"]}}]}`,
		`{"type":"record","name":"A","fields":[{"name":"a","type":"int","default":1}]}`,
		`{"type":"record","name":"A","aliases":["Z"],"fields":[]}`,
		`{"type":"record","name":"A","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}`,
		`{"type":"record","name":"1A","fields":[]}`,
		`{"type":"record","name":"A","fields":[{"name":"a","type":["int","int"]}]}`,
		`{"type":"record","name":"A","fields":[{"name":"a","type":{"type":"long","logicalType":"timestamp-millis"}}]}`,
	}
	for seed := range uint64(400) {
		r, w := genPair(seed, 0.3)
		defs = append(defs, r, w)
	}
	raw, parsed := 0, 0
	for _, def := range defs {
		doc, err := decodeDefinition(def)
		if err != nil {
			t.Fatalf("%s: %v", def, err)
		}
		fast, ok := rawGraph(doc)
		h, herr := parseAvro(def)
		if !ok {
			parsed++
			continue
		}
		raw++
		if herr != nil {
			t.Errorf("%s: the raw builder reads it but hamba refuses it: %v", def, herr)
			continue
		}
		if d := compareGraphs(fast, buildGraph(h), "#", map[*node]bool{}); d != "" {
			t.Errorf("%s: graphs differ: %s", def, d)
		}
	}
	t.Logf("%d definitions read raw, %d by hamba", raw, parsed)
	if raw < 100 || parsed < 100 {
		t.Errorf("raw %d, hamba %d: want both exercised", raw, parsed)
	}
}

// compareGraphs returns where a and b differ, or "".
func compareGraphs(a, b *node, path string, seen map[*node]bool) string {
	if (a == nil) != (b == nil) {
		return path + ": one is nil"
	}
	if a == nil || seen[a] {
		return ""
	}
	seen[a] = true
	type flat struct {
		Typ, Name, Full, Logical             string
		Aliases, Symbols                     string
		Size, LastRequired                   int
		EnumDefault, FieldAliases, SelfAmbig bool
		Closed, Clean                        bool
		Sum                                  digest
		Fields                               string
		Branches                             int
		Index                                string
	}
	f := func(n *node) flat {
		out := flat{Typ: string(n.typ), Name: n.name, Full: n.full, Logical: n.logical, Aliases: fmt.Sprint(n.aliases),
			Symbols: fmt.Sprint(n.symbols), Size: n.size, LastRequired: n.lastRequired, EnumDefault: n.enumDefault,
			FieldAliases: n.fieldAliases, SelfAmbig: n.selfAmbig, Closed: n.closed, Clean: n.clean, Sum: n.sum,
			Branches: len(n.branches)}
		for _, fl := range n.fields {
			out.Fields += fmt.Sprintf("%s/%v/%v/%v/%x;", fl.name, fl.aliases, fl.hasDefault, fl.closed, fl.sum)
		}
		if n.index != nil {
			out.Index = fmt.Sprint(n.index.named, n.index.unnamed)
		}
		return out
	}
	if fa, fb := f(a), f(b); !reflect.DeepEqual(fa, fb) {
		return fmt.Sprintf("%s: %+v != %+v", path, fa, fb)
	}
	for i := range a.fields {
		if d := compareGraphs(a.fields[i].typ, b.fields[i].typ, path+"."+a.fields[i].name, seen); d != "" {
			return d
		}
	}
	if d := compareGraphs(a.items, b.items, path+"[]", seen); d != "" {
		return d
	}
	for i := range a.branches {
		if d := compareGraphs(a.branches[i], b.branches[i], fmt.Sprintf("%s|%d", path, i), seen); d != "" {
			return d
		}
	}
	return ""
}
