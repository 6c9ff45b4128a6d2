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
	"github.com/evolvestack/evolvestack/emulator/delivery"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// Asynchronous invocation defaults.
const (
	defaultAsyncRetries = delivery.LambdaMaxRetries
	defaultMaxEventAge  = delivery.LambdaMaxEventAge
	maxDLQErrorMessage  = 1024
)

// Destination conditions.
const (
	conditionSuccess          = "Success"
	conditionRetriesExhausted = "RetriesExhausted"
	conditionEventAgeExceeded = "EventAgeExceeded"
)

// asyncEvent is the payload of an event in a function's asynchronous
// queue (a delivery.Queue): attempts of one event never overlap, so the
// attempt function updates last without a lock.
type asyncEvent struct {
	requestID string
	// qualifier is the version or alias the event was sent to ("" for
	// the unqualified function); each attempt resolves it again.
	qualifier string
	payload   []byte
	last      *InvocationResult
}

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
	ev := &asyncEvent{requestID: uuid.NewString(), qualifier: t.qualifier, payload: append([]byte(nil), payload...)}
	if rid := awsapi.Request(ctx).RequestID; rid != "" {
		ev.requestID = rid
	}
	q, err := s.asyncQueue(fn)
	if err != nil {
		return "", err
	}
	_, err = q.Enqueue(delivery.Delivery[*asyncEvent]{ID: ev.requestID, Target: fn.arn, Payload: ev, Policy: asyncPolicy{s: s, fn: fn, ev: ev}})
	if errors.Is(err, delivery.ErrClosed) {
		return "", errFunctionNotFound(fn.arn)
	}
	if err != nil {
		return "", fmt.Errorf("lambda: queueing an event for %s: %w", fn.name, err)
	}
	return ev.requestID, nil
}

// asyncQueue returns fn's asynchronous queue, made on first use; a deleted
// function has none.
func (s *Service) asyncQueue(fn *function) (*delivery.Queue[*asyncEvent], error) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	if fn.deleted {
		return nil, errFunctionNotFound(fn.arn)
	}
	if fn.async != nil {
		return fn.async, nil
	}
	q, err := delivery.New(delivery.Options[*asyncEvent]{
		Clock: s.env.Clock,
		Attempt: func(ctx context.Context, a delivery.Attempt[*asyncEvent]) delivery.Outcome {
			return s.attemptAsync(ctx, fn, a)
		},
		OnSuccess: func(r delivery.Result[*asyncEvent]) {
			s.finishAsync(fn, r.Payload, r.Attempts, conditionSuccess)
		},
		OnFailure: func(r delivery.Result[*asyncEvent]) {
			s.finishAsync(fn, r.Payload, r.Attempts, failureCondition(r.Status))
		},
		DeadLetter: func(r delivery.Result[*asyncEvent]) {
			s.deadLetterAsync(fn, r.Payload, failureCondition(r.Status))
		},
		// Lambda's own limits throttle beyond this.
		MaxConcurrent: accountConcurrency,
		MaxRecords:    -1, // the function's invocation records say more
		// With a data dir, each pending event has a row (see persist.go).
		Journal:   s.env.Journal,
		KeyPrefix: asyncPrefix(fn.name),
		Encode:    encodeAsync,
	})
	if err != nil {
		return nil, fmt.Errorf("lambda: asynchronous queue of %s: %w", fn.name, err)
	}
	fn.async = q
	return q, nil
}

// failureCondition is the destination condition of a failed event.
func failureCondition(st delivery.Status) string {
	if st == delivery.StatusEventAgeExceeded {
		return conditionEventAgeExceeded
	}
	return conditionRetriesExhausted
}

// asyncPolicy is the retry policy of an event: Lambda's schedule with the
// limits of the event invoke config in force at each attempt.
type asyncPolicy struct {
	s  *Service
	fn *function
	ev *asyncEvent
}

func (p asyncPolicy) current() delivery.LambdaPolicy {
	st := p.fn.asyncSettings(p.ev.qualifier, p.s.eventVersion(p.fn, p.ev))
	return delivery.LambdaPolicy{MaximumRetryAttempts: st.maxRetries, MaximumEventAge: st.maxAge}
}

// RetryDelay implements delivery.Policy.
func (p asyncPolicy) RetryDelay(n int) (time.Duration, bool) { return p.current().RetryDelay(n) }

// MaxAge implements delivery.Policy.
func (p asyncPolicy) MaxAge() time.Duration { return p.current().MaxAge() }

// ThrottleDelay implements delivery.ThrottlePolicy.
func (p asyncPolicy) ThrottleDelay(n int) time.Duration { return p.current().ThrottleDelay(n) }

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

// attemptAsync makes one invocation of an event: a function that is gone
// drops it, throttles and system errors back off, a function error is a
// retryable failure.
func (s *Service) attemptAsync(ctx context.Context, fn *function, a delivery.Attempt[*asyncEvent]) delivery.Outcome {
	ev := a.Payload
	res, err := s.Execute(ctx, ev.ref(fn), ev.payload, InvokeOptions{
		Trigger: TriggerAsync, RequestID: ev.requestID, Attempt: a.Number,
	})
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) && ae.Code == CodeResourceNotFound {
			return delivery.Drop(err.Error())
		}
		s.env.Logger.Debug("lambda async attempt throttled", "function", fn.name, "request_id", ev.requestID, "error", err, "throttles", a.Throttles+1)
		return delivery.Throttle(err.Error())
	}
	ev.last = res
	if res.FunctionError != "" {
		return delivery.Retry(res.ErrorMessage)
	}
	return delivery.Delivered()
}

