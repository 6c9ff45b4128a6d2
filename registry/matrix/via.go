package matrix

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/internal/awsclient"
)

// The paths Via knows.
const (
	ViaInvoke  = "invoke"
	ViaKinesis = "kinesis"
	ViaSQS     = "sqs"
	ViaSNS     = "sns"
	ViaEvents  = "events"
)

// unknownViaError is a path Via does not know.
type unknownViaError struct{ via string }

func (e *unknownViaError) Error() string {
	return fmt.Sprintf("%q: want invoke, kinesis, sqs, sns or events", e.via)
}

// IsUnknownVia reports whether err is Via refusing the path's name.
func IsUnknownVia(err error) bool {
	var e *unknownViaError
	return errors.As(err, &e)
}

// Cleanup removes what a path created.
type Cleanup func(ctx context.Context) error

// Via returns the handler that reaches a Lambda function deployed in the
// emulator through the path named by via:
//
//	invoke   a Kinesis event with the framed records, passed to Invoke
//	kinesis  a temporary one-shard stream and an event source mapping
//	         (ReportBatchItemFailures, no retries) to the function
//	sqs      a temporary queue (bodies: the records in base64) and a
//	         mapping with ReportBatchItemFailures
//	sns      a temporary topic with the function subscribed (messages: the
//	         records in base64)
//	events   a temporary event bus and a rule targeting the function
//	         (details: {"data": the record in base64})
//
// The trigger paths read the outcome from the function's invocation
// records (the emulator's admin API): a record's first invocation decides
// it (a function error, or its id in batchItemFailures, fails it), so
// retries and redeliveries do not slow the matrix down. Cleanup deletes
// the temporary resources and the permissions added for them.
func Via(ctx context.Context, via string, c *Client, function string) (Handler, Cleanup, error) {
	none := func(context.Context) error { return nil }
	if via == ViaInvoke || via == "" {
		return Invoke(c, function), none, nil
	}
	if !slices.Contains([]string{ViaKinesis, ViaSQS, ViaSNS, ViaEvents}, via) {
		return nil, none, &unknownViaError{via}
	}
	var fn struct {
		Configuration struct {
			FunctionName string
			FunctionArn  string
		}
	}
	if err := c.restJSON(ctx, "lambda", http.MethodGet, "/2015-03-31/functions/"+url.PathEscape(function), nil, &fn); err != nil {
		return nil, none, fmt.Errorf("GetFunction: %w", err)
	}
	t := &trigger{c: c, function: fn.Configuration.FunctionName, functionARN: fn.Configuration.FunctionArn, name: "evolvestack-matrix-" + randomHex()}
	var err error
	switch via {
	case ViaKinesis:
		err = t.setupKinesis(ctx)
	case ViaSQS:
		err = t.setupSQS(ctx)
	case ViaSNS:
		err = t.setupSNS(ctx)
	case ViaEvents:
		err = t.setupEvents(ctx)
	}
	if err != nil {
		cerr := t.cleanup(context.WithoutCancel(ctx))
		return nil, none, errors.Join(fmt.Errorf("setting up --via %s: %w", via, err), cerr)
	}
	return HandlerFunc(t.run), t.cleanup, nil
}

// randomHex is 8 random hex digits, to name temporary resources.
func randomHex() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// trigger is a temporary stream, queue, topic or bus wired to a function.
type trigger struct {
	c           *Client
	function    string
	functionARN string
	name        string
	// send delivers a batch and returns each record's item id (sequence
	// number, message id, event id) by record ID.
	send func(ctx context.Context, batch []Record) (map[string]string, error)
	// undo are the cleanup steps, run last first.
	undo []func(ctx context.Context) error
}

