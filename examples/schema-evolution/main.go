// Command schema-evolution walks through schema evolution with the Glue
// Schema Registry, Kinesis and Lambda on evolvestack, and checks every step:
// it exits non-zero if anything does not happen as narrated.
//
//	go run ./examples/schema-evolution                        # in-process emulator
//	go run ./examples/schema-evolution -endpoint http://127.0.0.1:4566
//
// The binary is also the demo's Lambda function: started with
// AWS_LAMBDA_RUNTIME_API set (as Lambda starts a provided.al2023
// bootstrap), it runs the consumer handler instead of the demo. Against a
// running evolvestack the demo zips its own executable as the function's
// bootstrap, so build it static (CGO_ENABLED=0) for the emulator's OS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		runFunction()
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Getenv)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "schema-evolution: %v\n", err)
		os.Exit(1)
	}
}
