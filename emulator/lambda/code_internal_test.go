package lambda

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestSafeEntryPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		want string
		ok   bool
	}{
		{"bootstrap", "bootstrap", true},
		{"lib/a.so", "lib/a.so", true},
		{"./lib//b", "lib/b", true},
		{"dir/", "dir", true},
		{"../x", "", false},
		{"a/../../x", "", false},
		{"a/..", "", false},
		{"/etc/passwd", "", false},
		{`..\x`, "", false},
		{`C:\x`, "", false},
		{"", "", false},
		{"a\x00b", "", false},
	}
	for _, c := range cases {
		got, ok := safeEntryPath(c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("safeEntryPath(%q) = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestUnpackSymlinks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		target string
		ok     bool
	}{
		{"inside", "lib/real", true},
		{"sibling", "../real", true},
		{"outside", "../../outside", false},
		{"absolute", "/etc/passwd", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			hdr := &zip.FileHeader{Name: "lib/link"}
			hdr.SetMode(os.ModeSymlink | 0o777)
			w, err := zw.CreateHeader(hdr)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write([]byte(c.target))
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			zr, b, err := checkCode(buf.Bytes(), "CreateFunction")
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			err = unpack(zr, b, root)
			if (err == nil) != c.ok {
				t.Fatalf("unpack: %v, want ok=%v", err, c.ok)
			}
			if c.ok {
				if got, err := os.Readlink(filepath.Join(b.dir, "lib", "link")); err != nil || got != c.target {
					t.Errorf("link %q, %v", got, err)
				}
				return
			}
			entries, _ := os.ReadDir(root)
			if len(entries) != 0 {
				t.Errorf("a refused archive left %d entries in %s", len(entries), root)
			}
		})
	}
}
