package sns

// Topics and the seam publishing (publish*.go) builds on.
//
// For publishing:
//
//   - s.topicByARN(arn) returns the live topic an ARN names, or the error
//     AWS gives: InvalidParameter "Invalid parameter: TopicArn" for a
//     malformed ARN or one of another region, NotFound "Topic does not
//     exist" for a missing one. A topic of another account (same region) is
//     looked up in that account's service; check its policy with
//     t.allows(account, "SNS:Publish") before publishing for a caller of
//     another account. Call it without holding s.mu.
//   - topic fields arn, name, account, region and fifo never change after
//     creation: read them freely. contentDedup and signatureVersion (and
//     everything else mutable) are guarded by t.mu: read them under
//     t.mu.RLock(), or take a consistent copy with t.settings().
//   - t.deliverable() returns the topic's confirmed subscriptions in
//     subscription order. The slice and the *subscription values are
//     immutable snapshots (attribute changes swap in a new value), so read
//     them without any lock; a later Unsubscribe or attribute change does
//     not affect a snapshot already taken.
//   - subscription fields: arn, topicArn, protocol, endpoint, owner
//     (account id); raw (RawMessageDelivery); filter (the compiled
//     FilterPolicy, an *snsFilter, nil when none), filterPolicy (its text), filterScope
//     ("MessageAttributes" or "MessageBody"); redrivePolicy (JSON text) and
//     deadLetterTargetArn (from it, "" when none); deliveryPolicy (JSON
//     text, "" when none); subscriptionRoleArn (firehose).
//   - s.endpointByARN(arn) returns a copy of a platform endpoint (attrs
//     "Enabled", "Token", "CustomUserData") or NotFound "Endpoint does not
//     exist"; s.sandboxAllows(number) says whether SMS may go to a number
//     (the account's SMS sandbox); checkPhone validates an E.164 number;
//     an opted-out number is in s.sms.optedOut (under s.mu).
//   - s.onPending, when set, is called (no lock held) after Subscribe
//     creates a subscription that waits for confirmation: HTTP(S), email,
//     or an SQS/Lambda/Firehose endpoint of another account. sub.token is
//     the token the SubscriptionConfirmation message carries. New sets it
//     to s.sendConfirmation when publishing (deliver.go) is built in.
//     Unconfirmed subscriptions are deleted after 48 hours.

