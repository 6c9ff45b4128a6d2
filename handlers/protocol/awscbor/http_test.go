package awscbor

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// kinesisServer routes X-Amz-Target CBOR requests the way the router
// does and answers PutRecords and GetRecords.
func kinesisServer(t *testing.T) string {
	t.Helper()
	c := New()
	desc := kinesisDesc()
	arrival := time.UnixMilli(1700000000123)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &protocol.Request{HTTP: r, Body: body, RequestID: "rid-1"}
		if !IsContentType(r.Header.Get("Content-Type")) {
			http.Error(w, "not cbor", http.StatusUnsupportedMediaType)
			return
		}
		name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), desc.TargetPrefix+".")
		o, known := desc.Operation(name)
		if !ok || !known {
			c.WriteError(w, req, desc, nil, UnknownOperation())
			return
		}
		fail := func(err error) {
			ae, ok := awsapi.AsError(err)
			if !ok {
				ae = &awsapi.Error{Code: "InternalFailure", Status: 500}
			}
			c.WriteError(w, req, desc, o, ae)
		}
		switch o.Name {
		case "PutRecords":
			var in kinesis.PutRecordsInput
			if err := c.DecodeInput(req, desc, o, &in); err != nil {
				fail(err)
				return
			}
			out := &kinesis.PutRecordsOutput{FailedRecordCount: ptr[int32](0)}
			for _, rec := range in.Records {
				out.Records = append(out.Records, kinesis.PutRecordsResultEntry{
					SequenceNumber: ptr(string(rec.Data)), ShardId: ptr("shardId-000000000000")})
			}
			_ = c.WriteOutput(w, req, desc, o, out)
		case "GetRecords":
			var in kinesis.GetRecordsInput
			if err := c.DecodeInput(req, desc, o, &in); err != nil {
				fail(err)
				return
			}
			if in.ShardIterator == nil || *in.ShardIterator != "it-1" {
				fail(awsapi.Errorf("ExpiredIteratorException", "Iterator expired."))
				return
			}
			_ = c.WriteOutput(w, req, desc, o, &kinesis.GetRecordsOutput{
				Records: []kinesis.Record{{SequenceNumber: ptr("1"), ApproximateArrivalTimestamp: &arrival,
					Data: []byte{0, 1, 2}, PartitionKey: ptr("pk")}},
				NextShardIterator: ptr("it-2"), MillisBehindLatest: ptr[int64](0),
			})
		default:
			fail(awsapi.NewError(400, "InvalidArgumentException", "unsupported in test"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHTTPRoundTrip(t *testing.T) {
	t.Parallel()
	url := kinesisServer(t)
	getRecords := `bf 6d53686172644974657261746f72 646974 2d31 ff`
	cases := []struct {
		name, target, hex string
		status            int
		check             func(t *testing.T, body map[string]any)
	}{
		{"put records", "Kinesis_20131202.PutRecords",
			`bf 675265636f726473 9f bf 6444617461 4161 6c506172746974696f6e4b6579 6170 ff
			bf 6444617461 4162 6c506172746974696f6e4b6579 6171 ff ff 6a53747265616d4e616d65 6173 ff`,
			200, func(t *testing.T, body map[string]any) {
				recs, _ := body["Records"].([]any)
				if len(recs) != 2 || body["FailedRecordCount"] != uint64(0) {
					t.Fatalf("body = %#v", body)
				}
				if r1, _ := recs[1].(map[string]any); r1["SequenceNumber"] != "b" {
					t.Errorf("second record = %#v", recs[1])
				}
			}},
		{"get records", "Kinesis_20131202.GetRecords", getRecords, 200, func(t *testing.T, body map[string]any) {
			recs, _ := body["Records"].([]any)
			if len(recs) != 1 || body["NextShardIterator"] != "it-2" {
				t.Fatalf("body = %#v", body)
			}
			r, _ := recs[0].(map[string]any)
			// Tag 1 over integer epoch milliseconds: an RFC 8949 reader
			// takes the number as seconds.
			if tm, ok := r["ApproximateArrivalTimestamp"].(time.Time); !ok || !tm.Equal(time.Unix(1700000000123, 0)) {
				t.Errorf("ApproximateArrivalTimestamp = %#v", r["ApproximateArrivalTimestamp"])
			}
			if b, ok := r["Data"].([]byte); !ok || !bytes.Equal(b, []byte{0, 1, 2}) {
				t.Errorf("Data = %#v", r["Data"])
			}
		}},
		{"modeled error", "Kinesis_20131202.GetRecords", `bf 6d5368617264497465726174 6f72 6178 ff`, 400, func(t *testing.T, body map[string]any) {
			if body["__type"] != "ExpiredIteratorException" || body["message"] != "Iterator expired." {
				t.Errorf("body = %#v", body)
			}
		}},
		{"unknown operation", "Kinesis_20131202.Nope", `bf ff`, 400, func(t *testing.T, body map[string]any) {
			if body["__type"] != "UnknownOperationException" || len(body) != 1 {
				t.Errorf("body = %#v", body)
			}
		}},
		{"malformed body", "Kinesis_20131202.PutRecords", `bf 6a53747265616d`, 400, func(t *testing.T, body map[string]any) {
			if body["__type"] != "SerializationException" || len(body) != 1 {
				t.Errorf("body = %#v", body)
			}
		}},
		{"empty body", "Kinesis_20131202.PutRecords", ``, 400, func(t *testing.T, body map[string]any) {
			if body["__type"] != "SerializationException" {
				t.Errorf("body = %#v", body)
			}
		}},
	}
	dm, err := cbor.DecOptions{DefaultMapType: reflect.TypeFor[map[string]any]()}.DecMode()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(unhex(t, tc.hex)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ContentType)
			req.Header.Set("X-Amz-Target", tc.target)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d (body %x)", resp.StatusCode, tc.status, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != ContentType {
				t.Errorf("Content-Type = %q", ct)
			}
			if id := resp.Header.Get("x-amzn-RequestId"); id != "rid-1" {
				t.Errorf("x-amzn-RequestId = %q", id)
			}
			var body map[string]any
			if err := dm.Unmarshal(raw, &body); err != nil {
				t.Fatalf("response %x: %v", raw, err)
			}
			tc.check(t, body)
		})
	}
}
