package sns

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

// Subscription limits and lifetimes.
const (
	// confirmTokenTTL is how long a subscription may wait for
	// confirmation: SNS deletes it (and its token stops working) after.
	confirmTokenTTL = 48 * time.Hour
	// maxFilterPolicies is how many subscriptions of one account and
	// region may carry a filter policy.
	maxFilterPolicies = 200
	// maxSubscriptionsPerTopic is AWS's per-topic subscription quota.
	maxSubscriptionsPerTopic = 12_500_000
	// pendingConfirmation is the SubscriptionArn Subscribe answers for a
	// subscription that waits for confirmation.
	pendingConfirmation = "pending confirmation"
	// listedPending is the SubscriptionArn the List operations show for it.
	listedPending   = "PendingConfirmation"
	scopeAttributes = "MessageAttributes"
	scopeBody       = "MessageBody"
)

// protocols are the subscription protocols SNS supports.
var protocols = map[string]bool{
	"http": true, "https": true, "email": true, "email-json": true, "sms": true,
	"sqs": true, "application": true, "lambda": true, "firehose": true,
}

// rawProtocols may use RawMessageDelivery.
var rawProtocols = map[string]bool{"sqs": true, "http": true, "https": true, "firehose": true}

var (
	emailRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	})
	e164Re = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+?[1-9][0-9]{1,14}$`) })
	smsSep = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[./-]{2,}|^[./-]|[./-]$`) })
)

// subscriptionAttrs are the attributes Subscribe and
// SetSubscriptionAttributes accept.
var subscriptionAttrs = map[string]bool{
	"DeliveryPolicy": true, "FilterPolicy": true, "FilterPolicyScope": true, "RawMessageDelivery": true,
	"RedrivePolicy": true, "SubscriptionRoleArn": true, "ReplayPolicy": true,
}

// Subscribe subscribes an endpoint to a topic. SQS, Lambda, Firehose, SMS
// and application endpoints of the caller's account are confirmed at once;
// HTTP(S), email and endpoints of other accounts wait for
// ConfirmSubscription.
func (s *Service) Subscribe(ctx context.Context, in *SubscribeInput) (*SubscribeOutput, error) {
	t, err := s.topicByARN(str(in.TopicArn))
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "Subscribe"); err != nil {
		return nil, err
	}
	proto, endpoint := str(in.Protocol), str(in.Endpoint)
	if !protocols[proto] {
		return nil, invalidParam("Invalid parameter: Amazon SNS does not support this protocol string: %s", proto)
	}
	if t.fifo && proto != "sqs" {
		return nil, invalidParam("Invalid parameter: Invalid protocol type: %s", proto)
	}
	caller := s.caller(ctx)
	owner := s.owner(t)
	owner.expirePending()
	if err := owner.checkEndpoint(t, proto, endpoint, in.Attributes); err != nil {
		return nil, err
	}
	sub := &subscription{
		topicArn: t.arn, protocol: proto, endpoint: endpoint, owner: caller,
		filterScope: scopeAttributes,
		principal:   "arn:" + s.partition() + ":iam::" + caller + ":root",
	}
	// The scope first, so that the FilterPolicy is compiled for it.
	keys := sortedKeys(in.Attributes)
	if i := slices.Index(keys, "FilterPolicyScope"); i > 0 {
		keys = append(append([]string{"FilterPolicyScope"}, keys[:i]...), keys[i+1:]...)
	}
	for _, k := range keys {
		if err := owner.applySubAttr(sub, t, k, in.Attributes[k], true); err != nil {
			return nil, err
		}
	}
	sub.pending = needsConfirmation(proto, endpoint, caller)
	returnARN := in.ReturnSubscriptionArn != nil && *in.ReturnSubscriptionArn

	owner.mu.Lock()
	t.mu.Lock()
	if t.deleted {
		t.mu.Unlock()
		owner.mu.Unlock()
		return nil, errTopicNotFound()
	}
	for _, old := range t.subs {
		if old.protocol != proto || old.endpoint != endpoint {
			continue
		}
		t.mu.Unlock()
		owner.mu.Unlock()
		if len(in.Attributes) > 0 && !sameSubAttrs(old, sub, in.Attributes) {
			return nil, invalidParam("Invalid parameter: Attributes Reason: Subscription already exists with different attributes")
		}
		if old.pending && !returnARN {
			return &SubscribeOutput{SubscriptionArn: ptr(pendingConfirmation)}, nil
		}
		return &SubscribeOutput{SubscriptionArn: ptr(old.arn)}, nil
	}
	if len(t.subs) >= maxSubscriptionsPerTopic {
		t.mu.Unlock()
		owner.mu.Unlock()
		return nil, &awsapi.Error{Code: codeSubscriptionLimit, Message: "Subscription limit exceeded", Status: http.StatusForbidden} // unverified: wording
	}
	if sub.filterPolicy != "" {
		if owner.filterPolicies >= maxFilterPolicies {
			t.mu.Unlock()
			owner.mu.Unlock()
			return nil, errFilterPolicyLimit()
		}
		owner.filterPolicies++
	}
	sub.arn = t.arn + ":" + newUUID()
	sub.seq = owner.nextSeqLocked()
	if sub.pending {
		sub.token = randomHex(tokenLength)
		sub.tokenExpires = s.now().Add(confirmTokenTTL)
		if owner.pendingUntil.IsZero() || sub.tokenExpires.Before(owner.pendingUntil) {
			owner.pendingUntil = sub.tokenExpires
		}
	} else {
		sub.authenticated = true
	}
	owner.subs[sub.arn] = sub
	owner.putSubLocked(sub)
	t.subs = append(t.subs, sub)
	t.refreshLiveLocked()
	t.mu.Unlock()
	owner.mu.Unlock()

	if sub.pending {
		if owner.onPending != nil {
			owner.onPending(t, sub)
		}
		if !returnARN {
			return &SubscribeOutput{SubscriptionArn: ptr(pendingConfirmation)}, nil
		}
	}
	return &SubscribeOutput{SubscriptionArn: ptr(sub.arn)}, nil
}

