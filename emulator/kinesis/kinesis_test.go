package kinesis_test

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
)

// env is one test's emulator, client and (frozen unless live) clock.
type env struct {
	c   *sdk.Client
	e   *emulator.Emulator
	clk *clock.Clock
	ctx context.Context
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.New(clock.WithScale(0))
	e := emulator.Start(t, emulator.WithClock(clk))
	return &env{c: sdk.NewFromConfig(e.AWSConfig()), e: e, clk: clk, ctx: context.Background()}
}

func (v *env) advance(t *testing.T, d time.Duration) {
	t.Helper()
	if err := v.clk.Advance(d); err != nil {
		t.Fatal(err)
	}
}

func (v *env) arn(name string) string {
	return "arn:aws:kinesis:us-east-1:" + v.e.Account() + ":stream/" + name
}

// create creates a provisioned stream and waits until it is ACTIVE.
func (v *env) create(t *testing.T, name string, shards int32) {
	t.Helper()
	if _, err := v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(shards)}); err != nil {
		t.Fatalf("CreateStream %s: %v", name, err)
	}
	v.waitActive(t, name)
}

// awaitActive polls a stream of e, whose clock runs in real time, until
// its CREATING period is over, as a client of AWS waits.
func awaitActive(tb testing.TB, e *emulator.Emulator, name string) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := e.Kinesis().DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			tb.Fatal(err)
		}
		if out.StreamDescriptionSummary.StreamStatus == kinesis.StreamStatusActive {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("stream %s still %s", name, out.StreamDescriptionSummary.StreamStatus)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitActive waits for a new stream as a client of AWS does, with the
// SDK's stream-exists waiter, moving the frozen clock past the CREATING
// period.
func (v *env) waitActive(t *testing.T, name string) {
	t.Helper()
	v.advance(t, v.e.Kinesis().Options().CreateDelay)
	w := sdk.NewStreamExistsWaiter(v.c)
	if err := w.Wait(v.ctx, &sdk.DescribeStreamInput{StreamName: aws.String(name)}, 5*time.Second); err != nil {
		t.Fatalf("waiting for stream %s: %v", name, err)
	}
}

func (v *env) shards(t *testing.T, name string) []types.Shard {
	t.Helper()
	out, err := v.c.ListShards(v.ctx, &sdk.ListShardsInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	return out.Shards
}

func (v *env) iterator(t *testing.T, name, shard string, typ types.ShardIteratorType, seq string) string {
	t.Helper()
	in := &sdk.GetShardIteratorInput{StreamName: aws.String(name), ShardId: aws.String(shard), ShardIteratorType: typ}
	if seq != "" {
		in.StartingSequenceNumber = aws.String(seq)
	}
	out, err := v.c.GetShardIterator(v.ctx, in)
	if err != nil {
		t.Fatalf("GetShardIterator %s %s: %v", shard, typ, err)
	}
	return aws.ToString(out.ShardIterator)
}

// readAll drains a shard from TRIM_HORIZON.
func (v *env) readAll(t *testing.T, name, shard string) ([]types.Record, *sdk.GetRecordsOutput) {
	t.Helper()
	it := v.iterator(t, name, shard, types.ShardIteratorTypeTrimHorizon, "")
	var recs []types.Record
	for {
		out, err := v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
		if err != nil {
			t.Fatalf("GetRecords: %v", err)
		}
		recs = append(recs, out.Records...)
		if out.NextShardIterator == nil || len(out.Records) == 0 {
			return recs, out
		}
		it = *out.NextShardIterator
	}
}

func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got %s %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// okFail carries an unexpected error from ok to catch.
type okFail struct{ err error }

// ok returns v, or stops the test (through catch) when err is set.
func ok[T any](v T, err error) T {
	if err != nil {
		panic(okFail{err})
	}
	return v
}

// catch turns an ok failure into t.Fatal; defer it first in every test
// that calls ok.
func catch(t *testing.T) {
	if r := recover(); r != nil {
		f, isFail := r.(okFail)
		if !isFail {
			panic(r)
		}
		t.Helper()
		t.Fatalf("unexpected error: %v", f.err)
	}
}

func md5Hash(key string) *big.Int {
	sum := md5.Sum([]byte(key))
	return new(big.Int).SetBytes(sum[:])
}

func inRange(h *big.Int, r *types.HashKeyRange) bool {
	lo, _ := new(big.Int).SetString(aws.ToString(r.StartingHashKey), 10)
	hi, _ := new(big.Int).SetString(aws.ToString(r.EndingHashKey), 10)
	return h.Cmp(lo) >= 0 && h.Cmp(hi) <= 0
}

func TestStreamLifecycle(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	acct := v.e.Account()
	v.create(t, "s1", 3)
	_, err := v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String("s1"), ShardCount: aws.Int32(1)})
	wantErr(t, err, "ResourceInUseException", "Stream s1 under account "+acct+" already exists.")

	d := ok(v.c.DescribeStream(v.ctx, &sdk.DescribeStreamInput{StreamName: aws.String("s1")})).StreamDescription
	if d.StreamStatus != types.StreamStatusActive || len(d.Shards) != 3 || aws.ToString(d.StreamARN) != v.arn("s1") || aws.ToInt32(d.RetentionPeriodHours) != 24 || d.StreamModeDetails.StreamMode != types.StreamModeProvisioned || d.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("DescribeStream %+v", d)
	}
	wantRanges := [][2]string{
		{"0", "113427455640312821154458202477256070484"},
		{"113427455640312821154458202477256070485", "226854911280625642308916404954512140969"},
		{"226854911280625642308916404954512140970", "340282366920938463463374607431768211455"},
	}
	for i, sh := range d.Shards {
		if aws.ToString(sh.ShardId) != fmt.Sprintf("shardId-%012d", i) || aws.ToString(sh.HashKeyRange.StartingHashKey) != wantRanges[i][0] || aws.ToString(sh.HashKeyRange.EndingHashKey) != wantRanges[i][1] {
			t.Errorf("shard %d: %s %s-%s", i, aws.ToString(sh.ShardId), aws.ToString(sh.HashKeyRange.StartingHashKey), aws.ToString(sh.HashKeyRange.EndingHashKey))
		}
		if seq := aws.ToString(sh.SequenceNumberRange.StartingSequenceNumber); len(seq) < 56 || sh.SequenceNumberRange.EndingSequenceNumber != nil {
			t.Errorf("shard %d sequence range %+v", i, sh.SequenceNumberRange)
		}
	}
	// Paging through DescribeStream.
	d = ok(v.c.DescribeStream(v.ctx, &sdk.DescribeStreamInput{StreamARN: aws.String(v.arn("s1")), Limit: aws.Int32(2)})).StreamDescription
	if len(d.Shards) != 2 || !aws.ToBool(d.HasMoreShards) {
		t.Fatalf("page 1: %d shards, more %v", len(d.Shards), aws.ToBool(d.HasMoreShards))
	}
	d = ok(v.c.DescribeStream(v.ctx, &sdk.DescribeStreamInput{StreamName: aws.String("s1"), ExclusiveStartShardId: d.Shards[1].ShardId})).StreamDescription
	if len(d.Shards) != 1 || aws.ToBool(d.HasMoreShards) {
		t.Fatalf("page 2: %d shards", len(d.Shards))
	}

	sum := ok(v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{StreamARN: aws.String(v.arn("s1"))})).StreamDescriptionSummary
	if aws.ToInt32(sum.OpenShardCount) != 3 || aws.ToInt32(sum.ConsumerCount) != 0 || aws.ToString(sum.StreamName) != "s1" {
		t.Fatalf("summary %+v", sum)
	}

	// On-demand: four shards.
	ok(v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}))
	v.waitActive(t, "od")
	sum = ok(v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("od")})).StreamDescriptionSummary
	if aws.ToInt32(sum.OpenShardCount) != 4 || sum.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
		t.Fatalf("on-demand summary %+v", sum)
	}
	lim := ok(v.c.DescribeLimits(v.ctx, &sdk.DescribeLimitsInput{}))
	if aws.ToInt32(lim.ShardLimit) != 500 || aws.ToInt32(lim.OpenShardCount) != 7 || aws.ToInt32(lim.OnDemandStreamCount) != 1 || aws.ToInt32(lim.OnDemandStreamCountLimit) != 50 {
		t.Fatalf("limits %+v", lim)
	}

	// ListStreams pages.
	for _, n := range []string{"a1", "a2", "a3"} {
		v.create(t, n, 1)
	}
	var names []string
	var token *string
	for {
		out := ok(v.c.ListStreams(v.ctx, &sdk.ListStreamsInput{Limit: aws.Int32(2), NextToken: token}))
		names = append(names, out.StreamNames...)
		if len(out.StreamSummaries) != len(out.StreamNames) {
			t.Fatalf("summaries %d names %d", len(out.StreamSummaries), len(out.StreamNames))
		}
		if !aws.ToBool(out.HasMoreStreams) {
			break
		}
		token = out.NextToken
	}
	if got := strings.Join(names, ","); got != "a1,a2,a3,od,s1" {
		t.Fatalf("ListStreams %s", got)
	}

	// Retention.
	ok(v.c.IncreaseStreamRetentionPeriod(v.ctx, &sdk.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("s1"), RetentionPeriodHours: aws.Int32(48)}))
	_, err = v.c.IncreaseStreamRetentionPeriod(v.ctx, &sdk.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("s1"), RetentionPeriodHours: aws.Int32(30)})
	wantErr(t, err, "InvalidArgumentException", "Requested retention period (30 hours) for stream s1 can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.")
	_, err = v.c.DecreaseStreamRetentionPeriod(v.ctx, &sdk.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("s1"), RetentionPeriodHours: aws.Int32(12)})
	wantErr(t, err, "InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.")
	_, err = v.c.IncreaseStreamRetentionPeriod(v.ctx, &sdk.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("s1"), RetentionPeriodHours: aws.Int32(9000)})
	wantErr(t, err, "InvalidArgumentException", "Maximum allowed retention period is 8760 hours. Requested retention period (9000 hours) is too long.")
	ok(v.c.DecreaseStreamRetentionPeriod(v.ctx, &sdk.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("s1"), RetentionPeriodHours: aws.Int32(24)}))

	// Enhanced monitoring.
	mon := ok(v.c.EnableEnhancedMonitoring(v.ctx, &sdk.EnableEnhancedMonitoringInput{StreamName: aws.String("s1"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes}}))
	if len(mon.CurrentShardLevelMetrics) != 0 || !slices.Equal(mon.DesiredShardLevelMetrics, []types.MetricsName{types.MetricsNameIncomingBytes}) {
		t.Fatalf("enable %+v", mon)
	}
	mon = ok(v.c.EnableEnhancedMonitoring(v.ctx, &sdk.EnableEnhancedMonitoringInput{StreamName: aws.String("s1"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}}))
	if len(mon.DesiredShardLevelMetrics) != 7 {
		t.Fatalf("ALL: %+v", mon.DesiredShardLevelMetrics)
	}
	dis := ok(v.c.DisableEnhancedMonitoring(v.ctx, &sdk.DisableEnhancedMonitoringInput{StreamName: aws.String("s1"), ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}}))
	if len(dis.CurrentShardLevelMetrics) != 7 || len(dis.DesiredShardLevelMetrics) != 0 {
		t.Fatalf("disable %+v", dis)
	}

	// Stream mode.
	ok(v.c.UpdateStreamMode(v.ctx, &sdk.UpdateStreamModeInput{StreamARN: aws.String(v.arn("a1")), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}))
	sum = ok(v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("a1")})).StreamDescriptionSummary
	if sum.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
		t.Fatalf("mode %v", sum.StreamModeDetails.StreamMode)
	}

	// Deletion.
	ok(v.c.DeleteStream(v.ctx, &sdk.DeleteStreamInput{StreamName: aws.String("a2")}))
	_, err = v.c.DescribeStream(v.ctx, &sdk.DescribeStreamInput{StreamName: aws.String("a2")})
	wantErr(t, err, "ResourceNotFoundException", "Stream a2 under account "+acct+" not found.")
	_, err = v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{})
	wantErr(t, err, "InvalidArgumentException", "Neither StreamName nor StreamARN")
}

