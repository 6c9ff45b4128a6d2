package jsonschema

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// vocab gathers property names, strings and numbers from raw schemas so the
// generator produces documents that exercise them.
type vocab struct {
	names   []string
	strs    []string
	nums    []json.Number
	consts  []any
	seenStr map[string]bool
}

func newVocab() *vocab {
	v := &vocab{seenStr: map[string]bool{}}
	for _, s := range []string{"", "a", "ab", "abc", "abcdefghijklmnopqrstuvwxyz", "x-a", "s_ab", "Z9", "2024-01-02T03:04:05Z", "a@b.c"} {
		v.addStr(s)
	}
	for _, n := range []string{"0", "1", "-1", "2", "0.5", "2.5", "10", "100", "1e3"} {
		v.nums = append(v.nums, json.Number(n))
	}
	return v
}

func (v *vocab) addStr(s string) {
	if !v.seenStr[s] {
		v.seenStr[s] = true
		v.strs = append(v.strs, s)
	}
}

func (v *vocab) walk(x any, parentKey string) {
	switch t := x.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if parentKey == "properties" || parentKey == "dependencies" {
				v.names = append(v.names, k)
				v.addStr(k)
			}
			if k == "enum" || k == "const" {
				if arr, ok := t[k].([]any); ok && k == "enum" {
					v.consts = append(v.consts, arr...)
				} else {
					v.consts = append(v.consts, t[k])
				}
			}
			v.walk(t[k], k)
		}
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok && parentKey == "required" {
				v.names = append(v.names, s)
			}
			v.walk(e, parentKey)
		}
	case json.Number:
		if r, err := t.Float64(); err == nil {
			v.nums = append(v.nums, t, json.Number(fmt.Sprint(r+1)), json.Number(fmt.Sprint(r-1)), json.Number(fmt.Sprint(r+0.5)))
		}
	}
}

func (v *vocab) gen(rng *rand.Rand, depth int) any {
	if len(v.consts) > 0 && rng.IntN(4) == 0 {
		return v.consts[rng.IntN(len(v.consts))]
	}
	k := rng.IntN(7)
	if depth <= 0 && k >= 5 {
		k = rng.IntN(5)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2, 3:
		return v.nums[rng.IntN(len(v.nums))]
	case 4:
		return v.strs[rng.IntN(len(v.strs))]
	case 5:
		n := rng.IntN(5)
		arr := make([]any, 0, n)
		for range n {
			arr = append(arr, v.gen(rng, depth-1))
		}
		return arr
	}
	obj := map[string]any{}
	names := append([]string{"x-a", "zz"}, v.names...)
	n := rng.IntN(len(names) + 1)
	for range n {
		obj[names[rng.IntN(len(names))]] = v.gen(rng, depth-1)
	}
	return obj
}

// TestCompatiblePairsAgreeWithValidator generates documents valid under the
// writer of each compatible pair and checks the reader accepts them.
func TestCompatiblePairsAgreeWithValidator(t *testing.T) {
	t.Parallel()
	f := New()
	hits := 0
	for i, tc := range pairCases() {
		if !tc.ok {
			continue
		}
		r := mustParse(t, f, tc.reader).(*Schema)
		w := mustParse(t, f, tc.writer).(*Schema)
		v := newVocab()
		v.walk(r.raw, "")
		v.walk(w.raw, "")
		rng := rand.New(rand.NewPCG(uint64(i)+1, 42))
		for range 300 {
			doc := v.gen(rng, 3)
			if w.Validator().Validate(doc) != nil {
				continue
			}
			hits++
			if err := r.Validator().Validate(doc); err != nil {
				b, _ := json.Marshal(doc)
				t.Errorf("%s: document %s is valid under the writer but the reader rejects it: %v",
					tc.name, b, strings.ReplaceAll(err.Error(), "\n", " "))
				break
			}
		}
	}
	t.Logf("%d writer-valid documents checked", hits)
	if hits < 1000 {
		t.Fatalf("generator produced only %d writer-valid documents", hits)
	}
}

// TestIncompatiblePairsHaveCounterexamples checks, for pairs reported
// incompatible with a concrete rule, that the generator finds a document
// the writer accepts and the reader rejects in most cases (the check is
// conservative, so a few may have none).
func TestIncompatiblePairsHaveCounterexamples(t *testing.T) {
	t.Parallel()
	f := New()
	found, total := 0, 0
	for i, tc := range pairCases() {
		if tc.ok || strings.HasSuffix(tc.rule, "-unprovable") {
			continue
		}
		total++
		r := mustParse(t, f, tc.reader).(*Schema)
		w := mustParse(t, f, tc.writer).(*Schema)
		v := newVocab()
		v.walk(r.raw, "")
		v.walk(w.raw, "")
		rng := rand.New(rand.NewPCG(uint64(i)+1, 7))
		for range 2000 {
			doc := v.gen(rng, 3)
			if w.Validator().Validate(doc) == nil && r.Validator().Validate(doc) != nil {
				found++
				break
			}
		}
	}
	t.Logf("counterexamples for %d of %d incompatible pairs", found, total)
	if total == 0 || found*10 < total*8 {
		t.Fatalf("counterexamples found for %d of %d incompatible pairs", found, total)
	}
}

