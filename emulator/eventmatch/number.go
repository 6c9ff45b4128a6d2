package eventmatch

import (
	"math"
	"strconv"
)

// EventBridge compares numbers as event-ruler does: values from -5e9 to 5e9,
// turned into integers with six decimal digits (the rest truncated).
const (
	ebNumberLimit = 5e9
	ebNumberScale = 1e6
)

// ebRangeError is event-ruler's reason for a number outside its range.
const ebRangeError = "Value must be between -5.0E9 and 5.0E9, inclusive"

// toComparable returns the EventBridge integer form of f and whether f is in
// range.
func toComparable(f float64) (int64, bool) {
	if math.IsNaN(f) || f < -ebNumberLimit || f > ebNumberLimit {
		return 0, false
	}
	return int64(ebNumberScale * (ebNumberLimit + f)), true
}

// parseNumber parses JSON number text as Java's Double.parseDouble would.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
