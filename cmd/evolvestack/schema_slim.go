//go:build evolvestack_slim

package main

import (
	"context"
	"fmt"
	"io"
)

// schema stands in for the schema CLI in slim builds (the container image),
// which leave the client-side commands and the AWS SDK clients they need
// out; serve and health are unchanged.
func schema(_ context.Context, _ []string, _, stderr io.Writer, _ func(string) string) int {
	fmt.Fprintln(stderr, "evolvestack schema: not in this build (built with -tags evolvestack_slim); use a full build: go install github.com/evolvestack/evolvestack/cmd/evolvestack@latest")
	return exitUsageSlim
}

// exitUsageSlim is the exit code of a command this build lacks.
const exitUsageSlim = 2
