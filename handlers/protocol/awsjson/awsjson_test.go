package awsjson

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
)

func ptr[T any](v T) *T { return &v }

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
	ts := time.Date(2023, 11, 14, 22, 13, 20, 123000000, time.UTC)
	cases := []struct {
		name string
		body string
		want any
	}{
		{"empty body", ``, &listStreamsInput{}},
		{"empty object", `{}`, &listStreamsInput{}},
		{"scalars", `{"Limit":10,"ExclusiveStartStreamName":"a\"b\u00e9\ud83d\ude00"}`,
			&listStreamsInput{Limit: ptr[int32](10), ExclusiveStartStreamName: ptr("a\"bé😀")}},
		{"unknown members ignored", `{"Foo":{"a":[1,2,{"b":null}]},"Limit":1,"Bar":"x"}`,
			&listStreamsInput{Limit: ptr[int32](1)}},
		{"null is absent", `{"Limit":null,"NextToken":null}`, &listStreamsInput{}},
		{"fractional integer floors", `{"Limit":2.9}`, &listStreamsInput{Limit: ptr[int32](2)}},
		{"put records", `{"StreamName":"s","Records":[{"Data":"aGVsbG8=","PartitionKey":"p1"},{"Data":"","PartitionKey":"p2","ExplicitHashKey":"7"}]}`,
			&putRecordsInput{StreamName: ptr("s"), Records: []putRecordsRequestEntry{
				{Data: []byte("hello"), PartitionKey: ptr("p1")},
				{Data: []byte{}, PartitionKey: ptr("p2"), ExplicitHashKey: ptr("7")},
			}}},
		{"all types", `{"str":"s","enum":"KMS","bool":false,"i32":-5,"i64":9007199254740993,"f32":1.5,"f64":-2.25e3,
			"ts":1700000000.123,"iso":"2023-11-14T22:13:20.123Z","blob":"AAE=","list":["a","b"],"nested":[{"str":"in"}],
			"map":{"k":"v","n":null},"mapList":{"x":[1,2]},"struct":{"StreamMode":"ON_DEMAND"},"doc":{"a":[1,"b"]},
			"structs":{"s":{"StreamMode":"PROVISIONED"}}}`,
			&allTypes{Str: ptr("s"), Enum: "KMS", Bool: ptr(false), I32: ptr[int32](-5), I64: ptr[int64](9007199254740993),
				F32: ptr[float32](1.5), F64: ptr(-2250.0), TS: &ts, ISO: &ts, Blob: []byte{0, 1}, List: []string{"a", "b"},
				Nested: []*allTypes{{Str: ptr("in")}}, Map: map[string]string{"k": "v"}, MapList: map[string][]int64{"x": {1, 2}},
				Struct: &streamModeDetails{StreamMode: "ON_DEMAND"}, Doc: map[string]any{"a": []any{1.0, "b"}},
				Structs: map[string]streamModeDetails{"s": {StreamMode: "PROVISIONED"}}}},
		{"integer timestamp", `{"ts":1700000000}`, &allTypes{TS: ptr(time.Unix(1700000000, 0).UTC())}},
		{"empty list and map", `{"list":[],"map":{}}`, &allTypes{List: []string{}, Map: map[string]string{}}},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := reflect.New(reflect.TypeOf(tc.want).Elem()).Interface()
			err := c.DecodeInput(&protocol.Request{Body: []byte(tc.body)}, kinesisDesc(), &awsapi.Operation{Name: "Op"}, got)
			if err != nil {
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
		name, body, msg string
	}{
		{"not json", `{"Limit":`, ""},
		{"trailing garbage", `{} x`, ""},
		{"top-level array", `[1]`, ""},
		{"top-level string", `"x"`, ""},
		{"bad literal", `{"HasMoreStreams":tru}`, ""},
		{"object for string", `{"StreamName":{}}`, "Start of structure or map found where not expected."},
		{"array for string", `{"StreamName":[]}`, "Start of list found where not expected"},
		{"number for string", `{"StreamName":1}`, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"},
		{"bool for string", `{"StreamName":true}`, "class java.lang.Boolean can not be converted to an String"},
		{"string for list", `{"Records":"x"}`, "Expected list or null"},
		{"object for list", `{"Records":{}}`, "Start of structure or map found where not expected."},
		{"string for struct", `{"Records":["x"]}`, "Expected null"},
		{"array for struct", `{"Records":[[]]}`, "Start of list found where not expected"},
		{"bad base64 length", `{"Records":[{"Data":"abc"}]}`,
			"'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"},
		{"bad base64 char", `{"Records":[{"Data":"ab*d"}]}`, "'ab*d' can not be converted to a Blob: Invalid Base64 character: '*'"},
		{"bad base64 tail", `{"Records":[{"Data":"aGk="}, {"Data":"aGl="}]}`,
			"'aGl=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"},
		{"number for blob", `{"Records":[{"Data":5}]}`, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob"},
		{"deep nesting", `{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`, ""},
		{"unterminated string", `{"StreamName":"abc`, ""},
		{"control char", "{\"StreamName\":\"a\x01\"}", ""},
		{"bad escape", `{"StreamName":"\q"}`, ""},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var in putRecordsInput
			err := c.DecodeInput(&protocol.Request{Body: []byte(tc.body)}, kinesisDesc(), &awsapi.Operation{Name: "PutRecords"}, &in)
			ae, ok := awsapi.AsError(err)
			if !ok {
				t.Fatalf("err = %v, want *awsapi.Error", err)
			}
			if ae.Code != "SerializationException" || ae.Message != tc.msg || ae.HTTPStatus() != 400 {
				t.Fatalf("got %q %q %d, want SerializationException %q 400", ae.Code, ae.Message, ae.HTTPStatus(), tc.msg)
			}
		})
	}
	// Kinesis's Coral names Java classes (kinesalite's recordings); SQS's
	// JSON protocol names the JSON token (async-aws/aws issue #1667).
	const (
		jBool   = "class java.lang.Boolean can not be converted to "
		jNumber = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
		jString = "class java.lang.String can not be converted to "
	)
	for _, dialect := range []struct {
		name string
		desc *awsapi.ServiceDescriptor
		msgs map[string]string
	}{
		{"kinesis", kinesisDesc(), map[string]string{
			`{"i32":"1"}`:                   jString + "an Integer",
			`{"i32":true}`:                  jBool + "an Integer",
			`{"i64":"x"}`:                   jString + "an Long",
			`{"bool":1}`:                    jNumber + "an Boolean",
			`{"bool":"maybe"}`:              "'MAYBE' can not be converted to an Boolean",
			`{"f64":"1"}`:                   jString + "an Double",
			`{"f32":false}`:                 jBool + "an Float",
			`{"ts":"yesterday"}`:            jString + "milliseconds since epoch",
			`{"ts":"2023-11-14T22:13:20Z"}`: jString + "milliseconds since epoch",
			`{"ts":true}`:                   jBool + "milliseconds since epoch",
			`{"blob":true}`:                 jBool + "a Blob",
			`{"str":1.5}`:                   jNumber + "an String",
			`{"map":[]}`:                    "Start of list found where not expected",
			`{"map":1}`:                     "Expected map or null",
			`{"map":{"k":1}}`:               jNumber + "an String",
			`{"mapList":{"k":["1"]}}`:       jString + "an Long",
		}},
		{"sqs", sqsDesc(), map[string]string{
			`{"i32":"1"}`:                 "STRING_VALUE can not be converted to an Integer",
			`{"i32":true}`:                "BOOLEAN_VALUE can not be converted to an Integer",
			`{"i32":3000000000}`:          "NUMBER_VALUE can not be converted to an Integer",
			`{"i64":"x"}`:                 "STRING_VALUE can not be converted to an Long",
			`{"bool":1}`:                  "NUMBER_VALUE can not be converted to an Boolean",
			`{"bool":"true"}`:             "STRING_VALUE can not be converted to an Boolean",
			`{"f64":"1"}`:                 "STRING_VALUE can not be converted to an Double",
			`{"ts":"yesterday"}`:          "STRING_VALUE can not be converted to a Timestamp",
			`{"ts":true}`:                 "BOOLEAN_VALUE can not be converted to a Timestamp",
			`{"map":[]}`:                  "Start of list found where not expected",
			`{"map":1}`:                   "Expected map or null",
			`{"map":{"k":1}}`:             "NUMBER_VALUE can not be converted to an String",
			`{"mapList":{"k":[1.5e400]}}`: "NUMBER_VALUE can not be converted to an Long",
		}},
	} {
		t.Run("wrong types per kind "+dialect.name, func(t *testing.T) {
			t.Parallel()
			for body, msg := range dialect.msgs {
				var in allTypes
				err := c.DecodeInput(&protocol.Request{Body: []byte(body)}, dialect.desc, &awsapi.Operation{Name: "X"}, &in)
				ae, ok := awsapi.AsError(err)
				if !ok || ae.Code != "SerializationException" || ae.Message != msg {
					t.Errorf("%s: got %v, want SerializationException %q", body, err, msg)
				}
			}
		})
	}
}

