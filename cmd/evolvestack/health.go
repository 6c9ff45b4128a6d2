package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/handlers"
)

// health asks a running instance whether it is ready: exit 0 when it is, 1
// when it is not or cannot be reached, 2 on bad usage.
func health(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := envOr(getenv, "AWS_ENDPOINT_URL", "")
	if def == "" {
		def = "http://" + clientAddr(envOr(getenv, "EVOLVESTACK_ADDR", "127.0.0.1:4566"))
	}
	endpoint := fs.String("endpoint", def, "the instance's endpoint (default from AWS_ENDPOINT_URL or EVOLVESTACK_ADDR)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for an answer")
	quiet := fs.Bool("quiet", false, "print nothing")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "evolvestack health: unexpected arguments: %v\n", fs.Args())
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	url := strings.TrimRight(*endpoint, "/") + handlers.AdminPrefix + "health"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack health: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack health: %s unreachable: %v\n", *endpoint, err)
		return 1
	}
	defer resp.Body.Close()
	var h handlers.Health
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil || resp.StatusCode != http.StatusOK || h.Status != "ready" {
		fmt.Fprintf(stderr, "evolvestack health: %s not healthy (HTTP %d, status %q)\n", *endpoint, resp.StatusCode, h.Status)
		return 1
	}
	if !*quiet {
		fmt.Fprintf(stdout, "%s healthy (evolvestack %s)\n", *endpoint, h.Version)
	}
	return 0
}

func version(stdout io.Writer) int {
	fmt.Fprintf(stdout, "evolvestack %s\n", emulator.Version)
	return 0
}
