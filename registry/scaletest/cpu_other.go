//go:build !unix

package scaletest

import "time"

// CPUTime is the CPU time the process has used; 0 on this platform.
func CPUTime() time.Duration { return 0 }
