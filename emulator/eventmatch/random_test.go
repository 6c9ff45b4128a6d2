package eventmatch

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// gen makes random patterns and events over a small vocabulary, so that
// they often meet.
type gen struct {
	r *rand.Rand
}

var (
	genKeys    = []string{"a", "b", "c", "d.e"}
	genStrings = []string{"x", "y", "xy", "X", "", "aws.ec2", "10.0.0.1", "a*b", "Ä"}
	genNumbers = []string{"0", "1", "1.5", "-2", "100", "1e2", "5000000001"}
)

func (g *gen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *gen) str() string { b, _ := json.Marshal(g.pick(genStrings)); return string(b) }

func (g *gen) operand() string {
	switch g.r.IntN(17) {
	case 0:
		return g.str()
	case 1:
		return g.pick(genNumbers[:6])
	case 2:
		return g.pick([]string{"true", "false", "null"})
	case 3:
		return `{"prefix":` + g.str() + `}`
	case 4:
		return `{"suffix":` + g.str() + `}`
	case 5:
		return `{"equals-ignore-case":` + g.str() + `}`
	case 6:
		return `{"wildcard":"` + g.pick([]string{"*", "x*", "*y", "a\\\\*b", "*.*"}) + `"}`
	case 7:
		return `{"anything-but":` + g.str() + `}`
	case 8:
		return `{"anything-but":[` + g.pick(genNumbers[:6]) + `,` + g.pick(genNumbers[:6]) + `]}`
	case 9:
		return `{"anything-but":{"prefix":"x"}}`
	case 10:
		return `{"numeric":[">",` + g.pick(genNumbers[:4]) + `,"<=",100]}`
	case 11:
		return `{"numeric":["<",` + g.pick(genNumbers[:5]) + `]}`
	case 12:
		return `{"exists":true}`
	case 13:
		return `{"exists":false}`
	case 14:
		return `{"cidr":"10.0.0.0/24"}`
	case 15:
		return `{"prefix":{"equals-ignore-case":"x"}}`
	default:
		return `{"anything-but":{"equals-ignore-case":["x","y"]}}`
	}
}

func (g *gen) fields(depth int) string {
	n := 1 + g.r.IntN(3)
	var parts []string
	used := map[string]bool{}
	for i := 0; i < n; i++ {
		k := g.pick(genKeys)
		if used[k] {
			continue
		}
		used[k] = true
		if depth < 2 && g.r.IntN(4) == 0 {
			parts = append(parts, fmt.Sprintf("%q:{%s}", k, g.fields(depth+1)))
			continue
		}
		var vals []string
		for j := 0; j <= g.r.IntN(3); j++ {
			vals = append(vals, g.operand())
		}
		parts = append(parts, fmt.Sprintf("%q:[%s]", k, strings.Join(vals, ",")))
	}
	if depth == 0 && g.r.IntN(5) == 0 {
		parts = append(parts, `"$or":[{`+g.fields(1)+`},{`+g.fields(1)+`}]`)
	}
	return strings.Join(parts, ",")
}

func (g *gen) pattern() string { return "{" + g.fields(0) + "}" }

func (g *gen) eventValue(depth int) string {
	switch n := g.r.IntN(10); {
	case n < 3:
		return g.str()
	case n < 5:
		return g.pick(genNumbers)
	case n < 6:
		return g.pick([]string{"true", "false", "null"})
	case n < 8 && depth < 3:
		var el []string
		for i := 0; i < g.r.IntN(4); i++ {
			el = append(el, g.eventValue(depth+1))
		}
		return "[" + strings.Join(el, ",") + "]"
	case depth < 3:
		return g.eventObject(depth + 1)
	}
	return g.str()
}

