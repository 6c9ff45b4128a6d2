package sns_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
)

func TestSubscribeEndpoints(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	std := cpTopic(t, c, "std", nil)
	fifo := cpTopic(t, c, "f.fifo", map[string]string{"FifoTopic": "true"})
	app := cpMust[*sdksns.CreatePlatformApplicationOutput](t)(c.CreatePlatformApplication(ctx, &sdksns.CreatePlatformApplicationInput{
		Name: aws.String("app"), Platform: aws.String("GCM"), Attributes: map[string]string{"PlatformCredential": "key"}}))
	ep := cpMust[*sdksns.CreatePlatformEndpointOutput](t)(c.CreatePlatformEndpoint(ctx, &sdksns.CreatePlatformEndpointInput{
		PlatformApplicationArn: app.PlatformApplicationArn, Token: aws.String("device-1")}))
	cases := []struct {
		topic, proto, endpoint string
		attrs                  map[string]string
		pending                bool
		wantErr                string
	}{
		{std, "sqs", queueARN("q"), nil, false, ""},
		{std, "sqs", "https://sqs.us-east-1.amazonaws.com/000000000000/q", nil, false, "Invalid parameter: SQS endpoint ARN"},
		{std, "sqs", queueARN("q.fifo"), nil, false,
			"Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"},
		{std, "sqs", "arn:aws:sqs:us-east-1:" + otherAccount + ":theirs", nil, true, ""},
		{std, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:fn", nil, false, ""},
		{std, "lambda", "fn", nil, false, "Invalid parameter: Lambda endpoint ARN"},
		{std, "http", "http://example.com/hook", nil, true, ""},
		{std, "https", "https://example.com/hook", nil, true, ""},
		{std, "https", "http://example.com/hook", nil, false, "Invalid parameter: Endpoint must match the specified protocol"},
		{std, "email", "ops@example.com", nil, true, ""},
		{std, "email-json", "ops@example.com", nil, true, ""},
		{std, "email", "not-an-address", nil, false, "Invalid parameter: Email address"},
		{std, "sms", "+15555550100", nil, false, ""},
		{std, "sms", "+1-555-555-0101", nil, false, ""},
		{std, "sms", "+1--5555550100", nil, false, "Invalid SMS endpoint: +1--5555550100"},
		{std, "sms", "hello", nil, false, "Invalid SMS endpoint: hello"},
		{std, "application", *ep.EndpointArn, nil, false, ""},
		{std, "application", *ep.EndpointArn + "x", nil, false,
			"Invalid parameter: Endpoint Reason: Endpoint does not exist for endpoint arn" + *ep.EndpointArn + "x"},
		{std, "firehose", "arn:aws:firehose:us-east-1:000000000000:deliverystream/s",
			map[string]string{"SubscriptionRoleArn": "arn:aws:iam::000000000000:role/r"}, false, ""},
		{std, "firehose", "arn:aws:firehose:us-east-1:000000000000:deliverystream/s2", nil, false,
			"Invalid parameter: Attributes Reason: SubscriptionRoleArn is required for the firehose protocol"},
		{std, "carrier-pigeon", "coop", nil, false, "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon"},
		{fifo, "sqs", queueARN("q.fifo"), nil, false, ""},
		{fifo, "sqs", queueARN("standard-q"), nil, false, ""},
		{fifo, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:fn", nil, false, "Invalid parameter: Invalid protocol type: lambda"},
		{fifo, "email", "ops@example.com", nil, false, "Invalid parameter: Invalid protocol type: email"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%s", tc.proto, tc.endpoint), func(t *testing.T) {
			out, err := c.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: aws.String(tc.topic), Protocol: aws.String(tc.proto),
				Endpoint: aws.String(tc.endpoint), Attributes: tc.attrs})
			if tc.wantErr != "" {
				cpErr(t, err, "InvalidParameter", tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Subscribe: %v", err)
			}
			if tc.pending {
				if *out.SubscriptionArn != "pending confirmation" {
					t.Fatalf("SubscriptionArn = %q, want pending confirmation", *out.SubscriptionArn)
				}
				return
			}
			if !hasPrefix(*out.SubscriptionArn, tc.topic+":") {
				t.Fatalf("SubscriptionArn = %q", *out.SubscriptionArn)
			}
			a := cpSubAttrs(t, c, *out.SubscriptionArn)
			if a["PendingConfirmation"] != "false" || a["ConfirmationWasAuthenticated"] != "true" || a["Protocol"] != tc.proto ||
				a["Endpoint"] != tc.endpoint || a["Owner"] != "000000000000" || a["TopicArn"] != tc.topic || a["RawMessageDelivery"] != "false" {
				t.Fatalf("attributes = %v", a)
			}
		})
	}
	a := cpTopicAttrs(t, c, std)
	if a["SubscriptionsConfirmed"] != "6" || a["SubscriptionsPending"] != "5" {
		t.Fatalf("counts: confirmed %s pending %s, want 6 and 5", a["SubscriptionsConfirmed"], a["SubscriptionsPending"])
	}
}

