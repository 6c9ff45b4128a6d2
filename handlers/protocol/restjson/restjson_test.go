package restjson

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

func ptr[T any](v T) *T { return &v }

type environment struct {
	Variables map[string]string `locationName:"Variables"`
}

type createFunctionInput struct {
	FunctionName *string           `locationName:"FunctionName" required:"true"`
	MemorySize   *int32            `locationName:"MemorySize"`
	Publish      *bool             `locationName:"Publish"`
	Environment  *environment      `locationName:"Environment"`
	Tags         map[string]string `locationName:"Tags"`
}

type getObjectLikeInput struct {
	Bucket    *string           `location:"uri" locationName:"Bucket" required:"true"`
	Key       *string           `location:"uri" locationName:"Key" required:"true"`
	Qualifier *string           `location:"querystring" locationName:"Qualifier"`
	MaxItems  *int32            `location:"querystring" locationName:"MaxItems"`
	Ids       []string          `location:"querystring" locationName:"id"`
	Rest      map[string]string `location:"querystring"`
	IfSince   *time.Time        `location:"header" locationName:"If-Modified-Since" type:"timestamp"`
	Tags      []string          `location:"header" locationName:"X-Tags"`
	Count     *int64            `location:"header" locationName:"X-Count"`
	Meta      map[string]string `location:"headers" locationName:"x-amz-meta-"`
	Payload   []byte            `locationName:"Payload" type:"blob"`
	_         struct{}          `payload:"Payload"`
}

type structPayloadInput struct {
	Name   *string      `location:"uri" locationName:"Name"`
	Config *environment `locationName:"Config"`
	_      struct{}     `payload:"Config"`
}

type invokeOutput struct {
	ExecutedVersion *string  `location:"header" locationName:"X-Amz-Executed-Version"`
	FunctionError   *string  `location:"header" locationName:"X-Amz-Function-Error"`
	Payload         []byte   `locationName:"Payload" type:"blob"`
	StatusCode      *int32   `location:"statusCode"`
	_               struct{} `payload:"Payload"`
}

type functionConfiguration struct {
	FunctionName *string `locationName:"FunctionName"`
	FunctionArn  *string `locationName:"FunctionArn"`
	Runtime      string  `locationName:"Runtime"`
	MemorySize   *int32  `locationName:"MemorySize"`
	LastModified *string `locationName:"LastModified"`
	CodeSize     *int64  `locationName:"CodeSize"`
}

type listFunctionsInput struct {
	Marker   *string `location:"querystring" locationName:"Marker"`
	MaxItems *int32  `location:"querystring" locationName:"MaxItems"`
}

type listFunctionsOutput struct {
	Functions  []functionConfiguration `locationName:"Functions"`
	NextMarker *string                 `locationName:"NextMarker"`
}

type getFunctionInput struct {
	FunctionName *string `location:"uri" locationName:"FunctionName" required:"true"`
	Qualifier    *string `location:"querystring" locationName:"Qualifier"`
}

type getFunctionOutput struct {
	Configuration *functionConfiguration `locationName:"Configuration"`
	Tags          map[string]string      `locationName:"Tags"`
}

type headerOutput struct {
	Modified *time.Time        `location:"header" locationName:"Last-Modified" type:"timestamp"`
	Items    []string          `location:"header" locationName:"X-Items"`
	Meta     map[string]string `location:"headers" locationName:"x-amz-meta-"`
	Body     *string           `locationName:"Body"`
}

func lambdaDesc() *awsapi.ServiceDescriptor {
	return &awsapi.ServiceDescriptor{
		Name: "lambda", Protocol: awsapi.ProtocolRESTJSON, APIVersion: "2015-03-31", EndpointPrefix: "lambda",
		Operations: []awsapi.Operation{
			{Name: "ListFunctions", HTTPMethod: "GET", RequestURI: "/2015-03-31/functions/", OutputShape: "ListFunctionsResponse"},
			{Name: "GetFunction", HTTPMethod: "GET", RequestURI: "/2015-03-31/functions/{FunctionName}", OutputShape: "GetFunctionResponse"},
			{Name: "CreateFunction", HTTPMethod: "POST", RequestURI: "/2015-03-31/functions", ResponseCode: 201, OutputShape: "FunctionConfiguration"},
			{Name: "DeleteFunction", HTTPMethod: "DELETE", RequestURI: "/2015-03-31/functions/{FunctionName}", ResponseCode: 204},
		},
		Errors: []awsapi.ErrorShape{
			{Name: "ResourceNotFoundException", HTTPStatus: 404, SenderFault: true, MessageMember: "Message"},
			{Name: "ResourceConflictException", HTTPStatus: 409, SenderFault: true, MessageMember: "message"},
		},
	}
}

