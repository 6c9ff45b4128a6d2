package sns

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// fakeSQS records SendMessage calls; queues named in fail refuse them.
type fakeSQS struct {
	mu   sync.Mutex
	sent map[string][]*sqs.SendMessageInput // by queue name
	fail map[string]bool
}

func (f *fakeSQS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: ptr("http://q/" + *in.QueueOwnerAWSAccountId + "/" + *in.QueueName)}, nil
}

func (f *fakeSQS) SendMessage(_ context.Context, in *sqs.SendMessageInput) (*sqs.SendMessageOutput, error) {
	name := (*in.QueueUrl)[strings.LastIndex(*in.QueueUrl, "/")+1:]
	if f.fail[name] {
		return nil, &awsapi.Error{Code: "AWS.SimpleQueueService.NonExistentQueue", Message: "The specified queue does not exist."}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sent == nil {
		f.sent = map[string][]*sqs.SendMessageInput{}
	}
	f.sent[name] = append(f.sent[name], in)
	return &sqs.SendMessageOutput{}, nil
}

// fakeLambda records InvokeEvent calls; it fails when err is set.
type fakeLambda struct {
	mu     sync.Mutex
	events []string
	err    error
}

func (f *fakeLambda) InvokeEvent(_ context.Context, fn string, payload []byte) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, fn+" "+string(payload))
	return "req", nil
}

// matchAttr is a messageFilter accepting messages whose attribute k is v.
type matchAttr struct{ k, v string }

func (m matchAttr) Match(attrs map[string]MessageAttributeValue, _ []byte) bool {
	a, ok := attrs[m.k]
	return ok && deref(a.StringValue) == m.v
}

// deliverEnv is a Service wired to fake SQS and Lambda services.
func deliverEnv(t *testing.T) (*Service, *fakeSQS, *fakeLambda) {
	t.Helper()
	q, l := &fakeSQS{fail: map[string]bool{"gone": true}}, &fakeLambda{}
	s := New(awsapi.Env{
		Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"},
		Clock: clock.New(clock.WithStart(testTime), clock.WithScale(0)),
		Services: func(name string, _ awsapi.Scope) any {
			switch name {
			case "sqs":
				return q
			case "lambda":
				return l
			}
			return nil
		},
		Endpoint: func() string { return testEndpoint },
	})
	s.UseSigningKey(testKey)
	t.Cleanup(func() { _ = s.Close() })
	return s, q, l
}

