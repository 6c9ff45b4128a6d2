package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// DefaultLogSize bounds the fired-fault log.
const DefaultLogSize = 10000

// Config configures a Faults.
type Config struct {
	// Clock is the emulator's clock (windows and log times); a real-time
	// clock when nil.
	Clock *clock.Clock
	// Descriptors, when set, give the HTTP status, query code and fault
	// side of the error codes their models list.
	Descriptors []*awsapi.ServiceDescriptor
	// LogSize bounds the log (DefaultLogSize when 0).
	LogSize int
}

// Faults holds one emulator's rules and the log of faults that fired. It
// is safe for concurrent use.
type Faults struct {
	clock   *clock.Clock
	descs   map[string]*awsapi.ServiceDescriptor
	logSize int

	// n is len(rules), read without the lock so that an emulator without
	// rules pays one atomic load per call.
	n atomic.Int32

	mu      sync.Mutex
	rules   []*state
	nextID  uint64
	log     []Fired // ring of logSize
	logNext int
	logFull bool
	dropped int
}

// state is a rule with its counters and generator.
type state struct {
	rule    Rule
	matched int
	fired   int
	rng     *rand.Rand
}

// Status is a rule with how often it matched and fired, as List returns it.
type Status struct {
	Rule
	Matched int `json:"matched"`
	Fired   int `json:"fired"`
}

// Fired is one fault that fired, as the log records it.
type Fired struct {
	Rule      string    `json:"rule"`
	Service   string    `json:"service"`
	Operation string    `json:"operation"`
	Resource  string    `json:"resource,omitempty"`
	Account   string    `json:"account,omitempty"`
	Region    string    `json:"region,omitempty"`
	RequestID string    `json:"requestId,omitempty"`
	Fault     string    `json:"fault"`
	Time      time.Time `json:"time"`
}

// New returns an empty Faults.
func New(cfg Config) *Faults {
	if cfg.Clock == nil {
		cfg.Clock = clock.New()
	}
	if cfg.LogSize <= 0 {
		cfg.LogSize = DefaultLogSize
	}
	f := &Faults{clock: cfg.Clock, logSize: cfg.LogSize, descs: map[string]*awsapi.ServiceDescriptor{}}
	for _, d := range cfg.Descriptors {
		f.descs[d.Name] = d
	}
	return f
}

// Add validates r, gives it an id (unless it has one not in use) and adds
// it after the others. It returns the rule as stored.
func (f *Faults) Add(r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, fmt.Errorf("fault rule: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.ID == "" {
		for {
			f.nextID++
			r.ID = "f-" + strconv.FormatUint(f.nextID, 10)
			if f.indexLocked(r.ID) < 0 {
				break
			}
		}
	} else if f.indexLocked(r.ID) >= 0 {
		return Rule{}, fmt.Errorf("fault rule: id %q is in use", r.ID)
	}
	r = r.clone()
	f.rules = append(f.rules, &state{rule: r, rng: rand.New(rand.NewPCG(r.Seed, r.Seed^0x9e3779b97f4a7c15))})
	f.n.Store(int32(len(f.rules)))
	return r, nil
}

// clone copies r's nested settings, so that callers share nothing with
// the stored rule.
func (r Rule) clone() Rule {
	if r.Latency != nil {
		l := *r.Latency
		r.Latency = &l
	}
	if r.Window != nil {
		w := *r.Window
		r.Window = &w
	}
	if r.Entries != nil {
		e := *r.Entries
		e.Indexes = slices.Clone(e.Indexes)
		r.Entries = &e
	}
	return r
}

func (f *Faults) indexLocked(id string) int {
	return slices.IndexFunc(f.rules, func(s *state) bool { return s.rule.ID == id })
}

// List returns the rules in order, with their counters.
func (f *Faults) List() []Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Status, len(f.rules))
	for i, s := range f.rules {
		out[i] = Status{Rule: s.rule.clone(), Matched: s.matched, Fired: s.fired}
	}
	return out
}

// Remove drops the rule with id; it reports whether there was one.
func (f *Faults) Remove(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexLocked(id)
	if i < 0 {
		return false
	}
	f.rules = slices.Delete(f.rules, i, i+1)
	f.n.Store(int32(len(f.rules)))
	return true
}

// Clear drops every rule (the log stays).
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	f.n.Store(0)
}

// Reset drops every rule and the log, as a full emulator reset does.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
	f.n.Store(0)
	f.log, f.logNext, f.logFull, f.dropped = nil, 0, false, 0
}

// Log returns the faults that fired, oldest first, and how many older
// ones were dropped to bound it.
func (f *Faults) Log() ([]Fired, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.logFull {
		return slices.Clone(f.log), f.dropped
	}
	out := make([]Fired, 0, len(f.log))
	out = append(out, f.log[f.logNext:]...)
	out = append(out, f.log[:f.logNext]...)
	return out, f.dropped
}

// ClearLog forgets the log.
func (f *Faults) ClearLog() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log, f.logNext, f.logFull, f.dropped = nil, 0, false, 0
}

func (f *Faults) logLocked(s *state, c awsapi.FaultCall, fault string, now time.Time) {
	e := Fired{Rule: s.rule.ID, Service: c.Service, Operation: c.Operation, Account: c.Account, Region: c.Region, RequestID: c.RequestID, Fault: fault, Time: now}
	if len(c.Resources) > 0 {
		e.Resource = c.Resources[0]
	}
	if len(f.log) < f.logSize {
		f.log = append(f.log, e)
		return
	}
	f.log[f.logNext] = e
	f.logNext = (f.logNext + 1) % f.logSize
	f.logFull = true
	f.dropped++
}

