package eventbridge

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/delivery"
)

// TestClassify checks which target failures are retried and the
// ERROR_CODE each gets.
func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		code      string
		retriable bool
	}{
		{"missing queue", awsapi.Errorf("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."), codeNoResource, false},
		{"missing function", fmt.Errorf("wrapped: %w", awsapi.Errorf("ResourceNotFoundException", "Function not found")), codeNoResource, false},
		{"denied", awsapi.Errorf("AccessDeniedException", "no"), codeNoPermissions, false},
		{"throttled", awsapi.Errorf("TooManyRequestsException", "slow down"), codeThrottling, true},
		{"kinesis throughput", awsapi.Errorf("ProvisionedThroughputExceededException", "slow down"), codeThrottling, true},
		{"server fault", &awsapi.Error{Code: "ServiceException", Message: "boom", Status: 500}, codeInternal, true},
		{"conflict", awsapi.Errorf("ResourceConflictException", "pending"), codeSDKClientError, true},
		{"bad request", awsapi.Errorf("InvalidParameterValue", "bad"), codeSDKClientError, false},
		{"plain error", errors.New("io"), codeInternal, true},
		{"http 503", httpOutcome(503), codeThirdParty, true},
		{"http 429", httpOutcome(429), codeThrottling, true},
		{"http 401", httpOutcome(401), codeThirdParty, true},
		{"http 404", httpOutcome(404), codeSDKClientError, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, msg, retriable := classify(tc.err)
			if code != tc.code || retriable != tc.retriable || msg == "" {
				t.Errorf("classify(%v) = %s, %q, %v; want %s, %v", tc.err, code, msg, retriable, tc.code, tc.retriable)
			}
		})
	}
	if httpOutcome(204) != nil {
		t.Error("204 is a success")
	}
}

// TestExhaustedCondition checks the EXHAUSTED_RETRY_CONDITION values.
func TestExhaustedCondition(t *testing.T) {
	t.Parallel()
	for st, want := range map[delivery.Status]string{delivery.StatusRetriesExhausted: "MaximumRetryAttempts",
		delivery.StatusEventAgeExceeded: "MaximumEventAgeInSeconds", delivery.StatusFailed: ""} {
		if got := exhaustedCondition(st); got != want {
			t.Errorf("%v: %q, want %q", st, got, want)
		}
	}
}

// TestEntrySize checks AWS's entry-size calculation.
func TestEntrySize(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tests := []struct {
		e    PutEventsRequestEntry
		want int
	}{
		{PutEventsRequestEntry{Source: ptrTo("ab"), DetailType: ptrTo("cd"), Detail: ptrTo("{}")}, 6},
		{PutEventsRequestEntry{Time: &now, Source: ptrTo("ab"), DetailType: ptrTo("cd"), Detail: ptrTo("{}")}, 20},
		{PutEventsRequestEntry{Source: ptrTo("é"), DetailType: ptrTo(""), Resources: []string{"r1", "r22"}}, 7},
	}
	for _, tc := range tests {
		if got := entrySize(&tc.e); got != tc.want {
			t.Errorf("entrySize = %d, want %d", got, tc.want)
		}
	}
}

// TestParseEventRoundTrip checks that an archived event reads back into
// the same document.
func TestParseEventRoundTrip(t *testing.T) {
	t.Parallel()
	ev := ec2Event()
	doc := ev.marshal()
	back, err := parseEvent(doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.marshal(); string(got) != string(doc) {
		t.Errorf("round trip:\n got %s\nwant %s", got, doc)
	}
	back.replayName = "r"
	if got, want := string(back.marshal()), strings.Replace(string(doc), `,"resources":`, `,"replay-name":"r","resources":`, 1); got != want {
		t.Errorf("replayed: %s", got)
	}
	if _, err := parseEvent([]byte(`{"time":"yesterday"}`)); err == nil {
		t.Error("a bad time parsed")
	}
}

// TestScheduledEvent checks the event a scheduled rule sends.
func TestScheduledEvent(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)
	ev := scheduledEvent("000000000000", "us-east-1", "arn:aws:events:us-east-1:000000000000:rule/hourly", due, due.Add(time.Millisecond))
	want := `{"version":"0","id":"` + ev.id + `","detail-type":"Scheduled Event","source":"aws.events","account":"000000000000",` +
		`"time":"2026-12-06T23:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:000000000000:rule/hourly"],"detail":{}}`
	if got := string(ev.document()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestRetrySeed checks that the retry jitter repeats for a seed.
func TestRetrySeed(t *testing.T) {
	t.Parallel()
	draw := func(seed uint64) []float64 {
		s := &Service{}
		s.SetRetrySeed(seed)
		p := s.plane()
		return []float64{p.jitter(), p.jitter(), p.jitter()}
	}
	a, b, c := draw(7), draw(7), draw(8)
	if fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprint(a) == fmt.Sprint(c) {
		t.Errorf("seed 7: %v and %v; seed 8: %v", a, b, c)
	}
}
