package jsonschema

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat/internal/jsonscan"
	"github.com/evolvestack/evolvestack/registry/internal/costtest"
)

func join(prefix, sep, suffix string, n int, item func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = item(i)
	}
	return prefix + strings.Join(parts, sep) + suffix
}

// largest returns gen(n) for the largest n whose definition passes the
// scan and fits Glue's 170,000 bytes.
func largest(gen func(n int) string) string {
	fits := func(n int) bool {
		d := gen(n)
		return len(d) <= 170000 && jsonscan.Scan(d, scanLimits) == nil
	}
	lo, hi := 1, 2
	for fits(hi) {
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		if m := (lo + hi) / 2; fits(m) {
			lo = m
		} else {
			hi = m
		}
	}
	return gen(lo)
}

func nestedProperties(n int) string {
	return strings.Repeat(`{"type":"object","properties":{"a":`, n) + `{"type":"string"}` + strings.Repeat(`}}`, n)
}

func nestedItems(n int) string {
	return strings.Repeat(`{"items":`, n) + `{}` + strings.Repeat(`}`, n)
}

func properties(n int) string {
	return join(`{"type":"object","properties":{`, ",", `}}`, n, func(i int) string { return fmt.Sprintf(`"p%d":{"type":"integer"}`, i) })
}

// broom nests 20 objects, then gives the innermost as many properties as
// the limits allow: every one of them has a long pointer.
func broom(n int) string {
	return strings.Repeat(`{"properties":{"a":`, 20) + properties(n) + strings.Repeat(`}}`, 20)
}

// underLongKey puts n properties under one property with a 1,000-character
// name: each of their pointers repeats it.
func underLongKey(n int) string {
	return `{"properties":{"` + strings.Repeat("k", 1000) + `":` + properties(n) + `}}`
}

func enumOf(n, from int) string {
	return join(`{"enum":[`, ",", `]}`, n, func(i int) string { return fmt.Sprint(from + i) })
}

// patterns declares n distinct patterns of 105-110 instructions each.
func patterns(n int) string {
	return join(`{"type":"object","patternProperties":{`, ",", `}}`, n, func(i int) string {
		return fmt.Sprintf(`"^p%d(a|b)+c{1,9}[a-z]{2,40}$":{}`, i)
	})
}

func refs(n int) string {
	return join(`{"definitions":{"d":{"type":"string","maxLength":10}},"properties":{`, ",", `}}`, n, func(i int) string {
		return fmt.Sprintf(`"p%d":{"$ref":"#/definitions/d"}`, i)
	})
}

var (
	// The costliest definitions within the limits.
	atLimits = []struct{ name, def string }{
		{"nested properties", nestedProperties((maxNesting - 2) / 2)},
		{"nested items", nestedItems(maxNesting - 1)},
		{"properties", properties(maxObjects - 2)}, // the root and "properties" are objects too
		{"allOf", join(`{"allOf":[`, ",", `]}`, maxObjects-1, func(int) string { return `{}` })},
		{"refs", largest(refs)},
		{"broom", largest(broom)},
		{"long key", largest(underLongKey)},
		{"enum", largest(func(n int) string { return enumOf(n, 0) })},
		{"patterns", patterns(maxRegexInsts / (110 + regexOverhead))},
		{"long pattern", `{"pattern":"` + strings.Repeat("ab", 9000) + `"}`},
		{"expanded pattern", `{"pattern":"^` + strings.Repeat(`[a-z]{1000}`, 19) + `$"}`},
	}
	// Definitions just past a limit, with what the message must say.
	pastLimits = []struct{ name, def, reason string }{
		{"nested properties", nestedProperties(maxNesting / 2), "more than 128 levels deep"},
		{"nested items", nestedItems(maxNesting), "more than 128 levels deep"},
		{"properties", properties(maxObjects), "more than 3000 JSON objects"},
		{"values", `{"enum":[` + strings.Repeat("0,", maxValues) + `0]}`, "more than 40000 JSON values"},
		{"broom", broom(3000), "JSON pointers to them and to their ancestors add up to more than 6291456"},
		{"long key", underLongKey(1100), "JSON pointers to the definition's objects add up to more than 1048576"},
		{"patterns", patterns(200), "compile to more than 20000 instructions"},
		{"long pattern", `{"pattern":"` + strings.Repeat(`[a-z]{1,1000}`, 6000) + `"}`, "add up to more than 65536 characters"},
		{"expanded pattern", `{"pattern":"^` + strings.Repeat(`[a-z]{1000}`, 21) + `$"}`, "compile to more than 20000 instructions"},
	}
)

func TestParseAtLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range atLimits {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := New().Parse(tc.def); err != nil {
				t.Fatalf("Parse (%d bytes): %v", len(tc.def), err)
			}
		})
	}
}

func TestParsePastLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range pastLimits {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, err := New().Parse(tc.def)
			took := time.Since(start)
			var ide *InvalidDefinitionError
			if !errors.As(err, &ide) {
				t.Fatalf("Parse = %v, want an *InvalidDefinitionError", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, invalidPrefix) || !strings.Contains(msg, tc.reason) {
				t.Fatalf("message %q does not say %q", msg, tc.reason)
			}
			if limit := time.Second * costtest.Slack(); took > limit {
				t.Fatalf("refusing took %v (limit %v)", took, limit)
			}
		})
	}
}

