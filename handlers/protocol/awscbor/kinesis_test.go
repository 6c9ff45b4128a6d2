package awscbor

import (
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"reflect"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// kinesisOutputs lists every output shape of the generated Kinesis API.
func kinesisOutputs() []any {
	return []any{
		&kinesis.AddTagsToStreamOutput{},
		&kinesis.CreateStreamOutput{},
		&kinesis.DecreaseStreamRetentionPeriodOutput{},
		&kinesis.DeleteResourcePolicyOutput{},
		&kinesis.DeleteStreamOutput{},
		&kinesis.DeregisterStreamConsumerOutput{},
		&kinesis.DescribeAccountSettingsOutput{},
		&kinesis.DescribeLimitsOutput{},
		&kinesis.DescribeStreamOutput{},
		&kinesis.DescribeStreamConsumerOutput{},
		&kinesis.DescribeStreamSummaryOutput{},
		&kinesis.DisableEnhancedMonitoringOutput{},
		&kinesis.EnableEnhancedMonitoringOutput{},
		&kinesis.GetRecordsOutput{},
		&kinesis.GetResourcePolicyOutput{},
		&kinesis.GetShardIteratorOutput{},
		&kinesis.IncreaseStreamRetentionPeriodOutput{},
		&kinesis.ListShardsOutput{},
		&kinesis.ListStreamConsumersOutput{},
		&kinesis.ListStreamsOutput{},
		&kinesis.ListTagsForResourceOutput{},
		&kinesis.ListTagsForStreamOutput{},
		&kinesis.MergeShardsOutput{},
		&kinesis.PutRecordOutput{},
		&kinesis.PutRecordsOutput{},
		&kinesis.PutResourcePolicyOutput{},
		&kinesis.RegisterStreamConsumerOutput{},
		&kinesis.RemoveTagsFromStreamOutput{},
		&kinesis.SplitShardOutput{},
		&kinesis.StartStreamEncryptionOutput{},
		&kinesis.StopStreamEncryptionOutput{},
		&kinesis.SubscribeToShardOutput{},
		&kinesis.TagResourceOutput{},
		&kinesis.UntagResourceOutput{},
		&kinesis.UpdateAccountSettingsOutput{},
		&kinesis.UpdateMaxRecordSizeOutput{},
		&kinesis.UpdateShardCountOutput{},
		&kinesis.UpdateStreamModeOutput{},
		&kinesis.UpdateStreamWarmThroughputOutput{},
		&kinesis.MinimumThroughputBillingCommitmentOutput{},
		&kinesis.SubscribeToShardEvent{},
	}
}

// filler sets every member of a shape to a distinct non-zero value.
type filler struct{ n int }

func (f *filler) next() int { f.n++; return f.n }

func (f *filler) fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.UnixMilli(1700000000000 + int64(f.next())*1001).UTC()))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	case reflect.String:
		v.SetString("s" + string(rune('a'+f.next()%26)) + "é")
	case reflect.Bool:
		v.SetBool(f.next()%2 == 0)
	case reflect.Int32, reflect.Int64, reflect.Int:
		n := int64(f.next())
		if v.Kind() == reflect.Int64 {
			n = -n << 33 // needs the 8-byte form
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.next()) + 0.5)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{0, 0xff, byte(f.next())})
			return
		}
		if depth > 4 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		f.fill(s.Index(0), depth+1)
		f.fill(s.Index(1), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, k := range []string{"k1", "k2"} {
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, depth+1)
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(m)
	}
}

// TestKinesisRoundTrip encodes every Kinesis input and output with all
// members set and decodes it back: blobs, timestamps (ms precision),
// enums, lists, maps, nested structures and 8-byte longs survive.
func TestKinesisRoundTrip(t *testing.T) {
	t.Parallel()
	desc := kinesisDesc()
	var shapes []any
	for _, o := range desc.Operations {
		if in := desc.NewInput(o.Name); in != nil {
			shapes = append(shapes, in)
		}
	}
	for _, o := range kinesisOutputs() {
		// An event-stream output has no body members: its events follow
		// the initial response as event-stream messages.
		if _, ok := o.(awsapi.EventStreamer); !ok {
			shapes = append(shapes, o)
		}
	}
	if len(shapes) < 60 {
		t.Fatalf("only %d shapes", len(shapes))
	}
	c := New()
	dm, err := cbor.DecOptions{IndefLength: cbor.IndefLengthAllowed}.DecMode()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shapes {
		name := reflect.TypeOf(s).Elem().Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := reflect.New(reflect.TypeOf(s).Elem())
			(&filler{}).fill(want.Elem(), 0)
			body, err := c.Marshal(want.Interface())
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			// An independent decoder must accept the body as one CBOR map.
			var generic map[string]any
			if err := dm.Unmarshal(body, &generic); err != nil {
				t.Fatalf("fxamacker rejects %x: %v", body, err)
			}
			if want.Elem().NumField() > 0 && len(generic) == 0 {
				t.Fatalf("empty map for %s", name)
			}
			got := reflect.New(want.Type().Elem())
			if err := c.DecodeInput(&protocol.Request{Body: body}, desc, nil, got.Interface()); err != nil {
				t.Fatalf("DecodeInput: %v (body %x)", err, body)
			}
			if !reflect.DeepEqual(got.Interface(), want.Interface()) {
				t.Fatalf("round trip\n got %+v\nwant %+v", got.Elem().Interface(), want.Elem().Interface())
			}
		})
	}
}

// TestGetRecordsWireTypes checks with an independent decoder that records
// carry Data as a byte string and ApproximateArrivalTimestamp as tag 1 over
// integer epoch milliseconds, as the Java SDK reads them.
func TestGetRecordsWireTypes(t *testing.T) {
	t.Parallel()
	arrival := time.UnixMilli(1700000000123)
	body, err := New().Marshal(&kinesis.GetRecordsOutput{
		Records:            []kinesis.Record{{SequenceNumber: ptr("1"), ApproximateArrivalTimestamp: &arrival, Data: []byte{0xde, 0xad}, PartitionKey: ptr("p")}},
		MillisBehindLatest: ptr[int64](5),
	})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := cbor.DecOptions{IndefLength: cbor.IndefLengthAllowed, TimeTagToAny: cbor.TimeTagToTime}.DecMode()
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Records []struct {
			ApproximateArrivalTimestamp cbor.RawTag
			Data                        any
		}
		MillisBehindLatest any
	}
	if err := dm.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Records) != 1 {
		t.Fatalf("records = %d", len(out.Records))
	}
	r := out.Records[0]
	var millis any
	if err := dm.Unmarshal(r.ApproximateArrivalTimestamp.Content, &millis); err != nil {
		t.Fatal(err)
	}
	if r.ApproximateArrivalTimestamp.Number != 1 || millis != uint64(1700000000123) {
		t.Errorf("timestamp = tag %d %v, want tag 1 1700000000123", r.ApproximateArrivalTimestamp.Number, millis)
	}
	if b, ok := r.Data.([]byte); !ok || string(b) != "\xde\xad" {
		t.Errorf("Data = %#v, want byte string", r.Data)
	}
	if out.MillisBehindLatest != uint64(5) {
		t.Errorf("MillisBehindLatest = %#v", out.MillisBehindLatest)
	}
}
