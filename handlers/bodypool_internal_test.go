package handlers

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestBodyClass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, want int
	}{
		{0, -1}, {1, 0}, {minPooledBody, 0}, {minPooledBody + 1, 1}, {2 * minPooledBody, 1},
		{maxPooledBody - 1, bodyClasses - 1}, {maxPooledBody, bodyClasses - 1}, {maxPooledBody + 1, -1},
	}
	for _, tc := range tests {
		if got := bodyClass(tc.n); got != tc.want {
			t.Errorf("bodyClass(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
	if minPooledBody<<(bodyClasses-1) != maxPooledBody {
		t.Errorf("bodyClasses %d does not reach maxPooledBody", bodyClasses)
	}
}

// TestBodyRecycled checks that bodies of every kind are read whole, that
// a pooled body's buffer is reused once released (and, under the race
// detector, poisoned), and that release is safe to call twice.
func TestBodyRecycled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		size    int
		declare bool
		pooled  bool
	}{
		{"small declared", 100, true, false},
		{"declared", 3000, true, true},
		{"chunked", 3000, false, true},
		{"large declared", maxPooledBody + 1, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBodyReader(0, time.Second)
			want := bytes.Repeat([]byte("abc"), tc.size/3+1)[:tc.size]
			read := func() ([]byte, func()) {
				t.Helper()
				var r *http.Request
				if tc.declare {
					r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(want))
				} else {
					r = httptest.NewRequest(http.MethodPost, "/", chunked{bytes.NewReader(want)})
					r.ContentLength = -1
				}
				body, release, err := b.read(httptest.NewRecorder(), r, 16<<20)
				if err != nil || !bytes.Equal(body, want) {
					t.Fatalf("read %d bytes (%v), want the %d sent", len(body), err, len(want))
				}
				return body, release
			}
			first, release := read()
			keep := first[:1] // what a decoder that kept a reference would see
			release()
			release() // a second call must not put the buffer back twice
			if poisonBodies && tc.pooled && keep[0] != bodyPoison {
				t.Errorf("recycled body not poisoned: %q", keep[0])
			}
			if !poisonBodies && keep[0] != want[0] {
				t.Errorf("recycled body changed without the race detector: %q", keep[0])
			}
			// Pooled buffers come back (sync.Pool may drop them, so a few
			// tries); unpooled sizes never do.
			reused := false
			for range 20 {
				second, rel := read()
				reused = reused || &second[0] == &first[0]
				rel()
			}
			if tc.pooled && !reused && !poisonBodies { // the race detector makes sync.Pool drop some
				t.Error("a released body's buffer was never reused")
			}
			if !tc.pooled && reused {
				t.Error("a body outside the pooled sizes was reused")
			}
		})
	}
}
