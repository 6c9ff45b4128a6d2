package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

// TestDemo runs the whole story against an in-process emulator: every step
// checks itself, so a nil error means each happened as narrated.
func TestDemo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, nil, &out, noEnv); err != nil {
		t.Fatalf("demo failed: %v\noutput:\n%s", err, out.String())
	}
	for _, want := range []string{
		"✓ All 10 steps happened as narrated.",
		"o-9002: ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000000 in stream orders-faults",
		"aws-sdk-go-v2's standard retryer rode out the 2 injected throttles",
		"the stream holds each record exactly once",
		"v1      AVAILABLE  yes       handler error  6/6",
		`failing sample edge:minimal: {"amountCents":0,"customer":"","orderId":""}`,
		"FAIL: under BACKWARD the handler (reader v2) must read v1",
		"OK: the handler reads every version BACKWARD promises to reader v2",
		`version 1 (DescribeSchema, OpenApi3): detail OrderPlaced {amountCents: integer, customer: string, orderId: string}`,
		`version 2 (DescribeSchema, OpenApi3): detail OrderPlaced {amountCents: integer, couponCode: string, customer: string, orderId: string}`,
		"backward compatible (version 2 reads version 1 events): false",
		"• #/properties/detail/properties/couponCode [required-added-to-closed-model]",
		"version 2 is not backward compatible with version 1, and /detail/couponCode decides it",
		`o-7101  Order v1        (OrderPlaced)     {"orderId":"o-7101","customer":"grace","amountCents":4200}`,
		`o-7001  Order v2        (OrderPlaced)     {"orderId":"o-7001","customer":"ada","amountCents":1990,"couponCode":"ROUTED"}`,
		"the OrderRefunded event matched no rule and went nowhere",
		`o-6001  Order v2        (raw)             {"orderId":"o-6001","customer":"ada","amountCents":2500,"couponCode":"FANOUT"}`,
		`o-6002  Order v2        (envelope)        {"orderId":"o-6002","customer":"ken","amountCents":310,"couponCode":null}`,
		"both signatures verify (SignatureVersion 2",
		`o-2101  Order v1        → Order v2        {"orderId":"o-2101","customer":"grace","amountCents":1700,"couponCode":null}`,
		`e-3002  OrderEvents v2  → OrderEvents v1  {"eventId":"e-3002","orderId":"o-1002","status":"SHIPPED","customer":"grace"}`,
		"• OrderEvent.customer [reader-field-missing-default]",
		"• Order.warehouse [reader-field-missing-default]",
		`"KinesisBatchInfo": {`,
		"bisecting isolated the poison record",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q; output:\n%s", want, out.String())
		}
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "  ✗ ") {
			t.Errorf("output reports a failed check %q; output:\n%s", line, out.String())
		}
	}
}

func TestArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want error
	}{
		{"unknown flag", []string{"-nope"}, errUsage},
		{"positional argument", []string{"extra"}, errUsage},
		{"non-positive wait", []string{"-wait", "0s"}, errUsage},
		{"help", []string{"-h"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(context.Background(), tt.args, &out, noEnv)
			if tt.want == nil {
				if err == nil || !strings.Contains(out.String(), "-endpoint") {
					t.Fatalf("run(%q) = %v, output %q; want usage and flag.ErrHelp", tt.args, err, out.String())
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("run(%q) = %v, want %v", tt.args, err, tt.want)
			}
		})
	}
}

// TestRemoteUnreachable checks that -endpoint with nothing listening fails
// clearly instead of hanging.
func TestRemoteUnreachable(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-endpoint", "http://127.0.0.1:1"}, &out, noEnv)
	if err == nil || !strings.Contains(err.Error(), "is evolvestack running at http://127.0.0.1:1?") {
		t.Fatalf("run = %v, want a connection error naming the endpoint; output:\n%s", err, out.String())
	}
}

func TestOrderedJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		fields         []string
	}{
		{"schema order", `{"b":2,"a":1}`, `{"a":1,"b":2}`, []string{"a", "b"}},
		{"reversed", `{"a":1,"b":2}`, `{"b":2,"a":1}`, []string{"b", "a"}},
		{"absent field skipped", `{"a":1}`, `{"a":1}`, []string{"x", "a"}},
		{"unnamed fields last", `{"z":true,"a":1}`, `{"a":1,"z":true}`, []string{"a"}},
		{"not an object", `[1]`, `[1]`, []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := orderedJSON(tt.fields, []byte(tt.in)); got != tt.want {
				t.Fatalf("orderedJSON(%v, %s) = %s, want %s", tt.fields, tt.in, got, tt.want)
			}
		})
	}
}
