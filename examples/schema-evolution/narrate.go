package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// narrator prints the story: numbered steps, what is being done (→), what
// happened (✓ or ✗) and details (indented).
type narrator struct {
	w io.Writer
}

func (n *narrator) title(format string, args ...any) {
	fmt.Fprintf(n.w, format+"\n", args...)
}

func (n *narrator) step(i, of int, title string) {
	fmt.Fprintf(n.w, "\nStep %d/%d · %s\n", i, of, title)
}

func (n *narrator) do(format string, args ...any) {
	fmt.Fprintf(n.w, "  → "+format+"\n", args...)
}

func (n *narrator) ok(format string, args ...any) {
	fmt.Fprintf(n.w, "  ✓ "+format+"\n", args...)
}

func (n *narrator) bad(format string, args ...any) {
	fmt.Fprintf(n.w, "  ✗ "+format+"\n", args...)
}

func (n *narrator) detail(format string, args ...any) {
	for _, line := range strings.Split(fmt.Sprintf(format, args...), "\n") {
		fmt.Fprintf(n.w, "      %s\n", line)
	}
}

// orderedJSON renders a decoded record with its fields in the reader
// schema's order (JSON objects from maps are sorted by key).
func orderedJSON(fields []string, raw json.RawMessage) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return string(raw)
	}
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for _, f := range fields {
		v, ok := m[f]
		if !ok {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
		n++
		delete(m, f)
	}
	if len(m) > 0 { // fields the schema does not name: not expected
		rest, _ := json.Marshal(m)
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(rest[1 : len(rest)-1])
	}
	b.WriteByte('}')
	return b.String()
}

// waiter bounds every wait in real time and moves the emulator's clock
// forward while it waits, so that polling, retries and backoffs on the
// emulator's timeline happen in a fraction of the real time.
type waiter struct {
	advance func(ctx context.Context, d time.Duration) error
	// step is how far the clock moves per tick of real time.
	step, tick time.Duration
	// limit bounds each wait in real time.
	limit time.Duration
}

// until checks cond every tick, advancing the clock in between, until it
// holds, fails, or the limit passes.
func (w *waiter) until(parent context.Context, what string, cond func(ctx context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(parent, w.limit)
	defer cancel()
	var last error
	for {
		done, err := cond(ctx)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if done {
			return nil
		}
		if err := w.advance(ctx, w.step); err != nil && ctx.Err() == nil {
			last = err
		}
		t := time.NewTimer(w.tick)
		select {
		case <-ctx.Done():
			t.Stop()
			if err := parent.Err(); err != nil {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
			msg := fmt.Sprintf("timed out after %v waiting for %s", w.limit, what)
			if last != nil {
				msg += fmt.Sprintf(" (moving the clock failed: %v)", last)
			}
			return fmt.Errorf("%s", msg)
		case <-t.C:
		}
	}
}

// sleep is the serializer's pause while a schema version is PENDING: it
// moves the clock by d instead of waiting for it.
func (w *waiter) sleep(ctx context.Context, d time.Duration) error {
	if err := w.advance(ctx, d); err != nil {
		return err
	}
	t := time.NewTimer(10 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
