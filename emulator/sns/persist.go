package sns

// Persistence (--data-dir): the service's state as journal rows
// (awsapi.Journal, awsapi.Persistent). Rows, keyed within the instance:
//
//	t/<topic>               a topic: attributes, policies, tags, data
//	                        protection, FIFO settings, deleted count
//	s/<topic>/<uuid>        a subscription as of its last change, with
//	                        its confirmation state and token
//	a/<platform>/<app>      a platform application (credentials too)
//	e/<platform>/<app>/<id> a platform endpoint
//	sms                     the account's SMS settings and sandbox flag
//	o/<number>              an opted-out phone number
//	n/<number>              an SMS sandbox number
//	f/<topic>               a FIFO topic's sequence counter
//	d/<topic>/<dedup id>    a FIFO deduplication entry within its window
//	q/m/<n>, q/w/<n>        a pending delivery of the SQS/Lambda and the
//	                        HTTP(S) delivery queues (emulator/delivery)
//
// Not kept: compiled filter policies, the dead-letter target, live lists
// and counters (rebuilt from the rows); the creation sequence (the
// largest restored one); recorded deliveries and attempt records, and the
// dropped count (test records, not state); the signing key (a restarted
// emulator signs with a fresh key, whose certificate it serves).

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/delivery"
)

// Delivery queue row prefixes.
const (
	managedPrefix = "q/m/"
	webPrefix     = "q/w/"
)

// lastPart is what follows the last colon of an ARN (a topic's name).
func lastPart(arn string) string { return arn[strings.LastIndexByte(arn, ':')+1:] }

// resourcePart is an ARN's resource (what follows the account).
func resourcePart(arn string) string {
	if a, ok := parseARN(arn); ok {
		return a.resource
	}
	return arn
}

// topicRow is a topic's row.
type topicRow struct {
	Name           string            `json:"n"`
	Fifo           bool              `json:"f,omitempty"`
	Created        int64             `json:"c"`
	Seq            uint64            `json:"q"`
	ContentDedup   bool              `json:"cd,omitempty"`
	Signature      string            `json:"sv"`
	Attrs          map[string]string `json:"a"`
	Tags           map[string]string `json:"t,omitempty"`
	DataProtection string            `json:"dp,omitempty"`
	DeletedSubs    int               `json:"ds,omitempty"`
}

func topicKey(arn string) string { return "t/" + lastPart(arn) }

// persistLocked journals t's row (t.mu held, or t not yet shared).
func (t *topic) persistLocked() {
	if t.journal == nil {
		return
	}
	t.journal.Put(topicKey(t.arn), t.rowLocked())
}

func (t *topic) rowLocked() []byte {
	b, _ := json.Marshal(topicRow{Name: t.name, Fifo: t.fifo, Created: t.created.UnixNano(), Seq: t.seq,
		ContentDedup: t.contentDedup, Signature: t.signatureVersion, Attrs: t.attrs, Tags: t.tags,
		DataProtection: t.dataProtection, DeletedSubs: t.deletedSubs}) // strings and maps of strings: no error
	return b
}

// subRow is a subscription's row.
type subRow struct {
	Arn           string `json:"arn"`
	Protocol      string `json:"p"`
	Endpoint      string `json:"e"`
	Owner         string `json:"o"`
	Raw           bool   `json:"raw,omitempty"`
	FilterPolicy  string `json:"fp,omitempty"`
	FilterScope   string `json:"fs,omitempty"`
	Redrive       string `json:"rp,omitempty"`
	Delivery      string `json:"dp,omitempty"`
	Role          string `json:"role,omitempty"`
	Replay        string `json:"replay,omitempty"`
	Seq           uint64 `json:"q"`
	Pending       bool   `json:"pending,omitempty"`
	Token         string `json:"tok,omitempty"`
	TokenExpires  int64  `json:"texp,omitempty"`
	Authenticated bool   `json:"auth,omitempty"`
	AuthUnsub     bool   `json:"authUnsub,omitempty"`
	Principal     string `json:"pr,omitempty"`
}

