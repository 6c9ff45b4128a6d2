package sns

// Fan-out: each deliverable subscription whose filter matches gets the
// notification. SQS, Lambda and HTTP(S) deliveries are queued on the
// delivery engine with SNS's retry policies (dispatch.go); email, SMS,
// mobile push and Firehose deliveries are recorded (deliverTo), as the
// emulator runs no such endpoints.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// messageFilter is a compiled FilterPolicy as the shared matcher provides
// it: body is the message (for the MessageBody scope).
type messageFilter interface {
	Match(attrs map[string]MessageAttributeValue, body []byte) bool
}

// matches reports whether sub's filter policy accepts a message. A
// subscription without a policy, or whose compiled policy is not a
// messageFilter (the permissive default before the matcher is wired in),
// accepts everything.
func (sub *subscription) matches(attrs map[string]MessageAttributeValue, body []byte) bool {
	f, ok := sub.filter.(messageFilter)
	if !ok || f == nil {
		return true
	}
	return f.Match(attrs, body)
}

// errDiscarded marks a message a subscription refuses as a client error
// (it is not retried).
var errDiscarded = errors.New("sns: message discarded")

// sqsSender is the SQS service as deliveries use it.
type sqsSender interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput) (*sqs.GetQueueUrlOutput, error)
	SendMessage(context.Context, *sqs.SendMessageInput) (*sqs.SendMessageOutput, error)
}

// lambdaInvoker is the Lambda service as deliveries use it.
type lambdaInvoker interface {
	InvokeEvent(ctx context.Context, functionName string, payload []byte) (string, error)
}

// deliverTo delivers n to one subscription.
func (s *Service) deliverTo(ctx context.Context, sub *subscription, n *notification) error {
	switch sub.protocol {
	case "sqs":
		return s.deliverSQS(ctx, sub, n)
	case "lambda":
		return s.deliverLambda(ctx, sub, n)
	}
	d := Delivery{Protocol: sub.protocol, Endpoint: sub.endpoint, SubscriptionArn: sub.arn, TopicArn: n.topicArn,
		MessageID: n.messageID, Subject: deref(n.subject), Time: n.timestamp}
	switch sub.protocol {
	case "email", "sms":
		if sub.protocol == "sms" && s.optedOut(sub.endpoint) {
			return nil // AWS sends nothing to an opted-out number.
		}
		d.Body = n.content(sub.protocol)
		if sub.protocol == "email" && n.subject == nil {
			d.Subject = "AWS Notification Message" // unverified: AWS's default email subject.
		}
	case "application":
		d.Body = n.content(platformOf(sub.endpoint))
		d.Attributes = deliveryAttributes(n.attrs)
	case "http", "https":
		hd, err := s.httpDelivery(sub, n)
		if err != nil {
			return err
		}
		d = hd
	case "email-json", "firehose":
		body, err := s.body(sub, n)
		if err != nil {
			return err
		}
		d.Body = string(body)
		if !sub.raw || sub.protocol == "email-json" {
			d.Attributes = deliveryAttributes(n.attrs)
		}
	default:
		return fmt.Errorf("sns: unsupported protocol %q of %s", sub.protocol, sub.arn)
	}
	s.pub.record(d)
	return nil
}

// httpDelivery is the POST an HTTP(S) subscription gets for n, as
// recorded: body, headers and (without raw delivery) attributes.
func (s *Service) httpDelivery(sub *subscription, n *notification) (Delivery, error) {
	d := Delivery{Protocol: sub.protocol, Endpoint: sub.endpoint, SubscriptionArn: sub.arn, TopicArn: n.topicArn,
		MessageID: n.messageID, Subject: deref(n.subject), Time: n.timestamp}
	body, err := s.body(sub, n)
	if err != nil {
		return Delivery{}, err
	}
	d.Body = string(body)
	if !sub.raw {
		d.Attributes = deliveryAttributes(n.attrs)
	}
	d.Headers = httpHeaders(sub, n)
	return d, nil
}

// body is what an SQS, HTTP(S), email-json or Firehose subscription
// receives: the message alone with raw delivery, else the envelope.
func (s *Service) body(sub *subscription, n *notification) ([]byte, error) {
	if sub.raw && sub.protocol != "email-json" {
		return []byte(n.content(sub.protocol)), nil
	}
	return n.envelope(sub.protocol, sub.arn)
}

