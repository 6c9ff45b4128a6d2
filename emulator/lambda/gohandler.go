package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"
)

// Handler is an in-process handler as aws-lambda-go's lambda.Handler
// defines it: a raw payload in, a raw response out.
type Handler interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// goHandler is an in-process handler.
type goHandler struct {
	// handler returns the lambda.Handler for one invocation. A function
	// gets a fresh wrapper each time: the response bytes of aws-lambda-go's
	// wrapper point into a buffer it reuses, so two concurrent invocations
	// through one wrapper could see each other's response.
	handler func() Handler
}

// GoHandlerDefaultRole is the execution role of functions RegisterHandler
// creates.
const GoHandlerDefaultRole = "arn:aws:iam::%s:role/evolvestack-go-handler"

// RegisterHandler binds an in-process Go handler to functionName: any
// signature aws-lambda-go's lambda.NewHandler accepts, or a lambda.Handler.
// Invocations of the function then call it in-process with the same
// payloads, error documents, timeouts, concurrency, retries and records as
// a deployed bootstrap. When the function does not exist it is created
// (runtime provided.al2023, 3 s timeout, 128 MB, Active at once); an
// existing function keeps its configuration, whatever its runtime.
//
// A handler is bound to the function's name, so its published versions and
// aliases run the same handler: there is no code to snapshot, and a version
// keeps only its own configuration (the timeout, for instance). The
// handler can tell what was invoked from lambdacontext's
// InvokedFunctionArn (qualified with the version or alias named), and the
// records say which version ran.
//
// With a data dir, such a function survives a restart by its name and
// configuration, but its handler, a Go value, does not: register it again
// after the restart, before moving the clock (pending retries and event
// source mappings invoke it as they fall due).
func (s *Service) RegisterHandler(functionName string, handler any) error {
	h, err := asHandler(handler)
	if err != nil {
		return fmt.Errorf("lambda: register handler for %s: %w", functionName, err)
	}
	factory := func() Handler { return h }
	if _, ok := handler.(Handler); !ok {
		factory = func() Handler { fh, _ := newFuncHandler(handler); return fh }
	}
	name, q := parseFunctionRef(functionName)
	if name == "" || q != "" || !validFunctionName(name) {
		return fmt.Errorf("lambda: register handler: invalid function name %q", functionName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errServiceClosed()
	}
	s.goHandlers[name] = &goHandler{handler: factory}
	if fn := s.functions[name]; fn != nil {
		fn.mu.Lock()
		fn.goWarm = false
		fn.mu.Unlock()
		return nil
	}
	fn := newFunction(s, name)
	fn.cfg = FunctionConfiguration{
		FunctionName:     ptr(name),
		FunctionArn:      ptr(fn.arn),
		Runtime:          RuntimeProvidedal2023,
		Role:             ptr(fmt.Sprintf(GoHandlerDefaultRole, s.env.Scope.Account)),
		Handler:          ptr("bootstrap"),
		CodeSize:         ptr(int64(0)),
		Description:      ptr(""),
		Timeout:          ptr(int32(defaultTimeout)),
		MemorySize:       ptr(int32(defaultMemorySize)),
		LastModified:     ptr(lambdaDate(s.now())),
		CodeSha256:       ptr("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
		Version:          ptr(latest),
		TracingConfig:    &TracingConfigResponse{Mode: TracingModePassThrough},
		RevisionId:       ptr(uuid.NewString()),
		State:            StateActive,
		LastUpdateStatus: LastUpdateStatusSuccessful,
		PackageType:      PackageTypeZip,
		Architectures:    []Architecture{ArchitectureX8664},
		EphemeralStorage: &EphemeralStorage{Size: ptr(int32(512))},
		SnapStart:        &SnapStartResponse{ApplyOn: SnapStartApplyOnNone, OptimizationStatus: SnapStartOptimizationStatusOff},
		LoggingConfig:    &LoggingConfig{LogFormat: LogFormatText, LogGroup: ptr("/aws/lambda/" + name)},
	}
	s.functions[name] = fn
	fn.persistLocked() // fn is not shared yet; s.mu guards its creation
	return nil
}

// UnregisterHandler removes the in-process handler of functionName; the
// function itself stays.
func (s *Service) UnregisterHandler(functionName string) {
	name, _ := parseFunctionRef(functionName)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.goHandlers, name)
}

func validFunctionName(name string) bool {
	if len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// asHandler checks a handler the way aws-lambda-go does when it starts and
// wraps it.
func asHandler(handler any) (Handler, error) {
	if handler == nil {
		return nil, errors.New("handler is nil")
	}
	if h, ok := handler.(Handler); ok {
		return h, nil
	}
	t := reflect.TypeOf(handler)
	if t.Kind() != reflect.Func {
		return nil, fmt.Errorf("handler kind %s is not %s", t.Kind(), reflect.Func)
	}
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	errType := reflect.TypeOf((*error)(nil)).Elem()
	switch t.NumIn() {
	case 0, 1:
	case 2:
		if !t.In(0).Implements(ctxType) {
			return nil, fmt.Errorf("handler takes two arguments, but the first is not Context. got %s", t.In(0).Kind())
		}
	default:
		return nil, fmt.Errorf("handlers may not take more than two arguments, but handler takes %d", t.NumIn())
	}
	switch t.NumOut() {
	case 0:
	case 1:
		if !t.Out(0).Implements(errType) {
			return nil, errors.New("handler returns a single value, but it does not implement error")
		}
	case 2:
		if !t.Out(1).Implements(errType) {
			return nil, errors.New("handler returns two values, but the second does not implement error")
		}
	default:
		return nil, errors.New("handler may not return more than two values")
	}
	return newFuncHandler(handler)
}

// runGo invokes the registered in-process handler.
func (s *Service) runGo(ctx context.Context, fn *function, inv *invocation, expired <-chan struct{}) outcome {
	s.mu.Lock()
	h := s.goHandlers[fn.name]
	s.mu.Unlock()
	if h == nil {
		return errorOutcome("Runtime.InvalidEntrypoint", fmt.Sprintf("RequestId: %s Error: no in-process handler is registered", inv.requestID))
	}
	fn.mu.Lock()
	fn.goWarm = true
	fn.mu.Unlock()
	hctx, cancel := context.WithDeadline(context.Background(), inv.deadline)
	defer cancel()
	lc := &lambdacontext.LambdaContext{AwsRequestID: inv.requestID, InvokedFunctionArn: inv.arn}
	if inv.clientContext != "" {
		_ = decodeClientContext(inv.clientContext, &lc.ClientContext)
	}
	hctx = lambdacontext.NewContext(hctx, lc)
	done := make(chan outcome, 1)
	go func() {
		done <- callGo(hctx, h.handler(), inv)
	}()
	select {
	case out := <-done:
		if errors.Is(hctx.Err(), context.DeadlineExceeded) {
			// The handler came back because its time was up (its
			// context's deadline passed before the timer below fired):
			// on Lambda that invocation timed out, whatever it returned.
			cancel()
			fn.mu.Lock()
			fn.goWarm = false
			fn.mu.Unlock()
			return timeoutOutcome(inv)
		}
		if out.fatal {
			fn.mu.Lock()
			fn.goWarm = false
			fn.mu.Unlock()
		}
		return out
	case <-expired:
		cancel()
		fn.mu.Lock()
		fn.goWarm = false
		fn.mu.Unlock()
		return timeoutOutcome(inv)
	case <-s.closing(fn):
		cancel()
		return errorOutcome("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited without providing a reason", inv.requestID))
	}
}

// callGo runs the handler, turning errors and panics into the error
// documents aws-lambda-go reports.
func callGo(ctx context.Context, h Handler, inv *invocation) (out outcome) {
	defer func() {
		if p := recover(); p != nil {
			doc := panicDocument(p)
			out = documentOutcome(doc, inv)
			out.fatal = true
		}
	}()
	resp, err := h.Invoke(ctx, inv.payload)
	if err != nil {
		return documentOutcome(errorDocument(err), inv)
	}
	if len(resp) > maxResponsePayload {
		return errorOutcome("Function.ResponseSizeTooLarge", fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxResponsePayload))
	}
	// Copy: the handler may reuse the buffer behind resp.
	return outcome{payload: bytes.Clone(resp)}
}