func TestValidationMessages(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	// LimitExceededException is retryable: no retries keeps the test fast.
	v.c = sdk.NewFromConfig(v.e.AWSConfig(), func(o *sdk.Options) { o.Retryer = aws.NopRetryer{} })
	v.create(t, "s", 1)
	big := make([]byte, 1<<20)
	tests := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"bad stream name", func() error {
			_, err := v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String("a b"), ShardCount: aws.Int32(1)})
			return err
		}, "ValidationException", "1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"limit too high", func() error {
			_, err := v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String("x"), Limit: aws.Int32(10001)})
			return err
		}, "ValidationException", "Member must have value less than or equal to 10000"},
		{"partition key too long", func() error {
			_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String(strings.Repeat("k", 257))})
			return err
		}, "ValidationException", "Member must have length less than or equal to 256"},
		{"too many records", func() error {
			recs := make([]types.PutRecordsRequestEntry, 501)
			for i := range recs {
				recs[i] = types.PutRecordsRequestEntry{Data: []byte("x"), PartitionKey: aws.String("k")}
			}
			_, err := v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String("s"), Records: recs})
			return err
		}, "ValidationException", "Member must have length less than or equal to 500"},
		{"record with key over 1 MiB", func() error {
			_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: big, PartitionKey: aws.String("k")})
			return err
		}, "ValidationException", "1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576"},
		{"records over 5 MiB", func() error {
			recs := make([]types.PutRecordsRequestEntry, 6)
			for i := range recs {
				recs[i] = types.PutRecordsRequestEntry{Data: big[:1<<20-10], PartitionKey: aws.String("k")}
			}
			_, err := v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String("s"), Records: recs})
			return err
		}, "InvalidArgumentException", "Records size exceeds 5 MB limit"},
		{"explicit hash key out of range", func() error {
			_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("340282366920938463463374607431768211456")})
			return err
		}, "InvalidArgumentException", "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456"},
		{"unknown stream", func() error {
			_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("nope"), Data: []byte("x"), PartitionKey: aws.String("k")})
			return err
		}, "ResourceNotFoundException", "Stream nope under account " + v.e.Account() + " not found."},
		{"invalid iterator", func() error {
			_, err := v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String("AAAAAAAAAAFbogus")})
			return err
		}, "InvalidArgumentException", "Invalid ShardIterator."},
		{"unknown shard", func() error {
			_, err := v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000007"), ShardIteratorType: types.ShardIteratorTypeLatest})
			return err
		}, "ResourceNotFoundException", "Shard shardId-000000000007 in stream s under account " + v.e.Account() + " does not exist"},
		{"latest with sequence", func() error {
			_, err := v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeLatest, StartingSequenceNumber: aws.String("1")})
			return err
		}, "InvalidArgumentException", "Request specified LATEST and also a StartingSequenceNumber."},
		{"at sequence without one", func() error {
			_, err := v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber})
			return err
		}, "InvalidArgumentException", "Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber."},
		{"small sequence number decodes to another shard", func() error {
			_, err := v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String("12345")})
			return err
		}, "InvalidArgumentException", "Invalid StartingSequenceNumber. It encodes shardId-000000012345, while it was used in a call to a shard with shardId-000000000000"},
		{"split outside range", func() error {
			_, err := v.c.SplitShard(v.ctx, &sdk.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("0")})
			return err
		}, "InvalidArgumentException", "is not both greater than one plus the shard's StartingHashKey"},
		{"split unknown shard", func() error {
			_, err := v.c.SplitShard(v.ctx, &sdk.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000009"), NewStartingHashKey: aws.String("5")})
			return err
		}, "ResourceNotFoundException", "Could not find shard shardId-000000000009 in stream s under account " + v.e.Account() + "."},
		{"list shards without stream", func() error {
			_, err := v.c.ListShards(v.ctx, &sdk.ListShardsInput{})
			return err
		}, "InvalidArgumentException", "Either NextToken or StreamName should be provided."},
		{"scale up too far", func() error {
			_, err := v.c.UpdateShardCount(v.ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(3), ScalingType: types.ScalingTypeUniformScaling})
			return err
		}, "LimitExceededException", "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 1, Target shard count: 3"},
		{"too many shards", func() error {
			_, err := v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String("huge"), ShardCount: aws.Int32(600)})
			return err
		}, "LimitExceededException", "This request would exceed the shard limit for the account " + v.e.Account() + " in us-east-1. Current shard count for the account: 1. Limit: 500. Number of additional shards that would have resulted from this request: 600."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.call(), tc.code, tc.msg)
		})
	}
}

