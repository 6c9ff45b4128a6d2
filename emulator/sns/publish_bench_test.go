package sns_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// BenchmarkPublishFanOut publishes a 1 KiB message with two attributes
// through the Go API to a topic with 1 or 10 SQS subscriptions (envelope
// delivery, so every message is signed), draining the queues as it goes;
// each publish is timed until its deliveries have run.
func BenchmarkPublishFanOut(b *testing.B) {
	for _, subs := range []int{1, 10} {
		b.Run("subs="+strconv.Itoa(subs), func(b *testing.B) {
			e := emulator.Start(b, emulator.WithClock(clock.New(clock.WithScale(0))))
			ctx := context.Background()
			s, q := e.SNS(), e.SQS()
			topic, err := s.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bench")})
			if err != nil {
				b.Fatal(err)
			}
			var urls []*string
			for i := range subs {
				out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q" + strconv.Itoa(i))})
				if err != nil {
					b.Fatal(err)
				}
				urls = append(urls, out.QueueUrl)
				arn := "arn:aws:sqs:us-east-1:000000000000:q" + strconv.Itoa(i)
				if _, err := s.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn)}); err != nil {
					b.Fatal(err)
				}
			}
			msg := string(make([]byte, 1024))
			in := &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(msg), MessageAttributes: map[string]sns.MessageAttributeValue{
				"a": {DataType: aws.String("String"), StringValue: aws.String("v")},
				"n": {DataType: aws.String("Number"), StringValue: aws.String("1")},
			}}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := s.Publish(ctx, in); err != nil {
					b.Fatal(err)
				}
				// Deliveries are asynchronous: count them in.
				if err := e.Clock().Settle(ctx); err != nil {
					b.Fatal(err)
				}
				if i%100 == 99 {
					b.StopTimer()
					if err := e.Clock().Advance(61 * time.Second); err != nil { // PurgeQueue's 60 s spacing
						b.Fatal(err)
					}
					for _, u := range urls {
						if _, err := q.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: u}); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
				}
			}
		})
	}
}
