package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// zent is one entry of a test archive.
type zent struct {
	kind byte   // 'f' file, 'd' directory, 'l' link; 'c' file, 'C' link with a bad checksum
	name string // as stored in the archive
	body string // file content or link target
}

func file(name, body string) zent { return zent{'f', name, body} }
func dir(name string) zent        { return zent{'d', name, ""} }
func link(name, to string) zent   { return zent{'l', name, to} }

// zipOf builds an archive of ents, in order.
func zipOf(t testing.TB, ents ...zent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range ents {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		switch e.kind {
		case 'f', 'c':
			hdr.SetMode(0o644)
		case 'd':
			hdr.SetMode(fs.ModeDir | 0o755)
		case 'l', 'C':
			hdr.SetMode(fs.ModeSymlink | 0o777)
		default:
			t.Fatalf("unknown entry kind %q", e.kind)
		}
		dirName := strings.HasSuffix(e.name, "/") // the writer takes no data for one
		var w io.Writer
		var err error
		if (e.kind == 'c' || e.kind == 'C') && !dirName {
			hdr.Method, hdr.CRC32 = zip.Store, 1 // a wrong checksum
			hdr.CompressedSize64, hdr.UncompressedSize64 = uint64(len(e.body)), uint64(len(e.body))
			w, err = zw.CreateRaw(hdr)
		} else {
			w, err = zw.CreateHeader(hdr)
		}
		if err != nil {
			t.Fatal(err)
		}
		if dirName {
			continue
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const victimContent = "original"

// sandbox lays out base/w/victim and base/w/root, root being the
// directory code folders are created under: an escape of up to two levels
// out of a code folder stays in the test's own temporary directory, where
// it is seen.
type sandbox struct{ base, work, root, victim string }

func newSandbox(t testing.TB) sandbox {
	t.Helper()
	base := t.TempDir()
	s := sandbox{base: base, work: filepath.Join(base, "w")}
	s.root = filepath.Join(s.work, "root")
	s.victim = filepath.Join(s.work, "victim")
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.victim, []byte(victimContent), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// extract runs the service's checks and extraction on data.
func (s sandbox) extract(data []byte) (*codeBundle, error) {
	zr, b, err := checkCode(data, "CreateFunction")
	if err != nil {
		return nil, err
	}
	if err := unpack(zr, b, s.root); err != nil {
		return nil, err
	}
	return b, nil
}

// checkConfined fails t if anything exists outside the code folder of b
// (nil when extraction failed: then root must be empty), if the victim
// file changed, or if a link in the folder resolves outside it.
func (s sandbox) checkConfined(t testing.TB, b *codeBundle) {
	t.Helper()
	if got := names(t, s.base); !slices.Equal(got, []string{"w"}) {
		t.Errorf("%s holds %v, want [w]", s.base, got)
	}
	if got := names(t, s.work); !slices.Equal(got, []string{"root", "victim"}) {
		t.Errorf("%s holds %v, want [root victim]", s.work, got)
	}
	if fi, err := os.Lstat(s.victim); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("victim: %v, %v", fi, err)
	} else if got, _ := os.ReadFile(s.victim); string(got) != victimContent {
		t.Errorf("victim overwritten: %q", got)
	}
	want := []string{}
	if b != nil {
		want = []string{filepath.Base(b.dir)}
	}
	if got := names(t, s.root); !slices.Equal(got, want) {
		t.Errorf("%s holds %v, want %v", s.root, got, want)
	}
	if b == nil {
		return
	}
	_ = filepath.WalkDir(b.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		rel, _ := filepath.Rel(b.dir, p)
		if linkEscapes(b.dir, filepath.ToSlash(rel)) {
			to, _ := os.Readlink(p)
			t.Errorf("link %s -> %s resolves outside %s", rel, to, b.dir)
		}
		return nil
	})
}

func names(t testing.TB, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

// linkEscapes follows rel (slash-separated, relative to dir) on disk the
// way the kernel does and reports whether the walk leaves dir.
func linkEscapes(dir, rel string) bool {
	var stack []string
	todo := strings.Split(rel, "/")
	for hops := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return true
			}
			stack = stack[:len(stack)-1]
			continue
		}
		stack = append(stack, c)
		p := filepath.Join(append([]string{dir}, stack...)...)
		fi, err := os.Lstat(p)
		if err != nil {
			return false // the kernel stops here, inside dir
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		if hops++; hops > 40 {
			return false // ELOOP
		}
		to, err := os.Readlink(p)
		if err != nil || filepath.IsAbs(to) {
			return true
		}
		stack = stack[:len(stack)-1]
		todo = append(strings.Split(to, "/"), todo...)
	}
	return false
}

// isBadZip reports whether err is the 400 a malformed package gets.
func isBadZip(err error) bool {
	var ae *awsapi.Error
	return errors.As(err, &ae) && ae.Code == CodeInvalidParameterValue &&
		ae.Status == http.StatusBadRequest && ae.Message == msgBadZip
}

// escapeCases are archives whose links, chained through one another or
// made escaping by later entries, would reach outside the code folder.
var escapeCases = []struct {
	name string
	ents []zent
}{
	{"chain to grandparent file", []zent{link("l1", "."), link("l1/l2", ".."), link("l2/l3", ".."), file("l2/l3/x/file", "pwned")}},
	{"chain to grandparent directory", []zent{link("l1", "."), link("l1/l2", ".."), link("l2/l3", ".."), dir("l2/l3/newdir/")}},
	{"chain to parent file", []zent{link("l1", "."), link("l1/l2", ".."), file("l2/evil", "pwned")}},
	{"chain onto an outside file", []zent{link("l1", "."), link("l1/l2", ".."), link("l2/l3", ".."), file("l2/l3/victim", "pwned")}},
	{"chain places a link outside", []zent{link("l1", "."), link("l1/l2", ".."), link("l2/l3", ".."), link("l2/l3/out", "victim")}},
	{"chain three deep", []zent{link("l1", "."), link("l1/l2", ".."), link("l2/l3", ".."), link("l2/l3/l4", ".."), file("l2/l3/l4/file", "pwned")}},
	{"chain under a directory", []zent{dir("a/"), link("a/b", ".."), link("a/b/c", ".."), file("c/evil", "pwned")}},
	{"chain with dot segments", []zent{dir("x/"), link("l1", "./."), link("l1/./l2", "x/../.."), file("l2/evil", "pwned")}},
	{"escape made by a later link", []zent{link("a", "b/x/../.."), link("b", "."), dir("x/")}},
	{"link through link", []zent{link("l1", "."), link("l1/up", "../..")}},
	{"parent", []zent{link("up", "..")}},
	{"grandparent", []zent{dir("a/"), link("a/up", "../../w/victim")}},
	{"absolute", []zent{link("abs", "/etc")}},
	{"absolute through chain", []zent{link("l1", "."), link("l1/abs", "/etc/passwd")}},
}

// TestExtractRefusesEscapes checks that each of escapeCases is a 400 and
// writes nothing outside the folder.
func TestExtractRefusesEscapes(t *testing.T) {
	t.Parallel()
	for _, c := range escapeCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			b, err := s.extract(zipOf(t, c.ents...))
			if !isBadZip(err) {
				t.Errorf("extract: %v, want InvalidParameterValueException %q", err, msgBadZip)
			}
			s.checkConfined(t, b)
		})
	}
}

