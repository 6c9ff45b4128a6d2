// Package lambdaevents decodes Glue Schema Registry records inside the
// events AWS Lambda hands a handler (github.com/aws/aws-lambda-go/events):
// Kinesis record data, SQS bodies, SNS messages and EventBridge details.
// The batch helpers call a function per decoded record and collect the
// records that failed (to decode or in the function) in the
// batchItemFailures response shape, so Lambda retries only those (the
// event source mapping needs ReportBatchItemFailures).
package lambdaevents

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/evolvestack/evolvestack/registry/serde"
)

// Decoder decodes one record; *serde.Deserializer satisfies it.
type Decoder interface {
	Decode(ctx context.Context, data []byte) (*serde.Record, error)
}

// RecordError is a record of a batch that failed, and why.
type RecordError struct {
	// ItemIdentifier is the Kinesis sequence number, SQS message id, SNS
	// message id or EventBridge event id.
	ItemIdentifier string
	// Decode tells a decoding failure from one the handler returned.
	Decode bool
	Err    error
}

func (e *RecordError) Error() string {
	stage := "handler"
	if e.Decode {
		stage = "decode"
	}
	return fmt.Sprintf("record %s: %s: %v", e.ItemIdentifier, stage, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// KinesisHandler handles one decoded Kinesis record.
type KinesisHandler func(ctx context.Context, rec events.KinesisEventRecord, r *serde.Record) error

// Kinesis decodes every record's data and calls fn with it. Failed
// records are reported by sequence number. Lambda restarts a shard from
// the lowest reported sequence number; every failure is listed. errs has
// one *RecordError per failure, for logging.
func Kinesis(ctx context.Context, d Decoder, ev events.KinesisEvent, fn KinesisHandler) (resp events.KinesisEventResponse, errs []error) {
	resp.BatchItemFailures = []events.KinesisBatchItemFailure{}
	for _, rec := range ev.Records {
		if err := handle(ctx, d, rec.Kinesis.Data, func(r *serde.Record) error { return fn(ctx, rec, r) }, rec.Kinesis.SequenceNumber); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: rec.Kinesis.SequenceNumber})
			errs = append(errs, err)
		}
	}
	return resp, errs
}

// SQSHandler handles one decoded SQS message.
type SQSHandler func(ctx context.Context, msg events.SQSMessage, r *serde.Record) error

// SQS decodes every message body (see Payload) and calls fn with it.
// Failed messages are reported by message id.
func SQS(ctx context.Context, d Decoder, ev events.SQSEvent, fn SQSHandler) (resp events.SQSEventResponse, errs []error) {
	resp.BatchItemFailures = []events.SQSBatchItemFailure{}
	for _, msg := range ev.Records {
		if err := handle(ctx, d, Payload(msg.Body), func(r *serde.Record) error { return fn(ctx, msg, r) }, msg.MessageId); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			errs = append(errs, err)
		}
	}
	return resp, errs
}

// SNSHandler handles one decoded SNS message.
type SNSHandler func(ctx context.Context, rec events.SNSEventRecord, r *serde.Record) error

// SNS decodes every message (see Payload) and calls fn with it. SNS has
// no partial-batch response: the result joins every *RecordError (nil
// when all succeeded), and returning it makes Lambda retry the event.
func SNS(ctx context.Context, d Decoder, ev events.SNSEvent, fn SNSHandler) error {
	var errs []error
	for _, rec := range ev.Records {
		if err := handle(ctx, d, Payload(rec.SNS.Message), func(r *serde.Record) error { return fn(ctx, rec, r) }, rec.SNS.MessageID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// EventBridge decodes an event's detail. A detail that is a JSON string
// holds the record (base64 or raw, see Payload); any other detail (an
// object) is passed as its JSON text, which only a deserializer with a
// secondary decoder (e.g. serde.PlainJSON) accepts.
func EventBridge(ctx context.Context, d Decoder, ev events.EventBridgeEvent) (*serde.Record, error) {
	detail := bytes.TrimSpace(ev.Detail)
	data := []byte(detail)
	if len(detail) > 0 && detail[0] == '"' {
		var s string
		if err := json.Unmarshal(detail, &s); err != nil {
			return nil, &RecordError{ItemIdentifier: ev.ID, Decode: true, Err: fmt.Errorf("detail: %w", err)}
		}
		data = Payload(s)
	}
	r, err := d.Decode(ctx, data)
	if err != nil {
		return nil, &RecordError{ItemIdentifier: ev.ID, Decode: true, Err: err}
	}
	return r, nil
}

// Payload returns the record bytes carried in a text field (SQS body, SNS
// message, EventBridge detail string). Producers base64-encode binary
// records for these text-only transports: text that is standard base64
// of a record starting with the Glue header byte is decoded; anything
// else is taken as is (raw text, e.g. JSON for a secondary decoder).
func Payload(text string) []byte {
	if len(text) >= 24 && len(text)%4 == 0 {
		if b, err := base64.StdEncoding.DecodeString(text); err == nil && len(b) >= serde.HeaderSize && b[0] == serde.HeaderVersion {
			return b
		}
	}
	return []byte(text)
}

func handle(ctx context.Context, d Decoder, data []byte, fn func(*serde.Record) error, id string) error {
	r, err := d.Decode(ctx, data)
	if err != nil {
		return &RecordError{ItemIdentifier: id, Decode: true, Err: err}
	}
	if err := fn(r); err != nil {
		return &RecordError{ItemIdentifier: id, Err: err}
	}
	return nil
}
