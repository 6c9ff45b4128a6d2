package emulator_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// Batch partial failures (issue 17): a rule with entries fails chosen or
// random entries of a batch with the per-entry codes AWS uses, after the
// request's own validation; a failed entry takes no effect.

// batchStream creates an active stream of shards shards on v's frozen
// clock and returns a Kinesis client.
func batchStream(t *testing.T, v *ebEnv, name string, shards int32) *awskinesis.Client {
	t.Helper()
	kc := awskinesis.NewFromConfig(v.e.AWSConfig())
	if _, err := kc.CreateStream(v.ctx, &awskinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatal(err)
	}
	v.advance(t, time.Second) // the stream becomes ACTIVE
	return kc
}

// streamData reads every record of a stream, sorted by data.
func streamData(t *testing.T, v *ebEnv, kc *awskinesis.Client, name string) []string {
	t.Helper()
	shards, err := kc.ListShards(v.ctx, &awskinesis.ListShardsInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sh := range shards.Shards {
		it, err := kc.GetShardIterator(v.ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String(name), ShardId: sh.ShardId,
			ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := kc.GetRecords(v.ctx, &awskinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs.Records {
			out = append(out, string(r.Data))
		}
	}
	slices.Sort(out)
	return out
}

// bodies returns the bodies of msgs, sorted.
func bodies(msgs []sqstypes.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = aws.ToString(m.Body)
	}
	slices.Sort(out)
	return out
}

// ruleUnused fails t when the rule has matched a call: the request was
// refused by its own validation before any fault was considered.
func ruleUnused(t *testing.T, e *emulator.Emulator, id string) {
	t.Helper()
	for _, s := range e.Faults().List() {
		if s.ID == id && (s.Matched != 0 || s.Fired != 0) {
			t.Fatalf("rule %s matched %d, fired %d on a request AWS's validation refuses", id, s.Matched, s.Fired)
		}
	}
}

func TestFaultsPutRecordsPartialFailuresRetriedByCaller(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	kc := batchStream(t, v, "orders", 2)
	rule := addFault(t, v.e, faults.Rule{Service: "kinesis", Operation: "PutRecords", Resource: "orders",
		Entries: &faults.Entries{Indexes: []int{1, 3}}, Count: 1})

	// The request's own validation comes first: a missing stream is
	// refused whole and the rule is not spent.
	_, err := kc.PutRecords(v.ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("missing"),
		Records: []kinesistypes.PutRecordsRequestEntry{{Data: []byte("x"), PartitionKey: aws.String("k")}}})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	ruleUnused(t, v.e, rule.ID)

	var want []string
	var records []kinesistypes.PutRecordsRequestEntry
	for i := range 5 {
		d := "r" + strconv.Itoa(i)
		want = append(want, d)
		records = append(records, kinesistypes.PutRecordsRequestEntry{Data: []byte(d), PartitionKey: aws.String("key-" + d)})
	}
	out, err := kc.PutRecords(v.ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("orders"), Records: records})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.FailedRecordCount) != 2 || len(out.Records) != 5 {
		t.Fatalf("FailedRecordCount %d of %d records, want 2 of 5", aws.ToInt32(out.FailedRecordCount), len(out.Records))
	}
	var retry []kinesistypes.PutRecordsRequestEntry
	for i, r := range out.Records {
		failed := i == 1 || i == 3
		msg := aws.ToString(r.ErrorMessage)
		ok := r.ErrorCode == nil && r.SequenceNumber != nil && r.ShardId != nil
		if failed {
			ok = aws.ToString(r.ErrorCode) == "ProvisionedThroughputExceededException" && r.SequenceNumber == nil && r.ShardId == nil &&
				strings.HasPrefix(msg, "Rate exceeded for shard shardId-00000000000") &&
				strings.HasSuffix(msg, " in stream orders under account "+emulator.DefaultAccount+".")
		}
		if !ok {
			t.Fatalf("record %d: %+v (code %s, message %s)", i, r, aws.ToString(r.ErrorCode), msg)
		}
		if r.ErrorCode != nil {
			retry = append(retry, records[i])
		}
	}
	// The failed records were not written.
	if got := streamData(t, v, kc, "orders"); !reflect.DeepEqual(got, []string{"r0", "r2", "r4"}) {
		t.Fatalf("stream after the partial failure: %v", got)
	}
	// The caller retries just the failed records, as the PutRecords
	// documentation asks; the rule is spent, so they go through.
	out, err = kc.PutRecords(v.ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("orders"), Records: retry})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("retry: %v, %+v", err, out)
	}
	if got := streamData(t, v, kc, "orders"); !reflect.DeepEqual(got, want) {
		t.Fatalf("stream holds %v, want every record once: %v", got, want)
	}
	log, _ := v.e.Faults().Log()
	if len(log) != 1 || log[0].Rule != rule.ID || log[0].Operation != "PutRecords" || log[0].Resource != "orders" ||
		log[0].Fault != "entries [1,3] ProvisionedThroughputExceededException" || log[0].RequestID == "" {
		t.Fatalf("log %+v", log)
	}
}

