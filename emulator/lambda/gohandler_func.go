//go:build !evolvestack_slim

package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/aws/aws-lambda-go/lambda/handlertrace"
)

// newFuncHandler wraps a handler function as aws-lambda-go's
// lambda.NewHandler does (v1.55, default options): the event is decoded
// from the payload with encoding/json, the result encoded without HTML
// escaping and without the trailing newline, and an io.Reader result is
// passed through. It reimplements that wrapper rather than importing
// aws-lambda-go/lambda, whose RPC mode links net/rpc, encoding/gob and
// html/template (and their package inits) into every evolvestack binary;
// gohandler_func_internal_test.go checks it against the original.
func newFuncHandler(handler any) (Handler, error) {
	v := reflect.ValueOf(handler)
	t := v.Type()
	takesContext, err := funcTakesContext(t)
	if err != nil {
		// aws-lambda-go reports a bad signature at every invocation.
		return failingHandler{err}, nil
	}
	return &funcHandler{fn: v, t: t, takesContext: takesContext}, nil
}

// failingHandler fails every invocation with err.
type failingHandler struct{ err error }

func (h failingHandler) Invoke(context.Context, []byte) ([]byte, error) { return nil, h.err }

// funcTakesContext reports whether a handler of type t takes a
// context.Context first, with aws-lambda-go's errors for signatures it
// refuses.
func funcTakesContext(t reflect.Type) (bool, error) {
	ctxType := reflect.TypeFor[context.Context]()
	isContext := func(a reflect.Type) bool {
		return a.Kind() == reflect.Interface && ctxType.Implements(a) && a.Implements(ctxType)
	}
	switch t.NumIn() {
	case 0:
		return false, nil
	case 1:
		a := t.In(0)
		if a.Kind() != reflect.Interface || a.NumMethod() == 0 {
			return false, nil
		}
		if !isContext(a) {
			return false, fmt.Errorf("handler takes an interface, but it is not context.Context: %q", a.Name())
		}
		return true, nil
	case 2:
		if a := t.In(0); !isContext(a) {
			return false, fmt.Errorf("handler takes two arguments, but the first is not Context. got %s", a.Kind())
		}
		return true, nil
	}
	return false, fmt.Errorf("handlers may not take more than two arguments, but handler takes %d", t.NumIn())
}

// funcHandler calls a handler function through reflection.
type funcHandler struct {
	fn           reflect.Value
	t            reflect.Type
	takesContext bool
}

// Invoke decodes the event, calls the function and encodes its result.
func (h *funcHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	trace := handlertrace.FromContext(ctx)
	var args []reflect.Value
	if h.takesContext {
		args = append(args, reflect.ValueOf(ctx))
	}
	if n := h.t.NumIn(); n == 2 || n == 1 && !h.takesContext {
		event := reflect.New(h.t.In(n - 1))
		if err := json.NewDecoder(bytes.NewReader(payload)).Decode(event.Interface()); err != nil {
			return nil, err
		}
		if trace.RequestEvent != nil {
			trace.RequestEvent(ctx, event.Elem().Interface())
		}
		args = append(args, event.Elem())
	}
	out := h.fn.Call(args)
	if len(out) > 0 {
		if err, ok := out[len(out)-1].Interface().(error); ok && err != nil {
			return nil, err
		}
	}
	var val any
	if len(out) > 1 {
		val = out[0].Interface()
		if trace.ResponseEvent != nil {
			trace.ResponseEvent(ctx, val)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(val); err != nil {
		if r, ok := val.(io.Reader); ok {
			return readResponse(r)
		}
		return nil, err
	}
	// A reader that encodes as an object without exported fields is
	// streamed instead; one that encodes otherwise is not (aws-lambda-go's
	// back-compat rule).
	if r, ok := val.(io.Reader); ok && strings.HasPrefix(buf.String(), "{}") {
		return readResponse(r)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// readResponse reads a reader result, closing it when it is a Closer.
func readResponse(r io.Reader) ([]byte, error) {
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	// The error is the handler's error document as it stands, so it is
	// not wrapped (aws-lambda-go does not wrap it either).
	return io.ReadAll(r)
}
