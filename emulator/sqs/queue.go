package sqs

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Defaults and bounds of queue attributes.
const (
	defaultVisibility   = 30
	maxVisibility       = 43200
	defaultRetention    = 345600
	defaultMaxSize      = 1048576
	dedupWindow5m       = 5 * time.Minute
	purgeInterval       = 60 * time.Second
	deleteCooldown      = 60 * time.Second
	maxBatchEntries     = 10
	maxMessageAttrs     = 10
	defaultKMSReuse     = 300
	maxReceiveCountHigh = 1000
)

// attrSpec describes one settable queue attribute.
type attrSpec struct {
	fifoOnly bool
	// check validates a value; nil accepts any.
	check func(v string) bool
}

func intRange(lo, hi int) func(string) bool {
	return func(v string) bool {
		n, err := strconv.Atoi(v)
		return err == nil && n >= lo && n <= hi
	}
}

func oneOf(vals ...string) func(string) bool {
	return func(v string) bool {
		for _, x := range vals {
			if v == x {
				return true
			}
		}
		return false
	}
}

func boolValue(v string) bool { return strings.EqualFold(v, "true") || strings.EqualFold(v, "false") }

// settableAttrs lists the attributes CreateQueue and SetQueueAttributes
// accept. RedrivePolicy, RedriveAllowPolicy and Policy are checked apart.
func settableAttrs() map[string]attrSpec {
	return map[string]attrSpec{
		"DelaySeconds":                  {check: intRange(0, 900)},
		"MaximumMessageSize":            {check: intRange(1024, defaultMaxSize)},
		"MessageRetentionPeriod":        {check: intRange(60, 1209600)},
		"ReceiveMessageWaitTimeSeconds": {check: intRange(0, 20)},
		"VisibilityTimeout":             {check: intRange(0, maxVisibility)},
		"Policy":                        {},
		"RedrivePolicy":                 {},
		"RedriveAllowPolicy":            {},
		"KmsMasterKeyId":                {},
		"KmsDataKeyReusePeriodSeconds":  {check: intRange(60, 86400)},
		"SqsManagedSseEnabled":          {check: boolValue},
		"FifoQueue":                     {check: boolValue},
		"ContentBasedDeduplication":     {fifoOnly: true, check: boolValue},
		"DeduplicationScope":            {fifoOnly: true, check: oneOf("messageGroup", "queue")},
		"FifoThroughputLimit":           {fifoOnly: true, check: oneOf("perQueue", "perMessageGroupId")},
	}
}

// readOnlyAttrs are the computed attributes GetQueueAttributes returns.
func readOnlyAttrs() []string {
	return []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
		"ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}
}

var queueNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`) })

// redrivePolicy is a parsed RedrivePolicy.
type redrivePolicy struct {
	target   string
	maxCount int
}

// queue is one SQS queue and its messages. All fields below mu are
// guarded by it.
type queue struct {
	name, arn, account, region string
	fifo                       bool
	created                    time.Time

	mu       sync.Mutex
	modified time.Time
	attrs    map[string]string // effective settable attributes
	tags     map[string]string
	perms    []permission
	deleted  bool

	visibility, delay, waitTime, maxSize int
	retention                            time.Duration
	redrive                              *redrivePolicy
	contentDedup, dedupByGroup           bool

	lastPurge time.Time
	seq       uint64
	rcv       uint64
	ev        uint64 // pushes to the visible set, for message.pos

	// j journals the queue's rows (nil without a data dir); seqMark and
	// rcvMark are the counter values the journaled queue row reserves:
	// a restore resumes seq and rcv from them.
	j                awsapi.Journal
	seqMark, rcvMark uint64

	ready       deque // standard queues
	groups      map[string]*group
	readyGroups groupList
	nReady      int
	delayed     timeHeap
	inflight    timeHeap
	byID        map[string]*message // the messages received at least once: those a receipt handle can name
	dedup       dedupWindow
	attempts    map[string]*receiveAttempt

	waiters int
	wake    chan struct{}
}

// permission is one AddPermission statement.
type permission struct {
	label    string
	accounts []string
	actions  []string
}

// receiveAttempt remembers a FIFO receive for ReceiveRequestAttemptId.
type receiveAttempt struct {
	expires time.Time
	msgs    []*message
	handles []string
}

func newQueue(name, account, region string, fifo bool, now time.Time) *queue {
	q := &queue{
		name: name, account: account, region: region, fifo: fifo,
		arn:     "arn:aws:sqs:" + region + ":" + account + ":" + name,
		created: now, modified: now,
		tags: map[string]string{},
		byID: map[string]*message{},
		wake: make(chan struct{}),
	}
	q.attrs = map[string]string{
		"DelaySeconds":                  "0",
		"MaximumMessageSize":            strconv.Itoa(defaultMaxSize),
		"MessageRetentionPeriod":        strconv.Itoa(defaultRetention),
		"ReceiveMessageWaitTimeSeconds": "0",
		"VisibilityTimeout":             strconv.Itoa(defaultVisibility),
		"SqsManagedSseEnabled":          "true",
	}
	if fifo {
		q.groups = map[string]*group{}
		q.attrs["FifoQueue"] = "true"
		q.attrs["ContentBasedDeduplication"] = "false"
		q.attrs["DeduplicationScope"] = "queue"
		q.attrs["FifoThroughputLimit"] = "perQueue"
	}
	q.applyLocked()
	return q
}

// applyLocked derives the typed settings from q.attrs.
func (q *queue) applyLocked() {
	atoi := func(k string) int { n, _ := strconv.Atoi(q.attrs[k]); return n }
	q.visibility = atoi("VisibilityTimeout")
	q.delay = atoi("DelaySeconds")
	q.waitTime = atoi("ReceiveMessageWaitTimeSeconds")
	q.maxSize = atoi("MaximumMessageSize")
	q.retention = time.Duration(atoi("MessageRetentionPeriod")) * time.Second
	q.contentDedup = strings.EqualFold(q.attrs["ContentBasedDeduplication"], "true")
	q.dedupByGroup = q.attrs["DeduplicationScope"] == "messageGroup"
	q.redrive = nil
	if rp := q.attrs["RedrivePolicy"]; rp != "" {
		if p, err := parseRedrive(rp); err == nil {
			q.redrive = p
		}
	}
}

// parseRedrive parses a RedrivePolicy document; maxReceiveCount may be a
// number or a string.
func parseRedrive(doc string) (*redrivePolicy, error) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, errInvalidParam("Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.", doc)
	}
	target, _ := raw["deadLetterTargetArn"].(string)
	if target == "" {
		return nil, errInvalidParam("Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: deadLetterTargetArn.", doc)
	}
	var count int
	switch c := raw["maxReceiveCount"].(type) {
	case nil:
		return nil, errInvalidParam("Value %s for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: maxReceiveCount.", doc)
	case float64:
		count = int(c)
		if float64(count) != c {
			count = 0
		}
	case string:
		n, err := strconv.Atoi(c)
		if err != nil {
			n = 0
		}
		count = n
	}
	if count < 1 || count > maxReceiveCountHigh {
		return nil, errInvalidParam("Value %s for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: %v, valid values are from 1 to 1000 both inclusive.", doc, raw["maxReceiveCount"])
	}
	return &redrivePolicy{target: target, maxCount: count}, nil
}

// document renders the policy as SQS stores and returns it: compact JSON,
// deadLetterTargetArn first and maxReceiveCount a number whatever form it
// was set in. localstack#1785 and moto#2402 corrected their string echo of
// maxReceiveCount to match AWS, and AWS answers GetQueueAttributes with
// {"deadLetterTargetArn":"arn:aws:sqs:ap-northeast-1:…","maxReceiveCount":30}.
// RedriveAllowPolicy is kept as set: no recording shows AWS rewriting it.
func (p *redrivePolicy) document() string {
	var b strings.Builder
	b.WriteString(`{"deadLetterTargetArn":`)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p.target) // a string always encodes
	s := strings.TrimSuffix(b.String(), "\n")
	return s + `,"maxReceiveCount":` + strconv.Itoa(p.maxCount) + "}"
}

// redriveAllows reports whether a RedriveAllowPolicy document lets
// source use the queue as its dead-letter queue.
func redriveAllows(doc, source string) bool {
	if doc == "" {
		return true
	}
	var p struct {
		RedrivePermission string   `json:"redrivePermission"`
		SourceQueueArns   []string `json:"sourceQueueArns"`
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return true
	}
	switch p.RedrivePermission {
	case "denyAll":
		return false
	case "byQueue":
		for _, a := range p.SourceQueueArns {
			if a == source {
				return true
			}
		}
		return false
	}
	return true
}

func validRedriveAllow(doc string) bool {
	var p struct {
		RedrivePermission string   `json:"redrivePermission"`
		SourceQueueArns   []string `json:"sourceQueueArns"`
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return false
	}
	switch p.RedrivePermission {
	case "allowAll", "denyAll":
		return len(p.SourceQueueArns) == 0
	case "byQueue":
		return len(p.SourceQueueArns) > 0 && len(p.SourceQueueArns) <= 10
	}
	return false
}

// normalizeAttr returns the value as the queue stores it.
func normalizeAttr(k, v string) string {
	switch k {
	case "FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled":
		return strings.ToLower(v)
	}
	return v
}

// countsLocked returns visible, in-flight and delayed counts.
func (q *queue) countsLocked() (visible, notVisible, delayed int) {
	return q.nReady, q.inflight.Len(), q.delayed.Len()
}

// attributesLocked renders the named attributes ("All" for every one).
func (q *queue) attributesLocked(names []string) map[string]string {
	all := false
	want := map[string]bool{}
	for _, n := range names {
		if n == "All" {
			all = true
		}
		want[n] = true
	}
	out := map[string]string{}
	for k, v := range q.attrs {
		if all || want[k] {
			out[k] = v
		}
	}
	vis, nv, del := q.countsLocked()
	computed := map[string]string{
		"ApproximateNumberOfMessages":           strconv.Itoa(vis),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(nv),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(del),
		"CreatedTimestamp":                      strconv.FormatInt(q.created.Unix(), 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.modified.Unix(), 10),
		"QueueArn":                              q.arn,
	}
	for k, v := range computed {
		if all || want[k] {
			out[k] = v
		}
	}
	if (all || want["Policy"]) && len(q.perms) > 0 && q.attrs["Policy"] == "" {
		out["Policy"] = q.policyLocked()
	}
	return out
}

// policyLocked renders the statements AddPermission added.
func (q *queue) policyLocked() string {
	type stmt struct {
		Sid       string         `json:"Sid"`
		Effect    string         `json:"Effect"`
		Principal map[string]any `json:"Principal"`
		Action    any            `json:"Action"`
		Resource  string         `json:"Resource"`
	}
	doc := struct {
		Version   string `json:"Version"`
		ID        string `json:"Id"`
		Statement []stmt `json:"Statement"`
	}{Version: "2008-10-17", ID: q.arn + "/SQSDefaultPolicy"}
	for _, p := range q.perms {
		var principals any
		arns := make([]string, len(p.accounts))
		for i, a := range p.accounts {
			arns[i] = "arn:aws:iam::" + a + ":root"
		}
		principals = arns
		if len(arns) == 1 {
			principals = arns[0]
		}
		acts := make([]string, len(p.actions))
		for i, a := range p.actions {
			acts[i] = "SQS:" + a
		}
		var action any = acts
		if len(acts) == 1 {
			action = acts[0]
		}
		doc.Statement = append(doc.Statement, stmt{Sid: p.label, Effect: "Allow",
			Principal: map[string]any{"AWS": principals}, Action: action, Resource: q.arn})
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// signalLocked wakes long-polling receivers.
func (q *queue) signalLocked() {
	if q.waiters > 0 {
		close(q.wake)
		q.wake = make(chan struct{})
	}
}

// pushReadyLocked makes m visible.
func (q *queue) pushReadyLocked(m *message, front bool) {
	m.state = stateReady
	m.front = front
	q.ev++
	m.pos = q.ev
	q.nReady++
	if q.j != nil {
		q.putMsgLocked(m)
	}
	if !q.fifo {
		if front {
			q.ready.pushFront(m)
		} else {
			q.ready.pushBack(m)
		}
		return
	}
	g := q.groups[m.group()]
	if g == nil {
		g = &group{id: m.group()}
		q.groups[m.group()] = g
	}
	if front {
		g.msgs.insertBySeq(m)
	} else {
		g.msgs.pushBack(m)
	}
	if g.inflight == 0 && !g.queued {
		g.queued = true
		q.readyGroups.push(g)
	}
}

// releaseLocked moves due delayed messages and expired in-flight messages
// back to the visible set.
func (q *queue) releaseLocked(now time.Time) {
	for m := q.delayed.peek(); m != nil && !m.visibleAt.After(now); m = q.delayed.peek() {
		q.delayed.remove(m)
		q.pushReadyLocked(m, false)
	}
	for m := q.inflight.peek(); m != nil && !m.visibleAt.After(now); m = q.inflight.peek() {
		q.inflight.remove(m)
		q.unlockGroupLocked(m)
		q.pushReadyLocked(m, true)
	}
}

// unlockGroupLocked notes that m of a FIFO group left the in-flight set.
func (q *queue) unlockGroupLocked(m *message) {
	if !q.fifo {
		return
	}
	g := q.groups[m.group()]
	if g == nil {
		return
	}
	g.inflight--
	if g.inflight == 0 && g.msgs.len() > 0 && !g.queued {
		g.queued = true
		q.readyGroups.push(g)
	}
	if g.inflight == 0 && g.msgs.len() == 0 && !g.queued {
		delete(q.groups, m.group())
	}
}

// nextEventLocked returns when the next delayed or in-flight message shows.
func (q *queue) nextEventLocked() (time.Time, bool) {
	var t time.Time
	ok := false
	for _, h := range []timeHeap{q.delayed, q.inflight} {
		if m := h.peek(); m != nil && (!ok || m.visibleAt.Before(t)) {
			t, ok = m.visibleAt, true
		}
	}
	return t, ok
}

// expiredLocked reports whether m outlived the retention period.
func (q *queue) expiredLocked(m *message, now time.Time) bool {
	return !now.Before(m.sent.Add(q.retention))
}

// dropLocked forgets m.
func (q *queue) dropLocked(m *message) {
	q.unlinkLocked(m)
	if q.j != nil {
		q.j.Delete(q.msgKey(m))
	}
}

// unlinkLocked forgets m without journaling its removal: a message moving
// to a dead-letter queue keeps its row here until the dead-letter queue
// has journaled it (see Service.receive), so that a crash between the two
// leaves it in both queues rather than in neither.
func (q *queue) unlinkLocked(m *message) {
	m.state = stateGone
	delete(q.byID, m.id)
}

// takeLocked removes up to n visible messages for delivery. Messages past
// maxReceiveCount are returned in dead for the dead-letter queue.
func (q *queue) takeLocked(now time.Time, n int) (got, dead []*message) {
	if !q.fifo {
		for len(got) < n {
			m := q.ready.popFront()
			if m == nil {
				break
			}
			q.nReady--
			if q.expiredLocked(m, now) {
				q.dropLocked(m)
				continue
			}
			if q.redrive != nil && m.receives >= q.redrive.maxCount {
				q.unlinkLocked(m) // its row goes once the dead-letter queue holds it
				dead = append(dead, m)
				continue
			}
			got = append(got, m)
		}
		return got, dead
	}
	for len(got) < n {
		g := q.readyGroups.pop()
		if g == nil {
			break
		}
		g.queued = false
		for len(got) < n && g.msgs.len() > 0 {
			m := g.msgs.front()
			if q.expiredLocked(m, now) {
				g.msgs.popFront()
				q.nReady--
				q.dropLocked(m)
				continue
			}
			if q.redrive != nil && m.receives >= q.redrive.maxCount {
				g.msgs.popFront()
				q.nReady--
				q.unlinkLocked(m) // its row goes once the dead-letter queue holds it
				dead = append(dead, m)
				continue
			}
			g.msgs.popFront()
			q.nReady--
			g.inflight++
			got = append(got, m)
		}
		if g.inflight == 0 && g.msgs.len() > 0 {
			g.queued = true
			q.readyGroups.push(g)
		} else if g.inflight == 0 && g.msgs.len() == 0 {
			delete(q.groups, g.id)
		}
		if len(got) > 0 {
			// One receive serves one group at a time in order; further
			// groups follow only when the first ran out.
			continue
		}
	}
	return got, dead
}

// purgeLocked deletes every message.
func (q *queue) purgeLocked() {
	if q.j != nil {
		q.eachMessageLocked(func(m *message) { q.j.Delete(q.msgKey(m)) })
	}
	for _, m := range q.byID {
		m.state = stateGone
	}
	q.byID = map[string]*message{}
	q.ready = deque{}
	if q.fifo {
		q.groups = map[string]*group{}
	}
	q.readyGroups = groupList{}
	q.delayed = nil
	q.inflight = nil
	q.nReady = 0
	q.attempts = nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
