package eventbridge

// Target delivery: each matched target gets its payload through the
// delivery engine (emulator/delivery) on the virtual clock, retried by the
// target's RetryPolicy; a delivery that cannot succeed goes to the
// target's dead-letter queue with AWS's message attributes, or is dropped
// and counted. Every attempt is recorded (Service.Deliveries).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/delivery"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// maxDeliveryRecords is how many attempt records a service keeps.
const maxDeliveryRecords = 10000

// The error codes of dead-lettered events (the ERROR_CODE attribute).
const (
	codeNoResource     = "NO_RESOURCE"
	codeNoPermissions  = "NO_PERMISSIONS"
	codeThrottling     = "THROTTLING"
	codeSDKClientError = "SDK_CLIENT_ERROR"
	codeInternal       = "INTERNAL_ERROR"
	codeConnection     = "CONNECTION_FAILURE"
	codeThirdParty     = "THIRD_PARTY_FAILURE"
	codeInvalidParam   = "INVALID_PARAMETER"
)

// DeliveryRecord is one attempt to deliver an event to a rule's target,
// or how the delivery ended.
type DeliveryRecord struct {
	EventID   string    `json:"eventId"`
	RuleArn   string    `json:"ruleArn"`
	TargetID  string    `json:"targetId"`
	TargetArn string    `json:"targetArn"`
	Attempt   int       `json:"attempt"`
	At        time.Time `json:"at"`
	// Outcome is Delivered, Failed (to be retried), Refused (not
	// retriable) or Cancelled (the target was removed meanwhile).
	Outcome   string `json:"outcome"`
	ErrorCode string `json:"errorCode,omitempty"`
	Error     string `json:"error,omitempty"`
	// Final says how the delivery ended when this attempt ended it:
	// Delivered, DeadLettered, Dropped or Cancelled.
	Final string `json:"final,omitempty"`
	// Condition is the EXHAUSTED_RETRY_CONDITION of a delivery whose
	// retries or age ran out.
	Condition string `json:"condition,omitempty"`
}

// DeliveryFilter selects delivery records; empty fields match all.
type DeliveryFilter struct {
	EventID, RuleArn, TargetID string
}

// job is one event on its way to one target.
type job struct {
	s                 *Service
	ruleArn, ruleName string
	t                 *target
	ev                *event
	payload           []byte
	// lastCode and lastMessage describe the last failed attempt.
	lastCode, lastMessage string
	// held is the injected fault of an attempt postponed by its latency,
	// applied when the attempt runs.
	held *awsapi.Fault
}

// dataPlane is a service's delivery state.
type dataPlane struct {
	s *Service
	q *delivery.Queue[*job]

	mu      sync.Mutex
	records []DeliveryRecord // ring of at most maxDeliveryRecords
	recHead int              // index of the oldest record once full
	dropped int
	rng     *rand.Rand
	tokens  map[string]oauthToken // by connection ARN
	client  *http.Client          // API destinations; nil: http.DefaultClient
	// schedules are the armed timers of scheduled rules, by rule ARN.
	schedules map[string]*scheduleTimer
}

// plane returns the service's data plane, built on first use.
func (s *Service) plane() *dataPlane {
	s.dataOnce.Do(func() {
		p := &dataPlane{s: s, rng: rand.New(rand.NewPCG(1, 2)), tokens: map[string]oauthToken{}, schedules: map[string]*scheduleTimer{}}
		o := delivery.Options[*job]{
			Clock:      s.env.Clock,
			Attempt:    p.attempt,
			DeadLetter: p.deadLetter,
			MaxRecords: -1,
		}
		if s.env.Journal != nil { // waiting deliveries persist (persist_delivery.go)
			o.Journal, o.KeyPrefix, o.Encode = s.env.Journal, keyDelivery, encodeJob
		}
		q, err := delivery.New(o)
		if err == nil {
			p.q = q
		}
		s.data = p
	})
	return s.data.(*dataPlane)
}

// Close stops the service's deliveries and schedules.
func (s *Service) Close() error {
	p := s.plane()
	p.mu.Lock()
	for k, st := range p.schedules {
		st.timer.Stop()
		delete(p.schedules, k)
	}
	p.mu.Unlock()
	if p.q != nil {
		p.q.Close()
	}
	return nil
}

