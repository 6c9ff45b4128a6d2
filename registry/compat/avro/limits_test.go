package avro

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat/internal/jsonscan"
	"github.com/evolvestack/evolvestack/registry/internal/costtest"
)

// Definitions at and just past the limits of limits.go. The ones at the
// limits are the costliest Parse accepts.

func record(name string, fields ...string) string {
	return `{"type":"record","name":"` + name + `","fields":[` + strings.Join(fields, ",") + `]}`
}

func field(name, typ string) string { return `{"name":"` + name + `","type":` + typ + `}` }

func repeat(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// nestedArrays is an array of arrays, depth levels of JSON nesting.
func nestedArrays(depth int) string {
	return strings.Repeat(`{"type":"array","items":`, depth) + `"int"` + strings.Repeat(`}`, depth)
}

// nestedRecords nests records through nullable fields: each is 4 levels of
// JSON nesting deeper than its parent.
func nestedRecords(n int) string {
	s := `"int"`
	for i := n - 1; i >= 0; i-- {
		s = record(fmt.Sprintf("R%d", i), field("f", `["null",`+s+`]`))
	}
	return s
}

// manyFields is a record of n fields: n+1 objects.
func manyFields(n int) string {
	return record("R", repeat(n, func(i int) string { return field(fmt.Sprintf("f%d", i), `"int"`) })...)
}

// manyRecords is a record of n fields each declaring a record of one
// field: 3n+1 objects.
func manyRecords(n int) string {
	return record("R", repeat(n, func(i int) string {
		return field(fmt.Sprintf("f%d", i), record(fmt.Sprintf("T%d", i), field("a", `"int"`)))
	})...)
}

// bigUnion is a union of n records of one field: 2n objects.
func bigUnion(n int, prefix string) string {
	return "[" + strings.Join(repeat(n, func(i int) string {
		return record(fmt.Sprintf("%s%d", prefix, i), field("a", `"int"`))
	}), ",") + "]"
}

func bigEnum(n int) string {
	return `{"type":"enum","name":"E","symbols":[` + strings.Join(repeat(n, func(i int) string { return fmt.Sprintf(`"S%d"`, i) }), ",") + `]}`
}

// fixedUnderNamespace declares n fixed types under namespace ns: each full
// name repeats it.
func fixedUnderNamespace(n int, ns string) string {
	return `{"type":"record","name":"R","namespace":"` + ns + `","fields":[` + strings.Join(repeat(n, func(i int) string {
		return field(fmt.Sprintf("f%d", i), fmt.Sprintf(`{"type":"fixed","name":"F%d","size":1}`, i))
	}), ",") + `]}`
}

var (
	// The costliest definitions within the limits.
	atLimits = []struct {
		name, def string
	}{
		{"nested arrays", nestedArrays(maxDepth)},
		{"nested records", nestedRecords((maxDepth - 1) / 4)},
		{"fields", manyFields(maxObjects - 1)},
		{"records", manyRecords((maxObjects - 1) / 3)},
		{"union", bigUnion(maxObjects/2, "U")},
		{"enum", bigEnum(18000)}, // about all 170,000 bytes hold
		{"long names", fixedUnderNamespace(maxFullNameBytes/(maxNameLength+16), strings.Repeat("n", maxNameLength-8))},
	}
	// Definitions just past a limit, with what the message must say.
	pastLimits = []struct {
		name, def, reason string
	}{
		{"nested arrays", nestedArrays(maxDepth + 1), "more than 128 levels deep"},
		{"nested records", nestedRecords(maxDepth/4 + 1), "more than 128 levels deep"},
		{"fields", manyFields(maxObjects), "more than 4000 JSON objects"},
		{"records", manyRecords(maxObjects/3 + 1), "more than 4000 JSON objects"},
		{"values", `{"type":"record","name":"R","x":[` + strings.Repeat("0,", maxValues) + `0],"fields":[]}`, "more than 40000 JSON values"},
		{"name", record(strings.Repeat("N", maxNameLength+1)), "longer than 1000 characters"},
		{"namespace", fixedUnderNamespace(1, strings.Repeat("n.", maxNameLength/2)+"n"), "longer than 1000 characters"},
		{"full names", fixedUnderNamespace(2*maxFullNameBytes/maxNameLength, strings.Repeat("n", maxNameLength-8)), "add up to more than 524288 characters"},
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
			var ide *InvalidDefinitionError
			if !errors.As(err, &ide) || !errors.Is(err, ErrInvalidDefinition) {
				t.Fatalf("Parse = %v, want an *InvalidDefinitionError", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, invalidPrefix) || !strings.Contains(msg, tc.reason) {
				t.Fatalf("message %q does not say %q", msg, tc.reason)
			}
			if limit := 200 * time.Millisecond * costtest.Slack(); took > limit {
				t.Fatalf("refusing took %v (limit %v)", took, limit)
			}
		})
	}
}

