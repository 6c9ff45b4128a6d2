package lambdaevents_test

import (
	"context"
	"encoding/base64"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/registry/serde"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
)

// TestSNSThroughEmulator feeds the SNS adapter exactly what the emulator's
// SNS delivers to a Lambda subscription: a producer publishes serde-framed
// records (base64, as SNS messages are text) and a plain-text message; the
// function decodes the aws-lambda-go event it is given.
func TestSNSThroughEmulator(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cfg := e.AWSConfig()
	glueClient, snsc := glue.NewFromConfig(cfg), awssns.NewFromConfig(cfg)
	if _, err := glueClient.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	ser, err := serde.NewSerializer(glueClient, serde.SerializerConfig{RegistryName: "shop", DataFormat: serde.FormatAvro, AutoRegister: true})
	if err != nil {
		t.Fatal(err)
	}
	framed, err := ser.Serialize(ctx, "orders-sns", e2eAvroOrder, map[string]any{"orderId": "o-7", "amountCents": int64(1250)})
	if err != nil {
		t.Fatal(err)
	}
	de := serde.NewDeserializer(glueClient, serde.DeserializerConfig{})
	type result struct {
		messageID, json string
		err             error
	}
	results := make(chan result, 4)
	if err := e.RegisterHandler("orders-fn", func(ctx context.Context, ev events.SNSEvent) error {
		err := lambdaevents.SNS(ctx, de, ev, func(_ context.Context, rec events.SNSEventRecord, r *serde.Record) error {
			j, err := r.JSON()
			results <- result{messageID: rec.SNS.MessageID, json: string(j), err: err}
			return nil
		})
		if err != nil {
			results <- result{messageID: ev.Records[0].SNS.MessageID, err: err}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	topic, err := snsc.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("lambda"),
		Endpoint: aws.String("arn:aws:lambda:us-east-1:000000000000:function:orders-fn")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		message string
		want    string // decoded JSON; "" for a decode failure
	}{
		{"framed Avro record, base64", base64.StdEncoding.EncodeToString(framed), `{"orderId":"o-7","amountCents":1250}`},
		{"plain text is not a framed record", "hello", ""},
	}
	for _, tc := range tests {
		out, err := snsc.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(tc.message)})
		if err != nil {
			t.Fatal(err)
		}
		var got result
		select {
		case got = <-results:
		case <-ctx.Done():
			t.Fatalf("%s: the function was not invoked", tc.name)
		}
		if got.messageID != *out.MessageId {
			t.Fatalf("%s: message id %q, want %q", tc.name, got.messageID, *out.MessageId)
		}
		switch {
		case tc.want == "" && got.err == nil:
			t.Fatalf("%s: decoded %s, want a decode error", tc.name, got.json)
		case tc.want != "" && (got.err != nil || !sameJSON(got.json, tc.want)):
			t.Fatalf("%s: got %s %v, want %s", tc.name, got.json, got.err, tc.want)
		}
	}
}