func subKey(arn string) string {
	i := strings.LastIndexByte(arn, ':')
	return "s/" + lastPart(arn[:max(i, 0)]) + "/" + arn[i+1:]
}

func (sub *subscription) row() []byte {
	r := subRow{Arn: sub.arn, Protocol: sub.protocol, Endpoint: sub.endpoint, Owner: sub.owner, Raw: sub.raw,
		FilterPolicy: sub.filterPolicy, FilterScope: sub.filterScope, Redrive: sub.redrivePolicy,
		Delivery: sub.deliveryPolicy, Role: sub.subscriptionRoleArn, Replay: sub.replayPolicy, Seq: sub.seq,
		Pending: sub.pending, Token: sub.token, Authenticated: sub.authenticated, AuthUnsub: sub.authUnsub,
		Principal: sub.principal}
	if !sub.tokenExpires.IsZero() {
		r.TokenExpires = sub.tokenExpires.UnixNano()
	}
	b, _ := json.Marshal(r) // strings, bools and numbers: no error
	return b
}

// putSubLocked journals sub's row (s.mu held).
func (s *Service) putSubLocked(sub *subscription) {
	if j := s.env.Journal; j != nil {
		j.Put(subKey(sub.arn), sub.row())
	}
}

// deleteSubLocked journals sub's removal (s.mu held).
func (s *Service) deleteSubLocked(arn string) {
	if j := s.env.Journal; j != nil {
		j.Delete(subKey(arn))
	}
}

// appRow is a platform application's row.
type appRow struct {
	Arn       string            `json:"arn"`
	Name      string            `json:"n"`
	Platform  string            `json:"p"`
	Seq       uint64            `json:"q"`
	Attrs     map[string]string `json:"a"`
	Secrets   map[string]string `json:"sec,omitempty"`
	Endpoints map[string]string `json:"eps,omitempty"`
}

// endpointRow is a platform endpoint's row.
type endpointRow struct {
	Arn    string            `json:"arn"`
	AppArn string            `json:"app"`
	Seq    uint64            `json:"q"`
	Attrs  map[string]string `json:"a"`
}

func (a *platformApp) row() []byte {
	b, _ := json.Marshal(appRow{Arn: a.arn, Name: a.name, Platform: a.platform, Seq: a.seq, Attrs: a.attrs,
		Secrets: a.secrets, Endpoints: a.endpoints})
	return b
}

func (e *platformEndpoint) row() []byte {
	b, _ := json.Marshal(endpointRow{Arn: e.arn, AppArn: e.appArn, Seq: e.seq, Attrs: e.attrs})
	return b
}

// putAppLocked journals an application's row (s.mu held).
func (s *Service) putAppLocked(a *platformApp) {
	if j := s.env.Journal; j != nil {
		j.Put("a/"+strings.TrimPrefix(resourcePart(a.arn), "app/"), a.row())
	}
}

// putEndpointLocked journals an endpoint's row (s.mu held).
func (s *Service) putEndpointLocked(e *platformEndpoint) {
	if j := s.env.Journal; j != nil {
		j.Put(endpointKey(e.arn), e.row())
	}
}

func endpointKey(arn string) string {
	return "e/" + strings.TrimPrefix(resourcePart(arn), "endpoint/")
}

// smsRow is the account's SMS settings row.
type smsRow struct {
	Attrs     map[string]string `json:"a"`
	InSandbox bool              `json:"sandbox"`
}

// seqRow is an opted-out number's row.
type seqRow struct {
	Seq uint64 `json:"q"`
}

// sandboxRow is a sandbox number's row.
type sandboxRow struct {
	Seq      uint64 `json:"q"`
	Verified bool   `json:"v,omitempty"`
	OTP      string `json:"otp,omitempty"`
}

func (st *smsState) row() []byte {
	b, _ := json.Marshal(smsRow{Attrs: st.attrs, InSandbox: st.inSandbox})
	return b
}

func seqRowValue(seq uint64) []byte {
	b, _ := json.Marshal(seqRow{Seq: seq})
	return b
}

