package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

// Limits of the invocation engine.
const (
	// MaxSyncPayload bounds a synchronous request and response payload.
	MaxSyncPayload = 6291456
	// MaxAsyncPayload bounds an asynchronous (Event) request payload.
	MaxAsyncPayload = 1048576
	// maxResponsePayload is the largest response the Runtime API accepts.
	maxResponsePayload = 6291556
	// accountConcurrency is the default account-level concurrency quota.
	accountConcurrency = 1000
	// logTailBytes is how much of an invocation's log LogType Tail returns.
	logTailBytes = 4096
)

// Trigger says what started an invocation.
type Trigger string

// Triggers of invocations.
const (
	TriggerAPI   Trigger = "API"   // Invoke RequestResponse
	TriggerAsync Trigger = "Async" // an Event invocation from the async queue
	TriggerESM   Trigger = "ESM"   // an event source mapping poller
)

// InvocationResult is what one invocation of a handler produced. A
// function error (the handler failed, crashed or timed out) is a result,
// not a Go error: FunctionError is then "Unhandled" and Payload the error
// document ({"errorMessage","errorType"[,"stackTrace"]}).
type InvocationResult struct {
	RequestID       string
	Payload         []byte
	FunctionError   string // "" or "Unhandled"
	ErrorType       string
	ErrorMessage    string
	ExecutedVersion string
	// Log is the invocation's log output (START ... REPORT lines
	// included); LogTail is its last 4 KB, as LogType Tail returns it.
	Log      string
	Duration time.Duration // real time the handler ran
	Attempt  int
}

// LogTail returns the last 4 KB of the invocation's log.
func (r *InvocationResult) LogTail() string {
	if len(r.Log) <= logTailBytes {
		return r.Log
	}
	return r.Log[len(r.Log)-logTailBytes:]
}

// InvokeOptions tunes Execute.
type InvokeOptions struct {
	Trigger Trigger
	// RequestID is the invocation's id; empty picks a new UUID.
	RequestID string
	// Attempt is the 1-based attempt number recorded; zero means 1.
	Attempt int
	// ClientContext is the base64 client context passed to the handler.
	ClientContext string
	// BatchSize is the number of records or messages an event source
	// mapping's batch holds (0 for other triggers).
	BatchSize int
	// Bisected marks a batch that is a half of a failed one.
	Bisected bool
}

// InvokeSync runs functionName once with payload and waits for the result,
// applying the function's concurrency limits and timeout and recording
// the invocation. It is the entry point for event source mapping pollers:
// a returned error is an API-level failure (*awsapi.Error, e.g.
// ResourceNotFoundException or a TooManyRequestsException throttle), a
// handler failure is a result with FunctionError set.
func (s *Service) InvokeSync(ctx context.Context, functionName string, payload []byte, trigger Trigger) (*InvocationResult, error) {
	return s.Execute(ctx, functionName, payload, InvokeOptions{Trigger: trigger})
}

// outcome is what a runner reports for one invocation.
type outcome struct {
	payload []byte
	failed  bool
	errType string
	errMsg  string
	// fatal means the execution environment is gone (timeout, crash,
	// panic): the next invocation starts cold.
	fatal bool
}

// errorOutcome builds a function error outcome with AWS's error document.
func errorOutcome(errType, msg string) outcome {
	doc := struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, errType}
	b, _ := json.Marshal(doc)
	return outcome{payload: b, failed: true, errType: errType, errMsg: msg}
}

// parseErrorDocument reads errorType and errorMessage from a handler's
// error document.
func parseErrorDocument(body []byte) (errType, msg string) {
	var doc struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}
	if json.Unmarshal(body, &doc) == nil {
		return doc.Type, doc.Message
	}
	return "", ""
}

// invocation is one execution in progress.
type invocation struct {
	requestID     string
	payload       []byte
	clientContext string
	arn           string
	timeout       time.Duration
	deadline      time.Time // real time
	log           *invocationLog
}

