package avro

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// pairGen generates two related Avro schemas at once: every choice is drawn
// for both, and with probability p the writer's is drawn again, so the two
// agree mostly and differ here and there the way versions do.
type pairGen struct {
	shared, own *rand.Rand
	p           float64
}

// side generates one of the two schemas.
type side struct {
	g      *pairGen
	writer bool
	n      int      // named types so far
	stack  []string // enclosing records
	named  []string // named types defined so far
}

func (s *side) pick(n int) int {
	x := s.g.shared.IntN(n)
	y := s.g.own.IntN(n)
	if s.writer && s.g.own.Float64() < s.g.p {
		return y
	}
	return x
}

func (s *side) name(prefix string) string {
	s.n++
	names := []string{"A", "B", "C"}
	return fmt.Sprintf("%s%d%s", prefix, s.n, names[s.pick(len(names))][:s.pick(2)])
}

var genPrimitives = []string{`"null"`, `"boolean"`, `"int"`, `"long"`, `"float"`, `"double"`, `"bytes"`, `"string"`,
	`{"type":"long","logicalType":"timestamp-millis"}`, `{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`}

// typ returns a type at nesting level depth.
func (s *side) typ(depth int) string {
	k := s.pick(12)
	if depth > 3 {
		k = s.pick(4)
	}
	switch k {
	case 0, 1, 2, 3:
		return genPrimitives[s.pick(len(genPrimitives))]
	case 4:
		return s.record(depth + 1)
	case 5:
		name := s.name("E")
		syms := []string{`"X"`, `"Y"`, `"Z"`, `"W"`}[:1+s.pick(4)]
		def := ""
		if s.pick(3) == 0 {
			def = `,"default":"X"`
		}
		s.named = append(s.named, name)
		return `{"type":"enum","name":"` + name + `","symbols":[` + strings.Join(syms, ",") + `]` + def + `}`
	case 6:
		name := s.name("X")
		s.named = append(s.named, name)
		return fmt.Sprintf(`{"type":"fixed","name":"%s","size":%d}`, name, 2+s.pick(2))
	case 7:
		return `{"type":"array","items":` + s.typ(depth+1) + `}`
	case 8:
		return `{"type":"map","values":` + s.typ(depth+1) + `}`
	case 9:
		branches := []string{`"null"`}
		for range 1 + s.pick(3) {
			b := s.typ(depth + 1)
			if strings.HasPrefix(b, `["`) || strings.HasPrefix(b, `[{`) || b == `"null"` {
				continue
			}
			dup := false
			for _, x := range branches {
				dup = dup || x == b
			}
			if !dup {
				branches = append(branches, b)
			}
		}
		return "[" + strings.Join(branches, ",") + "]"
	case 10:
		// Back to an enclosing record, through a nullable union.
		if len(s.stack) > 0 {
			return `["null","` + s.stack[s.pick(len(s.stack))] + `"]`
		}
	case 11:
		if len(s.named) > 0 {
			return `"` + s.named[s.pick(len(s.named))] + `"`
		}
	}
	return `"string"`
}

