package awsapi

import (
	"context"
	"time"
)

// FaultCall describes one call a fault hook asks about: what is called,
// on which resources (names, ARNs or URLs; any may match a rule's glob),
// in which scope and by whom.
type FaultCall struct {
	Service   string
	Operation string
	Resources []string
	// ResourcesFunc, when Resources is nil, lists them on demand: only a
	// rule with a resource matcher that matches the rest asks.
	ResourcesFunc func() []string
	Account       string
	Region        string
	AccessKey     string
	// RequestID is logged with the fault that fires ("" off the wire).
	RequestID string
}

// Fault is what an injected fault does to one call. At most one of Error,
// Status and Reset is set; Latency may come alone or with them.
type Fault struct {
	// Rule is the id of the rule that fired.
	Rule string
	// Error, when set, is answered instead of (or, with After, in place
	// of the result of) the operation, in the protocol's own shape.
	Error *Error
	// Status, when set, is answered with an empty body.
	Status int
	// Reset drops the connection without an answer.
	Reset bool
	// Latency delays the answer.
	Latency time.Duration
	// After applies the fault once the operation has taken effect (the
	// write happened, but the client sees the fault); else before it.
	After bool
}

// EntryFault is the failure of one entry of a batch operation, in the
// per-entry error code AWS uses for that operation.
type EntryFault struct {
	Rule    string
	Code    string
	Message string
	// SenderFault is SQS's and SNS's flag on a failed batch entry.
	SenderFault bool
}

// LambdaFault is a handler fault for one invocation of a function.
type LambdaFault struct {
	Rule string
	// Kind is throttle, timeout, crash, error or oom.
	Kind string
	// ErrorType and Message are what the invocation reports (e.g.
	// Runtime.ExitError); for throttle, Error is the API error to return.
	ErrorType string
	Message   string
	Error     *Error
}

// Faults is evolvestack's fault injection, as services call it. Every
// method answers nil at no cost when no rule is set.
type Faults interface {
	// Active reports whether any rule is set (one atomic load).
	Active() bool
	// Match returns the fault for call, or nil.
	Match(ctx context.Context, call FaultCall) *Fault
	// EntryFaults returns which of a batch's n entries fail (by index),
	// or nil.
	EntryFaults(ctx context.Context, call FaultCall, n int) map[int]EntryFault
	// LambdaFault returns the handler fault for one invocation of the
	// function call.Resources names (Operation says how it is invoked:
	// Invoke, InvokeAsync, ESM), or nil.
	LambdaFault(ctx context.Context, call FaultCall) *LambdaFault
}

// faultCall fills a FaultCall from env's scope and the request in ctx.
func (env Env) faultCall(ctx context.Context, service, op string, resources []string) FaultCall {
	ri := Request(ctx)
	return FaultCall{Service: service, Operation: op, Resources: resources, Account: env.Scope.Account, Region: env.Scope.Region, AccessKey: ri.AccessKey, RequestID: ri.RequestID}
}

// EntryFaults is env.Faults.EntryFaults for a batch operation of service
// on resources, or nil when no rule is set.
func (env Env) EntryFaults(ctx context.Context, service, op string, n int, resources ...string) map[int]EntryFault {
	if env.Faults == nil || !env.Faults.Active() {
		return nil
	}
	return env.Faults.EntryFaults(ctx, env.faultCall(ctx, service, op, resources), n)
}

// MatchFault is env.Faults.Match for an operation (or a delivery, e.g.
// "Deliver") of service on resources, or nil when no rule is set.
func (env Env) MatchFault(ctx context.Context, service, op string, resources ...string) *Fault {
	if env.Faults == nil || !env.Faults.Active() {
		return nil
	}
	return env.Faults.Match(ctx, env.faultCall(ctx, service, op, resources))
}

// LambdaFaultFor is env.Faults.LambdaFault for one invocation of function
// (a name or ARN) made as how (Invoke, InvokeAsync, ESM), or nil.
func (env Env) LambdaFaultFor(ctx context.Context, how, function string) *LambdaFault {
	if env.Faults == nil || !env.Faults.Active() {
		return nil
	}
	return env.Faults.LambdaFault(ctx, env.faultCall(ctx, "lambda", how, []string{function}))
}
