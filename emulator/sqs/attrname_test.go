package sqs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// TestMessageAttributeNames sends messages with one or more attributes:
// valid names are accepted (the SDK checks MD5OfMessageAttributes on send
// and receive), and the first invalid name in sorted order is reported.
func TestMessageAttributeNames(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	ctx := context.Background()
	q := aws.ToString(ok(c.CreateQueue(ctx, &sdksqs.CreateQueueInput{QueueName: aws.String("attr-names")})).QueueUrl)
	str := func(v string) types.MessageAttributeValue {
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	const bad = "The message attribute name '%s' is invalid."
	tests := []struct {
		name    string
		attrs   []string
		invalid string // "" when the send succeeds
	}{
		{"one plain", []string{"kind"}, ""},
		{"one with every allowed character", []string{"Az09_-.x"}, ""},
		{"256 characters", []string{strings.Repeat("a", 256)}, ""},
		{"aws inside", []string{"my.aws.name"}, ""},
		{"aws without period", []string{"awsName"}, ""},
		{"several", []string{"zeta", "alpha", "Mid"}, ""},
		{"257 characters", []string{strings.Repeat("a", 257)}, strings.Repeat("a", 257)},
		{"space", []string{"a b"}, "a b"},
		{"non-ASCII", []string{"café"}, "café"},
		{"AWS prefix", []string{"AWS.x"}, "AWS.x"},
		{"aws prefix mixed case", []string{"aWs.x"}, "aWs.x"},
		{"Amazon prefix", []string{"amazon.x"}, "amazon.x"},
		{"Amazon prefix upper case", []string{"AMAZON.x"}, "AMAZON.x"},
		{"leading period", []string{".x"}, ".x"},
		{"trailing period", []string{"x."}, "x."},
		{"two periods", []string{"a..b"}, "a..b"},
		{"first invalid in sorted order", []string{"z..", "ok", "b..", "c d"}, "b.."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer catch(t)
			attrs := map[string]types.MessageAttributeValue{}
			for _, n := range tt.attrs {
				attrs[n] = str("v-" + n)
			}
			_, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: &q, MessageBody: aws.String("body"), MessageAttributes: attrs})
			if tt.invalid != "" {
				wantErr(t, err, "InvalidParameterValue", strings.Replace(bad, "%s", tt.invalid, 1))
				return
			}
			ok(0, err)
			out := ok(c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: &q, MessageAttributeNames: []string{"All"}, MaxNumberOfMessages: 10}))
			if len(out.Messages) != 1 || len(out.Messages[0].MessageAttributes) != len(tt.attrs) {
				t.Fatalf("received %+v, want one message with %d attributes", out.Messages, len(tt.attrs))
			}
			m := out.Messages[0]
			for _, n := range tt.attrs {
				if got := aws.ToString(m.MessageAttributes[n].StringValue); got != "v-"+n {
					t.Fatalf("attribute %q = %q", n, got)
				}
			}
			ok(c.DeleteMessage(ctx, &sdksqs.DeleteMessageInput{QueueUrl: &q, ReceiptHandle: m.ReceiptHandle}))
		})
	}
}