// clashCases are archives whose entries clash with one another.
var clashCases = []struct {
	name string
	ents []zent
}{
	{"duplicate symlink", []zent{link("a", "b"), link("a", "b")}},
	{"duplicate file", []zent{file("a", "1"), file("a", "2")}},
	{"file then child file", []zent{file("file", "x"), file("file/child", "y")}},
	{"file then child directory", []zent{file("file", "x"), dir("file/child/")}},
	{"directory then file", []zent{dir("d/"), file("d", "x")}},
	{"directory then symlink", []zent{dir("d/"), link("d", "x")}},
	{"file then symlink", []zent{file("a", "x"), link("a", "b")}},
	{"symlink then file", []zent{link("a", "b"), file("a", "x")}},
	{"symlink then file through it", []zent{file("target", "x"), link("l", "target"), file("l/child", "y")}},
	{"symlink then directory through it", []zent{file("target", "x"), link("l", "target"), dir("l/child/")}},
	{"symlink then link through it", []zent{file("target", "x"), link("l", "target"), link("l/child", "target")}},
	{"dangling symlink then file through it", []zent{link("l", "missing"), file("l/child", "y")}},
	{"link loop then file through it", []zent{link("a", "b"), link("b", "a"), file("a/x", "y")}},
	{"self loop then file through it", []zent{link("a", "a"), file("a/x", "y")}},
	{"empty link target", []zent{link("a", "")}},
	{"link target with NUL", []zent{link("a", "b\x00c")}},
	{"link target too long", []zent{link("a", strings.Repeat("b/", 2100))}},
	{"bad checksum", []zent{file("a", "x"), {'c', "b", "corrupt"}}},
	{"bad checksum link", []zent{{'C', "b", "target"}}},
}

