package sns_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func TestCreateTopicNames(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	fifoMsg := "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
	cases := []struct {
		name    string
		attrs   map[string]string
		wantErr string
	}{
		{"orders_v1-x", nil, ""},
		{strings.Repeat("a", 256), nil, ""},
		{strings.Repeat("a", 257), nil, "Invalid parameter: Topic Name"},
		{"bad.name", nil, "Invalid parameter: Topic Name"},
		{"has space", nil, "Invalid parameter: Topic Name"},
		{"orders.fifo", nil, "Invalid parameter: Topic Name"},
		{"orders.fifo", map[string]string{"FifoTopic": "true"}, ""},
		{"plain", map[string]string{"FifoTopic": "true"}, fifoMsg},
		{"bad!.fifo", map[string]string{"FifoTopic": "true"}, fifoMsg},
		{strings.Repeat("b", 252) + ".fifo", map[string]string{"FifoTopic": "true"}, fifoMsg},
		{"explicit-standard", map[string]string{"FifoTopic": "false"}, ""},
		{"unknown-attr", map[string]string{"Colour": "blue"}, "Invalid parameter: AttributeName"},
		{"std-dedup", map[string]string{"ContentBasedDeduplication": "true"},
			"Invalid parameter: Attributes Reason: ContentBasedDeduplication: Invalid attribute ContentBasedDeduplication for standard topics"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%.20s/%v", tc.name, tc.attrs), func(t *testing.T) {
			_, err := c.CreateTopic(context.Background(), &sdksns.CreateTopicInput{Name: aws.String(tc.name), Attributes: tc.attrs})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CreateTopic: %v", err)
				}
				return
			}
			cpErr(t, err, "InvalidParameter", tc.wantErr)
		})
	}
}

func TestCreateTopicIdempotent(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	tags := []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}
	first := cpMust[*sdksns.CreateTopicOutput](t)(c.CreateTopic(ctx, &sdksns.CreateTopicInput{Name: aws.String("orders"),
		Attributes: map[string]string{"DisplayName": "Orders"}, Tags: tags}))
	if want := "arn:aws:sns:us-east-1:000000000000:orders"; *first.TopicArn != want {
		t.Fatalf("TopicArn = %s, want %s", *first.TopicArn, want)
	}
	cases := []struct {
		desc    string
		in      sdksns.CreateTopicInput
		wantErr string
	}{
		{"same", sdksns.CreateTopicInput{Attributes: map[string]string{"DisplayName": "Orders"}, Tags: tags}, ""},
		{"subset", sdksns.CreateTopicInput{}, ""},
		{"different attribute", sdksns.CreateTopicInput{Attributes: map[string]string{"DisplayName": "Other"}},
			"Invalid parameter: Attributes Reason: Topic already exists with different attributes"},
		{"new attribute", sdksns.CreateTopicInput{Attributes: map[string]string{"KmsMasterKeyId": "alias/x"}},
			"Invalid parameter: Attributes Reason: Topic already exists with different attributes"},
		{"different tag", sdksns.CreateTopicInput{Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("b")}}},
			"Invalid parameter: Tags Reason: Topic already exists with different tags"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			in := tc.in
			in.Name = aws.String("orders")
			out, err := c.CreateTopic(ctx, &in)
			if tc.wantErr != "" {
				cpErr(t, err, "InvalidParameter", tc.wantErr)
				return
			}
			if err != nil || *out.TopicArn != *first.TopicArn {
				t.Fatalf("CreateTopic = %v, %v; want %s", out, err, *first.TopicArn)
			}
		})
	}
	list := cpMust[*sdksns.ListTopicsOutput](t)(c.ListTopics(ctx, &sdksns.ListTopicsInput{}))
	if len(list.Topics) != 1 {
		t.Fatalf("ListTopics has %d topics, want 1", len(list.Topics))
	}
}

