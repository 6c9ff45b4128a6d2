package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Lambda fault kinds.
const (
	LambdaThrottle = "throttle"
	LambdaTimeout  = "timeout"
	LambdaCrash    = "crash"
	LambdaError    = "error"
	LambdaOOM      = "oom"
)

// When a fault applies: before the operation takes effect (the default) or
// after it.
const (
	Before = "before"
	After  = "after"
)

// Rule is one fault injection rule, as the admin API, YAML and the CLI
// carry it. Service is required; the other matchers are optional globs.
// Exactly one fault is set: Error (with Message, Status), Status alone,
// Reset, Latency alone, Entries or Lambda. Latency may also come with
// Error, Status or Reset, and delays them.
type Rule struct {
	ID string `json:"id,omitempty" yaml:"id"`

	Service   string `json:"service" yaml:"service"`
	Operation string `json:"operation,omitempty" yaml:"operation"`
	Resource  string `json:"resource,omitempty" yaml:"resource"`
	Account   string `json:"account,omitempty" yaml:"account"`
	Region    string `json:"region,omitempty" yaml:"region"`
	AccessKey string `json:"accessKey,omitempty" yaml:"accessKey"`

	Error   string   `json:"error,omitempty" yaml:"error"`
	Message string   `json:"message,omitempty" yaml:"message"`
	Status  int      `json:"status,omitempty" yaml:"status"`
	Reset   bool     `json:"reset,omitempty" yaml:"reset"`
	Latency *Latency `json:"latency,omitempty" yaml:"latency"`
	// When is "before" (default) or "after" the operation takes effect.
	When    string   `json:"when,omitempty" yaml:"when"`
	Entries *Entries `json:"entries,omitempty" yaml:"entries"`
	Lambda  string   `json:"lambda,omitempty" yaml:"lambda"`

	// Probability in (0, 1] that a matching call fires, drawn from the
	// rule's generator seeded with Seed.
	Probability float64 `json:"probability,omitempty" yaml:"probability"`
	Seed        uint64  `json:"seed,omitempty" yaml:"seed"`
	// Count is how many times the rule fires at most (0: no limit).
	Count int `json:"count,omitempty" yaml:"count"`
	// Every fires on each Kth matching call only.
	Every int `json:"every,omitempty" yaml:"every"`
	// Window limits the rule to a span of the emulator's virtual clock.
	Window *Window `json:"window,omitempty" yaml:"window"`
}

// Window is a span of virtual time; a zero bound is open.
type Window struct {
	From  time.Time `json:"from,omitzero" yaml:"from"`
	Until time.Time `json:"until,omitzero" yaml:"until"`
}

// Entries fails entries of a batch: the listed indexes, or each entry
// with probability Random; Error is the per-entry code (the operation's
// usual one when empty).
type Entries struct {
	Indexes []int   `json:"indexes,omitempty" yaml:"indexes"`
	Random  float64 `json:"random,omitempty" yaml:"random"`
	Error   string  `json:"error,omitempty" yaml:"error"`
	Message string  `json:"message,omitempty" yaml:"message"`
}

// Latency is a fixed delay ("250ms") or a uniform one between Min and Max
// ({"min": "100ms", "max": "300ms"}), drawn from the rule's generator.
type Latency struct {
	Min time.Duration
	Max time.Duration
}

// String renders l as its JSON form does.
func (l Latency) String() string {
	if l.Min == l.Max {
		return l.Min.String()
	}
	return fmt.Sprintf("%s..%s", l.Min, l.Max)
}

// MarshalJSON renders a fixed latency as a string, a range as an object.
func (l Latency) MarshalJSON() ([]byte, error) {
	if l.Min == l.Max {
		return json.Marshal(l.Min.String())
	}
	return json.Marshal(map[string]string{"min": l.Min.String(), "max": l.Max.String()})
}