func TestPutGetAndHashKeys(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 4)
	shards := v.shards(t, "s")
	byID := map[string]types.Shard{}
	for _, sh := range shards {
		byID[aws.ToString(sh.ShardId)] = sh
	}
	// Partition keys map by MD5; an explicit hash key overrides.
	var lastSeq = map[string]*big.Int{}
	for i := range 40 {
		key := fmt.Sprintf("key-%d", i)
		out := ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte(key), PartitionKey: aws.String(key)}))
		sh := byID[aws.ToString(out.ShardId)]
		if !inRange(md5Hash(key), sh.HashKeyRange) {
			t.Fatalf("%s went to %s", key, aws.ToString(out.ShardId))
		}
		seq, _ := new(big.Int).SetString(aws.ToString(out.SequenceNumber), 10)
		if prev := lastSeq[aws.ToString(out.ShardId)]; prev != nil && seq.Cmp(prev) <= 0 {
			t.Fatalf("sequence %s not above %s", seq, prev)
		}
		lastSeq[aws.ToString(out.ShardId)] = seq
		if n := len(aws.ToString(out.SequenceNumber)); n < 56 || n > 57 {
			t.Fatalf("sequence number %q", aws.ToString(out.SequenceNumber))
		}
	}
	for _, tc := range []struct{ ehk, shard string }{
		{"0", "shardId-000000000000"},
		{"85070591730234615865843651857942052863", "shardId-000000000000"},
		{"85070591730234615865843651857942052864", "shardId-000000000001"},
		{"340282366920938463463374607431768211455", "shardId-000000000003"},
	} {
		out := ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("e"), PartitionKey: aws.String("zzz"), ExplicitHashKey: aws.String(tc.ehk)}))
		if aws.ToString(out.ShardId) != tc.shard {
			t.Errorf("ExplicitHashKey %s went to %s, want %s", tc.ehk, aws.ToString(out.ShardId), tc.shard)
		}
	}

	// PutRecords keeps per-shard order and reports shards.
	recs := make([]types.PutRecordsRequestEntry, 500)
	for i := range recs {
		recs[i] = types.PutRecordsRequestEntry{Data: fmt.Appendf(nil, "batch-%d", i), PartitionKey: aws.String("same")}
	}
	pr := ok(v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamARN: aws.String(v.arn("s")), Records: recs}))
	if aws.ToInt32(pr.FailedRecordCount) != 0 || len(pr.Records) != 500 {
		t.Fatalf("PutRecords %d failed of %d", aws.ToInt32(pr.FailedRecordCount), len(pr.Records))
	}
	shardID := aws.ToString(pr.Records[0].ShardId)
	got, last := v.readAll(t, "s", shardID)
	var batch []string
	for _, r := range got {
		if strings.HasPrefix(string(r.Data), "batch-") {
			batch = append(batch, string(r.Data))
			if aws.ToString(r.PartitionKey) != "same" || r.ApproximateArrivalTimestamp == nil {
				t.Fatalf("record %+v", r)
			}
		}
	}
	if len(batch) != 500 || batch[0] != "batch-0" || batch[499] != "batch-499" {
		t.Fatalf("read %d batch records", len(batch))
	}
	if aws.ToInt64(last.MillisBehindLatest) != 0 {
		t.Errorf("MillisBehindLatest %d", aws.ToInt64(last.MillisBehindLatest))
	}

	// Iterator types.
	seq := aws.ToString(pr.Records[10].SequenceNumber)
	at := v.iterator(t, "s", shardID, types.ShardIteratorTypeAtSequenceNumber, seq)
	after := v.iterator(t, "s", shardID, types.ShardIteratorTypeAfterSequenceNumber, seq)
	latest := v.iterator(t, "s", shardID, types.ShardIteratorTypeLatest, "")
	for _, tc := range []struct {
		name, it, first string
	}{{"at", at, "batch-10"}, {"after", after, "batch-11"}} {
		out := ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(tc.it), Limit: aws.Int32(2)}))
		if len(out.Records) != 2 || string(out.Records[0].Data) != tc.first {
			t.Errorf("%s: %d records", tc.name, len(out.Records))
		} else if aws.ToInt64(out.MillisBehindLatest) != 0 {
			t.Errorf("%s: behind %d", tc.name, aws.ToInt64(out.MillisBehindLatest))
		}
	}
	out := ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(latest)}))
	if len(out.Records) != 0 || out.NextShardIterator == nil {
		t.Fatalf("LATEST read %d", len(out.Records))
	}
	v.advance(t, 2*time.Second)
	ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("new"), PartitionKey: aws.String("same")}))
	out = ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: out.NextShardIterator}))
	if len(out.Records) != 1 || string(out.Records[0].Data) != "new" {
		t.Fatalf("after LATEST: %d", len(out.Records))
	}
	// AT_TIMESTAMP finds the record put after the clock moved.
	ts := v.clk.Now()
	tsIt := ok(v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String(shardID), ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: &ts}))
	out = ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: tsIt.ShardIterator}))
	if len(out.Records) != 1 || string(out.Records[0].Data) != "new" {
		t.Fatalf("AT_TIMESTAMP: %d", len(out.Records))
	}
	// MillisBehindLatest while behind.
	mid := v.iterator(t, "s", shardID, types.ShardIteratorTypeAtSequenceNumber, seq)
	out = ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(mid), Limit: aws.Int32(1)}))
	if aws.ToInt64(out.MillisBehindLatest) != 2000 {
		t.Errorf("MillisBehindLatest %d, want 2000", aws.ToInt64(out.MillisBehindLatest))
	}
	// A sequence number from another shard.
	other := "shardId-000000000000"
	if shardID == other {
		other = "shardId-000000000001"
	}
	_, err := v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String(other), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(seq)})
	wantErr(t, err, "InvalidArgumentException", "Invalid StartingSequenceNumber. It encodes "+shardID+", while it was used in a call to a shard with "+other)
	// SequenceNumberForOrdering is accepted and ordering holds.
	p := ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("o"), PartitionKey: aws.String("same"), SequenceNumberForOrdering: aws.String(seq)}))
	a, _ := new(big.Int).SetString(aws.ToString(p.SequenceNumber), 10)
	b, _ := new(big.Int).SetString(seq, 10)
	if a.Cmp(b) <= 0 {
		t.Fatalf("ordering: %s <= %s", a, b)
	}
	// Version 4 is no layout Kinesis knows (TestSequenceNumberDecoding has
	// the rest).
	const v4 = "49039857307708443467467104868809893875799651909875269636"
	_, err = v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("o"), PartitionKey: aws.String("same"), SequenceNumberForOrdering: aws.String(v4)})
	wantErr(t, err, "InvalidArgumentException", "ExclusiveMinimumSequenceNumber "+v4+" used in PutRecord on stream s under account "+v.e.Account()+" is invalid.")
}

