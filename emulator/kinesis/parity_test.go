package kinesis_test

// Behaviour checked against AWS's as recorded by kinesalite's tests (run
// against AWS) and AWS's API reference; each test names its source.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator/kinesis"
)

const (
	errNotFound = "ResourceNotFoundException"
	errInvalid  = "InvalidArgumentException"
)

// errCase is one call and the AWS error it must end with: code "" for
// success, else the exact code and message.
type errCase struct {
	name      string
	call      func() error
	code, msg string
}

// runCases runs the cases in order, as subtests.
func runCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantExact(t, tc.call(), tc.code, tc.msg)
		})
	}
}

// wantExact asserts that err is the AWS error code with exactly msg, or
// nil for code "".
func wantExact(t *testing.T, err error, code, msg string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("got %s %q\nwant %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// hexSeq renders a hexadecimal sequence number in decimal.
func hexSeq(h string) string {
	n, ok := new(big.Int).SetString(h, 16)
	if !ok {
		panic("bad hex " + h)
	}
	return n.String()
}

// TestShardIDForms checks that GetShardIterator, SplitShard and MergeShards
// take any <prefix>-<N> shard id, name the normalised id in errors, and
// check the id before looking the stream up (kinesalite's
// getShardIterator, splitShard and mergeShards tests).
func TestShardIDForms(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	acct := v.e.Account()
	v.create(t, "s", 3)
	v.create(t, "r", 1)
	gsi := func(stream, shard string) func() error {
		return func() error {
			_, err := v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeLatest})
			return err
		}
	}
	split := func(stream, shard, key string) func() error {
		return func() error {
			_, err := v.c.SplitShard(v.ctx, &sdk.SplitShardInput{StreamName: aws.String(stream), ShardToSplit: aws.String(shard), NewStartingHashKey: aws.String(key)})
			return err
		}
	}
	merge := func(stream, a, b string) func() error {
		return func() error {
			_, err := v.c.MergeShards(v.ctx, &sdk.MergeShardsInput{StreamName: aws.String(stream), ShardToMerge: aws.String(a), AdjacentShardToMerge: aws.String(b)})
			return err
		}
	}
	under := " under account " + acct
	runCases(t, []errCase{
		{"GetShardIterator shard-0", gsi("s", "shard-0"), "", ""},
		{"GetShardIterator x-1", gsi("s", "x-1"), "", ""},
		{"GetShardIterator bare index with leading zeros", gsi("s", "0002"), "", ""},
		{"GetShardIterator shardId-5 not in stream", gsi("s", "shardId-5"), errNotFound, "Shard shardId-000000000005 in stream s" + under + " does not exist"},
		{"GetShardIterator unknown stream, largest index", gsi("nope", "2147483647"), errNotFound, "Shard shardId-002147483647 in stream nope" + under + " does not exist"},
		{"GetShardIterator unknown stream, empty prefix", gsi("nope", "-00002147483647"), errNotFound, "Shard shardId-002147483647 in stream nope" + under + " does not exist"},
		{"GetShardIterator unknown stream, index too big", gsi("nope", "2147483648"), errNotFound, "Could not find shard 2147483648 in stream nope" + under + "."},
		{"GetShardIterator prefixed index too big", gsi("s", "shardId-002147483648"), errNotFound, "Could not find shard shardId-002147483648 in stream s" + under + "."},
		{"GetShardIterator letters", gsi("nope", "ABKLFD8"), errNotFound, "Could not find shard ABKLFD8 in stream nope" + under + "."},
		{"GetShardIterator exponent", gsi("s", "2.14E4"), errNotFound, "Could not find shard 2.14E4 in stream s" + under + "."},
		{"SplitShard unknown stream, valid id", split("nope", "a-00002147483647", "2"), errNotFound, "Stream nope" + under + " not found."},
		{"SplitShard unknown stream, index too big", split("nope", "2147483648", "2"), errNotFound, "Could not find shard 2147483648 in stream nope" + under + "."},
		{"SplitShard shardId-5 not in stream", split("s", "shardId-5", "2"), errNotFound, "Could not find shard shardId-000000000005 in stream s" + under + "."},
		{"SplitShard key one above the start", split("s", "shard-0", "1"), errInvalid, "NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream s" + under + " is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey 113427455640312821154458202477256070484."},
		{"SplitShard key at the end", split("s", "shard-0", "113427455640312821154458202477256070484"), errInvalid, "NewStartingHashKey 113427455640312821154458202477256070484 used in SplitShard() on shard shardId-000000000000 in stream s" + under + " is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey 113427455640312821154458202477256070484."},
		{"MergeShards unknown stream, valid ids", merge("nope", "2147483647", "x-0"), errNotFound, "Stream nope" + under + " not found."},
		{"MergeShards unknown stream, first id too big", merge("nope", "shardId-002147483648", "x-0"), errNotFound, "Could not find shard shardId-002147483648 in stream nope" + under + "."},
		{"MergeShards unknown stream, adjacent id letters", merge("nope", "x-0", "ABKLFD8"), errNotFound, "Could not find shard ABKLFD8 in stream nope" + under + "."},
		{"MergeShards adjacent shardId-5 not in stream", merge("s", "x-0", "shardId-5"), errNotFound, "Could not find shard shardId-000000000005 in stream s" + under + "."},
		{"MergeShards not adjacent", merge("s", "a-0", "b-2"), errInvalid, "Shards shardId-000000000000 and shardId-000000000002 in stream s" + under + " are not an adjacent pair of shards eligible for merging"},
		{"SplitShard x-0 at the smallest key", split("r", "x-0", "2"), "", ""},
		{"MergeShards the children by prefixed ids", merge("r", "a-1", "b-2"), "", ""},
	})
	if n := len(v.shards(t, "r")); n != 4 {
		t.Fatalf("stream r has %d shards after a split and a merge, want 4", n)
	}
}