import (
	"cmp"
	"context"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// topic is one SNS topic.
type topic struct {
	// Immutable after creation.
	arn, name, account, region string
	fifo                       bool
	created                    time.Time
	seq                        uint64
	// journal is the owner's (persist.go), nil without a data dir.
	journal awsapi.Journal

	mu sync.RWMutex
	// Guarded by mu.
	contentDedup     bool
	signatureVersion string // "1" or "2"; "1" by default
	// attrs holds the other attributes as set (DisplayName, Policy,
	// DeliveryPolicy, KmsMasterKeyId, TracingConfig, ...).
	attrs          map[string]string
	tags           map[string]string
	dataProtection string
	subs           []*subscription // current versions, in subscription order
	live           []*subscription // confirmed ones; replaced, never mutated
	deletedSubs    int
	deleted        bool
}

// topicSettings is a consistent copy of a topic's publishing settings.
type topicSettings struct {
	ContentDedup     bool
	SignatureVersion string
	// FifoThroughputScope is "Topic" or "MessageGroup" for FIFO topics.
	FifoThroughputScope string
	// ArchivePolicy is the FIFO topic's archive policy JSON, "" when none.
	ArchivePolicy string
	// DeliveryPolicy is the topic's DeliveryPolicy JSON, "" when none.
	DeliveryPolicy string
}

// settings returns a copy of t's publishing settings.
func (t *topic) settings() topicSettings {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return topicSettings{
		ContentDedup:        t.contentDedup,
		SignatureVersion:    t.signatureVersion,
		FifoThroughputScope: cmp.Or(t.attrs[attrThroughput], "Topic"),
		ArchivePolicy:       t.attrs["ArchivePolicy"],
		DeliveryPolicy:      t.attrs["DeliveryPolicy"],
	}
}

// deliverable returns a snapshot of t's confirmed subscriptions.
func (t *topic) deliverable() []*subscription {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.live
}

// subscription is one subscription as of its last change. Values are
// never modified once stored: changes store a modified copy.
type subscription struct {
	arn, topicArn, protocol, endpoint string
	owner                             string
	raw                               bool
	filter                            any
	filterPolicy                      string
	filterScope                       string
	redrivePolicy                     string
	deadLetterTargetArn               string
	deliveryPolicy                    string
	subscriptionRoleArn               string
	replayPolicy                      string

	seq           uint64
	pending       bool      // waiting for ConfirmSubscription
	token         string    // confirmation token
	tokenExpires  time.Time // when the token stops confirming
	authenticated bool      // ConfirmationWasAuthenticated
	authUnsub     bool      // AuthenticateOnUnsubscribe
	principal     string    // SubscriptionPrincipal
}

// errTopicNotFound is AWS's error for a topic ARN naming no topic.
func errTopicNotFound() *awsapi.Error { return notFound("Topic does not exist") }

// errInvalidParameter is an InvalidParameter error with AWS's text.
func errInvalidParameter(msg string) *awsapi.Error { return invalidParam("%s", msg) }

// topicByARN returns the topic arn names (in another account's service
// when arn names another account of this region).
func (s *Service) topicByARN(arn string) (*topic, error) {
	a, ok := parseARN(arn)
	if n := strings.Count(arn, ":") + 1; n < 6 {
		return nil, invalidParam("Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not %d", n)
	}
	if !ok || a.resource == "" || strings.Contains(a.resource, ":") {
		return nil, errInvalidParameter("Invalid parameter: TopicArn")
	}
	if a.region != s.env.Scope.Region {
		return nil, errInvalidParameter("Invalid parameter: TopicArn")
	}
	owner := s
	if a.account != s.env.Scope.Account {
		owner = s.peer(a.account)
		if owner == nil {
			return nil, errTopicNotFound()
		}
	}
	owner.mu.RLock()
	t := owner.topics[arn]
	owner.mu.RUnlock()
	if t == nil {
		return nil, errTopicNotFound()
	}
	return t, nil
}

// peer returns the SNS service of account in this region, nil when the
// emulator offers none.
func (s *Service) peer(account string) *Service {
	if s.env.Services == nil || !awsapi.ValidAccount(account) {
		return nil
	}
	p, _ := s.env.Services("sns", awsapi.Scope{Account: account, Region: s.env.Scope.Region}).(*Service)
	return p
}

// arnParts are the fields of an ARN.
type arnParts struct {
	partition, service, region, account, resource string
}

// parseARN splits an SNS ARN: arn:partition:sns:region:account:resource.
func parseARN(arn string) (arnParts, bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] != "sns" || f[3] == "" || f[4] == "" {
		return arnParts{}, false
	}
	return arnParts{partition: f[1], service: f[2], region: f[3], account: f[4], resource: f[5]}, true
}

// Topic quotas.
const (
	defaultTopicLimit = 100000 // standard topics per account and region
	fifoTopicLimit    = 1000   // FIFO topics per account and region
)

var (
	topicNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`) })
	fifoNameRe  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,251}\.fifo$`) })
)

// fifoNameMessage is AWS's text for a FIFO topic name that breaks the rules.
// unverified: the "Invalid parameter: " prefix (moto and localstack omit it)
const fifoNameMessage = "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long."

