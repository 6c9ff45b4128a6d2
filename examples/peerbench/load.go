package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one comparison's load.
type Config struct {
	Endpoints []string      // servers to compare; ratios are to the first
	PIDs      []int         // optional, the servers' process ids, to measure their CPU
	Clients   int           // concurrent clients
	Duration  time.Duration // one endpoint's run in a round
	Rounds    int           // rounds, each running every endpoint in turn
	Warmup    time.Duration // unmeasured run per endpoint before the rounds
	Batch     int           // messages per request
	Size      int           // bytes per message
	Queue     string        // queue name prefix (a fresh queue per run)
	Subs      int           // sns-fanout: SQS subscriptions on the topic
	Raw       bool          // sns-fanout: RawMessageDelivery on every subscription
}

func (c *Config) check() error {
	switch {
	case len(c.Endpoints) == 0:
		return errors.New("no endpoint")
	case c.Clients < 1:
		return fmt.Errorf("clients %d: want at least 1", c.Clients)
	case c.Duration <= 0:
		return fmt.Errorf("duration %v: want more than 0", c.Duration)
	case c.Rounds < 1:
		return fmt.Errorf("rounds %d: want at least 1", c.Rounds)
	case c.Batch < 1 || c.Batch > 10:
		return fmt.Errorf("batch %d: want 1 to 10", c.Batch)
	case c.Size < 1:
		return fmt.Errorf("size %d: want at least 1", c.Size)
	case c.Subs < 0 || c.Subs > 100:
		return fmt.Errorf("subs %d: want 1 to 100", c.Subs) // 0: not a fan-out
	case len(c.PIDs) > 0 && len(c.PIDs) != len(c.Endpoints):
		return fmt.Errorf("%d pids for %d endpoints: give one per endpoint or none", len(c.PIDs), len(c.Endpoints))
	}
	return nil
}

// Result holds the throughputs measured, in units (messages) per second:
// Rates[i][r] is endpoint i's in round r. With the servers' process ids,
// ServerCPU[i][r] and ClientCPU[i][r] are the CPU time per unit the
// server and this client spent in that run: steadier than throughput on
// a machine other work loads.
type Result struct {
	Endpoints []string
	Unit      string
	Rates     [][]float64
	ServerCPU [][]time.Duration
	ClientCPU [][]time.Duration
}

// Median is endpoint i's median rate.
func (r *Result) Median(i int) float64 { return median(r.Rates[i]) }

func median[T float64 | time.Duration](x []T) T {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Summary writes each endpoint's median rate and its ratio to the first
// endpoint's, overall and per round.
func (r *Result) Summary(w io.Writer) {
	base := r.Median(0)
	for i, ep := range r.Endpoints {
		fmt.Fprintf(w, "%-32s median %10.0f %s/s", ep, r.Median(i), r.Unit)
		if i > 0 && r.Median(i) > 0 {
			fmt.Fprintf(w, "  first/this %.2f (per round:", base/r.Median(i))
			for k, x := range r.Rates[i] {
				if x > 0 {
					fmt.Fprintf(w, " %.2f", r.Rates[0][k]/x)
				}
			}
			fmt.Fprint(w, ")")
		}
		fmt.Fprintln(w)
	}
	if len(r.ServerCPU) == 0 {
		return
	}
	total := func(i int) time.Duration { return median(r.ServerCPU[i]) + median(r.ClientCPU[i]) }
	for i, ep := range r.Endpoints {
		fmt.Fprintf(w, "%-32s median CPU per %s: server %v, client %v", ep, singular(r.Unit), median(r.ServerCPU[i]), median(r.ClientCPU[i]))
		if i > 0 && total(0) > 0 {
			fmt.Fprintf(w, "  this/first (client+server) %.2f, server %.2f", float64(total(i))/float64(total(0)),
				float64(median(r.ServerCPU[i]))/float64(median(r.ServerCPU[0])))
		}
		fmt.Fprintln(w)
	}
}

// op makes one call and returns the units it moved.
type op func(ctx context.Context, c *http.Client) (int, error)

// target prepares the state one run needs on an endpoint (a queue, say)
// and returns the run's op and a cleanup that removes that state, so that
// what a server accumulates in one run does not slow the next.
type target func(ctx context.Context, c *http.Client, run int) (op, func(context.Context) error, error)

// settler counts the units a run really moved once the ops are done (the
// deliveries a fan-out made, say), waiting for work the server finishes
// after answering; the wait counts in the run's time.
type settler func(ctx context.Context, c *http.Client, run int, sent int64) (int64, error)

// newClient returns a keep-alive HTTP client for n concurrent callers.
func newClient(n int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        n,
			MaxIdleConnsPerHost: n,
			MaxConnsPerHost:     n,
			DisableCompression:  true,
		},
	}
}