// Execute runs one invocation of functionName with the options given; see
// InvokeSync. A qualified name or ARN runs that version, or the version
// the alias routes the invocation to.
func (s *Service) Execute(ctx context.Context, functionName string, payload []byte, opts InvokeOptions) (*InvocationResult, error) {
	t, err := s.resolve(functionName, "", true)
	if err != nil {
		return nil, err
	}
	return s.execute(ctx, t, payload, opts)
}

// execute runs one invocation of what t resolved to.
func (s *Service) execute(ctx context.Context, t target, payload []byte, opts InvokeOptions) (*InvocationResult, error) {
	fn := t.fn
	if opts.RequestID == "" {
		opts.RequestID = uuid.NewString()
	}
	if opts.Attempt == 0 {
		opts.Attempt = 1
	}
	if opts.Trigger == "" {
		opts.Trigger = TriggerAPI
	}
	cfg := fn.config()
	if cfg.State == StatePending {
		return nil, errConflict("The operation cannot be performed at this time. The function is currently in the following state: Pending")
	}
	run, err := s.runnerFor(fn, cfg)
	if err != nil {
		return nil, err
	}
	lf := s.faultFor(ctx, t, opts)
	if lf != nil && lf.Error != nil {
		s.recordThrottle(t, payload, opts, lf)
		return nil, lf.Error
	}
	release, err := s.acquire(t.root)
	if err != nil {
		return nil, err
	}
	defer release()
	timeout := time.Duration(defaultTimeout) * time.Second
	if cfg.Timeout != nil {
		timeout = time.Duration(*cfg.Timeout) * time.Second
	}
	inv := &invocation{
		requestID:     opts.RequestID,
		payload:       payload,
		clientContext: opts.ClientContext,
		arn:           t.arn(),
		timeout:       timeout,
		log:           &invocationLog{},
	}
	started := s.now()
	inv.log.printf("START RequestId: %s Version: %s\n", inv.requestID, fn.version)
	realStart := time.Now()
	inv.deadline = realStart.Add(timeout)
	expired, stopTimer := s.executionTimer(timeout)
	var out outcome
	if lf == nil {
		out = run(ctx, fn, inv, expired)
	} else {
		out = faultOutcome(ctx, run, fn, inv, expired, lf)
	}
	stopTimer()
	dur := time.Since(realStart)
	maxMemory := memoryOf(cfg) / 4
	switch {
	case lf != nil && lf.Kind == faults.LambdaTimeout:
		dur = timeout // as billed: the whole timeout
	case lf != nil && lf.Kind == faults.LambdaOOM:
		maxMemory = memoryOf(cfg)
	}
	if out.errType == "Sandbox.Timedout" {
		inv.log.printf("%s %s Task timed out after %d.00 seconds\n\n", s.now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.requestID, int(timeout/time.Second))
	}
	inv.log.printf("END RequestId: %s\n", inv.requestID)
	billed := (dur + time.Millisecond - 1) / time.Millisecond
	inv.log.printf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t\n",
		inv.requestID, float64(dur)/float64(time.Millisecond), billed, memoryOf(cfg), maxMemory)
	res := &InvocationResult{
		RequestID:       inv.requestID,
		Payload:         out.payload,
		ExecutedVersion: fn.version,
		Log:             inv.log.String(),
		Duration:        dur,
		Attempt:         opts.Attempt,
	}
	if out.failed {
		res.FunctionError = "Unhandled"
		res.ErrorType, res.ErrorMessage = out.errType, out.errMsg
	}
	t.root.record(s, InvocationRecord{
		RequestID:     res.RequestID,
		Version:       fn.version,
		Qualifier:     t.qualifier,
		Trigger:       opts.Trigger,
		Attempt:       opts.Attempt,
		Event:         string(payload),
		Response:      string(res.Payload),
		FunctionError: res.FunctionError,
		ErrorType:     res.ErrorType,
		ErrorMessage:  res.ErrorMessage,
		Start:         started,
		End:           s.now(),
		Duration:      dur,
		Fault:         faultRule(lf),
		BatchSize:     opts.BatchSize,
		Bisected:      opts.Bisected,
	}, res.Log)
	return res, nil
}