// TestDecodeJavaNumbers: Kinesis's Coral reads numbers into integer
// members as Java narrows a BigDecimal (integer part truncated, low 32 or
// 64 bits kept), into floating members as doubleValue does (infinities
// out of range), and a boolean from the strings it accepts.
func TestDecodeJavaNumbers(t *testing.T) {
	t.Parallel()
	c := New()
	cases := []struct {
		body string
		want allTypes
	}{
		{`{"i32":2147483648}`, allTypes{I32: ptr[int32](-2147483648)}},
		{`{"i32":4294967297}`, allTypes{I32: ptr[int32](1)}},
		{`{"i32":-4294967297}`, allTypes{I32: ptr[int32](-1)}},
		{`{"i32":3000000000}`, allTypes{I32: ptr[int32](-1294967296)}},
		{`{"i32":2.9}`, allTypes{I32: ptr[int32](2)}},
		{`{"i32":-2.9}`, allTypes{I32: ptr[int32](-2)}},
		{`{"i32":1e10}`, allTypes{I32: ptr[int32](1410065408)}},
		{`{"i32":2.5e1}`, allTypes{I32: ptr[int32](25)}},
		{`{"i32":1E-400}`, allTypes{I32: ptr[int32](0)}},
		{`{"i32":123456789012345678901234567890}`, allTypes{I32: ptr[int32](1312754386)}},
		{`{"i64":9223372036854775808}`, allTypes{I64: ptr[int64](-9223372036854775808)}},
		{`{"i64":18446744073709551617}`, allTypes{I64: ptr[int64](1)}},
		{`{"i64":1e64}`, allTypes{I64: ptr[int64](0)}},
		{`{"i64":1e999999999999999999999}`, allTypes{I64: ptr[int64](0)}},
		{`{"i64":-0.5}`, allTypes{I64: ptr[int64](0)}},
		{`{"mapList":{"k":[1.5e400]}}`, allTypes{MapList: map[string][]int64{"k": {0}}}},
		{`{"f64":1e400}`, allTypes{F64: ptr(math.Inf(1))}},
		{`{"f32":-1e39}`, allTypes{F32: ptr(float32(math.Inf(-1)))}},
		{`{"bool":"TRUE"}`, allTypes{Bool: ptr(true)}},
		{`{"bool":"yes"}`, allTypes{Bool: ptr(true)}},
		{`{"bool":"0"}`, allTypes{Bool: ptr(false)}},
		{`{"bool":"No"}`, allTypes{Bool: ptr(false)}},
		{`{"ts":1e20}`, allTypes{TS: ptr(time.UnixMilli(200376420520689664).UTC())}}, // 10^23 ms mod 2^64
	}
	for _, tc := range cases {
		var got allTypes
		if err := c.DecodeInput(&protocol.Request{Body: []byte(tc.body)}, kinesisDesc(), &awsapi.Operation{Name: "X"}, &got); err != nil {
			t.Errorf("%s: %v", tc.body, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

// TestDecodeEmptyEnum: an enum member given as "" decodes to the marker
// the generated validation reports as an empty enum value; null and
// absence leave it "", and list elements keep "".
func TestDecodeEmptyEnum(t *testing.T) {
	t.Parallel()
	c := New()
	for body, want := range map[string]allTypes{
		`{"enum":""}`:                         {Enum: jsonwire.ExplicitEmptyEnum},
		`{"enum":null}`:                       {},
		`{}`:                                  {},
		`{"enum":"KMS"}`:                      {Enum: "KMS"},
		`{"enum":"a\udc00b"}`:                 {Enum: "a\uFFFDb"},
		"{\"enum\":\"a\xffb\"}":               {Enum: "a\uFFFDb"}, // invalid UTF-8 on the wire
		`{"struct":{"StreamMode":""}}`:        {Struct: &streamModeDetails{StreamMode: jsonwire.ExplicitEmptyEnum}},
		`{"structs":{"s":{"StreamMode":""}}}`: {Structs: map[string]streamModeDetails{"s": {StreamMode: jsonwire.ExplicitEmptyEnum}}},
	} {
		for _, desc := range []*awsapi.ServiceDescriptor{kinesisDesc(), sqsDesc()} {
			var got allTypes
			if err := c.DecodeInput(&protocol.Request{Body: []byte(body)}, desc, &awsapi.Operation{Name: "X"}, &got); err != nil {
				t.Errorf("%s %s: %v", desc.Name, body, err)
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: got %+v, want %+v", desc.Name, body, got, want)
			}
		}
	}
}

func TestWriteOutput(t *testing.T) {
	t.Parallel()
	created := time.Unix(1681224803, 0)
	cases := []struct {
		name   string
		desc   *awsapi.ServiceDescriptor
		op     string
		out    any
		golden string
	}{
		{"list streams", kinesisDesc(), "ListStreams", &listStreamsOutput{
			HasMoreStreams: ptr(false), StreamNames: []string{"temp-stream"},
			StreamSummaries: []streamSummary{{
				StreamARN:               ptr("arn:aws:kinesis:us-east-1:123456789012:stream/temp-stream"),
				StreamCreationTimestamp: &created, StreamModeDetails: &streamModeDetails{StreamMode: "PROVISIONED"},
				StreamName: ptr("temp-stream"), StreamStatus: "ACTIVE",
			}},
		}, "list_streams.json"},
		{"put records", kinesisDesc(), "PutRecords", &putRecordsOutput{
			FailedRecordCount: ptr[int32](1), EncryptionType: "NONE",
			Records: []putRecordsResultEntry{
				{SequenceNumber: ptr("49590338271490256608559692538361571095921575989136588898"), ShardId: ptr("shardId-000000000000")},
				{ErrorCode: ptr("ProvisionedThroughputExceededException"), ErrorMessage: ptr("Rate exceeded for shard <x> & \"y\"")},
			},
		}, "put_records.json"},
		{"all types", kinesisDesc(), "X", &allTypes{
			Str: ptr("tab\there\u2028</script>"), Bool: ptr(true), I32: ptr[int32](-1), I64: ptr[int64](1 << 60),
			F32: ptr[float32](0.1), F64: ptr(1e21), TS: ptr(time.UnixMilli(1700000000123)), ISO: ptr(time.UnixMilli(1700000000123)),
			Blob: []byte("hi"), List: []string{}, Nested: []*allTypes{{Str: ptr("n")}, nil},
			Map: map[string]string{"b": "2", "a": "1"}, MapList: map[string][]int64{"k": {3}},
			Struct: &streamModeDetails{}, Doc: map[string]any{"z": 1, "a": []any{true, nil}},
		}, "all_types.json"},
		{"empty output", kinesisDesc(), "ListStreams", &listStreamsOutput{}, "empty.json"},
		{"list queues", sqsDesc(), "ListQueues", &listQueuesOutput{QueueUrls: []string{"http://localhost/1/q"}}, "list_queues.json"},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op, ok := tc.desc.Operation(tc.op)
			if !ok {
				op = &awsapi.Operation{Name: tc.op, OutputShape: tc.op + "Output"}
			}
			rec := httptest.NewRecorder()
			if err := c.WriteOutput(rec, &protocol.Request{RequestID: "req-1"}, tc.desc, op, tc.out); err != nil {
				t.Fatalf("WriteOutput: %v", err)
			}
			if rec.Code != 200 {
				t.Errorf("status = %d", rec.Code)
			}
			if got, want := rec.Header().Get("Content-Type"), "application/x-amz-json-"+tc.desc.JSONVersion; got != want {
				t.Errorf("content type = %q, want %q", got, want)
			}
			if got := rec.Header()["x-amzn-RequestId"]; len(got) != 1 || got[0] != "req-1" {
				t.Errorf("x-amzn-RequestId = %v", got)
			}
			if want := golden(t, tc.golden); !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("body\n got %s\nwant %s", rec.Body.Bytes(), want)
			}
		})
	}
	t.Run("void operation", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		op, _ := kinesisDesc().Operation("CreateStream")
		if err := c.WriteOutput(rec, &protocol.Request{}, kinesisDesc(), op, nil); err != nil {
			t.Fatal(err)
		}
		if rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "0" {
			t.Errorf("body %q, want empty", rec.Body.String())
		}
	})
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		desc       *awsapi.ServiceDescriptor
		err        *awsapi.Error
		status     int
		golden     string
		queryError string
	}{
		{"kinesis modeled", kinesisDesc(), awsapi.Errorf("ResourceNotFoundException", "Stream foo under account 123456789012 not found."),
			400, "err_kinesis_not_found.json", ""},
		{"kinesis serialization", kinesisDesc(), SerializationError("Start of structure or map found where not expected."),
			400, "err_kinesis_serialization.json", ""},
		{"kinesis unknown operation", kinesisDesc(), UnknownOperation(), 400, "err_kinesis_unknown_op.json", ""},
		{"glue Message spelling", glueDesc(), awsapi.Errorf("EntityNotFoundException", "Schema is not found."),
			400, "err_glue_not_found.json", ""},
		{"sqs query compatible", sqsDesc(), awsapi.Errorf("QueueDoesNotExist", "The specified queue does not exist."),
			400, "err_sqs_no_queue.json", "AWS.SimpleQueueService.NonExistentQueue;Sender"},
		{"sqs framework error", sqsDesc(), UnknownOperation(), 400, "err_sqs_unknown_op.json", "UnknownOperationException;Sender"},
		{"sqs receiver fault with fields", sqsDesc(), &awsapi.Error{Code: "InternalError", QueryCode: "InternalError", Status: 500,
			Receiver: true, Message: "oops", Fields: map[string]any{"Detail": "x", "Retry": 2}},
			500, "err_sqs_internal.json", "InternalError;Receiver"},
	}
	c := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			c.WriteError(rec, &protocol.Request{RequestID: "req-2"}, tc.desc, nil, tc.err)
			if rec.Code != tc.status {
				t.Errorf("status = %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header()["x-amzn-query-error"]; tc.queryError == "" && got != nil || tc.queryError != "" && (len(got) != 1 || got[0] != tc.queryError) {
				t.Errorf("x-amzn-query-error = %v, want %q", got, tc.queryError)
			}
			if got := rec.Header()["x-amzn-RequestId"]; len(got) != 1 || got[0] != "req-2" {
				t.Errorf("x-amzn-RequestId = %v", got)
			}
			if want := golden(t, tc.golden); !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("body\n got %s\nwant %s", rec.Body.Bytes(), want)
			}
		})
	}
}

