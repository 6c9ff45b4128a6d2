package matrix

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// The names in the events the in-process adapters build.
const (
	eventRegion    = "us-east-1"
	eventAccount   = "000000000000"
	eventStreamARN = "arn:aws:kinesis:" + eventRegion + ":" + eventAccount + ":stream/evolvestack-matrix"
	eventQueueARN  = "arn:aws:sqs:" + eventRegion + ":" + eventAccount + ":evolvestack-matrix"
	eventTopicARN  = "arn:aws:sns:" + eventRegion + ":" + eventAccount + ":evolvestack-matrix"
	// EventDetailType is the detail-type of the EventBridge events the
	// matrix sends; the framed record is in the detail's "data" field
	// (base64), as lambdaevents.EventBridgeField reads it.
	EventDetailType = "evolvestack.matrix.sample"
	// EventSource is the source of those events.
	EventSource = "evolvestack.matrix"
)

// KinesisEvent builds the Kinesis event of a batch: each record's data is
// the framed sample, its sequence number the record's ID.
func KinesisEvent(batch []Record) events.KinesisEvent {
	ev := events.KinesisEvent{Records: make([]events.KinesisEventRecord, len(batch))}
	for i, r := range batch {
		ev.Records[i] = events.KinesisEventRecord{
			AwsRegion:         eventRegion,
			EventID:           "shardId-000000000000:" + r.ID,
			EventName:         "aws:kinesis:record",
			EventSource:       "aws:kinesis",
			EventSourceArn:    eventStreamARN,
			EventVersion:      "1.0",
			InvokeIdentityArn: "arn:aws:iam::" + eventAccount + ":role/evolvestack-matrix",
			Kinesis: events.KinesisRecord{
				ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: time.Unix(0, 0)},
				Data:                        r.Data,
				PartitionKey:                r.Sample,
				SequenceNumber:              r.ID,
				KinesisSchemaVersion:        "1.0",
			},
		}
	}
	return ev
}

// Kinesis adapts an in-process Kinesis handler (as lambda.Start takes
// it): its error fails the batch, its batchItemFailures fail records.
func Kinesis(fn func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error)) Handler {
	return batchHandler(fn, KinesisEvent, func(r events.KinesisEventResponse) []string {
		var ids []string
		for _, f := range r.BatchItemFailures {
			ids = append(ids, f.ItemIdentifier)
		}
		return ids
	})
}

// batchHandler adapts an in-process batch handler: event builds its event
// from a batch; its error fails the batch, and the items failed names fail
// those records.
func batchHandler[E, R any](fn func(context.Context, E) (R, error), event func([]Record) E, failed func(R) []string) Handler {
	return HandlerFunc(func(ctx context.Context, batch []Record) Result {
		resp, err := fn(ctx, event(batch))
		if err != nil {
			return Result{Err: err}
		}
		return Result{Failed: failed(resp)}
	})
}

// SQSEvent builds the SQS event of a batch: each body is the framed
// sample in base64 (lambdaevents.Payload reads it), its message id the
// record's ID.
func SQSEvent(batch []Record) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(batch))}
	for i, r := range batch {
		ev.Records[i] = events.SQSMessage{
			MessageId:      r.ID,
			ReceiptHandle:  r.ID,
			Body:           base64.StdEncoding.EncodeToString(r.Data),
			Attributes:     map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "0"},
			EventSource:    "aws:sqs",
			EventSourceARN: eventQueueARN,
			AWSRegion:      eventRegion,
		}
	}
	return ev
}

// SQS adapts an in-process SQS handler.
func SQS(fn func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)) Handler {
	return batchHandler(fn, SQSEvent, func(r events.SQSEventResponse) []string {
		var ids []string
		for _, f := range r.BatchItemFailures {
			ids = append(ids, f.ItemIdentifier)
		}
		return ids
	})
}

// SNSEvent builds the SNS event of one record (SNS delivers one message
// per invocation): the message is the framed sample in base64.
func SNSEvent(r Record) events.SNSEvent {
	return events.SNSEvent{Records: []events.SNSEventRecord{{
		EventVersion:         "1.0",
		EventSource:          "aws:sns",
		EventSubscriptionArn: eventTopicARN + ":" + r.ID,
		SNS: events.SNSEntity{
			Type:      "Notification",
			MessageID: r.ID,
			TopicArn:  eventTopicARN,
			Subject:   r.Sample,
			Message:   base64.StdEncoding.EncodeToString(r.Data),
			Timestamp: time.Unix(0, 0).UTC(),
		},
	}}}
}

// SNS adapts an in-process SNS handler: one invocation per record, as SNS
// delivers; a failed record fails the batch (SNS has no partial response).
func SNS(fn func(context.Context, events.SNSEvent) error) Handler {
	return perRecord(func(ctx context.Context, r Record) error { return fn(ctx, SNSEvent(r)) })
}

// EventBridgeEvent builds the event of one record: detail
// {"data": base64 of the framed sample}.
func EventBridgeEvent(r Record) events.EventBridgeEvent {
	detail, _ := json.Marshal(map[string]string{"data": base64.StdEncoding.EncodeToString(r.Data)})
	return events.EventBridgeEvent{
		Version:    "0",
		ID:         r.ID,
		DetailType: EventDetailType,
		Source:     EventSource,
		AccountID:  eventAccount,
		Time:       time.Unix(0, 0).UTC(),
		Region:     eventRegion,
		Resources:  []string{},
		Detail:     detail,
	}
}

// EventBridge adapts an in-process EventBridge handler: one invocation per
// record.
func EventBridge(fn func(context.Context, events.EventBridgeEvent) error) Handler {
	return perRecord(func(ctx context.Context, r Record) error { return fn(ctx, EventBridgeEvent(r)) })
}

// perRecord runs fn on each record; the batch fails with the failures.
func perRecord(fn func(context.Context, Record) error) Handler {
	return HandlerFunc(func(ctx context.Context, batch []Record) Result {
		var errs []error
		for _, r := range batch {
			if err := fn(ctx, r); err != nil {
				errs = append(errs, fmt.Errorf("record %s: %w", r.ID, err))
			}
		}
		return Result{Err: errors.Join(errs...)}
	})
}
