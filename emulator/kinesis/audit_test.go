package kinesis_test

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// TestRecordSizeLimit checks that a record whose data and partition key
// exceed the stream's maximum record size fails validation the way
// Kinesis words it, per record for PutRecords, and follows
// UpdateMaxRecordSize.
func TestRecordSizeLimit(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 1)
	v.create(t, "big", 1)
	ok(v.c.UpdateMaxRecordSize(v.ctx, &sdk.UpdateMaxRecordSizeInput{StreamARN: aws.String(v.arn("big")), MaxRecordSizeInKiB: aws.Int32(2048)}))
	const mib = 1 << 20
	blob := make([]byte, 2*mib+1)
	entry := func(n int) types.PutRecordsRequestEntry {
		return types.PutRecordsRequestEntry{Data: blob[:n], PartitionKey: aws.String("k")}
	}
	tests := []struct {
		name string
		call func() error
		msg  string // empty: success
	}{
		{"data and key exactly 1 MiB", func() error {
			_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: blob[:mib-1], PartitionKey: aws.String("k")})
			return err
		}, ""},
		{"key pushes record over 1 MiB", func() error {
			_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: blob[:mib], PartitionKey: aws.String("k")})
			return err
		}, "1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576"},
		{"second and third of a batch too large", func() error {
			_, err := v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String("s"), Records: []types.PutRecordsRequestEntry{entry(10), entry(mib), entry(mib + 5)}})
			return err
		}, "2 validation errors detected: Value at 'records.2.member.data' failed to satisfy constraint: Member must have length less than or equal to 1048576; Value at 'records.3.member.data' failed to satisfy constraint: Member must have length less than or equal to 1048576"},
		{"2 MiB stream takes a 2 MiB record", func() error {
			_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("big"), Data: blob[:2*mib-1], PartitionKey: aws.String("k")})
			return err
		}, ""},
		{"2 MiB stream limit in the message", func() error {
			_, err := v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamARN: aws.String(v.arn("big")), Records: []types.PutRecordsRequestEntry{entry(2 * mib)}})
			return err
		}, "1 validation error detected: Value at 'records.1.member.data' failed to satisfy constraint: Member must have length less than or equal to 2097152"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			wantErr(t, err, "ValidationException", tc.msg)
		})
	}
	// Nothing of a rejected batch was stored.
	if n, err := v.e.Kinesis().StoredRecords("s"); err != nil || n != 1 {
		t.Fatalf("stored %d records (%v), want 1", n, err)
	}
}

