package lambda

import (
	"context"
	"fmt"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

// Injected handler faults (issue 17). Every invocation — Invoke
// (RequestResponse), each attempt of an asynchronous event, each event
// source mapping batch — asks the emulator's fault rules once, with the
// function's unqualified ARN and how it is invoked (Invoke, InvokeAsync,
// ESM), after the function is known to be runnable:
//
//   - throttle: the invocation is refused with the TooManyRequestsException
//     a concurrency limit gives (429 to Invoke; the asynchronous queue and
//     the pollers back off and retry it as a throttle, without using up a
//     retry); the handler does not run; the refusal is recorded;
//   - timeout: the handler runs (a timed-out invocation on AWS may have done
//     part or all of its work, so its side effects happen here too), its
//     result is dropped and the invocation fails as Sandbox.Timedout, at
//     once (no clock is waited on) and billed as the whole timeout;
//   - crash, oom, error: the handler does not run; the invocation fails
//     with Runtime.ExitError, Runtime.OutOfMemory, or the rule's message.
//
// A failed invocation is a function error like any other (FunctionError
// Unhandled, AWS's error document, START/END/REPORT log lines), recorded
// with the rule's id. The execution environment is kept warm.

// faultOperation is the operation fault rules see for an invocation.
func faultOperation(tr Trigger) string {
	switch tr {
	case TriggerAsync:
		return "InvokeAsync"
	case TriggerESM:
		return "ESM"
	}
	return "Invoke"
}

// faultFor returns the injected fault of one invocation of t, or nil (one
// atomic load when no rule is set).
func (s *Service) faultFor(ctx context.Context, t target, opts InvokeOptions) *awsapi.LambdaFault {
	if s.env.Faults == nil || !s.env.Faults.Active() {
		return nil
	}
	if awsapi.Request(ctx).RequestID == "" {
		// Off the wire (asynchronous attempts, pollers): the fault log
		// names the invocation.
		ctx = awsapi.WithRequest(ctx, &awsapi.RequestInfo{RequestID: opts.RequestID, Scope: s.env.Scope, Service: "lambda"})
	}
	return s.env.LambdaFaultFor(ctx, faultOperation(opts.Trigger), t.root.arn)
}

// faultRule is the id of the rule of lf, or "".
func faultRule(lf *awsapi.LambdaFault) string {
	if lf == nil {
		return ""
	}
	return lf.Rule
}

// faultOutcome is the outcome of an invocation with an injected fault
// (other than throttle).
func faultOutcome(ctx context.Context, run runner, fn *function, inv *invocation, expired <-chan struct{}, lf *awsapi.LambdaFault) outcome {
	switch lf.Kind {
	case faults.LambdaTimeout:
		_ = run(ctx, fn, inv, expired)
		return timeoutOutcome(inv)
	case faults.LambdaCrash, faults.LambdaOOM:
		msg := fmt.Sprintf("RequestId: %s Error: %s", inv.requestID, lf.Message)
		inv.log.printf("%s\n%s\n", msg, lf.ErrorType)
		return errorOutcome(lf.ErrorType, msg)
	}
	return errorOutcome(lf.ErrorType, lf.Message)
}

// recordThrottle records an invocation an injected throttle refused.
func (s *Service) recordThrottle(t target, payload []byte, opts InvokeOptions, lf *awsapi.LambdaFault) {
	now := s.now()
	t.root.record(s, InvocationRecord{
		RequestID:    opts.RequestID,
		Version:      t.fn.version,
		Qualifier:    t.qualifier,
		Trigger:      opts.Trigger,
		Attempt:      opts.Attempt,
		Event:        string(payload),
		ErrorType:    lf.Error.Code,
		ErrorMessage: lf.Error.Message,
		Start:        now,
		End:          now,
		Throttled:    true,
		Fault:        lf.Rule,
	}, "")
}