// TestTagCharacters checks that tag keys and values outside Unicode
// letters, digits, white space and _ . / = + - % @ are refused in AWS's
// words (kinesalite's addTagsToStream and removeTagsFromStream tests; the
// API reference's Tag lists '%').
func TestTagCharacters(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "s", 1)
	const bad = "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @."
	add := func(stream string, tags map[string]string) func() error {
		return func() error {
			_, err := v.c.AddTagsToStream(v.ctx, &sdk.AddTagsToStreamInput{StreamName: aws.String(stream), Tags: tags})
			return err
		}
	}
	good := map[string]string{"ü0 _.": "a", "/=+-@": "a", "b": "ü0 _./=+-@", "c": "", "٣ 漢\u3000x": "ok", "abc%def": "50%"}
	runCases(t, []errCase{
		{"semicolon in key", add("s", map[string]string{"abc;def": "1"}), errInvalid, bad},
		{"tab in key", add("s", map[string]string{"abc\tdef": "1"}), errInvalid, bad},
		{"newline in key", add("s", map[string]string{"abc\ndef": "1"}), errInvalid, bad},
		{"comma in key", add("s", map[string]string{"abc,def": "1"}), errInvalid, bad},
		{"colon in key", add("s", map[string]string{"team:a": "1"}), errInvalid, bad},
		{"semicolon in value", add("s", map[string]string{"a": "abc;def"}), errInvalid, bad},
		{"tab in value", add("s", map[string]string{"a": "abc\tdef"}), errInvalid, bad},
		{"newline in value", add("s", map[string]string{"a": "abc\ndef"}), errInvalid, bad},
		{"comma in value", add("s", map[string]string{"a": "abc,def"}), errInvalid, bad},
		{"unknown stream comes first", add("nope", map[string]string{"abc;def": "1"}), errNotFound, "Stream nope under account " + v.e.Account() + " not found."},
		{"letters, digits, white space and the symbols", add("s", good), "", ""},
		{"CreateStream Tags", func() error {
			_, err := v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String("t"), ShardCount: aws.Int32(1), Tags: map[string]string{"a": "x;y"}})
			return err
		}, errInvalid, bad},
		{"TagResource", func() error {
			_, err := v.c.TagResource(v.ctx, &sdk.TagResourceInput{ResourceARN: aws.String(v.arn("s")), Tags: map[string]string{"a\tb": "1"}})
			return err
		}, errInvalid, bad},
		{"RemoveTagsFromStream TagKeys", func() error {
			_, err := v.c.RemoveTagsFromStream(v.ctx, &sdk.RemoveTagsFromStreamInput{StreamName: aws.String("s"), TagKeys: []string{"abc;def"}})
			return err
		}, errInvalid, bad},
	})
	tags := ok(v.c.ListTagsForResource(v.ctx, &sdk.ListTagsForResourceInput{ResourceARN: aws.String(v.arn("s"))})).Tags
	if len(tags) != len(good) {
		t.Errorf("%d tags kept, want the %d valid ones: %v", len(tags), len(good), tags)
	}
	for _, tg := range tags {
		if good[aws.ToString(tg.Key)] != aws.ToString(tg.Value) {
			t.Errorf("tag %q=%q", aws.ToString(tg.Key), aws.ToString(tg.Value))
		}
	}
	_, err := v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("t")})
	wantExact(t, err, errNotFound, "Stream t under account "+v.e.Account()+" not found.")
}

