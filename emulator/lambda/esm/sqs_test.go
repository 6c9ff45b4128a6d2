package esm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func sqsMapping(fn, arn string, mod func(*lambdasdk.CreateEventSourceMappingInput)) *lambdasdk.CreateEventSourceMappingInput {
	in := &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String(fn), EventSourceArn: aws.String(arn)}
	if mod != nil {
		mod(in)
	}
	return in
}

func (h *harness) send(url, body string, mod func(*sqssdk.SendMessageInput)) string {
	h.t.Helper()
	in := &sqssdk.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}
	if mod != nil {
		mod(in)
	}
	out, err := h.sqs.SendMessage(h.ctx(), in)
	if err != nil {
		h.t.Fatal(err)
	}
	return aws.ToString(out.MessageId)
}

// sqsBatches decodes the SQS events of a function's invocations.
func (h *harness) sqsBatches(fn string) []events.SQSEvent {
	h.t.Helper()
	var out []events.SQSEvent
	for _, r := range h.invocations(fn) {
		var ev events.SQSEvent
		if err := json.Unmarshal([]byte(r.Event), &ev); err != nil {
			h.t.Fatalf("event does not decode as an SQS event: %v\n%s", err, r.Event)
		}
		out = append(out, ev)
	}
	return out
}

// TestSQSEventAndPartialBatch checks the SQS event's fields and that a
// partial batch response deletes the rest and redelivers the failed
// message after its visibility timeout.
func TestSQSEventAndPartialBatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	url, arn := h.createQueue("jobs", map[string]string{"VisibilityTimeout": "30"})
	var mu sync.Mutex
	h.register("worker", func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		var resp events.SQSEventResponse
		for _, m := range ev.Records {
			if m.Body == "bad" && m.Attributes["ApproximateReceiveCount"] == "1" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	})
	id1 := h.send(url, "hello", func(in *sqssdk.SendMessageInput) {
		in.MessageAttributes = map[string]sqstypes.MessageAttributeValue{
			"name": {DataType: aws.String("String"), StringValue: aws.String("ada")},
			"blob": {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
		}
	})
	badID := h.send(url, "bad", nil)
	h.send(url, "third", nil)
	h.createESM(sqsMapping("worker", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
		in.FunctionResponseTypes = []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures}
	}))
	h.drive("first batch", func() bool { return len(h.invocations("worker")) == 1 })
	if n := h.queueDepth(url); n != 1 {
		t.Fatalf("%d messages left after the partial batch, want the failed one", n)
	}
	h.advance(10 * time.Second)
	if n := len(h.invocations("worker")); n != 1 {
		t.Fatalf("failed message redelivered before its visibility timeout (%d invocations)", n)
	}
	h.drive("redelivery", func() bool { return len(h.invocations("worker")) == 2 })
	h.settle()
	if n := h.queueDepth(url); n != 0 {
		t.Errorf("%d messages left", n)
	}

	batches := h.sqsBatches("worker")
	if len(batches[0].Records) != 3 || len(batches[1].Records) != 1 || batches[1].Records[0].MessageId != badID {
		t.Fatalf("batches %+v", batches)
	}
	if got := batches[1].Records[0].Attributes["ApproximateReceiveCount"]; got != "2" {
		t.Errorf("redelivered ApproximateReceiveCount %s", got)
	}
	if rec := h.invocations("worker"); rec[1].Attempt != 2 {
		t.Errorf("redelivery attempt %d, want 2", rec[1].Attempt)
	}
	// The first record, member by member.
	var raw struct {
		Records []map[string]json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal([]byte(h.invocations("worker")[0].Event), &raw); err != nil {
		t.Fatal(err)
	}
	m := raw.Records[0]
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{"attributes", "awsRegion", "body", "eventSource", "eventSourceARN", "md5OfBody", "md5OfMessageAttributes", "messageAttributes", "messageId", "receiptHandle"}
	if !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	for k, v := range map[string]string{
		"messageId": fmt.Sprintf("%q", id1), "body": `"hello"`, "eventSource": `"aws:sqs"`,
		"eventSourceARN": fmt.Sprintf("%q", arn), "awsRegion": `"us-east-1"`, "md5OfBody": `"5d41402abc4b2a76b9719d911017c592"`,
	} {
		if string(m[k]) != v {
			t.Errorf("%s = %s, want %s", k, m[k], v)
		}
	}
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(m["messageAttributes"], &attrs); err != nil {
		t.Fatal(err)
	}
	if got := string(attrs["name"]); got != `{"stringValue":"ada","stringListValues":[],"binaryListValues":[],"dataType":"String"}` {
		t.Errorf("string attribute %s", got)
	}
	if got := string(attrs["blob"]); got != `{"binaryValue":"AQID","stringListValues":[],"binaryListValues":[],"dataType":"Binary"}` {
		t.Errorf("binary attribute %s", got)
	}
	var sys map[string]string
	if err := json.Unmarshal(m["attributes"], &sys); err != nil {
		t.Fatal(err)
	}
	sent := fmt.Sprint(epoch.UnixMilli())
	if sys["ApproximateReceiveCount"] != "1" || sys["SentTimestamp"] != sent || sys["ApproximateFirstReceiveTimestamp"] != sent || sys["SenderId"] == "" {
		t.Errorf("attributes %v", sys)
	}
}

