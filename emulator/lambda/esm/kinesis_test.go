package esm_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	kinesissdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// TestKinesisEvent checks the event a batch becomes, field by field, and
// that aws-lambda-go's events.KinesisEvent decodes it.
func TestKinesisEvent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register("consumer", func(ctx context.Context, ev events.KinesisEvent) error { return nil })
	arn := h.createStream("orders", 1)
	arrivedAt := h.e.Clock().Now().UTC() // the frozen clock's time once the stream is ACTIVE
	shard, seq1 := h.put("orders", "k1", "hello")
	_, seq2 := h.put("orders", "k2", "\x00\x01binary")
	id := h.createESM(trimHorizon("consumer", arn, nil))
	h.drive("first batch", func() bool { return len(h.invocations("consumer")) > 0 })

	calls := h.kinesisBatches("consumer")
	if len(calls) != 1 {
		t.Fatalf("%d invocations, want 1", len(calls))
	}
	var raw struct {
		Records []map[string]json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal([]byte(calls[0].rec.Event), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Records) != 2 {
		t.Fatalf("%d records, want 2", len(raw.Records))
	}
	arrival := epochSecondsOf(arrivedAt)
	want := []struct{ seq, key, data string }{{seq1, "k1", "hello"}, {seq2, "k2", "\x00\x01binary"}}
	for i, w := range want {
		got := map[string]any{}
		for k, v := range raw.Records[i] {
			got[k] = string(v)
		}
		exp := map[string]any{
			"kinesis": fmt.Sprintf(`{"kinesisSchemaVersion":"1.0","partitionKey":%q,"sequenceNumber":%q,"data":%q,"approximateArrivalTimestamp":%s}`,
				w.key, w.seq, base64.StdEncoding.EncodeToString([]byte(w.data)), arrival),
			"eventSource":       `"aws:kinesis"`,
			"eventVersion":      `"1.0"`,
			"eventID":           fmt.Sprintf("%q", shard+":"+w.seq),
			"eventName":         `"aws:kinesis:record"`,
			"invokeIdentityArn": `"arn:aws:iam::000000000000:role/evolvestack-go-handler"`,
			"awsRegion":         `"us-east-1"`,
			"eventSourceARN":    fmt.Sprintf("%q", arn),
		}
		for k, v := range exp {
			if got[k] != v {
				t.Errorf("record %d %s = %s, want %s", i, k, got[k], v)
			}
		}
		if len(got) != len(exp) {
			t.Errorf("record %d has members %v", i, keys(got))
		}
		r := calls[0].ev.Records[i]
		if string(r.Kinesis.Data) != w.data || !r.Kinesis.ApproximateArrivalTimestamp.Equal(arrivedAt) || r.EventID != shard+":"+w.seq {
			t.Errorf("decoded record %d: %+v", i, r)
		}
	}
	if !strings.HasPrefix(calls[0].rec.Event, `{"Records":[{"kinesis":{"kinesisSchemaVersion"`) {
		t.Errorf("member order: %.80s", calls[0].rec.Event)
	}
	if r := calls[0].rec; r.Attempt != 1 || r.FunctionError != "" {
		t.Errorf("record %+v", r)
	}
	if got := aws.ToString(h.getESM(id).LastProcessingResult); got != "OK" {
		t.Errorf("LastProcessingResult %q", got)
	}
}

