package eventbridge

// Persistence (--data-dir, issue #18): the service's state is a set of
// journal rows (awsapi.Journal, awsapi.Persistent). Every change puts or
// deletes its rows while holding the lock that guards it: s.mu for every
// resource, an archive's a.mu for its archived events. Keys:
//
//	b/<bus>               event bus (policy and tags included)
//	r/<bus>/<rule>        rule with its targets and tags
//	a/<archive>           archive (its statistics follow from its events)
//	ae/<archive>/<seq>    one archived event (seq: 16 hex digits)
//	rp/<replay>           replay with its progress
//	c/<connection>        connection with its secrets
//	d/<api-destination>   API destination
//	e/<endpoint>          global endpoint
//	ps/<source>           partner event source (the partner's side)
//	es/<source>           partner event source offered to this account
//	k/<key>               KMS key identifier made unusable (DisableKMSKey)
//	an/<archive>          an archive's next event number, once retention emptied it
//	n/seq                 the rules' creation counter
//	q/<number>            a delivery waiting for an attempt (persist_delivery.go)
//
// Rebuilt, not stored: compiled patterns and the buses' match sets, the
// targets' resolved retry limits, archive statistics, schedule timers (armed
// again from the restored clock), connection step generations (a pending
// step is taken anew, a full step later), cached OAuth tokens (requested
// again). Not stored: delivery records and the dropped-event count (logs
// and metrics).

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/delivery"
)

var _ awsapi.Persistent = (*Service)(nil)

// Row key prefixes.
const (
	keyBus      = "b/"
	keyRule     = "r/"
	keyArchive  = "a/"
	keyArchived = "ae/"
	keyReplay   = "rp/"
	keyConn     = "c/"
	keyAPIDest  = "d/"
	keyEndpoint = "e/"
	keyPartner  = "ps/"
	keySource   = "es/"
	keyKMS      = "k/"
	// keyArchiveMark is an archive's next event number once retention
	// emptied it; keySeq the rules' creation counter.
	keyArchiveMark = "an/"
	keySeq         = "n/seq"
)

// put journals row under key (no-op without a journal). The caller holds
// the lock guarding the row's state.
func (s *Service) put(key string, row any) {
	j := s.env.Journal
	if j == nil {
		return
	}
	v, err := json.Marshal(row)
	if err != nil {
		// The rows hold only plain data: this cannot happen.
		if s.env.Logger != nil {
			s.env.Logger.Error("eventbridge: encoding a journal row", "key", key, "error", err)
		}
		return
	}
	j.Put(key, v)
}

// del journals the deletion of key (no-op without a journal).
func (s *Service) del(key string) {
	if j := s.env.Journal; j != nil {
		j.Delete(key)
	}
}

// busRow is a bus's row.
type busRow struct {
	Name        string            `json:"n"`
	ARN         string            `json:"a"`
	Created     int64             `json:"c"`
	Modified    int64             `json:"m"`
	Description *string           `json:"d,omitempty"`
	KMSKey      *string           `json:"k,omitempty"`
	DLQ         *DeadLetterConfig `json:"dlq,omitempty"`
	LogConfig   *LogConfig        `json:"l,omitempty"`
	EventSource string            `json:"es,omitempty"`
	Policy      *policyRow        `json:"p,omitempty"`
	Tags        []Tag             `json:"t,omitempty"`
}

// policyRow is a bus policy.
type policyRow struct {
	Version    string            `json:"v"`
	Statements []json.RawMessage `json:"s"`
}

func (s *Service) saveBusLocked(b *bus) {
	if s.env.Journal == nil {
		return
	}
	row := busRow{Name: b.name, ARN: b.arn, Created: b.created.UnixNano(), Modified: b.modified.UnixNano(),
		Description: b.description, KMSKey: b.kmsKey, DLQ: b.dlq, LogConfig: b.logConfig, EventSource: b.eventSource, Tags: b.tags.tags}
	if b.policy != nil {
		row.Policy = &policyRow{Version: b.policy.version, Statements: b.policy.statements}
	}
	s.put(keyBus+b.name, row)
}

