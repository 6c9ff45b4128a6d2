package sns

// Injected faults on HTTP(S) deliveries (issue 17). SQS and Lambda
// deliveries ask the fault rules in sendSQS and invokeLambda (as sqs
// SendMessage and lambda Invoke); an HTTP(S) endpoint is no AWS service,
// so its attempts are matched as sns Deliver on the subscription's ARN
// and the endpoint's URL.

import (
	"context"
	"net/http"
	"strconv"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/delivery"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

// postFaulted is post under the fault rules for sns Deliver: an injected
// error is the endpoint answering with its HTTP status, an empty status
// that status, a reset a dropped connection; with when "after" the
// endpoint gets the POST first. Latency is ignored (attempts run at their
// due time). With no rule it costs one atomic load.
func (s *Service) postFaulted(ctx context.Context, sub *subscription, d *Delivery) (delivery.Outcome, int) {
	fs := s.env.Faults
	if fs == nil || !fs.Active() {
		return s.post(ctx, sub, d)
	}
	f := fs.Match(ctx, awsapi.FaultCall{Service: "sns", Operation: "Deliver", Resources: []string{sub.arn, sub.endpoint},
		Account: s.env.Scope.Account, Region: s.env.Scope.Region, RequestID: d.MessageID})
	err := faults.AttemptError(f)
	if err == nil {
		return s.post(ctx, sub, d)
	}
	if f.After {
		if out, code := s.post(ctx, sub, d); out.Kind != delivery.Success {
			return out, code
		}
	}
	if faults.IsReset(err) {
		return delivery.Retry("sns: POST " + sub.endpoint + ": " + err.Error()), 0
	}
	code := http.StatusInternalServerError
	if ae, ok := awsapi.AsError(err); ok {
		code = ae.HTTPStatus()
	}
	reason := "HTTP " + strconv.Itoa(code) + " (" + err.Error() + ")"
	// As post classifies a real answer.
	if code >= 500 || code < 200 {
		return delivery.Retry(reason), code
	}
	return delivery.Fail(reason), code
}
