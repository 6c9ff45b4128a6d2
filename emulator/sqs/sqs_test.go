package sqs_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// setup starts an emulator on a frozen clock and returns a client.
func setup(t *testing.T) (*sdksqs.Client, *emulator.Emulator) {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	return sdksqs.NewFromConfig(e.AWSConfig()), e
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got %s %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// mustFail carries an unexpected error from ok to catch.
type mustFail struct{ err error }

// ok returns v, or stops the test (through catch) when err is set.
func ok[T any](v T, err error) T {
	if err != nil {
		panic(mustFail{err})
	}
	return v
}

// catch turns an ok failure into t.Fatal; tests and subtests that call
// ok defer it first.
func catch(t *testing.T) {
	if r := recover(); r != nil {
		f, isFail := r.(mustFail)
		if !isFail {
			panic(r)
		}
		t.Fatalf("unexpected error: %v", f.err)
	}
}

func mkQueue(t *testing.T, c *sdksqs.Client, name string, attrs map[string]string) string {
	t.Helper()
	out := ok(c.CreateQueue(context.Background(), &sdksqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs}))
	return *out.QueueUrl
}

func advance(t *testing.T, e *emulator.Emulator, d time.Duration) {
	t.Helper()
	if err := e.Clock().Advance(d); err != nil {
		t.Fatal(err)
	}
}

func TestQueueLifecycle(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	url := mkQueue(t, c, "orders", map[string]string{"VisibilityTimeout": "45"})
	if want := e.Endpoint() + "/000000000000/orders"; !strings.HasSuffix(url, "/orders") || !strings.HasPrefix(url, e.Endpoint()+"/") {
		t.Fatalf("url %q, want %q", url, want)
	}
	cases := []struct {
		name string
		run  func() error
		code string
		msg  string
	}{
		{"idempotent create", func() error {
			_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"VisibilityTimeout": "45"}})
			return err
		}, "", ""},
		{"create with different attributes", func() error {
			_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("orders"), Attributes: map[string]string{"VisibilityTimeout": "46"}})
			return err
		}, "QueueAlreadyExists", "A queue already exists with the same name and a different value for attribute VisibilityTimeout"},
		{"bad name", func() error {
			_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("a b")})
			return err
		}, "InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"},
		{"fifo without suffix", func() error {
			_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("f"), Attributes: map[string]string{"FifoQueue": "true"}})
			return err
		}, "InvalidParameterValue", "must end with .fifo suffix"},
		{"fifo attribute on standard", func() error {
			_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("s"), Attributes: map[string]string{"ContentBasedDeduplication": "true"}})
			return err
		}, "InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication."},
		{"bad attribute value", func() error {
			_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("s"), Attributes: map[string]string{"DelaySeconds": "901"}})
			return err
		}, "InvalidAttributeValue", "Invalid value for the parameter DelaySeconds."},
		{"unknown queue", func() error {
			_, err := c.GetQueueUrl(ctx, &sdksqs.GetQueueUrlInput{QueueName: aws.String("nope")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."},
		{"get attribute unknown", func() error {
			_, err := c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Bogus"}})
			return err
		}, "InvalidAttributeName", "Unknown Attribute Bogus."},
		{"missing body", func() error {
			_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("")})
			return err
		}, "MissingParameter", "The request must contain the parameter MessageBody."},
		{"max messages", func() error {
			_, err := c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 11})
			return err
		}, "InvalidParameterValue", "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
		{"bad receipt handle", func() error {
			_, err := c.DeleteMessage(ctx, &sdksqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("garbage")})
			return err
		}, "ReceiptHandleIsInvalid", `The input receipt handle "garbage" is not a valid receipt handle.`},
	}
	for _, tc := range cases {
		err := tc.run()
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		t.Run(tc.name, func(t *testing.T) { wantErr(t, err, tc.code, tc.msg) })
	}

	got := ok(c.GetQueueUrl(ctx, &sdksqs.GetQueueUrlInput{QueueName: aws.String("orders"), QueueOwnerAWSAccountId: aws.String("000000000000")}))
	if *got.QueueUrl != url {
		t.Errorf("GetQueueUrl = %q, want %q", *got.QueueUrl, url)
	}
	attrs := ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}}))
	for k, v := range map[string]string{"VisibilityTimeout": "45", "DelaySeconds": "0", "MaximumMessageSize": "1048576",
		"MessageRetentionPeriod": "345600", "ApproximateNumberOfMessages": "0", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:orders",
		"SqsManagedSseEnabled": "true"} {
		if attrs.Attributes[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs.Attributes[k], v)
		}
	}
	ok(c.SetQueueAttributes(ctx, &sdksqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"DelaySeconds": "5"}}))
	attrs = ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"DelaySeconds"}}))
	if len(attrs.Attributes) != 1 || attrs.Attributes["DelaySeconds"] != "5" {
		t.Errorf("after set: %v", attrs.Attributes)
	}

	// Tags.
	ok(c.TagQueue(ctx, &sdksqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"a": "1", "b": "2"}}))
	ok(c.UntagQueue(ctx, &sdksqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"a"}}))
	tags := ok(c.ListQueueTags(ctx, &sdksqs.ListQueueTagsInput{QueueUrl: &url}))
	if len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Errorf("tags %v", tags.Tags)
	}

	// Permissions.
	ok(c.AddPermission(ctx, &sdksqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("p1"), AWSAccountIds: []string{"111122223333"}, Actions: []string{"SendMessage"}}))
	attrs = ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Policy"}}))
	if p := attrs.Attributes["Policy"]; !strings.Contains(p, `"Sid":"p1"`) || !strings.Contains(p, `"SQS:SendMessage"`) || !strings.Contains(p, "arn:aws:iam::111122223333:root") {
		t.Errorf("policy %s", p)
	}
	ok(c.RemovePermission(ctx, &sdksqs.RemovePermissionInput{QueueUrl: &url, Label: aws.String("p1")}))
	_, err := c.RemovePermission(ctx, &sdksqs.RemovePermissionInput{QueueUrl: &url, Label: aws.String("p1")})
	wantErr(t, err, "InvalidParameterValue", "can't find label")

	// Listing with prefix and pagination.
	for i := range 3 {
		mkQueue(t, c, "list-"+strconv.Itoa(i), nil)
	}
	var seen []string
	var token *string
	for {
		page := ok(c.ListQueues(ctx, &sdksqs.ListQueuesInput{QueueNamePrefix: aws.String("list-"), MaxResults: aws.Int32(2), NextToken: token}))
		seen = append(seen, page.QueueUrls...)
		if page.NextToken == nil {
			break
		}
		token = page.NextToken
	}
	if len(seen) != 3 || !strings.HasSuffix(seen[2], "/list-2") {
		t.Errorf("paged list %v", seen)
	}

	ok(c.DeleteQueue(ctx, &sdksqs.DeleteQueueInput{QueueUrl: &url}))
	_, err = c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")})
	wantErr(t, err, "AWS.SimpleQueueService.NonExistentQueue", "does not exist")
}

