package sns

import (
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// TestArnScope checks the scope and resource name taken from SQS and
// Lambda ARNs, and the ARNs refused.
func TestArnScope(t *testing.T) {
	t.Parallel()
	scope := awsapi.Scope{Account: "123456789012", Region: "eu-west-1"}
	tests := []struct {
		arn, service string
		name         string
		ok           bool
	}{
		{"arn:aws:sqs:eu-west-1:123456789012:orders", "sqs", "orders", true},
		{"arn:aws:sqs:eu-west-1:123456789012:orders.fifo", "sqs", "orders.fifo", true},
		{"arn:aws:sqs:eu-west-1:123456789012:orders:extra", "sqs", "orders", true},
		{"arn:aws-cn:sqs:eu-west-1:123456789012:q", "sqs", "q", true},
		{"arn:aws:sqs:eu-west-1:123456789012:", "sqs", "", false},
		{"arn:aws:sqs:eu-west-1:123456789012", "sqs", "", false},
		{"arn:aws:sqs::123456789012:q", "sqs", "", false},
		{"arn:aws:sqs:eu-west-1::q", "sqs", "", false},
		{"arn:aws:sns:eu-west-1:123456789012:q", "sqs", "", false},
		{"urn:aws:sqs:eu-west-1:123456789012:q", "sqs", "", false},
		{"", "sqs", "", false},
		{"arn:aws:lambda:eu-west-1:123456789012:function:fn", "lambda", "fn", true},
		{"arn:aws:lambda:eu-west-1:123456789012:function:fn:live", "lambda", "fn:live", true},
		{"arn:aws:lambda:eu-west-1:123456789012:function:", "lambda", "", true},
		{"arn:aws:lambda:eu-west-1:123456789012:function", "lambda", "", false},
		{"arn:aws:lambda:eu-west-1:123456789012:layer:fn", "lambda", "", false},
		{"arn:aws:lambda:eu-west-1:123456789012:fn", "lambda", "", false},
	}
	for _, tt := range tests {
		s, name, ok := arnScope(tt.arn, tt.service)
		if ok != tt.ok || name != tt.name || (ok && s != scope) {
			t.Errorf("arnScope(%q, %q) = %+v, %q, %v; want %q, %v", tt.arn, tt.service, s, name, ok, tt.name, tt.ok)
		}
	}
}

// TestRequestIDs checks that the request IDs of a service's SQS calls are
// distinct version-4 UUIDs, also when made concurrently, and differ
// between services.
func TestRequestIDs(t *testing.T) {
	t.Parallel()
	var a, b requestIDs
	const workers, each = 4, 500
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				ids[w] = append(ids[w], a.next())
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, list := range append(ids, []string{b.next()}) {
		for _, id := range list {
			u, err := uuid.Parse(id)
			if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != id {
				t.Fatalf("request ID %q: not a version-4 UUID (%v)", id, err)
			}
			if seen[id] {
				t.Fatalf("request ID %q handed out twice", id)
			}
			seen[id] = true
		}
	}
}
