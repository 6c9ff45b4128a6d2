package awsquery

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

func ptr[T any](v T) *T { return &v }

type tag struct {
	Key   *string `locationName:"Key" required:"true"`
	Value *string `locationName:"Value" required:"true"`
}

type messageAttributeValue struct {
	BinaryValue []byte  `locationName:"BinaryValue" type:"blob"`
	DataType    *string `locationName:"DataType" required:"true"`
	StringValue *string `locationName:"StringValue"`
}

type createTopicInput struct {
	Attributes map[string]string `locationName:"Attributes"`
	Name       *string           `locationName:"Name" required:"true"`
	Tags       []tag             `locationName:"Tags"`
}

type publishInput struct {
	Message           *string                          `locationName:"Message" required:"true"`
	MessageAttributes map[string]messageAttributeValue `locationName:"MessageAttributes" locationNameKey:"Name" locationNameValue:"Value"`
	TopicArn          *string                          `locationName:"TopicArn"`
}

type sqsReceiveInput struct {
	AttributeNames      []string          `locationName:"AttributeName" locationNameList:"AttributeName" flattened:"true"`
	MaxNumberOfMessages *int32            `locationName:"MaxNumberOfMessages"`
	QueueUrl            *string           `locationName:"QueueUrl" required:"true"`
	Attributes          map[string]string `locationName:"Attribute" locationNameKey:"Name" locationNameValue:"Value" flattened:"true"`
}

type misc struct {
	When   *time.Time `locationName:"When" type:"timestamp"`
	Flag   *bool      `locationName:"Flag"`
	Ratio  *float64   `locationName:"Ratio"`
	Big    *int64     `locationName:"Big"`
	Blob   []byte     `locationName:"Blob" type:"blob"`
	Inner  *misc      `locationName:"Inner"`
	Names  []string   `locationName:"Names"`
	Custom []string   `locationName:"Custom" locationNameList:"item"`
}

type topic struct {
	TopicArn *string `locationName:"TopicArn"`
}

type listTopicsOutput struct {
	NextToken *string `locationName:"NextToken"`
	Topics    []topic `locationName:"Topics"`
}

type getTopicAttributesOutput struct {
	Attributes map[string]string `locationName:"Attributes"`
}

type sqsListQueuesOutput struct {
	QueueUrls []string `locationName:"QueueUrls" locationNameList:"QueueUrl" flattened:"true"`
}

type sqsMessage struct {
	Body       *string           `locationName:"Body"`
	Attributes map[string]string `locationName:"Attribute" locationNameKey:"Name" locationNameValue:"Value" flattened:"true"`
}

type sqsReceiveOutput struct {
	Messages []sqsMessage `locationName:"Messages" locationNameList:"Message" flattened:"true"`
}

type outputMisc struct {
	When  *time.Time `locationName:"When" type:"timestamp"`
	Epoch *time.Time `locationName:"Epoch" type:"timestamp" timestampFormat:"unixTimestamp"`
	Flag  *bool      `locationName:"Flag"`
	Num   *int32     `locationName:"Num"`
	Blob  []byte     `locationName:"Blob" type:"blob"`
	Empty []string   `locationName:"Empty"`
	Text  *string    `locationName:"Text"`
}

func snsDesc() *awsapi.ServiceDescriptor {
	return &awsapi.ServiceDescriptor{
		Name: "sns", Protocol: awsapi.ProtocolQuery, APIVersion: "2010-03-31", EndpointPrefix: "sns",
		XMLNamespace: "http://sns.amazonaws.com/doc/2010-03-31/",
		Operations: []awsapi.Operation{
			{Name: "ListTopics", OutputShape: "ListTopicsResponse", ResultWrapper: "ListTopicsResult"},
			{Name: "GetTopicAttributes", OutputShape: "GetTopicAttributesResponse", ResultWrapper: "GetTopicAttributesResult"},
			{Name: "CreateTopic", OutputShape: "CreateTopicResponse", ResultWrapper: "CreateTopicResult"},
			{Name: "DeleteTopic"},
			{Name: "Misc", OutputShape: "Misc", ResultWrapper: "MiscResult"},
		},
		Errors: []awsapi.ErrorShape{
			{Name: "NotFoundException", Code: "NotFound", HTTPStatus: 404, SenderFault: true, MessageMember: "message"},
		},
	}
}