func TestSubscribeIdempotent(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "t", nil)
	attrs := map[string]string{"RawMessageDelivery": "true"}
	first := cpSubscribe(t, c, topic, "sqs", queueARN("q"), attrs)
	if again := cpSubscribe(t, c, topic, "sqs", queueARN("q"), attrs); again != first {
		t.Fatalf("re-subscribe = %s, want %s", again, first)
	}
	if again := cpSubscribe(t, c, topic, "sqs", queueARN("q"), nil); again != first {
		t.Fatalf("re-subscribe without attributes = %s, want %s", again, first)
	}
	_, err := c.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"),
		Endpoint: aws.String(queueARN("q")), Attributes: map[string]string{"RawMessageDelivery": "false"}})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: Subscription already exists with different attributes")
	// A pending subscription answers "pending confirmation" again, or its ARN when asked.
	out := cpMust[*sdksns.SubscribeOutput](t)(c.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: aws.String(topic),
		Protocol: aws.String("https"), Endpoint: aws.String("https://example.com/x")}))
	if *out.SubscriptionArn != "pending confirmation" {
		t.Fatalf("first https Subscribe = %s", *out.SubscriptionArn)
	}
	arn := cpSubscribe(t, c, topic, "https", "https://example.com/x", nil)
	if !hasPrefix(arn, topic+":") {
		t.Fatalf("ReturnSubscriptionArn gave %s", arn)
	}
	if a := cpSubAttrs(t, c, arn); a["PendingConfirmation"] != "true" || a["ConfirmationWasAuthenticated"] != "false" {
		t.Fatalf("pending attributes = %v", a)
	}
}

func TestConfirmSubscription(t *testing.T) {
	t.Parallel()
	c, e := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "t", nil)
	arn := cpSubscribe(t, c, topic, "https", "https://example.com/hook", nil)
	token, ok := e.SNS().ConfirmationToken(arn)
	if !ok || len(token) != 288 {
		t.Fatalf("token %q, %v", token, ok)
	}
	if got := e.SNS().PendingConfirmations(topic)["https://example.com/hook"]; got != token {
		t.Fatalf("PendingConfirmations = %q, want the token", got)
	}
	cases := []struct {
		desc, topic, token string
		wantErr            string
	}{
		{"malformed token", topic, "randomtoken", "Invalid token"},
		{"unknown token", topic, strings.Repeat("ab", 144), "Invalid parameter: Token"},
		{"missing topic", topic + "i", token, "Invalid parameter: Token"},
		{"bad topic", "nope", token, "Invalid parameter: Topic"},
		{"other region", "arn:aws:sns:eu-west-1:000000000000:t", token, "Invalid parameter: Topic"},
		{"ok", topic, token, ""},
		{"again", topic, token, ""},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			out, err := c.ConfirmSubscription(ctx, &sdksns.ConfirmSubscriptionInput{TopicArn: aws.String(tc.topic), Token: aws.String(tc.token)})
			if tc.wantErr != "" {
				cpErr(t, err, "InvalidParameter", tc.wantErr)
				return
			}
			if err != nil || *out.SubscriptionArn != arn {
				t.Fatalf("ConfirmSubscription = %v, %v", out, err)
			}
		})
	}
	a := cpSubAttrs(t, c, arn)
	if a["PendingConfirmation"] != "false" || a["ConfirmationWasAuthenticated"] != "true" {
		t.Fatalf("confirmed attributes = %v", a)
	}
	if ta := cpTopicAttrs(t, c, topic); ta["SubscriptionsConfirmed"] != "1" || ta["SubscriptionsPending"] != "0" {
		t.Fatalf("topic counts = %v", ta)
	}
	// An unconfirmed subscription is deleted after 48 hours, and its token
	// stops working.
	late := cpSubscribe(t, c, topic, "email", "a@example.com", nil)
	tok, _ := e.SNS().ConfirmationToken(late)
	if err := e.Clock().Advance(47 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if ta := cpTopicAttrs(t, c, topic); ta["SubscriptionsPending"] != "1" {
		t.Fatalf("after 47 h: %v", ta)
	}
	if err := e.Clock().Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	_, err := c.ConfirmSubscription(ctx, &sdksns.ConfirmSubscriptionInput{TopicArn: aws.String(topic), Token: aws.String(tok)})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: Token")
	_, err = c.GetSubscriptionAttributes(ctx, &sdksns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(late)})
	cpErr(t, err, "NotFound", "Subscription does not exist")
	if ta := cpTopicAttrs(t, c, topic); ta["SubscriptionsPending"] != "0" || ta["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("after 48 h: %v", ta)
	}
}

