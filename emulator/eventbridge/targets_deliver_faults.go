package eventbridge

// Injected faults on target deliveries (issue 17): each attempt asks the
// emulator's fault rules about the call it makes into the target, so that
// a rule on that call fails client calls and deliveries alike. An error,
// an empty 5xx or a reset fails the attempt (classified, retried and
// dead-lettered as a real failure); with when "after", the target gets the
// payload first. A latency before the call postpones the attempt by that
// much virtual time (the target gets the payload then, and the attempt is
// recorded then); a latency after it is ignored.

import (
	"context"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

// targetCall is the service and operation a delivery to a target makes,
// as fault rules name them; "" for targets evolvestack does not deliver to.
func targetCall(a dpARN) (service, op string) {
	switch a.service {
	case "sqs":
		return "sqs", "SendMessage"
	case "sns":
		return "sns", "Publish"
	case "lambda":
		return "lambda", "Invoke"
	case "kinesis":
		return "kinesis", "PutRecord"
	case "events":
		switch {
		case strings.HasPrefix(a.resource, "event-bus/"):
			return "events", "PutEvents"
		case strings.HasPrefix(a.resource, "api-destination/"):
			return "events", "InvokeApiDestination"
		}
	}
	return "", ""
}

// targetFault returns the fault for one attempt to deliver to arn (split
// as a), in the target's account and region, or nil (one atomic load
// when no rule is set).
func (p *dataPlane) targetFault(ctx context.Context, a dpARN, arn string) *awsapi.Fault {
	fs := p.s.env.Faults
	if fs == nil || !fs.Active() {
		return nil
	}
	service, op := targetCall(a)
	if service == "" {
		return nil
	}
	return faults.MatchDelivery(ctx, fs, service, op, arn, awsapi.Scope{Account: a.account, Region: a.region}, "")
}

// attemptFault returns the injected fault for j's attempt, or how long
// to postpone the attempt first: a fault with latency before the call is
// held in j and applied when the postponed attempt runs.
func (p *dataPlane) attemptFault(ctx context.Context, j *job) (*awsapi.Fault, time.Duration) {
	if f := j.held; f != nil {
		j.held = nil
		return f, 0
	}
	if fs := p.s.env.Faults; fs == nil || !fs.Active() {
		return nil, 0
	}
	arn := strOf(j.t.Arn)
	a, ok := splitDPARN(arn)
	if !ok {
		return nil, 0
	}
	f := p.targetFault(ctx, a, arn)
	if f != nil && f.Latency > 0 && !f.After {
		j.held = f
		return nil, f.Latency
	}
	return f, 0
}

// faultError is the failure of an attempt to a target under an injected
// fault: the target's AWS error as is (classify words it), a dropped
// connection as a retried connection failure of an API destination or an
// internal error of an AWS service target.
// unverified: the ERROR_CODE AWS gives a dropped connection to an AWS
// service target.
func faultError(a dpARN, err error) error {
	if !faults.IsReset(err) {
		return err
	}
	code := codeInternal
	if a.service == "events" && strings.HasPrefix(a.resource, "api-destination/") {
		code = codeConnection
	}
	return &targetError{code: code, retriable: true, err: err}
}
