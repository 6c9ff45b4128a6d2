package eventbridge

import (
	"fmt"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// errNotFound is a ResourceNotFoundException with a formatted message.
func errNotFound(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(ErrCodeResourceNotFoundException, format, args...)
}

// errExists is a ResourceAlreadyExistsException with a formatted message.
func errExists(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(ErrCodeResourceAlreadyExistsException, format, args...)
}

// errValidation is a ValidationException with a formatted message.
func errValidation(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(awsapi.ValidationExceptionCode, format, args...)
}

// errParam is AWS's "Parameter X is not valid. Reason: Y" ValidationException.
func errParam(param, reason string) *awsapi.Error {
	return errValidation("Parameter %s is not valid. Reason: %s", param, reason)
}

// errLimit is a LimitExceededException.
func errLimit(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(ErrCodeLimitExceededException, format, args...)
}

// errManaged is the ManagedRuleException for changing a managed rule
// without Force.
func errManaged(name string) *awsapi.Error {
	return awsapi.Errorf(ErrCodeManagedRuleException, "%s", managedRuleMessage(name))
}

func managedRuleMessage(name string) string {
	return fmt.Sprintf("Rule '%s' is managed by an AWS service can only be modified if force is True.", name)
}

// errIllegalStatus is an IllegalStatusException.
func errIllegalStatus(format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(ErrCodeIllegalStatusException, format, args...)
}

// errBusNotFound is the answer for an unknown event bus.
func errBusNotFound(name string) *awsapi.Error {
	return errNotFound("Event bus %s does not exist.", name)
}

// errRuleNotFound is the answer for an unknown rule on a bus.
func errRuleNotFound(name, bus string) *awsapi.Error {
	return errNotFound("Rule %s does not exist on EventBus %s.", name, bus)
}

// strOr returns *p or def when p is nil.
func strOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// optStr returns nil for "" and a pointer otherwise.
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optTime returns nil for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// errInvalidPattern is an InvalidEventPatternException with msg.
func errInvalidPattern(msg string) *awsapi.Error {
	return awsapi.Errorf(ErrCodeInvalidEventPatternException, "%s", msg)
}

// awsErr is an error with an explicit code.
func awsErr(code, format string, args ...any) *awsapi.Error {
	return awsapi.Errorf(code, format, args...)
}