func TestSubscriptionAttributes(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "t", nil)
	fifo := cpTopic(t, c, "f.fifo", map[string]string{"FifoTopic": "true"})
	sqsSub := cpSubscribe(t, c, topic, "sqs", queueARN("q"), nil)
	lambdaSub := cpSubscribe(t, c, topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:fn", nil)
	httpSub := cpSubscribe(t, c, topic, "http", "http://example.com/h", nil)
	fifoSub := cpSubscribe(t, c, fifo, "sqs", queueARN("q.fifo"), nil)
	filter := `{"store": ["example_corp"], "price": [{"numeric": [">", 10]}]}`
	cases := []struct {
		sub, name, value string
		wantErr          string
		want             map[string]string // attributes after the call ("" = absent)
	}{
		{sqsSub, "RawMessageDelivery", "True", "", map[string]string{"RawMessageDelivery": "true"}},
		{sqsSub, "RawMessageDelivery", "maybe", "Invalid parameter: RawMessageDelivery: Invalid value [maybe]. Must be true or false.", nil},
		{lambdaSub, "RawMessageDelivery", "true", "Invalid parameter: Delivery protocol [lambda] does not support raw message delivery.", nil},
		{lambdaSub, "RawMessageDelivery", "false", "", map[string]string{"RawMessageDelivery": "false"}},
		{sqsSub, "FilterPolicy", filter, "", map[string]string{"FilterPolicy": filter, "FilterPolicyScope": "MessageAttributes"}},
		{sqsSub, "FilterPolicy", `["a"]`, "Invalid parameter: FilterPolicy: Filter is not an object\n at [Source: (String)\"[\"a\"]\"; line: 1, column: 2]", nil},
		{sqsSub, "FilterPolicyScope", "MessageBody", "", map[string]string{"FilterPolicy": filter, "FilterPolicyScope": "MessageBody"}},
		{sqsSub, "FilterPolicyScope", "Body", "Invalid parameter: FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes", nil},
		{sqsSub, "FilterPolicy", "", "", map[string]string{"FilterPolicy": "", "FilterPolicyScope": ""}},
		{sqsSub, "RedrivePolicy", `{"deadLetterTargetArn":"` + queueARN("dlq") + `"}`, "",
			map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + queueARN("dlq") + `"}`}},
		{sqsSub, "RedrivePolicy", `{"deadLetterTargetArn":"dlq"}`, "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn", nil},
		{sqsSub, "RedrivePolicy", `{`, "Invalid parameter: RedrivePolicy: failed to parse JSON.", nil},
		{fifoSub, "RedrivePolicy", `{"deadLetterTargetArn":"` + queueARN("dlq") + `"}`,
			"Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.", nil},
		{httpSub, "DeliveryPolicy", `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":0},"throttlePolicy":{"maxReceivesPerSecond": 1000}}`, "", map[string]string{
			"DeliveryPolicy":          `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":0,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"sicklyRetryPolicy":null,"throttlePolicy":{"maxReceivesPerSecond":1000},"requestPolicy":null,"guaranteed":false}`,
			"EffectiveDeliveryPolicy": `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":0,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"sicklyRetryPolicy":null,"throttlePolicy":{"maxReceivesPerSecond":1000},"requestPolicy":{"headerContentType":"text/plain; charset=UTF-8"},"guaranteed":false}`}},
		{httpSub, "DeliveryPolicy", `{"requestPolicy":{"headerContentType":"text/csv"}}`, "", map[string]string{
			"EffectiveDeliveryPolicy": `{"healthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"sicklyRetryPolicy":null,"throttlePolicy":null,"requestPolicy":{"headerContentType":"text/csv"},"guaranteed":false}`}},
		{httpSub, "DeliveryPolicy", `{"healthyRetryPolicy":{"minDelayTarget":9,"maxDelayTarget":2}}`,
			"Invalid parameter: DeliveryPolicy: healthyRetryPolicy: minDelayTarget must be less than or equal to maxDelayTarget", nil},
		{sqsSub, "Colour", "blue", "Invalid parameter: AttributeName", nil},
		{topic + ":00000000-0000-4000-8000-000000000000", "RawMessageDelivery", "true", "", nil}, // NotFound, checked below
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			_, err := c.SetSubscriptionAttributes(ctx, &sdksns.SetSubscriptionAttributesInput{SubscriptionArn: aws.String(tc.sub),
				AttributeName: aws.String(tc.name), AttributeValue: aws.String(tc.value)})
			if tc.sub == topic+":00000000-0000-4000-8000-000000000000" {
				cpErr(t, err, "NotFound", "Subscription does not exist")
				return
			}
			if tc.wantErr != "" {
				cpErr(t, err, "InvalidParameter", tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("SetSubscriptionAttributes: %v", err)
			}
			got := cpSubAttrs(t, c, tc.sub)
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
	if a := cpSubAttrs(t, c, httpSub); a["EffectiveDeliveryPolicy"] == "" {
		t.Errorf("http subscription has no EffectiveDeliveryPolicy: %v", a)
	}
	// Subscribe applies attributes with its own wording.
	_, err := c.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("email"),
		Endpoint: aws.String("x@example.com"), Attributes: map[string]string{"RawMessageDelivery": "true"}})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: Delivery protocol [email] does not support raw message delivery.")
	_, err = c.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"),
		Endpoint: aws.String(queueARN("z")), Attributes: map[string]string{"Colour": "blue"}})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: AttributeName")
	_, err = c.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"),
		Endpoint: aws.String(queueARN("z")), Attributes: map[string]string{"FilterPolicy": "invalid"}})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: FilterPolicy: Filter is not valid JSON")
	for _, bad := range []struct{ arn, msg string }{
		{"nope", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"},
		{topic, "Invalid parameter: SubscriptionId"},
		{queueARN("test-queue") + ":66d97e76-31e5-444f-8fa7-b60b680d0d39", "Invalid parameter: SubscriptionId"},
		{topic + ":not-a-uuid", "Invalid parameter: SubscriptionId"},
	} {
		_, err = c.GetSubscriptionAttributes(ctx, &sdksns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(bad.arn)})
		cpErr(t, err, "InvalidParameter", bad.msg)
	}
}