// compare runs targets (one per endpoint) in rounds and logs each run to
// log.
func compare(ctx context.Context, cfg Config, unit string, targets []target, log io.Writer) (*Result, error) {
	return compareSettled(ctx, cfg, unit, targets, nil, log)
}

// compareSettled is compare with, when settle is not nil, each run's
// units counted by settle[i] after its ops.
func compareSettled(ctx context.Context, cfg Config, unit string, targets []target, settle []settler, log io.Writer) (*Result, error) {
	clients := make([]*http.Client, len(targets))
	for i := range targets {
		clients[i] = newClient(cfg.Clients)
		defer clients[i].CloseIdleConnections()
	}
	res := &Result{Endpoints: cfg.Endpoints, Unit: unit, Rates: make([][]float64, len(targets))}
	if len(cfg.PIDs) > 0 {
		res.ServerCPU = make([][]time.Duration, len(targets))
		res.ClientCPU = make([][]time.Duration, len(targets))
	}
	// run is one measured (or, for run 0, warm-up) run on endpoint i.
	run := func(i, n int, d time.Duration) error {
		o, cleanup, err := targets[i](ctx, clients[i], n)
		if err != nil {
			return err
		}
		var s0, c0 time.Duration
		if res.ServerCPU != nil {
			s0, _ = processCPU(cfg.PIDs[i])
			c0, _ = processCPU(0)
		}
		start := time.Now()
		units, wall, err := drive(ctx, clients[i], cfg.Clients, d, o)
		if err == nil && settle != nil {
			units, err = settle[i](ctx, clients[i], n, units)
			wall = time.Since(start)
		}
		if cerr := cleanup(ctx); err == nil && cerr != nil {
			err = fmt.Errorf("cleaning up: %w", cerr)
		}
		if err != nil || n == 0 {
			return err
		}
		res.Rates[i] = append(res.Rates[i], float64(units)/wall.Seconds())
		line := fmt.Sprintf("round %d  %-32s %10.0f %s/s", n, cfg.Endpoints[i], float64(units)/wall.Seconds(), unit)
		if res.ServerCPU != nil {
			s1, ok1 := processCPU(cfg.PIDs[i])
			c1, ok2 := processCPU(0)
			if !ok1 || !ok2 || units == 0 {
				return fmt.Errorf("cannot read the CPU time of process %d (or of this one) from /proc", cfg.PIDs[i])
			}
			sc, cc := (s1-s0)/time.Duration(units), (c1-c0)/time.Duration(units)
			res.ServerCPU[i] = append(res.ServerCPU[i], sc)
			res.ClientCPU[i] = append(res.ClientCPU[i], cc)
			line += fmt.Sprintf("  CPU per %s: server %v, client %v", singular(unit), sc, cc)
		}
		fmt.Fprintln(log, line)
		return nil
	}
	if cfg.Warmup > 0 {
		for i := range targets {
			if err := run(i, 0, cfg.Warmup); err != nil {
				return nil, fmt.Errorf("warming up %s: %w", cfg.Endpoints[i], err)
			}
		}
	}
	for round := range cfg.Rounds {
		for i := range targets {
			if err := run(i, round+1, cfg.Duration); err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", round+1, cfg.Endpoints[i], err)
			}
		}
	}
	return res, nil
}

// drive runs o from n goroutines for d and returns the units moved and
// the time taken; the first error stops the run.
func drive(ctx context.Context, c *http.Client, n int, d time.Duration, o op) (int64, time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var units atomic.Int64
	var first error
	var once sync.Once
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				k, err := o(ctx, c)
				if err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				units.Add(int64(k))
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if first != nil {
		return 0, 0, first
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	return units.Load(), wall, nil
}

// singular is the singular of unit, a plural noun.
func singular(unit string) string {
	if u, ok := strings.CutSuffix(unit, "ies"); ok {
		return u + "y"
	}
	return strings.TrimSuffix(unit, "s")
}
