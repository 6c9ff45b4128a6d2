package esm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	kinesissdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// epoch is where the tests' frozen clocks start: a tumbling-window
// boundary.
var epoch = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// harness is an emulator on a frozen clock with SDK clients.
type harness struct {
	t      *testing.T
	e      *emulator.Emulator
	kin    *kinesissdk.Client
	sqs    *sqssdk.Client
	lambda *lambdasdk.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(epoch))))
	// Runs before Start's cleanup: pollers and handler processes stop
	// before the server does.
	t.Cleanup(func() { _ = e.Reset("lambda", "") })
	cfg := e.AWSConfig()
	return &harness{
		t:      t,
		e:      e,
		kin:    kinesissdk.NewFromConfig(cfg),
		sqs:    sqssdk.NewFromConfig(cfg),
		lambda: lambdasdk.NewFromConfig(cfg, func(o *lambdasdk.Options) { o.RetryMaxAttempts = 1 }),
	}
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// settle waits for the work the clock started.
func (h *harness) settle() {
	h.t.Helper()
	if err := h.e.Clock().Settle(h.ctx()); err != nil {
		h.t.Fatal(err)
	}
}

// advance moves the clock and waits for what it started.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.settle()
	if err := h.e.Clock().Advance(d); err != nil {
		h.t.Fatal(err)
	}
	h.settle()
}

// drive advances the clock a second at a time until cond holds.
func (h *harness) drive(what string, cond func() bool) {
	h.t.Helper()
	for range 600 {
		h.settle()
		if cond() {
			return
		}
		h.advance(time.Second)
	}
	h.t.Fatalf("%s: not reached after 600 virtual seconds", what)
}

// register binds a Go handler to a new function.
func (h *harness) register(name string, handler any) {
	h.t.Helper()
	if err := h.e.RegisterHandler(name, handler); err != nil {
		h.t.Fatal(err)
	}
}

// createStream creates a stream and waits, as a client must, until it is
// ACTIVE: the frozen clock is moved past the CREATING period and the SDK's
// stream-exists waiter confirms the status. It returns the stream's ARN.
func (h *harness) createStream(name string, shards int32) string {
	h.t.Helper()
	ctx := h.ctx()
	if _, err := h.kin.CreateStream(ctx, &kinesissdk.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		h.t.Fatal(err)
	}
	h.advance(h.e.Kinesis().Options().CreateDelay)
	w := kinesissdk.NewStreamExistsWaiter(h.kin, func(o *kinesissdk.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	out, err := w.WaitForOutput(ctx, &kinesissdk.DescribeStreamInput{StreamName: aws.String(name)}, 10*time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	return aws.ToString(out.StreamDescription.StreamARN)
}

// put writes a record and returns its shard and sequence number.
func (h *harness) put(stream, key, data string) (string, string) {
	h.t.Helper()
	out, err := h.kin.PutRecord(h.ctx(), &kinesissdk.PutRecordInput{StreamName: aws.String(stream), PartitionKey: aws.String(key), Data: []byte(data)})
	if err != nil {
		h.t.Fatal(err)
	}
	return aws.ToString(out.ShardId), aws.ToString(out.SequenceNumber)
}

// createQueue creates a queue and returns its URL and ARN.
func (h *harness) createQueue(name string, attrs map[string]string) (string, string) {
	h.t.Helper()
	ctx := h.ctx()
	out, err := h.sqs.CreateQueue(ctx, &sqssdk.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		h.t.Fatal(err)
	}
	a, err := h.sqs.GetQueueAttributes(ctx, &sqssdk.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		h.t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
}

// receiveAll drains the visible messages of a queue (without deleting).
func (h *harness) receiveAll(url string) []sqstypes.Message {
	h.t.Helper()
	var all []sqstypes.Message
	for {
		out, err := h.sqs.ReceiveMessage(h.ctx(), &sqssdk.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 600})
		if err != nil {
			h.t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return all
		}
		all = append(all, out.Messages...)
	}
}

func (h *harness) queueDepth(url string) int {
	h.t.Helper()
	out, err := h.sqs.GetQueueAttributes(h.ctx(), &sqssdk.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	var a, b int
	_, _ = fmt.Sscan(out.Attributes["ApproximateNumberOfMessages"], &a)
	_, _ = fmt.Sscan(out.Attributes["ApproximateNumberOfMessagesNotVisible"], &b)
	return a + b
}

func (h *harness) createESM(in *lambdasdk.CreateEventSourceMappingInput) string {
	h.t.Helper()
	out, err := h.lambda.CreateEventSourceMapping(h.ctx(), in)
	if err != nil {
		h.t.Fatal(err)
	}
	return aws.ToString(out.UUID)
}

func (h *harness) updateESM(in *lambdasdk.UpdateEventSourceMappingInput) {
	h.t.Helper()
	if _, err := h.lambda.UpdateEventSourceMapping(h.ctx(), in); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) getESM(id string) *lambdasdk.GetEventSourceMappingOutput {
	h.t.Helper()
	out, err := h.lambda.GetEventSourceMapping(h.ctx(), &lambdasdk.GetEventSourceMappingInput{UUID: aws.String(id)})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// invocations returns a function's ESM invocations.
func (h *harness) invocations(fn string) []lambda.InvocationRecord {
	h.t.Helper()
	recs, err := h.e.LambdaInvocations(fn)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []lambda.InvocationRecord
	for _, r := range recs {
		if r.Trigger == lambda.TriggerESM {
			out = append(out, r)
		}
	}
	return out
}

// kinesisBatches decodes the Kinesis events of a function's invocations.
func (h *harness) kinesisBatches(fn string) []kinesisCall {
	h.t.Helper()
	var out []kinesisCall
	for _, r := range h.invocations(fn) {
		var ev events.KinesisTimeWindowEvent
		if err := json.Unmarshal([]byte(r.Event), &ev); err != nil {
			h.t.Fatalf("event does not decode as a Kinesis event: %v\n%s", err, r.Event)
		}
		out = append(out, kinesisCall{rec: r, ev: ev})
	}
	return out
}

type kinesisCall struct {
	rec lambda.InvocationRecord
	ev  events.KinesisTimeWindowEvent
}

// datas returns the records' data of a call.
func (c kinesisCall) datas() []string {
	out := make([]string, len(c.ev.Records))
	for i, r := range c.ev.Records {
		out[i] = string(r.Kinesis.Data)
	}
	return out
}

func trimHorizon(fn, src string, mod func(*lambdasdk.CreateEventSourceMappingInput)) *lambdasdk.CreateEventSourceMappingInput {
	in := &lambdasdk.CreateEventSourceMappingInput{
		FunctionName:     aws.String(fn),
		EventSourceArn:   aws.String(src),
		StartingPosition: lambdatypes.EventSourcePositionTrimHorizon,
		BatchSize:        aws.Int32(10),
	}
	if mod != nil {
		mod(in)
	}
	return in
}

// hasData reports whether any record of the events carries data.
func hasData(calls []kinesisCall, data string) bool {
	for _, c := range calls {
		for _, d := range c.datas() {
			if d == data {
				return true
			}
		}
	}
	return false
}

// kinesisHandler is a lambda.Handler for tests whose function runs
// concurrently (ParallelizationFactor, several shards). A plain func
// handler would do, but aws-lambda-go's NewHandler returns its response in
// a pooled buffer that a concurrent invocation of the same handler may
// overwrite before the engine copies it.
type kinesisHandler func(ctx context.Context, ev events.KinesisEvent) error

func (f kinesisHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.KinesisEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	if err := f(ctx, ev); err != nil {
		return nil, err
	}
	return []byte("null"), nil
}