// ruleRow is a rule's row with its targets.
type ruleRow struct {
	Bus         string    `json:"b"`
	Name        string    `json:"n"`
	ARN         string    `json:"a"`
	Seq         uint64    `json:"q"`
	State       RuleState `json:"s"`
	Pattern     string    `json:"p,omitempty"`
	Schedule    string    `json:"x,omitempty"`
	Anchor      int64     `json:"xa,omitempty"`
	Description *string   `json:"d,omitempty"`
	RoleArn     *string   `json:"r,omitempty"`
	ManagedBy   string    `json:"mb,omitempty"`
	CreatedBy   string    `json:"cb,omitempty"`
	Tags        []Tag     `json:"t,omitempty"`
	Targets     []Target  `json:"tg,omitempty"`
}

func ruleKey(busName, name string) string { return keyRule + busName + "/" + name }

func (s *Service) saveRuleLocked(r *rule) {
	if s.env.Journal == nil {
		return
	}
	row := ruleRow{Bus: r.bus.name, Name: r.name, ARN: r.arn, Seq: r.seq, State: r.state, Pattern: r.pattern,
		Description: r.description, RoleArn: r.roleArn, ManagedBy: r.managedBy, CreatedBy: r.createdBy, Tags: r.tags.tags}
	if r.sched != nil {
		row.Schedule = r.sched.expr
		if r.sched.cron == nil {
			row.Anchor = r.sched.anchor.UnixNano()
		}
	}
	for _, t := range r.targets {
		row.Targets = append(row.Targets, t.Target)
	}
	s.put(ruleKey(r.bus.name, r.name), row)
}

func (s *Service) deleteRuleLocked(r *rule) { s.del(ruleKey(r.bus.name, r.name)) }

// archiveRow is an archive's row.
type archiveRow struct {
	Name          string       `json:"n"`
	ARN           string       `json:"a"`
	UUID          string       `json:"u"`
	Source        string       `json:"src"`
	Bus           string       `json:"b"`
	Description   *string      `json:"d,omitempty"`
	KMSKey        *string      `json:"k,omitempty"`
	Pattern       string       `json:"p,omitempty"`
	RetentionDays int32        `json:"rd,omitempty"`
	State         ArchiveState `json:"s"`
	StateReason   string       `json:"sr,omitempty"`
	Created       int64        `json:"c"`
}

func (s *Service) saveArchiveLocked(a *archive) {
	s.put(keyArchive+a.name, archiveRow{Name: a.name, ARN: a.arn, UUID: a.uuid, Source: a.source, Bus: a.busName,
		Description: a.description, KMSKey: a.kmsKey, Pattern: a.pattern, RetentionDays: a.retentionDays, State: a.state,
		StateReason: a.stateReason, Created: a.created.UnixNano()})
}

// archivedEventKey is the key of archived event seq of archive name.
func archivedEventKey(name string, seq uint64) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(keyArchived)+len(name)+17)
	b = append(append(append(b, keyArchived...), name...), '/')
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, hex[seq>>uint(shift)&0xf])
	}
	return string(b)
}

// archivedEventValue is an archived event's row, {"t":<ns>,"e":<event>},
// written by hand: one is written per archived event.
func archivedEventValue(e archivedEvent) []byte {
	v := make([]byte, 0, len(e.Event)+32)
	v = append(v, `{"t":`...)
	v = strconv.AppendInt(v, e.At.UnixNano(), 10)
	v = append(v, `,"e":`...)
	v = append(v, e.Event...)
	return append(v, '}')
}

// archivedEventRow decodes archivedEventValue.
type archivedEventRow struct {
	At    int64           `json:"t"`
	Event json.RawMessage `json:"e"`
}

// replayRow is a replay's row.
type replayRow struct {
	Name         string      `json:"n"`
	ARN          string      `json:"a"`
	Description  *string     `json:"d,omitempty"`
	Source       string      `json:"src"`
	Start        int64       `json:"from"`
	End          int64       `json:"to"`
	Dest         string      `json:"dst"`
	Filter       []string    `json:"f,omitempty"`
	State        ReplayState `json:"s"`
	Reason       string      `json:"sr,omitempty"`
	ReplayStart  int64       `json:"rs,omitempty"`
	ReplayEnd    int64       `json:"re,omitempty"`
	LastReplayed int64       `json:"lr,omitempty"`
	SameAt       int         `json:"ln,omitempty"`
}

