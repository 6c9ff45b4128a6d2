package clock

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestAdvanceFiresDueTimersInOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		deadlines []time.Duration
		advance   []time.Duration
		wantFired []time.Duration // in firing order
	}{
		{
			name:      "some due",
			deadlines: []time.Duration{30 * time.Second, 10 * time.Second, 50 * time.Second, 20 * time.Second},
			advance:   []time.Duration{25 * time.Second},
			wantFired: []time.Duration{10 * time.Second, 20 * time.Second},
		},
		{
			name:      "exactly at deadline",
			deadlines: []time.Duration{time.Minute, time.Minute + time.Nanosecond},
			advance:   []time.Duration{time.Minute},
			wantFired: []time.Duration{time.Minute},
		},
		{
			name:      "none due",
			deadlines: []time.Duration{time.Hour},
			advance:   []time.Duration{time.Hour - time.Nanosecond},
		},
		{
			name:      "hours apart over steps",
			deadlines: []time.Duration{6 * time.Hour, time.Hour, 3 * time.Hour},
			advance:   []time.Duration{2 * time.Hour, 2 * time.Hour, 2 * time.Hour},
			wantFired: []time.Duration{time.Hour, 3 * time.Hour, 6 * time.Hour},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newFake(t, 0)
			// All timers share one channel so the firing order is visible.
			shared := make(chan time.Time, len(tt.deadlines))
			for _, d := range tt.deadlines {
				tm := &Timer{c: shared, C: shared, clk: c, index: -1}
				c.start(tm, d)
			}
			for _, d := range tt.advance {
				if err := c.Advance(d); err != nil {
					t.Fatal(err)
				}
			}
			close(shared)
			var got []time.Duration
			for v := range shared {
				got = append(got, v.Sub(testStart()))
			}
			if len(got) != len(tt.wantFired) {
				t.Fatalf("fired %v, want %v", got, tt.wantFired)
			}
			for i := range got {
				if got[i] != tt.wantFired[i] {
					t.Fatalf("fired %v, want %v", got, tt.wantFired)
				}
			}
			if n := c.pendingTimers(); n != len(tt.deadlines)-len(tt.wantFired) {
				t.Fatalf("pending = %d, want %d", n, len(tt.deadlines)-len(tt.wantFired))
			}
		})
	}
}

func TestNewTimerDeliversDeadline(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, 0)
	tm := c.NewTimer(45 * time.Second)
	if err := c.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	v, ok := fired(tm.C)
	if !ok || !v.Equal(testStart().Add(45*time.Second)) {
		t.Fatalf("C = %v, %v; want the deadline", v, ok)
	}
	if _, ok := fired(tm.C); ok {
		t.Fatal("second value on C")
	}
	for _, d := range []time.Duration{0, -time.Second} {
		tm := c.NewTimer(d)
		v, ok := fired(tm.C)
		if !ok || !v.Equal(c.Now()) {
			t.Fatalf("NewTimer(%v): C = %v, %v; want immediate Now", d, v, ok)
		}
	}
}

func TestFrozenClock(t *testing.T) {
	t.Parallel()
	c, r := newFake(t, 0)
	tm := c.NewTimer(time.Second)
	if n := r.Pending(); n != 0 {
		t.Fatalf("frozen clock armed %d real wake-ups", n)
	}
	r.Advance(24 * time.Hour)
	if _, ok := fired(tm.C); ok {
		t.Fatal("timer fired on a frozen clock without Advance")
	}
	if !c.Now().Equal(testStart()) {
		t.Fatalf("frozen Now moved to %v", c.Now())
	}
	if err := c.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	if _, ok := fired(tm.C); !ok {
		t.Fatal("Advance did not fire the timer on a frozen clock")
	}
}

