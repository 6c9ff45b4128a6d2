// Command evolvestack runs the evolvestack AWS emulator: Kinesis, SQS, SNS,
// EventBridge and its Schemas registry, the Glue Schema Registry and Lambda
// on one port, for testing event-driven handlers with the real AWS SDKs.
//
// Usage:
//
//	evolvestack [serve] [flags]   run the emulator (default 127.0.0.1:4566)
//	evolvestack health [--endpoint URL]
//	evolvestack data export|import [--data-dir DIR | --endpoint URL] [FILE]
//	evolvestack version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr, getenv)
	case "health":
		return health(ctx, args, stdout, stderr, getenv)
	case "schema":
		return schema(ctx, args, stdout, stderr, getenv)
	case "faults":
		return faultsCmd(ctx, args, stdout, stderr, getenv)
	case "data":
		return dataCmd(ctx, args, stdout, stderr, getenv)
	case "version":
		return version(stdout)
	case "help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "evolvestack: unknown command %q\n", cmd)
		usage(stderr)
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  evolvestack [serve] [flags]          run the emulator
  evolvestack health [--endpoint URL]  exit 0 when a running instance is healthy
  evolvestack schema COMMAND ...       check, register, get, list, diff, decode, matrix Glue schemas
  evolvestack faults COMMAND ...       add, list, clear, log, preset fault injection rules
  evolvestack data export|import ...   save or load a stack's state as JSON lines
  evolvestack version                  print the version

Run 'evolvestack serve -h' for the server's flags.
`)
}
