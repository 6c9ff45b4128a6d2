package eventbridge_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

// patternMessage is the InvalidEventPatternException text for p.
func patternMessage(t *testing.T, p string) string {
	t.Helper()
	_, err := eventmatch.CompilePattern([]byte(p))
	var e *eventmatch.Error
	if !errors.As(err, &e) {
		t.Fatalf("pattern %s compiles", p)
	}
	return e.EventBridgeMessage()
}

func TestPutRuleValidation(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("custom")}))
	const badSched = "Parameter ScheduleExpression is not valid."
	cases := []struct {
		name, pattern, sched, bus string
		code, msg                 string
	}{
		{name: "none", code: "ValidationException", msg: "Parameter(s) EventPattern or ScheduleExpression must be specified."},
		{name: "pattern", pattern: `{"source":["a"],"detail":{"n":[{"numeric":[">",1]}]}}`},
		{name: "bad-pattern", pattern: `{"source":"a"}`, code: "InvalidEventPatternException", msg: "*"},
		{name: "not-json", pattern: `{"source":`, code: "InvalidEventPatternException", msg: "*"},
		{name: "too-long", pattern: `{"source":["` + strings.Repeat("a", 4100) + `"]}`, code: "ValidationException"},
		{name: "rate-1-minute", sched: "rate(1 minute)"},
		{name: "rate-5-minutes", sched: "rate(5 minutes)"},
		{name: "rate-2-hours", sched: "rate(2 hours)"},
		{name: "rate-1-day", sched: "rate(1 day)"},
		{name: "rate-1-minutes", sched: "rate(1 minutes)", code: "ValidationException", msg: badSched},
		{name: "rate-5-minute", sched: "rate(5 minute)", code: "ValidationException", msg: badSched},
		{name: "rate-0", sched: "rate(0 minutes)", code: "ValidationException", msg: badSched},
		{name: "rate-week", sched: "rate(1 week)", code: "ValidationException", msg: badSched},
		{name: "rate-space", sched: "rate(5  minutes)", code: "ValidationException", msg: badSched},
		{name: "cron-ok", sched: "cron(0 12 * * ? *)"},
		{name: "cron-dow", sched: "cron(15 10 ? * MON-FRI *)"},
		{name: "cron-last", sched: "cron(0 18 L * ? 2030-2035)"},
		{name: "cron-nth", sched: "cron(0/15 * ? JAN-MAR 6#3 *)"},
		{name: "cron-w", sched: "cron(0 8 15W * ? *)"},
		{name: "cron-5-fields", sched: "cron(0 12 * * ?)", code: "ValidationException", msg: badSched},
		{name: "cron-both-days", sched: "cron(0 12 * * MON *)", code: "ValidationException", msg: badSched},
		{name: "cron-minute-60", sched: "cron(60 12 * * ? *)", code: "ValidationException", msg: badSched},
		{name: "cron-year", sched: "cron(0 12 * * ? 1969)", code: "ValidationException", msg: badSched},
		{name: "junk", sched: "every day", code: "ValidationException", msg: badSched},
		{name: "sched-custom", sched: "rate(5 minutes)", bus: "custom", code: "ValidationException", msg: "ScheduleExpression is supported only on the default event bus."},
		{name: "pattern-custom", pattern: `{"source":["a"]}`, bus: "custom"},
		{name: "unknown-bus", pattern: `{"source":["a"]}`, bus: "nope", code: "ResourceNotFoundException", msg: "Event bus nope does not exist."},
		{name: "other-account-bus", pattern: `{"source":["a"]}`, bus: "arn:aws:events:us-east-1:222233334444:event-bus/custom", code: "ResourceNotFoundException", msg: "Event bus custom does not exist."},
		{name: "bad name!", pattern: `{"source":["a"]}`, code: "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sdkeb.PutRuleInput{Name: aws.String(tc.name)}
			if tc.pattern != "" {
				in.EventPattern = aws.String(tc.pattern)
			}
			if tc.sched != "" {
				in.ScheduleExpression = aws.String(tc.sched)
			}
			if tc.bus != "" {
				in.EventBusName = aws.String(tc.bus)
			}
			out, err := c.PutRule(ctx, in)
			if tc.code != "" {
				msg := tc.msg
				if msg == "*" {
					msg = patternMessage(t, tc.pattern)
				}
				cpErr(t, err, tc.code, msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := "arn:aws:events:us-east-1:000000000000:rule/" + tc.name
			if tc.bus != "" {
				want = "arn:aws:events:us-east-1:000000000000:rule/" + tc.bus + "/" + tc.name
			}
			if *out.RuleArn != want {
				t.Fatalf("arn %s, want %s", *out.RuleArn, want)
			}
		})
	}
}

