package provision_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/provision"
)

const faultsYAML = `
faults:
  - service: kinesis
    operation: PutRecord
    resource: orders
    error: ProvisionedThroughputExceededException
    count: 2
  - id: slow
    service: sqs
    latency: {min: 100ms, max: 300ms}
    when: after
    probability: 0.5
    seed: 7
    window: {from: 2026-01-01T00:00:00Z, until: 2026-01-02T00:00:00Z}
  - service: kinesis
    operation: PutRecords
    entries: {indexes: [0, 2], error: InternalFailure}
  - service: lambda
    resource: fn
    lambda: crash
    every: 2
`

func TestFaultsParseAndApply(t *testing.T) {
	t.Parallel()
	f, err := provision.Parse("init.yaml", []byte(faultsYAML))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Faults) != 4 {
		t.Fatalf("%d faults", len(f.Faults))
	}
	slow := f.Faults[1]
	if slow.Latency == nil || slow.Latency.Min != 100*time.Millisecond || slow.Latency.Max != 300*time.Millisecond ||
		slow.Window == nil || !slow.Window.From.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || slow.Seed != 7 {
		t.Fatalf("slow rule %+v", slow)
	}
	if e := f.Faults[2].Entries; e == nil || len(e.Indexes) != 2 || e.Error != "InternalFailure" {
		t.Fatalf("entries %+v", e)
	}
	clk := clock.New()
	defer clk.Close()
	fs := faults.New(faults.Config{Clock: clk})
	target := provision.Target{Services: func(string, awsapi.Scope) any { return nil }, Default: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Faults: fs}
	rep, err := f.Apply(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Created, ",") != "fault rule provision-1,fault rule slow,fault rule provision-3,fault rule provision-4" {
		t.Fatalf("created %v", rep.Created)
	}
	// Applying again changes nothing.
	rep, err = f.Apply(context.Background(), target)
	if err != nil || len(rep.Created) != 0 || len(rep.Unchanged) != 4 || len(fs.List()) != 4 {
		t.Fatalf("second apply: %+v, %v; %d rules", rep, err, len(fs.List()))
	}
	if d := fs.Match(context.Background(), awsapi.FaultCall{Service: "kinesis", Operation: "PutRecord", Resources: []string{"orders"}}); d == nil || d.Error == nil || d.Rule != "provision-1" {
		t.Fatalf("fault %+v", d)
	}
	target.Faults = nil
	if _, err := f.Apply(context.Background(), target); err == nil || !strings.Contains(err.Error(), "Target.Faults is nil") {
		t.Fatalf("error %v", err)
	}
}

func TestFaultsParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"no service", "faults:\n  - status: 503\n", []string{"2: fault: service is required"}},
		{"two problems", "faults:\n  - service: sqs\n    status: 404\n    when: during\n", []string{"2: fault: status 404 must be between 500 and 599", `2: fault: when "during" must be before or after`}},
		{"second rule", "faults:\n  - service: sqs\n    reset: true\n  - service: lambda\n    lambda: boom\n", []string{`4: fault: lambda "boom" must be`}},
		{"duplicate id", "faults:\n  - {id: a, service: sqs, reset: true}\n  - {id: a, service: sns, reset: true}\n", []string{`3: fault id "a" is already declared at line 2`}},
		{"unknown key", "faults:\n  - service: sqs\n    reset: true\n    resets: 2\n", []string{`4: unknown field "resets"`}},
		{"bad latency", "faults:\n  - service: sqs\n    latency: soon\n", []string{"not a duration"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := provision.Parse("init.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("parsed")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
