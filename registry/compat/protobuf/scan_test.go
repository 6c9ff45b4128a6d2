package protobuf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry/internal/costtest"
)

var unlimited = protoLimits{nesting: 1 << 20, tokens: 1 << 30, nameLength: 1 << 30, resolveCost: 1 << 60}

func TestScanProto(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		want protoStats
	}{
		{"empty", ``, protoStats{}},
		// Without a package a top-level name is looked up as it is: free.
		{"comments and strings", "// message A { {{{\n/* } */ option x = \"{{\\\"{\" ; // }", protoStats{tokens: 5, longestName: 6}},
		// syntax and package start their statements: once the package is
		// known, each is looked up under its prefixes "a" (1) and "a.b" (3):
		// 2*(1+3) + 2*((6+1)+(7+1)).
		{"package", "syntax = \"proto3\";\npackage a.b;", protoStats{tokens: 7, longestName: 7, pkg: "a.b",
			resolveCost: 2*4 + 2*15}},
		{"package late", "message M {}\npackage p.q;", protoStats{depth: 1, tokens: 7, longestName: 7, pkg: "p.q",
			resolveCost: 2*4 + 2*16}},
		// In A (full name 2 long with its dot), "message" costs 2 + 1*(7+1);
		// in A.B (4; the scopes sum to 6), "int32" costs 6 + 2*(5+1).
		{"nesting", `message A { message B { int32 f = 1; } }`, protoStats{depth: 2, tokens: 13, longestName: 7,
			resolveCost: (2 + 8) + (6 + 12)}},
		// Inside map<...> a bracket scope adds the message's name again.
		{"map weighs more", `message A { map<string, A> m = 1; }`, protoStats{depth: 2, tokens: 14 + mapWeight, longestName: 7,
			resolveCost: (2 + 4) + (4 + 2*7) + (4 + 2*2)}},
		// a, :, 1 and } are inside the message literal.
		{"literal weighs more", `option (x) = { a: 1 };`, protoStats{depth: 1, tokens: 7 + 4*literalWeight, longestName: 6,
			resolveCost: 2 + (2 + 2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := scanProto(tc.def, unlimited)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("scanProto(%q) =\n%+v, want\n%+v", tc.def, got, tc.want)
			}
		})
	}
}

// fill returns gen(n) for the largest n whose definition passes the scan
// and fits Glue's 170,000 bytes.
func fill(gen func(n int) string) string {
	fits := func(n int) bool {
		d := gen(n)
		_, err := scanProto(d, defaultLimits)
		return err == nil && len(d) <= 170000
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

func rep(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
	}
	return b.String()
}

func fields(n int) string {
	return `syntax = "proto3"; message M {` + rep(n, func(i int) string { return fmt.Sprintf("int32 f%d = %d;", i, i+1) }) + `}`
}

// deepFields nests 30 messages and gives the innermost n fields of its own
// type, resolved through every scope.
func deepFields(n int) string {
	return `syntax = "proto3";` + strings.Repeat(`message M {`, 30) + rep(n, func(i int) string { return fmt.Sprintf("M f%d = %d;", i, i+1) }) + strings.Repeat(`}`, 30)
}

// longNames nests 30 messages of 500-character names under a package of
// 256 parts and refers from the innermost to a type it must search every
// scope and package prefix for.
func longNames(n int) string {
	name := strings.Repeat("N", 500)
	return `syntax = "proto3"; package ` + strings.Repeat("a.", 255) + `a;` + strings.Repeat(`message `+name+` {`, 30) +
		rep(n, func(i int) string { return fmt.Sprintf("Q f%d = %d;", i, i+1) }) + strings.Repeat(`}`, 30)
}

var (
	// The costliest definitions within the limits.
	atLimits = []struct{ name, def string }{
		{"fields", fill(fields)},
		{"deep fields", fill(deepFields)},
		{"messages", fill(func(n int) string {
			return `syntax = "proto3";` + rep(n, func(i int) string { return fmt.Sprintf("message M%d {}", i) })
		})},
		{"maps", fill(func(n int) string {
			return `syntax = "proto3"; message M {` + rep(n, func(i int) string { return fmt.Sprintf("map<string, M> f%d = %d;", i, i+1) }) + `}`
		})},
		{"enum", fill(func(n int) string {
			return `syntax = "proto3"; enum E {` + rep(n, func(i int) string { return fmt.Sprintf("V%d = %d;", i, i) }) + `}`
		})},
		{"reserved", fill(func(n int) string {
			return `syntax = "proto3"; message M { reserved 1` + rep(n, func(i int) string { return fmt.Sprintf(", %d", i+2) }) + `; }`
		})},
	}
	// Definitions just past a limit, with what the message must say.
	pastLimits = []struct{ name, def, reason string }{
		{"nested messages", `syntax = "proto3";` + strings.Repeat(`message M {`, maxNesting+1) + strings.Repeat(`}`, maxNesting+1), "more than 64 levels deep"},
		{"nested option value", `syntax = "proto3"; option (x) = ` + strings.Repeat(`{a:`, maxNesting+1) + `1` + strings.Repeat(`}`, maxNesting+1) + `;`, "more than 64 levels deep"},
		{"tokens", fields(maxTokens / 5), "more than 32768 tokens"},
		{"name", `syntax = "proto3"; message ` + strings.Repeat("N", maxNameLength+1) + ` {}`, "longer than 512 characters"},
		{"package", `syntax = "proto3"; package ` + strings.Repeat("a.", maxNameLength/2) + `a;`, "longer than 512 characters"},
		{"name resolution", longNames(20), "more than 8388608 bytes of scope and package names"},
	}
)

func TestParseAtLimits(t *testing.T) {
	t.Parallel()
	for _, tc := range atLimits {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := (Format{}).Parse(tc.def); err != nil {
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
			_, err := (Format{}).Parse(tc.def)
			took := time.Since(start)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, want a *ParseError", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, invalidPrefix) || !strings.Contains(msg, tc.reason) {
				t.Fatalf("message %q does not say %q", msg, tc.reason)
			}
			if limit := 100 * time.Millisecond * costtest.Slack(); took > limit {
				t.Fatalf("refusing took %v (limit %v)", took, limit)
			}
		})
	}
}