func TestIteratorExpiryAndRetention(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 1)
	ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("old"), PartitionKey: aws.String("k")}))
	it := v.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "")
	v.advance(t, 5*time.Minute)
	ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)}))
	v.advance(t, time.Millisecond)
	_, err := v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
	wantErr(t, err, "ExpiredIteratorException", "Iterator expired. The iterator was created at time ")
	wantErr(t, err, "ExpiredIteratorException", "which is further in the future than the tolerated delay of 300000 milliseconds.")

	// Retention: records older than 24 h disappear and are freed.
	v.advance(t, 23*time.Hour)
	ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("young"), PartitionKey: aws.String("k")}))
	if n, _ := v.e.Kinesis().StoredRecords("s"); n != 2 {
		t.Fatalf("stored %d, want 2", n)
	}
	v.advance(t, time.Hour)
	recs, _ := v.readAll(t, "s", "shardId-000000000000")
	if len(recs) != 1 || string(recs[0].Data) != "young" {
		t.Fatalf("after retention: %d records", len(recs))
	}
	if n, _ := v.e.Kinesis().StoredRecords("s"); n != 1 {
		t.Fatalf("stored %d after trimming, want 1", n)
	}
}

func TestResharding(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 2)
	put := func(key string) string {
		out := ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte(key), PartitionKey: aws.String(key)}))
		return aws.ToString(out.ShardId)
	}
	before := put("alpha")
	// Split shard 0 in the middle of its range.
	ok(v.c.SplitShard(v.ctx, &sdk.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("85070591730234615865843651857942052864")}))
	shards := v.shards(t, "s")
	if len(shards) != 4 {
		t.Fatalf("%d shards after split", len(shards))
	}
	parent := shards[0]
	if parent.SequenceNumberRange.EndingSequenceNumber == nil {
		t.Fatal("split parent still open")
	}
	for _, c := range shards[2:] {
		if aws.ToString(c.ParentShardId) != "shardId-000000000000" || c.AdjacentParentShardId != nil {
			t.Fatalf("child %+v", c)
		}
	}
	if aws.ToString(shards[2].HashKeyRange.EndingHashKey) != "85070591730234615865843651857942052863" || aws.ToString(shards[3].HashKeyRange.StartingHashKey) != "85070591730234615865843651857942052864" {
		t.Fatalf("child ranges %v %v", shards[2].HashKeyRange, shards[3].HashKeyRange)
	}
	_, err := v.c.SplitShard(v.ctx, &sdk.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("5")})
	wantErr(t, err, "ResourceInUseException", "has already been merged or split")

	// Reading the closed parent ends with ChildShards and no iterator.
	if before == "shardId-000000000000" {
		recs, last := v.readAll(t, "s", before)
		if len(recs) != 1 || last.NextShardIterator != nil || len(last.ChildShards) != 2 {
			t.Fatalf("parent read: %d recs, next %v, children %d", len(recs), last.NextShardIterator, len(last.ChildShards))
		}
	}
	it := v.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "")
	for {
		out := ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)}))
		if out.NextShardIterator == nil {
			if len(out.ChildShards) != 2 || aws.ToString(out.ChildShards[0].ShardId) != "shardId-000000000002" || !slices.Equal(out.ChildShards[0].ParentShards, []string{"shardId-000000000000"}) {
				t.Fatalf("ChildShards %+v", out.ChildShards)
			}
			break
		}
		it = *out.NextShardIterator
	}

	// Merge the two children back.
	_, err = v.c.MergeShards(v.ctx, &sdk.MergeShardsInput{StreamName: aws.String("s"), ShardToMerge: aws.String("shardId-000000000002"), AdjacentShardToMerge: aws.String("shardId-000000000001")})
	wantErr(t, err, "InvalidArgumentException", "Shards shardId-000000000002 and shardId-000000000001 in stream s under account "+v.e.Account()+" are not an adjacent pair of shards eligible for merging")
	ok(v.c.MergeShards(v.ctx, &sdk.MergeShardsInput{StreamName: aws.String("s"), ShardToMerge: aws.String("shardId-000000000002"), AdjacentShardToMerge: aws.String("shardId-000000000003")}))
	shards = v.shards(t, "s")
	merged := shards[len(shards)-1]
	if aws.ToString(merged.ShardId) != "shardId-000000000004" || aws.ToString(merged.ParentShardId) != "shardId-000000000002" || aws.ToString(merged.AdjacentParentShardId) != "shardId-000000000003" || aws.ToString(merged.HashKeyRange.StartingHashKey) != "0" {
		t.Fatalf("merged %+v", merged)
	}

	// UpdateShardCount 2 -> 3 -> 6 keeps even ranges and lineage.
	for _, target := range []int32{3, 6} {
		u := ok(v.c.UpdateShardCount(v.ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(target), ScalingType: types.ScalingTypeUniformScaling}))
		if aws.ToInt32(u.TargetShardCount) != target {
			t.Fatalf("UpdateShardCount %+v", u)
		}
		open := ok(v.c.ListShards(v.ctx, &sdk.ListShardsInput{StreamName: aws.String("s"), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})).Shards
		if len(open) != int(target) {
			t.Fatalf("%d open shards, want %d", len(open), target)
		}
		slices.SortFunc(open, func(a, b types.Shard) int {
			x, _ := new(big.Int).SetString(aws.ToString(a.HashKeyRange.StartingHashKey), 10)
			y, _ := new(big.Int).SetString(aws.ToString(b.HashKeyRange.StartingHashKey), 10)
			return x.Cmp(y)
		})
		step := new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(int64(target)))
		all := v.shards(t, "s")
		ids := map[string]types.Shard{}
		for _, sh := range all {
			ids[aws.ToString(sh.ShardId)] = sh
		}
		for i, sh := range open {
			start, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
			if want := new(big.Int).Mul(step, big.NewInt(int64(i))); start.Cmp(want) != 0 {
				t.Errorf("target %d shard %d starts at %s, want %s", target, i, start, want)
			}
			for _, p := range []*string{sh.ParentShardId, sh.AdjacentParentShardId} {
				if p == nil {
					continue
				}
				if par, ok := ids[*p]; !ok || par.SequenceNumberRange.EndingSequenceNumber == nil {
					t.Errorf("parent %s of %s missing or open", *p, aws.ToString(sh.ShardId))
				}
			}
			if sh.ParentShardId == nil {
				t.Errorf("%s has no parent", aws.ToString(sh.ShardId))
			}
		}
	}
	// Records still route to open shards only.
	shard := put("omega")
	for _, sh := range v.shards(t, "s") {
		if aws.ToString(sh.ShardId) == shard && sh.SequenceNumberRange.EndingSequenceNumber != nil {
			t.Fatalf("record went to closed shard %s", shard)
		}
	}
	// ListShards paging with NextToken.
	page := ok(v.c.ListShards(v.ctx, &sdk.ListShardsInput{StreamName: aws.String("s"), MaxResults: aws.Int32(3)}))
	total := len(page.Shards)
	for page.NextToken != nil {
		page = ok(v.c.ListShards(v.ctx, &sdk.ListShardsInput{NextToken: page.NextToken}))
		total += len(page.Shards)
	}
	if total != len(v.shards(t, "s")) {
		t.Fatalf("paged %d shards", total)
	}
}

