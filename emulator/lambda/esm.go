package lambda

import (
	"context"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Event source mapping states.
const (
	ESMCreating  = "Creating"
	ESMEnabling  = "Enabling"
	ESMEnabled   = "Enabled"
	ESMDisabling = "Disabling"
	ESMDisabled  = "Disabled"
	ESMUpdating  = "Updating"
	ESMDeleting  = "Deleting"
)

// eventSourceMapping is one mapping; its configuration is what the API
// returns.
type eventSourceMapping struct {
	mu      sync.Mutex
	cfg     EventSourceMappingConfiguration
	enabled bool
	tags    map[string]string
	stop    func()
	gone    bool // removed from the service: journals nothing more
}

func (m *eventSourceMapping) stopTimer() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stop != nil {
		m.stop()
		m.stop = nil
	}
}

// ESMEvent tells a watcher about a change of an event source mapping.
type ESMEvent struct {
	// Config is the mapping's configuration after the change.
	Config EventSourceMappingConfiguration
	// Deleted is set when the mapping is gone.
	Deleted bool
}

// WatchEventSourceMappings calls f (synchronously, in order, never
// concurrently for one service) whenever a mapping of the scope is
// created, changes state or settings, or is deleted, and returns a
// function that stops the calls. Event source mapping pollers use it to
// start, reconfigure and stop their work; EventSourceMappings lists the
// mappings that already exist.
func (s *Service) WatchEventSourceMappings(f func(ESMEvent)) (cancel func()) {
	s.mu.Lock()
	id := s.nextWatch
	s.nextWatch++
	s.watchers[id] = f
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.watchers, id)
		s.mu.Unlock()
	}
}

// notify tells the watchers about m.
func (s *Service) notify(cfg EventSourceMappingConfiguration, deleted bool) {
	s.mu.Lock()
	ids := make([]int, 0, len(s.watchers))
	for id := range s.watchers {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	fs := make([]func(ESMEvent), 0, len(ids))
	for _, id := range ids {
		fs = append(fs, s.watchers[id])
	}
	s.mu.Unlock()
	for _, f := range fs {
		f(ESMEvent{Config: cfg, Deleted: deleted})
	}
}

// EventSourceMappings returns the configuration of every mapping of the
// scope, ordered by UUID.
func (s *Service) EventSourceMappings() []EventSourceMappingConfiguration {
	s.mu.Lock()
	ms := make([]*eventSourceMapping, 0, len(s.esms))
	for _, m := range s.esms {
		ms = append(ms, m)
	}
	s.mu.Unlock()
	out := make([]EventSourceMappingConfiguration, 0, len(ms))
	for _, m := range ms {
		m.mu.Lock()
		out = append(out, m.cfg)
		m.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return str(out[i].UUID) < str(out[j].UUID) })
	return out
}

// SetEventSourceMappingResult records a poller's LastProcessingResult
// (e.g. "OK", "PROBLEM: Function call failed").
func (s *Service) SetEventSourceMappingResult(uuid, result string) {
	s.mu.Lock()
	m := s.esms[uuid]
	s.mu.Unlock()
	if m == nil {
		return
	}
	m.mu.Lock()
	if str(m.cfg.LastProcessingResult) != result {
		m.cfg.LastProcessingResult = ptr(result)
		s.persistESMLocked(m)
	}
	m.mu.Unlock()
}

// settleESM moves a mapping from its transitional state to the final one
// after the state transition delay.
func (s *Service) settleESM(m *eventSourceMapping) {
	m.stopTimer()
	stop := s.afterTransition(func() {
		m.mu.Lock()
		if m.enabled {
			m.cfg.State = ptr(ESMEnabled)
		} else {
			m.cfg.State = ptr(ESMDisabled)
		}
		m.stop = nil
		s.persistESMLocked(m)
		cfg := m.cfg
		m.mu.Unlock()
		s.notify(cfg, false)
	})
	m.mu.Lock()
	if st := str(m.cfg.State); st != ESMEnabled && st != ESMDisabled {
		m.stop = stop
	}
	m.mu.Unlock()
}

