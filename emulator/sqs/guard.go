package sqs

import (
	"context"
	"net/http"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// guard returns the schema guard's checker for q, nil when q is not
// guarded.
func (s *Service) guard(q *queue) awsapi.PayloadChecker {
	if s.env.Guard == nil {
		return nil
	}
	q.mu.Lock()
	schemaTag, modeTag := q.tags[awsapi.GuardSchemaTag], q.tags[awsapi.GuardModeTag]
	q.mu.Unlock()
	return s.env.GuardFor(q.arn, schemaTag, modeTag)
}

// guardRefusal checks a message body against q's schema guard: the
// InvalidMessageContents error (SQS's error for a body it will not take)
// when the guard refuses it, nil otherwise.
func guardRefusal(ctx context.Context, c awsapi.PayloadChecker, body *string) error {
	if c == nil || body == nil {
		return nil
	}
	if msg := c.Check(ctx, []byte(*body)); msg != "" {
		return sqsErr(ErrCodeInvalidMessageContents, "", http.StatusBadRequest, "%s", msg)
	}
	return nil
}