func (s *Service) saveReplayLocked(rp *replay) {
	s.put(keyReplay+rp.name, replayRow{Name: rp.name, ARN: rp.arn, Description: rp.description, Source: rp.source,
		Start: rp.start.UnixNano(), End: rp.end.UnixNano(), Dest: rp.destBus, Filter: rp.filterArns, State: rp.state,
		Reason: rp.reason, ReplayStart: awsapi.UnixNano(rp.replayStart), ReplayEnd: awsapi.UnixNano(rp.replayEnd), LastReplayed: awsapi.UnixNano(rp.lastReplayed), SameAt: rp.sameAt})
}

// connectionRow is a connection's row, secrets included.
type connectionRow struct {
	Name           string                                `json:"n"`
	ARN            string                                `json:"a"`
	Description    *string                               `json:"d,omitempty"`
	AuthType       ConnectionAuthorizationType           `json:"at"`
	Auth           CreateConnectionAuthRequestParameters `json:"au"`
	Connectivity   *ConnectivityResourceParameters       `json:"cp,omitempty"`
	KMSKey         *string                               `json:"k,omitempty"`
	State          ConnectionState                       `json:"s"`
	StateReason    string                                `json:"sr,omitempty"`
	SecretArn      string                                `json:"sa"`
	Created        int64                                 `json:"c"`
	Modified       int64                                 `json:"m"`
	LastAuthorized int64                                 `json:"la,omitempty"`
}

func (s *Service) saveConnectionLocked(c *connection) {
	s.put(keyConn+c.name, connectionRow{Name: c.name, ARN: c.arn, Description: c.description, AuthType: c.authType, Auth: c.auth,
		Connectivity: c.connectivity, KMSKey: c.kmsKey, State: c.state, StateReason: c.stateReason, SecretArn: c.secretArn,
		Created: c.created.UnixNano(), Modified: c.modified.UnixNano(), LastAuthorized: awsapi.UnixNano(c.lastAuthorized)})
}

// apiDestinationRow is an API destination's row.
type apiDestinationRow struct {
	Name        string                   `json:"n"`
	ARN         string                   `json:"a"`
	Description *string                  `json:"d,omitempty"`
	Connection  string                   `json:"c"`
	Endpoint    string                   `json:"e"`
	Method      ApiDestinationHttpMethod `json:"hm"`
	RateLimit   int32                    `json:"rl"`
	Created     int64                    `json:"ct"`
	Modified    int64                    `json:"mt"`
}

func (s *Service) saveAPIDestinationLocked(d *apiDestination) {
	s.put(keyAPIDest+d.name, apiDestinationRow{Name: d.name, ARN: d.arn, Description: d.description, Connection: d.connectionArn,
		Endpoint: d.endpoint, Method: d.method, RateLimit: d.rateLimit, Created: d.created.UnixNano(), Modified: d.modified.UnixNano()})
}

// endpointRow is a global endpoint's row.
type endpointRow struct {
	Name        string             `json:"n"`
	ARN         string             `json:"a"`
	ID          string             `json:"i"`
	URL         string             `json:"u"`
	Description *string            `json:"d,omitempty"`
	Routing     *RoutingConfig     `json:"rc,omitempty"`
	Replication *ReplicationConfig `json:"rp,omitempty"`
	Buses       []EndpointEventBus `json:"b,omitempty"`
	RoleArn     *string            `json:"r,omitempty"`
	State       EndpointState      `json:"s"`
	Reason      string             `json:"sr,omitempty"`
	Created     int64              `json:"c"`
	Modified    int64              `json:"m"`
}

func (s *Service) saveEndpointLocked(ep *endpoint) {
	s.put(keyEndpoint+ep.name, endpointRow{Name: ep.name, ARN: ep.arn, ID: ep.id, URL: ep.url, Description: ep.description,
		Routing: ep.routing, Replication: ep.replication, Buses: ep.buses, RoleArn: ep.roleArn, State: ep.state, Reason: ep.reason,
		Created: ep.created.UnixNano(), Modified: ep.modified.UnixNano()})
}

