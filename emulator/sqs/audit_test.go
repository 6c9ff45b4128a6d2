package sqs_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
)

// postJSON sends a raw awsJson 1.0 request and returns the status, the
// x-amzn-query-error header and the decoded body.
func postJSON(t *testing.T, e *emulator.Emulator, op, body string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.Endpoint()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v: %s", op, err, b)
		}
	}
	return resp.StatusCode, resp.Header.Get("x-amzn-query-error"), out
}

// TestErrorShapesOverJSON covers the Coral exception names SQS sends in
// __type for errors the model does not name, next to the query code.
func TestErrorShapesOverJSON(t *testing.T) {
	t.Parallel()
	c, e := setup(t)
	url := mkQueue(t, c, "shapes", nil)
	tests := []struct {
		name, op, body      string
		wantType, wantQuery string
		wantMsg             string
	}{
		{"invalid value", "ReceiveMessage", `{"QueueUrl":"` + url + `","MaxNumberOfMessages":11}`,
			"com.amazonaws.sqs#InvalidParameterValueException", "InvalidParameterValue;Sender",
			"Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."},
		{"missing parameter", "SendMessage", `{"QueueUrl":"` + url + `","MessageBody":""}`,
			"com.amazonaws.sqs#MissingRequiredParameterException", "MissingParameter;Sender",
			"The request must contain the parameter MessageBody."},
		{"modeled error", "GetQueueUrl", `{"QueueName":"nope"}`,
			"com.amazonaws.sqs#QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue;Sender",
			"The specified queue does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, qe, body := postJSON(t, e, tt.op, tt.body)
			if status != http.StatusBadRequest || qe != tt.wantQuery || body["__type"] != tt.wantType || body["message"] != tt.wantMsg {
				t.Fatalf("got %d %q %v, want 400 %q %s %q", status, qe, body, tt.wantQuery, tt.wantType, tt.wantMsg)
			}
		})
	}
}

// TestQueueDeletedRecently covers the minute a deleted queue's name stays
// taken, on the virtual clock, over both protocols.
func TestQueueDeletedRecently(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	const msg = "You must wait 60 seconds after deleting a queue before you can create another with the same name."
	steps := []struct {
		name    string
		advance time.Duration
		code    string // "" = CreateQueue succeeds
	}{
		{"at once", 0, "AWS.SimpleQueueService.QueueDeletedRecently"},
		{"after 59 s", 59 * time.Second, "AWS.SimpleQueueService.QueueDeletedRecently"},
		{"after 60 s", time.Second, ""},
	}
	phoenix := mkQueue(t, c, "phoenix", nil)
	ok(c.DeleteQueue(ctx, &sdksqs.DeleteQueueInput{QueueUrl: &phoenix}))
	for _, s := range steps {
		advance(t, e, s.advance)
		_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("phoenix")})
		if s.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			continue
		}
		wantErr(t, err, s.code, msg)
	}
	// Other names are free, and over query the error is the same.
	mkQueue(t, c, "phoenix2", nil)
	ok(c.DeleteQueue(ctx, &sdksqs.DeleteQueueInput{QueueUrl: aws.String(e.Endpoint() + "/000000000000/phoenix2")}))
	status, body := post(t, e, url.Values{"Action": {"CreateQueue"}, "QueueName": {"phoenix2"}})
	if want := "<Code>AWS.SimpleQueueService.QueueDeletedRecently</Code><Message>" + msg + "</Message>"; status != 400 || !strings.Contains(body, want) {
		t.Fatalf("query: %d %s", status, body)
	}
	status, qe, jb := postJSON(t, e, "CreateQueue", `{"QueueName":"phoenix2"}`)
	if status != 400 || qe != "AWS.SimpleQueueService.QueueDeletedRecently;Sender" || jb["__type"] != "com.amazonaws.sqs#QueueDeletedRecently" {
		t.Fatalf("json: %d %q %v", status, qe, jb)
	}
}

