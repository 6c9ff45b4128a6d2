// Package clock is the emulator's injectable clock. Every timed behaviour
// (visibility timeouts, retries, retention, iterator expiry) reads time and
// schedules work through a *Clock so that tests can jump time forward and
// out-of-process users can speed it up.
//
// Virtual time is base + offset + realElapsed*scale: it starts at a chosen
// instant, moves with real time multiplied by the scale (0 freezes it), and
// jumps forward on Advance. Timers live on the virtual timeline and fire when
// virtual time reaches their deadline, whether it got there by Advance or by
// real time passing.
package clock

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// ErrNegativeAdvance is returned (wrapped) when asked to move time backwards.
var ErrNegativeAdvance = errors.New("clock: cannot advance by a negative duration")

// ErrInvalidScale is returned (wrapped) for a scale that is negative, NaN or
// infinite.
var ErrInvalidScale = errors.New("clock: invalid scale")

// ErrInvalidDuration is returned (wrapped) by ParseAdvance for text that is
// neither a Go duration nor a number of seconds.
var ErrInvalidDuration = errors.New("clock: invalid duration")

// Stopper is the handle of a pending real-time callback, as returned by
// time.AfterFunc.
type Stopper interface {
	Stop() bool
}

// RealAfterFunc schedules f to run once, in its own goroutine or at least not
// synchronously inside the call, after d of real time. time.AfterFunc is the
// default.
type RealAfterFunc func(d time.Duration, f func()) Stopper

// Option configures New.
type Option func(*config)

type config struct {
	start     time.Time
	hasStart  bool
	scale     float64
	realNow   func() time.Time
	afterFunc RealAfterFunc
}

// WithStart makes virtual time begin at t instead of the real now.
func WithStart(t time.Time) Option {
	return func(c *config) {
		c.start = t
		c.hasStart = true
	}
}

// WithScale sets the initial speed of virtual time against real time. A
// value SetScale would reject (negative, NaN, infinite) is ignored and the
// scale stays 1; call SetScale to validate user input.
func WithScale(s float64) Option {
	return func(c *config) {
		if validScale(s) == nil {
			c.scale = s
		}
	}
}

// WithRealTime replaces the source of real time, for testing the clock
// itself: now reports the real instant (differences between its results are
// taken as real elapsed time) and afterFunc waits for real time. A nil
// argument keeps the default (time.Now, time.AfterFunc).
func WithRealTime(now func() time.Time, afterFunc RealAfterFunc) Option {
	return func(c *config) {
		if now != nil {
			c.realNow = now
		}
		if afterFunc != nil {
			c.afterFunc = afterFunc
		}
	}
}

// Clock is a virtual clock. The zero value is not usable; call New. It is
// safe for concurrent use.
type Clock struct {
	realNow   func() time.Time
	afterFunc RealAfterFunc

	mu sync.Mutex
	// Virtual time at real instant r is virtAnchor + (r-realAnchor)*scale.
	realAnchor time.Time
	virtAnchor time.Time
	scale      float64

	timers timerHeap
	seq    uint64

	// The single real-time wake-up for the earliest pending deadline.
	wake     Stopper
	wakeGen  uint64
	armed    bool
	armedFor time.Time
	closed   bool

	// AfterFunc callbacks currently running, for Settle.
	running int
	idle    chan struct{}

	// observer, when set, is told of every Advance and SetScale.
	observer func(Snapshot)
}

// Snapshot is the clock's state at one instant, for the admin API.
type Snapshot struct {
	Now   time.Time `json:"now"`
	Scale float64   `json:"scale"`
}

// New returns a clock running at real speed from the real now, unless the
// options say otherwise.
func New(opts ...Option) *Clock {
	cfg := config{
		scale:   1,
		realNow: time.Now,
		afterFunc: func(d time.Duration, f func()) Stopper {
			return time.AfterFunc(d, f)
		},
	}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	rt := cfg.realNow()
	start := rt
	if cfg.hasStart {
		start = cfg.start
	}
	return &Clock{
		realNow:    cfg.realNow,
		afterFunc:  cfg.afterFunc,
		realAnchor: rt,
		virtAnchor: start.Round(0), // no monotonic reading: virtual times compare by wall value
		scale:      cfg.scale,
	}
}

// Now returns the current virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

// Since returns the virtual time elapsed since t.
func (c *Clock) Since(t time.Time) time.Duration {
	return c.Now().Sub(t)
}

// Until returns the virtual duration until t.
func (c *Clock) Until(t time.Time) time.Duration {
	return t.Sub(c.Now())
}

// Scale returns the current speed of virtual time against real time.
func (c *Clock) Scale() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scale
}

// Snapshot returns the current virtual time and scale, read together.
func (c *Clock) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Snapshot{Now: c.nowLocked(), Scale: c.scale}
}

// Advance jumps virtual time forward by d and fires, in deadline order, every
// timer that becomes due. AfterFunc callbacks run in their own goroutines;
// use Settle to wait for them. A negative d is refused.
func (c *Clock) Advance(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("advance by %v: %w", d, ErrNegativeAdvance)
	}
	c.mu.Lock()
	now := c.reanchorLocked().Add(d)
	c.virtAnchor = now
	c.fireDueLocked(now)
	c.rearmLocked(now, true)
	c.mu.Unlock()
	c.observe()
	return nil
}

// SetObserver sets f to be called (outside the clock's lock) after every
// Advance, SetScale and Restore, with the clock's new time and scale: the
// emulator keeps them in its data dir.
func (c *Clock) SetObserver(f func(Snapshot)) {
	c.mu.Lock()
	c.observer = f
	c.mu.Unlock()
}

