package eventbridge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// Accounts of the persistence tests.
const (
	pAcct    = "000000000000"
	pPartner = "111122223333"
	pOther   = "444455556666"
	pThird   = "777788889999"
	pRegion  = "us-east-1"
)

// pWorld is a set of EventBridge services of several accounts sharing a
// frozen clock, each with its own MemoryJournal.
type pWorld struct {
	t         *testing.T
	clk       *clock.Clock
	restoring bool

	mu       sync.Mutex
	svcs     map[string]*Service
	journals map[string]*awsapi.MemoryJournal
}

func newPWorld(t *testing.T, clk *clock.Clock, restoring bool) *pWorld {
	return &pWorld{t: t, clk: clk, restoring: restoring, svcs: map[string]*Service{}, journals: map[string]*awsapi.MemoryJournal{}}
}

// get returns the service of account, created on first use.
func (w *pWorld) get(account string) *Service {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.svcs[account]; s != nil {
		return s
	}
	j := &awsapi.MemoryJournal{}
	env := awsapi.Env{Scope: awsapi.Scope{Account: account, Region: pRegion}, Clock: w.clk, Journal: j, Restoring: w.restoring}
	env.Services = func(name string, sc awsapi.Scope) any {
		switch {
		case name == "sqs":
			return throttledSQS{}
		case name != "events" || sc.Region != pRegion:
			return nil
		}
		return w.get(sc.Account)
	}
	s := New(env)
	// OAuth token requests get a token without a network.
	s.SetAPIDestinationClient(&http.Client{Transport: tokenTransport{}})
	w.t.Cleanup(func() { _ = s.Close() })
	w.svcs[account], w.journals[account] = s, j
	return s
}

