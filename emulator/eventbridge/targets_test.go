package eventbridge_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

const cpQueue = "arn:aws:sqs:us-east-1:000000000000:q"

func TestPutTargetsValidation(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	cpRule(t, c, "", "r")
	cases := []struct {
		name      string
		target    types.Target
		code, msg string
	}{
		{name: "sqs", target: types.Target{Id: aws.String("a"), Arn: aws.String(cpQueue)}},
		{name: "input", target: types.Target{Id: aws.String("b"), Arn: aws.String(cpQueue), Input: aws.String(`{"k":1}`)}},
		{name: "retry", target: types.Target{Id: aws.String("c"), Arn: aws.String(cpQueue),
			RetryPolicy:      &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(60)},
			DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:000000000000:dlq")}}},
		{name: "bad-arn", target: types.Target{Id: aws.String("x"), Arn: aws.String("not-an-arn")},
			code: "ValidationException", msg: "Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct format."},
		{name: "fifo", target: types.Target{Id: aws.String("x"), Arn: aws.String(cpQueue + ".fifo")},
			code: "ValidationException", msg: "Parameter(s) SqsParameters must be specified for target: x."},
		{name: "bad-id", target: types.Target{Id: aws.String("bad id"), Arn: aws.String(cpQueue)}, code: "ValidationException"},
		{name: "retry-range", target: types.Target{Id: aws.String("x"), Arn: aws.String(cpQueue),
			RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(186)}}, code: "ValidationException"},
		{name: "age-range", target: types.Target{Id: aws.String("x"), Arn: aws.String(cpQueue),
			RetryPolicy: &types.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(59)}}, code: "ValidationException"},
		{name: "input-and-path", target: types.Target{Id: aws.String("t1"), Arn: aws.String(cpQueue), Input: aws.String(`{}`), InputPath: aws.String("$.detail")},
			code: "ValidationException", msg: "Only one of Input, InputPath, or InputTransformer must be provided for target t1."},
		{name: "template-names-target", target: types.Target{Id: aws.String("t2"), Arn: aws.String(cpQueue),
			InputTransformer: &types.InputTransformer{InputTemplate: aws.String(`"<nope>"`)}},
			code: "ValidationException", msg: "InputTemplate for target t2 contains invalid placeholder nope."},
		{name: "path-names-target", target: types.Target{Id: aws.String("t3"), Arn: aws.String(cpQueue), InputPath: aws.String("detail")},
			code: "ValidationException", msg: "InputPath for target t3 is not a valid JSONPath."},
		{name: "dlq-not-sqs", target: types.Target{Id: aws.String("x"), Arn: aws.String(cpQueue),
			DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sns:us-east-1:000000000000:t")}}, code: "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.PutTargets(ctx, &sdkeb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{tc.target}})
			if tc.code != "" {
				cpErr(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.FailedEntryCount != 0 || len(out.FailedEntries) != 0 {
				t.Fatalf("failed entries %+v", out.FailedEntries)
			}
		})
	}
	got := cpMust[*sdkeb.ListTargetsByRuleOutput](t)(c.ListTargetsByRule(ctx, &sdkeb.ListTargetsByRuleInput{Rule: aws.String("r")}))
	if len(got.Targets) != 3 || *got.Targets[0].Id != "a" || aws.ToString(got.Targets[1].Input) != `{"k":1}` ||
		aws.ToInt32(got.Targets[2].RetryPolicy.MaximumRetryAttempts) != 3 {
		t.Fatalf("targets %+v", got.Targets)
	}
}