func sqsQueryDesc() *awsapi.ServiceDescriptor {
	return &awsapi.ServiceDescriptor{
		Name: "sqs", Protocol: awsapi.ProtocolJSON, APIVersion: "2012-11-05", QueryCompatible: true,
		XMLNamespace: "http://queue.amazonaws.com/doc/2012-11-05/",
		Operations: []awsapi.Operation{
			{Name: "ListQueues", OutputShape: "ListQueuesResult", ResultWrapper: "ListQueuesResult"},
			{Name: "ReceiveMessage", OutputShape: "ReceiveMessageResult", ResultWrapper: "ReceiveMessageResult"},
		},
		Errors: []awsapi.ErrorShape{
			{Name: "QueueDoesNotExist", Code: "AWS.SimpleQueueService.NonExistentQueue", HTTPStatus: 400, SenderFault: true, MessageMember: "message"},
		},
	}
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))

	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	return b
}

func TestDecodeInput(t *testing.T) {
	t.Parallel()
	when := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name, query, body string
		want              any
	}{
		{"sns create topic", "", "Action=CreateTopic&Version=2010-03-31&Name=t1" +
			"&Attributes.entry.1.key=DisplayName&Attributes.entry.1.value=My+Topic" +
			"&Attributes.entry.2.key=FifoTopic&Attributes.entry.2.value=true" +
			"&Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2&Tags.member.2.Value=v%262&Unknown.member.1=x",
			&createTopicInput{Name: ptr("t1"), Attributes: map[string]string{"DisplayName": "My Topic", "FifoTopic": "true"},
				Tags: []tag{{Key: ptr("k1"), Value: ptr("v1")}, {Key: ptr("k2"), Value: ptr("v&2")}}}},
		{"sns publish map of structs", "", "Action=Publish&Message=hi&TopicArn=arn" +
			"&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=s" +
			"&MessageAttributes.entry.2.Name=b&MessageAttributes.entry.2.Value.DataType=Binary&MessageAttributes.entry.2.Value.BinaryValue=AAE%3D",
			&publishInput{Message: ptr("hi"), TopicArn: ptr("arn"), MessageAttributes: map[string]messageAttributeValue{
				"a": {DataType: ptr("String"), StringValue: ptr("s")}, "b": {DataType: ptr("Binary"), BinaryValue: []byte{0, 1}}}}},
		{"sqs flattened list and map from query string", "Action=ReceiveMessage&QueueUrl=http%3A%2F%2Fq&MaxNumberOfMessages=10" +
			"&AttributeName.1=All&AttributeName.2=SenderId&AttributeName.4=Gap" +
			"&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=30", "",
			&sqsReceiveInput{QueueUrl: ptr("http://q"), MaxNumberOfMessages: ptr[int32](10), AttributeNames: []string{"All", "SenderId"},
				Attributes: map[string]string{"VisibilityTimeout": "30"}}},
		{"scalars and nesting", "", "When=2024-01-02T03%3A04%3A05Z&Flag=TRUE&Ratio=0.5&Big=9007199254740993&Blob=aGk%3D" +
			"&Inner.Flag=false&Inner.Inner.Names.member.1=deep&Names=&Custom.item.1=c1&Custom.item.2=c2",
			&misc{When: &when, Flag: ptr(true), Ratio: ptr(0.5), Big: ptr[int64](9007199254740993), Blob: []byte("hi"),
				Inner: &misc{Flag: ptr(false), Inner: &misc{Names: []string{"deep"}}}, Names: []string{}, Custom: []string{"c1", "c2"}}},
		{"epoch timestamp", "", "When=1704164645", &misc{When: &when}},
		{"empty", "", "", &misc{}},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/?"+tc.query, nil)
			got := reflect.New(reflect.TypeOf(tc.want).Elem()).Interface()
			if err := c.DecodeInput(&protocol.Request{HTTP: r, Body: []byte(tc.body)}, snsDesc(), &awsapi.Operation{Name: "Op"}, got); err != nil {
				t.Fatalf("DecodeInput: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestDecodeInputErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, code, msg string }{
		{"bad integer", "Big=12x", "MalformedInput", "'12x' can not be converted to an Long"},
		{"bad bool", "Flag=yes", "MalformedInput", "'yes' can not be converted to an Boolean"},
		{"bad timestamp", "When=later", "MalformedInput", "'later' can not be converted to an Timestamp"},
		{"bad blob", "Blob=***", "MalformedInput", "'***' can not be converted to an Blob"},
		{"nested bad value", "Inner.Inner.Ratio=x", "MalformedInput", "'x' can not be converted to an Double"},
		{"bad escape", "Flag=%zz", "MalformedQueryString", `invalid URL escape "%zz"`},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var in misc
			err := c.DecodeInput(&protocol.Request{HTTP: httptest.NewRequest("POST", "/", nil), Body: []byte(tc.body)}, snsDesc(), &awsapi.Operation{Name: "Op"}, &in)
			ae, ok := awsapi.AsError(err)
			if !ok || ae.Code != tc.code || ae.Message != tc.msg || ae.HTTPStatus() != 400 {
				t.Fatalf("err = %v, want %s %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestWriteOutput(t *testing.T) {
	t.Parallel()
	when := time.Date(2024, 1, 2, 3, 4, 5, 120000000, time.UTC)
	cases := []struct {
		name   string
		desc   *awsapi.ServiceDescriptor
		op     string
		out    any
		golden string
	}{
		{"sns list topics", snsDesc(), "ListTopics", &listTopicsOutput{NextToken: ptr("n&1"), Topics: []topic{
			{TopicArn: ptr("arn:aws:sns:us-east-1:123456789012:t1")}, {TopicArn: ptr("arn:aws:sns:us-east-1:123456789012:t2")}}},
			"sns_list_topics.xml"},
		{"sns empty list", snsDesc(), "ListTopics", &listTopicsOutput{Topics: []topic{}}, "sns_list_topics_empty.xml"},
		{"sns map", snsDesc(), "GetTopicAttributes", &getTopicAttributesOutput{Attributes: map[string]string{
			"Policy": `{"a":"<b>"}`, "DisplayName": "d"}}, "sns_get_topic_attributes.xml"},
		{"sns no result", snsDesc(), "DeleteTopic", nil, "sns_delete_topic.xml"},
		{"sns nil result", snsDesc(), "CreateTopic", nil, "sns_create_topic_nil.xml"},
		{"scalars", snsDesc(), "Misc", &outputMisc{When: &when, Epoch: &when, Flag: ptr(false), Num: ptr[int32](-3),
			Blob: []byte("hi"), Empty: []string{}, Text: ptr("a\r\nb\x01'\"")}, "misc.xml"},
		{"sqs flattened", sqsQueryDesc(), "ListQueues", &sqsListQueuesOutput{QueueUrls: []string{"http://q/1", "http://q/2"}},
			"sqs_list_queues.xml"},
		{"sqs flattened structs and maps", sqsQueryDesc(), "ReceiveMessage", &sqsReceiveOutput{Messages: []sqsMessage{
			{Body: ptr("b"), Attributes: map[string]string{"SenderId": "s", "ApproximateReceiveCount": "1"}}}},
			"sqs_receive_message.xml"},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op, ok := tc.desc.Operation(tc.op)
			if !ok {
				t.Fatalf("no op %s", tc.op)
			}
			rec := httptest.NewRecorder()
			if err := c.WriteOutput(rec, &protocol.Request{RequestID: "rid-1"}, tc.desc, op, tc.out); err != nil {
				t.Fatal(err)
			}
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/xml" {
				t.Errorf("status %d content type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			if got := rec.Header()["x-amzn-RequestId"]; len(got) != 1 || got[0] != "rid-1" {
				t.Errorf("x-amzn-RequestId = %v", got)
			}
			if want := golden(t, tc.golden); !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("body\n got %s\nwant %s", rec.Body.Bytes(), want)
			}
		})
	}
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		desc   *awsapi.ServiceDescriptor
		err    *awsapi.Error
		status int
		golden string
	}{
		{"sns modeled code", snsDesc(), &awsapi.Error{Code: "NotFoundException", Status: 404, Message: "Topic does not exist"}, 404, "err_sns_not_found.xml"},
		{"sns invalid action", snsDesc(), InvalidAction("Publishx", "2010-03-31"), 400, "err_sns_invalid_action.xml"},
		{"sns missing action", snsDesc(), MissingAction(), 400, "err_sns_missing_action.xml"},
		{"sns receiver", snsDesc(), &awsapi.Error{Code: "InternalError", Status: 500, Receiver: true, Fields: map[string]any{"Extra": 1}}, 500, "err_sns_internal.xml"},
		{"sqs style", sqsQueryDesc(), awsapi.Errorf("QueueDoesNotExist", "The specified queue does not exist for this wsdl version."), 400, "err_sqs_no_queue.xml"},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			c.WriteError(rec, &protocol.Request{RequestID: "rid-2"}, tc.desc, nil, tc.err)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != "text/xml" {
				t.Errorf("status %d content type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			if want := golden(t, tc.golden); !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("body\n got %s\nwant %s", rec.Body.Bytes(), want)
			}
		})
	}
}

