package provision_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/provision"
)

// parseProblems parses src and returns its problems, one string each.
func parseProblems(t *testing.T, name, src string) []string {
	t.Helper()
	_, err := provision.Parse(name, []byte(src))
	if err == nil {
		return nil
	}
	var list provision.Errors
	var one *provision.Error
	switch {
	case errors.As(err, &list):
		var got []string
		for _, e := range list {
			got = append(got, e.Error())
		}
		return got
	case errors.As(err, &one):
		return []string{one.Error()}
	}
	t.Fatalf("error %T %v is neither Errors nor *Error", err, err)
	return nil
}

func TestParseEventBridgeErrors(t *testing.T) {
	t.Parallel()
	const q = "queues:\n  - name: q\n"
	tests := []struct {
		name string
		src  string
		want []string // "line: message part", in order
	}{
		{"bus without name", "buses:\n  - description: d\n", []string{"2: bus: name is required"}},
		{"default bus", "buses:\n  - name: default\n", []string{`2: bus "default": the default bus always exists`}},
		{"bad bus name", "buses:\n  - name: a/b\n", []string{`2: bus "a/b": want 1 to 256`}},
		{"duplicate bus", "buses:\n  - name: b\n  - name: b\n", []string{`3: bus "b" is already declared at line 2`}},
		{"bad policy", "buses:\n  - name: b\n    policy: '[1]'\n", []string{"3: policy: want a mapping or a JSON policy document"}},
		{"unknown rule key", "rules:\n  - name: r\n    pattern: {}\n", []string{`3: unknown field "pattern"`}},
		{"rule without pattern or schedule", "rules:\n  - name: r\n", []string{`2: rule "r": eventPattern or scheduleExpression is required`}},
		{"bad rule name", "rules:\n  - name: a b\n    eventPattern: {source: [x]}\n", []string{`2: rule "a b": want 1 to 64`}},
		{"undeclared bus", "rules:\n  - name: r\n    bus: nope\n    eventPattern: {source: [x]}\n", []string{`3: bus "nope" is not declared in this scope`}},
		{"schedule on a custom bus", "buses:\n  - name: b\nrules:\n  - name: r\n    bus: b\n    scheduleExpression: rate(1 hour)\n", []string{"6: rule \"r\": a scheduleExpression works on the default bus only"}},
		{"bad schedule", "rules:\n  - name: r\n    scheduleExpression: every hour\n", []string{`3: scheduleExpression "every hour": want rate(...) or cron(...)`}},
		{"pattern not an object", "rules:\n  - name: r\n    eventPattern: '[1]'\n", []string{"3: eventPattern: want a mapping or a JSON object"}},
		{"invalid pattern", "rules:\n  - name: r\n    eventPattern: {source: x}\n", []string{`3: eventPattern: "source" must be an object or an array`}},
		{"bad state", "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    state: ON\n", []string{`4: state "ON": want one of ENABLED, DISABLED`}},
		{"duplicate rule", "rules:\n  - {name: r, eventPattern: {source: [x]}}\n  - {name: r, eventPattern: {source: [y]}}\n", []string{`3: rule "r" on bus "default" is already declared at line 2`}},
		{"target without id and destination", "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - roleArn: arn:aws:iam::000000000000:role/r\n", []string{"5: target: id is required", `5: target "": one of arn, queue, function, topic, stream or bus is required`}},
		{"target with two destinations", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - {id: t, queue: q, arn: 'arn:aws:sqs:us-east-1:000000000000:q'}\n", []string{`7: target "t": set one of arn, queue, function, topic, stream or bus, not arn and queue`}},
		{"undeclared target queue", "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - id: t\n        queue: nope\n", []string{`6: queue "nope" is not declared in this scope`}},
		{"undeclared target topic and function", "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - {id: a, topic: nope}\n      - {id: b, function: nope}\n", []string{`5: topic "nope" is not declared`, `6: function "nope" is not declared`}},
		{"duplicate target id", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - {id: t, queue: q}\n      - {id: t, queue: q}\n", []string{`8: target "t" is already declared at line 7`}},
		{"too many targets", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n" + strings.Repeat("      - {id: t, queue: q}\n", 0) +
			"      - {id: a, queue: q}\n      - {id: b, queue: q}\n      - {id: c, queue: q}\n      - {id: d, queue: q}\n      - {id: e, queue: q}\n      - {id: f, queue: q}\n", []string{`12: rule "r": at most 5 targets`}},
		{"input and transformer", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - id: t\n        queue: q\n        input: {a: 1}\n        inputTransformer: {inputTemplate: x}\n", []string{`7: target "t": set at most one of input, inputPath and inputTransformer`}},
		{"input not JSON", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - id: t\n        queue: q\n        input: hello\n", []string{"9: input: want a mapping or JSON text"}},
		{"transformer without template", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - id: t\n        queue: q\n        inputTransformer:\n          inputPathsMap: {a: $.id}\n", []string{"10: inputTransformer: inputTemplate is required"}},
		{"retry policy out of range", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - id: t\n        queue: q\n        retryPolicy:\n          maximumRetryAttempts: 200\n          maximumEventAgeInSeconds: 10\n", []string{"10: maximumRetryAttempts 200: want 0 to 185", "11: maximumEventAgeInSeconds 10: want 60 to 86400"}},
		{"undeclared dead-letter queue", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - {id: t, queue: q, deadLetterQueue: dlq}\n", []string{`7: queue "dlq" is not declared`}},
		{"parameters of another kind", q + "rules:\n  - name: r\n    eventPattern: {source: [x]}\n    targets:\n      - id: t\n        queue: q\n        kinesisParameters: {partitionKeyPath: $.id}\n      - id: u\n        arn: arn:aws:lambda:us-east-1:000000000000:function:f\n        sqsParameters: {messageGroupId: g}\n", []string{"9: kinesisParameters applies to stream targets only", "12: sqsParameters applies to queue targets only"}},
		{"archive problems", "archives:\n  - name: a\n    bus: nope\n    retentionDays: -1\n  - eventPattern: '[1]'\n", []string{`3: bus "nope" is not declared`, "4: retentionDays -1", "5: archive: name is required", "5: eventPattern: want a mapping or a JSON object"}},
		{"references stay in their scope", q + "scopes:\n  - region: eu-west-1\n    rules:\n      - name: r\n        eventPattern: {source: [x]}\n        targets:\n          - {id: t, queue: q}\n", []string{`9: queue "q" is not declared in this scope`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := filepath.Join(t.TempDir(), "init.yaml")
			got := parseProblems(t, name, tt.src)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors %q, want %d %q", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				line, msg, _ := strings.Cut(w, ": ")
				if !strings.HasPrefix(got[i], name+":"+line+": ") || !strings.Contains(got[i], msg) {
					t.Errorf("error %d %q: want line %s and %q", i, got[i], line, msg)
				}
			}
		})
	}
}

const ebFile = `streams:
  - name: clicks
queues:
  - name: dlq
  - name: orders
  - name: jobs.fifo
topics:
  - name: alerts
buses:
  - name: shop
    description: Shop events
    tags: {team: shop}
    policy:
      Version: "2012-10-17"
      Statement:
        Sid: all
        Effect: Allow
        Principal: {AWS: "arn:aws:iam::111111111111:root"}
        Action: events:PutEvents
        Resource: arn:aws:events:us-east-1:000000000000:event-bus/shop
rules:
  - name: orders
    bus: shop
    eventPattern: '{"source": ["com.shop"]}'
    tags: {team: shop}
    targets:
      - id: q
        queue: orders
        inputPath: $.detail
        retryPolicy: {maximumRetryAttempts: 2}
        deadLetterQueue: dlq
      - id: fifo
        queue: jobs.fifo
        sqsParameters: {messageGroupId: g}
      - id: stream
        stream: clicks
        kinesisParameters: {partitionKeyPath: $.id}
      - {id: alert, topic: alerts, input: {alert: true}}
      - {id: default-bus, bus: default, roleArn: 'arn:aws:iam::000000000000:role/r'}
  - name: hourly
    scheduleExpression: rate(1 hour)
    state: DISABLED
    targets:
      - {id: q, arn: 'arn:aws:sqs:us-east-1:000000000000:orders'}
archives:
  - name: shop
    bus: shop
    eventPattern: {source: [com.shop]}
    retentionDays: 3
  - name: everything
`

// TestApplyEventBridge applies buses, rules with targets of every kind and
// archives twice, checks what EventBridge holds, and that a file
// contradicting it stops with the line.
func TestApplyEventBridge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	dir := writeFiles(t, map[string]string{"init.yaml": ebFile})
	rep := provisionTwice(t, e, filepath.Join(dir, "init.yaml"))
	for _, want := range []string{"eventbridge bus shop", "eventbridge rule shop/orders", "eventbridge rule default/hourly",
		"eventbridge target orders/q -> arn:aws:sqs:us-east-1:000000000000:orders", "eventbridge archive everything"} {
		if !strings.Contains(strings.Join(rep.Created, "\n"), want) {
			t.Errorf("created %q, want %q", rep.Created, want)
		}
	}
	c := sdkeb.NewFromConfig(e.AWSConfig())
	bus, err := c.DescribeEventBus(ctx, &sdkeb.DescribeEventBusInput{Name: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(bus.Description) != "Shop events" || !strings.Contains(aws.ToString(bus.Policy), `"Sid":"all"`) {
		t.Errorf("bus %+v", bus)
	}
	rule, err := c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("hourly")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(rule.ScheduleExpression) != "rate(1 hour)" || rule.State != ebtypes.RuleStateDisabled {
		t.Errorf("rule %+v", rule)
	}
	targets, err := c.ListTargetsByRule(ctx, &sdkeb.ListTargetsByRuleInput{Rule: aws.String("orders"), EventBusName: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]ebtypes.Target{}
	for _, tg := range targets.Targets {
		byID[aws.ToString(tg.Id)] = tg
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"targets", len(byID), 5},
		{"queue arn", aws.ToString(byID["q"].Arn), "arn:aws:sqs:us-east-1:000000000000:orders"},
		{"dead-letter queue", aws.ToString(byID["q"].DeadLetterConfig.Arn), "arn:aws:sqs:us-east-1:000000000000:dlq"},
		{"retries", aws.ToInt32(byID["q"].RetryPolicy.MaximumRetryAttempts), int32(2)},
		{"fifo group", aws.ToString(byID["fifo"].SqsParameters.MessageGroupId), "g"},
		{"stream arn", aws.ToString(byID["stream"].Arn), "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"},
		{"topic arn", aws.ToString(byID["alert"].Arn), "arn:aws:sns:us-east-1:000000000000:alerts"},
		{"input", aws.ToString(byID["alert"].Input), `{"alert":true}`},
		{"bus arn", aws.ToString(byID["default-bus"].Arn), "arn:aws:events:us-east-1:000000000000:event-bus/default"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.what, ch.got, ch.want)
		}
	}
	arch, err := c.DescribeArchive(ctx, &sdkeb.DescribeArchiveInput{ArchiveName: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(arch.EventSourceArn) != "arn:aws:events:us-east-1:000000000000:event-bus/shop" || aws.ToInt32(arch.RetentionDays) != 3 {
		t.Errorf("archive %+v", arch)
	}

	conflicts := []struct {
		name, from, to, line string
		parts                []string
	}{
		{"rule state", "    state: DISABLED\n", "    state: ENABLED\n", "40", []string{`rule "hourly" exists with state DISABLED (the file says ENABLED)`}},
		{"rule pattern", `'{"source": ["com.shop"]}'`, `'{"source": ["com.other"]}'`, "22", []string{`rule "orders" exists with eventPattern`}},
		{"target", "retryPolicy: {maximumRetryAttempts: 2}", "retryPolicy: {maximumRetryAttempts: 3}", "27", []string{`target "q" of rule "orders" exists with other RetryPolicy`}},
		{"archive", "retentionDays: 3", "retentionDays: 4", "46", []string{`archive "shop" exists with retentionDays 3 (the file says 4)`}},
		{"bus policy", "Sid: all", "Sid: some", "10", []string{`bus "shop" exists with policy`}},
	}
	for _, tc := range conflicts {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(ebFile, tc.from) {
				t.Fatalf("the file has no %q", tc.from)
			}
			path := filepath.Join(writeFiles(t, map[string]string{"init.yaml": strings.Replace(ebFile, tc.from, tc.to, 1)}), "init.yaml")
			_, err := e.Provision(ctx, path)
			wantLineError(t, err, path, tc.line, tc.parts...)
		})
	}
}

// TestApplyEventBridgeTargetRefused checks that a target EventBridge
// refuses stops Apply at that target's line with EventBridge's text.
func TestApplyEventBridgeTargetRefused(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	src := `queues:
  - name: q
rules:
  - name: r
    eventPattern: {source: [x]}
    targets:
      - {id: good, queue: q}
      - id: bad
        queue: q
        inputTransformer: {inputTemplate: '"<nope>"'}
`
	path := filepath.Join(writeFiles(t, map[string]string{"init.yaml": src}), "init.yaml")
	_, err := e.Provision(context.Background(), path)
	wantLineError(t, err, path, "8", `rule "r": PutTargets: ValidationException: InputTemplate for target bad contains invalid placeholder nope.`)
}

// TestApplyEventBridgeExample applies examples/provisioning/init.yaml twice
// and puts an Order Placed event on its shop bus: the rule's input
// transformer reshapes it into the placed-orders queue, and the archive
// keeps it.
func TestApplyEventBridgeExample(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	provisionTwice(t, e, "../../examples/provisioning/init.yaml")
	c := sdkeb.NewFromConfig(e.AWSConfig())
	out, err := c.PutEvents(ctx, &sdkeb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("shop"), Source: aws.String("com.shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(`{"orderId":"o-1","total":12.5}`)},
		{EventBusName: aws.String("shop"), Source: aws.String("com.shop"), DetailType: aws.String("Order Cancelled"), Detail: aws.String(`{"orderId":"o-2"}`)},
	}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
	qc := sdksqs.NewFromConfig(e.AWSConfig())
	url, err := qc.GetQueueUrl(ctx, &sdksqs.GetQueueUrlInput{QueueName: aws.String("placed-orders")})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := qc.ReceiveMessage(ctx, &sdksqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Messages) != 1 {
		t.Fatalf("placed-orders got %d messages, want the Order Placed event only", len(msg.Messages))
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(msg.Messages[0].Body)), &body); err != nil ||
		body["order"] != "o-1" || body["total"] != 12.5 || body["rule"] != "order-placed" {
		t.Errorf("placed-orders body %s, want the transformed event", aws.ToString(msg.Messages[0].Body))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		arch, err := c.DescribeArchive(ctx, &sdkeb.DescribeArchiveInput{ArchiveName: aws.String("shop-orders")})
		if err != nil {
			t.Fatal(err)
		}
		if arch.EventCount == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("archive holds %d events, want 2", arch.EventCount)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
