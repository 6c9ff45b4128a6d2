// Package lambdaevents decodes Glue Schema Registry records inside the
// events AWS Lambda hands a handler (github.com/aws/aws-lambda-go/events):
// Kinesis record data, SQS bodies, SNS messages and EventBridge details
// (or one field of them).
// The batch helpers call a function per decoded record and collect the
// records that failed (to decode or in the function) in the
// batchItemFailures response shape, so Lambda retries only those (the
// event source mapping needs ReportBatchItemFailures).
package lambdaevents

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"google.golang.org/protobuf/encoding/protowire"

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
//
// A record aggregated by the Kinesis Producer Library (as Java producers
// using the Glue serde with the KPL write them) is split into its user
// records, each decoded and passed to fn with the same event record; the
// first failing user record fails the Kinesis record (the rest of it is
// redelivered with it).
func Kinesis(ctx context.Context, d Decoder, ev events.KinesisEvent, fn KinesisHandler) (resp events.KinesisEventResponse, errs []error) {
	resp.BatchItemFailures = []events.KinesisBatchItemFailure{}
	for _, rec := range ev.Records {
		parts, ok := Deaggregate(rec.Kinesis.Data)
		if !ok {
			parts = [][]byte{rec.Kinesis.Data}
		}
		for _, data := range parts {
			if err := handle(ctx, d, data, func(r *serde.Record) error { return fn(ctx, rec, r) }, rec.Kinesis.SequenceNumber); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: rec.Kinesis.SequenceNumber})
				errs = append(errs, err)
				break
			}
		}
	}
	return resp, errs
}

// kplMagic starts a record aggregated by the Kinesis Producer Library.
const kplMagic = "\xf3\x89\x9a\xc2"

// Deaggregate splits a Kinesis record aggregated by the Kinesis Producer
// Library (the magic bytes F3 89 9A C2, an AggregatedRecord protobuf
// message, its MD5) into the data of its user records. ok is false for
// data that is not such a record (including a checksum mismatch, which
// the KCL also takes for a plain record).
func Deaggregate(data []byte) (records [][]byte, ok bool) {
	if len(data) < len(kplMagic)+md5.Size || string(data[:len(kplMagic)]) != kplMagic {
		return nil, false
	}
	body := data[len(kplMagic) : len(data)-md5.Size]
	if sum := md5.Sum(body); !bytes.Equal(sum[:], data[len(data)-md5.Size:]) {
		return nil, false
	}
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return nil, false
		}
		body = body[n:]
		if num == 3 && typ == protowire.BytesType {
			rec, n := protowire.ConsumeBytes(body)
			if n < 0 {
				return nil, false
			}
			body = body[n:]
			userData, ok := recordData(rec)
			if !ok {
				return nil, false
			}
			records = append(records, userData)
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, body)
		if n < 0 {
			return nil, false
		}
		body = body[n:]
	}
	return records, true
}

// recordData returns the data field (3) of a KPL Record message.
func recordData(rec []byte) ([]byte, bool) {
	var data []byte
	found := false
	for len(rec) > 0 {
		num, typ, n := protowire.ConsumeTag(rec)
		if n < 0 {
			return nil, false
		}
		rec = rec[n:]
		if num == 3 && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(rec)
			if n < 0 {
				return nil, false
			}
			data, found = v, true
			rec = rec[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, rec)
		if n < 0 {
			return nil, false
		}
		rec = rec[n:]
	}
	return data, found
}

// SQSHandler handles one decoded SQS message.
type SQSHandler func(ctx context.Context, msg events.SQSMessage, r *serde.Record) error

// ErrSkipped is the error of the messages of a FIFO batch that follow a
// failed one: they are reported as failures without being processed.
var ErrSkipped = errors.New("not processed: an earlier message of this FIFO batch failed")

// SQS decodes every message body (see Payload) and calls fn with it.
// Failed messages are reported by message id. A batch from a FIFO queue
// (its event source ARN ends in .fifo, or its messages carry a
// MessageGroupId) stops at the first failure and reports it and every
// message after it, unprocessed (their errors wrap ErrSkipped), so that
// Lambda redelivers them in order.
func SQS(ctx context.Context, d Decoder, ev events.SQSEvent, fn SQSHandler) (resp events.SQSEventResponse, errs []error) {
	resp.BatchItemFailures = []events.SQSBatchItemFailure{}
	failed := false
	for _, msg := range ev.Records {
		if failed && isFIFO(msg) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			errs = append(errs, &RecordError{ItemIdentifier: msg.MessageId, Err: ErrSkipped})
			continue
		}
		if err := handle(ctx, d, Payload(msg.Body), func(r *serde.Record) error { return fn(ctx, msg, r) }, msg.MessageId); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			errs = append(errs, err)
			failed = failed || isFIFO(msg)
		}
	}
	return resp, errs
}

// isFIFO reports whether msg comes from a FIFO queue.
func isFIFO(msg events.SQSMessage) bool {
	return strings.HasSuffix(msg.EventSourceARN, ".fifo") || msg.Attributes["MessageGroupId"] != ""
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

// EventBridge decodes an event's whole detail. EventBridge only accepts
// details that are JSON objects, so through PutEvents the detail is plain
// JSON, passed as its text: only a deserializer with a secondary decoder
// (e.g. serde.PlainJSON) accepts it. A detail that is a JSON string (as
// other invokers may send) holds the record (base64 or raw, see Payload).
// A framed record inside an object detail is read with EventBridgeField.
func EventBridge(ctx context.Context, d Decoder, ev events.EventBridgeEvent) (*serde.Record, error) {
	return decodeDetailValue(ctx, d, ev.ID, ev.Detail, "detail")
}

// EventBridgeField decodes the record in the top-level field of an
// event's detail object: a producer puts the framed record, base64
// encoded (see Payload), in a string field such as {"data":"AwA..."}. A
// field holding any other JSON value is passed as its JSON text (for a
// secondary decoder).
func EventBridgeField(ctx context.Context, d Decoder, ev events.EventBridgeEvent, field string) (*serde.Record, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(ev.Detail, &obj); err != nil || obj == nil {
		if err == nil {
			err = errors.New("not a JSON object")
		}
		return nil, &RecordError{ItemIdentifier: ev.ID, Decode: true, Err: fmt.Errorf("detail: %w", err)}
	}
	v, ok := obj[field]
	if !ok {
		return nil, &RecordError{ItemIdentifier: ev.ID, Decode: true, Err: fmt.Errorf("detail has no field %q", field)}
	}
	return decodeDetailValue(ctx, d, ev.ID, v, "detail."+field)
}

// decodeDetailValue decodes a JSON value: a string holds the record,
// anything else is its JSON text.
func decodeDetailValue(ctx context.Context, d Decoder, id string, value json.RawMessage, what string) (*serde.Record, error) {
	value = bytes.TrimSpace(value)
	data := []byte(value)
	if len(value) > 0 && value[0] == '"' {
		var s string
		if err := json.Unmarshal(value, &s); err != nil {
			return nil, &RecordError{ItemIdentifier: id, Decode: true, Err: fmt.Errorf("%s: %w", what, err)}
		}
		data = Payload(s)
	}
	r, err := d.Decode(ctx, data)
	if err != nil {
		return nil, &RecordError{ItemIdentifier: id, Decode: true, Err: fmt.Errorf("%s: %w", what, err)}
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