func TestRuleLifecycle(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	cpMust[*sdkeb.PutRuleOutput](t)(c.PutRule(ctx, &sdkeb.PutRuleInput{Name: aws.String("r1"), EventPattern: aws.String(`{"source":["a"]}`),
		Description: aws.String("first"), RoleArn: aws.String("arn:aws:iam::000000000000:role/x"), State: types.RuleStateDisabled}))
	d := cpMust[*sdkeb.DescribeRuleOutput](t)(c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("r1")}))
	if d.State != types.RuleStateDisabled || aws.ToString(d.Description) != "first" || aws.ToString(d.EventBusName) != "default" ||
		aws.ToString(d.CreatedBy) != cpAccount || aws.ToString(d.EventPattern) != `{"source":["a"]}` || d.ScheduleExpression != nil {
		t.Fatalf("describe = %+v", d)
	}
	cpMust[*sdkeb.EnableRuleOutput](t)(c.EnableRule(ctx, &sdkeb.EnableRuleInput{Name: aws.String("r1")}))
	if s := cpMust[*sdkeb.DescribeRuleOutput](t)(c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("r1")})).State; s != types.RuleStateEnabled {
		t.Fatalf("state after enable %s", s)
	}
	cpMust[*sdkeb.DisableRuleOutput](t)(c.DisableRule(ctx, &sdkeb.DisableRuleInput{Name: aws.String("r1")}))
	// PutRule replaces: the omitted description is cleared, state defaults to ENABLED.
	cpMust[*sdkeb.PutRuleOutput](t)(c.PutRule(ctx, &sdkeb.PutRuleInput{Name: aws.String("r1"), ScheduleExpression: aws.String("rate(1 hour)")}))
	d = cpMust[*sdkeb.DescribeRuleOutput](t)(c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("r1")}))
	if d.State != types.RuleStateEnabled || d.Description != nil || d.EventPattern != nil || aws.ToString(d.ScheduleExpression) != "rate(1 hour)" {
		t.Fatalf("after replace = %+v", d)
	}
	for _, op := range []func() error{
		func() error {
			_, err := c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("nope")})
			return err
		},
		func() error {
			_, err := c.EnableRule(ctx, &sdkeb.EnableRuleInput{Name: aws.String("nope")})
			return err
		},
		func() error {
			_, err := c.DisableRule(ctx, &sdkeb.DisableRuleInput{Name: aws.String("nope")})
			return err
		},
		func() error {
			_, err := c.PutTargets(ctx, &sdkeb.PutTargetsInput{Rule: aws.String("nope"), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String("arn:aws:sqs:us-east-1:000000000000:q")}}})
			return err
		},
		func() error {
			_, err := c.ListTargetsByRule(ctx, &sdkeb.ListTargetsByRuleInput{Rule: aws.String("nope")})
			return err
		},
	} {
		cpErr(t, op(), "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
	}
	// Deleting a missing rule succeeds; a rule with targets cannot be deleted.
	cpMust[*sdkeb.DeleteRuleOutput](t)(c.DeleteRule(ctx, &sdkeb.DeleteRuleInput{Name: aws.String("nope")}))
	cpMust[*sdkeb.PutTargetsOutput](t)(c.PutTargets(ctx, &sdkeb.PutTargetsInput{Rule: aws.String("r1"),
		Targets: []types.Target{{Id: aws.String("t1"), Arn: aws.String("arn:aws:sqs:us-east-1:000000000000:q")}}}))
	_, err := c.DeleteRule(ctx, &sdkeb.DeleteRuleInput{Name: aws.String("r1")})
	cpErr(t, err, "ValidationException", "Rule can't be deleted since it has targets.")
	cpMust[*sdkeb.RemoveTargetsOutput](t)(c.RemoveTargets(ctx, &sdkeb.RemoveTargetsInput{Rule: aws.String("r1"), Ids: []string{"t1"}}))
	cpMust[*sdkeb.DeleteRuleOutput](t)(c.DeleteRule(ctx, &sdkeb.DeleteRuleInput{Name: aws.String("r1")}))
	_, err = c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("r1")})
	cpErr(t, err, "ResourceNotFoundException", "Rule r1 does not exist on EventBus default.")
}

