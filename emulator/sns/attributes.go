package sns

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Topic attribute names and defaults.
const (
	attrDisplayName  = "DisplayName"
	attrPolicy       = "Policy"
	attrDelivery     = "DeliveryPolicy"
	attrFifoTopic    = "FifoTopic"
	attrContentDedup = "ContentBasedDeduplication"
	attrSignature    = "SignatureVersion"
	attrTracing      = "TracingConfig"
	attrKMS          = "KmsMasterKeyId"
	attrArchive      = "ArchivePolicy"
	attrThroughput   = "FifoThroughputScope"
	maxDisplayName   = 100
)

// defaultEffectiveDeliveryPolicy is the EffectiveDeliveryPolicy of a topic
// without a DeliveryPolicy.
const defaultEffectiveDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`

var feedbackAttr = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(Application|Firehose|HTTP|Lambda|SQS)(SuccessFeedbackRoleArn|SuccessFeedbackSampleRate|FailureFeedbackRoleArn)$`)
})

// attrPrefix is the start of an attribute error's text: Subscribe and
// CreateTopic name the Attributes parameter, the Set operations do not.
func attrPrefix(create bool) string {
	if create {
		return "Invalid parameter: Attributes Reason: "
	}
	return "Invalid parameter: "
}

// isJSONObject reports whether v is one JSON object.
func isJSONObject(v string) bool {
	var m map[string]any
	return json.Unmarshal([]byte(v), &m) == nil && m != nil
}

// checkTopicAttr validates one topic attribute for a topic that is (or
// will be) FIFO or not; create selects CreateTopic's wording.
func checkTopicAttr(fifo bool, name, value string, create bool) error {
	p := attrPrefix(create)
	fifoOnly := func() error {
		if !fifo {
			// unverified: wording
			return invalidParam("%s%s: Invalid attribute %s for standard topics", p, name, name)
		}
		return nil
	}
	switch {
	case name == attrDisplayName:
		if len([]rune(value)) > maxDisplayName {
			return invalidParam("%sDisplayName: must be at most 100 characters long", p) // unverified: wording
		}
	case name == attrPolicy:
		if err := checkTopicPolicy(value); err != nil {
			return err
		}
	case name == attrDelivery:
		if value != "" {
			if err := checkDeliveryPolicy(value); err != "" {
				return invalidParam("%sDeliveryPolicy: %s", p, err)
			}
		}
	case name == attrFifoTopic:
		if !create {
			return invalidParam("Invalid parameter: AttributeName")
		}
		if !strings.EqualFold(value, "true") && !strings.EqualFold(value, "false") {
			return invalidParam("%sFifoTopic: Invalid value [%s]. Must be true or false.", p, value) // unverified: wording
		}
	case name == attrContentDedup:
		if err := fifoOnly(); err != nil {
			return err
		}
		if !strings.EqualFold(value, "true") && !strings.EqualFold(value, "false") {
			return invalidParam("%sContentBasedDeduplication: Invalid value [%s]. Must be true or false.", p, value) // unverified: wording
		}
	case name == attrThroughput:
		if err := fifoOnly(); err != nil {
			return err
		}
		if value != "Topic" && value != "MessageGroup" {
			return invalidParam("%sFifoThroughputScope: Invalid value [%s]. Please use either Topic or MessageGroup", p, value) // unverified: wording
		}
	case name == attrArchive:
		if err := fifoOnly(); err != nil {
			return err
		}
		if value != "" {
			if err := checkArchivePolicy(value); err != "" {
				return invalidParam("%sArchivePolicy: %s", p, err) // unverified: wording
			}
		}
	case name == attrSignature:
		if value != "1" && value != "2" {
			return invalidParam("%sSignatureVersion: Invalid value [%s]. Must be 1 or 2.", p, value) // unverified: wording
		}
	case name == attrTracing:
		if value != "PassThrough" && value != "Active" {
			return invalidParam("%sTracingConfig: Invalid value [%s]. Please use either PassThrough or Active", p, value) // unverified: wording
		}
	case name == attrKMS:
	case feedbackAttr().MatchString(name):
		if strings.HasSuffix(name, "SampleRate") {
			if n, err := strconv.Atoi(value); err != nil || n < 0 || n > 100 {
				return invalidParam("%s%s: must be an integer from 0 to 100", p, name) // unverified: wording
			}
		}
	default:
		return invalidParam("Invalid parameter: AttributeName")
	}
	return nil
}

