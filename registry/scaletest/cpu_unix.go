//go:build unix

package scaletest

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time (user and system) the process has used, or 0
// where it cannot be read. On a machine others load, the CPU time a
// benchmark's iterations cost varies far less than their wall time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
