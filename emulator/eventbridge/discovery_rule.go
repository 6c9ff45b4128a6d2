package eventbridge

import (
	"fmt"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

// EventBridge Schemas keeps a discoverer as a managed rule on the bus it
// watches, as AWS does: "Schemas-events-event-bus-<bus>", ManagedBy
// schemas.amazonaws.com, with the pattern and description AWS gives it
// (seen in a ListRules answer recorded from AWS). Users cannot change or
// delete it without Force; the Schemas service creates it on
// CreateDiscoverer, disables it on StopDiscoverer, enables it on
// StartDiscoverer and deletes it on DeleteDiscoverer. Events reach
// discovery only while the rule exists, is enabled and matches them.

const (
	// discoveryRulePrefix names a discoverer's managed rule.
	discoveryRulePrefix = "Schemas-events-event-bus-"
	// discoveryManager is the ManagedBy of a discoverer's rule.
	discoveryManager = "schemas.amazonaws.com"
	// discoveryRulePattern routes every event but AWS services' own
	// (partner events included) to discovery; AWS's text, spacing kept.
	discoveryRulePattern = `{ "source": [ { "prefix": "aws.partner/" }, { "anything-but": { "prefix": "aws." } } ] }`
	// discoveryRuleDescription is the description AWS gives the rule.
	discoveryRuleDescription = "This rule is used to route Events to Schema Discoverer"
)

// discoveryRuleName is the managed rule's name for bus busName.
// unverified: how AWS shortens the name past the 64-character rule-name
// limit; here it is cut, as archive rules are.
func discoveryRuleName(busName string) string {
	name := discoveryRulePrefix + busName
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// CreateDiscoveryRule installs the managed rule of a discoverer on bus
// bus (a name or an ARN of this scope), enabled or not; found is false
// when the bus does not exist. An existing managed rule is kept and set to
// the state asked for (so StartDiscoverer restores a rule deleted with
// Force).
func (s *Service) CreateDiscoveryRule(bus string, enabled bool) (found bool, err error) {
	compiled, err := eventmatch.CompilePattern([]byte(discoveryRulePattern))
	if err != nil {
		return false, fmt.Errorf("compiling the discovery rule pattern: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.busLocked(&bus)
	if err != nil {
		return false, nil
	}
	name := discoveryRuleName(b.name)
	r := b.rules[name]
	if r != nil && r.managedBy != discoveryManager {
		// A rule of the user's holds the name.
		return true, fmt.Errorf("creating the discovery rule: %w", errManaged(name))
	}
	if r == nil {
		r = &rule{bus: b, name: name, arn: s.ruleARN(b.name, name), seq: s.nextSeqLocked(), createdBy: s.env.Scope.Account,
			managedBy: discoveryManager, description: ptr(discoveryRuleDescription)}
		b.rules[name] = r
	}
	r.pattern, r.compiled = discoveryRulePattern, compiled
	r.state = RuleStateDisabled
	if enabled {
		r.state = RuleStateEnabled
	}
	s.saveRuleLocked(r)
	// unverified: AWS's target of the rule is internal to the Schemas
	// service; the rule shows no target here, so nothing is delivered
	// through the data plane and discovery is fed by observe.
	b.index(r)
	return true, nil
}

// SetDiscoveryRuleEnabled enables or disables the managed rule of the
// discoverer on bus; a bus or rule that is gone is no error.
// unverified: AWS disabling the rule while the discoverer is stopped.
func (s *Service) SetDiscoveryRuleEnabled(bus string, enabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.busLocked(&bus)
	if err != nil {
		return nil
	}
	r := b.rules[discoveryRuleName(b.name)]
	if r == nil || r.managedBy != discoveryManager {
		return nil
	}
	r.state = RuleStateDisabled
	if enabled {
		r.state = RuleStateEnabled
	}
	b.index(r)
	s.saveRuleLocked(r)
	return nil
}

// DeleteDiscoveryRule deletes the managed rule of the discoverer on bus;
// a bus or rule that is gone is no error.
func (s *Service) DeleteDiscoveryRule(bus string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.busLocked(&bus)
	if err != nil {
		return nil
	}
	name := discoveryRuleName(b.name)
	r := b.rules[name]
	if r == nil || r.managedBy != discoveryManager {
		return nil
	}
	delete(b.rules, name)
	r.deleted = true
	b.index(r)
	s.deleteRuleLocked(r)
	return nil
}

// discoveryRuleMatches reports whether the managed discovery rule of the
// bus with ARN busArn exists, is enabled and matches an event of source
// (s.mu not held). Users cannot change the rule's pattern (PutRule refuses
// managed rules), so it is evaluated here as code: a compiled match of the
// whole event would cost more than the rest of the hot path.
func (s *Service) discoveryRuleMatches(busArn, source string) bool {
	if !discoveryRouted(source) {
		return false
	}
	i := strings.LastIndex(busArn, ":event-bus/")
	if i < 0 {
		return false
	}
	name := busArn[i+len(":event-bus/"):]
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buses[name]
	if b == nil || b.arn != busArn {
		return false
	}
	r := b.rules[discoveryRuleName(name)]
	return r != nil && !r.deleted && r.managedBy == discoveryManager && r.enabled()
}

// discoveryRouted is discoveryRulePattern as code: partner events and
// every source but AWS services' own.
func discoveryRouted(source string) bool {
	return strings.HasPrefix(source, "aws.partner/") || !strings.HasPrefix(source, "aws.")
}