func TestListRulesPaging(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("other")}))
	for i := range 7 {
		cpRule(t, c, "", fmt.Sprintf("orders-%d", i))
	}
	cpRule(t, c, "", "payments")
	cpRule(t, c, "other", "orders-x")
	cases := []struct {
		prefix, bus string
		limit       int32
		want        string
		pages       int
	}{
		{prefix: "orders-", limit: 3, want: "[orders-0 orders-1 orders-2 orders-3 orders-4 orders-5 orders-6]", pages: 3},
		{limit: 0, want: "[orders-0 orders-1 orders-2 orders-3 orders-4 orders-5 orders-6 payments]", pages: 1},
		{prefix: "pay", limit: 1, want: "[payments]", pages: 1},
		{bus: "other", want: "[orders-x]", pages: 1},
		{bus: "arn:aws:events:us-east-1:000000000000:event-bus/other", want: "[orders-x]", pages: 1},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s/%d", tc.prefix, tc.bus, tc.limit), func(t *testing.T) {
			var names []string
			var token *string
			pages := 0
			for {
				in := &sdkeb.ListRulesInput{NextToken: token}
				if tc.prefix != "" {
					in.NamePrefix = aws.String(tc.prefix)
				}
				if tc.bus != "" {
					in.EventBusName = aws.String(tc.bus)
				}
				if tc.limit > 0 {
					in.Limit = aws.Int32(tc.limit)
				}
				out := cpMust[*sdkeb.ListRulesOutput](t)(c.ListRules(ctx, in))
				pages++
				for _, r := range out.Rules {
					names = append(names, *r.Name)
					if r.State != types.RuleStateEnabled || r.Arn == nil || r.EventBusName == nil {
						t.Fatalf("rule %+v", r)
					}
				}
				if token = out.NextToken; token == nil {
					break
				}
			}
			if fmt.Sprint(names) != tc.want || pages != tc.pages {
				t.Fatalf("got %v in %d pages, want %s in %d", names, pages, tc.want, tc.pages)
			}
		})
	}
	_, err := c.ListRules(ctx, &sdkeb.ListRulesInput{EventBusName: aws.String("nope")})
	cpErr(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")
	_, err = c.ListRules(ctx, &sdkeb.ListRulesInput{Limit: aws.Int32(101)})
	cpErr(t, err, "ValidationException", "")
}

func TestTestEventPattern(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	event := `{"id":"1","account":"000000000000","source":"orders","time":"2026-12-06T22:00:00Z","region":"us-east-1","detail-type":"Created","resources":[],"detail":{"total":12}}`
	cases := []struct {
		name, pattern, event string
		want                 bool
		code, msg            string
	}{
		{name: "match", pattern: `{"source":["orders"],"detail":{"total":[{"numeric":[">",10]}]}}`, event: event, want: true},
		{name: "no-match", pattern: `{"source":["payments"]}`, event: event},
		{name: "account", pattern: `{"account":["000000000000"],"region":["us-east-1"]}`, event: event, want: true},
		{name: "no-resources", pattern: `{"source":["orders"]}`, event: strings.Replace(event, `"resources":[],`, "", 1), want: true},
		{name: "missing-id", pattern: `{"source":["orders"]}`, event: strings.Replace(event, `"id":"1",`, "", 1), code: "ValidationException", msg: "Parameter Event is not valid."},
		{name: "missing-time", pattern: `{"source":["orders"]}`, event: strings.Replace(event, `"time":"2026-12-06T22:00:00Z",`, "", 1), code: "ValidationException", msg: "Parameter Event is not valid."},
		{name: "not-json", pattern: `{"source":["orders"]}`, event: `{`, code: "ValidationException", msg: "Parameter Event is not valid."},
		{name: "array", pattern: `{"source":["orders"]}`, event: `[]`, code: "ValidationException", msg: "Parameter Event is not valid."},
		{name: "bad-pattern", pattern: `{"source":[{"prefix":1}]}`, event: event, code: "InvalidEventPatternException", msg: "*"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.TestEventPattern(ctx, &sdkeb.TestEventPatternInput{EventPattern: aws.String(tc.pattern), Event: aws.String(tc.event)})
			if tc.code != "" {
				msg := tc.msg
				if msg == "*" {
					msg = patternMessage(t, tc.pattern)
				}
				cpErr(t, err, tc.code, msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Result != tc.want {
				t.Fatalf("Result = %v, want %v", out.Result, tc.want)
			}
		})
	}
}
