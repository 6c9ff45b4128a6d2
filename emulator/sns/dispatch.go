package sns

// Asynchronous delivery: every (notification, subscription) pair of an
// SQS, Lambda or HTTP(S) subscription is queued on the shared delivery
// engine (emulator/delivery) of the topic owner's service, with SNS's
// retry policy for the protocol: the managed policy for SQS and Lambda
// (client-side errors, such as a deleted queue or function, are not
// retried), the subscription's or topic's DeliveryPolicy for HTTP(S). A
// delivery that fails for good goes to the subscription's dead-letter
// queue, or is dropped and counted. Two queues keep slow HTTP endpoints
// from holding up SQS and Lambda deliveries. Every attempt is recorded
// (DeliveryAttempts).

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/delivery"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// HTTP delivery limits.
const (
	// httpTimeout is how long SNS waits for an HTTP(S) endpoint's answer
	// before counting the attempt as failed.
	httpTimeout = 15 * time.Second
	// maxHTTPResponse is how much of an endpoint's answer is read.
	maxHTTPResponse = 64 << 10
	// httpConcurrency bounds the HTTP(S) attempts running at once per
	// service; managedConcurrency the SQS and Lambda ones.
	httpConcurrency    = 16
	managedConcurrency = 32
	// maxAttemptRecords bounds the attempt records kept per service.
	maxAttemptRecords = 1000
)

// DeliveryAttempt is one attempt to deliver a message to a subscription,
// or the move of a message that could not be delivered to the
// subscription's dead-letter queue (Outcome "DeadLettered", Endpoint the
// queue ARN).
type DeliveryAttempt struct {
	MessageID       string    `json:"messageId"`
	TopicArn        string    `json:"topicArn"`
	SubscriptionArn string    `json:"subscriptionArn"`
	Protocol        string    `json:"protocol"`
	Endpoint        string    `json:"endpoint"`
	Attempt         int       `json:"attempt"`
	Time            time.Time `json:"time"`
	// Outcome is Success, Retryable, Permanent, Throttled, Discard or
	// DeadLettered.
	Outcome string `json:"outcome"`
	// StatusCode is an HTTP(S) endpoint's answer (0 when none came).
	StatusCode int    `json:"statusCode,omitempty"`
	Error      string `json:"error,omitempty"`
	// Final is how the delivery ended when this attempt ended it:
	// Delivered, RetriesExhausted, Failed or Discarded.
	Final string `json:"final,omitempty"`
}

// AttemptFilter selects attempt records; empty fields match everything.
type AttemptFilter struct {
	MessageID, TopicArn, SubscriptionArn string
}

// job is one queued delivery: a notification (or, for a pending HTTP(S)
// subscription, its confirmation) to one subscription. Attempts of a job
// never overlap, so the cached fields need no lock.
type job struct {
	sub     *subscription
	n       *notification // nil for a confirmation
	confirm *Delivery     // the SubscriptionConfirmation POST
	// What the endpoint gets, built when the delivery is queued: the SQS
	// message, the Lambda event or the HTTP(S) POST (body and headers).
	sqsIn   *sqs.SendMessageInput
	payload []byte
	rec     *Delivery
	// pol is the delivery's retry policy.
	pol delivery.Policy
}

// dispatcher is a service's delivery state.
type dispatcher struct {
	mu      sync.Mutex
	closed  bool
	managed *delivery.Queue[*job]
	web     *delivery.Queue[*job]
	client  *http.Client

	recMu    sync.Mutex
	attempts []DeliveryAttempt // ring of the last maxAttemptRecords
	next     int
	dropped  int

	reqIDs requestIDs // of the SQS calls deliveries make
}

// requestIDs hands out request IDs for a service's own calls to another
// service: random-looking UUIDs, unique within the service, made without
// reading randomness for each one (a delivery attempt needs one).
type requestIDs struct {
	once sync.Once
	base uuid.UUID
	n    atomic.Uint64
}

