package sns

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Delivery policies (HTTP/S retries) as SNS reports them: a topic's
// EffectiveDeliveryPolicy is its DeliveryPolicy with AWS's defaults filled
// in; a subscription's DeliveryPolicy is shown in a normalised shape (every
// member present, null when unset) and its EffectiveDeliveryPolicy takes
// what it leaves unset from the topic.

// retryPolicyFull is a retry policy with every member, in AWS's order.
type retryPolicyFull struct {
	MinDelayTarget     int    `json:"minDelayTarget"`
	MaxDelayTarget     int    `json:"maxDelayTarget"`
	NumRetries         int    `json:"numRetries"`
	NumMaxDelayRetries int    `json:"numMaxDelayRetries"`
	NumNoDelayRetries  int    `json:"numNoDelayRetries"`
	NumMinDelayRetries int    `json:"numMinDelayRetries"`
	BackoffFunction    string `json:"backoffFunction"`
}

// fill completes a partial retry policy with AWS's defaults.
func (r *retryPolicy) fill() retryPolicyFull {
	out := retryPolicyFull{MinDelayTarget: 20, MaxDelayTarget: 20, NumRetries: 3, BackoffFunction: "linear"}
	if r == nil {
		return out
	}
	set := func(dst *int, src *int) {
		if src != nil {
			*dst = *src
		}
	}
	set(&out.MinDelayTarget, r.MinDelayTarget)
	set(&out.MaxDelayTarget, r.MaxDelayTarget)
	set(&out.NumRetries, r.NumRetries)
	set(&out.NumMaxDelayRetries, r.NumMaxDelayRetries)
	set(&out.NumNoDelayRetries, r.NumNoDelayRetries)
	set(&out.NumMinDelayRetries, r.NumMinDelayRetries)
	if r.BackoffFunction != nil {
		out.BackoffFunction = *r.BackoffFunction
	}
	return out
}

// requestPolicy is the HTTP request settings of a delivery policy.
type requestPolicy struct {
	HeaderContentType string `json:"headerContentType"`
}

// defaultContentType is the Content-Type of HTTP deliveries by default.
const defaultContentType = "text/plain; charset=UTF-8"

// topicHTTPPolicy is the "http" member of a topic DeliveryPolicy as given.
type topicHTTPPolicy struct {
	Healthy          *retryPolicy    `json:"defaultHealthyRetryPolicy"`
	Sickly           json.RawMessage `json:"defaultSicklyRetryPolicy"`
	Throttle         json.RawMessage `json:"defaultThrottlePolicy"`
	DisableOverrides *bool           `json:"disableSubscriptionOverrides"`
	Request          *requestPolicy  `json:"defaultRequestPolicy"`
}

// effectiveHTTP is the "http" member of an EffectiveDeliveryPolicy.
type effectiveHTTP struct {
	Healthy          retryPolicyFull `json:"defaultHealthyRetryPolicy"`
	Sickly           json.RawMessage `json:"defaultSicklyRetryPolicy,omitempty"`
	Throttle         json.RawMessage `json:"defaultThrottlePolicy,omitempty"`
	DisableOverrides bool            `json:"disableSubscriptionOverrides"`
	Request          requestPolicy   `json:"defaultRequestPolicy"`
}

// topicEffective computes a topic's effective HTTP delivery policy from its
// DeliveryPolicy ("" for none).
func topicEffective(policy string) effectiveHTTP {
	var doc struct {
		HTTP topicHTTPPolicy `json:"http"`
	}
	if policy != "" {
		_ = json.Unmarshal([]byte(policy), &doc) // validated when set
	}
	h := doc.HTTP
	out := effectiveHTTP{Healthy: h.Healthy.fill(), Sickly: compactJSON(h.Sickly), Throttle: compactJSON(h.Throttle),
		Request: requestPolicy{HeaderContentType: defaultContentType}}
	if h.DisableOverrides != nil {
		out.DisableOverrides = *h.DisableOverrides
	}
	if h.Request != nil && h.Request.HeaderContentType != "" {
		out.Request = *h.Request
	}
	return out
}

