package emulator_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/sns"
)

// fdOutcomes lists the outcomes of a message's delivery attempts.
func fdOutcomes(recs []sns.DeliveryAttempt) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Outcome
	}
	return out
}

// TestFaultsSNSToSQSDeliveryFailsThenSucceeds injects faults on SQS
// SendMessage into one queue: the same rule fails a client's call and
// SNS's deliveries into the queue, which SNS retries on its schedule for
// SQS endpoints (three immediate retries, then a second apart) until one
// gets through.
func TestFaultsSNSToSQSDeliveryFailsThenSucceeds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rule faults.Rule
		// clientFails is how many of the rule's firings a client's
		// SendMessage takes first (without retries).
		clientFails int
		want        []string
		// wantAt is each attempt's offset from the publish.
		wantAt []time.Duration
		// wantCopies is how many copies reach the queue.
		wantCopies int
		wantError  string
	}{
		{name: "error twice", rule: faults.Rule{Error: "InternalError", Count: 3}, clientFails: 1,
			want: []string{"Retryable", "Retryable", "Success"}, wantAt: []time.Duration{0, 0, 0}, wantCopies: 1, wantError: "InternalError"},
		{name: "empty 503 twice", rule: faults.Rule{Status: 503, Count: 2},
			want: []string{"Retryable", "Retryable", "Success"}, wantAt: []time.Duration{0, 0, 0}, wantCopies: 1, wantError: "HTTP 503"},
		{name: "reset twice", rule: faults.Rule{Reset: true, Count: 2},
			want: []string{"Retryable", "Retryable", "Success"}, wantAt: []time.Duration{0, 0, 0}, wantCopies: 1, wantError: "connection reset"},
		{name: "throttled past the immediate retries", rule: faults.Rule{Error: "RequestThrottled", Count: 5},
			want:   []string{"Retryable", "Retryable", "Retryable", "Retryable", "Retryable", "Success"},
			wantAt: []time.Duration{0, 0, 0, 0, time.Second, 2 * time.Second}, wantCopies: 1, wantError: "RequestThrottled"},
		{name: "error after the write", rule: faults.Rule{Error: "InternalError", When: faults.After, Count: 2},
			want: []string{"Retryable", "Retryable", "Success"}, wantAt: []time.Duration{0, 0, 0}, wantCopies: 3, wantError: "InternalError"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := sdSetup(t)
			topic := h.topic("orders-topic", nil)
			url, queueArn := h.queue("orders", nil)
			sub := h.subscribe(topic, "sqs", queueArn, map[string]string{"RawMessageDelivery": "true"})
			r := tc.rule
			r.Service, r.Operation, r.Resource = "sqs", "SendMessage", "orders"
			rule := addFault(t, h.e, r)

			for range tc.clientFails {
				_, err := h.sqs.SendMessage(h.ctx(), &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("direct")},
					func(o *awssqs.Options) { o.RetryMaxAttempts = 1 })
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tc.rule.Error {
					t.Fatalf("client SendMessage: %v, want %s", err, tc.rule.Error)
				}
			}
			start := h.e.Clock().Now()
			pub, err := h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("order o-1")})
			if err != nil {
				t.Fatal(err)
			}
			h.drive("delivered", func() bool {
				recs := h.e.SNS().DeliveryAttempts(sns.AttemptFilter{MessageID: *pub.MessageId, SubscriptionArn: sub})
				return len(recs) > 0 && recs[len(recs)-1].Outcome == "Success"
			})
			recs := h.e.SNS().DeliveryAttempts(sns.AttemptFilter{MessageID: *pub.MessageId, SubscriptionArn: sub})
			if got := fdOutcomes(recs); !slices.Equal(got, tc.want) {
				t.Fatalf("attempts %v, want %v: %+v", got, tc.want, recs)
			}
			for i, rec := range recs {
				if rec.Attempt != i+1 || rec.Time.Sub(start) != tc.wantAt[i] {
					t.Errorf("attempt %d (#%d) at +%v, want +%v", i+1, rec.Attempt, rec.Time.Sub(start), tc.wantAt[i])
				}
				if rec.Outcome != "Success" && !strings.Contains(rec.Error, tc.wantError) {
					t.Errorf("attempt %d error %q, want %s", i+1, rec.Error, tc.wantError)
				}
			}
			if recs[len(recs)-1].Final != "Delivered" {
				t.Errorf("last attempt %+v, want Final Delivered", recs[len(recs)-1])
			}
			msgs := h.drain(url)
			if len(msgs) != tc.wantCopies {
				t.Fatalf("%d messages in the queue, want %d", len(msgs), tc.wantCopies)
			}
			for _, m := range msgs {
				if aws.ToString(m.Body) != "order o-1" {
					t.Errorf("message %q", aws.ToString(m.Body))
				}
			}
			log, _ := h.e.Faults().Log()
			deliveries := 0
			for _, f := range log {
				if f.Rule != rule.ID || f.Service != "sqs" || f.Operation != "SendMessage" {
					t.Errorf("log entry %+v", f)
				}
				if f.Resource == queueArn {
					deliveries++
				}
			}
			if len(log) != tc.clientFails+len(tc.want)-1 || deliveries != len(tc.want)-1 {
				t.Errorf("log %+v: want %d client and %d delivery faults", log, tc.clientFails, len(tc.want)-1)
			}
		})
	}
}

