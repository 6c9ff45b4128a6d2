package sqs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// prig is one SQS service on its own frozen clock, for persistence tests.
type prig struct {
	t   *testing.T
	ctx context.Context
	clk *clock.Clock
	svc *sqs.Service
}

var persistStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newPrig(t *testing.T, j awsapi.Journal, start time.Time) *prig {
	t.Helper()
	clk := clock.New(clock.WithStart(start), clock.WithScale(0))
	t.Cleanup(func() { _ = clk.Close() })
	svc := sqs.New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"},
		Clock: clk, Logger: slog.New(slog.DiscardHandler), Journal: j})
	t.Cleanup(func() { _ = svc.Close() })
	return &prig{t: t, ctx: context.Background(), clk: clk, svc: svc}
}

// pm returns v, panicking (failing the test) on an error.
func pm[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func purl(name string) *string { return aws.String("http://localhost:4566/000000000000/" + name) }

func parn(name string) *string { return aws.String("arn:aws:sqs:us-east-1:000000000000:" + name) }

// advance moves r's clock and waits for the callbacks it fires.
func (r *prig) advance(d time.Duration) {
	r.t.Helper()
	if err := r.clk.Advance(d); err != nil {
		r.t.Fatal(err)
	}
	if err := r.clk.Settle(r.ctx); err != nil {
		r.t.Fatal(err)
	}
}

func (r *prig) create(name string, attrs map[string]string) {
	r.t.Helper()
	pm(r.svc.CreateQueue(r.ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs}))
}

func (r *prig) send(name, body string, mod func(*sqs.SendMessageInput)) *sqs.SendMessageOutput {
	r.t.Helper()
	in := &sqs.SendMessageInput{QueueUrl: purl(name), MessageBody: aws.String(body)}
	if mod != nil {
		mod(in)
	}
	return pm(r.svc.SendMessage(r.ctx, in))
}

func (r *prig) receive(name string, n int32, vis *int32) []sqs.Message {
	r.t.Helper()
	out := pm(r.svc.ReceiveMessage(r.ctx, &sqs.ReceiveMessageInput{QueueUrl: purl(name), MaxNumberOfMessages: aws.Int32(n),
		VisibilityTimeout: vis, MessageSystemAttributeNames: []sqs.MessageSystemAttributeName{"All"}, MessageAttributeNames: []string{"All"}}))
	return out.Messages
}

func (r *prig) batch(name string, n int, group bool) {
	r.t.Helper()
	entries := make([]sqs.SendMessageBatchRequestEntry, n)
	for i := range entries {
		entries[i] = sqs.SendMessageBatchRequestEntry{Id: aws.String("e" + strconv.Itoa(i)), MessageBody: aws.String(fmt.Sprintf("batch %d \"q\" \\ \n\tü😀", i))}
		if group {
			entries[i].MessageGroupId = aws.String("g" + strconv.Itoa(i%3))
		}
	}
	out := pm(r.svc.SendMessageBatch(r.ctx, &sqs.SendMessageBatchInput{QueueUrl: purl(name), Entries: entries}))
	if len(out.Failed) > 0 {
		r.t.Fatalf("batch failed: %+v", out.Failed)
	}
}

