package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// chunked hides a reader's length so the body is read as chunked.
type chunked struct{ io.Reader }

func TestBodyBudget(t *testing.T) {
	t.Parallel()
	b := newBodyReader(4<<20, 300*time.Millisecond)
	req := func(body io.Reader, n int64) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/", body)
		r.ContentLength = n
		return r
	}
	tests := []struct {
		name    string
		declare bool
	}{{"declared length", true}, {"chunked", false}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBodyReader(4<<20, 300*time.Millisecond)
			mk := func() *http.Request {
				data := bytes.Repeat([]byte("x"), 3<<20)
				if tc.declare {
					return req(bytes.NewReader(data), int64(len(data)))
				}
				return req(chunked{bytes.NewReader(data)}, -1)
			}
			first, release, err := b.read(httptest.NewRecorder(), mk(), 16<<20)
			if err != nil || len(first) != 3<<20 {
				t.Fatalf("first body: %d bytes, %v", len(first), err)
			}
			// The budget holds 4 MiB: a second 3 MiB body waits, then gives up.
			start := time.Now()
			_, rel2, err := b.read(httptest.NewRecorder(), mk(), 16<<20)
			if !errors.Is(err, errBodyBusy) {
				t.Fatalf("second body while the first is held: %v, want errBodyBusy", err)
			}
			rel2()
			if waited := time.Since(start); waited < 250*time.Millisecond {
				t.Fatalf("gave up after %v, want the body timeout", waited)
			}
			release()
			second, rel3, err := b.read(httptest.NewRecorder(), mk(), 16<<20)
			if err != nil || len(second) != 3<<20 {
				t.Fatalf("second body after release: %d bytes, %v", len(second), err)
			}
			rel3()
		})
	}
	// A body larger than the whole budget is too large, not a wait.
	_, _, err := b.read(httptest.NewRecorder(), req(bytes.NewReader(make([]byte, 5<<20)), 5<<20), 16<<20)
	var tl *errBodyTooLarge
	if !errors.As(err, &tl) || tl.limit != 4<<20 {
		t.Fatalf("body over the budget: %v", err)
	}
}

func TestBodyLimits(t *testing.T) {
	t.Parallel()
	b := newBodyReader(0, time.Second)
	tests := []struct {
		name    string
		size    int64
		declare bool
		limit   int64
		wantErr bool
	}{
		{"declared at limit", 1 << 20, true, 1 << 20, false},
		{"declared over limit", 1<<20 + 1, true, 1 << 20, true},
		{"chunked at limit", 1 << 20, false, 1 << 20, false},
		{"chunked over limit", 1<<20 + 1, false, 1 << 20, true},
		{"chunked small", 10, false, 1 << 20, false},
		{"empty", 0, true, 1 << 20, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := bytes.Repeat([]byte("y"), int(tc.size))
			var body io.Reader = bytes.NewReader(data)
			n := tc.size
			if !tc.declare {
				body, n = chunked{body}, -1
			}
			r := httptest.NewRequest(http.MethodPost, "/", body)
			r.ContentLength = n
			got, release, err := b.read(httptest.NewRecorder(), r, tc.limit)
			defer release()
			var tl *errBodyTooLarge
			if tc.wantErr != errors.As(err, &tl) {
				t.Fatalf("err %v, want too large %v", err, tc.wantErr)
			}
			if !tc.wantErr && !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes, want %d", len(got), len(data))
			}
		})
	}
}
