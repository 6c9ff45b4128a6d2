package sns_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// otherAccount is a second account for cross-account tests.
const otherAccount = "222233334444"

// cpSetup starts an emulator on a frozen clock and returns an SNS client of
// the default account.
func cpSetup(t *testing.T) (*sdksns.Client, *emulator.Emulator) {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	return sdksns.NewFromConfig(e.AWSConfig()), e
}

// cpClientFor returns a client signing as account.
func cpClientFor(e *emulator.Emulator, account string) *sdksns.Client {
	cfg := e.AWSConfig()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(account, "evolvestack", "")
	return sdksns.NewFromConfig(cfg)
}

// cpErr checks that err is the AWS error code with exactly message msg
// ("" checks the code only).
func cpErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("got %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// cpMust stops the test on err.
func cpMust[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// cpTopic creates a topic and returns its ARN.
func cpTopic(t *testing.T, c *sdksns.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateTopic(context.Background(), &sdksns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateTopic %s: %v", name, err)
	}
	return *out.TopicArn
}

// cpTopicAttrs returns a topic's attributes.
func cpTopicAttrs(t *testing.T, c *sdksns.Client, arn string) map[string]string {
	t.Helper()
	out, err := c.GetTopicAttributes(context.Background(), &sdksns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetTopicAttributes %s: %v", arn, err)
	}
	return out.Attributes
}

// cpSubscribe subscribes and returns the ARN Subscribe answered.
func cpSubscribe(t *testing.T, c *sdksns.Client, topic, proto, endpoint string, attrs map[string]string) string {
	t.Helper()
	out, err := c.Subscribe(context.Background(), &sdksns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String(proto),
		Endpoint: aws.String(endpoint), Attributes: attrs, ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatalf("Subscribe %s %s: %v", proto, endpoint, err)
	}
	return *out.SubscriptionArn
}

// cpSubAttrs returns a subscription's attributes.
func cpSubAttrs(t *testing.T, c *sdksns.Client, arn string) map[string]string {
	t.Helper()
	out, err := c.GetSubscriptionAttributes(context.Background(), &sdksns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetSubscriptionAttributes %s: %v", arn, err)
	}
	return out.Attributes
}

// queueARN is the ARN of an SQS queue of the default scope.
func queueARN(name string) string { return "arn:aws:sqs:us-east-1:000000000000:" + name }

func hasPrefix(s, p string) bool { return strings.HasPrefix(s, p) }