func TestRealTimeFiring(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		scale    float64
		d        time.Duration
		realWait time.Duration // the timer must not fire before this much real time
	}{
		{"real speed", 1, 10 * time.Second, 10 * time.Second},
		{"scale 60", 60, time.Minute, time.Second},
		{"scale 1000", 1000, 100 * time.Millisecond, 100 * time.Microsecond},
		{"slow", 0.5, time.Second, 2 * time.Second},
		{"odd scale", 3, 10 * time.Second, 3333333334 * time.Nanosecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, r := newFake(t, tt.scale)
			tm := c.NewTimer(tt.d)
			r.Advance(tt.realWait - time.Nanosecond)
			if _, ok := fired(tm.C); ok {
				t.Fatalf("fired %v early", time.Nanosecond)
			}
			r.Advance(time.Nanosecond)
			v, ok := fired(tm.C)
			if !ok {
				t.Fatal("did not fire on time")
			}
			if !v.Equal(testStart().Add(tt.d)) {
				t.Fatalf("C = %v, want deadline", v)
			}
			if n := r.Pending(); n != 0 {
				t.Fatalf("%d real wake-ups left after the last timer fired", n)
			}
		})
	}
}

// TestRealTimeFiringWallClock uses the real time source: 20 s of virtual
// time at scale 1000 takes 20 ms.
func TestRealTimeFiringWallClock(t *testing.T) {
	t.Parallel()
	c := New(WithScale(1000))
	defer c.Close()
	start := time.Now()
	tm := c.NewTimer(20 * time.Second)
	deadline := c.Now().Add(20 * time.Second)
	select {
	case v := <-tm.C:
		if el := time.Since(start); el < 19*time.Millisecond {
			t.Fatalf("fired after %v real, want >= 20ms", el)
		}
		if v.After(deadline) || v.Before(deadline.Add(-time.Second)) {
			t.Fatalf("C = %v, want about %v", v, deadline)
		}
		if c.Now().Before(v) {
			t.Fatalf("Now %v before the fired deadline %v", c.Now(), v)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("timer did not fire")
	}

	// Speeding up re-plans a pending timer: an hour at scale 1e6 is 3.6 ms.
	slow := c.NewTimer(time.Hour)
	if err := c.SetScale(1e6); err != nil {
		t.Fatal(err)
	}
	select {
	case <-slow.C:
	case <-time.After(3 * time.Second):
		t.Fatal("SetScale did not re-plan the pending timer")
	}
}

func TestSetScaleReplansTimers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		scale     float64
		d         time.Duration
		realFirst time.Duration // real time before the change
		newScale  float64
		realAfter time.Duration // real time after the change until it fires; 0: never
	}{
		{"speed up", 1, time.Minute, 10 * time.Second, 10, 5 * time.Second},
		{"slow down", 60, time.Hour, 30 * time.Second, 1, 30 * time.Minute},
		{"unfreeze", 0, time.Minute, time.Hour, 2, 30 * time.Second},
		{"freeze", 1, time.Minute, 59 * time.Second, 0, 0},
		{"same scale", 5, time.Minute, 2 * time.Second, 5, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, r := newFake(t, tt.scale)
			tm := c.NewTimer(tt.d)
			r.Advance(tt.realFirst)
			if _, ok := fired(tm.C); ok {
				t.Fatal("fired before the change")
			}
			if err := c.SetScale(tt.newScale); err != nil {
				t.Fatal(err)
			}
			if tt.realAfter == 0 {
				if n := r.Pending(); n != 0 {
					t.Fatalf("%d real wake-ups armed on a frozen clock", n)
				}
				r.Advance(1000 * time.Hour)
				if _, ok := fired(tm.C); ok {
					t.Fatal("fired on a frozen clock")
				}
				return
			}
			r.Advance(tt.realAfter - time.Millisecond)
			if _, ok := fired(tm.C); ok {
				t.Fatal("fired early after the change")
			}
			r.Advance(time.Millisecond)
			if _, ok := fired(tm.C); !ok {
				t.Fatal("did not fire on the new plan")
			}
		})
	}
}