// TestPageSizeCaps checks that limits above an operation's page size
// return a full page and a way on, not everything at once.
func TestPageSizeCaps(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	svc := v.e.Kinesis()
	o := svc.Options()
	o.ShardLimit = 2000
	svc.SetOptions(o)
	v.create(t, "wide", 1001)
	for i := range 100 {
		v.create(t, fmt.Sprintf("s%03d", i), 1)
	}

	d := ok(v.c.DescribeStream(v.ctx, &sdk.DescribeStreamInput{StreamName: aws.String("wide"), Limit: aws.Int32(10000)})).StreamDescription
	if len(d.Shards) != 100 || !aws.ToBool(d.HasMoreShards) {
		t.Errorf("DescribeStream Limit 10000: %d shards, more %v; want 100, true", len(d.Shards), aws.ToBool(d.HasMoreShards))
	}
	d = ok(v.c.DescribeStream(v.ctx, &sdk.DescribeStreamInput{StreamName: aws.String("wide"), ExclusiveStartShardId: aws.String("shardId-000000000950")})).StreamDescription
	if len(d.Shards) != 50 || aws.ToBool(d.HasMoreShards) || aws.ToString(d.Shards[0].ShardId) != "shardId-000000000951" {
		t.Errorf("DescribeStream after 950: %d shards, more %v", len(d.Shards), aws.ToBool(d.HasMoreShards))
	}

	ls := ok(v.c.ListShards(v.ctx, &sdk.ListShardsInput{StreamName: aws.String("wide"), MaxResults: aws.Int32(10000)}))
	if len(ls.Shards) != 1000 || ls.NextToken == nil {
		t.Fatalf("ListShards MaxResults 10000: %d shards, token %v; want 1000 and a token", len(ls.Shards), ls.NextToken != nil)
	}
	ls = ok(v.c.ListShards(v.ctx, &sdk.ListShardsInput{NextToken: ls.NextToken}))
	if len(ls.Shards) != 1 || ls.NextToken != nil || aws.ToString(ls.Shards[0].ShardId) != "shardId-000000001000" {
		t.Errorf("ListShards page 2: %d shards", len(ls.Shards))
	}

	st := ok(v.c.ListStreams(v.ctx, &sdk.ListStreamsInput{Limit: aws.Int32(10000)}))
	if len(st.StreamNames) != 100 || len(st.StreamSummaries) != 100 || !aws.ToBool(st.HasMoreStreams) || st.NextToken == nil {
		t.Fatalf("ListStreams Limit 10000: %d names, more %v", len(st.StreamNames), aws.ToBool(st.HasMoreStreams))
	}
	st = ok(v.c.ListStreams(v.ctx, &sdk.ListStreamsInput{NextToken: st.NextToken}))
	if !slices.Equal(st.StreamNames, []string{"wide"}) || aws.ToBool(st.HasMoreStreams) {
		t.Errorf("ListStreams page 2: %v", st.StreamNames)
	}
	sum := st.StreamSummaries[0]
	if aws.ToString(sum.StreamARN) != v.arn("wide") || sum.StreamStatus != types.StreamStatusActive || sum.StreamModeDetails.StreamMode != types.StreamModeProvisioned || sum.StreamCreationTimestamp == nil {
		t.Errorf("summary %+v", sum)
	}
}

// TestListShardsFilters checks every ShardFilter type against a stream
// with a split, before and after retention drops the closed parent, and
// that a filtered listing keeps its filter across NextToken pages.
func TestListShardsFilters(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	t0 := v.clk.Now()
	v.create(t, "s", 2)
	v.advance(t, 10*time.Second)
	t1 := v.clk.Now()
	ok(v.c.SplitShard(v.ctx, &sdk.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("1000")}))
	v.advance(t, 10*time.Second)

	list := func(t *testing.T, f *types.ShardFilter, max int32) []string {
		t.Helper()
		in := &sdk.ListShardsInput{StreamName: aws.String("s"), ShardFilter: f}
		if max > 0 {
			in.MaxResults = aws.Int32(max)
		}
		var ids []string
		for {
			out := ok(v.c.ListShards(v.ctx, in))
			for _, sh := range out.Shards {
				ids = append(ids, strings.TrimPrefix(aws.ToString(sh.ShardId), "shardId-00000000000"))
			}
			if out.NextToken == nil {
				return ids
			}
			in = &sdk.ListShardsInput{NextToken: out.NextToken, MaxResults: in.MaxResults}
		}
	}
	at := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name   string
		filter *types.ShardFilter
		max    int32
		want   string
	}{
		{"no filter", nil, 0, "0,1,2,3"},
		{"AT_LATEST", &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}, 0, "1,2,3"},
		{"AT_TRIM_HORIZON", &types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}, 0, "0,1"},
		{"FROM_TRIM_HORIZON", &types.ShardFilter{Type: types.ShardFilterTypeFromTrimHorizon}, 0, "0,1,2,3"},
		{"AT_TIMESTAMP before the split", &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: at(t0.Add(5 * time.Second))}, 0, "0,1"},
		{"AT_TIMESTAMP at the split", &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: at(t1)}, 0, "0,1,2,3"},
		{"AT_TIMESTAMP after the split", &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: at(t1.Add(time.Second))}, 0, "1,2,3"},
		{"AT_TIMESTAMP before the stream", &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: at(t0.Add(-time.Hour))}, 0, "0,1"},
		{"FROM_TIMESTAMP at creation", &types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: at(t0)}, 0, "0,1,2,3"},
		{"FROM_TIMESTAMP after the split", &types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: at(t1.Add(time.Second))}, 0, "1,2,3"},
		{"FROM_TIMESTAMP paged", &types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: at(t1.Add(time.Second))}, 1, "1,2,3"},
		{"AT_LATEST paged", &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}, 2, "1,2,3"},
		{"AT_TRIM_HORIZON paged", &types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}, 1, "0,1"},
		{"AT_TIMESTAMP paged", &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: at(t0.Add(5 * time.Second))}, 1, "0,1"},
		{"AFTER_SHARD_ID", &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shardId-000000000001")}, 0, "2,3"},
		{"AFTER_SHARD_ID paged", &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shardId-000000000000")}, 1, "1,2,3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer catch(t)
			if got := strings.Join(list(t, tc.filter, tc.max), ","); got != tc.want {
				t.Errorf("shards %s, want %s", got, tc.want)
			}
		})
	}

	// A day later the trim horizon has passed the split: the parent is
	// gone and the children were open at the horizon.
	v.advance(t, 24*time.Hour)
	for _, tc := range []struct {
		typ  types.ShardFilterType
		want string
	}{
		{types.ShardFilterTypeAtTrimHorizon, "1,2,3"},
		{types.ShardFilterTypeFromTrimHorizon, "1,2,3"},
	} {
		if got := strings.Join(list(t, &types.ShardFilter{Type: tc.typ}, 0), ","); got != tc.want {
			t.Errorf("%s after retention: %s, want %s", tc.typ, got, tc.want)
		}
	}
}