// CreateEventSourceMapping maps an event source to a function.
func (s *Service) CreateEventSourceMapping(ctx context.Context, in *CreateEventSourceMappingInput) (*CreateEventSourceMappingOutput, error) {
	src := str(in.EventSourceArn)
	if src == "" && in.SelfManagedEventSource == nil {
		return nil, errInvalidParameter("Unrecognized event source.")
	}
	service := arnService(src)
	if in.SelfManagedEventSource != nil {
		service = "kafka"
	}
	switch service {
	case "kinesis", "dynamodb", "kafka":
		if in.StartingPosition == "" {
			return nil, errInvalidParameter("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.")
		}
	case "sqs":
		if in.StartingPosition != "" {
			return nil, errInvalidParameter("StartingPosition is not valid for SQS event sources.")
		}
	case "mq":
	default:
		return nil, errInvalidParameter("Unrecognized event source.")
	}
	if d := in.DestinationConfig; d != nil && d.OnSuccess != nil && service != "kafka" {
		return nil, errInvalidParameter("Unsupported DestinationConfig parameter for given event source mapping type.")
	}
	fn, fnName, q := s.findFunction(str(in.FunctionName), nil)
	if fn == nil {
		return nil, errInvalidParameter("Function does not exist")
	}
	fnArn := fn.arn
	if q != "" {
		fnArn += ":" + q
	}
	for _, other := range s.EventSourceMappings() {
		if str(other.EventSourceArn) == src && str(other.FunctionArn) == fnArn && src != "" {
			if service == "sqs" {
				return nil, errConflict("An event source mapping with SQS arn (\" %s \") and function (\" %s \") already exists. Please update or delete the existing mapping with UUID %s", src, fnName, str(other.UUID))
			}
			return nil, errConflict("The event source arn (\" %s \") and function (\" %s \") provided mapping already exists. Please update or delete the existing mapping with UUID %s", src, fnName, str(other.UUID))
		}
	}
	batch := in.BatchSize
	window := in.MaximumBatchingWindowInSeconds
	if window == nil {
		window = ptr(int32(0))
	}
	switch service {
	case "sqs":
		if batch == nil {
			batch = ptr(int32(10))
		}
		if *batch > 10000 {
			return nil, errInvalidParameter("BatchSize must be less than or equal to 10000 for SQS event sources.")
		}
		if strings.HasSuffix(src, ".fifo") && *window > 0 {
			return nil, errInvalidParameter("Batching window is not supported for FIFO queues")
		}
		if *batch > 10 && *window == 0 {
			return nil, errInvalidParameter("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
		}
	default:
		if batch == nil {
			batch = ptr(int32(100))
		}
		if *batch > 10000 {
			return nil, errInvalidParameter("BatchSize must be less than or equal to 10000 for stream event sources.")
		}
	}
	id := uuid.NewString()
	cfg := EventSourceMappingConfiguration{
		UUID:                                ptr(id),
		BatchSize:                           batch,
		MaximumBatchingWindowInSeconds:      window,
		EventSourceArn:                      in.EventSourceArn,
		FilterCriteria:                      in.FilterCriteria,
		KMSKeyArn:                           in.KMSKeyArn,
		ScalingConfig:                       in.ScalingConfig,
		FunctionArn:                         ptr(fnArn),
		LastModified:                        ptr(s.now().UTC()),
		State:                               ptr(ESMCreating),
		StateTransitionReason:               ptr("USER_INITIATED"),
		FunctionResponseTypes:               in.FunctionResponseTypes,
		Topics:                              in.Topics,
		Queues:                              in.Queues,
		SourceAccessConfigurations:          in.SourceAccessConfigurations,
		SelfManagedEventSource:              in.SelfManagedEventSource,
		MetricsConfig:                       in.MetricsConfig,
		LoggingConfig:                       in.LoggingConfig,
		AmazonManagedKafkaEventSourceConfig: in.AmazonManagedKafkaEventSourceConfig,
		SelfManagedKafkaEventSourceConfig:   in.SelfManagedKafkaEventSourceConfig,
		DocumentDBEventSourceConfig:         in.DocumentDBEventSourceConfig,
		ProvisionedPollerConfig:             in.ProvisionedPollerConfig,
		EventSourceMappingArn:               ptr("arn:aws:lambda:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":event-source-mapping:" + id),
	}
	if cfg.FunctionResponseTypes == nil {
		cfg.FunctionResponseTypes = []FunctionResponseType{}
	}
	if service != "sqs" {
		cfg.StartingPosition = in.StartingPosition
		cfg.StartingPositionTimestamp = in.StartingPositionTimestamp
		cfg.StateTransitionReason = ptr("User action")
		cfg.LastProcessingResult = ptr("No records processed")
		cfg.MaximumRetryAttempts = orInt(in.MaximumRetryAttempts, -1)
		cfg.MaximumRecordAgeInSeconds = orInt(in.MaximumRecordAgeInSeconds, -1)
		cfg.ParallelizationFactor = orInt(in.ParallelizationFactor, 1)
		cfg.TumblingWindowInSeconds = orInt(in.TumblingWindowInSeconds, 0)
		cfg.BisectBatchOnFunctionError = in.BisectBatchOnFunctionError
		if cfg.BisectBatchOnFunctionError == nil {
			cfg.BisectBatchOnFunctionError = ptr(false)
		}
		cfg.DestinationConfig = in.DestinationConfig
		if cfg.DestinationConfig == nil {
			cfg.DestinationConfig = &DestinationConfig{OnFailure: &OnFailure{}}
		}
	}
	m := &eventSourceMapping{cfg: cfg, enabled: in.Enabled == nil || *in.Enabled, tags: copyMap(in.Tags)}
	s.mu.Lock()
	s.esms[id] = m
	s.persistESMLocked(m) // m is not shared yet; s.mu guards its creation
	s.mu.Unlock()
	out := CreateEventSourceMappingOutput(cfg)
	s.notify(cfg, false)
	s.settleESM(m)
	return &out, nil
}

func orInt(p *int32, def int32) *int32 {
	if p != nil {
		return p
	}
	return ptr(def)
}

func (s *Service) esm(id string) (*eventSourceMapping, error) {
	s.mu.Lock()
	m := s.esms[id]
	s.mu.Unlock()
	if m == nil {
		return nil, errResourceNotFound("The resource you requested does not exist.")
	}
	return m, nil
}

// GetEventSourceMapping returns a mapping.
func (s *Service) GetEventSourceMapping(ctx context.Context, in *GetEventSourceMappingInput) (*GetEventSourceMappingOutput, error) {
	m, err := s.esm(str(in.UUID))
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := GetEventSourceMappingOutput(m.cfg)
	return &out, nil
}

// ListEventSourceMappings lists mappings, optionally of one source or
// function.
func (s *Service) ListEventSourceMappings(ctx context.Context, in *ListEventSourceMappingsInput) (*ListEventSourceMappingsOutput, error) {
	var fnArn string
	if f := str(in.FunctionName); f != "" {
		name, q := parseFunctionRef(f)
		fnArn = s.functionArn(name)
		if q != "" {
			fnArn += ":" + q
		}
	}
	all := s.EventSourceMappings()
	out := &ListEventSourceMappingsOutput{EventSourceMappings: []EventSourceMappingConfiguration{}}
	limit := 100
	if in.MaxItems != nil && *in.MaxItems > 0 && *in.MaxItems < 100 {
		limit = int(*in.MaxItems)
	}
	marker := str(in.Marker)
	for _, c := range all {
		if src := str(in.EventSourceArn); src != "" && str(c.EventSourceArn) != src {
			continue
		}
		if fnArn != "" && str(c.FunctionArn) != fnArn {
			continue
		}
		if marker != "" && str(c.UUID) <= marker {
			continue
		}
		if len(out.EventSourceMappings) == limit {
			out.NextMarker = out.EventSourceMappings[limit-1].UUID
			break
		}
		out.EventSourceMappings = append(out.EventSourceMappings, c)
	}
	return out, nil
}

// UpdateEventSourceMapping changes a mapping's function, state or
// settings.
func (s *Service) UpdateEventSourceMapping(ctx context.Context, in *UpdateEventSourceMappingInput) (*UpdateEventSourceMappingOutput, error) {
	m, err := s.esm(str(in.UUID))
	if err != nil {
		return nil, err
	}
	var fnArn string
	if f := str(in.FunctionName); f != "" {
		name, q := parseFunctionRef(f)
		s.mu.Lock()
		fn := s.functions[name]
		s.mu.Unlock()
		if fn == nil || !fn.hasQualifier(q) {
			return nil, errInvalidParameter("Function does not exist")
		}
		fnArn = fn.arn
		if q != "" {
			fnArn += ":" + q
		}
	}
	m.mu.Lock()
	st := str(m.cfg.State)
	if st == ESMCreating || st == ESMDeleting || st == ESMUpdating || st == ESMEnabling || st == ESMDisabling {
		m.mu.Unlock()
		return nil, userError(400, "ResourceInUseException", "Cannot update the event source mapping because it is in use.")
	}
	c := &m.cfg
	isSQS := arnService(str(c.EventSourceArn)) == "sqs"
	if d := in.DestinationConfig; d != nil && d.OnSuccess != nil && c.SelfManagedEventSource == nil && arnService(str(c.EventSourceArn)) != "kafka" {
		m.mu.Unlock()
		return nil, errInvalidParameter("Unsupported DestinationConfig parameter for given event source mapping type.")
	}
	if isSQS && strings.HasSuffix(str(c.EventSourceArn), ".fifo") && in.MaximumBatchingWindowInSeconds != nil && *in.MaximumBatchingWindowInSeconds > 0 {
		m.mu.Unlock()
		return nil, errInvalidParameter("Batching window is not supported for FIFO queues")
	}
	if in.BatchSize != nil {
		window := c.MaximumBatchingWindowInSeconds
		if in.MaximumBatchingWindowInSeconds != nil {
			window = in.MaximumBatchingWindowInSeconds
		}
		if isSQS && *in.BatchSize > 10 && (window == nil || *window == 0) {
			m.mu.Unlock()
			return nil, errInvalidParameter("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
		}
		c.BatchSize = in.BatchSize
	}
	if fnArn != "" {
		c.FunctionArn = ptr(fnArn)
	}
	setIf := func(dst **int32, v *int32) {
		if v != nil {
			*dst = v
		}
	}
	setIf(&c.MaximumBatchingWindowInSeconds, in.MaximumBatchingWindowInSeconds)
	setIf(&c.ParallelizationFactor, in.ParallelizationFactor)
	setIf(&c.MaximumRecordAgeInSeconds, in.MaximumRecordAgeInSeconds)
	setIf(&c.MaximumRetryAttempts, in.MaximumRetryAttempts)
	setIf(&c.TumblingWindowInSeconds, in.TumblingWindowInSeconds)
	if in.BisectBatchOnFunctionError != nil {
		c.BisectBatchOnFunctionError = in.BisectBatchOnFunctionError
	}
	if in.FilterCriteria != nil {
		c.FilterCriteria = in.FilterCriteria
	}
	if in.DestinationConfig != nil {
		c.DestinationConfig = in.DestinationConfig
	}
	if in.FunctionResponseTypes != nil {
		c.FunctionResponseTypes = in.FunctionResponseTypes
	}
	if in.ScalingConfig != nil {
		c.ScalingConfig = in.ScalingConfig
	}
	if in.KMSKeyArn != nil {
		c.KMSKeyArn = in.KMSKeyArn
	}
	if in.SourceAccessConfigurations != nil {
		c.SourceAccessConfigurations = in.SourceAccessConfigurations
	}
	if in.MetricsConfig != nil {
		c.MetricsConfig = in.MetricsConfig
	}
	if in.LoggingConfig != nil {
		c.LoggingConfig = in.LoggingConfig
	}
	if in.ProvisionedPollerConfig != nil {
		c.ProvisionedPollerConfig = in.ProvisionedPollerConfig
	}
	switch {
	case in.Enabled != nil && *in.Enabled && !m.enabled:
		m.enabled = true
		c.State = ptr(ESMEnabling)
	case in.Enabled != nil && !*in.Enabled && m.enabled:
		m.enabled = false
		c.State = ptr(ESMDisabling)
	default:
		c.State = ptr(ESMUpdating)
	}
	c.StateTransitionReason = ptr("USER_INITIATED")
	if !isSQS {
		c.StateTransitionReason = ptr("User action")
	}
	c.LastModified = ptr(s.now().UTC())
	s.persistESMLocked(m)
	cfg := m.cfg
	m.mu.Unlock()
	out := UpdateEventSourceMappingOutput(cfg)
	s.notify(cfg, false)
	s.settleESM(m)
	return &out, nil
}

// DeleteEventSourceMapping deletes a mapping.
func (s *Service) DeleteEventSourceMapping(ctx context.Context, in *DeleteEventSourceMappingInput) (*DeleteEventSourceMappingOutput, error) {
	m, err := s.esm(str(in.UUID))
	if err != nil {
		return nil, err
	}
	m.stopTimer()
	m.mu.Lock()
	m.cfg.State = ptr(ESMDeleting)
	s.persistESMLocked(m)
	cfg := m.cfg
	m.mu.Unlock()
	out := DeleteEventSourceMappingOutput(cfg)
	s.removeESMAfterTransition(m)
	return &out, nil
}

// removeESMAfterTransition removes m, which is Deleting, once the state
// transition delay has passed.
func (s *Service) removeESMAfterTransition(m *eventSourceMapping) {
	m.mu.Lock()
	cfg := m.cfg
	m.mu.Unlock()
	id := str(cfg.UUID)
	remove := func() {
		s.mu.Lock()
		if s.esms[id] == m {
			delete(s.esms, id)
			m.mu.Lock()
			m.gone = true
			if s.env.Journal != nil {
				s.env.Journal.Delete(esmKey(id))
			}
			m.mu.Unlock()
		}
		s.mu.Unlock()
		s.notify(cfg, true)
	}
	stop := s.afterTransition(remove)
	m.mu.Lock()
	m.stop = stop
	m.mu.Unlock()
}
