package lambdaevents_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

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
				if tt.decodeOK[i] && !errors.Is(err, handlerErr) {
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
