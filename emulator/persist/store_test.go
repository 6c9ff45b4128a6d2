package persist

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// rowsOf loads dir and returns its rows.
func rowsOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	recs, err := ReadRows(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range recs {
		out[r.Key] = string(r.Value)
	}
	return out
}

// openLoaded opens dir and loads it into a map.
func openLoaded(t *testing.T, dir string, o Options) (*Store, map[string]string) {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	if err := s.Load(func(r Record) error {
		if r.Delete {
			delete(rows, r.Key)
		} else {
			rows[r.Key] = string(r.Value)
		}
		return nil
	}); err != nil {
		s.Close()
		t.Fatal(err)
	}
	s.SetDump(func(emit func(string, []byte)) error {
		for k, v := range rows {
			emit(k, []byte(v))
		}
		return nil
	})
	return s, rows
}

func TestStoreRoundTrip(t *testing.T) {
	t.Parallel()
	type op struct {
		del     bool
		key     string
		val     string
		compact bool // compact after this op (dump = the expected rows)
	}
	cases := []struct {
		name string
		ops  []op
		want map[string]string
	}{
		{"empty", nil, map[string]string{}},
		{"puts", []op{{key: "a", val: `{"x":1}`}, {key: "b", val: `2`}}, map[string]string{"a": `{"x":1}`, "b": "2"}},
		{"overwrite and delete", []op{{key: "a", val: "1"}, {key: "a", val: "2"}, {key: "b", val: "3"}, {del: true, key: "b"}, {del: true, key: "never"}},
			map[string]string{"a": "2"}},
		{"empty value", []op{{key: "e", val: ""}}, map[string]string{"e": ""}},
		{"compaction then more", []op{{key: "a", val: "1"}, {key: "b", val: "2", compact: true}, {del: true, key: "a"}, {key: "c", val: "3"}},
			map[string]string{"b": "2", "c": "3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s, _ := openLoaded(t, dir, Options{})
			live := map[string]string{}
			s.SetDump(func(emit func(string, []byte)) error {
				for k, v := range live {
					emit(k, []byte(v))
				}
				return nil
			})
			for _, o := range c.ops {
				if o.del {
					s.Delete(o.key)
					delete(live, o.key)
				} else {
					s.Put(o.key, []byte(o.val))
					live[o.key] = o.val
				}
				if o.compact {
					if err := s.Compact(); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := s.Sync(); err != nil {
				t.Fatal(err)
			}
			// Not closed: the files must already hold every synced change,
			// as after kill -9. Reading needs the lock, so release it only.
			unlockDir(s.lock)
			if got := rowsOf(t, dir); !maps.Equal(got, c.want) {
				t.Fatalf("rows %v, want %v", got, c.want)
			}
		})
	}
}

func TestStoreTornTailIsCut(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		tail func(b []byte) []byte // damage applied to the log's end
	}{
		{"half a header", func(b []byte) []byte { return append(b, 9, 0, 0) }},
		{"short body", func(b []byte) []byte { return append(b, appendRecord(nil, opPut, "z", []byte("zzzz"))[:11]...) }},
		{"bad crc", func(b []byte) []byte {
			r := appendRecord(nil, opPut, "z", []byte("zzzz"))
			r[len(r)-1] ^= 0xff
			return append(b, r...)
		}},
		{"garbage length", func(b []byte) []byte { return append(b, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s, _ := openLoaded(t, dir, Options{})
			s.Put("a", []byte("1"))
			s.Put("b", []byte("2"))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, logName(1))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			whole := len(b)
			if err := os.WriteFile(p, c.tail(b), 0o644); err != nil {
				t.Fatal(err)
			}
			s2, rows := openLoaded(t, dir, Options{})
			if want := map[string]string{"a": "1", "b": "2"}; !maps.Equal(rows, want) {
				t.Fatalf("rows %v, want %v", rows, want)
			}
			// The tail is gone, and new changes follow the last whole record.
			s2.Put("c", []byte("3"))
			if err := s2.Close(); err != nil {
				t.Fatal(err)
			}
			b2, _ := os.ReadFile(p)
			if len(b2) != whole+len(appendRecord(nil, opPut, "c", []byte("3"))) {
				t.Fatalf("log is %d bytes after the cut and one put; want %d", len(b2), whole+len(appendRecord(nil, opPut, "c", []byte("3"))))
			}
			if got := rowsOf(t, dir); !maps.Equal(got, map[string]string{"a": "1", "b": "2", "c": "3"}) {
				t.Fatalf("rows %v", got)
			}
		})
	}
}

func TestStoreRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    string
	}{
		{"newer format", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "FORMAT"), []byte("evolvestack data format 99\n"), 0o644)
		}, "written in data format 99; this evolvestack reads format 1"},
		{"foreign format file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "FORMAT"), []byte("hello\n"), 0o644)
		}, "is not evolvestack's"},
		{"data without FORMAT", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, logName(1)), fileHeader(kindLog), 0o644)
		}, "no FORMAT file"},
		{"damaged snapshot", func(t *testing.T, dir string) {
			s, _ := openLoaded(t, dir, Options{})
			s.SetDump(func(emit func(string, []byte)) error {
				emit("a", []byte("1"))
				emit("b", []byte("2"))
				return nil
			})
			if err := s.Compact(); err != nil {
				t.Fatal(err)
			}
			s.Close()
			p := filepath.Join(dir, snapName(2))
			b, _ := os.ReadFile(p)
			b[headerSize+9] ^= 0xff
			os.WriteFile(p, b, 0o644)
		}, "is damaged at byte 16"},
		{"file header of another version", func(t *testing.T, dir string) {
			s, _ := openLoaded(t, dir, Options{})
			s.Close()
			p := filepath.Join(dir, logName(1))
			b, _ := os.ReadFile(p)
			b[8] = 7
			os.WriteFile(p, b, 0o644)
		}, "was written in data format 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c.prepare(t, dir)
			s, err := Open(dir, Options{})
			if err == nil {
				err = s.Load(func(Record) error { return nil })
				s.Close()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestStoreLockedDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, _ := openLoaded(t, dir, Options{})
	defer s.Close()
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "in use by process") {
		t.Fatalf("second Open: %v, want in use", err)
	}
}

