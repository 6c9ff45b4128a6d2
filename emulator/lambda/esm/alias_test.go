package esm_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
)

// TestSQSMappingOnAliasAndVersion maps queues to an alias and to a
// version: the poller invokes the version the alias points to at the
// time, and the mapped version whatever $LATEST becomes.
func TestSQSMappingOnAliasAndVersion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const fn = "aliased"
	h.register(fn, func(ctx context.Context, ev events.SQSEvent) error { return nil })
	for i := 1; i <= 2; i++ {
		if _, err := h.lambda.UpdateFunctionConfiguration(h.ctx(), &lambdasdk.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(fn), Description: aws.String(fmt.Sprintf("v%d", i)),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.lambda.PublishVersion(h.ctx(), &lambdasdk.PublishVersionInput{FunctionName: aws.String(fn)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.lambda.CreateAlias(h.ctx(), &lambdasdk.CreateAliasInput{FunctionName: aws.String(fn), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	aliasURL, aliasQueue := h.createQueue("to-alias", nil)
	versionURL, versionQueue := h.createQueue("to-version", nil)
	const fnArn = "arn:aws:lambda:us-east-1:000000000000:function:" + fn
	cases := []struct {
		name, ref, queue, wantArn string
	}{
		{"alias", fn + ":live", aliasQueue, fnArn + ":live"},
		{"version", fnArn + ":2", versionQueue, fnArn + ":2"},
	}
	for _, c := range cases {
		out, err := h.lambda.CreateEventSourceMapping(h.ctx(), sqsMapping(c.ref, c.queue, nil))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := aws.ToString(out.FunctionArn); got != c.wantArn {
			t.Errorf("%s mapping FunctionArn %s, want %s", c.name, got, c.wantArn)
		}
	}
	_, err := h.lambda.CreateEventSourceMapping(h.ctx(), sqsMapping(fn+":nope", aliasQueue, nil))
	if err == nil {
		t.Error("a mapping to a missing alias was created")
	}

	type run struct{ version, qualifier string }
	ran := func() []run {
		var out []run
		for _, r := range h.invocations(fn) {
			out = append(out, run{r.Version, r.Qualifier})
		}
		return out
	}
	h.send(aliasURL, "one", nil)
	h.drive("alias invocation", func() bool { return len(ran()) == 1 })
	h.send(versionURL, "two", nil)
	h.drive("version invocation", func() bool { return len(ran()) == 2 })
	if _, err := h.lambda.UpdateAlias(h.ctx(), &lambdasdk.UpdateAliasInput{FunctionName: aws.String(fn), Name: aws.String("live"), FunctionVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	h.send(aliasURL, "three", nil)
	h.drive("alias invocation after the move", func() bool { return len(ran()) == 3 })
	want := []run{{"1", "live"}, {"2", "2"}, {"2", "live"}}
	got := ran()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("invocation %d ran %+v, want %+v", i+1, got[i], want[i])
		}
	}
	for _, url := range []string{aliasURL, versionURL} {
		if n := h.queueDepth(url); n != 0 {
			t.Errorf("%d messages left in %s", n, url)
		}
	}
}
