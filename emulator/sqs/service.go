// Package sqs is evolvestack's Amazon SQS: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
//
// Per queue, visible messages sit in a ring deque (FIFO queues: one deque
// per message group plus a list of unlocked groups), delayed and in-flight
// messages in min-heaps keyed by the time they show, and every live message
// in a map by id, so receive, delete and visibility changes cost the same
// whatever the backlog. All timing follows the emulator's virtual clock.
package sqs

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is Amazon SQS for one account and region.
type Service struct {
	env awsapi.Env

	mu      sync.RWMutex
	queues  map[string]*queue
	tasks   map[string]*moveTask
	taskSeq uint64
	closed  bool
	// deleted holds when each recently deleted queue name was freed:
	// the name can be taken again only a minute later.
	deleted map[string]time.Time
	// restoring holds the rows RestoreState kept until RestoreDone.
	restoring map[string][]byte
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service {
	return &Service{env: env, queues: map[string]*queue{}, tasks: map[string]*moveTask{}, deleted: map[string]time.Time{}}
}

// Close stops the running message move tasks.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	tasks := make([]*moveTask, 0, len(s.tasks))
	for _, t := range s.tasks {
		tasks = append(tasks, t)
	}
	s.mu.Unlock()
	for _, t := range tasks {
		t.stop()
	}
	return nil
}

// queueURL is the URL of q as the caller reaches the emulator.
func (s *Service) queueURL(ctx context.Context, q *queue) string {
	ep := awsapi.Request(ctx).Endpoint
	if ep == "" && s.env.Endpoint != nil {
		ep = s.env.Endpoint()
	}
	if ep == "" {
		ep = "http://localhost:4566"
	}
	return strings.TrimSuffix(ep, "/") + "/" + q.account + "/" + q.name
}

