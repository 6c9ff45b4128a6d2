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

	"github.com/evolvestack/evolvestack/emulator/delivery"
)

const (
	latest            = "$LATEST"
	defaultTimeout    = 3
	defaultMemorySize = 128
	maxRecords        = 1000
	maxFunctionLog    = 1 << 20
)

// function is one Lambda function: the struct itself is its $LATEST, and
// each published version is a function of its own (parent set, version its
// number) with its immutable configuration, its code and its execution
// environments. What belongs to the function as a whole (tags, policies,
// event invoke configs, reserved concurrency, aliases, the asynchronous
// queue, invocation records and logs) lives on the $LATEST function only.
type function struct {
	svc     *Service
	name    string
	arn     string    // unqualified
	parent  *function // nil for $LATEST
	version string    // "$LATEST", or the version number

	mu        sync.Mutex
	cfg       FunctionConfiguration
	code      *codeBundle
	tags      map[string]string
	policies  map[string][]map[string]any           // by qualifier, "" for the unqualified function
	invoke    map[string]*FunctionEventInvokeConfig // by qualifier, $LATEST for the unqualified function
	reserved  *int32
	stopState func()
	deleted   bool
	// unlisted is set once the function (or version) is removed from the
	// service: it journals nothing more.
	unlisted bool
	// versions are the published versions by number, aliases the aliases
	// by name ($LATEST only).
	versions    map[string]*function
	aliases     map[string]*AliasConfiguration
	lastVersion int // the highest version number published
	// publishedFrom is, for a version, the generation of $LATEST it was
	// published from.
	publishedFrom int
	// generation changes with code or configuration; instances of an older
	// generation are retired.
	generation int
	idle       []*procInstance
	busy       int
	goWarm     bool // the in-process handler has run since the last change
	records    []InvocationRecord
	logs       []byte
	async      *delivery.Queue[*asyncEvent]
	done       chan struct{} // closed by shutdown
}

func newFunction(s *Service, name string) *function {
	return &function{
		svc:      s,
		name:     name,
		arn:      s.functionArn(name),
		version:  latest,
		tags:     map[string]string{},
		policies: map[string][]map[string]any{},
		invoke:   map[string]*FunctionEventInvokeConfig{},
		versions: map[string]*function{},
		aliases:  map[string]*AliasConfiguration{},
		done:     make(chan struct{}),
	}
}

// root returns the function a version belongs to ($LATEST itself for
// $LATEST).
func (fn *function) root() *function {
	if fn.parent != nil {
		return fn.parent
	}
	return fn
}

// closing returns a channel closed when fn is deleted or the service shut
// down.
func (s *Service) closing(fn *function) <-chan struct{} { return fn.done }

// shutdown stops the function's work, its versions' included: pending
// retries, timers, processes; and removes the unpacked code.
func (fn *function) shutdown() {
	fn.mu.Lock()
	versions := make([]*function, 0, len(fn.versions))
	for _, v := range fn.versions {
		versions = append(versions, v)
	}
	fn.mu.Unlock()
	codes := map[*codeBundle]bool{fn.stop(): true}
	for _, v := range versions {
		codes[v.stop()] = true
	}
	for code := range codes {
		removeCode(code)
	}
}

// stop ends the work of one function or version (pending retries, timers,
// processes) and returns its code.
func (fn *function) stop() *codeBundle {
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
	async := fn.async
	fn.async = nil
	code := fn.code
	fn.mu.Unlock()
	if async != nil {
		async.Close()
	}
	for _, inst := range idle {
		inst.kill()
	}
	fn.svc.killInstances(fn)
	return code
}

// removeCode removes a bundle's unpacked files.
func removeCode(code *codeBundle) {
	if code != nil && code.dir != "" {
		_ = os.RemoveAll(code.dir)
	}
}