func TestTopicAttributeDefaults(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	std := cpTopic(t, c, "std", nil)
	fifo := cpTopic(t, c, "f.fifo", map[string]string{"FifoTopic": "true"})
	got := cpTopicAttrs(t, c, std)
	want := map[string]string{
		"TopicArn": std, "Owner": "000000000000", "DisplayName": "",
		"SubscriptionsConfirmed": "0", "SubscriptionsPending": "0", "SubscriptionsDeleted": "0",
		"EffectiveDeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for _, k := range []string{"FifoTopic", "ContentBasedDeduplication", "FifoThroughputScope"} {
		if _, ok := got[k]; ok {
			t.Errorf("standard topic has %s", k)
		}
	}
	var policy struct {
		Version, Id string
		Statement   []struct {
			Sid, Effect string
			Principal   map[string]string
			Action      []string
			Resource    string
			Condition   map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(got["Policy"]), &policy); err != nil {
		t.Fatalf("Policy %q: %v", got["Policy"], err)
	}
	st := policy.Statement[0]
	if policy.Version != "2008-10-17" || policy.Id != "__default_policy_ID" || len(policy.Statement) != 1 ||
		st.Sid != "__default_statement_ID" || st.Principal["AWS"] != "*" || st.Resource != std || len(st.Action) != 8 ||
		st.Condition["StringEquals"]["AWS:SourceOwner"] != "000000000000" {
		t.Errorf("default policy = %s", got["Policy"])
	}
	fa := cpTopicAttrs(t, c, fifo)
	for k, v := range map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "false"} {
		if fa[k] != v {
			t.Errorf("FIFO %s = %q, want %q", k, fa[k], v)
		}
	}
	if _, ok := fa["FifoThroughputScope"]; ok {
		t.Errorf("FifoThroughputScope shown before it was set: %v", fa)
	}
	_, err := c.GetTopicAttributes(context.Background(), &sdksns.GetTopicAttributesInput{TopicArn: aws.String(std + "-missing")})
	cpErr(t, err, "NotFound", "Topic does not exist")
	_, err = c.GetTopicAttributes(context.Background(), &sdksns.GetTopicAttributesInput{TopicArn: aws.String("not-an-arn")})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1")
	_, err = c.GetTopicAttributes(context.Background(), &sdksns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000")})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 5")
	_, err = c.GetTopicAttributes(context.Background(), &sdksns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:000000000000:std")})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: TopicArn")
}

func TestSetTopicAttributes(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	std := cpTopic(t, c, "std", nil)
	fifo := cpTopic(t, c, "f.fifo", map[string]string{"FifoTopic": "true"})
	cases := []struct {
		topic, name, value string
		wantErr            string
		check              string // attribute to read back ("" = name)
		want               string
	}{
		{std, "DisplayName", "Shop orders", "", "", "Shop orders"},
		{std, "DisplayName", strings.Repeat("x", 101), "Invalid parameter: DisplayName: must be at most 100 characters long", "", ""},
		{std, "SignatureVersion", "2", "", "", "2"},
		{std, "SignatureVersion", "3", "Invalid parameter: SignatureVersion: Invalid value [3]. Must be 1 or 2.", "", ""},
		{std, "TracingConfig", "Active", "", "", "Active"},
		{std, "TracingConfig", "On", "Invalid parameter: TracingConfig: Invalid value [On]. Please use either PassThrough or Active", "", ""},
		{std, "KmsMasterKeyId", "alias/aws/sns", "", "", "alias/aws/sns"},
		{std, "SQSSuccessFeedbackSampleRate", "50", "", "", "50"},
		{std, "SQSSuccessFeedbackSampleRate", "101", "Invalid parameter: SQSSuccessFeedbackSampleRate: must be an integer from 0 to 100", "", ""},
		{std, "DeliveryPolicy", `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":5,"maxDelayTarget":6,"numRetries":1},"disableSubscriptionOverrides":false}}`, "", "EffectiveDeliveryPolicy",
			`{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":5,"maxDelayTarget":6,"numRetries":1,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`},
		{std, "DeliveryPolicy", `{"http":{"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"application/json"}}}`, "", "EffectiveDeliveryPolicy",
			`{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"application/json"}}}`},
		{std, "DeliveryPolicy", `{"http":`, "Invalid parameter: DeliveryPolicy: failed to parse JSON.", "", ""},
		{std, "DeliveryPolicy", `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":20}}}`,
			"Invalid parameter: DeliveryPolicy: http.defaultHealthyRetryPolicy: minDelayTarget must be less than or equal to maxDelayTarget", "", ""},
		{std, "Policy", `not json`, "Invalid parameter: Policy Error: null", "", ""},
		{std, "Policy", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"SNS:*"}]}`, "Invalid parameter: Policy statement action out of service scope!", "", ""},
		{std, "Policy", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":["sns:Publish","SQS:SendMessage"]}]}`, "Invalid parameter: Policy statement action out of service scope!", "", ""},
		{std, "Policy", `{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":"*","Action":["sns:Publish","SNS:Subscribe"]}]}`, "", "",
			`{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":"*","Action":["sns:Publish","SNS:Subscribe"]}]}`},
		{std, "FifoTopic", "true", "Invalid parameter: AttributeName", "", ""},
		{std, "Owner", "1", "Invalid parameter: AttributeName", "", ""},
		{std, "ContentBasedDeduplication", "true", "Invalid parameter: ContentBasedDeduplication: Invalid attribute ContentBasedDeduplication for standard topics", "", ""},
		{std, "ArchivePolicy", `{"MessageRetentionPeriod":"7"}`, "Invalid parameter: ArchivePolicy: Invalid attribute ArchivePolicy for standard topics", "", ""},
		{fifo, "ContentBasedDeduplication", "true", "", "", "true"},
		{fifo, "ContentBasedDeduplication", "yes", "Invalid parameter: ContentBasedDeduplication: Invalid value [yes]. Must be true or false.", "", ""},
		{fifo, "FifoThroughputScope", "MessageGroup", "", "", "MessageGroup"},
		{fifo, "FifoThroughputScope", "Queue", "Invalid parameter: FifoThroughputScope: Invalid value [Queue]. Please use either Topic or MessageGroup", "", ""},
		{fifo, "ArchivePolicy", `{"MessageRetentionPeriod":"30"}`, "", "", `{"MessageRetentionPeriod":"30"}`},
		{fifo, "ArchivePolicy", `{"MessageRetentionPeriod":"400"}`, "Invalid parameter: ArchivePolicy: MessageRetentionPeriod must be between 1 and 365", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			_, err := c.SetTopicAttributes(context.Background(), &sdksns.SetTopicAttributesInput{TopicArn: aws.String(tc.topic),
				AttributeName: aws.String(tc.name), AttributeValue: aws.String(tc.value)})
			if tc.wantErr != "" {
				cpErr(t, err, "InvalidParameter", tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("SetTopicAttributes: %v", err)
			}
			k := tc.check
			if k == "" {
				k = tc.name
			}
			if got := cpTopicAttrs(t, c, tc.topic)[k]; got != tc.want {
				t.Fatalf("%s = %q, want %q", k, got, tc.want)
			}
		})
	}
	if a := cpTopicAttrs(t, c, fifo); a["BeginningArchiveTime"] == "" {
		t.Errorf("archived FIFO topic has no BeginningArchiveTime: %v", a)
	}
}