// randSchema builds a random draft-07 schema over a small vocabulary.
func randSchema(rng *rand.Rand, depth int) map[string]any {
	s := map[string]any{}
	types := []string{"null", "boolean", "object", "array", "number", "integer", "string"}
	pick := func(n int) bool { return rng.IntN(n) == 0 }
	if pick(2) {
		if pick(2) {
			s["type"] = types[rng.IntN(len(types))]
		} else {
			s["type"] = []any{types[rng.IntN(len(types))], types[rng.IntN(len(types))]}
		}
	}
	num := func() json.Number { return json.Number(fmt.Sprint(rng.IntN(7) - 2)) }
	if pick(5) {
		s["minimum"] = num()
	}
	if pick(5) {
		s["exclusiveMaximum"] = num()
	}
	if pick(7) {
		s["multipleOf"] = json.Number([]string{"1", "2", "0.5", "3"}[rng.IntN(4)])
	}
	if pick(5) {
		s["maxLength"] = json.Number(fmt.Sprint(rng.IntN(4)))
	}
	if pick(7) {
		s["pattern"] = []string{"^a", "^[a-z]*$", "b"}[rng.IntN(3)]
	}
	if pick(6) {
		pool := []any{"a", "ab", json.Number("1"), json.Number("2.5"), nil, true}
		s["enum"] = []any{pool[rng.IntN(len(pool))], pool[rng.IntN(len(pool))]}
	}
	if pick(10) {
		s["const"] = []any{"a", json.Number("1"), false}[rng.IntN(3)]
	}
	if depth > 0 {
		if pick(2) {
			props := map[string]any{}
			for _, n := range []string{"a", "b", "c"} {
				if pick(2) {
					if pick(6) {
						props[n] = pick(2)
					} else {
						props[n] = randSchema(rng, depth-1)
					}
				}
			}
			s["properties"] = props
		}
		if pick(3) {
			var req []any
			for _, n := range []string{"a", "b"} {
				if pick(2) {
					req = append(req, n)
				}
			}
			if len(req) > 0 {
				s["required"] = req
			}
		}
		if pick(4) {
			if pick(2) {
				s["additionalProperties"] = false
			} else {
				s["additionalProperties"] = randSchema(rng, depth-1)
			}
		}
		if pick(6) {
			s["patternProperties"] = map[string]any{"^x-": randSchema(rng, depth-1)}
		}
		if pick(4) {
			if pick(2) {
				s["items"] = randSchema(rng, depth-1)
			} else {
				s["items"] = []any{randSchema(rng, depth-1), randSchema(rng, depth-1)}
				if pick(2) {
					s["additionalItems"] = pick(2)
				}
			}
		}
		if pick(6) {
			s["maxItems"] = json.Number(fmt.Sprint(rng.IntN(3)))
		}
		if pick(8) {
			s["uniqueItems"] = true
		}
		for _, k := range []string{"anyOf", "oneOf", "allOf"} {
			if pick(8) {
				s[k] = []any{randSchema(rng, depth-1), randSchema(rng, depth-1)}
			}
		}
		if pick(10) {
			s["not"] = randSchema(rng, depth-1)
		}
		if pick(12) {
			s["if"] = randSchema(rng, depth-1)
			s["then"] = randSchema(rng, depth-1)
		}
	}
	return s
}

// mutate returns a copy of s with one keyword removed or replaced,
// recursively at random.
func mutate(rng *rand.Rand, s map[string]any) map[string]any {
	out := map[string]any{}
	keys := make([]string, 0, len(s))
	for k, v := range s {
		out[k] = v
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return out
	}
	sort.Strings(keys)
	k := keys[rng.IntN(len(keys))]
	switch v := s[k].(type) {
	case map[string]any:
		if k == "properties" || k == "patternProperties" {
			sub := map[string]any{}
			for pk, pv := range v {
				sub[pk] = pv
				if m, ok := pv.(map[string]any); ok && rng.IntN(2) == 0 {
					sub[pk] = mutate(rng, m)
				}
			}
			out[k] = sub
		} else {
			out[k] = mutate(rng, v)
		}
	default:
		if rng.IntN(3) == 0 {
			out[k] = randSchema(rng, 1)[k]
			if out[k] == nil {
				delete(out, k)
			}
		} else {
			delete(out, k)
		}
	}
	return out
}

// TestRandomPairsSound checks, over random writer schemas and mutated
// readers, that every pair CanRead calls compatible agrees with the
// validator on generated documents.
func TestRandomPairsSound(t *testing.T) {
	t.Parallel()
	f := New()
	n := 1500
	if testing.Short() {
		n = 300
	}
	compatible, checked := 0, 0
	for i := range n {
		rng := rand.New(rand.NewPCG(uint64(i), 99))
		wraw := randSchema(rng, 2)
		rraw := mutate(rng, wraw)
		switch rng.IntN(4) {
		case 0:
			rraw = mutate(rng, rraw)
		case 1:
			// Narrow: merge keywords of a fresh schema into the writer.
			for k, v := range randSchema(rng, 1) {
				rraw[k] = v
			}
		}
		wraw["$schema"], rraw["$schema"] = Draft07.String(), Draft07.String()
		wdef, _ := json.Marshal(wraw)
		rdef, _ := json.Marshal(rraw)
		ws, err1 := f.Parse(string(wdef))
		rs, err2 := f.Parse(string(rdef))
		if err1 != nil || err2 != nil {
			continue
		}
		if len(f.CanRead(rs, ws)) != 0 {
			continue
		}
		compatible++
		w, r := ws.(*Schema), rs.(*Schema)
		v := newVocab()
		v.walk(w.raw, "")
		v.walk(r.raw, "")
		for range 150 {
			doc := v.gen(rng, 3)
			if w.Validator().Validate(doc) != nil {
				continue
			}
			checked++
			if r.Validator().Validate(doc) != nil {
				b, _ := json.Marshal(doc)
				t.Errorf("pair %d called compatible but reader rejects %s\nwriter %s\nreader %s", i, b, wdef, rdef)
				break
			}
		}
	}
	t.Logf("%d compatible pairs, %d writer-valid documents checked", compatible, checked)
	if compatible == 0 || checked == 0 {
		t.Fatal("random pairs exercised nothing")
	}
}
