package esm

import (
	"fmt"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// Timing of the pollers, all on the emulator's clock.
const (
	// pollInterval is how often an idle shard or queue is polled.
	pollInterval = time.Second
	// shardListInterval is how often a stream's shards are listed to
	// notice resharding.
	shardListInterval = 10 * time.Second
	// maxBackoff caps the retry delay of a failed batch.
	maxBackoff = time.Minute
	// maxPayload is the largest synchronous invocation payload.
	maxPayload = lambda.MaxSyncPayload
	// maxRecordsPerRead bounds one GetRecords call.
	maxRecordsPerRead = 10000
)

// Results a mapping reports in LastProcessingResult.
const (
	resultOK     = "OK"
	resultFailed = "PROBLEM: Function call failed"
)

// backoff is the delay before the n-th (1-based) retry of a failed batch
// or a throttled invocation: 1 s, 2 s, 4 s ... up to a minute. AWS
// documents no schedule; this one is deterministic so that tests can
// advance the clock by known amounts.
func backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := time.Second << min(n-1, 20)
	return min(d, maxBackoff)
}

// arnParts splits an ARN into service, region, account and resource.
func arnParts(arn string) (service string, scope awsapi.Scope, resource string, err error) {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return "", awsapi.Scope{}, "", fmt.Errorf("esm: malformed ARN %q", arn)
	}
	return p[2], awsapi.Scope{Region: p[3], Account: p[4]}, p[5], nil
}

// streamARN returns the stream ARN of a Kinesis stream or stream consumer
// ARN (arn:...:stream/name/consumer/c:ts) and the stream's name.
func streamARN(arn string) (string, string, error) {
	svc, _, res, err := arnParts(arn)
	if err != nil {
		return "", "", err
	}
	if svc != "kinesis" || !strings.HasPrefix(res, "stream/") {
		return "", "", fmt.Errorf("esm: %q is not a Kinesis stream ARN", arn)
	}
	name := strings.TrimPrefix(res, "stream/")
	if i := strings.Index(name, "/consumer/"); i >= 0 {
		name = name[:i]
		arn = arn[:len(arn)-len(res)] + "stream/" + name
	}
	return arn, name, nil
}

// seqLess orders Kinesis sequence numbers (decimal strings).
func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func i32(p *int32, def int) int {
	if p == nil {
		return def
	}
	return int(*p)
}

func ptr[T any](v T) *T { return &v }

// isoMillis renders t as the on-failure records' timestamps do.
func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// epochSeconds renders t as a JSON number of seconds with milliseconds, as
// Lambda's Kinesis events carry approximateArrivalTimestamp.
func epochSeconds(t time.Time) string {
	ms := t.UnixMilli()
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}