// next returns a new request ID: the service's random base UUID with a
// counter folded into its last eight bytes (version and variant kept).
func (r *requestIDs) next() string {
	r.once.Do(func() { r.base = uuid.New() })
	id := r.base
	binary.BigEndian.PutUint64(id[8:], binary.BigEndian.Uint64(id[8:])^r.n.Add(1))
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id.String()
}

// Close stops the service's delivery queues (waiting deliveries are
// dropped; running attempts are cancelled) and closes idle HTTP
// connections. The service must not publish afterwards.
func (s *Service) Close() error {
	d := &s.disp
	d.mu.Lock()
	d.closed = true
	qs := []*delivery.Queue[*job]{d.managed, d.web}
	client := d.client
	d.mu.Unlock()
	for _, q := range qs {
		if q != nil {
			q.Close()
		}
	}
	if client != nil {
		client.CloseIdleConnections()
	}
	return nil
}

// queue returns the managed or HTTP delivery queue, made on first use;
// nil once the service is closed or without a clock.
func (s *Service) queue(web bool) *delivery.Queue[*job] {
	d := &s.disp
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || s.env.Clock == nil {
		return nil
	}
	q := &d.managed
	limit := managedConcurrency
	if web {
		q, limit = &d.web, httpConcurrency
	}
	if *q == nil {
		o := delivery.Options[*job]{
			Clock:         s.env.Clock,
			Attempt:       s.attempt,
			DeadLetter:    s.deadLetter,
			MaxConcurrent: limit,
			MaxRecords:    -1, // DeliveryAttempts keeps richer ones
		}
		if s.env.Journal != nil {
			o.Journal, o.KeyPrefix, o.Encode = s.env.Journal, managedPrefix, encodeJob
			if web {
				o.KeyPrefix = webPrefix
			}
		}
		nq, err := delivery.New(o)
		if err != nil {
			return nil
		}
		*q = nq
	}
	return *q
}

// httpClient is the client of HTTP(S) deliveries: a 15-second timeout,
// redirects not followed, a bounded number of connections per host.
func (s *Service) httpClient() *http.Client {
	d := &s.disp
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.client == nil {
		tr := &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: httpTimeout}).DialContext,
			MaxIdleConnsPerHost:   httpConcurrency,
			MaxConnsPerHost:       httpConcurrency,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   httpTimeout,
			ResponseHeaderTimeout: httpTimeout,
		}
		d.client = &http.Client{
			Transport: tr,
			Timeout:   httpTimeout,
			// unverified: SNS does not follow redirects; a 3xx answer is
			// the attempt's result.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return d.client
}

// enqueue queues the delivery of n to sub, with what the endpoint gets
// built now (signing stays on the publisher's time; raw SQS attributes
// come from the fan-out's raw). FIFO topics order each subscription's
// deliveries by message group.
func (s *Service) enqueue(ctx context.Context, t *topic, sub *subscription, n *notification, raw *rawAttrs) {
	web := sub.protocol == "http" || sub.protocol == "https"
	q := s.queue(web)
	if q == nil {
		s.countDropped(sub, n.messageID, "the service is closed")
		return
	}
	var pol delivery.Policy = delivery.SNSManagedPolicy()
	if web {
		pol = httpPolicy(sub.deliveryPolicy, t.settings().DeliveryPolicy)
	}
	j := &job{sub: sub, n: n, pol: pol}
	if err := s.prepare(t, j, raw); err != nil {
		s.deliveryFailed(ctx, sub, n, err)
		return
	}
	d := delivery.Delivery[*job]{ID: n.messageID, Target: sub.arn, Payload: j, Policy: pol}
	if n.fifo {
		d.OrderingKey = sub.arn + "\x00" + n.groupID
	}
	if _, err := q.Enqueue(d); err != nil {
		s.countDropped(sub, n.messageID, err.Error())
	}
}