// TestSQSFIFOOrder: messages of a group reach the function in order, once
// each, with their group attributes.
func TestSQSFIFOOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	url, arn := h.createQueue("orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	var mu sync.Mutex
	got := map[string][]string{}
	h.register("fn", func(ctx context.Context, ev events.SQSEvent) error {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range ev.Records {
			g := m.Attributes["MessageGroupId"]
			if m.Attributes["SequenceNumber"] == "" || m.Attributes["MessageDeduplicationId"] == "" {
				t.Errorf("FIFO attributes missing: %v", m.Attributes)
			}
			got[g] = append(got[g], m.Body)
		}
		return nil
	})
	groups := []string{"g1", "g2", "g3"}
	for i := range 7 {
		for _, g := range groups {
			h.send(url, fmt.Sprintf("%s-%d", g, i), func(in *sqssdk.SendMessageInput) { in.MessageGroupId = aws.String(g) })
		}
	}
	h.createESM(sqsMapping("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) { in.BatchSize = aws.Int32(4) }))
	h.drive("all messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, v := range got {
			n += len(v)
		}
		return n == 21
	})
	mu.Lock()
	defer mu.Unlock()
	for _, g := range groups {
		var want []string
		for i := range 7 {
			want = append(want, fmt.Sprintf("%s-%d", g, i))
		}
		if !slices.Equal(got[g], want) {
			t.Errorf("group %s order %v", g, got[g])
		}
	}
}

// TestSQSRedrive: a message the function keeps failing moves to the
// queue's dead-letter queue after maxReceiveCount receives.
func TestSQSRedrive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dlqURL, dlqARN := h.createQueue("jobs-dlq", nil)
	url, arn := h.createQueue("jobs", map[string]string{
		"VisibilityTimeout": "10",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"2"}`, dlqARN),
	})
	h.register("fn", func(ctx context.Context, ev events.SQSEvent) error {
		return fmt.Errorf("cannot handle %s", ev.Records[0].Body)
	})
	h.send(url, "doomed", nil)
	h.createESM(sqsMapping("fn", arn, nil))
	h.drive("dead-lettered", func() bool { return h.queueDepth(dlqURL) == 1 })
	recs := h.invocations("fn")
	var attempts []int
	for _, r := range recs {
		attempts = append(attempts, r.Attempt)
		if r.FunctionError != "Unhandled" {
			t.Errorf("invocation %+v", r)
		}
	}
	if !slices.Equal(attempts, []int{1, 2}) {
		t.Errorf("attempts %v, want [1 2]", attempts)
	}
	if n := h.queueDepth(url); n != 0 {
		t.Errorf("%d messages left in the source queue", n)
	}
	msgs := h.receiveAll(dlqURL)
	if len(msgs) != 1 || aws.ToString(msgs[0].Body) != "doomed" {
		t.Errorf("dead-letter queue holds %v", msgs)
	}
}

// TestSQSBatchingAndLifecycle: the batching window gathers messages up to
// BatchSize; a disabled mapping leaves the queue alone; a deleted one
// stops.
func TestSQSBatchingAndLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	url, arn := h.createQueue("jobs", nil)
	h.register("fn", func(ctx context.Context, ev events.SQSEvent) error { return nil })
	id := h.createESM(sqsMapping("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
		in.BatchSize = aws.Int32(25)
		in.MaximumBatchingWindowInSeconds = aws.Int32(3)
	}))
	for i := range 12 {
		h.send(url, fmt.Sprint("m", i), nil)
	}
	h.advance(time.Second)
	for i := 12; i < 30; i++ {
		h.send(url, fmt.Sprint("m", i), nil)
	}
	h.drive("two batches", func() bool { return len(h.invocations("fn")) == 2 })
	b := h.sqsBatches("fn")
	if len(b[0].Records) != 25 || len(b[1].Records) != 5 {
		t.Errorf("batch sizes %d, %d; want 25, 5", len(b[0].Records), len(b[1].Records))
	}

	h.updateESM(&lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(id), Enabled: aws.Bool(false)})
	h.send(url, "while disabled", nil)
	h.advance(10 * time.Second)
	if n := len(h.invocations("fn")); n != 2 || h.queueDepth(url) != 1 {
		t.Fatalf("disabled mapping invoked (%d invocations, depth %d)", n, h.queueDepth(url))
	}
	h.updateESM(&lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(id), Enabled: aws.Bool(true)})
	h.drive("resumed", func() bool { return h.queueDepth(url) == 0 })
	if _, err := h.lambda.DeleteEventSourceMapping(h.ctx(), &lambdasdk.DeleteEventSourceMappingInput{UUID: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	h.send(url, "after delete", nil)
	h.advance(10 * time.Second)
	if h.queueDepth(url) != 1 {
		t.Errorf("deleted mapping consumed a message")
	}
	if last := h.sqsBatches("fn"); !strings.Contains(fmt.Sprint(last[len(last)-1].Records), "while disabled") {
		t.Errorf("last batch %v", last[len(last)-1].Records)
	}
}
