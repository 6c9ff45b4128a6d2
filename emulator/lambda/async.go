package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// Asynchronous invocation defaults.
const (
	defaultAsyncRetries = 2
	defaultMaxEventAge  = 6 * time.Hour
	maxThrottleBackoff  = 5 * time.Minute
	maxDLQErrorMessage  = 1024
)

// Destination conditions.
const (
	conditionSuccess          = "Success"
	conditionRetriesExhausted = "RetriesExhausted"
	conditionEventAgeExceeded = "EventAgeExceeded"
)

// asyncEvent is an event in a function's asynchronous queue.
type asyncEvent struct {
	requestID string
	// qualifier is the version or alias the event was sent to ("" for
	// the unqualified function); each attempt resolves it again.
	qualifier string
	payload   []byte
	queued    time.Time // virtual
	attempts  int       // invocations made
	throttles int       // consecutive throttles or system errors
	due       time.Time // when the pending attempt is due (virtual)
	last      *InvocationResult
	timer     *clock.Timer
}

// retryDelay is the wait before the n-th retry (1-based) of a failed
// event: one minute, then two.
func retryDelay(n int) time.Duration { return time.Duration(n) * time.Minute }

// InvokeEvent queues payload for functionName as an Event invocation (what
// Invoke with InvocationType Event does; SNS and EventBridge targets use
// it too) and returns the request id. The event is then run with
// Lambda's retry, dead-letter and destination rules.
func (s *Service) InvokeEvent(ctx context.Context, functionName string, payload []byte) (string, error) {
	t, err := s.resolve(functionName, "", false)
	if err != nil {
		return "", err
	}
	return s.enqueue(ctx, t, payload)
}

// enqueue queues an Event invocation of what t names.
func (s *Service) enqueue(ctx context.Context, t target, payload []byte) (string, error) {
	fn := t.root
	if len(payload) > MaxAsyncPayload {
		return "", errEventTooLarge(len(payload))
	}
	if st := t.fn.config().State; st == StatePending {
		return "", errConflict("The operation cannot be performed at this time. The function is currently in the following state: Pending")
	}
	ev := &asyncEvent{requestID: uuid.NewString(), qualifier: t.qualifier, payload: append([]byte(nil), payload...), queued: s.now()}
	if rid := awsapi.Request(ctx).RequestID; rid != "" {
		ev.requestID = rid
	}
	fn.mu.Lock()
	if fn.deleted {
		fn.mu.Unlock()
		return "", errFunctionNotFound(fn.arn)
	}
	fn.async[ev.requestID] = ev
	fn.mu.Unlock()
	s.schedule(fn, ev, 0)
	return ev.requestID, nil
}

// schedule runs the next attempt of ev after d on the emulator's clock.
// The attempt runs inside the clock callback, so clock.Settle waits for it.
func (s *Service) schedule(fn *function, ev *asyncEvent, d time.Duration) {
	s.scheduleAt(fn, ev, s.now().Add(d))
}

// scheduleAt runs the next attempt of ev at the virtual time at.
func (s *Service) scheduleAt(fn *function, ev *asyncEvent, at time.Time) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if fn.deleted {
		return
	}
	ev.due = at
	ev.timer = s.env.Clock.AfterFunc(s.env.Clock.Until(at), func() { s.attempt(fn, ev) })
}

// asyncSettings are the retry and destination settings in force.
type asyncSettings struct {
	maxRetries int
	maxAge     time.Duration
	onSuccess  string
	onFailure  string
	dlq        string
}

// asyncSettings returns the settings of an event sent to qualifier (the
// event invoke config of that qualifier) whose last attempt ran version
// (the dead-letter queue is part of a version's configuration); fn is
// $LATEST.
func (fn *function) asyncSettings(qualifier, version string) asyncSettings {
	fn.mu.Lock()
	st := asyncSettings{maxRetries: defaultAsyncRetries, maxAge: defaultMaxEventAge}
	if c := fn.invoke[invokeKey(qualifier)]; c != nil {
		if c.MaximumRetryAttempts != nil {
			st.maxRetries = int(*c.MaximumRetryAttempts)
		}
		if c.MaximumEventAgeInSeconds != nil {
			st.maxAge = time.Duration(*c.MaximumEventAgeInSeconds) * time.Second
		}
		if d := c.DestinationConfig; d != nil {
			if d.OnSuccess != nil {
				st.onSuccess = str(d.OnSuccess.Destination)
			}
			if d.OnFailure != nil {
				st.onFailure = str(d.OnFailure.Destination)
			}
		}
	}
	dlq := fn.cfg.DeadLetterConfig
	v := fn.versions[version]
	fn.mu.Unlock()
	if v != nil {
		dlq = v.config().DeadLetterConfig
	}
	if dlq != nil {
		st.dlq = str(dlq.TargetArn)
	}
	return st
}

