package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/handlers"
)

const faultsUsage = `usage:
  evolvestack faults add [flags] ['{"service":"kinesis","error":"ProvisionedThroughputExceededException","count":2}']
  evolvestack faults list|log [--endpoint URL]
  evolvestack faults clear [--endpoint URL] [ID]
  evolvestack faults preset [--endpoint URL] NAME [key=value ...]
flags: --endpoint URL (default from AWS_ENDPOINT_URL or EVOLVESTACK_ADDR), --token (EVOLVESTACK_ADMIN_TOKEN);
add: --service --operation --resource --account --region --access-key --error --message --status --latency
     --when --reset --lambda --probability --seed --count --every, or the rule as one JSON argument`

// faultsCmd manages a running instance's fault injection rules through its
// admin API: exit 0 on success, 1 when the instance refuses or cannot be
// reached, 2 on bad usage.
func faultsCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, faultsUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("faults "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := envOr(getenv, "AWS_ENDPOINT_URL", "")
	if def == "" {
		def = "http://" + clientAddr(envOr(getenv, "EVOLVESTACK_ADDR", "127.0.0.1:4566"))
	}
	endpoint := fs.String("endpoint", def, "the instance's endpoint")
	token := fs.String("token", getenv("EVOLVESTACK_ADMIN_TOKEN"), "the admin token of a strict-mode instance")
	var r faults.Rule
	var latency, window string
	if sub == "add" {
		fs.StringVar(&r.Service, "service", "", "service (kinesis, sqs, sns, events, glue, lambda, schemas; a glob)")
		fs.StringVar(&r.Operation, "operation", "", "operation (a glob)")
		fs.StringVar(&r.Resource, "resource", "", "resource name or ARN (a glob)")
		fs.StringVar(&r.Account, "account", "", "account (a glob)")
		fs.StringVar(&r.Region, "region", "", "region (a glob)")
		fs.StringVar(&r.AccessKey, "access-key", "", "the caller's access key (a glob)")
		fs.StringVar(&r.Error, "error", "", "AWS error code to answer")
		fs.StringVar(&r.Message, "message", "", "error message")
		fs.IntVar(&r.Status, "status", 0, "HTTP status (alone: with an empty body)")
		fs.StringVar(&latency, "latency", "", "latency: 250ms, or 100ms..300ms for a uniform range")
		fs.StringVar(&r.When, "when", "", "before or after the operation takes effect")
		fs.BoolVar(&r.Reset, "reset", false, "drop the connection")
		fs.StringVar(&r.Lambda, "lambda", "", "Lambda handler fault: throttle, timeout, crash, error or oom")
		fs.Float64Var(&r.Probability, "probability", 0, "probability a matching call fails")
		fs.Uint64Var(&r.Seed, "seed", 0, "seed of the rule's generator")
		fs.IntVar(&r.Count, "count", 0, "fail the next N matching calls only")
		fs.IntVar(&r.Every, "every", 0, "fail each Kth matching call")
		fs.StringVar(&window, "window", "", "virtual-time window FROM..UNTIL (RFC 3339; either may be empty)")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	c := adminClient{endpoint: strings.TrimRight(*endpoint, "/"), token: *token, stdout: stdout, stderr: stderr, sub: sub}
	rest := fs.Args()
	switch sub {
	case "add":
		body, err := ruleBody(fs, &r, latency, window, rest)
		if err != nil {
			fmt.Fprintf(stderr, "evolvestack faults add: %v\n", err)
			return 2
		}
		return c.do(ctx, http.MethodPost, "faults", body)
	case "list", "log":
		if len(rest) > 0 {
			return c.usage("unexpected arguments: %v", rest)
		}
		path := "faults"
		if sub == "log" {
			path = "faults/log"
		}
		return c.do(ctx, http.MethodGet, path, nil)
	case "clear":
		switch len(rest) {
		case 0:
			return c.do(ctx, http.MethodDelete, "faults", nil)
		case 1:
			return c.do(ctx, http.MethodDelete, "faults/"+url.PathEscape(rest[0]), nil)
		}
		return c.usage("clear takes at most one rule id")
	case "preset":
		if len(rest) == 0 {
			return c.usage("preset needs a name (one of throttled-stream, flaky-network, poison-lambda)")
		}
		params := map[string]string{}
		for _, kv := range rest[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return c.usage("preset parameter %q is not key=value", kv)
			}
			params[k] = v
		}
		body, _ := json.Marshal(params)
		return c.do(ctx, http.MethodPost, "faults/presets/"+url.PathEscape(rest[0]), body)
	}
	return c.usage("unknown subcommand %q", sub)
}

// ruleBody is the JSON of the rule: the one JSON argument, or the flags.
func ruleBody(fs *flag.FlagSet, r *faults.Rule, latency, window string, rest []string) ([]byte, error) {
	if len(rest) > 1 {
		return nil, fmt.Errorf("unexpected arguments: %v", rest[1:])
	}
	if len(rest) == 1 {
		set := 0
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "endpoint" && f.Name != "token" {
				set++
			}
		})
		if set > 0 {
			return nil, errors.New("give the rule as JSON or as flags, not both")
		}
		if _, err := faults.ParseRule([]byte(rest[0])); err != nil {
			return nil, err
		}
		return []byte(rest[0]), nil
	}
	if latency != "" {
		lo, hi, ok := strings.Cut(latency, "..")
		if !ok {
			hi = lo
		}
		l := &faults.Latency{}
		b, _ := json.Marshal(map[string]string{"min": lo, "max": hi})
		if err := l.UnmarshalJSON(b); err != nil {
			return nil, err
		}
		r.Latency = l
	}
	if window != "" {
		from, until, ok := strings.Cut(window, "..")
		if !ok {
			return nil, errors.New("window must be FROM..UNTIL")
		}
		w := &faults.Window{}
		for _, p := range []struct {
			s string
			t *time.Time
		}{{from, &w.From}, {until, &w.Until}} {
			if p.s == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, p.s)
			if err != nil {
				return nil, fmt.Errorf("window bound %q is not an RFC 3339 time", p.s)
			}
			*p.t = t
		}
		r.Window = w
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(r)
}

type adminClient struct {
	endpoint, token, sub string
	stdout, stderr       io.Writer
}

func (c adminClient) usage(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "evolvestack faults: "+format+"\n", args...)
	fmt.Fprintln(c.stderr, faultsUsage)
	return 2
}

// do calls the admin API and prints its JSON answer (indented) on stdout,
// or its error on stderr.
func (c adminClient) do(ctx context.Context, method, path string, body []byte) int {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint+handlers.AdminPrefix+path, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(c.stderr, "evolvestack faults %s: %v\n", c.sub, err)
		return 2
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(c.stderr, "evolvestack faults %s: %s unreachable: %v\n", c.sub, c.endpoint, err)
		return 1
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		fmt.Fprintf(c.stderr, "evolvestack faults %s: reading the answer: %v\n", c.sub, err)
		return 1
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(raw))
		}
		fmt.Fprintf(c.stderr, "evolvestack faults %s: HTTP %d: %s\n", c.sub, resp.StatusCode, e.Error)
		return 1
	}
	var out bytes.Buffer
	if json.Indent(&out, raw, "", "  ") != nil {
		out.Reset()
		out.Write(raw)
	}
	out.WriteByte('\n')
	_, _ = c.stdout.Write(out.Bytes())
	return 0
}