func errFilterPolicyLimit() *awsapi.Error {
	// unverified: wording
	return &awsapi.Error{Code: codeFilterPolicyLimit, Message: "Filter policy limit exceeded", Status: http.StatusForbidden}
}

// needsConfirmation reports whether a new subscription waits for
// ConfirmSubscription: HTTP(S) and email always, ARN endpoints when they
// belong to an account other than the subscriber's.
func needsConfirmation(proto, endpoint, caller string) bool {
	switch proto {
	case "http", "https", "email", "email-json":
		return true
	case "sqs", "lambda", "firehose":
		if a, ok := parseAnyARN(endpoint); ok && a.account != caller {
			return true
		}
	}
	return false
}

// sameSubAttrs reports whether the attributes a repeated Subscribe asks for
// match the existing subscription.
func sameSubAttrs(old, want *subscription, asked map[string]string) bool {
	for k := range asked {
		var a, b string
		switch k {
		case "RawMessageDelivery":
			if old.raw != want.raw {
				return false
			}
			continue
		case "FilterPolicy":
			a, b = old.filterPolicy, want.filterPolicy
		case "FilterPolicyScope":
			a, b = old.filterScope, want.filterScope
		case "RedrivePolicy":
			a, b = old.redrivePolicy, want.redrivePolicy
		case "DeliveryPolicy":
			a, b = old.deliveryPolicy, want.deliveryPolicy
		case "SubscriptionRoleArn":
			a, b = old.subscriptionRoleArn, want.subscriptionRoleArn
		case "ReplayPolicy":
			a, b = old.replayPolicy, want.replayPolicy
		}
		if a != b {
			return false
		}
	}
	return true
}

// anyARN are the fields of any ARN.
type anyARN struct {
	partition, service, region, account, resource string
}

