package provision_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/emulator"
)

const snsFile = `queues:
  - name: raw
  - name: enveloped
  - name: dlq
  - name: jobs.fifo
functions:
  - name: audit
    zip: fn.zip
topics:
  - name: events
    attributes:
      DisplayName: Events
      SignatureVersion: 2
    tags: {team: shop}
    subscriptions:
      - protocol: sqs
        endpoint: raw
        attributes:
          RawMessageDelivery: true
          FilterPolicy: {kind: [order]}
        redrive: {deadLetterQueue: dlq}
      - protocol: sqs
        endpoint: enveloped
      - protocol: https
        endpoint: https://example.com/hook
  - name: audit-events
    subscriptions:
      - {protocol: lambda, endpoint: audit}
  - name: jobs.fifo
    attributes: {ContentBasedDeduplication: true}
    subscriptions:
      - {protocol: sqs, endpoint: jobs.fifo}
scopes:
  - region: eu-west-1
    queues:
      - name: raw
    topics:
      - name: events
        subscriptions:
          - {protocol: sqs, endpoint: raw}
`

func TestApplySNS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	dir := writeFiles(t, map[string]string{
		"init.yaml": snsFile,
		"fn.zip":    zipOf(t, "#!/bin/sh\nexit 0\n"),
		"display.yaml": `topics:
  - name: events
    attributes: {DisplayName: Other}
`,
		"raw.yaml": `queues:
  - name: raw
topics:
  - name: events
    subscriptions:
      - protocol: sqs
        endpoint: raw
        attributes: {RawMessageDelivery: false}
`,
		"badattr.yaml": `topics:
  - name: fresh
    attributes: {Bogus: 1}
`,
		"fifoqueue.yaml": `queues:
  - name: jobs.fifo
topics:
  - name: plain
    subscriptions:
      - {protocol: sqs, endpoint: jobs.fifo}
`,
	})
	provisionTwice(t, e, filepath.Join(dir, "init.yaml"))

	sc := sdksns.NewFromConfig(e.AWSConfig())
	qc := sdksqs.NewFromConfig(e.AWSConfig())
	const prefix = "arn:aws:sns:us-east-1:000000000000:"
	topicAttrs := func(arn string) map[string]string {
		t.Helper()
		out, err := sc.GetTopicAttributes(ctx, &sdksns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("GetTopicAttributes %s: %v", arn, err)
		}
		return out.Attributes
	}
	subs := func(arn string) map[string]snstypes.Subscription {
		t.Helper()
		out, err := sc.ListSubscriptionsByTopic(ctx, &sdksns.ListSubscriptionsByTopicInput{TopicArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("ListSubscriptionsByTopic %s: %v", arn, err)
		}
		m := map[string]snstypes.Subscription{}
		for _, s := range out.Subscriptions {
			m[aws.ToString(s.Endpoint)] = s
		}
		return m
	}

	t.Run("topics", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			topic, attr, want string
		}{
			{"events", "DisplayName", "Events"},
			{"events", "SignatureVersion", "2"},
			{"jobs.fifo", "FifoTopic", "true"},
			{"jobs.fifo", "ContentBasedDeduplication", "true"},
		}
		for _, tt := range tests {
			if got := topicAttrs(prefix + tt.topic)[tt.attr]; got != tt.want {
				t.Errorf("%s %s = %q, want %q", tt.topic, tt.attr, got, tt.want)
			}
		}
		tags, err := sc.ListTagsForResource(ctx, &sdksns.ListTagsForResourceInput{ResourceArn: aws.String(prefix + "events")})
		if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "team" || aws.ToString(tags.Tags[0].Value) != "shop" {
			t.Errorf("tags %+v, %v; want team=shop", tags, err)
		}
		cfg := e.AWSConfig()
		cfg.Region = "eu-west-1"
		scoped := sdksns.NewFromConfig(cfg)
		out, err := scoped.ListSubscriptionsByTopic(ctx, &sdksns.ListSubscriptionsByTopicInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:000000000000:events")})
		if err != nil || len(out.Subscriptions) != 1 || aws.ToString(out.Subscriptions[0].Endpoint) != "arn:aws:sqs:eu-west-1:000000000000:raw" {
			t.Errorf("scoped topic subscriptions %+v, %v", out, err)
		}
	})

	t.Run("subscriptions", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			topic, endpoint, protocol string
			pending                   bool
		}{
			{"events", "arn:aws:sqs:us-east-1:000000000000:raw", "sqs", false},
			{"events", "arn:aws:sqs:us-east-1:000000000000:enveloped", "sqs", false},
			{"events", "https://example.com/hook", "https", true},
			{"audit-events", "arn:aws:lambda:us-east-1:000000000000:function:audit", "lambda", false},
			{"jobs.fifo", "arn:aws:sqs:us-east-1:000000000000:jobs.fifo", "sqs", false},
		}
		for _, tt := range tests {
			s, ok := subs(prefix + tt.topic)[tt.endpoint]
			if !ok {
				t.Errorf("%s: no subscription of %s", tt.topic, tt.endpoint)
				continue
			}
			if aws.ToString(s.Protocol) != tt.protocol || (aws.ToString(s.SubscriptionArn) == "PendingConfirmation") != tt.pending {
				t.Errorf("%s %s: protocol %s, arn %s; want %s, pending %v", tt.topic, tt.endpoint, aws.ToString(s.Protocol), aws.ToString(s.SubscriptionArn), tt.protocol, tt.pending)
			}
		}
		raw := subs(prefix + "events")["arn:aws:sqs:us-east-1:000000000000:raw"]
		got, err := sc.GetSubscriptionAttributes(ctx, &sdksns.GetSubscriptionAttributesInput{SubscriptionArn: raw.SubscriptionArn})
		if err != nil {
			t.Fatal(err)
		}
		jsonTests := []struct{ attr, want string }{
			{"FilterPolicy", `{"kind":["order"]}`},
			{"RedrivePolicy", `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"}`},
		}
		for _, tt := range jsonTests {
			var have, want any
			if err := json.Unmarshal([]byte(got.Attributes[tt.attr]), &have); err != nil {
				t.Errorf("%s %q: %v", tt.attr, got.Attributes[tt.attr], err)
			}
			_ = json.Unmarshal([]byte(tt.want), &want)
			if !reflect.DeepEqual(have, want) {
				t.Errorf("%s = %s, want %s", tt.attr, got.Attributes[tt.attr], tt.want)
			}
		}
		if got.Attributes["RawMessageDelivery"] != "true" {
			t.Errorf("RawMessageDelivery = %q, want true", got.Attributes["RawMessageDelivery"])
		}
	})

	t.Run("fan-out", func(t *testing.T) {
		t.Parallel()
		_, err := sc.Publish(ctx, &sdksns.PublishInput{
			TopicArn: aws.String(prefix + "events"), Message: aws.String("order 1"),
			MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("order")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		receive := func(queue string) string {
			t.Helper()
			url, err := qc.GetQueueUrl(ctx, &sdksqs.GetQueueUrlInput{QueueName: aws.String(queue)})
			if err != nil {
				t.Fatal(err)
			}
			out, err := qc.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, WaitTimeSeconds: 5})
			if err != nil || len(out.Messages) != 1 {
				t.Fatalf("%s: %d messages, %v", queue, len(out.Messages), err)
			}
			return aws.ToString(out.Messages[0].Body)
		}
		if got := receive("raw"); got != "order 1" {
			t.Errorf("raw queue got %q, want the bare message", got)
		}
		var env struct{ Type, Message, TopicArn string }
		if body := receive("enveloped"); json.Unmarshal([]byte(body), &env) != nil || env.Type != "Notification" || env.Message != "order 1" || env.TopicArn != prefix+"events" {
			t.Errorf("enveloped queue got %q, want a Notification envelope of %q", body, "order 1")
		}
	})

	t.Run("differences", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			file, line string
			parts      []string
		}{
			{"display.yaml", "2", []string{`topic "events" exists with DisplayName "Events" (the file says "Other")`}},
			{"raw.yaml", "6", []string{`subscription sqs raw to topic "events" exists with RawMessageDelivery "true" (the file says "false")`}},
			{"badattr.yaml", "2", []string{`topic "fresh": CreateTopic: InvalidParameter`}},
			{"fifoqueue.yaml", "6", []string{"subscription sqs jobs.fifo: Subscribe: InvalidParameter", "FIFO SQS Queues can not be subscribed to standard SNS topics"}},
		}
		for _, tt := range tests {
			_, err := e.Provision(ctx, filepath.Join(dir, tt.file))
			wantLineError(t, err, filepath.Join(dir, tt.file), tt.line, tt.parts...)
		}
	})
}

