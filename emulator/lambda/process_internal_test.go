package lambda

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestStartFailure checks the explanation logged when a bootstrap cannot
// be executed, including a code directory on a noexec mount (an
// executable file refused with EACCES), which tests cannot mount.
func TestStartFailure(t *testing.T) {
	t.Parallel()
	path := filepath.Join("/tmp", "evolvestack-lambda-x", "code-y", "bootstrap")
	cases := []struct {
		name string
		mode fs.FileMode
		err  error
		want []string
	}{
		{"noexec mount", 0o755, &fs.PathError{Op: "fork/exec", Path: path, Err: syscall.EACCES},
			[]string{"executing " + path + ": fork/exec " + path + ": permission denied", "/tmp/evolvestack-lambda-x", "noexec", "TMPDIR"}},
		{"no execute bit", 0o644, &fs.PathError{Op: "fork/exec", Path: path, Err: syscall.EACCES},
			[]string{"mode 0644", "without execute permission"}},
		{"wrong format", 0o755, &fs.PathError{Op: "fork/exec", Path: path, Err: syscall.ENOEXEC},
			[]string{"not a program for this machine"}},
		{"missing interpreter", 0o755, &fs.PathError{Op: "fork/exec", Path: path, Err: syscall.ENOENT},
			[]string{"interpreter or dynamic loader"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := startFailure(path, c.mode, c.err)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("startFailure = %q, lacks %q", got, w)
				}
			}
		})
	}
	// The real error of a file without an execute bit is the one matched.
	dir := t.TempDir()
	file := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(file, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := exec.Command(file).Start()
	if err == nil {
		t.Fatal("a file without an execute bit started")
	}
	if got := startFailure(file, 0o644, err); !strings.Contains(got, "without execute permission") {
		t.Errorf("startFailure of the real error = %q", got)
	}
}
