package sqs_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
)

// queryAs sends an awsQuery form signed for account and region (SigV4
// credential scope) and returns the status and body.
func queryAs(t *testing.T, e *emulator.Emulator, account, region string, form url.Values) (int, string) {
	t.Helper()
	form.Set("Version", "2012-11-05")
	req, err := http.NewRequest(http.MethodPost, e.Endpoint()+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+account+"/20240101/"+region+"/sqs/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// clientAs is an SDK client whose access key (and so account) and region
// are given.
func clientAs(e *emulator.Emulator, account, region string) *sdksqs.Client {
	cfg := e.AWSConfig()
	cfg.Region = region
	cfg.Credentials = credentials.NewStaticCredentialsProvider(account, "evolvestack", "")
	return sdksqs.NewFromConfig(cfg)
}

// TestBareQueueNameAsQueueUrl: AWS resolves a QueueUrl that is only a
// queue name to that queue in the caller's account and region (moto:
// "The parameter could be the name itself, which AWS also accepts";
// aws-sdk-js-v3#6337 documents useQueueUrlAsEndpoint=false for passing
// names; floci#980). A name that names no queue is the ordinary
// QueueDoesNotExist: moto#3657 ran a non-URL QueueUrl against AWS and got
// AWS.SimpleQueueService.NonExistentQueue.
func TestBareQueueNameAsQueueUrl(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	full := mkQueue(t, c, "bare-q", nil)
	mkQueue(t, c, "bare-q.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	west := clientAs(e, "000000000000", "us-west-2")
	ok(west.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("west-only")}))
	other := clientAs(e, "111111111111", "us-east-1")
	ok(other.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("other-acct")}))

	tests := []struct {
		name     string
		client   *sdksqs.Client
		run      func(c *sdksqs.Client) error
		wantCode string
	}{
		{"send", c, func(c *sdksqs.Client) error {
			_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: aws.String("bare-q"), MessageBody: aws.String("by name")})
			return err
		}, ""},
		{"send batch", c, func(c *sdksqs.Client) error {
			_, err := c.SendMessageBatch(ctx, &sdksqs.SendMessageBatchInput{QueueUrl: aws.String("bare-q"),
				Entries: []types.SendMessageBatchRequestEntry{{Id: aws.String("a"), MessageBody: aws.String("batched")}}})
			return err
		}, ""},
		{"send fifo", c, func(c *sdksqs.Client) error {
			_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: aws.String("bare-q.fifo"), MessageBody: aws.String("f"), MessageGroupId: aws.String("g")})
			return err
		}, ""},
		{"get attributes", c, func(c *sdksqs.Client) error {
			out, err := c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: aws.String("bare-q"),
				AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
			if err == nil && out.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:000000000000:bare-q" {
				t.Errorf("QueueArn %q", out.Attributes["QueueArn"])
			}
			return err
		}, ""},
		{"tags", c, func(c *sdksqs.Client) error {
			if _, err := c.TagQueue(ctx, &sdksqs.TagQueueInput{QueueUrl: aws.String("bare-q"), Tags: map[string]string{"k": "v"}}); err != nil {
				return err
			}
			_, err := c.ListQueueTags(ctx, &sdksqs.ListQueueTagsInput{QueueUrl: aws.String("bare-q")})
			return err
		}, ""},
		{"other region by name", west, func(c *sdksqs.Client) error {
			_, err := c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: aws.String("west-only")})
			return err
		}, ""},
		{"other account by name", other, func(c *sdksqs.Client) error {
			_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: aws.String("other-acct"), MessageBody: aws.String("x")})
			return err
		}, ""},
		{"name of another region", c, func(c *sdksqs.Client) error {
			_, err := c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: aws.String("west-only")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue"},
		{"name of another account", c, func(c *sdksqs.Client) error {
			_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: aws.String("other-acct"), MessageBody: aws.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue"},
		{"missing name", c, func(c *sdksqs.Client) error {
			_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: aws.String("no-such-queue"), MessageBody: aws.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(tt.client)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			wantErr(t, err, tt.wantCode, "The specified queue does not exist.")
		})
	}
	// The messages sent by name are in the queue the URL names.
	out := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &full, MaxNumberOfMessages: 10}))
	var bodies []string
	for _, m := range out.Messages {
		bodies = append(bodies, *m.Body)
	}
	sort.Strings(bodies)
	if strings.Join(bodies, ",") != "batched,by name" {
		t.Errorf("queue holds %v", bodies)
	}
	// DeleteQueue by name too.
	ok(c.DeleteQueue(ctx, &sdksqs.DeleteQueueInput{QueueUrl: aws.String("bare-q.fifo")}))
	_, err := c.GetQueueUrl(ctx, &sdksqs.GetQueueUrlInput{QueueName: aws.String("bare-q.fifo")})
	wantErr(t, err, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
}