// TestPermissions covers AddPermission/RemovePermission validation and
// the policy document they maintain.
func TestPermissions(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := setup(t)
	ctx := context.Background()
	url := mkQueue(t, c, "perm", nil)
	add := func(label string, accounts, actions []string) error {
		_, err := c.AddPermission(ctx, &sdksqs.AddPermissionInput{QueueUrl: &url, Label: aws.String(label), AWSAccountIds: accounts, Actions: actions})
		return err
	}
	one := []string{"111111111111"}
	ok(0, add("first", one, []string{"ReceiveMessage"}))
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"label exists", add("first", one, []string{"SendMessage"}), "InvalidParameterValue", "Value first for parameter Label is invalid. Reason: Already exists."},
		{"owner only", add("x", one, []string{"DeleteQueue"}), "InvalidParameterValue",
			"Value SQS:DeleteQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action."},
		{"unknown action", add("x", one, []string{"Bogus"}), "InvalidParameterValue",
			"Value SQS:Bogus for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions."},
		{"no actions", add("x", one, []string{}), "MissingParameter", "The request must contain the parameter Actions."},
		{"no accounts", add("x", []string{}, []string{"SendMessage"}), "InvalidParameterValue", "Value [] for parameter PrincipalId is invalid. Reason: Unable to verify."},
		{"too many actions", add("x", one, []string{"SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
			"GetQueueAttributes", "GetQueueUrl", "PurgeQueue", "ListDeadLetterSourceQueues"}), "OverLimit", "8 Actions were found, maximum allowed is 7."},
		{"remove unknown", func() error {
			_, err := c.RemovePermission(ctx, &sdksqs.RemovePermissionInput{QueueUrl: &url, Label: aws.String("nope")})
			return err
		}(), "InvalidParameterValue", "Value nope for parameter Label is invalid. Reason: can't find label."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.err, tt.code, tt.msg) })
	}
	attrs := ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Policy"}}))
	var doc struct{ Version, Id string }
	if err := json.Unmarshal([]byte(attrs.Attributes["Policy"]), &doc); err != nil || doc.Version != "2008-10-17" ||
		doc.Id != "arn:aws:sqs:us-east-1:000000000000:perm/SQSDefaultPolicy" {
		t.Fatalf("policy %q (%v)", attrs.Attributes["Policy"], err)
	}
	ok(c.RemovePermission(ctx, &sdksqs.RemovePermissionInput{QueueUrl: &url, Label: aws.String("first")}))
	attrs = ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}}))
	if _, has := attrs.Attributes["Policy"]; has {
		t.Fatalf("Policy still listed after the last permission went: %v", attrs.Attributes)
	}
	_, err := c.TagQueue(ctx, &sdksqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{}})
	wantErr(t, err, "MissingParameter", "The request must contain the parameter Tags.")
}

// TestAttributeValidation covers queue attribute rules beyond ranges.
func TestAttributeValidation(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := setup(t)
	ctx := context.Background()
	std := mkQueue(t, c, "std", nil)
	fifo := mkQueue(t, c, "ord.fifo", map[string]string{"FifoQueue": "true"})
	set := func(url string, attrs map[string]string) error {
		_, err := c.SetQueueAttributes(ctx, &sdksqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: attrs})
		return err
	}
	create := func(name string, attrs map[string]string) error {
		_, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: &name, Attributes: attrs})
		return err
	}
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"fifo to standard", set(fifo, map[string]string{"FifoQueue": "false"}), "InvalidAttributeValue",
			"Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."},
		{"fifo true is fine", set(fifo, map[string]string{"FifoQueue": "true"}), "", ""},
		{"standard to fifo", set(std, map[string]string{"FifoQueue": "true"}), "InvalidAttributeName", "Unknown Attribute FifoQueue."},
		{"FifoQueue false on create", create("plain", map[string]string{"FifoQueue": "false"}), "InvalidAttributeName", "Unknown Attribute FifoQueue."},
		{"dedup scope on standard", set(std, map[string]string{"DeduplicationScope": "queue"}), "InvalidAttributeName",
			"You can specify the DeduplicationScope only when FifoQueue is set to true."},
		{"throughput on standard", set(std, map[string]string{"FifoThroughputLimit": "perQueue"}), "InvalidAttributeName",
			"You can specify the FifoThroughputLimit only when FifoQueue is set to true."},
		{"per group needs group scope", set(fifo, map[string]string{"FifoThroughputLimit": "perMessageGroupId"}), "InvalidParameterValue",
			"The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup"},
		{"per group on create", create("hot.fifo", map[string]string{"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"}), "InvalidParameterValue",
			"The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup"},
		{"high throughput", set(fifo, map[string]string{"FifoThroughputLimit": "perMessageGroupId", "DeduplicationScope": "messageGroup"}), "", ""},
		{"bad throughput value", set(fifo, map[string]string{"FifoThroughputLimit": "fast"}), "InvalidAttributeValue", "Invalid value for the parameter FifoThroughputLimit."},
		{"both encryptions", set(std, map[string]string{"SqsManagedSseEnabled": "true", "KmsMasterKeyId": "alias/aws/sqs"}), "InvalidAttributeName",
			"You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE."},
		{"dead letter target no arn", create("redrive", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"dummy","maxReceiveCount":42}`}), "InvalidParameterValue",
			`Value {"deadLetterTargetArn":"dummy","maxReceiveCount":42} for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code == "" {
				if tt.err != nil {
					t.Fatal(tt.err)
				}
				return
			}
			wantErr(t, tt.err, tt.code, tt.msg)
		})
	}
	// Turning SSE-SQS on drops the KMS key.
	ok(0, set(std, map[string]string{"KmsMasterKeyId": "alias/aws/sqs"}))
	ok(0, set(std, map[string]string{"SqsManagedSseEnabled": "true"}))
	got := ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &std, AttributeNames: []types.QueueAttributeName{"All"}})).Attributes
	if got["SqsManagedSseEnabled"] != "true" || got["KmsMasterKeyId"] != "" || got["KmsDataKeyReusePeriodSeconds"] != "" {
		t.Fatalf("after switching to SSE-SQS: %v", got)
	}
}

