package schemas

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Discoverers: a discoverer watches one event bus; while it is STARTED,
// every event that reaches the bus (ObserveEvent) is inferred into a schema
// of the discovered-schemas registry (see discover_run.go and infer.go).

// discovererState is the discovery state of one Service, kept in its
// extension map under discoveryKey.
type discovererState struct {
	mu          sync.Mutex
	discoverers map[string]*discoverer // by id

	// started holds the set of bus ARNs with a STARTED discoverer, by
	// ARN, as an immutable map replaced on change: ObserveEvent reads it
	// without a lock.
	started atomic.Pointer[map[string]startedBus]

	// queue is the events waiting for inference; draining is true while
	// a drain runs.
	qmu      sync.Mutex
	queue    []observed
	draining bool
	dropped  atomic.Uint64

	// imu serialises inference (one drain at a time writes versions).
	imu     sync.Mutex
	reports map[string]DiscoveryReport // "schema\x00version" -> report
}

// startedBus is what the hot path needs about a started discoverer.
type startedBus struct {
	crossAccount bool
}

type discoverer struct {
	id, arn, sourceArn, description string
	crossAccount                    bool
	state                           DiscovererState
	tags                            map[string]string
	created                         time.Time
}

const discoveryKey = "discovery"

// maxQueuedEvents bounds the events waiting for inference; past it events
// are dropped (and counted) rather than slowing the bus down.
const maxQueuedEvents = 10000

func (s *Service) discovery() *discovererState {
	return s.extension(discoveryKey, func() any {
		d := &discovererState{
			discoverers: map[string]*discoverer{},
			reports:     map[string]DiscoveryReport{},
		}
		empty := map[string]startedBus{}
		d.started.Store(&empty)
		return d
	}).(*discovererState)
}

// republishLocked rebuilds the started-bus set (d.mu held).
func (d *discovererState) republishLocked() {
	m := map[string]startedBus{}
	for _, x := range d.discoverers {
		if x.state == DiscovererStateStarted {
			b := m[x.sourceArn]
			b.crossAccount = b.crossAccount || x.crossAccount
			m[x.sourceArn] = b
		}
	}
	d.started.Store(&m)
}

// parseBusArn splits an event bus ARN into its region, account and bus
// name; ok is false when arn is not one.
func parseBusArn(arn string) (region, account, bus string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "events" || parts[1] == "" {
		return "", "", "", false
	}
	name, found := strings.CutPrefix(parts[5], "event-bus/")
	if !found || name == "" || parts[3] == "" || parts[4] == "" {
		return "", "", "", false
	}
	return parts[3], parts[4], name, true
}

func (s *Service) partitionName() string { return awsapi.Partition(s.env.Scope.Region) }

func (s *Service) discovererArn(id string) string {
	return "arn:" + s.partitionName() + ":schemas:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":discoverer/" + id
}

func errDiscovererNotFound(id string) error {
	// unverified: AWS's wording.
	return errNotFound("Discoverer with id %s does not exist.", id)
}

