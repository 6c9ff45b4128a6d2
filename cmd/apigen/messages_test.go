package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/eventbridge"
	"github.com/evolvestack/evolvestack/emulator/glue"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/schemas"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
)

func ptr[T any](v T) *T { return &v }

// TestValidationMessages checks generated Validate methods against the
// exact Coral texts.
func TestValidationMessages(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 129)
	badRecords := make([]kinesis.PutRecordsRequestEntry, 12)
	for i := range badRecords {
		badRecords[i] = kinesis.PutRecordsRequestEntry{Data: []byte{}, PartitionKey: ptr("")}
	}
	cases := []struct {
		name string
		in   awsapi.Validator
		want string // "" means valid
	}{
		{"kinesis valid", &kinesis.CreateStreamInput{StreamName: ptr("s-1.x_y"), ShardCount: ptr(int32(1))}, ""},
		{"kinesis invalid stream name", &kinesis.CreateStreamInput{StreamName: ptr("a b")},
			"1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"kinesis null required", &kinesis.CreateStreamInput{},
			"1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null"},
		{"kinesis too long", &kinesis.CreateStreamInput{StreamName: ptr(long)},
			"1 validation error detected: Value '" + long + "' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"kinesis out of range", &kinesis.CreateStreamInput{StreamName: ptr("s"), ShardCount: ptr(int32(0))},
			"1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"kinesis bad enum nested", &kinesis.CreateStreamInput{StreamName: ptr("s"), StreamModeDetails: &kinesis.StreamModeDetails{StreamMode: "FOO"}},
			"1 validation error detected: Value 'FOO' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]"},
		{"kinesis nested null", &kinesis.CreateStreamInput{StreamName: ptr("s"), StreamModeDetails: &kinesis.StreamModeDetails{}},
			"1 validation error detected: Value null at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must not be null"},
		// The three errors kinesalite recorded from Kinesis, in the model's
		// member order, as today's Kinesis lists them (kinesalite's older
		// recording has shardCount first).
		{"kinesis several errors", &kinesis.CreateStreamInput{StreamName: ptr(""), ShardCount: ptr(int32(0))},
			"3 validation errors detected: " +
				"Value '' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"kinesis nested list element", &kinesis.PutRecordsInput{StreamName: ptr("s"), Records: []kinesis.PutRecordsRequestEntry{
			{Data: []byte("x"), PartitionKey: ptr("ok")},
			{Data: []byte("x"), PartitionKey: ptr(""), ExplicitHashKey: ptr("01")},
		}},
			"2 validation errors detected: Value '01' at 'records.2.member.explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38}); " +
				"Value '' at 'records.2.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"kinesis null list element member", &kinesis.PutRecordsInput{StreamName: ptr("s"), Records: []kinesis.PutRecordsRequestEntry{{PartitionKey: ptr("k")}}},
			"1 validation error detected: Value null at 'records.1.member.data' failed to satisfy constraint: Member must not be null"},
		{"kinesis empty list", &kinesis.PutRecordsInput{StreamName: ptr("s"), Records: []kinesis.PutRecordsRequestEntry{}},
			"1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"kinesis blob too long", &kinesis.PutRecordInput{StreamName: ptr("s"), PartitionKey: ptr("k"), Data: make([]byte, 10485761)},
			"1 validation error detected: Value at 'data' failed to satisfy constraint: Member must have length less than or equal to 10485760"},
		{"kinesis map keys", &kinesis.AddTagsToStreamInput{StreamName: ptr("s"), Tags: map[string]string{"": "v", "b": "w"}},
			"1 validation error detected: Value '{=v, b=w}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"},
		{"kinesis list of strings", &kinesis.RemoveTagsFromStreamInput{StreamName: ptr("s"), TagKeys: []string{"ok", ""}},
			"1 validation error detected: Value '[ok, ]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]"},
		{"kinesis capped at ten", &kinesis.PutRecordsInput{StreamName: ptr("s"), Records: badRecords},
			"10 validation errors detected: " + strings.TrimSuffix(strings.Repeat("Value '' at 'records.N.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1; ", 10), "; ")},
		{"kinesis code points", &kinesis.CreateStreamInput{StreamName: ptr("s"), Tags: map[string]string{strings.Repeat("é", 128): "v"}}, ""},

		{"sqs two nulls", &sqs.SendMessageInput{},
			"2 validation errors detected: Value null at 'queueUrl' failed to satisfy constraint: Member must not be null; Value null at 'messageBody' failed to satisfy constraint: Member must not be null"},
		{"sqs valid", &sqs.SendMessageInput{QueueUrl: ptr("http://q"), MessageBody: ptr("hi")}, ""},

		{"lambda bad function name", &lambda.GetFunctionInput{FunctionName: ptr("bad name")},
			"1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:|(((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?))(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"},
		{"lambda header enum", &lambda.InvokeInput{FunctionName: ptr("f"), LogType: "Bad"},
			"1 validation error detected: Value 'Bad' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]"},
		{"lambda range", &lambda.UpdateFunctionConfigurationInput{FunctionName: ptr("f"), MemorySize: ptr(int32(64)), Timeout: ptr(int32(0))},
			"2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"},
		{"lambda sensitive map keys", &lambda.UpdateFunctionConfigurationInput{FunctionName: ptr("f"), Environment: &lambda.Environment{Variables: map[string]string{"1bad": "x"}}},
			"1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"},
		{"lambda double map value", &lambda.CreateAliasInput{FunctionName: ptr("f"), Name: ptr("live"), FunctionVersion: ptr("1"),
			RoutingConfig: &lambda.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 1.5}}},
			"1 validation error detected: Value '{2=1.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]"},
		{"lambda s3 bucket lookbehind", &lambda.UpdateFunctionCodeInput{FunctionName: ptr("f"), S3Bucket: ptr("bucket.")},
			"1 validation error detected: Value 'bucket.' at 's3Bucket' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9A-Za-z\\.\\-_]*(?<!\\.)"},

		// An enum member given as "" (the decoders' marker) fails the enum
		// constraint with the empty value, as kinesalite recorded from
		// Kinesis; a required one is not taken as null.
		{"kinesis empty enum", &kinesis.GetShardIteratorInput{ShardId: ptr("shardId-000000000000"), ShardIteratorType: jsonwire.ExplicitEmptyEnum},
			"1 validation error detected: Value '' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]"},
		{"glue optional empty enum", &glue.CreateSchemaInput{SchemaName: ptr("s"), DataFormat: "AVRO", Compatibility: jsonwire.ExplicitEmptyEnum},
			"1 validation error detected: Value '' at 'compatibility' failed to satisfy constraint: Member must satisfy enum value set: [DISABLED, BACKWARD, BACKWARD_ALL, FORWARD_ALL, FORWARD, NONE, FULL, FULL_ALL]"},

		{"glue null and pattern", &glue.CreateRegistryInput{RegistryName: ptr("bad name")},
			"1 validation error detected: Value 'bad name' at 'registryName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_$#.]+"},
		{"glue nested struct", &glue.RegisterSchemaVersionInput{SchemaId: &glue.SchemaId{SchemaName: ptr("")}, SchemaDefinition: ptr("{\n}")},
			"2 validation errors detected: Value '' at 'schemaId.schemaName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_$#.]+; " +
				"Value '' at 'schemaId.schemaName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"glue multi-line definition valid", &glue.RegisterSchemaVersionInput{SchemaId: &glue.SchemaId{SchemaName: ptr("s")}, SchemaDefinition: ptr("{\n  \"type\": \"string\"\n}")}, ""},
		{"glue nulls", &glue.RegisterSchemaVersionInput{},
			"2 validation errors detected: Value null at 'schemaId' failed to satisfy constraint: Member must not be null; Value null at 'schemaDefinition' failed to satisfy constraint: Member must not be null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := c.in.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", c.want)
			}
			got := err.Error()
			if strings.Contains(c.want, "records.N.") {
				for i := 1; i <= 10; i++ {
					got = strings.Replace(got, "records."+itoa(i)+".", "records.N.", 1)
				}
			}
			if got != c.want {
				t.Errorf("Validate() =\n%s\nwant\n%s", got, c.want)
			}
			ve, ok := awsapi.AsValidationErrors(err)
			if !ok || ve.AWSError("").Code != awsapi.ValidationExceptionCode {
				t.Errorf("error %T is not a *ValidationErrors", err)
			}
		})
	}
}