// parseAnyARN splits arn:partition:service:region:account:resource.
func parseAnyARN(s string) (anyARN, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] == "" || f[5] == "" {
		return anyARN{}, false
	}
	return anyARN{partition: f[1], service: f[2], region: f[3], account: f[4], resource: f[5]}, true
}

// checkEndpoint validates a subscription endpoint for its protocol.
func (s *Service) checkEndpoint(t *topic, proto, endpoint string, attrs map[string]string) error {
	if endpoint == "" {
		return invalidParam("Invalid parameter: Endpoint") // unverified: wording
	}
	switch proto {
	case "http", "https":
		u, err := url.Parse(endpoint)
		if !strings.HasPrefix(strings.ToLower(endpoint), proto+"://") || err != nil || u.Host == "" {
			return invalidParam("Invalid parameter: Endpoint must match the specified protocol")
		}
	case "email", "email-json":
		if !emailRe().MatchString(endpoint) {
			return invalidParam("Invalid parameter: Email address") // unverified: wording
		}
	case "sms":
		if smsSep().MatchString(endpoint) || !e164Re().MatchString(strings.NewReplacer(".", "", "/", "", "-", "").Replace(endpoint)) {
			return invalidParam("Invalid SMS endpoint: %s", endpoint)
		}
	case "sqs":
		a, ok := parseAnyARN(endpoint)
		if !ok || a.service != "sqs" || strings.Contains(a.resource, ":") {
			return invalidParam("Invalid parameter: SQS endpoint ARN")
		}
		if strings.HasSuffix(a.resource, ".fifo") && !t.fifo {
			return invalidParam("Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics")
		}
	case "lambda":
		a, ok := parseAnyARN(endpoint)
		if !ok || a.service != "lambda" || !strings.HasPrefix(a.resource, "function:") {
			return invalidParam("Invalid parameter: Lambda endpoint ARN") // unverified: wording
		}
	case "firehose":
		a, ok := parseAnyARN(endpoint)
		if !ok || a.service != "firehose" || !strings.HasPrefix(a.resource, "deliverystream/") {
			return invalidParam("Invalid parameter: Firehose endpoint ARN") // unverified: wording
		}
		if attrs["SubscriptionRoleArn"] == "" {
			return invalidParam("Invalid parameter: Attributes Reason: SubscriptionRoleArn is required for the firehose protocol") // unverified: wording
		}
	case "application":
		if _, err := s.endpointByARN(endpoint); err != nil {
			// AWS's text has no space between "arn" and the ARN.
			return invalidParam("Invalid parameter: Endpoint Reason: Endpoint does not exist for endpoint arn%s", endpoint)
		}
	}
	return nil
}