// TestMessageValidation covers body and message attribute texts and the
// FIFO batch checks that fail the whole request.
func TestMessageValidation(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, _ := setup(t)
	ctx := context.Background()
	std := mkQueue(t, c, "msgs", nil)
	fifo := mkQueue(t, c, "msgs.fifo", map[string]string{"FifoQueue": "true"})
	send := func(body string, attrs map[string]types.MessageAttributeValue) error {
		_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &std, MessageBody: &body, MessageAttributes: attrs})
		return err
	}
	batch := func(entries ...types.SendMessageBatchRequestEntry) error {
		_, err := c.SendMessageBatch(ctx, &sdksqs.SendMessageBatchInput{QueueUrl: &fifo, Entries: entries})
		return err
	}
	str := func(v string) map[string]types.MessageAttributeValue {
		return map[string]types.MessageAttributeValue{"a": {DataType: aws.String("String"), StringValue: &v}}
	}
	allowed := "the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]."
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"control character", send("a\x01b", nil), "InvalidMessageContents", "Invalid binary character '#x1' was found in the message body, " + allowed},
		{"non-character", send("a\uffffb", nil), "InvalidMessageContents", "Invalid binary character '#xFFFF' was found in the message body, " + allowed},
		{"in an attribute", send("ok", str("x\x02")), "InvalidParameterValue", "Invalid binary character '#x2' was found in the message attribute 'a' value, " + allowed},
		{"empty attribute", send("ok", str("")), "InvalidParameterValue", "Message (user) attribute 'a' must contain a non-empty value of type 'String'."},
		{"fifo batch without group", batch(
			types.SendMessageBatchRequestEntry{Id: aws.String("1"), MessageBody: aws.String("b"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")},
			types.SendMessageBatchRequestEntry{Id: aws.String("2"), MessageBody: aws.String("b"), MessageDeduplicationId: aws.String("d2")},
		), "InvalidParameterValue", "The request must contain the parameter MessageGroupId."},
		{"fifo batch without dedup id", batch(
			types.SendMessageBatchRequestEntry{Id: aws.String("1"), MessageBody: aws.String("b"), MessageGroupId: aws.String("g")},
		), "InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.err, tt.code, tt.msg) })
	}
	// A single FIFO send without a group is MissingParameter instead.
	_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &fifo, MessageBody: aws.String("b"), MessageDeduplicationId: aws.String("d")})
	wantErr(t, err, "MissingParameter", "The request must contain the parameter MessageGroupId.")
	// Nothing of the failed batches was queued.
	attrs := ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &fifo, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages"}}))
	if attrs.Attributes["ApproximateNumberOfMessages"] != "0" {
		t.Fatalf("failed batches queued messages: %v", attrs.Attributes)
	}
}