// partnerSourceRow is a partner event source's row (the partner's side).
type partnerSourceRow struct {
	Name     string           `json:"n"`
	ARN      string           `json:"a"`
	Accounts map[string]int64 `json:"ac"`
}

func (s *Service) savePartnerSourceLocked(ps *partnerSource) {
	if s.env.Journal == nil {
		return
	}
	row := partnerSourceRow{Name: ps.name, ARN: ps.arn, Accounts: make(map[string]int64, len(ps.accounts))}
	for a, t := range ps.accounts {
		row.Accounts[a] = t.UnixNano()
	}
	s.put(keyPartner+ps.name, row)
}

// eventSourceRow is the row of a partner event source offered to this
// account.
type eventSourceRow struct {
	Name        string           `json:"n"`
	ARN         string           `json:"a"`
	CreatedBy   string           `json:"cb"`
	Created     int64            `json:"c"`
	Expiration  int64            `json:"x,omitempty"`
	State       EventSourceState `json:"s"`
	Deactivated bool             `json:"da,omitempty"`
}

func (s *Service) saveEventSourceLocked(es *eventSource) {
	s.put(keySource+es.name, eventSourceRow{Name: es.name, ARN: es.arn, CreatedBy: es.createdBy, Created: es.created.UnixNano(),
		Expiration: awsapi.UnixNano(es.expiration), State: es.state, Deactivated: es.deactivated})
}

// DumpState emits every row of the service's state (awsapi.Persistent).
func (s *Service) DumpState(emit func(key string, value []byte)) error {
	s.dumpResources(emit)
	// The deliveries: the queue has its own lock, taken without s.mu.
	if p := s.plane(); p.q != nil {
		if err := p.q.DumpState(emit); err != nil {
			return fmt.Errorf("eventbridge: dumping deliveries: %w", err)
		}
	}
	return nil
}

// dumpResources emits the rows of the resources, under s.mu.
func (s *Service) dumpResources(emit func(key string, value []byte)) {
	// Encode through a journal that emits, so that a dump and the journal
	// write the same bytes.
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := &Service{env: awsapi.Env{Journal: emitJournal(emit), Logger: s.env.Logger}}
	for _, b := range s.buses {
		d.saveBusLocked(b)
		for _, r := range b.rules {
			d.saveRuleLocked(r)
		}
	}
	if s.seq > 0 {
		emit(keySeq, strconv.AppendUint(nil, s.seq, 10))
	}
	for _, a := range s.archives {
		d.saveArchiveLocked(a)
		a.mu.Lock()
		for _, e := range a.events {
			emit(archivedEventKey(a.name, e.seq), archivedEventValue(e))
		}
		if a.mark != 0 {
			emit(keyArchiveMark+a.name, strconv.AppendUint(nil, a.mark, 10))
		}
		a.mu.Unlock()
	}
	for _, rp := range s.replays {
		d.saveReplayLocked(rp)
	}
	for _, c := range s.connections {
		d.saveConnectionLocked(c)
	}
	for _, ad := range s.apiDests {
		d.saveAPIDestinationLocked(ad)
	}
	for _, ep := range s.endpoints {
		d.saveEndpointLocked(ep)
	}
	for _, ps := range s.partnerSources {
		d.savePartnerSourceLocked(ps)
	}
	for _, es := range s.eventSources {
		d.saveEventSourceLocked(es)
	}
	for k := range s.disabledKeys {
		emit(keyKMS+k, kmsRowValue())
	}
}

// kmsRowValue is the value of a k/<key> row.
func kmsRowValue() []byte { return []byte("true") }

// emitJournal is a Journal that hands puts to a dump's emit.
type emitJournal func(key string, value []byte)

func (e emitJournal) Put(key string, value []byte) { e(key, value) }
func (e emitJournal) Delete(string)                {}