// applySubAttr validates one subscription attribute and stores it on sub
// (a copy not yet shared); subscribe selects Subscribe's wording.
func (s *Service) applySubAttr(sub *subscription, t *topic, name, value string, subscribe bool) error {
	p := attrPrefix(subscribe)
	if !subscriptionAttrs[name] {
		return invalidParam("%sAttributeName", p)
	}
	switch name {
	case "RawMessageDelivery":
		if !strings.EqualFold(value, "true") && !strings.EqualFold(value, "false") {
			return invalidParam("%sRawMessageDelivery: Invalid value [%s]. Must be true or false.", p, value)
		}
		raw := strings.EqualFold(value, "true")
		if raw && !rawProtocols[sub.protocol] {
			return invalidParam("%sDelivery protocol [%s] does not support raw message delivery.", p, sub.protocol)
		}
		sub.raw = raw
	case "FilterPolicyScope":
		if value != scopeAttributes && value != scopeBody {
			return invalidParam("%sFilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", p, value)
		}
		if sub.filterPolicy != "" {
			f, err := s.compile(sub.filterPolicy, value, subscribe)
			if err != nil {
				return err
			}
			sub.filter = f
		}
		sub.filterScope = value
	case "FilterPolicy":
		if value == "" {
			sub.filterPolicy, sub.filter = "", nil
			return nil
		}
		f, err := s.compile(value, sub.filterScope, subscribe)
		if err != nil {
			return err
		}
		sub.filterPolicy, sub.filter = value, f
	case "RedrivePolicy":
		if value == "" {
			sub.redrivePolicy, sub.deadLetterTargetArn = "", ""
			return nil
		}
		var rp map[string]any
		if json.Unmarshal([]byte(value), &rp) != nil || rp == nil {
			return invalidParam("%sRedrivePolicy: failed to parse JSON.", p)
		}
		target, _ := rp["deadLetterTargetArn"].(string)
		a, ok := parseAnyARN(target)
		if !ok {
			return invalidParam("%sRedrivePolicy: deadLetterTargetArn is an invalid arn", p)
		}
		if t.fifo && strings.HasSuffix(sub.endpoint, ".fifo") && (a.service != "sqs" || !strings.HasSuffix(a.resource, ".fifo")) {
			return invalidParam("%sRedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.", p)
		}
		sub.redrivePolicy, sub.deadLetterTargetArn = value, target
	case "DeliveryPolicy":
		if value != "" {
			if r := checkSubDeliveryPolicy(value); r != "" {
				return invalidParam("%sDeliveryPolicy: %s", p, r)
			}
		}
		sub.deliveryPolicy = value
	case "SubscriptionRoleArn":
		if value != "" {
			if a, ok := parseAnyARN(value); !ok || a.service != "iam" {
				return invalidParam("%sSubscriptionRoleArn: invalid ARN", p) // unverified: wording
			}
		}
		sub.subscriptionRoleArn = value
	case "ReplayPolicy":
		if value != "" && !isJSONObject(value) {
			return invalidParam("%sReplayPolicy: failed to parse JSON.", p) // unverified: wording
		}
		sub.replayPolicy = value
	}
	return nil
}

// compile runs the filter-policy compiler, wrapping its complaint in
// AWS's InvalidParameter shape (subscribe selects Subscribe's wording).
func (s *Service) compile(policy, scope string, subscribe bool) (any, error) {
	p := attrPrefix(subscribe)
	if len(policy) > maxFilterPolicyBytes {
		return nil, invalidParam("%sFilterPolicy: Filter policy is too big", p) // unverified: wording
	}
	f, err := s.compileFilter([]byte(policy), scope)
	if err != nil {
		var me *eventmatch.Error
		if errors.As(err, &me) {
			return nil, invalidParam("%s", me.SNSMessage(subscribe))
		}
		if e, ok := awsapi.AsError(err); ok {
			return nil, e
		}
		return nil, invalidParam("%sFilterPolicy: %s", p, err.Error())
	}
	return f, nil
}

