package handlers

import (
	"bytes"
	"testing"
	"time"

	"github.com/aws/smithy-go/eventstream"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

func TestEventStreamFraming(t *testing.T) {
	t.Parallel()
	var cache shape.Cache
	ts := time.Unix(1700000000, 500_000_000)
	payload, err := marshalEvent(&cache, &kinesis.SubscribeToShardEvent{
		Records:            []kinesis.Record{{SequenceNumber: new("1"), PartitionKey: new("k"), Data: []byte("hi"), ApproximateArrivalTimestamp: &ts}},
		MillisBehindLatest: new(int64(0)),
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		msg     eventstream.Message
		headers map[string]string
		payload string
	}{
		{"event", eventMessage("SubscribeToShardEvent", "application/json", payload),
			map[string]string{":message-type": "event", ":event-type": "SubscribeToShardEvent", ":content-type": "application/json"},
			`{"Records":[{"SequenceNumber":"1","ApproximateArrivalTimestamp":1.7000000005E9,"Data":"aGk=","PartitionKey":"k"}],"MillisBehindLatest":0}`},
		{"initial response", eventMessage("initial-response", "application/json", []byte("{}")),
			map[string]string{":message-type": "event", ":event-type": "initial-response"}, `{}`},
		{"exception", exceptionMessage(&awsapi.Error{Code: "ResourceInUseException", Message: `a "quoted" text`}, "application/json", []byte(`{"message":"a \"quoted\" text"}`)),
			map[string]string{":message-type": "exception", ":exception-type": "ResourceInUseException"}, `{"message":"a \"quoted\" text"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			ew := &eventWriter{w: &buf, enc: eventstream.NewEncoder()}
			if err := ew.write(tc.msg); err != nil {
				t.Fatal(err)
			}
			got, err := eventstream.NewDecoder().Decode(&buf, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.headers {
				if h := got.Headers.Get(k); h == nil || h.String() != want {
					t.Errorf("header %s = %v, want %s", k, h, want)
				}
			}
			if string(got.Payload) != tc.payload {
				t.Errorf("payload %s, want %s", got.Payload, tc.payload)
			}
		})
	}
}