// SetRetrySeed reseeds the jitter of the targets' retry delays (each delay
// is drawn from [d/2, d) of the exponential schedule), so that a test sees
// the same schedule every run; the default seed is fixed too.
func (s *Service) SetRetrySeed(seed uint64) {
	p := s.plane()
	p.mu.Lock()
	p.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	p.mu.Unlock()
}

// jitter returns a number in [0, 1) from the plane's seeded source.
func (p *dataPlane) jitter() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.Float64()
}

// matchedRule is a rule an event matched, with its targets at that time.
type matchedRule struct {
	arn, name string
	targets   []*target
}

// matchLocked returns the enabled rules of b that match ev; with only, just
// the rules whose ARN it holds (a replay's FilterArns). s.mu is held.
func (s *Service) matchLocked(b *bus, ev *event, only map[string]bool) []matchedRule {
	rules, err := b.match(ev.document())
	if err != nil {
		return nil
	}
	out := make([]matchedRule, 0, len(rules))
	for _, r := range rules {
		if len(only) > 0 && !only[r.arn] {
			continue
		}
		out = append(out, matchedRule{arn: r.arn, name: r.name, targets: r.targets})
	}
	return out
}

// dispatch hands ev to every target of the matched rules. Archive targets
// take the event at once (replayed events are not archived); the others go
// through the delivery queue, so a failing target never holds up another.
func (p *dataPlane) dispatch(rules []matchedRule, ev *event) {
	for _, r := range rules {
		for _, t := range r.targets {
			p.dispatchOne(r.arn, r.name, t, ev)
		}
	}
}

// dispatchOne hands ev to target t of rule ruleArn.
func (p *dataPlane) dispatchOne(ruleArn, ruleName string, t *target, ev *event) {
	arn := strOf(t.Arn)
	if a, ok := splitDPARN(arn); ok && a.service == "events" && strings.HasPrefix(a.resource, "archive/") {
		if ev.replayName == "" {
			p.archive(arn, ev)
		}
		return
	}
	payload, ok := targetPayload(&t.Target, transformContext{ruleArn: ruleArn, ruleName: ruleName, ev: ev, doc: ev.document()})
	if !ok {
		p.record(DeliveryRecord{EventID: ev.id, RuleArn: ruleArn, TargetID: strOf(t.Id), TargetArn: arn, At: p.s.now(),
			Outcome: "Skipped", Error: "the InputPath selects nothing in the event"})
		return
	}
	j := &job{s: p.s, ruleArn: ruleArn, ruleName: ruleName, t: t, ev: ev, payload: payload}
	d := delivery.Delivery[*job]{ID: ev.id, Payload: j}
	d.Target, d.Policy = p.deliveryPolicy(ruleArn, t)
	if t.SqsParameters != nil && t.SqsParameters.MessageGroupId != nil {
		d.OrderingKey = arn + "|" + *t.SqsParameters.MessageGroupId
	}
	if p.q == nil {
		return
	}
	if _, err := p.q.Enqueue(d); err != nil && p.s.env.Logger != nil {
		p.s.env.Logger.Warn("eventbridge: queueing a delivery", "rule", ruleArn, "target", arn, "error", err)
	}
}

// deliveryPolicy is the queue target and retry policy of deliveries to
// target t of rule ruleArn: the rule and target, or, for an API destination
// with a rate limit, the destination.
func (p *dataPlane) deliveryPolicy(ruleArn string, t *target) (string, delivery.Policy) {
	arn := strOf(t.Arn)
	policy := delivery.EventBridgePolicy{MaximumRetryAttempts: t.maxAttempts, MaximumEventAge: t.maxAge, Jitter: p.jitter}
	if a, ok := splitDPARN(arn); ok && a.service == "events" && strings.HasPrefix(a.resource, "api-destination/") {
		if rate := p.s.apiDestinationRate(arn); rate > 0 {
			return arn, ratedPolicy{EventBridgePolicy: policy, rate: rate}
		}
	}
	return ruleArn + "#" + strOf(t.Id), policy
}

// targetRemoved drops the deliveries to a removed target (or of a deleted
// rule) that wait for an attempt, without dead-lettering them; the
// control plane calls it after RemoveTargets and DeleteRule.
func (s *Service) targetRemoved(ruleArn, targetID string) {
	p := s.plane()
	if p.q != nil {
		p.q.CancelTarget(ruleArn + "#" + targetID)
	}
}

