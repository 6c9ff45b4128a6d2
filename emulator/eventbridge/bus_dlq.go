package eventbridge

// The dead-letter queue of an event bus. AWS uses a bus's DeadLetterConfig
// only for buses encrypted with a customer managed KMS key: a custom or
// partner event that meets a non-retriable encryption error on the bus
// (the key disabled or gone) is sent to the bus's queue, wrapped in an
// "Encrypted Events" event from aws.events (AWS's guides "Using
// dead-letter queues to capture encrypted event errors" and "Decrypting
// events in EventBridge dead-letter queues"). Events of AWS services are
// encrypted with an AWS owned key and never fail so.
//
// The emulator has no KMS: a test makes a key unusable with
// DisableKMSKey (and usable again with EnableKMSKey). The
// encrypted-payload of the dead-letter event is the base64 of the event
// as it would have been delivered, not AWS Encryption SDK ciphertext.

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// DisableKMSKey makes the KMS key key (a key ID, key ARN, alias name or
// alias ARN, as given in an event bus's KmsKeyIdentifier) unusable, as if
// it were disabled or scheduled for deletion: the custom and partner events
// of the buses encrypted with it go to the bus's dead-letter queue.
func (s *Service) DisableKMSKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.disabledKeys == nil {
		s.disabledKeys = map[string]bool{}
	}
	s.disabledKeys[key] = true
	if j := s.env.Journal; j != nil {
		j.Put(keyKMS+key, kmsRowValue())
	}
}

// EnableKMSKey undoes DisableKMSKey.
func (s *Service) EnableKMSKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.disabledKeys, key)
	s.del(keyKMS + key)
}

// kmsKeyARN is the ARN of a key identifier of this scope.
func (s *Service) kmsKeyARN(key string) string {
	switch {
	case strings.HasPrefix(key, "arn:"):
		return key
	case strings.HasPrefix(key, "alias/"):
		return "arn:" + s.partition() + ":kms:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":" + key
	}
	return "arn:" + s.partition() + ":kms:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":key/" + key
}

// busKeyFailureLocked reports whether ev cannot be processed on b because
// b's customer managed key is unusable (s.mu held).
func (s *Service) busKeyFailureLocked(b *bus, ev *event) bool {
	if b.kmsKey == nil || *b.kmsKey == "" || strings.HasPrefix(ev.source, "aws.") {
		return false
	}
	return s.disabledKeys[*b.kmsKey]
}

// encryptedEventDetail is the detail of an "Encrypted Events" dead letter,
// in AWS's key order.
type encryptedEventDetail struct {
	EventBusArn      string `json:"event-bus-arn"`
	KMSKeyArn        string `json:"kms-key-arn"`
	EncryptedPayload string `json:"encrypted-payload"`
}

// busDeadLetter is what a bus-level dead letter needs, read under s.mu.
type busDeadLetter struct {
	busArn, keyArn, dlq string
}

// busDeadLetterLocked reads b's dead-letter parameters (s.mu held).
func (s *Service) busDeadLetterLocked(b *bus) busDeadLetter {
	d := busDeadLetter{busArn: b.arn, keyArn: s.kmsKeyARN(strOr(b.kmsKey, ""))}
	if b.dlq != nil {
		d.dlq = strOr(b.dlq.Arn, "")
	}
	return d
}

// sendBusDeadLetter sends ev to the bus's dead-letter queue, or drops and
// counts it when the bus has none or the queue refuses it. Every outcome
// is recorded among the deliveries (RuleArn empty, TargetArn the queue).
func (p *dataPlane) sendBusDeadLetter(d busDeadLetter, ev *event) {
	// unverified: the ERROR_CODE and ERROR_MESSAGE of a bus dead letter
	// (KMS words a disabled key "<key ARN> is disabled.").
	code, msg := codeNoPermissions, d.keyArn+" is disabled."
	rec := DeliveryRecord{EventID: ev.id, TargetArn: d.dlq, Attempt: 1, At: p.s.now(), Outcome: "Refused", ErrorCode: code, Error: msg}
	if d.dlq == "" {
		rec.Final = "Dropped"
		p.drop(rec)
		return
	}
	now := p.s.now()
	wrapper := &event{
		id: newUUID(), detailType: "Encrypted Events", source: "aws.events", account: p.s.env.Scope.Account,
		region: p.s.env.Scope.Region, time: now.UTC().Truncate(time.Second), resources: []string{}, ingested: now,
		detail: []byte(mustJSON(encryptedEventDetail{
			EventBusArn: d.busArn, KMSKeyArn: d.keyArn, EncryptedPayload: base64.StdEncoding.EncodeToString(ev.document()),
		})),
	}
	wrapper.seal()
	attrs := map[string]sqs.MessageAttributeValue{
		"ERROR_CODE":    stringAttr(code),
		"ERROR_MESSAGE": stringAttr(msg),
	}
	err := p.s.sendSQS(context.Background(), d.dlq, &sqs.SendMessageInput{MessageBody: ptrStr(string(wrapper.document())), MessageAttributes: attrs})
	if err != nil {
		rec.Final = "Dropped"
		rec.Error += " (dead-letter queue: " + err.Error() + ")"
		p.drop(rec)
		return
	}
	rec.Final = "DeadLettered"
	p.record(rec)
}
