package sns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// persistRig is a journaled service wired to fake SQS and Lambda services
// and an HTTP endpoint that fails while failing is set.
type persistRig struct {
	t       *testing.T
	s       *Service
	j       *awsapi.MemoryJournal
	sqs     *fakeSQS
	lambda  *fakeLambda
	srv     *httptest.Server
	failing *atomic.Bool
	hits    *atomic.Int32
	bodies  *sync.Map // message id → POST count
}

func newPersistRig(t *testing.T) *persistRig {
	t.Helper()
	r := &persistRig{t: t, sqs: &fakeSQS{fail: map[string]bool{"gone": true}},
		lambda:  &fakeLambda{err: &awsapi.Error{Code: "ServiceException", Message: "busy", Status: http.StatusInternalServerError}},
		failing: &atomic.Bool{}, hits: &atomic.Int32{}, bodies: &sync.Map{}}
	r.failing.Store(true)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		id := req.Header.Get("x-amz-sns-message-id")
		n, _ := r.bodies.LoadOrStore(id, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		if r.failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(r.srv.Close)
	r.s = r.service(clock.New(clock.WithStart(testTime), clock.WithScale(0)), &awsapi.MemoryJournal{})
	r.j = r.s.env.Journal.(*awsapi.MemoryJournal)
	return r
}

// service makes a service of the rig's scope and fakes on clk with j.
func (r *persistRig) service(clk *clock.Clock, j *awsapi.MemoryJournal) *Service {
	s := New(awsapi.Env{
		Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"},
		Clock: clk,
		Services: func(name string, _ awsapi.Scope) any {
			switch name {
			case "sqs":
				return r.sqs
			case "lambda":
				return r.lambda
			}
			return nil
		},
		Endpoint: func() string { return testEndpoint },
		Journal:  j,
	})
	s.UseSigningKey(testKey)
	r.t.Cleanup(func() { _ = s.Close() })
	return s
}

// restart replays entries into a fresh service on a clock at s's time.
func (r *persistRig) restart(entries []awsapi.JournalEntry) *Service {
	r.t.Helper()
	s := r.service(clock.New(clock.WithStart(r.s.now()), clock.WithScale(0)), &awsapi.MemoryJournal{})
	if err := awsapi.Replay(s, entries); err != nil {
		r.t.Fatal(err)
	}
	return s
}

var ctx0 = context.Background()

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func advance(t *testing.T, s *Service, d time.Duration) {
	t.Helper()
	settle(t, s)
	if err := s.env.Clock.Advance(d); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
}

func (r *persistRig) topic(name string, attrs map[string]string, tags ...Tag) string {
	r.t.Helper()
	return *must[*CreateTopicOutput](r.t)(r.s.CreateTopic(ctx0, &CreateTopicInput{Name: ptr(name), Attributes: attrs, Tags: tags})).TopicArn
}

func (r *persistRig) subscribe(topic, proto, endpoint string, attrs map[string]string) string {
	r.t.Helper()
	return *must[*SubscribeOutput](r.t)(r.s.Subscribe(ctx0, &SubscribeInput{TopicArn: ptr(topic), Protocol: ptr(proto),
		Endpoint: ptr(endpoint), Attributes: attrs, ReturnSubscriptionArn: ptr(true)})).SubscriptionArn
}

func (r *persistRig) publish(in *PublishInput) *PublishOutput {
	r.t.Helper()
	return must[*PublishOutput](r.t)(r.s.Publish(ctx0, in))
}

// scenarios drive the service through every state-changing operation.
var persistScenarios = []struct {
	name string
	run  func(r *persistRig)
	// after checks that the restored service goes on working as the
	// original would have.
	after func(t *testing.T, r *persistRig, s *Service)
}{
	{name: "topics", run: func(r *persistRig) {
		t := r.t
		a := r.topic("orders", map[string]string{"DisplayName": "Orders", "DeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"numRetries":5}}}`},
			Tag{Key: ptr("team"), Value: ptr("core")})
		must[*SetTopicAttributesOutput](t)(r.s.SetTopicAttributes(ctx0, &SetTopicAttributesInput{TopicArn: &a,
			AttributeName: ptr("DisplayName"), AttributeValue: ptr("Orders!")}))
		must[*SetTopicAttributesOutput](t)(r.s.SetTopicAttributes(ctx0, &SetTopicAttributesInput{TopicArn: &a,
			AttributeName: ptr("SignatureVersion"), AttributeValue: ptr("2")}))
		must[*TagResourceOutput](t)(r.s.TagResource(ctx0, &TagResourceInput{ResourceArn: &a,
			Tags: []Tag{{Key: ptr("env"), Value: ptr("test")}, {Key: ptr("gone"), Value: ptr("x")}}}))
		must[*UntagResourceOutput](t)(r.s.UntagResource(ctx0, &UntagResourceInput{ResourceArn: &a, TagKeys: []string{"gone"}}))
		must[*AddPermissionOutput](t)(r.s.AddPermission(ctx0, &AddPermissionInput{TopicArn: &a, Label: ptr("p1"),
			AWSAccountId: []string{"111122223333"}, ActionName: []string{"Publish"}}))
		must[*AddPermissionOutput](t)(r.s.AddPermission(ctx0, &AddPermissionInput{TopicArn: &a, Label: ptr("p2"),
			AWSAccountId: []string{"111122223333"}, ActionName: []string{"Subscribe"}}))
		must[*RemovePermissionOutput](t)(r.s.RemovePermission(ctx0, &RemovePermissionInput{TopicArn: &a, Label: ptr("p1")}))
		must[*PutDataProtectionPolicyOutput](t)(r.s.PutDataProtectionPolicy(ctx0, &PutDataProtectionPolicyInput{ResourceArn: &a,
			DataProtectionPolicy: ptr(`{"Name":"p","Description":"","Version":"2021-06-01","Statement":[{"Sid":"s","DataDirection":"Inbound","Principal":["*"],"DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],"Operation":{"Deny":{}}}]}`)}))
		r.topic("events.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"})
		b := r.topic("doomed", nil)
		must[*DeleteTopicOutput](t)(r.s.DeleteTopic(ctx0, &DeleteTopicInput{TopicArn: &b}))
	}, after: func(t *testing.T, r *persistRig, s *Service) {
		// A new topic lists after the restored ones.
		must[*CreateTopicOutput](t)(s.CreateTopic(ctx0, &CreateTopicInput{Name: ptr("zz-new")}))
		must[*CreateTopicOutput](t)(s.CreateTopic(ctx0, &CreateTopicInput{Name: ptr("aa-new")}))
		out := must[*ListTopicsOutput](t)(s.ListTopics(ctx0, &ListTopicsInput{}))
		var names []string
		for _, tp := range out.Topics {
			names = append(names, lastPart(*tp.TopicArn))
		}
		if want := []string{"orders", "events.fifo", "zz-new", "aa-new"}; !slices.Equal(names, want) {
			t.Errorf("ListTopics after the restart = %v, want %v", names, want)
		}
	}},
	{name: "subscriptions", run: func(r *persistRig) {
		t := r.t
		a := r.topic("orders", nil)
		q := r.subscribe(a, "sqs", queueARNOf("orders-q"), map[string]string{"RawMessageDelivery": "true",
			"FilterPolicy": `{"kind":["big"]}`, "RedrivePolicy": `{"deadLetterTargetArn":"` + queueARNOf("dlq") + `"}`})
		must[*SetSubscriptionAttributesOutput](t)(r.s.SetSubscriptionAttributes(ctx0, &SetSubscriptionAttributesInput{
			SubscriptionArn: &q, AttributeName: ptr("FilterPolicyScope"), AttributeValue: ptr("MessageBody")}))
		r.subscribe(a, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:fn", nil)
		old := r.subscribe(a, "email", "old@example.com", nil)
		advance(t, r.s, 47*time.Hour)
		r.subscribe(a, "email", "pending@example.com", nil)
		confirmed := r.subscribe(a, "email-json", "c@example.com", nil)
		tok, _ := r.s.ConfirmationToken(confirmed)
		must[*ConfirmSubscriptionOutput](t)(r.s.ConfirmSubscription(ctx0, &ConfirmSubscriptionInput{TopicArn: &a, Token: &tok,
			AuthenticateOnUnsubscribe: ptr("true")}))
		gone := r.subscribe(a, "sms", "+15555550100", nil)
		must[*UnsubscribeOutput](t)(r.s.Unsubscribe(ctx0, &UnsubscribeInput{SubscriptionArn: &gone}))
		// The first pending subscription expires (48 hours).
		advance(t, r.s, 2*time.Hour)
		must[*GetTopicAttributesOutput](t)(r.s.GetTopicAttributes(ctx0, &GetTopicAttributesInput{TopicArn: &a}))
		if _, ok := r.s.ConfirmationToken(old); ok {
			t.Fatal("the expired subscription is still pending")
		}
		b := r.topic("doomed", nil)
		r.subscribe(b, "sqs", queueARNOf("doomed-q"), nil)
		must[*DeleteTopicOutput](t)(r.s.DeleteTopic(ctx0, &DeleteTopicInput{TopicArn: &b}))
	}, after: func(t *testing.T, r *persistRig, s *Service) {
		// The pending subscription confirms with its token; it expires
		// 48 hours after it was made otherwise.
		a := s.arn("orders")
		pending := s.PendingConfirmations(a)
		if len(pending) != 1 {
			t.Fatalf("pending after the restart: %v", pending)
		}
		for endpoint, tok := range pending {
			out := must[*ConfirmSubscriptionOutput](t)(s.ConfirmSubscription(ctx0, &ConfirmSubscriptionInput{TopicArn: &a, Token: &tok}))
			attrs := must[*GetSubscriptionAttributesOutput](t)(s.GetSubscriptionAttributes(ctx0,
				&GetSubscriptionAttributesInput{SubscriptionArn: out.SubscriptionArn})).Attributes
			if attrs["Endpoint"] != endpoint || attrs["PendingConfirmation"] != "false" {
				t.Errorf("confirmed %v, want %s confirmed", attrs, endpoint)
			}
		}
		// A new subscription lists after the restored ones.
		fresh := r.subscribe2(s, a, "sqs", queueARNOf("fresh-q"))
		subs := must[*ListSubscriptionsByTopicOutput](t)(s.ListSubscriptionsByTopic(ctx0, &ListSubscriptionsByTopicInput{TopicArn: &a})).Subscriptions
		if last := subs[len(subs)-1]; *last.SubscriptionArn != fresh {
			t.Errorf("the new subscription lists at %v", subs)
		}
		// The raw, filtered subscription still filters on the body and
		// delivers raw.
		r.publish2(s, &PublishInput{TopicArn: &a, Message: ptr(`{"kind":"small"}`)})
		r.publish2(s, &PublishInput{TopicArn: &a, Message: ptr(`{"kind":"big"}`)})
		settle(t, s)
		r.sqs.mu.Lock()
		got := r.sqs.sent["orders-q"]
		r.sqs.mu.Unlock()
		if len(got) != 1 || *got[0].MessageBody != `{"kind":"big"}` {
			t.Errorf("orders-q got %d messages", len(got))
		}
	}},
	{name: "platform and sms", run: func(r *persistRig) {
		t := r.t
		app := *must[*CreatePlatformApplicationOutput](t)(r.s.CreatePlatformApplication(ctx0, &CreatePlatformApplicationInput{
			Name: ptr("app"), Platform: ptr("GCM"), Attributes: map[string]string{"PlatformCredential": "key"}})).PlatformApplicationArn
		must[*SetPlatformApplicationAttributesOutput](t)(r.s.SetPlatformApplicationAttributes(ctx0, &SetPlatformApplicationAttributesInput{
			PlatformApplicationArn: &app, Attributes: map[string]string{"EventEndpointCreated": s3Topic, "Enabled": "False"}}))
		e1 := *must[*CreatePlatformEndpointOutput](t)(r.s.CreatePlatformEndpoint(ctx0, &CreatePlatformEndpointInput{
			PlatformApplicationArn: &app, Token: ptr("tok1"), CustomUserData: ptr("u1")})).EndpointArn
		e2 := *must[*CreatePlatformEndpointOutput](t)(r.s.CreatePlatformEndpoint(ctx0, &CreatePlatformEndpointInput{
			PlatformApplicationArn: &app, Token: ptr("tok2")})).EndpointArn
		must[*DeleteEndpointOutput](t)(r.s.DeleteEndpoint(ctx0, &DeleteEndpointInput{EndpointArn: &e2}))
		must[*SetEndpointAttributesOutput](t)(r.s.SetEndpointAttributes(ctx0, &SetEndpointAttributesInput{EndpointArn: &e1,
			Attributes: map[string]string{"Token": "tok1b", "Enabled": "FALSE"}}))
		other := *must[*CreatePlatformApplicationOutput](t)(r.s.CreatePlatformApplication(ctx0, &CreatePlatformApplicationInput{
			Name: ptr("other"), Platform: ptr("ADM"), Attributes: map[string]string{"PlatformCredential": "k", "PlatformPrincipal": "p"}})).PlatformApplicationArn
		must[*CreatePlatformEndpointOutput](t)(r.s.CreatePlatformEndpoint(ctx0, &CreatePlatformEndpointInput{PlatformApplicationArn: &other, Token: ptr("t")}))
		must[*DeletePlatformApplicationOutput](t)(r.s.DeletePlatformApplication(ctx0, &DeletePlatformApplicationInput{PlatformApplicationArn: &other}))

		must[*SetSMSAttributesOutput](t)(r.s.SetSMSAttributes(ctx0, &SetSMSAttributesInput{Attributes: map[string]string{
			"DefaultSMSType": "Transactional", "DefaultSenderID": "Me"}}))
		for _, n := range []string{"+15555550101", "+15555550102", "+15555550103"} {
			if err := r.s.OptOutPhoneNumber(n); err != nil {
				t.Fatal(err)
			}
		}
		must[*OptInPhoneNumberOutput](t)(r.s.OptInPhoneNumber(ctx0, &OptInPhoneNumberInput{PhoneNumber: ptr("+15555550102")}))
		for _, n := range []string{"+15555550201", "+15555550202", "+15555550203"} {
			must[*CreateSMSSandboxPhoneNumberOutput](t)(r.s.CreateSMSSandboxPhoneNumber(ctx0, &CreateSMSSandboxPhoneNumberInput{PhoneNumber: ptr(n)}))
		}
		must[*CreateSMSSandboxPhoneNumberOutput](t)(r.s.CreateSMSSandboxPhoneNumber(ctx0, &CreateSMSSandboxPhoneNumberInput{PhoneNumber: ptr("+15555550203")}))
		otp, _ := r.s.SandboxOneTimePassword("+15555550201")
		must[*VerifySMSSandboxPhoneNumberOutput](t)(r.s.VerifySMSSandboxPhoneNumber(ctx0, &VerifySMSSandboxPhoneNumberInput{
			PhoneNumber: ptr("+15555550201"), OneTimePassword: &otp}))
		must[*DeleteSMSSandboxPhoneNumberOutput](t)(r.s.DeleteSMSSandboxPhoneNumber(ctx0, &DeleteSMSSandboxPhoneNumberInput{PhoneNumber: ptr("+15555550202")}))
		r.s.SetSMSSandbox(true)
		r.s.SetSMSSandbox(false)
	}, after: func(t *testing.T, r *persistRig, s *Service) {
		// The one-time password sent before the restart still verifies.
		otp, ok := s.SandboxOneTimePassword("+15555550203")
		if !ok {
			t.Fatal("no one-time password after the restart")
		}
		must[*VerifySMSSandboxPhoneNumberOutput](t)(s.VerifySMSSandboxPhoneNumber(ctx0, &VerifySMSSandboxPhoneNumberInput{
			PhoneNumber: ptr("+15555550203"), OneTimePassword: &otp}))
		// The token index survived: the same token answers the same
		// endpoint.
		app := s.arn("app/GCM/app")
		out, err := s.CreatePlatformEndpoint(ctx0, &CreatePlatformEndpointInput{PlatformApplicationArn: &app, Token: ptr("tok1b"),
			Attributes: map[string]string{"Enabled": "false", "CustomUserData": "u1"}})
		if err != nil || !strings.Contains(*out.EndpointArn, "endpoint/GCM/app/") {
			t.Fatalf("CreatePlatformEndpoint with the restored token: %v", err)
		}
	}},
	{name: "fifo and pending deliveries", run: func(r *persistRig) {
		t := r.t
		f := r.topic("events.fifo", map[string]string{"FifoTopic": "true"})
		r.subscribe(f, "sqs", queueARNOf("events.fifo"), nil)
		for i := range 3 {
			r.publish(&PublishInput{TopicArn: &f, Message: ptr(fmt.Sprint("m", i)), MessageGroupId: ptr("g"),
				MessageDeduplicationId: ptr(fmt.Sprint("d", i))})
		}
		advance(t, r.s, 4*time.Minute)
		r.publish(&PublishInput{TopicArn: &f, Message: ptr("m3"), MessageGroupId: ptr("g"), MessageDeduplicationId: ptr("d3")})
		advance(t, r.s, 2*time.Minute)
		// d0-d2 leave the window at this publish.
		r.publish(&PublishInput{TopicArn: &f, Message: ptr("m4"), MessageGroupId: ptr("g"), MessageDeduplicationId: ptr("d4")})

		// An HTTP(S) subscription whose confirmation and notifications
		// fail and wait for retries; a Lambda one whose function is busy.
		a := r.topic("hooks", map[string]string{"DeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"numRetries":10,"numNoDelayRetries":0,"minDelayTarget":20,"maxDelayTarget":20,"numMinDelayRetries":0,"numMaxDelayRetries":0,"backoffFunction":"linear"}}}`})
		h := r.subscribe(a, "http", r.srv.URL+"/hook", map[string]string{"RawMessageDelivery": "false"})
		settle(t, r.s)
		tok, _ := r.s.ConfirmationToken(h)
		must[*ConfirmSubscriptionOutput](t)(r.s.ConfirmSubscription(ctx0, &ConfirmSubscriptionInput{TopicArn: &a, Token: &tok}))
		r.subscribe(a, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:busy", nil)
		r.publish(&PublishInput{TopicArn: &a, Message: ptr("hello"), Subject: ptr("Hi"),
			MessageAttributes: map[string]MessageAttributeValue{"k": {DataType: ptr("String"), StringValue: ptr("v")},
				"b": {DataType: ptr("Binary"), BinaryValue: []byte{0, 1, 2}}}})
		advance(t, r.s, 25*time.Second)
		if r.s.PendingDeliveries() != 3 {
			t.Fatalf("%d deliveries pending, want 3 (confirmation, notification, Lambda)", r.s.PendingDeliveries())
		}
	}, after: func(t *testing.T, r *persistRig, s *Service) {
		f := s.arn("events.fifo")
		// A duplicate within the window answers as before; a new id gets
		// the next sequence number.
		dup := r.publish2(s, &PublishInput{TopicArn: &f, Message: ptr("x"), MessageGroupId: ptr("g"), MessageDeduplicationId: ptr("d3")})
		orig := r.dedup(f, "d3")
		if *dup.MessageId != orig.messageID || *dup.SequenceNumber != orig.sequenceNumber {
			t.Errorf("duplicate after the restart: %s %s, want %s %s", *dup.MessageId, *dup.SequenceNumber, orig.messageID, orig.sequenceNumber)
		}
		next := r.publish2(s, &PublishInput{TopicArn: &f, Message: ptr("y"), MessageGroupId: ptr("g"), MessageDeduplicationId: ptr("d0")})
		if *next.SequenceNumber != sequenceNumber(6) {
			t.Errorf("new publish's sequence number %s, want %s", *next.SequenceNumber, sequenceNumber(6))
		}
		// The pending HTTP retries are made on their schedule, numbered
		// on from before the restart, and end when the endpoint answers.
		hits := r.hits.Load()
		r.failing.Store(false)
		advance(t, s, 20*time.Second)
		if r.hits.Load() != hits+2 {
			t.Errorf("%d POSTs after the restart, want 2 (confirmation, notification)", r.hits.Load()-hits)
		}
		for _, a := range s.DeliveryAttempts(AttemptFilter{}) {
			if a.Protocol == "http" && (a.Attempt < 2 || a.Outcome != "Success") {
				t.Errorf("HTTP attempt after the restart: %+v", a)
			}
		}
		if n := s.PendingDeliveries(); n != 1 {
			t.Errorf("%d deliveries pending, want 1 (the Lambda one)", n)
		}
	}},
}

// subscribe2 subscribes on s.
func (r *persistRig) subscribe2(s *Service, topic, proto, endpoint string) string {
	r.t.Helper()
	return *must[*SubscribeOutput](r.t)(s.Subscribe(ctx0, &SubscribeInput{TopicArn: ptr(topic), Protocol: ptr(proto),
		Endpoint: ptr(endpoint), ReturnSubscriptionArn: ptr(true)})).SubscriptionArn
}

// publish2 publishes on s.
func (r *persistRig) publish2(s *Service, in *PublishInput) *PublishOutput {
	r.t.Helper()
	return must[*PublishOutput](r.t)(s.Publish(ctx0, in))
}

// dedup returns the original service's deduplication entry.
func (r *persistRig) dedup(topicArn, id string) fifoSent {
	r.s.pub.mu.Lock()
	defer r.s.pub.mu.Unlock()
	return r.s.pub.fifo[topicArn].dedup[id]
}

const s3Topic = "arn:aws:sns:us-east-1:000000000000:app-events"

func queueARNOf(name string) string { return "arn:aws:sqs:us-east-1:000000000000:" + name }

// readState renders everything the read operations answer, for comparing
// a service with its restored self.
func readState(t *testing.T, s *Service) string {
	t.Helper()
	var b strings.Builder
	put := func(what string, v any) {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %s\n", what, j)
	}
	topics := must[*ListTopicsOutput](t)(s.ListTopics(ctx0, &ListTopicsInput{}))
	put("topics", topics)
	for _, tp := range topics.Topics {
		put("attrs", must[*GetTopicAttributesOutput](t)(s.GetTopicAttributes(ctx0, &GetTopicAttributesInput{TopicArn: tp.TopicArn})))
		put("tags", must[*ListTagsForResourceOutput](t)(s.ListTagsForResource(ctx0, &ListTagsForResourceInput{ResourceArn: tp.TopicArn})))
		put("dp", must[*GetDataProtectionPolicyOutput](t)(s.GetDataProtectionPolicy(ctx0, &GetDataProtectionPolicyInput{ResourceArn: tp.TopicArn})))
		put("by topic", must[*ListSubscriptionsByTopicOutput](t)(s.ListSubscriptionsByTopic(ctx0, &ListSubscriptionsByTopicInput{TopicArn: tp.TopicArn})))
		put("pending", s.PendingConfirmations(*tp.TopicArn))
	}
	subs := must[*ListSubscriptionsOutput](t)(s.ListSubscriptions(ctx0, &ListSubscriptionsInput{}))
	put("subs", subs)
	for _, sub := range subs.Subscriptions {
		if *sub.SubscriptionArn == listedPending {
			continue
		}
		put("sub", must[*GetSubscriptionAttributesOutput](t)(s.GetSubscriptionAttributes(ctx0, &GetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn})))
	}
	apps := must[*ListPlatformApplicationsOutput](t)(s.ListPlatformApplications(ctx0, &ListPlatformApplicationsInput{}))
	put("apps", apps)
	for _, app := range apps.PlatformApplications {
		put("app", must[*GetPlatformApplicationAttributesOutput](t)(s.GetPlatformApplicationAttributes(ctx0,
			&GetPlatformApplicationAttributesInput{PlatformApplicationArn: app.PlatformApplicationArn})))
		eps := must[*ListEndpointsByPlatformApplicationOutput](t)(s.ListEndpointsByPlatformApplication(ctx0,
			&ListEndpointsByPlatformApplicationInput{PlatformApplicationArn: app.PlatformApplicationArn}))
		put("endpoints", eps)
		for _, e := range eps.Endpoints {
			put("endpoint", must[*GetEndpointAttributesOutput](t)(s.GetEndpointAttributes(ctx0, &GetEndpointAttributesInput{EndpointArn: e.EndpointArn})))
		}
	}
	put("sms", must[*GetSMSAttributesOutput](t)(s.GetSMSAttributes(ctx0, &GetSMSAttributesInput{})))
	put("opted out", must[*ListPhoneNumbersOptedOutOutput](t)(s.ListPhoneNumbersOptedOut(ctx0, &ListPhoneNumbersOptedOutInput{})))
	put("sandbox", must[*GetSMSSandboxAccountStatusOutput](t)(s.GetSMSSandboxAccountStatus(ctx0, &GetSMSSandboxAccountStatusInput{})))
	put("sandbox numbers", must[*ListSMSSandboxPhoneNumbersOutput](t)(s.ListSMSSandboxPhoneNumbers(ctx0, &ListSMSSandboxPhoneNumbersInput{})))
	for _, n := range []string{"+15555550201", "+15555550203"} {
		otp, ok := s.SandboxOneTimePassword(n)
		put("otp "+n, fmt.Sprint(otp, ok))
	}
	put("pending deliveries", s.PendingDeliveries())
	// The FIFO windows, as publishing sees them.
	s.pub.mu.Lock()
	for _, arn := range slices.Sorted(maps.Keys(s.pub.fifo)) {
		st := s.pub.fifo[arn]
		ids := make([]string, 0, len(st.order))
		for _, o := range st.order {
			e := st.dedup[o.id]
			ids = append(ids, fmt.Sprint(o.id, " ", e.messageID, " ", e.sequenceNumber, " ", e.at.UnixNano()))
		}
		fmt.Fprintf(&b, "fifo %s: %d %q\n", arn, st.seq, ids)
	}
	s.pub.mu.Unlock()
	return b.String()
}

// applyLog returns the rows base leaves after log, sorted by key.
func applyLog(base, log []awsapi.JournalEntry) []awsapi.JournalEntry {
	rows := map[string][]byte{}
	for _, e := range slices.Concat(base, log) {
		if e.Value == nil {
			delete(rows, e.Key)
			continue
		}
		rows[e.Key] = e.Value
	}
	out := make([]awsapi.JournalEntry, 0, len(rows))
	for _, k := range slices.Sorted(maps.Keys(rows)) {
		out = append(out, awsapi.JournalEntry{Key: k, Value: rows[k]})
	}
	return out
}

func requireSameRows(t *testing.T, what string, got, want []awsapi.JournalEntry) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		var g, w awsapi.JournalEntry
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g.Key != w.Key || !bytes.Equal(g.Value, w.Value) {
			t.Fatalf("%s: row %d:\n got %s %s\nwant %s %s", what, i, g.Key, g.Value, w.Key, w.Value)
		}
	}
}

// TestPersistence drives journaled services through every state-changing
// operation and checks (1) that the journal's rows are what DumpState
// emits, (2) that services restored from the journal's log and from the
// dump answer every read as the original does and go on working (tokens,
// one-time passwords, FIFO windows and sequence numbers, pending HTTP
// retries), and (3) that the dump followed by the whole log restores the
// same state.
func TestPersistence(t *testing.T) {
	t.Parallel()
	for _, sc := range persistScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			r := newPersistRig(t)
			sc.run(r)
			settle(t, r.s)

			dump, err := awsapi.DumpRows(r.s)
			if err != nil {
				t.Fatal(err)
			}
			requireSameRows(t, "journal vs dump", r.j.Rows(), dump)
			want := readState(t, r.s)
			log := r.j.Log()
			// The original stops (its deliveries with it), as at a
			// restart.
			if err := r.s.Close(); err != nil {
				t.Fatal(err)
			}
			for _, rs := range []struct {
				name    string
				entries []awsapi.JournalEntry
			}{
				{"log", log},
				{"dump", dump},
				{"dump + log", append(slices.Clone(dump), log...)},
			} {
				s := r.restart(rs.entries)
				if got := readState(t, s); got != want {
					t.Fatalf("restored from the %s:\n%s\nwant:\n%s", rs.name, got, want)
				}
				redump, err := awsapi.DumpRows(s)
				if err != nil {
					t.Fatal(err)
				}
				requireSameRows(t, "restored from the "+rs.name+" vs the dump", redump, dump)
				if rs.name == "log" {
					sc.after(t, r, s)
					// What it journals after the restore, over the rows it
					// was restored from, is its state.
					requireSameRows(t, "restored rows + the restored service's journal vs its dump",
						applyLog(dump, s.env.Journal.(*awsapi.MemoryJournal).Log()), must[[]awsapi.JournalEntry](t)(awsapi.DumpRows(s)))
				}
				_ = s.Close()
			}
		})
	}
}