func (n *sandboxNumber) row() []byte {
	b, _ := json.Marshal(sandboxRow{Seq: n.seq, Verified: n.verified, OTP: n.otp})
	return b
}

// putSMSLocked journals the SMS settings (s.mu held).
func (s *Service) putSMSLocked() {
	s.sms.changed = true
	if j := s.env.Journal; j != nil {
		j.Put("sms", s.sms.row())
	}
}

// putSandboxLocked journals a sandbox number (s.mu held); n nil deletes.
func (s *Service) putSandboxLocked(number string, n *sandboxNumber) {
	if j := s.env.Journal; j != nil {
		if n == nil {
			j.Delete("n/" + number)
			return
		}
		j.Put("n/"+number, n.row())
	}
}

// putOptOutLocked journals an opt-out (s.mu held); seq 0 deletes.
func (s *Service) putOptOutLocked(number string, seq uint64) {
	if j := s.env.Journal; j != nil {
		if seq == 0 {
			j.Delete("o/" + number)
			return
		}
		j.Put("o/"+number, seqRowValue(seq))
	}
}

// dedupRow is a FIFO deduplication entry's row.
type dedupRow struct {
	MessageID string `json:"m"`
	Seq       string `json:"s"`
	At        int64  `json:"at"`
}

func dedupKey(topicArn, id string) string { return "d/" + lastPart(topicArn) + "/" + id }

func (e fifoSent) row() []byte {
	b, _ := json.Marshal(dedupRow{MessageID: e.messageID, Seq: e.sequenceNumber, At: e.at.UnixNano()})
	return b
}

// jobRow is a pending delivery's payload: the notification, or the
// SubscriptionConfirmation POST. What the endpoint gets is built again
// from it, for the subscription as it is at the restore.
type jobRow struct {
	N       *notificationRow `json:"n,omitempty"`
	Confirm *Delivery        `json:"c,omitempty"`
}

// notificationRow is a notification's row form.
type notificationRow struct {
	MessageID      string                           `json:"id"`
	TopicArn       string                           `json:"topic"`
	Subject        *string                          `json:"subj,omitempty"`
	Message        string                           `json:"msg"`
	Structured     map[string]string                `json:"st,omitempty"`
	Attrs          map[string]MessageAttributeValue `json:"attrs,omitempty"`
	Timestamp      int64                            `json:"ts"`
	Fifo           bool                             `json:"fifo,omitempty"`
	SequenceNumber string                           `json:"seq,omitempty"`
	GroupID        string                           `json:"g,omitempty"`
	DedupID        string                           `json:"dd,omitempty"`
	Signature      string                           `json:"sv,omitempty"`
	Endpoint       string                           `json:"ep,omitempty"`
}

// encodeJob is the delivery queues' Options.Encode.
func encodeJob(j *job) ([]byte, error) {
	n := j.n
	if n == nil {
		b, err := json.Marshal(jobRow{Confirm: j.confirm})
		if err != nil {
			return nil, fmt.Errorf("sns: encoding a pending confirmation: %w", err)
		}
		return b, nil
	}
	// A fan-out queues a delivery per subscription: encode the
	// notification once.
	n.rowOnce.Do(func() {
		n.row, n.rowErr = json.Marshal(notificationRow{MessageID: n.messageID, TopicArn: n.topicArn, Subject: n.subject,
			Message: n.message, Structured: n.structured, Attrs: n.attrs, Timestamp: n.timestamp.UnixNano(), Fifo: n.fifo,
			SequenceNumber: n.sequenceNumber, GroupID: n.groupID, DedupID: n.dedupID, Signature: n.signatureVersion,
			Endpoint: n.endpoint})
	})
	if n.rowErr != nil {
		return nil, fmt.Errorf("sns: encoding a pending delivery: %w", n.rowErr)
	}
	b := make([]byte, 0, len(n.row)+7)
	b = append(b, `{"n":`...)
	b = append(b, n.row...)
	return append(b, '}'), nil
}

