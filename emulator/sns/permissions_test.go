package sns_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func TestPermissions(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "shared", nil)
	cases := []struct {
		desc     string
		label    string
		accounts []string
		actions  []string
		wantErr  string
	}{
		{"one account", "one", []string{otherAccount}, []string{"Subscribe"}, ""},
		{"two of each", "two", []string{"111122223333", "444455556666"}, []string{"Publish", "GetTopicAttributes"}, ""},
		{"duplicate label", "one", []string{otherAccount}, []string{"Publish"}, "Invalid parameter: Statement already exists"},
		{"unknown action", "bad", []string{otherAccount}, []string{"CreateTopic"}, "Invalid parameter: Policy statement action out of service scope!"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := c.AddPermission(ctx, &sdksns.AddPermissionInput{TopicArn: aws.String(topic), Label: aws.String(tc.label),
				AWSAccountId: tc.accounts, ActionName: tc.actions})
			if tc.wantErr != "" {
				cpErr(t, err, "InvalidParameter", tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("AddPermission: %v", err)
			}
		})
	}
	var p struct {
		Statement []struct {
			Sid       string
			Principal map[string]any
			Action    any
			Resource  string
		}
	}
	if err := json.Unmarshal([]byte(cpTopicAttrs(t, c, topic)["Policy"]), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Statement) != 3 || p.Statement[1].Sid != "one" || p.Statement[1].Principal["AWS"] != "arn:aws:iam::"+otherAccount+":root" ||
		p.Statement[1].Action != "SNS:Subscribe" || p.Statement[1].Resource != topic {
		t.Fatalf("policy after AddPermission: %+v", p)
	}
	if acts, ok := p.Statement[2].Action.([]any); !ok || len(acts) != 2 || acts[0] != "SNS:Publish" {
		t.Fatalf("two-action statement: %+v", p.Statement[2])
	}
	for range 2 { // removing an absent label is not an error
		cpMust[*sdksns.RemovePermissionOutput](t)(c.RemovePermission(ctx, &sdksns.RemovePermissionInput{TopicArn: aws.String(topic), Label: aws.String("two")}))
	}
	if err := json.Unmarshal([]byte(cpTopicAttrs(t, c, topic)["Policy"]), &p); err != nil || len(p.Statement) != 2 {
		t.Fatalf("policy after RemovePermission: %+v, %v", p, err)
	}
}

func TestCrossAccountSubscribe(t *testing.T) {
	t.Parallel()
	c, e := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "shared", nil)
	other := cpClientFor(e, otherAccount)
	theirQueue := "arn:aws:sqs:us-east-1:" + otherAccount + ":mine"
	sub := func() (*sdksns.SubscribeOutput, error) {
		return other.Subscribe(ctx, &sdksns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(theirQueue)})
	}
	_, err := sub()
	cpErr(t, err, "AuthorizationError", "User: arn:aws:iam::"+otherAccount+":root is not authorized to perform: SNS:Subscribe on resource: "+
		topic+" because no resource-based policy allows the SNS:Subscribe action")
	_, err = other.GetTopicAttributes(ctx, &sdksns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	cpErr(t, err, "AuthorizationError", "")
	cpMust[*sdksns.AddPermissionOutput](t)(c.AddPermission(ctx, &sdksns.AddPermissionInput{TopicArn: aws.String(topic),
		Label: aws.String("let-them"), AWSAccountId: []string{otherAccount}, ActionName: []string{"Subscribe"}}))
	out, err := sub()
	if err != nil || !hasPrefix(*out.SubscriptionArn, topic+":") {
		t.Fatalf("cross-account Subscribe = %v, %v", out, err)
	}
	// The subscriber sees and owns it; it is confirmed (its own queue).
	a, err := other.GetSubscriptionAttributes(ctx, &sdksns.GetSubscriptionAttributesInput{SubscriptionArn: out.SubscriptionArn})
	if err != nil || a.Attributes["Owner"] != otherAccount || a.Attributes["PendingConfirmation"] != "false" {
		t.Fatalf("subscriber's view: %v, %v", a, err)
	}
	// The topic owner lists it.
	list := cpMust[*sdksns.ListSubscriptionsByTopicOutput](t)(c.ListSubscriptionsByTopic(ctx, &sdksns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)}))
	if len(list.Subscriptions) != 1 || *list.Subscriptions[0].Owner != otherAccount {
		t.Fatalf("owner's list: %+v", list.Subscriptions)
	}
	// The subscriber may unsubscribe.
	cpMust[*sdksns.UnsubscribeOutput](t)(other.Unsubscribe(ctx, &sdksns.UnsubscribeInput{SubscriptionArn: out.SubscriptionArn}))
	if got := cpTopicAttrs(t, c, topic)["SubscriptionsDeleted"]; got != "1" {
		t.Fatalf("SubscriptionsDeleted = %s", got)
	}
	// A third party cannot unsubscribe others.
	cpSubscribe(t, c, topic, "sqs", queueARN("owner-q"), nil)
	owned := cpMust[*sdksns.ListSubscriptionsByTopicOutput](t)(c.ListSubscriptionsByTopic(ctx, &sdksns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)}))
	_, err = cpClientFor(e, "999988887777").Unsubscribe(ctx, &sdksns.UnsubscribeInput{SubscriptionArn: owned.Subscriptions[0].SubscriptionArn})
	cpErr(t, err, "AuthorizationError", "")
}

