package awscbor

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// putRecords500 is a PutRecords body of 500 records of 1 KiB each, laid out
// as the Java SDK writes it (indefinite map and array).
func putRecords500() []byte {
	b := []byte{startIndefMap}
	b = appendText(b, "StreamName")
	b = appendText(b, "bench")
	b = appendText(b, "Records")
	b = append(b, startIndefArray)
	data := []byte(strings.Repeat("x", 1024))
	for i := range 500 {
		b = append(b, startIndefMap)
		b = appendText(b, "Data")
		b = appendBytes(b, data)
		b = appendText(b, "PartitionKey")
		b = appendText(b, fmt.Sprintf("pk-%d", i))
		b = appendText(b, "ExplicitHashKey")
		b = appendText(b, fmt.Sprint(i))
		b = append(b, breakByte)
	}
	return append(b, breakByte, breakByte)
}

func TestPutRecords500(t *testing.T) {
	t.Parallel()
	var in kinesis.PutRecordsInput
	if err := New().DecodeInput(&protocol.Request{Body: putRecords500()}, kinesisDesc(), op(t, "PutRecords"), &in); err != nil {
		t.Fatal(err)
	}
	if len(in.Records) != 500 || len(in.Records[499].Data) != 1024 || *in.Records[499].PartitionKey != "pk-499" ||
		*in.Records[7].ExplicitHashKey != "7" || *in.StreamName != "bench" {
		t.Fatalf("decoded %d records", len(in.Records))
	}
}

func BenchmarkDecodePutRecords500(b *testing.B) {
	c := New()
	body := putRecords500()
	o := op(b, "PutRecords")
	desc := kinesisDesc()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var in kinesis.PutRecordsInput
		if err := c.DecodeInput(&protocol.Request{Body: body}, desc, o, &in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePutRecords500(b *testing.B) {
	c := New()
	out := &kinesis.PutRecordsOutput{FailedRecordCount: ptr[int32](0)}
	for i := range 500 {
		out.Records = append(out.Records, kinesis.PutRecordsResultEntry{
			SequenceNumber: ptr(fmt.Sprintf("4959033827149025660855969253836157109592157598913658%04d", i)),
			ShardId:        ptr("shardId-000000000001"),
		})
	}
	o := op(b, "PutRecords")
	desc := kinesisDesc()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		if err := c.WriteOutput(rec, &protocol.Request{}, desc, o, out); err != nil {
			b.Fatal(err)
		}
	}
}
