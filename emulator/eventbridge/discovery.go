package eventbridge

// schemaObserver is EventBridge Schemas' discovery as a bus sees it.
type schemaObserver interface {
	// DiscoveryStarted reports, without locking, whether a started
	// discoverer watches the bus.
	DiscoveryStarted(busArn string) bool
	ObserveEvent(busArn string, event []byte)
}

// observe hands an event that reached the bus busArn to schema discovery
// (the Schemas service of the same scope) when a started discoverer
// watches the bus and the discoverer's managed rule (discovery_rule.go)
// is there, enabled and matches the event. Buses without a discoverer cost
// one lock-free lookup. Replayed events are not observed again: discovery
// saw them when they were first put.
func (s *Service) observe(busArn string, ev *event) {
	if ev.replayName != "" || s.env.Services == nil {
		return
	}
	o, ok := s.env.Services("schemas", s.env.Scope).(schemaObserver)
	if !ok || !o.DiscoveryStarted(busArn) {
		return
	}
	if !s.discoveryRuleMatches(busArn, ev.source) {
		return
	}
	o.ObserveEvent(busArn, ev.document())
}