func TestTags(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "tagged", nil)
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	many := make([]types.Tag, 0, 51)
	for i := range 51 {
		many = append(many, tag("k"+string(rune('A'+i%26))+string(rune('a'+i/26)), "v"))
	}
	cases := []struct {
		desc     string
		arn      string
		tags     []types.Tag
		wantCode string
		wantMsg  string
	}{
		{"add", topic, []types.Tag{tag("team", "a"), tag("env", "dev")}, "", ""},
		{"replace", topic, []types.Tag{tag("team", "b")}, "", ""},
		{"duplicate keys", topic, []types.Tag{tag("x", "1"), tag("x", "2")}, "InvalidParameter", "Invalid parameter: Duplicated keys are not allowed."},
		{"reserved prefix", topic, []types.Tag{tag("aws:owner", "me")}, "InvalidParameter", "Invalid parameter: Tag keys must not start with 'aws:'"},
		{"too many", topic, many, "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded"},
		{"missing topic", topic + "-x", []types.Tag{tag("a", "b")}, "ResourceNotFound", "Resource does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := c.TagResource(ctx, &sdksns.TagResourceInput{ResourceArn: aws.String(tc.arn), Tags: tc.tags})
			if tc.wantCode != "" {
				cpErr(t, err, tc.wantCode, tc.wantMsg)
				return
			}
			if err != nil {
				t.Fatalf("TagResource: %v", err)
			}
		})
	}
	got := cpMust[*sdksns.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &sdksns.ListTagsForResourceInput{ResourceArn: aws.String(topic)}))
	if len(got.Tags) != 2 || *got.Tags[0].Key != "env" || *got.Tags[1].Key != "team" || *got.Tags[1].Value != "b" {
		t.Fatalf("tags = %+v", got.Tags)
	}
	cpMust[*sdksns.UntagResourceOutput](t)(c.UntagResource(ctx, &sdksns.UntagResourceInput{ResourceArn: aws.String(topic), TagKeys: []string{"env", "absent"}}))
	got = cpMust[*sdksns.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &sdksns.ListTagsForResourceInput{ResourceArn: aws.String(topic)}))
	if len(got.Tags) != 1 || *got.Tags[0].Key != "team" {
		t.Fatalf("tags after untag = %+v", got.Tags)
	}
	_, err := c.ListTagsForResource(ctx, &sdksns.ListTagsForResourceInput{ResourceArn: aws.String(topic + "-x")})
	cpErr(t, err, "ResourceNotFound", "Resource does not exist")
	_, err = c.TagResource(ctx, &sdksns.TagResourceInput{ResourceArn: aws.String(topic), Tags: many[:50]})
	cpErr(t, err, "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
	// CreateTopic takes tags too.
	cpMust[*sdksns.CreateTopicOutput](t)(c.CreateTopic(ctx, &sdksns.CreateTopicInput{Name: aws.String("born-tagged"), Tags: []types.Tag{tag("a", "1")}}))
	got = cpMust[*sdksns.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &sdksns.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:sns:us-east-1:000000000000:born-tagged")}))
	if len(got.Tags) != 1 {
		t.Fatalf("CreateTopic tags = %+v", got.Tags)
	}
}

func TestDataProtectionPolicy(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	topic := cpTopic(t, c, "guarded", nil)
	out := cpMust[*sdksns.GetDataProtectionPolicyOutput](t)(c.GetDataProtectionPolicy(ctx, &sdksns.GetDataProtectionPolicyInput{ResourceArn: aws.String(topic)}))
	if out.DataProtectionPolicy != nil && *out.DataProtectionPolicy != "" {
		t.Fatalf("new topic has policy %q", *out.DataProtectionPolicy)
	}
	good := `{"Name":"p","Description":"","Version":"2021-06-01","Statement":[{"Sid":"s","DataDirection":"Inbound","Principal":["*"],"DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],"Operation":{"Deny":{}}}]}`
	cases := []struct{ policy, wantErr string }{
		{good, ""},
		{`{"Name":`, "Invalid parameter: DataProtectionPolicy Reason: Failed to parse the policy JSON"},
		{`{"Name":"p","Version":"2021-06-01"}`, "Invalid parameter: DataProtectionPolicy Reason: Name, Version and Statement are required"},
		{`{"Name":"p","Version":"2020-01-01","Statement":[{}]}`, "Invalid parameter: DataProtectionPolicy Reason: Version must be 2021-06-01"},
	}
	for _, tc := range cases {
		_, err := c.PutDataProtectionPolicy(ctx, &sdksns.PutDataProtectionPolicyInput{ResourceArn: aws.String(topic), DataProtectionPolicy: aws.String(tc.policy)})
		if tc.wantErr != "" {
			cpErr(t, err, "InvalidParameter", tc.wantErr)
			continue
		}
		if err != nil {
			t.Fatalf("PutDataProtectionPolicy: %v", err)
		}
	}
	out = cpMust[*sdksns.GetDataProtectionPolicyOutput](t)(c.GetDataProtectionPolicy(ctx, &sdksns.GetDataProtectionPolicyInput{ResourceArn: aws.String(topic)}))
	if out.DataProtectionPolicy == nil || *out.DataProtectionPolicy != good {
		t.Fatalf("policy = %v", out.DataProtectionPolicy)
	}
	_, err := c.GetDataProtectionPolicy(ctx, &sdksns.GetDataProtectionPolicyInput{ResourceArn: aws.String(topic + "x")})
	cpErr(t, err, "NotFound", "Topic does not exist")
}
