//go:build unix

package eventmatch

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU adds the process CPU time per operation spent since start, a
// figure less disturbed than wall time when other work shares the machine.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
