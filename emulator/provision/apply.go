package provision

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/eventbridge"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/glue"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/registry"
)

// Target is where Apply creates resources.
type Target struct {
	// Services returns a service implementation by model name (kinesis,
	// sqs, glue, lambda, sns, events) for a scope: Emulator.Service.
	Services func(name string, scope awsapi.Scope) any
	// Default is the scope of the top-level sections, and fills in a
	// scope entry's missing account or region.
	Default awsapi.Scope
	// Endpoint is the URL clients reach the emulator at (SQS queue URLs
	// are built from it).
	Endpoint string
	// Logger receives one line per resource; nil discards.
	Logger *slog.Logger
	// Faults receives the file's fault rules (Emulator.Faults).
	Faults *faults.Faults
}

// Report lists what Apply did, one entry per resource, such as
// "sqs queue orders (000000000000/us-east-1)".
type Report struct {
	Created   []string
	Unchanged []string
}

// DefaultRuntime and DefaultHandler are a function's runtime and handler
// when the file names none.
const (
	DefaultRuntime = "provided.al2023"
	DefaultHandler = "bootstrap"
)

// Apply creates the file's resources that do not exist yet, in order:
// streams, queues (dead-letter queues first), registries with their schemas
// and versions, functions with their event source mappings, topics with
// their subscriptions (whose endpoints are the queues and functions made
// before), then EventBridge buses, rules with their targets (the streams,
// queues, functions, topics and buses made before) and archives. A
// resource that
// exists with the declared settings is left alone; one whose settings
// differ, or an operation that fails, stops Apply with an *Error naming
// the line.
//
// The file describes the state the emulator should be in once Apply
// returns, as a stack does once CloudFormation reports it complete, so
// the streams Apply creates are ACTIVE at once: they skip the CREATING
// period (kinesis.Options.CreateDelay) that API clients see and wait out.
// Apply therefore needs no clock and finishes whatever the emulator's
// clock does, frozen (scale 0) or scaled. Streams created through the API
// are not affected.
func (f *File) Apply(ctx context.Context, t Target) (*Report, error) {
	if t.Services == nil {
		return nil, errors.New("provision: Target.Services is nil")
	}
	if t.Logger == nil {
		t.Logger = slog.New(slog.DiscardHandler)
	}
	a := &applier{f: f, t: t, rep: &Report{}, descs: map[string]*awsapi.ServiceDescriptor{
		"kinesis": kinesis.Descriptor(),
		"sqs":     sqs.Descriptor(),
		"glue":    glue.Descriptor(),
		"lambda":  lambda.Descriptor(),
		"sns":     sns.Descriptor(),
		"events":  eventbridge.Descriptor(),
	}}
	if err := a.scope(ctx, t.Default, &f.Resources); err != nil {
		return a.rep, err
	}
	for i := range f.Scopes {
		sc := &f.Scopes[i]
		s := t.Default
		if sc.Account != "" {
			s.Account = string(sc.Account)
		}
		if sc.Region != "" {
			s.Region = sc.Region
		}
		if err := a.scope(ctx, s, &sc.Resources); err != nil {
			return a.rep, err
		}
	}
	if err := a.applyFaults(); err != nil {
		return a.rep, err
	}
	return a.rep, nil
}

// applier carries one Apply's state.
type applier struct {
	f     *File
	t     Target
	rep   *Report
	descs map[string]*awsapi.ServiceDescriptor

	// per scope
	sc        awsapi.Scope
	streams   map[string]string // name -> ARN
	queues    map[string]string // name -> ARN
	functions map[string]string // name -> ARN
	buses     map[string]string // name -> ARN, with default
}

// fail builds the *Error for a resource at line.
func (a *applier) fail(line int, err error, format string, args ...any) error {
	return &Error{File: a.f.name, Line: line, Msg: fmt.Sprintf(format, args...), Err: err}
}

func (a *applier) done(created bool, format string, args ...any) {
	label := fmt.Sprintf(format, args...) + fmt.Sprintf(" (%s/%s)", a.sc.Account, a.sc.Region)
	if created {
		a.rep.Created = append(a.rep.Created, label)
	} else {
		a.rep.Unchanged = append(a.rep.Unchanged, label)
	}
	a.t.Logger.Info("provisioned", "resource", label, "created", created)
}

