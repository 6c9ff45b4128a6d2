package lambda

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// RuntimeInvocation is what GET /runtime/invocation/next hands a runtime.
type RuntimeInvocation struct {
	RequestID          string
	Payload            []byte
	DeadlineMs         int64
	InvokedFunctionArn string
	TraceID            string
	ClientContext      string // JSON, decoded from the caller's base64
}

// RuntimeAPIError is a Runtime API refusal: the status and the
// {"errorMessage","errorType"} body the runtime receives.
type RuntimeAPIError struct {
	Status  int
	Type    string
	Message string
}

func (e *RuntimeAPIError) Error() string { return e.Type + ": " + e.Message }

// ErrInstanceGone is returned by RuntimeNext when the execution
// environment is being shut down.
var ErrInstanceGone = errors.New("lambda: execution environment shut down")

func (s *Service) instance(id string) (*procInstance, error) {
	s.mu.Lock()
	inst := s.instances[id]
	s.mu.Unlock()
	if inst == nil {
		return nil, &RuntimeAPIError{Status: http.StatusForbidden, Type: "InvalidRuntimeAPICaller", Message: "Unknown execution environment " + id}
	}
	return inst, nil
}

// RuntimeNext blocks until the execution environment instanceID is given
// an invocation (or is shut down, or ctx ends).
func (s *Service) RuntimeNext(ctx context.Context, instanceID string) (*RuntimeInvocation, error) {
	inst, err := s.instance(instanceID)
	if err != nil {
		return nil, err
	}
	inst.mu.Lock()
	inst.current = nil
	inst.mu.Unlock()
	select {
	case pi := <-inst.assign:
		inst.mu.Lock()
		inst.current = pi
		inst.served++
		inst.mu.Unlock()
		close(pi.picked)
		inv := pi.inv
		ri := &RuntimeInvocation{
			RequestID:          inv.requestID,
			Payload:            inv.payload,
			DeadlineMs:         inv.deadline.UnixMilli(),
			InvokedFunctionArn: inv.arn,
			TraceID:            fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0;Lineage=1:%s:0", inv.deadline.Unix(), strings.ReplaceAll(inv.requestID, "-", "")[:24], strings.ReplaceAll(inv.requestID, "-", "")[:16], strings.ReplaceAll(inv.requestID, "-", "")[:8]),
		}
		if inv.clientContext != "" {
			if raw, err := decodeBase64(inv.clientContext); err == nil {
				ri.ClientContext = string(raw)
			}
		}
		return ri, nil
	case <-inst.exited:
		return nil, ErrInstanceGone
	case <-ctx.Done():
		return nil, fmt.Errorf("lambda: waiting for the next invocation: %w", ctx.Err())
	}
}

// currentInvocation returns the invocation requestID of instanceID.
func (s *Service) currentInvocation(instanceID, requestID string) (*procInstance, *procInvocation, error) {
	inst, err := s.instance(instanceID)
	if err != nil {
		return nil, nil, err
	}
	inst.mu.Lock()
	pi := inst.current
	inst.mu.Unlock()
	if pi == nil || pi.inv.requestID != requestID {
		return nil, nil, &RuntimeAPIError{Status: http.StatusBadRequest, Type: "InvalidRequestID", Message: "Invalid request ID"}
	}
	return inst, pi, nil
}

// RuntimeResponse reports the handler's response to requestID.
func (s *Service) RuntimeResponse(instanceID, requestID string, body []byte) error {
	inst, pi, err := s.currentInvocation(instanceID, requestID)
	if err != nil {
		return err
	}
	if len(body) > maxResponsePayload {
		o := errorOutcome("Function.ResponseSizeTooLarge", fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponsePayload))
		pi.finish(o)
		return &RuntimeAPIError{Status: http.StatusRequestEntityTooLarge, Type: "RequestEntityTooLarge", Message: o.errMsg}
	}
	if !pi.finish(outcome{payload: append([]byte(nil), body...)}) {
		return &RuntimeAPIError{Status: http.StatusBadRequest, Type: "InvalidStateTransition", Message: "State transition from ResponseSent to InvocationResponse failed for runtime."}
	}
	inst.mu.Lock()
	inst.current = nil
	inst.mu.Unlock()
	return nil
}

// RuntimeError reports the handler's failure of requestID: body is the
// error document, errorType the Lambda-Runtime-Function-Error-Type header
// used when the body names none.
func (s *Service) RuntimeError(instanceID, requestID, errorType string, body []byte) error {
	inst, pi, err := s.currentInvocation(instanceID, requestID)
	if err != nil {
		return err
	}
	o := runtimeErrorOutcome(errorType, body)
	if !pi.finish(o) {
		return &RuntimeAPIError{Status: http.StatusBadRequest, Type: "InvalidStateTransition", Message: "State transition from ResponseSent to InvocationErrorResponse failed for runtime."}
	}
	inst.mu.Lock()
	inst.current = nil
	inst.mu.Unlock()
	return nil
}

// RuntimeInitError reports that the runtime failed to initialise; the
// invocation waiting for it fails with the error and the process is ended.
func (s *Service) RuntimeInitError(instanceID, errorType string, body []byte) error {
	inst, err := s.instance(instanceID)
	if err != nil {
		return err
	}
	o := runtimeErrorOutcome(errorType, body)
	o.fatal = true
	inst.mu.Lock()
	already := inst.initErr.failed
	if !already {
		inst.initErr = o
	}
	inst.mu.Unlock()
	if already {
		return &RuntimeAPIError{Status: http.StatusForbidden, Type: "InvalidStateTransition", Message: "State transition from InitError to InitError failed for runtime."}
	}
	close(inst.initFailed)
	return nil
}

// runtimeErrorOutcome builds the outcome of an error a runtime posted.
func runtimeErrorOutcome(errorType string, body []byte) outcome {
	t, msg := parseErrorDocument(body)
	if t == "" && msg == "" {
		if errorType == "" {
			errorType = "Runtime.Unknown"
		}
		o := errorOutcome(errorType, "")
		return o
	}
	if t == "" {
		t = errorType
	}
	return outcome{payload: append([]byte(nil), body...), failed: true, errType: t, errMsg: msg}
}

func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("lambda: decoding base64: %w", err)
	}
	return b, nil
}