var regionHost = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?|sqs\.([a-z0-9-]+)\.localhost\.localstack\.cloud)$`)
})

// parseQueueURL splits a queue URL into account, region (empty when the
// host does not name one) and queue name.
func parseQueueURL(raw string) (account, region, name string, ok bool) {
	if account, region, name, ok, done := parsePlainQueueURL(raw); done {
		return account, region, name, ok
	}
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "", "", "", false
	}
	return splitQueuePath(u.Hostname(), u.Path)
}

// parsePlainQueueURL parses without url.Parse the URLs clients send
// (scheme://host[:port]/path, no escapes, query or fragment); done is
// false for anything else, which parseQueueURL leaves to url.Parse.
func parsePlainQueueURL(raw string) (account, region, name string, ok, done bool) {
	i := strings.Index(raw, "://")
	if i <= 0 {
		return "", "", "", false, false
	}
	for j := 0; j < len(raw); j++ {
		switch c := raw[j]; {
		case c <= ' ' || c >= 0x7f, c == '%', c == '?', c == '#', c == '@', c == '[', c == '\\':
			return "", "", "", false, false
		}
	}
	rest := raw[i+3:]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return "", "", "", false, true // no path
	}
	host := rest[:slash]
	if c := strings.LastIndexByte(host, ':'); c >= 0 {
		host = host[:c]
	}
	account, region, name, ok = splitQueuePath(host, rest[slash:])
	return account, region, name, ok, true
}

// splitQueuePath finds account, region and name in a queue URL's host and
// path.
func splitQueuePath(host, path string) (account, region, name string, ok bool) {
	p := strings.Trim(path, "/")
	j := strings.LastIndexByte(p, '/')
	if j < 0 {
		return "", "", "", false
	}
	name, head := p[j+1:], p[:j]
	account = head[strings.LastIndexByte(head, '/')+1:]
	if !isAccountID(account) {
		return "", "", "", false
	}
	if strings.Contains(host, "sqs.") || strings.Contains(host, ".queue.") {
		if m := regionHost().FindStringSubmatch(host); m != nil {
			region = m[1] + m[2] + m[3]
		}
	}
	if strings.Count(p, "/") == 3 && strings.HasPrefix(p, "queue/") {
		region, _, _ = strings.Cut(p[len("queue/"):], "/") // path style /queue/<region>/<account>/<name>
	}
	return account, region, name, true
}

// isAccountID reports whether s is a 12-digit account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scopeService returns the SQS service of another scope, or s.
func (s *Service) scopeService(account, region string) *Service {
	sc := s.env.Scope
	if account != "" {
		sc.Account = account
	}
	if region != "" {
		sc.Region = region
	}
	if sc == s.env.Scope || s.env.Services == nil {
		if sc != s.env.Scope && s.env.Services == nil {
			return nil
		}
		return s
	}
	other, _ := s.env.Services("sqs", sc).(*Service)
	return other
}

// lookup returns the live queue named name.
func (s *Service) lookup(name string) *queue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.queues[name]
}

// resolve finds the queue a QueueUrl names. Like AWS, it also takes a
// bare queue name, looked up in the caller's account and region (s is the
// service of the request's scope); moto's SQS notes "The parameter could
// be the name itself, which AWS also accepts", and aws-sdk-js-v3#6337
// documents sending names with useQueueUrlAsEndpoint=false. A name or URL
// that names no queue is QueueDoesNotExist either way: moto#3657 found
// AWS answering a non-URL QueueUrl with AWS.SimpleQueueService.NonExistentQueue.
func (s *Service) resolve(raw *string) (*queue, error) {
	if raw == nil || *raw == "" {
		return nil, errMissingParam("QueueUrl")
	}
	if !strings.Contains(*raw, "/") {
		if q := s.lookup(*raw); q != nil {
			return q, nil
		}
		return nil, errNoQueue()
	}
	account, region, name, ok := parseQueueURL(*raw)
	if !ok {
		return nil, errNoQueue()
	}
	svc := s.scopeService(account, region)
	if svc == nil {
		return nil, errNoQueue()
	}
	q := svc.lookup(name)
	if q == nil {
		return nil, errNoQueue()
	}
	return q, nil
}

// byARN finds a queue by ARN, in whatever scope the ARN names.
func (s *Service) byARN(arn string) *queue {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sqs" {
		return nil
	}
	svc := s.scopeService(p[4], p[3])
	if svc == nil {
		return nil
	}
	return svc.lookup(p[5])
}

// CreateQueue creates a queue, or returns the existing one when the
// attributes match.
func (s *Service) CreateQueue(ctx context.Context, in *CreateQueueInput) (*CreateQueueOutput, error) {
	name := *in.QueueName
	fifoAttr := strings.EqualFold(in.Attributes["FifoQueue"], "true")
	isFifoName := strings.HasSuffix(name, ".fifo")
	base := strings.TrimSuffix(name, ".fifo")
	switch {
	case fifoAttr && (!isFifoName || !queueNamePattern().MatchString(base) || len(name) > 80):
		return nil, errInvalidParam("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
	case !fifoAttr && (isFifoName || !queueNamePattern().MatchString(name)):
		return nil, errInvalidParam("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	attrs, err := s.checkAttributes(in.Attributes, fifoAttr, true, "arn:aws:sqs:"+s.env.Scope.Region+":"+s.env.Scope.Account+":"+name)
	if err != nil {
		return nil, err
	}
	if fifoAttr {
		if err := checkThroughput(attrs, map[string]string{"DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"}); err != nil {
			return nil, err
		}
	}
	now := s.env.Clock.Now()
	s.mu.Lock()
	if q := s.queues[name]; q != nil {
		s.mu.Unlock()
		q.mu.Lock()
		defer q.mu.Unlock()
		for _, k := range sortedKeys(attrs) {
			if q.attrs[k] != attrs[k] {
				return nil, sqsErr(ErrCodeQueueNameExists, "QueueAlreadyExists", http.StatusBadRequest,
					"A queue already exists with the same name and a different value for attribute %s", k)
			}
		}
		return &CreateQueueOutput{QueueUrl: ptr(s.queueURL(ctx, q))}, nil
	}
	if at, ok := s.deleted[name]; ok {
		if now.Sub(at) < deleteCooldown {
			s.mu.Unlock()
			return nil, sqsErr(ErrCodeQueueDeletedRecently, queueDeletedRecentlyQueryCode, http.StatusBadRequest, queueDeletedRecentlyMessage)
		}
		delete(s.deleted, name)
		if s.env.Journal != nil {
			s.env.Journal.Delete(deletedRowKey(name))
		}
	}
	if lim := s.env.Limits.MaxResourcesPerAccount; lim > 0 && len(s.queues) >= lim {
		s.mu.Unlock()
		return nil, sqsErr(ErrCodeOverLimit, "OverLimit", http.StatusForbidden, "Too many queues. Limit is %d.", lim)
	}
	q := newQueue(name, s.env.Scope.Account, s.env.Scope.Region, fifoAttr, now)
	for k, v := range attrs {
		q.attrs[k] = v
	}
	q.fixKMSLocked()
	q.applyLocked()
	for k, v := range in.Tags {
		q.tags[k] = v
	}
	q.j = s.env.Journal
	q.putRowLocked()
	s.queues[name] = q
	s.mu.Unlock()
	return &CreateQueueOutput{QueueUrl: ptr(s.queueURL(ctx, q))}, nil
}

// fixKMSLocked keeps the encryption attributes consistent.
func (q *queue) fixKMSLocked() {
	if q.attrs["KmsMasterKeyId"] != "" {
		q.attrs["SqsManagedSseEnabled"] = "false"
		if q.attrs["KmsDataKeyReusePeriodSeconds"] == "" {
			q.attrs["KmsDataKeyReusePeriodSeconds"] = strconv.Itoa(defaultKMSReuse)
		}
	}
}

// checkAttributes validates the settable attributes of a CreateQueue
// (create) or SetQueueAttributes and returns them normalized.
func (s *Service) checkAttributes(in map[string]string, fifo, create bool, selfARN string) (map[string]string, error) {
	specs := settableAttrs()
	out := make(map[string]string, len(in))
	for _, k := range sortedKeys(in) {
		v := in[k]
		spec, ok := specs[k]
		if !create && !fifo && (k == "DeduplicationScope" || k == "FifoThroughputLimit") {
			return nil, sqsErr(ErrCodeInvalidAttributeName, "", http.StatusBadRequest, "You can specify the %s only when FifoQueue is set to true.", k)
		}
		if !ok || (spec.fifoOnly && !fifo) || (k == "FifoQueue" && !fifo) {
			return nil, errInvalidAttrName(k)
		}
		if k == "FifoQueue" && !create && strings.EqualFold(v, "false") {
			return nil, sqsErr(ErrCodeInvalidAttributeValue, "", http.StatusBadRequest,
				"Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.")
		}
		if spec.check != nil && !spec.check(v) {
			return nil, errInvalidAttrValue(k)
		}
		switch k {
		case "RedrivePolicy":
			if v == "" {
				break
			}
			p, err := parseRedrive(v)
			if err != nil {
				return nil, err
			}
			if !arnPattern().MatchString(p.target) {
				return nil, errInvalidParam("Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.", v)
			}
			dlq := s.byARN(p.target)
			if dlq == nil {
				return nil, errInvalidParam("Value %s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", v)
			}
			if dlq.fifo != fifo {
				return nil, errInvalidParam("Value %s for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source..", v)
			}
			dlq.mu.Lock()
			allow := redriveAllows(dlq.attrs["RedriveAllowPolicy"], selfARN)
			dlq.mu.Unlock()
			if !allow {
				return nil, errInvalidParam("Value %s for parameter RedrivePolicy is invalid. Reason: Queue %s does not allow this queue to use it as a dead-letter queue.", v, p.target)
			}
			v = p.document()
		case "RedriveAllowPolicy":
			if v != "" && !validRedriveAllow(v) {
				return nil, errInvalidParam("Value %s for parameter RedriveAllowPolicy is invalid. Reason: Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.", v)
			}
		case "Policy":
			if v != "" && !jsonObject(v) {
				return nil, errInvalidParam("Invalid value for the parameter Policy.")
			}
		}
		out[k] = normalizeAttr(k, v)
	}
	if strings.EqualFold(in["SqsManagedSseEnabled"], "true") && in["KmsMasterKeyId"] != "" {
		return nil, sqsErr(ErrCodeInvalidAttributeName, "", http.StatusBadRequest,
			"You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.")
	}
	return out, nil
}

// checkThroughput enforces that perMessageGroupId throughput goes with
// deduplication per message group; current holds the queue's values.
func checkThroughput(attrs, current map[string]string) error {
	limit, scope := current["FifoThroughputLimit"], current["DeduplicationScope"]
	if v, ok := attrs["FifoThroughputLimit"]; ok {
		limit = v
	}
	if v, ok := attrs["DeduplicationScope"]; ok {
		scope = v
	}
	if limit == "perMessageGroupId" && scope != "messageGroup" {
		return errInvalidParam("The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup")
	}
	return nil
}

var arnPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$`) })

