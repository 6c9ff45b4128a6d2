// Package emulator is evolvestack's core: the AWS services as typed Go
// operations over in-memory state, kept apart per account and region, on a
// clock that tests can move. Handler serves them over HTTP with the AWS wire
// protocols; Start runs them on a loopback port for a Go test.
package emulator

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/eventbridge"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/glue"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/lambda/esm"
	"github.com/evolvestack/evolvestack/emulator/persist"
	"github.com/evolvestack/evolvestack/emulator/schemaguard"
	"github.com/evolvestack/evolvestack/emulator/schemas"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers"
	"github.com/evolvestack/evolvestack/handlers/guard"
	"github.com/evolvestack/evolvestack/handlers/sigv4"
)

// Defaults for an emulator built without options.
const (
	DefaultAccount = "000000000000"
	DefaultRegion  = "us-east-1"
)

// Version is evolvestack's version, reported by the binary and the health
// endpoint.
const Version = "0.1.0-dev"

// serviceDef binds a service's generated descriptor to its constructor.
type serviceDef struct {
	desc *awsapi.ServiceDescriptor
	new  func(env awsapi.Env) any
}

// serviceDefs lists the services served, in a stable order. snsKey is
// the SNS signing key every account and region of one emulator shares, so
// one certificate URL serves them all and the key is made once; nil when
// only descriptors are wanted.
func serviceDefs(snsKey *sns.SigningKey) []serviceDef {
	return []serviceDef{
		{kinesis.Descriptor(), func(env awsapi.Env) any { return kinesis.New(env) }},
		{sqsDescriptor(), func(env awsapi.Env) any { return sqs.New(env) }},
		{sns.Descriptor(), func(env awsapi.Env) any {
			s := sns.New(env)
			if snsKey != nil {
				s.UseSigningKey(snsKey)
			}
			return s
		}},
		{eventbridge.Descriptor(), func(env awsapi.Env) any { return eventbridge.New(env) }},
		{schemas.Descriptor(), func(env awsapi.Env) any { return schemas.New(env) }},
		{glue.Descriptor(), func(env awsapi.Env) any { return glue.New(env) }},
		{lambda.Descriptor(), newLambda},
	}
}

// Descriptors lists the descriptors of the services an emulator serves.
func Descriptors() []*awsapi.ServiceDescriptor {
	defs := serviceDefs(nil)
	out := make([]*awsapi.ServiceDescriptor, len(defs))
	for i, d := range defs {
		out[i] = d.desc
	}
	return out
}

// lambdaService is Lambda with its event source mapping pollers attached.
// Embedding keeps every operation method of *lambda.Service.
type lambdaService struct {
	*lambda.Service
	pollers *esm.Manager
}

func newLambda(env awsapi.Env) any {
	svc := lambda.New(env)
	return &lambdaService{Service: svc, pollers: esm.Attach(svc, env)}
}

// Close stops the pollers, then the service.
func (l *lambdaService) Close() error {
	return errors.Join(l.pollers.Close(), l.Service.Close())
}

// sqsDescriptor is SQS's descriptor with the XML namespace its awsQuery
// responses carry (the JSON-protocol model no longer names it).
func sqsDescriptor() *awsapi.ServiceDescriptor {
	d := sqs.Descriptor()
	d.XMLNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"
	return d
}

// Emulator owns the services, their state per account and region, and the
// clock.
type Emulator struct {
	opts    options
	clock   *clock.Clock
	log     *slog.Logger
	defs    []serviceDef
	byName  map[string]serviceDef
	handler *handlers.Handler
	guard   *schemaguard.Guard
	faults  *faults.Faults

	mu     sync.Mutex
	scopes map[scopeKey]any // live service instances
	// journals are the live instances' journals (with a data dir).
	journals map[scopeKey]*scopedJournal
	store    *persist.Store // nil without a data dir
	snsKey   *sns.SigningKey
	endpoint string
	// closingN counts Resets still closing the services they removed;
	// closed (on mu) is signalled when it drops to zero.
	closingN int
	closed   *sync.Cond
}

type scopeKey struct {
	service string
	scope   awsapi.Scope
}

type options struct {
	account  string
	region   string
	clock    *clock.Clock
	logger   *slog.Logger
	authKeys map[string]string
	limits   awsapi.Limits
	policy   guard.Policy
	token    string
	dataDir  string
	dataSync persist.SyncMode
}

// Option configures an Emulator.
type Option func(*options)

