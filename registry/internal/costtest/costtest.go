// Package costtest helps the definition-limit tests bound what parsing or
// comparing a schema costs: the bytes a call allocates and how long it
// takes, with time bounds stretched under the race detector.
package costtest

import (
	"runtime"
	"time"
)

// Measure runs f once and returns the bytes allocated meanwhile and the
// time it took. The allocation figure counts every goroutine, so a test
// that relies on it must not run in parallel with others (Go runs
// sequential top-level tests while parallel ones are paused).
func Measure(f func()) (allocated uint64, took time.Duration) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// Slack is the factor time bounds are multiplied by: 1, or 20 under the
// race detector, which slows allocation-heavy code that much.
func Slack() time.Duration {
	if raceEnabled {
		return 20
	}
	return 1
}

// RaceEnabled reports whether the race detector is on.
func RaceEnabled() bool { return raceEnabled }
