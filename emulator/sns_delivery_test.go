package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/sns"
)

// sdEpoch is the frozen clock's start in these tests.
var sdEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// sdEnv is an emulator on a frozen clock with SNS, SQS, Lambda and
// Kinesis clients.
type sdEnv struct {
	t   *testing.T
	e   *emulator.Emulator
	sns *awssns.Client
	sqs *awssqs.Client
	lam *awslambda.Client
	kin *awskinesis.Client
}

func sdSetup(t *testing.T) *sdEnv {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(sdEpoch))))
	t.Cleanup(func() { _ = e.Reset("lambda", "") })
	cfg := e.AWSConfig()
	return &sdEnv{t: t, e: e, sns: awssns.NewFromConfig(cfg), sqs: awssqs.NewFromConfig(cfg),
		lam: awslambda.NewFromConfig(cfg, func(o *awslambda.Options) { o.RetryMaxAttempts = 1 }), kin: awskinesis.NewFromConfig(cfg)}
}

func (h *sdEnv) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

func sdMust[T any](h *sdEnv) func(T, error) T {
	return func(v T, err error) T {
		h.t.Helper()
		if err != nil {
			h.t.Fatal(err)
		}
		return v
	}
}

// settle waits for the work the clock started (queued deliveries).
func (h *sdEnv) settle() {
	h.t.Helper()
	if err := h.e.Clock().Settle(h.ctx()); err != nil {
		h.t.Fatal(err)
	}
}

// advance moves the frozen clock and waits for what it started.
func (h *sdEnv) advance(d time.Duration) {
	h.t.Helper()
	h.settle()
	if err := h.e.Clock().Advance(d); err != nil {
		h.t.Fatal(err)
	}
	h.settle()
}

// drive advances the clock a second at a time until cond holds.
func (h *sdEnv) drive(what string, cond func() bool) {
	h.t.Helper()
	for range 600 {
		h.settle()
		if cond() {
			return
		}
		h.advance(time.Second)
	}
	h.t.Fatalf("%s: not reached after 600 virtual seconds", what)
}

func (h *sdEnv) topic(name string, attrs map[string]string) string {
	h.t.Helper()
	return *sdMust[*awssns.CreateTopicOutput](h)(h.sns.CreateTopic(h.ctx(), &awssns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})).TopicArn
}

func (h *sdEnv) queue(name string, attrs map[string]string) (string, string) {
	h.t.Helper()
	u := *sdMust[*awssqs.CreateQueueOutput](h)(h.sqs.CreateQueue(h.ctx(), &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})).QueueUrl
	a := sdMust[*awssqs.GetQueueAttributesOutput](h)(h.sqs.GetQueueAttributes(h.ctx(), &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(u),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}}))
	return u, a.Attributes["QueueArn"]
}

func (h *sdEnv) subscribe(topic, proto, endpoint string, attrs map[string]string) string {
	h.t.Helper()
	return *sdMust[*awssns.SubscribeOutput](h)(h.sns.Subscribe(h.ctx(), &awssns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String(proto),
		Endpoint: aws.String(endpoint), Attributes: attrs, ReturnSubscriptionArn: true})).SubscriptionArn
}

// drain receives and deletes every message of a queue, in receive order.
func (h *sdEnv) drain(url string) []sqstypes.Message {
	h.t.Helper()
	h.settle()
	var all []sqstypes.Message
	for {
		out := sdMust[*awssqs.ReceiveMessageOutput](h)(h.sqs.ReceiveMessage(h.ctx(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url),
			MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}}))
		if len(out.Messages) == 0 {
			return all
		}
		for _, m := range out.Messages {
			sdMust[*awssqs.DeleteMessageOutput](h)(h.sqs.DeleteMessage(h.ctx(), &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}))
		}
		all = append(all, out.Messages...)
	}
}

func (h *sdEnv) depth(url string) int {
	h.t.Helper()
	out := sdMust[*awssqs.GetQueueAttributesOutput](h)(h.sqs.GetQueueAttributes(h.ctx(), &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}}))
	var n int
	_, _ = fmt.Sscan(out.Attributes["ApproximateNumberOfMessages"], &n)
	return n
}

func sdWantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("got %v, want %s %q", err, code, msg)
	}
}

func sdStr(v string) snstypes.MessageAttributeValue {
	return snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

// TestSNSFilterPoliciesEndToEnd subscribes queues with different filter
// policies (attribute and body scopes) and checks which messages each got.
func TestSNSFilterPoliciesEndToEnd(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	topic := h.topic("filtered", nil)
	type msg struct {
		body  string
		attrs map[string]snstypes.MessageAttributeValue
	}
	msgs := []msg{
		{"m1", map[string]snstypes.MessageAttributeValue{"color": sdStr("red"), "price": {DataType: aws.String("Number"), StringValue: aws.String("150")}}},
		{`{"order":{"kind":"book"},"id":"m2"}`, map[string]snstypes.MessageAttributeValue{"color": sdStr("blue"), "store": sdStr("eu-west")}},
		{`{"order":{"kind":"pen"},"id":"m3"}`, nil},
		{"m4", map[string]snstypes.MessageAttributeValue{"color": {DataType: aws.String("String.Array"), StringValue: aws.String(`["green","red"]`)}}},
		{"m5", map[string]snstypes.MessageAttributeValue{"store": sdStr("us-east"), "price": {DataType: aws.String("Number"), StringValue: aws.String("99.5")}}},
	}
	cases := []struct {
		name, policy, scope string
		want                []string // message bodies, sorted
	}{
		{"exact", `{"color":["red"]}`, "", []string{"m1", "m4"}},
		{"numeric", `{"price":[{"numeric":[">",100]}]}`, "", []string{"m1"}},
		{"prefix", `{"store":[{"prefix":"eu-"}]}`, "", []string{msgs[1].body}},
		{"absent", `{"color":[{"exists":false}]}`, "", []string{msgs[2].body, "m5"}},
		{"anything-but", `{"store":[{"anything-but":["eu-west"]}]}`, "", []string{"m5"}},
		{"or", `{"$or":[{"color":["blue"]},{"price":[{"numeric":["<",100]}]}]}`, "", []string{msgs[1].body, "m5"}},
		{"body", `{"order":{"kind":["book"]}}`, "MessageBody", []string{msgs[1].body}},
		{"body-exists", `{"id":[{"exists":true}]}`, "MessageBody", []string{msgs[1].body, msgs[2].body}},
		{"none", "", "", []string{"m1", msgs[1].body, msgs[2].body, "m4", "m5"}},
	}
	urls := map[string]string{}
	for _, tc := range cases {
		u, arn := h.queue("f-"+tc.name, nil)
		urls[tc.name] = u
		attrs := map[string]string{"RawMessageDelivery": "true"}
		if tc.policy != "" {
			attrs["FilterPolicy"] = tc.policy
		}
		if tc.scope != "" {
			attrs["FilterPolicyScope"] = tc.scope
		}
		h.subscribe(topic, "sqs", arn, attrs)
	}
	for _, m := range msgs {
		sdMust[*awssns.PublishOutput](h)(h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(m.body), MessageAttributes: m.attrs}))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range h.drain(urls[tc.name]) {
				got = append(got, *m.Body)
			}
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestSNSFilterPolicyErrors checks AWS's texts for bad filter policies at
// Subscribe and SetSubscriptionAttributes, and that a scope change
// re-validates the stored policy.
func TestSNSFilterPolicyErrors(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	topic := h.topic("filter-errors", nil)
	_, qARN := h.queue("fe-q", nil)
	loc := func(policy string, col int) string {
		return fmt.Sprintf("\n at [Source: (String)\"%s\"; line: 1, column: %d]", policy, col)
	}
	cases := []struct {
		policy, scope, reason string
	}{
		{`{"key":[{"wrong-operator":true}]}`, "", "FilterPolicy: Unrecognized match type wrong-operator" + loc(`{"key":[{"wrong-operator":true}]}`, 31)},
		{`{"key":[]}`, "", "FilterPolicy: Empty arrays are not allowed" + loc(`{"key":[]}`, 10)},
		{`{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`, "", "FilterPolicy: Filter policy can not have more than 5 keys"},
		{`{"key_a":"value_one"}`, "MessageBody", `FilterPolicy: "key_a" must be an object or an array` + loc(`{"key_a":"value_one"}`, 11)},
	}
	for _, tc := range cases {
		attrs := map[string]string{"FilterPolicy": tc.policy}
		if tc.scope != "" {
			attrs["FilterPolicyScope"] = tc.scope
		}
		_, err := h.sns.Subscribe(h.ctx(), &awssns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(qARN), Attributes: attrs})
		sdWantErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: "+tc.reason)
	}
	sub := h.subscribe(topic, "sqs", qARN, nil)
	for _, tc := range cases[:2] {
		_, err := h.sns.SetSubscriptionAttributes(h.ctx(), &awssns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub),
			AttributeName: aws.String("FilterPolicy"), AttributeValue: aws.String(tc.policy)})
		sdWantErr(t, err, "InvalidParameter", "Invalid parameter: "+tc.reason)
	}
	// The size and per-account count limits.
	big := `{"k":["` + strings.Repeat("x", 256*1024) + `"]}`
	_, err := h.sns.Subscribe(h.ctx(), &awssns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(qARN),
		Attributes: map[string]string{"FilterPolicy": big}})
	sdWantErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too big")

	// A nested policy is valid for MessageBody only; switching the scope
	// back re-validates it.
	set := func(name, value string) error {
		_, err := h.sns.SetSubscriptionAttributes(h.ctx(), &awssns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub),
			AttributeName: aws.String(name), AttributeValue: aws.String(value)})
		return err
	}
	if err := set("FilterPolicyScope", "MessageBody"); err != nil {
		t.Fatal(err)
	}
	if err := set("FilterPolicy", `{"a":{"b":["x"]}}`); err != nil {
		t.Fatal(err)
	}
	sdWantErr(t, set("FilterPolicyScope", "MessageAttributes"), "InvalidParameter",
		"Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy")
	a := sdMust[*awssns.GetSubscriptionAttributesOutput](h)(h.sns.GetSubscriptionAttributes(h.ctx(), &awssns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub)}))
	if a.Attributes["FilterPolicyScope"] != "MessageBody" || a.Attributes["FilterPolicy"] != `{"a":{"b":["x"]}}` {
		t.Fatalf("attributes after the refused change: %v", a.Attributes)
	}
	// The empty string removes the policy.
	if err := set("FilterPolicy", ""); err != nil {
		t.Fatal(err)
	}
	a = sdMust[*awssns.GetSubscriptionAttributesOutput](h)(h.sns.GetSubscriptionAttributes(h.ctx(), &awssns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub)}))
	if _, ok := a.Attributes["FilterPolicy"]; ok {
		t.Fatalf("FilterPolicy still set: %v", a.Attributes)
	}
	// At most 200 subscriptions of an account carry a filter policy.
	many := h.topic("many-filters", nil)
	for i := range 200 {
		h.subscribe(many, "sqs", fmt.Sprintf("arn:aws:sqs:us-east-1:000000000000:q%d", i), map[string]string{"FilterPolicy": `{"k":["v"]}`})
	}
	_, err = h.sns.Subscribe(h.ctx(), &awssns.SubscribeInput{TopicArn: aws.String(many), Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:one-more"), Attributes: map[string]string{"FilterPolicy": `{"k":["v"]}`}})
	sdWantErr(t, err, "FilterPolicyLimitExceeded", "Filter policy limit exceeded")
}

// TestSNSToSQSToHandler: topic → SQS queue → event source mapping → Go
// handler, which gets the SNS envelope as the SQS record's body.
func TestSNSToSQSToHandler(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	var mu sync.Mutex
	var bodies []string
	if err := h.e.RegisterHandler("envelope-reader", func(_ context.Context, ev events.SQSEvent) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			bodies = append(bodies, r.Body)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	topic := h.topic("to-handler", nil)
	_, qARN := h.queue("to-handler-q", nil)
	sub := h.subscribe(topic, "sqs", qARN, nil)
	sdMust[*awslambda.CreateEventSourceMappingOutput](h)(h.lam.CreateEventSourceMapping(h.ctx(), &awslambda.CreateEventSourceMappingInput{
		FunctionName: aws.String("envelope-reader"), EventSourceArn: aws.String(qARN), BatchSize: aws.Int32(10)}))
	out := sdMust[*awssns.PublishOutput](h)(h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("order 42 shipped"),
		Subject: aws.String("Shipping"), MessageAttributes: map[string]snstypes.MessageAttributeValue{"kind": sdStr("ship")}}))
	h.drive("handler got the envelope", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(bodies) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	var env struct {
		Type, MessageId, TopicArn, Subject, Message, UnsubscribeURL string
		MessageAttributes                                           map[string]struct{ Type, Value string }
	}
	if err := json.Unmarshal([]byte(bodies[0]), &env); err != nil {
		t.Fatalf("body %q: %v", bodies[0], err)
	}
	if len(bodies) != 1 || env.Type != "Notification" || env.MessageId != *out.MessageId || env.TopicArn != topic || env.Subject != "Shipping" ||
		env.Message != "order 42 shipped" || env.MessageAttributes["kind"].Value != "ship" || !strings.HasSuffix(env.UnsubscribeURL, sub) {
		t.Fatalf("handler got %q", bodies)
	}
}

// TestSNSHTTPSubscriberRetriesToDLQ: an HTTP subscriber confirms through
// the SubscribeURL, gets a notification, then fails; SNS retries on the
// subscription's DeliveryPolicy schedule (observed on the virtual clock)
// and finally moves the message to the subscription's DLQ.
func TestSNSHTTPSubscriberRetriesToDLQ(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	type post struct {
		at     time.Time
		header http.Header
		body   string
	}
	var mu sync.Mutex
	status := http.StatusOK
	posts := make(chan post, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- post{h.e.Clock().Now(), r.Header.Clone(), string(b)}
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	next := func(what string) post {
		t.Helper()
		h.settle()
		select {
		case p := <-posts:
			return p
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no POST", what)
		}
		return post{}
	}
	none := func(what string) {
		t.Helper()
		h.settle()
		select {
		case p := <-posts:
			t.Fatalf("%s: unexpected POST at %v: %s", what, p.at, p.body)
		default:
		}
	}
	topic := h.topic("hooked", nil)
	dlqURL, dlqARN := h.queue("hook-dlq", nil)
	// Retries 10 s, 25 s and 40 s apart (linear from 10 to 40 over 3).
	policy := `{"healthyRetryPolicy":{"numRetries":3,"minDelayTarget":10,"maxDelayTarget":40,"backoffFunction":"linear"}}`
	sdMust[*awssns.SubscribeOutput](h)(h.sns.Subscribe(h.ctx(), &awssns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("http"),
		Endpoint: aws.String(srv.URL + "/sns"), Attributes: map[string]string{"DeliveryPolicy": policy,
			"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `"}`}}))
	conf := next("confirmation")
	if conf.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" || conf.header.Get("User-Agent") != "Amazon Simple Notification Service Agent" {
		t.Fatalf("confirmation headers %v", conf.header)
	}
	var c struct{ Type, SubscribeURL, Token string }
	if err := json.Unmarshal([]byte(conf.body), &c); err != nil || c.Type != "SubscriptionConfirmation" {
		t.Fatalf("confirmation %q", conf.body)
	}
	resp, err := http.Get(c.SubscribeURL) // as a subscriber does: unsigned
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(cb), "ConfirmSubscriptionResult") {
		t.Fatalf("GET SubscribeURL: %d %s", resp.StatusCode, cb)
	}
	subs := sdMust[*awssns.ListSubscriptionsByTopicOutput](h)(h.sns.ListSubscriptionsByTopic(h.ctx(), &awssns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)}))
	subArn := *subs.Subscriptions[0].SubscriptionArn
	if !strings.HasPrefix(subArn, topic+":") {
		t.Fatalf("not confirmed: %q", subArn)
	}

	ok := sdMust[*awssns.PublishOutput](h)(h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("first")}))
	got := next("notification")
	if got.header.Get("x-amz-sns-message-type") != "Notification" || got.header.Get("x-amz-sns-message-id") != *ok.MessageId ||
		got.header.Get("x-amz-sns-subscription-arn") != subArn || got.header.Get("x-amz-sns-topic-arn") != topic ||
		got.header.Get("Content-Type") != "text/plain; charset=UTF-8" || !strings.Contains(got.body, `"Message" : "first"`) {
		t.Fatalf("notification %v %s", got.header, got.body)
	}

	mu.Lock()
	status = http.StatusServiceUnavailable
	mu.Unlock()
	start := h.e.Clock().Now()
	failed := sdMust[*awssns.PublishOutput](h)(h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("second")}))
	if p := next("attempt 1"); !p.at.Equal(start) {
		t.Fatalf("attempt 1 at %v, want %v", p.at, start)
	}
	for i, wait := range []time.Duration{10 * time.Second, 25 * time.Second, 40 * time.Second} {
		h.advance(wait - time.Second)
		none(fmt.Sprintf("before retry %d", i+1))
		if h.depth(dlqURL) != 0 {
			t.Fatalf("dead-lettered before retry %d", i+1)
		}
		h.advance(time.Second)
		p := next(fmt.Sprintf("retry %d", i+1))
		if want := start.Add([]time.Duration{10, 35, 75}[i] * time.Second); !p.at.Equal(want) {
			t.Fatalf("retry %d at %v, want %v", i+1, p.at, want)
		}
	}
	h.advance(time.Hour)
	none("after the last retry")
	dead := h.drain(dlqURL)
	if len(dead) != 1 || !strings.Contains(*dead[0].Body, `"MessageId" : "`+*failed.MessageId+`"`) || !strings.Contains(*dead[0].Body, `"Message" : "second"`) {
		t.Fatalf("dead-letter queue %+v", dead)
	}
	attempts := h.e.SNS().DeliveryAttempts(sns.AttemptFilter{MessageID: *failed.MessageId})
	var outline []string
	for _, a := range attempts {
		outline = append(outline, fmt.Sprintf("%d %s %d %s %s", a.Attempt, a.Outcome, a.StatusCode, a.Time.Sub(start), a.Final))
	}
	want := []string{"1 Retryable 503 0s ", "2 Retryable 503 10s ", "3 Retryable 503 35s ", "4 Retryable 503 1m15s RetriesExhausted", "4 DeadLettered 0 1m15s "}
	if !slices.Equal(outline, want) {
		t.Fatalf("attempts\n got %q\nwant %q", outline, want)
	}
}

// TestSNSToLambda: a Lambda subscription invokes the function
// asynchronously with the Records[].Sns event.
func TestSNSToLambda(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	got := make(chan events.SNSEvent, 1)
	if err := h.e.RegisterHandler("sns-fn", func(_ context.Context, ev events.SNSEvent) error {
		got <- ev
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	topic := h.topic("to-fn", nil)
	sub := h.subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:sns-fn", nil)
	out := sdMust[*awssns.PublishOutput](h)(h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("to the function"),
		Subject: aws.String("S"), MessageAttributes: map[string]snstypes.MessageAttributeValue{"a": sdStr("b")}}))
	var ev events.SNSEvent
	h.drive("function invoked", func() bool {
		select {
		case ev = <-got:
			return true
		default:
			return false
		}
	})
	if len(ev.Records) != 1 {
		t.Fatalf("records %+v", ev.Records)
	}
	r := ev.Records[0]
	if r.EventSource != "aws:sns" || r.EventSubscriptionArn != sub || r.SNS.MessageID != *out.MessageId || r.SNS.Message != "to the function" ||
		r.SNS.Subject != "S" || r.SNS.TopicArn != topic || r.SNS.MessageAttributes["a"] == nil {
		t.Fatalf("record %+v", r)
	}
}

// TestSNSFIFOOrderAndDedup: a FIFO topic delivers to a FIFO queue in order
// within each message group, once per deduplication id.
func TestSNSFIFOOrderAndDedup(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	topic := h.topic("orders.fifo", map[string]string{"FifoTopic": "true"})
	qURL, qARN := h.queue("orders-q.fifo", map[string]string{"FifoQueue": "true"})
	h.subscribe(topic, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	type m struct{ group, body, dedup string }
	in := []m{{"g1", "a1", "1"}, {"g2", "b1", "2"}, {"g1", "a2", "3"}, {"g1", "a2-again", "3"}, {"g2", "b2", "4"}, {"g1", "a3", "5"}, {"g2", "b3", "6"}}
	for _, x := range in {
		sdMust[*awssns.PublishOutput](h)(h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(x.body),
			MessageGroupId: aws.String(x.group), MessageDeduplicationId: aws.String(x.dedup)}))
	}
	h.settle()
	byGroup := map[string][]string{}
	for range 20 {
		out := sdMust[*awssqs.ReceiveMessageOutput](h)(h.sqs.ReceiveMessage(h.ctx(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(qURL), MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"MessageGroupId"}}))
		if len(out.Messages) == 0 {
			break
		}
		for _, msg := range out.Messages {
			g := msg.Attributes["MessageGroupId"]
			byGroup[g] = append(byGroup[g], *msg.Body)
			sdMust[*awssqs.DeleteMessageOutput](h)(h.sqs.DeleteMessage(h.ctx(), &awssqs.DeleteMessageInput{QueueUrl: aws.String(qURL), ReceiptHandle: msg.ReceiptHandle}))
		}
	}
	if got := fmt.Sprint(byGroup); got != "map[g1:[a1 a2 a3] g2:[b1 b2 b3]]" {
		t.Fatalf("received %s", got)
	}
}

// TestLambdaOnFailureDestinationSNS: an asynchronous invocation that fails
// goes to its SNS on-failure destination, whose topic fans out to SQS.
func TestLambdaOnFailureDestinationSNS(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	if err := h.e.RegisterHandler("always-fails", func(context.Context, map[string]any) error { return errors.New("boom") }); err != nil {
		t.Fatal(err)
	}
	topic := h.topic("fn-failures", nil)
	qURL, qARN := h.queue("fn-failures-q", nil)
	h.subscribe(topic, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	sdMust[*awslambda.PutFunctionEventInvokeConfigOutput](h)(h.lam.PutFunctionEventInvokeConfig(h.ctx(), &awslambda.PutFunctionEventInvokeConfigInput{
		FunctionName: aws.String("always-fails"), MaximumRetryAttempts: aws.Int32(0),
		DestinationConfig: &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String(topic)}}}))
	sdMust[*awslambda.InvokeOutput](h)(h.lam.Invoke(h.ctx(), &awslambda.InvokeInput{FunctionName: aws.String("always-fails"),
		InvocationType: lambdatypes.InvocationTypeEvent, Payload: []byte(`{"order":7}`)}))
	h.drive("failure record delivered", func() bool { return h.depth(qURL) > 0 })
	got := h.drain(qURL)
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	for _, want := range []string{`"condition":"RetriesExhausted"`, `"requestPayload":{"order":7}`, `"functionError":"Unhandled"`} {
		if !strings.Contains(*got[0].Body, want) {
			t.Fatalf("record lacks %s: %s", want, *got[0].Body)
		}
	}
}

// TestKinesisOnFailureDestinationSNS: a Kinesis event source mapping whose
// batches fail sends its failure record to an SNS topic, fanned out to SQS.
func TestKinesisOnFailureDestinationSNS(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	if err := h.e.RegisterHandler("kin-fails", func(context.Context, events.KinesisEvent) error { return errors.New("nope") }); err != nil {
		t.Fatal(err)
	}
	sdMust[*awskinesis.CreateStreamOutput](h)(h.kin.CreateStream(h.ctx(), &awskinesis.CreateStreamInput{StreamName: aws.String("kin-src"), ShardCount: aws.Int32(1)}))
	h.advance(h.e.Kinesis().Options().CreateDelay)
	w := awskinesis.NewStreamExistsWaiter(h.kin, func(o *awskinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	})
	desc, err := w.WaitForOutput(h.ctx(), &awskinesis.DescribeStreamInput{StreamName: aws.String("kin-src")}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	streamARN := *desc.StreamDescription.StreamARN
	topic := h.topic("kin-failures", nil)
	qURL, qARN := h.queue("kin-failures-q", nil)
	h.subscribe(topic, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	sdMust[*awskinesis.PutRecordOutput](h)(h.kin.PutRecord(h.ctx(), &awskinesis.PutRecordInput{StreamName: aws.String("kin-src"), PartitionKey: aws.String("k"), Data: []byte("x")}))
	sdMust[*awslambda.CreateEventSourceMappingOutput](h)(h.lam.CreateEventSourceMapping(h.ctx(), &awslambda.CreateEventSourceMappingInput{
		FunctionName: aws.String("kin-fails"), EventSourceArn: aws.String(streamARN), StartingPosition: lambdatypes.EventSourcePositionTrimHorizon,
		BatchSize: aws.Int32(10), MaximumRetryAttempts: aws.Int32(0),
		DestinationConfig: &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String(topic)}}}))
	h.drive("failure record delivered", func() bool { return h.depth(qURL) > 0 })
	got := h.drain(qURL)
	if len(got) != 1 || !strings.Contains(*got[0].Body, `"KinesisBatchInfo"`) || !strings.Contains(*got[0].Body, streamARN) {
		t.Fatalf("failure records %+v", got)
	}
}

// TestSNSDeliveryFailuresAndReset: an SQS subscription whose queue is gone
// dead-letters at once (a client-side error, not retried); one without a
// DLQ is dropped and counted; a Reset closes the service's queues.
func TestSNSDeliveryFailuresAndReset(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	topic := h.topic("gone", nil)
	goneURL, goneARN := h.queue("gone-q", nil)
	dlqURL, dlqARN := h.queue("gone-dlq", nil)
	withDLQ := h.subscribe(topic, "sqs", goneARN, map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `"}`, "RawMessageDelivery": "true"})
	sdMust[*awssqs.DeleteQueueOutput](h)(h.sqs.DeleteQueue(h.ctx(), &awssqs.DeleteQueueInput{QueueUrl: aws.String(goneURL)}))
	h.subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:missing", nil)
	out := sdMust[*awssns.PublishOutput](h)(h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("lost?"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"k": sdStr("v")}}))
	dead := h.drain(dlqURL)
	if len(dead) != 1 || *dead[0].Body != "lost?" || *dead[0].MessageAttributes["k"].StringValue != "v" {
		t.Fatalf("dead-letter queue %+v", dead)
	}
	if n := h.e.SNS().DroppedDeliveries(); n != 1 {
		t.Fatalf("dropped %d, want 1 (the Lambda subscription)", n)
	}
	recs := h.e.SNS().DeliveryAttempts(sns.AttemptFilter{MessageID: *out.MessageId, SubscriptionArn: withDLQ})
	if len(recs) != 2 || recs[0].Outcome != "Permanent" || recs[0].Final != "Failed" || recs[1].Outcome != "DeadLettered" || recs[1].Endpoint != dlqARN {
		t.Fatalf("attempts %+v", recs)
	}

	// A delivery waiting for its retry is dropped by a Reset, and the
	// endpoint hears nothing more.
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-amz-sns-message-type") == "Notification" {
			n, _ := hits.LoadOrStore("n", new(int))
			*n.(*int)++
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	old := h.e.SNS()
	hook := h.subscribe(topic, "http", srv.URL, nil)
	token, ok := old.ConfirmationToken(hook)
	if !ok {
		t.Fatal("no confirmation token")
	}
	sdMust[*awssns.ConfirmSubscriptionOutput](h)(h.sns.ConfirmSubscription(h.ctx(), &awssns.ConfirmSubscriptionInput{TopicArn: aws.String(topic), Token: aws.String(token)}))
	sdMust[*awssns.PublishOutput](h)(h.sns.Publish(h.ctx(), &awssns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("retry me")}))
	h.settle()
	if n := old.PendingDeliveries(); n != 2 { // the notification and the confirmation, both refused
		t.Fatalf("pending before reset: %d", n)
	}
	if err := h.e.Reset("sns", ""); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Hour)
	n, _ := hits.Load("n")
	if got := *n.(*int); got != 1 || old.PendingDeliveries() != 0 {
		t.Fatalf("after reset: %d POSTs, %d pending", got, old.PendingDeliveries())
	}
}