func TestSendReceiveAttributesAndMD5(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := setup(t)
	ctx := context.Background()
	url := mkQueue(t, c, "md5", nil)
	attrs := map[string]types.MessageAttributeValue{
		"str":     {DataType: aws.String("String"), StringValue: aws.String("hello")},
		"num":     {DataType: aws.String("Number"), StringValue: aws.String("42")},
		"bin":     {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
		"app.one": {DataType: aws.String("String.custom"), StringValue: aws.String("x")},
	}
	// The SDK checks MD5OfMessageBody and MD5OfMessageAttributes itself
	// and fails the call when they are wrong.
	sent := ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("body ✓"), MessageAttributes: attrs,
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")}}}))
	if *sent.MD5OfMessageBody != "3d93e5a8acbd1a8a4e3b1e7e4fa1d6ea" && len(*sent.MD5OfMessageBody) != 32 {
		t.Errorf("md5 %s", *sent.MD5OfMessageBody)
	}
	if sent.MD5OfMessageSystemAttributes == nil || sent.MD5OfMessageAttributes == nil {
		t.Fatalf("missing md5s: %+v", sent)
	}
	cases := []struct {
		name      string
		sys       []types.MessageSystemAttributeName
		user      []string
		wantSys   []string
		wantUser  []string
		wantNoMD5 bool
	}{
		{"all", []types.MessageSystemAttributeName{"All"}, []string{"All"},
			[]string{"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader"},
			[]string{"str", "num", "bin", "app.one"}, false},
		{"prefix", []types.MessageSystemAttributeName{"ApproximateReceiveCount"}, []string{"app.*"},
			[]string{"ApproximateReceiveCount"}, []string{"app.one"}, false},
		{"none", nil, []string{"missing"}, nil, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer catch(t)
			out := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url, MessageSystemAttributeNames: tc.sys,
				MessageAttributeNames: tc.user}))
			if len(out.Messages) != 1 {
				t.Fatalf("got %d messages", len(out.Messages))
			}
			m := out.Messages[0]
			ok(c.ChangeMessageVisibility(ctx, &sdksqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}))
			if *m.Body != "body ✓" || *m.MessageId != *sent.MessageId {
				t.Errorf("message %+v", m)
			}
			if len(m.Attributes) != len(tc.wantSys) {
				t.Errorf("system attributes %v, want %v", m.Attributes, tc.wantSys)
			}
			for _, k := range tc.wantSys {
				if m.Attributes[k] == "" {
					t.Errorf("system attribute %s missing", k)
				}
			}
			if len(m.MessageAttributes) != len(tc.wantUser) {
				t.Errorf("message attributes %v, want %v", m.MessageAttributes, tc.wantUser)
			}
			if tc.wantNoMD5 != (m.MD5OfMessageAttributes == nil) {
				t.Errorf("MD5OfMessageAttributes = %v", m.MD5OfMessageAttributes)
			}
		})
	}
}

