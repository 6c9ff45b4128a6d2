//go:build !evolvestack_slim

// The in-process helpers for Go tests and SDK clients; the slim build (the
// container image's binary) leaves them out, with their imports.

package emulator

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/evolvestack/evolvestack/handlers/httpserver"
)

// Start starts an emulator on a free loopback port for the duration of t:
// it stops (in-flight requests finish, background work ends) when t's
// cleanup runs. Many may run in one process without interfering.
func Start(t testing.TB, opts ...Option) *Emulator {
	t.Helper()
	e, err := New(opts...)
	if err != nil {
		t.Fatalf("evolvestack: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("evolvestack: listen: %v", err)
	}
	// Requests see a context that ends with the test, so long polls and
	// streams return promptly at cleanup.
	base, stop := context.WithCancel(context.Background())
	srv := httpserver.New(e.Handler(), httpserver.Config{
		BaseContext: base,
		Protocols:   ServerProtocols(),
		Logger:      e.log,
	})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	e.SetEndpoint("http://" + ln.Addr().String())
	t.Cleanup(func() {
		stop()
		// Stop background work first: Lambda handler processes hold
		// long-polling Runtime API requests open until they go away.
		_ = e.Close()
		// Shutdown waits up to 5 s for connections a client opened but never
		// used; a test has no use for that wait.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("evolvestack: serve: %v", err)
		}
	})
	return e
}

// AWSConfig returns an aws.Config that any aws-sdk-go-v2 client accepts as
// is: e's endpoint, the default region, and static credentials whose access
// key is the default account id.
func (e *Emulator) AWSConfig() aws.Config {
	return aws.Config{
		Region:       e.opts.region,
		Credentials:  credentials.NewStaticCredentialsProvider(e.opts.account, "evolvestack", ""),
		BaseEndpoint: aws.String(e.Endpoint()),
	}
}
