package registry_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry"
	"github.com/evolvestack/evolvestack/registry/internal/costtest"
	"github.com/evolvestack/evolvestack/registry/scaletest"
)

// The scale case of the issue (see scaletest): 1,000 versions, each adding
// an optional field, then one more under BACKWARD_ALL.

const scaleVersions = scaletest.Versions

type scaleFormat = scaletest.Format

func scaleFormats() []scaleFormat { return scaletest.Formats() }

// seedScale creates schema "orders" holding versions 1..n of f, checkpoint
// 1, mode BACKWARD_ALL. The versions are registered under NONE and the mode
// set afterwards: the state is the one registering every version under
// BACKWARD_ALL reaches (every version reads its predecessors), without
// paying for n checks to get there.
//
// With parallel set the versions are registered from as many goroutines as
// there are CPUs (parsing runs outside the engine's lock), so their numbers
// do not follow their field counts; each is still a prefix of the next
// ones, so the checks of a new version are the same.
func seedScale(tb testing.TB, e *registry.Engine, f scaleFormat, n int, parallel bool) registry.SchemaRef {
	tb.Helper()
	if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "orders", DataFormat: f.DataFormat, Compatibility: registry.ModeNone, Definition: f.Version(1)}); err != nil {
		tb.Fatal(err)
	}
	ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
	workers := 1
	if parallel {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				if _, err := e.RegisterSchemaVersion(ref, f.Version(i)); err != nil {
					tb.Error(err)
				}
			}
		})
	}
	for i := 2; i <= n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	mode := registry.ModeBackwardAll
	if _, err := e.UpdateSchema(registry.UpdateSchemaInput{Schema: ref, Checkpoint: &registry.VersionNumber{Number: 1}, Compatibility: &mode}); err != nil {
		tb.Fatal(err)
	}
	return ref
}

// registerScale registers version n and requires it to pass.
func registerScale(tb testing.TB, e *registry.Engine, ref registry.SchemaRef, f scaleFormat, n int) {
	tb.Helper()
	v, err := e.RegisterSchemaVersion(ref, f.Version(n))
	if err != nil {
		tb.Fatal(err)
	}
	if v.Status != registry.StatusAvailable || v.Number != int64(n) {
		tb.Fatalf("version %d: status %s number %d, findings %+v", n, v.Status, v.Number, v.Findings)
	}
}

// BenchmarkRegisterAfter1000Versions is the case through the
// engine: each iteration registers one more version (one more optional
// field) under BACKWARD_ALL after 1,000.
func BenchmarkRegisterAfter1000Versions(b *testing.B) {
	for _, f := range scaleFormats() {
		b.Run(f.Name, func(b *testing.B) {
			e := newEngine(b)
			ref := seedScale(b, e, f, scaleVersions, false)
			n := scaleVersions
			b.ReportAllocs()
			runtime.GC() // the seeding's garbage, not the loop's
			b.ResetTimer()
			cpu := scaletest.CPUTime()
			for b.Loop() {
				n++
				registerScale(b, e, ref, f, n)
			}
			b.StopTimer()
			// Process CPU (server, client and collector) per registration:
			// steadier than ns/op when other work loads the machine.
			b.ReportMetric(float64(scaletest.CPUTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
			heap, rss := memory()
			b.ReportMetric(heap, "heap-MB")
			b.ReportMetric(rss, "rss-MB")
			runtime.KeepAlive(e)
		})
	}
}

// TestRegisterAfter1000VersionsBounded bounds the case in every
// format: after 1,000 versions of up to 1,000 fields the engine holds at
// most 150 MB of heap, and one more version under BACKWARD_ALL takes well
// under a second. Before the compact per-version forms of every format the
// heap held 384 MB (Avro), 1,030 MB (JSON) and 420 MB (PROTOBUF), and a
// registration cost 560 ms, 160-250 ms and 7-10 s; after, 43, 28 and 31 MB
// and 7-8, 8-11 and 16-19 ms of CPU (BenchmarkRegisterAfter1000Versions
// measures it). The time bound is loose so a busy machine passes, but a
// check that goes quadratic again fails it.
func TestRegisterAfter1000VersionsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 1,000 versions")
	}
	for _, f := range scaleFormats() {
		t.Run(f.Name, func(t *testing.T) {
			e := newEngine(t)
			ref := seedScale(t, e, f, scaleVersions, true)
			// The median of a few registrations, so one GC pause or a
			// busy neighbour does not decide.
			var took []time.Duration
			for i := 1; i <= 5; i++ {
				_, d := costtest.Measure(func() { registerScale(t, e, ref, f, scaleVersions+i) })
				took = append(took, d)
			}
			median := sortedDurations(took)[len(took)/2]
			limit := 500 * time.Millisecond
			if costtest.RaceEnabled() {
				limit *= 10
			}
			t.Logf("registration after %d versions: median %v (limit %v), all %v", scaleVersions, median, limit, took)
			if median > limit {
				t.Errorf("registering after %d versions took %v, want at most %v", scaleVersions, median, limit)
			}
			heap, rss := memory()
			t.Logf("with %d versions: heap %.1f MB, process RSS %.1f MB", scaleVersions+5, heap, rss)
			if heap > 150 {
				t.Errorf("heap with %d versions is %.1f MB, want at most 150 MB", scaleVersions+5, heap)
			}
			runtime.KeepAlive(e)
		})
	}
}

// memory returns the live heap after a collection and the process's
// resident set (0 where /proc is missing), in MB.
func memory() (heap, rss float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap = float64(ms.HeapAlloc) / (1 << 20)
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
				rss = float64(kb) / 1024
			}
		}
	}
	return heap, rss
}

func sortedDurations(d []time.Duration) []time.Duration {
	out := append([]time.Duration(nil), d...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