func TestUnsubscribe(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "t", nil)
	sub := cpSubscribe(t, c, topic, "sqs", queueARN("q"), nil)
	for i := range 2 { // the second call finds nothing and succeeds
		if _, err := c.Unsubscribe(ctx, &sdksns.UnsubscribeInput{SubscriptionArn: aws.String(sub)}); err != nil {
			t.Fatalf("Unsubscribe #%d: %v", i+1, err)
		}
	}
	a := cpTopicAttrs(t, c, topic)
	if a["SubscriptionsConfirmed"] != "0" || a["SubscriptionsDeleted"] != "1" {
		t.Fatalf("counts after unsubscribe: %v", a)
	}
	cases := []struct{ arn, msg string }{
		{"", "Invalid parameter: SubscriptionArn Reason: no value for required parameter"},
		{"pending confirmation", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1"},
		{"arn:aws:sns:us-east-1", "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 4"},
		{topic, "Invalid parameter: SubscriptionId"},
	}
	for _, tc := range cases {
		_, err := c.Unsubscribe(ctx, &sdksns.UnsubscribeInput{SubscriptionArn: aws.String(tc.arn)})
		cpErr(t, err, "InvalidParameter", tc.msg)
	}
}

func TestListSubscriptions(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	a := cpTopic(t, c, "a", nil)
	b := cpTopic(t, c, "b", nil)
	for i := range 150 {
		cpSubscribe(t, c, a, "sqs", queueARN(fmt.Sprintf("q%d", i)), nil)
	}
	cpMust[*sdksns.SubscribeOutput](t)(c.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: aws.String(b),
		Protocol: aws.String("email"), Endpoint: aws.String("me@example.com")}))
	count := func(list func(*string) ([]string, *string)) (int, int) {
		n, pages := 0, 0
		var tok *string
		for {
			arns, next := list(tok)
			n += len(arns)
			pages++
			if next == nil {
				return n, pages
			}
			tok = next
		}
	}
	all, pages := count(func(tok *string) ([]string, *string) {
		out := cpMust[*sdksns.ListSubscriptionsOutput](t)(c.ListSubscriptions(ctx, &sdksns.ListSubscriptionsInput{NextToken: tok}))
		var arns []string
		for _, s := range out.Subscriptions {
			arns = append(arns, *s.SubscriptionArn)
		}
		return arns, out.NextToken
	})
	if all != 151 || pages != 2 {
		t.Fatalf("ListSubscriptions: %d in %d pages", all, pages)
	}
	byTopic := cpMust[*sdksns.ListSubscriptionsByTopicOutput](t)(c.ListSubscriptionsByTopic(ctx, &sdksns.ListSubscriptionsByTopicInput{TopicArn: aws.String(b)}))
	if len(byTopic.Subscriptions) != 1 || *byTopic.Subscriptions[0].SubscriptionArn != "PendingConfirmation" ||
		*byTopic.Subscriptions[0].Endpoint != "me@example.com" || *byTopic.Subscriptions[0].Owner != "000000000000" {
		t.Fatalf("ListSubscriptionsByTopic(b) = %+v", byTopic.Subscriptions)
	}
	n, pages := count(func(tok *string) ([]string, *string) {
		out := cpMust[*sdksns.ListSubscriptionsByTopicOutput](t)(c.ListSubscriptionsByTopic(ctx, &sdksns.ListSubscriptionsByTopicInput{TopicArn: aws.String(a), NextToken: tok}))
		var arns []string
		for _, s := range out.Subscriptions {
			arns = append(arns, *s.SubscriptionArn)
		}
		return arns, out.NextToken
	})
	if n != 150 || pages != 2 {
		t.Fatalf("ListSubscriptionsByTopic(a): %d in %d pages", n, pages)
	}
	_, err := c.ListSubscriptionsByTopic(ctx, &sdksns.ListSubscriptionsByTopicInput{TopicArn: aws.String(a + "x")})
	cpErr(t, err, "NotFound", "Topic does not exist")
}

