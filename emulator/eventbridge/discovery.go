package eventbridge

// schemaObserver is EventBridge Schemas' discovery as a bus sees it.
type schemaObserver interface {
	ObserveEvent(busArn string, event []byte)
}

// observe hands an event that reached the bus busArn to schema discovery
// (the Schemas service of the same scope, which returns at once unless a
// discoverer is started on the bus). Replayed events are not observed
// again: discovery saw them when they were first put.
func (s *Service) observe(busArn string, ev *event) {
	if ev.replayName != "" || s.env.Services == nil {
		return
	}
	if o, ok := s.env.Services("schemas", s.env.Scope).(schemaObserver); ok {
		o.ObserveEvent(busArn, ev.document())
	}
}