func epochSecondsOf(t time.Time) string {
	ms := t.UnixMilli()
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestKinesisPoisonBisect: a poison record in a batch is bisected down
// to, retried MaximumRetryAttempts times alone, then sent to the
// on-failure queue with Lambda's record; the good records are processed
// once each and the shard moves on.
func TestKinesisPoisonBisect(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var mu sync.Mutex
	done := map[string]int{}
	h.register("consumer", func(ctx context.Context, ev events.KinesisEvent) error {
		for _, r := range ev.Records {
			if string(r.Kinesis.Data) == "poison" {
				return errors.New("cannot digest poison")
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			done[string(r.Kinesis.Data)]++
		}
		return nil
	})
	arn := h.createStream("orders", 1)
	arrivalPoison := h.e.Clock().Now().UTC() // the frozen clock's time once the stream is ACTIVE
	dlqURL, dlqARN := h.createQueue("orders-failures", nil)
	var seqs []string
	shard := ""
	for i := range 8 {
		data := fmt.Sprintf("r%d", i)
		if i == 5 {
			data = "poison"
		}
		s, seq := h.put("orders", "k", data)
		shard = s
		seqs = append(seqs, seq)
	}
	h.advance(1500 * time.Millisecond) // records arrive before the batch is cut
	h.put("orders", "k", "after")
	h.createESM(trimHorizon("consumer", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
		in.BisectBatchOnFunctionError = aws.Bool(true)
		in.MaximumRetryAttempts = aws.Int32(2)
		in.DestinationConfig = &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String(dlqARN)}}
	}))
	h.drive("after record processed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return done["after"] > 0
	})

	mu.Lock()
	for i := range 8 {
		if i == 5 {
			continue
		}
		if n := done[fmt.Sprintf("r%d", i)]; n != 1 {
			t.Errorf("r%d processed %d times", i, n)
		}
	}
	mu.Unlock()

	type call struct {
		n, attempt int
		failed     bool
	}
	var got []call
	for i, c := range h.kinesisBatches("consumer") {
		got = append(got, call{len(c.ev.Records), c.rec.Attempt, c.rec.FunctionError != ""})
		// The record names the batch's size and, after the first, its
		// being a bisected half.
		if c.rec.BatchSize != len(c.ev.Records) || c.rec.Bisected != (i > 0) {
			t.Errorf("invocation %d: recorded batch size %d bisected %v, want %d %v", i, c.rec.BatchSize, c.rec.Bisected, len(c.ev.Records), i > 0)
		}
	}
	want := []call{
		{9, 1, true},  // r0..r7 and "after": fails
		{5, 1, false}, // r0..r4
		{4, 1, true},  // poison, r6, r7, after
		{2, 1, true},  // poison, r6
		{1, 1, true},  // poison alone
		{1, 2, true},  // retried
		{1, 3, true},  // retried again: exhausted
		{1, 1, false}, // r6
		{2, 1, false}, // r7, after
	}
	if !slices.Equal(got, want) {
		t.Errorf("invocations (records, attempt, failed):\n got %v\nwant %v", got, want)
	}

	msgs := h.receiveAll(dlqURL)
	if len(msgs) != 1 {
		t.Fatalf("%d on-failure messages, want 1", len(msgs))
	}
	body := aws.ToString(msgs[0].Body)
	var rec struct {
		RequestContext struct {
			RequestID              string `json:"requestId"`
			FunctionArn            string `json:"functionArn"`
			Condition              string `json:"condition"`
			ApproximateInvokeCount int    `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		ResponseContext  map[string]any `json:"responseContext"`
		Version          string         `json:"version"`
		Timestamp        string         `json:"timestamp"`
		KinesisBatchInfo map[string]any `json:"KinesisBatchInfo"`
	}
	if err := json.Unmarshal([]byte(body), &rec); err != nil {
		t.Fatal(err)
	}
	poisonCalls := h.kinesisBatches("consumer")[6]
	if rec.RequestContext.RequestID != poisonCalls.rec.RequestID || rec.RequestContext.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:consumer" ||
		rec.RequestContext.Condition != "RetryAttemptsExhausted" || rec.RequestContext.ApproximateInvokeCount != 3 {
		t.Errorf("requestContext %+v", rec.RequestContext)
	}
	if fmt.Sprint(rec.ResponseContext) != "map[executedVersion:$LATEST functionError:Unhandled statusCode:200]" {
		t.Errorf("responseContext %v", rec.ResponseContext)
	}
	if rec.Version != "1.0" || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(rec.Timestamp) {
		t.Errorf("version %q timestamp %q", rec.Version, rec.Timestamp)
	}
	wantInfo := fmt.Sprint(map[string]any{
		"shardId": shard, "startSequenceNumber": seqs[5], "endSequenceNumber": seqs[5],
		"approximateArrivalOfFirstRecord": arrivalPoison.Format("2006-01-02T15:04:05.000Z"),
		"approximateArrivalOfLastRecord":  arrivalPoison.Format("2006-01-02T15:04:05.000Z"),
		"batchSize":                       float64(1), "streamArn": arn,
	})
	if fmt.Sprint(rec.KinesisBatchInfo) != wantInfo {
		t.Errorf("KinesisBatchInfo\n got %v\nwant %s", rec.KinesisBatchInfo, wantInfo)
	}
	if !strings.HasPrefix(body, `{"requestContext":{"requestId":`) || !strings.Contains(body, `"version":"1.0","timestamp":`) {
		t.Errorf("member order: %s", body)
	}
}

// TestKinesisBatchItemFailures: with ReportBatchItemFailures the batch is
// retried from the lowest failed sequence number, and Lambda's rules for
// empty, null and malformed responses apply.
func TestKinesisBatchItemFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// first answers the first invocation (records r0..r4); seqs
		// are the records' sequence numbers.
		first func(seqs []string) string
		// retryFrom is the index the second invocation starts at, -1
		// for no retry.
		retryFrom int
	}{
		{"lowest of several failures", func(s []string) string {
			return fmt.Sprintf(`{"batchItemFailures":[{"itemIdentifier":%q},{"itemIdentifier":%q}]}`, s[3], s[2])
		}, 2},
		{"empty list is success", func([]string) string { return `{"batchItemFailures":[]}` }, -1},
		{"null list is success", func([]string) string { return `{"batchItemFailures":null}` }, -1},
		{"empty response is success", func([]string) string { return `{}` }, -1},
		{"null response is success", func([]string) string { return `null` }, -1},
		{"empty identifier fails the batch", func([]string) string { return `{"batchItemFailures":[{"itemIdentifier":""}]}` }, 0},
		{"null identifier fails the batch", func([]string) string { return `{"batchItemFailures":[{"itemIdentifier":null}]}` }, 0},
		{"bad key name fails the batch", func(s []string) string { return fmt.Sprintf(`{"batchItemFailures":[{"itemId":%q}]}`, s[3]) }, 0},
		{"unknown identifier fails the batch", func([]string) string { return `{"batchItemFailures":[{"itemIdentifier":"123"}]}` }, 0},
		{"malformed response fails the batch", func([]string) string { return `"not an object"` }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			arn := h.createStream("s", 1)
			var seqs []string
			for i := range 5 {
				_, seq := h.put("s", "k", fmt.Sprintf("r%d", i))
				seqs = append(seqs, seq)
			}
			var mu sync.Mutex
			calls := 0
			h.register("fn", func(ctx context.Context, ev json.RawMessage) (json.RawMessage, error) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				if calls == 1 {
					return json.RawMessage(tc.first(seqs)), nil
				}
				return json.RawMessage(`{"batchItemFailures":[]}`), nil
			})
			h.createESM(trimHorizon("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
				in.FunctionResponseTypes = []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures}
			}))
			h.drive("first invocation", func() bool { return len(h.invocations("fn")) > 0 })
			h.advance(10 * time.Second)
			got := h.kinesisBatches("fn")
			if tc.retryFrom < 0 {
				if len(got) != 1 {
					t.Fatalf("%d invocations, want 1", len(got))
				}
				return
			}
			if len(got) != 2 {
				t.Fatalf("%d invocations, want 2", len(got))
			}
			var wantData []string
			for i := tc.retryFrom; i < 5; i++ {
				wantData = append(wantData, fmt.Sprintf("r%d", i))
			}
			if !slices.Equal(got[1].datas(), wantData) || got[1].rec.Attempt != 2 {
				t.Errorf("retry carried %v (attempt %d), want %v", got[1].datas(), got[1].rec.Attempt, wantData)
			}
		})
	}
}

// TestKinesisParallelization: with ParallelizationFactor batches of one
// shard run concurrently, while each partition key's records stay in
// order and are processed once.
func TestKinesisParallelization(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var mu sync.Mutex
	seen := map[string][]int{}
	inflight, peak := 0, 0
	h.register("fn", kinesisHandler(func(ctx context.Context, ev events.KinesisEvent) error {
		mu.Lock()
		inflight++
		peak = max(peak, inflight)
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		inflight--
		for _, r := range ev.Records {
			var n int
			_, _ = fmt.Sscan(string(r.Kinesis.Data), &n)
			seen[r.Kinesis.PartitionKey] = append(seen[r.Kinesis.PartitionKey], n)
		}
		return nil
	}))
	arn := h.createStream("s", 1)
	const perKey = 6
	keysList := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	for i := range perKey {
		for _, k := range keysList {
			h.put("s", k, fmt.Sprint(i))
		}
	}
	h.createESM(trimHorizon("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
		in.BatchSize = aws.Int32(2)
		in.ParallelizationFactor = aws.Int32(4)
	}))
	h.drive("all records", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, v := range seen {
			n += len(v)
		}
		return n == perKey*len(keysList)
	})
	mu.Lock()
	defer mu.Unlock()
	for _, k := range keysList {
		if want := []int{0, 1, 2, 3, 4, 5}; !slices.Equal(seen[k], want) {
			t.Errorf("key %s processed in order %v, want %v", k, seen[k], want)
		}
	}
	if peak < 2 {
		t.Errorf("at most %d batch in flight, want concurrent batches", peak)
	}
}

// TestKinesisTumblingWindow: state carries across a window's invocations
// and a final invocation closes it; the next window starts fresh.
func TestKinesisTumblingWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register("agg", func(ctx context.Context, ev events.KinesisTimeWindowEvent) (events.KinesisTimeWindowEventResponse, error) {
		n := 0
		_, _ = fmt.Sscan(ev.State["count"], &n)
		n += len(ev.Records)
		return events.KinesisTimeWindowEventResponse{TimeWindowEventResponseProperties: events.TimeWindowEventResponseProperties{State: map[string]string{"count": fmt.Sprint(n)}}}, nil
	})
	arn := h.createStream("s", 1)
	shard, _ := h.put("s", "k", "a")
	h.put("s", "k", "b")
	h.createESM(trimHorizon("agg", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
		in.TumblingWindowInSeconds = aws.Int32(30)
	}))
	h.drive("first batch", func() bool { return len(h.invocations("agg")) == 1 })
	h.advance(5 * time.Second)
	h.put("s", "k", "c")
	h.drive("second batch", func() bool { return len(h.invocations("agg")) == 2 })
	h.advance(30 * time.Second) // past the window's end
	h.put("s", "k", "d")        // in the next window
	h.drive("next window", func() bool { return len(h.invocations("agg")) == 4 })

	type call struct {
		records    int
		state      string
		start, end time.Time
		final      bool
	}
	var got []call
	for _, c := range h.kinesisBatches("agg") {
		if c.ev.ShardID != shard || c.ev.EventSourceARN != arn || c.ev.IsWindowTerminatedEarly {
			t.Errorf("window properties %+v", c.ev.TimeWindowProperties)
		}
		got = append(got, call{len(c.ev.Records), fmt.Sprint(c.ev.State), c.ev.Window.Start.UTC(), c.ev.Window.End.UTC(), c.ev.IsFinalInvokeForWindow})
	}
	w1, w2 := epoch, epoch.Add(30*time.Second)
	want := []call{
		{2, "map[]", w1, w2, false},
		{1, "map[count:2]", w1, w2, false},
		{0, "map[count:3]", w1, w2, true},
		{1, "map[]", w2, w2.Add(30 * time.Second), false},
	}
	if !slices.Equal(got, want) {
		t.Errorf("invocations\n got %+v\nwant %+v", got, want)
	}
}

// TestKinesisResharding: after a split, the parent's records are all
// processed before any of its children's.
func TestKinesisResharding(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var mu sync.Mutex
	var order []string
	h.register("fn", kinesisHandler(func(ctx context.Context, ev events.KinesisEvent) error {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range ev.Records {
			order = append(order, strings.SplitN(r.EventID, ":", 2)[0]+"/"+string(r.Kinesis.Data))
		}
		return nil
	}))
	arn := h.createStream("s", 1)
	h.createESM(trimHorizon("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) { in.BatchSize = aws.Int32(2) }))
	for i := range 3 {
		h.put("s", fmt.Sprint("k", i), fmt.Sprint("p", i))
	}
	h.advance(time.Second)
	// Split while parent records are still waiting.
	h.put("s", "k9", "p3")
	h.put("s", "k8", "p4")
	if _, err := h.kin.SplitShard(h.ctx(), &kinesissdk.SplitShardInput{
		StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"),
		NewStartingHashKey: aws.String("170141183460469231731687303715884105728"),
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		h.put("s", fmt.Sprint("c", i), fmt.Sprint("c", i))
	}
	h.drive("all records", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 11
	})
	mu.Lock()
	defer mu.Unlock()
	lastParent, firstChild := -1, len(order)
	children := map[string]bool{}
	for i, o := range order {
		if strings.HasPrefix(o, "shardId-000000000000/") {
			lastParent = i
		} else {
			firstChild = min(firstChild, i)
			children[strings.SplitN(o, "/", 2)[0]] = true
		}
	}
	if lastParent != 4 || firstChild != 5 || len(children) != 2 {
		t.Errorf("order %v: parent records must all come first, then both children", order)
	}
	_ = arn
}

// TestKinesisStartingPositions: LATEST skips what was written before the
// mapping, AT_TIMESTAMP starts at the timestamp.
func TestKinesisStartingPositions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pos  lambdatypes.EventSourcePosition
		want []string
	}{
		{lambdatypes.EventSourcePositionTrimHorizon, []string{"old", "mid", "new"}},
		{lambdatypes.EventSourcePositionAtTimestamp, []string{"mid", "new"}},
		{lambdatypes.EventSourcePositionLatest, []string{"new"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.pos), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.register("fn", func(ctx context.Context, ev events.KinesisEvent) error { return nil })
			arn := h.createStream("s", 2)
			h.put("s", "k", "old")
			h.advance(10 * time.Second)
			h.put("s", "k", "mid")
			h.createESM(trimHorizon("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
				in.StartingPosition = tc.pos
				if tc.pos == lambdatypes.EventSourcePositionAtTimestamp {
					in.StartingPositionTimestamp = aws.Time(epoch.Add(5 * time.Second))
				}
			}))
			h.settle()
			h.put("s", "k", "new")
			h.drive("new record", func() bool { return hasData(h.kinesisBatches("fn"), "new") })
			h.advance(5 * time.Second)
			var got []string
			for _, c := range h.kinesisBatches("fn") {
				got = append(got, c.datas()...)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("processed %v, want %v", got, tc.want)
			}
		})
	}
}

// TestKinesisRetryRules: a batch that keeps failing is discarded once its
// records pass MaximumRecordAgeInSeconds; throttles are retried without
// using up MaximumRetryAttempts; a batching window holds a small batch
// back until it ends.
func TestKinesisRetryRules(t *testing.T) {
	t.Parallel()
	t.Run("record age", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.register("fn", func(ctx context.Context, ev events.KinesisEvent) error { return errors.New("always") })
		arn := h.createStream("s", 1)
		dlqURL, dlqARN := h.createQueue("failures", nil)
		_, seq := h.put("s", "k", "old")
		h.createESM(trimHorizon("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
			in.MaximumRecordAgeInSeconds = aws.Int32(60)
			in.DestinationConfig = &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String(dlqARN)}}
		}))
		h.drive("discarded", func() bool { return h.queueDepth(dlqURL) == 1 })
		if now := h.e.Clock().Now(); now.Sub(epoch) <= 60*time.Second {
			t.Errorf("discarded after %v, before the maximum age", now.Sub(epoch))
		}
		body := aws.ToString(h.receiveAll(dlqURL)[0].Body)
		for _, want := range []string{`"condition":"RecordAgeExceeded"`, `"startSequenceNumber":"` + seq + `"`, `"functionError":"Unhandled"`} {
			if !strings.Contains(body, want) {
				t.Errorf("record lacks %s: %s", want, body)
			}
		}
	})
	t.Run("throttles are not retries", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.register("fn", func(ctx context.Context, ev events.KinesisEvent) error { return nil })
		if _, err := h.lambda.PutFunctionConcurrency(h.ctx(), &lambdasdk.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(0)}); err != nil {
			t.Fatal(err)
		}
		arn := h.createStream("s", 1)
		dlqURL, dlqARN := h.createQueue("failures", nil)
		h.put("s", "k", "a")
		id := h.createESM(trimHorizon("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
			in.MaximumRetryAttempts = aws.Int32(0)
			in.DestinationConfig = &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String(dlqARN)}}
		}))
		for range 30 {
			h.advance(time.Second)
		}
		if n := len(h.invocations("fn")); n != 0 || h.queueDepth(dlqURL) != 0 {
			t.Fatalf("throttled mapping: %d invocations, %d discarded", n, h.queueDepth(dlqURL))
		}
		if got := aws.ToString(h.getESM(id).LastProcessingResult); got != "PROBLEM: Function call failed" {
			t.Errorf("LastProcessingResult %q", got)
		}
		if _, err := h.lambda.DeleteFunctionConcurrency(h.ctx(), &lambdasdk.DeleteFunctionConcurrencyInput{FunctionName: aws.String("fn")}); err != nil {
			t.Fatal(err)
		}
		h.drive("processed once unthrottled", func() bool { return len(h.invocations("fn")) == 1 })
		if h.invocations("fn")[0].Attempt != 1 {
			t.Errorf("attempt %d after throttles, want 1", h.invocations("fn")[0].Attempt)
		}
	})
	t.Run("batching window", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.register("fn", func(ctx context.Context, ev events.KinesisEvent) error { return nil })
		arn := h.createStream("s", 1)
		h.createESM(trimHorizon("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) {
			in.MaximumBatchingWindowInSeconds = aws.Int32(5)
		}))
		h.put("s", "k", "a")
		h.advance(time.Second)
		h.put("s", "k", "b")
		h.advance(3 * time.Second)
		if n := len(h.invocations("fn")); n != 0 {
			t.Fatalf("%d invocations inside the batching window", n)
		}
		h.drive("window end", func() bool { return len(h.invocations("fn")) == 1 })
		if got := h.kinesisBatches("fn")[0].datas(); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("batch %v", got)
		}
	})
}

// TestKinesisMappingLifecycle: disabling pauses (and enabling resumes from
// the checkpoint), updates apply while running, deleting stops.
func TestKinesisMappingLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.register("one", func(ctx context.Context, ev events.KinesisEvent) error { return nil })
	h.register("two", func(ctx context.Context, ev events.KinesisEvent) error { return nil })
	arn := h.createStream("s", 1)
	id := h.createESM(trimHorizon("one", arn, nil))
	count := func(fn string) int {
		n := 0
		for _, c := range h.kinesisBatches(fn) {
			n += len(c.ev.Records)
		}
		return n
	}
	h.put("s", "k", "a")
	h.drive("a", func() bool { return count("one") == 1 })

	h.updateESM(&lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(id), Enabled: aws.Bool(false)})
	if st := aws.ToString(h.getESM(id).State); st != "Disabled" {
		t.Fatalf("state %s", st)
	}
	h.put("s", "k", "b")
	h.put("s", "k", "c")
	h.advance(10 * time.Second)
	if n := count("one"); n != 1 {
		t.Fatalf("%d records processed while disabled", n)
	}
	h.updateESM(&lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(id), Enabled: aws.Bool(true), BatchSize: aws.Int32(1)})
	h.drive("b and c", func() bool { return count("one") == 3 })
	calls := h.kinesisBatches("one")
	if len(calls) != 3 || len(calls[1].ev.Records) != 1 {
		t.Errorf("after re-enabling with BatchSize 1: %d invocations", len(calls))
	}

	h.updateESM(&lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(id), FunctionName: aws.String("two")})
	h.put("s", "k", "d")
	h.drive("d to two", func() bool { return count("two") == 1 })

	if _, err := h.lambda.DeleteEventSourceMapping(h.ctx(), &lambdasdk.DeleteEventSourceMappingInput{UUID: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	h.put("s", "k", "e")
	h.advance(10 * time.Second)
	if n1, n2 := count("one"), count("two"); n1 != 3 || n2 != 1 {
		t.Errorf("after delete: one %d two %d records", n1, n2)
	}
}

// TestKinesisIteratorExpiry: a clock jump past the iterators' five-minute
// lifetime loses and repeats nothing.
func TestKinesisIteratorExpiry(t *testing.T) {
	t.Parallel()
	for _, pos := range []lambdatypes.EventSourcePosition{lambdatypes.EventSourcePositionLatest, lambdatypes.EventSourcePositionTrimHorizon} {
		t.Run(string(pos), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.register("fn", func(ctx context.Context, ev events.KinesisEvent) error { return nil })
			arn := h.createStream("s", 1)
			h.createESM(trimHorizon("fn", arn, func(in *lambdasdk.CreateEventSourceMappingInput) { in.StartingPosition = pos }))
			h.settle()
			if pos == lambdatypes.EventSourcePositionTrimHorizon {
				h.put("s", "k", "a")
				h.drive("a", func() bool { return hasData(h.kinesisBatches("fn"), "a") })
			}
			h.advance(10 * time.Minute)
			h.put("s", "k", "b")
			h.drive("b", func() bool { return hasData(h.kinesisBatches("fn"), "b") })
			h.advance(10 * time.Minute)
			h.put("s", "k", "c")
			h.drive("c", func() bool { return hasData(h.kinesisBatches("fn"), "c") })
			var got []string
			for _, c := range h.kinesisBatches("fn") {
				got = append(got, c.datas()...)
			}
			want := []string{"b", "c"}
			if pos == lambdatypes.EventSourcePositionTrimHorizon {
				want = []string{"a", "b", "c"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("processed %v, want %v", got, want)
			}
		})
	}
}