func TestFaultsPutRecordsEntryCodes(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	kc := batchStream(t, v, "codes", 1)
	tests := []struct {
		name              string
		entries           faults.Entries
		wantCode, wantMsg string
	}{
		{"default", faults.Entries{Indexes: []int{0}}, "ProvisionedThroughputExceededException",
			"Rate exceeded for shard shardId-000000000000 in stream codes under account " + emulator.DefaultAccount + "."},
		{"internal failure", faults.Entries{Indexes: []int{0}, Error: "InternalFailure"}, "InternalFailure", "Internal service failure."},
		{"own message", faults.Entries{Indexes: []int{0}, Message: "slow down"}, "ProvisionedThroughputExceededException", "slow down"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := addFault(t, v.e, faults.Rule{Service: "kinesis", Operation: "PutRecords", Entries: &tc.entries, Count: 1})
			defer v.e.Faults().Remove(r.ID)
			out, err := kc.PutRecords(v.ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("codes"),
				Records: []kinesistypes.PutRecordsRequestEntry{{Data: []byte("a"), PartitionKey: aws.String("k")}, {Data: []byte("b"), PartitionKey: aws.String("k")}}})
			if err != nil {
				t.Fatal(err)
			}
			r0, r1 := out.Records[0], out.Records[1]
			if aws.ToInt32(out.FailedRecordCount) != 1 || aws.ToString(r0.ErrorCode) != tc.wantCode || aws.ToString(r0.ErrorMessage) != tc.wantMsg ||
				r0.SequenceNumber != nil || r1.ErrorCode != nil || r1.SequenceNumber == nil {
				t.Fatalf("failed %d; record 0 %s %q; record 1 %+v", aws.ToInt32(out.FailedRecordCount), aws.ToString(r0.ErrorCode), aws.ToString(r0.ErrorMessage), r1)
			}
		})
	}
}

func TestFaultsSendMessageBatchPartialFailure(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	url, _ := v.queue(t, "jobs", nil)
	rule := addFault(t, v.e, faults.Rule{Service: "sqs", Operation: "SendMessageBatch", Resource: "jobs",
		Entries: &faults.Entries{Indexes: []int{0, 2}}, Count: 1})

	_, err := v.sqs.SendMessageBatch(v.ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(url),
		Entries: []sqstypes.SendMessageBatchRequestEntry{{Id: aws.String("a"), MessageBody: aws.String("x")}, {Id: aws.String("a"), MessageBody: aws.String("y")}}})
	wantAPIError(t, err, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "")
	ruleUnused(t, v.e, rule.ID)

	// Entry 2 is invalid: its own error wins over the injected fault.
	out, err := v.sqs.SendMessageBatch(v.ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("e0"), MessageBody: aws.String("m0")},
		{Id: aws.String("e1"), MessageBody: aws.String("m1")},
		{Id: aws.String("e2"), MessageBody: aws.String("m2"), DelaySeconds: 1000},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 1 || aws.ToString(out.Successful[0].Id) != "e1" || len(out.Failed) != 2 {
		t.Fatalf("successful %+v, failed %+v", out.Successful, out.Failed)
	}
	f0, f2 := out.Failed[0], out.Failed[1]
	if aws.ToString(f0.Id) != "e0" || aws.ToString(f0.Code) != "InternalError" || f0.SenderFault || aws.ToString(f0.Message) == "" {
		t.Fatalf("injected failure %+v", f0)
	}
	if aws.ToString(f2.Id) != "e2" || aws.ToString(f2.Code) != "InvalidParameterValue" || !f2.SenderFault {
		t.Fatalf("validation failure %+v (code %s)", f2, aws.ToString(f2.Code))
	}
	if got := bodies(v.receive(t, url)); !reflect.DeepEqual(got, []string{"m1"}) {
		t.Fatalf("queue holds %v, want only m1", got)
	}
	// The caller resends the failed entry; the rule is spent.
	out, err = v.sqs.SendMessageBatch(v.ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(url),
		Entries: []sqstypes.SendMessageBatchRequestEntry{{Id: aws.String("e0"), MessageBody: aws.String("m0")}}})
	if err != nil || len(out.Failed) != 0 {
		t.Fatalf("resend: %v, %+v", err, out)
	}
	if got := bodies(v.receive(t, url)); !reflect.DeepEqual(got, []string{"m0"}) {
		t.Fatalf("queue holds %v after the resend, want m0", got)
	}
}