// TestParseCost bounds the time and memory of the costliest definitions
// Parse accepts, and of refusing those past the limits. Not parallel: it
// measures allocation.
func TestParseCost(t *testing.T) {
	const maxAccepted, maxRefusedByScan, maxRefusedByRegex = 40 << 20, 1 << 20, 30 << 20
	for _, tc := range atLimits {
		allocated, took := costtest.Measure(func() { _, _ = New().Parse(tc.def) })
		t.Logf("at the limit, %-17s %7d bytes: %4.1f MB, %v", tc.name, len(tc.def), float64(allocated)/1e6, took.Round(time.Millisecond))
		if allocated > maxAccepted {
			t.Errorf("%s: allocated %d bytes, want at most %d", tc.name, allocated, maxAccepted)
		}
		if limit := time.Second * costtest.Slack(); took > limit {
			t.Errorf("%s: took %v (limit %v)", tc.name, took, limit)
		}
	}
	for _, tc := range pastLimits {
		allocated, _ := costtest.Measure(func() { _, _ = New().Parse(tc.def) })
		limit := uint64(maxRefusedByScan)
		if strings.Contains(tc.name, "pattern") {
			limit = maxRefusedByRegex // refused while compiling
		}
		if allocated > limit {
			t.Errorf("refusing %s allocated %d bytes, want at most %d", tc.name, allocated, limit)
		}
	}
}

// fanOut defines d0 .. dn, each an anyOf of two references to the one
// before: validating a value against dn visits 2^n schemas.
func fanOut(n int, extra string) string {
	var b strings.Builder
	b.WriteString(`{"definitions":{"d0":{"type":"string"}`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `,"d%d":{"anyOf":[{"$ref":"#/definitions/d%d"},{"$ref":"#/definitions/d%d","minLength":%d}]}`, i, i-1, i-1, i)
	}
	fmt.Fprintf(&b, `},"$ref":"#/definitions/d%d"%s}`, n, extra)
	return b.String()
}

func TestCanReadCost(t *testing.T) {
	t.Parallel()
	anyOf := func(kw string) string {
		return join(`{"anyOf":[`, ",", `]}`, 2900, func(i int) string { return fmt.Sprintf(`{"type":"string","%s":%d}`, kw, i) })
	}
	tests := []struct {
		name   string
		r, w   string
		rule   string // rule of the first finding; "" for compatible
		before string // what the pair cost before the budget
	}{
		{"enum values removed", enumOf(15000, 1), enumOf(15000, 0), "enum-value-removed", "5 min 35 s, 57 GB"},
		{"equal enums", enumOf(15000, 0), enumOf(15000, 0), "", ""},
		{"reference fan-out", fanOut(30, ""), fanOut(30, `,"maxLength":5`), "check-inconclusive", "never returned"},
		{"wide anyOf", anyOf("maxLength"), anyOf("minLength"), "any-of-unmatched", "3,900 branches: 725 ms, 54 MB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := New()
			r, err := f.Parse(tc.r)
			if err != nil {
				t.Fatal(err)
			}
			w, err := f.Parse(tc.w)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			got := f.CanRead(r, w)
			if took, limit := time.Since(start), time.Second*costtest.Slack(); took > limit {
				t.Fatalf("CanRead took %v (limit %v; before the budget: %s)", took, limit, tc.before)
			}
			switch {
			case tc.rule == "" && len(got) != 0:
				t.Fatalf("want compatible, got %+v", got[0])
			case tc.rule != "" && (len(got) == 0 || got[0].Rule != tc.rule):
				t.Fatalf("want %s first, got %+v", tc.rule, got)
			case len(got) > maxFindings:
				t.Fatalf("%d findings", len(got))
			}
		})
	}
}

// TestCanReadCostAllocation bounds what the pairs of TestCanReadCost
// allocate. Not parallel: it measures allocation.
func TestCanReadCostAllocation(t *testing.T) {
	f := New()
	for _, pair := range [][2]string{
		{enumOf(15000, 1), enumOf(15000, 0)},
		{fanOut(30, ""), fanOut(30, `,"maxLength":5`)},
	} {
		r, _ := f.Parse(pair[0])
		w, _ := f.Parse(pair[1])
		allocated, took := costtest.Measure(func() { f.CanRead(r, w) })
		t.Logf("CanRead: %.1f MB, %v", float64(allocated)/1e6, took.Round(time.Millisecond))
		if allocated > 60<<20 {
			t.Errorf("CanRead allocated %d bytes", allocated)
		}
	}
}

func TestDigest(t *testing.T) {
	t.Parallel()
	d := digester{memo: map[uintptr]summary{}}
	of := func(def string) summary {
		v, err := decodeJSON(def)
		if err != nil {
			t.Fatal(err)
		}
		return d.of(v)
	}
	if of(`{"a":1,"b":[true,null,"x"]}`) != of(`{"b":[true,null,"x"],"a":1}`) {
		t.Error("key order changes the digest")
	}
	for _, pair := range [][2]string{
		{`{"a":1}`, `{"a":1.0}`}, // numbers as written, like the canonical form
		{`{"a":"1"}`, `{"a":1}`},
		{`["a","b"]`, `["b","a"]`},
		{`{"a":{}}`, `{"a":[]}`},
		{`{"ab":"c"}`, `{"a":"bc"}`},
	} {
		if of(pair[0]).sum == of(pair[1]).sum {
			t.Errorf("%s and %s share a digest", pair[0], pair[1])
		}
	}
	if of(`{"x":{"$ref":"#"}}`).pure || !of(`{"enum":["$ref"]}`).pure {
		t.Error("purity is about $ref keys")
	}
}

func BenchmarkParseAtLimits(b *testing.B) {
	for _, tc := range atLimits {
		b.Run(strings.ReplaceAll(tc.name, " ", "-"), func(b *testing.B) {
			b.SetBytes(int64(len(tc.def)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New().Parse(tc.def); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
