//go:build !unix

package kinesis

import "time"

// selfCPU is not measured here; the benchmark then reports no CPU ratio.
func selfCPU() time.Duration { return 0 }