// cleanup runs the undo steps, newest first, and joins their errors.
func (t *trigger) cleanup(ctx context.Context) error {
	var errs []error
	for i := len(t.undo) - 1; i >= 0; i-- {
		if err := t.undo[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	t.undo = nil
	return errors.Join(errs...)
}

// kinesisCall calls a Kinesis operation.
func (t *trigger) kinesisCall(ctx context.Context, op string, in, out any) error {
	return t.c.jsonCall(ctx, "kinesis", "1.1", "Kinesis_20131202."+op, in, out)
}

// sqsCall calls an SQS operation.
func (t *trigger) sqsCall(ctx context.Context, op string, in, out any) error {
	return t.c.jsonCall(ctx, "sqs", "1.0", "AmazonSQS."+op, in, out)
}

// eventsCall calls an EventBridge operation.
func (t *trigger) eventsCall(ctx context.Context, op string, in, out any) error {
	return t.c.jsonCall(ctx, "events", "1.1", "AWSEvents."+op, in, out)
}

// poll calls check every 100 ms until it reports done, fails or ctx ends.
func poll(ctx context.Context, what string, check func() (bool, error)) error {
	for {
		done, err := check()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// mapping creates an event source mapping from source and waits for it
// to be Enabled.
func (t *trigger) mapping(ctx context.Context, in map[string]any) error {
	in["FunctionName"] = t.functionARN
	var out struct{ UUID, State string }
	if err := t.c.restJSON(ctx, "lambda", http.MethodPost, "/2015-03-31/event-source-mappings/", in, &out); err != nil {
		return fmt.Errorf("CreateEventSourceMapping: %w", err)
	}
	path := "/2015-03-31/event-source-mappings/" + url.PathEscape(out.UUID)
	t.undo = append(t.undo, func(ctx context.Context) error {
		if err := t.c.restJSON(ctx, "lambda", http.MethodDelete, path, nil, nil); err != nil {
			return fmt.Errorf("DeleteEventSourceMapping: %w", err)
		}
		return nil
	})
	return poll(ctx, "the event source mapping", func() (bool, error) {
		var got struct{ State string }
		if err := t.c.restJSON(ctx, "lambda", http.MethodGet, path, nil, &got); err != nil {
			return false, fmt.Errorf("GetEventSourceMapping: %w", err)
		}
		return got.State == "Enabled", nil
	})
}

// permit lets principal invoke the function from sourceARN.
func (t *trigger) permit(ctx context.Context, principal, sourceARN string) error {
	sid := t.name + "-" + strings.SplitN(principal, ".", 2)[0]
	in := map[string]string{"StatementId": sid, "Action": "lambda:InvokeFunction", "Principal": principal, "SourceArn": sourceARN}
	base := "/2015-03-31/functions/" + url.PathEscape(t.function) + "/policy"
	if err := t.c.restJSON(ctx, "lambda", http.MethodPost, base, in, nil); err != nil {
		return fmt.Errorf("AddPermission: %w", err)
	}
	t.undo = append(t.undo, func(ctx context.Context) error {
		if err := t.c.restJSON(ctx, "lambda", http.MethodDelete, base+"/"+url.PathEscape(sid), nil, nil); err != nil {
			return fmt.Errorf("RemovePermission: %w", err)
		}
		return nil
	})
	return nil
}

func (t *trigger) setupKinesis(ctx context.Context) error {
	if err := t.kinesisCall(ctx, "CreateStream", map[string]any{"StreamName": t.name, "ShardCount": 1}, nil); err != nil {
		return err
	}
	t.undo = append(t.undo, func(ctx context.Context) error {
		return t.kinesisCall(ctx, "DeleteStream", map[string]any{"StreamName": t.name, "EnforceConsumerDeletion": true}, nil)
	})
	var arn string
	err := poll(ctx, "the stream", func() (bool, error) {
		var out struct {
			StreamDescriptionSummary struct{ StreamARN, StreamStatus string }
		}
		if err := t.kinesisCall(ctx, "DescribeStreamSummary", map[string]any{"StreamName": t.name}, &out); err != nil {
			return false, err
		}
		arn = out.StreamDescriptionSummary.StreamARN
		return out.StreamDescriptionSummary.StreamStatus == "ACTIVE", nil
	})
	if err != nil {
		return err
	}
	if err := t.mapping(ctx, map[string]any{
		"EventSourceArn": arn, "StartingPosition": "TRIM_HORIZON", "BatchSize": 100,
		"MaximumRetryAttempts": 0, "FunctionResponseTypes": []string{"ReportBatchItemFailures"},
	}); err != nil {
		return err
	}
	t.send = func(ctx context.Context, batch []Record) (map[string]string, error) {
		type entry struct {
			Data         []byte
			PartitionKey string
		}
		in := struct {
			StreamName string
			Records    []entry
		}{StreamName: t.name}
		for _, r := range batch {
			in.Records = append(in.Records, entry{Data: r.Data, PartitionKey: r.ID})
		}
		var out struct {
			FailedRecordCount int
			Records           []struct{ SequenceNumber, ErrorCode, ErrorMessage string }
		}
		if err := t.kinesisCall(ctx, "PutRecords", in, &out); err != nil {
			return nil, err
		}
		ids := map[string]string{}
		for i, r := range out.Records {
			if r.ErrorCode != "" {
				return nil, fmt.Errorf("PutRecords: record %s: %s: %s", batch[i].ID, r.ErrorCode, r.ErrorMessage)
			}
			ids[batch[i].ID] = r.SequenceNumber
		}
		return ids, nil
	}
	return nil
}

func (t *trigger) setupSQS(ctx context.Context) error {
	var q struct{ QueueUrl string }
	// A failed message stays invisible for the rest of the run rather
	// than coming back into later versions' batches.
	in := map[string]any{"QueueName": t.name, "Attributes": map[string]string{"VisibilityTimeout": "43200"}}
	if err := t.sqsCall(ctx, "CreateQueue", in, &q); err != nil {
		return err
	}
	t.undo = append(t.undo, func(ctx context.Context) error {
		return t.sqsCall(ctx, "DeleteQueue", map[string]any{"QueueUrl": q.QueueUrl}, nil)
	})
	var attrs struct{ Attributes map[string]string }
	if err := t.sqsCall(ctx, "GetQueueAttributes", map[string]any{"QueueUrl": q.QueueUrl, "AttributeNames": []string{"QueueArn"}}, &attrs); err != nil {
		return err
	}
	if err := t.mapping(ctx, map[string]any{
		"EventSourceArn": attrs.Attributes["QueueArn"], "BatchSize": 10,
		"FunctionResponseTypes": []string{"ReportBatchItemFailures"},
	}); err != nil {
		return err
	}
	t.send = func(ctx context.Context, batch []Record) (map[string]string, error) {
		ids := map[string]string{}
		for start := 0; start < len(batch); start += 10 {
			part := batch[start:min(start+10, len(batch))]
			var entries []map[string]string
			for _, r := range part {
				entries = append(entries, map[string]string{"Id": r.ID, "MessageBody": base64.StdEncoding.EncodeToString(r.Data)})
			}
			var out struct {
				Successful []struct{ Id, MessageId string }
				Failed     []struct{ Id, Code, Message string }
			}
			if err := t.sqsCall(ctx, "SendMessageBatch", map[string]any{"QueueUrl": q.QueueUrl, "Entries": entries}, &out); err != nil {
				return nil, err
			}
			if len(out.Failed) > 0 {
				f := out.Failed[0]
				return nil, fmt.Errorf("SendMessageBatch: entry %s: %s: %s", f.Id, f.Code, f.Message)
			}
			for _, s := range out.Successful {
				ids[s.Id] = s.MessageId
			}
		}
		return ids, nil
	}
	return nil
}

func (t *trigger) setupSNS(ctx context.Context) error {
	raw, err := t.c.queryCall(ctx, "sns", "2010-03-31", url.Values{"Action": {"CreateTopic"}, "Name": {t.name}})
	if err != nil {
		return err
	}
	topic := awsclient.XMLText(raw, "TopicArn")
	t.undo = append(t.undo, func(ctx context.Context) error {
		_, err := t.c.queryCall(ctx, "sns", "2010-03-31", url.Values{"Action": {"DeleteTopic"}, "TopicArn": {topic}})
		return err
	})
	if err := t.permit(ctx, "sns.amazonaws.com", topic); err != nil {
		return err
	}
	if _, err := t.c.queryCall(ctx, "sns", "2010-03-31", url.Values{"Action": {"Subscribe"}, "TopicArn": {topic}, "Protocol": {"lambda"}, "Endpoint": {t.functionARN}}); err != nil {
		return err
	}
	t.send = func(ctx context.Context, batch []Record) (map[string]string, error) {
		ids := map[string]string{}
		for _, r := range batch {
			raw, err := t.c.queryCall(ctx, "sns", "2010-03-31", url.Values{"Action": {"Publish"}, "TopicArn": {topic}, "Message": {base64.StdEncoding.EncodeToString(r.Data)}})
			if err != nil {
				return nil, err
			}
			ids[r.ID] = awsclient.XMLText(raw, "MessageId")
		}
		return ids, nil
	}
	return nil
}

func (t *trigger) setupEvents(ctx context.Context) error {
	if err := t.eventsCall(ctx, "CreateEventBus", map[string]any{"Name": t.name}, nil); err != nil {
		return err
	}
	t.undo = append(t.undo, func(ctx context.Context) error {
		return t.eventsCall(ctx, "DeleteEventBus", map[string]any{"Name": t.name}, nil)
	})
	var rule struct{ RuleArn string }
	pattern := fmt.Sprintf(`{"source":[%q]}`, EventSource)
	if err := t.eventsCall(ctx, "PutRule", map[string]any{"Name": t.name, "EventBusName": t.name, "EventPattern": pattern}, &rule); err != nil {
		return err
	}
	t.undo = append(t.undo, func(ctx context.Context) error {
		return t.eventsCall(ctx, "DeleteRule", map[string]any{"Name": t.name, "EventBusName": t.name}, nil)
	})
	if err := t.permit(ctx, "events.amazonaws.com", rule.RuleArn); err != nil {
		return err
	}
	targets := map[string]any{"Rule": t.name, "EventBusName": t.name, "Targets": []map[string]string{{"Id": "function", "Arn": t.functionARN}}}
	var put struct{ FailedEntryCount int }
	if err := t.eventsCall(ctx, "PutTargets", targets, &put); err != nil {
		return err
	}
	if put.FailedEntryCount > 0 {
		return errors.New("PutTargets: the target was refused")
	}
	t.undo = append(t.undo, func(ctx context.Context) error {
		return t.eventsCall(ctx, "RemoveTargets", map[string]any{"Rule": t.name, "EventBusName": t.name, "Ids": []string{"function"}}, nil)
	})
	t.send = func(ctx context.Context, batch []Record) (map[string]string, error) {
		ids := map[string]string{}
		for start := 0; start < len(batch); start += 10 {
			part := batch[start:min(start+10, len(batch))]
			var entries []map[string]string
			for _, r := range part {
				detail, _ := json.Marshal(map[string]string{"data": base64.StdEncoding.EncodeToString(r.Data)})
				entries = append(entries, map[string]string{"Source": EventSource, "DetailType": EventDetailType, "Detail": string(detail), "EventBusName": t.name})
			}
			var out struct {
				FailedEntryCount int
				Entries          []struct{ EventId, ErrorCode, ErrorMessage string }
			}
			if err := t.eventsCall(ctx, "PutEvents", map[string]any{"Entries": entries}, &out); err != nil {
				return nil, err
			}
			for i, e := range out.Entries {
				if e.ErrorCode != "" {
					return nil, fmt.Errorf("PutEvents: entry %s: %s: %s", part[i].ID, e.ErrorCode, e.ErrorMessage)
				}
				ids[part[i].ID] = e.EventId
			}
		}
		return ids, nil
	}
	return nil
}
