// Command smoke checks a running evolvestack provisioned from
// examples/provisioning/init.yaml (the compose stack, `make up`): it finds
// the provisioned registry, schema, queues, stream and topic with the Go
// SDK, sends a message through the orders queue, a record through the
// orders stream and a notification through the order-events topic, and
// routes an event through an EventBridge rule of its own to a queue. It
// exits 0 when everything answers as expected. CI runs it against the
// container.
//
//	AWS_ENDPOINT_URL=http://127.0.0.1:4566 go run ./examples/aws-cli/smoke
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func main() {
	def := os.Getenv("AWS_ENDPOINT_URL")
	if def == "" {
		def = "http://127.0.0.1:4566"
	}
	endpoint := flag.String("endpoint", def, "evolvestack endpoint (default AWS_ENDPOINT_URL)")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: endpoint,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	failed := false
	for _, c := range checks() {
		if err := c.run(ctx, cfg); err != nil {
			fmt.Printf("FAIL %s: %v\n", c.name, err)
			failed = true
			continue
		}
		fmt.Printf("ok   %s\n", c.name)
	}
	if failed {
		os.Exit(1)
	}
}

type check struct {
	name string
	run  func(ctx context.Context, cfg aws.Config) error
}

func checks() []check {
	return []check{
		{"glue: registry shop is listed", func(ctx context.Context, cfg aws.Config) error {
			out, err := glue.NewFromConfig(cfg).ListRegistries(ctx, &glue.ListRegistriesInput{})
			if err != nil {
				return err
			}
			for _, r := range out.Registries {
				if aws.ToString(r.RegistryName) == "shop" {
					return nil
				}
			}
			return errors.New("registry shop not found")
		}},
		{"glue: schema shop/Order version 2 is AVAILABLE", func(ctx context.Context, cfg aws.Config) error {
			out, err := glue.NewFromConfig(cfg).GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{
				SchemaId:            &gluetypes.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("Order")},
				SchemaVersionNumber: &gluetypes.SchemaVersionNumber{VersionNumber: aws.Int64(2)},
			})
			if err != nil {
				return err
			}
			if out.Status != gluetypes.SchemaVersionStatusAvailable {
				return fmt.Errorf("status %s", out.Status)
			}
			return nil
		}},
		{"sqs: a message goes through queue orders", func(ctx context.Context, cfg aws.Config) error {
			c := sqs.NewFromConfig(cfg)
			u, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
			if err != nil {
				return err
			}
			body := fmt.Sprintf(`{"id":"smoke-%d"}`, time.Now().UnixNano())
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: u.QueueUrl, MessageBody: &body}); err != nil {
				return err
			}
			out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
			if err != nil {
				return err
			}
			for _, m := range out.Messages {
				if aws.ToString(m.Body) == body {
					_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: u.QueueUrl, ReceiptHandle: m.ReceiptHandle})
					return err
				}
			}
			return fmt.Errorf("sent %s, received %d other messages", body, len(out.Messages))
		}},
		{"kinesis: a record goes through stream orders", func(ctx context.Context, cfg aws.Config) error {
			c := kinesis.NewFromConfig(cfg)
			put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("smoke"), Data: []byte("smoke")})
			if err != nil {
				return err
			}
			it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
				StreamName: aws.String("orders"), ShardId: put.ShardId,
				ShardIteratorType: kinesistypes.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: put.SequenceNumber,
			})
			if err != nil {
				return err
			}
			recs, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
			if err != nil {
				return err
			}
			if len(recs.Records) == 0 || string(recs.Records[0].Data) != "smoke" {
				return fmt.Errorf("read back %d records", len(recs.Records))
			}
			return nil
		}},
		{"sns: topic order-events fans out to queues order-events (envelope) and order-events-raw", func(ctx context.Context, cfg aws.Config) error {
			topic := "arn:aws:sns:" + cfg.Region + ":000000000000:order-events"
			mark := fmt.Sprintf("smoke-%d", time.Now().UnixNano())
			msg := `{"id":"` + mark + `"}`
			pub, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{
				TopicArn: aws.String(topic), Message: aws.String(msg),
				MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("order")}},
			})
			if err != nil {
				return err
			}
			c := sqs.NewFromConfig(cfg)
			for _, q := range []struct {
				name     string
				envelope bool
			}{{"order-events", true}, {"order-events-raw", false}} {
				body, err := receiveHolding(ctx, c, q.name, mark)
				if err != nil {
					return err
				}
				if !q.envelope {
					if body != msg {
						return fmt.Errorf("%s: got %s, want the bare message", q.name, body)
					}
					continue
				}
				var env struct{ Type, MessageId, Message string }
				if err := json.Unmarshal([]byte(body), &env); err != nil || env.Type != "Notification" || env.Message != msg || env.MessageId != aws.ToString(pub.MessageId) {
					return fmt.Errorf("%s: got %s, want the Notification envelope of message %s", q.name, body, aws.ToString(pub.MessageId))
				}
			}
			return nil
		}},
		{"events: a rule on a bus of its own routes a matching event to a queue", func(ctx context.Context, cfg aws.Config) error {
			name := fmt.Sprintf("smoke-%d", time.Now().UnixNano())
			eb, c := eventbridge.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
			q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
			if err != nil {
				return err
			}
			defer func() { _, _ = c.DeleteQueue(context.WithoutCancel(ctx), &sqs.DeleteQueueInput{QueueUrl: q.QueueUrl}) }()
			if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)}); err != nil {
				return err
			}
			defer func() {
				bg := context.WithoutCancel(ctx)
				_, _ = eb.RemoveTargets(bg, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), EventBusName: aws.String(name), Ids: []string{"q"}})
				_, _ = eb.DeleteRule(bg, &eventbridge.DeleteRuleInput{Name: aws.String(name), EventBusName: aws.String(name)})
				_, _ = eb.DeleteEventBus(bg, &eventbridge.DeleteEventBusInput{Name: aws.String(name)})
			}()
			if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(name),
				EventPattern: aws.String(`{"source":["smoke"],"detail":{"kind":["order"]}}`)}); err != nil {
				return err
			}
			arn := "arn:aws:sqs:" + cfg.Region + ":000000000000:" + name
			tgt, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(name),
				Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(arn)}}})
			if err != nil || tgt.FailedEntryCount != 0 {
				return fmt.Errorf("put-targets: %v %+v", err, tgt)
			}
			put, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
				{EventBusName: aws.String(name), Source: aws.String("smoke"), DetailType: aws.String("t"), Detail: aws.String(`{"kind":"order","n":1}`)},
				{EventBusName: aws.String(name), Source: aws.String("smoke"), DetailType: aws.String("t"), Detail: aws.String(`{"kind":"refund","n":2}`)},
			}})
			if err != nil || put.FailedEntryCount != 0 {
				return fmt.Errorf("put-events: %v %+v", err, put)
			}
			body, err := receiveHolding(ctx, c, name, `"kind":"order"`)
			if err != nil {
				return err
			}
			var ev struct {
				ID     string          `json:"id"`
				Source string          `json:"source"`
				Detail json.RawMessage `json:"detail"`
			}
			if err := json.Unmarshal([]byte(body), &ev); err != nil || ev.ID != aws.ToString(put.Entries[0].EventId) || ev.Source != "smoke" {
				return fmt.Errorf("got %s, want the envelope of event %s", body, aws.ToString(put.Entries[0].EventId))
			}
			if more, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1}); err != nil || len(more.Messages) != 0 {
				return fmt.Errorf("the refund, which the pattern refuses, arrived too: %v %+v", err, more)
			}
			return nil
		}},
		{"sqs: queue orders in account 111111111111, eu-west-1", func(ctx context.Context, cfg aws.Config) error {
			cfg.Region = "eu-west-1"
			cfg.Credentials = credentials.NewStaticCredentialsProvider("111111111111", "test", "")
			_, err := sqs.NewFromConfig(cfg).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("orders")})
			return err
		}},
	}
}

// receiveHolding receives from the named queue until a message whose body
// holds text arrives, deletes it and returns its body.
func receiveHolding(ctx context.Context, c *sqs.Client, queue, text string) (string, error) {
	u, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
	if err != nil {
		return "", err
	}
	for range 5 {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 2})
		if err != nil {
			return "", err
		}
		for _, m := range out.Messages {
			if strings.Contains(aws.ToString(m.Body), text) {
				_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: u.QueueUrl, ReceiptHandle: m.ReceiptHandle})
				return aws.ToString(m.Body), err
			}
		}
	}
	return "", fmt.Errorf("%s: no message holding %s arrived", queue, text)
}
