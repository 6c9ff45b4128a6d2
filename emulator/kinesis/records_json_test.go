package kinesis_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// encoderJSON renders out with the JSON protocol's general encoder.
func encoderJSON(t testing.TB, out *kinesis.GetRecordsOutput) []byte {
	t.Helper()
	var c shape.Cache
	plan, err := c.Plan(reflect.TypeOf(out))
	if err != nil {
		t.Fatal(err)
	}
	return jsonwire.Marshal(nil, plan, reflect.ValueOf(out).Elem(), jsonwire.Options{})
}

// randomGetRecordsOutput builds an output with every member present or
// absent, and values that need escaping, from rng.
func randomGetRecordsOutput(rng *rand.Rand) *kinesis.GetRecordsOutput {
	str := func() *string {
		if rng.IntN(6) == 0 {
			return nil
		}
		s := []string{"", "shardId-000000000001", "pk-00042", "quote\" back\\slash", "tab\tnl\n\x01", "ü€😀", "bad\xffutf8",
			"49660000000000000000000000000000000000000000000000000002"}[rng.IntN(8)]
		return &s
	}
	out := &kinesis.GetRecordsOutput{NextShardIterator: str()}
	if rng.IntN(4) > 0 {
		n := rng.Int64N(1 << 40)
		out.MillisBehindLatest = &n
	}
	if rng.IntN(5) > 0 {
		out.Records = []kinesis.Record{}
		var shared *time.Time
		for range rng.IntN(12) {
			r := kinesis.Record{SequenceNumber: str(), PartitionKey: str()}
			switch rng.IntN(4) {
			case 0: // no time
			case 1: // a batch's shared time
				if shared == nil {
					at := time.UnixMilli(1_733_516_123_000 + rng.Int64N(1000))
					shared = &at
				}
				r.ApproximateArrivalTimestamp = shared
			default:
				at := time.UnixMilli([]int64{1_733_516_123_456, 1_733_516_123_400, 1_733_516_123_000, 10_000_000_000, 99_999_999_999_999}[rng.IntN(5)])
				r.ApproximateArrivalTimestamp = &at
			}
			if rng.IntN(5) > 0 {
				r.Data = make([]byte, rng.IntN(40))
				for i := range r.Data {
					r.Data[i] = byte(rng.IntN(256))
				}
			}
			if rng.IntN(3) == 0 {
				r.EncryptionType = kinesis.EncryptionTypeKms
			}
			out.Records = append(out.Records, r)
		}
	}
	if rng.IntN(3) == 0 {
		out.ChildShards = []kinesis.ChildShard{}
		for range rng.IntN(3) {
			c := kinesis.ChildShard{ShardId: str()}
			if rng.IntN(4) > 0 {
				c.ParentShards = []string{}
				for range rng.IntN(3) {
					c.ParentShards = append(c.ParentShards, fmt.Sprintf("shardId-%012d", rng.IntN(9)))
				}
			}
			if rng.IntN(4) > 0 {
				c.HashKeyRange = &kinesis.HashKeyRange{StartingHashKey: str(), EndingHashKey: str()}
			}
			out.ChildShards = append(out.ChildShards, c)
		}
	}
	return out
}

// TestGetRecordsAppendJSON checks that GetRecords answers render
// themselves exactly as the JSON encoder renders them.
func TestGetRecordsAppendJSON(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(1_733_516_123_450)
	early := time.UnixMilli(9_999_999_999) // before 1970-04-26: the encoder's
	seq, pk := "49660000000000000000000000000000000000000000000000000002", "pk"
	tests := []struct {
		name   string
		out    *kinesis.GetRecordsOutput
		encode bool // AppendJSON declines: the encoder renders it
	}{
		{"empty", &kinesis.GetRecordsOutput{}, false},
		{"no records", &kinesis.GetRecordsOutput{Records: []kinesis.Record{}}, false},
		{"one record", &kinesis.GetRecordsOutput{Records: []kinesis.Record{{SequenceNumber: &seq, ApproximateArrivalTimestamp: &at, Data: []byte("data"), PartitionKey: &pk}}}, false},
		{"empty data", &kinesis.GetRecordsOutput{Records: []kinesis.Record{{SequenceNumber: &seq, Data: []byte{}, PartitionKey: &pk}}}, false},
		{"time before 1970-04-26", &kinesis.GetRecordsOutput{Records: []kinesis.Record{{SequenceNumber: &seq, ApproximateArrivalTimestamp: &early}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tt.out.AppendJSON([]byte("prefix"))
			if ok == tt.encode {
				t.Fatalf("AppendJSON reported %v, want %v", ok, !tt.encode)
			}
			if !ok {
				if string(got) != "prefix" {
					t.Fatalf("declined, yet appended %q", got)
				}
				return
			}
			if want := encoderJSON(t, tt.out); !bytes.Equal(got[len("prefix"):], want) {
				t.Fatalf("AppendJSON:\n%s\nencoder:\n%s", got[len("prefix"):], want)
			}
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		out := randomGetRecordsOutput(rng)
		got, ok := out.AppendJSON(nil)
		want := encoderJSON(t, out)
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("output %d: AppendJSON:\n%s\nencoder:\n%s", i, got, want)
		}
		if !ok && len(got) != 0 {
			t.Fatalf("output %d: declined, yet appended %q", i, got)
		}
	}
}

// FuzzGetRecordsAppendJSON compares AppendJSON with the JSON encoder over
// outputs built from the fuzzer's seed.
func FuzzGetRecordsAppendJSON(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(7), uint64(0))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		out := randomGetRecordsOutput(rand.New(rand.NewPCG(a, b)))
		if got, ok := out.AppendJSON(nil); ok {
			if want := encoderJSON(t, out); !bytes.Equal(got, want) {
				t.Fatalf("AppendJSON:\n%s\nencoder:\n%s", got, want)
			}
		}
	})
}