// RestoreState keeps one restored row for RestoreDone (awsapi.Persistent):
// an upsert, nil deletes.
func (s *Service) RestoreState(key string, value []byte) error {
	if !strings.Contains(key, "/") {
		return fmt.Errorf("eventbridge: restoring row %q: unknown key", key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	awsapi.StageRow(&s.restoring, key, value)
	return nil
}

// restoredState is the state RestoreDone builds from the rows.
type restoredState struct {
	buses       map[string]*bus
	archives    map[string]*archive
	replays     map[string]*replay
	connections map[string]*connection
	apiDests    map[string]*apiDestination
	endpoints   map[string]*endpoint
	partners    map[string]*partnerSource
	sources     map[string]*eventSource
	kms         map[string]bool
	rules       []ruleRow
	events      map[string][]archivedEvent // by archive name
	marks       map[string]uint64          // by archive name
	deliveries  []delivery.Stored
	seq         uint64
	loc         *time.Location // the clock's: restored times read as it gives them
}

// at is Unix nanoseconds n in the clock's location.
func (st *restoredState) at(n int64) time.Time { return time.Unix(0, n).In(st.loc) }

// opt is at for an optional time (0: the zero time).
func (st *restoredState) opt(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return st.at(n)
}

// RestoreDone builds the service from the restored rows, drops archived
// events past retention at the clock's time, and starts what the state
// needs: schedule timers, replays under way, connection steps
// (awsapi.Persistent). The restored rows replace the instance's state.
func (s *Service) RestoreDone() error {
	s.mu.Lock()
	rows := s.restoring
	s.restoring = nil
	st := restoredState{
		buses: map[string]*bus{}, archives: map[string]*archive{}, replays: map[string]*replay{},
		connections: map[string]*connection{}, apiDests: map[string]*apiDestination{}, endpoints: map[string]*endpoint{},
		partners: map[string]*partnerSource{}, sources: map[string]*eventSource{}, kms: map[string]bool{},
		events: map[string][]archivedEvent{}, marks: map[string]uint64{}, loc: s.now().Location(),
	}
	var stale []string // rows the restore drops (orphans, expired events)
	for k, v := range rows {
		drop, err := s.decodeRow(&st, k, v)
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("eventbridge: restoring row %q: %w", k, err)
		}
		if drop {
			stale = append(stale, k)
		}
	}
	if st.buses[defaultBus] == nil {
		old := s.buses[defaultBus]
		b := &bus{name: defaultBus, arn: old.arn, created: old.created, modified: old.modified, rules: map[string]*rule{}}
		st.buses[defaultBus] = b
		s.saveBusLocked(b)
	}
	slices.SortFunc(st.rules, func(a, b ruleRow) int { return strings.Compare(ruleKey(a.Bus, a.Name), ruleKey(b.Bus, b.Name)) })
	var scheduled []*rule
	for _, row := range st.rules {
		b := st.buses[row.Bus]
		if b == nil {
			stale = append(stale, ruleKey(row.Bus, row.Name))
			continue
		}
		r, err := restoreRule(b, row, st.archives)
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("eventbridge: restoring rule %s: %w", row.ARN, err)
		}
		b.rules[r.name] = r
		b.index(r)
		st.seq = max(st.seq, r.seq)
		if r.sched != nil && r.enabled() {
			scheduled = append(scheduled, r)
		}
	}
	now := s.now()
	for name, mark := range st.marks {
		if a := st.archives[name]; a != nil {
			a.mark, a.next = mark, max(a.next, mark)
		} else {
			stale = append(stale, keyArchiveMark+name)
		}
	}
	for name, evs := range st.events {
		a := st.archives[name]
		if a == nil {
			for _, e := range evs {
				stale = append(stale, archivedEventKey(name, e.seq))
			}
			continue
		}
		slices.SortFunc(evs, func(x, y archivedEvent) int { return cmp.Compare(x.seq, y.seq) })
		var cutoff time.Time
		if a.retentionDays > 0 {
			cutoff = now.Add(-time.Duration(a.retentionDays) * 24 * time.Hour)
		}
		for _, e := range evs {
			a.next = max(a.next, e.seq+1)
			if e.At.Before(cutoff) {
				stale = append(stale, archivedEventKey(name, e.seq))
				continue
			}
			a.events = append(a.events, e)
			a.count++
			a.size += int64(len(e.Event))
		}
		if len(a.events) == 0 && a.mark != a.next {
			a.mark = a.next
			if s.env.Journal != nil {
				s.env.Journal.Put(keyArchiveMark+name, strconv.AppendUint(nil, a.mark, 10))
			}
		}
	}
	for _, rp := range st.replays {
		for _, a := range st.archives {
			if a.arn == rp.source {
				rp.archive = a
			}
		}
	}
	s.buses, s.archives, s.replays = st.buses, st.archives, st.replays
	s.connections, s.apiDests, s.endpoints = st.connections, st.apiDests, st.endpoints
	s.partnerSources, s.eventSources, s.disabledKeys = st.partners, st.sources, st.kms
	s.seq = max(s.seq, st.seq)
	slices.Sort(stale)
	for _, k := range stale {
		s.del(k)
	}
	// Connections in a transitional state take their next step anew.
	for _, c := range s.connections {
		switch c.state {
		case ConnectionStateAuthorizing:
			s.scheduleAuthorizationLocked(c)
		case ConnectionStateDeauthorizing:
			s.scheduleDeauthorizationLocked(c)
		case ConnectionStateDeleting:
			s.scheduleDeletionLocked(c)
		}
	}
	replays := make([]*replay, 0, len(s.replays))
	for _, rp := range s.replays {
		replays = append(replays, rp)
	}
	s.mu.Unlock()

	if err := s.restoreDeliveries(st.deliveries); err != nil {
		return err
	}
	for _, r := range scheduled {
		s.notifySchedule(r)
	}
	for _, rp := range replays {
		s.resumeReplay(rp)
	}
	return nil
}

