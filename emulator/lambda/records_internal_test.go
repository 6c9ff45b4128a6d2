package lambda

import (
	"slices"
	"testing"
)

// TestKeepLast: the record and log buffers keep at least the last n
// elements, in order, and at most a quarter more, whatever was appended.
func TestKeepLast(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		n, append int
	}{
		{"under the bound", 10, 7},
		{"at the bound", 10, 10},
		{"within the slack", 10, 12},
		{"trimmed once", 10, 13},
		{"trimmed many times", 1000, 10007},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s []int
			for i := range tc.append {
				s = keepLast(append(s, i), tc.n)
				if len(s) > tc.n+tc.n/4 {
					t.Fatalf("after %d appends the buffer holds %d", i+1, len(s))
				}
			}
			got := lastN(s, tc.n)
			var want []int
			for i := max(0, tc.append-tc.n); i < tc.append; i++ {
				want = append(want, i)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("kept %v, want %v", got, want)
			}
		})
	}
}
