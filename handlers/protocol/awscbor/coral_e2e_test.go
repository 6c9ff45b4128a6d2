package awscbor_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/evolvestack/evolvestack/emulator"
)

// postCBOR sends the CBOR encoding of body to a whole emulator as Kinesis
// operation op and returns the status, Content-Length and raw body.
func postCBOR(t *testing.T, e *emulator.Emulator, op string, body map[string]any) (int, string, []byte) {
	t.Helper()
	raw, err := cbor.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, e.Endpoint()+"/", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-cbor-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Length"), b
}

// TestKinesisCBORVoidAndEmptyEnum: over CBOR too, Kinesis answers an
// operation without output with an empty body, and validates an enum
// member given as "" against its enum (kinesalite's recordings, see the
// awsjson end-to-end tests).
func TestKinesisCBORVoidAndEmptyEnum(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	for _, c := range []struct {
		op   string
		body map[string]any
	}{
		{"CreateStream", map[string]any{"StreamName": "cbor", "ShardCount": 1}},
		{"AddTagsToStream", map[string]any{"StreamName": "cbor", "Tags": map[string]string{"a": "b"}}},
	} {
		status, length, body := postCBOR(t, e, c.op, c.body)
		if status != 200 || length != "0" || len(body) != 0 {
			t.Errorf("%s: got %d, Content-Length %q, body %x; want 200, 0, empty", c.op, status, length, body)
		}
	}

	status, _, body := postCBOR(t, e, "GetShardIterator", map[string]any{
		"StreamName": "cbor", "ShardId": "shardId-000000000000", "ShardIteratorType": ""})
	var got map[string]any
	if err := cbor.Unmarshal(body, &got); err != nil {
		t.Fatalf("error body %x: %v", body, err)
	}
	want := "1 validation error detected: Value '' at 'shardIteratorType' failed to satisfy constraint: " +
		"Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]"
	if status != 400 || got["__type"] != "ValidationException" || got["message"] != want {
		t.Errorf("empty ShardIteratorType: got %d %v, want 400 ValidationException %q", status, got, want)
	}

	status, _, body = postCBOR(t, e, "GetShardIterator", map[string]any{
		"StreamName": "cbor", "ShardId": "shardId-000000000000", "ShardIteratorType": nil})
	got = nil
	if err := cbor.Unmarshal(body, &got); err != nil {
		t.Fatalf("error body %x: %v", body, err)
	}
	want = "1 validation error detected: Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null"
	if status != 400 || got["message"] != want {
		t.Errorf("null ShardIteratorType: got %d %v, want 400 %q", status, got, want)
	}
}