// expirePending deletes the subscriptions that waited for confirmation
// longer than AWS keeps them (48 hours).
func (s *Service) expirePending() {
	now := s.now()
	s.mu.RLock()
	due := !s.pendingUntil.IsZero() && !now.Before(s.pendingUntil)
	s.mu.RUnlock()
	if !due {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for arn, sub := range s.subs {
		if !sub.pending {
			continue
		}
		if now.Before(sub.tokenExpires) {
			if next.IsZero() || sub.tokenExpires.Before(next) {
				next = sub.tokenExpires
			}
			continue
		}
		delete(s.subs, arn)
		s.deleteSubLocked(arn)
		if sub.filterPolicy != "" {
			s.filterPolicies--
		}
		if t := s.topics[sub.topicArn]; t != nil {
			t.mu.Lock()
			t.subs = slices.DeleteFunc(t.subs, func(x *subscription) bool { return x.arn == arn })
			t.mu.Unlock()
		}
	}
	s.pendingUntil = next
}

// refreshLiveLocked rebuilds t's deliverable snapshot (t.mu held).
func (t *topic) refreshLiveLocked() {
	live := make([]*subscription, 0, len(t.subs))
	for _, sub := range t.subs {
		if !sub.pending {
			live = append(live, sub)
		}
	}
	t.live = live
}

// replaceLocked swaps in a new version of a subscription (s.mu and t.mu
// held).
func (s *Service) replaceLocked(t *topic, sub *subscription) {
	s.subs[sub.arn] = sub
	s.putSubLocked(sub)
	for i, old := range t.subs {
		if old.arn == sub.arn {
			t.subs[i] = sub
		}
	}
	t.refreshLiveLocked()
}

// ConfirmSubscription confirms a pending subscription with the token sent
// to its endpoint.
func (s *Service) ConfirmSubscription(ctx context.Context, in *ConfirmSubscriptionInput) (*ConfirmSubscriptionOutput, error) {
	a, ok := parseARN(str(in.TopicArn))
	if !ok || a.region != s.env.Scope.Region {
		return nil, invalidParam("Invalid parameter: Topic")
	}
	token := str(in.Token)
	if !validToken(token) {
		return nil, invalidParam("Invalid token")
	}
	t, err := s.topicByARN(str(in.TopicArn))
	if err != nil {
		if e, ok := awsapi.AsError(err); ok && e.Code == codeNotFound {
			return nil, invalidParam("Invalid parameter: Token")
		}
		return nil, invalidParam("Invalid parameter: Topic")
	}
	owner := s.owner(t)
	owner.expirePending()
	owner.mu.Lock()
	defer owner.mu.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	var found *subscription
	for _, sub := range t.subs {
		if token != "" && sub.token == token {
			found = sub
		}
	}
	if found == nil {
		return nil, invalidParam("Invalid parameter: Token")
	}
	if !found.pending {
		return &ConfirmSubscriptionOutput{SubscriptionArn: ptr(found.arn)}, nil
	}
	c := *found
	c.pending = false
	// A signed call confirms with authentication; only then does
	// AuthenticateOnUnsubscribe take effect.
	c.authenticated = awsapi.Request(ctx).AccessKey != ""
	c.authUnsub = c.authenticated && strings.EqualFold(str(in.AuthenticateOnUnsubscribe), "true")
	owner.replaceLocked(t, &c)
	return &ConfirmSubscriptionOutput{SubscriptionArn: ptr(c.arn)}, nil
}

// tokenLength is the length of SNS confirmation tokens (hex digits).
const tokenLength = 288

// validToken reports whether a token has the shape of SNS's tokens; SNS
// answers "Invalid token" to others.
func validToken(tok string) bool {
	if len(tok) != tokenLength { // unverified: AWS's exact shape rule
		return false
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ConfirmationToken returns the confirmation token of a pending
// subscription, for tests that play the endpoint's part.
func (s *Service) ConfirmationToken(subscriptionARN string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub := s.subs[subscriptionARN]
	if sub == nil || !sub.pending {
		return "", false
	}
	return sub.token, true
}

// PendingConfirmations returns the tokens of the pending subscriptions of
// a topic by endpoint, for tests that cannot learn the subscription ARN
// ("pending confirmation").
func (s *Service) PendingConfirmations(topicARN string) map[string]string {
	s.mu.RLock()
	t := s.topics[topicARN]
	s.mu.RUnlock()
	out := map[string]string{}
	if t == nil {
		return out
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, sub := range t.subs {
		if sub.pending {
			out[sub.endpoint] = sub.token
		}
	}
	return out
}

// subscriptionByARN finds a subscription and its topic, looking in the
// service of the account the ARN names.
func (s *Service) subscriptionByARN(arn string) (*Service, *topic, *subscription, error) {
	if err := checkSubscriptionARN(arn); err != nil {
		return nil, nil, nil, err
	}
	a, _ := parseARN(arn)
	owner := s
	if a.account != s.env.Scope.Account {
		if owner = s.peer(a.account); owner == nil {
			return nil, nil, nil, errSubscriptionNotFound()
		}
	}
	if a.region != s.env.Scope.Region {
		return nil, nil, nil, errSubscriptionNotFound()
	}
	owner.expirePending()
	owner.mu.RLock()
	defer owner.mu.RUnlock()
	sub := owner.subs[arn]
	if sub == nil {
		return owner, nil, nil, errSubscriptionNotFound()
	}
	return owner, owner.topics[sub.topicArn], sub, nil
}

// checkSubscriptionARN validates a subscription ARN's shape with AWS's
// texts.
func checkSubscriptionARN(arn string) error {
	if arn == "" {
		return invalidParam("Invalid parameter: SubscriptionArn Reason: no value for required parameter")
	}
	if n := strings.Count(arn, ":") + 1; n < 6 {
		return invalidParam("Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not %d", n)
	}
	a, ok := parseARN(arn)
	topicName, id, hasID := strings.Cut(a.resource, ":")
	if !ok || !hasID || topicName == "" || !isUUID(id) { // unverified: the UUID check
		return invalidParam("Invalid parameter: SubscriptionId")
	}
	return nil
}

// isUUID reports whether s is a canonical (lowercase or uppercase) UUID.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// Unsubscribe deletes a subscription; an unknown one is not an error.
func (s *Service) Unsubscribe(ctx context.Context, in *UnsubscribeInput) (*UnsubscribeOutput, error) {
	owner, t, sub, err := s.subscriptionByARN(str(in.SubscriptionArn))
	if err != nil {
		if e, ok := awsapi.AsError(err); ok && e.Code == codeNotFound {
			return &UnsubscribeOutput{}, nil
		}
		return nil, err
	}
	caller := s.caller(ctx)
	if caller != sub.owner && (t == nil || caller != t.account) {
		return nil, errAuthorization("Not authorized to unsubscribe") // unverified: wording
	}
	if ri := awsapi.Request(ctx); sub.authUnsub && ri.AccessKey == "" && ri.RequestID != "" {
		return nil, errAuthorization("Unsubscribe requires authentication for this subscription") // unverified: wording
	}
	owner.mu.Lock()
	defer owner.mu.Unlock()
	if owner.subs[sub.arn] == nil {
		return &UnsubscribeOutput{}, nil
	}
	cur := owner.subs[sub.arn]
	delete(owner.subs, sub.arn)
	owner.deleteSubLocked(sub.arn)
	if cur.filterPolicy != "" {
		owner.filterPolicies--
	}
	if t != nil {
		t.mu.Lock()
		t.subs = slices.DeleteFunc(t.subs, func(x *subscription) bool { return x.arn == sub.arn })
		t.deletedSubs++
		t.persistLocked()
		t.refreshLiveLocked()
		t.mu.Unlock()
	}
	return &UnsubscribeOutput{}, nil
}

// GetSubscriptionAttributes returns every attribute of a subscription.
func (s *Service) GetSubscriptionAttributes(ctx context.Context, in *GetSubscriptionAttributesInput) (*GetSubscriptionAttributesOutput, error) {
	_, t, sub, err := s.subscriptionByARN(str(in.SubscriptionArn))
	if err != nil {
		return nil, err
	}
	topicPolicy := ""
	if t != nil {
		t.mu.RLock()
		topicPolicy = t.attrs[attrDelivery]
		t.mu.RUnlock()
	}
	return &GetSubscriptionAttributesOutput{Attributes: sub.attributes(topicPolicy)}, nil
}

// attributes renders sub as GetSubscriptionAttributes returns it, given
// its topic's DeliveryPolicy.
func (sub *subscription) attributes(topicPolicy string) map[string]string {
	b := func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	}
	out := map[string]string{
		"SubscriptionArn":              sub.arn,
		"TopicArn":                     sub.topicArn,
		"Owner":                        sub.owner,
		"Protocol":                     sub.protocol,
		"Endpoint":                     sub.endpoint,
		"ConfirmationWasAuthenticated": b(sub.authenticated),
		"PendingConfirmation":          b(sub.pending),
		"RawMessageDelivery":           b(sub.raw),
		"SubscriptionPrincipal":        sub.principal,
	}
	if sub.filterPolicy != "" {
		out["FilterPolicy"] = sub.filterPolicy
		out["FilterPolicyScope"] = sub.filterScope
	}
	if sub.redrivePolicy != "" {
		out["RedrivePolicy"] = sub.redrivePolicy
	}
	if sub.protocol == "http" || sub.protocol == "https" {
		shown, effective := subscriptionPolicies(sub.deliveryPolicy, topicPolicy)
		if shown != "" {
			out["DeliveryPolicy"] = shown
		}
		out["EffectiveDeliveryPolicy"] = effective
	} else if sub.deliveryPolicy != "" {
		out["DeliveryPolicy"] = sub.deliveryPolicy
	}
	if sub.subscriptionRoleArn != "" {
		out["SubscriptionRoleArn"] = sub.subscriptionRoleArn
	}
	if sub.replayPolicy != "" {
		out["ReplayPolicy"] = sub.replayPolicy
	}
	return out
}

// SetSubscriptionAttributes changes one attribute of a subscription.
func (s *Service) SetSubscriptionAttributes(ctx context.Context, in *SetSubscriptionAttributesInput) (*SetSubscriptionAttributesOutput, error) {
	owner, t, sub, err := s.subscriptionByARN(str(in.SubscriptionArn))
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errSubscriptionNotFound()
	}
	caller := s.caller(ctx)
	if caller != sub.owner && caller != t.account {
		return nil, errAuthorization("Not authorized to set attributes of this subscription") // unverified: wording
	}
	name, value := str(in.AttributeName), str(in.AttributeValue)
	owner.mu.Lock()
	defer owner.mu.Unlock()
	cur := owner.subs[sub.arn]
	if cur == nil {
		return nil, errSubscriptionNotFound()
	}
	c := *cur
	if err := owner.applySubAttr(&c, t, name, value, false); err != nil {
		return nil, err
	}
	switch {
	case cur.filterPolicy == "" && c.filterPolicy != "":
		if owner.filterPolicies >= maxFilterPolicies {
			return nil, errFilterPolicyLimit()
		}
		owner.filterPolicies++
	case cur.filterPolicy != "" && c.filterPolicy == "":
		owner.filterPolicies--
	}
	t.mu.Lock()
	owner.replaceLocked(t, &c)
	t.mu.Unlock()
	return &SetSubscriptionAttributesOutput{}, nil
}

// listed renders sub as the List operations show it.
func (sub *subscription) listed() Subscription {
	arn := sub.arn
	if sub.pending {
		arn = listedPending
	}
	return Subscription{SubscriptionArn: ptr(arn), Owner: ptr(sub.owner), Protocol: ptr(sub.protocol),
		Endpoint: ptr(sub.endpoint), TopicArn: ptr(sub.topicArn)}
}

// ListSubscriptions lists the subscriptions to the scope's topics, 100 per
// page.
func (s *Service) ListSubscriptions(ctx context.Context, in *ListSubscriptionsInput) (*ListSubscriptionsOutput, error) {
	s.expirePending()
	s.mu.RLock()
	items := make([]paged[Subscription], 0, len(s.subs))
	for _, sub := range s.subs {
		items = append(items, paged[Subscription]{seq: sub.seq, item: sub.listed()})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, pageSize)
	if err != nil {
		return nil, err
	}
	return &ListSubscriptionsOutput{Subscriptions: out, NextToken: next}, nil
}

// ListSubscriptionsByTopic lists a topic's subscriptions, 100 per page.
func (s *Service) ListSubscriptionsByTopic(ctx context.Context, in *ListSubscriptionsByTopicInput) (*ListSubscriptionsByTopicOutput, error) {
	t, err := s.topicByARN(str(in.TopicArn))
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "ListSubscriptionsByTopic"); err != nil {
		return nil, err
	}
	s.owner(t).expirePending()
	t.mu.RLock()
	items := make([]paged[Subscription], 0, len(t.subs))
	for _, sub := range t.subs {
		items = append(items, paged[Subscription]{seq: sub.seq, item: sub.listed()})
	}
	t.mu.RUnlock()
	out, next, err := page(items, in.NextToken, pageSize)
	if err != nil {
		return nil, err
	}
	return &ListSubscriptionsByTopicOutput{Subscriptions: out, NextToken: next}, nil
}