// settle waits for the deliveries s has queued to run.
func settle(t *testing.T, s *Service) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.env.Clock.Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDeliverToEachProtocol(t *testing.T) {
	t.Parallel()
	s, q, l := deliverEnv(t)
	sub := func(proto, endpoint string, raw bool) *subscription {
		return &subscription{arn: testTopic + ":" + proto + "-sub", topicArn: testTopic, protocol: proto, endpoint: endpoint, raw: raw}
	}
	n := testNotification(func(n *notification) {
		n.subject = ptr("Hi")
		n.attrs = map[string]MessageAttributeValue{"k": {DataType: ptr("String.Array"), StringValue: ptr(`["a"]`)}}
	})
	subs := []*subscription{
		sub("sqs", "arn:aws:sqs:us-east-1:111122223333:env-q", false),
		sub("sqs", "arn:aws:sqs:us-east-1:000000000000:raw-q", true),
		sub("lambda", "arn:aws:lambda:us-east-1:000000000000:function:fn", false),
		sub("email", "a@example.com", false),
		sub("email-json", "b@example.com", false),
		sub("sms", "+15555550100", false),
		sub("https", "https://example.com/hook", false),
		sub("http", "http://example.com/raw", true),
		sub("firehose", "arn:aws:firehose:us-east-1:000000000000:deliverystream/s", true),
		sub("application", "arn:aws:sns:us-east-1:000000000000:endpoint/APNS/app/1", false),
	}
	for _, sb := range subs {
		if err := s.deliverTo(context.Background(), sb, n); err != nil {
			t.Fatalf("%s: %v", sb.protocol, err)
		}
	}
	if got := q.sent["env-q"]; len(got) != 1 || !strings.HasPrefix(*got[0].MessageBody, "{\n  \"Type\" : \"Notification\"") || got[0].MessageAttributes != nil {
		t.Fatalf("envelope queue: %+v", got)
	}
	raw := q.sent["raw-q"]
	if len(raw) != 1 || *raw[0].MessageBody != "hello" || deref(raw[0].MessageAttributes["k"].DataType) != "String" {
		t.Fatalf("raw queue: %+v", raw)
	}
	if len(l.events) != 1 || !strings.HasPrefix(l.events[0], "arn:aws:lambda:us-east-1:000000000000:function:fn {\"Records\":[{\"EventSource\":\"aws:sns\"") {
		t.Fatalf("lambda: %v", l.events)
	}
	// The recorded deliveries, with the key-dependent parts normalised.
	recs := s.Deliveries()
	if len(recs) != 7 {
		t.Fatalf("%d recorded deliveries, want 7", len(recs))
	}
	var b strings.Builder
	for _, d := range recs {
		if !d.Time.Equal(testTime) || d.MessageID != n.messageID || d.TopicArn != testTopic {
			t.Fatalf("delivery metadata %+v", d)
		}
		body := d.Body
		if strings.HasPrefix(body, "{") {
			body = string(normalize(t, []byte(body), stringFields(t, []byte(body))))
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"Protocol": d.Protocol, "Endpoint": d.Endpoint, "Subject": d.Subject,
			"Body": body, "Headers": d.Headers, "Attributes": d.Attributes}); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "deliveries.json", []byte(b.String()))
}

