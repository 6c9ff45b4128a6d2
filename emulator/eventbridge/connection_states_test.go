package eventbridge_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// TestConnectionStates steps connections through their states on the
// virtual clock: what each call answers, what DescribeConnection shows
// before and after the step, and the state of an API destination on the
// connection.
func TestConnectionStates(t *testing.T) {
	t.Parallel()
	var tokens atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/refuse" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"t","expires_in":3600}`))
	}))
	t.Cleanup(srv.Close)
	oauth := func(path string) *types.CreateConnectionAuthRequestParameters {
		return &types.CreateConnectionAuthRequestParameters{OAuthParameters: &types.CreateConnectionOAuthRequestParameters{
			AuthorizationEndpoint: aws.String(srv.URL + path), HttpMethod: types.ConnectionOAuthHttpMethodPost,
			ClientParameters: &types.CreateConnectionOAuthClientRequestParameters{ClientID: aws.String("id"), ClientSecret: aws.String("s")}}}
	}
	basic := &types.CreateConnectionAuthRequestParameters{BasicAuthParameters: &types.CreateConnectionBasicAuthRequestParameters{
		Username: aws.String("u"), Password: aws.String("p")}}

	type step struct {
		call string // create-oauth, create-basic, update, deauthorize, delete
		// answer is the state in the call's response, during the state
		// DescribeConnection shows right after it, after the state a step
		// later ("" after: the connection no longer exists).
		answer, during, after types.ConnectionState
		reason                string // StateReason after the step
		dest                  types.ApiDestinationState
	}
	cases := []struct {
		name   string
		path   string
		steps  []step
		tokens int32
	}{
		{name: "oauth", path: "/token", tokens: 1, steps: []step{
			{call: "create-oauth", answer: "AUTHORIZING", during: "AUTHORIZING", after: "AUTHORIZED", dest: "ACTIVE"}}},
		{name: "oauth-refused", path: "/refuse", steps: []step{
			{call: "create-oauth", answer: "AUTHORIZING", during: "AUTHORIZING", after: "DEAUTHORIZED",
				reason: "The authorization endpoint answered 403.", dest: "INACTIVE"}}},
		{name: "oauth-update", path: "/token", tokens: 2, steps: []step{
			{call: "create-oauth", answer: "AUTHORIZING", during: "AUTHORIZING", after: "AUTHORIZED", dest: "ACTIVE"},
			{call: "update", answer: "AUTHORIZING", during: "AUTHORIZING", after: "AUTHORIZED", dest: "ACTIVE"}}},
		{name: "basic", steps: []step{
			{call: "create-basic", answer: "AUTHORIZED", during: "AUTHORIZED", after: "AUTHORIZED", dest: "ACTIVE"},
			{call: "deauthorize", answer: "DEAUTHORIZING", during: "DEAUTHORIZING", after: "DEAUTHORIZED", dest: "INACTIVE"},
			{call: "update", answer: "AUTHORIZED", during: "AUTHORIZED", after: "AUTHORIZED", dest: "ACTIVE"},
			{call: "delete", answer: "DELETING", during: "DELETING", after: ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, e := cpSetup(t)
			e.EventBridge().SetAPIDestinationClient(srv.Client())
			ctx := context.Background()
			name := aws.String("conn")
			for i, st := range tc.steps {
				var answer types.ConnectionState
				switch st.call {
				case "create-oauth", "create-basic":
					auth := basic
					typ := types.ConnectionAuthorizationTypeBasic
					if st.call == "create-oauth" {
						auth, typ = oauth(tc.path), types.ConnectionAuthorizationTypeOauthClientCredentials
					}
					out := cpMust[*sdkeb.CreateConnectionOutput](t)(c.CreateConnection(ctx, &sdkeb.CreateConnectionInput{Name: name, AuthorizationType: typ, AuthParameters: auth}))
					answer = out.ConnectionState
					d := cpMust[*sdkeb.CreateApiDestinationOutput](t)(c.CreateApiDestination(ctx, &sdkeb.CreateApiDestinationInput{Name: aws.String("dest"),
						ConnectionArn: out.ConnectionArn, InvocationEndpoint: aws.String("https://example.com/x"), HttpMethod: types.ApiDestinationHttpMethodPost}))
					if want := apiDestState(answer); d.ApiDestinationState != want {
						t.Errorf("step %d: CreateApiDestination state %s, want %s", i, d.ApiDestinationState, want)
					}
				case "update":
					in := &sdkeb.UpdateConnectionInput{Name: name, Description: aws.String("again")}
					if tc.path != "" {
						in.AuthParameters = &types.UpdateConnectionAuthRequestParameters{OAuthParameters: &types.UpdateConnectionOAuthRequestParameters{
							ClientParameters: &types.UpdateConnectionOAuthClientRequestParameters{ClientSecret: aws.String("s2")}}}
					}
					answer = cpMust[*sdkeb.UpdateConnectionOutput](t)(c.UpdateConnection(ctx, in)).ConnectionState
				case "deauthorize":
					answer = cpMust[*sdkeb.DeauthorizeConnectionOutput](t)(c.DeauthorizeConnection(ctx, &sdkeb.DeauthorizeConnectionInput{Name: name})).ConnectionState
				case "delete":
					answer = cpMust[*sdkeb.DeleteConnectionOutput](t)(c.DeleteConnection(ctx, &sdkeb.DeleteConnectionInput{Name: name})).ConnectionState
				}
				if answer != st.answer {
					t.Errorf("step %d %s: answered %s, want %s", i, st.call, answer, st.answer)
				}
				d := cpMust[*sdkeb.DescribeConnectionOutput](t)(c.DescribeConnection(ctx, &sdkeb.DescribeConnectionInput{Name: name}))
				if d.ConnectionState != st.during {
					t.Errorf("step %d %s: state before the step %s, want %s", i, st.call, d.ConnectionState, st.during)
				}
				advanceSettle(t, e, time.Second)
				d, err := c.DescribeConnection(ctx, &sdkeb.DescribeConnectionInput{Name: name})
				if st.after == "" {
					cpErr(t, err, "ResourceNotFoundException", "Failed to describe the connection(s). Connection 'conn' does not exist.")
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if d.ConnectionState != st.after || aws.ToString(d.StateReason) != st.reason {
					t.Errorf("step %d %s: state after the step %s (%q), want %s (%q)", i, st.call, d.ConnectionState, aws.ToString(d.StateReason), st.after, st.reason)
				}
				if st.after == types.ConnectionStateAuthorized && (d.LastAuthorizedTime == nil || d.LastModifiedTime.Before(*d.LastAuthorizedTime)) {
					t.Errorf("step %d %s: LastAuthorizedTime %v, LastModifiedTime %v", i, st.call, d.LastAuthorizedTime, d.LastModifiedTime)
				}
				dd := cpMust[*sdkeb.DescribeApiDestinationOutput](t)(c.DescribeApiDestination(ctx, &sdkeb.DescribeApiDestinationInput{Name: aws.String("dest")}))
				if dd.ApiDestinationState != st.dest {
					t.Errorf("step %d %s: API destination %s, want %s", i, st.call, dd.ApiDestinationState, st.dest)
				}
				list := cpMust[*sdkeb.ListConnectionsOutput](t)(c.ListConnections(ctx, &sdkeb.ListConnectionsInput{ConnectionState: st.after}))
				if len(list.Connections) != 1 {
					t.Errorf("step %d %s: ListConnections(%s) = %d", i, st.call, st.after, len(list.Connections))
				}
			}
		})
	}
	// The parallel subtests share the server: the token requests are
	// counted once they are all done.
	t.Cleanup(func() {
		var want int32
		for _, tc := range cases {
			want += tc.tokens
		}
		if n := tokens.Load(); n != want {
			t.Errorf("%d token requests, want %d", n, want)
		}
	})
}

// apiDestState is the state of an API destination on a connection in st.
func apiDestState(st types.ConnectionState) types.ApiDestinationState {
	if st == types.ConnectionStateAuthorized {
		return types.ApiDestinationStateActive
	}
	return types.ApiDestinationStateInactive
}