// prepare builds what j's endpoint receives.
func (s *Service) prepare(t *topic, j *job, raw *rawAttrs) error {
	var err error
	switch j.sub.protocol {
	case "sqs":
		j.sqsIn, err = s.sqsMessage(j.sub, j.n, raw)
	case "lambda":
		j.payload, err = j.n.lambdaEvent(j.sub.arn)
	default:
		var d Delivery
		if d, err = s.httpDelivery(j.sub, j.n); err == nil {
			d.Headers["Content-Type"] = contentType(j.sub.deliveryPolicy, t.settings().DeliveryPolicy)
			j.rec = &d
		}
	}
	return err
}

// enqueueConfirmation queues the SubscriptionConfirmation POST of an
// HTTP(S) subscription, retried as its notifications would be.
func (s *Service) enqueueConfirmation(t *topic, sub *subscription, rec *Delivery) {
	q := s.queue(true)
	if q == nil {
		return
	}
	pol := httpPolicy(sub.deliveryPolicy, t.settings().DeliveryPolicy)
	_, _ = q.Enqueue(delivery.Delivery[*job]{ID: rec.MessageID, Target: sub.arn, Payload: &job{sub: sub, confirm: rec, pol: pol}, Policy: pol})
}

// effectivePolicy is the part of an EffectiveDeliveryPolicy deliveries use.
type effectivePolicy struct {
	Healthy  *retryPolicyFull `json:"healthyRetryPolicy"`
	Throttle *struct {
		MaxReceivesPerSecond int `json:"maxReceivesPerSecond"`
	} `json:"throttlePolicy"`
	Request *requestPolicy `json:"requestPolicy"`
}

// httpPolicy is the retry policy of an HTTP(S) subscription: its
// DeliveryPolicy, else its topic's, else SNS's default (three retries 20
// seconds apart).
func httpPolicy(subPolicy, topicPolicy string) delivery.Policy {
	_, eff := subscriptionPolicies(subPolicy, topicPolicy)
	var p effectivePolicy
	if err := json.Unmarshal([]byte(eff), &p); err != nil || p.Healthy == nil {
		return delivery.SNSDefaultHTTPPolicy()
	}
	h := p.Healthy
	out := delivery.SNSPolicy{
		NumRetries: h.NumRetries, NumNoDelayRetries: h.NumNoDelayRetries, NumMinDelayRetries: h.NumMinDelayRetries,
		NumMaxDelayRetries: h.NumMaxDelayRetries, MinDelayTarget: time.Duration(h.MinDelayTarget) * time.Second,
		MaxDelayTarget: time.Duration(h.MaxDelayTarget) * time.Second, BackoffFunction: h.BackoffFunction,
	}
	if p.Throttle != nil {
		out.MaxReceivesPerSecond = p.Throttle.MaxReceivesPerSecond
	}
	if out.Validate() != nil {
		return delivery.SNSDefaultHTTPPolicy()
	}
	return out
}

// contentType is the Content-Type of an HTTP(S) subscription's POSTs.
func contentType(subPolicy, topicPolicy string) string {
	_, eff := subscriptionPolicies(subPolicy, topicPolicy)
	var p effectivePolicy
	if json.Unmarshal([]byte(eff), &p) == nil && p.Request != nil && p.Request.HeaderContentType != "" {
		return p.Request.HeaderContentType
	}
	return defaultContentType
}

// current reports whether sub still exists (an unsubscribed or expired
// subscription gets no more attempts).
func (s *Service) current(sub *subscription) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.subs[sub.arn] != nil
}

// attempt makes one delivery attempt (delivery.Options.Attempt).
func (s *Service) attempt(ctx context.Context, a delivery.Attempt[*job]) delivery.Outcome {
	j := a.Payload
	rec := DeliveryAttempt{SubscriptionArn: j.sub.arn, TopicArn: j.sub.topicArn, Protocol: j.sub.protocol,
		Endpoint: j.sub.endpoint, Attempt: a.Number, Time: a.Due}
	var out delivery.Outcome
	switch {
	case !s.current(j.sub):
		out = delivery.Drop("the subscription no longer exists")
	case j.confirm != nil:
		rec.MessageID = j.confirm.MessageID
		out, rec.StatusCode = s.post(ctx, j.sub, j.confirm)
	default:
		rec.MessageID = j.n.messageID
		out, rec.StatusCode = s.attemptNotification(ctx, a, j)
	}
	rec.Outcome, rec.Error = out.Kind.String(), out.Reason
	rec.Final = finalStatus(out, a)
	s.recordAttempt(rec)
	return out
}

