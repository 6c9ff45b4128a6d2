// Package lambda is evolvestack's AWS Lambda: typed operations over in-memory
// state for one account and region, plus the engine that runs handlers — a
// provided.al2023/provided.al2 zip's bootstrap executable as a local process
// speaking the Lambda Runtime API, or a Go handler registered in-process —
// with AWS's synchronous, asynchronous (retries, dead-letter queues,
// destinations) and throttling rules on the emulator's clock. The zz_*.go
// files are generated from the AWS API model by cmd/apigen.
package lambda

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is AWS Lambda for one account and region.
type Service struct {
	env awsapi.Env

	mu        sync.Mutex
	functions map[string]*function
	esms      map[string]*eventSourceMapping
	// goHandlers are in-process handlers registered by function name; they
	// outlive DeleteFunction so that a test may recreate the function.
	goHandlers map[string]*goHandler
	instances  map[string]*procInstance // live processes by instance id
	watchers   map[int]func(ESMEvent)
	nextWatch  int
	running    int // invocations in flight across the scope
	closed     bool
	workDir    string // created on first zip, removed on Close
	stateDelay time.Duration
	restoring  *restored // rows taken by RestoreState until RestoreDone

	// routing picks between the two versions of a weighted alias.
	routingMu sync.Mutex
	routing   *rand.Rand
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service {
	return &Service{
		env:        env,
		functions:  map[string]*function{},
		esms:       map[string]*eventSourceMapping{},
		goHandlers: map[string]*goHandler{},
		instances:  map[string]*procInstance{},
		watchers:   map[int]func(ESMEvent){},
		routing:    rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
}

// SetStateTransitionDelay sets how long, on the emulator's clock, functions
// stay Pending (and updates InProgress, event source mappings Creating,
// Enabling, Updating...) before they settle. The default, zero, settles as
// soon as the API call has answered: the response shows the transitional
// state, every later read the final one.
func (s *Service) SetStateTransitionDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stateDelay = d
}

// Close stops every handler process, pending retry and timer and removes
// the unpacked code. The service answers no further invocations.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	fns := make([]*function, 0, len(s.functions))
	for _, fn := range s.functions {
		fns = append(fns, fn)
	}
	esms := make([]*eventSourceMapping, 0, len(s.esms))
	for _, m := range s.esms {
		esms = append(esms, m)
	}
	dir := s.workDir
	s.mu.Unlock()
	for _, m := range esms {
		m.stopTimer()
	}
	for _, fn := range fns {
		fn.shutdown()
	}
	if dir != "" {
		// A process that was just killed may still be removing its own
		// sandbox inside dir: try again briefly (removeWorkDirIfClosed
		// also removes dir once the last sandbox is gone).
		var err error
		for range 5 {
			if err = os.RemoveAll(dir); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("lambda: removing code directory: %w", err)
		}
	}
	return nil
}

// removeWorkDirIfClosed removes the work directory of a closed service once
// nothing is left in it (a sandbox removed after Close ran).
func (s *Service) removeWorkDirIfClosed() {
	s.mu.Lock()
	closed, dir := s.closed, s.workDir
	s.mu.Unlock()
	if closed && dir != "" {
		_ = os.Remove(dir) // fails, harmlessly, while something is still inside
	}
}

// afterTransition runs f once the state transition delay has passed: at
// once (synchronously) for a zero delay, else on the emulator's clock. The
// returned stop cancels a pending call.
func (s *Service) afterTransition(f func()) (stop func()) {
	s.mu.Lock()
	d := s.stateDelay
	s.mu.Unlock()
	if d <= 0 {
		f()
		return func() {}
	}
	t := s.env.Clock.AfterFunc(d, f)
	return func() { t.Stop() }
}

// now is the virtual time.
func (s *Service) now() time.Time { return s.env.Clock.Now() }

// functionArn is the unqualified ARN of name.
func (s *Service) functionArn(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.env.Scope.Region, s.env.Scope.Account, name)
}

