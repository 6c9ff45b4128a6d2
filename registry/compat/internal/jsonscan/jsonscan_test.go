package jsonscan

import (
	"errors"
	"strings"
	"testing"
)

func TestMeasure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		want Stats
	}{
		{"scalar", `"int"`, Stats{Values: 1}},
		{"empty object", `{}`, Stats{Depth: 1, Objects: 1, Values: 1}},
		// {"a":[1]}: the array is at "/a" (2 bytes), its element "/a/0".
		{"nested", `{"a":[1]}`, Stats{Depth: 2, Objects: 1, Values: 3}},
		// The inner object's pointer is "/ab" (3) under a root of 0: cost
		// 0 for the root and 0+3 for the inner object.
		{"object pointers", `{"ab":{}}`, Stats{Depth: 2, Objects: 2, Values: 2, PointerBytes: 3, PointerCost: 3}},
		// "/k/x" is 4 bytes; its ancestors' pointers "/k" 2 and "" 0.
		{"cumulative", `{"k":{"x":{}}}`, Stats{Depth: 3, Objects: 3, Values: 3, PointerBytes: 2 + 4, PointerCost: 2 + (2 + 4)}},
		// Array elements are pointed to by index: "/10" is 3 bytes.
		{"array index", `[0,0,0,0,0,0,0,0,0,0,{}]`, Stats{Depth: 2, Objects: 1, Values: 12, PointerBytes: 3, PointerCost: 3}},
		{"literals", `[true,false,null,-1.5e3]`, Stats{Depth: 1, Values: 5}},
		{"white space", " {\n\t\"a\" : [ 1 , 2 ] } ", Stats{Depth: 2, Objects: 1, Values: 4}},
		// Brackets and quotes inside strings are content, not structure.
		{"brackets in strings", `{"[{":"}]\"{[","x":"\\"}`, Stats{Depth: 1, Objects: 1, Values: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Measure(tc.def); got != tc.want {
				t.Fatalf("Measure(%s) = %+v, want %+v", tc.def, got, tc.want)
			}
		})
	}
}

func TestScanLimits(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 10) + strings.Repeat("]", 10)
	tests := []struct {
		name  string
		def   string
		lim   Limits
		limit string // "" when within the limits
	}{
		{"depth at limit", deep, Limits{MaxDepth: 10}, ""},
		{"depth over limit", deep, Limits{MaxDepth: 9}, "depth"},
		{"objects at limit", `[{},{}]`, Limits{MaxObjects: 2}, ""},
		{"objects over limit", `[{},{},{}]`, Limits{MaxObjects: 2}, "objects"},
		{"values over limit", `[1,2,3]`, Limits{MaxValues: 3}, "values"},
		{"pointer bytes over limit", `{"abc":{},"def":{}}`, Limits{MaxPointerBytes: 7}, "pointer-bytes"},
		{"pointer cost over limit", `{"k":{"x":{}}}`, Limits{MaxPointerCost: 7}, "pointer-cost"},
		{"zero limits unchecked", deep, Limits{}, ""},
		// Not JSON: measured as far as it goes, never an error of its own.
		{"unbalanced", `]]]}}}{`, Limits{MaxDepth: 1}, ""},
		{"unterminated string", `{"a`, Limits{MaxDepth: 1}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Scan(tc.def, tc.lim)
			var le *Error
			switch {
			case tc.limit == "" && err != nil:
				t.Fatalf("Scan: %v", err)
			case tc.limit != "" && (!errors.As(err, &le) || le.Limit != tc.limit):
				t.Fatalf("Scan = %v, want the %s limit", err, tc.limit)
			case tc.limit != "" && le.Error() == "":
				t.Fatal("empty message")
			}
		})
	}
}

// TestScanDoesNotAllocate: the scan costs the same whatever the document,
// so refusing a definition is cheap. Not parallel: AllocsPerRun counts
// every goroutine's allocations.
func TestScanDoesNotAllocate(t *testing.T) {
	def := strings.Repeat(`{"properties":{"a":`, 60) + `{}` + strings.Repeat(`}}`, 60)
	lim := Limits{MaxDepth: 128, MaxObjects: 4000, MaxValues: 40000, MaxPointerBytes: 1 << 20, MaxPointerCost: 8 << 20}
	if n := testing.AllocsPerRun(10, func() { _ = Scan(def, lim) }); n > 1 {
		t.Fatalf("Scan allocates %v times per run", n)
	}
}

func BenchmarkScan170KB(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"type":"object","properties":{`)
	for i := 0; sb.Len() < 169000; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`"attribute":{"type":["string","null"],"description":"An attribute \"quoted\" [x]."}`)
	}
	sb.WriteString(`}}`)
	def := sb.String()
	b.SetBytes(int64(len(def)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Scan(def, Limits{MaxDepth: 128})
	}
}