// finalStatus is how the delivery ends with outcome out, "" when it will
// be tried again.
func finalStatus(out delivery.Outcome, a delivery.Attempt[*job]) string {
	switch out.Kind {
	case delivery.Success:
		return delivery.StatusDelivered.String()
	case delivery.Permanent:
		return delivery.StatusFailed.String()
	case delivery.Discard:
		return delivery.StatusDiscarded.String()
	case delivery.Retryable:
		if _, more := a.Payload.pol.RetryDelay(a.Number); !more {
			return delivery.StatusRetriesExhausted.String()
		}
	}
	return ""
}

// attemptNotification delivers a notification by the subscription's
// protocol.
func (s *Service) attemptNotification(ctx context.Context, a delivery.Attempt[*job], j *job) (delivery.Outcome, int) {
	switch j.sub.protocol {
	case "sqs":
		in := *j.sqsIn
		return classify(s.sendSQS(ctx, j.sub.endpoint, &in, j.n.endpoint)), 0
	case "lambda":
		return classify(s.invokeLambda(ctx, j.sub.endpoint, j.payload, j.n.endpoint)), 0
	}
	if a.Number == 1 && a.Throttles == 0 {
		s.pub.record(*j.rec)
	}
	return s.postFaulted(ctx, j.sub, j.rec)
}

// classify maps an SQS or Lambda delivery error to an outcome: a
// client-side error (the endpoint is gone or refuses SNS, a message it can
// never take) fails at once; throttling and server errors are retried.
func classify(err error) delivery.Outcome {
	if err == nil {
		return delivery.Delivered()
	}
	if errors.Is(err, errDiscarded) {
		return delivery.Fail(err.Error())
	}
	ae, ok := awsapi.AsError(err)
	if !ok {
		return delivery.Retry(err.Error())
	}
	switch ae.Code {
	case "TooManyRequestsException", "Throttling", "ThrottlingException", "RequestThrottled", "ServiceException",
		"ResourceConflictException", "EC2ThrottledException", "ServiceUnavailable", "InternalFailure", "InternalError":
		return delivery.Retry(err.Error())
	}
	if ae.Status >= http.StatusInternalServerError {
		return delivery.Retry(err.Error())
	}
	return delivery.Fail(err.Error())
}

// post sends one HTTP(S) request and classifies the answer: 2xx delivers;
// 5xx, answers outside 200-599, timeouts and connection errors are
// retried; other answers (3xx, 4xx) fail without retries.
func (s *Service) post(ctx context.Context, sub *subscription, d *Delivery) (delivery.Outcome, int) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.endpoint, strings.NewReader(d.Body))
	if err != nil {
		return delivery.Fail(fmt.Sprintf("sns: building the request to %s: %v", sub.endpoint, err)), 0
	}
	for k, v := range d.Headers {
		if strings.HasPrefix(k, "x-amz-") {
			req.Header[k] = []string{v} // AWS's lower-case names, as sent
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return delivery.Retry(fmt.Sprintf("sns: POST %s: %v", sub.endpoint, err)), 0
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxHTTPResponse))
	_ = resp.Body.Close()
	code := resp.StatusCode
	reason := "HTTP " + strconv.Itoa(code)
	switch {
	case code >= 200 && code < 300:
		return delivery.Delivered(), code
	case code >= 500 || code < 200:
		return delivery.Retry(reason), code
	}
	// unverified: SNS retries only 5xx (and answers outside 200-599); a
	// 3xx or 4xx answer is taken as a client-side error.
	return delivery.Fail(reason), code
}