func TestTargetsLimitsAndRemove(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	cpRule(t, c, "", "r")
	cpRule(t, c, "", "s")
	var ts []types.Target
	for i := range 5 {
		ts = append(ts, types.Target{Id: aws.String(fmt.Sprintf("t%d", i)), Arn: aws.String(fmt.Sprintf("%s%d", cpQueue, i))})
	}
	cpMust[*sdkeb.PutTargetsOutput](t)(c.PutTargets(ctx, &sdkeb.PutTargetsInput{Rule: aws.String("r"), Targets: ts}))
	// Replacing an existing id is not a new target; a sixth is over the limit.
	cpMust[*sdkeb.PutTargetsOutput](t)(c.PutTargets(ctx, &sdkeb.PutTargetsInput{Rule: aws.String("r"),
		Targets: []types.Target{{Id: aws.String("t0"), Arn: aws.String(cpQueue + "0"), Input: aws.String(`"x"`)}}}))
	_, err := c.PutTargets(ctx, &sdkeb.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{{Id: aws.String("t5"), Arn: aws.String(cpQueue)}}})
	cpErr(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
	cpMust[*sdkeb.PutTargetsOutput](t)(c.PutTargets(ctx, &sdkeb.PutTargetsInput{Rule: aws.String("s"), Targets: []types.Target{{Id: aws.String("x"), Arn: aws.String(cpQueue + "0")}}}))

	// Paging over targets, by id.
	var ids []string
	var token *string
	for {
		out := cpMust[*sdkeb.ListTargetsByRuleOutput](t)(c.ListTargetsByRule(ctx, &sdkeb.ListTargetsByRuleInput{Rule: aws.String("r"), Limit: aws.Int32(2), NextToken: token}))
		for _, tg := range out.Targets {
			ids = append(ids, *tg.Id)
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if fmt.Sprint(ids) != "[t0 t1 t2 t3 t4]" {
		t.Fatalf("ids %v", ids)
	}
	names := cpMust[*sdkeb.ListRuleNamesByTargetOutput](t)(c.ListRuleNamesByTarget(ctx, &sdkeb.ListRuleNamesByTargetInput{TargetArn: aws.String(cpQueue + "0")}))
	if fmt.Sprint(names.RuleNames) != "[r s]" {
		t.Fatalf("ListRuleNamesByTarget = %v", names.RuleNames)
	}
	rm := cpMust[*sdkeb.RemoveTargetsOutput](t)(c.RemoveTargets(ctx, &sdkeb.RemoveTargetsInput{Rule: aws.String("r"), Ids: []string{"t1", "zz"}}))
	if rm.FailedEntryCount != 1 || *rm.FailedEntries[0].TargetId != "zz" || *rm.FailedEntries[0].ErrorCode != "ResourceNotFoundException" {
		t.Fatalf("RemoveTargets = %+v", rm)
	}
	left := cpMust[*sdkeb.ListTargetsByRuleOutput](t)(c.ListTargetsByRule(ctx, &sdkeb.ListTargetsByRuleInput{Rule: aws.String("r")}))
	if len(left.Targets) != 4 || aws.ToString(left.Targets[0].Input) != `"x"` {
		t.Fatalf("left %+v", left.Targets)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	bus := cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("b"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})).EventBusArn
	rule := cpMust[*sdkeb.PutRuleOutput](t)(c.PutRule(ctx, &sdkeb.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("b"),
		EventPattern: aws.String(`{"source":["x"]}`), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})).RuleArn
	list := func(arn *string) string {
		t.Helper()
		out := cpMust[*sdkeb.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &sdkeb.ListTagsForResourceInput{ResourceARN: arn}))
		s := ""
		for _, tg := range out.Tags {
			s += *tg.Key + "=" + *tg.Value + ";"
		}
		return s
	}
	if got := list(bus); got != "team=a;" {
		t.Fatalf("bus tags %s", got)
	}
	if got := list(rule); got != "k=v;" {
		t.Fatalf("rule tags %s", got)
	}
	cpMust[*sdkeb.TagResourceOutput](t)(c.TagResource(ctx, &sdkeb.TagResourceInput{ResourceARN: rule,
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("w")}, {Key: aws.String("env"), Value: aws.String("prod")}}}))
	if got := list(rule); got != "k=w;env=prod;" {
		t.Fatalf("rule tags after tag %s", got)
	}
	cpMust[*sdkeb.UntagResourceOutput](t)(c.UntagResource(ctx, &sdkeb.UntagResourceInput{ResourceARN: rule, TagKeys: []string{"k"}}))
	if got := list(rule); got != "env=prod;" {
		t.Fatalf("rule tags after untag %s", got)
	}
	cases := []struct{ arn, code, msg string }{
		{"arn:aws:events:us-east-1:000000000000:rule/b/nope", "ResourceNotFoundException", "Rule nope does not exist on EventBus b."},
		{"arn:aws:events:us-east-1:000000000000:rule/nope", "ResourceNotFoundException", "Rule nope does not exist on EventBus default."},
		{"arn:aws:events:us-east-1:000000000000:event-bus/nope", "ResourceNotFoundException", "Event bus nope does not exist."},
	}
	for _, tc := range cases {
		_, err := c.ListTagsForResource(ctx, &sdkeb.ListTagsForResourceInput{ResourceARN: aws.String(tc.arn)})
		cpErr(t, err, tc.code, tc.msg)
		_, err = c.TagResource(ctx, &sdkeb.TagResourceInput{ResourceARN: aws.String(tc.arn), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
		cpErr(t, err, tc.code, tc.msg)
	}
}