// TestBareQueueNameOverQuery: the same over awsQuery, where a missing
// queue is answered "for this wsdl version".
func TestBareQueueNameOverQuery(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	const acct, region = "000000000000", "us-east-1"
	if status, body := queryAs(t, e, acct, region, url.Values{"Action": {"CreateQueue"}, "QueueName": {"qbare"}}); status != http.StatusOK {
		t.Fatalf("create %d %s", status, body)
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"send", url.Values{"Action": {"SendMessage"}, "QueueUrl": {"qbare"}, "MessageBody": {"hi"}}, 200,
			"<MD5OfMessageBody>49f68a5c8493ec2c0bf489821c21fc3b</MD5OfMessageBody>"},
		{"attributes", url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {"qbare"}, "AttributeName.1": {"ApproximateNumberOfMessages"}}, 200,
			"<Attribute><Name>ApproximateNumberOfMessages</Name><Value>1</Value></Attribute>"},
		{"receive", url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {"qbare"}}, 200, "<Body>hi</Body>"},
		{"missing", url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {"nope"}, "AttributeName.1": {"All"}}, 400,
			"<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist for this wsdl version.</Message>"},
		{"missing send", url.Values{"Action": {"SendMessage"}, "QueueUrl": {"nope"}, "MessageBody": {"hi"}}, 400,
			"<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist for this wsdl version.</Message>"},
	}
	for _, tt := range tests { // in order: receive sees the send
		status, body := queryAs(t, e, acct, region, tt.form)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d containing %s", tt.name, status, body, tt.status, tt.want)
		}
	}
}