// TestVisibilityAfterExpiry covers ChangeMessageVisibility once the
// visibility ran out: a standard queue hides the message again, a FIFO
// queue refuses.
func TestVisibilityAfterExpiry(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	tests := []struct {
		name, queue string
		attrs       map[string]string
		send        *sdksqs.SendMessageInput
		code        string // "" = the change succeeds and hides the message
	}{
		{"standard", "late", map[string]string{"VisibilityTimeout": "2"}, &sdksqs.SendMessageInput{MessageBody: aws.String("m")}, ""},
		{"fifo", "late.fifo", map[string]string{"VisibilityTimeout": "2", "FifoQueue": "true"},
			&sdksqs.SendMessageInput{MessageBody: aws.String("m"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d")},
			"AWS.SimpleQueueService.MessageNotInflight"},
	}
	for _, tt := range tests {
		url := mkQueue(t, c, tt.queue, tt.attrs)
		tt.send.QueueUrl = &url
		ok(c.SendMessage(ctx, tt.send))
		got := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url}))
		if len(got.Messages) != 1 {
			t.Fatalf("%s: receive %v", tt.name, got.Messages)
		}
		advance(t, e, 3*time.Second) // visible again, not yet received
		_, err := c.ChangeMessageVisibility(ctx, &sdksqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 10})
		if tt.code != "" {
			wantErr(t, err, tt.code, "")
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if again := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url})); len(again.Messages) != 0 {
			t.Fatalf("%s: message visible after the change", tt.name)
		}
		advance(t, e, 10*time.Second)
		if again := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &url})); len(again.Messages) != 1 {
			t.Fatalf("%s: message did not come back", tt.name)
		}
	}
}

