package esm

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// sqsAPI is what the poller needs of the SQS service.
type sqsAPI interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput) (*sqs.GetQueueUrlOutput, error)
	ReceiveMessage(context.Context, *sqs.ReceiveMessageInput) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(context.Context, *sqs.DeleteMessageBatchInput) (*sqs.DeleteMessageBatchOutput, error)
	ChangeMessageVisibilityBatch(context.Context, *sqs.ChangeMessageVisibilityBatchInput) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

// sqsSource polls one queue for one mapping. Only the mapping's running
// poll touches it.
type sqsSource struct {
	mp       *mapping
	env      awsapi.Env
	queueARN string
	name     string
	scope    awsapi.Scope

	url     string
	pending []sqs.Message // received, waiting for the batch to fill
	bytes   int
	firstAt time.Time // when the first pending message was received
}

func newSQSSource(mp *mapping, cfg lambda.EventSourceMappingConfiguration) (*sqsSource, error) {
	arn := str(cfg.EventSourceArn)
	_, scope, name, err := arnParts(arn)
	if err != nil {
		return nil, err
	}
	return &sqsSource{mp: mp, env: mp.mgr.env, queueARN: arn, name: name, scope: scope}, nil
}

func (q *sqsSource) api() (sqsAPI, error) {
	if q.env.Services == nil {
		return nil, errors.New("esm: no SQS service in this emulator")
	}
	svc, ok := q.env.Services("sqs", q.scope).(sqsAPI)
	if !ok {
		return nil, errors.New("esm: the SQS service cannot be polled")
	}
	return svc, nil
}

func (q *sqsSource) rctx(ctx context.Context) context.Context {
	return requestContext(ctx, q.env, q.scope)
}

func (q *sqsSource) init(ctx context.Context, cfg lambda.EventSourceMappingConfiguration) {}

// resolve finds the queue's URL.
func (q *sqsSource) resolve(ctx context.Context, api sqsAPI) error {
	if q.url != "" {
		return nil
	}
	out, err := api.GetQueueUrl(q.rctx(ctx), &sqs.GetQueueUrlInput{QueueName: ptr(q.name), QueueOwnerAWSAccountId: ptr(q.scope.Account)})
	if err != nil {
		return err
	}
	q.url = str(out.QueueUrl)
	return nil
}

