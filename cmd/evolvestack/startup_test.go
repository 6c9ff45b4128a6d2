package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// slimBuildFlags build the slim binary as the Makefile's image-bin does.
var slimBuildFlags = []string{"-tags", "evolvestack_slim", "-trimpath", "-ldflags", "-s -w",
	"-gcflags", "github.com/goccy/go-yaml/...=-l", "-gcflags", "google.golang.org/protobuf/...=-l"}

// startupBinary is one binary the start-up test measures.
type startupBinary struct {
	name string
	path string
	// requests are sent after the first answer, before RSS is read.
	requests func(endpoint string) []*http.Request
	// maxRatio bounds the median time from exec to the first answer
	// against the trivial server's; maxRSSKB bounds RSS after start-up
	// and the requests.
	maxRatio float64
	maxRSSKB int
}

// startupSample is one run: exec to first 200 on the health endpoint, and
// the process's memory after start-up and a few requests.
type startupSample struct {
	ready             time.Duration
	rss, anon, fileKB int
}

// buildStartupBinary builds pkg (relative to this directory) into dir with
// the given extra build flags, as a static binary, and installs it there
// by copying it in 32 KB writes, as Docker extracts an image layer (and
// cp copies a file). How the binary's file came into the page cache moves
// both figures: the linker writes its output through a memory mapping,
// which the page cache then holds in small pieces, and a freshly linked
// 35 MB binary started about 1 ms (20%) slower in CPU time than a copy of
// it; a copy written in one 35 MB write is held in large folios, which the
// kernel maps whole, and its file-backed RSS rose from 15 to 24 MB. Every
// binary measured, the trivial server's included, is installed alike.
func buildStartupBinary(t *testing.T, dir, name, pkg string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	linked := bin + ".linked"
	args := append(append([]string{"build", "-o", linked}, flags...), pkg)
	build := exec.Command("go", args...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := installCopy(bin, linked); err != nil {
		t.Fatal(err)
	}
	return bin
}

// installCopy copies src to dst (mode 0755) in 32 KB reads and writes, not
// with copy_file_range or one large write, and removes src.
func installCopy(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	// The anonymous structs hide ReadFrom and WriteTo, so that io.CopyBuffer
	// does the copying itself.
	if _, err := io.CopyBuffer(struct{ io.Writer }{out}, struct{ io.Reader }{in}, make([]byte, 32<<10)); err != nil {
		out.Close()
		return fmt.Errorf("installing %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("installing %s: %w", dst, err)
	}
	return os.Remove(src)
}

// healthRequests asks for health n times.
func healthRequests(n int) func(string) []*http.Request {
	return func(endpoint string) []*http.Request {
		var reqs []*http.Request
		for range n {
			req, _ := http.NewRequest(http.MethodGet, endpoint+"/_evolvestack/health", nil)
			reqs = append(reqs, req)
		}
		return reqs
	}
}

// evolvestackRequests asks for health and lists Kinesis streams and SQS
// queues, so that two services are in use when RSS is read.
func evolvestackRequests(endpoint string) []*http.Request {
	reqs := healthRequests(3)(endpoint)
	for _, c := range []struct{ target, ctype, service string }{
		{"Kinesis_20131202.ListStreams", "application/x-amz-json-1.1", "kinesis"},
		{"AmazonSQS.ListQueues", "application/x-amz-json-1.0", "sqs"},
	} {
		req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", c.target)
		req.Header.Set("Content-Type", c.ctype)
		req.Header.Set("X-Amz-Date", "20250101T000000Z")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/"+c.service+"/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
		reqs = append(reqs, req)
	}
	return reqs
}

// runStartup starts b once, measures the time from exec to the first 200
// from its health endpoint, sends its requests, reads its memory and stops
// it.
func runStartup(b startupBinary) (startupSample, error) {
	var s startupSample
	cmd := exec.Command(b.path)
	cmd.Env = append(os.Environ(), "EVOLVESTACK_ADDR=127.0.0.1:0", "EVOLVESTACK_LOG_LEVEL=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return s, err
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return s, err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return s, fmt.Errorf("%s: reading ready line: %w (stderr %s)", b.name, err, stderr.String())
	}
	m := readyLine.FindStringSubmatch(line)
	if m == nil {
		return s, fmt.Errorf("%s: ready line %q", b.name, line)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	do := func(req *http.Request) error {
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s %s: status %d", b.name, req.Method, req.URL, resp.StatusCode)
		}
		return nil
	}
	first, _ := http.NewRequest(http.MethodGet, m[1]+"/_evolvestack/health", nil)
	if err := do(first); err != nil {
		return s, err
	}
	s.ready = time.Since(start)
	for _, req := range b.requests(m[1]) {
		if err := do(req); err != nil {
			return s, err
		}
	}
	// The server releases the pages start-up touched in the background
	// after its first answer (release.go): RSS is read until it is within
	// the bound, for up to a second, so that a loaded machine that has not
	// run the release yet does not count as a regression.
	deadline := time.Now().Add(time.Second)
	for {
		if err := readMemory(cmd.Process.Pid, &s); err != nil {
			return s, err
		}
		if b.maxRSSKB == 0 || s.rss <= b.maxRSSKB || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s, nil
}

// readMemory reads the RSS figures of process pid into s.
func readMemory(pid int, s *startupSample) error {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		var kb int
		if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			s.rss = kb
		case "RssAnon":
			s.anon = kb
		case "RssFile":
			s.fileKB = kb
		}
	}
	return nil
}

// medianSample is the median of each figure of the samples, taken apart.
func medianSample(samples []startupSample) startupSample {
	med := func(f func(startupSample) int64) int64 {
		v := make([]int64, len(samples))
		for i, s := range samples {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return startupSample{
		ready:  time.Duration(med(func(s startupSample) int64 { return int64(s.ready) })),
		rss:    int(med(func(s startupSample) int64 { return int64(s.rss) })),
		anon:   int(med(func(s startupSample) int64 { return int64(s.anon) })),
		fileKB: int(med(func(s startupSample) int64 { return int64(s.fileKB) })),
	}
}

// measureStartup runs the binaries in interleaved rounds (the order
// rotating each round, so that drifting load from elsewhere falls on all of
// them alike) and returns each one's median figures.
func measureStartup(t *testing.T, bins []startupBinary, rounds int) []startupSample {
	t.Helper()
	samples := make([][]startupSample, len(bins))
	for r := range rounds {
		for k := range bins {
			i := (r + k) % len(bins)
			s, err := runStartup(bins[i])
			if err != nil {
				t.Fatal(err)
			}
			samples[i] = append(samples[i], s)
		}
	}
	out := make([]startupSample, len(bins))
	for i := range bins {
		out[i] = medianSample(samples[i])
	}
	return out
}

// TestStartupTimeAndIdleRSS execs the full binary, the image's slim binary
// and a trivial Go HTTP server (testdata/trivialserver) in interleaved
// rounds, and checks each binary's median time from exec to the first
// answered health request against the trivial server's, and its RSS after
// start-up and a few requests.
//
// It does not call t.Parallel: it times processes, so it runs before this
// package's parallel tests (which start binaries of their own) begin.
func TestStartupTimeAndIdleRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the processes' RSS")
	}
	dir := t.TempDir()
	bins := []startupBinary{
		{name: "trivial", path: buildStartupBinary(t, dir, "trivial", "./testdata/trivialserver"), requests: healthRequests(5)},
		// The goals are 2x and 15 MB. RSS is held to the goal; the
		// time bound leaves room for noise (CI runs this beside the
		// other packages' race tests), so that only a real regression
		// fails. Measured medians on a quiet machine: full 1.64-1.77x
		// and 9.6 MB (anon 1.8, file 7.8), slim 1.63-1.66x and 8.9 MB,
		// with the admin router built on first use and the start-up
		// pages released after the first answer; before those, full
		// 2.0x and 17.2 MB (anon 2.2, file 15.0), slim 2.0x and
		// 16.9 MB. Before the init work: 6.4x/27.6 MB and 3.7x/18.1 MB.
		{name: "full", path: buildStartupBinary(t, dir, "full", "."), requests: evolvestackRequests, maxRatio: 2.5, maxRSSKB: 15 << 10},
		// As the Makefile's image-bin builds it.
		{name: "slim", path: buildStartupBinary(t, dir, "slim", ".", slimBuildFlags...), requests: evolvestackRequests, maxRatio: 2.5, maxRSSKB: 15 << 10},
	}
	// Timing on a shared machine is noisy: a round of measurements that
	// misses the bound is repeated, and the test fails only when all miss.
	// Under load 8-15 from other builds single rounds ranged 1.4-3.0x
	// (five rounds in a row all missed 2.5x once, beside another test
	// binary, when the quiet-machine median was 2.0-2.5x); with medians
	// now at 1.6-1.8x, five rounds against 2.5x keep false failures rare.
	const attempts = 5
	for attempt := 1; ; attempt++ {
		med := measureStartup(t, bins, 21)
		var problems []string
		for i, b := range bins {
			ratio := float64(med[i].ready) / float64(med[0].ready)
			t.Logf("attempt %d: %-7s exec->first 200 median %6.2f ms (%.2fx trivial); RSS %5.1f MB (anon %.1f, file %.1f)",
				attempt, b.name, float64(med[i].ready)/1e6, ratio, float64(med[i].rss)/1024, float64(med[i].anon)/1024, float64(med[i].fileKB)/1024)
			if i == 0 {
				continue
			}
			if ratio > b.maxRatio {
				problems = append(problems, fmt.Sprintf("%s starts in %.2fx the trivial server's time, want at most %.1fx", b.name, ratio, b.maxRatio))
			}
			if med[i].rss > b.maxRSSKB {
				problems = append(problems, fmt.Sprintf("%s idles at %.1f MB RSS, want at most %d MB", b.name, float64(med[i].rss)/1024, b.maxRSSKB>>10))
			}
		}
		if len(problems) == 0 {
			return
		}
		if attempt == attempts {
			for _, p := range problems {
				t.Error(p)
			}
			return
		}
	}
}

// initTraceLine is one line of GODEBUG=inittrace=1 output.
var initTraceLine = regexp.MustCompile(`^init (\S+) @[0-9.]+ ms, [0-9.]+ ms clock, ([0-9]+) bytes, ([0-9]+) allocs$`)

// initAllocs runs bin with GODEBUG=inittrace=1 and returns the bytes each
// package's init allocated (a figure that does not vary from run to run,
// unlike the time).
func initAllocs(t *testing.T, bin string) map[string]int {
	t.Helper()
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
	allocs := map[string]int{}
	for line := range strings.SplitSeq(string(out), "\n") {
		if m := initTraceLine.FindStringSubmatch(line); m != nil {
			allocs[m[1]], _ = strconv.Atoi(m[2])
		}
	}
	if len(allocs) == 0 {
		t.Fatalf("no inittrace lines from %s version:\n%s", bin, out)
	}
	return allocs
}

// TestPackageInitCosts checks that no package's init does much work in the
// binaries: package initialisation runs at every start, whether or not the
// run uses the package, so large tables, compiled schemas and descriptors
// must be built on first use instead. The patched copies in third_party
// exist for this; the test fails if an update loses their patch.
func TestPackageInitCosts(t *testing.T) {
	t.Parallel()
	// perPackage is the most any one package's init may allocate
	// (descriptorpb's registration, 43 KB, is the largest left that is
	// not ours).
	const perPackage = 96 << 10
	tests := []struct {
		name  string
		flags []string
		// total bounds the sum over all packages.
		total int
		// known are packages allowed more than perPackage, with their
		// bound, and packages held to a tighter one.
		known map[string]int
	}{
		// Measured: 310 KB in all (157 packages).
		{name: "slim", flags: slimBuildFlags, total: 448 << 10, known: map[string]int{
			"github.com/santhosh-tekuri/jsonschema/v6":          16 << 10, // third_party/jsonschema
			"github.com/bufbuild/protocompile":                  4 << 10,  // third_party/protocompile
			"github.com/bufbuild/protocompile/linker":           4 << 10,
			"google.golang.org/protobuf/reflect/protodesc":      4 << 10, // third_party/protobuf
			"google.golang.org/protobuf/internal/encoding/json": 4 << 10,
		}},
		// The full binary adds the schema CLI, which resolves credentials
		// with loadAWSConfig: 340 KB in all (896 KB with the SDK's config
		// package, whose STS, SSO and sign-in clients build endpoint tables
		// and schemas in init).
		{name: "full", total: 448 << 10, known: map[string]int{
			"github.com/santhosh-tekuri/jsonschema/v6":          16 << 10,
			"github.com/bufbuild/protocompile":                  4 << 10,
			"github.com/bufbuild/protocompile/linker":           4 << 10,
			"google.golang.org/protobuf/reflect/protodesc":      4 << 10,
			"google.golang.org/protobuf/internal/encoding/json": 4 << 10,
		}},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			allocs := initAllocs(t, buildStartupBinary(t, dir, tc.name, ".", tc.flags...))
			total := 0
			for pkg, n := range allocs {
				total += n
				limit, ok := tc.known[pkg]
				if !ok {
					limit = perPackage
				}
				if n > limit {
					t.Errorf("init of %s allocates %d KB, want at most %d KB: build what it builds on first use", pkg, n>>10, limit>>10)
				}
			}
			t.Logf("package inits allocate %d KB in all (%d packages)", total>>10, len(allocs))
			if total > tc.total {
				t.Errorf("package inits allocate %d KB in all, want at most %d KB", total>>10, tc.total>>10)
			}
		})
	}
}

// heavySDKPackages are SDK packages (prefixes) whose inits build large
// tables at every start of a binary that links them.
var heavySDKPackages = []string{
	"github.com/aws/aws-sdk-go-v2/service/glue",
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/signin",
}

// TestNoSDKGlueClient checks that neither binary links the SDK's Glue
// client, whose package init builds 2.2 MB of serde schemas at every
// start, nor its config package, whose STS, SSO and sign-in clients build
// ~550 KB of endpoint tables and schemas: the schema commands talk to Glue
// through glueClient and resolve credentials with loadAWSConfig, and
// `schema decode` decodes with registry/serde/wire.
func TestNoSDKGlueClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		flags []string
	}{
		{name: "full"},
		{name: "slim", flags: slimBuildFlags},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"list", "-deps"}, tc.flags...), ".")
			out, err := exec.Command("go", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			n := 0
			for dep := range strings.SplitSeq(string(out), "\n") {
				n++
				for _, heavy := range heavySDKPackages {
					if strings.HasPrefix(dep, heavy) {
						t.Errorf("the %s binary links %s", tc.name, dep)
					}
				}
			}
			if n < 50 {
				t.Fatalf("go list -deps listed %d packages:\n%s", n, out)
			}
		})
	}
}