func TestStatusTransitions(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	svc := v.e.Kinesis()
	opts := svc.Options()
	opts.CreateDelay, opts.UpdateDelay, opts.DeleteDelay = time.Second, 2*time.Second, 3*time.Second
	svc.SetOptions(opts)
	ok(v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)}))
	status := func() types.StreamStatus {
		return ok(v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("s")})).StreamDescriptionSummary.StreamStatus
	}
	if s := status(); s != types.StreamStatusCreating {
		t.Fatalf("status %s", s)
	}
	_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k")})
	wantErr(t, err, "ResourceNotFoundException", "not found")
	v.advance(t, time.Second)
	// The SDK's waiter sees ACTIVE at once.
	w := sdk.NewStreamExistsWaiter(v.c)
	if err := w.Wait(v.ctx, &sdk.DescribeStreamInput{StreamName: aws.String("s")}, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	ok(v.c.UpdateShardCount(v.ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling}))
	if s := status(); s != types.StreamStatusUpdating {
		t.Fatalf("status %s", s)
	}
	_, err = v.c.UpdateShardCount(v.ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(1), ScalingType: types.ScalingTypeUniformScaling})
	wantErr(t, err, "ResourceInUseException", "Stream s under account "+v.e.Account()+" not ACTIVE, instead in state UPDATING")
	// Writes still go to the parent while updating.
	ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k")}))
	v.advance(t, 2*time.Second)
	if s := status(); s != types.StreamStatusActive || len(v.shards(t, "s")) != 3 {
		t.Fatalf("status %s, %d shards", s, len(v.shards(t, "s")))
	}
	ok(v.c.StartStreamEncryption(v.ctx, &sdk.StartStreamEncryptionInput{StreamName: aws.String("s"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}))
	v.advance(t, 2*time.Second)
	d := ok(v.c.DescribeStream(v.ctx, &sdk.DescribeStreamInput{StreamName: aws.String("s")})).StreamDescription
	if d.EncryptionType != types.EncryptionTypeKms || aws.ToString(d.KeyId) != "alias/aws/kinesis" {
		t.Fatalf("encryption %s %s", d.EncryptionType, aws.ToString(d.KeyId))
	}
	p := ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("secret"), PartitionKey: aws.String("k")}))
	if p.EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("put encryption %s", p.EncryptionType)
	}
	it := v.iterator(t, "s", aws.ToString(p.ShardId), types.ShardIteratorTypeAtSequenceNumber, aws.ToString(p.SequenceNumber))
	r := ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)}))
	if len(r.Records) != 1 || r.Records[0].EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("record encryption %+v", r.Records)
	}
	ok(v.c.StopStreamEncryption(v.ctx, &sdk.StopStreamEncryptionInput{StreamName: aws.String("s"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}))
	v.advance(t, 2*time.Second)
	ok(v.c.DeleteStream(v.ctx, &sdk.DeleteStreamInput{StreamName: aws.String("s")}))
	if s := status(); s != types.StreamStatusDeleting {
		t.Fatalf("status %s", s)
	}
	v.advance(t, 3*time.Second)
	_, err = v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("s")})
	wantErr(t, err, "ResourceNotFoundException", "not found")
}

