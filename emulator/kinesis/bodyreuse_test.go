package kinesis_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
)

// TestRequestBodiesNotRetained checks that what PutRecords and
// AddTagsToStream store (data, partition keys, tags) survives the reuse of
// the request bodies it came in: the front end recycles a body once it is
// answered (and, under the race detector, overwrites it), so a decoder
// that kept a reference into one would corrupt stored records. Batches
// are sent in JSON (the SDK) and in CBOR (as the Java SDK and KPL do),
// each followed by other batches of the same size that reuse its buffer.
func TestRequestBodiesNotRetained(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cbor bool
	}{{"json", false}, {"cbor", true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newEnv(t)
			stream := "reuse-" + tc.name
			v.create(t, stream, 1)
			type rec struct {
				data []byte
				key  string
			}
			var want []rec
			wantTags := map[string]string{}
			for batch := range 6 {
				var entries []rec
				for i := range 50 {
					d := bytes.Repeat([]byte{byte('a' + batch)}, 40)
					d = append(d, fmt.Sprintf("-%d-%d", batch, i)...)
					entries = append(entries, rec{d, fmt.Sprintf("key-%d-%d", batch, i)})
				}
				want = append(want, entries...)
				// Five tags of ~350 bytes: a body large enough to be pooled (a
				// stream holds at most 50 tags).
				tags := map[string]string{}
				cborTags := map[string]any{}
				for i := range 5 {
					k := fmt.Sprintf("tag-%d-%d-%s", batch, i, bytes.Repeat([]byte{'k'}, 100))
					tags[k] = fmt.Sprintf("value-%d-%d-%s", batch, i, bytes.Repeat([]byte{'v'}, 240))
					wantTags[k], cborTags[k] = tags[k], tags[k]
				}
				if tc.cbor {
					if status, out := cborCall(t, v.e, "AddTagsToStream", map[string]any{"StreamName": stream, "Tags": cborTags}); status != 200 {
						t.Fatalf("AddTagsToStream: %d %v", status, out)
					}
					var recs []any
					for _, r := range entries {
						recs = append(recs, map[string]any{"Data": r.data, "PartitionKey": r.key, "ExplicitHashKey": "1"})
					}
					if status, out := cborCall(t, v.e, "PutRecords", map[string]any{"StreamName": stream, "Records": recs}); status != 200 || out["FailedRecordCount"] != uint64(0) {
						t.Fatalf("PutRecords: %d %v", status, out)
					}
					continue
				}
				if _, err := v.c.AddTagsToStream(v.ctx, &sdk.AddTagsToStreamInput{StreamName: aws.String(stream), Tags: tags}); err != nil {
					t.Fatalf("AddTagsToStream: %v", err)
				}
				var recs []types.PutRecordsRequestEntry
				for _, r := range entries {
					recs = append(recs, types.PutRecordsRequestEntry{Data: r.data, PartitionKey: aws.String(r.key), ExplicitHashKey: aws.String("1")})
				}
				out, err := v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String(stream), Records: recs})
				if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
					t.Fatalf("PutRecords: %v", err)
				}
			}
			tags, err := v.c.ListTagsForStream(v.ctx, &sdk.ListTagsForStreamInput{StreamName: aws.String(stream), Limit: aws.Int32(50)})
			if err != nil {
				t.Fatal(err)
			}
			gotTags := map[string]string{}
			for _, tag := range tags.Tags {
				gotTags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
			}
			for k, want := range wantTags {
				if got, ok := gotTags[k]; got != want {
					t.Errorf("tag %.20q = %.20q (present %t), want %.20q", k, got, ok, want)
				}
			}
			if len(gotTags) != len(wantTags) {
				t.Errorf("%d tags, want %d", len(gotTags), len(wantTags))
			}
			got, _ := v.readAll(t, stream, "shardId-000000000000")
			if len(got) != len(want) {
				t.Fatalf("read %d records, want %d", len(got), len(want))
			}
			for i, r := range got {
				if !slices.Equal(r.Data, want[i].data) || aws.ToString(r.PartitionKey) != want[i].key {
					t.Fatalf("record %d = %q/%q, want %q/%q", i, r.Data, aws.ToString(r.PartitionKey), want[i].data, want[i].key)
				}
			}
		})
	}
}