// Active reports whether any rule is set.
func (f *Faults) Active() bool { return f != nil && f.n.Load() != 0 }

// kind is which of the hooks a rule serves.
type kind int

const (
	kindCall kind = iota
	kindEntries
	kindLambda
)

func (s *state) kind() kind {
	switch {
	case s.rule.Entries != nil:
		return kindEntries
	case s.rule.Lambda != "":
		return kindLambda
	}
	return kindCall
}

// matches reports whether the rule's matchers select c.
func (r *Rule) matches(c *awsapi.FaultCall) bool {
	if !glob(r.Service, c.Service) || !glob(r.Operation, c.Operation) || !glob(r.Account, c.Account) || !glob(r.Region, c.Region) || !glob(r.AccessKey, c.AccessKey) {
		return false
	}
	if r.Resource == "" {
		return true
	}
	if c.Resources == nil && c.ResourcesFunc != nil {
		c.Resources, c.ResourcesFunc = c.ResourcesFunc(), nil
	}
	for _, res := range c.Resources {
		if res != "" && (glob(r.Resource, res) || glob(r.Resource, shortName(res))) {
			return true
		}
	}
	return false
}

// shortName is the last part of an ARN or URL: the stream, queue, topic,
// bus or function name ("arn:aws:kinesis:...:stream/orders" is orders).
func shortName(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' || s[i] == ':' {
			return s[i+1:]
		}
	}
	return s
}

// fireLocked counts a matching call and reports whether the rule fires.
func (f *Faults) fireLocked(s *state, now time.Time) bool {
	r := &s.rule
	s.matched++
	if w := r.Window; w != nil && (!w.From.IsZero() && now.Before(w.From) || !w.Until.IsZero() && !now.Before(w.Until)) {
		return false
	}
	if r.Every > 1 && s.matched%r.Every != 0 {
		return false
	}
	if r.Probability > 0 && r.Probability < 1 && s.rng.Float64() >= r.Probability {
		return false
	}
	if r.Count > 0 && s.fired >= r.Count {
		return false
	}
	s.fired++
	return true
}

// find returns the first rule of kind k that fires for c, counting the
// call on every rule it matches up to that one.
func (f *Faults) findLocked(k kind, c *awsapi.FaultCall, now time.Time) *state {
	for _, s := range f.rules {
		if s.kind() != k || !s.rule.matches(c) {
			continue
		}
		if f.fireLocked(s, now) {
			return s
		}
	}
	return nil
}

// Match returns the fault for call, or nil. It implements awsapi.Faults.
func (f *Faults) Match(_ context.Context, call awsapi.FaultCall) *awsapi.Fault {
	if !f.Active() {
		return nil
	}
	now := f.clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.findLocked(kindCall, &call, now)
	if s == nil {
		return nil
	}
	r := &s.rule
	out := &awsapi.Fault{Rule: r.ID, After: r.When == After, Reset: r.Reset}
	what := "latency"
	switch {
	case r.Error != "":
		out.Error = f.errorFor(call.Service, r.Error, r.Message, r.Status)
		what = "error " + r.Error
	case r.Status != 0:
		out.Status = r.Status
		what = "status " + strconv.Itoa(r.Status)
	case r.Reset:
		what = "reset"
	}
	if r.Latency != nil {
		out.Latency = r.Latency.Min
		if r.Latency.Max > r.Latency.Min {
			out.Latency += time.Duration(s.rng.Int64N(int64(r.Latency.Max-r.Latency.Min) + 1))
		}
		if what != "latency" {
			what += " after latency"
		}
	}
	f.logLocked(s, call, what, now)
	return out
}

// EntryFaults returns the failing entries of a batch of n, or nil. It
// implements awsapi.Faults.
func (f *Faults) EntryFaults(_ context.Context, call awsapi.FaultCall, n int) map[int]awsapi.EntryFault {
	if !f.Active() || n <= 0 {
		return nil
	}
	now := f.clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.findLocked(kindEntries, &call, now)
	if s == nil {
		return nil
	}
	e := s.rule.Entries
	ef := entryFaultFor(call.Service, call.Operation, e.Error, e.Message)
	ef.Rule = s.rule.ID
	out := map[int]awsapi.EntryFault{}
	for _, i := range e.Indexes {
		if i < n {
			out[i] = ef
		}
	}
	if e.Random > 0 {
		for i := range n {
			if s.rng.Float64() < e.Random {
				out[i] = ef
			}
		}
	}
	idx := make([]string, 0, len(out))
	for i := range n {
		if _, ok := out[i]; ok {
			idx = append(idx, strconv.Itoa(i))
		}
	}
	f.logLocked(s, call, fmt.Sprintf("entries [%s] %s", strings.Join(idx, ","), ef.Code), now)
	if len(out) == 0 {
		return nil
	}
	return out
}

// LambdaFault returns the handler fault for one invocation, or nil. It
// implements awsapi.Faults.
func (f *Faults) LambdaFault(_ context.Context, call awsapi.FaultCall) *awsapi.LambdaFault {
	if !f.Active() {
		return nil
	}
	now := f.clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.findLocked(kindLambda, &call, now)
	if s == nil {
		return nil
	}
	lf := lambdaFaultFor(s.rule.Lambda, s.rule.Message)
	lf.Rule = s.rule.ID
	f.logLocked(s, call, "lambda "+s.rule.Lambda, now)
	return lf
}

var _ awsapi.Faults = (*Faults)(nil)
