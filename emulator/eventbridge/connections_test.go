package eventbridge_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func TestConnections(t *testing.T) {
	t.Parallel()
	c, e := cpSetup(t)
	// The OAuth connection's token request fails at once, off the network.
	e.EventBridge().SetAPIDestinationClient(&http.Client{Transport: failingTransport{}})
	ctx := context.Background()
	apiKey := &types.CreateConnectionAuthRequestParameters{ApiKeyAuthParameters: &types.CreateConnectionApiKeyAuthRequestParameters{
		ApiKeyName: aws.String("x-api-key"), ApiKeyValue: aws.String("secret")},
		InvocationHttpParameters: &types.ConnectionHttpParameters{HeaderParameters: []types.ConnectionHeaderParameter{
			{Key: aws.String("h"), Value: aws.String("hidden"), IsValueSecret: true}, {Key: aws.String("p"), Value: aws.String("shown")}}}}
	basic := &types.CreateConnectionAuthRequestParameters{BasicAuthParameters: &types.CreateConnectionBasicAuthRequestParameters{
		Username: aws.String("u"), Password: aws.String("p")}}
	oauth := &types.CreateConnectionAuthRequestParameters{OAuthParameters: &types.CreateConnectionOAuthRequestParameters{
		AuthorizationEndpoint: aws.String("https://auth.example.com/token"), HttpMethod: types.ConnectionOAuthHttpMethodPost,
		ClientParameters: &types.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("id"), ClientSecret: aws.String("s")}}}
	cases := []struct {
		name      string
		typ       types.ConnectionAuthorizationType
		auth      *types.CreateConnectionAuthRequestParameters
		state     types.ConnectionState
		code, msg string
	}{
		{name: "key", typ: types.ConnectionAuthorizationTypeApiKey, auth: apiKey, state: types.ConnectionStateAuthorized},
		{name: "basic", typ: types.ConnectionAuthorizationTypeBasic, auth: basic, state: types.ConnectionStateAuthorized},
		{name: "oauth", typ: types.ConnectionAuthorizationTypeOauthClientCredentials, auth: oauth, state: types.ConnectionStateAuthorizing},
		{name: "mismatch", typ: types.ConnectionAuthorizationTypeBasic, auth: apiKey, code: "ValidationException"},
		{name: "oauth-http", typ: types.ConnectionAuthorizationTypeOauthClientCredentials, auth: &types.CreateConnectionAuthRequestParameters{
			OAuthParameters: &types.CreateConnectionOAuthRequestParameters{AuthorizationEndpoint: aws.String("http://plain"), HttpMethod: types.ConnectionOAuthHttpMethodPost,
				ClientParameters: &types.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("id"), ClientSecret: aws.String("s")}}}, code: "ValidationException"},
		{name: "key", typ: types.ConnectionAuthorizationTypeApiKey, auth: apiKey, code: "ResourceAlreadyExistsException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.CreateConnection(ctx, &sdkeb.CreateConnectionInput{Name: aws.String(tc.name), AuthorizationType: tc.typ, AuthParameters: tc.auth})
			if tc.code != "" {
				cpErr(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^arn:aws:events:us-east-1:000000000000:connection/`+tc.name+`/[0-9a-f-]{36}$`).MatchString(*out.ConnectionArn) || out.ConnectionState != tc.state {
				t.Fatalf("CreateConnection = %+v", out)
			}
		})
	}
	d := cpMust[*sdkeb.DescribeConnectionOutput](t)(c.DescribeConnection(ctx, &sdkeb.DescribeConnectionInput{Name: aws.String("key")}))
	hp := d.AuthParameters.InvocationHttpParameters.HeaderParameters
	if aws.ToString(d.AuthParameters.ApiKeyAuthParameters.ApiKeyName) != "x-api-key" || hp[0].Value != nil || aws.ToString(hp[1].Value) != "shown" ||
		!regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:000000000000:secret:events!connection/key/`).MatchString(aws.ToString(d.SecretArn)) {
		t.Fatalf("DescribeConnection = %+v", d)
	}
	_, err := c.DescribeConnection(ctx, &sdkeb.DescribeConnectionInput{Name: aws.String("nope")})
	cpErr(t, err, "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'nope' does not exist.")
	u := cpMust[*sdkeb.UpdateConnectionOutput](t)(c.UpdateConnection(ctx, &sdkeb.UpdateConnectionInput{Name: aws.String("basic"), Description: aws.String("new"),
		AuthParameters: &types.UpdateConnectionAuthRequestParameters{BasicAuthParameters: &types.UpdateConnectionBasicAuthRequestParameters{Username: aws.String("v")}}}))
	if u.ConnectionState != types.ConnectionStateAuthorized {
		t.Fatalf("UpdateConnection = %+v", u)
	}
	d = cpMust[*sdkeb.DescribeConnectionOutput](t)(c.DescribeConnection(ctx, &sdkeb.DescribeConnectionInput{Name: aws.String("basic")}))
	if aws.ToString(d.AuthParameters.BasicAuthParameters.Username) != "v" || aws.ToString(d.Description) != "new" {
		t.Fatalf("after update %+v", d)
	}
	de := cpMust[*sdkeb.DeauthorizeConnectionOutput](t)(c.DeauthorizeConnection(ctx, &sdkeb.DeauthorizeConnectionInput{Name: aws.String("basic")}))
	if de.ConnectionState != types.ConnectionStateDeauthorizing {
		t.Fatalf("Deauthorize = %+v", de)
	}
	advanceSettle(t, e, time.Second)
	list := cpMust[*sdkeb.ListConnectionsOutput](t)(c.ListConnections(ctx, &sdkeb.ListConnectionsInput{NamePrefix: aws.String("ba"), ConnectionState: types.ConnectionStateDeauthorized}))
	if len(list.Connections) != 1 || *list.Connections[0].Name != "basic" {
		t.Fatalf("ListConnections = %+v", list.Connections)
	}
	del := cpMust[*sdkeb.DeleteConnectionOutput](t)(c.DeleteConnection(ctx, &sdkeb.DeleteConnectionInput{Name: aws.String("basic")}))
	if del.ConnectionState != types.ConnectionStateDeleting {
		t.Fatalf("DeleteConnection = %+v", del)
	}
	advanceSettle(t, e, time.Second)
	_, err = c.DeleteConnection(ctx, &sdkeb.DeleteConnectionInput{Name: aws.String("basic")})
	cpErr(t, err, "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'basic' does not exist.")
}

func TestApiDestinations(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	conn := *cpMust[*sdkeb.CreateConnectionOutput](t)(c.CreateConnection(ctx, &sdkeb.CreateConnectionInput{Name: aws.String("c"),
		AuthorizationType: types.ConnectionAuthorizationTypeBasic, AuthParameters: &types.CreateConnectionAuthRequestParameters{
			BasicAuthParameters: &types.CreateConnectionBasicAuthRequestParameters{Username: aws.String("u"), Password: aws.String("p")}}})).ConnectionArn
	cases := []struct {
		name, conn, endpoint string
		rate                 *int32
		code, msg            string
	}{
		{name: "d1", conn: conn, endpoint: "https://example.com/orders/*/items/*"},
		{name: "d2", conn: conn, endpoint: "https://example.com/x", rate: aws.Int32(10)},
		{name: "http", conn: conn, endpoint: "http://example.com/x", code: "ValidationException"},
		{name: "rate0", conn: conn, endpoint: "https://example.com/x", rate: aws.Int32(0), code: "ValidationException"},
		{name: "noconn", conn: "arn:aws:events:us-east-1:000000000000:connection/zz/0b0e3f0e-1111-2222-3333-444455556666", endpoint: "https://example.com",
			code: "ResourceNotFoundException", msg: "Failed to describe the connection(s). Connection 'zz' does not exist."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.CreateApiDestination(ctx, &sdkeb.CreateApiDestinationInput{Name: aws.String(tc.name), ConnectionArn: aws.String(tc.conn),
				InvocationEndpoint: aws.String(tc.endpoint), HttpMethod: types.ApiDestinationHttpMethodPost, InvocationRateLimitPerSecond: tc.rate})
			if tc.code != "" {
				cpErr(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.ApiDestinationState != types.ApiDestinationStateActive ||
				!regexp.MustCompile(`^arn:aws:events:us-east-1:000000000000:api-destination/`+tc.name+`/[0-9a-f-]{36}$`).MatchString(*out.ApiDestinationArn) {
				t.Fatalf("CreateApiDestination = %+v", out)
			}
		})
	}
	d := cpMust[*sdkeb.DescribeApiDestinationOutput](t)(c.DescribeApiDestination(ctx, &sdkeb.DescribeApiDestinationInput{Name: aws.String("d1")}))
	if aws.ToInt32(d.InvocationRateLimitPerSecond) != 300 || aws.ToString(d.InvocationEndpoint) != "https://example.com/orders/*/items/*" || aws.ToString(d.ConnectionArn) != conn {
		t.Fatalf("DescribeApiDestination = %+v", d)
	}
	cpMust[*sdkeb.UpdateApiDestinationOutput](t)(c.UpdateApiDestination(ctx, &sdkeb.UpdateApiDestinationInput{Name: aws.String("d1"), HttpMethod: types.ApiDestinationHttpMethodPut, InvocationRateLimitPerSecond: aws.Int32(5)}))
	d = cpMust[*sdkeb.DescribeApiDestinationOutput](t)(c.DescribeApiDestination(ctx, &sdkeb.DescribeApiDestinationInput{Name: aws.String("d1")}))
	if d.HttpMethod != types.ApiDestinationHttpMethodPut || aws.ToInt32(d.InvocationRateLimitPerSecond) != 5 {
		t.Fatalf("after update %+v", d)
	}
	list := cpMust[*sdkeb.ListApiDestinationsOutput](t)(c.ListApiDestinations(ctx, &sdkeb.ListApiDestinationsInput{ConnectionArn: aws.String(conn), Limit: aws.Int32(1)}))
	if len(list.ApiDestinations) != 1 || *list.ApiDestinations[0].Name != "d1" || list.NextToken == nil {
		t.Fatalf("ListApiDestinations = %+v", list)
	}
	cpMust[*sdkeb.DeleteApiDestinationOutput](t)(c.DeleteApiDestination(ctx, &sdkeb.DeleteApiDestinationInput{Name: aws.String("d1")}))
	for _, err := range []error{
		func() error {
			_, err := c.DescribeApiDestination(ctx, &sdkeb.DescribeApiDestinationInput{Name: aws.String("d1")})
			return err
		}(),
		func() error {
			_, err := c.DeleteApiDestination(ctx, &sdkeb.DeleteApiDestinationInput{Name: aws.String("d1")})
			return err
		}(),
		func() error {
			_, err := c.UpdateApiDestination(ctx, &sdkeb.UpdateApiDestinationInput{Name: aws.String("d1")})
			return err
		}(),
	} {
		cpErr(t, err, "ResourceNotFoundException", "Failed to describe the api-destination(s). An api-destination 'd1' does not exist.")
	}
}

func TestPartnerEventSources(t *testing.T) {
	t.Parallel()
	partner, e := cpSetup(t)
	customer := cpClientFor(e, cpOther)
	ctx := context.Background()
	const name = "aws.partner/example.com/123/orders"
	out := cpMust[*sdkeb.CreatePartnerEventSourceOutput](t)(partner.CreatePartnerEventSource(ctx, &sdkeb.CreatePartnerEventSourceInput{Name: aws.String(name), Account: aws.String(cpOther)}))
	if *out.EventSourceArn != "arn:aws:events:us-east-1::event-source/"+name {
		t.Fatalf("arn %s", *out.EventSourceArn)
	}
	_, err := partner.CreatePartnerEventSource(ctx, &sdkeb.CreatePartnerEventSourceInput{Name: aws.String(name), Account: aws.String(cpOther)})
	cpErr(t, err, "ResourceAlreadyExistsException", "")
	_, err = partner.CreatePartnerEventSource(ctx, &sdkeb.CreatePartnerEventSourceInput{Name: aws.String("not-a-partner"), Account: aws.String(cpOther)})
	cpErr(t, err, "ValidationException", "")

	es := cpMust[*sdkeb.DescribeEventSourceOutput](t)(customer.DescribeEventSource(ctx, &sdkeb.DescribeEventSourceInput{Name: aws.String(name)}))
	if es.State != types.EventSourceStatePending || aws.ToString(es.CreatedBy) != "aws.partner/example.com" {
		t.Fatalf("DescribeEventSource = %+v", es)
	}
	// A partner bus activates its source.
	cpMust[*sdkeb.CreateEventBusOutput](t)(customer.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String(name), EventSourceName: aws.String(name)}))
	es = cpMust[*sdkeb.DescribeEventSourceOutput](t)(customer.DescribeEventSource(ctx, &sdkeb.DescribeEventSourceInput{Name: aws.String(name)}))
	if es.State != types.EventSourceStateActive {
		t.Fatalf("state with a bus %s", es.State)
	}
	_, err = customer.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("aws.partner/x.com/1/y"), EventSourceName: aws.String("aws.partner/x.com/1/y")})
	cpErr(t, err, "ResourceNotFoundException", "Event source aws.partner/x.com/1/y does not exist.")
	cpMust[*sdkeb.DeactivateEventSourceOutput](t)(customer.DeactivateEventSource(ctx, &sdkeb.DeactivateEventSourceInput{Name: aws.String(name)}))
	cpMust[*sdkeb.ActivateEventSourceOutput](t)(customer.ActivateEventSource(ctx, &sdkeb.ActivateEventSourceInput{Name: aws.String(name)}))
	srcs := cpMust[*sdkeb.ListEventSourcesOutput](t)(customer.ListEventSources(ctx, &sdkeb.ListEventSourcesInput{NamePrefix: aws.String("aws.partner/example.com")}))
	if len(srcs.EventSources) != 1 || srcs.EventSources[0].State != types.EventSourceStateActive {
		t.Fatalf("ListEventSources = %+v", srcs.EventSources)
	}

	ps := cpMust[*sdkeb.DescribePartnerEventSourceOutput](t)(partner.DescribePartnerEventSource(ctx, &sdkeb.DescribePartnerEventSourceInput{Name: aws.String(name)}))
	if aws.ToString(ps.Name) != name {
		t.Fatalf("DescribePartnerEventSource = %+v", ps)
	}
	pl := cpMust[*sdkeb.ListPartnerEventSourcesOutput](t)(partner.ListPartnerEventSources(ctx, &sdkeb.ListPartnerEventSourcesInput{NamePrefix: aws.String("aws.partner/example.com/")}))
	if len(pl.PartnerEventSources) != 1 {
		t.Fatalf("ListPartnerEventSources = %+v", pl)
	}
	acc := cpMust[*sdkeb.ListPartnerEventSourceAccountsOutput](t)(partner.ListPartnerEventSourceAccounts(ctx, &sdkeb.ListPartnerEventSourceAccountsInput{EventSourceName: aws.String(name)}))
	if len(acc.PartnerEventSourceAccounts) != 1 || *acc.PartnerEventSourceAccounts[0].Account != cpOther || acc.PartnerEventSourceAccounts[0].State != types.EventSourceStateActive {
		t.Fatalf("ListPartnerEventSourceAccounts = %+v", acc)
	}
	cpMust[*sdkeb.DeletePartnerEventSourceOutput](t)(partner.DeletePartnerEventSource(ctx, &sdkeb.DeletePartnerEventSourceInput{Name: aws.String(name), Account: aws.String(cpOther)}))
	es = cpMust[*sdkeb.DescribeEventSourceOutput](t)(customer.DescribeEventSource(ctx, &sdkeb.DescribeEventSourceInput{Name: aws.String(name)}))
	if es.State != types.EventSourceStateDeleted {
		t.Fatalf("state after delete %s", es.State)
	}
	_, err = partner.DescribePartnerEventSource(ctx, &sdkeb.DescribePartnerEventSourceInput{Name: aws.String(name)})
	cpErr(t, err, "ResourceNotFoundException", "Event source "+name+" does not exist.")
	_, err = customer.DescribeEventSource(ctx, &sdkeb.DescribeEventSourceInput{Name: aws.String("aws.partner/a.com/1/b")})
	cpErr(t, err, "ResourceNotFoundException", "Event source aws.partner/a.com/1/b does not exist.")
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	routing := &types.RoutingConfig{FailoverConfig: &types.FailoverConfig{
		Primary:   &types.Primary{HealthCheck: aws.String("arn:aws:route53:::healthcheck/abc")},
		Secondary: &types.Secondary{Route: aws.String("us-west-2")}}}
	buses := func(r1, r2, n2 string) []types.EndpointEventBus {
		return []types.EndpointEventBus{{EventBusArn: aws.String("arn:aws:events:" + r1 + ":000000000000:event-bus/b")},
			{EventBusArn: aws.String("arn:aws:events:" + r2 + ":000000000000:event-bus/" + n2)}}
	}
	role := aws.String("arn:aws:iam::000000000000:role/r")
	cases := []struct {
		name  string
		buses []types.EndpointEventBus
		role  *string
		code  string
	}{
		{name: "ep", buses: buses("us-east-1", "us-west-2", "b"), role: role},
		{name: "ep", buses: buses("us-east-1", "us-west-2", "b"), role: role, code: "ResourceAlreadyExistsException"},
		{name: "same-region", buses: buses("us-east-1", "us-east-1", "b"), role: role, code: "ValidationException"},
		{name: "other-name", buses: buses("us-east-1", "us-west-2", "c"), role: role, code: "ValidationException"},
		{name: "no-role", buses: buses("us-east-1", "us-west-2", "b"), code: "ValidationException"},
		{name: "one-bus", buses: buses("us-east-1", "us-west-2", "b")[:1], role: role, code: "ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name+tc.code, func(t *testing.T) {
			out, err := c.CreateEndpoint(ctx, &sdkeb.CreateEndpointInput{Name: aws.String(tc.name), RoutingConfig: routing, EventBuses: tc.buses, RoleArn: tc.role})
			if tc.code != "" {
				cpErr(t, err, tc.code, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *out.Arn != "arn:aws:events:us-east-1:000000000000:endpoint/"+tc.name || out.ReplicationConfig.State != types.ReplicationStateEnabled {
				t.Fatalf("CreateEndpoint = %+v", out)
			}
		})
	}
	d := cpMust[*sdkeb.DescribeEndpointOutput](t)(c.DescribeEndpoint(ctx, &sdkeb.DescribeEndpointInput{Name: aws.String("ep")}))
	if d.State != types.EndpointStateActive || !regexp.MustCompile(`^https://[0-9a-f]{5}\.[0-9a-f]{3}\.endpoint\.events\.amazonaws\.com$`).MatchString(aws.ToString(d.EndpointUrl)) {
		t.Fatalf("DescribeEndpoint = %+v", d)
	}
	cpMust[*sdkeb.UpdateEndpointOutput](t)(c.UpdateEndpoint(ctx, &sdkeb.UpdateEndpointInput{Name: aws.String("ep"), Description: aws.String("new")}))
	list := cpMust[*sdkeb.ListEndpointsOutput](t)(c.ListEndpoints(ctx, &sdkeb.ListEndpointsInput{NamePrefix: aws.String("e")}))
	if len(list.Endpoints) != 1 || aws.ToString(list.Endpoints[0].Description) != "new" {
		t.Fatalf("ListEndpoints = %+v", list.Endpoints)
	}
	cpMust[*sdkeb.DeleteEndpointOutput](t)(c.DeleteEndpoint(ctx, &sdkeb.DeleteEndpointInput{Name: aws.String("ep")}))
	_, err := c.DescribeEndpoint(ctx, &sdkeb.DescribeEndpointInput{Name: aws.String("ep")})
	cpErr(t, err, "ResourceNotFoundException", "")
}