// TestParseCost bounds the time and memory of the costliest definitions
// Parse accepts, and of refusing those past the limits (before the
// compiler sees them). Not parallel: it measures allocation.
func TestParseCost(t *testing.T) {
	const maxAccepted, maxRefused = 40 << 20, 1 << 20
	for _, tc := range atLimits {
		allocated, took := costtest.Measure(func() { _, _ = (Format{}).Parse(tc.def) })
		t.Logf("at the limit, %-11s %7d bytes: %4.1f MB, %v", tc.name, len(tc.def), float64(allocated)/1e6, took.Round(time.Millisecond))
		if allocated > maxAccepted {
			t.Errorf("%s: allocated %d bytes, want at most %d", tc.name, allocated, maxAccepted)
		}
		if limit := time.Second * costtest.Slack(); took > limit {
			t.Errorf("%s: took %v (limit %v)", tc.name, took, limit)
		}
	}
	for _, tc := range pastLimits {
		allocated, _ := costtest.Measure(func() { _, _ = (Format{}).Parse(tc.def) })
		if allocated > maxRefused {
			t.Errorf("refusing %s allocated %d bytes, want at most %d", tc.name, allocated, maxRefused)
		}
	}
}

func TestParseErrorsBounded(t *testing.T) {
	t.Parallel()
	// 3,000 fields reusing one number: the compiler stops at the tenth
	// error it reports.
	def := "syntax = \"proto3\";\npackage a.b;\nmessage M {" + rep(3000, func(i int) string { return fmt.Sprintf("int32 f%d = 1;", i) }) + "}"
	_, err := (Format{}).Parse(def)
	if err == nil {
		t.Fatal("accepted")
	}
	if n := strings.Count(err.Error(), "a/b/default.proto:"); n == 0 || n > maxReportedErrors {
		t.Fatalf("%d errors reported: %.300s", n, err)
	}
}

func TestSyntaxErrorNamesDefaultProto(t *testing.T) {
	t.Parallel()
	// A syntax error names default.proto whatever the package, as before
	// the definition was parsed once under its package's file name.
	_, err := (Format{}).Parse("syntax = \"proto3\";\npackage a.b;\nmessage M { int32 x = 1 }")
	if want := invalidPrefix + "default.proto:3:25: syntax error: expecting ';'"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func BenchmarkParseAtLimits(b *testing.B) {
	for _, tc := range atLimits {
		b.Run(strings.ReplaceAll(tc.name, " ", "-"), func(b *testing.B) {
			b.SetBytes(int64(len(tc.def)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (Format{}).Parse(tc.def); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