// codeInUseLocked reports whether $LATEST or a version runs code; fn is
// $LATEST, locked.
func (fn *function) codeInUseLocked(code *codeBundle) bool {
	if fn.code == code {
		return true
	}
	for _, v := range fn.versions {
		if v.code == code {
			return true
		}
	}
	return false
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
	bundle.zip = code.ZipFile // for the journal and exports
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
	fn.persistCodeLocked(bundle)
	fn.persistLocked()
	out := CreateFunctionOutput(fn.cfg)
	var v1 *function
	if in.Publish != nil && *in.Publish {
		// Lambda answers with the unqualified ARN and the new version's
		// number.
		v1, _ = fn.publishLocked(nil, true)
		out.Version = ptr(v1.version)
	}
	fn.mu.Unlock()
	s.settleFunction(fn)
	if v1 != nil {
		s.settleFunction(v1)
	}
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

// unpackInto unpacks a checked zip under the service's work directory. A
// package unpacked while the service closed is removed again, with the
// work directory once empty: Close cannot remove files still being written.
func (s *Service) unpackInto(zr *zip.Reader, b *codeBundle) error {
	root, err := s.ensureWorkDir()
	if err != nil {
		return err
	}
	err = unpack(zr, b, root)
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		if b.dir != "" {
			_ = os.RemoveAll(b.dir)
			b.dir = ""
		}
		_ = os.Remove(root)
		return errServiceClosed()
	}
	return err
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
		fn.persistLocked()
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

// GetFunction returns a function's configuration (of $LATEST, a version,
// or the version an alias points to), code location, tags and concurrency.
func (s *Service) GetFunction(ctx context.Context, in *GetFunctionInput) (*GetFunctionOutput, error) {
	t, err := s.resolve(str(in.FunctionName), str(in.Qualifier), false)
	if err != nil {
		return nil, err
	}
	cfg := t.config()
	root := t.root
	root.mu.Lock()
	defer root.mu.Unlock()
	out := &GetFunctionOutput{
		Configuration: &cfg,
		Code: &FunctionCodeLocation{
			RepositoryType: ptr("S3"),
			Location:       ptr(fmt.Sprintf("https://awslambda-%s-tasks.s3.%s.amazonaws.com/snapshots/%s/%s-%s", s.env.Scope.Region, s.env.Scope.Region, s.env.Scope.Account, root.name, str(cfg.RevisionId))),
		},
	}
	if len(root.tags) > 0 {
		out.Tags = copyMap(root.tags)
	}
	if root.reserved != nil {
		out.Concurrency = &Concurrency{ReservedConcurrentExecutions: ptr(*root.reserved)}
	}
	return out, nil
}

// GetFunctionConfiguration returns the configuration of a function's
// $LATEST, of a version, or of the version an alias points to.
func (s *Service) GetFunctionConfiguration(ctx context.Context, in *GetFunctionConfigurationInput) (*GetFunctionConfigurationOutput, error) {
	t, err := s.resolve(str(in.FunctionName), str(in.Qualifier), false)
	if err != nil {
		return nil, err
	}
	out := GetFunctionConfigurationOutput(t.config())
	return &out, nil
}

// ListFunctions lists the functions of the scope by name, paginated; with
// FunctionVersion ALL, each function's $LATEST and published versions.
func (s *Service) ListFunctions(ctx context.Context, in *ListFunctionsInput) (*ListFunctionsOutput, error) {
	all := in.FunctionVersion == FunctionVersionAll
	var items []FunctionConfiguration
	for _, fn := range s.sortedFunctions() {
		cfg := fn.config()
		if cfg.FunctionName == nil { // still being created
			continue
		}
		if !all {
			items = append(items, listedConfig(cfg))
			continue
		}
		items = append(items, fn.listedVersions()...)
	}
	page, next := paginate(items, func(c FunctionConfiguration) string { return str(c.FunctionArn) }, str(in.Marker), in.MaxItems, 50,
		func(c FunctionConfiguration, marker string) bool {
			name, _ := parseFunctionRef(marker)
			return str(c.FunctionName) > name
		})
	return &ListFunctionsOutput{Functions: page, NextMarker: next}, nil
}

// paginate returns the page of items after marker (the key of the last
// item of the previous page) of at most maxItems (capped at limit) items,
// and the marker of the next page. When no item has the marker's key (it
// was deleted), the page starts at the first item for which after reports
// that it comes past the marker.
func paginate[T any](items []T, key func(T) string, marker string, maxItems *int32, limit int, after func(T, string) bool) ([]T, *string) {
	if maxItems != nil && *maxItems > 0 && int(*maxItems) < limit {
		limit = int(*maxItems)
	}
	start := 0
	if marker != "" {
		start = len(items)
		for i, it := range items {
			if key(it) == marker {
				start = i + 1
				break
			}
			if after != nil && after(it, marker) {
				start = i
				break
			}
		}
	}
	page := make([]T, 0, min(limit, len(items)-start))
	for i := start; i < len(items); i++ {
		if len(page) == limit {
			return page, ptr(key(page[len(page)-1]))
		}
		page = append(page, items[i])
	}
	return page, nil
}

// listedConfig is the subset of a configuration ListFunctions returns:
// states, update statuses and the runtime version are left out.
func listedConfig(cfg FunctionConfiguration) FunctionConfiguration {
	cfg.State, cfg.StateReason, cfg.StateReasonCode = "", nil, ""
	cfg.LastUpdateStatus, cfg.LastUpdateStatusReason, cfg.LastUpdateStatusReasonCode = "", nil, ""
	cfg.RuntimeVersionConfig = nil
	return cfg
}

// DeleteFunction deletes a function (every version, alias, process,
// pending event and record) or, with a version number as qualifier, one
// published version.
func (s *Service) DeleteFunction(ctx context.Context, in *DeleteFunctionInput) (*DeleteFunctionOutput, error) {
	name, q := parseFunctionRef(str(in.FunctionName))
	if qp := str(in.Qualifier); qp != "" {
		if q != "" && q != qp {
			return nil, errInvalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
		}
		q = qp
	}
	switch {
	case q == latest:
		return nil, errInvalidParameter("$LATEST version cannot be deleted without deleting the function.")
	case q != "" && !isVersionNumber(q):
		return nil, errInvalidParameter("Deletion of aliases is not currently supported.")
	}
	if err := s.checkRegion(str(in.FunctionName)); err != nil {
		return nil, err
	}
	fn, _, err := s.lookup(name, "")
	if err != nil {
		return nil, err
	}
	if q != "" {
		if err := s.deleteVersion(fn, q); err != nil {
			return nil, err
		}
		return &DeleteFunctionOutput{StatusCode: ptr(int32(204))}, nil
	}
	s.mu.Lock()
	if s.functions[fn.name] == fn {
		delete(s.functions, fn.name)
		s.forgetFunctionLocked(fn)
	}
	s.mu.Unlock()
	fn.mu.Lock()
	async := fn.async
	fn.mu.Unlock()
	fn.shutdown()
	s.forgetAsync(async) // closed by shutdown: its events are gone
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
	bundle.zip = in.ZipFile // for the journal and exports
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
	if fn.deleted {
		// Deleted while the new code was unpacked: nothing runs it.
		fn.mu.Unlock()
		removeCode(bundle)
		return nil, errFunctionNotFound(fn.arn)
	}
	old := fn.code
	fn.code = bundle
	fn.cfg.CodeSha256, fn.cfg.CodeSize = ptr(bundle.sha256), ptr(bundle.size)
	if len(in.Architectures) > 0 {
		fn.cfg.Architectures = in.Architectures
	}
	fn.beginUpdateLocked(s)
	fn.persistCodeLocked(bundle)
	fn.persistLocked()
	out := UpdateFunctionCodeOutput(fn.cfg)
	var published *function
	if in.Publish != nil && *in.Publish {
		// The answer is the new version's configuration, Pending until
		// the update has settled.
		var vcfg FunctionConfiguration
		published, vcfg = fn.publishLocked(nil, true)
		out = UpdateFunctionCodeOutput(vcfg)
	}
	oldInUse := fn.codeInUseLocked(old)
	fn.forgetCodeLocked(old)
	fn.mu.Unlock()
	s.retire(fn)
	if !oldInUse {
		removeCode(old) // no version runs it
	}
	s.settleFunction(fn)
	if published != nil {
		s.settleFunction(published)
	}
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
	fn.persistLocked()
	out := UpdateFunctionConfigurationOutput(fn.cfg)
	fn.mu.Unlock()
	s.retire(fn)
	s.settleFunction(fn)
	return &out, nil
}

// PutFunctionConcurrency reserves concurrency for a function.
func (s *Service) PutFunctionConcurrency(ctx context.Context, in *PutFunctionConcurrencyInput) (*PutFunctionConcurrencyOutput, error) {
	if _, q := parseFunctionRef(str(in.FunctionName)); q != "" {
		return nil, errInvalidParameter("This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.")
	}
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
	fn.persistLocked()
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
	fn.persistLocked()
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
