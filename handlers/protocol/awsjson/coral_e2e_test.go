package awsjson_test

// End-to-end checks of the Coral front end's wording and shapes, against a
// whole emulator: the real aws-sdk-go-v2 clients where they can send the
// request (a rewritten body for values of the wrong JSON type), raw HTTP
// where the exact body is the point.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/evolvestack/evolvestack/emulator"
)

// withBody replaces the body of a request the SDK built and signed.
func withBody(body string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("evolvestackBody",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if r, ok := in.Request.(*smithyhttp.Request); ok {
					r.ContentLength = int64(len(body))
					r.Header.Del("Content-Length")
					nr, err := r.SetStream(strings.NewReader(body))
					if err != nil {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, err
					}
					in.Request = nr
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
}

// apiError returns err's code and message, failing the test when err is
// not an API error.
func apiError(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an API error, got %T: %v", err, err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

// post sends body to e as operation target of a JSON service and returns
// the status, the Content-Length header and the body.
func post(t *testing.T, e *emulator.Emulator, service, version, target, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.Endpoint()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-"+version)
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/"+service+
		"/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	req.Header.Set("X-Amz-Date", "20240101T000000Z")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Length"), string(b)
}

func kinesisTarget(op string) string { return "Kinesis_20131202." + op }

// TestKinesisTypeErrorsAsCoral sends values of the wrong JSON type to
// Kinesis through the SDK. The texts are those kinesalite's tests recorded
// from Kinesis (test/helpers.js assertType and validations/index.js
// checkTypes, mhart/kinesalite): Coral names the Java class of the value it
// read and the member type with "an" (even "an String"), "a Blob", and
// "milliseconds since epoch" for timestamps.
func TestKinesisTypeErrorsAsCoral(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	const (
		boolean = "class java.lang.Boolean can not be converted to "
		number  = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to "
		str     = "class java.lang.String can not be converted to "
	)
	cases := []struct {
		op   string
		body string
		want string
	}{
		{"ListStreams", `{"ExclusiveStartStreamName":true}`, boolean + "an String"},
		{"ListStreams", `{"ExclusiveStartStreamName":23}`, number + "an String"},
		{"ListStreams", `{"ExclusiveStartStreamName":-2147483648}`, number + "an String"},
		{"ListStreams", `{"ExclusiveStartStreamName":34.56}`, number + "an String"},
		{"ListStreams", `{"ExclusiveStartStreamName":[]}`, "Start of list found where not expected"},
		{"ListStreams", `{"ExclusiveStartStreamName":{}}`, "Start of structure or map found where not expected."},
		{"ListStreams", `{"Limit":"23"}`, str + "an Integer"},
		{"ListStreams", `{"Limit":true}`, boolean + "an Integer"},
		{"ListStreams", `{"Limit":[]}`, "Start of list found where not expected"},
		{"ListStreams", `{"Limit":{}}`, "Start of structure or map found where not expected."},
		{"PutRecord", `{"Data":true}`, boolean + "a Blob"},
		{"PutRecord", `{"Data":23}`, number + "a Blob"},
		{"PutRecord", `{"Data":34.56}`, number + "a Blob"},
		{"PutRecord", `{"Data":"23456"}`, "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
		{"DeleteStream", `{"EnforceConsumerDeletion":23}`, number + "an Boolean"},
		{"DeleteStream", `{"EnforceConsumerDeletion":"23"}`, "'23' can not be converted to an Boolean"},
		{"DeleteStream", `{"EnforceConsumerDeletion":"hellowtf"}`, "'HELLOWTF' can not be converted to an Boolean"},
		{"DeleteStream", `{"EnforceConsumerDeletion":[]}`, "Start of list found where not expected"},
		{"GetShardIterator", `{"Timestamp":true}`, boolean + "milliseconds since epoch"},
		{"GetShardIterator", `{"Timestamp":"2024-01-01T00:00:00Z"}`, str + "milliseconds since epoch"},
		{"GetShardIterator", `{"Timestamp":"1700000000"}`, str + "milliseconds since epoch"},
		{"GetShardIterator", `{"Timestamp":{}}`, "Start of structure or map found where not expected."},
		{"PutRecords", `{"Records":"23"}`, "Expected list or null"},
		{"PutRecords", `{"Records":["23"]}`, "Expected null"},
		{"AddTagsToStream", `{"Tags":true}`, "Expected map or null"},
	}
	for _, c := range cases {
		t.Run(c.op+" "+c.body, func(t *testing.T) {
			t.Parallel()
			client := kinesis.NewFromConfig(e.AWSConfig(), func(o *kinesis.Options) {
				o.APIOptions = append(o.APIOptions, withBody(c.body))
				o.RetryMaxAttempts = 1
			})
			var err error
			switch c.op {
			case "ListStreams":
				_, err = client.ListStreams(ctx, &kinesis.ListStreamsInput{})
			case "PutRecord":
				_, err = client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte{}})
			case "DeleteStream":
				_, err = client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("s")})
			case "GetShardIterator":
				_, err = client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("s"),
					ShardId: aws.String("shardId-000000000000"), ShardIteratorType: kinesistypes.ShardIteratorTypeLatest})
			case "PutRecords":
				_, err = client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"),
					Records: []kinesistypes.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte{}}}})
			case "AddTagsToStream":
				_, err = client.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("s"), Tags: map[string]string{"a": "b"}})
			}
			code, msg := apiError(t, err)
			if code != "SerializationException" || msg != c.want {
				t.Errorf("got %s %q, want SerializationException %q", code, msg, c.want)
			}
		})
	}
}