// TestConsumerErrorWordings checks the exact texts of DeleteStream on a
// stream with consumers and SubscribeToShard with a consumer that is not
// ACTIVE.
func TestConsumerErrorWordings(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	acct := v.e.Account()
	svc := v.e.Kinesis()
	o := svc.Options()
	o.ConsumerDelay = 5 * time.Second
	svc.SetOptions(o)
	v.create(t, "fan", 1)
	reg := ok(v.c.RegisterStreamConsumer(v.ctx, &sdk.RegisterStreamConsumerInput{StreamARN: aws.String(v.arn("fan")), ConsumerName: aws.String("app")}))
	created := reg.Consumer.ConsumerCreationTimestamp.Unix()
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"delete stream with consumers", func() error {
			_, err := v.c.DeleteStream(v.ctx, &sdk.DeleteStreamInput{StreamName: aws.String("fan")})
			return err
		}, "ResourceInUseException", "DeleteStream can\u2019t delete " + acct + ":fan because there are consumers associated with this data stream. To delete fan anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it."},
		{"subscribe while CREATING", func() error {
			_, err := v.c.SubscribeToShard(v.ctx, &sdk.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}})
			return err
		}, "ResourceInUseException", fmt.Sprintf("Consumer app with creation timestamp %d under stream: fan , account %s is not in ACTIVE status.", created, acct)},
		{"policy on a CREATING consumer", func() error {
			_, err := v.c.PutResourcePolicy(v.ctx, &sdk.PutResourcePolicyInput{ResourceARN: reg.Consumer.ConsumerARN, Policy: aws.String("{}")})
			return err
		}, "ResourceInUseException", fmt.Sprintf("Consumer app with creation timestamp %d under stream fan and account %s is not in ACTIVE status.", created, acct)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	// EnforceConsumerDeletion deletes the stream and its consumer.
	ok(v.c.DeleteStream(v.ctx, &sdk.DeleteStreamInput{StreamName: aws.String("fan"), EnforceConsumerDeletion: aws.Bool(true)}))
	_, err := v.c.DescribeStreamConsumer(v.ctx, &sdk.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN})
	wantErr(t, err, "ResourceNotFoundException", "")
}