// ref returns the reference an attempt of ev resolves: the function's name
// with the event's qualifier.
func (ev *asyncEvent) ref(fn *function) string {
	if ev.qualifier == "" {
		return fn.name
	}
	return fn.name + ":" + ev.qualifier
}

// eventVersion returns the version ev last ran, else the one its qualifier
// names (an alias's primary version).
func (s *Service) eventVersion(fn *function, ev *asyncEvent) string {
	if ev.last != nil {
		return ev.last.ExecutedVersion
	}
	if t, err := s.resolve(ev.ref(fn), "", false); err == nil {
		return t.fn.version
	}
	return latest
}

// attempt makes one invocation of ev and decides what follows.
func (s *Service) attempt(fn *function, ev *asyncEvent) {
	fn.mu.Lock()
	gone := fn.deleted
	fn.mu.Unlock()
	if gone {
		return
	}
	st := fn.asyncSettings(ev.qualifier, s.eventVersion(fn, ev))
	// Ages are measured at the attempt's due time: a clock advanced past
	// several due times at once runs each attempt as if on time.
	if ev.due.Sub(ev.queued) > st.maxAge {
		s.finishAsync(fn, ev, st, ev.last, conditionEventAgeExceeded)
		return
	}
	res, err := s.Execute(context.Background(), ev.ref(fn), ev.payload, InvokeOptions{
		Trigger: TriggerAsync, RequestID: ev.requestID, Attempt: ev.attempts + 1,
	})
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) && ae.Code == CodeResourceNotFound {
			s.dropAsync(fn, ev)
			return
		}
		// Throttles and system errors: back off 1 s, 2 s, 4 s ... up to
		// 5 min, for as long as the event is young enough.
		ev.throttles++
		delay := time.Second << min(ev.throttles-1, 20)
		if delay > maxThrottleBackoff {
			delay = maxThrottleBackoff
		}
		if ev.due.Add(delay).Sub(ev.queued) > st.maxAge {
			s.finishAsync(fn, ev, st, ev.last, conditionEventAgeExceeded)
			return
		}
		s.env.Logger.Debug("lambda async attempt throttled", "function", fn.name, "request_id", ev.requestID, "error", err, "retry_in", delay)
		s.scheduleAt(fn, ev, ev.due.Add(delay))
		return
	}
	ev.throttles = 0
	ev.attempts++
	ev.last = res
	if res.ExecutedVersion != latest {
		st = fn.asyncSettings(ev.qualifier, res.ExecutedVersion)
	}
	if res.FunctionError == "" {
		s.finishAsync(fn, ev, st, res, conditionSuccess)
		return
	}
	if ev.attempts > st.maxRetries {
		s.finishAsync(fn, ev, st, res, conditionRetriesExhausted)
		return
	}
	delay := retryDelay(ev.attempts)
	if ev.due.Add(delay).Sub(ev.queued) > st.maxAge {
		s.finishAsync(fn, ev, st, res, conditionEventAgeExceeded)
		return
	}
	s.scheduleAt(fn, ev, ev.due.Add(delay))
}

func (s *Service) dropAsync(fn *function, ev *asyncEvent) {
	fn.mu.Lock()
	delete(fn.async, ev.requestID)
	fn.mu.Unlock()
}

// finishAsync sends the invocation record to the destination of the
// condition and, on failure, the event to the dead-letter queue.
func (s *Service) finishAsync(fn *function, ev *asyncEvent, st asyncSettings, res *InvocationResult, condition string) {
	s.dropAsync(fn, ev)
	ctx := context.Background()
	if condition == conditionSuccess {
		if st.onSuccess != "" {
			s.deliver(ctx, fn, st.onSuccess, destinationRecord(s, fn, ev, res, condition))
		}
		return
	}
	if st.onFailure != "" {
		s.deliver(ctx, fn, st.onFailure, destinationRecord(s, fn, ev, res, condition))
	}
	if st.dlq != "" {
		s.sendToDLQ(ctx, fn, st.dlq, ev, res, condition)
	}
}

