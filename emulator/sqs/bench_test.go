package sqs_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

func newBenchService(b *testing.B) (*sqs.Service, *string) {
	b.Helper()
	svc := sqs.New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"},
		Clock: clock.New(clock.WithScale(0)), Logger: slog.New(slog.DiscardHandler)})
	out, err := svc.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	return svc, out.QueueUrl
}

func batchEntries() []sqs.SendMessageBatchRequestEntry {
	entries := make([]sqs.SendMessageBatchRequestEntry, 10)
	for i := range entries {
		entries[i] = sqs.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String("benchmark message body " + strconv.Itoa(i))}
	}
	return entries
}

func fill(b *testing.B, svc *sqs.Service, url *string, n int) {
	b.Helper()
	entries := batchEntries()
	for i := 0; i < n; i += 10 {
		if _, err := svc.SendMessageBatch(context.Background(), &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendMessageBatch sends batches of ten on the typed operation;
// the reported msgs/s counts messages.
func BenchmarkSendMessageBatch(b *testing.B) {
	svc, url := newBenchService(b)
	entries := batchEntries()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
}

// benchReceiveDelete receives and deletes one message per iteration with
// backlog messages waiting, refilling as it goes so the backlog stays.
func benchReceiveDelete(b *testing.B, backlog int) {
	svc, url := newBenchService(b)
	fill(b, svc, url, backlog)
	entries := batchEntries()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		out, err := svc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url})
		if err != nil || len(out.Messages) != 1 {
			b.Fatalf("receive: %v (%d messages)", err, len(out.Messages))
		}
		if _, err := svc.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
			b.Fatal(err)
		}
		if i%10 == 9 {
			b.StopTimer()
			if _, err := svc.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkReceiveDelete10(b *testing.B)  { benchReceiveDelete(b, 10) }
func BenchmarkReceiveDelete10k(b *testing.B) { benchReceiveDelete(b, 10_000) }
func BenchmarkReceiveDelete1M(b *testing.B)  { benchReceiveDelete(b, 1_000_000) }

// SDK benchmarks go through aws-sdk-go-v2 over loopback (JSON protocol).

func sdkBench(b *testing.B, backlog int) (*sdksqs.Client, *string) {
	b.Helper()
	e := emulator.Start(b)
	c := sdksqs.NewFromConfig(e.AWSConfig())
	out, err := c.CreateQueue(context.Background(), &sdksqs.CreateQueueInput{QueueName: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	fill(b, e.SQS(), out.QueueUrl, backlog)
	return c, out.QueueUrl
}

func BenchmarkSDKSendMessage(b *testing.B) {
	c, url := sdkBench(b, 0)
	ctx := context.Background()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.SendMessage(ctx, &sdksqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("benchmark message body")}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkSDKSendMessageBatch(b *testing.B) {
	c, url := sdkBench(b, 0)
	entries := make([]types.SendMessageBatchRequestEntry, 10)
	for i := range entries {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String("benchmark message body")}
	}
	ctx := context.Background()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.SendMessageBatch(ctx, &sdksqs.SendMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
}

func sdkReceiveDelete(b *testing.B, backlog int) {
	c, url := sdkBench(b, backlog+b.N+1000)
	ctx := context.Background()
	b.ResetTimer()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			out, err := c.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: url})
			if err != nil || len(out.Messages) != 1 {
				b.Errorf("receive: %v", err)
				return
			}
			if _, err := c.DeleteMessage(ctx, &sdksqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkSDKReceiveDelete10k(b *testing.B) { sdkReceiveDelete(b, 10_000) }
func BenchmarkSDKReceiveDelete1M(b *testing.B)  { sdkReceiveDelete(b, 1_000_000) }
