package sns

import (
	"context"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// guard returns the schema guard's checker for t (of the service s owns),
// nil when t is not guarded.
func (s *Service) guard(t *topic) awsapi.PayloadChecker {
	if s.env.Guard == nil {
		return nil
	}
	t.mu.RLock()
	schemaTag, modeTag := t.tags[awsapi.GuardSchemaTag], t.tags[awsapi.GuardModeTag]
	t.mu.RUnlock()
	return s.env.GuardFor(t.arn, schemaTag, modeTag)
}

// guardPayload is what the schema guard checks of a published message:
// the message, or with MessageStructure=json its default message.
func guardPayload(message string, structured map[string]string) []byte {
	if structured != nil {
		if m, ok := structured["default"]; ok {
			return []byte(m)
		}
	}
	return []byte(message)
}

// guardRefusal checks a message published to t against its schema guard
// and returns SNS's error when the guard refuses it, nil otherwise.
func (s *Service) guardRefusal(ctx context.Context, c awsapi.PayloadChecker, message string, structured map[string]string) *awsapi.Error {
	if c == nil {
		return nil
	}
	if msg := c.Check(ctx, guardPayload(message, structured)); msg != "" {
		return invalidParam("Invalid parameter: Message Reason: %s", msg)
	}
	return nil
}