// httpHeaders are the headers of an HTTP(S) notification POST.
func httpHeaders(sub *subscription, n *notification) map[string]string {
	h := map[string]string{
		"Content-Type":               "text/plain; charset=UTF-8",
		"User-Agent":                 "Amazon Simple Notification Service Agent",
		"x-amz-sns-message-type":     typeNotification,
		"x-amz-sns-message-id":       n.messageID,
		"x-amz-sns-topic-arn":        n.topicArn,
		"x-amz-sns-subscription-arn": sub.arn,
	}
	if sub.raw {
		h["x-amz-sns-rawdelivery"] = "true"
	}
	return h
}

// deliverSQS sends n to the queue sub names.
func (s *Service) deliverSQS(ctx context.Context, sub *subscription, n *notification) error {
	in, err := s.sqsMessage(sub, n, nil)
	if err != nil {
		return err
	}
	return s.sendSQS(ctx, sub.endpoint, in, n.endpoint)
}

// rawAttrs builds once per fan-out the SQS message attributes that raw
// deliveries of a notification carry: the SQS messages share the map (SQS
// never changes a message's attributes).
type rawAttrs struct {
	built bool
	m     map[string]sqs.MessageAttributeValue
	err   error
}

// get returns n's raw SQS attributes, built on first use.
func (r *rawAttrs) get(n *notification) (map[string]sqs.MessageAttributeValue, error) {
	if !r.built {
		r.m, r.err = rawSQSAttributes(n)
		r.built = true
	}
	return r.m, r.err
}

// rawSQSAttributes converts n's message attributes to the SQS attributes
// of a raw delivery: at most ten; String.Array travels as String.
func rawSQSAttributes(n *notification) (map[string]sqs.MessageAttributeValue, error) {
	if len(n.attrs) == 0 {
		return nil, nil
	}
	if len(n.attrs) > maxRawSQSAttributes {
		return nil, fmt.Errorf("%w: %d message attributes exceed the %d a raw SQS delivery carries", errDiscarded, len(n.attrs), maxRawSQSAttributes)
	}
	out := make(map[string]sqs.MessageAttributeValue, len(n.attrs))
	for name, a := range n.attrs {
		dt := deref(a.DataType)
		if dt == "String.Array" {
			dt = "String" // unverified: how SQS receives String.Array.
		}
		v := sqs.MessageAttributeValue{DataType: ptr(dt)}
		if strings.HasPrefix(dt, "Binary") {
			v.BinaryValue = a.BinaryValue
		} else {
			v.StringValue = a.StringValue
		}
		out[name] = v
	}
	return out, nil
}

// sqsMessage builds the SendMessage input of n for SQS subscription sub:
// with raw delivery the message attributes become SQS attributes
// (rawSQSAttributes, from shared when not nil); FIFO queues get the
// message group and deduplication ids.
func (s *Service) sqsMessage(sub *subscription, n *notification, shared *rawAttrs) (*sqs.SendMessageInput, error) {
	var in *sqs.SendMessageInput
	if sub.raw {
		in = &sqs.SendMessageInput{MessageBody: ptr(n.content(sub.protocol))} // no copy of the message
	} else {
		body, err := n.envelope(sub.protocol, sub.arn)
		if err != nil {
			return nil, err
		}
		in = &sqs.SendMessageInput{MessageBody: ptr(string(body))}
	}
	if sub.raw && len(n.attrs) > 0 {
		var err error
		if shared != nil {
			in.MessageAttributes, err = shared.get(n)
		} else {
			in.MessageAttributes, err = rawSQSAttributes(n)
		}
		if err != nil {
			return nil, err
		}
	}
	if strings.HasSuffix(sub.endpoint, ".fifo") && n.fifo {
		in.MessageGroupId = ptr(n.groupID)
		in.MessageDeduplicationId = ptr(n.dedupID)
	}
	return in, nil
}

// sendSQS sends in, a notification, to the queue queueArn names, under
// the fault rules for SQS SendMessage on that queue (faults.go).
func (s *Service) sendSQS(ctx context.Context, queueArn string, in *sqs.SendMessageInput, endpoint string) error {
	return s.putSQS(ctx, queueArn, in, endpoint, true)
}

