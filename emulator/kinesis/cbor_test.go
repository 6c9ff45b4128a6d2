package kinesis_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/smithy-go/eventstream"
	"github.com/fxamacker/cbor/v2"

	"github.com/evolvestack/evolvestack/emulator"
)

// cborCall posts one CBOR request as the Java SDK and KPL do.
func cborCall(t *testing.T, e *emulator.Emulator, op string, req map[string]any) (int, map[string]any) {
	t.Helper()
	body, err := cbor.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest(http.MethodPost, e.Endpoint()+"/", bytes.NewReader(body))
	r.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	r.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	r.Header.Set("X-Amz-Date", "20240101T000000Z")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-cbor-1.1" {
		t.Fatalf("%s: content type %q", op, ct)
	}
	var out map[string]any
	if len(raw) > 0 {
		if err := cbor.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: response is not CBOR: %v (% x)", op, err, raw)
		}
	}
	return resp.StatusCode, out
}

// TestCBORRoundTrip creates a stream, puts a record and reads it back in
// CBOR: blobs as byte strings, timestamps as tag-1 epoch milliseconds.
func TestCBORRoundTrip(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	if status, out := cborCall(t, e, "CreateStream", map[string]any{"StreamName": "cbor", "ShardCount": 1}); status != 200 {
		t.Fatalf("CreateStream %d %v", status, out)
	}
	awaitActive(t, e, "cbor")
	status, put := cborCall(t, e, "PutRecord", map[string]any{"StreamName": "cbor", "Data": []byte{0, 1, 2, 0xff}, "PartitionKey": "k"})
	if status != 200 || put["ShardId"] != "shardId-000000000000" || put["SequenceNumber"] == nil {
		t.Fatalf("PutRecord %d %v", status, put)
	}
	_, it := cborCall(t, e, "GetShardIterator", map[string]any{"StreamName": "cbor", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"})
	status, got := cborCall(t, e, "GetRecords", map[string]any{"ShardIterator": it["ShardIterator"]})
	if status != 200 {
		t.Fatalf("GetRecords %d %v", status, got)
	}
	recs, _ := got["Records"].([]any)
	if len(recs) != 1 {
		t.Fatalf("records %v", got)
	}
	rec := recs[0].(map[any]any)
	if data, ok := rec["Data"].([]byte); !ok || !bytes.Equal(data, []byte{0, 1, 2, 0xff}) {
		t.Errorf("Data %T %v, want a byte string", rec["Data"], rec["Data"])
	}
	// The Java SDK puts epoch milliseconds under tag 1 (RFC 8949 says
	// seconds), so a standard decoder reads them as seconds.
	ts, ok := rec["ApproximateArrivalTimestamp"].(time.Time)
	if ms := time.Now().UnixMilli(); !ok || ts.Unix() > ms || ts.Unix() < ms-3600_000 {
		t.Errorf("ApproximateArrivalTimestamp %T %v, want tag 1 over epoch milliseconds near now", rec["ApproximateArrivalTimestamp"], rec["ApproximateArrivalTimestamp"])
	}
	status, bad := cborCall(t, e, "DescribeStream", map[string]any{"StreamName": "missing"})
	if status != 400 || bad["__type"] != "ResourceNotFoundException" {
		t.Errorf("error %d %v", status, bad)
	}
}

// TestCBORSubscribeToShard reads an enhanced fan-out subscription in CBOR:
// the event-stream messages carry CBOR payloads.
func TestCBORSubscribeToShard(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	cborCall(t, e, "CreateStream", map[string]any{"StreamName": "efo", "ShardCount": 1})
	awaitActive(t, e, "efo")
	_, sum := cborCall(t, e, "DescribeStreamSummary", map[string]any{"StreamName": "efo"})
	arn := sum["StreamDescriptionSummary"].(map[any]any)["StreamARN"].(string)
	_, reg := cborCall(t, e, "RegisterStreamConsumer", map[string]any{"StreamARN": arn, "ConsumerName": "c"})
	consumer := reg["Consumer"].(map[any]any)["ConsumerARN"].(string)
	cborCall(t, e, "PutRecord", map[string]any{"StreamName": "efo", "Data": []byte("payload"), "PartitionKey": "k"})

	body, _ := cbor.Marshal(map[string]any{"ConsumerARN": consumer, "ShardId": "shardId-000000000000",
		"StartingPosition": map[string]any{"Type": "TRIM_HORIZON"}})
	req, _ := http.NewRequest(http.MethodPost, e.Endpoint()+"/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.SubscribeToShard")
	req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := eventstream.NewDecoder()
	for _, want := range []string{"initial-response", "SubscribeToShardEvent"} {
		msg, err := dec.Decode(resp.Body, nil)
		if err != nil {
			t.Fatalf("decoding %s: %v", want, err)
		}
		if got := msg.Headers.Get(":event-type"); got == nil || got.String() != want {
			t.Fatalf("event type %v, want %s", got, want)
		}
		if ct := msg.Headers.Get(":content-type"); ct == nil || ct.String() != "application/x-amz-cbor-1.1" {
			t.Fatalf("%s content type %v", want, ct)
		}
		var payload map[string]any
		if err := cbor.Unmarshal(msg.Payload, &payload); err != nil {
			t.Fatalf("%s payload is not CBOR: %v", want, err)
		}
		if want == "SubscribeToShardEvent" {
			recs, _ := payload["Records"].([]any)
			if len(recs) != 1 || !bytes.Equal(recs[0].(map[any]any)["Data"].([]byte), []byte("payload")) {
				t.Fatalf("event %v", payload)
			}
		}
	}
}
