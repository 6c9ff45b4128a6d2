package sqs

import (
	"context"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// entryFaults returns the entries of a batch of n on q that injected
// faults fail (by index), or nil; with no rule set it costs one atomic
// load and allocates nothing.
func (s *Service) entryFaults(ctx context.Context, op string, q *queue, n int, url *string) map[int]awsapi.EntryFault {
	if s.env.Faults == nil || !s.env.Faults.Active() {
		return nil
	}
	return s.env.EntryFaults(ctx, "sqs", op, n, q.name, q.arn, deref(url))
}

// faultFailure renders an injected entry fault as a batch result entry.
func faultFailure(id *string, f awsapi.EntryFault) BatchResultErrorEntry {
	return BatchResultErrorEntry{Id: id, SenderFault: ptr(f.SenderFault), Code: &f.Code, Message: optStr(f.Message)}
}