// deadLetter moves a notification that could not be delivered to the
// subscription's dead-letter queue, or drops and counts it.
func (s *Service) deadLetter(r delivery.Result[*job]) {
	j := r.Payload
	if j.n == nil {
		return // confirmations are not dead-lettered
	}
	sub := j.sub
	s.mu.RLock()
	if cur := s.subs[sub.arn]; cur != nil {
		sub = cur // the redrive policy in force now
	}
	s.mu.RUnlock()
	if sub.deadLetterTargetArn == "" {
		s.countDropped(sub, j.n.messageID, r.Reason)
		return
	}
	err := s.sendDeadLetter(context.Background(), sub, j.n)
	rec := DeliveryAttempt{MessageID: j.n.messageID, TopicArn: sub.topicArn, SubscriptionArn: sub.arn, Protocol: "sqs",
		Endpoint: sub.deadLetterTargetArn, Attempt: r.Attempts, Time: r.Ended, Outcome: "DeadLettered", Error: r.Reason}
	if err != nil {
		rec.Error = err.Error()
		s.countDropped(sub, j.n.messageID, err.Error())
	}
	s.recordAttempt(rec)
}

// countDropped counts (and logs) a message dropped for a subscription.
func (s *Service) countDropped(sub *subscription, messageID, reason string) {
	s.disp.recMu.Lock()
	s.disp.dropped++
	s.disp.recMu.Unlock()
	if s.env.Logger != nil {
		s.env.Logger.Warn("sns: message not delivered", "subscription", sub.arn, "message", messageID, "reason", reason)
	}
}

// recordAttempt keeps an attempt record.
func (s *Service) recordAttempt(rec DeliveryAttempt) {
	if s.env.Observe != nil {
		detail := rec.Outcome + ", attempt " + strconv.Itoa(rec.Attempt)
		if rec.Final != "" {
			detail += ", " + rec.Final
		}
		if rec.Error != "" {
			detail += ": " + rec.Error
		}
		s.env.Observe(awsapi.Observation{Kind: "delivery", Service: "sns", Operation: rec.Protocol, Resource: rec.SubscriptionArn,
			Failed: rec.Outcome != "Success", Detail: detail})
	}
	d := &s.disp
	d.recMu.Lock()
	defer d.recMu.Unlock()
	if len(d.attempts) < maxAttemptRecords {
		d.attempts = append(d.attempts, rec)
		return
	}
	d.attempts[d.next] = rec
	d.next = (d.next + 1) % maxAttemptRecords
}

// DeliveryAttempts returns the recorded delivery attempts that f selects,
// oldest first (at most the last 1,000 of the service).
func (s *Service) DeliveryAttempts(f AttemptFilter) []DeliveryAttempt {
	d := &s.disp
	d.recMu.Lock()
	defer d.recMu.Unlock()
	out := []DeliveryAttempt{}
	n := len(d.attempts)
	for i := range n {
		r := d.attempts[(d.next+i)%n]
		if (f.MessageID == "" || r.MessageID == f.MessageID) && (f.TopicArn == "" || r.TopicArn == f.TopicArn) &&
			(f.SubscriptionArn == "" || r.SubscriptionArn == f.SubscriptionArn) {
			out = append(out, r)
		}
	}
	return out
}

// DroppedDeliveries is how many notifications were given up on without a
// dead-letter queue to take them.
func (s *Service) DroppedDeliveries() int {
	s.disp.recMu.Lock()
	defer s.disp.recMu.Unlock()
	return s.disp.dropped
}

// PendingDeliveries is how many deliveries wait for an attempt or a retry.
func (s *Service) PendingDeliveries() int {
	d := &s.disp
	d.mu.Lock()
	qs := []*delivery.Queue[*job]{d.managed, d.web}
	d.mu.Unlock()
	n := 0
	for _, q := range qs {
		if q != nil {
			n += q.Pending()
		}
	}
	return n
}
