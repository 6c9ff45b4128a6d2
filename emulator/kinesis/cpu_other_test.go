//go:build !unix

package kinesis_test

import "time"

// processCPU is not measured here; benchmarks then leave the CPU metrics
// out.
func processCPU() time.Duration { return 0 }