func TestForm(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/?Action=FromQuery&A=1", nil)
	vals, err := Form(&protocol.Request{HTTP: r, Body: []byte("Action=ListTopics&Version=2010-03-31")})
	if err != nil {
		t.Fatal(err)
	}
	if vals.Get("Action") != "ListTopics" || vals.Get("A") != "1" || vals.Get("Version") != "2010-03-31" {
		t.Fatalf("vals = %v", vals)
	}
	r = httptest.NewRequest("GET", "/?Action=ListTopics", strings.NewReader(""))
	vals, err = Form(&protocol.Request{HTTP: r, Body: []byte("Action=Ignored")})
	if err != nil || vals.Get("Action") != "ListTopics" {
		t.Fatalf("GET vals = %v, %v", vals, err)
	}
}

// selfRendered renders its result element itself (ResultAppender).
type selfRendered sqsListQueuesOutput

func (o *selfRendered) AppendQueryResult(b []byte, wrapper string) []byte {
	return append(b, "<"+wrapper+"><Rendered>by itself</Rendered></"+wrapper+">"...)
}

// TestWriteOutputResultAppender checks that an output that renders its
// result itself is written so, unless the service indents its answers.
func TestWriteOutputResultAppender(t *testing.T) {
	t.Parallel()
	c := New()
	for _, tc := range []struct {
		name string
		desc *awsapi.ServiceDescriptor
		op   string
		want string
	}{
		{"not indented", sqsQueryDesc(), "ListQueues", "<ListQueuesResult><Rendered>by itself</Rendered></ListQueuesResult><ResponseMetadata>"},
		{"indented: the writer's", snsDesc(), "ListTopics", "<ListTopicsResult>\n    <QueueUrl>http://q/1</QueueUrl>"},
	} {
		op, ok := tc.desc.Operation(tc.op)
		if !ok {
			t.Fatalf("no op %s", tc.op)
		}
		rec := httptest.NewRecorder()
		if err := c.WriteOutput(rec, &protocol.Request{RequestID: "rid-1"}, tc.desc, op, &selfRendered{QueueUrls: []string{"http://q/1"}}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: body %s, want it to hold %q", tc.name, rec.Body.String(), tc.want)
		}
	}
}