// persistScenarios drive every state-changing operation of the service,
// background changes included.
func persistScenarios() []struct {
	name string
	run  func(r *prig)
} {
	return []struct {
		name string
		run  func(r *prig)
	}{
		{"standard queue", func(r *prig) {
			r.create("std", map[string]string{"VisibilityTimeout": "40", "KmsMasterKeyId": "alias/x"})
			r.send("std", "with attributes", func(in *sqs.SendMessageInput) {
				in.MessageAttributes = map[string]sqs.MessageAttributeValue{
					"s": {DataType: aws.String("String"), StringValue: aws.String("v \"x\"")},
					"n": {DataType: aws.String("Number.int"), StringValue: aws.String("42")},
					"b": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
				}
				in.MessageSystemAttributes = map[string]sqs.MessageSystemAttributeValue{"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-abc")}}
			})
			r.send("std", "delayed", func(in *sqs.SendMessageInput) { in.DelaySeconds = aws.Int32(120) })
			r.batch("std", 10, false)
			r.advance(time.Second)
			got := r.receive("std", 6, nil)
			pm(r.svc.DeleteMessage(r.ctx, &sqs.DeleteMessageInput{QueueUrl: purl("std"), ReceiptHandle: got[0].ReceiptHandle}))
			pm(r.svc.DeleteMessageBatch(r.ctx, &sqs.DeleteMessageBatchInput{QueueUrl: purl("std"), Entries: []sqs.DeleteMessageBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: got[1].ReceiptHandle}}}))
			pm(r.svc.ChangeMessageVisibility(r.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: purl("std"), ReceiptHandle: got[2].ReceiptHandle, VisibilityTimeout: aws.Int32(300)}))
			pm(r.svc.ChangeMessageVisibility(r.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: purl("std"), ReceiptHandle: got[3].ReceiptHandle, VisibilityTimeout: aws.Int32(0)}))
			pm(r.svc.ChangeMessageVisibilityBatch(r.ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: purl("std"), Entries: []sqs.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: got[4].ReceiptHandle, VisibilityTimeout: aws.Int32(7)}}}))
			r.advance(10 * time.Second) // got[4] returns
			r.receive("std", 2, aws.Int32(0))
			r.receive("std", 1, nil) // takes a returned one
			r.advance(41 * time.Second)
			// The returned message shows again; changing a visible one
			// takes it in flight.
			pm(r.svc.ChangeMessageVisibility(r.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: purl("std"), ReceiptHandle: got[5].ReceiptHandle, VisibilityTimeout: aws.Int32(20)}))
			r.receive("std", 1, nil)
			// Each queue's last change is one operation, so that a missing
			// row write shows.
			for _, n := range []string{"pa", "pb", "pc", "pd", "pe"} {
				pm(r.svc.CreateQueue(r.ctx, &sqs.CreateQueueInput{QueueName: aws.String(n), Tags: map[string]string{"b": "2"}}))
			}
			r.advance(time.Second) // a later modification time
			pm(r.svc.SetQueueAttributes(r.ctx, &sqs.SetQueueAttributesInput{QueueUrl: purl("pa"), Attributes: map[string]string{"DelaySeconds": "5", "Policy": `{"Version":"2012-10-17"}`}}))
			pm(r.svc.TagQueue(r.ctx, &sqs.TagQueueInput{QueueUrl: purl("pb"), Tags: map[string]string{"a": "1"}}))
			pm(r.svc.UntagQueue(r.ctx, &sqs.UntagQueueInput{QueueUrl: purl("pc"), TagKeys: []string{"b"}}))
			pm(r.svc.AddPermission(r.ctx, &sqs.AddPermissionInput{QueueUrl: purl("pd"), Label: aws.String("l1"), AWSAccountIds: []string{"111111111111"}, Actions: []string{"SendMessage"}}))
			pm(r.svc.AddPermission(r.ctx, &sqs.AddPermissionInput{QueueUrl: purl("pe"), Label: aws.String("l1"), AWSAccountIds: []string{"111111111111"}, Actions: []string{"SendMessage"}}))
			pm(r.svc.AddPermission(r.ctx, &sqs.AddPermissionInput{QueueUrl: purl("pe"), Label: aws.String("l2"), AWSAccountIds: []string{"222222222222"}, Actions: []string{"ReceiveMessage", "DeleteMessage"}}))
			pm(r.svc.RemovePermission(r.ctx, &sqs.RemovePermissionInput{QueueUrl: purl("pe"), Label: aws.String("l1")}))
		}},
		{"fifo queue", func(r *prig) {
			r.create("f.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
			r.create("g.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
			r.batch("f.fifo", 9, true)
			for i := range 3 {
				r.send("g.fifo", "m", func(in *sqs.SendMessageInput) {
					in.MessageGroupId, in.MessageDeduplicationId = aws.String("grp"+strconv.Itoa(i)), aws.String("same")
				})
			}
			r.send("f.fifo", "batch 0 \"q\" \\ \n\tü😀", func(in *sqs.SendMessageInput) { in.MessageGroupId = aws.String("g0") }) // a duplicate
			got := pm(r.svc.ReceiveMessage(r.ctx, &sqs.ReceiveMessageInput{QueueUrl: purl("f.fifo"), MaxNumberOfMessages: aws.Int32(2), ReceiveRequestAttemptId: aws.String("try")})).Messages
			r.advance(time.Second) // the retry extends the visibility
			pm(r.svc.ReceiveMessage(r.ctx, &sqs.ReceiveMessageInput{QueueUrl: purl("f.fifo"), MaxNumberOfMessages: aws.Int32(2), ReceiveRequestAttemptId: aws.String("try")}))
			pm(r.svc.DeleteMessage(r.ctx, &sqs.DeleteMessageInput{QueueUrl: purl("f.fifo"), ReceiptHandle: got[0].ReceiptHandle}))
			pm(r.svc.ChangeMessageVisibility(r.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: purl("f.fifo"), ReceiptHandle: got[1].ReceiptHandle, VisibilityTimeout: aws.Int32(0)}))
			r.receive("f.fifo", 3, aws.Int32(60))
			r.receive("g.fifo", 1, aws.Int32(5))
			r.advance(6 * time.Minute) // the deduplication window ends
			r.send("g.fifo", "later", func(in *sqs.SendMessageInput) {
				in.MessageGroupId, in.MessageDeduplicationId = aws.String("grp0"), aws.String("later")
			})
			r.receive("f.fifo", 1, nil)
			r.create("h.fifo", map[string]string{"FifoQueue": "true"})
			r.send("h.fifo", "tried", func(in *sqs.SendMessageInput) {
				in.MessageGroupId, in.MessageDeduplicationId = aws.String("g"), aws.String("t")
			})
			for range 2 { // the retry extends the visibility
				pm(r.svc.ReceiveMessage(r.ctx, &sqs.ReceiveMessageInput{QueueUrl: purl("h.fifo"), ReceiveRequestAttemptId: aws.String("again")}))
				r.advance(time.Second)
			}
		}},
		{"dead letters and move tasks", func(r *prig) {
			r.create("dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"allowAll"}`})
			r.create("dst", nil)
			r.create("src", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"1"}`})
			r.batch("src", 8, false)
			r.receive("src", 8, aws.Int32(0))
			r.receive("src", 10, nil) // all eight go to the dead-letter queue
			t1 := pm(r.svc.StartMessageMoveTask(r.ctx, &sqs.StartMessageMoveTaskInput{SourceArn: parn("dlq"), DestinationArn: parn("dst"), MaxNumberOfMessagesPerSecond: aws.Int32(2)}))
			r.advance(time.Second)
			pm(r.svc.CancelMessageMoveTask(r.ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: t1.TaskHandle}))
			pm(r.svc.StartMessageMoveTask(r.ctx, &sqs.StartMessageMoveTaskInput{SourceArn: parn("dlq"), MaxNumberOfMessagesPerSecond: aws.Int32(1)}))
			r.advance(time.Second) // left running
		}},
		{"purge, retention and deletion", func(r *prig) {
			r.create("short", map[string]string{"MessageRetentionPeriod": "60"})
			r.create("gone", nil)
			r.create("purged", nil)
			r.batch("short", 3, false)
			r.batch("gone", 3, false)
			r.batch("purged", 3, false)
			r.receive("purged", 1, nil)
			pm(r.svc.PurgeQueue(r.ctx, &sqs.PurgeQueueInput{QueueUrl: purl("purged")}))
			r.send("purged", "after purge", nil)
			r.receive("short", 1, nil)
			r.advance(61 * time.Second)
			r.receive("short", 10, nil) // the rest expired
			r.send("short", "fresh", nil)
			pm(r.svc.DeleteQueue(r.ctx, &sqs.DeleteQueueInput{QueueUrl: purl("gone")}))
		}},
	}
}

// replayed builds a service on a clock at r's time from entries, with its
// own journal seeded with the same rows.
func replayed(t *testing.T, r *prig, entries ...[]awsapi.JournalEntry) (*prig, *awsapi.MemoryJournal) {
	t.Helper()
	j := &awsapi.MemoryJournal{}
	n := newPrig(t, j, r.clk.Now())
	for _, list := range entries {
		for _, e := range list {
			if e.Value == nil {
				j.Delete(e.Key)
			} else {
				j.Put(e.Key, e.Value)
			}
			if err := n.svc.RestoreState(e.Key, e.Value); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := n.svc.RestoreDone(); err != nil {
		t.Fatal(err)
	}
	return n, j
}

// requireRows fails unless the journal's rows are what the service dumps.
func requireRows(t *testing.T, what string, j *awsapi.MemoryJournal, svc *sqs.Service) {
	t.Helper()
	dump, err := awsapi.DumpRows(svc)
	if err != nil {
		t.Fatal(err)
	}
	requireSameRows(t, what, j.Rows(), dump)
}

func requireSameRows(t *testing.T, what string, got, want []awsapi.JournalEntry) {
	t.Helper()
	gm, wm := map[string][]byte{}, map[string][]byte{}
	for _, e := range got {
		gm[e.Key] = e.Value
	}
	for _, e := range want {
		wm[e.Key] = e.Value
		if g, ok := gm[e.Key]; !ok {
			t.Errorf("%s: row %s missing\n want %s", what, e.Key, e.Value)
		} else if !bytes.Equal(g, e.Value) {
			t.Errorf("%s: row %s differs\n got  %s\n want %s", what, e.Key, g, e.Value)
		}
	}
	for _, e := range got {
		if _, ok := wm[e.Key]; !ok {
			t.Errorf("%s: stale row %s = %s", what, e.Key, e.Value)
		}
	}
	for _, e := range got {
		if !json.Valid(e.Value) {
			t.Errorf("%s: row %s is not JSON: %s", what, e.Key, e.Value)
		}
	}
}

// observe answers every read operation on r, then goes on using the
// queues as the clock moves (visibility, delays, retention, dead letters,
// move tasks), and renders all it saw. Receipt handles and the sequence
// numbers of messages moved after the observation began are counters that
// a restore advances, so they are left out (rows compare them exactly).
func observe(r *prig) string {
	var b strings.Builder
	put := func(label string, v any, err error) {
		if err != nil {
			fmt.Fprintf(&b, "%s: error %v\n", label, err)
			return
		}
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "%s: %s\n", label, j)
	}
	_, err := r.svc.CreateQueue(r.ctx, &sqs.CreateQueueInput{QueueName: aws.String("gone")})
	put("recreate", nil, err)
	reads := func(round int) []string {
		lq, err := r.svc.ListQueues(r.ctx, &sqs.ListQueuesInput{})
		put("list", lq, err)
		var names []string
		for _, u := range lq.QueueUrls {
			names = append(names, u[strings.LastIndexByte(u, '/')+1:])
		}
		for _, n := range names {
			ga, err := r.svc.GetQueueAttributes(r.ctx, &sqs.GetQueueAttributesInput{QueueUrl: purl(n), AttributeNames: []sqs.QueueAttributeName{"All"}})
			put(fmt.Sprint(round, " attrs ", n), ga, err)
			tg, err := r.svc.ListQueueTags(r.ctx, &sqs.ListQueueTagsInput{QueueUrl: purl(n)})
			put("tags "+n, tg, err)
			dl, err := r.svc.ListDeadLetterSourceQueues(r.ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: purl(n)})
			put("dlsources "+n, dl, err)
			mt, err := r.svc.ListMessageMoveTasks(r.ctx, &sqs.ListMessageMoveTasksInput{SourceArn: parn(n), MaxResults: aws.Int32(10)})
			put("tasks "+n, mt, err)
		}
		return names
	}
	names := reads(0)
	for round, step := range []time.Duration{0, time.Second, 2 * time.Second, 30 * time.Second, 5 * time.Minute, 20 * time.Minute} {
		r.advance(step)
		for _, n := range names {
			for range 3 {
				out, err := r.svc.ReceiveMessage(r.ctx, &sqs.ReceiveMessageInput{QueueUrl: purl(n), MaxNumberOfMessages: aws.Int32(10),
					MessageSystemAttributeNames: []sqs.MessageSystemAttributeName{"All"}, MessageAttributeNames: []string{"All"}})
				if err == nil {
					for i := range out.Messages {
						out.Messages[i].ReceiptHandle = nil
						if round > 0 {
							delete(out.Messages[i].Attributes, "SequenceNumber")
						}
					}
				}
				put(fmt.Sprint(round, " receive ", n), out, err)
			}
		}
		reads(round + 1)
	}
	return b.String()
}

// TestPersistJournal drives each scenario with a journal, then checks that
// the journal holds exactly the rows the service dumps, that replaying the
// journal, the dump, or the dump followed by the whole journal rebuilds the
// same state (byte-equal rows), that each rebuilt service answers every read
// and goes on as the original does, and that it journals its own changes.
func TestPersistJournal(t *testing.T) {
	t.Parallel()
	for _, sc := range persistScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			j := &awsapi.MemoryJournal{}
			orig := newPrig(t, j, persistStart)
			sc.run(orig)
			requireRows(t, "original", j, orig.svc)
			dump := pm(awsapi.DumpRows(orig.svc))
			log := j.Log()
			if len(dump) == 0 {
				t.Fatal("nothing dumped")
			}
			restored := []struct {
				name    string
				entries [][]awsapi.JournalEntry
			}{
				{"journal replay", [][]awsapi.JournalEntry{log}},
				{"dump replay", [][]awsapi.JournalEntry{dump}},
				{"dump then journal", [][]awsapi.JournalEntry{dump, log}},
			}
			type copyOf struct {
				r *prig
				j *awsapi.MemoryJournal
			}
			copies := make([]copyOf, len(restored))
			for i, rs := range restored {
				r, rj := replayed(t, orig, rs.entries...)
				requireSameRows(t, rs.name+" state", pm(awsapi.DumpRows(r.svc)), dump)
				copies[i] = copyOf{r, rj}
			}
			want := observe(orig)
			requireRows(t, "original after use", j, orig.svc)
			for i, rs := range restored {
				if got := observe(copies[i].r); got != want {
					t.Errorf("%s answers differently:\n%s", rs.name, lineDiff(got, want))
				}
				requireRows(t, rs.name+" after use", copies[i].j, copies[i].r.svc)
			}
		})
	}
}

// lineDiff renders the first lines where got and want part.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 6; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "line %d\n got  %s\n want %s\n", i, gl, wl)
			shown++
		}
	}
	return b.String()
}

// TestPersistRestoreKeepsPromises checks what a restart must not change:
// receipt handles, in-flight and delayed times, FIFO deduplication, and
// counters that never hand out an old value again.
func TestPersistRestoreKeepsPromises(t *testing.T) {
	t.Parallel()
	j := &awsapi.MemoryJournal{}
	orig := newPrig(t, j, persistStart)
	orig.create("p.fifo", map[string]string{"FifoQueue": "true"})
	orig.create("p", nil)
	dedup := func(id string) func(*sqs.SendMessageInput) {
		return func(in *sqs.SendMessageInput) {
			in.MessageGroupId, in.MessageDeduplicationId = aws.String("g"), aws.String(id)
		}
	}
	first := orig.send("p.fifo", "one", dedup("d1"))
	fifoGot := orig.receive("p.fifo", 1, aws.Int32(60))
	orig.send("p", "late", func(in *sqs.SendMessageInput) { in.DelaySeconds = aws.Int32(120) })
	sent := orig.send("p", "flying", nil)
	stdGot := orig.receive("p", 1, aws.Int32(100))
	r, _ := replayed(t, orig, j.Log())

	again := r.send("p.fifo", "one", dedup("d1"))
	if *again.MessageId != *first.MessageId || *again.SequenceNumber != *first.SequenceNumber {
		t.Errorf("duplicate after restore: id %s seq %s, want the original %s %s", *again.MessageId, *again.SequenceNumber, *first.MessageId, *first.SequenceNumber)
	}
	next := r.send("p.fifo", "two", dedup("d2"))
	if *next.SequenceNumber <= *first.SequenceNumber || *next.MessageId == *first.MessageId {
		t.Errorf("new message %s seq %s does not follow %s seq %s", *next.MessageId, *next.SequenceNumber, *first.MessageId, *first.SequenceNumber)
	}
	pm(r.svc.DeleteMessage(r.ctx, &sqs.DeleteMessageInput{QueueUrl: purl("p.fifo"), ReceiptHandle: fifoGot[0].ReceiptHandle}))
	if got := r.receive("p.fifo", 1, nil); len(got) != 1 || *got[0].Body != "two" {
		t.Errorf("after deleting with the old handle, receive got %+v, want the second message", got)
	}
	steps := []struct {
		at   time.Duration
		want []string
	}{
		{99 * time.Second, nil},
		{101 * time.Second, []string{"flying"}},
		{121 * time.Second, []string{"late"}},
	}
	elapsed := time.Duration(0)
	for _, st := range steps {
		r.advance(st.at - elapsed)
		elapsed = st.at
		var bodies []string
		for _, m := range r.receive("p", 10, nil) {
			bodies = append(bodies, *m.Body)
			if *m.Body == "flying" {
				if *m.MessageId != *sent.MessageId || m.Attributes["ApproximateReceiveCount"] != "2" {
					t.Errorf("returned message %s count %s, want %s count 2", *m.MessageId, m.Attributes["ApproximateReceiveCount"], *sent.MessageId)
				}
				if *m.ReceiptHandle == *stdGot[0].ReceiptHandle {
					t.Error("a new receive after restore repeated an old receipt handle")
				}
			}
		}
		sort.Strings(bodies)
		if strings.Join(bodies, ",") != strings.Join(st.want, ",") {
			t.Errorf("at +%v received %v, want %v", st.at, bodies, st.want)
		}
	}
}

// TestPersistRestoreErrors checks that a malformed row fails RestoreDone
// with the row named, rather than being dropped or panicking.
func TestPersistRestoreErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, value, want string }{
		{"q/a", "{", "q/a"},
		{"m/a/x", `{"i":1}`, "m/a/x"},
		{"z/what", `{}`, "unknown row kind"},
	}
	for _, tt := range tests {
		r := newPrig(t, nil, persistStart)
		if err := r.svc.RestoreState(tt.key, []byte(tt.value)); err != nil {
			t.Fatal(err)
		}
		err := r.svc.RestoreDone()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: RestoreDone error %v, want one naming %q", tt.key, err, tt.want)
		}
	}
}

// bufJournal copies every row into a buffer, as the store's log does,
// for benchmarks; a full buffer starts over (the store writes it out).
type bufJournal struct {
	mu  sync.Mutex
	buf []byte
}

func (b *bufJournal) Put(key string, value []byte) {
	b.mu.Lock()
	if len(b.buf)+len(key)+len(value) > cap(b.buf) {
		b.buf = make([]byte, 0, max(8<<20, len(key)+len(value)))
	}
	b.buf = append(append(b.buf, key...), value...)
	b.mu.Unlock()
}

func (b *bufJournal) Delete(key string) { b.Put(key, nil) }

// BenchmarkSendMessageBatchJournal compares SendMessageBatch without a
// journal and with one that copies the rows; with -count the two run
// interleaved.
func BenchmarkSendMessageBatchJournal(b *testing.B) {
	for _, bc := range []struct {
		name    string
		journal bool
	}{{"none", false}, {"journal", true}} {
		b.Run(bc.name, func(b *testing.B) {
			var j awsapi.Journal
			if bc.journal {
				j = &bufJournal{}
			}
			clk := clock.New(clock.WithScale(0))
			defer func() { _ = clk.Close() }()
			svc := sqs.New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"},
				Clock: clk, Logger: slog.New(slog.DiscardHandler), Journal: j})
			url := pm(svc.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("bench")})).QueueUrl
			entries := batchEntries()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: url, Entries: entries}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// TestPersistConcurrent runs sends, receives, deletes and visibility
// changes on several goroutines while snapshots are taken, then checks the
// journal still holds exactly what the service dumps.
func TestPersistConcurrent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		queue string
		attrs map[string]string
	}{
		{"c", nil},
		{"c.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}},
	}
	for _, tt := range tests {
		t.Run(tt.queue, func(t *testing.T) {
			t.Parallel()
			j := &awsapi.MemoryJournal{}
			r := newPrig(t, j, persistStart)
			r.create(tt.queue, tt.attrs)
			fifo := strings.HasSuffix(tt.queue, ".fifo")
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for w := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 60 {
						e := sqs.SendMessageBatchRequestEntry{Id: aws.String("a"), MessageBody: aws.String(fmt.Sprintf("w%d-%d", w, i))}
						if fifo {
							e.MessageGroupId = aws.String(fmt.Sprint("g", i%4))
						}
						if _, err := r.svc.SendMessageBatch(r.ctx, &sqs.SendMessageBatchInput{QueueUrl: purl(tt.queue), Entries: []sqs.SendMessageBatchRequestEntry{e}}); err != nil {
							errs <- err
							return
						}
						out, err := r.svc.ReceiveMessage(r.ctx, &sqs.ReceiveMessageInput{QueueUrl: purl(tt.queue), MaxNumberOfMessages: aws.Int32(2)})
						if err != nil {
							errs <- err
							return
						}
						for k, m := range out.Messages {
							if k == 0 {
								_, err = r.svc.DeleteMessage(r.ctx, &sqs.DeleteMessageInput{QueueUrl: purl(tt.queue), ReceiptHandle: m.ReceiptHandle})
							} else {
								_, err = r.svc.ChangeMessageVisibility(r.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: purl(tt.queue), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: aws.Int32(int32(i % 2))})
							}
							if err != nil {
								errs <- err
								return
							}
						}
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					if _, err := awsapi.DumpRows(r.svc); err != nil {
						errs <- err
						return
					}
				}
			}()
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			requireRows(t, "after concurrent use", j, r.svc)
			rr, _ := replayed(t, r, j.Log())
			requireSameRows(t, "replayed", pm(awsapi.DumpRows(rr.svc)), pm(awsapi.DumpRows(r.svc)))
		})
	}
}