// TestPutEncryptionType checks that PutRecord and PutRecords report
// EncryptionType only for an encrypted stream (kinesalite's putRecord and
// putRecords tests: an unencrypted stream's responses carry ShardId and
// SequenceNumber alone).
func TestPutEncryptionType(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	v.create(t, "plain", 1)
	v.create(t, "enc", 1)
	ok(v.c.StartStreamEncryption(v.ctx, &sdk.StartStreamEncryptionInput{StreamName: aws.String("enc"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}))
	tests := []struct {
		name, stream string
		batch        bool
		want         types.EncryptionType
	}{
		{"PutRecord, unencrypted", "plain", false, ""},
		{"PutRecords, unencrypted", "plain", true, ""},
		{"PutRecord, encrypted", "enc", false, types.EncryptionTypeKms},
		{"PutRecords, encrypted", "enc", true, types.EncryptionTypeKms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer catch(t)
			var got types.EncryptionType
			if tc.batch {
				out := ok(v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String(tc.stream), Records: []types.PutRecordsRequestEntry{{Data: []byte("x"), PartitionKey: aws.String("k")}}}))
				got = out.EncryptionType
			} else {
				out := ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String(tc.stream), Data: []byte("x"), PartitionKey: aws.String("k")}))
				got = out.EncryptionType
			}
			if got != tc.want {
				t.Fatalf("EncryptionType %q, want %q", got, tc.want)
			}
		})
	}
}

// checkIteratorShape asserts that it has AWS's shape for a stream named
// name: canonical base64 of 152 + 16·⌊(len(name)+2)/16⌋ bytes that start
// with 0 0 0 0 0 0 0 1 (kinesalite's assertShardIterator).
func checkIteratorShape(t *testing.T, it, name string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(it)
	if err != nil {
		t.Fatalf("iterator %q is not base64: %v", it, err)
	}
	if want := 152 + 16*((len(name)+2)/16); len(raw) != want {
		t.Errorf("iterator of %d bytes, want %d", len(raw), want)
	}
	if base64.StdEncoding.EncodeToString(raw) != it || string(raw[:8]) != "\x00\x00\x00\x00\x00\x00\x00\x01" {
		t.Errorf("iterator %q: not canonical or without the version bytes", it)
	}
}

// TestShardIteratorShape checks the shape of GetShardIterator's and
// GetRecords' iterators for stream names of every length class.
func TestShardIteratorShape(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	for _, n := range []int{1, 13, 14, 29, 30, 61, 128} {
		name := strings.Repeat("n", n)
		t.Run(fmt.Sprintf("name of %d", n), func(t *testing.T) {
			defer catch(t)
			v.create(t, name, 1)
			it := v.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, "")
			checkIteratorShape(t, it, name)
			out := ok(v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)}))
			checkIteratorShape(t, aws.ToString(out.NextShardIterator), name)
		})
	}
}