// TestFaultsEventBridgeTargetDeadLettered fails every delivery to a
// target until its retry policy (two retries) runs out; the event then
// reaches the target's dead-letter queue with the six attributes, naming
// the injected error.
func TestFaultsEventBridgeTargetDeadLettered(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		rule     faults.Rule
		target   func(t *testing.T, v *ebEnv) string
		wantCode string
		wantMsg  string
	}{
		{name: "SQS throttled", rule: faults.Rule{Service: "sqs", Operation: "SendMessage", Resource: "orders", Error: "RequestThrottled", Message: "slow down, test"},
			target: func(t *testing.T, v *ebEnv) string {
				_, arn := v.queue(t, "orders", nil)
				return arn
			}, wantCode: "THROTTLING", wantMsg: "slow down, test"},
		{name: "SNS empty 503", rule: faults.Rule{Service: "sns", Operation: "Publish", Resource: "alerts", Status: 503},
			target: func(t *testing.T, v *ebEnv) string {
				out, err := awssns.NewFromConfig(v.e.AWSConfig()).CreateTopic(v.ctx, &awssns.CreateTopicInput{Name: aws.String("alerts")})
				if err != nil {
					t.Fatal(err)
				}
				return *out.TopicArn
			}, wantCode: "INTERNAL_ERROR", wantMsg: "HTTP 503 with an empty body"},
		{name: "Kinesis throttled", rule: faults.Rule{Service: "kinesis", Operation: "PutRecord", Resource: "clicks", Error: "ProvisionedThroughputExceededException"},
			target: func(t *testing.T, v *ebEnv) string {
				kc := awskinesis.NewFromConfig(v.e.AWSConfig())
				if _, err := kc.CreateStream(v.ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("clicks"), ShardCount: aws.Int32(1)}); err != nil {
					t.Fatal(err)
				}
				v.advance(t, time.Second) // the stream becomes ACTIVE
				return "arn:aws:kinesis:us-east-1:" + emulator.DefaultAccount + ":stream/clicks"
			}, wantCode: "THROTTLING"},
		{name: "bus internal error", rule: faults.Rule{Service: "events", Operation: "PutEvents", Resource: "audit", Error: "InternalException"},
			target: func(t *testing.T, v *ebEnv) string {
				out, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("audit")})
				if err != nil {
					t.Fatal(err)
				}
				return *out.EventBusArn
			}, wantCode: "INTERNAL_ERROR"},
		{name: "bus reset", rule: faults.Rule{Service: "events", Operation: "PutEvents", Resource: "audit", Reset: true},
			target: func(t *testing.T, v *ebEnv) string {
				out, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("audit")})
				if err != nil {
					t.Fatal(err)
				}
				return *out.EventBusArn
			}, wantCode: "INTERNAL_ERROR", wantMsg: "connection reset"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newEBEnv(t)
			dlqURL, dlqArn := v.queue(t, "dlq", nil)
			targetArn := tc.target(t, v)
			ruleArn := v.rule(t, "orders-rule", `{"source":["com.shop"]}`,
				ebtypes.Target{Id: aws.String("t1"), Arn: aws.String(targetArn),
					RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(2), MaximumEventAgeInSeconds: aws.Int32(3600)},
					DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}})
			rule := addFault(t, v.e, tc.rule)
			id := v.put(t, orderEntry(`{"orderId":"o-7"}`))[0]
			v.settle(t)
			if dead := v.receive(t, dlqURL); len(dead) != 0 {
				t.Fatalf("dead-lettered before the retries: %+v", dead)
			}
			v.advance(t, time.Second)
			v.advance(t, 2*time.Second)
			dead := v.receive(t, dlqURL)
			if len(dead) != 1 {
				t.Fatalf("DLQ after the retries: %d messages, want 1", len(dead))
			}
			wantAttrs(t, dead[0], map[string]string{"RULE_ARN": ruleArn, "TARGET_ARN": targetArn, "ERROR_CODE": tc.wantCode,
				"EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "2"}, "")
			if msg := attr(dead[0], "ERROR_MESSAGE"); msg == "" || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("ERROR_MESSAGE %q, want %q", msg, tc.wantMsg)
			}
			if !strings.Contains(*dead[0].Body, id) {
				t.Errorf("DLQ body %s, want the event %s", *dead[0].Body, id)
			}
			var failed int
			for _, r := range v.e.EventBridge().Deliveries(eventbridgeFilter(id, ruleArn)) {
				if r.Final == "" {
					failed++
					if r.Outcome != "Failed" || r.ErrorCode != tc.wantCode {
						t.Errorf("attempt %+v, want Failed with %s", r, tc.wantCode)
					}
				}
			}
			if failed != 3 {
				t.Errorf("%d failed attempts, want 3", failed)
			}
			if log, _ := v.e.Faults().Log(); len(log) != 3 || log[0].Rule != rule.ID || log[0].Resource != targetArn {
				t.Errorf("fault log %+v, want 3 firings of %s on %s", log, rule.ID, targetArn)
			}
		})
	}
}

