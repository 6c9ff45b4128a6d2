//go:build !evolvestack_slim

package lambda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/handlertrace"
)

type order struct {
	ID    string  `json:"id"`
	Price float64 `json:"price"`
	Note  string  `json:"note,omitempty"`
}

// chanReader is an io.Reader that encoding/json cannot encode.
type chanReader struct {
	C chan int
	r io.Reader
}

func (c *chanReader) Read(p []byte) (int, error) { return c.r.Read(p) }

// namedReader encodes as a non-empty object, so it is not streamed.
type namedReader struct {
	Name string
	*strings.Reader
}

// closingReader records that it was closed.
type closingReader struct {
	*strings.Reader
	closed *bool
}

func (c closingReader) Close() error { *c.closed = true; return nil }

// TestFuncHandlerMatchesAWSLambdaGo runs handler functions through
// newFuncHandler and through aws-lambda-go's lambda.NewHandler, which it
// reimplements, and wants the same responses, errors and trace calls.
func TestFuncHandlerMatchesAWSLambdaGo(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		handler func() any // fresh per wrapper: some results are readers
		payload string
	}{
		{name: "no arguments, no results", handler: func() any { return func() {} }, payload: `{}`},
		{name: "error only, nil", handler: func() any { return func() error { return nil } }, payload: `{}`},
		{name: "error only", handler: func() any { return func() error { return errBoom } }, payload: `{}`},
		{name: "context only", handler: func() any { return func(ctx context.Context) (string, error) { return "ok", ctx.Err() } }, payload: `"x"`},
		{name: "event and result", handler: func() any {
			return func(ev order) (order, error) { ev.Price *= 2; ev.Note = "<a&b>"; return ev, nil }
		}, payload: `{"id":"o-1","price":1.5,"extra":true}`},
		{name: "context, event, pointer result", handler: func() any {
			return func(_ context.Context, ev *order) (*order, error) { return ev, nil }
		}, payload: `{"id":"o-2"}`},
		{name: "nil pointer result", handler: func() any { return func(context.Context, order) (*order, error) { return nil, nil } }, payload: `{}`},
		{name: "map event", handler: func() any {
			return func(ev map[string]any) (map[string]any, error) { return ev, nil }
		}, payload: `{"n":12345678901234567890,"s":"\u003c"}`},
		{name: "empty interface event", handler: func() any { return func(ev any) (any, error) { return ev, nil } }, payload: `[1,"two",null]`},
		{name: "result and error", handler: func() any { return func(order) (order, error) { return order{ID: "x"}, errBoom } }, payload: `{}`},
		{name: "invalid JSON payload", handler: func() any { return func(order) error { return nil } }, payload: `{"id":`},
		{name: "wrong JSON type", handler: func() any { return func(order) error { return nil } }, payload: `{"price":"high"}`},
		{name: "empty payload", handler: func() any { return func(order) error { return nil } }, payload: ``},
		{name: "no event argument ignores the payload", handler: func() any { return func() (int, error) { return 7, nil } }, payload: `not json`},
		{name: "reader result is streamed", handler: func() any {
			return func() (io.Reader, error) { return strings.NewReader("raw <bytes>\n"), nil }
		}, payload: `{}`},
		{name: "buffer result is streamed", handler: func() any {
			return func() (*bytes.Buffer, error) { return bytes.NewBufferString("buffered"), nil }
		}, payload: `{}`},
		{name: "unencodable reader is streamed", handler: func() any {
			return func() (io.Reader, error) { return &chanReader{C: make(chan int), r: strings.NewReader("chan")}, nil }
		}, payload: `{}`},
		{name: "reader with fields is encoded", handler: func() any {
			return func() (io.Reader, error) { return namedReader{Name: "n", Reader: strings.NewReader("unused")}, nil }
		}, payload: `{}`},
		{name: "unencodable result", handler: func() any { return func() (chan int, error) { return make(chan int), nil } }, payload: `{}`},
		{name: "interface argument that is not a context", handler: func() any { return func(fmt.Stringer) error { return nil } }, payload: `{}`},
		{name: "two arguments, first not a context", handler: func() any { return func(string, order) error { return nil } }, payload: `{}`},
		{name: "three arguments", handler: func() any { return func(context.Context, order, order) error { return nil } }, payload: `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			type result struct {
				resp     string
				err      string
				errType  string
				requests []string
				answers  []string
			}
			run := func(h Handler) result {
				var r result
				ctx := handlertrace.NewContext(context.Background(), handlertrace.HandlerTrace{
					RequestEvent:  func(_ context.Context, ev any) { r.requests = append(r.requests, fmt.Sprintf("%T %v", ev, ev)) },
					ResponseEvent: func(_ context.Context, v any) { r.answers = append(r.answers, fmt.Sprintf("%T", v)) },
				})
				resp, err := h.Invoke(ctx, []byte(tc.payload))
				r.resp = string(resp)
				if err != nil {
					r.err, r.errType = err.Error(), fmt.Sprintf("%T", err)
				}
				return r
			}
			ours, err := newFuncHandler(tc.handler())
			if err != nil {
				t.Fatal(err)
			}
			got, want := run(ours), run(awslambda.NewHandler(tc.handler()))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("newFuncHandler: %+v\naws-lambda-go:  %+v", got, want)
			}
		})
	}
}

// TestFuncHandlerClosesReaders checks that a streamed reader result is
// closed once read, as aws-lambda-go closes it.
func TestFuncHandlerClosesReaders(t *testing.T) {
	t.Parallel()
	closed := false
	h, err := newFuncHandler(func() (io.Reader, error) {
		return closingReader{Reader: strings.NewReader("body"), closed: &closed}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.Invoke(context.Background(), []byte(`{}`))
	if err != nil || string(resp) != "body" || !closed {
		t.Errorf("Invoke = %q, %v; closed %v", resp, err, closed)
	}
}
