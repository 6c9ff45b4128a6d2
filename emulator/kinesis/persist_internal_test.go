package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

var persistStart = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// persistOpts are the transition delays the scenarios run with, so that
// CREATING, UPDATING, DELETING and consumer states persist mid-way.
func persistOpts() Options {
	o := DefaultOptions()
	o.CreateDelay = 2 * time.Second
	o.UpdateDelay = 3 * time.Second
	o.DeleteDelay = 4 * time.Second
	o.ConsumerDelay = 5 * time.Second
	return o
}

// newPersistService builds a service on clk journaling to j (nil: none).
func newPersistService(clk *clock.Clock, j awsapi.Journal, restoring bool) *Service {
	s := New(awsapi.Env{Scope: awsapi.Scope{Account: "123456789012", Region: "eu-west-1"}, Clock: clk, Journal: j, Restoring: restoring})
	s.SetOptions(persistOpts())
	return s
}

// must returns a function that fails t when err is not nil and returns v.
func must(t *testing.T) func(v any, err error) any {
	return func(v any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatalf("%v", err)
		}
		return v
	}
}

func advance(t *testing.T, clk *clock.Clock, d time.Duration) {
	t.Helper()
	if err := clk.Advance(d); err != nil {
		t.Fatal(err)
	}
}

const acct = "arn:aws:kinesis:eu-west-1:123456789012:stream/"

// maxHash is the largest hash key.
const maxHash = "340282366920938463463374607431768211455"

// spread returns records with explicit hash keys across the key space, so
// that every open shard gets one, and one routed by partition key.
func spread(data string) []PutRecordsRequestEntry {
	out := []PutRecordsRequestEntry{{Data: []byte(data), PartitionKey: new("pk-1")}}
	for _, h := range []string{"0", "42535295865117307932921825928971026432", "85070591730234615865843651857942052864", "127605887595351923798765477786913079296", "170141183460469231731687303715884105728", "212676479325586539664609129644855132160", "255211775190703847597530955573826158592", "297747071055821155530452781502797185024", maxHash} {
		out = append(out, PutRecordsRequestEntry{Data: []byte(data), PartitionKey: new("x"), ExplicitHashKey: new(h)})
	}
	return out
}

