package eventmatch

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
)

// Match reports whether a JSON event (EventBridge: the whole event; SNS
// MessageBody scope: the message body) matches the rule. Anything that is
// not a JSON object matches nothing.
func (r *Rule) Match(event []byte) bool {
	st := r.single.getState()
	defer r.single.putState(st)
	if st.flattenEvent(event) != nil {
		return false
	}
	st.finish()
	return len(st.matched) > 0
}

// MatchAttributes reports whether SNS message attributes match the rule
// (FilterPolicyScope MessageAttributes). Binary attributes are ignored;
// String.Array values match when any element does.
func (r *Rule) MatchAttributes(attrs map[string]Attribute) bool {
	st := r.single.getState()
	defer r.single.putState(st)
	st.flattenAttributes(attrs)
	st.finish()
	return len(st.matched) > 0
}

// Set holds many compiled rules by id and finds all that match an event in
// one pass over it. The zero Set is empty and ready; it is safe for
// concurrent use. Adding or removing rules recompiles the combined machine
// lazily, on the next match.
type Set struct {
	mu    sync.Mutex
	rules map[string]*Rule
	m     atomic.Pointer[machine]
}

// Add stores r under id, replacing any rule with that id.
func (s *Set) Add(id string, r *Rule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rules == nil {
		s.rules = map[string]*Rule{}
	}
	s.rules[id] = r
	s.m.Store(nil)
}

// Remove deletes the rule with id and reports whether there was one.
func (s *Set) Remove(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rules[id]; !ok {
		return false
	}
	delete(s.rules, id)
	s.m.Store(nil)
	return true
}

// Len is the number of rules in the set.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rules)
}

func (s *Set) machine() *machine {
	if m := s.m.Load(); m != nil {
		return m
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.m.Load(); m != nil {
		return m
	}
	ids := make([]string, 0, len(s.rules))
	for id := range s.rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	rules := make([]*Rule, len(ids))
	for i, id := range ids {
		rules[i] = s.rules[id]
	}
	m := buildMachine(rules, ids)
	s.m.Store(m)
	return m
}

// Match returns the ids (sorted) of the rules that match a JSON event. It
// fails for an event that is not a JSON object.
func (s *Set) Match(event []byte) ([]string, error) {
	m := s.machine()
	st := m.getState()
	defer m.putState(st)
	if err := st.flattenEvent(event); err != nil {
		return nil, fmt.Errorf("match event: %w", err)
	}
	st.finish()
	return st.ids(nil), nil
}

// AppendMatches is Match appending to dst, for callers that reuse a slice.
func (s *Set) AppendMatches(dst []string, event []byte) ([]string, error) {
	m := s.machine()
	st := m.getState()
	defer m.putState(st)
	if err := st.flattenEvent(event); err != nil {
		return dst, fmt.Errorf("match event: %w", err)
	}
	st.finish()
	return st.ids(dst), nil
}

// MatchAttributes returns the ids (sorted) of the rules that match SNS
// message attributes.
func (s *Set) MatchAttributes(attrs map[string]Attribute) []string {
	m := s.machine()
	st := m.getState()
	defer m.putState(st)
	st.flattenAttributes(attrs)
	st.finish()
	return st.ids(nil)
}

func (st *state) ids(dst []string) []string {
	for _, r := range st.matched {
		dst = append(dst, st.m.ruleIDs[r])
	}
	return dst
}