func TestFaultsDeleteMessageBatchPartialFailure(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	url, _ := v.queue(t, "work", map[string]string{"VisibilityTimeout": "30"})
	for i := range 3 {
		if _, err := v.sqs.SendMessage(v.ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("m" + strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := v.sqs.ReceiveMessage(v.ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 3 {
		t.Fatalf("receive: %v, %d messages", err, len(got.Messages))
	}
	handle := map[string]*string{}
	for _, m := range got.Messages {
		handle[aws.ToString(m.Body)] = m.ReceiptHandle
	}
	rule := addFault(t, v.e, faults.Rule{Service: "sqs", Operation: "DeleteMessageBatch", Resource: "work",
		Entries: &faults.Entries{Indexes: []int{1, 2}}, Count: 1})

	_, err = v.sqs.DeleteMessageBatch(v.ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(url),
		Entries: []sqstypes.DeleteMessageBatchRequestEntry{{Id: aws.String("bad id!"), ReceiptHandle: handle["m0"]}}})
	wantAPIError(t, err, "AWS.SimpleQueueService.InvalidBatchEntryId", "")
	ruleUnused(t, v.e, rule.ID)

	// Entry 2's handle is not valid: its own error wins over the fault.
	out, err := v.sqs.DeleteMessageBatch(v.ctx, &awssqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.DeleteMessageBatchRequestEntry{
		{Id: aws.String("d0"), ReceiptHandle: handle["m0"]},
		{Id: aws.String("d1"), ReceiptHandle: handle["m1"]},
		{Id: aws.String("d2"), ReceiptHandle: aws.String("not-a-handle")},
		{Id: aws.String("d3"), ReceiptHandle: handle["m2"]},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || aws.ToString(out.Successful[0].Id) != "d0" || aws.ToString(out.Successful[1].Id) != "d3" || len(out.Failed) != 2 {
		t.Fatalf("successful %+v, failed %+v", out.Successful, out.Failed)
	}
	f1, f2 := out.Failed[0], out.Failed[1]
	if aws.ToString(f1.Id) != "d1" || aws.ToString(f1.Code) != "InternalError" || f1.SenderFault {
		t.Fatalf("injected failure %+v", f1)
	}
	if aws.ToString(f2.Id) != "d2" || aws.ToString(f2.Code) != "ReceiptHandleIsInvalid" || !f2.SenderFault {
		t.Fatalf("validation failure %+v (code %s)", f2, aws.ToString(f2.Code))
	}
	// m1 was not deleted: it comes back once its visibility times out.
	v.advance(t, 31*time.Second)
	if got := bodies(v.receive(t, url)); !reflect.DeepEqual(got, []string{"m1"}) {
		t.Fatalf("visible again: %v, want only m1", got)
	}
}

func TestFaultsPublishBatchPartialFailure(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	snsc := awssns.NewFromConfig(v.e.AWSConfig())
	topic, err := snsc.CreateTopic(v.ctx, &awssns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil {
		t.Fatal(err)
	}
	url, arn := v.queue(t, "inbox", nil)
	if _, err := snsc.Subscribe(v.ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(arn),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	rule := addFault(t, v.e, faults.Rule{Service: "sns", Operation: "PublishBatch", Resource: "alerts",
		Entries: &faults.Entries{Indexes: []int{0, 2}}, Count: 1})

	_, err = snsc.PublishBatch(v.ctx, &awssns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("p"), Message: aws.String("x")}, {Id: aws.String("p"), Message: aws.String("y")}}})
	wantAPIError(t, err, "BatchEntryIdsNotDistinct", "")
	ruleUnused(t, v.e, rule.ID)

	out, err := snsc.PublishBatch(v.ctx, &awssns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("p0"), Message: aws.String("m0")},
		{Id: aws.String("p1"), Message: aws.String("m1")},
		{Id: aws.String("p2"), Message: aws.String("m2")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 1 || aws.ToString(out.Successful[0].Id) != "p1" || len(out.Failed) != 2 {
		t.Fatalf("successful %+v, failed %+v", out.Successful, out.Failed)
	}
	for i, f := range out.Failed {
		if aws.ToString(f.Id) != fmt.Sprintf("p%d", 2*i) || aws.ToString(f.Code) != "InternalError" || f.SenderFault || aws.ToString(f.Message) == "" {
			t.Fatalf("failed entry %+v", f)
		}
	}
	v.settle(t)
	if got := bodies(v.receive(t, url)); !reflect.DeepEqual(got, []string{"m1"}) {
		t.Fatalf("subscribers got %v, want only m1", got)
	}
}

func TestFaultsPutEventsPartialFailure(t *testing.T) {
	t.Parallel()
	v := newEBEnv(t)
	url, arn := v.queue(t, "orders", nil)
	v.rule(t, "all-orders", `{"source":["com.shop"]}`, ebtypes.Target{Id: aws.String("q"), Arn: aws.String(arn), InputPath: aws.String("$.detail")})
	rule := addFault(t, v.e, faults.Rule{Service: "events", Operation: "PutEvents", Resource: "default",
		Entries: &faults.Entries{Indexes: []int{1, 2}}, Count: 1})

	_, err := v.eb.PutEvents(v.ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{orderEntry(`{"pad":"` + strings.Repeat("x", 1<<20) + `"}`)}})
	wantAPIError(t, err, "ValidationException", "")
	ruleUnused(t, v.e, rule.ID)

	// Entry 2 has no detail: its own error wins over the fault.
	out, err := v.eb.PutEvents(v.ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		orderEntry(`{"n":0}`), orderEntry(`{"n":1}`), {Source: aws.String("com.shop"), DetailType: aws.String("Order Placed")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e0, e1, e2 := out.Entries[0], out.Entries[1], out.Entries[2]
	if out.FailedEntryCount != 2 || e0.EventId == nil || e0.ErrorCode != nil ||
		aws.ToString(e1.ErrorCode) != "ThrottlingException" || aws.ToString(e1.ErrorMessage) == "" || e1.EventId != nil ||
		aws.ToString(e2.ErrorCode) != "InvalidArgument" {
		t.Fatalf("FailedEntryCount %d, entries %+v", out.FailedEntryCount, out.Entries)
	}
	v.settle(t)
	if got := bodies(v.receive(t, url)); !reflect.DeepEqual(got, []string{`{"n":0}`}) {
		t.Fatalf("target got %v, want only the first event", got)
	}
}

// TestFaultsBatchEntriesDeterministic runs the same calls against fresh
// emulators with the same seeded random rule: the same entries fail.
func TestFaultsBatchEntriesDeterministic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, service string
		n             int
		// run sends a batch of n entries and returns the failed indexes.
		run func(t *testing.T, v *ebEnv, n int) []int
	}{
		{"kinesis PutRecords", "kinesis", 60, func(t *testing.T, v *ebEnv, n int) []int {
			kc := batchStream(t, v, "s", 2)
			var recs []kinesistypes.PutRecordsRequestEntry
			for i := range n {
				recs = append(recs, kinesistypes.PutRecordsRequestEntry{Data: []byte{byte(i)}, PartitionKey: aws.String(strconv.Itoa(i))})
			}
			out, err := kc.PutRecords(v.ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("s"), Records: recs})
			if err != nil {
				t.Fatal(err)
			}
			var failed []int
			for i, r := range out.Records {
				if r.ErrorCode != nil {
					failed = append(failed, i)
				}
			}
			if int(aws.ToInt32(out.FailedRecordCount)) != len(failed) {
				t.Fatalf("FailedRecordCount %d, %d records failed", aws.ToInt32(out.FailedRecordCount), len(failed))
			}
			return failed
		}},
		{"sqs SendMessageBatch", "sqs", 10, func(t *testing.T, v *ebEnv, n int) []int {
			url, _ := v.queue(t, "q", nil)
			var entries []sqstypes.SendMessageBatchRequestEntry
			for i := range n {
				entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String("m")})
			}
			out, err := v.sqs.SendMessageBatch(v.ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
			if err != nil {
				t.Fatal(err)
			}
			var failed []int
			for _, f := range out.Failed {
				i, _ := strconv.Atoi(aws.ToString(f.Id))
				failed = append(failed, i)
			}
			slices.Sort(failed)
			return failed
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := func(seed uint64) []int {
				v := newEBEnv(t)
				addFault(t, v.e, faults.Rule{Service: tc.service, Seed: seed, Entries: &faults.Entries{Random: 0.4}})
				return tc.run(t, v, tc.n)
			}
			a, b := run(7), run(7)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("seed 7 failed %v, then %v", a, b)
			}
			if len(a) == 0 || len(a) == tc.n {
				t.Fatalf("random 0.4 of %d entries failed %v", tc.n, a)
			}
			if c := run(8); reflect.DeepEqual(a, c) {
				t.Fatalf("seeds 7 and 8 failed the same entries %v", a)
			}
		})
	}
}

// BenchmarkFaultsBatchHooks measures the batch operations' fault hooks on
// the typed operations (no HTTP): with no rule the hook is one atomic
// load; with 10 entries rules that match the service and operation but
// not the resource, each call tries them all.
func BenchmarkFaultsBatchHooks(b *testing.B) {
	for _, n := range []int{0, 10} {
		b.Run(fmt.Sprintf("PutRecords/%d rules", n), func(b *testing.B) {
			e := emulator.Start(b, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(ebStart))))
			ctx := context.Background()
			ks := e.Kinesis()
			if _, err := ks.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
				b.Fatal(err)
			}
			if err := e.Clock().Advance(time.Second); err != nil { // the stream becomes ACTIVE
				b.Fatal(err)
			}
			if err := e.Clock().Settle(ctx); err != nil {
				b.Fatal(err)
			}
			benchRules(b, e, "kinesis", "PutRecords", n)
			recs := make([]kinesis.PutRecordsRequestEntry, 100)
			for i := range recs {
				recs[i] = kinesis.PutRecordsRequestEntry{Data: []byte("0123456789"), PartitionKey: aws.String("pk-" + strconv.Itoa(i))}
			}
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				out, err := ks.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("bench"), Records: recs})
				if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
					b.Fatal(err)
				}
			}
			// CPU per call is steadier than time on a busy machine.
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
		b.Run(fmt.Sprintf("SendMessageBatch/%d rules", n), func(b *testing.B) {
			e := emulator.Start(b, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(ebStart))))
			ctx := context.Background()
			qs := e.SQS()
			q, err := qs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bench")})
			if err != nil {
				b.Fatal(err)
			}
			benchRules(b, e, "sqs", "SendMessageBatch", n)
			entries := make([]sqs.SendMessageBatchRequestEntry, 10)
			for i := range entries {
				entries[i] = sqs.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String("benchmark message body " + strconv.Itoa(i))}
			}
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				out, err := qs.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries})
				if err != nil || len(out.Failed) != 0 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkFaultsBatchHookAlone is the hook the batch operations run, as