// effectiveDeliveryPolicy renders a topic's EffectiveDeliveryPolicy.
func effectiveDeliveryPolicy(policy string) string {
	return mustJSON(map[string]effectiveHTTP{"http": topicEffective(policy)})
}

// subPolicyInput is a subscription DeliveryPolicy as given.
type subPolicyInput struct {
	Healthy    *retryPolicy    `json:"healthyRetryPolicy"`
	Sickly     json.RawMessage `json:"sicklyRetryPolicy"`
	Throttle   json.RawMessage `json:"throttlePolicy"`
	Request    *requestPolicy  `json:"requestPolicy"`
	Guaranteed *bool           `json:"guaranteed"`
}

// subPolicyShown is a subscription delivery policy as SNS shows it.
type subPolicyShown struct {
	Healthy    *retryPolicyFull `json:"healthyRetryPolicy"`
	Sickly     json.RawMessage  `json:"sicklyRetryPolicy"`
	Throttle   json.RawMessage  `json:"throttlePolicy"`
	Request    *requestPolicy   `json:"requestPolicy"`
	Guaranteed bool             `json:"guaranteed"`
}

// subPolicyMembers are the members a subscription DeliveryPolicy may have.
var subPolicyMembers = map[string]bool{
	"healthyRetryPolicy": true, "sicklyRetryPolicy": true, "throttlePolicy": true, "requestPolicy": true, "guaranteed": true,
}

// checkSubDeliveryPolicy validates a subscription DeliveryPolicy and
// returns the reason it is refused, "" when valid.
func checkSubDeliveryPolicy(v string) string {
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &members); err != nil || members == nil {
		return "failed to parse JSON."
	}
	for _, k := range sortedKeys(members) {
		if !subPolicyMembers[k] {
			return fmt.Sprintf("Unrecognized field %q", k) // unverified: wording
		}
	}
	var p subPolicyInput
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return "failed to parse JSON."
	}
	if p.Healthy != nil {
		if r := p.Healthy.check(); r != "" {
			return "healthyRetryPolicy: " + r // unverified: wording
		}
	}
	return ""
}

// shownSubPolicy normalises a subscription DeliveryPolicy.
func shownSubPolicy(v string) subPolicyShown {
	var p subPolicyInput
	_ = json.Unmarshal([]byte(v), &p) // validated when set
	out := subPolicyShown{Sickly: compactJSON(p.Sickly), Throttle: compactJSON(p.Throttle), Request: p.Request}
	if p.Healthy != nil {
		h := p.Healthy.fill()
		out.Healthy = &h
	}
	if p.Guaranteed != nil {
		out.Guaranteed = *p.Guaranteed
	}
	return out
}

// subscriptionPolicies renders an HTTP(S) subscription's DeliveryPolicy
// ("" when it has none) and EffectiveDeliveryPolicy given its topic's
// DeliveryPolicy.
func subscriptionPolicies(subPolicy, topicPolicy string) (shown, effective string) {
	t := topicEffective(topicPolicy)
	healthy := t.Healthy
	eff := subPolicyShown{Healthy: &healthy, Sickly: t.Sickly, Throttle: t.Throttle, Request: &t.Request}
	if subPolicy != "" {
		s := shownSubPolicy(subPolicy)
		shown = mustJSON(s)
		if !t.DisableOverrides {
			if s.Healthy != nil {
				eff.Healthy = s.Healthy
			}
			if s.Sickly != nil {
				eff.Sickly = s.Sickly
			}
			if s.Throttle != nil {
				eff.Throttle = s.Throttle
			}
			if s.Request != nil {
				eff.Request = s.Request
			}
			eff.Guaranteed = s.Guaranteed
		}
	}
	return shown, mustJSON(eff)
}

// compactJSON returns raw without insignificant space; nil for JSON null or
// nothing.
func compactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil
	}
	return b.Bytes()
}

// mustJSON encodes values that always encode (structs of plain fields).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sns: encoding %T: %v", v, err))
	}
	return string(b)
}
