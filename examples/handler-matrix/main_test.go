package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestWalkthrough runs the example: it fails if a matrix does not come out
// as narrated.
func TestWalkthrough(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"FAIL: under BACKWARD_ALL the handler (reader v3) must read v1", "failing sample edge:minimal", "Ship orders-v3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