func TestThroughputLimits(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	// Throttling errors are retryable: no retries keeps the test fast.
	v.c = sdk.NewFromConfig(v.e.AWSConfig(), func(o *sdk.Options) { o.Retryer = aws.NopRetryer{} })
	v.create(t, "s", 1)
	v.create(t, "free", 1)
	if err := v.e.Kinesis().SetStreamThroughputLimits("s", true); err != nil {
		t.Fatal(err)
	}
	recs := make([]types.PutRecordsRequestEntry, 500)
	for i := range recs {
		recs[i] = types.PutRecordsRequestEntry{Data: make([]byte, 100), PartitionKey: aws.String("k")}
	}
	for _, name := range []string{"s", "s", "s", "free", "free", "free"} {
		out := ok(v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String(name), Records: recs}))
		_ = out
	}
	out := ok(v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String("s"), Records: recs}))
	if aws.ToInt32(out.FailedRecordCount) != 500 || aws.ToString(out.Records[0].ErrorCode) != "ProvisionedThroughputExceededException" || aws.ToString(out.Records[0].ErrorMessage) != "Rate exceeded for shard shardId-000000000000 in stream s under account "+v.e.Account()+"." {
		t.Fatalf("throttled batch: %d failed, %+v", aws.ToInt32(out.FailedRecordCount), out.Records[0])
	}
	_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k")})
	wantErr(t, err, "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000000")
	v.advance(t, time.Second)
	out = ok(v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String("s"), Records: recs}))
	if aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("after refill: %d failed", aws.ToInt32(out.FailedRecordCount))
	}
	// Reads: five GetRecords calls per second.
	it := v.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeLatest, "")
	for range 5 {
		ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)}))
	}
	_, err = v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
	wantErr(t, err, "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000000 in stream s")
	v.advance(t, time.Second)
	ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)}))
}