// TestStoreConcurrentWriters checks group commit: every change a writer saw
// synced is in the files, under concurrent writers and compactions.
func TestStoreConcurrentWriters(t *testing.T) {
	t.Parallel()
	for _, mode := range []SyncMode{SyncWrite, SyncFsync} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s, _ := openLoaded(t, dir, Options{Sync: mode, CompactBytes: 4 << 10})
			var mu sync.Mutex
			live := map[string]string{}
			s.SetDump(func(emit func(string, []byte)) error {
				mu.Lock()
				defer mu.Unlock()
				for k, v := range live {
					emit(k, []byte(v))
				}
				return nil
			})
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 200 {
						k, v := fmt.Sprintf("w%d/%d", w, i%50), fmt.Sprint(i)
						mu.Lock()
						live[k] = v
						s.Put(k, []byte(v))
						mu.Unlock()
						if err := s.Sync(); err != nil {
							t.Error(err)
							return
						}
						if i%97 == 0 {
							if err := s.Compact(); err != nil {
								t.Error(err)
							}
						}
					}
				}()
			}
			wg.Wait()
			unlockDir(s.lock) // as if killed: no Close
			if got := rowsOf(t, dir); !maps.Equal(got, live) {
				t.Fatalf("%d rows restored, want %d", len(got), len(live))
			}
		})
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, opPut, "k", []byte("v")))
	f.Add(appendRecord(nil, opDelete, "key", nil))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, err := decodeRecord(b)
		if err != nil {
			return
		}
		if n > len(b) {
			t.Fatalf("record length %d beyond input %d", n, len(b))
		}
		op := byte(opPut)
		if r.Delete {
			op = opDelete
		}
		again := appendRecord(nil, op, r.Key, r.Value)
		if string(again) != string(b[:n]) {
			t.Fatalf("re-encoding differs")
		}
	})
}

// TestStoreCompactsGarbageOnly: a snapshot comes when superseded rows
// outweigh the live ones (and the floor), never for rows that only grow.
func TestStoreCompactsGarbageOnly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		write    func(s *Store, i int)
		wantSnap bool
	}{
		{"append only", func(s *Store, i int) { s.Put(fmt.Sprintf("rec/%05d", i), []byte(strings.Repeat("x", 100))) }, false},
		{"overwrites", func(s *Store, i int) { s.Put(fmt.Sprintf("q/%d", i%3), []byte(strings.Repeat("x", 100))) }, true},
		{"put then delete", func(s *Store, i int) {
			k := fmt.Sprintf("m/%05d", i)
			s.Put(k, []byte(strings.Repeat("x", 100)))
			s.Delete(k)
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s, _ := openLoaded(t, dir, Options{CompactBytes: 4 << 10})
			defer s.Close()
			for i := range 500 {
				c.write(s, i)
			}
			if err := s.Sync(); err != nil {
				t.Fatal(err)
			}
			s.maybeCompact()
			files, _ := s.dataFiles()
			snap := false
			for _, f := range files {
				snap = snap || f.snap
			}
			if snap != c.wantSnap {
				t.Fatalf("snapshot written: %v, want %v (live %d, dead %d)", snap, c.wantSnap, s.live, s.dead)
			}
		})
	}
}