// DumpState implements awsapi.Persistent: it emits every row of the
// service's state.
func (s *Service) DumpState(emit func(key string, value []byte)) error {
	s.mu.RLock()
	for _, t := range s.topics {
		t.mu.RLock()
		emit(topicKey(t.arn), t.rowLocked())
		t.mu.RUnlock()
	}
	for _, sub := range s.subs {
		emit(subKey(sub.arn), sub.row())
	}
	for _, a := range s.apps {
		emit("a/"+strings.TrimPrefix(resourcePart(a.arn), "app/"), a.row())
	}
	for _, e := range s.endpoints {
		emit(endpointKey(e.arn), e.row())
	}
	if s.sms.changed {
		emit("sms", s.sms.row())
	}
	for number, seq := range s.sms.optedOut {
		emit("o/"+number, seqRowValue(seq))
	}
	for number, n := range s.sms.sandbox {
		emit("n/"+number, n.row())
	}
	s.mu.RUnlock()

	p := &s.pub
	p.mu.Lock()
	for arn, st := range p.fifo {
		emit("f/"+lastPart(arn), seqRowValue(st.seq))
		for id, e := range st.dedup {
			emit(dedupKey(arn, id), e.row())
		}
	}
	p.mu.Unlock()

	d := &s.disp
	d.mu.Lock()
	qs := []*delivery.Queue[*job]{d.managed, d.web}
	d.mu.Unlock()
	for _, q := range qs {
		if q != nil {
			if err := q.DumpState(emit); err != nil {
				return fmt.Errorf("sns: dumping pending deliveries: %w", err)
			}
		}
	}
	return nil
}

// restoring collects the rows RestoreState is given until RestoreDone.
type restoring struct {
	rows map[string][]byte
}

// RestoreState implements awsapi.Persistent: it keeps the row (nil
// deletes it) until RestoreDone.
func (s *Service) RestoreState(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restore == nil {
		s.restore = &restoring{}
	}
	awsapi.StageRow(&s.restore.rows, key, value)
	return nil
}