// UnmarshalJSON reads "250ms" or {"min": "100ms", "max": "300ms"}.
func (l *Latency) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return l.parse(s, s)
	}
	var o struct {
		Min string `json:"min"`
		Max string `json:"max"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return errors.New(`latency must be a duration ("250ms") or {"min": "100ms", "max": "300ms"}`)
	}
	return l.parse(o.Min, o.Max)
}

// UnmarshalYAML reads the same two forms from YAML.
func (l *Latency) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err == nil {
		return l.parse(s, s)
	}
	var o struct {
		Min string `yaml:"min"`
		Max string `yaml:"max"`
	}
	if err := unmarshal(&o); err != nil {
		return errors.New(`latency must be a duration ("250ms") or {min: 100ms, max: 300ms}`)
	}
	return l.parse(o.Min, o.Max)
}

func (l *Latency) parse(lo, hi string) error {
	minD, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return fmt.Errorf("latency %q is not a duration such as 250ms", lo)
	}
	maxD, err := time.ParseDuration(strings.TrimSpace(hi))
	if err != nil {
		return fmt.Errorf("latency %q is not a duration such as 250ms", hi)
	}
	l.Min, l.Max = minD, maxD
	return nil
}

// maxLatency bounds an injected delay.
const maxLatency = 15 * time.Minute

// Validate checks r and returns every problem, joined.
func (r *Rule) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.Service == "" {
		bad("service is required (kinesis, sqs, sns, events, glue, lambda, schemas, or a glob)")
	}
	kinds := 0
	if r.Error != "" {
		kinds++
	}
	if r.Status != 0 && r.Error == "" {
		kinds++
	}
	if r.Reset {
		kinds++
	}
	if r.Entries != nil {
		kinds++
	}
	if r.Lambda != "" {
		kinds++
	}
	if kinds == 0 && r.Latency == nil {
		bad("a fault is required: error, status, reset, latency, entries or lambda")
	}
	if kinds > 1 {
		bad("set only one of error, status, reset, entries and lambda")
	}
	if r.Message != "" && r.Error == "" && r.Lambda != LambdaError && r.Lambda != LambdaThrottle {
		bad("message goes with error, lambda error or lambda throttle")
	}
	if r.Error != "" && !validCode(r.Error) {
		bad("error %q is not an error code such as ThrottlingException", r.Error)
	}
	if r.Status != 0 {
		lo := 500
		if r.Error != "" {
			lo = 400
		}
		if r.Status < lo || r.Status > 599 {
			bad("status %d must be between %d and 599", r.Status, lo)
		}
	}
	if r.Latency != nil {
		if r.Latency.Min < 0 || r.Latency.Max < r.Latency.Min {
			bad("latency range %s is empty or negative", r.Latency)
		}
		if r.Latency.Max > maxLatency {
			bad("latency %s is longer than %s", r.Latency.Max, maxLatency)
		}
	}
	switch r.When {
	case "", Before, After:
	default:
		bad("when %q must be before or after", r.When)
	}
	if (r.Entries != nil || r.Lambda != "") && r.When != "" {
		bad("when applies to error, status, reset and latency only")
	}
	if e := r.Entries; e != nil {
		if r.Latency != nil {
			bad("latency cannot go with entries")
		}
		if (len(e.Indexes) == 0) == (e.Random == 0) {
			bad("entries needs either indexes or random (a fraction)")
		}
		for _, i := range e.Indexes {
			if i < 0 {
				bad("entries index %d is negative", i)
			}
		}
		if e.Random < 0 || e.Random > 1 {
			bad("entries random %v must be in (0, 1]", e.Random)
		}
		if e.Error != "" && !validCode(e.Error) {
			bad("entries error %q is not an error code", e.Error)
		}
	}
	if r.Lambda != "" {
		switch r.Lambda {
		case LambdaThrottle, LambdaTimeout, LambdaCrash, LambdaError, LambdaOOM:
		default:
			bad("lambda %q must be throttle, timeout, crash, error or oom", r.Lambda)
		}
		if r.Service != "lambda" {
			bad("lambda faults need service lambda")
		}
		if r.Latency != nil {
			bad("latency cannot go with lambda")
		}
	}
	if r.Probability < 0 || r.Probability > 1 {
		bad("probability %v must be in (0, 1]", r.Probability)
	}
	if r.Count < 0 {
		bad("count %d is negative", r.Count)
	}
	if r.Every < 0 {
		bad("every %d is negative", r.Every)
	}
	if w := r.Window; w != nil && !w.From.IsZero() && !w.Until.IsZero() && !w.Until.After(w.From) {
		bad("window until %s is not after from %s", w.Until.Format(time.RFC3339), w.From.Format(time.RFC3339))
	}
	for _, g := range []struct{ name, v string }{{"service", r.Service}, {"operation", r.Operation}, {"resource", r.Resource}, {"account", r.Account}, {"region", r.Region}, {"accessKey", r.AccessKey}} {
		if len(g.v) > 2048 {
			bad("%s is longer than 2048 characters", g.name)
		}
	}
	return errors.Join(errs...)
}

// validCode reports whether code looks like an AWS error code: letters,
// digits and dots (AWS.SimpleQueueService.NonExistentQueue), at most 256.
func validCode(code string) bool {
	if len(code) > 256 {
		return false
	}
	for _, c := range code {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// ParseRule decodes one rule from JSON, refusing unknown fields, and
// validates it.
func ParseRule(b []byte) (Rule, error) {
	var r Rule
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Rule{}, fmt.Errorf("fault rule: %w", err)
	}
	if dec.More() {
		return Rule{}, errors.New("fault rule: one JSON object expected")
	}
	if err := r.Validate(); err != nil {
		return Rule{}, fmt.Errorf("fault rule: %w", err)
	}
	return r, nil
}

// glob reports whether s matches pattern, where * is any run of characters
// and ? any one; an empty pattern matches anything.
func glob(pattern, s string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	px, sx := 0, 0
	nextPx, nextSx := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if nextSx > 0 && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}