func TestVisibilityAndDelay(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	url := mkQueue(t, c, "vis", map[string]string{"VisibilityTimeout": "30"})
	ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("a")}))
	ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("later"), DelaySeconds: 10}))
	recv := func(vis int32) []types.Message {
		return ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: vis,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})).Messages
	}
	first := recv(0) // 0 is not sent: the queue default (30 s) applies
	if len(first) != 1 || *first[0].Body != "a" {
		t.Fatalf("first receive %v", first)
	}
	if got := recv(0); len(got) != 0 {
		t.Fatalf("in-flight message received again: %v", got)
	}
	advance(t, e, 10*time.Second)
	if got := recv(100); len(got) != 1 || *got[0].Body != "later" {
		t.Fatalf("delayed message: %v", got)
	}
	advance(t, e, 20*time.Second)
	again := recv(5)
	if len(again) != 1 || *again[0].Body != "a" || again[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after visibility expiry: %v", again)
	}
	// On a standard queue an older receipt handle still changes the
	// visibility (FIFO queues want the latest one).
	ok(c.ChangeMessageVisibility(ctx, &sdksqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: first[0].ReceiptHandle, VisibilityTimeout: 60}))
	ok(c.ChangeMessageVisibility(ctx, &sdksqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: again[0].ReceiptHandle, VisibilityTimeout: 0}))
	advance(t, e, 100*time.Second)
	back := recv(30)
	if len(back) != 2 {
		t.Fatalf("after visibility 0 and expiry: %d messages", len(back))
	}
	batch := ok(c.ChangeMessageVisibilityBatch(ctx, &sdksqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: back[0].ReceiptHandle, VisibilityTimeout: 100},
		{Id: aws.String("b"), ReceiptHandle: aws.String("bad"), VisibilityTimeout: 100},
	}}))
	if len(batch.Successful) != 1 || len(batch.Failed) != 1 || *batch.Failed[0].Code != "ReceiptHandleIsInvalid" || !batch.Failed[0].SenderFault {
		t.Fatalf("visibility batch %+v", batch)
	}
	del := ok(c.DeleteMessageBatch(ctx, &sdksqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("x"), ReceiptHandle: back[0].ReceiptHandle}, {Id: aws.String("y"), ReceiptHandle: back[1].ReceiptHandle},
	}}))
	if len(del.Successful) != 2 {
		t.Fatalf("delete batch %+v", del)
	}
	advance(t, e, 200*time.Second)
	if got := recv(0); len(got) != 0 {
		t.Fatalf("deleted messages came back: %v", got)
	}
}

func TestBatchValidation(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := setup(t)
	ctx := context.Background()
	url := mkQueue(t, c, "batch", nil)
	entries := func(ids ...string) []types.SendMessageBatchRequestEntry {
		var out []types.SendMessageBatchRequestEntry
		for _, id := range ids {
			out = append(out, types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String("m-" + id)})
		}
		return out
	}
	cases := []struct {
		name    string
		entries []types.SendMessageBatchRequestEntry
		code    string
		msg     string
	}{
		{"empty", []types.SendMessageBatchRequestEntry{}, "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request."},
		{"too many", entries("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"), "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10. You have sent 11."},
		{"bad id", entries("a b"), "AWS.SimpleQueueService.InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."},
		{"duplicate", entries("a", "a"), "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id a repeated."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.SendMessageBatch(ctx, &sdksqs.SendMessageBatchInput{QueueUrl: &url, Entries: tc.entries})
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	mixed := entries("ok1", "bad", "ok2")
	mixed[1].MessageBody = aws.String("")
	mixed[2].MessageAttributes = map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("3.5")}}
	out := ok(c.SendMessageBatch(ctx, &sdksqs.SendMessageBatchInput{QueueUrl: &url, Entries: mixed}))
	if len(out.Successful) != 2 || len(out.Failed) != 1 || *out.Failed[0].Id != "bad" || *out.Failed[0].Code != "MissingParameter" {
		t.Fatalf("batch result %+v", out)
	}
}