// RestoreDone implements awsapi.Persistent: it builds the topics,
// subscriptions, platform and SMS state and FIFO windows from the rows,
// drops the expired (pending subscriptions past 48 hours, deduplication
// entries past their window) and queues the pending deliveries again.
func (s *Service) RestoreDone() error {
	s.mu.Lock()
	r := s.restore
	s.restore = nil
	if r == nil {
		r = &restoring{rows: map[string][]byte{}}
	}
	keys := slices.Sorted(maps.Keys(r.rows))
	var subs []subRow
	var deliveries [2][]delivery.Stored
	fifoSeqs := map[string]uint64{}    // by topic name
	dedup := map[string][]dedupEntry{} // by topic name
	for _, k := range keys {
		v := r.rows[k]
		if err := s.restoreRowLocked(k, v, &subs, &deliveries, fifoSeqs, dedup); err != nil {
			s.mu.Unlock()
			return fmt.Errorf("sns: restoring %s: %w", k, err)
		}
	}
	// Subscriptions after their topics, in subscription order.
	slices.SortFunc(subs, func(a, b subRow) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, sr := range subs {
		s.restoreSubLocked(sr)
	}
	for _, t := range s.topics {
		t.refreshLiveLocked()
	}
	s.mu.Unlock()

	s.restoreFIFO(fifoSeqs, dedup)
	s.expirePending()
	for i, rows := range deliveries {
		if len(rows) == 0 {
			continue
		}
		q := s.queue(i == 1)
		if q == nil {
			continue
		}
		if err := q.Restore(rows, s.rebuildJob); err != nil {
			return fmt.Errorf("sns: restoring pending deliveries: %w", err)
		}
	}
	return nil
}

// dedupEntry is a restored deduplication entry.
type dedupEntry struct {
	id string
	e  fifoSent
}

// restoreRowLocked applies one row (s.mu held).
func (s *Service) restoreRowLocked(k string, v []byte, subs *[]subRow, deliveries *[2][]delivery.Stored,
	fifoSeqs map[string]uint64, dedup map[string][]dedupEntry) error {
	kind, rest, _ := strings.Cut(k, "/")
	switch {
	case k == "sms":
		var r smsRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		s.sms.attrs, s.sms.inSandbox, s.sms.changed = orEmpty(r.Attrs), r.InSandbox, true
	case kind == "t":
		var r topicRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		arn := s.arn(r.Name)
		s.topics[arn] = &topic{arn: arn, name: r.Name, account: s.env.Scope.Account, region: s.env.Scope.Region,
			fifo: r.Fifo, created: s.at(r.Created), seq: r.Seq, journal: s.env.Journal,
			contentDedup: r.ContentDedup, signatureVersion: r.Signature, attrs: orEmpty(r.Attrs),
			tags: r.Tags, dataProtection: r.DataProtection, deletedSubs: r.DeletedSubs}
		s.seq = max(s.seq, r.Seq)
	case kind == "s":
		var r subRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		*subs = append(*subs, r)
	case kind == "a":
		var r appRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		s.apps[r.Arn] = &platformApp{arn: r.Arn, name: r.Name, platform: r.Platform, seq: r.Seq,
			attrs: orEmpty(r.Attrs), secrets: orEmpty(r.Secrets), endpoints: orEmpty(r.Endpoints)}
		s.seq = max(s.seq, r.Seq)
	case kind == "e":
		var r endpointRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		s.endpoints[r.Arn] = &platformEndpoint{arn: r.Arn, appArn: r.AppArn, seq: r.Seq, attrs: orEmpty(r.Attrs)}
		s.seq = max(s.seq, r.Seq)
	case kind == "o":
		var r seqRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		s.sms.optedOut[rest] = r.Seq
		s.seq = max(s.seq, r.Seq)
	case kind == "n":
		var r sandboxRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		s.sms.sandbox[rest] = &sandboxNumber{seq: r.Seq, verified: r.Verified, otp: r.OTP}
		s.seq = max(s.seq, r.Seq)
	case kind == "f":
		var r seqRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		fifoSeqs[rest] = r.Seq
	case kind == "d":
		name, id, _ := strings.Cut(rest, "/")
		var r dedupRow
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		dedup[name] = append(dedup[name], dedupEntry{id: id,
			e: fifoSent{messageID: r.MessageID, sequenceNumber: r.Seq, at: s.at(r.At)}})
	case kind == "q":
		st, err := delivery.ParseStored(v)
		if err != nil {
			return err
		}
		i := 0
		if strings.HasPrefix(k, webPrefix) {
			i = 1
		}
		deliveries[i] = append(deliveries[i], st)
	default:
		return fmt.Errorf("unknown row kind %q", kind)
	}
	return nil
}

// restoreSubLocked rebuilds a subscription and adds it to its topic
// (s.mu held); one whose topic is gone is dropped.
func (s *Service) restoreSubLocked(r subRow) {
	i := strings.LastIndexByte(r.Arn, ':')
	if i < 0 {
		return
	}
	t := s.topics[r.Arn[:i]]
	if t == nil {
		s.deleteSubLocked(r.Arn)
		return
	}
	sub := &subscription{arn: r.Arn, topicArn: t.arn, protocol: r.Protocol, endpoint: r.Endpoint, owner: r.Owner,
		raw: r.Raw, filterPolicy: r.FilterPolicy, filterScope: r.FilterScope, redrivePolicy: r.Redrive,
		deliveryPolicy: r.Delivery, subscriptionRoleArn: r.Role, replayPolicy: r.Replay, seq: r.Seq,
		pending: r.Pending, token: r.Token, authenticated: r.Authenticated, authUnsub: r.AuthUnsub, principal: r.Principal}
	if r.TokenExpires != 0 {
		sub.tokenExpires = s.at(r.TokenExpires)
	}
	if sub.filterPolicy != "" {
		if f, err := s.compileFilter([]byte(sub.filterPolicy), sub.filterScope); err == nil {
			sub.filter = f
		}
		s.filterPolicies++
	}
	if sub.redrivePolicy != "" {
		var rp map[string]any
		if json.Unmarshal([]byte(sub.redrivePolicy), &rp) == nil {
			sub.deadLetterTargetArn, _ = rp["deadLetterTargetArn"].(string)
		}
	}
	if sub.pending && (s.pendingUntil.IsZero() || sub.tokenExpires.Before(s.pendingUntil)) {
		s.pendingUntil = sub.tokenExpires
	}
	s.seq = max(s.seq, sub.seq)
	s.subs[sub.arn] = sub
	t.mu.Lock()
	t.subs = append(t.subs, sub)
	t.mu.Unlock()
}

// restoreFIFO rebuilds the FIFO topics' counters and deduplication
// windows, dropping the entries that have expired.
func (s *Service) restoreFIFO(seqs map[string]uint64, dedup map[string][]dedupEntry) {
	now := s.now()
	p := &s.pub
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fifo == nil {
		p.fifo = map[string]*fifoTopicState{}
	}
	state := func(name string) *fifoTopicState {
		arn := s.arn(name)
		st := p.fifo[arn]
		if st == nil {
			st = &fifoTopicState{dedup: map[string]fifoSent{}}
			p.fifo[arn] = st
		}
		return st
	}
	for name, seq := range seqs {
		state(name).seq = seq
	}
	for name, entries := range dedup {
		st := state(name)
		slices.SortFunc(entries, func(a, b dedupEntry) int { return a.e.at.Compare(b.e.at) })
		for _, e := range entries {
			if now.Sub(e.e.at) >= fifoDedupWindow {
				if p.journal != nil {
					p.journal.Delete(dedupKey(s.arn(name), e.id))
				}
				continue
			}
			st.dedup[e.id] = e.e
			st.order = append(st.order, fifoOrder{id: e.id, at: e.e.at})
		}
	}
}

// rebuildJob turns a pending delivery's row back into a delivery for the
// subscription as it is now; one whose subscription or topic is gone, or
// whose row does not decode, is dropped.
func (s *Service) rebuildJob(r delivery.Stored) (delivery.Delivery[*job], bool) {
	var row jobRow
	if err := json.Unmarshal(r.Payload, &row); err != nil {
		return delivery.Delivery[*job]{}, false
	}
	s.mu.RLock()
	sub := s.subs[r.Target]
	var t *topic
	if sub != nil {
		t = s.topics[sub.topicArn]
	}
	s.mu.RUnlock()
	if t == nil {
		return delivery.Delivery[*job]{}, false
	}
	web := sub.protocol == "http" || sub.protocol == "https"
	var pol delivery.Policy = delivery.SNSManagedPolicy()
	if web {
		pol = httpPolicy(sub.deliveryPolicy, t.settings().DeliveryPolicy)
	}
	j := &job{sub: sub, pol: pol}
	switch {
	case row.Confirm != nil:
		j.confirm = row.Confirm
	case row.N != nil:
		n := row.N
		j.n = &notification{messageID: n.MessageID, topicArn: n.TopicArn, subject: n.Subject, message: n.Message,
			structured: n.Structured, attrs: n.Attrs, timestamp: s.at(n.Timestamp), fifo: n.Fifo,
			sequenceNumber: n.SequenceNumber, groupID: n.GroupID, dedupID: n.DedupID, signatureVersion: n.Signature,
			key: s.pub.signingKey(), endpoint: n.Endpoint}
		if err := s.prepare(t, j, nil); err != nil {
			return delivery.Delivery[*job]{}, false
		}
	default:
		return delivery.Delivery[*job]{}, false
	}
	return delivery.Delivery[*job]{Payload: j, Policy: pol}, true
}

// at is the clock time of Unix nanoseconds ns, in the clock's zone.
func (s *Service) at(ns int64) time.Time { return time.Unix(0, ns).In(s.now().Location()) }

// orEmpty is m, or an empty map for nil.
func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

var _ awsapi.Persistent = (*Service)(nil)
