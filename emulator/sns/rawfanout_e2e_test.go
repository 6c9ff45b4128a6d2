package sns_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestRawFanOutAttributes publishes to several raw SQS subscriptions and
// an envelope one: every raw queue gets the message with its attributes
// (the SDK checks MD5OfMessageAttributes), receiving a subset from one
// queue leaves the others' whole, and more than ten attributes are
// discarded for every raw subscription.
func TestRawFanOutAttributes(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	topic := p.topic(t, "raw-fan", nil)
	var raw []string
	for i := range 3 {
		u, arn := p.queue(t, "raw-fan-"+strconv.Itoa(i), nil)
		p.subscribe(t, topic, "sqs", arn, map[string]string{"RawMessageDelivery": "true"})
		raw = append(raw, u)
	}
	envURL, envARN := p.queue(t, "raw-fan-env", nil)
	p.subscribe(t, topic, "sqs", envARN, nil)

	attrs := map[string]snstypes.MessageAttributeValue{
		"s":   {DataType: aws.String("String"), StringValue: aws.String("v")},
		"n":   {DataType: aws.String("Number.int"), StringValue: aws.String("7")},
		"b":   {DataType: aws.String("Binary"), BinaryValue: []byte{0, 9}},
		"arr": {DataType: aws.String("String.Array"), StringValue: aws.String(`["x"]`)},
	}
	want := map[string]string{"s": "String=v", "n": "Number.int=7", "b": "Binary=\x00\x09", "arr": `String=["x"]`}
	tests := []struct {
		name  string
		attrs map[string]snstypes.MessageAttributeValue
		want  map[string]string // nil: raw queues get nothing
	}{
		{"one attribute", map[string]snstypes.MessageAttributeValue{"s": attrs["s"]}, map[string]string{"s": "String=v"}},
		{"every type", attrs, want},
		{"no attributes", nil, map[string]string{}},
		{"eleven attributes", eleven(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer pubCatch(t)
			pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("body " + tt.name),
				MessageAttributes: tt.attrs}))
			p.settle(t)
			if len(tt.want) > 0 {
				// A subset received from the first queue.
				out := pubMust(p.sqs.ReceiveMessage(p.ctx, &sdksqs.ReceiveMessageInput{QueueUrl: aws.String(raw[0]),
					MessageAttributeNames: []string{"s"}, VisibilityTimeout: 0}))
				if len(out.Messages) != 1 || len(out.Messages[0].MessageAttributes) != 1 {
					t.Fatalf("subset receive %+v", out.Messages)
				}
				pubMust(p.sqs.ChangeMessageVisibility(p.ctx, &sdksqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(raw[0]),
					ReceiptHandle: out.Messages[0].ReceiptHandle, VisibilityTimeout: 0}))
			}
			for i, u := range raw {
				msgs := p.receive(t, u, 10)
				if tt.want == nil {
					if len(msgs) != 0 {
						t.Fatalf("raw queue %d got %d messages, want none", i, len(msgs))
					}
					continue
				}
				if len(msgs) != 1 || *msgs[0].Body != "body "+tt.name {
					t.Fatalf("raw queue %d messages %+v", i, msgs)
				}
				got := map[string]string{}
				for k, v := range msgs[0].MessageAttributes {
					got[k] = *v.DataType + "=" + aws.ToString(v.StringValue) + string(v.BinaryValue)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Fatalf("raw queue %d attributes %v, want %v", i, got, tt.want)
				}
				pubMust(p.sqs.DeleteMessage(p.ctx, &sdksqs.DeleteMessageInput{QueueUrl: aws.String(u), ReceiptHandle: msgs[0].ReceiptHandle}))
			}
			msgs := p.receive(t, envURL, 10)
			if len(msgs) != 1 || len(msgs[0].MessageAttributes) != 0 {
				t.Fatalf("envelope queue messages %+v", msgs)
			}
			pubMust(p.sqs.DeleteMessage(p.ctx, &sdksqs.DeleteMessageInput{QueueUrl: aws.String(envURL), ReceiptHandle: msgs[0].ReceiptHandle}))
		})
	}
}

// eleven is one message attribute more than a raw SQS delivery carries.
func eleven() map[string]snstypes.MessageAttributeValue {
	m := map[string]snstypes.MessageAttributeValue{}
	for i := range 11 {
		m["a"+strconv.Itoa(i)] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	return m
}