func TestFIFOOrderingAndDeduplication(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	url := mkQueue(t, c, "jobs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	send := func(group, body, dedup string) *sdksqs.SendMessageOutput {
		in := &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(body), MessageGroupId: aws.String(group)}
		if dedup != "" {
			in.MessageDeduplicationId = aws.String(dedup)
		}
		return ok(c.SendMessage(ctx, in))
	}
	a1 := send("A", "a1", "")
	send("A", "a2", "")
	send("B", "b1", "")
	send("A", "a3", "")
	dup := send("A", "a1", "") // content-based duplicate within 5 minutes
	if *dup.MessageId != *a1.MessageId || *dup.SequenceNumber != *a1.SequenceNumber {
		t.Errorf("duplicate got new id %s (orig %s)", *dup.MessageId, *a1.MessageId)
	}
	explicit := send("B", "b2", "d-1")
	if again := send("B", "other body", "d-1"); *again.MessageId != *explicit.MessageId {
		t.Error("explicit deduplication id not honoured")
	}
	_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")})
	wantErr(t, err, "MissingParameter", "The request must contain the parameter MessageGroupId.")
	_, err = c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String("A"), DelaySeconds: 3})
	wantErr(t, err, "InvalidParameterValue", "The request include parameter that is not valid for this queue type.")

	recv := func(n int32) []string {
		out := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: n,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}}))
		var bodies []string
		for _, m := range out.Messages {
			if m.Attributes["SequenceNumber"] == "" || m.Attributes["MessageGroupId"] == "" || m.Attributes["MessageDeduplicationId"] == "" {
				t.Errorf("missing FIFO attributes: %v", m.Attributes)
			}
			bodies = append(bodies, *m.Body)
		}
		return bodies
	}
	// Group A is served in order; it stays locked while in flight.
	if got := strings.Join(recv(2), ","); got != "a1,a2" {
		t.Fatalf("first receive %s", got)
	}
	if got := strings.Join(recv(10), ","); got != "b1,b2" {
		t.Fatalf("second receive %s (group A must be locked)", got)
	}
	if got := recv(10); len(got) != 0 {
		t.Fatalf("both groups locked, got %v", got)
	}
	advance(t, e, 31*time.Second)
	// One receive fills from the oldest group first, then the next.
	if got := strings.Join(recv(10), ","); got != "a1,a2,a3,b1,b2" {
		t.Fatalf("after expiry %s", got)
	}
	// Deduplication window ends after five minutes.
	advance(t, e, 5*time.Minute)
	if fresh := send("A", "a1", ""); *fresh.MessageId == *a1.MessageId {
		t.Error("deduplication outlived its window")
	}
}

func TestFIFOReceiveRequestAttemptID(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := setup(t)
	ctx := context.Background()
	url := mkQueue(t, c, "attempt.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	for _, b := range []string{"1", "2"} {
		ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(b), MessageGroupId: aws.String("g")}))
	}
	in := &sdksqs.ReceiveMessageInput{QueueUrl: &url, ReceiveRequestAttemptId: aws.String("try-1")}
	first := ok(c.ReceiveMessage(ctx, in))
	retry := ok(c.ReceiveMessage(ctx, in))
	if len(first.Messages) != 1 || len(retry.Messages) != 1 || *first.Messages[0].ReceiptHandle != *retry.Messages[0].ReceiptHandle {
		t.Fatalf("retry did not return the same messages: %+v / %+v", first.Messages, retry.Messages)
	}
}

