package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/sns"
)

// snsNotFound is the code SNS answers for a missing topic or subscription.
const snsNotFound = "NotFound"

// pendingARN is what ListSubscriptionsByTopic shows for a subscription that
// waits for confirmation.
const pendingARN = "PendingConfirmation"

// topicAttrs are the CreateTopic attributes the file asks for.
func topicAttrs(tp *Topic) map[string]string {
	attrs := make(map[string]string, len(tp.Attributes)+1)
	for k, v := range tp.Attributes {
		attrs[k] = string(v)
	}
	if (tp.Fifo != nil && *tp.Fifo) || (tp.Fifo == nil && strings.HasSuffix(tp.Name, ".fifo")) {
		attrs["FifoTopic"] = "true"
	}
	return attrs
}

func (a *applier) topic(ctx context.Context, tp *Topic) error {
	arn := "arn:" + awsapi.Partition(a.sc.Region) + ":sns:" + a.sc.Region + ":" + a.sc.Account + ":" + tp.Name
	want := topicAttrs(tp)
	got, err := call[sns.GetTopicAttributesOutput](ctx, a, "sns", "GetTopicAttributes", &sns.GetTopicAttributesInput{TopicArn: &arn})
	switch {
	case notFound(err):
		in := &sns.CreateTopicInput{Name: &tp.Name, Attributes: want}
		tags := withGuard(tp.Tags, tp.SchemaGuard)
		for _, k := range sortedKeys(tags) {
			in.Tags = append(in.Tags, sns.Tag{Key: ptr(k), Value: ptr(tags[k])})
		}
		out, err := call[sns.CreateTopicOutput](ctx, a, "sns", "CreateTopic", in)
		if err != nil {
			return a.fail(tp.Line, err, "topic %q: CreateTopic", tp.Name)
		}
		arn = deref(out.TopicArn)
		a.done(true, "sns topic %s", tp.Name)
	case err != nil:
		return a.fail(tp.Line, err, "topic %q: GetTopicAttributes", tp.Name)
	default:
		var diffs []string
		for _, k := range sortedKeys(want) {
			have, ok := got.Attributes[k]
			if !ok && k == "FifoTopic" {
				have = "false"
			}
			if !sameAttr(have, want[k]) {
				diffs = append(diffs, fmt.Sprintf("%s %q (the file says %q)", k, have, want[k]))
			}
		}
		if len(diffs) > 0 {
			return a.fail(tp.Line, nil, "topic %q exists with %s", tp.Name, strings.Join(diffs, ", "))
		}
		a.done(false, "sns topic %s", tp.Name)
	}
	existing, err := a.subscriptions(ctx, arn)
	if err != nil {
		return a.fail(tp.Line, err, "topic %q: ListSubscriptionsByTopic", tp.Name)
	}
	for i := range tp.Subscriptions {
		if err := a.subscribe(ctx, tp, arn, &tp.Subscriptions[i], existing); err != nil {
			return err
		}
	}
	return nil
}

// subscriptions lists a topic's subscriptions, every page.
func (a *applier) subscriptions(ctx context.Context, topicArn string) ([]sns.Subscription, error) {
	var all []sns.Subscription
	in := &sns.ListSubscriptionsByTopicInput{TopicArn: &topicArn}
	for {
		out, err := call[sns.ListSubscriptionsByTopicOutput](ctx, a, "sns", "ListSubscriptionsByTopic", in)
		if err != nil {
			return nil, err
		}
		all = append(all, out.Subscriptions...)
		if deref(out.NextToken) == "" {
			return all, nil
		}
		in.NextToken = out.NextToken
	}
}

// subAttrs are the Subscribe attributes the file asks for, with the
// redrive queue resolved to its ARN.
func (a *applier) subAttrs(s *Subscription) (map[string]string, error) {
	attrs := make(map[string]string, len(s.Attributes)+1)
	for k, v := range s.Attributes {
		attrs[k] = string(v)
	}
	if s.Redrive != nil {
		policy, err := json.Marshal(struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		}{arnOf(a.queues, s.Redrive.DeadLetterQueue)})
		if err != nil {
			return nil, err
		}
		attrs["RedrivePolicy"] = string(policy)
	}
	return attrs, nil
}

func (a *applier) subscribe(ctx context.Context, tp *Topic, topicArn string, s *Subscription, existing []sns.Subscription) error {
	endpoint := s.Endpoint
	switch s.Protocol {
	case "sqs":
		endpoint = arnOf(a.queues, s.Endpoint)
	case "lambda":
		endpoint = arnOf(a.functions, s.Endpoint)
	}
	label := fmt.Sprintf("sns subscription %s -> %s %s", tp.Name, s.Protocol, s.Endpoint)
	want, err := a.subAttrs(s)
	if err != nil {
		return a.fail(s.Line, err, "subscription %s %s: attributes", s.Protocol, s.Endpoint)
	}
	for _, old := range existing {
		if deref(old.Protocol) != s.Protocol || deref(old.Endpoint) != endpoint {
			continue
		}
		subArn := deref(old.SubscriptionArn)
		if subArn == pendingARN {
			// Its attributes cannot be read until it is confirmed.
			a.done(false, "%s", label)
			return nil
		}
		got, err := call[sns.GetSubscriptionAttributesOutput](ctx, a, "sns", "GetSubscriptionAttributes", &sns.GetSubscriptionAttributesInput{SubscriptionArn: &subArn})
		if err != nil {
			return a.fail(s.Line, err, "subscription %s %s: GetSubscriptionAttributes", s.Protocol, s.Endpoint)
		}
		var diffs []string
		for _, k := range sortedKeys(want) {
			have, ok := got.Attributes[k]
			if !ok {
				have = subAttrDefault(k)
			}
			if !sameAttr(have, want[k]) {
				diffs = append(diffs, fmt.Sprintf("%s %q (the file says %q)", k, have, want[k]))
			}
		}
		if len(diffs) > 0 {
			return a.fail(s.Line, nil, "subscription %s %s to topic %q exists with %s", s.Protocol, s.Endpoint, tp.Name, strings.Join(diffs, ", "))
		}
		a.done(false, "%s", label)
		return nil
	}
	in := &sns.SubscribeInput{TopicArn: &topicArn, Protocol: &s.Protocol, Endpoint: &endpoint, ReturnSubscriptionArn: ptr(true)}
	if len(want) > 0 {
		in.Attributes = want
	}
	if _, err := call[sns.SubscribeOutput](ctx, a, "sns", "Subscribe", in); err != nil {
		return a.fail(s.Line, err, "subscription %s %s: Subscribe", s.Protocol, s.Endpoint)
	}
	a.done(true, "%s", label)
	return nil
}

// subAttrDefault is the value of a subscription attribute that
// GetSubscriptionAttributes leaves out.
func subAttrDefault(name string) string {
	switch name {
	case "RawMessageDelivery":
		return "false"
	case "FilterPolicyScope":
		return "MessageAttributes"
	}
	return ""
}

// sameAttr compares an attribute as the service holds it with the file's:
// booleans ignore case and JSON values compare as JSON.
func sameAttr(have, want string) bool {
	if have == want {
		return true
	}
	if b := strings.ToLower(want); (b == "true" || b == "false") && strings.EqualFold(have, want) {
		return true
	}
	var x, y any
	if json.Unmarshal([]byte(have), &x) != nil || json.Unmarshal([]byte(want), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