func TestStopResetSemantics(t *testing.T) {
	t.Parallel()
	// Expectations mirror time.Timer as of Go 1.23.
	tests := []struct {
		name string
		run  func(t *testing.T, c *Clock)
	}{
		{"stop pending", func(t *testing.T, c *Clock) {
			tm := c.NewTimer(time.Minute)
			if !tm.Stop() {
				t.Fatal("Stop of a pending timer = false")
			}
			mustAdvance(t, c, time.Hour)
			if _, ok := fired(tm.C); ok {
				t.Fatal("stopped timer fired")
			}
		}},
		{"stop twice", func(t *testing.T, c *Clock) {
			tm := c.NewTimer(time.Minute)
			tm.Stop()
			if tm.Stop() {
				t.Fatal("second Stop = true")
			}
		}},
		{"stop after fire, unreceived", func(t *testing.T, c *Clock) {
			tm := c.NewTimer(time.Minute)
			mustAdvance(t, c, time.Minute)
			if !tm.Stop() {
				t.Fatal("Stop with an unreceived value = false")
			}
			if _, ok := fired(tm.C); ok {
				t.Fatal("stale value received after Stop")
			}
		}},
		{"stop after receive", func(t *testing.T, c *Clock) {
			tm := c.NewTimer(time.Minute)
			mustAdvance(t, c, time.Minute)
			<-tm.C
			if tm.Stop() {
				t.Fatal("Stop after receive = true")
			}
		}},
		{"reset pending", func(t *testing.T, c *Clock) {
			tm := c.NewTimer(time.Minute)
			if !tm.Reset(time.Hour) {
				t.Fatal("Reset of a pending timer = false")
			}
			mustAdvance(t, c, 59*time.Minute)
			if _, ok := fired(tm.C); ok {
				t.Fatal("fired at the old deadline")
			}
			mustAdvance(t, c, time.Minute)
			v, ok := fired(tm.C)
			if !ok || !v.Equal(testStart().Add(time.Hour)) {
				t.Fatalf("C = %v, %v; want the new deadline", v, ok)
			}
		}},
		{"reset after fire, unreceived", func(t *testing.T, c *Clock) {
			tm := c.NewTimer(time.Minute)
			mustAdvance(t, c, time.Minute)
			if !tm.Reset(time.Minute) {
				t.Fatal("Reset with an unreceived value = false")
			}
			if _, ok := fired(tm.C); ok {
				t.Fatal("stale value received after Reset")
			}
			mustAdvance(t, c, time.Minute)
			v, ok := fired(tm.C)
			if !ok || !v.Equal(testStart().Add(2*time.Minute)) {
				t.Fatalf("C = %v, %v; want the new deadline", v, ok)
			}
		}},
		{"reset after receive", func(t *testing.T, c *Clock) {
			tm := c.NewTimer(time.Minute)
			mustAdvance(t, c, time.Minute)
			<-tm.C
			if tm.Reset(time.Second) {
				t.Fatal("Reset after receive = true")
			}
			mustAdvance(t, c, time.Second)
			if _, ok := fired(tm.C); !ok {
				t.Fatal("reset timer did not fire again")
			}
		}},
		{"reset stopped", func(t *testing.T, c *Clock) {
			tm := c.NewTimer(time.Minute)
			tm.Stop()
			if tm.Reset(time.Second) {
				t.Fatal("Reset of a stopped timer = true")
			}
			mustAdvance(t, c, time.Second)
			if _, ok := fired(tm.C); !ok {
				t.Fatal("reset timer did not fire")
			}
		}},
		{"zero timer", func(t *testing.T, _ *Clock) {
			var tm Timer
			if tm.Stop() || tm.Reset(time.Second) {
				t.Fatal("zero Timer reported active")
			}
			var nilTimer *Timer
			if nilTimer.Stop() || nilTimer.Reset(time.Second) {
				t.Fatal("nil Timer reported active")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, r := newFake(t, 1)
			tt.run(t, c)
			// Nothing is left behind once no timer is pending.
			if c.pendingTimers() == 0 && r.Pending() != 0 {
				t.Fatalf("%d real wake-ups armed with no pending timer", r.Pending())
			}
		})
	}
}

func TestAfterFunc(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		run   func(c *Clock, tm *Timer) // after creating a 1-minute AfterFunc
		runs  int32
		after time.Duration // Advance after run
	}{
		{"fires on advance", func(*Clock, *Timer) {}, 1, time.Minute},
		{"not yet due", func(*Clock, *Timer) {}, 0, time.Minute - time.Nanosecond},
		{"stopped", func(_ *Clock, tm *Timer) { tm.Stop() }, 0, time.Hour},
		{"reset later", func(_ *Clock, tm *Timer) { tm.Reset(2 * time.Minute) }, 0, 90 * time.Second},
		{"fires once", func(*Clock, *Timer) {}, 1, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newFake(t, 0)
			var runs atomic.Int32
			var sawNow atomic.Value
			tm := c.AfterFunc(time.Minute, func() {
				runs.Add(1)
				sawNow.Store(c.Now())
			})
			tt.run(c, tm)
			mustAdvance(t, c, tt.after)
			settle(t, c)
			if got := runs.Load(); got != tt.runs {
				t.Fatalf("f ran %d times, want %d", got, tt.runs)
			}
			if tt.runs > 0 {
				if now, _ := sawNow.Load().(time.Time); now.Before(testStart().Add(time.Minute)) {
					t.Fatalf("f saw Now %v before its deadline", now)
				}
				if tm.Stop() {
					t.Fatal("Stop after f started = true")
				}
			}
		})
	}
}