// TestCoralTypeErrorBodies checks whole error bodies: Kinesis, Glue and
// EventBridge answer with Coral's Java wording, SQS's JSON protocol with
// the token wording AWS sends today ("STRING_VALUE can not be converted to
// an Integer" from sqs.eu-central-1 in 2024, async-aws/aws issue #1667).
func TestCoralTypeErrorBodies(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	cases := []struct {
		service, version, target, body, want string
	}{
		{"kinesis", "1.1", kinesisTarget("CreateStream"), `{"StreamName":true,"ShardCount":1}`,
			`{"__type":"SerializationException","Message":"class java.lang.Boolean can not be converted to an String"}`},
		{"glue", "1.1", "AWSGlue.ListRegistries", `{"MaxResults":"10"}`,
			`{"__type":"SerializationException","Message":"class java.lang.String can not be converted to an Integer"}`},
		{"events", "1.1", "AWSEvents.ListRules", `{"Limit":true}`,
			`{"__type":"SerializationException","Message":"class java.lang.Boolean can not be converted to an Integer"}`},
		{"sqs", "1.0", "AmazonSQS.ReceiveMessage", `{"QueueUrl":"http://q","MaxNumberOfMessages":"1"}`,
			`{"__type":"com.amazon.coral.service#SerializationException","Message":"STRING_VALUE can not be converted to an Integer"}`},
		{"sqs", "1.0", "AmazonSQS.ReceiveMessage", `{"QueueUrl":true}`,
			`{"__type":"com.amazon.coral.service#SerializationException","Message":"BOOLEAN_VALUE can not be converted to an String"}`},
	}
	for _, c := range cases {
		t.Run(c.target+" "+c.body, func(t *testing.T) {
			t.Parallel()
			status, _, body := post(t, e, c.service, c.version, c.target, c.body)
			if status != 400 || body != c.want {
				t.Errorf("got %d %s\nwant 400 %s", status, body, c.want)
			}
		})
	}
}