// decodeRow adds one row to st; drop reports a row the restore leaves out.
func (s *Service) decodeRow(st *restoredState, key string, v []byte) (drop bool, err error) {
	kind, rest, _ := strings.Cut(key, "/")
	switch kind + "/" {
	case keyBus:
		var row busRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		b := &bus{name: row.Name, arn: row.ARN, created: st.at(row.Created), modified: st.at(row.Modified),
			description: row.Description, kmsKey: row.KMSKey, dlq: row.DLQ, logConfig: row.LogConfig, eventSource: row.EventSource,
			tags: tagSet{tags: row.Tags}, rules: map[string]*rule{}}
		if row.Policy != nil {
			b.policy = &busPolicy{version: row.Policy.Version, statements: row.Policy.Statements}
		}
		st.buses[b.name] = b
	case keyRule:
		var row ruleRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		st.rules = append(st.rules, row)
	case keyArchive:
		var row archiveRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		st.archives[row.Name] = &archive{name: row.Name, arn: row.ARN, uuid: row.UUID, source: row.Source, busName: row.Bus,
			description: row.Description, kmsKey: row.KMSKey, pattern: row.Pattern, retentionDays: row.RetentionDays,
			state: row.State, stateReason: row.StateReason, created: st.at(row.Created), journal: s.env.Journal}
	case keyArchived:
		i := strings.LastIndexByte(rest, '/')
		if i < 0 {
			return false, fmt.Errorf("malformed key")
		}
		seq, err := strconv.ParseUint(rest[i+1:], 16, 64)
		if err != nil {
			return false, err
		}
		var row archivedEventRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		name := rest[:i]
		st.events[name] = append(st.events[name], archivedEvent{At: st.at(row.At), Event: row.Event, seq: seq})
	case keyReplay:
		var row replayRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		st.replays[row.Name] = &replay{name: row.Name, arn: row.ARN, description: row.Description, source: row.Source,
			start: st.at(row.Start), end: st.at(row.End), destBus: row.Dest, filterArns: row.Filter,
			state: row.State, reason: row.Reason, replayStart: st.opt(row.ReplayStart), replayEnd: st.opt(row.ReplayEnd),
			lastReplayed: st.opt(row.LastReplayed), sameAt: row.SameAt}
	case keyConn:
		var row connectionRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		st.connections[row.Name] = &connection{name: row.Name, arn: row.ARN, description: row.Description, authType: row.AuthType,
			auth: row.Auth, connectivity: row.Connectivity, kmsKey: row.KMSKey, state: row.State, stateReason: row.StateReason,
			secretArn: row.SecretArn, created: st.at(row.Created), modified: st.at(row.Modified),
			lastAuthorized: st.opt(row.LastAuthorized)}
	case keyAPIDest:
		var row apiDestinationRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		st.apiDests[row.Name] = &apiDestination{name: row.Name, arn: row.ARN, description: row.Description, connectionArn: row.Connection,
			endpoint: row.Endpoint, method: row.Method, rateLimit: row.RateLimit, created: st.at(row.Created), modified: st.at(row.Modified)}
	case keyEndpoint:
		var row endpointRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		st.endpoints[row.Name] = &endpoint{name: row.Name, arn: row.ARN, id: row.ID, url: row.URL, description: row.Description,
			routing: row.Routing, replication: row.Replication, buses: row.Buses, roleArn: row.RoleArn, state: row.State,
			reason: row.Reason, created: st.at(row.Created), modified: st.at(row.Modified)}
	case keyPartner:
		var row partnerSourceRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		ps := &partnerSource{name: row.Name, arn: row.ARN, accounts: make(map[string]time.Time, len(row.Accounts))}
		for a, t := range row.Accounts {
			ps.accounts[a] = st.at(t)
		}
		st.partners[ps.name] = ps
	case keySource:
		var row eventSourceRow
		if err := json.Unmarshal(v, &row); err != nil {
			return false, err
		}
		st.sources[row.Name] = &eventSource{name: row.Name, arn: row.ARN, createdBy: row.CreatedBy, created: st.at(row.Created),
			expiration: st.opt(row.Expiration), state: row.State, deactivated: row.Deactivated}
	case keyKMS:
		st.kms[rest] = true
	case keyDelivery:
		d, err := delivery.ParseStored(v)
		if err != nil {
			return false, err
		}
		st.deliveries = append(st.deliveries, d)
	case keyArchiveMark:
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return false, err
		}
		st.marks[rest] = n
	case "n/":
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return false, err
		}
		st.seq = max(st.seq, n)
	default:
		return true, nil
	}
	return false, nil
}

