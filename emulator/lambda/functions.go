package lambda

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
)

const (
	latest            = "$LATEST"
	defaultTimeout    = 3
	defaultMemorySize = 128
	maxRecords        = 1000
	maxFunctionLog    = 1 << 20
)

// function is one Lambda function ($LATEST; versions are not modelled).
type function struct {
	svc  *Service
	name string
	arn  string

	mu        sync.Mutex
	cfg       FunctionConfiguration
	code      *codeBundle
	tags      map[string]string
	policy    []map[string]any
	invoke    *FunctionEventInvokeConfig
	reserved  *int32
	stopState func()
	deleted   bool
	// generation changes with code or configuration; instances of an older
	// generation are retired.
	generation int
	idle       []*procInstance
	busy       int
	goWarm     bool // the in-process handler has run since the last change
	records    []InvocationRecord
	logs       []byte
	async      map[string]*asyncEvent
	done       chan struct{} // closed by shutdown
}

func newFunction(s *Service, name string) *function {
	return &function{
		svc:   s,
		name:  name,
		arn:   s.functionArn(name),
		tags:  map[string]string{},
		async: map[string]*asyncEvent{},
		done:  make(chan struct{}),
	}
}

// closing returns a channel closed when fn is deleted or the service shut
// down.
func (s *Service) closing(fn *function) <-chan struct{} { return fn.done }

// shutdown stops the function's work: pending retries, timers, processes.
func (fn *function) shutdown() {
	fn.mu.Lock()
	if !fn.deleted {
		close(fn.done)
	}
	fn.deleted = true
	if fn.stopState != nil {
		fn.stopState()
		fn.stopState = nil
	}
	idle := fn.idle
	fn.idle = nil
	events := make([]*asyncEvent, 0, len(fn.async))
	for _, ev := range fn.async {
		events = append(events, ev)
	}
	fn.async = map[string]*asyncEvent{}
	code := fn.code
	fn.mu.Unlock()
	for _, ev := range events {
		if ev.timer != nil {
			ev.timer.Stop()
		}
	}
	for _, inst := range idle {
		inst.kill()
	}
	fn.svc.killInstances(fn)
	if code != nil && code.dir != "" {
		_ = os.RemoveAll(code.dir)
	}
}

// config returns a copy of the function's configuration.
func (fn *function) config() FunctionConfiguration {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	return fn.cfg
}