// TestFIFOZeroDelaySeconds: FIFO queues take no per-message delay, but
// AWS accepts DelaySeconds=0 (aws/aws-activejob-sqs-ruby#38, 2026,
// "verified against the live service"; localstack
// test_send_message_with_delay_0_works_for_fifo, AWS-validated) and refuses
// any other value with "Value N for parameter DelaySeconds is invalid.
// Reason: The request include parameter that is not valid for this queue
// type." (localstack snapshot test_fifo_queue_send_message_with_delay_seconds_fails).
// The Go SDK never sends a zero DelaySeconds, so zero goes over raw
// awsJson (as boto3 and the JS SDK send it) and awsQuery.
func TestFIFOZeroDelaySeconds(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	url0 := mkQueue(t, c, "z.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	slow := mkQueue(t, c, "slow.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true", "DelaySeconds": "30"})
	const reason = " for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."

	jsonTests := []struct {
		name, op, body string
		status         int
		wantErr        string
		wantFailed     string // batch: the failed entry's message
	}{
		{"send zero", "SendMessage", `{"QueueUrl":"` + url0 + `","MessageBody":"a","MessageGroupId":"g","DelaySeconds":0}`, 200, "", ""},
		{"send five", "SendMessage", `{"QueueUrl":"` + url0 + `","MessageBody":"b","MessageGroupId":"g","DelaySeconds":5}`, 400, "Value 5" + reason, ""},
		{"batch zero and two", "SendMessageBatch", `{"QueueUrl":"` + url0 + `","Entries":[` +
			`{"Id":"z","MessageBody":"c","MessageGroupId":"g","DelaySeconds":0},` +
			`{"Id":"t","MessageBody":"d","MessageGroupId":"g","DelaySeconds":2}]}`, 200, "", "Value 2" + reason},
	}
	for _, tt := range jsonTests {
		t.Run("json "+tt.name, func(t *testing.T) {
			status, _, out := postJSON(t, e, tt.op, tt.body)
			if status != tt.status {
				t.Fatalf("status %d %v, want %d", status, out, tt.status)
			}
			if tt.wantErr != "" && out["message"] != tt.wantErr {
				t.Errorf("message %q, want %q", out["message"], tt.wantErr)
			}
			if tt.op == "SendMessageBatch" {
				ok, _ := out["Successful"].([]any)
				failed, _ := out["Failed"].([]any)
				if len(ok) != 1 || len(failed) != 1 {
					t.Fatalf("batch %v", out)
				}
				f := failed[0].(map[string]any)
				if f["Id"] != "t" || f["Code"] != "InvalidParameterValue" || f["Message"] != tt.wantFailed || f["SenderFault"] != true {
					t.Errorf("failed entry %v", f)
				}
			}
		})
	}
	queryTests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"send zero", url.Values{"Action": {"SendMessage"}, "QueueUrl": {url0}, "MessageBody": {"e"}, "MessageGroupId": {"g"}, "DelaySeconds": {"0"}}, 200,
			"<MD5OfMessageBody>" + md5s("e") + "</MD5OfMessageBody>"},
		{"send seven", url.Values{"Action": {"SendMessage"}, "QueueUrl": {url0}, "MessageBody": {"f"}, "MessageGroupId": {"g"}, "DelaySeconds": {"7"}}, 400,
			"<Code>InvalidParameterValue</Code><Message>Value 7" + reason + "</Message>"},
		{"batch zero", url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {url0},
			"SendMessageBatchRequestEntry.1.Id": {"a"}, "SendMessageBatchRequestEntry.1.MessageBody": {"g"},
			"SendMessageBatchRequestEntry.1.MessageGroupId": {"g"}, "SendMessageBatchRequestEntry.1.DelaySeconds": {"0"},
			"SendMessageBatchRequestEntry.2.Id": {"b"}, "SendMessageBatchRequestEntry.2.MessageBody": {"h"},
			"SendMessageBatchRequestEntry.2.MessageGroupId": {"g"}, "SendMessageBatchRequestEntry.2.DelaySeconds": {"9"}}, 200,
			"<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code><Message>Value 9" + reason + "</Message></BatchResultErrorEntry>"},
	}
	for _, tt := range queryTests {
		t.Run("query "+tt.name, func(t *testing.T) {
			status, body := post(t, e, tt.form)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s, want %d containing %s", status, body, tt.status, tt.want)
			}
		})
	}
	// The SDK (which leaves zero out) gets the same refusal for a non-zero
	// value, per message and per entry.
	_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &url0, MessageBody: aws.String("x"), MessageGroupId: aws.String("g"), DelaySeconds: 4})
	wantErr(t, err, "InvalidParameterValue", "Value 4"+reason)
	batch := ok(c.SendMessageBatch(ctx, &sdksqs.SendMessageBatchInput{QueueUrl: &url0, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("d"), MessageBody: aws.String("y"), MessageGroupId: aws.String("g"), DelaySeconds: 3}}}))
	if len(batch.Failed) != 1 || aws.ToString(batch.Failed[0].Message) != "Value 3"+reason {
		t.Errorf("sdk batch %+v", batch.Failed)
	}
	// FIFO delays are per queue only: a zero per-message delay does not
	// cancel the queue's DelaySeconds (SendMessage docs: "When you set
	// FifoQueue, you can't set DelaySeconds per message. You can set this
	// parameter only on a queue level.").
	if status, _, out := postJSON(t, e, "SendMessage", `{"QueueUrl":"`+slow+`","MessageBody":"late","MessageGroupId":"g","DelaySeconds":0}`); status != 200 {
		t.Fatalf("send to delayed fifo %d %v", status, out)
	}
	if got := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &slow})); len(got.Messages) != 0 {
		t.Fatalf("message delivered before the queue delay")
	}
	advance(t, e, 30*time.Second)
	if got := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &slow})); len(got.Messages) != 1 {
		t.Fatalf("message not delivered after the queue delay")
	}
}

