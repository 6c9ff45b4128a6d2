package minimaltest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

func TestOrdersGoToTheDeadLetterQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A frozen clock: time moves only when the test says so.
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	if _, err := e.Provision(ctx, "testdata/init.yaml"); err != nil {
		t.Fatal(err)
	}
	client := sqs.NewFromConfig(e.AWSConfig())

	orders, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: orders.QueueUrl, MessageBody: aws.String(`{"id":"o-1"}`)}); err != nil {
		t.Fatal(err)
	}
	// A consumer that keeps failing: it receives the order and never
	// deletes it. After maxReceiveCount (2) receives, SQS moves it.
	for range 2 {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: orders.QueueUrl})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) != 1 {
			t.Fatalf("received %d messages, want 1", len(out.Messages))
		}
		e.Clock().Advance(31 * time.Second) // past the visibility timeout
	}
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: orders.QueueUrl})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 0 {
		t.Fatalf("the order is still in orders after 2 receives")
	}

	dlq, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	dead, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl})
	if err != nil {
		t.Fatal(err)
	}
	if len(dead.Messages) != 1 || aws.ToString(dead.Messages[0].Body) != `{"id":"o-1"}` {
		t.Fatalf("dead-letter queue holds %+v", dead.Messages)
	}
}
