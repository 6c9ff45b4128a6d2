package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/eventbridge"
)

// ebStart is 2026-12-06T22:00:00Z, where the EventBridge tests' frozen
// clocks start.
var ebStart = time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)

// ebEnv is an emulator on a frozen clock with EventBridge and SQS clients.
type ebEnv struct {
	e   *emulator.Emulator
	eb  *awseb.Client
	sqs *awssqs.Client
	ctx context.Context
}

func newEBEnv(t *testing.T) *ebEnv {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(ebStart))))
	cfg := e.AWSConfig()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &ebEnv{e: e, eb: awseb.NewFromConfig(cfg), sqs: awssqs.NewFromConfig(cfg), ctx: ctx}
}

// settle waits for every delivery the clock has made due.
func (v *ebEnv) settle(t *testing.T) {
	t.Helper()
	for range 3 { // deliveries start further deliveries (Lambda's queue)
		if err := v.e.Clock().Settle(v.ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// advance moves the frozen clock and settles.
func (v *ebEnv) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if err := v.e.Clock().Advance(d); err != nil {
		t.Fatal(err)
	}
	v.settle(t)
}

// queue creates an SQS queue and returns its URL and ARN.
func (v *ebEnv) queue(t *testing.T, name string, attrs map[string]string) (string, string) {
	t.Helper()
	out, err := v.sqs.CreateQueue(v.ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return *out.QueueUrl, "arn:aws:sqs:us-east-1:" + emulator.DefaultAccount + ":" + name
}

// receive reads (and deletes) up to 10 messages, with their attributes,
// from a queue.
func (v *ebEnv) receive(t *testing.T, url string) []sqstypes.Message {
	t.Helper()
	out, err := v.sqs.ReceiveMessage(v.ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageAttributeNames: []string{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Messages {
		if _, err := v.sqs.DeleteMessage(v.ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	return out.Messages
}

// rule puts a pattern rule on the default bus with targets.
func (v *ebEnv) rule(t *testing.T, name, pattern string, targets ...ebtypes.Target) string {
	t.Helper()
	out, err := v.eb.PutRule(v.ctx, &awseb.PutRuleInput{Name: aws.String(name), EventPattern: aws.String(pattern)})
	if err != nil {
		t.Fatal(err)
	}
	v.targets(t, name, targets...)
	return *out.RuleArn
}

func (v *ebEnv) targets(t *testing.T, rule string, targets ...ebtypes.Target) {
	t.Helper()
	if len(targets) == 0 {
		return
	}
	out, err := v.eb.PutTargets(v.ctx, &awseb.PutTargetsInput{Rule: aws.String(rule), Targets: targets})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutTargets: %+v", out.FailedEntries)
	}
}

// put sends entries and fails the test on any failed entry.
func (v *ebEnv) put(t *testing.T, entries ...ebtypes.PutEventsRequestEntry) []string {
	t.Helper()
	out, err := v.eb.PutEvents(v.ctx, &awseb.PutEventsInput{Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %d failed: %+v", out.FailedEntryCount, out.Entries)
	}
	ids := make([]string, len(out.Entries))
	for i, en := range out.Entries {
		ids[i] = aws.ToString(en.EventId)
	}
	return ids
}

func orderEntry(detail string) ebtypes.PutEventsRequestEntry {
	return ebtypes.PutEventsRequestEntry{Source: aws.String("com.shop"), DetailType: aws.String("Order Placed"), Detail: aws.String(detail)}
}

// TestEventBridgeRoutesEvolvingEventsToLambda routes a v1 and a v2 shape
// of the same event to a Go handler through a rule, and checks what the
// handler received: AWS's envelope with each version's detail.
func TestEventBridgeRoutesEvolvingEventsToLambda(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	type orderV1 struct {
		OrderID string  `json:"orderId"`
		Total   float64 `json:"total"`
	}
	type orderV2 struct {
		OrderID string `json:"orderId"`
		Amount  struct {
			Value    float64 `json:"value"`
			Currency string  `json:"currency"`
		} `json:"amount"`
		SchemaVersion int `json:"schemaVersion"`
	}
	var mu sync.Mutex
	var got []events.EventBridgeEvent
	if err := v.e.RegisterHandler("orders", func(ctx context.Context, ev events.EventBridgeEvent) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	fn := "arn:aws:lambda:us-east-1:" + emulator.DefaultAccount + ":function:orders"
	ruleArn := v.rule(t, "orders-to-lambda", `{"source":["com.shop"],"detail-type":["Order Placed"]}`,
		ebtypes.Target{Id: aws.String("fn"), Arn: aws.String(fn)})
	ids := v.put(t,
		orderEntry(`{"orderId":"o-1","total":12.5}`),
		orderEntry(`{"orderId":"o-2","amount":{"value":30,"currency":"EUR"},"schemaVersion":2}`),
		ebtypes.PutEventsRequestEntry{Source: aws.String("com.other"), DetailType: aws.String("Order Placed"), Detail: aws.String(`{}`)})
	v.settle(t)

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("handler got %d events, want 2 (the third does not match): %+v", len(got), got)
	}
	byID := map[string]events.EventBridgeEvent{}
	for _, ev := range got {
		byID[ev.ID] = ev
		if ev.Version != "0" || ev.Source != "com.shop" || ev.DetailType != "Order Placed" || ev.AccountID != emulator.DefaultAccount ||
			ev.Region != "us-east-1" || !ev.Time.Equal(ebStart) || len(ev.Resources) != 0 {
			t.Errorf("envelope %+v", ev)
		}
	}
	var v1 orderV1
	if err := json.Unmarshal(byID[ids[0]].Detail, &v1); err != nil || v1.OrderID != "o-1" || v1.Total != 12.5 {
		t.Errorf("v1 detail %s (%v)", byID[ids[0]].Detail, err)
	}
	var v2 orderV2
	if err := json.Unmarshal(byID[ids[1]].Detail, &v2); err != nil || v2.OrderID != "o-2" || v2.Amount.Currency != "EUR" || v2.SchemaVersion != 2 {
		t.Errorf("v2 detail %s (%v)", byID[ids[1]].Detail, err)
	}
	recs := v.e.EventBridge().Deliveries(eventbridgeFilter(ids[1], ruleArn))
	if len(recs) == 0 || recs[len(recs)-1].Final != "Delivered" {
		t.Errorf("delivery records of %s: %+v", ids[1], recs)
	}
}

// TestEventBridgeFailingTargetDeadLettered sends one event to a rule with
// three targets: an API destination that answers 500 (retried on the
// virtual clock, then dead-lettered with the six attributes), a queue
// that does not exist (not retried: dead-lettered at once) and a working
// queue, which gets the event whatever the others do.
func TestEventBridgeFailingTargetDeadLettered(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	var calls atomic.Int32
	var auth atomic.Value
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	v.e.EventBridge().SetAPIDestinationClient(srv.Client())

	conn, err := v.eb.CreateConnection(v.ctx, &awseb.CreateConnectionInput{Name: aws.String("c"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeBasic,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{BasicAuthParameters: &ebtypes.CreateConnectionBasicAuthRequestParameters{
			Username: aws.String("u"), Password: aws.String("p")}}})
	if err != nil {
		t.Fatal(err)
	}
	dest, err := v.eb.CreateApiDestination(v.ctx, &awseb.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: conn.ConnectionArn,
		InvocationEndpoint: aws.String(srv.URL + "/orders"), HttpMethod: ebtypes.ApiDestinationHttpMethodPost})
	if err != nil {
		t.Fatal(err)
	}
	dlqURL, dlqArn := v.queue(t, "dlq", nil)
	okURL, okArn := v.queue(t, "ok", nil)
	missing := "arn:aws:sqs:us-east-1:" + emulator.DefaultAccount + ":no-such-queue"
	ruleArn := v.rule(t, "fanout", `{"source":["com.shop"]}`,
		ebtypes.Target{Id: aws.String("api"), Arn: dest.ApiDestinationArn, RoleArn: aws.String("arn:aws:iam::000000000000:role/r"),
			RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(2), MaximumEventAgeInSeconds: aws.Int32(3600)},
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}},
		ebtypes.Target{Id: aws.String("gone"), Arn: aws.String(missing), DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}},
		ebtypes.Target{Id: aws.String("ok"), Arn: aws.String(okArn)})
	id := v.put(t, orderEntry(`{"orderId":"o-9"}`))[0]
	v.settle(t)

	if n := calls.Load(); n != 1 {
		t.Fatalf("API destination called %d times before the clock moved, want 1", n)
	}
	if a, _ := auth.Load().(string); a != "Basic dTpw" {
		t.Errorf("Authorization %q, want the connection's basic credentials", a)
	}
	if msgs := v.receive(t, okURL); len(msgs) != 1 || !strings.Contains(*msgs[0].Body, id) {
		t.Fatalf("working target got %+v", msgs)
	}
	dead := v.receive(t, dlqURL)
	if len(dead) != 1 {
		t.Fatalf("DLQ before retries ran out: %d messages, want the missing queue's one", len(dead))
	}
	wantAttrs(t, dead[0], map[string]string{"RULE_ARN": ruleArn, "TARGET_ARN": missing, "ERROR_CODE": "NO_RESOURCE", "RETRY_ATTEMPTS": "0"}, "EXHAUSTED_RETRY_CONDITION")

	v.advance(t, time.Second) // first retry (1 s backoff, jittered)
	if n := calls.Load(); n != 2 {
		t.Fatalf("after 1 s: %d calls, want 2", n)
	}
	v.advance(t, 2*time.Second) // second and last retry
	if n := calls.Load(); n != 3 {
		t.Fatalf("after 3 s: %d calls, want 3", n)
	}
	dead = v.receive(t, dlqURL)
	if len(dead) != 1 {
		t.Fatalf("DLQ after the retries: %d messages, want 1", len(dead))
	}
	wantAttrs(t, dead[0], map[string]string{"RULE_ARN": ruleArn, "TARGET_ARN": *dest.ApiDestinationArn, "ERROR_CODE": "THIRD_PARTY_FAILURE",
		"EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "2"}, "")
	if msg := attr(dead[0], "ERROR_MESSAGE"); !strings.Contains(msg, "500") {
		t.Errorf("ERROR_MESSAGE %q", msg)
	}
	var body struct{ ID string }
	if err := json.Unmarshal([]byte(*dead[0].Body), &body); err != nil || body.ID != id {
		t.Errorf("DLQ body %s", *dead[0].Body)
	}
	recs := v.e.EventBridge().Deliveries(eventbridgeFilter(id, ruleArn))
	attempts := 0
	for _, r := range recs {
		if r.TargetID == "api" && r.Final == "" {
			attempts++
		}
	}
	if attempts != 3 {
		t.Errorf("%d recorded attempts to the API destination, want 3: %+v", attempts, recs)
	}
	v.advance(t, time.Hour)
	if n := calls.Load(); n != 3 {
		t.Errorf("the destination was called again after dead-lettering: %d", n)
	}
}

// eventbridgeFilter selects the delivery records of one event and rule.
func eventbridgeFilter(eventID, ruleArn string) eventbridge.DeliveryFilter {
	return eventbridge.DeliveryFilter{EventID: eventID, RuleArn: ruleArn}
}

func attr(m sqstypes.Message, name string) string {
	if a, ok := m.MessageAttributes[name]; ok {
		return aws.ToString(a.StringValue)
	}
	return ""
}

// wantAttrs checks a dead-letter message's attributes; absent must not
// be there.
func wantAttrs(t *testing.T, m sqstypes.Message, want map[string]string, absent string) {
	t.Helper()
	for k, w := range want {
		if got := attr(m, k); got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	if _, ok := m.MessageAttributes["ERROR_MESSAGE"]; !ok {
		t.Errorf("no ERROR_MESSAGE attribute: %+v", m.MessageAttributes)
	}
	if absent != "" {
		if _, ok := m.MessageAttributes[absent]; ok {
			t.Errorf("%s present: %+v", absent, m.MessageAttributes)
		}
	}
}

// TestEventBridgeInputTransformer delivers a transformed event to SQS: a
// JSON template with variables inside and outside quotes and the rule's
// name, and a string template.
func TestEventBridgeInputTransformer(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	jsonURL, jsonArn := v.queue(t, "json", nil)
	strURL, strArn := v.queue(t, "str", nil)
	pathURL, pathArn := v.queue(t, "path", nil)
	paths := map[string]string{"id": "$.detail.orderId", "total": "$.detail.total", "when": "$.time", "items": "$.detail.items"}
	v.rule(t, "transform", `{"source":["com.shop"]}`,
		ebtypes.Target{Id: aws.String("json"), Arn: aws.String(jsonArn), InputTransformer: &ebtypes.InputTransformer{InputPathsMap: paths,
			InputTemplate: aws.String(`{"order": <id>, "total": <total>, "items": <items>, "text": "order <id> at <when>", "rule": <aws.events.rule-name>}`)}},
		ebtypes.Target{Id: aws.String("str"), Arn: aws.String(strArn), InputTransformer: &ebtypes.InputTransformer{InputPathsMap: paths,
			InputTemplate: aws.String(`"Order <id> of <total> placed"`)}},
		ebtypes.Target{Id: aws.String("path"), Arn: aws.String(pathArn), InputPath: aws.String("$.detail.items")})
	v.put(t, orderEntry(`{"orderId":"o-7","total":42,"items":[{"sku":"a"}]}`))
	v.settle(t)
	tests := []struct{ name, url, want string }{
		{"json", jsonURL, `{"order": "o-7", "total": 42, "items": [{"sku":"a"}], "text": "order o-7 at 2026-12-06T22:00:00Z", "rule": "transform"}`},
		{"string", strURL, `"Order o-7 of 42 placed"`},
		{"input path", pathURL, `[{"sku":"a"}]`},
	}
	for _, tc := range tests {
		msgs := v.receive(t, tc.url)
		if len(msgs) != 1 || *msgs[0].Body != tc.want {
			t.Errorf("%s: got %+v, want %s", tc.name, msgs, tc.want)
		}
	}
	_, err := v.eb.PutTargets(v.ctx, &awseb.PutTargetsInput{Rule: aws.String("transform"), Targets: []ebtypes.Target{{Id: aws.String("bad"),
		Arn: aws.String(jsonArn), InputTransformer: &ebtypes.InputTransformer{InputTemplate: aws.String(`"<nope>"`)}}}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || !strings.Contains(ae.ErrorMessage(), "invalid placeholder nope") {
		t.Errorf("PutTargets with an undeclared placeholder: %v", err)
	}
}

// TestEventBridgeScheduleFires checks that moving the clock an hour fires
// an hourly rule once, with the Scheduled Event from aws.events.
func TestEventBridgeScheduleFires(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	url, arn := v.queue(t, "ticks", nil)
	out, err := v.eb.PutRule(v.ctx, &awseb.PutRuleInput{Name: aws.String("hourly"), ScheduleExpression: aws.String("rate(1 hour)")})
	if err != nil {
		t.Fatal(err)
	}
	v.targets(t, "hourly", ebtypes.Target{Id: aws.String("q"), Arn: aws.String(arn)})
	if next := v.e.EventBridge().ScheduledRules()[*out.RuleArn]; !next.Equal(ebStart.Add(time.Hour)) {
		t.Errorf("next firing %v, want %v", next, ebStart.Add(time.Hour))
	}
	v.advance(t, 59*time.Minute)
	if msgs := v.receive(t, url); len(msgs) != 0 {
		t.Fatalf("fired early: %+v", msgs)
	}
	v.advance(t, time.Minute)
	msgs := v.receive(t, url)
	if len(msgs) != 1 {
		t.Fatalf("after an hour: %d events, want 1", len(msgs))
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(*msgs[0].Body), &ev); err != nil {
		t.Fatal(err)
	}
	res, _ := ev["resources"].([]any)
	if ev["source"] != "aws.events" || ev["detail-type"] != "Scheduled Event" || ev["time"] != "2026-12-06T23:00:00Z" ||
		len(res) != 1 || res[0] != *out.RuleArn || ev["account"] != emulator.DefaultAccount {
		t.Errorf("scheduled event %s", *msgs[0].Body)
	}
	if d, ok := ev["detail"].(map[string]any); !ok || len(d) != 0 {
		t.Errorf("detail %v, want {}", ev["detail"])
	}
	if _, err := v.eb.DisableRule(v.ctx, &awseb.DisableRuleInput{Name: aws.String("hourly")}); err != nil {
		t.Fatal(err)
	}
	v.advance(t, 3*time.Hour)
	if msgs := v.receive(t, url); len(msgs) != 0 {
		t.Errorf("a disabled rule fired: %+v", msgs)
	}
}

// TestEventBridgeArchiveAndReplay archives events, replays a time range to
// one rule and checks replay-name, the states and the archive's figures.
func TestEventBridgeArchiveAndReplay(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	busArn := "arn:aws:events:us-east-1:" + emulator.DefaultAccount + ":event-bus/default"
	arch, err := v.eb.CreateArchive(v.ctx, &awseb.CreateArchiveInput{ArchiveName: aws.String("all"), EventSourceArn: aws.String(busArn),
		EventPattern: aws.String(`{"source":["com.shop"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	aURL, aArn := v.queue(t, "replayed", nil)
	bURL, bArn := v.queue(t, "not-replayed", nil)
	ruleA := v.rule(t, "a", `{"source":["com.shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(aArn)})
	v.rule(t, "b", `{"source":["com.shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(bArn)})
	first := v.put(t, orderEntry(`{"n":1}`))[0]
	v.advance(t, time.Minute)
	v.put(t, orderEntry(`{"n":2}`))
	v.settle(t)
	for _, u := range []string{aURL, bURL} {
		if msgs := v.receive(t, u); len(msgs) != 2 {
			t.Fatalf("live delivery: %d messages, want 2", len(msgs))
		}
	}
	d, err := v.eb.DescribeArchive(v.ctx, &awseb.DescribeArchiveInput{ArchiveName: aws.String("all")})
	if err != nil {
		t.Fatal(err)
	}
	if d.EventCount != 2 || d.SizeBytes == 0 {
		t.Errorf("archive EventCount %d SizeBytes %d", d.EventCount, d.SizeBytes)
	}
	_, err = v.eb.StartReplay(v.ctx, &awseb.StartReplayInput{ReplayName: aws.String("r1"), EventSourceArn: arch.ArchiveArn,
		EventStartTime: aws.Time(ebStart), EventEndTime: aws.Time(ebStart.Add(30 * time.Second)),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(busArn), FilterArns: []string{ruleA}}})
	if err != nil {
		t.Fatal(err)
	}
	state := func() ebtypes.ReplayState {
		out, err := v.eb.DescribeReplay(v.ctx, &awseb.DescribeReplayInput{ReplayName: aws.String("r1")})
		if err != nil {
			t.Fatal(err)
		}
		return out.State
	}
	if s := state(); s != ebtypes.ReplayStateStarting {
		t.Errorf("state %s, want STARTING", s)
	}
	v.advance(t, time.Second)
	if s := state(); s != ebtypes.ReplayStateRunning {
		t.Errorf("state %s, want RUNNING", s)
	}
	v.advance(t, time.Second)
	if s := state(); s != ebtypes.ReplayStateCompleted {
		t.Errorf("state %s, want COMPLETED", s)
	}
	msgs := v.receive(t, aURL)
	if len(msgs) != 1 {
		t.Fatalf("replayed to rule a: %d messages, want 1 (the first event only)", len(msgs))
	}
	var ev map[string]any
	_ = json.Unmarshal([]byte(*msgs[0].Body), &ev)
	if ev["id"] != first || ev["replay-name"] != "r1" {
		t.Errorf("replayed event %s", *msgs[0].Body)
	}
	if msgs := v.receive(t, bURL); len(msgs) != 0 {
		t.Errorf("rule b is not in FilterArns but got %+v", msgs)
	}
	if d, _ := v.eb.DescribeArchive(v.ctx, &awseb.DescribeArchiveInput{ArchiveName: aws.String("all")}); d == nil || d.EventCount != 2 {
		t.Errorf("replayed events were archived again: %+v", d)
	}

	// A replay cancelled while STARTING ends CANCELLED and sends nothing.
	if _, err := v.eb.StartReplay(v.ctx, &awseb.StartReplayInput{ReplayName: aws.String("r2"), EventSourceArn: arch.ArchiveArn,
		EventStartTime: aws.Time(ebStart), EventEndTime: aws.Time(ebStart.Add(time.Hour)),
		Destination: &ebtypes.ReplayDestination{Arn: aws.String(busArn)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.eb.CancelReplay(v.ctx, &awseb.CancelReplayInput{ReplayName: aws.String("r2")}); err != nil {
		t.Fatal(err)
	}
	v.advance(t, 5*time.Second)
	if out, err := v.eb.DescribeReplay(v.ctx, &awseb.DescribeReplayInput{ReplayName: aws.String("r2")}); err != nil || out.State != ebtypes.ReplayStateCancelled {
		t.Errorf("cancelled replay: %+v (%v)", out, err)
	}
	if msgs := append(v.receive(t, aURL), v.receive(t, bURL)...); len(msgs) != 0 {
		t.Errorf("a cancelled replay sent %d events", len(msgs))
	}
}

// TestEventBridgePutEventsLimits checks the request limits and per-entry
// failures of PutEvents.
func TestEventBridgePutEventsLimits(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name     string
		entries  []ebtypes.PutEventsRequestEntry
		wantErr  string // whole-call error code
		wantMsg  string
		failures []string // per entry: "" for success, else "Code: message"
	}{
		{name: "eleven entries", entries: make([]ebtypes.PutEventsRequestEntry, 11), wantErr: "ValidationException"},
		{name: "over the size limit", entries: []ebtypes.PutEventsRequestEntry{orderEntry(`{"a":"` + big + `"}`)},
			wantErr: "ValidationException", wantMsg: "Total size of the entries in the request is over the limit."},
		{name: "per entry failures", entries: []ebtypes.PutEventsRequestEntry{
			orderEntry(`{"ok":true}`),
			{DetailType: aws.String("t"), Detail: aws.String("{}")},
			{Source: aws.String("s"), Detail: aws.String("{}")},
			{Source: aws.String("s"), DetailType: aws.String("t")},
			{Source: aws.String("s"), DetailType: aws.String("t"), Detail: aws.String("detail")},
			{Source: aws.String("s"), DetailType: aws.String("t"), Detail: aws.String(`["not","an","object"]`)},
			{Source: aws.String("s"), DetailType: aws.String("t"), Detail: aws.String("{}"), EventBusName: aws.String("nope")},
		}, failures: []string{
			"",
			"InvalidArgument: Parameter Source is not valid. Reason: Source is a required argument.",
			"InvalidArgument: Parameter DetailType is not valid. Reason: DetailType is a required argument.",
			"InvalidArgument: Parameter Detail is not valid. Reason: Detail is a required argument.",
			"MalformedDetail: Detail is malformed.",
			"MalformedDetail: Detail is malformed.",
			"", // AWS accepts an event for a bus that does not exist, and drops it
		}},
	}
	for i := range tests[0].entries {
		tests[0].entries[i] = orderEntry("{}")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := v.eb.PutEvents(v.ctx, &awseb.PutEventsInput{Entries: tc.entries})
			if tc.wantErr != "" {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tc.wantErr || (tc.wantMsg != "" && ae.ErrorMessage() != tc.wantMsg) {
					t.Fatalf("got %v, want %s %s", err, tc.wantErr, tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for i, want := range tc.failures {
				en := out.Entries[i]
				got := ""
				if en.ErrorCode != nil {
					failed++
					got = *en.ErrorCode + ": " + aws.ToString(en.ErrorMessage)
				} else if en.EventId == nil {
					t.Errorf("entry %d: no EventId", i)
				}
				if got != want {
					t.Errorf("entry %d: %q, want %q", i, got, want)
				}
			}
			if int(out.FailedEntryCount) != failed {
				t.Errorf("FailedEntryCount %d, want %d", out.FailedEntryCount, failed)
			}
		})
	}
}

// TestEventBridgeOAuthAPIDestination calls an API destination whose
// connection uses OAuth client credentials: the token comes from a real
// request to the authorization endpoint, is cached until it expires on
// the virtual clock, and the call carries the target's path, query and
// header parameters (some taken from the event).
func TestEventBridgeOAuthAPIDestination(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	var tokens atomic.Int32
	type call struct{ path, query, auth, header, conn, body string }
	calls := make(chan call, 10)
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		_ = r.ParseForm()
		if !ok || id != "client" || secret != "s3cret" || r.PostForm.Get("grant_type") != "client_credentials" || r.Header.Get("X-Tenant") != "t1" {
			http.Error(w, "bad client", http.StatusUnauthorized)
			return
		}
		n := tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok` + string(rune('0'+n)) + `","token_type":"Bearer","expires_in":3600}`))
	})
	mux.HandleFunc("/orders/", func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 4096)
		n, _ := r.Body.Read(body)
		calls <- call{r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("X-Order"), r.Header.Get("X-Conn"), string(body[:n])}
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	v.e.EventBridge().SetAPIDestinationClient(srv.Client())
	conn, err := v.eb.CreateConnection(v.ctx, &awseb.CreateConnectionInput{Name: aws.String("oauth"),
		AuthorizationType: ebtypes.ConnectionAuthorizationTypeOauthClientCredentials,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{
			OAuthParameters: &ebtypes.CreateConnectionOAuthRequestParameters{
				AuthorizationEndpoint: aws.String(srv.URL + "/token"), HttpMethod: ebtypes.ConnectionOAuthHttpMethodPost,
				ClientParameters: &ebtypes.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("client"), ClientSecret: aws.String("s3cret")},
				OAuthHttpParameters: &ebtypes.ConnectionHttpParameters{
					BodyParameters:   []ebtypes.ConnectionBodyParameter{{Key: aws.String("grant_type"), Value: aws.String("client_credentials")}},
					HeaderParameters: []ebtypes.ConnectionHeaderParameter{{Key: aws.String("X-Tenant"), Value: aws.String("t1")}}}},
			InvocationHttpParameters: &ebtypes.ConnectionHttpParameters{
				HeaderParameters: []ebtypes.ConnectionHeaderParameter{{Key: aws.String("X-Conn"), Value: aws.String("c")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if conn.ConnectionState != ebtypes.ConnectionStateAuthorizing {
		t.Errorf("CreateConnection state %s, want AUTHORIZING", conn.ConnectionState)
	}
	v.advance(t, time.Second) // the token request authorizes the connection
	dest, err := v.eb.CreateApiDestination(v.ctx, &awseb.CreateApiDestinationInput{Name: aws.String("orders"), ConnectionArn: conn.ConnectionArn,
		InvocationEndpoint: aws.String(srv.URL + "/orders/*"), HttpMethod: ebtypes.ApiDestinationHttpMethodPut})
	if err != nil {
		t.Fatal(err)
	}
	v.rule(t, "to-api", `{"source":["com.shop"]}`, ebtypes.Target{Id: aws.String("api"), Arn: dest.ApiDestinationArn,
		RoleArn: aws.String("arn:aws:iam::000000000000:role/r"),
		Input:   aws.String(`{"fixed":true}`),
		HttpParameters: &ebtypes.HttpParameters{PathParameterValues: []string{"$.detail.orderId"},
			QueryStringParameters: map[string]string{"src": "$.source", "v": "1"},
			HeaderParameters:      map[string]string{"X-Order": "$.detail.orderId"}}})
	want := func(n int, order, token string) {
		t.Helper()
		select {
		case c := <-calls:
			if c.path != "/orders/"+order || c.query != "src=com.shop&v=1" || c.auth != "Bearer "+token || c.header != order || c.conn != "c" || c.body != `{"fixed":true}` {
				t.Errorf("call %d: %+v", n, c)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("call %d never came", n)
		}
	}
	v.put(t, orderEntry(`{"orderId":"o-1"}`))
	v.settle(t)
	want(1, "o-1", "tok1")
	v.put(t, orderEntry(`{"orderId":"o-2"}`))
	v.advance(t, time.Second) // the destination's rate limit spaces calls
	want(2, "o-2", "tok1")
	if n := tokens.Load(); n != 1 {
		t.Errorf("%d token requests, want 1 (cached)", n)
	}
	v.advance(t, 2*time.Hour) // the token expires
	v.put(t, orderEntry(`{"orderId":"o-3"}`))
	v.advance(t, time.Second)
	want(3, "o-3", "tok2")
	d, err := v.eb.DescribeConnection(v.ctx, &awseb.DescribeConnectionInput{Name: aws.String("oauth")})
	if err != nil || d.ConnectionState != ebtypes.ConnectionStateAuthorized {
		t.Errorf("connection state %v (%v)", d, err)
	}
}

// TestEventBridgeTargetsOfEveryKind delivers one event to a FIFO queue
// (with the target's message group), a Kinesis stream (keyed by
// PartitionKeyPath), an SNS topic, and the bus of another account whose
// policy lets this account put events (the event keeps its account).
func TestEventBridgeTargetsOfEveryKind(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	const other = "111111111111"
	cfgB := v.e.AWSConfig()
	cfgB.Credentials = credentials.NewStaticCredentialsProvider(other, "evolvestack", "")
	ebB, sqsB := awseb.NewFromConfig(cfgB), awssqs.NewFromConfig(cfgB)

	fifoURL, fifoArn := v.queue(t, "orders.fifo", map[string]string{"FifoQueue": "true"})
	kc := awskinesis.NewFromConfig(v.e.AWSConfig())
	if _, err := kc.CreateStream(v.ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	v.advance(t, time.Second) // the stream becomes ACTIVE
	topic, err := awssns.NewFromConfig(v.e.AWSConfig()).CreateTopic(v.ctx, &awssns.CreateTopicInput{Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	snsURL, snsQ := v.queue(t, "from-sns", nil)
	if _, err := awssns.NewFromConfig(v.e.AWSConfig()).Subscribe(v.ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(snsQ), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ebB.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("shared")}); err != nil {
		t.Fatal(err)
	}
	refused, err := v.eb.PutEvents(v.ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{Source: aws.String("com.shop"),
		DetailType: aws.String("x"), Detail: aws.String("{}"), EventBusName: aws.String("arn:aws:events:us-east-1:" + other + ":event-bus/shared")}}})
	if err != nil || refused.FailedEntryCount != 1 || aws.ToString(refused.Entries[0].ErrorCode) != "AccessDeniedException" {
		t.Errorf("PutEvents to another account's bus without its permission: %+v (%v)", refused, err)
	}
	if _, err := ebB.PutPermission(v.ctx, &awseb.PutPermissionInput{EventBusName: aws.String("shared"), Action: aws.String("events:PutEvents"),
		Principal: aws.String(emulator.DefaultAccount), StatementId: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	qB, err := sqsB.CreateQueue(v.ctx, &awssqs.CreateQueueInput{QueueName: aws.String("in-b")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ebB.PutRule(v.ctx, &awseb.PutRuleInput{Name: aws.String("all"), EventBusName: aws.String("shared"), EventPattern: aws.String(`{"source":["com.shop"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ebB.PutTargets(v.ctx, &awseb.PutTargetsInput{Rule: aws.String("all"), EventBusName: aws.String("shared"), Targets: []ebtypes.Target{
		{Id: aws.String("q"), Arn: aws.String("arn:aws:sqs:us-east-1:" + other + ":in-b")}}}); err != nil {
		t.Fatal(err)
	}
	busB := "arn:aws:events:us-east-1:" + other + ":event-bus/shared"
	v.rule(t, "every-kind", `{"source":["com.shop"]}`,
		ebtypes.Target{Id: aws.String("fifo"), Arn: aws.String(fifoArn), SqsParameters: &ebtypes.SqsParameters{MessageGroupId: aws.String("g1")}},
		ebtypes.Target{Id: aws.String("kinesis"), Arn: aws.String("arn:aws:kinesis:us-east-1:" + emulator.DefaultAccount + ":stream/s"),
			RoleArn: aws.String("arn:aws:iam::000000000000:role/r"), KinesisParameters: &ebtypes.KinesisParameters{PartitionKeyPath: aws.String("$.detail.customer")}},
		ebtypes.Target{Id: aws.String("sns"), Arn: topic.TopicArn},
		ebtypes.Target{Id: aws.String("bus"), Arn: aws.String(busB), RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
	id := v.put(t, orderEntry(`{"orderId":"o-1","customer":"c-42"}`))[0]
	v.settle(t)

	fifo, err := v.sqs.ReceiveMessage(v.ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(fifoURL),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameMessageGroupId}})
	if err != nil || len(fifo.Messages) != 1 || fifo.Messages[0].Attributes["MessageGroupId"] != "g1" || !strings.Contains(*fifo.Messages[0].Body, id) {
		t.Errorf("FIFO queue: %+v (%v)", fifo, err)
	}
	shards, err := kc.ListShards(v.ctx, &awskinesis.ListShardsInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	it, err := kc.GetShardIterator(v.ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: shards.Shards[0].ShardId,
		ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := kc.GetRecords(v.ctx, &awskinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(recs.Records) != 1 || aws.ToString(recs.Records[0].PartitionKey) != "c-42" || !strings.Contains(string(recs.Records[0].Data), id) {
		t.Errorf("Kinesis: %+v (%v)", recs, err)
	}
	if msgs := v.receive(t, snsURL); len(msgs) != 1 || !strings.Contains(*msgs[0].Body, id) {
		t.Errorf("SNS: %+v", msgs)
	}
	got, err := sqsB.ReceiveMessage(v.ctx, &awssqs.ReceiveMessageInput{QueueUrl: qB.QueueUrl})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("other account's bus: %+v (%v)", got, err)
	}
	var ev map[string]any
	_ = json.Unmarshal([]byte(*got.Messages[0].Body), &ev)
	if ev["id"] != id || ev["account"] != emulator.DefaultAccount {
		t.Errorf("event on the other account's bus: %s", *got.Messages[0].Body)
	}

	// PutEvents straight to the other account's bus by ARN, allowed by its policy.
	v.put(t, ebtypes.PutEventsRequestEntry{Source: aws.String("com.shop"), DetailType: aws.String("x"), Detail: aws.String("{}"), EventBusName: aws.String(busB)})
	v.settle(t)
	if got, _ := sqsB.ReceiveMessage(v.ctx, &awssqs.ReceiveMessageInput{QueueUrl: qB.QueueUrl}); got == nil || len(got.Messages) != 1 {
		t.Errorf("cross-account PutEvents: %+v", got)
	}
}

// TestEventBridgeEventAgeAndDrops checks the age limit of a retry policy
// (dead-lettered with MaximumEventAgeInSeconds) and that a failure with no
// dead-letter queue is dropped and counted.
func TestEventBridgeEventAgeAndDrops(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	t.Cleanup(srv.Close)
	v.e.EventBridge().SetAPIDestinationClient(srv.Client())
	conn, err := v.eb.CreateConnection(v.ctx, &awseb.CreateConnectionInput{Name: aws.String("k"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeApiKey,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &ebtypes.CreateConnectionApiKeyAuthRequestParameters{
			ApiKeyName: aws.String("X-Key"), ApiKeyValue: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	dest, err := v.eb.CreateApiDestination(v.ctx, &awseb.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: conn.ConnectionArn,
		InvocationEndpoint: aws.String(srv.URL), HttpMethod: ebtypes.ApiDestinationHttpMethodPost})
	if err != nil {
		t.Fatal(err)
	}
	dlqURL, dlqArn := v.queue(t, "dlq", nil)
	role := aws.String("arn:aws:iam::000000000000:role/r")
	v.rule(t, "aged", `{"source":["com.shop"]}`,
		ebtypes.Target{Id: aws.String("aged"), Arn: dest.ApiDestinationArn, RoleArn: role,
			RetryPolicy:      &ebtypes.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(60)},
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}},
		ebtypes.Target{Id: aws.String("nodlq"), Arn: dest.ApiDestinationArn, RoleArn: role,
			RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(0)}})
	v.put(t, orderEntry(`{}`))
	v.settle(t)
	v.advance(t, time.Second) // the destination's rate limit spaces the two calls
	if n := v.e.EventBridge().DroppedEvents(); n != 1 {
		t.Errorf("dropped %d, want 1 (the target without retries or DLQ)", n)
	}
	for range 8 {
		v.advance(t, 15*time.Second)
	}
	dead := v.receive(t, dlqURL)
	if len(dead) != 1 {
		t.Fatalf("DLQ: %d messages, want 1", len(dead))
	}
	if c := attr(dead[0], "EXHAUSTED_RETRY_CONDITION"); c != "MaximumEventAgeInSeconds" {
		t.Errorf("EXHAUSTED_RETRY_CONDITION %q", c)
	}
	if n := v.e.EventBridge().PendingDeliveries(); n != 0 {
		t.Errorf("%d deliveries still pending", n)
	}
}

// BenchmarkEventBridgePutEventsToSQS measures PutEvents of 10 entries over
// HTTP with the SDK (4 concurrent callers), each event matched by one rule
// and delivered to an SQS queue (the time includes draining the
// deliveries), against a null server answering every call with a fixed
// PutEvents response, in alternating rounds. It reports events/s against
// each and their ratio.
func BenchmarkEventBridgePutEventsToSQS(b *testing.B) {
	e := emulator.Start(b)
	ctx := context.Background()
	cfg := e.AWSConfig()
	eb, sq := awseb.NewFromConfig(cfg), awssqs.NewFromConfig(cfg)
	q, err := sq.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &awseb.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["com.shop"]}`)}); err != nil {
		b.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &awseb.PutTargetsInput{Rule: aws.String("r"), Targets: []ebtypes.Target{{Id: aws.String("q"),
		Arn: aws.String("arn:aws:sqs:us-east-1:" + emulator.DefaultAccount + ":bench")}}}); err != nil {
		b.Fatal(err)
	}
	fixed := `{"Entries":[` + strings.TrimSuffix(strings.Repeat(`{"EventId":"11111111-2222-3333-4444-555555555555"},`, 10), ",") + `],"FailedEntryCount":0}`
	null := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(fixed))
	}))
	b.Cleanup(null.Close)
	ncfg := cfg.Copy()
	ncfg.BaseEndpoint = aws.String(null.URL)
	nb := awseb.NewFromConfig(ncfg)
	entries := make([]ebtypes.PutEventsRequestEntry, 10)
	for i := range entries {
		entries[i] = orderEntry(`{"orderId":"o-` + strconv.Itoa(i) + `","total":12.5,"items":[{"sku":"a","qty":1}]}`)
	}
	const clients, perRound = 4, 50
	round := func(c *awseb.Client) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for range perRound / clients {
					out, err := c.PutEvents(ctx, &awseb.PutEventsInput{Entries: entries})
					if err != nil || out.FailedEntryCount != 0 {
						b.Error("PutEvents", err)
						return
					}
				}
			})
		}
		wg.Wait()
		if c == eb {
			for e.EventBridge().PendingDeliveries() > 0 {
				time.Sleep(100 * time.Microsecond)
			}
		}
		return time.Since(start)
	}
	var emu, nul time.Duration
	rounds := 0
	for b.Loop() {
		emu += round(eb)
		nul += round(nb)
		rounds++
		if rounds%20 == 0 {
			_, _ = sq.PurgeQueue(ctx, &awssqs.PurgeQueueInput{QueueUrl: q.QueueUrl})
		}
	}
	events := float64(rounds * (perRound / clients) * clients * len(entries))
	b.ReportMetric(events/emu.Seconds(), "events/s")
	b.ReportMetric(events/nul.Seconds(), "null-events/s")
	b.ReportMetric(nul.Seconds()/emu.Seconds(), "ratio")
}

// TestEventBridgeArchiveRetention checks that archived events older than
// the archive's retention leave it on the virtual clock.
func TestEventBridgeArchiveRetention(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	busArn := "arn:aws:events:us-east-1:" + emulator.DefaultAccount + ":event-bus/default"
	if _, err := v.eb.CreateArchive(v.ctx, &awseb.CreateArchiveInput{ArchiveName: aws.String("day"), EventSourceArn: aws.String(busArn),
		EventPattern: aws.String(`{"source":["com.shop"]}`), RetentionDays: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		d, err := v.eb.DescribeArchive(v.ctx, &awseb.DescribeArchiveInput{ArchiveName: aws.String("day")})
		if err != nil {
			t.Fatal(err)
		}
		return d.EventCount
	}
	v.put(t, orderEntry(`{"n":1}`), orderEntry(`{"n":2}`))
	v.settle(t)
	if n := count(); n != 2 {
		t.Fatalf("EventCount %d, want 2", n)
	}
	v.advance(t, 25*time.Hour)
	v.put(t, orderEntry(`{"n":3}`))
	v.settle(t)
	if n := count(); n != 1 {
		t.Errorf("EventCount %d after a day, want 1", n)
	}
}

// TestEventBridgeBusDeadLetterQueue encrypts the default bus with a
// customer managed key and gives it a dead-letter queue: while the key is
// disabled, custom events reach no rule and land in the bus's queue as an
// "Encrypted Events" event with ERROR_CODE and ERROR_MESSAGE; once the key
// is enabled again they are routed as usual. The bus's settings round-trip
// through DescribeEventBus, and a dead-letter ARN that is not a queue's is
// refused.
func TestEventBridgeBusDeadLetterQueue(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	targetURL, targetArn := v.queue(t, "orders", nil)
	dlqURL, dlqArn := v.queue(t, "bus-dlq", nil)
	const key = "1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, err := v.eb.UpdateEventBus(v.ctx, &awseb.UpdateEventBusInput{Name: aws.String("default"), KmsKeyIdentifier: aws.String(key),
		Description: aws.String("orders bus"), DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}}); err != nil {
		t.Fatal(err)
	}
	d, err := v.eb.DescribeEventBus(v.ctx, &awseb.DescribeEventBusInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.KmsKeyIdentifier) != key || aws.ToString(d.Description) != "orders bus" || d.DeadLetterConfig == nil ||
		aws.ToString(d.DeadLetterConfig.Arn) != dlqArn || d.CreationTime == nil || d.LastModifiedTime == nil {
		t.Fatalf("DescribeEventBus = %+v", d)
	}
	for _, tc := range []struct{ name, arn string }{
		{"lambda", "arn:aws:lambda:us-east-1:000000000000:function:f"},
		{"not-an-arn", "queue"},
	} {
		_, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("b-" + tc.name),
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(tc.arn)}})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
			t.Errorf("%s: CreateEventBus with DLQ %s: %v", tc.name, tc.arn, err)
		}
	}
	v.rule(t, "to-queue", `{"source":["com.shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(targetArn)})

	// Through the admin API, as a test in another language would.
	body, _ := json.Marshal(map[string]any{"key": key, "enabled": false})
	if status := adminDo(t, v.e, http.MethodPost, "/_evolvestack/events/kms-keys", string(body)); status != http.StatusOK {
		t.Fatalf("disabling the key: %d", status)
	}
	ids := v.put(t, orderEntry(`{"orderId":"o-1"}`))
	v.settle(t)
	if got := v.receive(t, targetURL); len(got) != 0 {
		t.Errorf("the rule's queue got %d messages while the key was disabled", len(got))
	}
	dead := v.receive(t, dlqURL)
	if len(dead) != 1 {
		t.Fatalf("bus DLQ: %d messages, want 1", len(dead))
	}
	wantAttrs(t, dead[0], map[string]string{"ERROR_CODE": "NO_PERMISSIONS",
		"ERROR_MESSAGE": "arn:aws:kms:us-east-1:000000000000:key/" + key + " is disabled."}, "RULE_ARN")
	var wrapper struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Detail     struct {
			Bus     string `json:"event-bus-arn"`
			Key     string `json:"kms-key-arn"`
			Payload string `json:"encrypted-payload"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(dead[0].Body)), &wrapper); err != nil {
		t.Fatal(err)
	}
	inner, err := base64.StdEncoding.DecodeString(wrapper.Detail.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var orig struct {
		ID     string `json:"id"`
		Detail struct {
			OrderID string `json:"orderId"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(inner, &orig); err != nil {
		t.Fatal(err)
	}
	if wrapper.Source != "aws.events" || wrapper.DetailType != "Encrypted Events" ||
		wrapper.Detail.Bus != "arn:aws:events:us-east-1:000000000000:event-bus/default" ||
		wrapper.Detail.Key != "arn:aws:kms:us-east-1:000000000000:key/"+key || orig.ID != ids[0] || orig.Detail.OrderID != "o-1" {
		t.Errorf("dead letter %s (payload %s)", aws.ToString(dead[0].Body), inner)
	}

	v.e.EventBridge().EnableKMSKey(key)
	v.put(t, orderEntry(`{"orderId":"o-2"}`))
	v.settle(t)
	if got := v.receive(t, targetURL); len(got) != 1 {
		t.Errorf("the rule's queue got %d messages once the key was enabled, want 1", len(got))
	}
	if got := v.receive(t, dlqURL); len(got) != 0 {
		t.Errorf("bus DLQ got %d more messages", len(got))
	}
	// Clearing the dead-letter queue: a later failure is dropped and counted.
	if _, err := v.eb.UpdateEventBus(v.ctx, &awseb.UpdateEventBusInput{Name: aws.String("default"), KmsKeyIdentifier: aws.String(key),
		DeadLetterConfig: &ebtypes.DeadLetterConfig{}}); err != nil {
		t.Fatal(err)
	}
	if d, err := v.eb.DescribeEventBus(v.ctx, &awseb.DescribeEventBusInput{}); err != nil || d.DeadLetterConfig != nil || aws.ToString(d.Description) != "orders bus" {
		t.Fatalf("DescribeEventBus after clearing the DLQ = %+v (%v)", d, err)
	}
	v.e.EventBridge().DisableKMSKey(key)
	before := v.e.EventBridge().DroppedEvents()
	v.put(t, orderEntry(`{"orderId":"o-3"}`))
	v.settle(t)
	if n := v.e.EventBridge().DroppedEvents() - before; n != 1 {
		t.Errorf("dropped %d, want 1", n)
	}
	// Leaving KmsKeyIdentifier out goes back to an AWS owned key: events flow again.
	if _, err := v.eb.UpdateEventBus(v.ctx, &awseb.UpdateEventBusInput{Name: aws.String("default")}); err != nil {
		t.Fatal(err)
	}
	if d, err := v.eb.DescribeEventBus(v.ctx, &awseb.DescribeEventBusInput{}); err != nil || d.KmsKeyIdentifier != nil {
		t.Fatalf("DescribeEventBus without a key = %+v (%v)", d, err)
	}
	v.put(t, orderEntry(`{"orderId":"o-4"}`))
	v.settle(t)
	if got := v.receive(t, targetURL); len(got) != 1 {
		t.Errorf("the rule's queue got %d messages with an AWS owned key, want 1", len(got))
	}
}

// TestEventBridgeAPIDestinationDeauthorized checks what an API destination
// does once its BASIC connection is refused: the endpoint's 401
// de-authorizes the connection, the destination turns INACTIVE, and the
// retry fails without calling the endpoint and goes to the dead-letter
// queue.
func TestEventBridgeAPIDestinationDeauthorized(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	var calls atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	v.e.EventBridge().SetAPIDestinationClient(srv.Client())
	conn, err := v.eb.CreateConnection(v.ctx, &awseb.CreateConnectionInput{Name: aws.String("c"), AuthorizationType: ebtypes.ConnectionAuthorizationTypeBasic,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{BasicAuthParameters: &ebtypes.CreateConnectionBasicAuthRequestParameters{
			Username: aws.String("u"), Password: aws.String("wrong")}}})
	if err != nil {
		t.Fatal(err)
	}
	dest, err := v.eb.CreateApiDestination(v.ctx, &awseb.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: conn.ConnectionArn,
		InvocationEndpoint: aws.String(srv.URL), HttpMethod: ebtypes.ApiDestinationHttpMethodPost})
	if err != nil {
		t.Fatal(err)
	}
	if dest.ApiDestinationState != ebtypes.ApiDestinationStateActive {
		t.Errorf("CreateApiDestination state %s", dest.ApiDestinationState)
	}
	dlqURL, dlqArn := v.queue(t, "dlq", nil)
	v.rule(t, "to-api", `{"source":["com.shop"]}`, ebtypes.Target{Id: aws.String("api"), Arn: dest.ApiDestinationArn,
		RoleArn: aws.String("arn:aws:iam::000000000000:role/r"), DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(dlqArn)}})
	v.put(t, orderEntry(`{}`))
	v.settle(t)
	dc, err := v.eb.DescribeConnection(v.ctx, &awseb.DescribeConnectionInput{Name: aws.String("c")})
	if err != nil || dc.ConnectionState != ebtypes.ConnectionStateDeauthorized || aws.ToString(dc.StateReason) == "" {
		t.Fatalf("connection after the 401: %+v (%v)", dc, err)
	}
	dd, err := v.eb.DescribeApiDestination(v.ctx, &awseb.DescribeApiDestinationInput{Name: aws.String("d")})
	if err != nil || dd.ApiDestinationState != ebtypes.ApiDestinationStateInactive {
		t.Fatalf("destination after the 401: %+v (%v)", dd, err)
	}
	for range 5 {
		v.advance(t, time.Minute)
	}
	dead := v.receive(t, dlqURL)
	if len(dead) != 1 {
		t.Fatalf("DLQ: %d messages, want 1", len(dead))
	}
	wantAttrs(t, dead[0], map[string]string{"ERROR_CODE": "NO_PERMISSIONS", "RETRY_ATTEMPTS": "1"}, "EXHAUSTED_RETRY_CONDITION")
	if n := calls.Load(); n != 1 {
		t.Errorf("the endpoint was called %d times, want 1 (the retry is refused before the call)", n)
	}
}

// TestEventBridgeAPIDestinationWaitsForAuthorization puts an event for an
// API destination whose OAuth connection is still AUTHORIZING: the first
// attempt fails without a request and is retried, and once the token
// request authorizes the connection the retry reaches the endpoint.
func TestEventBridgeAPIDestinationWaitsForAuthorization(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	var calls, tokens atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","expires_in":3600}`))
	})
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	v.e.EventBridge().SetAPIDestinationClient(srv.Client())
	conn, err := v.eb.CreateConnection(v.ctx, &awseb.CreateConnectionInput{Name: aws.String("o"),
		AuthorizationType: ebtypes.ConnectionAuthorizationTypeOauthClientCredentials,
		AuthParameters: &ebtypes.CreateConnectionAuthRequestParameters{OAuthParameters: &ebtypes.CreateConnectionOAuthRequestParameters{
			AuthorizationEndpoint: aws.String(srv.URL + "/token"), HttpMethod: ebtypes.ConnectionOAuthHttpMethodPost,
			ClientParameters: &ebtypes.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("c"), ClientSecret: aws.String("s")}}}})
	if err != nil {
		t.Fatal(err)
	}
	dest, err := v.eb.CreateApiDestination(v.ctx, &awseb.CreateApiDestinationInput{Name: aws.String("d"), ConnectionArn: conn.ConnectionArn,
		InvocationEndpoint: aws.String(srv.URL + "/hook"), HttpMethod: ebtypes.ApiDestinationHttpMethodPost})
	if err != nil {
		t.Fatal(err)
	}
	if dest.ApiDestinationState != ebtypes.ApiDestinationStateInactive {
		t.Errorf("CreateApiDestination on an AUTHORIZING connection: %s, want INACTIVE", dest.ApiDestinationState)
	}
	ruleArn := v.rule(t, "to-api", `{"source":["com.shop"]}`, ebtypes.Target{Id: aws.String("api"), Arn: dest.ApiDestinationArn,
		RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
	ids := v.put(t, orderEntry(`{}`))
	v.settle(t)
	recs := v.e.EventBridge().Deliveries(eventbridgeFilter(ids[0], ruleArn))
	if len(recs) != 1 || recs[0].Outcome != "Failed" || calls.Load() != 0 {
		t.Fatalf("first attempt: %+v, %d calls", recs, calls.Load())
	}
	for range 30 {
		if calls.Load() > 0 {
			break
		}
		v.advance(t, 10*time.Second)
	}
	if calls.Load() != 1 || tokens.Load() != 1 {
		t.Fatalf("%d calls, %d token requests; want 1 and 1", calls.Load(), tokens.Load())
	}
	d, err := v.eb.DescribeApiDestination(v.ctx, &awseb.DescribeApiDestinationInput{Name: aws.String("d")})
	if err != nil || d.ApiDestinationState != ebtypes.ApiDestinationStateActive {
		t.Errorf("destination once authorized: %+v (%v)", d, err)
	}
}