// attempt makes one delivery attempt.
func (p *dataPlane) attempt(ctx context.Context, a delivery.Attempt[*job]) delivery.Outcome {
	j := a.Payload
	if j.t.removed.Load() {
		p.record(DeliveryRecord{EventID: j.ev.id, RuleArn: j.ruleArn, TargetID: strOf(j.t.Id), TargetArn: strOf(j.t.Arn),
			Attempt: a.Number, At: a.Due, Outcome: "Cancelled", Final: "Cancelled", Error: "the target was removed"})
		return delivery.Drop("the target was removed")
	}
	f, wait := p.attemptFault(ctx, j)
	if wait > 0 {
		return delivery.Postpone(wait)
	}
	err := p.send(ctx, j, f)
	rec := DeliveryRecord{EventID: j.ev.id, RuleArn: j.ruleArn, TargetID: strOf(j.t.Id), TargetArn: strOf(j.t.Arn),
		Attempt: a.Number, At: a.Due}
	if err == nil {
		// One record per attempt: the successful one also ends the
		// delivery.
		rec.Outcome, rec.Final = "Delivered", "Delivered"
		p.record(rec)
		return delivery.Delivered()
	}
	code, msg, retriable := classify(err)
	j.lastCode, j.lastMessage = code, msg
	rec.ErrorCode, rec.Error = code, msg
	if retriable {
		rec.Outcome = "Failed"
		p.record(rec)
		return delivery.Retry(msg)
	}
	rec.Outcome = "Refused"
	p.record(rec)
	return delivery.Fail(msg)
}

// exhaustedCondition is the EXHAUSTED_RETRY_CONDITION of a status, "" for
// failures that were not retried.
func exhaustedCondition(st delivery.Status) string {
	switch st {
	case delivery.StatusRetriesExhausted:
		return "MaximumRetryAttempts"
	case delivery.StatusEventAgeExceeded:
		return "MaximumEventAgeInSeconds"
	}
	return ""
}

// deadLetter sends a failed event to the target's dead-letter queue, or
// drops and counts it.
func (p *dataPlane) deadLetter(r delivery.Result[*job]) {
	j := r.Payload
	rec := DeliveryRecord{EventID: j.ev.id, RuleArn: j.ruleArn, TargetID: strOf(j.t.Id), TargetArn: strOf(j.t.Arn),
		Attempt: r.Attempts, At: r.Ended, Outcome: "Failed", ErrorCode: j.lastCode, Error: j.lastMessage,
		Condition: exhaustedCondition(r.Status)}
	if j.lastCode == "" {
		rec.ErrorCode, rec.Error = codeInternal, r.Reason
	}
	dlq := ""
	if j.t.DeadLetterConfig != nil {
		dlq = strOf(j.t.DeadLetterConfig.Arn)
	}
	if dlq == "" {
		rec.Final = "Dropped"
		p.drop(rec)
		return
	}
	attrs := map[string]sqs.MessageAttributeValue{
		"RULE_ARN":       stringAttr(j.ruleArn),
		"TARGET_ARN":     stringAttr(strOf(j.t.Arn)),
		"ERROR_CODE":     stringAttr(rec.ErrorCode),
		"ERROR_MESSAGE":  stringAttr(rec.Error),
		"RETRY_ATTEMPTS": stringAttr(strconv.Itoa(max(r.Attempts-1, 0))),
	}
	if rec.Condition != "" {
		attrs["EXHAUSTED_RETRY_CONDITION"] = stringAttr(rec.Condition)
	}
	// unverified: the dead-letter message's body is the event as matched
	// (not the target's transformed input).
	err := p.s.sendSQS(context.Background(), dlq, &sqs.SendMessageInput{MessageBody: ptrStr(string(j.ev.document())), MessageAttributes: attrs})
	if err != nil {
		rec.Final = "Dropped"
		rec.Error += " (dead-letter queue: " + err.Error() + ")"
		p.drop(rec)
		return
	}
	rec.Final = "DeadLettered"
	p.record(rec)
}

// drop records a dropped event.
func (p *dataPlane) drop(rec DeliveryRecord) {
	p.mu.Lock()
	p.dropped++
	p.mu.Unlock()
	p.record(rec)
	if l := p.s.env.Logger; l != nil {
		l.Warn("eventbridge: event dropped", "event", rec.EventID, "rule", rec.RuleArn, "target", rec.TargetArn, "error", rec.Error)
	}
}

