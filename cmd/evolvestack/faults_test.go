package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

func TestFaultsCmd(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	getenv := func(k string) string {
		if k == "AWS_ENDPOINT_URL" {
			return e.Endpoint()
		}
		return ""
	}
	steps := []struct {
		name     string
		args     []string
		code     int
		stdout   string // substring
		stderr   string // substring
		wantList int    // rules afterwards (-1: not checked)
	}{
		{"unknown flag", []string{"add", "--id-less"}, 2, "", "flag provided but not defined", 0},
		{"add flags", []string{"add", "--service", "kinesis", "--operation", "PutRecord", "--error", "ProvisionedThroughputExceededException", "--count", "2"}, 0, `"id": "f-1"`, "", 1},
		{"add JSON", []string{"add", `{"id":"slow","service":"sqs","latency":{"min":"10ms","max":"20ms"},"when":"after"}`}, 0, `"id": "slow"`, "", 2},
		{"add latency flag", []string{"add", "--service", "sns", "--latency", "5ms..9ms", "--probability", "0.5", "--seed", "4"}, 0, `"min": "5ms"`, "", 3},
		{"add window flag", []string{"add", "--service", "sns", "--status", "503", "--window", "2026-01-01T00:00:00Z.."}, 0, `"from": "2026-01-01T00:00:00Z"`, "", 4},
		{"add invalid locally", []string{"add", "--service", "sqs", "--status", "404"}, 2, "", "between 500 and 599", 4},
		{"add both forms", []string{"add", "--service", "sqs", `{"service":"sqs","status":503}`}, 2, "", "not both", 4},
		{"duplicate id refused by the instance", []string{"add", `{"id":"slow","service":"sqs","status":503}`}, 1, "", `HTTP 400: fault rule: id "slow" is in use`, 4},
		{"list", []string{"list"}, 0, `"service": "kinesis"`, "", 4},
		{"clear one", []string{"clear", "slow"}, 0, `"removed": "slow"`, "", 3},
		{"clear unknown", []string{"clear", "slow"}, 1, "", "HTTP 404", 3},
		{"preset", []string{"preset", "poison-lambda", "function=fn", "kind=timeout"}, 0, `"lambda": "timeout"`, "", 4},
		{"preset bad parameter", []string{"preset", "poison-lambda", "function"}, 2, "", "not key=value", 4},
		{"preset unknown", []string{"preset", "nope"}, 1, "", "no fault preset", 4},
		{"clear all", []string{"clear"}, 0, `"rules": []`, "", 0},
		{"log", []string{"log"}, 0, `"fault": "status 503"`, "", 0},
		{"unknown subcommand", []string{"explode"}, 2, "", "unknown subcommand", 0},
		{"unreachable", []string{"list", "--endpoint", "http://127.0.0.1:1"}, 1, "", "unreachable", -1},
	}
	for _, s := range steps {
		if s.name == "log" {
			// Something fired: the hooks log through the same Faults.
			if _, err := e.Faults().Add(mustRule(t, `{"service":"kinesis","status":503}`)); err != nil {
				t.Fatal(err)
			}
			if e.Faults().Match(ctx, awsapi.FaultCall{Service: "kinesis", Operation: "PutRecord"}) == nil {
				t.Fatal("no fault")
			}
			e.Faults().Clear()
		}
		var out, errOut bytes.Buffer
		code := faultsCmd(ctx, s.args, &out, &errOut, getenv)
		if code != s.code || !strings.Contains(out.String(), s.stdout) || !strings.Contains(errOut.String(), s.stderr) {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q; want %d, %q, %q", s.name, code, out.String(), errOut.String(), s.code, s.stdout, s.stderr)
		}
		if s.wantList >= 0 && len(e.Faults().List()) != s.wantList {
			t.Fatalf("%s: %d rules, want %d", s.name, len(e.Faults().List()), s.wantList)
		}
	}
}

func TestFaultsCmdUsage(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := faultsCmd(context.Background(), nil, &out, &errOut, func(string) string { return "" }); code != 2 || !strings.Contains(errOut.String(), "evolvestack faults add") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

func mustRule(t *testing.T, s string) (r faults.Rule) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return r
}