// TestRedrivePolicyNormalised: SQS stores the RedrivePolicy it was given
// as compact JSON, deadLetterTargetArn first and maxReceiveCount a number
// even when sent as a string (localstack#1785 and moto#2402 fixed their
// string echo to match AWS; a GetQueueAttributes from AWS reads
// {"deadLetterTargetArn":"arn:aws:sqs:ap-northeast-1:…","maxReceiveCount":30}).
func TestRedrivePolicyNormalised(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	mkQueue(t, c, "rp-dlq", nil)
	const arn = "arn:aws:sqs:us-east-1:000000000000:rp-dlq"
	want := func(n string) string { return `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":` + n + `}` }
	tests := []struct {
		name, set, want string
	}{
		{"string count", `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":"5"}`, want("5")},
		{"spaced, count first", `{ "maxReceiveCount" : 7 ,  "deadLetterTargetArn" : "` + arn + `" }`, want("7")},
		{"compact already", want("1000"), want("1000")},
		{"float count", `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":3.0}`, want("3")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer catch(t)
			name := "rp-src-" + string(rune('a'+i))
			u := mkQueue(t, c, name, map[string]string{"RedrivePolicy": tt.set})
			got := ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &u,
				AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy}}))
			if got.Attributes["RedrivePolicy"] != tt.want {
				t.Errorf("create: %s, want %s", got.Attributes["RedrivePolicy"], tt.want)
			}
			// SetQueueAttributes stores it the same way.
			ok(c.SetQueueAttributes(ctx, &sdksqs.SetQueueAttributesInput{QueueUrl: &u, Attributes: map[string]string{"RedrivePolicy": ""}}))
			ok(c.SetQueueAttributes(ctx, &sdksqs.SetQueueAttributesInput{QueueUrl: &u, Attributes: map[string]string{"RedrivePolicy": tt.set}}))
			got = ok(c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: &u,
				AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}}))
			if got.Attributes["RedrivePolicy"] != tt.want {
				t.Errorf("set: %s, want %s", got.Attributes["RedrivePolicy"], tt.want)
			}
			// Over awsQuery the same text comes back (XML-escaped).
			status, body := post(t, e, url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {u}, "AttributeName.1": {"RedrivePolicy"}})
			var res struct {
				Attrs []struct{ Name, Value string } `xml:"GetQueueAttributesResult>Attribute"`
			}
			if err := xml.Unmarshal([]byte(body), &res); status != 200 || err != nil || len(res.Attrs) != 1 || res.Attrs[0].Value != tt.want {
				t.Errorf("query: %d %v %s", status, err, body)
			}
		})
	}
}

