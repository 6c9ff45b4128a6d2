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

// unpack extracts zr into a new directory under root and records it in b.
// Entries are confined to the directory: names are checked again, symbolic
// links may only point inside, and the bytes actually inflated are counted
// against the limit.
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

func extract(zr *zip.Reader, dir string) error {
	budget := int64(MaxUnzippedCodeSize)
	for _, f := range zr.File {
		rel, ok := safeEntryPath(f.Name)
		if !ok {
			return &zipFormatError{fmt.Errorf("entry %q escapes the archive root", f.Name)}
		}
		if rel == "" {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if !within(dir, target) {
			return &zipFormatError{fmt.Errorf("entry %q escapes the archive root", f.Name)}
		}
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("lambda: unpacking %s: %w", rel, err)
			}
			continue
		case mode&fs.ModeSymlink != 0:
			if err := extractSymlink(f, dir, target, &budget); err != nil {
				return err
			}
			continue
		case !mode.IsRegular():
			return &zipFormatError{fmt.Errorf("entry %q is not a regular file", f.Name)}
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("lambda: unpacking %s: %w", rel, err)
		}
		if err := extractFile(f, target, &budget); err != nil {
			return err
		}
	}
	return nil
}

func extractFile(f *zip.File, target string, budget *int64) error {
	rc, err := f.Open()
	if err != nil {
		return &zipFormatError{err}
	}
	defer rc.Close()
	perm := f.Mode().Perm() & 0o755
	if perm == 0 {
		perm = 0o644
	}
	out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm|0o200)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &zipFormatError{fmt.Errorf("duplicate entry %q", f.Name)}
		}
		return fmt.Errorf("lambda: unpacking %s: %w", f.Name, err)
	}
	n, err := io.Copy(out, io.LimitReader(rc, *budget+1))
	cerr := out.Close()
	if err != nil {
		return &zipFormatError{err}
	}
	if cerr != nil {
		return fmt.Errorf("lambda: unpacking %s: %w", f.Name, cerr)
	}
	*budget -= n
	if *budget < 0 {
		return errZipLimit
	}
	return nil
}

func extractSymlink(f *zip.File, dir, target string, budget *int64) error {
	rc, err := f.Open()
	if err != nil {
		return &zipFormatError{err}
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return &zipFormatError{err}
	}
	*budget -= int64(len(raw))
	dest := string(raw)
	if filepath.IsAbs(dest) {
		return &zipFormatError{fmt.Errorf("symbolic link %q points outside the archive", f.Name)}
	}
	if !within(dir, filepath.Join(filepath.Dir(target), filepath.FromSlash(dest))) {
		return &zipFormatError{fmt.Errorf("symbolic link %q points outside the archive", f.Name)}
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("lambda: unpacking %s: %w", f.Name, err)
	}
	if err := os.Symlink(dest, target); err != nil {
		return fmt.Errorf("lambda: unpacking %s: %w", f.Name, err)
	}
	return nil
}

// within reports whether p is dir or below it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}
