// Package esm runs Lambda event source mappings: pollers that read Kinesis
// streams and SQS queues and invoke the mapped functions with Lambda's
// batching, retry, checkpoint and destination rules. Every poll interval,
// batching window, backoff and record age follows the emulator's clock:
// with a frozen clock nothing happens until a test advances it, and each
// poll runs inside a clock callback, so clock.Settle waits for the work an
// advance started.
package esm

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// Manager runs the pollers of one Lambda service's event source mappings.
type Manager struct {
	svc *lambda.Service
	env awsapi.Env
	log *slog.Logger

	mu       sync.Mutex
	closed   bool
	cancel   func()
	mappings map[string]*mapping
	wg       sync.WaitGroup // polls in progress
	// restored holds the checkpoints RestoreState took, by mapping and
	// shard, until RestoreDone.
	restored map[string]map[string]shardRow
}

// Attach starts pollers for svc's existing and future event source
// mappings; env is the Lambda service's environment (its clock, logger and
// the other services).
func Attach(svc *lambda.Service, env awsapi.Env) *Manager {
	m := &Manager{svc: svc, env: env, log: env.Logger, mappings: map[string]*mapping{}}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	cancel := svc.WatchEventSourceMappings(m.handle)
	m.mu.Lock()
	m.cancel = cancel
	m.mu.Unlock()
	for _, cfg := range svc.EventSourceMappings() {
		m.handle(lambda.ESMEvent{Config: cfg})
	}
	return m
}

// Close stops every poller and waits for polls in progress. Invocations
// in flight are cancelled.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	cancel := m.cancel
	maps := make([]*mapping, 0, len(m.mappings))
	for _, mp := range m.mappings {
		maps = append(maps, mp)
	}
	m.mappings = map[string]*mapping{}
	m.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	for _, mp := range maps {
		mp.stop()
		mp.silence(false) // shut down: the checkpoints stay
	}
	m.wg.Wait()
	return nil
}

// clock is the emulator's clock.
func (m *Manager) clock() *clock.Clock { return m.env.Clock }

// handle applies a mapping change.
func (m *Manager) handle(ev lambda.ESMEvent) {
	id := str(ev.Config.UUID)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	mp := m.mappings[id]
	if ev.Deleted {
		delete(m.mappings, id)
		m.mu.Unlock()
		if mp != nil {
			mp.stop()
			mp.silence(true) // deleted: so are its checkpoints
		}
		return
	}
	if mp == nil {
		var err error
		mp, err = newMapping(m, ev.Config)
		if err != nil {
			m.mu.Unlock()
			m.log.Warn("event source mapping not polled", "uuid", id, "error", err)
			return
		}
		m.mappings[id] = mp
	}
	m.mu.Unlock()
	mp.configure(ev.Config)
}

// begin registers a poll about to run; false when the manager is closed.
func (m *Manager) begin() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.wg.Add(1)
	return true
}

// source is what a mapping polls.
type source interface {
	// init prepares the source when the mapping is first enabled (a
	// stream's LATEST position is taken then).
	init(ctx context.Context, cfg lambda.EventSourceMappingConfiguration)
	// poll does one round of work and returns when it wants the next.
	poll(ctx context.Context, cfg lambda.EventSourceMappingConfiguration) time.Duration
}

// mapping is one event source mapping's poller.
type mapping struct {
	mgr  *Manager
	uuid string
	src  source
	ctx  context.Context
	kill context.CancelFunc

	mu      sync.Mutex
	cfg     lambda.EventSourceMappingConfiguration
	active  bool // the mapping is enabled
	stopped bool // deleted or closed
	inited  bool
	running bool // a poll is in progress
	rerun   bool // poll again as soon as the running one ends
	timer   *clock.Timer
	timerAt time.Time
}

func newMapping(mgr *Manager, cfg lambda.EventSourceMappingConfiguration) (*mapping, error) {
	ctx, kill := context.WithCancel(context.Background())
	mp := &mapping{mgr: mgr, uuid: str(cfg.UUID), cfg: cfg, ctx: ctx, kill: kill}
	service, _, _, err := arnParts(str(cfg.EventSourceArn))
	if err != nil {
		kill()
		return nil, err
	}
	switch service {
	case "kinesis":
		src, err := newKinesisSource(mp, cfg)
		if err != nil {
			kill()
			return nil, err
		}
		mp.src = src
	case "sqs":
		src, err := newSQSSource(mp, cfg)
		if err != nil {
			kill()
			return nil, err
		}
		mp.src = src
	default:
		kill()
		return nil, &unsupportedSource{arn: str(cfg.EventSourceArn)}
	}
	return mp, nil
}

type unsupportedSource struct{ arn string }

func (e *unsupportedSource) Error() string {
	return "esm: evolvestack polls Kinesis streams and SQS queues, not " + e.arn
}