// poll gathers a batch (up to BatchSize, waiting up to the batching
// window, within the payload limit) and invokes the function with it.
func (q *sqsSource) poll(ctx context.Context, cfg lambda.EventSourceMappingConfiguration) time.Duration {
	api, err := q.api()
	if err != nil {
		return pollInterval
	}
	if err := q.resolve(ctx, api); err != nil {
		q.mp.mgr.log.Debug("event source mapping: queue not found", "uuid", q.mp.uuid, "queue", q.queueARN, "error", err)
		return pollInterval
	}
	size := max(i32(cfg.BatchSize, 10), 1)
	full := false
	for len(q.pending) < size && !full {
		out, err := api.ReceiveMessage(q.rctx(ctx), &sqs.ReceiveMessageInput{
			QueueUrl:                    ptr(q.url),
			MaxNumberOfMessages:         ptr(int32(min(10, size-len(q.pending)))),
			WaitTimeSeconds:             ptr(int32(0)),
			MessageSystemAttributeNames: []sqs.MessageSystemAttributeName{sqs.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			var ae *awsapi.Error
			if errors.As(err, &ae) && (ae.Code == sqs.ErrCodeQueueDoesNotExist || ae.QueryCode == "AWS.SimpleQueueService.NonExistentQueue") {
				q.url = ""
			}
			break
		}
		if len(out.Messages) == 0 {
			break
		}
		var over []sqs.Message
		for _, m := range out.Messages {
			sz := sqsRecordSize(&m)
			if full || (len(q.pending) > 0 && q.bytes+sz > maxPayload-2048) {
				full = true
				over = append(over, m)
				continue
			}
			if len(q.pending) == 0 {
				q.firstAt = q.env.Clock.Now()
			}
			q.pending = append(q.pending, m)
			q.bytes += sz
		}
		if len(over) > 0 {
			q.release(ctx, api, over)
		}
	}
	if len(q.pending) == 0 {
		return pollInterval
	}
	now := q.env.Clock.Now()
	if wait := time.Duration(i32(cfg.MaximumBatchingWindowInSeconds, 0)) * time.Second; wait > 0 && !full && len(q.pending) < size {
		if at := q.firstAt.Add(wait); now.Before(at) {
			return min(at.Sub(now), pollInterval)
		}
	}
	msgs := q.pending
	q.pending, q.bytes = nil, 0
	q.invoke(ctx, api, cfg, msgs)
	return 0
}

// release makes messages that did not fit a batch visible again.
func (q *sqsSource) release(ctx context.Context, api sqsAPI, msgs []sqs.Message) {
	for i := 0; i < len(msgs); i += 10 {
		var entries []sqs.ChangeMessageVisibilityBatchRequestEntry
		for j, m := range msgs[i:min(i+10, len(msgs))] {
			entries = append(entries, sqs.ChangeMessageVisibilityBatchRequestEntry{Id: ptr(strconv.Itoa(j)), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: ptr(int32(0))})
		}
		_, _ = api.ChangeMessageVisibilityBatch(q.rctx(ctx), &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: ptr(q.url), Entries: entries})
	}
}

// invoke runs the function with msgs and deletes what it processed; the
// rest becomes visible again when its visibility timeout ends, and the
// queue's redrive policy applies as it is received again.
func (q *sqsSource) invoke(ctx context.Context, api sqsAPI, cfg lambda.EventSourceMappingConfiguration, msgs []sqs.Message) {
	ev := sqsEvent{Records: make([]sqsEventRecord, len(msgs))}
	attempt := 1
	valid := make(map[string]bool, len(msgs))
	for i := range msgs {
		ev.Records[i] = sqsRecord(&msgs[i], q.queueARN, q.scope.Region)
		valid[str(msgs[i].MessageId)] = true
		if n, err := strconv.Atoi(msgs[i].Attributes["ApproximateReceiveCount"]); err == nil {
			attempt = max(attempt, n)
		}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return
	}
	res, err := q.mp.invoke(ctx, str(cfg.FunctionArn), payload, attempt, len(msgs), false)
	if err != nil || ctx.Err() != nil {
		// Throttled or gone: the messages return after their visibility
		// timeout.
		q.mp.mgr.log.Debug("event source mapping: invocation failed", "uuid", q.mp.uuid, "error", err)
		return
	}
	if res.FunctionError != "" {
		return
	}
	done := msgs
	if reportsItemFailures(cfg) {
		resp := parseBatchResponse(res.Payload, valid)
		if resp.whole {
			return
		}
		if len(resp.failed) > 0 {
			failed := make(map[string]bool, len(resp.failed))
			for _, id := range resp.failed {
				failed[id] = true
			}
			done = nil
			for _, m := range msgs {
				if !failed[str(m.MessageId)] {
					done = append(done, m)
				}
			}
		}
	}
	q.delete(ctx, api, done)
}

// delete deletes processed messages.
func (q *sqsSource) delete(ctx context.Context, api sqsAPI, msgs []sqs.Message) {
	for i := 0; i < len(msgs); i += 10 {
		var entries []sqs.DeleteMessageBatchRequestEntry
		for j, m := range msgs[i:min(i+10, len(msgs))] {
			entries = append(entries, sqs.DeleteMessageBatchRequestEntry{Id: ptr(strconv.Itoa(j)), ReceiptHandle: m.ReceiptHandle})
		}
		if _, err := api.DeleteMessageBatch(q.rctx(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: ptr(q.url), Entries: entries}); err != nil {
			q.mp.mgr.log.Warn("event source mapping: deleting messages failed", "uuid", q.mp.uuid, "error", err)
		}
	}
}
