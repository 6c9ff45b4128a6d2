package avro_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat/avro"
)

// dag builds T0 whose two fields both hold T1, whose two fields both hold
// T2, and so on: 2^depth paths through depth named types.
func dag(depth int, leaf string) string {
	s := rec(fmt.Sprintf("T%d", depth), fld("v", leaf))
	for i := depth - 1; i >= 0; i-- {
		s = rec(fmt.Sprintf("T%d", i), fld("a", s), fld("b", q(fmt.Sprintf("T%d", i+1))))
	}
	return s
}

// mesh builds n nested records where each refers back to itself and every
// enclosing record and the innermost to all of them: dense mutual recursion,
// the worst case for recursion guarding.
func mesh(n int, leaf string) string {
	var build func(i int) string
	build = func(i int) string {
		fields := []string{fld("v", leaf)}
		for j := 0; j <= i; j++ {
			fields = append(fields, fld(fmt.Sprintf("back%d", j), union(`"null"`, q(fmt.Sprintf("M%d", j)))))
		}
		if i+1 < n {
			fields = append(fields, fld("next", union(`"null"`, build(i+1))))
		}
		return rec(fmt.Sprintf("M%d", i), fields...)
	}
	return build(0)
}

// fan builds M0 .. Mn-1 where each record holds the next one twice and the
// innermost refers back to M0, so every result below M0 is provisional on
// M0's check.
func fan(n int, leaf string) string {
	var build func(i int) string
	build = func(i int) string {
		name := fmt.Sprintf("F%d", i)
		if i+1 == n {
			return rec(name, fld("v", leaf), fld("root", union(`"null"`, `"F0"`)))
		}
		return rec(name, fld("v", leaf), fld("x", build(i+1)), fld("y", q(fmt.Sprintf("F%d", i+1))))
	}
	return build(0)
}

func TestCanReadBounded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name           string
		reader, writer string
		ok             bool
	}{
		// As deep as Parse accepts (128 levels of JSON nesting): a record
		// nested in a field is 3 levels deeper, in a union 4.
		{"dag-compatible", dag(40, `"long"`), dag(40, `"int"`), true},
		{"dag-incompatible", dag(40, `"int"`), dag(40, `"long"`), false},
		{"mesh-compatible", mesh(31, `"double"`), mesh(31, `"float"`), true},
		{"mesh-incompatible", mesh(31, `"float"`), mesh(31, `"double"`), false},
		{"fan-compatible", fan(42, `"string"`), fan(42, `"bytes"`), true},
		{"fan-incompatible", fan(42, `"boolean"`), fan(42, `"bytes"`), false},
	}
	f := avro.New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, w := mustParse(t, tc.reader), mustParse(t, tc.writer)
			start := time.Now()
			got := f.CanRead(r, w)
			if elapsed := time.Since(start); elapsed > 20*time.Second {
				t.Errorf("CanRead took %v", elapsed)
			}
			if (got == nil) != tc.ok {
				t.Fatalf("compatible=%v, want %v: %+v", got == nil, tc.ok, got)
			}
			if len(got) > 200 {
				t.Fatalf("%d findings exceed the cap", len(got))
			}
		})
	}
}
