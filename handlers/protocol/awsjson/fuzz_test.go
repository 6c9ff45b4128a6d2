package awsjson

import (
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `[`, `{"Records":[{"Data":"aGk=","PartitionKey":"p"}],"StreamName":"s"}`,
		`{"str":"a\u00e9\ud800","i32":1.5e3,"ts":1.7E9,"map":{"a":"b"},"nested":[{"nested":[{}]}],"doc":[1,{"x":null}]}`,
		`{"blob":"====","mapList":{"k":[1,-2]},"struct":{"StreamMode":7}}`,
	} {
		f.Add([]byte(s))
	}
	c := New()
	desc := kinesisDesc()
	op := &awsapi.Operation{Name: "Fuzz"}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a allTypes
		err := c.DecodeInput(&protocol.Request{Body: body}, desc, op, &a)
		if err != nil {
			if ae, ok := awsapi.AsError(err); !ok || ae.Code != "SerializationException" {
				t.Fatalf("unexpected error %v", err)
			}
		}
		var p putRecordsInput
		_ = c.DecodeInput(&protocol.Request{Body: body}, desc, op, &p)
	})
}