// TestSequenceOrderAcrossResharding checks that a child shard's sequence
// numbers sort after its parents' even when the split and the merge
// happen within the same second, as a frozen clock makes them, and when
// the children's indexes pass a multiple of 16.
func TestSequenceOrderAcrossResharding(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 16)
	const top = "340282366920938463463374607431768211455"
	put := func() *big.Int {
		out := ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String(top)}))
		n, _ := new(big.Int).SetString(aws.ToString(out.SequenceNumber), 10)
		return n
	}
	num := func(s *string) *big.Int {
		n, _ := new(big.Int).SetString(aws.ToString(s), 10)
		return n
	}
	last := v.shards(t, "s")[15]
	mid := num(last.HashKeyRange.StartingHashKey)
	mid.Add(mid, big.NewInt(1000))
	before := put()
	// Split shard 15 into 16 and 17, then merge them back into 18: every
	// shard is created in the same virtual second.
	ok(v.c.SplitShard(v.ctx, &sdk.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: last.ShardId, NewStartingHashKey: aws.String(mid.String())}))
	after := put()
	ok(v.c.MergeShards(v.ctx, &sdk.MergeShardsInput{StreamName: aws.String("s"), ShardToMerge: aws.String("shardId-000000000016"), AdjacentShardToMerge: aws.String("shardId-000000000017")}))
	merged := put()

	byID := map[string]types.Shard{}
	for _, sh := range v.shards(t, "s") {
		byID[aws.ToString(sh.ShardId)] = sh
	}
	start := func(id string) *big.Int { return num(byID[id].SequenceNumberRange.StartingSequenceNumber) }
	end := func(id string) *big.Int { return num(byID[id].SequenceNumberRange.EndingSequenceNumber) }
	tests := []struct {
		name          string
		lower, higher *big.Int
	}{
		{"record in child after record in parent", before, after},
		{"record in merged shard after record in its parent", after, merged},
		{"split child starts after parent ends", end("shardId-000000000015"), start("shardId-000000000016")},
		{"merged child starts after its parent ends", end("shardId-000000000016"), start("shardId-000000000018")},
		{"merged child starts after adjacent parent ends", end("shardId-000000000017"), start("shardId-000000000018")},
	}
	for _, tc := range tests {
		if tc.lower == nil || tc.higher == nil || tc.lower.Cmp(tc.higher) >= 0 {
			t.Errorf("%s: %v not below %v", tc.name, tc.lower, tc.higher)
		}
	}
	// The child's sequence numbers still work as iterator positions.
	it := v.iterator(t, "s", "shardId-000000000018", types.ShardIteratorTypeAtSequenceNumber, merged.String())
	recs := ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)}))
	if len(recs.Records) != 1 || aws.ToString(recs.Records[0].SequenceNumber) != merged.String() {
		t.Fatalf("AT_SEQUENCE_NUMBER in child: %d records", len(recs.Records))
	}
}

// TestCreateStreamModes checks the capacity modes' ShardCount rules.
func TestCreateStreamModes(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	tests := []struct {
		name   string
		in     *sdk.CreateStreamInput
		code   string
		msg    string
		shards int32
	}{
		{"on-demand with ShardCount", &sdk.CreateStreamInput{StreamName: aws.String("a"), ShardCount: aws.Int32(2), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}, "InvalidArgumentException", "ShardCount is not expected when StreamMode=ON_DEMAND", 0},
		{"neither mode nor count is on-demand", &sdk.CreateStreamInput{StreamName: aws.String("b")}, "", "", 4},
		{"count alone is provisioned", &sdk.CreateStreamInput{StreamName: aws.String("c"), ShardCount: aws.Int32(3)}, "", "", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer catch(t)
			_, err := v.c.CreateStream(v.ctx, tc.in)
			if tc.code != "" {
				wantErr(t, err, tc.code, tc.msg)
				return
			}
			if err != nil {
				t.Fatalf("CreateStream: %v", err)
			}
			v.waitActive(t, *tc.in.StreamName)
			sum := ok(v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{StreamName: tc.in.StreamName})).StreamDescriptionSummary
			if aws.ToInt32(sum.OpenShardCount) != tc.shards {
				t.Fatalf("%d shards, want %d", aws.ToInt32(sum.OpenShardCount), tc.shards)
			}
		})
	}
}

