package awsjson

import (
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// putRecords500 is a PutRecords body of 500 records of 1 KiB each.
func putRecords500() []byte {
	var b strings.Builder
	b.WriteString(`{"StreamName":"bench","Records":[`)
	data := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", 1024)))
	for i := range 500 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"Data":"%s","PartitionKey":"pk-%d","ExplicitHashKey":"%d"}`, data, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func TestPutRecords500RoundTrip(t *testing.T) {
	t.Parallel()
	c := New()
	var in putRecordsInput
	op := &awsapi.Operation{Name: "PutRecords", OutputShape: "PutRecordsOutput"}
	if err := c.DecodeInput(&protocol.Request{Body: putRecords500()}, kinesisDesc(), op, &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Records) != 500 || len(in.Records[499].Data) != 1024 || *in.Records[499].PartitionKey != "pk-499" {
		t.Fatalf("decoded %d records", len(in.Records))
	}
}

func BenchmarkDecodePutRecords500(b *testing.B) {
	c := New()
	body := putRecords500()
	op := &awsapi.Operation{Name: "PutRecords"}
	desc := kinesisDesc()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var in putRecordsInput
		if err := c.DecodeInput(&protocol.Request{Body: body}, desc, op, &in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePutRecords500(b *testing.B) {
	c := New()
	out := &putRecordsOutput{FailedRecordCount: ptr[int32](0)}
	for i := range 500 {
		out.Records = append(out.Records, putRecordsResultEntry{
			SequenceNumber: ptr(fmt.Sprintf("4959033827149025660855969253836157109592157598913658%04d", i)),
			ShardId:        ptr("shardId-000000000001"),
		})
	}
	op := &awsapi.Operation{Name: "PutRecords", OutputShape: "PutRecordsOutput"}
	desc := kinesisDesc()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		if err := c.WriteOutput(rec, &protocol.Request{}, desc, op, out); err != nil {
			b.Fatal(err)
		}
	}
}
