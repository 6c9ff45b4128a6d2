package delivery_test

import (
	"slices"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/delivery"
)

// TestPostpone checks that a postponed attempt runs again later with the
// same number, is not recorded, and still ages the delivery.
func TestPostpone(t *testing.T) {
	t.Parallel()
	s := time.Second
	cases := []struct {
		name       string
		script     []delivery.Outcome
		policy     delivery.Policy
		wantDues   []time.Duration
		wantNums   []int
		wantRecs   []delivery.Kind
		wantStatus delivery.Status
	}{
		{name: "postponed then retried", script: []delivery.Outcome{delivery.Postpone(3 * s), delivery.Retry("boom"), delivery.Postpone(2 * s), delivery.Delivered()},
			policy:   delivery.EventBridgePolicy{MaximumRetryAttempts: 2, MaximumEventAge: time.Hour},
			wantDues: []time.Duration{0, 3 * s, 4 * s, 6 * s}, wantNums: []int{1, 1, 2, 2},
			wantRecs: []delivery.Kind{delivery.Retryable, delivery.Success}, wantStatus: delivery.StatusDelivered},
		{name: "postponed past the age", script: []delivery.Outcome{delivery.Retry("boom"), delivery.Postpone(2 * time.Minute)},
			policy:   delivery.EventBridgePolicy{MaximumRetryAttempts: 5, MaximumEventAge: time.Minute},
			wantDues: []time.Duration{0, s}, wantNums: []int{1, 2},
			wantRecs: []delivery.Kind{delivery.Retryable}, wantStatus: delivery.StatusEventAgeExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, nil)
			r.script["p"] = tc.script
			r.enqueue(delivery.Delivery[string]{ID: "d", Payload: "p", Policy: tc.policy})
			for range 10 {
				r.advance(s)
			}
			r.advance(5 * time.Minute)
			if got := r.dues("p"); !slices.Equal(got, tc.wantDues) {
				t.Errorf("attempts due at %v, want %v", got, tc.wantDues)
			}
			r.mu.Lock()
			var nums []int
			for _, a := range r.attempts {
				nums = append(nums, a.Number)
			}
			r.mu.Unlock()
			if !slices.Equal(nums, tc.wantNums) {
				t.Errorf("attempt numbers %v, want %v", nums, tc.wantNums)
			}
			var kinds []delivery.Kind
			for _, rec := range r.q.Records("d") {
				kinds = append(kinds, rec.Outcome)
			}
			if !slices.Equal(kinds, tc.wantRecs) {
				t.Errorf("records %v, want %v", kinds, tc.wantRecs)
			}
			if res, ok := r.result("p"); !ok || res.Status != tc.wantStatus {
				t.Errorf("result %+v, want %v", res, tc.wantStatus)
			}
		})
	}
}