// TestExtractContentErrors checks that each of clashCases is a 400, never
// an internal failure, and leaves nothing behind.
func TestExtractContentErrors(t *testing.T) {
	t.Parallel()
	for _, c := range clashCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			_, err := s.extract(zipOf(t, c.ents...))
			if !isBadZip(err) {
				t.Errorf("extract: %v, want InvalidParameterValueException %q", err, msgBadZip)
			}
			s.checkConfined(t, nil)
		})
	}
}

// insideCases are archives whose links stay in the folder.
var insideCases = []struct {
	name  string
	ents  []zent
	files []string // regular files expected, slash-separated
}{
	{"node_modules bin", []zent{dir("node_modules/pkg/bin/"), file("node_modules/pkg/bin/cli.js", "x"), link("node_modules/.bin/cli", "../pkg/bin/cli.js")},
		[]string{"node_modules/pkg/bin/cli.js", "node_modules/.bin/cli"}},
	{"file through a directory link", []zent{dir("real/"), link("lib", "real"), file("lib/x", "x")},
		[]string{"real/x", "lib/x"}},
	{"link to parent directory of a subdirectory", []zent{dir("a/"), link("a/up", ".."), file("a/up/file", "x")},
		[]string{"file", "a/up/file"}},
	{"chain staying inside", []zent{link("l1", "."), link("l1/l2", "."), file("l2/l1/file", "x")},
		[]string{"file", "l1/file", "l2/file"}},
	{"dangling link", []zent{link("a", "missing/x")}, nil},
	{"dot dot inside", []zent{dir("a/b/"), link("a/b/c", "../../d"), file("d", "x")},
		[]string{"d", "a/b/c"}},
	{"versioned library", []zent{file("lib/libx.so.1.2", "x"), link("lib/libx.so.1", "libx.so.1.2"), link("lib/libx.so", "libx.so.1")},
		[]string{"lib/libx.so"}},
}

// TestExtractKeepsInsideLinks checks that links staying in the folder,
// however they get there, unpack as they are.
func TestExtractKeepsInsideLinks(t *testing.T) {
	t.Parallel()
	for _, c := range insideCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			b, err := s.extract(zipOf(t, c.ents...))
			if err != nil {
				t.Fatalf("extract: %v", err)
			}
			s.checkConfined(t, b)
			for _, f := range c.files {
				if fi, err := os.Stat(filepath.Join(b.dir, filepath.FromSlash(f))); err != nil || !fi.Mode().IsRegular() {
					t.Errorf("%s: %v, %v", f, fi, err)
				}
			}
		})
	}
}

// TestUnpackLocalFailure checks that a failure of the local file system,
// not of the archive, stays an internal error.
func TestUnpackLocalFailure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		root func(t *testing.T) string
	}{
		{"missing root", func(t *testing.T) string { return filepath.Join(t.TempDir(), "gone") }},
		{"root is a file", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			zr, b, err := checkCode(zipOf(t, file("bootstrap", "x")), "CreateFunction")
			if err != nil {
				t.Fatal(err)
			}
			err = unpack(zr, b, c.root(t))
			var ae *awsapi.Error
			if err == nil || errors.As(err, &ae) {
				t.Errorf("unpack: %v, want an internal error", err)
			}
		})
	}
}

func newTestService(t testing.TB) *Service {
	t.Helper()
	s := New(awsapi.Env{
		Scope:  awsapi.Scope{Account: "123456789012", Region: "us-east-1"},
		Clock:  clock.New(),
		Logger: slog.New(slog.DiscardHandler),
	})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (s *Service) testWorkDir() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.workDir
}