func schemasDesc() *awsapi.ServiceDescriptor {
	return &awsapi.ServiceDescriptor{
		Name: "schemas", Protocol: awsapi.ProtocolRESTJSON,
		Errors: []awsapi.ErrorShape{{Name: "NotFoundException", HTTPStatus: 404, MessageMember: "Message"}},
	}
}

func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	return bytes.TrimRight(b, "\n")
}

func TestDecodeInput(t *testing.T) {
	t.Parallel()
	since := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	cases := []struct {
		name   string
		method string
		target string
		header http.Header
		vars   map[string]string
		body   string
		want   any
	}{
		{"json body", "POST", "/2015-03-31/functions", nil, nil,
			`{"FunctionName":"f","MemorySize":256,"Publish":true,"Environment":{"Variables":{"A":"1"}},"Tags":{"t":"v"},"Unknown":[1]}`,
			&createFunctionInput{FunctionName: ptr("f"), MemorySize: ptr[int32](256), Publish: ptr(true),
				Environment: &environment{Variables: map[string]string{"A": "1"}}, Tags: map[string]string{"t": "v"}}},
		{"empty body", "POST", "/", nil, nil, ``, &createFunctionInput{}},
		{"bindings and blob payload", "PUT", "/b/some/key%2Bx?Qualifier=%24LATEST&MaxItems=10&id=1&id=2&other=o&x=",
			http.Header{"If-Modified-Since": {"Wed, 21 Oct 2015 07:28:00 GMT"}, "X-Tags": {"a, b", "c"},
				"X-Count": {"42"}, "X-Amz-Meta-Color": {"red"}},
			map[string]string{"Bucket": "b", "Key+": "some/key%2Bx"}, "raw \x00 bytes",
			&getObjectLikeInput{Bucket: ptr("b"), Key: ptr("some/key+x"), Qualifier: ptr("$LATEST"), MaxItems: ptr[int32](10),
				Ids: []string{"1", "2"}, Rest: map[string]string{"other": "o", "x": ""}, IfSince: &since,
				Tags: []string{"a", "b", "c"}, Count: ptr[int64](42), Meta: map[string]string{"color": "red"},
				Payload: []byte("raw \x00 bytes")}},
		{"struct payload", "PUT", "/n", nil, map[string]string{"Name": "arn%3Aaws%3Alambda"}, `{"Variables":{"k":"v"}}`,
			&structPayloadInput{Name: ptr("arn:aws:lambda"), Config: &environment{Variables: map[string]string{"k": "v"}}}},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.target, nil)
			for k, v := range tc.header {
				r.Header[k] = v
			}
			got := reflect.New(reflect.TypeOf(tc.want).Elem()).Interface()
			req := &protocol.Request{HTTP: r, Body: []byte(tc.body), PathVars: tc.vars}
			if err := c.DecodeInput(req, lambdaDesc(), &awsapi.Operation{Name: "Op"}, got); err != nil {
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
	cases := []struct {
		name, target, body, msg string
		header                  http.Header
	}{
		{"bad json", "/", `{"FunctionName":`, "", nil},
		{"wrong body type", "/", `{"MemorySize":"big"}`, "STRING_VALUE can not be converted to an Integer", nil},
		{"bad query integer", "/?MaxItems=ten", ``, "STRING_VALUE can not be converted to an Integer", nil},
		{"bad header timestamp", "/", ``, "STRING_VALUE can not be converted to a Timestamp",
			http.Header{"If-Modified-Since": {"never"}}},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", tc.target, nil)
			for k, v := range tc.header {
				r.Header[k] = v
			}
			req := &protocol.Request{HTTP: r, Body: []byte(tc.body)}
			var a createFunctionInput
			var b getObjectLikeInput
			err := c.DecodeInput(req, lambdaDesc(), &awsapi.Operation{Name: "Op"}, &a)
			if err == nil {
				err = c.DecodeInput(req, lambdaDesc(), &awsapi.Operation{Name: "Op"}, &b)
			}
			ae, ok := awsapi.AsError(err)
			if !ok || ae.Code != "SerializationException" || ae.Message != tc.msg {
				t.Fatalf("err = %v, want SerializationException %q", err, tc.msg)
			}
		})
	}
}