// putSQS sends in to the queue queueArn names; with faulted, an injected
// fault for SQS SendMessage on the queue fails the send (dead-letter moves
// and subscription confirmations are not faulted).
func (s *Service) putSQS(ctx context.Context, queueArn string, in *sqs.SendMessageInput, endpoint string, faulted bool) error {
	scope, name, ok := arnScope(queueArn, "sqs")
	if !ok {
		return fmt.Errorf("sns: %s is not an SQS queue ARN", queueArn)
	}
	if s.env.Services == nil {
		return errors.New("sns: no SQS service in this emulator")
	}
	svc, ok := s.env.Services("sqs", scope).(sqsSender)
	if !ok {
		return errors.New("sns: the SQS service cannot receive messages")
	}
	ri := &awsapi.RequestInfo{RequestID: s.disp.reqIDs.next(), Scope: scope, Service: "sns", Endpoint: endpoint}
	var f *awsapi.Fault
	if faulted {
		f = faults.MatchDelivery(ctx, s.env.Faults, "sqs", "SendMessage", queueArn, scope, ri.RequestID)
		if err := faults.FailBefore(f); err != nil {
			return fmt.Errorf("sns: sending to %s: %w", queueArn, err)
		}
	}
	rctx := awsapi.WithRequest(ctx, ri)
	q, err := svc.GetQueueUrl(rctx, &sqs.GetQueueUrlInput{QueueName: ptr(name), QueueOwnerAWSAccountId: ptr(scope.Account)})
	if err != nil {
		return fmt.Errorf("sns: resolving queue %s: %w", queueArn, err)
	}
	msg := *in
	msg.QueueUrl = q.QueueUrl
	if _, err := svc.SendMessage(rctx, &msg); err != nil {
		return fmt.Errorf("sns: sending to %s: %w", queueArn, err)
	}
	if err := faults.FailAfter(f); err != nil {
		return fmt.Errorf("sns: sending to %s: %w", queueArn, err)
	}
	return nil
}

// deliverLambda queues n's event for the function sub names.
func (s *Service) deliverLambda(ctx context.Context, sub *subscription, n *notification) error {
	payload, err := n.lambdaEvent(sub.arn)
	if err != nil {
		return err
	}
	return s.invokeLambda(ctx, sub.endpoint, payload, n.endpoint)
}

// invokeLambda queues payload as an asynchronous invocation of the
// function fnArn names.
func (s *Service) invokeLambda(ctx context.Context, fnArn string, payload []byte, endpoint string) error {
	scope, _, ok := arnScope(fnArn, "lambda")
	if !ok {
		return fmt.Errorf("sns: %s is not a Lambda function ARN", fnArn)
	}
	if s.env.Services == nil {
		return errors.New("sns: no Lambda service in this emulator")
	}
	svc, ok := s.env.Services("lambda", scope).(lambdaInvoker)
	if !ok {
		return errors.New("sns: the Lambda service cannot take events")
	}
	ri := &awsapi.RequestInfo{RequestID: uuid.NewString(), Scope: scope, Service: "sns", Endpoint: endpoint}
	f := faults.MatchDelivery(ctx, s.env.Faults, "lambda", "Invoke", fnArn, scope, ri.RequestID)
	if err := faults.FailBefore(f); err != nil {
		return fmt.Errorf("sns: invoking %s: %w", fnArn, err)
	}
	if _, err := svc.InvokeEvent(awsapi.WithRequest(ctx, ri), fnArn, payload); err != nil {
		return fmt.Errorf("sns: invoking %s: %w", fnArn, err)
	}
	if err := faults.FailAfter(f); err != nil {
		return fmt.Errorf("sns: invoking %s: %w", fnArn, err)
	}
	return nil
}

// fanOut delivers n to every deliverable subscription of t whose filter
// matches, in subscription order: SQS, Lambda and HTTP(S) deliveries are
// queued (dispatch.go), the others recorded at once.
func (s *Service) fanOut(ctx context.Context, t *topic, n *notification) {
	body := []byte(n.message)
	if n.structured != nil {
		body = []byte(n.structured["default"])
	}
	var raw rawAttrs
	for _, sub := range t.deliverable() {
		if !sub.matches(n.attrs, body) {
			continue
		}
		switch sub.protocol {
		case "sqs", "lambda", "http", "https":
			s.enqueue(ctx, t, sub, n, &raw)
			continue
		}
		if err := s.deliverTo(ctx, sub, n); err != nil {
			s.deliveryFailed(ctx, sub, n, err)
		}
	}
}

// deliveryFailed moves a message a recorded delivery refused to the
// subscription's dead-letter queue, or drops and counts it.
func (s *Service) deliveryFailed(ctx context.Context, sub *subscription, n *notification, cause error) {
	if sub.deadLetterTargetArn == "" {
		s.countDropped(sub, n.messageID, cause.Error())
		return
	}
	if err := s.sendDeadLetter(ctx, sub, n); err != nil {
		s.countDropped(sub, n.messageID, err.Error())
	}
}