// TestMoveTaskValidation covers StartMessageMoveTask checks and the
// failure reasons of tasks.
func TestMoveTaskValidation(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	arn := func(n string) string { return "arn:aws:sqs:us-east-1:000000000000:" + n }
	dlq := mkQueue(t, c, "mdlq", nil)
	mkQueue(t, c, "msrc", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + arn("mdlq") + `","maxReceiveCount":1}`})
	mkQueue(t, c, "mdest", nil)
	mkQueue(t, c, "mdest.fifo", map[string]string{"FifoQueue": "true"})
	start := func(src string, dest *string, rate *int32) (*sdksqs.StartMessageMoveTaskOutput, error) {
		return c.StartMessageMoveTask(ctx, &sdksqs.StartMessageMoveTaskInput{SourceArn: &src, DestinationArn: dest, MaxNumberOfMessagesPerSecond: rate})
	}
	startErr := func(src string, dest *string, rate *int32) error { _, err := start(src, dest, rate); return err }
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"source no arn", startErr("mdlq", nil, nil), "InvalidParameterValue",
			"You must use this format to specify the SourceArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>"},
		{"destination no arn", startErr(arn("mdlq"), aws.String(""), nil), "InvalidParameterValue",
			"You must use this format to specify the DestinationArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>"},
		{"missing destination", startErr(arn("mdlq"), aws.String(arn("gone")), nil), "ResourceNotFoundException",
			"The resource that you specified for the DestinationArn parameter doesn't exist."},
		{"same queue", startErr(arn("mdlq"), aws.String(arn("mdlq")), nil), "InvalidParameterValue",
			"Source queue arn and destination queue arn cannot be the same."},
		{"other type", startErr(arn("mdlq"), aws.String(arn("mdest.fifo")), nil), "InvalidParameterValue",
			"The source queue and destination queue must be of the same queue type."},
		{"rate", startErr(arn("mdlq"), nil, aws.Int32(501)), "InvalidParameterValue",
			"Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: You must enter a number that's between 1 and 500."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.err, tt.code, tt.msg) })
	}

	// Messages sent straight to the DLQ have no source to go back to.
	for _, b := range []string{"1", "2", "3"} {
		ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &dlq, MessageBody: aws.String(b)}))
	}
	wait := func() types.ListMessageMoveTasksResultEntry {
		deadline := time.Now().Add(5 * time.Second)
		for {
			list := ok(c.ListMessageMoveTasks(ctx, &sdksqs.ListMessageMoveTasksInput{SourceArn: aws.String(arn("mdlq"))}))
			if r := list.Results[0]; *r.Status != "RUNNING" || time.Now().After(deadline) {
				return r
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	ok(start(arn("mdlq"), nil, nil))
	if r := wait(); *r.Status != "FAILED" || aws.ToString(r.FailureReason) != "CouldNotDetermineMessageSource" || r.ApproximateNumberOfMessagesMoved != 0 {
		t.Fatalf("task without source %+v", r)
	}
	// A destination deleted while the task runs fails it.
	ok(start(arn("mdlq"), aws.String(arn("mdest")), aws.Int32(1)))
	deadline := time.Now().Add(5 * time.Second)
	for {
		list := ok(c.ListMessageMoveTasks(ctx, &sdksqs.ListMessageMoveTasksInput{SourceArn: aws.String(arn("mdlq"))}))
		if list.Results[0].ApproximateNumberOfMessagesMoved == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	ok(c.DeleteQueue(ctx, &sdksqs.DeleteQueueInput{QueueUrl: aws.String(e.Endpoint() + "/000000000000/mdest")}))
	advance(t, e, time.Second)
	if r := wait(); *r.Status != "FAILED" || aws.ToString(r.FailureReason) != "AWS.SimpleQueueService.NonExistentQueue" || r.ApproximateNumberOfMessagesMoved != 1 {
		t.Fatalf("task with deleted destination %+v", r)
	}
	left := ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &dlq, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages"}}))
	if left.Attributes["ApproximateNumberOfMessages"] != "2" {
		t.Fatalf("messages left in the DLQ: %v", left.Attributes)
	}
}

// TestQueryBatchXML pins the element names and order of the batch results
// over the query protocol, as in the AWS XML examples.
func TestQueryBatchXML(t *testing.T) {
	t.Parallel()
	_, e := setup(t)
	base := e.Endpoint() + "/000000000000/"
	if status, body := post(t, e, url.Values{"Action": {"CreateQueue"}, "QueueName": {"xb"}}); status != http.StatusOK {
		t.Fatalf("create %d %s", status, body)
	}
	_, body := post(t, e, url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {base + "xb"},
		"SendMessageBatchRequestEntry.1.Id": {"a"}, "SendMessageBatchRequestEntry.1.MessageBody": {"x"},
		"SendMessageBatchRequestEntry.2.Id": {"b"}, "SendMessageBatchRequestEntry.2.MessageBody": {"\x01"}})
	want := `<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id><MessageId>M</MessageId><MD5OfMessageBody>` + md5s("x") +
		`</MD5OfMessageBody></SendMessageBatchResultEntry><BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidMessageContents</Code><Message>Invalid binary character &#39;#x1&#39;`
	if got := normalize(body); !strings.Contains(strings.ReplaceAll(got, "'", "&#39;"), want) {
		t.Fatalf("send batch\n%s\nwant\n%s", got, want)
	}
	_, body = post(t, e, url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {base + "xb"}})
	m := receipt.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("receive %s", body)
	}
	handle := strings.TrimSuffix(strings.TrimPrefix(m[0], "<ReceiptHandle>"), "</ReceiptHandle>")
	tests := []struct {
		action, prefix, want string
	}{
		{"ChangeMessageVisibilityBatch", "ChangeMessageVisibilityBatchRequestEntry",
			`<ChangeMessageVisibilityBatchResult><ChangeMessageVisibilityBatchResultEntry><Id>e1</Id></ChangeMessageVisibilityBatchResultEntry></ChangeMessageVisibilityBatchResult>`},
		{"DeleteMessageBatch", "DeleteMessageBatchRequestEntry",
			`<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>e1</Id></DeleteMessageBatchResultEntry></DeleteMessageBatchResult>`},
	}
	for _, tt := range tests {
		_, body := post(t, e, url.Values{"Action": {tt.action}, "QueueUrl": {base + "xb"},
			tt.prefix + ".1.Id": {"e1"}, tt.prefix + ".1.ReceiptHandle": {handle}, tt.prefix + ".1.VisibilityTimeout": {"5"}})
		if !strings.Contains(body, tt.want) {
			t.Errorf("%s\n%s\nwant\n%s", tt.action, body, tt.want)
		}
	}
}