func TestDeleteTopic(t *testing.T) {
	t.Parallel()
	c, e := cpSetup(t)
	ctx := context.Background()
	arn := cpTopic(t, c, "doomed", nil)
	sub := cpSubscribe(t, c, arn, "sqs", queueARN("q1"), nil)
	for i := range 2 { // idempotent
		if _, err := c.DeleteTopic(ctx, &sdksns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
			t.Fatalf("DeleteTopic #%d: %v", i+1, err)
		}
	}
	_, err := c.GetTopicAttributes(ctx, &sdksns.GetTopicAttributesInput{TopicArn: aws.String(arn)})
	cpErr(t, err, "NotFound", "Topic does not exist")
	_, err = c.GetSubscriptionAttributes(ctx, &sdksns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub)})
	cpErr(t, err, "NotFound", "Subscription does not exist")
	if subs := cpMust[*sdksns.ListSubscriptionsOutput](t)(c.ListSubscriptions(ctx, &sdksns.ListSubscriptionsInput{})); len(subs.Subscriptions) != 0 {
		t.Fatalf("subscriptions left: %v", subs.Subscriptions)
	}
	_, err = c.DeleteTopic(ctx, &sdksns.DeleteTopicInput{TopicArn: aws.String("garbage")})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1")
	_, err = c.DeleteTopic(ctx, &sdksns.DeleteTopicInput{TopicArn: aws.String("arn:aws:sns:us-west-2:000000000000:doomed")})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: TopicArn")
	// Recreated under the same name, the topic starts afresh.
	cpTopic(t, c, "doomed", nil)
	if got := cpTopicAttrs(t, c, arn)["SubscriptionsConfirmed"]; got != "0" {
		t.Fatalf("recreated topic has %s subscriptions", got)
	}
	_ = e
}

func TestListTopicsPaging(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	want := map[string]bool{}
	for i := range 205 {
		want[cpTopic(t, c, fmt.Sprintf("t%03d", i), nil)] = true
	}
	// Delete one on the second page while paging: nothing is skipped or repeated.
	var token *string
	seen := map[string]bool{}
	pages := 0
	for {
		out := cpMust[*sdksns.ListTopicsOutput](t)(c.ListTopics(ctx, &sdksns.ListTopicsInput{NextToken: token}))
		pages++
		if pages == 1 {
			if len(out.Topics) != 100 {
				t.Fatalf("first page has %d topics", len(out.Topics))
			}
			gone := "arn:aws:sns:us-east-1:000000000000:t150"
			cpMust[*sdksns.DeleteTopicOutput](t)(c.DeleteTopic(ctx, &sdksns.DeleteTopicInput{TopicArn: aws.String(gone)}))
			delete(want, gone)
		}
		for _, tp := range out.Topics {
			if seen[*tp.TopicArn] {
				t.Fatalf("topic %s listed twice", *tp.TopicArn)
			}
			seen[*tp.TopicArn] = true
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if pages != 3 || len(seen) != len(want) {
		t.Fatalf("%d pages, %d topics; want 3 pages, %d topics", pages, len(seen), len(want))
	}
	_, err := c.ListTopics(ctx, &sdksns.ListTopicsInput{NextToken: aws.String("bogus")})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: NextToken")
}