// sendDeadLetter sends n to sub's dead-letter queue as the endpoint would
// have received it: the raw message (with its attributes) or the envelope.
// unverified: SNS adds no attributes of its own to dead-lettered messages
// (localstack's AWS-validated snapshots show none).
func (s *Service) sendDeadLetter(ctx context.Context, sub *subscription, n *notification) error {
	dlq := *sub
	dlq.endpoint = sub.deadLetterTargetArn
	dlq.protocol = "sqs"
	in, err := s.sqsMessage(&dlq, n, nil)
	if err != nil {
		return err
	}
	if sub.protocol != "sqs" && !sub.raw {
		// The envelope names the subscription's protocol's form.
		body, err := s.body(sub, n)
		if err != nil {
			return err
		}
		in.MessageBody = ptr(string(body))
	}
	return s.putSQS(ctx, sub.deadLetterTargetArn, in, n.endpoint, false)
}

// deliveryAttributes converts message attributes for a recorded delivery.
func deliveryAttributes(attrs map[string]MessageAttributeValue) map[string]DeliveryAttribute {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]DeliveryAttribute, len(attrs))
	for name, a := range maps.All(attrs) {
		out[name] = DeliveryAttribute{Type: deref(a.DataType), Value: attributeValueString(a)}
	}
	return out
}

// arnScope splits an ARN of service into the scope (account, region) and
// the resource name (a Lambda function ARN's name part).
func arnScope(arn, service string) (awsapi.Scope, string, bool) {
	// The fields split at the first six colons, without allocating (it runs
	// at every delivery attempt).
	var f [6]string
	rest := arn
	for i := range 5 {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return awsapi.Scope{}, "", false
		}
	}
	var hasTail bool
	f[5], rest, hasTail = strings.Cut(rest, ":")
	if f[0] != "arn" || f[2] != service || f[3] == "" || f[4] == "" || f[5] == "" {
		return awsapi.Scope{}, "", false
	}
	name := f[5]
	if service == "lambda" {
		if !hasTail || f[5] != "function" {
			return awsapi.Scope{}, "", false
		}
		name = rest
	}
	return awsapi.Scope{Account: f[4], Region: f[3]}, name, true
}

// sendConfirmation sends the SubscriptionConfirmation message of a
// subscription waiting for ConfirmSubscription (Service.onPending): HTTP(S)
// and email-json endpoints get the signed JSON document (recorded), email
// the text with its link (recorded), an SQS queue of another account the
// document as a message.
func (s *Service) sendConfirmation(t *topic, sub *subscription) {
	endpoint := s.endpointURL(context.Background())
	set := t.settings()
	c := confirmation{
		Type:      typeSubscriptionConfirmation,
		MessageID: uuid.NewString(),
		Token:     sub.token,
		TopicArn:  t.arn,
		// AWS's text, as recorded by localstack's AWS snapshots.
		Message:          "You have chosen to subscribe to the topic " + t.arn + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		Timestamp:        s.now(),
		SignatureVersion: set.SignatureVersion,
	}
	if c.SignatureVersion == "" {
		c.SignatureVersion = "1"
	}
	body, err := confirmationEnvelope(c, s.pub.signingKey(), endpoint)
	if err != nil {
		if s.env.Logger != nil {
			s.env.Logger.Warn("sns: building a subscription confirmation", "subscription", sub.arn, "error", err)
		}
		return
	}
	d := Delivery{Protocol: sub.protocol, Endpoint: sub.endpoint, SubscriptionArn: sub.arn, TopicArn: t.arn,
		MessageID: c.MessageID, Body: string(body), Time: c.Timestamp}
	switch sub.protocol {
	case "sqs":
		err := s.putSQS(context.Background(), sub.endpoint, &sqs.SendMessageInput{MessageBody: ptr(string(body))}, endpoint, false)
		if err != nil && s.env.Logger != nil {
			s.env.Logger.Warn("sns: sending a subscription confirmation", "subscription", sub.arn, "error", err)
		}
		return
	case "email":
		// unverified: AWS's email wording; the link is the SubscribeURL.
		d.Subject = "AWS Notification - Subscription Confirmation"
		d.Body = "You have chosen to subscribe to the topic:\n" + t.arn + "\n\nTo confirm this subscription, click or visit the link below:\n" +
			subscribeURL(endpoint, t.arn, sub.token)
	case "http", "https":
		d.Headers = map[string]string{
			"Content-Type":           contentType(sub.deliveryPolicy, set.DeliveryPolicy),
			"User-Agent":             "Amazon Simple Notification Service Agent",
			"x-amz-sns-message-type": typeSubscriptionConfirmation,
			"x-amz-sns-message-id":   c.MessageID,
			"x-amz-sns-topic-arn":    t.arn,
		}
		s.pub.record(d)
		s.enqueueConfirmation(t, sub, &d)
		return
	}
	s.pub.record(d)
}