// putBatch puts n records of 100 bytes with keys prefix-i, and a few
// awkward ones (quotes, non-ASCII, invalid UTF-8, an explicit hash key).
func putBatch(t *testing.T, s *Service, stream, prefix string, n int) *PutRecordsOutput {
	t.Helper()
	in := &PutRecordsInput{StreamName: new(stream)}
	for i := range n {
		data := bytes.Repeat([]byte{byte(i)}, 100)
		in.Records = append(in.Records, PutRecordsRequestEntry{Data: data, PartitionKey: new(fmt.Sprintf("%s-%d", prefix, i))})
	}
	in.Records = append(in.Records,
		PutRecordsRequestEntry{Data: []byte(`{"a":"\"q\""}`), PartitionKey: new(`k"\` + "\x01é€")},
		PutRecordsRequestEntry{Data: []byte{0, 0xff}, PartitionKey: new("bad\xff\xfe")},
		PutRecordsRequestEntry{Data: []byte("x"), PartitionKey: new("e"), ExplicitHashKey: new("340282366920938463463374607431768211455")},
	)
	return must(t)(s.PutRecords(context.Background(), in)).(*PutRecordsOutput)
}

// persistScenarios drive every state-changing operation and the
// background changes (transitions ending, retention, closed shards
// expiring, deletions finishing).
var persistScenarios = []struct {
	name string
	run  func(t *testing.T, s *Service, clk *clock.Clock, op func(any, error) any)
}{
	{"records and resharding", func(t *testing.T, s *Service, clk *clock.Clock, op func(any, error) any) {
		ctx := context.Background()
		op(s.CreateStream(ctx, &CreateStreamInput{StreamName: new("orders"), ShardCount: new(int32(2)), Tags: map[string]string{"team": "a"}}))
		advance(t, clk, 2*time.Second)
		op(putBatch(t, s, "orders", "pk", 40), nil)
		advance(t, clk, time.Millisecond)
		r := op(s.PutRecord(ctx, &PutRecordInput{StreamName: new("orders"), PartitionKey: new("one"), Data: []byte("single")})).(*PutRecordOutput)
		// SequenceNumberForOrdering from the future counter raises the
		// shard's counter without a record.
		d, _ := decodeSeq(*r.SequenceNumber)
		ahead := seqNum{shardCreate: d.shardCreate, counter: d.counter + 1000, seqTime: d.seqTime, shardIndex: uint32(d.shardIndex)}.String()
		advance(t, clk, time.Second)
		op(s.PutRecord(ctx, &PutRecordInput{StreamName: new("orders"), PartitionKey: new("one"), Data: []byte("ordered"), SequenceNumberForOrdering: &ahead}))
		op(s.SplitShard(ctx, &SplitShardInput{StreamName: new("orders"), ShardToSplit: new("shardId-000000000000"), NewStartingHashKey: new("85070591730234615865843651857942052864")}))
		advance(t, clk, 3*time.Second)
		op(putBatch(t, s, "orders", "after-split", 10), nil)
		op(s.MergeShards(ctx, &MergeShardsInput{StreamName: new("orders"), ShardToMerge: new("shardId-000000000002"), AdjacentShardToMerge: new("shardId-000000000003")}))
		advance(t, clk, 3*time.Second)
		op(s.UpdateShardCount(ctx, &UpdateShardCountInput{StreamName: new("orders"), TargetShardCount: new(int32(3)), ScalingType: ScalingTypeUniformScaling}))
		advance(t, clk, 3*time.Second)
		op(s.StartStreamEncryption(ctx, &StartStreamEncryptionInput{StreamName: new("orders"), EncryptionType: EncryptionTypeKms, KeyId: new("alias/aws/kinesis")}))
		advance(t, clk, 3*time.Second)
		op(putBatch(t, s, "orders", "kms", 5), nil)
		op(s.StopStreamEncryption(ctx, &StopStreamEncryptionInput{StreamName: new("orders"), EncryptionType: EncryptionTypeKms}))
		advance(t, clk, 3*time.Second)
		op(s.IncreaseStreamRetentionPeriod(ctx, &IncreaseStreamRetentionPeriodInput{StreamName: new("orders"), RetentionPeriodHours: new(int32(48))}))
		op(s.DecreaseStreamRetentionPeriod(ctx, &DecreaseStreamRetentionPeriodInput{StreamName: new("orders"), RetentionPeriodHours: new(int32(30))}))
		op(s.EnableEnhancedMonitoring(ctx, &EnableEnhancedMonitoringInput{StreamName: new("orders"), ShardLevelMetrics: []MetricsName{MetricsNameAll}}))
		op(s.DisableEnhancedMonitoring(ctx, &DisableEnhancedMonitoringInput{StreamName: new("orders"), ShardLevelMetrics: []MetricsName{MetricsNameIncomingBytes}}))
		op(s.AddTagsToStream(ctx, &AddTagsToStreamInput{StreamName: new("orders"), Tags: map[string]string{"env": "dev", "x": "y"}}))
		op(s.RemoveTagsFromStream(ctx, &RemoveTagsFromStreamInput{StreamName: new("orders"), TagKeys: []string{"x"}}))
		op(s.TagResource(ctx, &TagResourceInput{ResourceARN: new(acct + "orders"), Tags: map[string]string{"owner": "b"}}))
		op(s.UntagResource(ctx, &UntagResourceInput{ResourceARN: new(acct + "orders"), TagKeys: []string{"team"}}))
		op(s.UpdateMaxRecordSize(ctx, &UpdateMaxRecordSizeInput{StreamARN: new(acct + "orders"), MaxRecordSizeInKiB: new(int32(2048))}))
		op(nil, s.SetStreamThroughputLimits("orders", true))
		advance(t, clk, time.Second)
		op(putBatch(t, s, "orders", "late", 3), nil)
		// Throttled: SequenceNumberForOrdering raises a shard's counter
		// though no record is stored.
		hot := &PutRecordsInput{StreamName: new("orders")}
		for range 500 {
			hot.Records = append(hot.Records, PutRecordsRequestEntry{Data: []byte("h"), PartitionKey: new("h"), ExplicitHashKey: new(maxHash)})
		}
		first := op(s.PutRecords(ctx, hot)).(*PutRecordsOutput)
		op(s.PutRecords(ctx, hot))
		op(s.PutRecords(ctx, hot))
		d, _ = decodeSeq(*first.Records[0].SequenceNumber)
		ahead = seqNum{shardCreate: d.shardCreate, counter: d.counter + 5000, seqTime: d.seqTime, shardIndex: uint32(d.shardIndex)}.String()
		if _, err := s.PutRecord(ctx, &PutRecordInput{StreamName: new("orders"), PartitionKey: new("h"), ExplicitHashKey: new(maxHash), Data: []byte("o"), SequenceNumberForOrdering: &ahead}); err == nil {
			t.Fatal("PutRecord past the shard's limit succeeded")
		}
		op(nil, nil)
		// A split left pending: UPDATING persists with its change.
		op(s.SplitShard(ctx, &SplitShardInput{StreamName: new("orders"), ShardToSplit: new("shardId-000000000008"), NewStartingHashKey: new("300000000000000000000000000000000000000")}))
	}},
	{"consumers, policies and settings", func(t *testing.T, s *Service, clk *clock.Clock, op func(any, error) any) {
		ctx := context.Background()
		op(s.CreateStream(ctx, &CreateStreamInput{StreamName: new("events"), StreamModeDetails: &StreamModeDetails{StreamMode: StreamModeOnDemand}, WarmThroughputMiBps: new(int32(10))}))
		advance(t, clk, 2*time.Second)
		arn := acct + "events"
		c1 := op(s.RegisterStreamConsumer(ctx, &RegisterStreamConsumerInput{StreamARN: &arn, ConsumerName: new("c1"), Tags: map[string]string{"a": "1"}})).(*RegisterStreamConsumerOutput)
		advance(t, clk, 5*time.Second)
		op(s.RegisterStreamConsumer(ctx, &RegisterStreamConsumerInput{StreamARN: &arn, ConsumerName: new("c2")}))
		op(s.RegisterStreamConsumer(ctx, &RegisterStreamConsumerInput{StreamARN: &arn, ConsumerName: new("c3")}))
		advance(t, clk, 5*time.Second)
		op(s.RegisterStreamConsumer(ctx, &RegisterStreamConsumerInput{StreamARN: &arn, ConsumerName: new("creating")}))
		op(s.DeregisterStreamConsumer(ctx, &DeregisterStreamConsumerInput{StreamARN: &arn, ConsumerName: new("c2")}))
		advance(t, clk, 6*time.Second)
		op(s.DeregisterStreamConsumer(ctx, &DeregisterStreamConsumerInput{StreamARN: &arn, ConsumerName: new("c3")}))
		op(s.TagResource(ctx, &TagResourceInput{ResourceARN: c1.Consumer.ConsumerARN, Tags: map[string]string{"b": "2"}}))
		op(s.UntagResource(ctx, &UntagResourceInput{ResourceARN: c1.Consumer.ConsumerARN, TagKeys: []string{"a"}}))
		op(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{ResourceARN: &arn, Policy: new(`{"Version":"2012-10-17","Statement":[]}`)}))
		op(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{ResourceARN: c1.Consumer.ConsumerARN, Policy: new(`{"Statement":["c"]}`)}))
		op(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{ResourceARN: c1.Consumer.ConsumerARN, Policy: new(`{"Statement":["c1"]}`)}))
		op(s.UpdateStreamWarmThroughput(ctx, &UpdateStreamWarmThroughputInput{StreamName: new("events"), WarmThroughputMiBps: new(int32(20))}))
		op(s.UpdateAccountSettings(ctx, &UpdateAccountSettingsInput{MinimumThroughputBillingCommitment: &MinimumThroughputBillingCommitmentInput{Status: MinimumThroughputBillingCommitmentInputStatusEnabled}}))
		advance(t, clk, time.Hour)
		op(s.UpdateAccountSettings(ctx, &UpdateAccountSettingsInput{MinimumThroughputBillingCommitment: &MinimumThroughputBillingCommitmentInput{Status: MinimumThroughputBillingCommitmentInputStatusDisabled}}))
		op(putBatch(t, s, "events", "ev", 20), nil)
		op(s.CreateStream(ctx, &CreateStreamInput{StreamName: new("mode"), ShardCount: new(int32(1))}))
		advance(t, clk, 2*time.Second)
		op(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{ResourceARN: new(acct + "mode"), Policy: new(`{"p":1}`)}))
		op(s.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{ResourceARN: new(acct + "mode")}))
		op(s.UpdateStreamMode(ctx, &UpdateStreamModeInput{StreamARN: new(acct + "mode"), StreamModeDetails: &StreamModeDetails{StreamMode: StreamModeOnDemand}}))
		// Left CREATING.
		op(s.CreateStream(ctx, &CreateStreamInput{StreamName: new("young"), ShardCount: new(int32(1))}))
	}},
	{"expiry and deletion", func(t *testing.T, s *Service, clk *clock.Clock, op func(any, error) any) {
		ctx := context.Background()
		for _, n := range []string{"old", "gone", "dying"} {
			op(s.CreateStream(ctx, &CreateStreamInput{StreamName: new(n), ShardCount: new(int32(2))}))
		}
		advance(t, clk, 2*time.Second)
		op(putBatch(t, s, "old", "a", 30), nil)
		op(putBatch(t, s, "gone", "a", 30), nil)
		op(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{ResourceARN: new(acct + "gone"), Policy: new(`{}`)}))
		op(s.SplitShard(ctx, &SplitShardInput{StreamName: new("old"), ShardToSplit: new("shardId-000000000001"), NewStartingHashKey: new("250000000000000000000000000000000000000")}))
		advance(t, clk, 3*time.Second)
		op(putBatch(t, s, "old", "b", 30), nil)
		advance(t, clk, 20*time.Hour)
		op(putBatch(t, s, "old", "c", 30), nil)
		op(s.DeleteStream(ctx, &DeleteStreamInput{StreamName: new("gone")}))
		advance(t, clk, 5*time.Hour) // the first records and the closed shard expire
		op(s.DescribeStream(ctx, &DescribeStreamInput{StreamName: new("old")}))
		op(s.StoredRecords("old"))
		op(s.ListStreams(ctx, &ListStreamsInput{}))
		op(putBatch(t, s, "dying", "d", 10), nil)
		// Left DELETING.
		op(s.DeleteStream(ctx, &DeleteStreamInput{StreamName: new("dying")}))
		// A stream re-created under a deleted one's name.
		op(s.CreateStream(ctx, &CreateStreamInput{StreamName: new("gone"), ShardCount: new(int32(1))}))
		advance(t, clk, 2*time.Second)
		op(putBatch(t, s, "gone", "again", 5), nil)
	}},
}

// readState renders what every read operation answers for s, to compare
// services: shard iterators and NextTokens (random nonces) are left out,
// and the records are read from each shard's trim horizon.
func readState(t *testing.T, s *Service) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	put := func(label string, v any, err error) {
		if err != nil {
			fmt.Fprintf(&b, "%s: error %v\n", label, err)
			return
		}
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "%s: %s\n", label, j)
	}
	ls := must(t)(s.ListStreams(ctx, &ListStreamsInput{})).(*ListStreamsOutput)
	put("ListStreams", ls, nil)
	put("DescribeLimits", must(t)(s.DescribeLimits(ctx, &DescribeLimitsInput{})), nil)
	put("DescribeAccountSettings", must(t)(s.DescribeAccountSettings(ctx, &DescribeAccountSettingsInput{})), nil)
	for _, name := range ls.StreamNames {
		arn := acct + name
		v, err := s.DescribeStream(ctx, &DescribeStreamInput{StreamName: &name})
		put("DescribeStream "+name, v, err)
		sum, err := s.DescribeStreamSummary(ctx, &DescribeStreamSummaryInput{StreamName: &name})
		put("DescribeStreamSummary "+name, sum, err)
		tags, err := s.ListTagsForStream(ctx, &ListTagsForStreamInput{StreamName: &name, Limit: new(int32(50))})
		put("ListTagsForStream "+name, tags, err)
		pol, err := s.GetResourcePolicy(ctx, &GetResourcePolicyInput{ResourceARN: &arn})
		put("GetResourcePolicy "+name, pol, err)
		shards, err := s.ListShards(ctx, &ListShardsInput{StreamName: &name})
		if shards != nil {
			shards.NextToken = nil
		}
		put("ListShards "+name, shards, err)
		cons, err := s.ListStreamConsumers(ctx, &ListStreamConsumersInput{StreamARN: &arn})
		put("ListStreamConsumers "+name, cons, err)
		if cons != nil {
			for _, c := range cons.Consumers {
				dc, err := s.DescribeStreamConsumer(ctx, &DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
				put("DescribeStreamConsumer "+*c.ConsumerName, dc, err)
				ct, err := s.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceARN: c.ConsumerARN})
				put("ListTagsForResource "+*c.ConsumerName, ct, err)
				cp, err := s.GetResourcePolicy(ctx, &GetResourcePolicyInput{ResourceARN: c.ConsumerARN})
				put("GetResourcePolicy "+*c.ConsumerName, cp, err)
			}
		}
		if shards == nil {
			continue
		}
		for _, sh := range shards.Shards {
			it, err := s.GetShardIterator(ctx, &GetShardIteratorInput{StreamName: &name, ShardId: sh.ShardId, ShardIteratorType: ShardIteratorTypeTrimHorizon})
			if err != nil {
				put("GetShardIterator "+name+" "+*sh.ShardId, nil, err)
				continue
			}
			recs, err := s.GetRecords(ctx, &GetRecordsInput{ShardIterator: it.ShardIterator})
			if recs != nil {
				recs.NextShardIterator = nil
			}
			put("GetRecords "+name+" "+*sh.ShardId, recs, err)
		}
	}
	return b.String()
}

// requireInvariant checks that the journal's rows are what DumpState
// emits, byte for byte.
func requireInvariant(t *testing.T, j *awsapi.MemoryJournal, s *Service) {
	t.Helper()
	requireRows(t, "journal", j.Rows(), "dump", dumpRows(t, s))
}

func dumpRows(t *testing.T, s *Service) []awsapi.JournalEntry {
	t.Helper()
	rows, err := awsapi.DumpRows(s)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func requireRows(t *testing.T, an string, a []awsapi.JournalEntry, bn string, b []awsapi.JournalEntry) {
	t.Helper()
	am, bm := map[string][]byte{}, map[string][]byte{}
	for _, e := range a {
		am[e.Key] = e.Value
	}
	for _, e := range b {
		bm[e.Key] = e.Value
	}
	bad := 0
	for k, v := range am {
		if w, ok := bm[k]; !ok {
			t.Errorf("row %s: in %s, not in %s: %.300s", k, an, bn, v)
			bad++
		} else if !bytes.Equal(v, w) {
			t.Errorf("row %s:\n%s: %.400s\n%s: %.400s", k, an, v, bn, w)
			bad++
		}
		if !json.Valid(v) {
			t.Errorf("row %s: %s value is not JSON: %.300s", k, an, v)
		}
		if bad > 10 {
			t.Fatal("too many differences")
		}
	}
	for k, v := range bm {
		if _, ok := am[k]; !ok {
			t.Errorf("row %s: in %s, not in %s: %.300s", k, bn, an, v)
		}
	}
}

func replayed(t *testing.T, clk *clock.Clock, entries ...[]awsapi.JournalEntry) (*Service, *awsapi.MemoryJournal) {
	t.Helper()
	j := &awsapi.MemoryJournal{}
	s := newPersistService(clk, j, true)
	// The store holds the replayed rows, then what the service journals.
	var all []awsapi.JournalEntry
	for _, e := range entries {
		all = append(all, e...)
	}
	for _, e := range all {
		if e.Value == nil {
			j.Delete(e.Key)
		} else {
			j.Put(e.Key, e.Value)
		}
	}
	if err := awsapi.Replay(s, all); err != nil {
		t.Fatal(err)
	}
	return s, j
}

// TestPersistence drives each scenario on a journaled service, then
// checks the journal invariant, restores the journal's log, a dump, and
// a dump followed by the whole log (an overlapping snapshot), and
// requires the restored services to answer and go on as the original
// does.
func TestPersistence(t *testing.T) {
	t.Parallel()
	for _, sc := range persistScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := clock.New(clock.WithStart(persistStart), clock.WithScale(0))
			j := &awsapi.MemoryJournal{}
			s := newPersistService(clk, j, false)
			// Every operation leaves the journal's rows equal to the dump.
			sc.run(t, s, clk, func(v any, err error) any {
				t.Helper()
				if err != nil {
					t.Fatalf("%v", err)
				}
				requireInvariant(t, j, s)
				return v
			})
			requireInvariant(t, j, s)

			// Iterators and NextTokens issued before the restart.
			var its []*string
			for _, st := range s.sortedStreams() {
				if it, err := s.GetShardIterator(ctx, &GetShardIteratorInput{StreamName: &st.name, ShardId: new("shardId-000000000000"), ShardIteratorType: ShardIteratorTypeTrimHorizon}); err == nil {
					its = append(its, it.ShardIterator)
				}
			}
			if len(its) == 0 {
				t.Fatal("no shard iterator")
			}
			tok := must(t)(s.ListShards(ctx, &ListShardsInput{StreamName: new(s.sortedStreams()[0].name), MaxResults: new(int32(1))})).(*ListShardsOutput).NextToken
			log, dump := j.Log(), dumpRows(t, s)

			restored := map[string]*Service{}
			journals := map[string]*awsapi.MemoryJournal{}
			restored["log"], journals["log"] = replayed(t, clk, log)
			restored["dump"], journals["dump"] = replayed(t, clk, dump)
			restored["dump+log"], journals["dump+log"] = replayed(t, clk, dump, log)
			for name, r := range restored {
				requireRows(t, "original", dump, name, dumpRows(t, r))
			}

			check := func(stage string) {
				t.Helper()
				want := readState(t, s)
				for name, r := range restored {
					if got := readState(t, r); got != want {
						t.Errorf("%s, %s: state differs:\n%s", stage, name, firstDiff(want, got))
					}
					requireRows(t, "original", dumpRows(t, s), name, dumpRows(t, r))
				}
				requireInvariant(t, j, s)
			}
			check("restored")
			for name, r := range restored {
				for i, it := range its {
					want := must(t)(s.GetRecords(ctx, &GetRecordsInput{ShardIterator: it})).(*GetRecordsOutput)
					got, err := r.GetRecords(ctx, &GetRecordsInput{ShardIterator: it})
					if err != nil || len(got.Records) != len(want.Records) {
						t.Errorf("%s: iterator %d from before the restart: %v, %d records, want %d", name, i, err, len(got.Records), len(want.Records))
					}
				}
				if tok != nil {
					if _, err := r.ListShards(ctx, &ListShardsInput{NextToken: tok}); err != nil {
						t.Errorf("%s: NextToken from before the restart: %v", name, err)
					}
				}
			}

			// They go on alike: transitions end, new records get the
			// same (so fresh, larger) sequence numbers, retention drops
			// records.
			advance(t, clk, 10*time.Second)
			check("transitions")
			for _, st := range s.sortedStreams() {
				want, werr := s.PutRecords(ctx, &PutRecordsInput{StreamName: &st.name, Records: spread("n")})
				wj, _ := json.Marshal(want)
				for name, r := range restored {
					got, err := r.PutRecords(ctx, &PutRecordsInput{StreamName: &st.name, Records: spread("n")})
					if gj, _ := json.Marshal(got); !bytes.Equal(gj, wj) || (err == nil) != (werr == nil) {
						t.Errorf("%s: PutRecords on %s after the restart: %s %v, want %s %v", name, st.name, gj, err, wj, werr)
					}
				}
			}
			check("new records")
			advance(t, clk, 49*time.Hour)
			check("retention")
			for name, r := range restored {
				requireInvariant(t, journals[name], r)
			}

			// Restored once every record has expired, a stream goes on
			// from the same counters and positions.
			late, _ := replayed(t, clk, j.Log())
			restored = map[string]*Service{"after retention": late}
			check("restored after retention")
			for _, st := range s.sortedStreams() {
				in := &PutRecordsInput{StreamName: &st.name, Records: spread("z")}
				want, werr := s.PutRecords(ctx, in)
				got, err := late.PutRecords(ctx, in)
				wj, _ := json.Marshal(want)
				if gj, _ := json.Marshal(got); !bytes.Equal(gj, wj) || (err == nil) != (werr == nil) {
					t.Errorf("PutRecords on %s restored after retention: %s %v, want %s %v", st.name, gj, err, wj, werr)
				}
			}
			check("after retention, new records")
		})
	}
}

// TestPersistenceRows checks row contents that the round trip relies on:
// one batch row per call and shard, with the records' keys and data.
func TestPersistenceRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		records int
		shards  int32
		want    int // batch rows
	}{
		{"one shard", 10, 1, 1},
		{"four shards", 200, 4, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := clock.New(clock.WithStart(persistStart), clock.WithScale(0))
			j := &awsapi.MemoryJournal{}
			s := newPersistService(clk, j, false)
			must(t)(s.CreateStream(ctx, &CreateStreamInput{StreamName: new("x"), ShardCount: &tc.shards}))
			advance(t, clk, 2*time.Second)
			must(t)(s.DescribeStreamSummary(ctx, &DescribeStreamSummaryInput{StreamName: new("x")}))
			n0 := len(j.Log())
			putBatch(t, s, "x", "r", tc.records)
			var batches, recs int
			for _, e := range j.Log()[n0:] {
				if !strings.HasPrefix(e.Key, "b/x/") {
					t.Errorf("put journaled %s", e.Key)
					continue
				}
				batches++
				var row batchRowT
				if err := json.Unmarshal(e.Value, &row); err != nil {
					t.Fatalf("batch row %s: %v", e.Key, err)
				}
				recs += len(row.Records)
			}
			if batches < tc.want || batches > tc.want+1 || recs != tc.records+3 {
				t.Errorf("%d batch rows with %d records, want %d (or one more for the explicit hash key) with %d", batches, recs, tc.want, tc.records+3)
			}
		})
	}
}

// firstDiff shows where two renderings start to differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("want %.600s\n got %.600s", al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(bl), len(al))
}

// copyJournal copies every value into a growing buffer, as the store's
// log does, reusing it once it is large.
type copyJournal struct {
	mu  sync.Mutex
	buf []byte
}

// newCopyJournal returns a copyJournal whose buffer, like the store's, is
// allocated once.
func newCopyJournal() *copyJournal { return &copyJournal{buf: make([]byte, 0, 40<<20)} }

func (c *copyJournal) Put(key string, value []byte) {
	c.mu.Lock()
	c.buf = append(c.buf, key...)
	c.buf = append(c.buf, value...)
	if len(c.buf) > 32<<20 {
		c.buf = c.buf[:0]
	}
	c.mu.Unlock()
}

func (c *copyJournal) Delete(key string) {
	c.mu.Lock()
	c.buf = append(c.buf, key...)
	c.mu.Unlock()
}

// putBench is a service with a four-shard stream and a PutRecords call of
// 500 records of 100 bytes for it.
func putBench(b *testing.B, j awsapi.Journal) (*Service, *PutRecordsInput) {
	ctx := context.Background()
	clk := clock.New(clock.WithStart(persistStart), clock.WithScale(0))
	s := New(awsapi.Env{Scope: awsapi.Scope{Account: "123456789012", Region: "eu-west-1"}, Clock: clk, Journal: j})
	s.SetOptions(Options{})
	if _, err := s.CreateStream(ctx, &CreateStreamInput{StreamName: new("bench"), ShardCount: new(int32(4))}); err != nil {
		b.Fatal(err)
	}
	in := &PutRecordsInput{StreamName: new("bench")}
	for i := range 500 {
		in.Records = append(in.Records, PutRecordsRequestEntry{Data: make([]byte, 100), PartitionKey: new(fmt.Sprintf("pk-%05d", i))})
	}
	return s, in
}

// BenchmarkPutRecordsJournal puts 500 records of 100 bytes per call into
// four shards, without a journal and with one that copies the rows, and
// (ratio) alternating the two, call by call, so that load from elsewhere
// weighs on both alike.
func BenchmarkPutRecordsJournal(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		journal awsapi.Journal
	}{{"memory", nil}, {"journal", newCopyJournal()}} {
		b.Run(bc.name, func(b *testing.B) {
			s, in := putBench(b, bc.journal)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.PutRecords(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(in.Records))/b.Elapsed().Seconds(), "records/s")
		})
	}
	b.Run("ratio", func(b *testing.B) {
		mem, in := putBench(b, nil)
		jour, _ := putBench(b, newCopyJournal())
		var tm, tj, cm, cj time.Duration
		for b.Loop() {
			t0, c0 := time.Now(), selfCPU()
			if _, err := mem.PutRecords(ctx, in); err != nil {
				b.Fatal(err)
			}
			t1, c1 := time.Now(), selfCPU()
			if _, err := jour.PutRecords(ctx, in); err != nil {
				b.Fatal(err)
			}
			tm, tj = tm+t1.Sub(t0), tj+time.Since(t1)
			cm, cj = cm+c1-c0, cj+selfCPU()-c1
		}
		n := float64(b.N * len(in.Records))
		b.ReportMetric(n/tm.Seconds(), "memory-records/s")
		b.ReportMetric(n/tj.Seconds(), "journal-records/s")
		b.ReportMetric(tm.Seconds()/tj.Seconds(), "journal/memory")
		if cj > 0 {
			// CPU time: what load from other processes does not skew.
			b.ReportMetric(cm.Seconds()/cj.Seconds(), "cpu-journal/memory")
		}
	})
}

// TestDecodeBatchRow checks the fast batch row reader against
// encoding/json, on rows as appendBatch writes them and on other forms.
func TestDecodeBatchRow(t *testing.T) {
	t.Parallel()
	rows := []string{
		`{"s":"orders","i":3,"p":10,"c":42,"t":1700000000000,"r":[["pk","aGVsbG8="],["k2",""]]}`,
		`{"s":"orders","i":0,"p":0,"c":1,"t":-5,"k":1,"r":[["/w==","AA==","b"]]}`,
		`{"s":"or\"ders","i":3,"p":10,"c":42,"t":1,"r":[["p\u0041k","aGVsbG8="]]}`, // escapes: slow path
		`{ "s": "x", "r": [["a","b"]], "i": 1, "p": 2, "c": 3, "t": 4 }`,           // other order: slow path
	}
	for _, row := range rows {
		var fast, want batchRowT
		if err := decodeBatchRow([]byte(row), &fast); err != nil {
			t.Fatalf("%s: %v", row, err)
		}
		if err := json.Unmarshal([]byte(row), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Errorf("%s:\nfast %+v\nwant %+v", row, fast, want)
		}
	}
	for _, bad := range []string{`{"s":"x","i":1`, `[]`, `{"s":"x","i":"1","p":0,"c":0,"t":0,"r":[]}`} {
		var r batchRowT
		if err := decodeBatchRow([]byte(bad), &r); err == nil {
			t.Errorf("%s: decoded", bad)
		}
	}
}

func FuzzDecodeBatchRow(f *testing.F) {
	f.Add([]byte(`{"s":"orders","i":3,"p":10,"c":42,"t":1700000000000,"r":[["pk","aGVsbG8="],["k2",""]]}`))
	f.Add([]byte(`{"s":"o","i":0,"p":0,"c":1,"t":-5,"k":1,"r":[["/w==","AA==","b"]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, want batchRowT
		ferr := decodeBatchRow(b, &fast)
		werr := json.Unmarshal(b, &want)
		if (ferr == nil) != (werr == nil) {
			t.Fatalf("fast error %v, encoding/json error %v", ferr, werr)
		}
		if ferr == nil && !reflect.DeepEqual(fast, want) {
			t.Fatalf("fast %+v, want %+v", fast, want)
		}
	})
}
