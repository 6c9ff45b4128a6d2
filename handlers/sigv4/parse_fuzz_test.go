package sigv4

import (
	"testing"
	"time"
)

// FuzzParseBasicTime checks parseBasicTime against time.Parse: whatever it
// accepts, time.Parse accepts as the same instant.
func FuzzParseBasicTime(f *testing.F) {
	for _, s := range []string{"20240101T000000Z", "20240229T235959Z", "20230229T000000Z", "20241231T246060Z", "2024010lT000000Z", "00000101T000000Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseBasicTime(s)
		if !ok {
			return
		}
		want, err := time.Parse(timeFormat, s)
		if err != nil || !got.Equal(want) || got.Location() != want.Location() {
			t.Fatalf("%q: fast %v, time.Parse %v %v", s, got, want, err)
		}
	})
}
