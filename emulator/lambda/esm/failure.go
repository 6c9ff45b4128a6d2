package esm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// Conditions of an on-failure record.
const (
	conditionRetriesExhausted = "RetryAttemptsExhausted"
	conditionRecordAge        = "RecordAgeExceeded"
)

// batchResponse is what a handler returned, read for partial batch
// failures (and, with tumbling windows, the window state).
type batchResponse struct {
	// whole means the batch failed as a whole: the response names
	// failures the poller cannot use (no, empty or unknown identifiers).
	whole bool
	// failed are the identifiers reported as failed, deduplicated.
	failed []string
	state  json.RawMessage
}

// parseBatchResponse reads a handler's response with the rules Lambda
// applies to partial batch responses: no payload, null, an object
// without batchItemFailures, or a null or empty batchItemFailures list
// mean complete success; an entry whose itemIdentifier is missing, null,
// empty, not a string or not in the batch fails the whole batch. A
// payload that is not a JSON object is treated as a whole-batch failure
// too.
func parseBatchResponse(payload []byte, valid map[string]bool) batchResponse {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 || string(p) == "null" {
		return batchResponse{}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(p, &obj); err != nil {
		return batchResponse{whole: true}
	}
	out := batchResponse{}
	if st, ok := obj["state"]; ok && !bytes.Equal(bytes.TrimSpace(st), []byte("null")) {
		out.state = st
	}
	raw, ok := obj["batchItemFailures"]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return out
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		out.whole = true
		return out
	}
	seen := map[string]bool{}
	for _, it := range items {
		var item map[string]json.RawMessage
		if err := json.Unmarshal(it, &item); err != nil || item == nil {
			out.whole = true
			return out
		}
		var id string
		if err := json.Unmarshal(item["itemIdentifier"], &id); err != nil || id == "" || !valid[id] {
			out.whole = true
			return out
		}
		if !seen[id] {
			seen[id] = true
			out.failed = append(out.failed, id)
		}
	}
	return out
}

// kinesisBatchInfo describes a discarded Kinesis batch.
type kinesisBatchInfo struct {
	ShardID                         string `json:"shardId"`
	StartSequenceNumber             string `json:"startSequenceNumber"`
	EndSequenceNumber               string `json:"endSequenceNumber"`
	ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord"`
	ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord"`
	BatchSize                       int    `json:"batchSize"`
	StreamArn                       string `json:"streamArn"`
}

// failureRecord is the document an event source mapping sends to its
// on-failure destination.
type failureRecord struct {
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	ResponseContext struct {
		StatusCode      int     `json:"statusCode"`
		ExecutedVersion string  `json:"executedVersion"`
		FunctionError   *string `json:"functionError"`
	} `json:"responseContext"`
	Version          string            `json:"version"`
	Timestamp        string            `json:"timestamp"`
	KinesisBatchInfo *kinesisBatchInfo `json:"KinesisBatchInfo,omitempty"`
}

// newFailureRecord builds the on-failure record of a discarded batch
// whose last invocation (nil when none ran) was last.
func newFailureRecord(fnArn, condition string, invokes int, last *lambda.InvocationResult, now time.Time, info *kinesisBatchInfo) []byte {
	var r failureRecord
	r.RequestContext.FunctionArn = fnArn
	r.RequestContext.Condition = condition
	r.RequestContext.ApproximateInvokeCount = invokes
	if last != nil {
		r.RequestContext.RequestID = last.RequestID
		r.ResponseContext.StatusCode = http.StatusOK
		r.ResponseContext.ExecutedVersion = last.ExecutedVersion
		if last.FunctionError != "" {
			r.ResponseContext.FunctionError = ptr(last.FunctionError)
		}
	} else {
		r.RequestContext.RequestID = uuid.NewString()
	}
	r.Version = "1.0"
	r.Timestamp = isoMillis(now)
	r.KinesisBatchInfo = info
	b, _ := json.Marshal(r)
	return b
}

// destination sends records to an on-failure destination.
type destination struct {
	env awsapi.Env
}

type sqsSender interface {
	GetQueueUrl(context.Context, *sqs.GetQueueUrlInput) (*sqs.GetQueueUrlOutput, error)
	SendMessage(context.Context, *sqs.SendMessageInput) (*sqs.SendMessageOutput, error)
}

type snsPublisher interface {
	Publish(context.Context, *sns.PublishInput) (*sns.PublishOutput, error)
}

// send delivers body to target, an SQS queue or SNS topic ARN.
func (d destination) send(ctx context.Context, target string, body []byte) error {
	service, scope, resource, err := arnParts(target)
	if err != nil {
		return err
	}
	if d.env.Services == nil {
		return errors.New("esm: no other services in this emulator")
	}
	rctx := requestContext(ctx, d.env, scope)
	switch service {
	case "sqs":
		svc, ok := d.env.Services("sqs", scope).(sqsSender)
		if !ok {
			return errors.New("esm: the SQS service cannot send messages")
		}
		q, err := svc.GetQueueUrl(rctx, &sqs.GetQueueUrlInput{QueueName: ptr(resource), QueueOwnerAWSAccountId: ptr(scope.Account)})
		if err != nil {
			return fmt.Errorf("esm: resolving destination %s: %w", target, err)
		}
		in := &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: ptr(string(body))}
		if strings.HasSuffix(resource, ".fifo") {
			return fmt.Errorf("esm: destination %s is a FIFO queue, which on-failure destinations do not support", target)
		}
		if _, err := svc.SendMessage(rctx, in); err != nil {
			return fmt.Errorf("esm: sending to %s: %w", target, err)
		}
		return nil
	case "sns":
		svc, ok := d.env.Services("sns", scope).(snsPublisher)
		if !ok {
			return fmt.Errorf("esm: the SNS service cannot publish yet; record for %s dropped", target)
		}
		if _, err := svc.Publish(rctx, &sns.PublishInput{TopicArn: ptr(target), Message: ptr(string(body))}); err != nil {
			return fmt.Errorf("esm: publishing to %s: %w", target, err)
		}
		return nil
	}
	return fmt.Errorf("esm: unsupported on-failure destination %s", target)
}

// requestContext returns ctx carrying request info for calls into another
// service of scope.
func requestContext(ctx context.Context, env awsapi.Env, scope awsapi.Scope) context.Context {
	endpoint := ""
	if env.Endpoint != nil {
		endpoint = env.Endpoint()
	}
	return awsapi.WithRequest(ctx, &awsapi.RequestInfo{RequestID: uuid.NewString(), Scope: scope, Service: "lambda", Endpoint: endpoint})
}
