package faults_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

func TestDeliveryFaults(t *testing.T) {
	t.Parallel()
	scope := awsapi.Scope{Account: "111122223333", Region: "eu-west-1"}
	const queue = "arn:aws:sqs:eu-west-1:111122223333:orders"
	tests := []struct {
		name             string
		rule             faults.Rule
		wantBefore       bool
		wantAfter        bool
		wantCode         string
		wantStatus       int
		wantReset, match bool
	}{
		{name: "error", rule: faults.Rule{Error: "InternalError"}, match: true, wantBefore: true, wantCode: "InternalError", wantStatus: 500},
		{name: "error after", rule: faults.Rule{Error: "RequestThrottled", When: faults.After}, match: true, wantAfter: true, wantCode: "RequestThrottled", wantStatus: 400},
		{name: "empty status", rule: faults.Rule{Status: 503}, match: true, wantBefore: true, wantCode: "UnknownError", wantStatus: 503},
		{name: "reset", rule: faults.Rule{Reset: true}, match: true, wantBefore: true, wantReset: true},
		{name: "latency only", rule: faults.Rule{Latency: &faults.Latency{Min: 1, Max: 1}}, match: true},
		{name: "other account", rule: faults.Rule{Account: "999999999999", Error: "InternalError"}},
		{name: "other queue", rule: faults.Rule{Resource: "payments", Error: "InternalError"}},
		{name: "access key", rule: faults.Rule{AccessKey: "AKIA*", Error: "InternalError"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := faults.New(faults.Config{})
			if faults.MatchDelivery(context.Background(), fs, "sqs", "SendMessage", queue, scope, "") != nil {
				t.Fatal("a fault without rules")
			}
			r := tc.rule
			r.Service, r.Operation = "sqs", "SendMessage"
			if _, err := fs.Add(r); err != nil {
				t.Fatal(err)
			}
			f := faults.MatchDelivery(context.Background(), fs, "sqs", "SendMessage", queue, scope, "req-1")
			if (f != nil) != tc.match {
				t.Fatalf("fault %+v, want a match: %v", f, tc.match)
			}
			before, after := faults.FailBefore(f), faults.FailAfter(f)
			if (before != nil) != tc.wantBefore || (after != nil) != tc.wantAfter {
				t.Fatalf("before %v, after %v", before, after)
			}
			err := errors.Join(before, after)
			if faults.IsReset(err) != tc.wantReset {
				t.Errorf("IsReset(%v) = %v", err, !tc.wantReset)
			}
			if tc.wantCode != "" {
				ae, ok := awsapi.AsError(err)
				if !ok || ae.Code != tc.wantCode || ae.HTTPStatus() != tc.wantStatus {
					t.Errorf("error %v, want %s with status %d", err, tc.wantCode, tc.wantStatus)
				}
			}
			if tc.match {
				log, _ := fs.Log()
				if len(log) != 1 || log[0].Resource != queue || log[0].Account != scope.Account || log[0].RequestID != "req-1" {
					t.Errorf("log %+v", log)
				}
			}
		})
	}
	var nilFaults awsapi.Faults
	if faults.MatchDelivery(context.Background(), nilFaults, "sqs", "SendMessage", queue, scope, "") != nil || faults.AttemptError(nil) != nil {
		t.Error("no rules should inject nothing")
	}
}

// BenchmarkMatchDelivery is the cost of a delivery hook with no rule and
// with ten rules that do not match the delivery.
func BenchmarkMatchDelivery(b *testing.B) {
	scope := awsapi.Scope{Account: "111122223333", Region: "eu-west-1"}
	const queue = "arn:aws:sqs:eu-west-1:111122223333:orders"
	for _, n := range []int{0, 10} {
		b.Run("rules="+strconv.Itoa(n), func(b *testing.B) {
			fs := faults.New(faults.Config{})
			for i := range n {
				if _, err := fs.Add(faults.Rule{Service: "sqs", Operation: "SendMessage", Resource: "other-" + strconv.Itoa(i), Error: "InternalError"}); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if f := faults.MatchDelivery(ctx, fs, "sqs", "SendMessage", queue, scope, ""); f != nil {
					b.Fatal("fault")
				}
			}
		})
	}
}