// call validates in as the router would and invokes op on the scope's
// service.
func call[Out any](ctx context.Context, a *applier, service, op string, in awsapi.Validator) (*Out, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	svc := a.t.Services(service, a.sc)
	desc := a.descs[service]
	if svc == nil || desc == nil {
		return nil, fmt.Errorf("service %s is not available", service)
	}
	if err := in.Validate(); err != nil {
		if m, ok := svc.(interface{ ValidationError(error) *awsapi.Error }); ok {
			return nil, m.ValidationError(err)
		}
		return nil, err
	}
	rctx := awsapi.WithRequest(ctx, &awsapi.RequestInfo{
		RequestID: uuid.NewString(), Scope: a.sc, Service: service, Operation: op, Endpoint: a.t.Endpoint,
	})
	out, err := desc.Invoke(rctx, svc, op, in)
	if err != nil {
		if errors.Is(err, awsapi.ErrNotImplemented) {
			return nil, fmt.Errorf("%s %s is not implemented by this evolvestack", service, op)
		}
		return nil, err
	}
	o, ok := out.(*Out)
	if !ok {
		return nil, fmt.Errorf("%s %s returned %T", service, op, out)
	}
	return o, nil
}

// notFound reports whether err is a service's does-not-exist error.
func notFound(err error) bool {
	e, ok := awsapi.AsError(err)
	if !ok {
		return false
	}
	switch e.Code {
	// Kinesis and Lambda share the code ResourceNotFoundException.
	case sqs.ErrCodeQueueDoesNotExist, glue.ErrCodeEntityNotFoundException, kinesis.ErrCodeResourceNotFoundException,
		snsNotFound, sns.ErrCodeNotFoundException:
		return true
	}
	return false
}

func (a *applier) scope(ctx context.Context, sc awsapi.Scope, r *Resources) error {
	a.sc = sc
	a.streams, a.queues, a.functions = map[string]string{}, map[string]string{}, map[string]string{}
	for i := range r.Streams {
		if err := a.stream(ctx, &r.Streams[i]); err != nil {
			return err
		}
	}
	for _, q := range queueOrder(r.Queues) {
		if err := a.queue(ctx, q); err != nil {
			return err
		}
	}
	for i := range r.Registries {
		if err := a.registry(ctx, &r.Registries[i]); err != nil {
			return err
		}
	}
	for i := range r.Functions {
		if err := a.function(ctx, &r.Functions[i]); err != nil {
			return err
		}
	}
	for i := range r.Topics {
		if err := a.topic(ctx, &r.Topics[i]); err != nil {
			return err
		}
	}
	return a.eventBridge(ctx, r)
}