// TestKinesisIntegersNarrowedAsJava: Coral reads a JSON number into an
// Integer member with Java's narrowing (the low 32 bits of its integer
// part) and validates the result; it does not refuse it as malformed.
// kinesalite recorded CreateStream with ShardCount 100000000000 answering
// only the stream name's violation (test/createStream.js).
func TestKinesisIntegersNarrowedAsJava(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	name := strings.Repeat("a", 129)
	status, _, body := post(t, e, "kinesis", "1.1", kinesisTarget("CreateStream"),
		`{"StreamName":"`+name+`","ShardCount":100000000000}`)
	want := `{"__type":"ValidationException","message":"1 validation error detected: Value '` + name +
		`' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128"}`
	if status != 400 || body != want {
		t.Errorf("long ShardCount: got %d %s\nwant 400 %s", status, body, want)
	}
	for limit, wantValue := range map[string]int64{
		"2147483648":           -2147483648, // 2^31 wraps to Integer.MIN_VALUE
		"4294967296":           0,           // 2^32
		"-4294967297":          -1,
		"1e10":                 1410065408,
		"18446744073709551616": 0, // 2^64, wider than a long
	} {
		status, _, body := post(t, e, "kinesis", "1.1", kinesisTarget("ListStreams"), `{"Limit":`+limit+`}`)
		want := `{"__type":"ValidationException","message":"1 validation error detected: Value '` + strconv.FormatInt(wantValue, 10) +
			`' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"}`
		if wantValue >= 1 {
			want = `{"__type":"ValidationException","message":"1 validation error detected: Value '` + strconv.FormatInt(wantValue, 10) +
				`' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"}`
		}
		if status != 400 || body != want {
			t.Errorf("Limit %s: got %d %s\nwant 400 %s", limit, status, body, want)
		}
	}
	// 2^32+1 narrows to 1, a valid limit.
	if status, _, body := post(t, e, "kinesis", "1.1", kinesisTarget("ListStreams"), `{"Limit":4294967297}`); status != 200 {
		t.Errorf("Limit 2^32+1: got %d %s, want 200", status, body)
	}
}

// TestKinesisValidationOrderAndCap: violations are listed member by member
// in the model's order and cut at ten, the count saying ten. kinesalite
// recorded ListStreams (limit before exclusiveStartStreamName) and
// PutRecords (records before streamName, ten errors for 501 records with
// the streamName ones left out) against Kinesis; the issue that measured
// today's Kinesis found model order throughout (kinesalite's older
// recordings put streamName last in PutRecord and GetShardIterator, and
// nested record members last-first: today's AWS wins).
func TestKinesisValidationOrderAndCap(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	client := kinesis.NewFromConfig(e.AWSConfig(), func(o *kinesis.Options) { o.RetryMaxAttempts = 1 })

	_, err := client.ListStreams(ctx, &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String(""), Limit: aws.Int32(0)})
	code, msg := apiError(t, err)
	want := "3 validation errors detected: " +
		"Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
		"Value '' at 'exclusiveStartStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
		"Value '' at 'exclusiveStartStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1"
	if code != "ValidationException" || msg != want {
		t.Errorf("ListStreams: got %s %q\nwant ValidationException %q", code, msg, want)
	}

	_, err = client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(""),
		Records: []kinesistypes.PutRecordsRequestEntry{{PartitionKey: aws.String(""), Data: []byte{}, ExplicitHashKey: aws.String("")}}})
	code, msg = apiError(t, err)
	want = "4 validation errors detected: " +
		"Value '' at 'records.1.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38}); " +
		"Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
		"Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
		"Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1"
	if code != "ValidationException" || msg != want {
		t.Errorf("PutRecords: got %s %q\nwant ValidationException %q", code, msg, want)
	}

	records := make([]kinesistypes.PutRecordsRequestEntry, 501)
	for i := range records {
		records[i] = kinesistypes.PutRecordsRequestEntry{PartitionKey: aws.String(""), Data: []byte{}}
	}
	_, err = client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(""), Records: records})
	_, msg = apiError(t, err)
	parts := strings.Split(strings.TrimPrefix(msg, "10 validation errors detected: "), "; ")
	if !strings.HasPrefix(msg, "10 validation errors detected: ") || len(parts) != 10 {
		t.Fatalf("501 records: want ten violations, got %q", msg)
	}
	if !strings.HasSuffix(parts[0], "' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500") {
		t.Errorf("501 records: first violation %.200q..., want the records length", parts[0])
	}
	for i, p := range parts[1:] {
		if len(p) > 200 {
			p = p[:200] + "..."
		}
		if want := "Value '' at 'records." + strconv.Itoa(i+1) + ".member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1"; p != want {
			t.Errorf("501 records: violation %d = %q, want %q", i+2, p, want)
		}
	}

	// Lists print as Java prints them.
	_, err = client.RemoveTagsFromStream(ctx, &kinesis.RemoveTagsFromStreamInput{StreamName: aws.String("s"), TagKeys: []string{"a", "b", ""}})
	_, msg = apiError(t, err)
	if want := "1 validation error detected: Value '[a, b, ]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: " +
		"[Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"; msg != want {
		t.Errorf("RemoveTagsFromStream: got %q\nwant %q", msg, want)
	}
}