// WithAccount sets the default account id (12 digits), used when the access
// key is not itself an account id.
func WithAccount(id string) Option { return func(o *options) { o.account = id } }

// WithRegion sets the region used when a request names none.
func WithRegion(region string) Option { return func(o *options) { o.region = region } }

// WithClock sets the clock every timed behaviour follows.
func WithClock(c *clock.Clock) Option { return func(o *options) { o.clock = c } }

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithStrictAuth turns on SigV4 verification with the given access key to
// secret key pairs. Without it any credentials are accepted.
func WithStrictAuth(keys map[string]string) Option {
	return func(o *options) { o.authKeys = keys }
}

// WithAllowedOrigins adds browser origins ("http://app.test:3000", port "*"
// for any) that may call the emulator, besides its own and the loopback
// ones (http://localhost:*, http://127.0.0.1:*, http://[::1]:*).
func WithAllowedOrigins(origins ...string) Option {
	return func(o *options) { o.policy.Origins = append(o.policy.Origins, origins...) }
}

// WithAllowedHosts adds host names requests may name in Host (a compose
// service name, say), besides loopback names, IP literals and the
// machine's host name; "*" allows any.
func WithAllowedHosts(hosts ...string) Option {
	return func(o *options) { o.policy.Hosts = append(o.policy.Hosts, hosts...) }
}

// WithAdminToken sets the bearer token that opens the admin API in strict
// mode (random when not set; see AdminToken).
func WithAdminToken(token string) Option { return func(o *options) { o.token = token } }

// WithLimits sets the configurable soft quotas.
func WithLimits(l awsapi.Limits) Option { return func(o *options) { o.limits = l } }