// CreateFunction creates a function from a zip (or, for Go handlers
// registered with RegisterHandler, any package).
func (s *Service) CreateFunction(ctx context.Context, in *CreateFunctionInput) (*CreateFunctionOutput, error) {
	name, q := parseFunctionRef(str(in.FunctionName))
	if q != "" {
		return nil, errInvalidParameter("Unsupported function name: %s", str(in.FunctionName))
	}
	if in.PackageType == PackageTypeImage {
		return nil, errInvalidParameter("evolvestack runs Lambda functions from zip packages only (runtimes provided.al2023 and provided.al2 with a bootstrap executable, or Go handlers registered in-process); container images are not supported")
	}
	if err := checkEnvironment(in.Environment); err != nil {
		return nil, err
	}
	if err := checkLimits(in.Timeout, in.MemorySize, in.CapacityProviderConfig != nil); err != nil {
		return nil, err
	}
	if err := checkRuntime(in.Runtime); err != nil {
		return nil, err
	}
	code := in.Code
	if code == nil || (len(code.ZipFile) == 0 && code.S3Bucket == nil && code.ImageUri == nil) {
		return nil, errInvalidParameter("Please provide a source for function code.")
	}
	if code.S3Bucket != nil {
		return nil, errInvalidParameter("evolvestack has no S3: pass the deployment package inline as Code.ZipFile")
	}
	if code.ImageUri != nil {
		return nil, errInvalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.")
	}
	zr, bundle, err := checkCode(code.ZipFile, "CreateFunction")
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errServiceClosed()
	}
	if _, ok := s.functions[name]; ok {
		s.mu.Unlock()
		return nil, errConflict("Function already exist: %s", name)
	}
	fn := newFunction(s, name)
	s.functions[name] = fn // reserve the name while unpacking
	s.mu.Unlock()
	if err := s.unpackInto(zr, bundle); err != nil {
		s.mu.Lock()
		delete(s.functions, name)
		s.mu.Unlock()
		return nil, err
	}
	cfg := FunctionConfiguration{
		FunctionName:     ptr(name),
		FunctionArn:      ptr(fn.arn),
		Runtime:          in.Runtime,
		Role:             in.Role,
		Handler:          in.Handler,
		CodeSize:         ptr(bundle.size),
		Description:      ptr(str(in.Description)),
		Timeout:          ptr(int32(defaultTimeout)),
		MemorySize:       ptr(int32(defaultMemorySize)),
		LastModified:     ptr(lambdaDate(s.now())),
		CodeSha256:       ptr(bundle.sha256),
		Version:          ptr(latest),
		TracingConfig:    &TracingConfigResponse{Mode: TracingModePassThrough},
		RevisionId:       ptr(uuid.NewString()),
		State:            StatePending,
		StateReason:      ptr("The function is being created."),
		StateReasonCode:  StateReasonCodeCreating,
		PackageType:      PackageTypeZip,
		Architectures:    []Architecture{ArchitectureX8664},
		EphemeralStorage: &EphemeralStorage{Size: ptr(int32(512))},
		SnapStart:        &SnapStartResponse{ApplyOn: SnapStartApplyOnNone, OptimizationStatus: SnapStartOptimizationStatusOff},
		LoggingConfig:    &LoggingConfig{LogFormat: LogFormatText, LogGroup: ptr("/aws/lambda/" + name)},
	}
	cfg.RuntimeVersionConfig = s.runtimeVersion(in.Runtime)
	if in.Timeout != nil {
		cfg.Timeout = in.Timeout
	}
	if in.MemorySize != nil {
		cfg.MemorySize = in.MemorySize
	}
	if len(in.Architectures) > 0 {
		cfg.Architectures = in.Architectures
	}
	if in.EphemeralStorage != nil {
		cfg.EphemeralStorage = in.EphemeralStorage
	}
	if in.TracingConfig != nil && in.TracingConfig.Mode != "" {
		cfg.TracingConfig = &TracingConfigResponse{Mode: in.TracingConfig.Mode}
	}
	if in.Environment != nil && in.Environment.Variables != nil {
		cfg.Environment = &EnvironmentResponse{Variables: copyMap(in.Environment.Variables)}
	}
	if in.DeadLetterConfig != nil && str(in.DeadLetterConfig.TargetArn) != "" {
		cfg.DeadLetterConfig = &DeadLetterConfig{TargetArn: in.DeadLetterConfig.TargetArn}
	}
	if in.KMSKeyArn != nil {
		cfg.KMSKeyArn = in.KMSKeyArn
	}
	if in.LoggingConfig != nil {
		lc := *in.LoggingConfig
		if lc.LogFormat == "" {
			lc.LogFormat = LogFormatText
		}
		if lc.LogGroup == nil {
			lc.LogGroup = ptr("/aws/lambda/" + name)
		}
		cfg.LoggingConfig = &lc
	}
	fn.mu.Lock()
	fn.cfg = cfg
	fn.code = bundle
	for k, v := range in.Tags {
		fn.tags[k] = v
	}
	out := CreateFunctionOutput(fn.cfg)
	fn.mu.Unlock()
	s.settleFunction(fn)
	return &out, nil
}

// runtimeVersion is the RuntimeVersionConfig of a managed runtime: an ARN
// ending in a 64-digit hex id, stable per runtime and region.
func (s *Service) runtimeVersion(rt Runtime) *RuntimeVersionConfig {
	if rt == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(string(rt) + "\x00" + s.env.Scope.Region))
	return &RuntimeVersionConfig{RuntimeVersionArn: ptr(fmt.Sprintf("arn:aws:lambda:%s::runtime:%x", s.env.Scope.Region, sum))}
}

// unpackInto unpacks a checked zip under the service's work directory.
func (s *Service) unpackInto(zr *zip.Reader, b *codeBundle) error {
	root, err := s.ensureWorkDir()
	if err != nil {
		return err
	}
	return unpack(zr, b, root)
}

