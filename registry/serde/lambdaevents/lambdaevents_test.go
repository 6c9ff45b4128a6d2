package lambdaevents_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/evolvestack/evolvestack/registry/serde"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
)

func TestPayload(t *testing.T) {
	t.Parallel()
	rec := order(1, "pen")
	tests := []struct {
		name string
		text string
		want []byte
	}{
		{"base64 record", base64.StdEncoding.EncodeToString(rec), rec},
		{"raw JSON", `{"id":1}`, []byte(`{"id":1}`)},
		{"base64 of non-record text stays text", base64.StdEncoding.EncodeToString([]byte("hello world, this is text")), []byte(base64.StdEncoding.EncodeToString([]byte("hello world, this is text")))},
		{"short base64", "AwA=", []byte("AwA=")},
		{"empty", "", []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := lambdaevents.Payload(tt.text); string(got) != string(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBatchFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{})
	handlerErr := errors.New("boom")
	good, bad := order(1, "pen"), []byte{3, 0, 1}
	tests := []struct {
		name     string
		run      func() (failed []string, errs []error)
		failed   []string
		decodeOK []bool // per failure: was it the handler's error?
	}{
		{"kinesis", func() ([]string, []error) {
			ev := events.KinesisEvent{Records: []events.KinesisEventRecord{
				{Kinesis: events.KinesisRecord{SequenceNumber: "1", Data: good}},
				{Kinesis: events.KinesisRecord{SequenceNumber: "2", Data: bad}},
				{Kinesis: events.KinesisRecord{SequenceNumber: "3", Data: good}},
			}}
			resp, errs := lambdaevents.Kinesis(ctx, d, ev, func(_ context.Context, rec events.KinesisEventRecord, _ *serde.Record) error {
				if rec.Kinesis.SequenceNumber == "3" {
					return handlerErr
				}
				return nil
			})
			var ids []string
			for _, f := range resp.BatchItemFailures {
				ids = append(ids, f.ItemIdentifier)
			}
			return ids, errs
		}, []string{"2", "3"}, []bool{false, true}},
		{"sqs", func() ([]string, []error) {
			ev := events.SQSEvent{Records: []events.SQSMessage{
				{MessageId: "a", Body: base64.StdEncoding.EncodeToString(bad)},
				{MessageId: "b", Body: base64.StdEncoding.EncodeToString(good)},
			}}
			resp, errs := lambdaevents.SQS(ctx, d, ev, func(context.Context, events.SQSMessage, *serde.Record) error { return nil })
			var ids []string
			for _, f := range resp.BatchItemFailures {
				ids = append(ids, f.ItemIdentifier)
			}
			return ids, errs
		}, []string{"a"}, []bool{false}},
		{"sqs fifo by ARN stops at the first failure", func() ([]string, []error) {
			arn := "arn:aws:sqs:us-east-1:000000000000:q.fifo"
			ev := events.SQSEvent{Records: []events.SQSMessage{
				{MessageId: "a", EventSourceARN: arn, Body: base64.StdEncoding.EncodeToString(good)},
				{MessageId: "b", EventSourceARN: arn, Body: base64.StdEncoding.EncodeToString(good)},
				{MessageId: "c", EventSourceARN: arn, Body: base64.StdEncoding.EncodeToString(good)},
				{MessageId: "d", EventSourceARN: arn, Body: base64.StdEncoding.EncodeToString(bad)},
			}}
			var seen []string
			resp, errs := lambdaevents.SQS(ctx, d, ev, func(_ context.Context, m events.SQSMessage, _ *serde.Record) error {
				seen = append(seen, m.MessageId)
				if m.MessageId == "b" {
					return handlerErr
				}
				return nil
			})
			if strings.Join(seen, ",") != "a,b" {
				return []string{"processed " + strings.Join(seen, ",")}, errs
			}
			var ids []string
			for _, f := range resp.BatchItemFailures {
				ids = append(ids, f.ItemIdentifier)
			}
			for _, e := range errs[1:] {
				if !errors.Is(e, lambdaevents.ErrSkipped) {
					return []string{"not skipped: " + e.Error()}, errs
				}
			}
			return ids, errs
		}, []string{"b", "c", "d"}, []bool{true, true, true}},
		{"sqs fifo by message group", func() ([]string, []error) {
			group := map[string]string{"MessageGroupId": "g"}
			ev := events.SQSEvent{Records: []events.SQSMessage{
				{MessageId: "a", Attributes: group, Body: "bad"},
				{MessageId: "b", Attributes: group, Body: base64.StdEncoding.EncodeToString(good)},
			}}
			resp, errs := lambdaevents.SQS(ctx, d, ev, func(context.Context, events.SQSMessage, *serde.Record) error {
				return errors.New("must not run")
			})
			var ids []string
			for _, f := range resp.BatchItemFailures {
				ids = append(ids, f.ItemIdentifier)
			}
			return ids, errs
		}, []string{"a", "b"}, []bool{false, true}},
		{"sqs standard goes on after a failure", func() ([]string, []error) {
			arn := "arn:aws:sqs:us-east-1:000000000000:q"
			ev := events.SQSEvent{Records: []events.SQSMessage{
				{MessageId: "a", EventSourceARN: arn, Body: "bad"},
				{MessageId: "b", EventSourceARN: arn, Body: base64.StdEncoding.EncodeToString(good)},
				{MessageId: "c", EventSourceARN: arn, Body: base64.StdEncoding.EncodeToString(good)},
			}}
			resp, errs := lambdaevents.SQS(ctx, d, ev, func(_ context.Context, m events.SQSMessage, _ *serde.Record) error {
				if m.MessageId == "c" {
					return handlerErr
				}
				return nil
			})
			var ids []string
			for _, f := range resp.BatchItemFailures {
				ids = append(ids, f.ItemIdentifier)
			}
			return ids, errs
		}, []string{"a", "c"}, []bool{false, true}},
		{"sns", func() ([]string, []error) {
			ev := events.SNSEvent{Records: []events.SNSEventRecord{
				{SNS: events.SNSEntity{MessageID: "x", Message: "plain text"}},
				{SNS: events.SNSEntity{MessageID: "y", Message: base64.StdEncoding.EncodeToString(good)}},
			}}
			err := lambdaevents.SNS(ctx, d, ev, func(context.Context, events.SNSEventRecord, *serde.Record) error { return handlerErr })
			var re *lambdaevents.RecordError
			var ids []string
			var errs []error
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				if errors.As(e, &re) {
					ids = append(ids, re.ItemIdentifier)
					errs = append(errs, e)
				}
			}
			return ids, errs
		}, []string{"x", "y"}, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			failed, errs := tt.run()
			if strings.Join(failed, ",") != strings.Join(tt.failed, ",") || len(errs) != len(tt.failed) {
				t.Fatalf("failed %v (%d errors), want %v", failed, len(errs), tt.failed)
			}
			for i, err := range errs {
				var re *lambdaevents.RecordError
				if !errors.As(err, &re) || re.ItemIdentifier != tt.failed[i] || re.Decode == tt.decodeOK[i] {
					t.Errorf("error %d: %v", i, err)
				}
				if tt.decodeOK[i] && !errors.Is(err, handlerErr) && !errors.Is(err, lambdaevents.ErrSkipped) {
					t.Errorf("handler error lost: %v", err)
				}
			}
		})
	}
}

