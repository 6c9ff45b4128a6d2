package eventbridge

// Connection states on the virtual clock, as AWS reports them (LocalStack's
// AWS recordings in tests/aws/services/events/
// test_api_destinations_and_connection.snapshot.json):
//
//   - CreateConnection and UpdateConnection answer AUTHORIZED at once for
//     BASIC and API_KEY; for OAUTH_CLIENT_CREDENTIALS they answer
//     AUTHORIZING, and connectionStepDelay later the token request to the
//     authorization endpoint makes the connection AUTHORIZED, or
//     DEAUTHORIZED with a StateReason when it fails.
//   - DeauthorizeConnection answers DEAUTHORIZING; DEAUTHORIZED follows.
//   - DeleteConnection answers DELETING; the connection is gone a step later.
//
// An API destination is ACTIVE while its connection is AUTHORIZED and
// INACTIVE otherwise (the same recordings: an OAuth connection still
// AUTHORIZING gives an INACTIVE destination). Invoking it then fails
// without an HTTP request. A BASIC or API_KEY connection whose endpoint
// answers 401 or 407 becomes DEAUTHORIZED, an OAuth connection whose token
// cannot be refreshed too (AWS's "De-authorizing connections" guide).

import (
	"context"
	"fmt"
	"time"
)

// connectionStepDelay is the virtual time a connection spends in a
// transitional state (AUTHORIZING, DEAUTHORIZING, DELETING).
// unverified: AWS takes a few seconds; the emulator's step is one second.
const connectionStepDelay = time.Second

// connectionStateTransitional reports whether st is a state that a later
// step leaves on its own.
func connectionStateTransitional(st ConnectionState) bool {
	switch st {
	case ConnectionStateCreating, ConnectionStateUpdating, ConnectionStateAuthorizing,
		ConnectionStateDeauthorizing, ConnectionStateDeleting:
		return true
	}
	return false
}

// apiDestinationStateLocked is ACTIVE while d's connection is AUTHORIZED
// and INACTIVE otherwise (s.mu held).
func (s *Service) apiDestinationStateLocked(d *apiDestination) ApiDestinationState {
	if c := s.connectionByARN(d.connectionArn); c != nil && c.state == ConnectionStateAuthorized {
		return ApiDestinationStateActive
	}
	return ApiDestinationStateInactive
}

// afterConnectionStep runs f connectionStepDelay later on the virtual clock
// (at once, in its own goroutine, without a clock).
func (s *Service) afterConnectionStep(f func()) {
	if s.env.Clock == nil {
		go f()
		return
	}
	s.env.Clock.AfterFunc(connectionStepDelay, f)
}

// beginConnectionStepLocked starts a new step of c (s.mu held for
// writing): it bumps c.gen, so that the pending step of an earlier call
// does nothing, and returns the new generation.
func (c *connection) beginConnectionStepLocked() uint64 {
	c.gen++
	return c.gen
}

// scheduleAuthorizationLocked makes c AUTHORIZED or DEAUTHORIZED a step
// later by requesting an OAuth token (s.mu held for writing, c.state
// already AUTHORIZING).
func (s *Service) scheduleAuthorizationLocked(c *connection) {
	gen := c.beginConnectionStepLocked()
	s.afterConnectionStep(func() { s.authorizeConnection(c, gen) })
}

// authorizeConnection requests c's OAuth token if c is still in the step
// gen.
func (s *Service) authorizeConnection(c *connection, gen uint64) {
	s.mu.RLock()
	if c.gen != gen || c.state != ConnectionStateAuthorizing {
		s.mu.RUnlock()
		return
	}
	cp := *c
	s.mu.RUnlock()
	p := s.plane()
	ctx, cancel := context.WithTimeout(context.Background(), apiDestinationTimeout)
	defer cancel()
	_, _ = p.fetchToken(ctx, &cp, c, gen)
}

// setConnectionStateIf changes c's state when c is still in the step gen
// (takes s.mu); AUTHORIZED records LastAuthorizedTime.
func (s *Service) setConnectionStateIf(c *connection, gen uint64, state ConnectionState, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.gen != gen {
		return
	}
	c.state, c.stateReason = state, reason
	c.modified = s.now()
	if state == ConnectionStateAuthorized {
		c.lastAuthorized = c.modified
	}
	if s.connections[c.name] == c {
		s.saveConnectionLocked(c)
	}
}

// scheduleDeauthorizationLocked makes a DEAUTHORIZING c DEAUTHORIZED a
// step later (s.mu held for writing).
func (s *Service) scheduleDeauthorizationLocked(c *connection) {
	gen := c.beginConnectionStepLocked()
	s.afterConnectionStep(func() {
		s.setConnectionStateIf(c, gen, ConnectionStateDeauthorized, "")
	})
}

// scheduleDeletionLocked removes a DELETING c a step later (s.mu held for
// writing).
func (s *Service) scheduleDeletionLocked(c *connection) {
	gen := c.beginConnectionStepLocked()
	s.afterConnectionStep(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if c.gen == gen && s.connections[c.name] == c {
			delete(s.connections, c.name)
			s.del(keyConn + c.name)
		}
	})
}

// forgetToken drops the cached OAuth token of connection arn. It takes
// the data plane's lock, which may be taken with s.mu held (never the
// other way round).
func (s *Service) forgetToken(arn string) {
	p := s.plane()
	p.mu.Lock()
	delete(p.tokens, arn)
	p.mu.Unlock()
}

// dropTokenLocked is forgetToken for a caller holding s.mu.
func (s *Service) dropTokenLocked(arn string) { s.forgetToken(arn) }

// errConnectionNotAuthorized is the delivery failure of an API destination
// whose connection is not AUTHORIZED: retried while the connection is on
// its way to a state, final once it is DEAUTHORIZED.
// unverified: AWS's ERROR_CODE and message for an INACTIVE destination.
func errConnectionNotAuthorized(c *connection) error {
	err := fmt.Errorf("the connection %s of the API destination is %s, not AUTHORIZED", c.name, c.state)
	if connectionStateTransitional(c.state) && c.state != ConnectionStateDeauthorizing && c.state != ConnectionStateDeleting {
		return &targetError{code: codeInternal, retriable: true, err: err}
	}
	return &targetError{code: codeNoPermissions, err: err}
}