// TestShardIteratorValidation checks that GetRecords refuses what Kinesis
// refuses, in its words: iterators it did not issue, expired ones, and
// ones into a stream that is gone (kinesalite's getRecords tests).
func TestShardIteratorValidation(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	acct := v.e.Account()
	v.create(t, "s", 1)
	v.create(t, "gone", 1)
	issued := v.clk.Now()
	it := v.iterator(t, "s", "shardId-000000000000", types.ShardIteratorTypeLatest, "")
	goneIt := v.iterator(t, "gone", "shardId-000000000000", types.ShardIteratorTypeLatest, "")
	ok(v.c.DeleteStream(v.ctx, &sdk.DeleteStreamInput{StreamName: aws.String("gone")}))
	raw, _ := base64.StdEncoding.DecodeString(it)
	mutated := func(f func(b []byte) []byte) string {
		return base64.StdEncoding.EncodeToString(f(append([]byte(nil), raw...)))
	}
	get := func(it string) func() error {
		return func() error {
			_, err := v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(it)})
			return err
		}
	}
	const invalid = "Invalid ShardIterator."
	runCases(t, []errCase{
		{"a stream name", get("someStreamName"), errInvalid, invalid},
		{"not base64", get("AAAAAAAAAAF!"), errInvalid, invalid},
		{"one byte changed", get(mutated(func(b []byte) []byte { b[len(b)-20] ^= 1; return b })), errInvalid, invalid},
		{"other version bytes", get(mutated(func(b []byte) []byte { b[7] = 2; return b })), errInvalid, invalid},
		{"a block short", get(mutated(func(b []byte) []byte { return b[:len(b)-16] })), errInvalid, invalid},
		{"over 280 bytes", get(mutated(func(b []byte) []byte { return append(b, make([]byte, 144)...) })), errInvalid, invalid},
		{"not canonical base64", get(it + "\n"), errInvalid, invalid},
		{"stream deleted", get(goneIt), errNotFound, "Shard shardId-000000000000 in stream gone under account " + acct + " does not exist"},
		{"valid", get(it), "", ""},
	})
	v.advance(t, 5*time.Minute)
	wantExact(t, get(it)(), "", "")
	v.advance(t, time.Millisecond)
	amz := func(t time.Time) string { return t.UTC().Format("Mon Jan 02 15:04:05 UTC 2006") }
	wantExact(t, get(it)(), "ExpiredIteratorException", "Iterator expired. The iterator was created at time "+amz(issued)+" while right now it is "+amz(v.clk.Now())+" which is further in the future than the tolerated delay of 300000 milliseconds.")
}