// record keeps rec, dropping the oldest beyond maxDeliveryRecords.
func (p *dataPlane) record(rec DeliveryRecord) {
	if obs := p.s.env.Observe; obs != nil {
		detail := rec.Outcome + ", attempt " + strconv.Itoa(rec.Attempt)
		if rec.Final != "" {
			detail += ", " + rec.Final
		}
		if rec.Error != "" {
			detail += ": " + rec.Error
		}
		obs(awsapi.Observation{Kind: "delivery", Service: "events", Operation: "deliver", Resource: rec.RuleArn + "/" + rec.TargetID,
			Failed: rec.Outcome != "Delivered", Detail: detail})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.records) < maxDeliveryRecords {
		p.records = append(p.records, rec)
		return
	}
	p.records[p.recHead] = rec
	p.recHead = (p.recHead + 1) % maxDeliveryRecords
}

// Deliveries returns the recorded delivery attempts and endings, oldest
// first, that f selects.
func (s *Service) Deliveries(f DeliveryFilter) []DeliveryRecord {
	p := s.plane()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]DeliveryRecord, 0)
	n := len(p.records)
	for i := range n {
		r := p.records[(p.recHead+i)%n]
		if (f.EventID == "" || r.EventID == f.EventID) && (f.RuleArn == "" || r.RuleArn == f.RuleArn) &&
			(f.TargetID == "" || r.TargetID == f.TargetID) {
			out = append(out, r)
		}
	}
	return out
}

// DroppedEvents returns how many deliveries failed with no dead-letter
// queue to take them (or one that refused them).
func (s *Service) DroppedEvents() int {
	p := s.plane()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped
}

// PendingDeliveries returns how many deliveries have not ended.
func (s *Service) PendingDeliveries() int {
	p := s.plane()
	if p.q == nil {
		return 0
	}
	return p.q.Pending()
}

// targetError is a delivery failure with its dead-letter error code.
type targetError struct {
	code      string
	retriable bool
	err       error
}

func (e *targetError) Error() string { return e.err.Error() }
func (e *targetError) Unwrap() error { return e.err }

// classify returns the dead-letter error code and message of a failed
// attempt and whether it is retried. Missing resources and permissions
// are not retried (AWS sends them to the DLQ at once); throttles and
// server faults are.
// unverified: the codes for each target service's errors.
func classify(err error) (code, message string, retriable bool) {
	var te *targetError
	if errors.As(err, &te) {
		msg := te.err.Error()
		if ae, ok := awsapi.AsError(te.err); ok {
			msg = ae.Message
		}
		return te.code, msg, te.retriable
	}
	ae, ok := awsapi.AsError(err)
	if !ok {
		return codeInternal, err.Error(), true
	}
	c := ae.Code
	switch {
	case strings.Contains(c, "NotFound") || strings.Contains(c, "NonExistent") || c == "QueueDoesNotExist":
		return codeNoResource, ae.Message, false
	case strings.Contains(c, "AccessDenied") || strings.Contains(c, "Authorization") || strings.Contains(c, "NotAuthorized"):
		return codeNoPermissions, ae.Message, false
	case strings.Contains(c, "Throttl") || strings.Contains(c, "TooManyRequests") || strings.Contains(c, "ThroughputExceeded") ||
		strings.Contains(c, "RequestLimitExceeded"):
		return codeThrottling, ae.Message, true
	case ae.Receiver || ae.HTTPStatus() >= 500:
		return codeInternal, ae.Message, true
	case strings.Contains(c, "ResourceConflict") || strings.Contains(c, "ResourceInUse"):
		return codeSDKClientError, ae.Message, true
	}
	return codeSDKClientError, ae.Message, false
}

// send delivers j's payload to its target once, under f, the injected
// fault for the call the delivery makes (targets_deliver_faults.go).
func (p *dataPlane) send(ctx context.Context, j *job, f *awsapi.Fault) error {
	arn := strOf(j.t.Arn)
	a, ok := splitDPARN(arn)
	if !ok {
		return &targetError{code: codeInvalidParam, err: fmt.Errorf("target %s is not an ARN", arn)}
	}
	if err := faults.FailBefore(f); err != nil {
		return faultError(a, err)
	}
	if err := p.sendTo(ctx, j, a, arn); err != nil {
		return err
	}
	if err := faults.FailAfter(f); err != nil {
		return faultError(a, err)
	}
	return nil
}