// TestKinesisEmptyEnum: an enum member given as "" is a value, not an
// absent member, and fails the enum constraint (kinesalite recorded
// GetShardIterator with ShardIteratorType "" so, test/getShardIterator.js).
// The SDKs never send an empty enum, hence raw requests.
func TestKinesisEmptyEnum(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	status, _, body := post(t, e, "kinesis", "1.1", kinesisTarget("GetShardIterator"),
		`{"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":""}`)
	want := `{"__type":"ValidationException","message":"1 validation error detected: Value '' at 'shardIteratorType' failed to satisfy constraint: ` +
		`Member must satisfy enum value set: [`
	if status != 400 || !strings.HasPrefix(body, want) {
		t.Errorf("got %d %s\nwant 400 %s...", status, body, want)
	}
	status, _, body = post(t, e, "kinesis", "1.1", kinesisTarget("CreateStream"),
		`{"StreamName":"s","StreamModeDetails":{"StreamMode":""}}`)
	want = `{"__type":"ValidationException","message":"1 validation error detected: Value '' at 'streamModeDetails.streamMode' failed to satisfy constraint: ` +
		`Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]"}`
	if status != 400 || body != want {
		t.Errorf("got %d %s\nwant 400 %s", status, body, want)
	}
	// Absent and null stay "not null" violations.
	status, _, body = post(t, e, "kinesis", "1.1", kinesisTarget("CreateStream"),
		`{"StreamName":"s","StreamModeDetails":{"StreamMode":null}}`)
	want = `{"__type":"ValidationException","message":"1 validation error detected: Value null at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must not be null"}`
	if status != 400 || body != want {
		t.Errorf("got %d %s\nwant 400 %s", status, body, want)
	}
}

// TestVoidOperationBodies: Kinesis answers an operation without output
// with 200 and an empty body, Content-Length 0 (kinesalite's CreateStream
// test, recorded against Kinesis, expects ""). SQS is left answering {}:
// nothing recorded says what its JSON protocol sends.
func TestVoidOperationBodies(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	for _, c := range []struct{ op, body string }{
		{"CreateStream", `{"StreamName":"void","ShardCount":1}`},
		{"AddTagsToStream", `{"StreamName":"void","Tags":{"a":"b"}}`},
		{"RemoveTagsFromStream", `{"StreamName":"void","TagKeys":["a"]}`},
	} {
		status, length, body := post(t, e, "kinesis", "1.1", kinesisTarget(c.op), c.body)
		if status != 200 || length != "0" || body != "" {
			t.Errorf("%s: got %d, Content-Length %q, body %q; want 200, 0, empty", c.op, status, length, body)
		}
	}
	// The SDK takes the empty body.
	client := kinesis.NewFromConfig(e.AWSConfig())
	if _, err := client.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("void"), Tags: map[string]string{"c": "d"}}); err != nil {
		t.Fatalf("AddTagsToStream: %v", err)
	}
	if status, length, body := post(t, e, "kinesis", "1.1", kinesisTarget("DeleteStream"), `{"StreamName":"void"}`); status != 200 || length != "0" || body != "" {
		t.Errorf("DeleteStream: got %d, Content-Length %q, body %q; want 200, 0, empty", status, length, body)
	}

	_, _, _ = post(t, e, "sqs", "1.0", "AmazonSQS.CreateQueue", `{"QueueName":"void"}`)
	status, _, body := post(t, e, "sqs", "1.0", "AmazonSQS.TagQueue", `{"QueueUrl":"`+e.Endpoint()+`/000000000000/void","Tags":{"a":"b"}}`)
	if status != 200 || body != "{}" {
		t.Errorf("SQS TagQueue: got %d %q, want 200 {}", status, body)
	}
}