// finishAsync sends the invocation record of an ended event to the
// destination of its condition.
func (s *Service) finishAsync(fn *function, ev *asyncEvent, attempts int, condition string) {
	st := fn.asyncSettings(ev.qualifier, s.eventVersion(fn, ev))
	dest := st.onFailure
	if condition == conditionSuccess {
		dest = st.onSuccess
	}
	if dest != "" {
		s.deliver(context.Background(), fn, dest, destinationRecord(s, fn, ev, attempts, ev.last, condition))
	}
}

// deadLetterAsync sends a failed event to the dead-letter queue of the
// version it last ran, after its OnFailure destination.
func (s *Service) deadLetterAsync(fn *function, ev *asyncEvent, condition string) {
	if st := fn.asyncSettings(ev.qualifier, s.eventVersion(fn, ev)); st.dlq != "" {
		s.sendToDLQ(context.Background(), fn, st.dlq, ev, ev.last, condition)
	}
}

// destinationRecord is the invocation record Lambda sends to a
// destination.
func destinationRecord(s *Service, fn *function, ev *asyncEvent, attempts int, res *InvocationResult, condition string) []byte {
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
			ApproximateInvokeCount: attempts,
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

// deliver sends a destination record to target (an SQS queue or SNS
// topic; other targets are logged as unsupported).
func (s *Service) deliver(ctx context.Context, fn *function, target string, body []byte) {
	var err error
	switch arnService(target) {
	case "sqs":
		err = s.sendSQS(ctx, target, string(body), nil)
	case "sns":
		err = s.publishSNS(ctx, target, string(body), nil)
	default:
		s.env.Logger.Warn("lambda destination not delivered: only SQS and SNS destinations are supported", "function", fn.name, "destination", target)
		return
	}
	if err != nil {
		s.env.Logger.Warn("lambda destination delivery failed", "function", fn.name, "destination", target, "error", err)
	}
}

// snsPublisher is what Lambda needs of the SNS service.
type snsPublisher interface {
	Publish(context.Context, *sns.PublishInput) (*sns.PublishOutput, error)
}

// publishSNS publishes body to the topic of arn.
func (s *Service) publishSNS(ctx context.Context, arn, body string, attrs map[string]sns.MessageAttributeValue) error {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 {
		return fmt.Errorf("lambda: invalid SNS topic ARN %q", arn)
	}
	scope := awsapi.Scope{Region: parts[3], Account: parts[4]}
	if s.env.Services == nil {
		return errors.New("lambda: no SNS service in this emulator")
	}
	svc, ok := s.env.Services("sns", scope).(snsPublisher)
	if !ok {
		return errors.New("lambda: the SNS service cannot publish")
	}
	in := &sns.PublishInput{TopicArn: ptr(arn), Message: ptr(body), MessageAttributes: attrs}
	if _, err := svc.Publish(s.requestContext(ctx, scope, uuid.NewString()), in); err != nil {
		return fmt.Errorf("lambda: publishing to %s: %w", arn, err)
	}
	return nil
}

// sendToDLQ sends the failed event to the function's dead-letter queue or
// topic with the RequestID, ErrorCode and ErrorMessage attributes (an SQS
// queue's message attributes, or an SNS message's).
func (s *Service) sendToDLQ(ctx context.Context, fn *function, target string, ev *asyncEvent, res *InvocationResult, condition string) {
	msg := condition
	if res != nil {
		msg = res.ErrorMessage
	}
	if len(msg) > maxDLQErrorMessage {
		msg = msg[:maxDLQErrorMessage]
	}
	code := strconv.Itoa(http.StatusOK)
	var err error
	switch arnService(target) {
	case "sqs":
		err = s.sendSQS(ctx, target, string(ev.payload), map[string]sqs.MessageAttributeValue{
			"RequestID":    {DataType: ptr("String"), StringValue: ptr(ev.requestID)},
			"ErrorCode":    {DataType: ptr("Number"), StringValue: ptr(code)},
			"ErrorMessage": {DataType: ptr("String"), StringValue: ptr(msg)},
		})
	case "sns":
		err = s.publishSNS(ctx, target, string(ev.payload), map[string]sns.MessageAttributeValue{
			"RequestID":    {DataType: ptr("String"), StringValue: ptr(ev.requestID)},
			"ErrorCode":    {DataType: ptr("Number"), StringValue: ptr(code)},
			"ErrorMessage": {DataType: ptr("String"), StringValue: ptr(msg)},
		})
	default:
		s.env.Logger.Warn("lambda dead-letter event not delivered: dead-letter targets are SQS queues or SNS topics", "function", fn.name, "target", target)
		return
	}
	if err != nil {
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
	q := fn.async
	fn.mu.Unlock()
	if q == nil {
		return 0, nil
	}
	return q.Pending(), nil
}
