package sns

import (
	"context"
	"errors"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

func newTestService(t *testing.T) *Service {
	t.Helper()
	return New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: clock.New(clock.WithScale(0))})
}

func cpDo[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// TestDeliverableSnapshot checks the seam publishing relies on: snapshots
// hold confirmed subscriptions only and never change after they are taken.
func TestDeliverableSnapshot(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	ctx := context.Background()
	arn := *cpDo[*CreateTopicOutput](t)(s.CreateTopic(ctx, &CreateTopicInput{Name: ptr("t")})).TopicArn
	q := *cpDo[*SubscribeOutput](t)(s.Subscribe(ctx, &SubscribeInput{TopicArn: &arn, Protocol: ptr("sqs"), Endpoint: ptr("arn:aws:sqs:us-east-1:000000000000:q")})).SubscriptionArn
	cpDo[*SubscribeOutput](t)(s.Subscribe(ctx, &SubscribeInput{TopicArn: &arn, Protocol: ptr("https"), Endpoint: ptr("https://example.com")}))
	tp, err := s.topicByARN(arn)
	if err != nil {
		t.Fatal(err)
	}
	if tp.arn != arn || tp.name != "t" || tp.account != "000000000000" || tp.fifo || tp.settings().SignatureVersion != "1" {
		t.Fatalf("topic fields: %+v", tp)
	}
	before := tp.deliverable()
	if len(before) != 1 || before[0].arn != q || before[0].raw {
		t.Fatalf("deliverable = %+v", before)
	}
	cpDo[*SetSubscriptionAttributesOutput](t)(s.SetSubscriptionAttributes(ctx, &SetSubscriptionAttributesInput{SubscriptionArn: &q, AttributeName: ptr("RawMessageDelivery"), AttributeValue: ptr("true")}))
	cpDo[*SetSubscriptionAttributesOutput](t)(s.SetSubscriptionAttributes(ctx, &SetSubscriptionAttributesInput{SubscriptionArn: &q, AttributeName: ptr("RedrivePolicy"),
		AttributeValue: ptr(`{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"}`)}))
	if before[0].raw {
		t.Fatal("an attribute change altered a snapshot taken before it")
	}
	after := tp.deliverable()
	if !after[0].raw || after[0].deadLetterTargetArn != "arn:aws:sqs:us-east-1:000000000000:dlq" {
		t.Fatalf("new snapshot = %+v", after[0])
	}
	cpDo[*UnsubscribeOutput](t)(s.Unsubscribe(ctx, &UnsubscribeInput{SubscriptionArn: &q}))
	if len(after) != 1 || len(tp.deliverable()) != 0 {
		t.Fatalf("after unsubscribe: old %d, new %d", len(after), len(tp.deliverable()))
	}
	if _, err := s.topicByARN(arn + "x"); err == nil {
		t.Fatal("topicByARN found a missing topic")
	}
}

// TestCompileFilterSeam checks that the filter compiler is consulted with
// the scope and that its result is stored on the subscription.
func TestCompileFilterSeam(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	type compiled struct{ policy, scope string }
	s.compileFilter = func(p []byte, scope string) (any, error) {
		if string(p) == `{"bad":true}` {
			return nil, errors.New("Match value must be String, number, true, false, or null")
		}
		return compiled{string(p), scope}, nil
	}
	ctx := context.Background()
	arn := *cpDo[*CreateTopicOutput](t)(s.CreateTopic(ctx, &CreateTopicInput{Name: ptr("t")})).TopicArn
	sub := *cpDo[*SubscribeOutput](t)(s.Subscribe(ctx, &SubscribeInput{TopicArn: &arn, Protocol: ptr("sqs"), Endpoint: ptr("arn:aws:sqs:us-east-1:000000000000:q"),
		Attributes: map[string]string{"FilterPolicy": `{"a":["b"]}`, "FilterPolicyScope": "MessageBody"}})).SubscriptionArn
	tp, _ := s.topicByARN(arn)
	if got := tp.deliverable()[0].filter; got != (compiled{`{"a":["b"]}`, "MessageBody"}) {
		t.Fatalf("filter = %#v", got)
	}
	_, err := s.SetSubscriptionAttributes(ctx, &SetSubscriptionAttributesInput{SubscriptionArn: &sub, AttributeName: ptr("FilterPolicy"), AttributeValue: ptr(`{"bad":true}`)})
	if e, ok := awsapi.AsError(err); !ok || e.Code != "InvalidParameter" ||
		e.Message != "Invalid parameter: FilterPolicy: Match value must be String, number, true, false, or null" {
		t.Fatalf("compiler error = %v", err)
	}
	if s.filterPolicies != 1 {
		t.Fatalf("filterPolicies = %d", s.filterPolicies)
	}
}

func TestPolicyAllows(t *testing.T) {
	t.Parallel()
	const topicARN = "arn:aws:sns:us-east-1:111111111111:t"
	def := defaultPolicy(topicARN, "111111111111")
	cases := []struct {
		desc, policy, account, action string
		want                          bool
	}{
		{"default denies others", def, "222222222222", "SNS:Publish", false},
		{"default allows owner condition", def, "111111111111", "SNS:Publish", true},
		{"star principal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sns:Publish"}]}`, "2", "SNS:Publish", true},
		{"account principal", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::2:root"]},"Action":["SNS:*"]}]}`, "2", "SNS:Subscribe", true},
		{"other action", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"SNS:Publish"}]}`, "2", "SNS:Subscribe", false},
		{"deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":{"AWS":"2"},"Action":"SNS:Publish"}]}`, "2", "SNS:Publish", false},
		{"source account condition", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"SNS:Publish","Condition":{"StringEquals":{"aws:SourceAccount":"3"}}}]}`, "2", "SNS:Publish", false},
		{"broken policy", `{`, "2", "SNS:Publish", false},
	}
	for _, tc := range cases {
		if got := policyAllows(tc.policy, tc.account, tc.action); got != tc.want {
			t.Errorf("%s: policyAllows = %v, want %v", tc.desc, got, tc.want)
		}
	}
}

func TestValidationErrorCode(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	err := (&SubscribeInput{}).Validate()
	e := s.ValidationError(err)
	if e.Code != "ValidationError" || e.Message != "2 validation errors detected: Value null at 'topicArn' failed to satisfy constraint: Member must not be null; Value null at 'protocol' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("ValidationError = %s %q", e.Code, e.Message)
	}
}

func TestPageTokens(t *testing.T) {
	t.Parallel()
	items := []paged[int]{{3, 3}, {1, 1}, {2, 2}, {5, 5}}
	cases := []struct {
		token    *string
		size     int
		want     []int
		wantNext bool
		wantErr  bool
	}{
		{nil, 2, []int{1, 2}, true, false},
		{ptr(encodeToken(3)), 2, []int{3, 5}, false, false},
		{ptr(encodeToken(4)), 2, []int{5}, false, false}, // item 4 was deleted: resume at the next one
		{ptr("!!"), 2, nil, false, true},
	}
	for i, tc := range cases {
		got, next, err := page(append([]paged[int](nil), items...), tc.token, tc.size)
		if (err != nil) != tc.wantErr || (next != nil) != tc.wantNext || len(got) != len(tc.want) {
			t.Fatalf("case %d: %v %v %v", i, got, next, err)
		}
		for j := range got {
			if got[j] != tc.want[j] {
				t.Fatalf("case %d: %v, want %v", i, got, tc.want)
			}
		}
	}
}

// TestConcurrentControlPlane races subscription changes against readers of
// the deliverable snapshot (run with -race).
func TestConcurrentControlPlane(t *testing.T) {
	t.Parallel()
	s := newTestService(t)
	ctx := context.Background()
	arn := *cpDo[*CreateTopicOutput](t)(s.CreateTopic(ctx, &CreateTopicInput{Name: ptr("busy")})).TopicArn
	tp, _ := s.topicByARN(arn)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 2000 {
			for _, sub := range tp.deliverable() {
				_ = sub.raw && sub.endpoint != "" && sub.filter == nil
			}
			_ = tp.settings()
		}
	}()
	errs := make(chan error, 8)
	for w := range 8 {
		go func() {
			q := ptr("arn:aws:sqs:us-east-1:000000000000:q" + string(rune('a'+w)))
			for range 50 {
				out, err := s.Subscribe(ctx, &SubscribeInput{TopicArn: &arn, Protocol: ptr("sqs"), Endpoint: q})
				if err == nil {
					_, err = s.SetSubscriptionAttributes(ctx, &SetSubscriptionAttributesInput{SubscriptionArn: out.SubscriptionArn,
						AttributeName: ptr("RawMessageDelivery"), AttributeValue: ptr("true")})
				}
				if err == nil {
					_, err = s.Unsubscribe(ctx, &UnsubscribeInput{SubscriptionArn: out.SubscriptionArn})
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	<-done
	if n := len(tp.deliverable()); n != 0 {
		t.Fatalf("%d subscriptions left", n)
	}
	if got := tp.attributes()["SubscriptionsDeleted"]; got != "400" {
		t.Fatalf("SubscriptionsDeleted = %s, want 400", got)
	}
}