// TestListShardsTokenConflicts checks that NextToken refuses every
// parameter that names the stream or positions the listing, one
// message per parameter.
func TestListShardsTokenConflicts(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 3)
	tok := ok(v.c.ListShards(v.ctx, &sdk.ListShardsInput{StreamName: aws.String("s"), MaxResults: aws.Int32(1)})).NextToken
	if tok == nil {
		t.Fatal("no NextToken")
	}
	now := v.clk.Now()
	tests := []struct {
		name string
		in   sdk.ListShardsInput
		msg  string
	}{
		{"StreamName", sdk.ListShardsInput{StreamName: aws.String("s")}, "NextToken and StreamName cannot be provided together."},
		{"StreamARN", sdk.ListShardsInput{StreamARN: aws.String(v.arn("s"))}, "NextToken and StreamARN cannot be provided together."},
		{"ExclusiveStartShardId", sdk.ListShardsInput{ExclusiveStartShardId: aws.String("shardId-000000000000")}, "NextToken and ExclusiveStartShardId cannot be provided together."},
		{"ShardFilter", sdk.ListShardsInput{ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}}, "NextToken and ShardFilter cannot be provided together."},
		{"StreamCreationTimestamp", sdk.ListShardsInput{StreamCreationTimestamp: &now}, "NextToken and StreamCreationTimestamp cannot be provided together."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.NextToken = tok
			_, err := v.c.ListShards(v.ctx, &in)
			wantErr(t, err, "InvalidArgumentException", tc.msg)
		})
	}
	// The token alone, with a new page size, goes on.
	out := ok(v.c.ListShards(v.ctx, &sdk.ListShardsInput{NextToken: tok, MaxResults: aws.Int32(5)}))
	if len(out.Shards) != 2 || out.NextToken != nil {
		t.Fatalf("page 2: %d shards", len(out.Shards))
	}
}

// TestLargeRecordThrottling checks that with throughput limits on, a
// record above one second's write budget (a stream with a raised maximum
// record size) bursts through a full bucket and the debt is repaid before
// the next write.
func TestLargeRecordThrottling(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 1)
	ok(v.c.UpdateMaxRecordSize(v.ctx, &sdk.UpdateMaxRecordSizeInput{StreamARN: aws.String(v.arn("s")), MaxRecordSizeInKiB: aws.Int32(3072)}))
	if err := v.e.Kinesis().SetStreamThroughputLimits("s", true); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		advance time.Duration
		size    int
		ok      bool
	}{
		{"2 MiB record on a full bucket", 0, 2 << 20, true},
		{"small record while in debt", 0, 10, false},
		{"still in debt after a second", time.Second, 10, false},
		{"debt repaid after two seconds", time.Second, 10, true},
		{"2 MiB record on a bucket not full", 0, 2 << 20, false},
	}
	// Throttling errors are retryable: no retries keeps the test fast.
	c := sdk.NewFromConfig(v.e.AWSConfig(), func(o *sdk.Options) { o.Retryer = aws.NopRetryer{} })
	for _, st := range steps {
		v.advance(t, st.advance)
		_, err := c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: make([]byte, st.size-1), PartitionKey: aws.String("k")})
		if st.ok {
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			continue
		}
		wantErr(t, err, "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000000 in stream s under account "+v.e.Account()+".")
	}
}
