package sqs_test

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator"
)

// post sends an awsQuery form request and returns status, body and the
// x-amzn-query-error-free XML.
func post(t *testing.T, e *emulator.Emulator, form url.Values) (int, string) {
	t.Helper()
	form.Set("Version", "2012-11-05")
	req, err := http.NewRequest(http.MethodPost, e.Endpoint()+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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
	return resp.StatusCode, string(b)
}

var requestID = regexp.MustCompile(`<RequestId>[^<]*</RequestId>`)
var receipt = regexp.MustCompile(`<ReceiptHandle>[^<]*</ReceiptHandle>`)
var msgID = regexp.MustCompile(`<MessageId>[^<]*</MessageId>`)
var stamp = regexp.MustCompile(`(Timestamp</Name><Value>)[0-9]+`)

func normalize(s string) string {
	s = requestID.ReplaceAllString(s, "<RequestId>R</RequestId>")
	s = receipt.ReplaceAllString(s, "<ReceiptHandle>H</ReceiptHandle>")
	s = msgID.ReplaceAllString(s, "<MessageId>M</MessageId>")
	return stamp.ReplaceAllString(s, "${1}T")
}

func TestQueryProtocol(t *testing.T) {
	t.Parallel()
	e, _ := func() (*emulator.Emulator, error) { _, e := setup(t); return e, nil }()
	base := e.Endpoint() + "/000000000000/"
	const ns = `<?xml version="1.0"?>`
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   string // substring of the normalized body
	}{
		{"create", url.Values{"Action": {"CreateQueue"}, "QueueName": {"q1"}, "Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"40"},
			"Tag.1.Key": {"team"}, "Tag.1.Value": {"core"}}, 200,
			ns + `<CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult><QueueUrl>` + base + `q1</QueueUrl></CreateQueueResult><ResponseMetadata><RequestId>R</RequestId></ResponseMetadata></CreateQueueResponse>`},
		{"get attributes", url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {base + "q1"}, "AttributeName.1": {"VisibilityTimeout"}, "AttributeName.2": {"DelaySeconds"}}, 200,
			`<GetQueueAttributesResult><Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute><Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute></GetQueueAttributesResult>`},
		{"tags", url.Values{"Action": {"ListQueueTags"}, "QueueUrl": {base + "q1"}}, 200,
			`<ListQueueTagsResult><Tag><Key>team</Key><Value>core</Value></Tag></ListQueueTagsResult>`},
		{"send", url.Values{"Action": {"SendMessage"}, "QueueUrl": {base + "q1"}, "MessageBody": {"hi & bye"},
			"MessageAttribute.1.Name": {"k"}, "MessageAttribute.1.Value.DataType": {"String"}, "MessageAttribute.1.Value.StringValue": {"v"}}, 200,
			`<SendMessageResult><MD5OfMessageBody>` + md5s("hi & bye") + `</MD5OfMessageBody><MD5OfMessageAttributes>`},
		{"batch", url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {base + "q1"},
			"SendMessageBatchRequestEntry.1.Id": {"a"}, "SendMessageBatchRequestEntry.1.MessageBody": {"two"},
			"SendMessageBatchRequestEntry.2.Id": {"b"}, "SendMessageBatchRequestEntry.2.MessageBody": {""}}, 200,
			`<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>MissingParameter</Code><Message>The request must contain the parameter MessageBody.</Message></BatchResultErrorEntry>`},
		{"receive", url.Values{"Action": {"ReceiveMessage"}, "QueueUrl": {base + "q1"}, "MaxNumberOfMessages": {"1"},
			"AttributeName.1": {"SentTimestamp"}, "MessageAttributeName.1": {"All"}}, 200,
			`<ReceiveMessageResult><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MD5OfBody>` + md5s("hi & bye") +
				`</MD5OfBody><Body>hi &amp; bye</Body><Attribute><Name>SentTimestamp</Name><Value>T</Value></Attribute>`},
		{"list", url.Values{"Action": {"ListQueues"}}, 200, `<ListQueuesResult><QueueUrl>` + base + `q1</QueueUrl></ListQueuesResult>`},
		{"no queue", url.Values{"Action": {"GetQueueUrl"}, "QueueName": {"nope"}}, 400,
			ns + `<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist for this wsdl version.</Message><Detail/></Error><RequestId>R</RequestId></ErrorResponse>`},
		{"missing parameter", url.Values{"Action": {"SendMessage"}, "QueueUrl": {base + "q1"}}, 400,
			`<Code>MissingParameter</Code><Message>The request must contain the parameter MessageBody.</Message>`},
		{"empty batch", url.Values{"Action": {"DeleteMessageBatch"}, "QueueUrl": {base + "q1"}, "Entries": {""}}, 400,
			`<Code>AWS.SimpleQueueService.EmptyBatchRequest</Code>`},
		{"untag", url.Values{"Action": {"UntagQueue"}, "QueueUrl": {base + "q1"}, "TagKey.1": {"team"}}, 200, `<UntagQueueResponse`},
		{"purge twice", url.Values{"Action": {"PurgeQueue"}, "QueueUrl": {base + "q1"}}, 200, `<PurgeQueueResponse`},
		{"purge again", url.Values{"Action": {"PurgeQueue"}, "QueueUrl": {base + "q1"}}, 403, `<Code>AWS.SimpleQueueService.PurgeQueueInProgress</Code>`},
		{"delete", url.Values{"Action": {"DeleteQueue"}, "QueueUrl": {base + "q1"}}, 200, `<DeleteQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ResponseMetadata>`},
	}
	for _, tc := range cases { // in order: each step builds on the last
		status, body := post(t, e, tc.form)
		if got := normalize(body); status != tc.status || !strings.Contains(got, tc.want) {
			t.Errorf("%s: status %d body\n%s\nwant %d containing\n%s", tc.name, status, got, tc.status, tc.want)
		}
	}
}

func md5s(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
