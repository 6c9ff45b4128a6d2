// Command peerbench measures the throughput of AWS-emulating servers side
// by side, as a client on the same machine sees it: each round runs the
// same load against every endpoint in turn (A, B, A, B, ...), so that
// drifting machine load meets them alike, and the summary gives each
// endpoint's median and its ratio to the first endpoint's; given the
// servers' process ids (--pid, Linux), also the CPU time each server and
// the client spent per message, which load from other work disturbs less
// than throughput.
//
// Usage:
//
//	go run ./examples/peerbench sqs-batch --endpoint http://127.0.0.1:4566 \
//	    --endpoint http://127.0.0.1:4100 --clients 4 --duration 10s --rounds 3
//
// sqs-batch sends awsQuery SendMessageBatch requests (--batch messages of
// --size bytes each) to a fresh queue per run (deleted after it, so that
// messages kept from earlier runs slow no server down) from --clients
// concurrent keep-alive connections. It uses a lean form client rather
// than an SDK (aws-sdk-go-v2 speaks awsJson to SQS, which older emulators
// such as goaws v0.4.5 do not) and checks that every answer is a 200
// listing every message as sent.
//
// sns-fanout creates a topic with --subs SQS queue subscriptions
// (RawMessageDelivery with --raw) per run, publishes --size-byte messages
// with one String attribute over awsQuery from --clients clients, and
// reports SQS deliveries per second: the queues' message counts once every
// delivery has landed (the wait counts in the run's time), after checking
// one delivery's body.
//
//	go run ./examples/peerbench sns-fanout --endpoint http://127.0.0.1:4566 \
//	    --endpoint http://127.0.0.1:4100 --subs 5 --clients 4 --duration 10s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// endpoints collects repeated --endpoint flags.
type endpoints []string

func (e *endpoints) String() string     { return strings.Join(*e, ",") }
func (e *endpoints) Set(s string) error { *e = append(*e, strings.TrimRight(s, "/")); return nil }

// pidList collects repeated --pid flags.
type pidList []int

func (p *pidList) String() string { return fmt.Sprint(*p) }
func (p *pidList) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return fmt.Errorf("pid %q: want a positive integer", s)
	}
	*p = append(*p, n)
	return nil
}

// run is the command with its arguments and outputs; it returns the exit
// status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "sqs-batch" && args[0] != "sns-fanout" {
		fmt.Fprintln(stderr, "usage: peerbench sqs-batch|sns-fanout --endpoint URL [--endpoint URL ...] [flags]")
		return 2
	}
	mode := args[0]
	fs := flag.NewFlagSet("peerbench "+mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var eps endpoints
	fs.Var(&eps, "endpoint", "endpoint URL to measure (repeat to compare; ratios are to the first)")
	var pids pidList
	fs.Var(&pids, "pid", "process id of each endpoint's server, in the same order (optional, Linux): report CPU per message")
	cfg := Config{}
	fs.IntVar(&cfg.Clients, "clients", 4, "concurrent clients, each on its own keep-alive connection")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "length of one endpoint's run in a round")
	fs.IntVar(&cfg.Rounds, "rounds", 3, "rounds (each runs every endpoint once, in turn)")
	fs.DurationVar(&cfg.Warmup, "warmup", time.Second, "unmeasured load per endpoint before the first round")
	fs.IntVar(&cfg.Batch, "batch", 10, "messages per SendMessageBatch request (1-10)")
	fs.IntVar(&cfg.Size, "size", 100, "bytes per message body")
	fs.StringVar(&cfg.Queue, "queue", "peerbench", "prefix of the queues (and topics) created (and deleted) for each run")
	subs := fs.Int("subs", 5, "sns-fanout: SQS subscriptions on the topic")
	fs.BoolVar(&cfg.Raw, "raw", false, "sns-fanout: RawMessageDelivery on every subscription")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(eps) == 0 {
		fmt.Fprintln(stderr, "peerbench: at least one --endpoint is required")
		return 2
	}
	cfg.Endpoints, cfg.PIDs = eps, pids
	var res *Result
	var err error
	if mode == "sns-fanout" {
		cfg.Subs = *subs
		res, err = SNSFanout(ctx, cfg, stdout)
	} else {
		res, err = SQSBatch(ctx, cfg, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "peerbench:", err)
		return 1
	}
	res.Summary(stdout)
	return 0
}