func TestConsumersTagsPolicies(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 1)
	arn := v.arn("s")
	reg := ok(v.c.RegisterStreamConsumer(v.ctx, &sdk.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c1")}))
	carn := aws.ToString(reg.Consumer.ConsumerARN)
	if !strings.HasPrefix(carn, arn+"/consumer/c1:") || reg.Consumer.ConsumerStatus != types.ConsumerStatusActive {
		t.Fatalf("consumer %+v", reg.Consumer)
	}
	_, err := v.c.RegisterStreamConsumer(v.ctx, &sdk.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c1")})
	wantErr(t, err, "ResourceInUseException", "c1")
	desc := ok(v.c.DescribeStreamConsumer(v.ctx, &sdk.DescribeStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c1")}))
	if aws.ToString(desc.ConsumerDescription.ConsumerARN) != carn || aws.ToString(desc.ConsumerDescription.StreamARN) != arn {
		t.Fatalf("describe %+v", desc.ConsumerDescription)
	}
	ok(v.c.RegisterStreamConsumer(v.ctx, &sdk.RegisterStreamConsumerInput{StreamARN: aws.String(arn), ConsumerName: aws.String("c2")}))
	list := ok(v.c.ListStreamConsumers(v.ctx, &sdk.ListStreamConsumersInput{StreamARN: aws.String(arn), MaxResults: aws.Int32(1)}))
	if len(list.Consumers) != 1 || list.NextToken == nil {
		t.Fatalf("list page 1 %+v", list)
	}
	list = ok(v.c.ListStreamConsumers(v.ctx, &sdk.ListStreamConsumersInput{StreamARN: aws.String(arn), NextToken: list.NextToken}))
	if len(list.Consumers) != 1 || aws.ToString(list.Consumers[0].ConsumerName) != "c2" || list.NextToken != nil {
		t.Fatalf("list page 2 %+v", list)
	}
	_, err = v.c.DeleteStream(v.ctx, &sdk.DeleteStreamInput{StreamName: aws.String("s")})
	wantErr(t, err, "ResourceInUseException", "DeleteStream can’t delete "+v.e.Account()+":")

	// Tags on the stream and the consumer.
	ok(v.c.AddTagsToStream(v.ctx, &sdk.AddTagsToStreamInput{StreamName: aws.String("s"), Tags: map[string]string{"b": "2", "a": "1"}}))
	ok(v.c.TagResource(v.ctx, &sdk.TagResourceInput{ResourceARN: aws.String(arn), Tags: map[string]string{"c": "3"}}))
	tags := ok(v.c.ListTagsForStream(v.ctx, &sdk.ListTagsForStreamInput{StreamName: aws.String("s"), Limit: aws.Int32(2)}))
	if len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].Key) != "a" || !aws.ToBool(tags.HasMoreTags) {
		t.Fatalf("tags %+v", tags)
	}
	ok(v.c.RemoveTagsFromStream(v.ctx, &sdk.RemoveTagsFromStreamInput{StreamName: aws.String("s"), TagKeys: []string{"a"}}))
	ok(v.c.UntagResource(v.ctx, &sdk.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"b"}}))
	rt := ok(v.c.ListTagsForResource(v.ctx, &sdk.ListTagsForResourceInput{ResourceARN: aws.String(arn)}))
	if len(rt.Tags) != 1 || aws.ToString(rt.Tags[0].Key) != "c" {
		t.Fatalf("resource tags %+v", rt.Tags)
	}
	ok(v.c.TagResource(v.ctx, &sdk.TagResourceInput{ResourceARN: aws.String(carn), Tags: map[string]string{"team": "x"}}))
	ct := ok(v.c.ListTagsForResource(v.ctx, &sdk.ListTagsForResourceInput{ResourceARN: aws.String(carn)}))
	if len(ct.Tags) != 1 || aws.ToString(ct.Tags[0].Value) != "x" {
		t.Fatalf("consumer tags %+v", ct.Tags)
	}
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	_, err = v.c.AddTagsToStream(v.ctx, &sdk.AddTagsToStreamInput{StreamName: aws.String("s"), Tags: many})
	wantErr(t, err, "InvalidArgumentException", "cannot have more than 50 tags")

	// Resource policies.
	pol := `{"Version":"2012-10-17","Statement":[]}`
	ok(v.c.PutResourcePolicy(v.ctx, &sdk.PutResourcePolicyInput{ResourceARN: aws.String(arn), Policy: aws.String(pol)}))
	got := ok(v.c.GetResourcePolicy(v.ctx, &sdk.GetResourcePolicyInput{ResourceARN: aws.String(arn)}))
	if aws.ToString(got.Policy) != pol {
		t.Fatalf("policy %q", aws.ToString(got.Policy))
	}
	ok(v.c.DeleteResourcePolicy(v.ctx, &sdk.DeleteResourcePolicyInput{ResourceARN: aws.String(arn)}))
	got = ok(v.c.GetResourcePolicy(v.ctx, &sdk.GetResourcePolicyInput{ResourceARN: aws.String(arn)}))
	if aws.ToString(got.Policy) != "{}" {
		t.Fatalf("policy after delete %q", aws.ToString(got.Policy))
	}

	// Account settings, warm throughput, max record size.
	as := ok(v.c.UpdateAccountSettings(v.ctx, &sdk.UpdateAccountSettingsInput{MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{Status: types.MinimumThroughputBillingCommitmentInputStatusEnabled}}))
	if as.MinimumThroughputBillingCommitment.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabled {
		t.Fatalf("settings %+v", as.MinimumThroughputBillingCommitment)
	}
	ds := ok(v.c.DescribeAccountSettings(v.ctx, &sdk.DescribeAccountSettingsInput{}))
	if ds.MinimumThroughputBillingCommitment.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabled {
		t.Fatalf("describe settings %+v", ds.MinimumThroughputBillingCommitment)
	}
	ok(v.c.UpdateMaxRecordSize(v.ctx, &sdk.UpdateMaxRecordSizeInput{StreamARN: aws.String(arn), MaxRecordSizeInKiB: aws.Int32(2048)}))
	ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: make([]byte, 1<<20), PartitionKey: aws.String("k")}))
	_, err = v.c.UpdateStreamWarmThroughput(v.ctx, &sdk.UpdateStreamWarmThroughputInput{StreamName: aws.String("s"), WarmThroughputMiBps: aws.Int32(10)})
	wantErr(t, err, "InvalidArgumentException", "ON_DEMAND")

	// Deregistration and enforced deletion.
	ok(v.c.DeregisterStreamConsumer(v.ctx, &sdk.DeregisterStreamConsumerInput{ConsumerARN: aws.String(carn)}))
	_, err = v.c.DescribeStreamConsumer(v.ctx, &sdk.DescribeStreamConsumerInput{ConsumerARN: aws.String(carn)})
	wantErr(t, err, "ResourceNotFoundException", "not found")
	ok(v.c.DeleteStream(v.ctx, &sdk.DeleteStreamInput{StreamName: aws.String("s"), EnforceConsumerDeletion: aws.Bool(true)}))
}

