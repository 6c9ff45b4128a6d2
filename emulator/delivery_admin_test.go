package emulator_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
)

// queueARN creates a queue and returns its URL and ARN.
func queueARN(t *testing.T, c *awssqs.Client, name string) (string, string) {
	t.Helper()
	ctx := context.Background()
	q, err := c.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	return *q.QueueUrl, a.Attributes["QueueArn"]
}

// TestDeliveryAttemptsAdmin reads the attempt records of SNS and
// EventBridge deliveries through the admin API, filtered by message or
// event id, as a test in another language would.
func TestDeliveryAttemptsAdmin(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	cfg := e.AWSConfig()
	sqsc := awssqs.NewFromConfig(cfg)

	snsc := awssns.NewFromConfig(cfg)
	_, qarn := queueARN(t, sqsc, "fan")
	topic, err := snsc.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("admin-topic")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(qarn)}); err != nil {
		t.Fatal(err)
	}
	pub, err := snsc.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("hello")})
	if err != nil {
		t.Fatal(err)
	}

	ebc := awseb.NewFromConfig(cfg)
	_, tarn := queueARN(t, sqsc, "routed")
	if _, err := ebc.PutRule(ctx, &awseb.PutRuleInput{Name: aws.String("shop"), EventPattern: aws.String(`{"source":["shop"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ebc.PutTargets(ctx, &awseb.PutTargetsInput{Rule: aws.String("shop"), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(tarn)}}}); err != nil {
		t.Fatal(err)
	}
	put, err := ebc.PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{Source: aws.String("shop"), DetailType: aws.String("order"), Detail: aws.String(`{"id":1}`)}}})
	if err != nil || put.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, put)
	}
	if err := e.Clock().Settle(ctx); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path, list, idKey, id, okOutcome string
	}{
		{"sns", "/_evolvestack/sns/attempts?messageId=" + *pub.MessageId, "attempts", "messageId", *pub.MessageId, "Success"},
		{"events", "/_evolvestack/events/deliveries?eventId=" + *put.Entries[0].EventId, "deliveries", "eventId", *put.Entries[0].EventId, "Delivered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := adminCall(t, e, "GET", tc.path, "")
			if status != 200 {
				t.Fatalf("status %d %v", status, out)
			}
			recs, _ := out[tc.list].([]any)
			if len(recs) != 1 {
				t.Fatalf("%s: %v", tc.list, out)
			}
			r := recs[0].(map[string]any)
			if r[tc.idKey] != tc.id || r["outcome"] != tc.okOutcome || r["attempt"] != float64(1) {
				t.Fatalf("record %v", r)
			}
			if out["dropped"] != float64(0) || out["pending"] != float64(0) {
				t.Fatalf("counts %v", out)
			}
			status, out = adminCall(t, e, "GET", tc.path[:len(tc.path)-len(tc.id)]+"nope", "")
			if recs, _ := out[tc.list].([]any); status != 200 || len(recs) != 0 {
				t.Fatalf("filtered by an unknown id: %d %v", status, out)
			}
		})
	}
}