func TestPutPartnerEvents(t *testing.T) {
	t.Parallel()
	partner, e := cpSetup(t)
	customer := cpClientFor(e, cpOther)
	ctx := context.Background()
	const name = "aws.partner/example.com/123/orders"
	cpMust[*sdkeb.CreatePartnerEventSourceOutput](t)(partner.CreatePartnerEventSource(ctx, &sdkeb.CreatePartnerEventSourceInput{Name: aws.String(name), Account: aws.String(cpOther)}))
	bus := *cpMust[*sdkeb.CreateEventBusOutput](t)(customer.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String(name), EventSourceName: aws.String(name)})).EventBusArn
	cpMust[*sdkeb.CreateArchiveOutput](t)(customer.CreateArchive(ctx, &sdkeb.CreateArchiveInput{ArchiveName: aws.String("partner"), EventSourceArn: aws.String(bus)}))
	entry := func(source, detail string) types.PutPartnerEventsRequestEntry {
		return types.PutPartnerEventsRequestEntry{Source: aws.String(source), DetailType: aws.String("Order"), Detail: aws.String(detail)}
	}
	out := cpMust[*sdkeb.PutPartnerEventsOutput](t)(partner.PutPartnerEvents(ctx, &sdkeb.PutPartnerEventsInput{Entries: []types.PutPartnerEventsRequestEntry{
		entry(name, `{"id": 1}`),
		entry(name, `[1]`),
		entry("aws.partner/example.com/123/unknown", `{}`),
		{Source: aws.String(name), Detail: aws.String(`{}`)},
	}}))
	if out.FailedEntryCount != 3 || out.Entries[0].EventId == nil || aws.ToString(out.Entries[1].ErrorCode) != "MalformedDetail" ||
		aws.ToString(out.Entries[2].ErrorCode) != "InvalidArgument" ||
		aws.ToString(out.Entries[3].ErrorMessage) != "Parameter DetailType is not valid. Reason: DetailType is a required argument." {
		t.Fatalf("PutPartnerEvents = %+v", out)
	}
	d := cpMust[*sdkeb.DescribeArchiveOutput](t)(customer.DescribeArchive(ctx, &sdkeb.DescribeArchiveInput{ArchiveName: aws.String("partner")}))
	if d.EventCount != 1 {
		t.Fatalf("partner bus archived %d events, want 1", d.EventCount)
	}
}

// failingTransport fails every HTTP request.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in this test")
}
