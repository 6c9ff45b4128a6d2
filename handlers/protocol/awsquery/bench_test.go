package awsquery

import (
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// BenchmarkParseDecodeSendMessageBatch parses and decodes an awsQuery
// SendMessageBatch body of ten 100-byte messages, as the router does.
func BenchmarkParseDecodeSendMessageBatch(b *testing.B) {
	form := url.Values{"Action": {"SendMessageBatch"}, "Version": {"2012-11-05"}, "QueueUrl": {"http://127.0.0.1:4566/000000000000/q"}}
	for i := 1; i <= 10; i++ {
		p := "SendMessageBatchRequestEntry." + strconv.Itoa(i) + "."
		form.Set(p+"Id", "m"+strconv.Itoa(i))
		form.Set(p+"MessageBody", "message "+strconv.Itoa(i)+" "+strings.Repeat("x", 90))
	}
	req := &protocol.Request{HTTP: httptest.NewRequest("POST", "/", nil), Body: []byte(form.Encode())}
	c := New()
	op := &awsapi.Operation{Name: "SendMessageBatch"}
	b.ReportAllocs()
	for b.Loop() {
		p, err := c.ParseParams(req)
		if err != nil {
			b.Fatal(err)
		}
		var in sqs.SendMessageBatchInput
		if err := c.DecodeParams(p, op, &in); err != nil {
			b.Fatal(err)
		}
		c.ReleaseParams(p)
		if len(in.Entries) != 10 || *in.Entries[9].Id != "m10" {
			b.Fatalf("decoded %d entries", len(in.Entries))
		}
	}
}