func TestAfterFuncRearm(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, 0)
	var runs atomic.Int32
	tm := c.AfterFunc(time.Minute, func() { runs.Add(1) })
	mustAdvance(t, c, time.Minute)
	settle(t, c)
	if tm.Reset(time.Minute) {
		t.Fatal("Reset after f ran = true")
	}
	mustAdvance(t, c, time.Minute)
	settle(t, c)
	if got := runs.Load(); got != 2 {
		t.Fatalf("f ran %d times, want 2", got)
	}
	// A nil f is accepted and does nothing.
	c.AfterFunc(0, nil)
	settle(t, c)
}

func TestAfterFuncOwnGoroutine(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, 0)
	release := make(chan struct{})
	done := make(chan struct{})
	c.AfterFunc(time.Second, func() { <-release })
	c.AfterFunc(2*time.Second, func() { close(done) })
	// Advance must not wait for a blocked callback, nor should the blocked
	// one hold up the next.
	mustAdvance(t, c, time.Minute)
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("second callback held up by the first")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := c.Settle(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Settle with a blocked callback = %v, want deadline exceeded", err)
	}
	close(release)
	settle(t, c)
}

func TestSleep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		d       time.Duration
		cancel  bool // cancel instead of advancing
		precan  bool // context already cancelled
		wantErr error
	}{
		{"advance wakes", 10 * time.Second, false, false, nil},
		{"cancel", time.Hour, true, false, context.Canceled},
		{"already cancelled", time.Hour, false, true, context.Canceled},
		{"zero", 0, false, false, nil},
		{"negative", -time.Second, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newFake(t, 0)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.precan {
				cancel()
			}
			errc := make(chan error, 1)
			go func() { errc <- c.Sleep(ctx, tt.d) }()
			if tt.d > 0 && !tt.precan {
				waitPending(t, c, 1)
				mustAdvance(t, c, tt.d/2)
				select {
				case err := <-errc:
					t.Fatalf("Sleep returned %v halfway", err)
				default:
				}
				if tt.cancel {
					cancel()
				} else {
					mustAdvance(t, c, tt.d-tt.d/2)
				}
			}
			select {
			case err := <-errc:
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Fatalf("Sleep = %v, want %v", err, tt.wantErr)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Sleep did not return")
			}
			if n := c.pendingTimers(); n != 0 {
				t.Fatalf("%d timers left pending after Sleep", n)
			}
		})
	}
}

