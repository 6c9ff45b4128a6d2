package awsquery

import (
	"net/http/httptest"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

func FuzzDecodeQuery(f *testing.F) {
	for _, s := range []string{
		"", "Action=CreateTopic&Name=a&Attributes.entry.1.key=k&Attributes.entry.1.value=v&Tags.member.1.Key=x",
		"MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=String",
		"AttributeName.1=All&Attribute.1.Name=n&Attribute.1.Value=v&MaxNumberOfMessages=x",
		"Inner.Inner.Inner.Names.member.1=a&When=2024-01-01T00:00:00Z&Blob=%zz&Names=",
	} {
		f.Add(s)
	}
	c := New()
	desc := snsDesc()
	op := &awsapi.Operation{Name: "Fuzz"}
	f.Fuzz(func(t *testing.T, body string) {
		req := &protocol.Request{HTTP: httptest.NewRequest("POST", "/", nil), Body: []byte(body)}
		for _, in := range []any{&createTopicInput{}, &publishInput{}, &sqsReceiveInput{}, &misc{}} {
			if err := c.DecodeInput(req, desc, op, in); err != nil {
				if _, ok := awsapi.AsError(err); !ok {
					t.Fatalf("non-API error %v", err)
				}
			}
		}
	})
}