func (g *gen) eventObject(depth int) string {
	var parts []string
	for i := 0; i < g.r.IntN(4); i++ {
		parts = append(parts, fmt.Sprintf("%q:%s", g.pick(genKeys), g.eventValue(depth)))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestSetAgreesWithReference compares a Set of random rules with the
// brute-force reference on random events.
func TestSetAgreesWithReference(t *testing.T) {
	t.Parallel()
	for _, sns := range []bool{false, true} {
		g := &gen{r: rand.New(rand.NewPCG(1, 2))}
		var s Set
		var ids []string
		var rules []*Rule
		for len(rules) < 60 {
			src := []byte(g.pattern())
			var r *Rule
			var err error
			if sns {
				r, err = CompileFilterPolicy(src, ScopeMessageBody)
			} else {
				r, err = CompilePattern(src)
			}
			if err != nil {
				continue
			}
			id := fmt.Sprintf("r%02d", len(rules))
			ids = append(ids, id)
			rules = append(rules, r)
			s.Add(id, r)
		}
		matched := 0
		for i := 0; i < 3000; i++ {
			ev := g.eventObject(0)
			got, err := s.Match([]byte(ev))
			if err != nil {
				t.Fatalf("Match(%s): %v", ev, err)
			}
			leaves, _ := refFlatten([]byte(ev))
			want := refSetMatch(ids, rules, leaves)
			if !slices.Equal(got, want) {
				t.Fatalf("sns=%v event %s\n got %v\nwant %v", sns, ev, got, want)
			}
			matched += len(got)
		}
		if matched < 1000 {
			t.Errorf("sns=%v: only %d matches; the generator misses", sns, matched)
		}
	}
}

// fuzzRules is a fixed mixed rule set for FuzzMatch.
func fuzzRules(t testing.TB) ([]string, []*Rule, *Set) {
	g := &gen{r: rand.New(rand.NewPCG(3, 4))}
	var s Set
	var ids []string
	var rules []*Rule
	for len(rules) < 40 {
		r, err := CompilePattern([]byte(g.pattern()))
		if err != nil {
			continue
		}
		id := fmt.Sprintf("r%02d", len(rules))
		ids, rules = append(ids, id), append(rules, r)
		s.Add(id, r)
	}
	return ids, rules, &s
}

func FuzzMatch(f *testing.F) {
	f.Add([]byte(`{"a":"x","b":[1,2,{"c":null}],"d":{"e":"10.0.0.1"}}`))
	f.Add([]byte(`{"a":[{"b":"xy"},{"b":1.5}],"c":true}`))
	f.Add([]byte(`{"d.e":"\u00c4","a":"a*b"}`))
	f.Add([]byte(`[1]`))
	ids, rules, s := fuzzRules(f)
	f.Fuzz(func(t *testing.T, ev []byte) {
		if len(ev) > 1024 {
			return
		}
		got, err := s.Match(ev)
		leaves, ok := refFlatten(ev)
		if len(leaves) > 24 {
			return // the brute-force reference is exponential in leaves
		}
		if !utf8.Valid(ev) {
			return // encoding/json replaces invalid UTF-8; the scanner keeps it
		}
		if ok != (err == nil) {
			t.Fatalf("event %q: Match err %v, reference ok %v", ev, err, ok)
		}
		if !ok {
			return
		}
		if want := refSetMatch(ids, rules, leaves); !slices.Equal(got, want) {
			t.Fatalf("event %q\n got %v\nwant %v", ev, got, want)
		}
	})
}

func FuzzCompilePattern(f *testing.F) {
	for _, s := range []string{
		`{"a":["x",1,null,{"prefix":"p"}]}`,
		`{"a":[{"numeric":[">",0,"<=",5]}],"$or":[{"b":["1"]},{"c":[{"exists":false}]}]}`,
		`{"a":[{"anything-but":{"equals-ignore-case":["x"]}}]}`,
		`{"a":[{"wildcard":"a*\\*b"}],"b":{"c":[{"cidr":"10.0.0.0/8"}]}}`,
		`{"a":[{"suffix":{"equals-ignore-case":"X"}}]}`,
	} {
		f.Add([]byte(s))
	}
	events := [][]byte{
		[]byte(`{"a":"x","b":{"c":"10.1.1.1"}}`),
		[]byte(`{"a":[1,"p",null],"c":3}`),
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var rules []*Rule
		if r, err := CompilePattern(src); err == nil {
			rules = append(rules, r)
		} else if _, ok := err.(*Error); !ok {
			t.Fatalf("error of type %T", err)
		}
		for _, sc := range []Scope{ScopeMessageAttributes, ScopeMessageBody} {
			if r, err := CompileFilterPolicy(src, sc); err == nil {
				rules = append(rules, r)
			} else if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
		}
		for _, r := range rules {
			for _, ev := range events {
				leaves, _ := refFlatten(ev)
				if got, want := r.Match(ev), refMatch(r, leaves); got != want {
					t.Fatalf("pattern %s event %s: Match %v, reference %v", src, ev, got, want)
				}
			}
			r.MatchAttributes(map[string]Attribute{"a": {Type: "String.Array", Value: `["x",1]`}})
		}
	})
}

// TestSetAttributesAgreeWithReference does the same for SNS message
// attributes.
func TestSetAttributesAgreeWithReference(t *testing.T) {
	t.Parallel()
	g := &gen{r: rand.New(rand.NewPCG(5, 6))}
	var s Set
	var ids []string
	var rules []*Rule
	for len(rules) < 60 {
		r, err := CompileFilterPolicy([]byte("{"+g.fields(2)+"}"), ScopeMessageAttributes)
		if err != nil {
			continue
		}
		id := fmt.Sprintf("p%02d", len(rules))
		ids, rules = append(ids, id), append(rules, r)
		s.Add(id, r)
	}
	matched := 0
	for i := 0; i < 3000; i++ {
		attrs := map[string]Attribute{}
		for j := g.r.IntN(4); j > 0; j-- {
			var a Attribute
			switch g.r.IntN(4) {
			case 0:
				a = Attribute{Type: "String", Value: g.pick(genStrings)}
			case 1:
				a = Attribute{Type: "Number", Value: g.pick(genNumbers)}
			case 2:
				a = Attribute{Type: "String.Array", Value: "[" + g.str() + "," + g.pick(genNumbers) + "]"}
			default:
				a = Attribute{Type: "Binary", Value: "AAE="}
			}
			attrs[g.pick(genKeys)] = a
		}
		got := s.MatchAttributes(attrs)
		want := refSetMatch(ids, rules, refAttributes(attrs))
		if !slices.Equal(got, want) {
			t.Fatalf("attributes %v\n got %v\nwant %v", attrs, got, want)
		}
		matched += len(got)
	}
	if matched < 1000 {
		t.Errorf("only %d matches; the generator misses", matched)
	}
}