// TestApplyExampleFile applies examples/provisioning/init.yaml, as the
// compose stack does, and sends messages through its topic's fan-out: the
// enveloped queue gets every message, the raw one those its filter policy
// (kind: [order]) accepts.
func TestApplyExampleFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	provisionTwice(t, e, "../../examples/provisioning/init.yaml")
	sc := sdksns.NewFromConfig(e.AWSConfig())
	qc := sdksqs.NewFromConfig(e.AWSConfig())
	ids := map[string]string{} // message id -> body
	for _, kind := range []string{"refund", "order"} {
		body := `{"kind":"` + kind + `"}`
		pub, err := sc.Publish(ctx, &sdksns.PublishInput{
			TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:order-events"), Message: aws.String(body),
			MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String(kind)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		ids[aws.ToString(pub.MessageId)] = body
	}
	tests := []struct {
		queue    string
		envelope bool
		want     []string // bodies, or messages of the envelopes
	}{
		{"order-events", true, []string{`{"kind":"order"}`, `{"kind":"refund"}`}},
		{"order-events-raw", false, []string{`{"kind":"order"}`}},
	}
	for _, tt := range tests {
		url, err := qc.GetQueueUrl(ctx, &sdksqs.GetQueueUrlInput{QueueName: aws.String(tt.queue)})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for len(got) < len(tt.want) {
			out, err := qc.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: []string{"All"}})
			if err != nil || len(out.Messages) == 0 {
				t.Fatalf("%s: received %q, then %v", tt.queue, got, err)
			}
			for _, m := range out.Messages {
				body := aws.ToString(m.Body)
				if !tt.envelope {
					if kind := aws.ToString(m.MessageAttributes["kind"].StringValue); body != `{"kind":"`+kind+`"}` {
						t.Errorf("%s: body %s with attribute kind=%s; want the bare message and its attribute", tt.queue, body, kind)
					}
					got = append(got, body)
					continue
				}
				var env struct{ Type, MessageId, Message string }
				if json.Unmarshal([]byte(body), &env) != nil || env.Type != "Notification" || ids[env.MessageId] != env.Message {
					t.Errorf("%s: body %s, want the Notification envelope of a published message", tt.queue, body)
				}
				got = append(got, env.Message)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s received %q, want %q", tt.queue, got, tt.want)
		}
	}
}