// TestSequenceNumberDecoding checks that sequence numbers given to
// PutRecord and GetShardIterator are decoded as Kinesis decodes them:
// versions 0, 1 and 2, malformed ones refused in its words, and one of
// another shard named (kinesalite's putRecord and getShardIterator tests).
func TestSequenceNumberDecoding(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	acct := v.e.Account()
	v.create(t, "s", 3)
	v.advance(t, time.Second)
	v.create(t, "t", 3)
	put := func(stream, hashKey string) string {
		out := ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String(stream), Data: []byte("x"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String(hashKey)}))
		return aws.ToString(out.SequenceNumber)
	}
	seq0, seq1, other0 := put("s", "0"), put("s", "113427455640312821154458202477256070485"), put("t", "0")
	now := v.clk.Now().Unix()

	order := func(seq string) func() error {
		return func() error {
			_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("0"), SequenceNumberForOrdering: aws.String(seq)})
			return err
		}
	}
	badOrder := func(seq string) string {
		return "ExclusiveMinimumSequenceNumber " + seq + " used in PutRecord on stream s under account " + acct + " is invalid."
	}
	largeDate := hexSeq("13bb2cc3d80000000000000000000000")
	cases := []errCase{}
	for _, tc := range []struct {
		name, seq string
		valid     bool
	}{
		{"version 0 in the last digit", hexSeq("20000000000000000000000000000000000000000000000"), false},
		{"version 3", hexSeq("20000000000000000000000000000000000000000000003"), false},
		{"version 4", hexSeq("20000000000000000000000000000000000000000000004"), false},
		{"leading 3", hexSeq("30000000000000000000000000000000000000000000001"), false},
		{"leading 1", hexSeq("1ffffffffff7fffffffffffffff000000000007fffffff2"), false},
		{"counter with its top bit set", hexSeq("20000000000800000000000000000000000000000000002"), false},
		{"record time in the future", hexSeq(fmt.Sprintf("200000000000000000000000000000%08x000000002", now+2)), false},
		{"version 0 past the largest date", largeDate, false},
		{"version 2, all f", hexSeq("2ffffffffff7fffffffffffffff000000000007fffffff2"), true},
		{"version 2, all 0", hexSeq("20000000000000000000000000000000000000000000002"), true},
		{"version 1", hexSeq("20000000000000000000000000000000000000000000001"), true},
		{"record time now", hexSeq(fmt.Sprintf("2ffffffffff7fffffff7fffffff000%08x7fffffff2", now-2)), true},
		{"shard index with its top bit set", hexSeq("20000000000000000000000000000000000000800000002"), true},
		{"small number, version 0", "5", true},
		{"another stream's", other0, true},
	} {
		c := errCase{name: "SequenceNumberForOrdering " + tc.name, call: order(tc.seq)}
		if !tc.valid {
			c.code, c.msg = errInvalid, badOrder(tc.seq)
		}
		cases = append(cases, c)
	}

	at := func(seq string) func() error {
		return func() error {
			_, err := v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shard-0"), ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String(seq)})
			return err
		}
	}
	on := " used in GetShardIterator on shard shardId-000000000000 in stream s under account " + acct + " is invalid"
	encodes := func(id string) string {
		return "Invalid StartingSequenceNumber. It encodes " + id + ", while it was used in a call to a shard with shardId-000000000000"
	}
	v1 := hexSeq("20000000000000000000000000000000000000000000001")
	cases = append(cases, []errCase{
		{"StartingSequenceNumber small number encodes shard 5", at("5"), errInvalid, encodes("shardId-000000000005")},
		{"StartingSequenceNumber zero, printed as version 0", at("0"), errInvalid, "StartingSequenceNumber 21267647932558653966460912964485513216" + on + " because it did not come from this stream."},
		{"StartingSequenceNumber version 0 past the largest date", at(largeDate), errInvalid, "StartingSequenceNumber 26227199374822427428162556223570313216" + on + "."},
		{"StartingSequenceNumber counter with its top bit set", at(hexSeq("20000000000800000000000000000000000000000000002")), errInvalid, "StartingSequenceNumber " + hexSeq("20000000000800000000000000000000000000000000002") + on + "."},
		{"StartingSequenceNumber shard index with its top bit set", at(hexSeq("20000000000000000000000000000000000000800000002")), errInvalid, encodes("shardId--02147483648")},
		{"StartingSequenceNumber version 1", at(v1), errInvalid, "StartingSequenceNumber " + v1 + on + " because it did not come from this stream."},
		{"StartingSequenceNumber of shard 1", at(seq1), errInvalid, encodes("shardId-000000000001")},
		{"StartingSequenceNumber of another stream", at(other0), errInvalid, "StartingSequenceNumber " + other0 + on + " because it did not come from this stream."},
		{"StartingSequenceNumber of the shard", at(seq0), "", ""},
	}...)
	runCases(t, cases)
}