func itoa(i int) string {
	if i == 10 {
		return "10"
	}
	return string(rune('0' + i))
}

func TestValidateNilInput(t *testing.T) {
	t.Parallel()
	var in *kinesis.PutRecordsInput
	if err := in.Validate(); err != nil {
		t.Errorf("nil input: %v", err)
	}
}

type fakeKinesis struct{}

func (fakeKinesis) PutRecord(_ context.Context, in *kinesis.PutRecordInput) (*kinesis.PutRecordOutput, error) {
	return &kinesis.PutRecordOutput{ShardId: in.PartitionKey}, nil
}

func (fakeKinesis) DeleteStream(context.Context, *kinesis.DeleteStreamInput) (*kinesis.DeleteStreamOutput, error) {
	return nil, nil
}

func TestDescriptors(t *testing.T) {
	t.Parallel()
	descs := []struct {
		d        *awsapi.ServiceDescriptor
		name     string
		protocol string
		minOps   int
	}{
		{kinesis.Descriptor(), "kinesis", awsapi.ProtocolJSON, 30},
		{sqs.Descriptor(), "sqs", awsapi.ProtocolJSON, 20},
		{sns.Descriptor(), "sns", awsapi.ProtocolQuery, 40},
		{eventbridge.Descriptor(), "events", awsapi.ProtocolJSON, 50},
		{glue.Descriptor(), "glue", awsapi.ProtocolJSON, 23},
		{lambda.Descriptor(), "lambda", awsapi.ProtocolRESTJSON, 36},
		{schemas.Descriptor(), "schemas", awsapi.ProtocolRESTJSON, 30},
	}
	for _, c := range descs {
		d := c.d
		if d.Name != c.name || d.Protocol != c.protocol || d.APIVersion == "" || d.EndpointPrefix == "" || d.SigningName == "" {
			t.Errorf("%s: bad metadata %+v", c.name, d)
		}
		if len(d.Operations) < c.minOps || len(d.AllOperations) < len(d.Operations) {
			t.Errorf("%s: %d operations of %d", c.name, len(d.Operations), len(d.AllOperations))
		}
		for _, op := range d.Operations {
			if !d.KnowsOperation(op.Name) || op.HTTPMethod == "" || op.RequestURI == "" {
				t.Errorf("%s: bad operation %+v", c.name, op)
			}
			in := d.NewInput(op.Name)
			if _, ok := in.(awsapi.Validator); !ok {
				t.Errorf("%s: NewInput(%s) = %T, not a Validator", c.name, op.Name, in)
			}
			if _, err := d.Invoke(context.Background(), struct{}{}, op.Name, in); !errors.Is(err, awsapi.ErrNotImplemented) {
				t.Errorf("%s: Invoke(%s) on empty svc = %v", c.name, op.Name, err)
			}
		}
		if d.NewInput("Nope") != nil {
			t.Errorf("%s: NewInput of unknown op not nil", c.name)
		}
		if len(d.Errors) == 0 {
			t.Errorf("%s: no errors", c.name)
		}
	}

	sd := sqs.Descriptor()
	if sd.JSONVersion != "1.0" || sd.TargetPrefix != "AmazonSQS" || !sd.QueryCompatible {
		t.Errorf("sqs metadata %+v", sd)
	}
	ns := sns.Descriptor()
	if op, ok := ns.Operation("Publish"); !ok || op.ResultWrapper != "PublishResult" {
		t.Errorf("sns Publish = %+v", op)
	}
	if e, ok := ns.ErrorShape("AuthorizationErrorException"); !ok || e.Code != "AuthorizationError" || e.HTTPStatus != 403 || !e.SenderFault || e.MessageMember != "message" {
		t.Errorf("sns AuthorizationErrorException = %+v", e)
	}
	ld := lambda.Descriptor()
	if op, ok := ld.Operation("CreateFunction"); !ok || op.HTTPMethod != "POST" || op.RequestURI != "/2015-03-31/functions" || op.ResponseCode != 201 {
		t.Errorf("lambda CreateFunction = %+v", op)
	}
	if e, ok := ld.ErrorShape("ResourceNotFoundException"); !ok || e.HTTPStatus != 404 || e.MessageMember != "Message" {
		t.Errorf("lambda ResourceNotFoundException = %+v", e)
	}
	if ld.KnowsOperation("InvokeWithResponseStream") == false {
		t.Error("lambda AllOperations lacks excluded operations")
	}
	if _, ok := ld.Operation("InvokeWithResponseStream"); ok {
		t.Error("lambda covers an excluded operation")
	}
	kd := kinesis.Descriptor()
	if e, ok := kd.ErrorShape("ResourceNotFoundException"); !ok || e.HTTPStatus != 400 || !e.SenderFault {
		t.Errorf("kinesis ResourceNotFoundException = %+v", e)
	}
	if kinesis.ErrCodeResourceNotFoundException != "ResourceNotFoundException" {
		t.Error("kinesis ErrCode const")
	}

	// Invoke dispatches to the implementation.
	out, err := kd.Invoke(context.Background(), fakeKinesis{}, "PutRecord", &kinesis.PutRecordInput{PartitionKey: ptr("shard")})
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := out.(*kinesis.PutRecordOutput); !ok || *o.ShardId != "shard" {
		t.Errorf("Invoke output = %#v", out)
	}
	if out, err := kd.Invoke(context.Background(), fakeKinesis{}, "DeleteStream", &kinesis.DeleteStreamInput{}); out != nil || err != nil {
		t.Errorf("nil output = %#v, %v; want untyped nil", out, err)
	}
	if _, err := kd.Invoke(context.Background(), fakeKinesis{}, "PutRecord", &kinesis.DeleteStreamInput{}); err == nil {
		t.Error("wrong input type accepted")
	}
	if _, err := kd.Invoke(context.Background(), fakeKinesis{}, "Nope", nil); !errors.Is(err, awsapi.ErrNotImplemented) {
		t.Errorf("unknown op = %v", err)
	}
}

func TestEnumValues(t *testing.T) {
	t.Parallel()
	if got := kinesis.StreamModeOnDemand; got != "ON_DEMAND" {
		t.Errorf("StreamModeOnDemand = %q", got)
	}
	vals := kinesis.StreamMode("").Values()
	if len(vals) != 2 || vals[0] != kinesis.StreamModeProvisioned {
		t.Errorf("Values = %q", vals)
	}
	if lambda.RuntimePython39 != "python3.9" {
		t.Error("RuntimePython39")
	}
}
