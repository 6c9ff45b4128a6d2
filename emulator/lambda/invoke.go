package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Invoke runs a function: RequestResponse waits for the result (a function
// error is a 200 with X-Amz-Function-Error), Event queues it (202), DryRun
// only checks (204). A qualifier (the parameter, or in the name or ARN)
// runs that version's code and configuration, or the version the alias
// routes the invocation to.
func (s *Service) Invoke(ctx context.Context, in *InvokeInput) (*InvokeOutput, error) {
	// An alias routes each invocation when it runs: asynchronous events at
	// each attempt.
	route := in.InvocationType != InvocationTypeEvent && in.InvocationType != InvocationTypeDryRun
	t, err := s.resolve(str(in.FunctionName), str(in.Qualifier), route)
	if err != nil {
		return nil, err
	}
	switch {
	case in.InvocationType == InvocationTypeEvent && len(in.Payload) > MaxAsyncPayload:
		return nil, errEventTooLarge(len(in.Payload))
	case len(in.Payload) > MaxSyncPayload:
		return nil, errRequestTooLarge(MaxSyncPayload, "InvokeFunction")
	case len(in.Payload) > 0 && !json.Valid(in.Payload):
		return nil, errPayloadNotJSON(in.Payload)
	}
	switch in.InvocationType {
	case InvocationTypeEvent:
		if _, err := s.enqueue(ctx, t, in.Payload); err != nil {
			return nil, err
		}
		return &InvokeOutput{StatusCode: ptr(int32(http.StatusAccepted))}, nil
	case InvocationTypeDryRun:
		if t.fn.config().State == StatePending {
			return nil, errConflict("The operation cannot be performed at this time. The function is currently in the following state: Pending")
		}
		return &InvokeOutput{StatusCode: ptr(int32(http.StatusNoContent))}, nil
	}
	payload := in.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	res, err := s.execute(ctx, t, payload, InvokeOptions{
		Trigger:       TriggerAPI,
		RequestID:     awsapi.Request(ctx).RequestID,
		ClientContext: str(in.ClientContext),
	})
	if err != nil {
		return nil, err
	}
	out := &InvokeOutput{
		StatusCode:      ptr(int32(http.StatusOK)),
		Payload:         res.Payload,
		ExecutedVersion: ptr(res.ExecutedVersion),
	}
	if out.Payload == nil {
		out.Payload = []byte{}
	}
	if res.FunctionError != "" {
		out.FunctionError = ptr(res.FunctionError)
	}
	if in.LogType == LogTypeTail {
		out.LogResult = ptr(base64.StdEncoding.EncodeToString([]byte(res.LogTail())))
	}
	return out, nil
}

// InvokeAsync is the deprecated asynchronous invoke: it queues the event
// and answers 202.
func (s *Service) InvokeAsync(ctx context.Context, in *InvokeAsyncInput) (*InvokeAsyncOutput, error) {
	if _, err := s.InvokeEvent(ctx, str(in.FunctionName), in.InvokeArgs); err != nil {
		return nil, err
	}
	return &InvokeAsyncOutput{Status: ptr(int32(http.StatusAccepted))}, nil
}
