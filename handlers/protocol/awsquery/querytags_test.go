package awsquery

import (
	"bytes"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// Shapes tagged as cmd/apigen emits them for a JSON model with a query
// overlay (SQS): the query* tags win over the shared ones.
type qtAttrValue struct {
	StringValue *string  `locationName:"StringValue"`
	StringList  []string `locationName:"StringListValues" flattened:"true" locationNameList:"member" queryName:"StringListValue" queryLocationNameList:"StringListValue"`
	DataType    *string  `locationName:"DataType" required:"true"`
}

type qtEntry struct {
	ID    *string                `locationName:"Id" required:"true"`
	Attrs map[string]qtAttrValue `locationName:"MessageAttributes" flattened:"true" locationNameKey:"key" locationNameValue:"value" queryName:"MessageAttribute" queryLocationNameKey:"Name" queryLocationNameValue:"Value"`
}

type qtInput struct {
	QueueURL       *string           `locationName:"QueueUrl" required:"true"`
	AttributeNames []string          `locationName:"AttributeNames" flattened:"true" locationNameList:"member" queryLocationNameList:"AttributeName"`
	Attributes     map[string]string `locationName:"Attributes" flattened:"true" locationNameKey:"key" locationNameValue:"value" queryName:"Attribute" queryLocationNameKey:"Name" queryLocationNameValue:"Value"`
	Entries        []qtEntry         `locationName:"Entries" flattened:"true" locationNameList:"member" queryLocationNameList:"SendMessageBatchRequestEntry"`
}

type qtMessage struct {
	Body       *string           `locationName:"Body"`
	Attributes map[string]string `locationName:"Attributes" flattened:"true" locationNameKey:"key" locationNameValue:"value" queryName:"Attribute" queryLocationNameKey:"Name" queryLocationNameValue:"Value"`
}

type qtOutput struct {
	Messages []qtMessage `locationName:"Messages" flattened:"true" locationNameList:"member" queryLocationNameList:"Message"`
	URLs     []string    `locationName:"queueUrls" flattened:"true" locationNameList:"member" queryLocationNameList:"QueueUrl"`
}

func TestDecodeQueryTags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		want       qtInput
	}{
		{"flattened lists and maps by query names",
			"QueueUrl=q&AttributeName.1=All&AttributeName.2=Policy&Attribute.1.Name=DelaySeconds&Attribute.1.Value=5" +
				"&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n" +
				"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=String&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v" +
				"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringListValue.1=x&SendMessageBatchRequestEntry.2.Id=b",
			qtInput{QueueURL: ptr("q"), AttributeNames: []string{"All", "Policy"}, Attributes: map[string]string{"DelaySeconds": "5"},
				Entries: []qtEntry{{ID: ptr("a"), Attrs: map[string]qtAttrValue{"n": {StringValue: ptr("v"), StringList: []string{"x"}, DataType: ptr("String")}}}, {ID: ptr("b")}}}},
		{"shared names are not query names", "QueueUrl=q&AttributeNames.1=All&Attributes.1.key=k&Attributes.1.value=v",
			qtInput{QueueURL: ptr("q")}},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got qtInput
			req := &protocol.Request{HTTP: httptest.NewRequest("POST", "/", nil), Body: []byte(tc.body)}
			if err := c.DecodeInput(req, sqsQueryDesc(), &awsapi.Operation{Name: "Op"}, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestEncodeQueryTags(t *testing.T) {
	t.Parallel()
	desc := sqsQueryDesc()
	op := &awsapi.Operation{Name: "ReceiveMessage", ResultWrapper: "ReceiveMessageResult"}
	out := &qtOutput{Messages: []qtMessage{{Body: ptr("b"), Attributes: map[string]string{"SenderId": "s"}}}, URLs: []string{"u1", "u2"}}
	rec := httptest.NewRecorder()
	if err := New().WriteOutput(rec, &protocol.Request{RequestID: "r"}, desc, op, out); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0"?><ReceiveMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult>` +
		`<Message><Body>b</Body><Attribute><Name>SenderId</Name><Value>s</Value></Attribute></Message>` +
		`<QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl></ReceiveMessageResult>` +
		`<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ReceiveMessageResponse>`
	if got := rec.Body.Bytes(); !bytes.Equal(got, []byte(want)) {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
}