// configure takes a mapping's new configuration and state.
func (mp *mapping) configure(cfg lambda.EventSourceMappingConfiguration) {
	mp.mu.Lock()
	if mp.stopped {
		mp.mu.Unlock()
		return
	}
	mp.cfg = cfg
	switch str(cfg.State) {
	case lambda.ESMEnabled:
		mp.active = true
	case lambda.ESMUpdating:
		// Keeps polling (or not) while the update settles.
	default:
		mp.active = false
	}
	if !mp.active {
		if mp.timer != nil {
			mp.timer.Stop()
			mp.timer = nil
		}
		mp.mu.Unlock()
		return
	}
	initNow := !mp.inited && !mp.running
	if initNow {
		mp.inited = true
		mp.running = true
	}
	mp.mu.Unlock()
	if initNow {
		// Synchronously, so that a LATEST position is where the stream
		// ended when the mapping became enabled.
		mp.src.init(mp.ctx, cfg)
		mp.mu.Lock()
		mp.running = false
		mp.mu.Unlock()
	}
	mp.wake(0)
}

// stop ends the mapping's polling for good.
func (mp *mapping) stop() {
	mp.mu.Lock()
	mp.stopped = true
	mp.active = false
	if mp.timer != nil {
		mp.timer.Stop()
		mp.timer = nil
	}
	mp.mu.Unlock()
	mp.kill()
}

// silence stops the mapping's journaling, deleting its rows with forget.
func (mp *mapping) silence(forget bool) {
	if k, ok := mp.src.(*kinesisSource); ok {
		k.silence(forget)
	}
}

// wake schedules a poll after d unless one is due sooner.
func (mp *mapping) wake(d time.Duration) {
	clk := mp.mgr.clock()
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if mp.stopped || !mp.active {
		return
	}
	if mp.running {
		if d <= 0 {
			mp.rerun = true
		}
		// The running poll reschedules when it ends.
		if d > 0 {
			mp.scheduleLocked(clk, d)
		}
		return
	}
	mp.scheduleLocked(clk, d)
}

func (mp *mapping) scheduleLocked(clk *clock.Clock, d time.Duration) {
	at := clk.Now().Add(max(d, 0))
	if mp.timer != nil {
		if !mp.timerAt.After(at) {
			return
		}
		mp.timer.Stop()
	}
	mp.timerAt = at
	mp.timer = clk.AfterFunc(d, mp.run)
}

// run is one poll, in a clock callback.
func (mp *mapping) run() {
	mp.mu.Lock()
	mp.timer = nil
	if mp.stopped || !mp.active {
		mp.mu.Unlock()
		return
	}
	if mp.running {
		mp.rerun = true
		mp.mu.Unlock()
		return
	}
	if !mp.mgr.begin() {
		mp.mu.Unlock()
		return
	}
	defer mp.mgr.wg.Done()
	mp.running = true
	needInit := !mp.inited
	mp.inited = true
	cfg := mp.cfg
	mp.mu.Unlock()

	if needInit {
		mp.src.init(mp.ctx, cfg)
	}
	next := mp.src.poll(mp.ctx, cfg)

	mp.mu.Lock()
	mp.running = false
	if mp.rerun {
		mp.rerun = false
		next = 0
	}
	mp.mu.Unlock()
	mp.wake(next)
}

// config returns the mapping's current configuration.
func (mp *mapping) config() lambda.EventSourceMappingConfiguration {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	return mp.cfg
}

// live reports whether the mapping still polls.
func (mp *mapping) live() bool {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	return mp.active && !mp.stopped
}

// invoke runs the mapped function once with payload.
func (mp *mapping) invoke(ctx context.Context, fnArn string, payload []byte, attempt, size int, bisected bool) (*lambda.InvocationResult, error) {
	return mp.mgr.svc.Execute(ctx, fnArn, payload, lambda.InvokeOptions{Trigger: lambda.TriggerESM, Attempt: attempt, BatchSize: size, Bisected: bisected})
}

// setResult records the mapping's LastProcessingResult.
func (mp *mapping) setResult(r string) { mp.mgr.svc.SetEventSourceMappingResult(mp.uuid, r) }

// role returns the execution role of the function an ARN names.
func (mp *mapping) role(ctx context.Context, fnArn string) string {
	out, err := mp.mgr.svc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: ptr(fnArn)})
	if err != nil || out == nil {
		return ""
	}
	return str(out.Role)
}

// reportsItemFailures reports whether the mapping takes partial batch
// responses.
func reportsItemFailures(cfg lambda.EventSourceMappingConfiguration) bool {
	return slices.Contains(cfg.FunctionResponseTypes, lambda.FunctionResponseTypeReportBatchItemFailures)
}