// copyJournal keeps every row in one growing byte slice, as the store's
// log does.
type copyJournal struct {
	mu  sync.Mutex
	buf []byte
}

func (j *copyJournal) Put(key string, value []byte) {
	j.mu.Lock()
	j.buf = append(append(j.buf, key...), value...)
	j.mu.Unlock()
}

func (j *copyJournal) Delete(key string) {
	j.mu.Lock()
	j.buf = append(j.buf, key...)
	j.mu.Unlock()
}

// BenchmarkPublishJournal publishes a 1 KiB message with two attributes
// to a topic with 10 SQS subscriptions (a fake SQS), each publish timed
// until its deliveries have run, without and with a journal (a row per
// queued delivery, Put at the enqueue and Deleted at the delivery).
func BenchmarkPublishJournal(b *testing.B) {
	for _, journaled := range []bool{false, true} {
		b.Run(fmt.Sprint("journal=", journaled), func(b *testing.B) {
			fake := &fakeSQS{}
			env := awsapi.Env{
				Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"},
				Clock: clock.New(clock.WithStart(testTime), clock.WithScale(0)),
				Services: func(name string, _ awsapi.Scope) any {
					if name == "sqs" {
						return fake
					}
					return nil
				},
				Endpoint: func() string { return testEndpoint },
			}
			if journaled {
				env.Journal = &copyJournal{}
			}
			s := New(env)
			s.UseSigningKey(testKey)
			defer func() { _ = s.Close() }()
			topic := *must[*CreateTopicOutput](b)(s.CreateTopic(ctx0, &CreateTopicInput{Name: ptr("bench")})).TopicArn
			for i := range 10 {
				if _, err := s.Subscribe(ctx0, &SubscribeInput{TopicArn: &topic, Protocol: ptr("sqs"), Endpoint: ptr(queueARNOf(fmt.Sprint("q", i)))}); err != nil {
					b.Fatal(err)
				}
			}
			in := &PublishInput{TopicArn: &topic, Message: ptr(strings.Repeat("x", 1024)), MessageAttributes: map[string]MessageAttributeValue{
				"a": {DataType: ptr("String"), StringValue: ptr("v")},
				"n": {DataType: ptr("Number"), StringValue: ptr("1")},
			}}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := s.Publish(ctx0, in); err != nil {
					b.Fatal(err)
				}
				if err := env.Clock.Settle(ctx0); err != nil {
					b.Fatal(err)
				}
				if i%1000 == 999 {
					fake.mu.Lock()
					fake.sent = nil
					fake.mu.Unlock()
				}
			}
		})
	}
}
