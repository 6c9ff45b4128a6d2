package eventbridge_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// cpAccount is the default account of the emulator; cpOther a second one.
const (
	cpAccount = "000000000000"
	cpOther   = "222233334444"
)

// cpSetup starts an emulator on a frozen clock and returns an EventBridge
// client of the default account.
func cpSetup(t *testing.T) (*sdkeb.Client, *emulator.Emulator) {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	return sdkeb.NewFromConfig(e.AWSConfig()), e
}

// cpClientFor returns a client signing as account.
func cpClientFor(e *emulator.Emulator, account string) *sdkeb.Client {
	cfg := e.AWSConfig()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(account, "evolvestack", "")
	return sdkeb.NewFromConfig(cfg)
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

// cpRule creates an enabled pattern rule on bus ("" = default).
func cpRule(t *testing.T, c *sdkeb.Client, bus, name string) string {
	t.Helper()
	in := &sdkeb.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(`{"source":["app"]}`)}
	if bus != "" {
		in.EventBusName = aws.String(bus)
	}
	return *cpMust[*sdkeb.PutRuleOutput](t)(c.PutRule(context.Background(), in)).RuleArn
}