// TestGetRecordsBuffersReused checks the reuse of GetRecords answers'
// buffers: an answer to an HTTP client is rendered into buffers that
// ReleaseOutput clears and the next answer reuses, with the right
// records; an answer to an in-process caller is never taken back; and
// answers read over HTTP, one after another, are all intact.
func TestGetRecordsBuffersReused(t *testing.T) {
	t.Parallel()
	v := newEnv(t)
	v.create(t, "reuse", 1)
	svc := v.e.Kinesis()
	var recs []types.PutRecordsRequestEntry
	for i := range 300 {
		recs = append(recs, types.PutRecordsRequestEntry{Data: []byte(fmt.Sprintf("data-%03d", i)), PartitionKey: aws.String(fmt.Sprintf("key-%03d", i))})
	}
	if _, err := v.c.PutRecords(v.ctx, &sdk.PutRecordsInput{StreamName: aws.String("reuse"), Records: recs}); err != nil {
		t.Fatal(err)
	}
	check := func(got []kinesis.Record, from int) {
		t.Helper()
		for i, r := range got {
			if want := fmt.Sprintf("data-%03d", from+i); string(r.Data) != want || aws.ToString(r.PartitionKey) != fmt.Sprintf("key-%03d", from+i) || r.SequenceNumber == nil {
				t.Fatalf("record %d = %q/%q, want %q", from+i, r.Data, aws.ToString(r.PartitionKey), want)
			}
		}
	}
	it := aws.String(v.iterator(t, "reuse", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, ""))
	get := func(ctx context.Context) *kinesis.GetRecordsOutput {
		t.Helper()
		out, err := svc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(100)})
		if err != nil || len(out.Records) != 100 {
			t.Fatalf("GetRecords: %v", err)
		}
		it = out.NextShardIterator
		return out
	}
	overHTTP := awsapi.WithRequest(v.ctx, &awsapi.RequestInfo{Service: "kinesis", Protocol: awsapi.ProtocolJSON})
	first := get(overHTTP)
	check(first.Records, 0)
	array := &first.Records[0]
	svc.ReleaseOutput("GetRecords", first)
	if first.Records[0].SequenceNumber != nil || first.Records[0].Data != nil {
		t.Fatalf("released records not cleared: %+v", first.Records[0])
	}
	second := get(overHTTP)
	if &second.Records[0] != array {
		t.Error("the next answer over HTTP did not reuse the released buffers")
	}
	check(second.Records, 100)
	inProcess := get(v.ctx)
	svc.ReleaseOutput("GetRecords", inProcess)
	check(inProcess.Records, 200)
	// Over HTTP, each answer is written before its buffers are reused.
	sdkIt := aws.String(v.iterator(t, "reuse", "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, ""))
	for from := 0; from < 300; from += 50 {
		out, err := v.c.GetRecords(v.ctx, &sdk.GetRecordsInput{ShardIterator: sdkIt, Limit: aws.Int32(50)})
		if err != nil || len(out.Records) != 50 {
			t.Fatalf("GetRecords: %v", err)
		}
		for i, r := range out.Records {
			if want := fmt.Sprintf("data-%03d", from+i); string(r.Data) != want || aws.ToString(r.PartitionKey) != fmt.Sprintf("key-%03d", from+i) {
				t.Fatalf("record %d over HTTP = %q/%q, want %q", from+i, r.Data, aws.ToString(r.PartitionKey), want)
			}
		}
		sdkIt = out.NextShardIterator
	}
}