func (a *applier) stream(ctx context.Context, s *Stream) error {
	mode := kinesis.StreamMode(s.Mode)
	if mode == "" {
		mode = kinesis.StreamModeOnDemand
		if s.Shards != nil {
			mode = kinesis.StreamModeProvisioned
		}
	}
	describe := func() (*kinesis.StreamDescriptionSummary, error) {
		out, err := call[kinesis.DescribeStreamSummaryOutput](ctx, a, "kinesis", "DescribeStreamSummary", &kinesis.DescribeStreamSummaryInput{StreamName: &s.Name})
		if err != nil {
			return nil, err
		}
		if out.StreamDescriptionSummary == nil {
			return nil, errors.New("DescribeStreamSummary returned no summary")
		}
		return out.StreamDescriptionSummary, nil
	}
	sum, err := describe()
	created := false
	switch {
	case notFound(err):
		in := &kinesis.CreateStreamInput{StreamName: &s.Name, ShardCount: s.Shards, StreamModeDetails: &kinesis.StreamModeDetails{StreamMode: mode}, Tags: withGuard(s.Tags, s.SchemaGuard)}
		if err := a.createStream(ctx, in); err != nil {
			return a.fail(s.Line, err, "stream %q: CreateStream", s.Name)
		}
		// IncreaseStreamRetentionPeriod needs an ACTIVE stream.
		if err := a.waitActive(ctx, s.Name); err != nil {
			return a.fail(s.Line, err, "stream %q: waiting for ACTIVE", s.Name)
		}
		if h := s.RetentionHours; h != nil && *h > 24 {
			in := &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: &s.Name, RetentionPeriodHours: h}
			if _, err := call[kinesis.IncreaseStreamRetentionPeriodOutput](ctx, a, "kinesis", "IncreaseStreamRetentionPeriod", in); err != nil {
				return a.fail(s.Line, err, "stream %q: IncreaseStreamRetentionPeriod", s.Name)
			}
		}
		if sum, err = describe(); err != nil {
			return a.fail(s.Line, err, "stream %q: DescribeStreamSummary", s.Name)
		}
		created = true
	case err != nil:
		return a.fail(s.Line, err, "stream %q: DescribeStreamSummary", s.Name)
	case sum.StreamStatus == kinesis.StreamStatusDeleting:
		return a.fail(s.Line, nil, "stream %q is being deleted (DELETING); provision again once it is gone", s.Name)
	default:
		var diffs []string
		if sum.StreamModeDetails != nil && sum.StreamModeDetails.StreamMode != mode {
			diffs = append(diffs, fmt.Sprintf("mode %s (the file says %s)", sum.StreamModeDetails.StreamMode, mode))
		}
		// A stream an API client has just created is CREATING and shows no
		// shards yet: its shard count cannot be compared.
		if s.Shards != nil && sum.OpenShardCount != nil && *sum.OpenShardCount != *s.Shards && sum.StreamStatus != kinesis.StreamStatusCreating {
			diffs = append(diffs, fmt.Sprintf("%d open shards (the file says %d)", *sum.OpenShardCount, *s.Shards))
		}
		want := int32(24)
		if s.RetentionHours != nil {
			want = *s.RetentionHours
		}
		if sum.RetentionPeriodHours != nil && *sum.RetentionPeriodHours != want {
			diffs = append(diffs, fmt.Sprintf("retention %d hours (the file says %d)", *sum.RetentionPeriodHours, want))
		}
		if len(diffs) > 0 {
			return a.fail(s.Line, nil, "stream %q exists with %s", s.Name, strings.Join(diffs, ", "))
		}
	}
	a.streams[s.Name] = deref(sum.StreamARN)
	a.done(created, "kinesis stream %s", s.Name)
	return nil
}

// kinesisOptions is the part of *kinesis.Service that createStream uses.
type kinesisOptions interface {
	Options() kinesis.Options
	SetOptions(kinesis.Options)
}

// createDelayMu serialises createStream's changes to a Kinesis service's
// options, so that concurrent Applies restore the options they found.
var createDelayMu sync.Mutex

// createStream calls CreateStream with the scope's Kinesis CREATING period
// turned off for the call, so that the stream is ACTIVE at once (see
// Apply); the options in force before are restored afterwards, unless
// something else changed them meanwhile.
func (a *applier) createStream(ctx context.Context, in *kinesis.CreateStreamInput) error {
	if svc, ok := a.t.Services("kinesis", a.sc).(kinesisOptions); ok {
		createDelayMu.Lock()
		defer createDelayMu.Unlock()
		if was := svc.Options(); was.CreateDelay > 0 {
			off := was
			off.CreateDelay = 0
			svc.SetOptions(off)
			defer func() {
				if svc.Options() == off {
					svc.SetOptions(was)
				}
			}()
		}
	}
	_, err := call[kinesis.CreateStreamOutput](ctx, a, "kinesis", "CreateStream", in)
	return err
}

// activeWait bounds waitActive in real time.
const activeWait = time.Minute