func memoryOf(cfg FunctionConfiguration) int32 {
	if cfg.MemorySize == nil {
		return defaultMemorySize
	}
	return *cfg.MemorySize
}

// runner executes one invocation; expired closes when its time is up.
type runner func(ctx context.Context, fn *function, inv *invocation, expired <-chan struct{}) outcome

// runnerFor picks how fn runs: a registered Go handler, else the zip's
// bootstrap for the provided runtimes.
func (s *Service) runnerFor(fn *function, cfg FunctionConfiguration) (runner, error) {
	s.mu.Lock()
	h := s.goHandlers[fn.name]
	s.mu.Unlock()
	if h != nil {
		return s.runGo, nil
	}
	switch cfg.Runtime {
	case RuntimeProvidedal2023, RuntimeProvidedal2, RuntimeProvided:
		return s.runProcess, nil
	}
	rt := string(cfg.Runtime)
	if rt == "" {
		rt = "(none)"
	}
	return nil, &awsapi.Error{
		Code: CodeInvalidRuntime,
		Message: fmt.Sprintf("evolvestack cannot run runtime %s of function %s: it runs zips with a bootstrap executable for runtimes provided.al2023 and provided.al2, "+
			"and Go handlers registered in-process with (*emulator.Emulator).RegisterHandler (any runtime)", rt, fn.name),
		Status: 502,
		Fields: map[string]any{"Type": "User"},
	}
}

// acquire takes one concurrency slot for fn ($LATEST: reserved
// concurrency is shared by all versions) or reports the throttle.
func (s *Service) acquire(fn *function) (release func(), err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errServiceClosed()
	}
	if s.running >= accountConcurrency {
		s.mu.Unlock()
		return nil, errThrottled("ConcurrentInvocationLimitExceeded")
	}
	fn.mu.Lock()
	if fn.reserved != nil && int32(fn.busy) >= *fn.reserved {
		fn.mu.Unlock()
		s.mu.Unlock()
		return nil, errThrottled("ReservedFunctionConcurrentInvocationLimitExceeded")
	}
	fn.busy++
	fn.mu.Unlock()
	s.running++
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.running--
			s.mu.Unlock()
			fn.mu.Lock()
			fn.busy--
			fn.mu.Unlock()
		})
	}, nil
}

// executionTimer returns a channel closed when an invocation of timeout
// has run out of time: after timeout of real time (handlers run in real
// time), or earlier when the emulator's clock has moved timeout past the
// start while running no faster than real time (a test advancing a frozen
// clock can so expire a blocked handler). A clock sped up beyond real time
// never cuts handlers short.
func (s *Service) executionTimer(timeout time.Duration) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	fire := func() { once.Do(func() { close(ch) }) }
	real := time.AfterFunc(timeout, fire)
	virt := s.env.Clock.AfterFunc(timeout, func() {
		if s.env.Clock.Scale() <= 1 {
			fire()
		}
	})
	return ch, func() {
		real.Stop()
		virt.Stop()
	}
}

// timeoutOutcome is the result of an invocation that ran out of time.
func timeoutOutcome(inv *invocation) outcome {
	o := errorOutcome("Sandbox.Timedout", fmt.Sprintf("RequestId: %s Error: Task timed out after %d.00 seconds", inv.requestID, int(inv.timeout/time.Second)))
	o.fatal = true
	return o
}

// invocationLog collects one invocation's log lines.
type invocationLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *invocationLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *invocationLog) printf(format string, args ...any) {
	fmt.Fprintf(l, format, args...)
}