// TestUnsignedConfirmAndUnsubscribe plays the endpoint owner following the
// SubscribeURL and UnsubscribeURL links: unsigned requests.
func TestUnsignedConfirmAndUnsubscribe(t *testing.T) {
	t.Parallel()
	c, e := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "t", nil)
	unsigned := func(form url.Values) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.Endpoint()+"/", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	cases := []struct {
		desc          string
		signedConfirm bool
		wantAuth      string // ConfirmationWasAuthenticated
		unsubStatus   int    // of an unsigned Unsubscribe
	}{
		{"link", false, "false", http.StatusOK},
		{"signed with AuthenticateOnUnsubscribe", true, "true", http.StatusForbidden},
	}
	for i, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			arn := cpSubscribe(t, c, topic, "https", fmt.Sprintf("https://example.com/%d", i), nil)
			token, _ := e.SNS().ConfirmationToken(arn)
			if tc.signedConfirm {
				cpMust[*sdksns.ConfirmSubscriptionOutput](t)(c.ConfirmSubscription(ctx, &sdksns.ConfirmSubscriptionInput{
					TopicArn: aws.String(topic), Token: aws.String(token), AuthenticateOnUnsubscribe: aws.String("true")}))
			} else if status, body := unsigned(url.Values{"Action": {"ConfirmSubscription"}, "Version": {"2010-03-31"},
				"TopicArn": {topic}, "Token": {token}, "AuthenticateOnUnsubscribe": {"true"}}); status != http.StatusOK {
				t.Fatalf("unsigned confirm: %d %s", status, body)
			}
			if got := cpSubAttrs(t, c, arn)["ConfirmationWasAuthenticated"]; got != tc.wantAuth {
				t.Fatalf("ConfirmationWasAuthenticated = %s, want %s", got, tc.wantAuth)
			}
			status, body := unsigned(url.Values{"Action": {"Unsubscribe"}, "Version": {"2010-03-31"}, "SubscriptionArn": {arn}})
			if status != tc.unsubStatus {
				t.Fatalf("unsigned unsubscribe: %d %s", status, body)
			}
			if status == http.StatusForbidden && !strings.Contains(body, "<Code>AuthorizationError</Code>") {
				t.Fatalf("unsigned unsubscribe body: %s", body)
			}
		})
	}
}