// TestParseCost bounds the time and memory of the costliest definitions
// Parse accepts, and of refusing those past the limits (refused before
// hamba parses them: the JSON scan allocates nothing, the name check runs
// on the decoded document). Not parallel: it measures allocation.
func TestParseCost(t *testing.T) {
	const maxAccepted, maxRefused = 40 << 20, 6 << 20
	for _, tc := range atLimits {
		allocated, took := costtest.Measure(func() { _, _ = (Format{}).Parse(tc.def) })
		t.Logf("at the limit, %-14s %7d bytes: %4.1f MB, %v", tc.name, len(tc.def), float64(allocated)/1e6, took.Round(time.Millisecond))
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

func TestLimitsScanRealistic(t *testing.T) {
	t.Parallel()
	// A 1,400-column change-data-capture record (as many as 170,000 bytes
	// hold) and its envelope.
	fields := repeat(1400, func(i int) string {
		return fmt.Sprintf(`{"name":"column_%04d","type":["null",{"type":"long","logicalType":"timestamp-millis"}],"default":null}`, i)
	})
	def := `{"type":"record","name":"Envelope","namespace":"dbserver1.inventory.customers","fields":[{"name":"before","type":["null",` +
		record("Value", fields...) + `],"default":null},{"name":"after","type":["null","Value"],"default":null}]}`
	if st := jsonscan.Measure(def); len(def) > 170000 || st.Depth > maxDepth/8 || st.Objects >= maxObjects {
		t.Fatalf("a realistic schema measures %+v", st)
	}
	if _, err := (Format{}).Parse(def); err != nil {
		t.Fatal(err)
	}
}

func TestCanReadCost(t *testing.T) {
	t.Parallel()
	// Two unions of 1,900 records, no name in common: before the branches
	// were indexed, 3.6 million record pairs were tried (6 s, 1 GB).
	r := mustParseInternal(t, bigUnion(1900, "R"))
	w := mustParseInternal(t, bigUnion(1900, "W"))
	start := time.Now()
	got := Format{}.CanRead(r, w)
	if took, limit := time.Since(start), 500*time.Millisecond*costtest.Slack(); took > limit {
		t.Fatalf("CanRead took %v (limit %v)", took, limit)
	}
	if len(got) == 0 || len(got) > maxFindings || got[0].Rule != RuleUnionBranchUnreadable {
		t.Fatalf("got %d findings, first %+v", len(got), got[0])
	}
	if msg := got[0].Message; len(msg) > 2000 || !strings.Contains(msg, "... 1884 more") {
		t.Fatalf("the union is not abbreviated in %q", msg[:min(len(msg), 300)])
	}
	// Identical unions: every writer branch finds its reader branch by name.
	r2 := mustParseInternal(t, bigUnion(1900, "W"))
	if got := (Format{}).CanRead(r2, w); got != nil {
		t.Fatalf("identical unions: %+v", got[0])
	}
}

// TestCanReadLongPaths: paths count towards the step budget, so a pair
// whose every field sits under 30 levels of 900-character names is given
// up on rather than building gigabytes of paths.
func TestCanReadLongPaths(t *testing.T) {
	t.Parallel()
	build := func(leaf string) string {
		s := record("Bottom", repeat(3000, func(i int) string { return field(fmt.Sprintf("f%d", i), leaf) })...)
		for i := 29; i >= 0; i-- {
			s = record(fmt.Sprintf("L%d", i), field(strings.Repeat("x", 900), s))
		}
		return s
	}
	got := Format{}.CanRead(mustParseInternal(t, build(`"long"`)), mustParseInternal(t, build(`"int"`)))
	if len(got) != 1 || got[0].Rule != RuleSchemaTooComplex {
		t.Fatalf("got %+v", got)
	}
}

func mustParseInternal(t testing.TB, def string) *Schema {
	t.Helper()
	s, err := Format{}.Parse(def)
	if err != nil {
		t.Fatalf("Parse(%.80s): %v", def, err)
	}
	return s.(*Schema)
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