func documentOutcome(doc *messages.InvokeResponse_Error, inv *invocation) outcome {
	b, _ := json.Marshal(doc)
	// aws-lambda-go logs the error document before reporting it.
	inv.log.printf("%s %s\n", time.Now().UTC().Format("2006/01/02 15:04:05"), b)
	return outcome{payload: b, failed: true, errType: doc.Type, errMsg: doc.Message}
}

// errorDocument mirrors aws-lambda-go's error response.
func errorDocument(err error) *messages.InvokeResponse_Error {
	if ive, ok := err.(messages.InvokeResponse_Error); ok {
		return &ive
	}
	if ive, ok := err.(*messages.InvokeResponse_Error); ok && ive != nil {
		return ive
	}
	return &messages.InvokeResponse_Error{Message: err.Error(), Type: typeName(err)}
}

// panicDocument mirrors aws-lambda-go's panic response (without the stack
// trace).
func panicDocument(p any) *messages.InvokeResponse_Error {
	if ive, ok := p.(messages.InvokeResponse_Error); ok {
		return &ive
	}
	msg := fmt.Sprintf("%v", p)
	if err, ok := p.(error); ok {
		msg = err.Error()
	}
	return &messages.InvokeResponse_Error{Message: msg, Type: typeName(p)}
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// decodeClientContext reads the base64 JSON client context.
func decodeClientContext(b64 string, out *lambdacontext.ClientContext) error {
	raw, err := decodeBase64(b64)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}