func TestEmptyBatchResponseShape(t *testing.T) {
	t.Parallel()
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{})
	kr, _ := lambdaevents.Kinesis(context.Background(), d, events.KinesisEvent{}, nil)
	sr, _ := lambdaevents.SQS(context.Background(), d, events.SQSEvent{}, nil)
	for _, v := range []any{kr, sr} {
		b, _ := json.Marshal(v)
		if string(b) != `{"batchItemFailures":[]}` {
			t.Errorf("got %s", b)
		}
	}
}

func TestEventBridgeErrors(t *testing.T) {
	t.Parallel()
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{})
	tests := []struct {
		name   string
		detail string
	}{
		{"object without secondary decoder", `{"id":1}`},
		{"bad JSON string", `"abc`},
		{"empty", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := lambdaevents.EventBridge(context.Background(), d, events.EventBridgeEvent{ID: "ev", Detail: json.RawMessage(tt.detail)})
			var re *lambdaevents.RecordError
			if !errors.As(err, &re) || re.ItemIdentifier != "ev" || !re.Decode {
				t.Fatalf("err %v", err)
			}
		})
	}
}

func TestEventBridgeField(t *testing.T) {
	t.Parallel()
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{Secondary: serde.PlainJSON})
	framed := base64.StdEncoding.EncodeToString(order(5, "cup"))
	tests := []struct {
		name     string
		detail   string
		field    string
		wantJSON string
		wantErr  string
	}{
		{"base64 record", `{"data":"` + framed + `","kind":"order"}`, "data", `{"id":5,"item":"cup"}`, ""},
		{"object field goes to the secondary decoder", `{"data":{"id":6}}`, "data", `{"id":6}`, ""},
		{"missing field", `{"other":1}`, "data", "", `detail has no field "data"`},
		{"detail not an object", `"` + framed + `"`, "data", "", "detail: "},
		{"null detail", `null`, "data", "", "not a JSON object"},
		{"bad record", `{"data":"AwAAAAAAAAAAAAAAAAAAAAAA"}`, "data", "", "detail.data: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := lambdaevents.EventBridgeField(context.Background(), d, events.EventBridgeEvent{ID: "ev", Detail: json.RawMessage(tt.detail)}, tt.field)
			if tt.wantErr != "" {
				var re *lambdaevents.RecordError
				if !errors.As(err, &re) || re.ItemIdentifier != "ev" || !re.Decode || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			j, err := r.JSON()
			if err != nil || string(j) != tt.wantJSON {
				t.Fatalf("JSON %s, %v; want %s", j, err, tt.wantJSON)
			}
		})
	}
}