// CreateTopic creates a topic, or returns the ARN of the existing one when
// the request asks for nothing different.
func (s *Service) CreateTopic(ctx context.Context, in *CreateTopicInput) (*CreateTopicOutput, error) {
	name := str(in.Name)
	fifo := false
	if v, ok := in.Attributes[attrFifoTopic]; ok {
		if err := checkTopicAttr(true, attrFifoTopic, v, true); err != nil {
			return nil, err
		}
		fifo = strings.EqualFold(v, "true")
	}
	if fifo {
		if !fifoNameRe().MatchString(name) {
			return nil, invalidParam("%s", fifoNameMessage)
		}
	} else if !topicNameRe().MatchString(name) {
		return nil, invalidParam("Invalid parameter: Topic Name")
	}
	for _, k := range sortedKeys(in.Attributes) {
		if err := checkTopicAttr(fifo, k, in.Attributes[k], true); err != nil {
			return nil, err
		}
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if in.DataProtectionPolicy != nil && *in.DataProtectionPolicy != "" {
		if err := checkDataProtectionPolicy(*in.DataProtectionPolicy); err != nil {
			return nil, err
		}
	}
	arn := s.arn(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.topics[arn]; t != nil {
		return &CreateTopicOutput{TopicArn: &arn}, t.matchesCreate(in.Attributes, tags)
	}
	limit, count := defaultTopicLimit, 0
	if fifo {
		limit = fifoTopicLimit
	}
	if l := s.env.Limits.MaxResourcesPerAccount; l > 0 {
		limit = l
	}
	for _, t := range s.topics {
		if t.fifo == fifo {
			count++
		}
	}
	if count >= limit {
		return nil, &awsapi.Error{Code: codeTopicLimit, Message: "Topic limit exceeded", Status: http.StatusForbidden} // unverified: wording
	}
	t := &topic{
		arn: arn, name: name, account: s.env.Scope.Account, region: s.env.Scope.Region, fifo: fifo,
		created: s.now(), seq: s.nextSeqLocked(), journal: s.env.Journal,
		signatureVersion: "1",
		attrs:            map[string]string{attrPolicy: defaultPolicy(arn, s.env.Scope.Account), attrDisplayName: ""},
		tags:             tags,
	}
	for k, v := range in.Attributes {
		t.setLocked(k, v, s.now())
	}
	if in.DataProtectionPolicy != nil {
		t.dataProtection = *in.DataProtectionPolicy
	}
	t.persistLocked()
	s.topics[arn] = t
	return &CreateTopicOutput{TopicArn: &arn}, nil
}

// matchesCreate checks a repeated CreateTopic against the topic: every
// attribute and tag asked for must already hold.
func (t *topic) matchesCreate(attrs, tags map[string]string) error {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for k, v := range attrs {
		have, ok := t.attrValueLocked(k)
		if k == attrFifoTopic && !t.fifo && strings.EqualFold(v, "false") {
			continue
		}
		if !ok || have != v {
			return invalidParam("Invalid parameter: Attributes Reason: Topic already exists with different attributes")
		}
	}
	for k, v := range tags {
		if have, ok := t.tags[k]; !ok || have != v {
			return invalidParam("Invalid parameter: Tags Reason: Topic already exists with different tags")
		}
	}
	return nil
}

// attrValueLocked returns the current value of a settable attribute.
func (t *topic) attrValueLocked(name string) (string, bool) {
	switch name {
	case attrFifoTopic:
		return strconv.FormatBool(t.fifo), true
	case attrContentDedup:
		return strconv.FormatBool(t.contentDedup), t.fifo
	case attrSignature:
		return t.signatureVersion, true
	}
	v, ok := t.attrs[name]
	return v, ok
}

// setLocked stores a validated attribute (t.mu held, or t not yet shared).
func (t *topic) setLocked(name, value string, now time.Time) {
	switch name {
	case attrFifoTopic:
		return
	case attrContentDedup:
		t.contentDedup = strings.EqualFold(value, "true")
		return
	case attrSignature:
		t.signatureVersion = value
		return
	case attrArchive:
		if value == "" || value == "{}" {
			delete(t.attrs, attrArchive)
			delete(t.attrs, "BeginningArchiveTime")
			return
		}
		if _, ok := t.attrs["BeginningArchiveTime"]; !ok {
			t.attrs["BeginningArchiveTime"] = now.UTC().Format("2006-01-02T15:04:05.000Z")
		}
	case attrDisplayName:
		t.attrs[name] = value
		return
	}
	if value == "" {
		delete(t.attrs, name)
		return
	}
	t.attrs[name] = value
}

// DeleteTopic deletes a topic and its subscriptions; deleting a topic that
// does not exist succeeds.
func (s *Service) DeleteTopic(ctx context.Context, in *DeleteTopicInput) (*DeleteTopicOutput, error) {
	t, err := s.topicByARN(str(in.TopicArn))
	if err != nil {
		if e, ok := awsapi.AsError(err); ok && e.Code == codeNotFound {
			return &DeleteTopicOutput{}, nil
		}
		return nil, err
	}
	if err := s.authorize(ctx, t, "DeleteTopic"); err != nil {
		return nil, err
	}
	owner := s.owner(t)
	owner.mu.Lock()
	defer owner.mu.Unlock()
	if owner.topics[t.arn] != t {
		return &DeleteTopicOutput{}, nil
	}
	delete(owner.topics, t.arn)
	if j := owner.env.Journal; j != nil {
		j.Delete(topicKey(t.arn))
	}
	t.mu.Lock()
	for _, sub := range t.subs {
		delete(owner.subs, sub.arn)
		owner.deleteSubLocked(sub.arn)
		if sub.filterPolicy != "" {
			owner.filterPolicies--
		}
	}
	t.subs, t.live, t.deleted = nil, nil, true
	t.mu.Unlock()
	// A topic made again under the same name starts a fresh FIFO
	// sequence and deduplication window.
	owner.pub.forgetTopic(t.arn)
	return &DeleteTopicOutput{}, nil
}

// owner returns the service that holds t.
func (s *Service) owner(t *topic) *Service {
	if t.account == s.env.Scope.Account {
		return s
	}
	if p := s.peer(t.account); p != nil {
		return p
	}
	return s
}

// authorize checks that the caller in ctx may perform action on t: the
// owner always may, another account when the topic's policy allows it.
func (s *Service) authorize(ctx context.Context, t *topic, action string) error {
	caller := s.caller(ctx)
	if t.allows(caller, "SNS:"+action) {
		return nil
	}
	// unverified: wording (IAM's current text for a resource-policy denial)
	return errAuthorization("User: arn:" + s.partition() + ":iam::" + caller + ":root is not authorized to perform: SNS:" +
		action + " on resource: " + t.arn + " because no resource-based policy allows the SNS:" + action + " action")
}

// GetTopicAttributes returns every attribute of a topic.
func (s *Service) GetTopicAttributes(ctx context.Context, in *GetTopicAttributesInput) (*GetTopicAttributesOutput, error) {
	t, err := s.topicByARN(str(in.TopicArn))
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "GetTopicAttributes"); err != nil {
		return nil, err
	}
	s.owner(t).expirePending()
	return &GetTopicAttributesOutput{Attributes: t.attributes()}, nil
}

// attributes renders t's attributes as GetTopicAttributes returns them.
func (t *topic) attributes() map[string]string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := maps.Clone(t.attrs)
	out["TopicArn"] = t.arn
	out["Owner"] = t.account
	confirmed, pending := 0, 0
	for _, sub := range t.subs {
		if sub.pending {
			pending++
		} else {
			confirmed++
		}
	}
	out["SubscriptionsConfirmed"] = strconv.Itoa(confirmed)
	out["SubscriptionsPending"] = strconv.Itoa(pending)
	out["SubscriptionsDeleted"] = strconv.Itoa(t.deletedSubs)
	out["EffectiveDeliveryPolicy"] = effectiveDeliveryPolicy(t.attrs[attrDelivery])
	if t.fifo {
		out[attrFifoTopic] = "true"
		out[attrContentDedup] = strconv.FormatBool(t.contentDedup)
	}
	if t.signatureVersion != "1" {
		out[attrSignature] = t.signatureVersion
	}
	return out
}