// accounts lists the accounts with a service.
func (w *pWorld) accounts() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.svcs))
	for a := range w.svcs {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// step moves the clock by d and waits for what it set off.
func (w *pWorld) step(d time.Duration) {
	w.t.Helper()
	if err := w.clk.Settle(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	if err := w.clk.Advance(d); err != nil {
		w.t.Fatal(err)
	}
	if err := w.clk.Settle(context.Background()); err != nil {
		w.t.Fatal(err)
	}
}

// throttledSQS is an SQS whose queues always throttle: deliveries to
// them wait for retries.
type throttledSQS struct{}

func (throttledSQS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: ptr("http://sqs.local/" + *in.QueueName)}, nil
}

func (throttledSQS) SendMessage(context.Context, *sqs.SendMessageInput) (*sqs.SendMessageOutput, error) {
	return nil, awsapi.Errorf("ThrottlingException", "Rate exceeded")
}

type tokenTransport struct{}

func (tokenTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"access_token":"tok","expires_in":3600}`))}, nil
}

// pMust fails the test on err.
func pMust[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func pEvents(n int, source string) *PutEventsInput {
	in := &PutEventsInput{}
	for i := range n {
		in.Entries = append(in.Entries, PutEventsRequestEntry{Source: ptr(source), DetailType: ptr("t"), Detail: ptr(`{"n":` + string(rune('0'+i)) + `}`)})
	}
	return in
}

const pDefaultBus = "arn:aws:events:us-east-1:000000000000:event-bus/default"

// persistCases drive every state-changing operation. run leaves the state
// to persist (settled, or with background work pending); after changes it
// further, on the original and on the restored services alike.
func persistCases() []struct {
	name       string
	run, after func(t *testing.T, w *pWorld)
} {
	ctx := context.Background()
	return []struct {
		name       string
		run, after func(t *testing.T, w *pWorld)
	}{
		{
			// Each operation is the last change of some resource, so a
			// missing journal call leaves a stale row.
			name: "buses-rules-targets",
			run: func(t *testing.T, w *pWorld) {
				s := w.get(pAcct)
				bus := func(name string, tags ...Tag) {
					t.Helper()
					pMust[*CreateEventBusOutput](t)(s.CreateEventBus(ctx, &CreateEventBusInput{Name: ptr(name), Description: ptr("d"),
						KmsKeyIdentifier: ptr("alias/k"), DeadLetterConfig: &DeadLetterConfig{Arn: ptr("arn:aws:sqs:us-east-1:000000000000:dlq")}, Tags: tags}))
				}
				rule := func(busName, name string) {
					t.Helper()
					pMust[*PutRuleOutput](t)(s.PutRule(ctx, &PutRuleInput{Name: ptr(name), EventBusName: ptr(busName),
						EventPattern: ptr(`{"source":["app"]}`), Description: ptr("x"), RoleArn: ptr("arn:aws:iam::000000000000:role/r"),
						Tags: []Tag{{Key: ptr("k"), Value: ptr("v")}}}))
				}
				perm := func(busName, sid string) {
					t.Helper()
					pMust[*PutPermissionOutput](t)(s.PutPermission(ctx, &PutPermissionInput{EventBusName: ptr(busName),
						Action: ptr("events:PutEvents"), Principal: ptr(pPartner), StatementId: ptr(sid)}))
				}
				targets := func(busName, name string) {
					t.Helper()
					pMust[*PutTargetsOutput](t)(s.PutTargets(ctx, &PutTargetsInput{Rule: ptr(name), EventBusName: ptr(busName), Targets: []Target{
						{Id: ptr("q"), Arn: ptr("arn:aws:sqs:us-east-1:000000000000:q.fifo"), SqsParameters: &SqsParameters{MessageGroupId: ptr("g")},
							RetryPolicy:      &RetryPolicy{MaximumRetryAttempts: ptr(int32(3)), MaximumEventAgeInSeconds: ptr(int32(120))},
							DeadLetterConfig: &DeadLetterConfig{Arn: ptr("arn:aws:sqs:us-east-1:000000000000:dlq")}},
						{Id: ptr("k"), Arn: ptr("arn:aws:kinesis:us-east-1:000000000000:stream/s"), KinesisParameters: &KinesisParameters{PartitionKeyPath: ptr("$.id")},
							InputTransformer: &InputTransformer{InputPathsMap: map[string]string{"s": "$.source", "d": "$.detail"}, InputTemplate: ptr(`{"s":<s>}`)}},
						{Id: ptr("l"), Arn: ptr("arn:aws:lambda:us-east-1:000000000000:function:f"), Input: ptr(`{"a":1}`)},
						{Id: ptr("x"), Arn: ptr("arn:aws:sns:us-east-1:000000000000:t"), InputPath: ptr("$.detail")},
					}}))
				}
				bus("created", Tag{Key: ptr("team"), Value: ptr("a")})
				bus("updated")
				pMust[*UpdateEventBusOutput](t)(s.UpdateEventBus(ctx, &UpdateEventBusInput{Name: ptr("updated"), Description: ptr("d2"),
					KmsKeyIdentifier: ptr("alias/k2"), LogConfig: &LogConfig{Level: LevelInfo}}))
				bus("permitted")
				perm("permitted", "s1")
				perm("permitted", "s2")
				bus("unpermitted")
				perm("unpermitted", "s1")
				perm("unpermitted", "s2")
				pMust[*RemovePermissionOutput](t)(s.RemovePermission(ctx, &RemovePermissionInput{EventBusName: ptr("unpermitted"), StatementId: ptr("s2")}))
				bus("policy")
				pMust[*PutPermissionOutput](t)(s.PutPermission(ctx, &PutPermissionInput{EventBusName: ptr("policy"), Policy: ptr(
					`{"Version":"2012-10-17","Statement":[{"Sid":"all","Effect":"Allow","Principal":"*","Action":"events:PutEvents","Resource":"*"}]}`)}))
				perm(defaultBus, "s1")
				pMust[*RemovePermissionOutput](t)(s.RemovePermission(ctx, &RemovePermissionInput{RemoveAllPermissions: ptr(true)}))
				bus("tagged")
				pMust[*TagResourceOutput](t)(s.TagResource(ctx, &TagResourceInput{ResourceARN: ptr(s.arn("event-bus/tagged")), Tags: []Tag{{Key: ptr("k2"), Value: ptr("v2")}}}))
				bus("untagged", Tag{Key: ptr("team"), Value: ptr("a")}, Tag{Key: ptr("env"), Value: ptr("dev")})
				pMust[*UntagResourceOutput](t)(s.UntagResource(ctx, &UntagResourceInput{ResourceARN: ptr(s.arn("event-bus/untagged")), TagKeys: []string{"env"}}))

				rule("created", "put")
				rule("created", "targeted")
				targets("created", "targeted")
				rule("created", "untargeted")
				targets("created", "untargeted")
				pMust[*RemoveTargetsOutput](t)(s.RemoveTargets(ctx, &RemoveTargetsInput{Rule: ptr("untargeted"), EventBusName: ptr("created"), Ids: []string{"x"}}))
				rule("created", "disabled")
				pMust[*DisableRuleOutput](t)(s.DisableRule(ctx, &DisableRuleInput{Name: ptr("disabled"), EventBusName: ptr("created")}))
				rule("created", "enabled")
				pMust[*DisableRuleOutput](t)(s.DisableRule(ctx, &DisableRuleInput{Name: ptr("enabled"), EventBusName: ptr("created")}))
				pMust[*EnableRuleOutput](t)(s.EnableRule(ctx, &EnableRuleInput{Name: ptr("enabled"), EventBusName: ptr("created")}))
				rule("created", "tagged")
				pMust[*TagResourceOutput](t)(s.TagResource(ctx, &TagResourceInput{ResourceARN: ptr(s.ruleARN("created", "tagged")), Tags: []Tag{{Key: ptr("k2"), Value: ptr("v2")}}}))
				rule("created", "untagged")
				pMust[*UntagResourceOutput](t)(s.UntagResource(ctx, &UntagResourceInput{ResourceARN: ptr(s.ruleARN("created", "untagged")), TagKeys: []string{"k"}}))
				rule("created", "gone")
				pMust[*DeleteRuleOutput](t)(s.DeleteRule(ctx, &DeleteRuleInput{Name: ptr("gone"), EventBusName: ptr("created")}))
				pMust[*PutRuleOutput](t)(s.PutRule(ctx, &PutRuleInput{Name: ptr("tick"), ScheduleExpression: ptr("rate(5 minutes)")}))
				pMust[*PutRuleOutput](t)(s.PutRule(ctx, &PutRuleInput{Name: ptr("nightly"), ScheduleExpression: ptr("cron(0 3 * * ? *)")}))
				pMust[*PutRuleOutput](t)(s.PutRule(ctx, &PutRuleInput{Name: ptr("paused"), ScheduleExpression: ptr("rate(1 hour)")}))
				pMust[*DisableRuleOutput](t)(s.DisableRule(ctx, &DisableRuleInput{Name: ptr("paused")}))
				bus("temp")
				rule("temp", "t1")
				pMust[*DeleteEventBusOutput](t)(s.DeleteEventBus(ctx, &DeleteEventBusInput{Name: ptr("temp")}))
				s.DisableKMSKey("alias/k")
				s.DisableKMSKey("k2")
				s.EnableKMSKey("k2")
				for _, step := range []func() error{
					func() error { _, err := s.CreateDiscoveryRule("created", true); return err },
					func() error { _, err := s.CreateDiscoveryRule("updated", true); return err },
					func() error { return s.SetDiscoveryRuleEnabled("updated", false) },
					func() error { _, err := s.CreateDiscoveryRule("default", true); return err },
					func() error { return s.DeleteDiscoveryRule("default") },
				} {
					if err := step(); err != nil {
						t.Fatal(err)
					}
				}
				w.step(12 * time.Minute) // the schedules fire
			},
			after: func(t *testing.T, w *pWorld) {
				s := w.get(pAcct)
				pMust[*PutRuleOutput](t)(s.PutRule(ctx, &PutRuleInput{Name: ptr("later"), EventPattern: ptr(`{"source":["y"]}`)}))
				pMust[*EnableRuleOutput](t)(s.EnableRule(ctx, &EnableRuleInput{Name: ptr("paused")}))
				w.step(2 * time.Hour)
			},
		},
		{
			name: "archives-replays",
			run: func(t *testing.T, w *pWorld) {
				s := w.get(pAcct)
				t0 := w.clk.Now()
				pMust[*CreateArchiveOutput](t)(s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("keep"), EventSourceArn: ptr(pDefaultBus),
					EventPattern: ptr(`{"source":["app"]}`), RetentionDays: ptr(int32(1)), Description: ptr("d")}))
				pMust[*CreateArchiveOutput](t)(s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("all"), EventSourceArn: ptr(pDefaultBus)}))
				pMust[*CreateArchiveOutput](t)(s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("short"), EventSourceArn: ptr(pDefaultBus),
					EventPattern: ptr(`{"source":["brief"]}`), RetentionDays: ptr(int32(1))}))
				pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(3, "app")))
				pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(2, "brief")))
				w.step(25 * time.Hour)
				pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(2, "app")))
				pMust[*DescribeArchiveOutput](t)(s.DescribeArchive(ctx, &DescribeArchiveInput{ArchiveName: ptr("keep")})) // retention
				pMust[*DescribeArchiveOutput](t)(s.DescribeArchive(ctx, &DescribeArchiveInput{ArchiveName: ptr("short")}))
				pMust[*UpdateArchiveOutput](t)(s.UpdateArchive(ctx, &UpdateArchiveInput{ArchiveName: ptr("keep"), Description: ptr("d2"),
					EventPattern: ptr(`{"source":["app","other"]}`), RetentionDays: ptr(int32(3))}))
				end := w.clk.Now().Add(time.Second)
				pMust[*StartReplayOutput](t)(s.StartReplay(ctx, &StartReplayInput{ReplayName: ptr("rp1"), EventSourceArn: ptr(s.arn("archive/all")),
					EventStartTime: ptr(t0.Add(-time.Hour)), EventEndTime: ptr(end), Destination: &ReplayDestination{Arn: ptr(pDefaultBus)}}))
				w.step(time.Second)
				w.step(time.Second)
				pMust[*StartReplayOutput](t)(s.StartReplay(ctx, &StartReplayInput{ReplayName: ptr("rp2"), EventSourceArn: ptr(s.arn("archive/all")),
					EventStartTime: ptr(t0), EventEndTime: ptr(end), Destination: &ReplayDestination{Arn: ptr(pDefaultBus),
						FilterArns: []string{s.ruleARN(defaultBus, "Events-Archive-keep")}}}))
				pMust[*CancelReplayOutput](t)(s.CancelReplay(ctx, &CancelReplayInput{ReplayName: ptr("rp2")}))
				w.step(time.Second)
				pMust[*CreateArchiveOutput](t)(s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("tmp"), EventSourceArn: ptr(pDefaultBus)}))
				pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(1, "app")))
				pMust[*DeleteArchiveOutput](t)(s.DeleteArchive(ctx, &DeleteArchiveInput{ArchiveName: ptr("tmp")}))
				// Left pending: a replay running (its events sent, its
				// completion due) and one about to start.
				pMust[*StartReplayOutput](t)(s.StartReplay(ctx, &StartReplayInput{ReplayName: ptr("rp4"), EventSourceArn: ptr(s.arn("archive/all")),
					EventStartTime: ptr(t0), EventEndTime: ptr(end), Destination: &ReplayDestination{Arn: ptr(pDefaultBus)}}))
				w.step(time.Second)
				pMust[*StartReplayOutput](t)(s.StartReplay(ctx, &StartReplayInput{ReplayName: ptr("rp3"), EventSourceArn: ptr(s.arn("archive/all")),
					EventStartTime: ptr(t0), EventEndTime: ptr(end), Destination: &ReplayDestination{Arn: ptr(pDefaultBus)}}))
				pMust[*StartReplayOutput](t)(s.StartReplay(ctx, &StartReplayInput{ReplayName: ptr("rp5"), EventSourceArn: ptr(s.arn("archive/all")),
					EventStartTime: ptr(t0), EventEndTime: ptr(end), Destination: &ReplayDestination{Arn: ptr(pDefaultBus)}}))
				pMust[*CancelReplayOutput](t)(s.CancelReplay(ctx, &CancelReplayInput{ReplayName: ptr("rp5")}))
			},
			after: func(t *testing.T, w *pWorld) {
				s := w.get(pAcct)
				w.step(time.Second) // rp3 runs
				pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(2, "brief")))
				w.step(time.Second) // rp3 completes
				w.step(3 * 24 * time.Hour)
				pMust[*ListArchivesOutput](t)(s.ListArchives(ctx, &ListArchivesInput{})) // retention empties "keep" and "short"
				pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(1, "app")))
			},
		},
		{
			name: "connections-destinations-endpoints",
			run: func(t *testing.T, w *pWorld) {
				s := w.get(pAcct)
				basic := func(name string) *CreateConnectionInput {
					return &CreateConnectionInput{Name: ptr(name), AuthorizationType: ConnectionAuthorizationTypeBasic,
						AuthParameters: &CreateConnectionAuthRequestParameters{
							BasicAuthParameters: &CreateConnectionBasicAuthRequestParameters{Username: ptr("u"), Password: ptr("secret")},
							InvocationHttpParameters: &ConnectionHttpParameters{HeaderParameters: []ConnectionHeaderParameter{
								{Key: ptr("X-Key"), Value: ptr("hidden"), IsValueSecret: ptr(true)}}},
						}}
				}
				oauth := func(name string) *CreateConnectionInput {
					return &CreateConnectionInput{Name: ptr(name), AuthorizationType: ConnectionAuthorizationTypeOauthClientCredentials,
						AuthParameters: &CreateConnectionAuthRequestParameters{OAuthParameters: &CreateConnectionOAuthRequestParameters{
							AuthorizationEndpoint: ptr("https://auth.example.com/token"), HttpMethod: ConnectionOAuthHttpMethodPost,
							ClientParameters: &CreateConnectionOAuthClientRequestParameters{ClientID: ptr("id"), ClientSecret: ptr("cs")}}}}
				}
				b := pMust[*CreateConnectionOutput](t)(s.CreateConnection(ctx, basic("b")))
				pMust[*CreateConnectionOutput](t)(s.CreateConnection(ctx, &CreateConnectionInput{Name: ptr("k"), Description: ptr("key"),
					AuthorizationType: ConnectionAuthorizationTypeApiKey, AuthParameters: &CreateConnectionAuthRequestParameters{
						ApiKeyAuthParameters: &CreateConnectionApiKeyAuthRequestParameters{ApiKeyName: ptr("x-api-key"), ApiKeyValue: ptr("v")}}}))
				pMust[*CreateConnectionOutput](t)(s.CreateConnection(ctx, oauth("o")))
				pMust[*CreateConnectionOutput](t)(s.CreateConnection(ctx, basic("gone")))
				w.step(time.Second) // "o" is authorized
				pMust[*UpdateConnectionOutput](t)(s.UpdateConnection(ctx, &UpdateConnectionInput{Name: ptr("b"), Description: ptr("b2"),
					AuthParameters: &UpdateConnectionAuthRequestParameters{BasicAuthParameters: &UpdateConnectionBasicAuthRequestParameters{Password: ptr("new")}}}))
				pMust[*DeauthorizeConnectionOutput](t)(s.DeauthorizeConnection(ctx, &DeauthorizeConnectionInput{Name: ptr("k")}))
				pMust[*DeleteConnectionOutput](t)(s.DeleteConnection(ctx, &DeleteConnectionInput{Name: ptr("gone")}))
				w.step(time.Second) // "k" DEAUTHORIZED, "gone" gone
				pMust[*CreateApiDestinationOutput](t)(s.CreateApiDestination(ctx, &CreateApiDestinationInput{Name: ptr("d1"), ConnectionArn: b.ConnectionArn,
					InvocationEndpoint: ptr("https://api.example.com/*"), HttpMethod: ApiDestinationHttpMethodPost, InvocationRateLimitPerSecond: ptr(int32(10))}))
				pMust[*UpdateApiDestinationOutput](t)(s.UpdateApiDestination(ctx, &UpdateApiDestinationInput{Name: ptr("d1"), InvocationRateLimitPerSecond: ptr(int32(20)), Description: ptr("dd")}))
				pMust[*CreateApiDestinationOutput](t)(s.CreateApiDestination(ctx, &CreateApiDestinationInput{Name: ptr("d2"), ConnectionArn: b.ConnectionArn,
					InvocationEndpoint: ptr("https://api.example.com/"), HttpMethod: ApiDestinationHttpMethodPost}))
				pMust[*DeleteApiDestinationOutput](t)(s.DeleteApiDestination(ctx, &DeleteApiDestinationInput{Name: ptr("d2")}))
				pMust[*CreateApiDestinationOutput](t)(s.CreateApiDestination(ctx, &CreateApiDestinationInput{Name: ptr("d3"), ConnectionArn: b.ConnectionArn,
					InvocationEndpoint: ptr("https://api.example.com/3"), HttpMethod: ApiDestinationHttpMethodGet}))
				endpointIn := func(name string) *CreateEndpointInput {
					return &CreateEndpointInput{Name: ptr(name), RoleArn: ptr("arn:aws:iam::000000000000:role/r"),
						RoutingConfig: &RoutingConfig{FailoverConfig: &FailoverConfig{Primary: &Primary{HealthCheck: ptr("arn:aws:route53:::healthcheck/h")},
							Secondary: &Secondary{Route: ptr("us-west-2")}}},
						EventBuses: []EndpointEventBus{{EventBusArn: ptr(pDefaultBus)}, {EventBusArn: ptr("arn:aws:events:us-west-2:000000000000:event-bus/default")}}}
				}
				pMust[*CreateEndpointOutput](t)(s.CreateEndpoint(ctx, endpointIn("ep")))
				pMust[*UpdateEndpointOutput](t)(s.UpdateEndpoint(ctx, &UpdateEndpointInput{Name: ptr("ep"), Description: ptr("e2")}))
				pMust[*CreateEndpointOutput](t)(s.CreateEndpoint(ctx, endpointIn("ep2")))
				pMust[*DeleteEndpointOutput](t)(s.DeleteEndpoint(ctx, &DeleteEndpointInput{Name: ptr("ep2")}))
				pMust[*CreateEndpointOutput](t)(s.CreateEndpoint(ctx, endpointIn("ep3")))
				// Left pending: one connection in each transitional state.
				pMust[*CreateConnectionOutput](t)(s.CreateConnection(ctx, oauth("o2")))
				pMust[*CreateConnectionOutput](t)(s.CreateConnection(ctx, basic("deauth")))
				pMust[*DeauthorizeConnectionOutput](t)(s.DeauthorizeConnection(ctx, &DeauthorizeConnectionInput{Name: ptr("deauth")}))
				pMust[*CreateConnectionOutput](t)(s.CreateConnection(ctx, basic("del")))
				pMust[*DeleteConnectionOutput](t)(s.DeleteConnection(ctx, &DeleteConnectionInput{Name: ptr("del")}))
			},
			after: func(t *testing.T, w *pWorld) {
				w.step(time.Second) // the pending steps end
				s := w.get(pAcct)
				pMust[*UpdateConnectionOutput](t)(s.UpdateConnection(ctx, &UpdateConnectionInput{Name: ptr("o2"), AuthorizationType: ConnectionAuthorizationTypeApiKey,
					AuthParameters: &UpdateConnectionAuthRequestParameters{ApiKeyAuthParameters: &UpdateConnectionApiKeyAuthRequestParameters{ApiKeyName: ptr("a"), ApiKeyValue: ptr("b")}}}))
			},
		},
		{
			name: "pending-deliveries",
			run: func(t *testing.T, w *pWorld) {
				s := w.get(pAcct)
				pMust[*PutRuleOutput](t)(s.PutRule(ctx, &PutRuleInput{Name: ptr("fanout"), EventPattern: ptr(`{"source":["app"]}`)}))
				pMust[*PutTargetsOutput](t)(s.PutTargets(ctx, &PutTargetsInput{Rule: ptr("fanout"), Targets: []Target{
					{Id: ptr("q"), Arn: ptr("arn:aws:sqs:us-east-1:000000000000:q"), RetryPolicy: &RetryPolicy{MaximumRetryAttempts: ptr(int32(5))}},
					{Id: ptr("fifo"), Arn: ptr("arn:aws:sqs:us-east-1:000000000000:q.fifo"), SqsParameters: &SqsParameters{MessageGroupId: ptr("g")}},
					{Id: ptr("gone"), Arn: ptr("arn:aws:sqs:us-east-1:000000000000:q2"), InputTransformer: &InputTransformer{
						InputPathsMap: map[string]string{"s": "$.source"}, InputTemplate: ptr(`"<s> \"quoted\""`)}},
				}}))
				pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(2, "app")))
				w.step(time.Second) // the first attempts fail: retries wait
				pMust[*RemoveTargetsOutput](t)(s.RemoveTargets(ctx, &RemoveTargetsInput{Rule: ptr("fanout"), Ids: []string{"gone"}}))
				if n := s.PendingDeliveries(); n != 4 {
					t.Fatalf("PendingDeliveries = %d, want 4", n)
				}
			},
			after: func(t *testing.T, w *pWorld) {
				s := w.get(pAcct)
				w.step(3 * time.Minute)
				pMust[*RemoveTargetsOutput](t)(s.RemoveTargets(ctx, &RemoveTargetsInput{Rule: ptr("fanout"), Ids: []string{"q", "fifo"}}))
				w.step(time.Second)
			},
		},
		{
			name: "partner-sources",
			run: func(t *testing.T, w *pWorld) {
				p := w.get(pPartner)
				const src, other = "aws.partner/acme.com/orders", "aws.partner/acme.com/other"
				const paused, third = "aws.partner/acme.com/paused", "aws.partner/acme.com/third"
				for _, acct := range []string{pAcct, pOther, pThird} {
					pMust[*CreatePartnerEventSourceOutput](t)(p.CreatePartnerEventSource(ctx, &CreatePartnerEventSourceInput{Name: ptr(src), Account: ptr(acct)}))
				}
				for _, name := range []string{paused, third} {
					pMust[*CreatePartnerEventSourceOutput](t)(p.CreatePartnerEventSource(ctx, &CreatePartnerEventSourceInput{Name: ptr(name), Account: ptr(pAcct)}))
				}
				pMust[*CreatePartnerEventSourceOutput](t)(p.CreatePartnerEventSource(ctx, &CreatePartnerEventSourceInput{Name: ptr(other), Account: ptr(pAcct)}))
				pMust[*DeletePartnerEventSourceOutput](t)(p.DeletePartnerEventSource(ctx, &DeletePartnerEventSourceInput{Name: ptr(other), Account: ptr(pAcct)}))
				pMust[*DeletePartnerEventSourceOutput](t)(p.DeletePartnerEventSource(ctx, &DeletePartnerEventSourceInput{Name: ptr(src), Account: ptr(pOther)}))
				c := w.get(pAcct)
				pMust[*CreateEventBusOutput](t)(c.CreateEventBus(ctx, &CreateEventBusInput{Name: ptr(src), EventSourceName: ptr(src)}))
				pMust[*DeactivateEventSourceOutput](t)(c.DeactivateEventSource(ctx, &DeactivateEventSourceInput{Name: ptr(src)}))
				pMust[*ActivateEventSourceOutput](t)(c.ActivateEventSource(ctx, &ActivateEventSourceInput{Name: ptr(src)}))
				pMust[*DeactivateEventSourceOutput](t)(c.DeactivateEventSource(ctx, &DeactivateEventSourceInput{Name: ptr(paused)}))
				pMust[*CreateEventBusOutput](t)(c.CreateEventBus(ctx, &CreateEventBusInput{Name: ptr(third), EventSourceName: ptr(third)}))
				pMust[*CreateArchiveOutput](t)(c.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("partner"), EventSourceArn: ptr(c.arn("event-bus/" + src))}))
				pMust[*PutPartnerEventsOutput](t)(p.PutPartnerEvents(ctx, &PutPartnerEventsInput{Entries: []PutPartnerEventsRequestEntry{
					{Source: ptr(src), DetailType: ptr("order"), Detail: ptr(`{"id":1}`)}}}))
			},
			after: func(t *testing.T, w *pWorld) {
				p := w.get(pPartner)
				pMust[*PutPartnerEventsOutput](t)(p.PutPartnerEvents(ctx, &PutPartnerEventsInput{Entries: []PutPartnerEventsRequestEntry{
					{Source: ptr("aws.partner/acme.com/orders"), DetailType: ptr("order"), Detail: ptr(`{"id":2}`)}}}))
				pMust[*DeleteEventBusOutput](t)(w.get(pAcct).DeleteEventBus(ctx, &DeleteEventBusInput{Name: ptr("aws.partner/acme.com/orders")}))
			},
		},
	}
}

// pReads answers every read operation of every account of w, as JSON.
func pReads(t *testing.T, w *pWorld) string {
	t.Helper()
	ctx := context.Background()
	var out []any
	add := func(v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		out = append(out, v)
	}
	for _, acct := range w.accounts() {
		s := w.get(acct)
		out = append(out, "account "+acct)
		buses, err := s.ListEventBuses(ctx, &ListEventBusesInput{})
		add(buses, err)
		for _, b := range buses.EventBuses {
			add(s.DescribeEventBus(ctx, &DescribeEventBusInput{Name: b.Name}))
			add(s.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceARN: b.Arn}))
			rules, err := s.ListRules(ctx, &ListRulesInput{EventBusName: b.Name})
			add(rules, err)
			for _, r := range rules.Rules {
				add(s.DescribeRule(ctx, &DescribeRuleInput{Name: r.Name, EventBusName: b.Name}))
				add(s.ListTargetsByRule(ctx, &ListTargetsByRuleInput{Rule: r.Name, EventBusName: b.Name}))
				add(s.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceARN: r.Arn}))
			}
		}
		archives, err := s.ListArchives(ctx, &ListArchivesInput{})
		add(archives, err)
		for _, a := range archives.Archives {
			add(s.DescribeArchive(ctx, &DescribeArchiveInput{ArchiveName: a.ArchiveName}))
			s.mu.RLock()
			arc := s.archives[*a.ArchiveName]
			s.mu.RUnlock()
			for _, e := range arc.snapshot(time.Time{}, time.Unix(1<<40, 0)) {
				out = append(out, e.At.UnixNano(), string(e.Event))
			}
		}
		replays, err := s.ListReplays(ctx, &ListReplaysInput{})
		add(replays, err)
		for _, rp := range replays.Replays {
			add(s.DescribeReplay(ctx, &DescribeReplayInput{ReplayName: rp.ReplayName}))
		}
		conns, err := s.ListConnections(ctx, &ListConnectionsInput{})
		add(conns, err)
		for _, c := range conns.Connections {
			add(s.DescribeConnection(ctx, &DescribeConnectionInput{Name: c.Name}))
			s.mu.RLock()
			out = append(out, s.connections[*c.Name].auth) // the secrets
			s.mu.RUnlock()
		}
		dests, err := s.ListApiDestinations(ctx, &ListApiDestinationsInput{})
		add(dests, err)
		for _, d := range dests.ApiDestinations {
			add(s.DescribeApiDestination(ctx, &DescribeApiDestinationInput{Name: d.Name}))
		}
		eps, err := s.ListEndpoints(ctx, &ListEndpointsInput{})
		add(eps, err)
		for _, ep := range eps.Endpoints {
			add(s.DescribeEndpoint(ctx, &DescribeEndpointInput{Name: ep.Name}))
		}
		pss, err := s.ListPartnerEventSources(ctx, &ListPartnerEventSourcesInput{NamePrefix: ptr("aws.partner/")})
		add(pss, err)
		for _, ps := range pss.PartnerEventSources {
			add(s.ListPartnerEventSourceAccounts(ctx, &ListPartnerEventSourceAccountsInput{EventSourceName: ps.Name}))
		}
		ess, err := s.ListEventSources(ctx, &ListEventSourcesInput{})
		add(ess, err)
		for _, es := range ess.EventSources {
			add(s.DescribeEventSource(ctx, &DescribeEventSourceInput{Name: es.Name}))
		}
		out = append(out, s.ScheduledRules(), s.PendingDeliveries())
		s.mu.RLock()
		keys := make([]string, 0, len(s.disabledKeys))
		for k := range s.disabledKeys {
			keys = append(keys, k)
		}
		s.mu.RUnlock()
		slices.Sort(keys)
		out = append(out, keys)
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pRows is every account's DumpRows.
func pRows(t *testing.T, w *pWorld) map[string][]awsapi.JournalEntry {
	t.Helper()
	out := map[string][]awsapi.JournalEntry{}
	for _, acct := range w.accounts() {
		rows, err := awsapi.DumpRows(w.get(acct))
		if err != nil {
			t.Fatal(err)
		}
		out[acct] = rows
	}
	return out
}

// pCheckJournal requires each account's journal rows to be its dump.
func pCheckJournal(t *testing.T, w *pWorld) {
	t.Helper()
	dumps := pRows(t, w)
	for _, acct := range w.accounts() {
		w.mu.Lock()
		j := w.journals[acct]
		w.mu.Unlock()
		pSameRows(t, "journal of "+acct, j.Rows(), dumps[acct])
	}
}

// pSameRows requires byte-equal rows (with norm, but for event ids).
func pSameRows(t *testing.T, what string, got, want []awsapi.JournalEntry, norm ...func([]byte) []byte) {
	t.Helper()
	n := func(v []byte) []byte {
		for _, f := range norm {
			v = f(v)
		}
		return v
	}
	gm := map[string][]byte{}
	for _, e := range got {
		gm[e.Key] = n(e.Value)
	}
	wm := map[string][]byte{}
	for _, e := range want {
		e.Value = n(e.Value)
		wm[e.Key] = e.Value
		if g, ok := gm[e.Key]; !ok {
			t.Errorf("%s: row %s missing (want %s)", what, e.Key, e.Value)
		} else if !bytes.Equal(g, e.Value) {
			t.Errorf("%s: row %s is\n%s\nwant\n%s", what, e.Key, g, e.Value)
		}
	}
	for _, e := range got {
		if _, ok := wm[e.Key]; !ok {
			t.Errorf("%s: stale row %s = %s", what, e.Key, e.Value)
		}
	}
	if len(wm) == 0 {
		t.Errorf("%s: no rows", what)
	}
}

// pRestore builds a world on a clock at orig's time from rows(account),
// its journals holding those rows as a store would.
func pRestore(t *testing.T, orig *pWorld, rows func(account string) []awsapi.JournalEntry) *pWorld {
	t.Helper()
	w := newPWorld(t, clock.New(clock.WithScale(0), clock.WithStart(orig.clk.Now())), true)
	t.Cleanup(func() { _ = w.clk.Close() })
	accts := orig.accounts()
	for _, acct := range accts {
		s := w.get(acct)
		w.mu.Lock()
		j := w.journals[acct]
		w.mu.Unlock()
		for _, e := range rows(acct) {
			if e.Value == nil {
				j.Delete(e.Key)
			} else {
				j.Put(e.Key, e.Value)
			}
			if err := s.RestoreState(e.Key, e.Value); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, acct := range accts {
		if err := w.get(acct).RestoreDone(); err != nil {
			t.Fatal(err)
		}
	}
	w.restoring = false
	if err := w.clk.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	for _, tc := range persistCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orig := newPWorld(t, clock.New(clock.WithScale(0), clock.WithStart(start)), false)
			t.Cleanup(func() { _ = orig.clk.Close() })
			tc.run(t, orig)
			if err := orig.clk.Settle(context.Background()); err != nil {
				t.Fatal(err)
			}
			// 1. The journal holds exactly the state.
			pCheckJournal(t, orig)

			// 2. and 3. Restored from the log, from a dump, and from a dump
			// followed by the whole log, the services answer the same.
			logs, dumps := map[string][]awsapi.JournalEntry{}, pRows(t, orig)
			for _, acct := range orig.accounts() {
				orig.mu.Lock()
				logs[acct] = orig.journals[acct].Log()
				orig.mu.Unlock()
			}
			want, wantRows := pReads(t, orig), pRows(t, orig)
			restored := []struct {
				name string
				w    *pWorld
			}{
				{"log", pRestore(t, orig, func(a string) []awsapi.JournalEntry { return logs[a] })},
				{"dump", pRestore(t, orig, func(a string) []awsapi.JournalEntry { return dumps[a] })},
				{"dump+log", pRestore(t, orig, func(a string) []awsapi.JournalEntry { return append(slices.Clone(dumps[a]), logs[a]...) })},
			}
			for _, r := range restored {
				if got := pReads(t, r.w); got != want {
					t.Fatalf("restored from %s, the reads differ: %s", r.name, pDiff(got, want))
				}
				gotRows := pRows(t, r.w)
				for acct, rows := range wantRows {
					pSameRows(t, "restored from "+r.name+", "+acct, gotRows[acct], rows)
				}
			}

			// The restored services go on as the original does: timers,
			// replays, connection steps, retention, new ids. New events
			// get random ids: those are left out of the comparison.
			tc.after(t, orig)
			want = pNormIDs(pReads(t, orig))
			wantRows = pRows(t, orig)
			pCheckJournal(t, orig)
			for _, r := range restored {
				tc.after(t, r.w)
				if got := pNormIDs(pReads(t, r.w)); got != want {
					t.Fatalf("restored from %s, then changed, the reads differ: %s", r.name, pDiff(got, want))
				}
				gotRows := pRows(t, r.w)
				for acct, rows := range wantRows {
					pSameRows(t, "restored from "+r.name+" then changed, "+acct, gotRows[acct], rows, pNormIDBytes)
				}
				pCheckJournal(t, r.w)
			}
		})
	}
}

// pEventID is an event id, as the reads (escaped) and the rows show it.
var pEventID = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(\\?"id\\?":\\?")[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
})

// pNormIDs blanks the event ids of s.
func pNormIDs(s string) string { return pEventID().ReplaceAllString(s, "${1}*") }

// pNormIDBytes blanks the event ids of a row.
func pNormIDBytes(v []byte) []byte { return pEventID().ReplaceAll(v, []byte("${1}*")) }

// pDiff shows where two texts first differ.
func pDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		if i >= len(g) || i >= len(w) || g[i] != w[i] {
			lo := max(0, i-8)
			return "at line " + strconv.Itoa(i+1) + ", got:\n" + strings.Join(g[lo:min(len(g), i+4)], "\n") +
				"\nwant:\n" + strings.Join(w[lo:min(len(w), i+4)], "\n")
		}
	}
	return "no difference"
}

// TestReplayResumesAfterRestore restores a replay that had sent part of its
// events: it goes on with the others, neither sending one again nor
// skipping one, even when they share an ingestion time.
func TestReplayResumesAfterRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		sent int // events the replay had sent
	}{
		{"none-sent", 0},
		{"one-sent", 1},
		{"two-sent", 2},
		{"all-sent", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orig := newPWorld(t, clock.New(clock.WithScale(0), clock.WithStart(time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC))), false)
			t.Cleanup(func() { _ = orig.clk.Close() })
			s := orig.get(pAcct)
			t0 := orig.clk.Now()
			pMust[*CreateArchiveOutput](t)(s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("all"), EventSourceArn: ptr(pDefaultBus)}))
			pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(3, "app")))
			pMust[*PutRuleOutput](t)(s.PutRule(ctx, &PutRuleInput{Name: ptr("watch"), EventPattern: ptr(`{"source":["app"]}`)}))
			pMust[*PutTargetsOutput](t)(s.PutTargets(ctx, &PutTargetsInput{Rule: ptr("watch"),
				Targets: []Target{{Id: ptr("q"), Arn: ptr("arn:aws:sqs:us-east-1:000000000000:q"), RetryPolicy: &RetryPolicy{MaximumRetryAttempts: ptr(int32(0))}}}}))
			pMust[*StartReplayOutput](t)(s.StartReplay(ctx, &StartReplayInput{ReplayName: ptr("rp"), EventSourceArn: ptr(s.arn("archive/all")),
				EventStartTime: ptr(t0), EventEndTime: ptr(t0.Add(time.Minute)), Destination: &ReplayDestination{Arn: ptr(pDefaultBus)}}))
			var ids []string
			for _, e := range s.archives["all"].snapshot(time.Time{}, t0.Add(time.Hour)) {
				var doc struct{ ID string }
				if err := json.Unmarshal(e.Event, &doc); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, doc.ID)
			}
			// The replay's row as the runner leaves it after sending tc.sent
			// events (all archived at t0).
			rows, err := awsapi.DumpRows(s)
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range rows {
				if e.Key != keyReplay+"rp" {
					continue
				}
				var row replayRow
				if err := json.Unmarshal(e.Value, &row); err != nil {
					t.Fatal(err)
				}
				row.State = ReplayStateRunning
				if tc.sent > 0 {
					row.LastReplayed, row.SameAt = t0.UnixNano(), tc.sent
				}
				if rows[i].Value, err = json.Marshal(row); err != nil {
					t.Fatal(err)
				}
			}
			w := pRestore(t, orig, func(string) []awsapi.JournalEntry { return rows })
			r := w.get(pAcct)
			var got []string
			for _, rec := range r.Deliveries(DeliveryFilter{RuleArn: r.ruleARN(defaultBus, "watch")}) {
				got = append(got, rec.EventID)
			}
			// Each delivery leaves records (attempt, outcome), in any order.
			slices.Sort(got)
			got = slices.Compact(got)
			want := slices.Sorted(slices.Values(ids[tc.sent:]))
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("after the restore the replay sent %v, want %v (archived: %v)", got, want, ids)
			}
			w.step(time.Second)
			d := pMust[*DescribeReplayOutput](t)(r.DescribeReplay(ctx, &DescribeReplayInput{ReplayName: ptr("rp")}))
			if d.State != ReplayStateCompleted || d.EventLastReplayedTime == nil || !d.EventLastReplayedTime.Equal(t0) {
				t.Fatalf("DescribeReplay = %s, last replayed %v; want COMPLETED, %v", d.State, d.EventLastReplayedTime, t0)
			}
		})
	}
}

// TestDeliveriesResumeAfterRestore restores a delivery waiting for a retry:
// it goes on with its attempt count and retry limit, to the end its
// policy gives.
func TestDeliveriesResumeAfterRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		attempts int32 // MaximumRetryAttempts
		want     []int // attempt numbers after the restore
	}{
		{"one-retry-left", 1, []int{2}},
		{"three-retries-left", 3, []int{2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orig := newPWorld(t, clock.New(clock.WithScale(0), clock.WithStart(time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC))), false)
			t.Cleanup(func() { _ = orig.clk.Close() })
			s := orig.get(pAcct)
			pMust[*PutRuleOutput](t)(s.PutRule(ctx, &PutRuleInput{Name: ptr("r"), EventPattern: ptr(`{"source":["app"]}`)}))
			pMust[*PutTargetsOutput](t)(s.PutTargets(ctx, &PutTargetsInput{Rule: ptr("r"), Targets: []Target{{Id: ptr("q"),
				Arn: ptr("arn:aws:sqs:us-east-1:000000000000:q"), RetryPolicy: &RetryPolicy{MaximumRetryAttempts: ptr(tc.attempts)}}}}))
			pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(1, "app")))
			orig.step(0) // the first attempt, due at once
			if got := s.Deliveries(DeliveryFilter{}); len(got) != 1 || got[0].Attempt != 1 {
				t.Fatalf("before the restore: %+v, want one attempt", got)
			}
			orig.mu.Lock()
			log := orig.journals[pAcct].Log()
			orig.mu.Unlock()
			w := pRestore(t, orig, func(string) []awsapi.JournalEntry { return log })
			r := w.get(pAcct)
			if n := r.PendingDeliveries(); n != 1 {
				t.Fatalf("PendingDeliveries after the restore = %d, want 1", n)
			}
			for range 10 {
				w.step(10 * time.Minute)
			}
			var got []int
			final := ""
			for _, rec := range r.Deliveries(DeliveryFilter{}) {
				if rec.Outcome == "Failed" && rec.Final == "" {
					got = append(got, rec.Attempt)
				}
				final = rec.Final
			}
			if !slices.Equal(got, tc.want) || final != "Dropped" || r.PendingDeliveries() != 0 {
				t.Fatalf("after the restore: attempts %v, final %q, pending %d; want attempts %v then Dropped",
					got, final, r.PendingDeliveries(), tc.want)
			}
			pCheckJournal(t, w)
		})
	}
}

// TestRestoreDropsExpiredEvents restores archived events past their
// archive's retention at the clock's time: the restore drops them, and
// journals it, before anything reads them; events archived later are
// numbered after the dropped ones.
func TestRestoreDropsExpiredEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		age        time.Duration // of the events at the restore
		wantEvents int
	}{
		{"within-retention", 23 * time.Hour, 2},
		{"expired", 25 * time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orig := newPWorld(t, clock.New(clock.WithScale(0), clock.WithStart(time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC))), false)
			t.Cleanup(func() { _ = orig.clk.Close() })
			s := orig.get(pAcct)
			pMust[*CreateArchiveOutput](t)(s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("a"), EventSourceArn: ptr(pDefaultBus), RetentionDays: ptr(int32(1))}))
			pMust[*PutEventsOutput](t)(s.PutEvents(ctx, pEvents(2, "app")))
			orig.step(tc.age)
			orig.mu.Lock()
			log := orig.journals[pAcct].Log()
			orig.mu.Unlock()
			w := pRestore(t, orig, func(string) []awsapi.JournalEntry { return log })
			rows := pRows(t, w)[pAcct]
			n := 0
			for _, e := range rows {
				if strings.HasPrefix(e.Key, keyArchived) {
					n++
				}
			}
			if n != tc.wantEvents {
				t.Fatalf("archived event rows after the restore: %d, want %d", n, tc.wantEvents)
			}
			pCheckJournal(t, w)
			r := w.get(pAcct)
			pMust[*PutEventsOutput](t)(r.PutEvents(ctx, pEvents(1, "app")))
			r.mu.RLock()
			a := r.archives["a"]
			r.mu.RUnlock()
			a.mu.Lock()
			last := a.events[len(a.events)-1].seq
			a.mu.Unlock()
			if last != 2 {
				t.Fatalf("the next archived event is number %d, want 2", last)
			}
			pCheckJournal(t, w)
		})
	}
}

// TestDumpDuringWrites takes snapshots while events are archived and rules
// change: no race, and the journal still ends equal to the dump.
func TestDumpDuringWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newPWorld(t, clock.New(clock.WithScale(0)), false)
	t.Cleanup(func() { _ = w.clk.Close() })
	s := w.get(pAcct)
	pMust[*CreateArchiveOutput](t)(s.CreateArchive(ctx, &CreateArchiveInput{ArchiveName: ptr("a"), EventSourceArn: ptr(pDefaultBus)}))
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := s.PutEvents(ctx, pEvents(3, "app")); err != nil {
					t.Error(err)
					return
				}
				name := ptr("r" + strconv.Itoa(g) + "-" + strconv.Itoa(i%5))
				if _, err := s.PutRule(ctx, &PutRuleInput{Name: name, EventPattern: ptr(`{"source":["app"]}`)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	dumps := 0
	for range 20 {
		rows, err := awsapi.DumpRows(s)
		if err != nil {
			t.Fatal(err)
		}
		dumps += len(rows)
	}
	wg.Wait()
	if dumps == 0 {
		t.Fatal("the dumps were empty")
	}
	pCheckJournal(t, w)
	rows := pRows(t, w)[pAcct]
	n := 0
	for _, e := range rows {
		if strings.HasPrefix(e.Key, keyArchived) {
			n++
		}
	}
	if n != 3*50*3 {
		t.Fatalf("archived event rows: %d, want %d", n, 3*50*3)
	}
}