// DeleteQueue deletes a queue and its messages.
func (s *Service) DeleteQueue(ctx context.Context, in *DeleteQueueInput) (*DeleteQueueOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	owner := s.scopeService(q.account, q.region)
	now := owner.env.Clock.Now()
	owner.mu.Lock()
	if owner.queues[q.name] == q {
		delete(owner.queues, q.name)
		j := owner.env.Journal
		for n, at := range owner.deleted {
			if now.Sub(at) >= deleteCooldown {
				delete(owner.deleted, n)
				if j != nil {
					j.Delete(deletedRowKey(n))
				}
			}
		}
		owner.deleted[q.name] = now
		if j != nil {
			j.Put(deletedRowKey(q.name), deletedRowValue(now))
		}
	}
	owner.mu.Unlock()
	q.mu.Lock()
	q.deleted = true
	q.purgeLocked()
	q.deleteRowsLocked()
	q.j = nil // a late change to the deleted queue journals nothing
	q.signalLocked()
	q.mu.Unlock()
	return &DeleteQueueOutput{}, nil
}

// GetQueueUrl returns the URL of a queue by name.
func (s *Service) GetQueueUrl(ctx context.Context, in *GetQueueUrlInput) (*GetQueueUrlOutput, error) {
	svc := s
	if in.QueueOwnerAWSAccountId != nil && *in.QueueOwnerAWSAccountId != "" {
		svc = s.scopeService(*in.QueueOwnerAWSAccountId, "")
	}
	if svc == nil {
		return nil, errNoQueue()
	}
	q := svc.lookup(*in.QueueName)
	if q == nil {
		return nil, errNoQueue()
	}
	return &GetQueueUrlOutput{QueueUrl: ptr(s.queueURL(ctx, q))}, nil
}