// TestSequenceNumberLayout checks that the emulator's sequence numbers
// have AWS's version-2 layout, and that a split's children are created
// the second after their parent closes (kinesalite's assertSequenceNumber
// and splitShard tests).
func TestSequenceNumberLayout(t *testing.T) {
	t.Parallel()
	defer catch(t)
	v := newEnv(t)
	created := v.clk.Now().Unix()
	v.create(t, "s", 1)
	v.advance(t, 3*time.Second)
	hexOf := func(seq string) string {
		n, _ := new(big.Int).SetString(seq, 10)
		return n.Text(16)
	}
	field := func(h string, from, to int) int64 {
		var n int64
		fmt.Sscanf(h[from:to], "%x", &n)
		return n
	}
	rec := hexOf(aws.ToString(ok(v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k")})).SequenceNumber))
	if !regexp.MustCompile(`^20[0-9a-f]{8}0[0-9a-f]{16}000[0-9a-f]{8}000000002$`).MatchString(rec) {
		t.Fatalf("record sequence number %s has not AWS's layout", rec)
	}
	closed := v.clk.Now().Unix()
	ok(v.c.SplitShard(v.ctx, &sdk.SplitShardInput{StreamName: aws.String("s"), ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("2")}))
	shards := v.shards(t, "s")
	start0 := hexOf(aws.ToString(shards[0].SequenceNumberRange.StartingSequenceNumber))
	end0 := hexOf(aws.ToString(shards[0].SequenceNumberRange.EndingSequenceNumber))
	start1 := hexOf(aws.ToString(shards[1].SequenceNumberRange.StartingSequenceNumber))
	tests := []struct {
		name      string
		got, want int64
	}{
		{"record's shard creation", field(rec, 1, 10), created},
		{"record's time", field(rec, 29, 38), closed},
		{"parent's start time is its creation", field(start0, 29, 38), created},
		{"parent's end time is the split", field(end0, 29, 38), closed},
		{"child's creation is the second after", field(start1, 1, 10), closed + 1},
		{"child's start time is its creation", field(start1, 29, 38), closed + 1},
		{"child's start counter", field(start1, 11, 27), 0},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	if c := end0[11:27]; c != "7fffffffffffffff" {
		t.Errorf("parent's end counter %s", c)
	}
}

// TestCreatingPeriod checks that a new stream is CREATING for a while, so
// that clients need the SDK's stream-exists waiter as on AWS (kinesalite
// likewise keeps streams CREATING for 500 ms), and that Options turn the
// period off.
func TestCreatingPeriod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		delay func(o *kinesis.Options) // nil: the defaults
		want  time.Duration
	}{
		{"AWS's period", func(o *kinesis.Options) { o.CreateDelay = kinesis.AWSCreateDelay }, 500 * time.Millisecond},
		{"default options", nil, kinesis.DefaultOptions().CreateDelay},
		{"turned off", func(o *kinesis.Options) { o.CreateDelay = 0 }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			defer catch(t)
			v := newEnv(t)
			svc := v.e.Kinesis()
			if tc.delay != nil {
				o := svc.Options()
				tc.delay(&o)
				svc.SetOptions(o)
			}
			acct := v.e.Account()
			ok(v.c.CreateStream(v.ctx, &sdk.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(1)}))
			putErr := func() error {
				_, err := v.c.PutRecord(v.ctx, &sdk.PutRecordInput{StreamName: aws.String("s"), Data: []byte("x"), PartitionKey: aws.String("k")})
				return err
			}
			w := sdk.NewStreamExistsWaiter(v.c, func(o *sdk.StreamExistsWaiterOptions) {
				o.MinDelay, o.MaxDelay = 10*time.Millisecond, 20*time.Millisecond
			})
			in := &sdk.DescribeStreamInput{StreamName: aws.String("s")}
			if tc.want == 0 {
				wantExact(t, putErr(), "", "")
				return
			}
			sum := ok(v.c.DescribeStreamSummary(v.ctx, &sdk.DescribeStreamSummaryInput{StreamName: aws.String("s")})).StreamDescriptionSummary
			if sum.StreamStatus != types.StreamStatusCreating || aws.ToInt32(sum.OpenShardCount) != 0 {
				t.Fatalf("new stream %s with %d open shards, want CREATING with none", sum.StreamStatus, aws.ToInt32(sum.OpenShardCount))
			}
			wantExact(t, putErr(), errNotFound, "Stream s under account "+acct+" not found.")
			_, err := v.c.GetShardIterator(v.ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeLatest})
			wantExact(t, err, errNotFound, "Shard shardId-000000000000 in stream s under account "+acct+" does not exist")
			if err := w.Wait(v.ctx, in, 100*time.Millisecond); err == nil {
				t.Fatal("the waiter saw the stream ACTIVE before its CREATING period ended")
			}
			v.advance(t, tc.want-time.Millisecond)
			if err := w.Wait(v.ctx, in, 100*time.Millisecond); err == nil {
				t.Fatal("the stream is ACTIVE a millisecond early")
			}
			v.advance(t, time.Millisecond)
			if err := w.Wait(v.ctx, in, 5*time.Second); err != nil {
				t.Fatal(err)
			}
			wantExact(t, putErr(), "", "")
		})
	}
}