// sendTo delivers j's payload to its target, arn (split as a), once.
func (p *dataPlane) sendTo(ctx context.Context, j *job, a dpARN, arn string) error {
	switch a.service {
	case "sqs":
		return p.sendSQSTarget(ctx, j, arn)
	case "sns":
		return p.sendSNS(ctx, j, a, arn)
	case "lambda":
		return p.sendLambda(ctx, j, a, arn)
	case "kinesis":
		return p.sendKinesis(ctx, j, a)
	case "events":
		switch {
		case strings.HasPrefix(a.resource, "event-bus/"):
			return p.sendBus(ctx, j, a)
		case strings.HasPrefix(a.resource, "api-destination/"):
			return p.sendAPIDestination(ctx, j, arn)
		}
	}
	return &targetError{code: codeInvalidParam, err: fmt.Errorf("evolvestack does not deliver to %s targets (%s)", a.service, arn)}
}

// requestCtx returns ctx carrying request info for a call into another
// service's scope, made by EventBridge.
func (s *Service) requestCtx(ctx context.Context, scope awsapi.Scope) context.Context {
	endpoint := ""
	if s.env.Endpoint != nil {
		endpoint = s.env.Endpoint()
	}
	return awsapi.WithRequest(ctx, &awsapi.RequestInfo{RequestID: uuid.NewString(), Scope: scope, Service: "events", Endpoint: endpoint})
}

// service returns another service of scope, or an error a delivery
// reports.
func (s *Service) service(name string, scope awsapi.Scope) (any, error) {
	if s.env.Services == nil {
		return nil, &targetError{code: codeInternal, err: errors.New("no other services in this emulator")}
	}
	svc := s.env.Services(name, scope)
	if svc == nil {
		return nil, &targetError{code: codeNoResource, err: fmt.Errorf("no %s service for %s/%s", name, scope.Account, scope.Region)}
	}
	return svc, nil
}

type sqsSender interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput) (*sqs.GetQueueUrlOutput, error)
	SendMessage(context.Context, *sqs.SendMessageInput) (*sqs.SendMessageOutput, error)
}

// sendSQS sends in to the queue queueArn names.
func (s *Service) sendSQS(ctx context.Context, queueArn string, in *sqs.SendMessageInput) error {
	a, ok := splitDPARN(queueArn)
	if !ok || a.service != "sqs" {
		return &targetError{code: codeInvalidParam, err: fmt.Errorf("%s is not an SQS queue ARN", queueArn)}
	}
	scope := awsapi.Scope{Account: a.account, Region: a.region}
	svc, err := s.service("sqs", scope)
	if err != nil {
		return err
	}
	q, ok := svc.(sqsSender)
	if !ok {
		return &targetError{code: codeInternal, err: errors.New("the SQS service cannot take messages")}
	}
	rctx := s.requestCtx(ctx, scope)
	u, err := q.GetQueueUrl(rctx, &sqs.GetQueueUrlInput{QueueName: &a.resource, QueueOwnerAWSAccountId: &a.account})
	if err != nil {
		return err
	}
	msg := *in
	msg.QueueUrl = u.QueueUrl
	_, err = q.SendMessage(rctx, &msg)
	return err
}

// sendSQSTarget sends the payload to an SQS target; FIFO queues get the
// target's message group and the event id as deduplication id.
func (p *dataPlane) sendSQSTarget(ctx context.Context, j *job, arn string) error {
	in := &sqs.SendMessageInput{MessageBody: ptrStr(string(j.payload))}
	if strings.HasSuffix(arn, ".fifo") {
		if j.t.SqsParameters != nil {
			in.MessageGroupId = j.t.SqsParameters.MessageGroupId
		}
		// unverified: AWS deduplicates FIFO targets by event id.
		in.MessageDeduplicationId = ptrStr(j.ev.id)
	}
	return p.s.sendSQS(ctx, arn, in)
}

type snsPublisher interface {
	Publish(context.Context, *sns.PublishInput) (*sns.PublishOutput, error)
}