// CreateDiscoverer creates a STARTED discoverer on an event bus of this
// account and region. CrossAccount defaults to true, as on AWS.
func (s *Service) CreateDiscoverer(ctx context.Context, in *CreateDiscovererInput) (*CreateDiscovererOutput, error) {
	src := dscDeref(in.SourceArn)
	region, account, bus, ok := parseBusArn(src)
	if !ok {
		// unverified: AWS's wording.
		return nil, errBadRequest("SourceArn %s is not a valid event bus ARN.", src)
	}
	if region != s.env.Scope.Region || account != s.env.Scope.Account {
		// unverified: AWS's wording; a discoverer watches a bus of its own account and region.
		return nil, errBadRequest("SourceArn %s must be an event bus in account %s and region %s.", src, s.env.Scope.Account, s.env.Scope.Region)
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	id := "events-event-bus-" + bus
	cross := true
	if in.CrossAccount != nil {
		cross = *in.CrossAccount
	}
	d := s.discovery()
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.discoverers[id]; dup {
		// unverified: AWS's wording.
		return nil, errConflict("Discoverer for source %s already exists.", src)
	}
	if q := s.discovererQuota(); len(d.discoverers) >= q {
		return nil, errQuota("discoverers", q)
	}
	// The bus must exist; the discoverer's managed rule goes on it. (The
	// events service takes its own lock only; it never calls back into
	// this service while holding it.)
	if rules := s.discoveryRules(); rules != nil {
		found, err := rules.CreateDiscoveryRule(src, true)
		if err != nil {
			return nil, errBadRequest("%s", err.Error())
		}
		if !found {
			// unverified: AWS's wording; CreateDiscoverer has no
			// NotFoundException in the model, so a missing bus is a bad request.
			return nil, errBadRequest("Event bus %s does not exist.", src)
		}
	}
	x := &discoverer{
		id: id, arn: s.discovererArn(id), sourceArn: src, description: dscDeref(in.Description),
		crossAccount: cross, state: DiscovererStateStarted, tags: dscCopyTags(in.Tags), created: s.discoveryNow(),
	}
	d.discoverers[id] = x
	s.saveDiscovererLocked(x)
	d.republishLocked()
	return &CreateDiscovererOutput{
		Description: dscOptStr(x.description), DiscovererArn: &x.arn, DiscovererId: &x.id, SourceArn: &x.sourceArn,
		State: x.state, CrossAccount: dscBool(x.crossAccount), Tags: dscCopyTags(x.tags),
	}, nil
}

// DescribeDiscoverer describes one discoverer.
func (s *Service) DescribeDiscoverer(ctx context.Context, in *DescribeDiscovererInput) (*DescribeDiscovererOutput, error) {
	d := s.discovery()
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.discoverers[dscDeref(in.DiscovererId)]
	if !ok {
		return nil, errDiscovererNotFound(dscDeref(in.DiscovererId))
	}
	return &DescribeDiscovererOutput{
		Description: dscOptStr(x.description), DiscovererArn: &x.arn, DiscovererId: &x.id, SourceArn: &x.sourceArn,
		State: x.state, CrossAccount: dscBool(x.crossAccount), Tags: dscCopyTags(x.tags),
	}, nil
}

// UpdateDiscoverer changes a discoverer's description and CrossAccount.
func (s *Service) UpdateDiscoverer(ctx context.Context, in *UpdateDiscovererInput) (*UpdateDiscovererOutput, error) {
	d := s.discovery()
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.discoverers[dscDeref(in.DiscovererId)]
	if !ok {
		return nil, errDiscovererNotFound(dscDeref(in.DiscovererId))
	}
	if in.Description != nil {
		x.description = *in.Description
	}
	if in.CrossAccount != nil {
		x.crossAccount = *in.CrossAccount
	}
	s.saveDiscovererLocked(x)
	d.republishLocked()
	return &UpdateDiscovererOutput{
		Description: dscOptStr(x.description), DiscovererArn: &x.arn, DiscovererId: &x.id, SourceArn: &x.sourceArn,
		State: x.state, CrossAccount: dscBool(x.crossAccount), Tags: dscCopyTags(x.tags),
	}, nil
}

// DeleteDiscoverer deletes a discoverer; discovery on its bus stops.
func (s *Service) DeleteDiscoverer(ctx context.Context, in *DeleteDiscovererInput) (*DeleteDiscovererOutput, error) {
	d := s.discovery()
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.discoverers[dscDeref(in.DiscovererId)]
	if !ok {
		return nil, errDiscovererNotFound(dscDeref(in.DiscovererId))
	}
	if rules := s.discoveryRules(); rules != nil {
		if err := rules.DeleteDiscoveryRule(x.sourceArn); err != nil {
			return nil, errBadRequest("%s", err.Error())
		}
	}
	delete(d.discoverers, x.id)
	s.forgetDiscovererLocked(x)
	d.republishLocked()
	return &DeleteDiscovererOutput{}, nil
}

// StartDiscoverer starts a discoverer.
func (s *Service) StartDiscoverer(ctx context.Context, in *StartDiscovererInput) (*StartDiscovererOutput, error) {
	id, st, err := s.setDiscovererState(dscDeref(in.DiscovererId), DiscovererStateStarted)
	if err != nil {
		return nil, err
	}
	return &StartDiscovererOutput{DiscovererId: &id, State: st}, nil
}

// StopDiscoverer stops a discoverer.
func (s *Service) StopDiscoverer(ctx context.Context, in *StopDiscovererInput) (*StopDiscovererOutput, error) {
	id, st, err := s.setDiscovererState(dscDeref(in.DiscovererId), DiscovererStateStopped)
	if err != nil {
		return nil, err
	}
	return &StopDiscovererOutput{DiscovererId: &id, State: st}, nil
}

func (s *Service) setDiscovererState(id string, st DiscovererState) (string, DiscovererState, error) {
	d := s.discovery()
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.discoverers[id]
	if !ok {
		return "", "", errDiscovererNotFound(id)
	}
	if rules := s.discoveryRules(); rules != nil {
		var err error
		if st == DiscovererStateStarted {
			// Starting restores the managed rule should it have been
			// deleted with Force meanwhile.
			_, err = rules.CreateDiscoveryRule(x.sourceArn, true)
		} else {
			err = rules.SetDiscoveryRuleEnabled(x.sourceArn, false)
		}
		if err != nil {
			return "", "", errBadRequest("%s", err.Error())
		}
	}
	x.state = st
	s.saveDiscovererLocked(x)
	d.republishLocked()
	return x.id, x.state, nil
}

// discoveryRuleKeeper is the events service's side of a discoverer: the
// managed rule on the bus (emulator/eventbridge/discovery_rule.go).
type discoveryRuleKeeper interface {
	CreateDiscoveryRule(bus string, enabled bool) (found bool, err error)
	SetDiscoveryRuleEnabled(bus string, enabled bool) error
	DeleteDiscoveryRule(bus string) error
}

// discoveryRules returns the events service of this scope, nil when the
// service runs without one (unit tests of this package).
func (s *Service) discoveryRules() discoveryRuleKeeper {
	if s.env.Services == nil {
		return nil
	}
	k, _ := s.env.Services("events", s.env.Scope).(discoveryRuleKeeper)
	return k
}

// DiscoveryStarted reports, without locking, whether a started discoverer
// watches the bus busArn (the events service asks before handing an event
// to ObserveEvent).
func (s *Service) DiscoveryStarted(busArn string) bool {
	_, ok := (*s.discovery().started.Load())[busArn]
	return ok
}

// listDiscoverers serves ListDiscoverers (service.go delegates to it):
// discoverers ordered by id, filtered by the id and source prefixes, paged
// by Limit (default and cap 100, unverified) with an opaque token.
func (s *Service) listDiscoverers(ctx context.Context, in *ListDiscoverersInput) (*ListDiscoverersOutput, error) {
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 {
			// unverified: AWS's wording.
			return nil, errBadRequest("Limit must be greater than 0.")
		}
		if int(*in.Limit) < limit {
			limit = int(*in.Limit)
		}
	}
	start := ""
	if t := dscDeref(in.NextToken); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || !strings.HasPrefix(string(b), "d:") {
			// unverified: AWS's wording.
			return nil, errBadRequest("Invalid NextToken.")
		}
		start = string(b[2:])
	}
	d := s.discovery()
	d.mu.Lock()
	var all []*discoverer
	for _, x := range d.discoverers {
		if !strings.HasPrefix(x.id, dscDeref(in.DiscovererIdPrefix)) || !strings.HasPrefix(x.sourceArn, dscDeref(in.SourceArnPrefix)) {
			continue
		}
		if start != "" && x.id < start {
			continue
		}
		all = append(all, x)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	out := &ListDiscoverersOutput{Discoverers: []DiscovererSummary{}}
	for i, x := range all {
		if i == limit {
			tok := base64.RawURLEncoding.EncodeToString([]byte("d:" + x.id))
			out.NextToken = &tok
			break
		}
		out.Discoverers = append(out.Discoverers, DiscovererSummary{
			DiscovererArn: dscStr(x.arn), DiscovererId: dscStr(x.id), SourceArn: dscStr(x.sourceArn),
			State: x.state, CrossAccount: dscBool(x.crossAccount), Tags: dscCopyTags(x.tags),
		})
	}
	d.mu.Unlock()
	return out, nil
}

// discovererTags returns the tags of the discoverer with arn, for the tag
// operations; ok is false when no discoverer has that ARN.
func (s *Service) discovererTags(arn string) (tags map[string]string, ok bool) {
	d := s.discovery()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, x := range d.discoverers {
		if x.arn == arn {
			return dscCopyTags(x.tags), true
		}
	}
	return nil, false
}

// updateDiscovererTags applies f to the tags of the discoverer with arn;
// ok is false when no discoverer has that ARN.
func (s *Service) updateDiscovererTags(arn string, f func(map[string]string)) (ok bool) {
	d := s.discovery()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, x := range d.discoverers {
		if x.arn == arn {
			f(x.tags)
			s.saveDiscovererLocked(x)
			return true
		}
	}
	return false
}

func (s *Service) discoveryNow() time.Time {
	if s.env.Clock == nil {
		return time.Now()
	}
	return s.env.Clock.Now()
}

func dscDeref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func dscStr(v string) *string { return &v }
func dscBool(v bool) *bool    { return &v }

func dscOptStr(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

func dscCopyTags(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