func TestConsumerStatusDelay(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	svc := v.e.Kinesis()
	o := svc.Options()
	o.ConsumerDelay = 5 * time.Second
	svc.SetOptions(o)
	v.create(t, "s", 1)
	reg := ok(v.c.RegisterStreamConsumer(v.ctx, &sdk.RegisterStreamConsumerInput{StreamARN: aws.String(v.arn("s")), ConsumerName: aws.String("c")}))
	if reg.Consumer.ConsumerStatus != types.ConsumerStatusCreating {
		t.Fatalf("status %s", reg.Consumer.ConsumerStatus)
	}
	_, err := v.c.SubscribeToShard(v.ctx, &sdk.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
	wantErr(t, err, "ResourceInUseException", fmt.Sprintf("Consumer c with creation timestamp %d under stream: s , account %s is not in ACTIVE status.", reg.Consumer.ConsumerCreationTimestamp.Unix(), v.e.Account()))
	v.advance(t, 5*time.Second)
	d := ok(v.c.DescribeStreamConsumer(v.ctx, &sdk.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN}))
	if d.ConsumerDescription.ConsumerStatus != types.ConsumerStatusActive {
		t.Fatalf("status %s", d.ConsumerDescription.ConsumerStatus)
	}
	ok(v.c.DeregisterStreamConsumer(v.ctx, &sdk.DeregisterStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN}))
	d = ok(v.c.DescribeStreamConsumer(v.ctx, &sdk.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN}))
	if d.ConsumerDescription.ConsumerStatus != types.ConsumerStatusDeleting {
		t.Fatalf("status %s", d.ConsumerDescription.ConsumerStatus)
	}
}

func TestSubscribeToShard(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 1)
	reg := ok(v.c.RegisterStreamConsumer(v.ctx, &sdk.RegisterStreamConsumerInput{StreamARN: aws.String(v.arn("s")), ConsumerName: aws.String("c")}))
	for i := range 3 {
		ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: fmt.Appendf(nil, "r%d", i), PartitionKey: aws.String("k")}))
	}
	ctx, cancel := context.WithTimeout(v.ctx, 20*time.Second)
	defer cancel()
	sub := ok(v.c.SubscribeToShard(ctx, &sdk.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}}))
	stream := sub.GetStream()
	defer stream.Close()
	next := func() *types.SubscribeToShardEvent {
		t.Helper()
		select {
		case ev, open := <-stream.Events():
			if !open {
				t.Fatalf("stream ended: %v", stream.Err())
			}
			e, isEvent := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
			if !isEvent {
				t.Fatalf("event %T", ev)
			}
			return &e.Value
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return nil
	}
	ev := next()
	if len(ev.Records) != 3 || string(ev.Records[2].Data) != "r2" || ev.ContinuationSequenceNumber == nil || aws.ToString(ev.ContinuationSequenceNumber) != aws.ToString(ev.Records[2].SequenceNumber) {
		t.Fatalf("first event %+v", ev)
	}
	// A second subscription of the same consumer to the shard is refused.
	_, err := v.c.SubscribeToShard(ctx, &sdk.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000000"), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}})
	wantErr(t, err, "ResourceInUseException", "Another active subscription exists for this consumer")
	// New records are pushed.
	ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("live"), PartitionKey: aws.String("k")}))
	ev = next()
	if len(ev.Records) != 1 || string(ev.Records[0].Data) != "live" {
		t.Fatalf("live event %+v", ev)
	}
	// A heartbeat after five quiet seconds.
	v.advance(t, 5*time.Second)
	ev = next()
	if len(ev.Records) != 0 || ev.ContinuationSequenceNumber == nil {
		t.Fatalf("heartbeat %+v", ev)
	}
	// Resharding: the event at the end of the closed shard names the
	// children, then the stream ends.
	ok(v.c.UpdateShardCount(v.ctx, &sdk.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling}))
	ev = next()
	if len(ev.ChildShards) != 2 || ev.ContinuationSequenceNumber != nil {
		t.Fatalf("end event %+v", ev)
	}
	select {
	case _, open := <-stream.Events():
		if open {
			t.Fatal("stream still open after shard end")
		}
	case <-ctx.Done():
		t.Fatal("stream did not end")
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream error %v", err)
	}

	// Subscriptions end after five minutes of virtual time.
	sub = ok(v.c.SubscribeToShard(ctx, &sdk.SubscribeToShardInput{ConsumerARN: reg.Consumer.ConsumerARN, ShardId: aws.String("shardId-000000000001"), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}}))
	stream2 := sub.GetStream()
	defer stream2.Close()
	<-stream2.Events()
	v.advance(t, 5*time.Minute)
	for {
		select {
		case _, open := <-stream2.Events():
			if !open {
				return
			}
		case <-ctx.Done():
			t.Fatal("subscription did not expire")
		}
	}
}

func TestGoAPIOptions(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	// LimitExceededException is retryable: no retries keeps the test fast.
	v.c = sdk.NewFromConfig(v.e.AWSConfig(), func(o *sdk.Options) { o.Retryer = aws.NopRetryer{} })
	svc := v.e.Kinesis()
	o := kinesis.DefaultOptions()
	o.ShardLimit = 3
	svc.SetOptions(o)
	_, err := v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String("x"), ShardCount: aws.Int32(4)})
	wantErr(t, err, "LimitExceededException", "Limit: 3.")
	if _, err := svc.StoredRecords("missing"); err == nil {
		t.Fatal("StoredRecords of a missing stream succeeded")
	}
	if err := svc.SetStreamThroughputLimits("missing", true); err == nil {
		t.Fatal("SetStreamThroughputLimits of a missing stream succeeded")
	}
}
