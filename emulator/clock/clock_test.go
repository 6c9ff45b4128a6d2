package clock

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	before := time.Now()
	c := New()
	defer c.Close()
	now := c.Now()
	if now.Before(before.Add(-time.Second)) || now.After(time.Now().Add(time.Second)) {
		t.Fatalf("Now = %v, want about %v", now, before)
	}
	if got := c.Scale(); got != 1 {
		t.Fatalf("Scale = %v, want 1", got)
	}
	// Real speed: Now moves forward with real time.
	time.Sleep(5 * time.Millisecond)
	if d := c.Since(now); d < 5*time.Millisecond {
		t.Fatalf("Since after 5ms sleep = %v", d)
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		scale     float64
		real      time.Duration
		wantNow   time.Time
		wantScale float64
	}{
		{"real speed", 1, 3 * time.Second, testStart().Add(3 * time.Second), 1},
		{"scale 60", 60, 2 * time.Second, testStart().Add(2 * time.Minute), 60},
		{"fractional", 0.5, 4 * time.Second, testStart().Add(2 * time.Second), 0.5},
		{"frozen", 0, time.Hour, testStart(), 0},
		{"negative ignored", -3, time.Second, testStart().Add(time.Second), 1},
		{"NaN ignored", math.NaN(), time.Second, testStart().Add(time.Second), 1},
		{"Inf ignored", math.Inf(1), time.Second, testStart().Add(time.Second), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, r := newFake(t, tt.scale)
			if got := c.Now(); !got.Equal(testStart()) {
				t.Fatalf("initial Now = %v, want %v", got, testStart())
			}
			r.Advance(tt.real)
			snap := c.Snapshot()
			if !snap.Now.Equal(tt.wantNow) || snap.Scale != tt.wantScale {
				t.Fatalf("Snapshot = %+v, want now %v scale %v", snap, tt.wantNow, tt.wantScale)
			}
			if got := c.Since(testStart()); got != tt.wantNow.Sub(testStart()) {
				t.Fatalf("Since(start) = %v", got)
			}
			if got := c.Until(testStart().Add(time.Hour)); got != testStart().Add(time.Hour).Sub(tt.wantNow) {
				t.Fatalf("Until(start+1h) = %v", got)
			}
		})
	}
}

func TestAdvance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		steps   []time.Duration
		wantErr bool
		wantNow time.Duration // since start
	}{
		{"single", []time.Duration{90 * time.Second}, false, 90 * time.Second},
		{"several", []time.Duration{time.Hour, 30 * time.Minute, time.Nanosecond}, false, 90*time.Minute + time.Nanosecond},
		{"zero", []time.Duration{0}, false, 0},
		{"negative refused", []time.Duration{time.Minute, -time.Second}, true, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newFake(t, 0)
			var err error
			for _, d := range tt.steps {
				if err = c.Advance(d); err != nil {
					break
				}
			}
			if tt.wantErr {
				if !errors.Is(err, ErrNegativeAdvance) {
					t.Fatalf("err = %v, want ErrNegativeAdvance", err)
				}
			} else if err != nil {
				t.Fatalf("Advance: %v", err)
			}
			if got := c.Since(testStart()); got != tt.wantNow {
				t.Fatalf("Now - start = %v, want %v", got, tt.wantNow)
			}
		})
	}
}

func TestAdvanceWhileRunningAddsToRealTime(t *testing.T) {
	t.Parallel()
	c, r := newFake(t, 2)
	r.Advance(time.Second) // +2s virtual
	if err := c.Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	r.Advance(time.Second) // +2s virtual
	if got, want := c.Since(testStart()), time.Minute+4*time.Second; got != want {
		t.Fatalf("elapsed = %v, want %v", got, want)
	}
}

func TestSetScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		scale   float64
		wantErr bool
	}{
		{"freeze", 0, false},
		{"fast", 3600, false},
		{"slow", 0.25, false},
		{"negative", -1, true},
		{"NaN", math.NaN(), true},
		{"+Inf", math.Inf(1), true},
		{"-Inf", math.Inf(-1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, r := newFake(t, 1)
			r.Advance(10 * time.Second)
			before := c.Now()
			err := c.SetScale(tt.scale)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalidScale) {
					t.Fatalf("err = %v, want ErrInvalidScale", err)
				}
				if c.Scale() != 1 {
					t.Fatalf("scale changed to %v on error", c.Scale())
				}
				return
			}
			if err != nil {
				t.Fatalf("SetScale: %v", err)
			}
			// Continuous: no jump at the change.
			if got := c.Now(); !got.Equal(before) {
				t.Fatalf("Now jumped from %v to %v", before, got)
			}
			if c.Scale() != tt.scale {
				t.Fatalf("Scale = %v, want %v", c.Scale(), tt.scale)
			}
			r.Advance(4 * time.Second)
			want := before.Add(time.Duration(4 * float64(time.Second) * tt.scale))
			if got := c.Now(); !got.Equal(want) {
				t.Fatalf("Now after 4s real = %v, want %v", got, want)
			}
		})
	}
}

func TestParseAdvance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Duration
		wantErr error
	}{
		{"90s", 90 * time.Second, nil},
		{"1h30m", 90 * time.Minute, nil},
		{"250ms", 250 * time.Millisecond, nil},
		{" 2m ", 2 * time.Minute, nil},
		{"90", 90 * time.Second, nil},
		{"1.5", 1500 * time.Millisecond, nil},
		{"0", 0, nil},
		{"0s", 0, nil},
		{"1e3", 1000 * time.Second, nil},
		{"86400", 24 * time.Hour, nil},
		{"-5", 0, ErrNegativeAdvance},
		{"-1m", 0, ErrNegativeAdvance},
		{"", 0, ErrInvalidDuration},
		{"   ", 0, ErrInvalidDuration},
		{"abc", 0, ErrInvalidDuration},
		{"10 minutes", 0, ErrInvalidDuration},
		{"NaN", 0, ErrInvalidDuration},
		{"Inf", 0, ErrInvalidDuration},
		{"1e300", 0, ErrInvalidDuration},
		{"99999999999h", 0, ErrInvalidDuration},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAdvance(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseAdvance(%q) err = %v, want %v", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseAdvance(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}