func TestRedriveAndMoveTask(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	dlq := mkQueue(t, c, "dead", nil)
	dlqArn := "arn:aws:sqs:us-east-1:000000000000:dead"
	src := mkQueue(t, c, "work", map[string]string{"VisibilityTimeout": "10",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":"2"}`})
	_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("bad-redrive"), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":0}`}})
	wantErr(t, err, "InvalidParameterValue", "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.")
	sent := ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &src, MessageBody: aws.String("poison"),
		MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}}))
	for i := range 2 {
		got := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &src}))
		if len(got.Messages) != 1 {
			t.Fatalf("receive %d: %d messages", i+1, len(got.Messages))
		}
		advance(t, e, 11*time.Second)
	}
	// The third attempt moves the message to the DLQ instead.
	if got := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &src})); len(got.Messages) != 0 {
		t.Fatalf("message delivered past maxReceiveCount")
	}
	dead := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &dlq, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}}))
	if len(dead.Messages) != 1 || *dead.Messages[0].MessageId != *sent.MessageId || *dead.Messages[0].Body != "poison" ||
		dead.Messages[0].Attributes["DeadLetterQueueSourceArn"] != "arn:aws:sqs:us-east-1:000000000000:work" {
		t.Fatalf("dlq content %+v", dead.Messages)
	}
	ok(c.ChangeMessageVisibility(ctx, &sdksqs.ChangeMessageVisibilityInput{QueueUrl: &dlq, ReceiptHandle: dead.Messages[0].ReceiptHandle, VisibilityTimeout: 0}))
	srcs := ok(c.ListDeadLetterSourceQueues(ctx, &sdksqs.ListDeadLetterSourceQueuesInput{QueueUrl: &dlq}))
	if len(srcs.QueueUrls) != 1 || srcs.QueueUrls[0] != src {
		t.Fatalf("dead letter sources %v", srcs.QueueUrls)
	}
	_, err = c.StartMessageMoveTask(ctx, &sdksqs.StartMessageMoveTaskInput{SourceArn: aws.String("arn:aws:sqs:us-east-1:000000000000:work")})
	wantErr(t, err, "InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
	task := ok(c.StartMessageMoveTask(ctx, &sdksqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqArn), MaxNumberOfMessagesPerSecond: aws.Int32(1)}))
	deadline := time.Now().Add(5 * time.Second)
	var list *sdksqs.ListMessageMoveTasksOutput
	for {
		list = ok(c.ListMessageMoveTasks(ctx, &sdksqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqArn)}))
		if len(list.Results) == 1 && *list.Results[0].Status != "RUNNING" || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := list.Results[0]
	if *r.Status != "COMPLETED" || r.ApproximateNumberOfMessagesMoved != 1 || r.MaxNumberOfMessagesPerSecond == nil || r.TaskHandle != nil {
		t.Fatalf("task %+v (handle %s)", r, *task.TaskHandle)
	}
	back := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &src, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}}))
	if len(back.Messages) != 1 || *back.Messages[0].Body != "poison" || back.Messages[0].Attributes["ApproximateReceiveCount"] != "1" {
		t.Fatalf("redriven message %+v", back.Messages)
	}
	_, err = c.CancelMessageMoveTask(ctx, &sdksqs.CancelMessageMoveTaskInput{TaskHandle: task.TaskHandle})
	wantErr(t, err, "InvalidParameterValue", "Only active tasks can be cancelled.")
}

func TestLongPollingAndPurge(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	url := mkQueue(t, c, "poll", nil)
	type result struct {
		out *sdksqs.ReceiveMessageOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		done <- result{out, err}
	}()
	time.Sleep(50 * time.Millisecond) // let the receive start waiting
	ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("wake")}))
	select {
	case r := <-done:
		if r.err != nil || len(r.out.Messages) != 1 || *r.out.Messages[0].Body != "wake" {
			t.Fatalf("long poll result %+v %v", r.out, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not wake on send")
	}
	// An empty long poll ends when the (virtual) wait time passes.
	go func() {
		out, err := c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		done <- result{out, err}
	}()
	time.Sleep(50 * time.Millisecond)
	advance(t, e, 20*time.Second)
	select {
	case r := <-done:
		if r.err != nil || len(r.out.Messages) != 0 {
			t.Fatalf("empty long poll %+v %v", r.out, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not end with the clock")
	}
	ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")}))
	ok(c.PurgeQueue(ctx, &sdksqs.PurgeQueueInput{QueueUrl: &url}))
	_, err := c.PurgeQueue(ctx, &sdksqs.PurgeQueueInput{QueueUrl: &url})
	wantErr(t, err, "AWS.SimpleQueueService.PurgeQueueInProgress", "Only one PurgeQueue operation on poll is allowed every 60 seconds.")
	if got := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url})); len(got.Messages) != 0 {
		t.Fatal("purged message received")
	}
	advance(t, e, 60*time.Second)
	ok(c.PurgeQueue(ctx, &sdksqs.PurgeQueueInput{QueueUrl: &url}))
}
