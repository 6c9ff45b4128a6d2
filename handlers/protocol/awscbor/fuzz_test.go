package awscbor

import (
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

func FuzzDecodeCBOR(f *testing.F) {
	for _, s := range []string{
		``, `a0`, `bfff`, `ff`, `f6`, `9fff`,
		`bf 6a53747265616d4e616d65 6474657374 6444617461 4d68656c6c6f2c20776f726c6421 6c506172746974696f6e4b6579 6c706172746974696f6e6b6579 ff`,
		`bf 675265636f726473 9f bf 6444617461 420001 6c506172746974696f6e4b6579 64706b2d31 ff ff 6a53747265616d4e616d65 6173 ff`,
		`bf 63737472 7f 626162 6163 ff 63693332 3804 63693634 1b0020000000000001 63663332 f93e00 627473 c1 1b0000018bcfe5687b
			64626c6f62 5f 4100 4101 ff 666e6573746564 9f a1 63737472 62696e f6 ff 636d6170 a2 616b 6176 616e f6
			676d61704c697374 bf 6178 820102 ff 63646f63 a1 6161 8201 6162 ff`,
		`a1 63693634 c2 420100`, `a1 627473 c0 6179`, `bf 6444617461 5affffffff ff`, `9b7fffffffffffffff`,
		`d9d9f7 bf 6954696d657374616d70 fb4278bcfe5687b000 ff`,
	} {
		f.Add(unhex(f, s))
	}
	c := New()
	desc := kinesisDesc()
	o := &awsapi.Operation{Name: "Fuzz"}
	f.Fuzz(func(t *testing.T, body []byte) {
		var a allTypes
		err := c.DecodeInput(&protocol.Request{Body: body}, desc, o, &a)
		if err != nil {
			if ae, ok := awsapi.AsError(err); !ok || ae.Code != "SerializationException" {
				t.Fatalf("unexpected error %v", err)
			}
		} else {
			// What decodes must encode and decode again.
			re, err := c.Marshal(&a)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			var b allTypes
			if err := c.DecodeInput(&protocol.Request{Body: re}, desc, o, &b); err != nil {
				t.Fatalf("re-decode of %x: %v", re, err)
			}
		}
		var p kinesis.PutRecordsInput
		if err := c.DecodeInput(&protocol.Request{Body: body}, desc, o, &p); err != nil {
			if ae, ok := awsapi.AsError(err); !ok || ae.Code != "SerializationException" {
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}
