package jsonschema

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	js "github.com/santhosh-tekuri/jsonschema/v6"
)

// rawCorpus is every definition of this package's tables, random ones of
// each draft, and definitions aimed at the raw builder's keyword reading.
func rawCorpus(t *testing.T) []string {
	t.Helper()
	var defs []string
	for _, c := range pairCases() {
		defs = append(defs, c.reader, c.writer)
	}
	for _, rules := range [][]ruleCase{booleanRules(), notRules(), requiredRules()} {
		for _, r := range rules {
			drafts := r.drafts
			if drafts == nil {
				drafts = allDrafts
			}
			for _, d := range drafts {
				defs = append(defs, d(r.reader), d(r.writer))
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 600 {
		b, err := json.Marshal(randSchema(rng, 3))
		if err != nil {
			t.Fatal(err)
		}
		body := string(b[1 : len(b)-1])
		defs = append(defs, []func(string) string{noSchema, d4, d6, d7}[i%4](body))
	}
	for _, body := range []string{
		`"type":"number","minimum":1,"exclusiveMinimum":true,"maximum":5,"exclusiveMaximum":false`,
		`"type":"number","minimum":1,"exclusiveMinimum":0,"maximum":5,"exclusiveMaximum":5`,
		`"type":"number","exclusiveMinimum":3,"exclusiveMaximum":4,"multipleOf":0.25`,
		`"items":[{"type":"string"},true,false],"additionalItems":{"type":"integer"},"minItems":1,"maxItems":3,"uniqueItems":true`,
		`"items":{"type":"string"},"additionalItems":false,"contains":{"const":"x"}`,
		`"properties":{"a/b":{"type":"string"},"c~d":{"enum":[1,"1",null,{"k":[1]}]}},"patternProperties":{"^x/~":{"type":"integer"}},"additionalProperties":{"type":"boolean"}`,
		`"dependencies":{"a":["b","c"],"b":{"required":["c"]},"c":true},"propertyNames":{"pattern":"^[a-z]+$"}`,
		`"if":true,"then":{"type":"string"},"else":{"type":"number"}`,
		`"if":false,"then":{"type":"string"},"else":{"type":"number"}`,
		`"if":{"type":"string"},"then":false`,
		`"then":{"type":"string"},"else":{"type":"number"}`,
		`"allOf":[{"type":"object"},{"required":["a"]}],"anyOf":[{"minProperties":1},{"maxProperties":0}],"oneOf":[true,{"not":{}}],"not":{"type":"null"}`,
		`"title":"t","description":"d","default":{"$ref":"x"},"examples":[1],"$comment":"c","readOnly":true,"writeOnly":false,"format":"date","contentEncoding":"base64","contentMediaType":"text/plain","x-vendor":{"anything":1}`,
		`"definitions":{"unused":{"type":"string","pattern":"^a"}},"type":"object"`,
		`"type":["string","null"],"minLength":2,"maxLength":10,"pattern":"^a.*$"`,
		`"const":{"a":1},"enum":[{"a":1},{"a":2}]`,
		`"properties":{"a":{"type":"object","properties":{"b":{"type":"array","items":{"type":"object","properties":{"c":{"type":"integer"}}}}}}}`,
		`"not":true`, `"not":false`, `"additionalProperties":true`, `"required":[]`, `"enum":[1,2.0]`,
	} {
		for _, d := range allDrafts {
			defs = append(defs, d(body))
		}
	}
	return defs
}

// TestRawBuilderMatchesCompiler checks that every definition the raw
// builder reads gives the nodes the compiled definition gives, locations
// included, and that the compiler accepts it.
func TestRawBuilderMatchesCompiler(t *testing.T) {
	t.Parallel()
	raw, compiled := 0, 0
	for _, def := range rawCorpus(t) {
		doc, err := decodeJSON(def)
		if err != nil {
			continue // some rule tables hold malformed definitions on purpose
		}
		obj, ok := doc.(map[string]any)
		if !ok {
			continue
		}
		draft := Draft04
		if u, ok := obj["$schema"].(string); ok {
			draft, _ = draftFromURL(u)
		}
		src := &source{definition: def, draft: draft}
		rb := newRawBuilder(draft, src)
		fast, ok := rb.definition(obj)
		lib, prepared, err := compileObject(obj, draft)
		if !ok {
			compiled++
			if testing.Verbose() && err == nil {
				t.Logf("compiled: %s", def)
			}
			continue
		}
		raw++
		if err != nil {
			t.Errorf("%s: the raw builder reads it but the compiler refuses it: %v", def, err)
			continue
		}
		b := newBuilder(prepared.doc, src)
		b.sentinels = prepared.sentinels
		slow := b.build(lib, "")
		if diff := compareNodes(fast, slow, "#", map[[2]*node]bool{}); diff != "" {
			t.Errorf("%s: raw and compiled nodes differ: %s", def, diff)
		}
		// Every location walks to the subschema it came from.
		checkLocations(t, def, lib, fast, map[*node]bool{})
	}
	t.Logf("%d definitions read raw, %d compiled", raw, compiled)
	if raw < 500 || compiled < 50 {
		t.Errorf("corpus reaches the raw builder %d times and the compiler %d times: want both exercised", raw, compiled)
	}
}

func checkLocations(t *testing.T, def string, root *js.Schema, n *node, seen map[*node]bool) {
	t.Helper()
	if n == nil || seen[n] {
		return
	}
	seen[n] = true
	if n.real {
		if _, err := walk(root, n.loc); err != nil {
			t.Errorf("%s: location %q: %v", def, n.loc, err)
		}
	}
	for _, c := range children(n) {
		checkLocations(t, def, root, c, seen)
	}
}

// children lists the nodes n leads to.
func children(n *node) []*node {
	out := []*node{n.ref, n.items, n.addItems, n.contains, n.addProps, n.propNames, n.not, n.ifN, n.thenN, n.elseN}
	out = append(out, n.tuple...)
	out = append(out, n.allOf...)
	out = append(out, n.anyOf...)
	out = append(out, n.oneOf...)
	for _, p := range n.props {
		out = append(out, p.n)
	}
	for _, p := range n.patterns {
		out = append(out, p.n)
	}
	for _, d := range n.deps {
		out = append(out, d.schema)
	}
	return out
}

// compareNodes returns where a and b differ, or "".
func compareNodes(a, b *node, path string, seen map[[2]*node]bool) string {
	if a == nil || b == nil {
		if a != b {
			return fmt.Sprintf("%s: one is nil (%v, %v)", path, a == nil, b == nil)
		}
		return ""
	}
	if seen[[2]*node{a, b}] {
		return ""
	}
	seen[[2]*node{a, b}] = true
	type flat struct {
		Real, IsBool, BoolVal, IsTuple, Unique, OnlyType, Raw, Empty, Pure bool
		Loc                                                                string
		Draft                                                              int
		Types                                                              uint8
		Enums                                                              string
		Min, Max, MultipleOf                                               string
		MinLen, MaxLen, MinItems, MaxItems, MinProps, MaxProps             string
		Pattern, Format                                                    string
		Required                                                           string
		Sum                                                                digest
		Props, Patterns, Deps                                              string
	}
	bnd := func(x *bound) string {
		if x == nil {
			return "-"
		}
		return fmt.Sprintf("%s/%v", x.v.RatString(), x.excl)
	}
	ip := func(x *int) string {
		if x == nil {
			return "-"
		}
		return fmt.Sprint(*x)
	}
	sp := func(x *string) string {
		if x == nil {
			return "-"
		}
		return "=" + *x
	}
	f := func(n *node) flat {
		out := flat{Real: n.real, IsBool: n.isBool, BoolVal: n.boolVal, IsTuple: n.isTuple, Unique: n.unique,
			OnlyType: n.onlyType, Raw: n.raw, Empty: n.empty, Pure: n.pure, Loc: n.loc, Draft: n.draft, Types: n.types,
			Min: bnd(n.min), Max: bnd(n.max), MinLen: ip(n.minLen), MaxLen: ip(n.maxLen), MinItems: ip(n.minItems),
			MaxItems: ip(n.maxItems), MinProps: ip(n.minProps), MaxProps: ip(n.maxProps), Pattern: sp(n.pattern),
			Format: sp(n.format), Required: fmt.Sprint(n.required), Sum: n.sum}
		out.Enums = fmt.Sprintf("%#v", n.enums)
		if n.multipleOf != nil {
			out.MultipleOf = n.multipleOf.RatString()
		}
		for _, p := range n.props {
			out.Props += p.name + ";"
		}
		for _, p := range n.patterns {
			out.Patterns += p.src + "=" + p.re.String() + ";"
		}
		for k, d := range n.deps {
			out.Deps += fmt.Sprintf("%s:%v/%v;", k, d.names, d.schema != nil)
		}
		return out
	}
	fa, fb := f(a), f(b)
	if len(a.deps) > 1 {
		fa.Deps, fb.Deps = fmt.Sprint(len(a.deps)), fmt.Sprint(len(b.deps)) // map order; compared below
	}
	if !reflect.DeepEqual(fa, fb) {
		return fmt.Sprintf("%s: %+v != %+v", path, fa, fb)
	}
	pairs := [][2]*node{{a.ref, b.ref}, {a.items, b.items}, {a.addItems, b.addItems}, {a.contains, b.contains},
		{a.addProps, b.addProps}, {a.propNames, b.propNames}, {a.not, b.not}, {a.ifN, b.ifN}, {a.thenN, b.thenN}, {a.elseN, b.elseN}}
	lists := [][2][]*node{{a.tuple, b.tuple}, {a.allOf, b.allOf}, {a.anyOf, b.anyOf}, {a.oneOf, b.oneOf}}
	for _, l := range lists {
		if len(l[0]) != len(l[1]) {
			return path + ": list lengths differ"
		}
		for i := range l[0] {
			pairs = append(pairs, [2]*node{l[0][i], l[1][i]})
		}
	}
	for i := range a.props {
		pairs = append(pairs, [2]*node{a.props[i].n, b.props[i].n})
	}
	for i := range a.patterns {
		pairs = append(pairs, [2]*node{a.patterns[i].n, b.patterns[i].n})
	}
	for k, d := range a.deps {
		e, ok := b.deps[k]
		if !ok || fmt.Sprint(d.names) != fmt.Sprint(e.names) {
			return path + ": dependencies differ at " + k
		}
		pairs = append(pairs, [2]*node{d.schema, e.schema})
	}
	for i, p := range pairs {
		if d := compareNodes(p[0], p[1], fmt.Sprintf("%s/%d", path, i), seen); d != "" {
			return d
		}
	}
	return ""
}
