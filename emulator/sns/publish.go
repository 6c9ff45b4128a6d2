package sns

// Publish and PublishBatch: validation in AWS's order, FIFO sequence
// numbers and deduplication, then fan-out to the topic's subscriptions
// (deliver.go).

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Batch limits.
const maxBatchEntries = 10

// publishEntry is one message of Publish or PublishBatch.
type publishEntry struct {
	message   *string
	subject   *string
	structure *string
	attrs     map[string]MessageAttributeValue
	dedupID   *string
	groupID   *string
}

// Publish sends a message to a topic's subscriptions (TopicArn, or a topic
// ARN as TargetArn), to a platform endpoint (TargetArn) or to a phone
// number (PhoneNumber).
func (s *Service) Publish(ctx context.Context, in *PublishInput) (*PublishOutput, error) {
	if err := in.Validate(); err != nil {
		return nil, s.ValidationError(err)
	}
	topicArn, targetArn, phone := deref(in.TopicArn), deref(in.TargetArn), deref(in.PhoneNumber)
	n := 0
	for _, v := range []string{topicArn, targetArn, phone} {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		return nil, invalidParam("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	}
	if n > 1 {
		// unverified: AWS's text when several destinations are given.
		return nil, invalidParam("Invalid parameter: TopicArn or TargetArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified")
	}
	e := publishEntry{message: in.Message, subject: in.Subject, structure: in.MessageStructure, attrs: in.MessageAttributes,
		dedupID: in.MessageDeduplicationId, groupID: in.MessageGroupId}
	if err := validateSubject(e.subject); err != nil {
		return nil, err
	}
	if err := validateMessageBody(e.message); err != nil {
		return nil, err
	}
	if phone != "" && !validPhoneNumber(phone) {
		return nil, invalidParam("Invalid parameter: PhoneNumber Reason: %s is not valid to publish to", phone)
	}
	if err := validateMessageAttributes(e.attrs, 0); err != nil {
		return nil, err
	}
	if publishSize(*e.message, e.attrs) > MaxMessageBytes {
		return nil, invalidParam("Invalid parameter: Message too long")
	}
	arn := topicArn
	if arn == "" {
		arn = targetArn
	}
	endpointPublish := strings.Contains(targetArn, ":endpoint/")
	fifoARN := !endpointPublish && strings.HasSuffix(arn, ".fifo")
	if fifoARN {
		if e.groupID == nil || *e.groupID == "" {
			return nil, invalidParam("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
		}
	} else if err := validateFIFOParams(false, false, e.groupID, e.dedupID); err != nil {
		return nil, err
	}
	structured, err := parseMessageStructure(*e.message, e.structure, !endpointPublish)
	if err != nil {
		return nil, err
	}
	switch {
	case phone != "":
		return s.publishDirect(ctx, "sms", phone, e, structured)
	case endpointPublish:
		if err := s.checkPlatformEndpoint(targetArn); err != nil {
			return nil, err
		}
		return s.publishDirect(ctx, "application", targetArn, e, structured)
	}
	t, owner, err := s.publishTopic(ctx, arn)
	if err != nil {
		return nil, err
	}
	set := t.settings()
	if err := validateFIFOParams(t.fifo, set.ContentDedup, e.groupID, e.dedupID); err != nil {
		return nil, err
	}
	if err := owner.guardRefusal(ctx, owner.guard(t), *e.message, structured); err != nil {
		return nil, err
	}
	nt := owner.newNotification(ctx, t, set, e, structured)
	if t.fifo {
		unlock := owner.pub.lockFIFO(t.arn)
		defer unlock()
		sent, fresh := owner.pub.fifoAdmit(t.arn, nt.dedupID, nt.timestamp, func() string { return nt.messageID })
		if fresh {
			nt.sequenceNumber = sent.sequenceNumber
			owner.fanOut(ctx, t, nt)
		}
		return &PublishOutput{MessageId: ptr(sent.messageID), SequenceNumber: ptr(sent.sequenceNumber)}, nil
	}
	owner.fanOut(ctx, t, nt)
	return &PublishOutput{MessageId: ptr(nt.messageID)}, nil
}

// PublishBatch publishes up to ten messages to a topic. Problems with the
// request as a whole (entry count, ids, attributes, FIFO parameters, total
// size) fail it; a message that cannot be sent is reported in Failed.
func (s *Service) PublishBatch(ctx context.Context, in *PublishBatchInput) (*PublishBatchOutput, error) {
	if err := in.Validate(); err != nil {
		return nil, s.ValidationError(err)
	}
	entries := in.PublishBatchRequestEntries
	if len(entries) == 0 {
		// unverified: SNS's text (SQS's reads alike).
		return nil, &awsapi.Error{Code: "EmptyBatchRequest", Message: "The batch request doesn't contain any entries."}
	}
	if len(entries) > maxBatchEntries {
		return nil, &awsapi.Error{Code: "TooManyEntriesInBatchRequest", Message: "The batch request contains more entries than permissible."}
	}
	t, owner, err := s.publishTopic(ctx, deref(in.TopicArn))
	if err != nil {
		return nil, err
	}
	for i, en := range entries {
		for _, prev := range entries[:i] {
			if deref(prev.Id) == deref(en.Id) {
				return nil, &awsapi.Error{Code: "BatchEntryIdsNotDistinct", Message: "Two or more batch entries in the request have the same Id."}
			}
		}
	}
	for _, en := range entries {
		if !validBatchEntryID(deref(en.Id)) {
			// unverified: AWS's text.
			return nil, &awsapi.Error{Code: "InvalidBatchEntryId", Message: "The Id of a batch entry in a batch request doesn't abide by the specification."}
		}
	}
	set := t.settings()
	total := 0
	type prepared struct {
		e          publishEntry
		structured map[string]string
		failed     *BatchResultErrorEntry
	}
	prep := make([]prepared, len(entries))
	for i, en := range entries {
		e := publishEntry{message: en.Message, subject: en.Subject, structure: en.MessageStructure, attrs: en.MessageAttributes,
			dedupID: en.MessageDeduplicationId, groupID: en.MessageGroupId}
		prep[i].e = e
		if err := validateMessageAttributes(e.attrs, i+1); err != nil {
			return nil, err
		}
		total += publishSize(deref(e.message), e.attrs)
		if err := validateFIFOParams(t.fifo, set.ContentDedup, e.groupID, e.dedupID); err != nil {
			return nil, err
		}
		structured, err := parseMessageStructure(deref(e.message), e.structure, true)
		if err != nil {
			return nil, err
		}
		prep[i].structured = structured
		// Entry-level problems go to Failed (unverified: which problems
		// AWS reports per entry rather than for the request).
		for _, check := range []error{validateMessageBody(e.message), validateSubject(e.subject)} {
			if ae, ok := awsapi.AsError(check); ok && prep[i].failed == nil {
				prep[i].failed = &BatchResultErrorEntry{Id: en.Id, Code: ptr(ae.Code), Message: ptr(ae.Message), SenderFault: ptr(true)}
			}
		}
	}
	if total > MaxMessageBytes {
		return nil, &awsapi.Error{Code: "BatchRequestTooLong", Message: "The length of all the messages put together is more than the limit."}
	}
	if g := owner.guard(t); g != nil {
		for i := range prep {
			if prep[i].failed != nil {
				continue
			}
			if ae := owner.guardRefusal(ctx, g, deref(prep[i].e.message), prep[i].structured); ae != nil {
				prep[i].failed = &BatchResultErrorEntry{Id: entries[i].Id, Code: ptr(ae.Code), Message: ptr(ae.Message), SenderFault: ptr(true)}
			}
		}
	}
	if s.env.Faults != nil && s.env.Faults.Active() {
		// Injected faults fail entries that passed validation: they are
		// not published.
		for i, f := range s.env.EntryFaults(ctx, "sns", "PublishBatch", len(entries), t.arn) {
			if prep[i].failed == nil {
				prep[i].failed = &BatchResultErrorEntry{Id: entries[i].Id, Code: ptr(f.Code), Message: ptr(f.Message), SenderFault: ptr(f.SenderFault)}
			}
		}
	}
	out := &PublishBatchOutput{Successful: []PublishBatchResultEntry{}, Failed: []BatchResultErrorEntry{}}
	if t.fifo {
		unlock := owner.pub.lockFIFO(t.arn)
		defer unlock()
	}
	for i, p := range prep {
		if p.failed != nil {
			out.Failed = append(out.Failed, *p.failed)
			continue
		}
		nt := owner.newNotification(ctx, t, set, p.e, p.structured)
		res := PublishBatchResultEntry{Id: entries[i].Id, MessageId: ptr(nt.messageID)}
		if t.fifo {
			sent, fresh := owner.pub.fifoAdmit(t.arn, nt.dedupID, nt.timestamp, func() string { return nt.messageID })
			res.MessageId, res.SequenceNumber = ptr(sent.messageID), ptr(sent.sequenceNumber)
			if !fresh {
				out.Successful = append(out.Successful, res)
				continue
			}
			nt.sequenceNumber = sent.sequenceNumber
		}
		owner.fanOut(ctx, t, nt)
		out.Successful = append(out.Successful, res)
	}
	return out, nil
}

// publishTopic resolves a topic to publish to and the service owning it,
// checking a caller of another account against the topic's policy.
func (s *Service) publishTopic(ctx context.Context, arn string) (*topic, *Service, error) {
	t, err := s.topicByARN(arn)
	if err != nil {
		return nil, nil, err
	}
	owner := s
	if t.account != s.env.Scope.Account {
		if owner = s.peer(t.account); owner == nil {
			return nil, nil, errTopicNotFound()
		}
	}
	if s.caller(ctx) != t.account {
		if err := s.authorize(ctx, t, "Publish"); err != nil {
			return nil, nil, err
		}
	}
	return t, owner, nil
}

// newNotification builds the notification of one entry published to t.
func (s *Service) newNotification(ctx context.Context, t *topic, set topicSettings, e publishEntry, structured map[string]string) *notification {
	version := set.SignatureVersion
	if version == "" {
		version = "1"
	}
	n := &notification{
		messageID:        uuid.NewString(),
		topicArn:         t.arn,
		subject:          e.subject,
		message:          deref(e.message),
		structured:       structured,
		attrs:            e.attrs,
		timestamp:        s.now(),
		fifo:             t.fifo,
		groupID:          deref(e.groupID),
		signatureVersion: version,
		key:              s.pub.signingKey(),
		endpoint:         s.endpointURL(ctx),
	}
	if t.fifo {
		n.dedupID = deref(e.dedupID)
		if n.dedupID == "" {
			sum := sha256.Sum256([]byte(n.message))
			n.dedupID = hex.EncodeToString(sum[:])
		}
	}
	return n
}

// publishDirect delivers a message published straight to a phone number
// or platform endpoint: it is recorded, as no such endpoint runs here.
func (s *Service) publishDirect(ctx context.Context, protocol, endpoint string, e publishEntry, structured map[string]string) (*PublishOutput, error) {
	n := &notification{
		messageID:  uuid.NewString(),
		subject:    e.subject,
		message:    deref(e.message),
		structured: structured,
		attrs:      e.attrs,
		timestamp:  s.now(),
		endpoint:   s.endpointURL(ctx),
	}
	key := protocol
	if protocol == "application" {
		key = platformOf(endpoint)
	}
	if protocol == "sms" && s.optedOut(endpoint) {
		// AWS accepts the publish and sends nothing to an opted-out number.
		return &PublishOutput{MessageId: ptr(n.messageID)}, nil
	}
	s.pub.record(Delivery{Protocol: protocol, Endpoint: endpoint, MessageID: n.messageID, Subject: deref(n.subject),
		Body: n.content(key), Attributes: deliveryAttributes(n.attrs), Time: n.timestamp})
	return &PublishOutput{MessageId: ptr(n.messageID)}, nil
}

// optedOut reports whether number has opted out of SMS from this account.
func (s *Service) optedOut(number string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, out := s.sms.optedOut[number]
	return out
}

// endpointURL is the URL clients reach the emulator at, for the
// SigningCertURL and UnsubscribeURL of what this request publishes.
func (s *Service) endpointURL(ctx context.Context) string {
	if ri := awsapi.Request(ctx); ri != nil && ri.Endpoint != "" {
		return ri.Endpoint
	}
	if s.env.Endpoint != nil {
		if e := s.env.Endpoint(); e != "" {
			return e
		}
	}
	return "https://sns." + s.env.Scope.Region + ".amazonaws.com"
}

// SigningCertPEM returns the PEM certificate this service signs messages
// with (served at SigningCertURL), nil if the key cannot be generated.
func (s *Service) SigningCertPEM() []byte {
	pem, err := s.pub.signingKey().CertPEM()
	if err != nil {
		return nil
	}
	return pem
}

// SigningCert returns the certificate whose SigningCertURL file name is
// name (SimpleNotificationService-<id>.pem), and whether it is this
// service's.
func (s *Service) SigningCert(name string) ([]byte, bool) {
	k := s.pub.signingKey()
	want, err := k.CertFileName()
	if err != nil || name != want {
		return nil, false
	}
	pem, err := k.CertPEM()
	return pem, err == nil
}

// UseSigningKey makes the service sign with k, so that every account and
// region of an emulator can share one key (generating RSA keys is slow).
func (s *Service) UseSigningKey(k *SigningKey) { s.pub.useSigningKey(k) }

// Deliveries returns the deliveries recorded for endpoints the emulator
// does not run (email, email-json, sms, application, firehose) and the
// HTTP(S) POSTs it makes (first attempts and subscription confirmations),
// oldest first, at most the last 1,000.
func (s *Service) Deliveries() []Delivery { return s.pub.recorded() }

// checkPlatformEndpoint checks that a platform endpoint can be published
// to directly: it exists and is enabled.
func (s *Service) checkPlatformEndpoint(arn string) error {
	e, err := s.endpointByARN(arn)
	if err != nil {
		return invalidParam("Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified")
	}
	if e.attrs["Enabled"] == "false" {
		return &awsapi.Error{Code: "EndpointDisabled", Message: "Endpoint is disabled"}
	}
	return nil
}