// they run it (Kinesis PutRecords' resources), without the operation: its
// cost per call with no rule and with 10 non-matching rules.
func BenchmarkFaultsBatchHookAlone(b *testing.B) {
	for _, n := range []int{0, 10} {
		b.Run(fmt.Sprintf("%d rules", n), func(b *testing.B) {
			e := emulator.Start(b)
			benchRules(b, e, "kinesis", "PutRecords", n)
			env := awsapi.Env{Scope: awsapi.Scope{Account: emulator.DefaultAccount, Region: "us-east-1"}, Faults: e.Faults()}
			ctx := context.Background()
			name, arn := "bench", "arn:aws:kinesis:us-east-1:"+emulator.DefaultAccount+":stream/bench"
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				if env.Faults != nil && env.Faults.Active() {
					if env.EntryFaults(ctx, "kinesis", "PutRecords", 100, name, arn) != nil {
						b.Fatal("a rule fired")
					}
				}
			}
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// benchRules adds n entries rules for service and op on resources the
// benchmark does not use.
func benchRules(b *testing.B, e *emulator.Emulator, service, op string, n int) {
	b.Helper()
	for i := range n {
		if _, err := e.Faults().Add(faults.Rule{Service: service, Operation: op, Resource: fmt.Sprintf("other-%d", i),
			Entries: &faults.Entries{Indexes: []int{0}}}); err != nil {
			b.Fatal(err)
		}
	}
}