func TestFanOutFiltersAndDeadLetters(t *testing.T) {
	t.Parallel()
	s, q, l := deliverEnv(t)
	tp := &topic{arn: testTopic, name: "orders", account: "000000000000", region: "us-east-1"}
	tp.live = []*subscription{
		{arn: testTopic + ":1", protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:000000000000:match-q", filter: matchAttr{"color", "red"}},
		{arn: testTopic + ":2", protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:000000000000:nomatch-q", filter: matchAttr{"color", "blue"}},
		{arn: testTopic + ":3", protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:000000000000:gone", deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:dlq"},
		{arn: testTopic + ":4", protocol: "lambda", endpoint: "arn:aws:lambda:us-east-1:000000000000:function:fn", raw: false,
			deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:dlq2"},
		{arn: testTopic + ":5", protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:000000000000:gone"}, // no DLQ: logged only
		{arn: testTopic + ":6", protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:000000000000:default-q", filter: map[string]any{"x": []any{"y"}}},
	}
	for _, sb := range tp.live {
		s.subs[sb.arn] = sb
	}
	l.err = &awsapi.Error{Code: "ResourceNotFoundException", Message: "Function not found", Status: 404}
	n := testNotification(func(n *notification) {
		n.attrs = map[string]MessageAttributeValue{"color": {DataType: ptr("String"), StringValue: ptr("red")}}
	})
	s.fanOut(context.Background(), tp, n)
	settle(t, s)
	counts := fmt.Sprintf("match=%d nomatch=%d dlq=%d dlq2=%d default=%d", len(q.sent["match-q"]), len(q.sent["nomatch-q"]),
		len(q.sent["dlq"]), len(q.sent["dlq2"]), len(q.sent["default-q"]))
	if counts != "match=1 nomatch=0 dlq=1 dlq2=1 default=1" {
		t.Fatalf("deliveries %s", counts)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(*q.sent["dlq2"][0].MessageBody), &env); err != nil || env["Message"] != "hello" {
		t.Fatalf("dead-lettered body %s", *q.sent["dlq2"][0].MessageBody)
	}
}

func TestSendConfirmation(t *testing.T) {
	t.Parallel()
	s, q, _ := deliverEnv(t)
	posts := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { posts <- r.Header.Clone() }))
	t.Cleanup(srv.Close)
	tp := &topic{arn: testTopic, name: "orders", account: "000000000000", region: "us-east-1"}
	hook := &subscription{arn: testTopic + ":h", protocol: "http", endpoint: srv.URL + "/hook", token: "tok1", pending: true}
	s.subs[hook.arn] = hook
	for _, sb := range []*subscription{
		hook,
		{arn: testTopic + ":e", protocol: "email", endpoint: "a@example.com", token: "tok2", pending: true},
		{arn: testTopic + ":q", protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:222233334444:x-q", token: "tok3", pending: true},
	} {
		s.sendConfirmation(tp, sb)
	}
	recs := s.Deliveries()
	if len(recs) != 2 {
		t.Fatalf("recorded %+v", recs)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(recs[0].Body), &env); err != nil {
		t.Fatal(err)
	}
	fields := stringFields(t, []byte(recs[0].Body))
	if fields["Type"] != "SubscriptionConfirmation" || fields["Token"] != "tok1" || recs[0].Headers["x-amz-sns-message-type"] != "SubscriptionConfirmation" ||
		fields["SubscribeURL"] != testEndpoint+"/?Action=ConfirmSubscription&TopicArn="+testTopic+"&Token=tok1" {
		t.Fatalf("https confirmation %+v", recs[0])
	}
	pemBytes, _ := testKey.CertPEM()
	verifyAWS(t, pemBytes, fields)
	if !strings.Contains(recs[1].Body, "Token=tok2") || recs[1].Protocol != "email" {
		t.Fatalf("email confirmation %+v", recs[1])
	}
	if got := q.sent["x-q"]; len(got) != 1 || !strings.Contains(*got[0].MessageBody, `"Token" : "tok3"`) {
		t.Fatalf("sqs confirmation %+v", got)
	}
	select {
	case h := <-posts:
		if h.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" || h.Get("x-amz-sns-topic-arn") != testTopic {
			t.Fatalf("confirmation POST headers %v", h)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the confirmation was not POSTed")
	}
}

func TestDeliveriesAreBounded(t *testing.T) {
	t.Parallel()
	var p publishState
	for i := range maxDeliveries + 5 {
		p.record(Delivery{MessageID: fmt.Sprint(i)})
	}
	got := p.recorded()
	if len(got) != maxDeliveries || got[0].MessageID != "5" || got[len(got)-1].MessageID != fmt.Sprint(maxDeliveries+4) {
		t.Fatalf("kept %d, first %s, last %s", len(got), got[0].MessageID, got[len(got)-1].MessageID)
	}
}

func TestFIFOAdmitWindow(t *testing.T) {
	t.Parallel()
	var p publishState
	ids := 0
	newID := func() string { ids++; return fmt.Sprint("m", ids) }
	a, fresh := p.fifoAdmit("t.fifo", "d", testTime, newID)
	if !fresh || a.sequenceNumber != "10000000000000001000" {
		t.Fatalf("first %+v %v", a, fresh)
	}
	b, fresh := p.fifoAdmit("t.fifo", "d", testTime.Add(fifoDedupWindow-1), newID)
	if fresh || b != a {
		t.Fatalf("duplicate %+v %v", b, fresh)
	}
	c, fresh := p.fifoAdmit("t.fifo", "d", testTime.Add(fifoDedupWindow), newID)
	if !fresh || c.sequenceNumber != "10000000000000002000" || c.messageID == a.messageID {
		t.Fatalf("after the window %+v %v", c, fresh)
	}
	other, _ := p.fifoAdmit("u.fifo", "d", testTime, newID)
	if other.sequenceNumber != "10000000000000001000" {
		t.Fatalf("sequence numbers are per topic: %+v", other)
	}
}