// observe tells the observer of a change.
func (c *Clock) observe() {
	c.mu.Lock()
	f := c.observer
	var snap Snapshot
	if f != nil {
		snap = Snapshot{Now: c.nowLocked(), Scale: c.scale}
	}
	c.mu.Unlock()
	if f != nil {
		f(snap)
	}
}

// Restore sets the virtual time and scale to a kept state (after a
// restart), firing timers that fall due. Unlike Advance it may move time
// back: call it before anything relies on the clock.
func (c *Clock) Restore(now time.Time, scale float64) error {
	if err := validScale(scale); err != nil {
		return fmt.Errorf("restore scale %v: %w", scale, err)
	}
	c.mu.Lock()
	c.realAnchor = c.realNow()
	c.virtAnchor = now.Round(0)
	c.scale = scale
	c.fireDueLocked(c.virtAnchor)
	c.rearmLocked(c.virtAnchor, true)
	c.mu.Unlock()
	c.observe()
	return nil
}

// SetScale changes the speed of virtual time against real time without a
// jump in Now: 1 is real time, 60 makes a virtual minute last a real second,
// 0 freezes time so that only Advance moves it. Pending timers are
// re-planned for the new speed.
func (c *Clock) SetScale(s float64) error {
	if err := validScale(s); err != nil {
		return fmt.Errorf("set scale %v: %w", s, err)
	}
	c.mu.Lock()
	now := c.reanchorLocked()
	c.scale = s
	c.fireDueLocked(now)
	c.rearmLocked(now, true)
	c.mu.Unlock()
	c.observe()
	return nil
}

// Close stops the clock's real-time machinery: pending timers no longer fire
// as real time passes, though Advance still fires them and Now keeps
// working. Close is idempotent.
func (c *Clock) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.stopWakeLocked()
	return nil
}

// Settle waits until no AfterFunc callback started by the clock is running,
// or ctx is done. Tests call it after Advance to observe the callbacks'
// effects.
func (c *Clock) Settle(ctx context.Context) error {
	c.mu.Lock()
	if c.running == 0 {
		c.mu.Unlock()
		return nil
	}
	idle := c.idle
	c.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for clock callbacks: %w", ctx.Err())
	}
}

// Sleep blocks until virtual time has advanced by d or ctx is done, in which
// case it returns ctx.Err().
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil || d <= 0 {
		return err
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func validScale(s float64) error {
	if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return ErrInvalidScale
	}
	return nil
}

// virtualAtLocked maps a real instant onto the virtual timeline.
func (c *Clock) virtualAtLocked(rt time.Time) time.Time {
	elapsed := rt.Sub(c.realAnchor)
	if elapsed <= 0 || c.scale == 0 {
		return c.virtAnchor
	}
	if c.scale == 1 {
		return c.virtAnchor.Add(elapsed)
	}
	return c.virtAnchor.Add(clampDuration(float64(elapsed) * c.scale))
}

func (c *Clock) nowLocked() time.Time {
	return c.virtualAtLocked(c.realNow())
}

// reanchorLocked moves the anchors to the real now and returns virtual now.
func (c *Clock) reanchorLocked() time.Time {
	rt := c.realNow()
	now := c.virtualAtLocked(rt)
	if rt.After(c.realAnchor) {
		c.realAnchor = rt
	}
	c.virtAnchor = now
	return now
}

// fireDueLocked fires, in deadline order, every timer due at now.
func (c *Clock) fireDueLocked(now time.Time) {
	for len(c.timers) > 0 && !c.timers[0].deadline.After(now) {
		t := c.timers.popMin()
		t.fireLocked()
	}
}

// rearmLocked plans the real-time wake-up for the earliest pending deadline.
// Unless force is set, a wake-up already planned for that deadline is kept.
func (c *Clock) rearmLocked(now time.Time, force bool) {
	if c.closed || c.scale == 0 || len(c.timers) == 0 {
		c.stopWakeLocked()
		return
	}
	next := c.timers[0].deadline
	if c.armed && !force && c.armedFor.Equal(next) {
		return
	}
	c.stopWakeLocked()
	delay := realDelay(next.Sub(now), c.scale)
	c.wakeGen++
	gen := c.wakeGen
	c.wake = c.afterFunc(delay, func() { c.onWake(gen) })
	c.armed = true
	c.armedFor = next
}

func (c *Clock) stopWakeLocked() {
	if c.wake != nil {
		c.wake.Stop()
		c.wake = nil
	}
	c.armed = false
	c.wakeGen++ // a wake-up already on its way becomes a no-op
}

func (c *Clock) onWake(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.wakeGen {
		return
	}
	c.wake = nil
	c.armed = false
	now := c.nowLocked()
	c.fireDueLocked(now)
	c.rearmLocked(now, true)
}

// startCallbackLocked runs f in its own goroutine, tracked for Settle.
func (c *Clock) startCallbackLocked(f func()) {
	c.running++
	if c.running == 1 {
		c.idle = make(chan struct{})
	}
	go func() {
		defer c.callbackDone()
		f()
	}()
}

func (c *Clock) callbackDone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running--
	if c.running == 0 {
		close(c.idle)
	}
}

// realDelay is the real time it takes virtual time to cover remaining at
// scale s (> 0), rounded up so that the wake-up is never early in theory.
func realDelay(remaining time.Duration, s float64) time.Duration {
	if remaining <= 0 {
		return 0
	}
	if s == 1 {
		return remaining
	}
	return max(clampDuration(math.Ceil(float64(remaining)/s)), 1)
}

func clampDuration(ns float64) time.Duration {
	switch {
	case ns >= math.MaxInt64:
		return math.MaxInt64
	case ns <= 0:
		return 0
	}
	return time.Duration(ns)
}