// settleFunction moves a Pending function to Active, or an InProgress
// update to Successful, after the state transition delay.
func (s *Service) settleFunction(fn *function) {
	fn.mu.Lock()
	if fn.stopState != nil {
		fn.stopState()
	}
	fn.mu.Unlock()
	stop := s.afterTransition(func() {
		fn.mu.Lock()
		defer fn.mu.Unlock()
		if fn.deleted {
			return
		}
		fn.cfg.State = StateActive
		fn.cfg.StateReason = nil
		fn.cfg.StateReasonCode = ""
		fn.cfg.LastUpdateStatus = LastUpdateStatusSuccessful
		fn.cfg.LastUpdateStatusReason = nil
		fn.cfg.LastUpdateStatusReasonCode = ""
		fn.stopState = nil
	})
	fn.mu.Lock()
	if fn.cfg.State != StateActive || fn.cfg.LastUpdateStatus != LastUpdateStatusSuccessful {
		fn.stopState = stop
	}
	fn.mu.Unlock()
}

// reservedEnvKeys are the variables Lambda sets itself.
func reservedEnvKeys() []string {
	return []string{
		"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION",
		"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME",
		"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
		"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT",
	}
}

func checkEnvironment(env *Environment) error {
	if env == nil {
		return nil
	}
	var used []string
	for _, k := range reservedEnvKeys() {
		if _, ok := env.Variables[k]; ok {
			used = append(used, k)
		}
	}
	if len(used) > 0 {
		return errInvalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(used, ", "))
	}
	return checkEnvironmentSize(env.Variables)
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// GetFunction returns a function's configuration, code location, tags and
// concurrency.
func (s *Service) GetFunction(ctx context.Context, in *GetFunctionInput) (*GetFunctionOutput, error) {
	fn, q, err := s.lookup(str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	cfg := fn.cfg
	if q != "" {
		cfg.FunctionArn = ptr(fn.arn + ":" + q)
	}
	out := &GetFunctionOutput{
		Configuration: &cfg,
		Code: &FunctionCodeLocation{
			RepositoryType: ptr("S3"),
			Location:       ptr(fmt.Sprintf("https://awslambda-%s-tasks.s3.%s.amazonaws.com/snapshots/%s/%s-%s", s.env.Scope.Region, s.env.Scope.Region, s.env.Scope.Account, fn.name, str(cfg.RevisionId))),
		},
	}
	if len(fn.tags) > 0 {
		out.Tags = copyMap(fn.tags)
	}
	if fn.reserved != nil {
		out.Concurrency = &Concurrency{ReservedConcurrentExecutions: ptr(*fn.reserved)}
	}
	return out, nil
}

// GetFunctionConfiguration returns a function's configuration.
func (s *Service) GetFunctionConfiguration(ctx context.Context, in *GetFunctionConfigurationInput) (*GetFunctionConfigurationOutput, error) {
	fn, q, err := s.lookup(str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	out := GetFunctionConfigurationOutput(fn.config())
	if q != "" {
		out.FunctionArn = ptr(fn.arn + ":" + q)
	}
	return &out, nil
}

// ListFunctions lists the functions of the scope, by name, paginated.
func (s *Service) ListFunctions(ctx context.Context, in *ListFunctionsInput) (*ListFunctionsOutput, error) {
	fns := s.sortedFunctions()
	out := &ListFunctionsOutput{Functions: []FunctionConfiguration{}}
	start := 0
	if m := str(in.Marker); m != "" {
		start = len(fns)
		for i, fn := range fns {
			if fn.name > m || fn.arn == m {
				start = i
				if fn.arn == m {
					start = i + 1
				}
				break
			}
		}
	}
	limit := 50
	if in.MaxItems != nil && *in.MaxItems > 0 && *in.MaxItems < 50 {
		limit = int(*in.MaxItems)
	}
	for i := start; i < len(fns); i++ {
		if len(out.Functions) == limit {
			out.NextMarker = ptr(fns[i-1].arn)
			break
		}
		cfg := fns[i].config()
		if cfg.FunctionName == nil { // still being created
			continue
		}
		out.Functions = append(out.Functions, listedConfig(cfg))
	}
	return out, nil
}

// listedConfig is the subset of a configuration ListFunctions returns:
// states, update statuses and the runtime version are left out.
func listedConfig(cfg FunctionConfiguration) FunctionConfiguration {
	cfg.State, cfg.StateReason, cfg.StateReasonCode = "", nil, ""
	cfg.LastUpdateStatus, cfg.LastUpdateStatusReason, cfg.LastUpdateStatusReasonCode = "", nil, ""
	cfg.RuntimeVersionConfig = nil
	return cfg
}

// DeleteFunction deletes a function, its processes, pending events and
// records.
func (s *Service) DeleteFunction(ctx context.Context, in *DeleteFunctionInput) (*DeleteFunctionOutput, error) {
	if str(in.Qualifier) == latest {
		return nil, errInvalidParameter("$LATEST version cannot be deleted without deleting the function.")
	}
	fn, _, err := s.lookup(str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.functions[fn.name] == fn {
		delete(s.functions, fn.name)
	}
	s.mu.Unlock()
	fn.shutdown()
	return &DeleteFunctionOutput{StatusCode: ptr(int32(204))}, nil
}

// UpdateFunctionCode replaces a function's package; running instances are
// retired.
func (s *Service) UpdateFunctionCode(ctx context.Context, in *UpdateFunctionCodeInput) (*UpdateFunctionCodeOutput, error) {
	fn, _, err := s.lookup(str(in.FunctionName), "")
	if err != nil {
		return nil, err
	}
	if in.ImageUri != nil {
		return nil, errInvalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.")
	}
	if in.S3Bucket != nil {
		return nil, errInvalidParameter("evolvestack has no S3: pass the deployment package inline as ZipFile")
	}
	if len(in.ZipFile) == 0 {
		return nil, errInvalidParameter("Please provide a source for function code.")
	}
	if rev := str(in.RevisionId); rev != "" && rev != str(fn.config().RevisionId) {
		return nil, errPrecondition()
	}
	zr, bundle, err := checkCode(in.ZipFile, "UpdateFunctionCode")
	if err != nil {
		return nil, err
	}
	if in.DryRun != nil && *in.DryRun {
		cfg := fn.config()
		cfg.CodeSha256, cfg.CodeSize = ptr(bundle.sha256), ptr(bundle.size)
		out := UpdateFunctionCodeOutput(cfg)
		return &out, nil
	}
	if err := s.unpackInto(zr, bundle); err != nil {
		return nil, err
	}
	fn.mu.Lock()
	old := fn.code
	fn.code = bundle
	fn.cfg.CodeSha256, fn.cfg.CodeSize = ptr(bundle.sha256), ptr(bundle.size)
	if len(in.Architectures) > 0 {
		fn.cfg.Architectures = in.Architectures
	}
	fn.beginUpdateLocked(s)
	out := UpdateFunctionCodeOutput(fn.cfg)
	fn.mu.Unlock()
	s.retire(fn)
	if old != nil && old.dir != "" {
		_ = os.RemoveAll(old.dir)
	}
	s.settleFunction(fn)
	return &out, nil
}

// beginUpdateLocked marks an update in progress and bumps the revision.
func (fn *function) beginUpdateLocked(s *Service) {
	fn.cfg.LastModified = ptr(lambdaDate(s.now()))
	fn.cfg.RevisionId = ptr(uuid.NewString())
	fn.cfg.LastUpdateStatus = LastUpdateStatusInProgress
	fn.cfg.LastUpdateStatusReason = ptr("The function is being created.")
	fn.cfg.LastUpdateStatusReasonCode = LastUpdateStatusReasonCode("Creating")
	fn.generation++
	fn.goWarm = false
}

// UpdateFunctionConfiguration changes a function's settings; running
// instances are retired so the next invocation sees them.
func (s *Service) UpdateFunctionConfiguration(ctx context.Context, in *UpdateFunctionConfigurationInput) (*UpdateFunctionConfigurationOutput, error) {
	fn, _, err := s.lookup(str(in.FunctionName), "")
	if err != nil {
		return nil, err
	}
	if err := checkEnvironment(in.Environment); err != nil {
		return nil, err
	}
	if err := checkLimits(in.Timeout, in.MemorySize, fn.config().CapacityProviderConfig != nil); err != nil {
		return nil, err
	}
	if err := checkRuntime(in.Runtime); err != nil {
		return nil, err
	}
	fn.mu.Lock()
	if rev := str(in.RevisionId); rev != "" && rev != str(fn.cfg.RevisionId) {
		fn.mu.Unlock()
		return nil, errPrecondition()
	}
	if fn.cfg.LastUpdateStatus == LastUpdateStatusInProgress {
		fn.mu.Unlock()
		return nil, errConflict("The operation cannot be performed at this time. An update is in progress for resource: %s", fn.arn)
	}
	c := &fn.cfg
	if in.Role != nil {
		c.Role = in.Role
	}
	if in.Handler != nil {
		c.Handler = in.Handler
	}
	if in.Description != nil {
		c.Description = in.Description
	}
	if in.Timeout != nil {
		c.Timeout = in.Timeout
	}
	if in.MemorySize != nil {
		c.MemorySize = in.MemorySize
	}
	if in.Runtime != "" {
		c.Runtime = in.Runtime
		c.RuntimeVersionConfig = s.runtimeVersion(in.Runtime)
	}
	if in.Environment != nil {
		c.Environment = &EnvironmentResponse{Variables: copyMap(in.Environment.Variables)}
	}
	if in.DeadLetterConfig != nil {
		c.DeadLetterConfig = nil
		if str(in.DeadLetterConfig.TargetArn) != "" {
			c.DeadLetterConfig = &DeadLetterConfig{TargetArn: in.DeadLetterConfig.TargetArn}
		}
	}
	if in.KMSKeyArn != nil {
		c.KMSKeyArn = in.KMSKeyArn
	}
	if in.TracingConfig != nil && in.TracingConfig.Mode != "" {
		c.TracingConfig = &TracingConfigResponse{Mode: in.TracingConfig.Mode}
	}
	if in.EphemeralStorage != nil {
		c.EphemeralStorage = in.EphemeralStorage
	}
	if in.LoggingConfig != nil {
		lc := *c.LoggingConfig
		if in.LoggingConfig.LogFormat != "" {
			lc.LogFormat = in.LoggingConfig.LogFormat
		}
		if in.LoggingConfig.LogGroup != nil {
			lc.LogGroup = in.LoggingConfig.LogGroup
		}
		lc.ApplicationLogLevel, lc.SystemLogLevel = in.LoggingConfig.ApplicationLogLevel, in.LoggingConfig.SystemLogLevel
		c.LoggingConfig = &lc
	}
	fn.beginUpdateLocked(s)
	out := UpdateFunctionConfigurationOutput(fn.cfg)
	fn.mu.Unlock()
	s.retire(fn)
	s.settleFunction(fn)
	return &out, nil
}

// PutFunctionConcurrency reserves concurrency for a function.
func (s *Service) PutFunctionConcurrency(ctx context.Context, in *PutFunctionConcurrencyInput) (*PutFunctionConcurrencyOutput, error) {
	fn, _, err := s.lookup(str(in.FunctionName), "")
	if err != nil {
		return nil, err
	}
	n := *in.ReservedConcurrentExecutions
	if n > accountConcurrency-100 {
		return nil, errInvalidParameter("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].")
	}
	fn.mu.Lock()
	fn.reserved = ptr(n)
	fn.mu.Unlock()
	return &PutFunctionConcurrencyOutput{ReservedConcurrentExecutions: ptr(n)}, nil
}

// GetFunctionConcurrency returns a function's reserved concurrency.
func (s *Service) GetFunctionConcurrency(ctx context.Context, in *GetFunctionConcurrencyInput) (*GetFunctionConcurrencyOutput, error) {
	fn, _, err := s.lookup(str(in.FunctionName), "")
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	defer fn.mu.Unlock()
	out := &GetFunctionConcurrencyOutput{}
	if fn.reserved != nil {
		out.ReservedConcurrentExecutions = ptr(*fn.reserved)
	}
	return out, nil
}

// DeleteFunctionConcurrency removes a function's reserved concurrency.
func (s *Service) DeleteFunctionConcurrency(ctx context.Context, in *DeleteFunctionConcurrencyInput) (*DeleteFunctionConcurrencyOutput, error) {
	fn, _, err := s.lookup(str(in.FunctionName), "")
	if err != nil {
		return nil, err
	}
	fn.mu.Lock()
	fn.reserved = nil
	fn.mu.Unlock()
	return &DeleteFunctionConcurrencyOutput{}, nil
}

// FunctionNames lists the functions of the scope.
func (s *Service) FunctionNames() []string {
	fns := s.sortedFunctions()
	names := make([]string, 0, len(fns))
	for _, fn := range fns {
		names = append(names, fn.name)
	}
	sort.Strings(names)
	return names
}