// destinationRecord is the invocation record Lambda sends to a
// destination.
func destinationRecord(s *Service, fn *function, ev *asyncEvent, res *InvocationResult, condition string) []byte {
	type requestContext struct {
		RequestID              string `json:"requestId"`
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	}
	type responseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError,omitempty"`
	}
	rec := struct {
		Version         string           `json:"version"`
		Timestamp       string           `json:"timestamp"`
		RequestContext  requestContext   `json:"requestContext"`
		RequestPayload  json.RawMessage  `json:"requestPayload"`
		ResponseContext *responseContext `json:"responseContext,omitempty"`
		ResponsePayload json.RawMessage  `json:"responsePayload,omitempty"`
	}{
		Version:   "1.0",
		Timestamp: s.now().UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: requestContext{
			RequestID:              ev.requestID,
			FunctionArn:            fn.arn + ":" + invokeKey(ev.qualifier),
			Condition:              condition,
			ApproximateInvokeCount: ev.attempts,
		},
		RequestPayload: asJSON(ev.payload),
	}
	if res != nil {
		rec.ResponseContext = &responseContext{StatusCode: http.StatusOK, ExecutedVersion: res.ExecutedVersion, FunctionError: res.FunctionError}
		rec.ResponsePayload = asJSON(res.Payload)
	}
	b, _ := json.Marshal(rec)
	return b
}

// asJSON returns b when it is JSON, else b as a JSON string.
func asJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	q, _ := json.Marshal(string(b))
	return q
}

// deliver sends a destination record to target (an SQS queue; other
// targets are logged as unsupported).
func (s *Service) deliver(ctx context.Context, fn *function, target string, body []byte) {
	service := arnService(target)
	if service != "sqs" {
		s.env.Logger.Warn("lambda destination not delivered: only SQS destinations are supported", "function", fn.name, "destination", target)
		return
	}
	if err := s.sendSQS(ctx, target, string(body), nil); err != nil {
		s.env.Logger.Warn("lambda destination delivery failed", "function", fn.name, "destination", target, "error", err)
	}
}

// sendToDLQ sends the failed event to the function's dead-letter queue
// with the RequestID, ErrorCode and ErrorMessage attributes.
func (s *Service) sendToDLQ(ctx context.Context, fn *function, target string, ev *asyncEvent, res *InvocationResult, condition string) {
	if arnService(target) != "sqs" {
		s.env.Logger.Warn("lambda dead-letter event not delivered: only SQS dead-letter queues are supported", "function", fn.name, "target", target)
		return
	}
	msg := condition
	if res != nil {
		msg = res.ErrorMessage
	}
	if len(msg) > maxDLQErrorMessage {
		msg = msg[:maxDLQErrorMessage]
	}
	attrs := map[string]sqs.MessageAttributeValue{
		"RequestID":    {DataType: ptr("String"), StringValue: ptr(ev.requestID)},
		"ErrorCode":    {DataType: ptr("Number"), StringValue: ptr(strconv.Itoa(http.StatusOK))},
		"ErrorMessage": {DataType: ptr("String"), StringValue: ptr(msg)},
	}
	if err := s.sendSQS(ctx, target, string(ev.payload), attrs); err != nil {
		s.env.Logger.Warn("lambda dead-letter delivery failed", "function", fn.name, "target", target, "error", err)
	}
}

// sqsSender is what Lambda needs of the SQS service.
type sqsSender interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput) (*sqs.GetQueueUrlOutput, error)
	SendMessage(context.Context, *sqs.SendMessageInput) (*sqs.SendMessageOutput, error)
}

// sendSQS sends body to the queue of arn (arn:aws:sqs:region:account:name).
func (s *Service) sendSQS(ctx context.Context, arn, body string, attrs map[string]sqs.MessageAttributeValue) error {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 {
		return fmt.Errorf("lambda: invalid SQS queue ARN %q", arn)
	}
	scope := awsapi.Scope{Region: parts[3], Account: parts[4]}
	if s.env.Services == nil {
		return errors.New("lambda: no SQS service in this emulator")
	}
	svc, ok := s.env.Services("sqs", scope).(sqsSender)
	if !ok {
		return errors.New("lambda: the SQS service cannot send messages")
	}
	rctx := s.requestContext(ctx, scope, uuid.NewString())
	q, err := svc.GetQueueUrl(rctx, &sqs.GetQueueUrlInput{QueueName: ptr(parts[5]), QueueOwnerAWSAccountId: ptr(parts[4])})
	if err != nil {
		return fmt.Errorf("lambda: resolving queue %s: %w", arn, err)
	}
	_, err = svc.SendMessage(rctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: ptr(body), MessageAttributes: attrs})
	if err != nil {
		return fmt.Errorf("lambda: sending to %s: %w", arn, err)
	}
	return nil
}

// arnService returns the service part of an ARN.
func arnService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// PendingEvents returns how many asynchronous events of functionName wait
// for an attempt or a retry.
func (s *Service) PendingEvents(functionName string) (int, error) {
	fn, err := s.rootOf(functionName)
	if err != nil {
		return 0, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	return len(fn.async), nil
}
