package sqs_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// TestRequestBodiesNotRetained checks that the messages SendMessageBatch
// stores (bodies, ids, attributes) survive the reuse of the request bodies
// they came in: the front end recycles a body once it is answered (and,
// under the race detector, overwrites it), so a decoder that kept a
// reference into one would corrupt stored messages. Batches large enough
// to be pooled are sent over awsQuery and awsJson, each followed by others
// of the same size that reuse its buffer.
func TestRequestBodiesNotRetained(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query bool
	}{{"query", true}, {"json", false}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, e := setup(t)
			ctx := context.Background()
			q, err := c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("reuse-" + tc.name)})
			if err != nil {
				t.Fatal(err)
			}
			queueURL := aws.ToString(q.QueueUrl)
			want := map[string]string{} // body by attribute value
			for batch := range 5 {
				form := url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {queueURL}}
				var entries []types.SendMessageBatchRequestEntry
				for i := range 10 {
					// Spaces and '&' make the query decoder unescape.
					body := fmt.Sprintf("batch %d message %d & %s", batch, i, strings.Repeat(string(rune('a'+batch)), 100))
					tag := fmt.Sprintf("tag-%d-%d", batch, i)
					want[tag] = body
					p := "SendMessageBatchRequestEntry." + strconv.Itoa(i+1) + "."
					form.Set(p+"Id", "m"+strconv.Itoa(i))
					form.Set(p+"MessageBody", body)
					form.Set(p+"MessageAttribute.1.Name", "tag")
					form.Set(p+"MessageAttribute.1.Value.DataType", "String")
					form.Set(p+"MessageAttribute.1.Value.StringValue", tag)
					entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String("m" + strconv.Itoa(i)), MessageBody: aws.String(body),
						MessageAttributes: map[string]types.MessageAttributeValue{"tag": {DataType: aws.String("String"), StringValue: aws.String(tag)}}})
				}
				if tc.query {
					if status, out := post(t, e, form); status != 200 || strings.Contains(out, "BatchResultErrorEntry") {
						t.Fatalf("SendMessageBatch: %d %s", status, out)
					}
					continue
				}
				out, err := c.SendMessageBatch(ctx, &sdksqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries})
				if err != nil || len(out.Failed) != 0 {
					t.Fatalf("SendMessageBatch: %v %v", err, out)
				}
			}
			got := 0
			for got < len(want) {
				out, err := c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Messages) == 0 {
					t.Fatalf("received %d messages, want %d", got, len(want))
				}
				for _, m := range out.Messages {
					got++
					tag := aws.ToString(m.MessageAttributes["tag"].StringValue)
					if body, ok := want[tag]; !ok || aws.ToString(m.Body) != body {
						t.Errorf("message tagged %q = %q, want %q", tag, aws.ToString(m.Body), body)
					}
					if aws.ToString(m.MD5OfBody) != md5s(aws.ToString(m.Body)) {
						t.Errorf("message tagged %q: MD5 %s of body %q", tag, aws.ToString(m.MD5OfBody), aws.ToString(m.Body))
					}
				}
			}
		})
	}
}