// restoreRule rebuilds a rule of b from its row: its compiled pattern,
// schedule and targets (linked to their archive).
func restoreRule(b *bus, row ruleRow, archives map[string]*archive) (*rule, error) {
	r := &rule{bus: b, name: row.Name, arn: row.ARN, seq: row.Seq, state: row.State, pattern: row.Pattern,
		description: row.Description, roleArn: row.RoleArn, managedBy: row.ManagedBy, createdBy: row.CreatedBy, tags: tagSet{tags: row.Tags}}
	if r.pattern != "" {
		c, err := compilePattern(r.pattern)
		if err != nil {
			return nil, err
		}
		r.compiled = c
	}
	if row.Schedule != "" {
		sc, err := parseSchedule(row.Schedule, time.Unix(0, row.Anchor))
		if err != nil {
			return nil, err
		}
		r.sched = sc
	}
	for _, t := range row.Targets {
		nt := newTarget(t)
		for _, a := range archives {
			if a.arn == strOr(t.Arn, "") {
				nt.archive = a
			}
		}
		r.targets = append(r.targets, nt)
	}
	return r, nil
}

// resumeReplay carries on with a restored replay that had not finished.
func (s *Service) resumeReplay(rp *replay) {
	s.mu.RLock()
	state := rp.state
	s.mu.RUnlock()
	if s.env.Clock == nil || s.onReplayStart == nil {
		return
	}
	switch state {
	case ReplayStateStarting:
		s.onReplayStart(rp)
	case ReplayStateRunning:
		s.env.Clock.AfterFunc(0, func() { s.continueReplay(rp) })
	case ReplayStateCancelling:
		// The runner's next step (start or completion) comes anew.
		s.env.Clock.AfterFunc(replayStartDelay, func() { s.cancelled(rp) })
	}
}