func TestAfter(t *testing.T) {
	t.Parallel()
	c, _ := newFake(t, 0)
	ch := c.After(time.Minute)
	mustAdvance(t, c, time.Minute)
	if v, ok := fired(ch); !ok || !v.Equal(testStart().Add(time.Minute)) {
		t.Fatalf("After = %v, %v", v, ok)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	c, r := newFake(t, 1)
	tm := c.NewTimer(time.Minute)
	if r.Pending() != 1 {
		t.Fatalf("real wake-ups = %d, want 1", r.Pending())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if r.Pending() != 0 {
		t.Fatalf("real wake-ups after Close = %d, want 0", r.Pending())
	}
	c.NewTimer(time.Second)
	if err := c.SetScale(10); err != nil {
		t.Fatal(err)
	}
	r.Advance(time.Hour)
	if r.Pending() != 0 {
		t.Fatal("closed clock armed a real wake-up")
	}
	if _, ok := fired(tm.C); ok {
		t.Fatal("timer fired by real time after Close")
	}
	if got, want := c.Since(testStart()), 10*time.Hour; got != want {
		t.Fatalf("Now stopped after Close: elapsed %v, want %v", got, want)
	}
	mustAdvance(t, c, time.Second)
	if _, ok := fired(tm.C); !ok {
		t.Fatal("Advance did not fire after Close")
	}
}

func TestWakeReleasedWhenTimersGone(t *testing.T) {
	t.Parallel()
	c, r := newFake(t, 1)
	var ts []*Timer
	for i := range 10 {
		ts = append(ts, c.NewTimer(time.Duration(i+1)*time.Minute))
	}
	if r.Pending() != 1 {
		t.Fatalf("real wake-ups = %d, want exactly 1 for 10 timers", r.Pending())
	}
	for _, tm := range ts {
		tm.Stop()
	}
	if r.Pending() != 0 {
		t.Fatalf("real wake-ups = %d after stopping every timer", r.Pending())
	}
	if n := c.pendingTimers(); n != 0 {
		t.Fatalf("pending timers = %d", n)
	}
}

// TestConcurrentStress creates, stops and resets timers from many goroutines
// while others advance and rescale; every timer must fire exactly once
// unless a Stop reported it stopped (twice when Reset came after it ran).
func TestConcurrentStress(t *testing.T) {
	t.Parallel()
	c := New(WithScale(100))
	defer c.Close()
	const workers, perWorker = 8, 200
	var runs [workers * perWorker]atomic.Int32
	var stopped [workers * perWorker]atomic.Bool
	var rerun [workers * perWorker]atomic.Bool // Reset after f already ran
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = c.Advance(time.Duration(rand.IntN(100)) * time.Millisecond)
			_ = c.SetScale(float64(rand.IntN(3)) * 100)
			_ = c.Snapshot()
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				id := w*perWorker + i
				tm := c.AfterFunc(time.Duration(rand.IntN(5000))*time.Millisecond, func() { runs[id].Add(1) })
				ch := c.NewTimer(time.Duration(rand.IntN(5000)) * time.Millisecond)
				switch i % 4 {
				case 0:
					if tm.Stop() {
						stopped[id].Store(true)
					}
				case 1:
					if !tm.Reset(time.Duration(rand.IntN(5000)) * time.Millisecond) {
						rerun[id].Store(true)
					}
				}
				if i%3 == 0 {
					ch.Stop()
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	bg.Wait()
	mustAdvance(t, c, time.Hour)
	settle(t, c)
	for id := range runs {
		want := int32(1)
		switch {
		case stopped[id].Load():
			want = 0
		case rerun[id].Load():
			want = 2
		}
		if got := runs[id].Load(); got != want {
			t.Fatalf("timer %d ran %d times, want %d (stopped=%v)", id, got, want, stopped[id].Load())
		}
	}
	if n := c.pendingTimers(); n != 0 {
		t.Fatalf("%d timers still pending", n)
	}
}

func mustAdvance(t *testing.T, c *Clock, d time.Duration) {
	t.Helper()
	if err := c.Advance(d); err != nil {
		t.Fatalf("Advance(%v): %v", d, err)
	}
}
