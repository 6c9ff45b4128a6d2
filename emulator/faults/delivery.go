package faults

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// MatchDelivery asks fs about one attempt of a service's own delivery
// into target (an ARN), made as the call service's operation in scope
// (the target's account and region; no access key). It costs one atomic
// load when no rule is set; nil means no fault.
func MatchDelivery(ctx context.Context, fs awsapi.Faults, service, op, target string, scope awsapi.Scope, requestID string) *awsapi.Fault {
	if fs == nil || !fs.Active() {
		return nil
	}
	return fs.Match(ctx, awsapi.FaultCall{Service: service, Operation: op, Resources: []string{target},
		Account: scope.Account, Region: scope.Region, RequestID: requestID})
}

// DeliveryError is how a delivery attempt fails under an injected fault:
// the target's AWS error (an injected error, or a 5xx status answered
// without a body), or a dropped connection.
type DeliveryError struct {
	// Rule is the id of the rule that fired.
	Rule string
	// Err is the AWS error the target answered; nil for a reset.
	Err *awsapi.Error
	// Reset says the connection to the target was dropped.
	Reset bool
}

// Error describes the fault and the rule that injected it.
func (e *DeliveryError) Error() string {
	if e.Err == nil {
		return "connection reset by peer (fault rule " + e.Rule + ")"
	}
	return e.Err.Error() + " (fault rule " + e.Rule + ")"
}

// Unwrap returns the AWS error, so that awsapi.AsError finds it.
func (e *DeliveryError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// AttemptError returns the error a delivery attempt fails with under f:
// a *DeliveryError for an error, a status or a reset, nil when f is nil
// or only adds latency (which the delivering service applies, if it can,
// by postponing the attempt).
func AttemptError(f *awsapi.Fault) error {
	switch {
	case f == nil:
		return nil
	case f.Error != nil:
		ae := *f.Error
		return &DeliveryError{Rule: f.Rule, Err: &ae}
	case f.Status != 0:
		// aws-sdk-go-v2 names an error without a body UnknownError.
		return &DeliveryError{Rule: f.Rule, Err: &awsapi.Error{Code: "UnknownError", Status: f.Status, Receiver: f.Status >= http.StatusInternalServerError,
			Message: "HTTP " + strconv.Itoa(f.Status) + " with an empty body"}}
	case f.Reset:
		return &DeliveryError{Rule: f.Rule, Reset: true}
	}
	return nil
}

// FailBefore is the error that fails a delivery attempt under f before
// the attempt is made: AttemptError(f) unless f applies after it.
func FailBefore(f *awsapi.Fault) error {
	if f == nil || f.After {
		return nil
	}
	return AttemptError(f)
}

// FailAfter is the error that fails a delivery attempt under f once the
// attempt has taken effect (the target got it; the sender sees a
// failure and retries, so the target may get it again).
func FailAfter(f *awsapi.Fault) error {
	if f == nil || !f.After {
		return nil
	}
	return AttemptError(f)
}

// IsReset reports whether err is an injected dropped connection.
func IsReset(err error) bool {
	var de *DeliveryError
	return errors.As(err, &de) && de.Reset
}