// page cuts names (sorted) at next token and max results.
func page(names []string, token *string, max *int32) ([]string, *string, error) {
	start := 0
	if token != nil && *token != "" {
		b, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil {
			return nil, nil, errInvalidParam("Invalid NextToken value.")
		}
		after := string(b)
		start = sort.SearchStrings(names, after)
		if start < len(names) && names[start] == after {
			start++
		}
	}
	limit := 1000
	if max != nil {
		if *max < 1 || *max > 1000 {
			return nil, nil, errInvalidParam("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *max)
		}
		limit = int(*max)
	}
	end := min(start+limit, len(names))
	var next *string
	if max != nil && end < len(names) {
		next = ptr(base64.RawURLEncoding.EncodeToString([]byte(names[end-1])))
	}
	return names[start:end], next, nil
}

// ListQueues lists the queues of the scope.
func (s *Service) ListQueues(ctx context.Context, in *ListQueuesInput) (*ListQueuesOutput, error) {
	prefix := ""
	if in.QueueNamePrefix != nil {
		prefix = *in.QueueNamePrefix
	}
	s.mu.RLock()
	var names []string
	byName := map[string]*queue{}
	for n, q := range s.queues {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
			byName[n] = q
		}
	}
	s.mu.RUnlock()
	sort.Strings(names)
	sel, next, err := page(names, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &ListQueuesOutput{NextToken: next}
	for _, n := range sel {
		out.QueueUrls = append(out.QueueUrls, s.queueURL(ctx, byName[n]))
	}
	return out, nil
}

// GetQueueAttributes returns queue attributes.
func (s *Service) GetQueueAttributes(ctx context.Context, in *GetQueueAttributesInput) (*GetQueueAttributesOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	specs := settableAttrs()
	names := make([]string, 0, len(in.AttributeNames))
	for _, n := range in.AttributeNames {
		k := string(n)
		spec, ok := specs[k]
		known := ok || k == "All" || contains(readOnlyAttrs(), k)
		if !known || (ok && spec.fifoOnly && !q.fifo) || (k == "FifoQueue" && !q.fifo) {
			return nil, errInvalidAttrName(k)
		}
		names = append(names, k)
	}
	now := s.env.Clock.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.releaseLocked(now)
	attrs := q.attributesLocked(names)
	if len(attrs) == 0 {
		attrs = nil
	}
	return &GetQueueAttributesOutput{Attributes: attrs}, nil
}

// SetQueueAttributes changes queue attributes.
func (s *Service) SetQueueAttributes(ctx context.Context, in *SetQueueAttributesInput) (*SetQueueAttributesOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	attrs, err := s.checkAttributes(in.Attributes, q.fifo, false, q.arn)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fifo {
		if err := checkThroughput(attrs, q.attrs); err != nil {
			return nil, err
		}
	}
	if attrs["SqsManagedSseEnabled"] == "true" && attrs["KmsMasterKeyId"] == "" {
		// Switching to SSE-SQS drops the KMS key.
		delete(q.attrs, "KmsMasterKeyId")
		delete(q.attrs, "KmsDataKeyReusePeriodSeconds")
	}
	for k, v := range attrs {
		if v == "" && (k == "RedrivePolicy" || k == "RedriveAllowPolicy" || k == "Policy" || k == "KmsMasterKeyId") {
			delete(q.attrs, k)
			if k == "Policy" {
				q.perms = nil
			}
			continue
		}
		q.attrs[k] = v
	}
	q.fixKMSLocked()
	q.applyLocked()
	q.modified = s.env.Clock.Now()
	q.putRowLocked()
	return &SetQueueAttributesOutput{}, nil
}

// PurgeQueue deletes every message of a queue, at most once a minute.
func (s *Service) PurgeQueue(ctx context.Context, in *PurgeQueueInput) (*PurgeQueueOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := s.env.Clock.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.lastPurge.IsZero() && now.Sub(q.lastPurge) < purgeInterval {
		return nil, sqsErr(ErrCodePurgeQueueInProgress, "AWS.SimpleQueueService.PurgeQueueInProgress", http.StatusForbidden,
			"Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.name)
	}
	q.lastPurge = now
	q.purgeLocked()
	q.putRowLocked()
	return &PurgeQueueOutput{}, nil
}

// ListDeadLetterSourceQueues lists the queues whose redrive policy targets
// the queue.
func (s *Service) ListDeadLetterSourceQueues(ctx context.Context, in *ListDeadLetterSourceQueuesInput) (*ListDeadLetterSourceQueuesOutput, error) {
	dlq, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	all := make([]*queue, 0, len(s.queues))
	for _, q := range s.queues {
		all = append(all, q)
	}
	s.mu.RUnlock()
	var names []string
	byName := map[string]*queue{}
	for _, q := range all {
		q.mu.Lock()
		if q.redrive != nil && q.redrive.target == dlq.arn {
			names = append(names, q.name)
			byName[q.name] = q
		}
		q.mu.Unlock()
	}
	sort.Strings(names)
	sel, next, err := page(names, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &ListDeadLetterSourceQueuesOutput{QueueUrls: []string{}, NextToken: next}
	for _, n := range sel {
		out.QueueUrls = append(out.QueueUrls, s.queueURL(ctx, byName[n]))
	}
	return out, nil
}

// TagQueue adds or replaces tags.
func (s *Service) TagQueue(ctx context.Context, in *TagQueueInput) (*TagQueueOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, errMissingParam("Tags")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.tags)
	for k := range in.Tags {
		if _, ok := q.tags[k]; !ok {
			n++
		}
	}
	if n > 50 {
		return nil, errInvalidParam("Too many tags added for queue %s.", q.name)
	}
	for k, v := range in.Tags {
		q.tags[k] = v
	}
	q.putRowLocked()
	return &TagQueueOutput{}, nil
}

// UntagQueue removes tags.
func (s *Service) UntagQueue(ctx context.Context, in *UntagQueueInput) (*UntagQueueOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, k := range in.TagKeys {
		delete(q.tags, k)
	}
	q.putRowLocked()
	return &UntagQueueOutput{}, nil
}

// ListQueueTags returns the tags of a queue.
func (s *Service) ListQueueTags(ctx context.Context, in *ListQueueTagsInput) (*ListQueueTagsOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.tags) == 0 {
		return &ListQueueTagsOutput{}, nil
	}
	tags := make(map[string]string, len(q.tags))
	for k, v := range q.tags {
		tags[k] = v
	}
	return &ListQueueTagsOutput{Tags: tags}, nil
}

// permissionActions are the actions AddPermission grants.
func permissionActions() []string {
	return []string{"*", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "DeleteMessage", "DeleteMessageBatch",
		"GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "ListQueueTags", "PurgeQueue",
		"ReceiveMessage", "SendMessage", "SendMessageBatch", "ListMessageMoveTasks", "StartMessageMoveTask", "CancelMessageMoveTask"}
}

// maxPermissionActions caps the actions of one AddPermission statement.
const maxPermissionActions = 7

// ownerOnlyActions are the actions AddPermission cannot grant.
func ownerOnlyActions() []string {
	return []string{"AddPermission", "RemovePermission", "CreateQueue", "DeleteQueue", "ListQueues", "SetQueueAttributes", "TagQueue", "UntagQueue"}
}

// AddPermission adds a statement to the queue policy.
func (s *Service) AddPermission(ctx context.Context, in *AddPermissionInput) (*AddPermissionOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if len(in.Actions) == 0 {
		return nil, errMissingParam("Actions")
	}
	if len(in.AWSAccountIds) == 0 {
		return nil, errInvalidParam("Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.")
	}
	if len(in.Actions) > maxPermissionActions {
		return nil, sqsErr(ErrCodeOverLimit, "OverLimit", http.StatusForbidden,
			"%d Actions were found, maximum allowed is %d.", len(in.Actions), maxPermissionActions)
	}
	for _, a := range in.Actions {
		switch {
		case contains(ownerOnlyActions(), a):
			return nil, errInvalidParam("Value SQS:%s for parameter ActionName is invalid. Reason: Only the queue owner is allowed to invoke this action.", a)
		case !contains(permissionActions(), a):
			return nil, errInvalidParam("Value SQS:%s for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.", a)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, p := range q.perms {
		if p.label == *in.Label {
			return nil, errInvalidParam("Value %s for parameter Label is invalid. Reason: Already exists.", *in.Label)
		}
	}
	q.perms = append(q.perms, permission{label: *in.Label, accounts: append([]string(nil), in.AWSAccountIds...), actions: append([]string(nil), in.Actions...)})
	q.putRowLocked()
	return &AddPermissionOutput{}, nil
}

// RemovePermission removes a statement added by AddPermission.
func (s *Service) RemovePermission(ctx context.Context, in *RemovePermissionInput) (*RemovePermissionOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, p := range q.perms {
		if p.label == *in.Label {
			q.perms = append(q.perms[:i], q.perms[i+1:]...)
			q.putRowLocked()
			return &RemovePermissionOutput{}, nil
		}
	}
	return nil, errInvalidParam("Value %s for parameter Label is invalid. Reason: can't find label.", *in.Label)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
