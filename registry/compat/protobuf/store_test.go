package protobuf

import (
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry/compat"
	"github.com/evolvestack/evolvestack/registry/scaletest"
)

// TestCompactFormsCheckAlike: every pair of the table, both ways, gives
// the same findings checked on compact forms (fields shared in one store)
// as on the parsed schemas.
func TestCompactFormsCheckAlike(t *testing.T) {
	t.Parallel()
	f := New()
	st := f.(compat.Compactor).NewStore()
	for _, tc := range pairCases() {
		r, w := mustParse(t, tc.reader), mustParse(t, tc.writer)
		cr, cw := st.Compact(r), st.Compact(w)
		for _, p := range [][2]compat.Schema{{r, w}, {w, r}} {
			want := f.CanRead(p[0], p[1])
			a, b := cr, cw
			if p[0] == w {
				a, b = cw, cr
			}
			if got := f.CanRead(a, b); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: compact forms: %+v, parsed: %+v", tc.name, got, want)
			}
		}
	}
}

// TestStoreSharesVersions: the compact forms of many versions that each
// add a field share their fields, the newest reads them all, and the store
// forgets what no form uses any more.
func TestStoreSharesVersions(t *testing.T) {
	f := New()
	st := f.(compat.Compactor).NewStore().(*store)
	var forms []compat.Schema
	for n := 1; n <= 200; n++ {
		forms = append(forms, st.Compact(mustParse(t, scaletest.Protobuf(n))))
	}
	if n := st.size(); n > 200 {
		t.Fatalf("store holds %d fields for 200 distinct ones", n)
	}
	first := forms[1].(*compactSchema).file.msgs[0]
	last := forms[len(forms)-1].(*compactSchema).file.msgs[0]
	if first.fields[0] != last.fields[0] || first.fields[1] != last.fields[1] {
		t.Fatal("versions do not share their common fields")
	}
	for i, form := range forms {
		if got := f.CanRead(forms[len(forms)-1], form); got != nil {
			t.Fatalf("newest cannot read version %d: %+v", i+1, got)
		}
	}
	forms, first, last = nil, nil, nil
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		if st.size() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the forms are gone the store holds %d fields", st.size())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