// checkDeliveryPolicy validates a topic DeliveryPolicy: a JSON object whose
// http retry numbers are consistent. It returns the reason, "" when valid.
func checkDeliveryPolicy(v string) string {
	var p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &p); err != nil || p == nil {
		return "failed to parse JSON."
	}
	for proto, body := range p {
		var pp struct {
			Retry *retryPolicy `json:"defaultHealthyRetryPolicy"`
		}
		if json.Unmarshal(body, &pp) != nil {
			return "failed to parse JSON." // unverified: wording
		}
		if pp.Retry != nil {
			if r := pp.Retry.check(); r != "" {
				return proto + ".defaultHealthyRetryPolicy: " + r // unverified: wording
			}
		}
	}
	return ""
}

// retryPolicy is a delivery retry policy.
type retryPolicy struct {
	MinDelayTarget     *int    `json:"minDelayTarget"`
	MaxDelayTarget     *int    `json:"maxDelayTarget"`
	NumRetries         *int    `json:"numRetries"`
	NumMaxDelayRetries *int    `json:"numMaxDelayRetries"`
	NumNoDelayRetries  *int    `json:"numNoDelayRetries"`
	NumMinDelayRetries *int    `json:"numMinDelayRetries"`
	BackoffFunction    *string `json:"backoffFunction"`
}

// check applies AWS's documented bounds for HTTP retry policies.
func (r *retryPolicy) check() string {
	in := func(p *int, lo, hi int) bool { return p == nil || (*p >= lo && *p <= hi) }
	switch {
	case !in(r.MinDelayTarget, 1, 3600):
		return "minDelayTarget must be between 1 and 3600"
	case !in(r.MaxDelayTarget, 1, 3600):
		return "maxDelayTarget must be between 1 and 3600"
	case r.MinDelayTarget != nil && r.MaxDelayTarget != nil && *r.MinDelayTarget > *r.MaxDelayTarget:
		return "minDelayTarget must be less than or equal to maxDelayTarget"
	case !in(r.NumRetries, 0, 100):
		return "numRetries must be between 0 and 100"
	}
	if r.BackoffFunction != nil {
		switch *r.BackoffFunction {
		case "linear", "arithmetic", "geometric", "exponential":
		default:
			return "backoffFunction must be one of linear, arithmetic, geometric, exponential"
		}
	}
	return ""
}

// checkArchivePolicy validates a FIFO topic's ArchivePolicy:
// {"MessageRetentionPeriod": "1".."365"}.
func checkArchivePolicy(v string) string {
	var p map[string]any
	if err := json.Unmarshal([]byte(v), &p); err != nil || p == nil {
		return "failed to parse JSON."
	}
	if len(p) == 0 {
		return ""
	}
	raw, ok := p["MessageRetentionPeriod"]
	if !ok || len(p) != 1 {
		return "MessageRetentionPeriod is required"
	}
	var n int
	switch x := raw.(type) {
	case string:
		var err error
		if n, err = strconv.Atoi(x); err != nil {
			return "MessageRetentionPeriod must be an integer"
		}
	case float64:
		n = int(x)
	default:
		return "MessageRetentionPeriod must be an integer"
	}
	if n < 1 || n > 365 {
		return "MessageRetentionPeriod must be between 1 and 365"
	}
	return ""
}

// maxPolicyBytes is the largest topic access policy (30 KiB).
const maxPolicyBytes = 30 * 1024

// checkTopicPolicy validates a topic access policy: a JSON document whose
// statements name only topic actions.
func checkTopicPolicy(v string) error {
	if len(v) > maxPolicyBytes {
		return invalidParam("Invalid parameter: Policy exceeds the maximum size of 30 KB.") // unverified: wording
	}
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil || len(p.Statement) == 0 {
		return invalidParam("Invalid parameter: Policy Error: null")
	}
	var statements []struct {
		Action any `json:"Action"`
	}
	if json.Unmarshal(p.Statement, &statements) != nil {
		var one struct {
			Action any `json:"Action"`
		}
		if json.Unmarshal(p.Statement, &one) != nil {
			return invalidParam("Invalid parameter: Policy Error: null")
		}
		statements = append(statements, one)
	}
	for _, st := range statements {
		for _, a := range stringsOf(st.Action) {
			name, ok := strings.CutPrefix(strings.ToLower(a), "sns:")
			if !ok || !policyActions[policyActionName(name)] {
				return invalidParam("Invalid parameter: Policy statement action out of service scope!")
			}
		}
	}
	return nil
}

// policyActionName maps a lowercase action name to its canonical
// spelling ("" when unknown).
func policyActionName(lower string) string {
	for name := range policyActions {
		if strings.ToLower(name) == lower {
			return name
		}
	}
	return ""
}