func (s *Service) testCodeDir(t testing.TB, name string) string {
	t.Helper()
	s.mu.Lock()
	fn := s.functions[name]
	s.mu.Unlock()
	if fn == nil {
		t.Fatalf("no function %s", name)
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	return fn.code.dir
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// TestCodeFoldersRemoved checks that code folders go with the function,
// the replaced package, a failed unpack and the closed service.
func TestCodeFoldersRemoved(t *testing.T) {
	t.Parallel()
	good := zipOf(t, file("bootstrap", "#!/bin/sh\n"), dir("lib/"), file("lib/a", "a"))
	// The escape is refused after files were already written.
	bad := zipOf(t, file("bootstrap", "#!/bin/sh\n"), dir("lib/"), file("lib/a", "a"), link("l1", "."), link("l1/l2", ".."), file("l2/x", "x"))
	create := func(s *Service, name string, code []byte) error {
		_, err := s.CreateFunction(context.Background(), &CreateFunctionInput{
			FunctionName: ptr(name), Runtime: RuntimeProvidedal2023, Role: ptr("arn:aws:iam::123456789012:role/r"),
			Handler: ptr("h"), Code: &FunctionCode{ZipFile: code},
		})
		return err
	}
	cases := []struct {
		name string
		// run acts on a service holding functions f1 and f2 and returns
		// the folders that must be gone afterwards and those that must
		// remain.
		run func(t *testing.T, s *Service) (gone, kept []string)
	}{
		{"close", func(t *testing.T, s *Service) ([]string, []string) {
			d1, d2, root := s.testCodeDir(t, "f1"), s.testCodeDir(t, "f2"), s.testWorkDir()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return []string{d1, d2, root}, nil
		}},
		{"delete", func(t *testing.T, s *Service) ([]string, []string) {
			d1, d2 := s.testCodeDir(t, "f1"), s.testCodeDir(t, "f2")
			if _, err := s.DeleteFunction(context.Background(), &DeleteFunctionInput{FunctionName: ptr("f1")}); err != nil {
				t.Fatal(err)
			}
			return []string{d1}, []string{d2, s.testWorkDir()}
		}},
		{"update", func(t *testing.T, s *Service) ([]string, []string) {
			d1 := s.testCodeDir(t, "f1")
			if _, err := s.UpdateFunctionCode(context.Background(), &UpdateFunctionCodeInput{FunctionName: ptr("f1"), ZipFile: good}); err != nil {
				t.Fatal(err)
			}
			return []string{d1}, []string{s.testCodeDir(t, "f1"), s.testCodeDir(t, "f2")}
		}},
		{"failed update", func(t *testing.T, s *Service) ([]string, []string) {
			d1 := s.testCodeDir(t, "f1")
			if _, err := s.UpdateFunctionCode(context.Background(), &UpdateFunctionCodeInput{FunctionName: ptr("f1"), ZipFile: bad}); !isBadZip(err) {
				t.Fatalf("update: %v", err)
			}
			if got := names(t, s.testWorkDir()); len(got) != 2 {
				t.Errorf("work directory holds %v, want the two code folders", got)
			}
			return nil, []string{d1}
		}},
		{"failed create", func(t *testing.T, s *Service) ([]string, []string) {
			if err := create(s, "f3", bad); !isBadZip(err) {
				t.Fatalf("create: %v", err)
			}
			if got := names(t, s.testWorkDir()); len(got) != 2 {
				t.Errorf("work directory holds %v, want the two code folders", got)
			}
			root := s.testWorkDir()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return []string{root}, nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newTestService(t)
			for _, name := range []string{"f1", "f2"} {
				if err := create(s, name, good); err != nil {
					t.Fatal(err)
				}
			}
			gone, kept := c.run(t, s)
			for _, p := range gone {
				if exists(p) {
					t.Errorf("%s still exists", p)
				}
			}
			for _, p := range kept {
				if !exists(p) {
					t.Errorf("%s was removed", p)
				}
			}
		})
	}
}

// TestCloseDuringUnpack closes services while packages unpack and checks
// that no folder outlives them.
func TestCloseDuringUnpack(t *testing.T) {
	t.Parallel()
	ents := []zent{}
	for i := range 64 {
		ents = append(ents, dir("d"+strings.Repeat("x", i%7)+"/sub/"), file("d"+strings.Repeat("x", i%7)+"/sub/f"+strings.Repeat("y", i), "data"))
	}
	code := zipOf(t, ents...)
	cases := []struct {
		name    string
		workers int
	}{{"one", 1}, {"several", 4}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for range 20 {
				s := newTestService(t)
				if _, err := s.ensureWorkDir(); err != nil {
					t.Fatal(err)
				}
				root := s.testWorkDir()
				t.Cleanup(func() { _ = os.RemoveAll(root) }) // should a test fail
				var wg sync.WaitGroup
				var once sync.Once
				created := make(chan struct{})
				for w := range c.workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := 0; ; i++ {
							name := "f" + strings.Repeat("w", w) + strings.Repeat("i", i%50)
							_, err := s.CreateFunction(context.Background(), &CreateFunctionInput{
								FunctionName: ptr(name), Role: ptr("r"), Handler: ptr("h"), Code: &FunctionCode{ZipFile: code},
							})
							var ae *awsapi.Error
							if errors.As(err, &ae) && ae.Code == CodeService {
								return
							}
							if err != nil && (!errors.As(err, &ae) || ae.Code != CodeResourceConflict) {
								t.Errorf("create: %v", err)
								return
							}
							once.Do(func() { close(created) })
						}
					}()
				}
				<-created // the workers are unpacking again
				_ = s.Close()
				wg.Wait()
				if exists(root) {
					got, _ := os.ReadDir(root)
					t.Fatalf("%s outlived Close, holding %d entries", root, len(got))
				}
			}
		})
	}
}