// kplAggregate builds a KPL aggregated record of the given user records,
// as the Kinesis Producer Library writes it: magic, AggregatedRecord
// (partition key table, records with a partition key index, the data and
// a tag), MD5 of the message.
func kplAggregate(records ...[]byte) []byte {
	var msg []byte
	msg = protowire.AppendTag(msg, 1, protowire.BytesType)
	msg = protowire.AppendString(msg, "pk")
	for _, r := range records {
		var rec []byte
		rec = protowire.AppendTag(rec, 1, protowire.VarintType)
		rec = protowire.AppendVarint(rec, 0)
		rec = protowire.AppendTag(rec, 3, protowire.BytesType)
		rec = protowire.AppendBytes(rec, r)
		var tag []byte
		tag = protowire.AppendTag(tag, 1, protowire.BytesType)
		tag = protowire.AppendString(tag, "k")
		rec = protowire.AppendTag(rec, 4, protowire.BytesType)
		rec = protowire.AppendBytes(rec, tag)
		msg = protowire.AppendTag(msg, 3, protowire.BytesType)
		msg = protowire.AppendBytes(msg, rec)
	}
	sum := md5.Sum(msg)
	out := append([]byte{0xf3, 0x89, 0x9a, 0xc2}, msg...)
	return append(out, sum[:]...)
}

func TestDeaggregate(t *testing.T) {
	t.Parallel()
	a, b := order(1, "pen"), order(2, "ink")
	agg := kplAggregate(a, b)
	badSum := append([]byte(nil), agg...)
	badSum[len(badSum)-1] ^= 1
	tests := []struct {
		name string
		data []byte
		want [][]byte
		ok   bool
	}{
		{"two records", agg, [][]byte{a, b}, true},
		{"empty aggregate", kplAggregate(), nil, true},
		{"checksum mismatch", badSum, nil, false},
		{"plain record", a, nil, false},
		{"magic only", []byte{0xf3, 0x89, 0x9a, 0xc2}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := lambdaevents.Deaggregate(tt.data)
			if ok != tt.ok || len(got) != len(tt.want) {
				t.Fatalf("got %d records, %v; want %d, %v", len(got), ok, len(tt.want), tt.ok)
			}
			for i := range got {
				if !bytes.Equal(got[i], tt.want[i]) {
					t.Errorf("record %d: % x", i, got[i])
				}
			}
		})
	}
}

func TestKinesisAggregatedRecords(t *testing.T) {
	t.Parallel()
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{})
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{
		{Kinesis: events.KinesisRecord{SequenceNumber: "1", Data: kplAggregate(order(1, "pen"), order(2, "ink"))}},
		{Kinesis: events.KinesisRecord{SequenceNumber: "2", Data: kplAggregate(order(3, "cap"), []byte("junk"), order(4, "mug"))}},
		{Kinesis: events.KinesisRecord{SequenceNumber: "3", Data: order(5, "jar")}},
	}}
	var seen []string
	resp, errs := lambdaevents.Kinesis(context.Background(), d, ev, func(_ context.Context, rec events.KinesisEventRecord, r *serde.Record) error {
		seen = append(seen, rec.Kinesis.SequenceNumber+":"+r.Value.(map[string]any)["item"].(string))
		return nil
	})
	if got := strings.Join(seen, ","); got != "1:pen,1:ink,2:cap,3:jar" {
		t.Errorf("handled %s", got)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "2" || len(errs) != 1 {
		t.Fatalf("failures %+v, errors %v", resp.BatchItemFailures, errs)
	}
}