// TestFaultsDeliveryDeterminism publishes the same ten messages to a
// queue subscription in two emulators with the same rule: every Kth
// delivery attempt or a seeded probability fails the same attempts in
// both, and every message arrives once.
func TestFaultsDeliveryDeterminism(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rule faults.Rule
		// wantFailed, when set, lists the messages (1-based) whose first
		// attempt fails.
		wantFailed []int
	}{
		{name: "every third", rule: faults.Rule{Every: 3, Error: "InternalError"}, wantFailed: []int{3, 5, 7, 9}},
		{name: "seeded probability", rule: faults.Rule{Probability: 0.4, Seed: 42, Error: "RequestThrottled"}},
	}
	const n = 10
	run := func(t *testing.T, r faults.Rule) []string {
		h := sdSetup(t)
		topic := h.topic("det", nil)
		url, queueArn := h.queue("det-q", nil)
		sub := h.subscribe(topic, "sqs", queueArn, map[string]string{"RawMessageDelivery": "true"})
		r.Service, r.Operation, r.Resource = "sqs", "SendMessage", "det-q"
		addFault(t, h.e, r)
		var out []string
		for i := range n {
			pub, err := h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(fmt.Sprint("m", i+1))})
			if err != nil {
				t.Fatal(err)
			}
			h.drive("delivered", func() bool {
				recs := h.e.SNS().DeliveryAttempts(sns.AttemptFilter{MessageID: *pub.MessageId, SubscriptionArn: sub})
				return len(recs) > 0 && recs[len(recs)-1].Outcome == "Success"
			})
			recs := h.e.SNS().DeliveryAttempts(sns.AttemptFilter{MessageID: *pub.MessageId, SubscriptionArn: sub})
			out = append(out, strings.Join(fdOutcomes(recs), ","))
		}
		if msgs := h.drain(url); len(msgs) != n {
			t.Fatalf("%d messages arrived, want %d", len(msgs), n)
		}
		return out
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := run(t, tc.rule), run(t, tc.rule)
			if !slices.Equal(a, b) {
				t.Fatalf("two runs differ:\n%v\n%v", a, b)
			}
			var failed []int
			for i, o := range a {
				if strings.HasPrefix(o, "Retryable") {
					failed = append(failed, i+1)
				}
			}
			if len(failed) == 0 || len(failed) == n {
				t.Fatalf("outcomes %v: want some messages failing first and some not", a)
			}
			if tc.wantFailed != nil && !slices.Equal(failed, tc.wantFailed) {
				t.Fatalf("first attempts failed for messages %v, want %v (outcomes %v)", failed, tc.wantFailed, a)
			}
		})
	}
}

// TestFaultsEventBridgeTargetLatency delays deliveries to a queue target
// with injected latency: the attempt is made, and recorded, that much
// later on the virtual clock; with an error too, it then fails and is
// retried.
func TestFaultsEventBridgeTargetLatency(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rule faults.Rule
		// want is each recorded attempt's outcome and offset from PutEvents.
		want []string
	}{
		{name: "latency", rule: faults.Rule{Latency: &faults.Latency{Min: 5 * time.Second, Max: 5 * time.Second}, Count: 1},
			want: []string{"Delivered +5s"}},
		{name: "latency then error", rule: faults.Rule{Latency: &faults.Latency{Min: 2 * time.Second, Max: 2 * time.Second}, Error: "InternalError", Count: 1},
			want: []string{"Failed +2s", "Delivered +2."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newEBEnv(t)
			url, arn := v.queue(t, "slow", nil)
			ruleArn := v.rule(t, "slow-rule", `{"source":["com.shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(arn)})
			r := tc.rule
			r.Service, r.Operation, r.Resource = "sqs", "SendMessage", "slow"
			addFault(t, v.e, r)
			start := v.e.Clock().Now()
			id := v.put(t, orderEntry(`{"orderId":"o-3"}`))[0]
			v.settle(t)
			if msgs := v.receive(t, url); len(msgs) != 0 {
				t.Fatalf("delivered before the latency: %+v", msgs)
			}
			v.advance(t, time.Second)
			if msgs := v.receive(t, url); len(msgs) != 0 {
				t.Fatalf("delivered after 1 s: %+v", msgs)
			}
			for range 5 {
				v.advance(t, time.Second)
			}
			if msgs := v.receive(t, url); len(msgs) != 1 || !strings.Contains(*msgs[0].Body, id) {
				t.Fatalf("after 6 s: %+v, want the event once", msgs)
			}
			var got []string
			for _, rec := range v.e.EventBridge().Deliveries(eventbridgeFilter(id, ruleArn)) {
				got = append(got, fmt.Sprintf("%s +%v", rec.Outcome, rec.At.Sub(start)))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("records %v, want %v", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("record %d: %s, want %s", i, got[i], tc.want[i])
				}
			}
		})
	}
}
