package clock

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseAdvance parses how far to advance the clock: a Go duration ("90s",
// "1h30m") or a plain number of seconds ("90", "1.5"). Negative, empty and
// out-of-range values are refused.
func ParseAdvance(s string) (time.Duration, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return 0, fmt.Errorf("parse advance %q: %w: empty", s, ErrInvalidDuration)
	}
	if secs, err := strconv.ParseFloat(text, 64); err == nil {
		switch {
		case math.IsNaN(secs) || math.IsInf(secs, 0):
			return 0, fmt.Errorf("parse advance %q: %w: not a finite number", s, ErrInvalidDuration)
		case secs < 0:
			return 0, fmt.Errorf("parse advance %q: %w", s, ErrNegativeAdvance)
		}
		ns := math.Round(secs * float64(time.Second))
		if ns >= math.MaxInt64 {
			return 0, fmt.Errorf("parse advance %q: %w: out of range", s, ErrInvalidDuration)
		}
		return time.Duration(ns), nil
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("parse advance %q: %w: want a duration like \"90s\" or a number of seconds", s, ErrInvalidDuration)
	}
	if d < 0 {
		return 0, fmt.Errorf("parse advance %q: %w", s, ErrNegativeAdvance)
	}
	return d, nil
}