// sendSNS publishes the payload to an SNS topic.
func (p *dataPlane) sendSNS(ctx context.Context, j *job, a dpARN, arn string) error {
	scope := awsapi.Scope{Account: a.account, Region: a.region}
	svc, err := p.s.service("sns", scope)
	if err != nil {
		return err
	}
	pub, ok := svc.(snsPublisher)
	if !ok {
		return &targetError{code: codeInternal, err: errors.New("the SNS service cannot publish")}
	}
	in := &sns.PublishInput{TopicArn: &arn, Message: ptrStr(string(j.payload))}
	if strings.HasSuffix(arn, ".fifo") {
		in.MessageGroupId = ptrStr(j.ruleName) // unverified: the group of a FIFO topic target.
		in.MessageDeduplicationId = ptrStr(j.ev.id)
	}
	_, err = pub.Publish(p.s.requestCtx(ctx, scope), in)
	return err
}

type lambdaInvoker interface {
	InvokeEvent(ctx context.Context, functionName string, payload []byte) (string, error)
}

// sendLambda queues an asynchronous invocation: Lambda's own retries,
// DLQ and destinations then apply.
func (p *dataPlane) sendLambda(ctx context.Context, j *job, a dpARN, arn string) error {
	scope := awsapi.Scope{Account: a.account, Region: a.region}
	svc, err := p.s.service("lambda", scope)
	if err != nil {
		return err
	}
	inv, ok := svc.(lambdaInvoker)
	if !ok {
		return &targetError{code: codeInternal, err: errors.New("the Lambda service cannot take events")}
	}
	_, err = inv.InvokeEvent(p.s.requestCtx(ctx, scope), arn, j.payload)
	return err
}

type kinesisPutter interface {
	PutRecord(context.Context, *kinesis.PutRecordInput) (*kinesis.PutRecordOutput, error)
}

// sendKinesis puts the payload on a stream, keyed by the target's
// PartitionKeyPath (evaluated on the event) or the event id.
func (p *dataPlane) sendKinesis(ctx context.Context, j *job, a dpARN) error {
	scope := awsapi.Scope{Account: a.account, Region: a.region}
	svc, err := p.s.service("kinesis", scope)
	if err != nil {
		return err
	}
	k, ok := svc.(kinesisPutter)
	if !ok {
		return &targetError{code: codeInternal, err: errors.New("the Kinesis service cannot take records")}
	}
	key := j.ev.id
	if kp := j.t.KinesisParameters; kp != nil && kp.PartitionKeyPath != nil && *kp.PartitionKeyPath != "" {
		if path, err := parseJSONPath(*kp.PartitionKeyPath); err == nil {
			if v, ok := path.eval(j.ev.document()); ok {
				key = string(appendValue(nil, v, true))
			}
		}
	}
	streamArn := "arn:" + a.partition + ":kinesis:" + a.region + ":" + a.account + ":" + a.resource
	_, err = k.PutRecord(p.s.requestCtx(ctx, scope), &kinesis.PutRecordInput{StreamARN: &streamArn, Data: j.payload, PartitionKey: &key})
	return err
}

// sendBus puts the event on another bus (of this or another account or
// region); the event keeps its id, account and time.
func (p *dataPlane) sendBus(ctx context.Context, j *job, a dpARN) error {
	owner := p.s
	if a.account != p.s.env.Scope.Account || a.region != p.s.env.Scope.Region {
		owner = p.s.other(a.account, a.region)
		if owner == nil {
			return &targetError{code: codeNoResource, err: fmt.Errorf("no event bus service for %s/%s", a.account, a.region)}
		}
	}
	name := strings.TrimPrefix(a.resource, "event-bus/")
	ev := *j.ev
	ev.doc = nil
	ev.ingested = p.s.now()
	ev.seal()
	if err := owner.deliverToBus(p.s.requestCtx(ctx, owner.env.Scope), p.s.env.Scope.Account, name, &ev); err != nil {
		return err
	}
	return nil
}

// archive appends ev to the archive arn names.
func (p *dataPlane) archive(arn string, ev *event) {
	p.s.mu.RLock()
	a := p.s.archiveByARN(arn)
	p.s.mu.RUnlock()
	if a == nil {
		return
	}
	p.s.expireArchive(a)
	a.add(ev.ingested, ev.document())
}

// stringAttr is an SQS String message attribute.
func stringAttr(v string) sqs.MessageAttributeValue {
	return sqs.MessageAttributeValue{DataType: ptrStr("String"), StringValue: ptrStr(v)}
}

// ptrStr returns a pointer to a copy of v.
func ptrStr(v string) *string { return &v }