func TestWriteOutput(t *testing.T) {
	t.Parallel()
	mod := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	cases := []struct {
		name        string
		op          awsapi.Operation
		out         any
		status      int
		contentType string
		header      map[string]string
		golden      string
	}{
		{"json body with response code", awsapi.Operation{Name: "CreateFunction", ResponseCode: 201},
			&functionConfiguration{FunctionName: ptr("f"), Runtime: "go1.x", MemorySize: ptr[int32](128), CodeSize: ptr[int64](0)},
			201, "application/json", nil, "create_function.json"},
		{"nil output no body", awsapi.Operation{Name: "DeleteFunction", ResponseCode: 204}, nil, 204, "", nil, "empty.txt"},
		{"blob payload with headers and status member", awsapi.Operation{Name: "Invoke"},
			&invokeOutput{ExecutedVersion: ptr("$LATEST"), FunctionError: ptr("Unhandled"), Payload: []byte(`{"errorMessage":"boom"}`), StatusCode: ptr[int32](200)},
			200, "application/json", map[string]string{"X-Amz-Executed-Version": "$LATEST", "X-Amz-Function-Error": "Unhandled"},
			"invoke.txt"},
		{"header members", awsapi.Operation{Name: "Head"},
			&headerOutput{Modified: &mod, Items: []string{"a", "b"}, Meta: map[string]string{"Color": "red"}, Body: ptr("x")},
			200, "application/json", map[string]string{"Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT", "X-Items": "a, b", "X-Amz-Meta-Color": "red"},
			"head.json"},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			if err := c.WriteOutput(rec, &protocol.Request{RequestID: "r1"}, lambdaDesc(), &tc.op, tc.out); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("Content-Type"); got != tc.contentType {
				t.Errorf("content type %q, want %q", got, tc.contentType)
			}
			for k, v := range tc.header {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if got := rec.Header()["x-amzn-RequestId"]; len(got) != 1 || got[0] != "r1" {
				t.Errorf("x-amzn-RequestId = %v", got)
			}
			if want := golden(t, tc.golden); !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("body\n got %q\nwant %q", rec.Body.Bytes(), want)
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
		{"lambda not found", lambdaDesc(), &awsapi.Error{Code: "ResourceNotFoundException", Status: 404,
			Message: "Function not found: arn:aws:lambda:us-east-1:123456789012:function:f", Fields: map[string]any{"Type": "User"}},
			404, "err_lambda_not_found.json"},
		{"lambda conflict lowercase message", lambdaDesc(), &awsapi.Error{Code: "ResourceConflictException", Status: 409,
			Message: "Function already exist: f", Fields: map[string]any{"Type": "User"}}, 409, "err_lambda_conflict.json"},
		{"schemas code field", schemasDesc(), &awsapi.Error{Code: "NotFoundException", Status: 404,
			Message: "Schema with name x does not exist.", Fields: map[string]any{"Code": "NotFoundException"}}, 404, "err_schemas_not_found.json"},
		{"unknown operation", lambdaDesc(), UnknownOperation(), 404, "err_unknown_op.json"},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			c.WriteError(rec, &protocol.Request{RequestID: "r2"}, tc.desc, nil, tc.err)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header()["x-amzn-ErrorType"]; len(got) != 1 || got[0] != tc.err.Code {
				t.Errorf("x-amzn-ErrorType = %v", got)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("content type %q", got)
			}
			if want := golden(t, tc.golden); !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("body\n got %s\nwant %s", rec.Body.Bytes(), want)
			}
		})
	}
}