// SetTopicAttributes changes one attribute of a topic.
func (s *Service) SetTopicAttributes(ctx context.Context, in *SetTopicAttributesInput) (*SetTopicAttributesOutput, error) {
	t, err := s.topicByARN(str(in.TopicArn))
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, t, "SetTopicAttributes"); err != nil {
		return nil, err
	}
	name, value := str(in.AttributeName), str(in.AttributeValue)
	if err := checkTopicAttr(t.fifo, name, value, false); err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.setLocked(name, value, s.now())
	t.persistLocked()
	t.mu.Unlock()
	return &SetTopicAttributesOutput{}, nil
}

// ListTopics lists the topics of the scope, 100 per page.
func (s *Service) ListTopics(ctx context.Context, in *ListTopicsInput) (*ListTopicsOutput, error) {
	s.mu.RLock()
	items := make([]paged[Topic], 0, len(s.topics))
	for _, t := range s.topics {
		items = append(items, paged[Topic]{seq: t.seq, item: Topic{TopicArn: ptr(t.arn)}})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, pageSize)
	if err != nil {
		return nil, err
	}
	return &ListTopicsOutput{Topics: out, NextToken: next}, nil
}

// aws dereferences an optional string.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// sortedKeys returns m's keys in order, so checks report the same first
// error every time.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