// New builds an emulator.
func New(opts ...Option) (*Emulator, error) {
	o := options{account: DefaultAccount, region: DefaultRegion}
	for _, opt := range opts {
		opt(&o)
	}
	if !awsapi.ValidAccount(o.account) {
		return nil, fmt.Errorf("emulator: account %q is not a 12-digit id", o.account)
	}
	if !awsapi.ValidRegion(o.region) {
		return nil, fmt.Errorf("emulator: region %q is not an AWS region name (e.g. us-east-1)", o.region)
	}
	if o.clock == nil {
		o.clock = clock.New()
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Emulator{
		opts:     o,
		clock:    o.clock,
		log:      o.logger,
		snsKey:   sns.NewSigningKey(),
		byName:   map[string]serviceDef{},
		scopes:   map[scopeKey]any{},
		journals: map[scopeKey]*scopedJournal{},
	}
	e.defs = serviceDefs(e.snsKey)
	e.closed = sync.NewCond(&e.mu)
	e.guard = schemaguard.New(schemaguard.Config{Clock: o.clock, Logger: o.logger.With("component", "schema-guard"), Services: e.Service})
	for _, d := range e.defs {
		e.byName[d.desc.Name] = d
	}
	e.faults = faults.New(faults.Config{Clock: o.clock, Descriptors: backend{e}.Descriptors()})
	var verifier *sigv4.Verifier
	if o.authKeys != nil {
		// Signatures are made with the caller's wall clock, so expiry is
		// checked against it, not against virtual time.
		verifier = sigv4.NewVerifier(o.authKeys, time.Now)
		if o.token == "" {
			o.token = strings.ReplaceAll(uuid.NewString(), "-", "")
			e.opts.token = o.token
		}
	}
	g, err := guard.New(o.policy, os.Hostname)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	e.handler = handlers.New(handlers.Config{
		Backend:        backend{e},
		Logger:         e.log,
		DefaultRegion:  o.region,
		DefaultAccount: o.account,
		Verifier:       verifier,
		AdminToken:     o.token,
		Guard:          g,
		Durable:        e.durable,
	})
	if o.dataDir != "" {
		if err := e.openDataDir(); err != nil {
			_ = e.Close()
			return nil, fmt.Errorf("emulator: %w", err)
		}
	}
	return e, nil
}

// AdminToken is the bearer token that opens the admin API when strict
// authentication is on ("" otherwise).
func (e *Emulator) AdminToken() string {
	if e.opts.authKeys == nil {
		return ""
	}
	return e.opts.token
}

// Guard returns the schema guard: set or remove a resource's guard, read
// its violations.
func (e *Emulator) Guard() *schemaguard.Guard { return e.guard }

// GuardViolations returns the schema guard's recorded violations that f
// selects, oldest first.
func (e *Emulator) GuardViolations(f schemaguard.Filter) []schemaguard.Violation {
	v, _ := e.guard.Violations(f)
	return v
}

// Faults returns the fault injection rules: Add, List, Remove, Clear, Log.
func (e *Emulator) Faults() *faults.Faults { return e.faults }

// Handler returns the HTTP handler serving every service and the admin API.
func (e *Emulator) Handler() http.Handler { return e.handler }

// Clock returns the emulator's clock.
func (e *Emulator) Clock() *clock.Clock { return e.clock }

// Account returns the default account id.
func (e *Emulator) Account() string { return e.opts.account }

// Region returns the default region.
func (e *Emulator) Region() string { return e.opts.region }

// Service returns the named service's implementation for scope, creating
// it on first use. Names are the model names: kinesis, sqs, sns, events,
// schemas, glue, lambda. It returns nil for an unknown name.
func (e *Emulator) Service(name string, scope awsapi.Scope) any {
	def, ok := e.byName[name]
	if !ok {
		return nil
	}
	k := scopeKey{service: name, scope: scope}
	e.mu.Lock()
	svc, ok := e.scopes[k]
	e.mu.Unlock()
	if ok {
		return svc
	}
	svc, _ = e.build(k, def, false)
	return svc
}

// build makes the instance for k unless one exists, and returns it and
// whether it is new. restoring builds it to receive restored state.
func (e *Emulator) build(k scopeKey, def serviceDef, restoring bool) (any, bool) {
	var j *scopedJournal
	env := awsapi.Env{
		Scope:     k.scope,
		Clock:     e.clock,
		Logger:    e.log.With("service", k.service, "account", k.scope.Account, "region", k.scope.Region),
		Limits:    e.opts.limits,
		Services:  e.Service,
		Endpoint:  e.Endpoint,
		Guard:     e.guard,
		Faults:    e.faults,
		Restoring: restoring,
		Observe: func(o awsapi.Observation) {
			e.handler.Observe(k.scope.Account, k.scope.Region, o)
		},
	}
	if e.store != nil {
		j = &scopedJournal{store: e.store, prefix: k.service + "/" + k.scope.Account + "/" + k.scope.Region + "/"}
		env.Journal = j
	}
	// Build outside the lock: a constructor may look up other services.
	svc := def.new(env)
	e.mu.Lock()
	if existing, ok := e.scopes[k]; ok {
		e.mu.Unlock()
		j.off()
		closeService(svc) // another request built it first
		return existing, false
	}
	e.scopes[k] = svc
	if j != nil {
		e.journals[k] = j
	}
	e.mu.Unlock()
	return svc, true
}

// Scopes lists the accounts and regions that hold state of the named
// service ("" for any), sorted.
func (e *Emulator) Scopes(service string) []awsapi.Scope {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []awsapi.Scope
	for k := range e.scopes {
		if (service == "" || k.service == service) && !slices.Contains(out, k.scope) {
			out = append(out, k.scope)
		}
	}
	slices.SortFunc(out, func(a, b awsapi.Scope) int {
		return strings.Compare(a.Account+"/"+a.Region, b.Account+"/"+b.Region)
	})
	return out
}

// defaultScope is the default account and region.
func (e *Emulator) defaultScope() awsapi.Scope {
	return awsapi.Scope{Account: e.opts.account, Region: e.opts.region}
}

// Kinesis returns the Kinesis service of the default account and region.
func (e *Emulator) Kinesis() *kinesis.Service {
	return e.Service("kinesis", e.defaultScope()).(*kinesis.Service)
}

// SQS returns the SQS service of the default account and region.
func (e *Emulator) SQS() *sqs.Service { return e.Service("sqs", e.defaultScope()).(*sqs.Service) }

// SNS returns the SNS service of the default account and region.
func (e *Emulator) SNS() *sns.Service { return e.Service("sns", e.defaultScope()).(*sns.Service) }

// EventBridge returns the EventBridge service of the default account and
// region.
func (e *Emulator) EventBridge() *eventbridge.Service {
	return e.Service("events", e.defaultScope()).(*eventbridge.Service)
}

// Schemas returns the EventBridge Schemas service of the default account
// and region.
func (e *Emulator) Schemas() *schemas.Service {
	return e.Service("schemas", e.defaultScope()).(*schemas.Service)
}

// Glue returns the Glue (Schema Registry) service of the default account and
// region.
func (e *Emulator) Glue() *glue.Service { return e.Service("glue", e.defaultScope()).(*glue.Service) }

// Lambda returns the Lambda service of the default account and region.
func (e *Emulator) Lambda() *lambda.Service {
	return e.Service("lambda", e.defaultScope()).(*lambdaService).Service
}

// Reset drops state: everything when both are empty, else only the named
// service and/or account. Services with background work are closed. With
// a data dir the dropped state is gone from it too.
func (e *Emulator) Reset(service, account string) error {
	if err := e.drop(service, account); err != nil {
		return err
	}
	if e.store != nil {
		// The snapshot holds only the instances left.
		if err := e.store.Compact(); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	return nil
}

// Release closes the named service's instances (all for "") without
// dropping their state from the data dir: the next request finds it
// restored only after a restart. The binary releases Lambda on shutdown,
// ending its handler processes.
func (e *Emulator) Release(service string) error {
	return e.drop(service, "")
}

// drop closes and forgets the instances Reset names.
func (e *Emulator) drop(service, account string) error {
	if service != "" {
		if _, ok := e.byName[service]; !ok {
			return fmt.Errorf("unknown service %q (one of %v)", service, e.serviceNames())
		}
	}
	if account != "" && !awsapi.ValidAccount(account) {
		return fmt.Errorf("account %q is not a 12-digit id", account)
	}
	e.mu.Lock()
	var closing []any
	for k, svc := range e.scopes {
		if (service == "" || k.service == service) && (account == "" || k.scope.Account == account) {
			closing = append(closing, svc)
			delete(e.scopes, k)
			if j := e.journals[k]; j != nil {
				j.off() // nothing it does while closing is kept
				delete(e.journals, k)
			}
		}
	}
	e.closingN++
	e.mu.Unlock()
	if service == "" && account == "" {
		e.guard.Reset()
		e.faults.Reset()
	}
	for _, svc := range closing {
		closeService(svc)
	}
	e.mu.Lock()
	e.closingN--
	if e.closingN == 0 {
		e.closed.Broadcast()
	}
	e.mu.Unlock()
	return nil
}

// Close stops every service's background work, and waits for closes a
// concurrent Reset started (so that their folders are gone when it
// returns). The emulator must not be used afterwards.
func (e *Emulator) Close() error {
	if e.store != nil {
		// Keep the clock's time, then stop keeping changes: what closing
		// services do is not state to restore.
		e.saveClock()
	}
	err := e.drop("", "")
	e.mu.Lock()
	for e.closingN > 0 {
		e.closed.Wait()
	}
	e.mu.Unlock()
	if e.store != nil {
		err = errors.Join(err, e.store.Close())
	}
	return err
}

func closeService(svc any) {
	if c, ok := svc.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

func (e *Emulator) serviceNames() []string {
	names := make([]string, 0, len(e.defs))
	for _, d := range e.defs {
		names = append(names, d.desc.Name)
	}
	slices.Sort(names)
	return names
}

// Health reports readiness and, per service, how many scopes hold state.
func (e *Emulator) Health() handlers.Health {
	e.mu.Lock()
	defer e.mu.Unlock()
	services := map[string]string{}
	for _, d := range e.defs {
		services[d.desc.Name] = "running"
	}
	return handlers.Health{Status: "ready", Version: Version, Services: services}
}

// backend adapts Emulator to handlers.Backend and handlers.Admin without
// widening Emulator's own API.
type backend struct{ e *Emulator }

func (b backend) Descriptors() []*awsapi.ServiceDescriptor {
	out := make([]*awsapi.ServiceDescriptor, 0, len(b.e.defs))
	for _, d := range b.e.defs {
		out = append(out, d.desc)
	}
	return out
}

func (b backend) Service(name string, scope awsapi.Scope) any { return b.e.Service(name, scope) }
func (b backend) Admin() handlers.Admin                       { return b }
func (b backend) Health() handlers.Health                     { return b.e.Health() }
func (b backend) Reset(service, account string) error         { return b.e.Reset(service, account) }
func (b backend) Clock() *clock.Clock                         { return b.e.clock }
func (b backend) Guard() *schemaguard.Guard                   { return b.e.guard }
func (b backend) Faults() *faults.Faults                      { return b.e.faults }
func (b backend) Export(w io.Writer) error                    { return b.e.Export(w) }
func (b backend) Import(r io.Reader) error                    { return b.e.Import(r) }
