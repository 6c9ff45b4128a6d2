package main

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// releaseIdleAfter is how long after start-up the binary's start-up pages
// are released when no request has come.
const releaseIdleAfter = 2 * time.Second

// startupRelease releases the pages start-up touched (releaseStartupPages)
// once, in the background, after the server's first answer or
// releaseIdleAfter, whichever comes first. Doing it before the ready line
// would put the release (0.2-0.4 ms) and the first request's page faults
// on the start-up time.
type startupRelease struct {
	next http.Handler
	log  *slog.Logger
	// done is set by the first release call; the others do nothing.
	done  atomic.Bool
	timer *time.Timer
}

// newStartupRelease wraps next; the idle timer starts now.
func newStartupRelease(next http.Handler, log *slog.Logger) *startupRelease {
	s := &startupRelease{next: next, log: log}
	s.timer = time.AfterFunc(releaseIdleAfter, s.release)
	return s
}

// ServeHTTP serves the request, then starts the release if it is the
// first answer.
func (s *startupRelease) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.next.ServeHTTP(w, r)
	if !s.done.Load() {
		go s.release()
	}
}

// release runs releaseStartupPages once.
func (s *startupRelease) release() {
	if !s.done.CompareAndSwap(false, true) {
		return
	}
	s.timer.Stop()
	n, err := releaseStartupPages()
	if err != nil {
		s.log.Debug("start-up pages", "error", err)
		return
	}
	s.log.Debug("start-up pages released", "bytes", n)
}

// stop stops the idle timer.
func (s *startupRelease) stop() { s.timer.Stop() }