func (s *side) record(depth int) string {
	name := s.name("R")
	s.stack = append(s.stack, name)
	defer func() { s.stack = s.stack[:len(s.stack)-1] }()
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"` + name + `"`)
	if s.pick(6) == 0 {
		b.WriteString(`,"aliases":["R1","R2A"]`)
	}
	b.WriteString(`,"fields":[`)
	n := 1 + s.pick(5)
	var fields []string
	used := map[string]bool{}
	for i := range n {
		fname := []string{"a", "b", "c", "d", "e", "f"}[(i+s.pick(2))%6]
		typ := s.typ(depth)
		if used[fname] {
			continue
		}
		used[fname] = true
		f := `{"name":"` + fname + `","type":` + typ
		if s.pick(4) == 0 {
			f += `,"aliases":["` + []string{"a", "b", "z"}[s.pick(3)] + `"]`
		}
		if strings.HasPrefix(typ, `["null"`) && s.pick(2) == 0 {
			f += `,"default":null`
		}
		fields = append(fields, f+"}")
	}
	// Versions append and drop fields.
	switch s.pick(5) {
	case 0:
		fields = append(fields, `{"name":"added","type":["null","string"],"default":null}`)
	case 1:
		if len(fields) > 0 {
			fields = fields[:len(fields)-1]
		}
	}
	b.WriteString(strings.Join(fields, ","))
	b.WriteString(`]}`)
	s.named = append(s.named, name)
	return b.String()
}

func genPair(seed uint64, p float64) (reader, writer string) {
	g := &pairGen{p: p}
	g.shared, g.own = rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 2))
	r := &side{g: g}
	reader = r.record(0)
	g.shared, g.own = rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 2))
	w := &side{g: g, writer: true}
	writer = w.record(0)
	return reader, writer
}

// TestGraphCheckerMatchesOracle: on thousands of generated pairs the graph
// checker returns exactly the findings the hamba-walking checker it
// replaced returns, on parsed schemas and on compact forms sharing one
// store (so identical subtrees are shared and results reused across
// checks).
func TestGraphCheckerMatchesOracle(t *testing.T) {
	t.Parallel()
	st := Format{}.NewStore()
	pairs, incompatible := 0, 0
	for seed := range uint64(4000) {
		rd, wd := genPair(seed, []float64{0, 0.05, 0.15, 0.4}[seed%4])
		r, err1 := Format{}.Parse(rd)
		w, err2 := Format{}.Parse(wd)
		if err1 != nil || err2 != nil {
			continue
		}
		pairs++
		rs, ws := r.(*Schema), w.(*Schema)
		want := oldCanRead(rs, ws, maxSteps)
		if want != nil {
			incompatible++
		}
		if got := (Format{}).CanRead(r, w); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: parsed schemas\nreader %s\nwriter %s\ngot  %+v\nwant %+v", seed, rd, wd, got, want)
		}
		cr, cw := st.Compact(r), st.Compact(w)
		for range 2 { // the second time from the store's memo
			if got := (Format{}).CanRead(cr, cw); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d: compact forms\nreader %s\nwriter %s\ngot  %+v\nwant %+v", seed, rd, wd, got, want)
			}
		}
		if got, want := (Format{}).CanRead(cw, cr), oldCanRead(ws, rs, maxSteps); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: compact forms reversed\nreader %s\nwriter %s\ngot  %+v\nwant %+v", seed, wd, rd, got, want)
		}
	}
	t.Logf("%d pairs, %d incompatible", pairs, incompatible)
	if pairs < 3000 || incompatible < pairs/5 || incompatible > pairs*4/5 {
		t.Fatalf("the generator is off: %d pairs, %d incompatible", pairs, incompatible)
	}
}

// TestIdenticalSelfAmbiguousRecord: a record whose field's alias names
// another of its fields cannot read itself (Avro Java refuses the
// ambiguity), so identical graphs are not skipped then.
func TestIdenticalSelfAmbiguousRecord(t *testing.T) {
	t.Parallel()
	def := `{"type":"record","name":"Outer","fields":[{"name":"in","type":{"type":"record","name":"R","fields":[{"name":"a","type":"int","aliases":["b"]},{"name":"b","type":"int"}]}}]}`
	s := mustParseInternal(t, def)
	want := oldCanRead(s, s, maxSteps)
	if len(want) == 0 || want[0].Rule != RuleReaderFieldAmbiguous {
		t.Fatalf("oracle: %+v", want)
	}
	st := Format{}.NewStore()
	c := st.Compact(s)
	for _, pair := range [][2]compat.Schema{{s, s}, {c, c}, {s, c}} {
		if got := (Format{}).CanRead(pair[0], pair[1]); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	}
}

// TestStoreSharesVersions: the compact forms of a thousand versions that
// each add a field share their fields and types, and the store forgets
// what no form uses any more.
func TestStoreSharesVersions(t *testing.T) {
	version := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}`)
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, `,{"name":"f%d","type":["null","string"],"default":null}`, i)
		}
		return b.String() + `]}`
	}
	st := Format{}.NewStore().(*store)
	var forms []compat.Schema
	for n := 1; n <= 300; n++ {
		forms = append(forms, st.Compact(mustParseInternal(t, version(n))))
	}
	nodes, fields := st.size()
	// 300 records, the union and its two branches, the string of id; 300
	// fields, each kept once.
	if nodes > 310 || fields > 310 {
		t.Fatalf("store holds %d nodes and %d fields", nodes, fields)
	}
	last := forms[len(forms)-1].(*compactSchema).root
	first := forms[1].(*compactSchema).root
	if first.fields[0] != last.fields[0] || first.fields[1] != last.fields[1] {
		t.Fatal("versions do not share their common fields")
	}
	// The newest reads every version, the oldest does not read the newest's
	// data only where... it does: fields it lacks are skipped.
	for i, f := range forms {
		if got := (Format{}).CanRead(forms[len(forms)-1], f); got != nil {
			t.Fatalf("newest cannot read version %d: %+v", i+1, got)
		}
	}
	forms = nil
	// Weak entries are dropped by cleanups that run after a collection, on
	// their own goroutine: collect until they have run (or 10 s pass).
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		nodes, fields := st.size()
		if nodes <= 10 && fields <= 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the forms are gone the store holds %d nodes and %d fields", nodes, fields)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