// TestExtractRootConfines plants links leading out of the folder before
// extraction, as if the link checks had missed one: writing through them
// is still refused, with a 400.
func TestExtractRootConfines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		plant func(s sandbox) string // the planted link's target
		ents  []zent
	}{
		{"file through parent link", func(sandbox) string { return ".." }, []zent{file("esc/x", "pwned")}},
		{"directory through grandparent link", func(sandbox) string { return "../.." }, []zent{dir("esc/newdir/")}},
		{"link through grandparent link", func(sandbox) string { return "../.." }, []zent{link("esc/out", "victim")}},
		{"file through absolute link", func(s sandbox) string { return s.work }, []zent{file("esc/x", "pwned")}},
		{"file onto outside file", func(sandbox) string { return "../../victim" }, []zent{file("esc", "pwned")}},
		{"file through chain to outside", func(sandbox) string { return "../.." }, []zent{link("in", "esc"), file("in/x", "pwned")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			dir := filepath.Join(s.root, "code-planted")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			planted := filepath.Join(dir, "esc")
			if err := os.Symlink(c.plant(s), planted); err != nil {
				t.Fatal(err)
			}
			zr, _, err := checkCode(zipOf(t, c.ents...), "CreateFunction")
			if err != nil {
				t.Fatal(err)
			}
			if err := extract(zr, dir); !isZipFormatError(err) {
				t.Errorf("extract: %v, want a content error", err)
			}
			if err := os.Remove(planted); err != nil {
				t.Fatal(err)
			}
			s.checkConfined(t, &codeBundle{dir: dir})
		})
	}
}

// fuzzSeeds are the test archives, as entry lists.
func fuzzSeeds() [][]zent {
	seeds := [][]zent{{file("bootstrap", "#!/bin/sh\n")}, {dir("a/"), file("a/b", "x")}}
	for _, c := range escapeCases {
		seeds = append(seeds, c.ents)
	}
	for _, c := range clashCases {
		seeds = append(seeds, c.ents)
	}
	for _, c := range insideCases {
		seeds = append(seeds, c.ents)
	}
	return seeds
}

// checkFuzzed fails t unless extracting data is accepted or refused with
// a 400 and leaves nothing outside the folder.
func checkFuzzed(t *testing.T, data []byte) {
	s := newSandbox(t)
	b, err := s.extract(data)
	var ae *awsapi.Error
	if err != nil && (!errors.As(err, &ae) || ae.Code != CodeInvalidParameterValue || ae.Status != http.StatusBadRequest) {
		t.Fatalf("extract: %v, want nil or InvalidParameterValueException", err)
	}
	s.checkConfined(t, b)
}

// FuzzExtract feeds arbitrary bytes to the checks and extraction.
func FuzzExtract(f *testing.F) {
	for _, ents := range fuzzSeeds() {
		f.Add(zipOf(f, ents...))
	}
	f.Fuzz(checkFuzzed)
}

// FuzzExtractEntries builds archives from lines "kind name body" (kind f,
// d, l, c or C as in zent), reaching link layouts raw bytes seldom do.
func FuzzExtractEntries(f *testing.F) {
	for _, ents := range fuzzSeeds() {
		var lines []string
		for _, e := range ents {
			lines = append(lines, string(e.kind)+" "+e.name+" "+e.body)
		}
		f.Add(strings.Join(lines, "\n"))
	}
	f.Fuzz(func(t *testing.T, spec string) {
		var ents []zent
		for line := range strings.SplitSeq(spec, "\n") {
			parts := strings.SplitN(line, " ", 3)
			if len(parts) < 2 || len(parts[0]) != 1 || !strings.Contains("fdlcC", parts[0]) {
				continue
			}
			e := zent{kind: parts[0][0], name: parts[1]}
			if len(parts) == 3 {
				e.body = parts[2]
			}
			ents = append(ents, e)
		}
		checkFuzzed(t, zipOf(t, ents...))
	})
}