// checkRegion refuses a function ARN of another region.
func (s *Service) checkRegion(nameOrArn string) error {
	if parts := strings.Split(nameOrArn, ":"); len(parts) >= 7 && parts[0] == "arn" && parts[3] != s.env.Scope.Region {
		return errResourceNotFound("Functions from '%s' are not reachable in this region ('%s')", parts[3], s.env.Scope.Region)
	}
	return nil
}

// lookup returns the function named by nameOrArn (name, partial or full
// ARN, optionally qualified) with its qualifier, for the operations that
// act on $LATEST only: any qualifier but $LATEST is not found.
func (s *Service) lookup(nameOrArn, qualifier string) (*function, string, error) {
	name, q := parseFunctionRef(nameOrArn)
	if q != "" && qualifier != "" && q != qualifier {
		return nil, "", errInvalidParameter("The derived qualifier from the function name does not match the specified qualifier.")
	}
	if err := s.checkRegion(nameOrArn); err != nil {
		return nil, "", err
	}
	if qualifier == "" {
		qualifier = q
	}
	s.mu.Lock()
	fn := s.functions[name]
	s.mu.Unlock()
	if fn == nil || (qualifier != "" && qualifier != latest) {
		arn := s.functionArn(name)
		if qualifier != "" {
			arn += ":" + qualifier
		}
		return nil, "", errFunctionNotFound(arn)
	}
	return fn, qualifier, nil
}

// findFunction resolves a function reference and an optional qualifier
// parameter (which wins over one in the reference) to the function
// ($LATEST), its name and the qualifier. fn is nil when the function does
// not exist or the qualifier names no version or alias of it: each
// operation words that error itself.
func (s *Service) findFunction(ref string, qualifier *string) (fn *function, name, q string) {
	name, q = parseFunctionRef(ref)
	if str(qualifier) != "" {
		q = str(qualifier)
	}
	s.mu.Lock()
	fn = s.functions[name]
	s.mu.Unlock()
	if fn != nil && !fn.hasQualifier(q) {
		fn = nil
	}
	return fn, name, q
}

// parseFunctionRef splits a function name, partial ARN
// (123456789012:function:name) or ARN into name and qualifier.
func parseFunctionRef(ref string) (name, qualifier string) {
	parts := strings.Split(ref, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn": // arn:aws:lambda:r:a:function:name[:q]
		name = parts[6]
		if len(parts) > 7 {
			qualifier = parts[7]
		}
	case len(parts) >= 3 && parts[1] == "function": // acct:function:name[:q]
		name = parts[2]
		if len(parts) > 3 {
			qualifier = parts[3]
		}
	case len(parts) == 2: // name:qualifier
		name, qualifier = parts[0], parts[1]
	default:
		name = ref
	}
	return name, qualifier
}

// sortedFunctions returns the functions ordered by name.
func (s *Service) sortedFunctions() []*function {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*function, 0, len(s.functions))
	for _, fn := range s.functions {
		out = append(out, fn)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// requestContext returns ctx carrying request info for calls this service
// makes into other services of scope.
func (s *Service) requestContext(ctx context.Context, scope awsapi.Scope, requestID string) context.Context {
	endpoint := ""
	if s.env.Endpoint != nil {
		endpoint = s.env.Endpoint()
	}
	return awsapi.WithRequest(ctx, &awsapi.RequestInfo{RequestID: requestID, Scope: scope, Service: "lambda", Endpoint: endpoint})
}

// ensureWorkDir returns the directory code is unpacked under.
func (s *Service) ensureWorkDir() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errServiceClosed()
	}
	if s.workDir == "" {
		dir, err := os.MkdirTemp("", "evolvestack-lambda-*")
		if err != nil {
			return "", fmt.Errorf("lambda: creating code directory: %w", err)
		}
		s.workDir = dir
	}
	return s.workDir, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// lambdaDate renders t as Lambda's LastModified strings do.
func lambdaDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000+0000")
}