func TestErrorType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		desc       *awsapi.ServiceDescriptor
		code, want string
	}{
		{kinesisDesc(), "ResourceNotFoundException", "ResourceNotFoundException"},
		{sqsDesc(), "QueueDoesNotExist", "com.amazonaws.sqs#QueueDoesNotExist"},
		{sqsDesc(), "SerializationException", "com.amazon.coral.service#SerializationException"},
		{sqsDesc(), "ValidationException", "com.amazon.coral.validate#ValidationException"},
		{sqsDesc(), "a.b#Custom", "a.b#Custom"},
	} {
		if got := ErrorType(tc.desc, tc.code); got != tc.want {
			t.Errorf("ErrorType(%s, %s) = %q, want %q", tc.desc.Name, tc.code, got, tc.want)
		}
	}
}

var _ = http.StatusOK

// selfRendered is an output that renders itself (Appender), or declines.
type selfRendered struct {
	StreamNames []string `locationName:"StreamNames"`
	decline     bool
}

func (o *selfRendered) AppendJSON(b []byte) ([]byte, bool) {
	if o.decline {
		return b, false
	}
	return append(b, `{"rendered":"by itself"}`...), true
}

// TestWriteOutputAppender checks that an output that renders itself is
// written as it renders itself, and one that declines as the encoder
// renders it.
func TestWriteOutputAppender(t *testing.T) {
	t.Parallel()
	c := New()
	op := &awsapi.Operation{Name: "ListStreams", OutputShape: "ListStreamsOutput"}
	for _, tc := range []struct {
		out  *selfRendered
		want string
	}{
		{&selfRendered{StreamNames: []string{"s"}}, `{"rendered":"by itself"}`},
		{&selfRendered{StreamNames: []string{"s"}, decline: true}, `{"StreamNames":["s"]}`},
	} {
		for range 3 { // with recycled buffers too
			rec := httptest.NewRecorder()
			if err := c.WriteOutput(rec, &protocol.Request{}, kinesisDesc(), op, tc.out); err != nil {
				t.Fatal(err)
			}
			if rec.Body.String() != tc.want || rec.Header().Get("Content-Length") != fmt.Sprint(len(tc.want)) {
				t.Fatalf("decline %v: body %q (length %s), want %q", tc.out.decline, rec.Body.String(), rec.Header().Get("Content-Length"), tc.want)
			}
		}
	}
}
