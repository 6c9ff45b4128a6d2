package jsonschema

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// TestCompactFormsCheckAlike: every pair of the tables gives the same
// findings checked on compact forms (nodes shared in one store, validators
// compiled on demand) as on the parsed schemas.
func TestCompactFormsCheckAlike(t *testing.T) {
	t.Parallel()
	f := New()
	st := f.(compat.Compactor).NewStore()
	type pair struct{ reader, writer string }
	var pairs []pair
	for _, c := range pairCases() {
		pairs = append(pairs, pair{c.reader, c.writer}, pair{c.writer, c.reader})
	}
	for _, rules := range [][]ruleCase{booleanRules(), notRules(), requiredRules()} {
		for _, r := range rules {
			drafts := r.drafts
			if drafts == nil {
				drafts = allDrafts
			}
			for _, d := range drafts {
				pairs = append(pairs, pair{d(r.reader), d(r.writer)})
			}
		}
	}
	checked := 0
	for _, p := range pairs {
		r, err1 := f.Parse(p.reader)
		w, err2 := f.Parse(p.writer)
		if err1 != nil || err2 != nil {
			continue
		}
		want := f.CanRead(r, w)
		// Fresh parses, so nothing compiled for the ones above helps.
		r2, w2 := mustParse(t, f, p.reader), mustParse(t, f, p.writer)
		got := f.CanRead(st.Compact(r2), st.Compact(w2))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("reader %s\nwriter %s\ncompact forms: %+v\nparsed: %+v", p.reader, p.writer, got, want)
		}
		checked++
	}
	if checked < 300 {
		t.Fatalf("checked %d pairs, want the tables' 300 or more", checked)
	}
}

// TestCompactFormValidatesOnDemand: a check that validates enum values
// compiles the definitions involved when it needs them (nothing compiled is
// kept with the forms) and decides as with the parsed schemas.
func TestCompactFormValidatesOnDemand(t *testing.T) {
	t.Parallel()
	f := New()
	st := f.(compat.Compactor).NewStore()
	w := mustParse(t, f, d7(`"type":"object","properties":{"s":{"enum":["a","b"]}},"additionalProperties":false`))
	ok := mustParse(t, f, d7(`"type":"object","properties":{"s":{"type":"string","maxLength":1}},"additionalProperties":false`))
	bad := mustParse(t, f, d7(`"type":"object","properties":{"s":{"type":"string","pattern":"^a$"}},"additionalProperties":false`))
	for _, s := range []compat.Schema{w, ok, bad} {
		if s.(*Schema).doc != nil {
			t.Fatal("Parse compiled a definition without references")
		}
	}
	cw, cok, cbad := st.Compact(w), st.Compact(ok), st.Compact(bad)
	if got := f.CanRead(cok, cw); len(got) != 0 {
		t.Fatalf("maxLength 1 reads enum a, b: %+v", got)
	}
	got := f.CanRead(cbad, cw)
	if len(got) != 1 || got[0].Rule != "pattern-added" && got[0].Rule != "value-rejected" {
		t.Fatalf("pattern ^a$ does not read b: %+v", got)
	}
	if len(st.(*store).docs.recent) == 0 {
		t.Fatal("the store's checks compiled nothing")
	}
}

// TestStoreSharesVersions: the compact forms of many versions that each
// add a property share their property entries and subschemas, and the
// store forgets what no form uses any more.
func TestStoreSharesVersions(t *testing.T) {
	version := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"id":{"type":"string"}`)
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, `,"f%04d":{"type":["null","string"]}`, i)
		}
		return b.String() + `},"additionalProperties":false}`
	}
	f := New()
	st := f.(compat.Compactor).NewStore().(*store)
	var forms []compat.Schema
	for n := 1; n <= 300; n++ {
		forms = append(forms, st.Compact(mustParse(t, f, version(n))))
	}
	nodes, props := st.size()
	// Each version's root, the two property schemas; a prop entry per
	// property.
	if nodes > 310 || props > 310 {
		t.Fatalf("store holds %d nodes and %d prop entries", nodes, props)
	}
	first, last := forms[1].(*compactSchema).root, forms[len(forms)-1].(*compactSchema).root
	if first.props[0] != last.props[0] || first.props[1] != last.props[len(last.props)-1] {
		t.Fatal("versions do not share their common properties")
	}
	for i, form := range forms {
		if got := f.CanRead(forms[len(forms)-1], form); got != nil {
			t.Fatalf("newest cannot read version %d: %+v", i+1, got)
		}
		if i > 0 {
			if got := f.CanRead(forms[0], form); len(got) == 0 {
				t.Fatalf("version 1 reads version %d, which has properties it closes out", i+1)
			}
		}
	}
	forms, first, last = nil, nil, nil
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		nodes, props := st.size()
		if nodes <= 5 && props <= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the forms are gone the store holds %d nodes and %d prop entries", nodes, props)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
