package faults

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Presets lists the preset names Expand knows, with what they do and
// their parameters.
func Presets() map[string]string {
	return map[string]string{
		"throttled-stream": "Kinesis writes and reads of stream (default *) fail with ProvisionedThroughputExceededException, " +
			"and PutRecords entries fail, with probability (default 0.3) and seed (default 1); count limits each rule",
		"flaky-network": "calls to service (default *) get 50ms..500ms of latency, a dropped connection or an empty 503, " +
			"each with probability (default 0.05) and seed (default 1)",
		"poison-lambda": "invocations of function (required) fail with kind (crash, error, timeout, oom or throttle; default crash), " +
			"every (default 1) Kth invocation, count times (default no limit)",
	}
}

// Expand returns the rules of the named preset for params (string values,
// as the CLI's key=value and the admin API's JSON object give them).
func Expand(name string, params map[string]string) ([]Rule, error) {
	p := presetParams{name: name, m: params}
	var rules []Rule
	switch name {
	case "throttled-stream":
		stream := p.str("stream", "*")
		prob, seed, count := p.float("probability", 0.3), p.uint("seed", 1), p.int("count", 0)
		for i, op := range []string{"PutRecord", "GetRecords"} {
			rules = append(rules, Rule{Service: "kinesis", Operation: op, Resource: stream, Error: "ProvisionedThroughputExceededException",
				Probability: prob, Seed: seed + uint64(i), Count: count})
		}
		rules = append(rules, Rule{Service: "kinesis", Operation: "PutRecords", Resource: stream,
			Entries: &Entries{Random: prob, Error: "ProvisionedThroughputExceededException"}, Seed: seed + 2, Count: count})
	case "flaky-network":
		svc := p.str("service", "*")
		prob, seed := p.float("probability", 0.05), p.uint("seed", 1)
		rules = []Rule{
			{Service: svc, Reset: true, Probability: prob, Seed: seed},
			{Service: svc, Status: 503, Probability: prob, Seed: seed + 1},
			{Service: svc, Latency: &Latency{Min: 50e6, Max: 500e6}, Probability: prob, Seed: seed + 2},
		}
	case "poison-lambda":
		fn := p.str("function", "")
		if fn == "" && p.err == nil {
			p.err = fmt.Errorf("preset poison-lambda needs function (a name, ARN or glob)")
		}
		rules = []Rule{{Service: "lambda", Resource: fn, Lambda: p.str("kind", LambdaCrash), Every: p.int("every", 1), Count: p.int("count", 0)}}
	default:
		names := make([]string, 0, 3)
		for n := range Presets() {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("no fault preset %q (one of %s)", name, strings.Join(names, ", "))
	}
	for k := range params {
		if !slices.Contains(p.used, k) {
			return nil, fmt.Errorf("preset %s takes no parameter %q", name, k)
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	for i := range rules {
		if err := rules[i].Validate(); err != nil {
			return nil, fmt.Errorf("preset %s: %w", name, err)
		}
	}
	return rules, nil
}

type presetParams struct {
	name string
	m    map[string]string
	used []string
	err  error
}

func (p *presetParams) str(k, def string) string {
	p.used = append(p.used, k)
	if v, ok := p.m[k]; ok {
		return v
	}
	return def
}

func (p *presetParams) fail(k, v, what string) {
	if p.err == nil {
		p.err = fmt.Errorf("preset %s: %s %q is not %s", p.name, k, v, what)
	}
}

func (p *presetParams) float(k string, def float64) float64 {
	v := p.str(k, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.fail(k, v, "a number")
	}
	return f
}

func (p *presetParams) int(k string, def int) int {
	v := p.str(k, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(k, v, "an integer")
	}
	return n
}

func (p *presetParams) uint(k string, def uint64) uint64 {
	v := p.str(k, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		p.fail(k, v, "an unsigned integer")
	}
	return n
}
