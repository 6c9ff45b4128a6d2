package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Code size limits Lambda enforces.
const (
	// MaxUnzippedCodeSize bounds the unpacked size of a deployment package.
	MaxUnzippedCodeSize = 262144000
	// MaxCreateFunctionRequest bounds a CreateFunction/UpdateFunctionCode
	// request carrying the zip inline (base64 in JSON).
	MaxCreateFunctionRequest = 70167211
)

const msgBadZip = "Could not unzip uploaded file. Please check your file, then try to upload again."

// codeBundle is one deployment package: its digest and, once unpacked, the
// directory holding its files.
type codeBundle struct {
	size   int64
	sha256 string // base64, as CodeSha256
	dir    string // unpacked files; empty when not unpacked
	zip    []byte // the package, kept for the journal row and exports
}

// checkCode validates a zip before anything is written: it must open as a
// zip, name no entry that escapes its root, and unpack within the size
// limit. op names the operation for the request-size error.
func checkCode(zipFile []byte, op string) (*zip.Reader, *codeBundle, error) {
	if base64.StdEncoding.EncodedLen(len(zipFile)) > MaxCreateFunctionRequest {
		return nil, nil, errRequestTooLarge(MaxCreateFunctionRequest, op)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipFile), int64(len(zipFile)))
	if err != nil {
		return nil, nil, errInvalidParameter(msgBadZip)
	}
	var total uint64
	for _, f := range zr.File {
		if _, ok := safeEntryPath(f.Name); !ok {
			return nil, nil, errInvalidParameter(msgBadZip)
		}
		total += f.UncompressedSize64
		if total > MaxUnzippedCodeSize {
			return nil, nil, errInvalidParameter("Unzipped size must be smaller than %d bytes", MaxUnzippedCodeSize)
		}
	}
	sum := sha256.Sum256(zipFile)
	return zr, &codeBundle{size: int64(len(zipFile)), sha256: base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// safeEntryPath cleans a zip entry name and reports whether it stays
// inside the extraction root.
func safeEntryPath(name string) (string, bool) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", false
	}
	n := strings.ReplaceAll(name, `\`, "/")
	if strings.HasPrefix(n, "/") || (len(n) > 1 && n[1] == ':') {
		return "", false
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", false
		}
	}
	clean := path.Clean(n)
	if clean == "." {
		return "", true
	}
	return clean, true
}

// errZipLimit marks an archive whose entries inflate beyond what their
// headers claim.
var errZipLimit = errors.New("unzipped size limit exceeded")

// unpack extracts zr into a new folder under root and records it in b. A
// failed extraction removes the folder: an error is the 400 of a bad
// archive unless the local file system failed.
func unpack(zr *zip.Reader, b *codeBundle, root string) error {
	dir, err := os.MkdirTemp(root, "code-*")
	if err != nil {
		return fmt.Errorf("lambda: creating code directory: %w", err)
	}
	if err := extract(zr, dir); err != nil {
		_ = os.RemoveAll(dir)
		if errors.Is(err, errZipLimit) {
			return errInvalidParameter("Unzipped size must be smaller than %d bytes", MaxUnzippedCodeSize)
		}
		if isZipFormatError(err) {
			return errInvalidParameter(msgBadZip)
		}
		return err
	}
	b.dir = dir
	return nil
}

// zipFormatError wraps failures caused by the archive's content rather
// than by the local file system.
type zipFormatError struct{ err error }

func (e *zipFormatError) Error() string { return e.err.Error() }
func (e *zipFormatError) Unwrap() error { return e.err }

func isZipFormatError(err error) bool {
	var z *zipFormatError
	return errors.As(err, &z)
}

// badEntry is the content error of an entry refused as it stands.
func badEntry(format string, args ...any) error {
	return &zipFormatError{fmt.Errorf(format, args...)}
}

// localErrnos are the failures of the local file system itself; any other
// failure to write an entry (an existing name, a path through a file, a
// dangling link or a loop, a path escaping the folder) is the archive's.
var localErrnos = []error{
	syscall.ENOSPC, syscall.EDQUOT, syscall.EIO, syscall.EROFS, syscall.EACCES,
	syscall.EPERM, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EFBIG,
}

// writeError classifies err, a failure to write entry name.
func writeError(name string, err error) error {
	err = fmt.Errorf("lambda: unpacking %s: %w", name, err)
	for _, e := range localErrnos {
		if errors.Is(err, e) {
			return err
		}
	}
	return &zipFormatError{err}
}

// Symbolic link limits: a target's length (PATH_MAX), links followed in
// one resolution (the kernel's MAXSYMLINKS) and path components walked
// while resolving all of an archive's links.
const (
	maxLinkTarget  = 4095
	maxLinkHops    = 40
	maxLinkWalking = 1 << 24
)

// extractor writes an archive's entries into a folder through an os.Root,
// which refuses any path, link-following included, that leaves it.
type extractor struct {
	root   *os.Root
	budget int64 // bytes still allowed to inflate
	// links maps each link made, by the path it really sits at (its parent
	// resolved through earlier links), to its target.
	links map[string]string
	walk  int // components left for resolving links
}

// extract writes zr's entries into dir. Nothing is written outside dir
// whatever the entries, and an archive is refused when one of its links
// points outside dir, given all the links it makes.
func extract(zr *zip.Reader, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("lambda: opening code directory: %w", err)
	}
	defer root.Close()
	x := &extractor{root: root, budget: MaxUnzippedCodeSize, links: map[string]string{}, walk: maxLinkWalking}
	for _, f := range zr.File {
		if err := x.entry(f); err != nil {
			return err
		}
	}
	// A link checked when made may lead out through a later one (a -> b/c/../..
	// then b -> .): check them all again against the final set.
	for at, to := range x.links {
		if !x.inside(path.Dir(at), to) {
			return badEntry("symbolic link %q points outside the archive", at)
		}
	}
	return nil
}

func (x *extractor) entry(f *zip.File) error {
	rel, ok := safeEntryPath(f.Name)
	if !ok {
		return badEntry("entry %q escapes the archive root", f.Name)
	}
	if rel == "" {
		return nil
	}
	mode := f.Mode()
	switch {
	case mode.IsDir():
		return x.mkdirAll(rel)
	case mode&fs.ModeSymlink != 0:
		return x.symlink(f, rel)
	case !mode.IsRegular():
		return badEntry("entry %q is not a regular file", f.Name)
	}
	if err := x.mkdirAll(path.Dir(rel)); err != nil {
		return err
	}
	return x.file(f, rel)
}

// mkdirAll creates directory rel and its parents.
func (x *extractor) mkdirAll(rel string) error {
	if rel == "." {
		return nil
	}
	if err := x.root.MkdirAll(filepath.FromSlash(rel), 0o755); err != nil {
		return writeError(rel, err)
	}
	return nil
}

// fileWriter records the error of the file written, to tell it from one
// reading the archive.
type fileWriter struct {
	f   *os.File
	err error
}

func (w *fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

func (x *extractor) file(f *zip.File, rel string) error {
	rc, err := f.Open()
	if err != nil {
		return &zipFormatError{fmt.Errorf("opening %s: %w", f.Name, err)}
	}
	defer rc.Close()
	perm := f.Mode().Perm() & 0o755
	if perm == 0 {
		perm = 0o644
	}
	out, err := x.root.OpenFile(filepath.FromSlash(rel), os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm|0o200)
	if err != nil {
		return writeError(rel, err)
	}
	w := &fileWriter{f: out}
	n, err := io.Copy(w, io.LimitReader(rc, x.budget+1))
	cerr := out.Close()
	switch {
	case w.err != nil:
		return writeError(rel, w.err)
	case err != nil:
		return &zipFormatError{fmt.Errorf("reading %s: %w", f.Name, err)}
	case cerr != nil:
		return writeError(rel, cerr)
	}
	x.budget -= n
	if x.budget < 0 {
		return errZipLimit
	}
	return nil
}

func (x *extractor) symlink(f *zip.File, rel string) error {
	rc, err := f.Open()
	if err != nil {
		return &zipFormatError{fmt.Errorf("opening %s: %w", f.Name, err)}
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, maxLinkTarget+1))
	if err != nil {
		return &zipFormatError{fmt.Errorf("reading %s: %w", f.Name, err)}
	}
	x.budget -= int64(len(raw))
	if x.budget < 0 {
		return errZipLimit
	}
	to := string(raw)
	if to == "" || len(to) > maxLinkTarget || strings.ContainsRune(to, 0) {
		return badEntry("symbolic link %q has an invalid target", f.Name)
	}
	// The link sits where its parent, followed through earlier links, leads.
	parent, ok := x.resolve(path.Dir(rel))
	if !ok || !x.inside(parent, to) {
		return badEntry("symbolic link %q points outside the archive", f.Name)
	}
	if err := x.mkdirAll(path.Dir(rel)); err != nil {
		return err
	}
	if err := x.root.Symlink(to, filepath.FromSlash(rel)); err != nil {
		return writeError(rel, err)
	}
	x.links[path.Join(parent, path.Base(rel))] = to
	return nil
}

// inside reports whether link target to, relative and resolved from
// directory dir through the links made so far, stays in the folder.
func (x *extractor) inside(dir, to string) bool {
	if absTarget(to) {
		return false
	}
	_, ok := x.resolve(dir + "/" + to)
	return ok
}

// absTarget reports whether a link target is absolute on any platform.
func absTarget(to string) bool {
	return strings.HasPrefix(to, "/") || strings.HasPrefix(to, `\`) ||
		(len(to) > 1 && to[1] == ':') || filepath.IsAbs(to)
}

// resolve follows p, slash-separated and relative to the folder, through
// the links made so far as the kernel would, treating names not written
// yet as directories (which later entries may make them). It returns the
// path reached; ok is false when the walk leaves the folder, meets an
// absolute target, loops or exhausts the walking budget.
func (x *extractor) resolve(p string) (_ string, ok bool) {
	// stack holds the folder-relative path of each component reached.
	var stack []string
	todo := splitTarget(p)
	for hops := 0; len(todo) > 0; {
		if x.walk--; x.walk < 0 {
			return "", false
		}
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return "", false
			}
			stack = stack[:len(stack)-1]
			continue
		}
		at := c
		if len(stack) > 0 {
			at = stack[len(stack)-1] + "/" + c
		}
		to, isLink := x.links[at]
		if !isLink {
			stack = append(stack, at)
			continue
		}
		if hops++; hops > maxLinkHops || absTarget(to) {
			return "", false
		}
		todo = append(splitTarget(to), todo...)
	}
	if len(stack) == 0 {
		return ".", true
	}
	return stack[len(stack)-1], true
}

// splitTarget splits a path on either separator, so that a target is
// judged as strictly as any platform would read it.
func splitTarget(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
}