// waitActive waits until the named stream is ACTIVE, polling
// DescribeStreamSummary as the SDK's stream-exists waiter does. Streams
// createStream makes are ACTIVE at once, so it returns on the first call
// unless the scope's Kinesis service could not have its CREATING period
// turned off; it then waits for virtual time to end the period, which a
// frozen clock never does, hence the bound in real time.
func (a *applier) waitActive(ctx context.Context, name string) error {
	deadline := time.Now().Add(activeWait)
	pause := 10 * time.Millisecond
	for {
		out, err := call[kinesis.DescribeStreamSummaryOutput](ctx, a, "kinesis", "DescribeStreamSummary", &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		if err != nil {
			return err
		}
		var status kinesis.StreamStatus
		if out.StreamDescriptionSummary != nil {
			status = out.StreamDescriptionSummary.StreamStatus
		}
		switch status {
		case kinesis.StreamStatusActive:
			return nil
		case kinesis.StreamStatusCreating, kinesis.StreamStatusUpdating:
		default:
			return fmt.Errorf("the stream is %s", status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the stream is still %s after %v (is the emulator's clock frozen?)", status, activeWait)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// queueOrder returns the queues with every dead-letter queue before the
// queues that name it (the checker rejected cycles).
func queueOrder(qs []Queue) []*Queue {
	byName := map[string]*Queue{}
	for i := range qs {
		byName[qs[i].Name] = &qs[i]
	}
	var out []*Queue
	placed := map[string]bool{}
	var place func(q *Queue, depth int)
	place = func(q *Queue, depth int) {
		if placed[q.Name] || depth > len(qs) {
			return
		}
		if q.Redrive != nil {
			if dlq, ok := byName[q.Redrive.DeadLetterQueue]; ok && dlq != q {
				place(dlq, depth+1)
			}
		}
		placed[q.Name] = true
		out = append(out, q)
	}
	for i := range qs {
		place(&qs[i], 0)
	}
	return out
}

// arnOf resolves a queue or stream reference: a declared name or an ARN.
func arnOf(known map[string]string, ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	return known[ref]
}

func (a *applier) queue(ctx context.Context, q *Queue) error {
	attrs := map[string]string{}
	for k, v := range q.Attributes {
		attrs[k] = v
	}
	if q.Fifo != nil && *q.Fifo {
		attrs["FifoQueue"] = "true"
	} else if strings.HasSuffix(q.Name, ".fifo") {
		attrs["FifoQueue"] = "true"
	}
	if q.Redrive != nil {
		policy, err := json.Marshal(struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
			MaxReceiveCount     int    `json:"maxReceiveCount"`
		}{arnOf(a.queues, q.Redrive.DeadLetterQueue), q.Redrive.MaxReceiveCount})
		if err != nil {
			return a.fail(q.Line, err, "queue %q: redrive policy", q.Name)
		}
		attrs["RedrivePolicy"] = string(policy)
	}
	_, err := call[sqs.GetQueueUrlOutput](ctx, a, "sqs", "GetQueueUrl", &sqs.GetQueueUrlInput{QueueName: &q.Name})
	existed := err == nil
	if err != nil && !notFound(err) {
		return a.fail(q.Line, err, "queue %q: GetQueueUrl", q.Name)
	}
	// CreateQueue is idempotent when the attributes match, and refuses
	// (QueueAlreadyExists) when they differ.
	in := &sqs.CreateQueueInput{QueueName: &q.Name, Attributes: attrs, Tags: withGuard(q.Tags, q.SchemaGuard)}
	out, err := call[sqs.CreateQueueOutput](ctx, a, "sqs", "CreateQueue", in)
	if err != nil {
		return a.fail(q.Line, err, "queue %q: CreateQueue", q.Name)
	}
	got, err := call[sqs.GetQueueAttributesOutput](ctx, a, "sqs", "GetQueueAttributes", &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []sqs.QueueAttributeName{sqs.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return a.fail(q.Line, err, "queue %q: GetQueueAttributes", q.Name)
	}
	a.queues[q.Name] = got.Attributes[string(sqs.QueueAttributeNameQueueArn)]
	a.done(!existed, "sqs queue %s", q.Name)
	return nil
}

func (a *applier) registry(ctx context.Context, r *Registry) error {
	_, err := call[glue.GetRegistryOutput](ctx, a, "glue", "GetRegistry", &glue.GetRegistryInput{RegistryId: &glue.RegistryId{RegistryName: &r.Name}})
	switch {
	case notFound(err):
		in := &glue.CreateRegistryInput{RegistryName: &r.Name, Tags: r.Tags}
		if r.Description != "" {
			in.Description = &r.Description
		}
		if _, err := call[glue.CreateRegistryOutput](ctx, a, "glue", "CreateRegistry", in); err != nil {
			return a.fail(r.Line, err, "registry %q: CreateRegistry", r.Name)
		}
		a.done(true, "glue registry %s", r.Name)
	case err != nil:
		return a.fail(r.Line, err, "registry %q: GetRegistry", r.Name)
	default:
		a.done(false, "glue registry %s", r.Name)
	}
	for i := range r.Schemas {
		if err := a.schema(ctx, r, &r.Schemas[i]); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) schema(ctx context.Context, r *Registry, s *Schema) error {
	id := &glue.SchemaId{RegistryName: &r.Name, SchemaName: &s.Name}
	got, err := call[glue.GetSchemaOutput](ctx, a, "glue", "GetSchema", &glue.GetSchemaInput{SchemaId: id})
	versions := s.Versions
	switch {
	case notFound(err):
		in := &glue.CreateSchemaInput{
			RegistryId: &glue.RegistryId{RegistryName: &r.Name}, SchemaName: &s.Name,
			DataFormat: glue.DataFormat(s.Format), Compatibility: glue.Compatibility(s.Compatibility), Tags: s.Tags,
		}
		if s.Description != "" {
			in.Description = &s.Description
		}
		if len(versions) > 0 {
			def := versions[0].text
			in.SchemaDefinition = &def
		}
		out, err := call[glue.CreateSchemaOutput](ctx, a, "glue", "CreateSchema", in)
		if err != nil {
			line := s.Line
			if len(versions) > 0 {
				line = versions[0].Line
			}
			return a.fail(line, err, "schema %s/%s: CreateSchema", r.Name, s.Name)
		}
		a.done(true, "glue schema %s/%s", r.Name, s.Name)
		if len(versions) > 0 {
			if out.SchemaVersionStatus == glue.SchemaVersionStatusFailure {
				return a.fail(versions[0].Line, nil, "schema %s/%s: version 1 has status FAILURE", r.Name, s.Name)
			}
			a.done(true, "glue schema version %s/%s 1", r.Name, s.Name)
			versions = versions[1:]
		}
	case err != nil:
		return a.fail(s.Line, err, "schema %s/%s: GetSchema", r.Name, s.Name)
	default:
		var diffs []string
		if got.DataFormat != glue.DataFormat(s.Format) {
			diffs = append(diffs, fmt.Sprintf("format %s (the file says %s)", got.DataFormat, s.Format))
		}
		if s.Compatibility != "" && got.Compatibility != glue.Compatibility(s.Compatibility) {
			diffs = append(diffs, fmt.Sprintf("compatibility %s (the file says %s)", got.Compatibility, s.Compatibility))
		}
		if len(diffs) > 0 {
			return a.fail(s.Line, nil, "schema %s/%s exists with %s", r.Name, s.Name, strings.Join(diffs, ", "))
		}
		a.done(false, "glue schema %s/%s", r.Name, s.Name)
	}
	for i := range versions {
		if err := a.version(ctx, r, s, id, &versions[i]); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) version(ctx context.Context, r *Registry, s *Schema, id *glue.SchemaId, v *SchemaVersion) error {
	def := v.text
	found, err := call[glue.GetSchemaByDefinitionOutput](ctx, a, "glue", "GetSchemaByDefinition", &glue.GetSchemaByDefinitionInput{SchemaId: id, SchemaDefinition: &def})
	if err == nil {
		if found.Status == glue.SchemaVersionStatusFailure {
			return a.fail(v.Line, nil, "schema %s/%s: this definition is registered with status FAILURE%s", r.Name, s.Name, a.findings(deref(found.SchemaVersionId)))
		}
		got, err := call[glue.GetSchemaVersionOutput](ctx, a, "glue", "GetSchemaVersion", &glue.GetSchemaVersionInput{SchemaVersionId: found.SchemaVersionId})
		if err != nil {
			return a.fail(v.Line, err, "schema %s/%s: GetSchemaVersion", r.Name, s.Name)
		}
		a.done(false, "glue schema version %s/%s %d", r.Name, s.Name, deref(got.VersionNumber))
		return nil
	}
	if !notFound(err) {
		return a.fail(v.Line, err, "schema %s/%s: GetSchemaByDefinition", r.Name, s.Name)
	}
	out, err := call[glue.RegisterSchemaVersionOutput](ctx, a, "glue", "RegisterSchemaVersion", &glue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: &def})
	if err != nil {
		return a.fail(v.Line, err, "schema %s/%s: RegisterSchemaVersion", r.Name, s.Name)
	}
	if out.Status == glue.SchemaVersionStatusFailure {
		return a.fail(v.Line, nil, "schema %s/%s: version %d breaks the schema's compatibility mode (status FAILURE)%s",
			r.Name, s.Name, deref(out.VersionNumber), a.findings(deref(out.SchemaVersionId)))
	}
	a.done(true, "glue schema version %s/%s %d", r.Name, s.Name, deref(out.VersionNumber))
	return nil
}

// findings returns ": explanation; ..." for a failed version, when the
// Glue service exposes its registry engine.
func (a *applier) findings(versionID string) string {
	eng, ok := a.t.Services("glue", a.sc).(interface{ Registry() *registry.Engine })
	if !ok || versionID == "" {
		return ""
	}
	fs, err := eng.Registry().Findings(registry.VersionRef{ID: versionID})
	if err != nil || len(fs) == 0 {
		return ""
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Explanation
	}
	return ": " + strings.Join(parts, "; ")
}

func (a *applier) function(ctx context.Context, fn *Function) error {
	zip, err := readZip(fn.zipPath)
	if err != nil {
		return a.fail(fn.Line, err, "function %q: zip", fn.Name)
	}
	sum := sha256.Sum256(zip)
	sha := base64.StdEncoding.EncodeToString(sum[:])
	runtime, handler := fn.Runtime, fn.Handler
	if runtime == "" {
		runtime = DefaultRuntime
	}
	if handler == "" {
		handler = DefaultHandler
	}
	got, err := call[lambda.GetFunctionOutput](ctx, a, "lambda", "GetFunction", &lambda.GetFunctionInput{FunctionName: &fn.Name})
	switch {
	case notFound(err):
		role := fn.Role
		if role == "" {
			role = "arn:aws:iam::" + a.sc.Account + ":role/evolvestack"
		}
		in := &lambda.CreateFunctionInput{
			FunctionName: &fn.Name, Runtime: lambda.Runtime(runtime), Handler: &handler, Role: &role,
			Code: &lambda.FunctionCode{ZipFile: zip}, Timeout: fn.Timeout, MemorySize: fn.MemorySize, Tags: fn.Tags,
		}
		if fn.Description != "" {
			in.Description = &fn.Description
		}
		if fn.Environment != nil {
			in.Environment = &lambda.Environment{Variables: fn.Environment}
		}
		if fn.DeadLetterQueue != "" {
			in.DeadLetterConfig = &lambda.DeadLetterConfig{TargetArn: ptr(arnOf(a.queues, fn.DeadLetterQueue))}
		}
		out, err := call[lambda.CreateFunctionOutput](ctx, a, "lambda", "CreateFunction", in)
		if err != nil {
			return a.fail(fn.Line, err, "function %q: CreateFunction", fn.Name)
		}
		a.functions[fn.Name] = deref(out.FunctionArn)
		a.done(true, "lambda function %s", fn.Name)
	case err != nil:
		return a.fail(fn.Line, err, "function %q: GetFunction", fn.Name)
	default:
		cfg := got.Configuration
		if cfg == nil {
			return a.fail(fn.Line, nil, "function %q: GetFunction returned no configuration", fn.Name)
		}
		var diffs []string
		diff := func(what, have, want string) {
			if have != want {
				diffs = append(diffs, fmt.Sprintf("%s %s (the file says %s)", what, have, want))
			}
		}
		diff("runtime", string(cfg.Runtime), runtime)
		diff("handler", deref(cfg.Handler), handler)
		if deref(cfg.CodeSha256) != sha {
			diffs = append(diffs, "other code (CodeSha256 differs from the zip's)")
		}
		if fn.Timeout != nil {
			diff("timeout", fmt.Sprint(deref(cfg.Timeout)), fmt.Sprint(*fn.Timeout))
		}
		if fn.MemorySize != nil {
			diff("memorySize", fmt.Sprint(deref(cfg.MemorySize)), fmt.Sprint(*fn.MemorySize))
		}
		if len(diffs) > 0 {
			return a.fail(fn.Line, nil, "function %q exists with %s", fn.Name, strings.Join(diffs, ", "))
		}
		a.functions[fn.Name] = deref(cfg.FunctionArn)
		a.done(false, "lambda function %s", fn.Name)
	}
	for i := range fn.EventSources {
		if err := a.eventSource(ctx, fn, &fn.EventSources[i]); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) eventSource(ctx context.Context, fn *Function, es *EventSource) error {
	src := arnOf(a.queues, es.Queue)
	what := "queue " + es.Queue
	if es.Stream != "" {
		src, what = arnOf(a.streams, es.Stream), "stream "+es.Stream
	}
	list, err := call[lambda.ListEventSourceMappingsOutput](ctx, a, "lambda", "ListEventSourceMappings", &lambda.ListEventSourceMappingsInput{FunctionName: &fn.Name, EventSourceArn: &src})
	if err != nil {
		return a.fail(es.Line, err, "function %q, %s: ListEventSourceMappings", fn.Name, what)
	}
	if len(list.EventSourceMappings) > 0 {
		a.done(false, "lambda event source mapping %s -> %s", what, fn.Name)
		return nil
	}
	in := &lambda.CreateEventSourceMappingInput{
		FunctionName: &fn.Name, EventSourceArn: &src, BatchSize: es.BatchSize,
		MaximumBatchingWindowInSeconds: es.MaximumBatchingWindowInSeconds, Enabled: es.Enabled,
	}
	for _, t := range es.FunctionResponseTypes {
		in.FunctionResponseTypes = append(in.FunctionResponseTypes, lambda.FunctionResponseType(t))
	}
	if len(es.Filters) > 0 {
		in.FilterCriteria = &lambda.FilterCriteria{}
		for _, p := range es.Filters {
			in.FilterCriteria.Filters = append(in.FilterCriteria.Filters, lambda.Filter{Pattern: ptr(p)})
		}
	}
	if es.MaximumConcurrency != nil {
		in.ScalingConfig = &lambda.ScalingConfig{MaximumConcurrency: es.MaximumConcurrency}
	}
	if es.Stream != "" {
		in.StartingPosition = lambda.EventSourcePosition(es.StartingPosition)
		if in.StartingPosition == "" {
			in.StartingPosition = lambda.EventSourcePositionLatest
		}
		in.MaximumRetryAttempts = es.MaximumRetryAttempts
		in.MaximumRecordAgeInSeconds = es.MaximumRecordAgeInSeconds
		in.BisectBatchOnFunctionError = es.BisectBatchOnFunctionError
		in.ParallelizationFactor = es.ParallelizationFactor
		in.TumblingWindowInSeconds = es.TumblingWindowInSeconds
		if es.OnFailure != nil {
			in.DestinationConfig = &lambda.DestinationConfig{OnFailure: &lambda.OnFailure{Destination: ptr(arnOf(a.queues, es.OnFailure.Queue))}}
		}
	}
	if _, err := call[lambda.CreateEventSourceMappingOutput](ctx, a, "lambda", "CreateEventSourceMapping", in); err != nil {
		return a.fail(es.Line, err, "function %q, %s: CreateEventSourceMapping", fn.Name, what)
	}
	a.done(true, "lambda event source mapping %s -> %s", what, fn.Name)
	return nil
}

// readZip reads a deployment package (at most 70 MB, Lambda's own bound
// on an inline package).
func readZip(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	const limit = 70 << 20
	b, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, err
	}
	if len(b) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