func (l *invocationLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// InvocationRecord is one invocation as evolvestack saw it, for tests and
// the admin API.
type InvocationRecord struct {
	RequestID string `json:"requestId"`
	Function  string `json:"function"`
	// Version is the version that ran ($LATEST or a number); Qualifier the
	// one the caller named (a version, an alias, $LATEST, or empty).
	Version       string    `json:"version"`
	Qualifier     string    `json:"qualifier,omitempty"`
	Trigger       Trigger   `json:"trigger"`
	Attempt       int       `json:"attempt"`
	Event         string    `json:"event"`
	Response      string    `json:"response"`
	FunctionError string    `json:"functionError,omitempty"`
	ErrorType     string    `json:"errorType,omitempty"`
	ErrorMessage  string    `json:"errorMessage,omitempty"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	// Duration is the real time the handler ran (an injected timeout's is
	// the function's timeout, as AWS bills it).
	Duration time.Duration `json:"durationNanos"`
	// BatchSize and Bisected describe an event source mapping's batch:
	// its records or messages, and whether it is a half of a failed one.
	BatchSize int  `json:"batchSize,omitempty"`
	Bisected  bool `json:"bisected,omitempty"`
	// Throttled marks an invocation refused with TooManyRequestsException
	// by an injected throttle (its handler did not run); ErrorType and
	// ErrorMessage then hold the error.
	Throttled bool `json:"throttled,omitempty"`
	// Fault is the id of the fault rule that made the invocation fail.
	Fault string `json:"fault,omitempty"`
}

// Succeeded reports whether the invocation ran and returned without a
// function error.
func (r InvocationRecord) Succeeded() bool { return r.FunctionError == "" && !r.Throttled }

func (fn *function) record(s *Service, rec InvocationRecord, log string) {
	rec.Function = fn.name
	if s.env.Observe != nil {
		detail := "ok"
		switch {
		case rec.Throttled:
			detail = "throttled: " + rec.ErrorType
		case rec.FunctionError != "":
			detail = rec.FunctionError + " error: " + rec.ErrorType
		}
		detail += fmt.Sprintf(", attempt %d, %v", rec.Attempt, rec.Duration.Round(time.Microsecond))
		s.env.Observe(awsapi.Observation{Kind: "invocation", Service: "lambda", Operation: string(rec.Trigger), Resource: fn.name + ":" + rec.Version,
			Failed: !rec.Succeeded(), Detail: detail})
	}
	fn.mu.Lock()
	fn.records = keepLast(append(fn.records, rec), maxRecords)
	fn.logs = keepLast(append(fn.logs, log...), maxFunctionLog)
	fn.mu.Unlock()
	s.env.Logger.Debug("lambda invocation", "function", fn.name, "version", rec.Version, "request_id", rec.RequestID, "trigger", rec.Trigger,
		"attempt", rec.Attempt, "function_error", rec.FunctionError, "duration", rec.Duration)
}

// appendLog adds output outside any invocation (process start-up, late
// writes) to the function's log.
func (fn *function) appendLog(p []byte) {
	fn = fn.root()
	fn.mu.Lock()
	defer fn.mu.Unlock()
	fn.logs = keepLast(append(fn.logs, p...), maxFunctionLog)
}

// keepLast bounds s, which readers see through lastN(s, n): it drops what
// is older than the last n elements once s has grown a quarter beyond n,
// so that a full buffer costs amortized O(1) per append instead of a copy
// of n elements each time.
func keepLast[T any](s []T, n int) []T {
	if len(s) <= n+n/4 {
		return s
	}
	return append(make([]T, 0, n+n/4+1), s[len(s)-n:]...)
}

// lastN is the last n elements of s.
func lastN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Invocations returns the recorded invocations of a function, of all its
// versions and aliases, oldest first (at most the last 1000).
func (s *Service) Invocations(functionName string) ([]InvocationRecord, error) {
	fn, err := s.rootOf(functionName)
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	return append([]InvocationRecord{}, lastN(fn.records, maxRecords)...), nil
}

// FunctionLogs returns a function's log: every invocation's lines and its
// processes' output (the last 1 MiB).
func (s *Service) FunctionLogs(functionName string) (string, error) {
	fn, err := s.rootOf(functionName)
	if err != nil {
		return "", err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	return string(lastN(fn.logs, maxFunctionLog)), nil
}

// trimNewline drops one trailing newline.
func trimNewline(s string) string { return strings.TrimSuffix(s, "\n") }