// TestReceiveMessageAttributeNameFilters follows the AWS recording of
// localstack's test_receive_message_message_attribute_names_filters
// (snapshot recorded 31-05-2022, with the MD5s AWS returned): "All", ".*"
// and "*" select every attribute, "X.*" every attribute whose name starts
// with X (so "Hel.*" takes Hello and Help.Me), other names match exactly,
// and names that match nothing (even invalid ones) select none. System
// attribute names take no wildcards.
func TestReceiveMessageAttributeNameFilters(t *testing.T) {
	t.Parallel()
	defer catch(t)
	c, e := setup(t)
	ctx := context.Background()
	u := mkQueue(t, c, "filters", map[string]string{"VisibilityTimeout": "0"})
	str := func(v string) types.MessageAttributeValue {
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	sent := ok(c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &u, MessageBody: aws.String("msg"),
		MessageAttributes: map[string]types.MessageAttributeValue{"Help.Me": str("Me"), "Hello": str("There"), "General": str("Kenobi"),
			"bar.baz": str("1"), "barn": str("2")}}))
	if *sent.MD5OfMessageBody != "6e2baaf3b97dbeef01c0043275f9a0e7" {
		t.Fatalf("body md5 %s", *sent.MD5OfMessageBody)
	}
	tests := []struct {
		name    string
		filter  []string
		want    []string
		wantMD5 string // as AWS computed it, where recorded
	}{
		{"none", nil, nil, ""},
		{"only non-existing", []string{"Foo", "Help"}, nil, ""},
		{"only existing", []string{"Hello", "General"}, []string{"General", "Hello"}, "fca026605781cb4126a1e9044df24232"},
		{"existing and non-existing", []string{"Foo", "Hello"}, []string{"Hello"}, "a311262e065454b75da111d535b8dacd"},
		{"prefix", []string{"Hel.*"}, []string{"Hello", "Help.Me"}, "83fee93c1bcd8b9a5a923ffacdc636c7"},
		{"dotted prefix", []string{"bar.*"}, []string{"bar.baz", "barn"}, ""},
		{"prefix and name", []string{"Help.*", "General"}, []string{"General", "Help.Me"}, ""},
		{"All", []string{"All"}, []string{"General", "Hello", "Help.Me", "bar.baz", "barn"}, ""},
		{"dot star", []string{".*"}, []string{"General", "Hello", "Help.Me", "bar.baz", "barn"}, ""},
		{"star", []string{"*"}, []string{"General", "Hello", "Help.Me", "bar.baz", "barn"}, ""},
		{"illegal 1", []string{"AWS."}, nil, ""},
		{"illegal 2", []string{"..foo"}, nil, ""},
	}
	for _, tt := range tests { // sequential: one message, received again each time
		got := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &u, MessageAttributeNames: tt.filter}))
		if len(got.Messages) != 1 {
			t.Fatalf("%s: %d messages", tt.name, len(got.Messages))
		}
		m := got.Messages[0]
		var names []string
		for k := range m.MessageAttributes {
			names = append(names, k)
		}
		sort.Strings(names)
		if strings.Join(names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: attributes %v, want %v", tt.name, names, tt.want)
		}
		if (len(tt.want) == 0) != (m.MD5OfMessageAttributes == nil) {
			t.Errorf("%s: MD5OfMessageAttributes %v", tt.name, aws.ToString(m.MD5OfMessageAttributes))
		}
		if tt.wantMD5 != "" && aws.ToString(m.MD5OfMessageAttributes) != tt.wantMD5 {
			t.Errorf("%s: md5 %s, want %s", tt.name, aws.ToString(m.MD5OfMessageAttributes), tt.wantMD5)
		}
	}
	// System attributes: names only, or All.
	got := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &u,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"Sent.*", "SenderId"}}))
	if a := got.Messages[0].Attributes; len(a) != 1 || a["SenderId"] == "" {
		t.Errorf("system attributes %v", a)
	}

	// Over awsQuery, MessageAttributeName.N carries the same filters.
	queryTests := []struct {
		name string
		form url.Values
		want []string
	}{
		{"prefix", url.Values{"MessageAttributeName.1": {"Hel.*"}}, []string{"Hello", "Help.Me"}},
		{"dotted prefix", url.Values{"MessageAttributeName.1": {"bar.*"}}, []string{"bar.baz", "barn"}},
		{"star", url.Values{"MessageAttributeName.1": {"*"}}, []string{"General", "Hello", "Help.Me", "bar.baz", "barn"}},
		{"names", url.Values{"MessageAttributeName.1": {"Foo"}, "MessageAttributeName.2": {"Hello"}}, []string{"Hello"}},
	}
	for _, tt := range queryTests {
		tt.form.Set("Action", "ReceiveMessage")
		tt.form.Set("QueueUrl", u)
		status, body := post(t, e, tt.form)
		var res struct {
			Attrs []struct{ Name string } `xml:"ReceiveMessageResult>Message>MessageAttribute"`
		}
		if err := xml.Unmarshal([]byte(body), &res); status != 200 || err != nil {
			t.Fatalf("query %s: %d %v %s", tt.name, status, err, body)
		}
		var names []string
		for _, a := range res.Attrs {
			names = append(names, a.Name)
		}
		sort.Strings(names)
		if strings.Join(names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("query %s: attributes %v, want %v", tt.name, names, tt.want)
		}
	}
}
