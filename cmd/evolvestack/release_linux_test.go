package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// rssFileKB reads this process's file-backed RSS.
func rssFileKB(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			var kb int
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
				t.Fatalf("RssFile %q: %v", v, err)
			}
			return kb
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestReleaseStartupPages checks that the release drops the test binary's
// own file-backed pages and that the process runs on (its code and data
// read back from the page cache).
func TestReleaseStartupPages(t *testing.T) {
	t.Parallel()
	before := rssFileKB(t)
	n, err := releaseStartupPages()
	if err != nil {
		t.Fatal(err)
	}
	after := rssFileKB(t)
	t.Logf("released %d KB of mappings: file-backed RSS %d -> %d KB", n>>10, before, after)
	if n < 1<<20 {
		t.Errorf("released %d bytes of the executable's mappings, want its code and read-only data (MBs)", n)
	}
	// Other parallel tests fault pages back in meanwhile; the binary's
	// read-only part is most of the test binary's file-backed RSS.
	if after > before*3/4 {
		t.Errorf("file-backed RSS went from %d to %d KB, want it to drop by a quarter at least", before, after)
	}
	// The code and data read back: run something that touches much of it.
	if got := strings.Repeat("ab", 3); got != "ababab" {
		t.Fatalf("after the release: %q", got)
	}
	if _, err := parseServe(nil, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatalf("parseServe after the release: %v", err)
	}
}
