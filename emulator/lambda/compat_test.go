package lambda_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/evolvestack/evolvestack/emulator"
)

// TestFunctionValidationErrors checks CreateFunction's and
// UpdateFunctionConfiguration's refusals: codes, statuses and texts.
func TestFunctionValidationErrors(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	v.createFunction(t, "valid", bootstrapZip, nil)
	create := func(mod func(*lambdasdk.CreateFunctionInput)) func() error {
		return func() error {
			in := &lambdasdk.CreateFunctionInput{
				FunctionName: aws.String("refused"), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
				Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Code: &types.FunctionCode{ZipFile: bootstrapZip},
			}
			mod(in)
			_, err := v.lambda.CreateFunction(ctxT(t), in)
			return err
		}
	}
	update := func(mod func(*lambdasdk.UpdateFunctionConfigurationInput)) func() error {
		return func() error {
			in := &lambdasdk.UpdateFunctionConfigurationInput{FunctionName: aws.String("valid")}
			mod(in)
			_, err := v.lambda.UpdateFunctionConfiguration(ctxT(t), in)
			return err
		}
	}
	bigEnv := map[string]string{"BIG": strings.Repeat("x", 4090)}
	measured, _ := json.Marshal(bigEnv)
	const runtimeSet = "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java17, nodejs16.x, java25, dotnet8, python3.10, java11, python3.11, dotnet6, java21, nodejs18.x, provided.al2, ruby3.3, ruby3.4, java8.al2, ruby3.2, python3.8, python3.9]"
	cases := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"role pattern", create(func(in *lambdasdk.CreateFunctionInput) { in.Role = aws.String("lambda-role") }), "ValidationException",
			`1 validation error detected: Value 'lambda-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`},
		{"unknown runtime", create(func(in *lambdasdk.CreateFunctionInput) { in.Runtime = "haskell" }), "InvalidParameterValueException",
			"Value haskell at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: " + runtimeSet + " or be a valid ARN"},
		{"deprecated runtime", create(func(in *lambdasdk.CreateFunctionInput) { in.Runtime = types.RuntimeGo1x }), "InvalidParameterValueException",
			"The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (provided.al2023) while creating or updating functions."},
		{"memory too small", create(func(in *lambdasdk.CreateFunctionInput) { in.MemorySize = aws.Int32(64) }), "ValidationException",
			"1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"},
		{"memory too large", create(func(in *lambdasdk.CreateFunctionInput) { in.MemorySize = aws.Int32(10241) }), "ValidationException",
			"1 validation error detected: Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{"memory beyond the model", create(func(in *lambdasdk.CreateFunctionInput) { in.MemorySize = aws.Int32(40000) }), "ValidationException",
			"1 validation error detected: Value '40000' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{"timeout zero", create(func(in *lambdasdk.CreateFunctionInput) { in.Timeout = aws.Int32(0) }), "ValidationException",
			"1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"timeout too long", create(func(in *lambdasdk.CreateFunctionInput) { in.Timeout = aws.Int32(901) }), "ValidationException",
			"1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"timeout beyond the model", create(func(in *lambdasdk.CreateFunctionInput) { in.Timeout = aws.Int32(6000) }), "ValidationException",
			"1 validation error detected: Value '6000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"environment over 4 KB", create(func(in *lambdasdk.CreateFunctionInput) { in.Environment = &types.Environment{Variables: bigEnv} }), "InvalidParameterValueException",
			"Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: " + string(measured)},
		{"update timeout", update(func(in *lambdasdk.UpdateFunctionConfigurationInput) { in.Timeout = aws.Int32(1000) }), "ValidationException",
			"1 validation error detected: Value '1000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"update runtime", update(func(in *lambdasdk.UpdateFunctionConfigurationInput) { in.Runtime = types.RuntimeProvided }), "InvalidParameterValueException",
			"The runtime parameter of provided is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (provided.al2023) while creating or updating functions."},
		{"update environment", update(func(in *lambdasdk.UpdateFunctionConfigurationInput) {
			in.Environment = &types.Environment{Variables: bigEnv}
		}), "InvalidParameterValueException",
			"Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: " + string(measured)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantAPIError(t, c.call(), c.code, 400, c.msg)
		})
	}
	cfg, err := v.lambda.GetFunctionConfiguration(ctxT(t), &lambdasdk.GetFunctionConfigurationInput{FunctionName: aws.String("valid")})
	if err != nil || aws.ToInt32(cfg.Timeout) != 3 || cfg.Runtime != types.RuntimeProvidedal2023 || cfg.Environment != nil {
		t.Errorf("refused updates changed the function: %+v (%v)", cfg, err)
	}
}

// TestFunctionConfigurationFields checks the fields AWS always returns and
// their formats, and the subset ListFunctions returns.
func TestFunctionConfigurationFields(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	created := v.createFunction(t, "fields", bootstrapZip, nil)
	sum := sha256.Sum256(bootstrapZip)
	uuidRe := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	dateRe := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`)
	runtimeRe := regexp.MustCompile(`^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$`)
	if created.LastUpdateStatus != "" || created.State != types.StatePending || aws.ToString(created.StateReason) != "The function is being created." {
		t.Errorf("CreateFunction state fields: %q %q %q", created.LastUpdateStatus, created.State, aws.ToString(created.StateReason))
	}
	got, err := v.lambda.GetFunction(ctxT(t), &lambdasdk.GetFunctionInput{FunctionName: aws.String("fields")})
	if err != nil {
		t.Fatal(err)
	}
	c := got.Configuration
	checks := []struct {
		name string
		ok   bool
	}{
		{"Architectures", len(c.Architectures) == 1 && c.Architectures[0] == types.ArchitectureX8664},
		{"EphemeralStorage", c.EphemeralStorage != nil && aws.ToInt32(c.EphemeralStorage.Size) == 512},
		{"PackageType", c.PackageType == types.PackageTypeZip},
		{"State", c.State == types.StateActive && c.StateReason == nil && c.StateReasonCode == ""},
		{"LastUpdateStatus", c.LastUpdateStatus == types.LastUpdateStatusSuccessful},
		{"SnapStart", c.SnapStart != nil && c.SnapStart.ApplyOn == types.SnapStartApplyOnNone && c.SnapStart.OptimizationStatus == types.SnapStartOptimizationStatusOff},
		{"LoggingConfig", c.LoggingConfig != nil && c.LoggingConfig.LogFormat == types.LogFormatText && aws.ToString(c.LoggingConfig.LogGroup) == "/aws/lambda/fields"},
		{"RuntimeVersionConfig", c.RuntimeVersionConfig != nil && runtimeRe.MatchString(aws.ToString(c.RuntimeVersionConfig.RuntimeVersionArn))},
		{"TracingConfig", c.TracingConfig != nil && c.TracingConfig.Mode == types.TracingModePassThrough},
		{"CodeSha256", aws.ToString(c.CodeSha256) == base64.StdEncoding.EncodeToString(sum[:])},
		{"CodeSize", c.CodeSize == int64(len(bootstrapZip))},
		{"RevisionId", uuidRe.MatchString(aws.ToString(c.RevisionId))},
		{"LastModified", dateRe.MatchString(aws.ToString(c.LastModified))},
		{"Version", aws.ToString(c.Version) == "$LATEST"},
		{"MemorySize", aws.ToInt32(c.MemorySize) == 128},
		{"Timeout", aws.ToInt32(c.Timeout) == 3},
		{"Description", c.Description != nil && *c.Description == ""},
		{"Code", got.Code != nil && aws.ToString(got.Code.RepositoryType) == "S3" && strings.HasPrefix(aws.ToString(got.Code.Location), "https://")},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("GetFunction %s wrong: %+v", ch.name, c)
		}
	}
	list, err := v.lambda.ListFunctions(ctxT(t), &lambdasdk.ListFunctionsInput{})
	if err != nil || len(list.Functions) != 1 {
		t.Fatalf("ListFunctions %+v %v", list, err)
	}
	l := list.Functions[0]
	if l.State != "" || l.StateReason != nil || l.StateReasonCode != "" || l.LastUpdateStatus != "" || l.LastUpdateStatusReason != nil ||
		l.LastUpdateStatusReasonCode != "" || l.RuntimeVersionConfig != nil {
		t.Errorf("ListFunctions returns fields only GetFunction has: %+v", l)
	}
	if aws.ToString(l.CodeSha256) != aws.ToString(c.CodeSha256) || l.PackageType != types.PackageTypeZip || len(l.Architectures) != 1 ||
		l.EphemeralStorage == nil || l.LoggingConfig == nil || aws.ToString(l.RevisionId) != aws.ToString(c.RevisionId) {
		t.Errorf("ListFunctions lacks fields: %+v", l)
	}
}

// TestInvokeRequestChecks checks Invoke's payload refusals and the shape
// of Event and DryRun answers.
func TestInvokeRequestChecks(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	v.createFunction(t, "inv", mustZip(t, map[string]zipEntry{"README": {data: []byte("go handler")}}), nil)
	if err := v.e.RegisterHandler("inv", goTestHandler); err != nil {
		t.Fatal(err)
	}
	const expecting = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
	const prefix = "Could not parse request body into json: Could not parse payload into json: "
	invoke := func(typ types.InvocationType, payload []byte) func() error {
		return func() error {
			_, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String("inv"), InvocationType: typ, Payload: payload})
			return err
		}
	}
	errs := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"plain text", invoke(types.InvocationTypeRequestResponse, []byte("hello")), "InvalidRequestContentException", 400,
			prefix + "Unrecognized token 'hello': was expecting " + expecting + "\n at [Source: (byte[])\"hello\"; line: 1, column: 6]"},
		{"plain text event", invoke(types.InvocationTypeEvent, []byte("Hello World")), "InvalidRequestContentException", 400,
			prefix + "Unrecognized token 'Hello': was expecting " + expecting + "\n at [Source: (byte[])\"Hello World\"; line: 1, column: 7]"},
		{"unexpected character", invoke(types.InvocationTypeRequestResponse, []byte("<xml/>")), "InvalidRequestContentException", 400,
			prefix + "Unexpected character ('<' (code 60)): expected a valid value " + expecting + "\n at [Source: (byte[])\"<xml/>\"; line: 1, column: 2]"},
		{"sync too large", invoke(types.InvocationTypeRequestResponse, bytes.Repeat([]byte(" "), 6291457)), "RequestEntityTooLargeException", 413,
			"Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
		{"qualifier mismatch", func() error {
			_, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String("inv:1"), Qualifier: aws.String("2")})
			return err
		}, "InvalidParameterValueException", 400, "The derived qualifier from the function name does not match the specified qualifier."},
		{"other region", func() error {
			_, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String("arn:aws:lambda:eu-west-1:000000000000:function:inv")})
			return err
		}, "ResourceNotFoundException", 404, "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"},
		{"unknown version", func() error {
			_, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String("inv"), Qualifier: aws.String("7")})
			return err
		}, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "inv:7"},
		{"event too large", invoke(types.InvocationTypeEvent, []byte(`"`+strings.Repeat("x", 1048575)+`"`)), "RequestEntityTooLargeException", 413,
			"1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)"},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			wantAPIError(t, c.call(), c.code, c.status, c.msg)
		})
	}
	answers := []struct {
		name    string
		in      lambdasdk.InvokeInput
		status  int32
		payload string
		tail    bool
	}{
		{"event", lambdasdk.InvokeInput{InvocationType: types.InvocationTypeEvent, LogType: types.LogTypeTail, Payload: []byte(`{"action":"echo"}`)}, 202, "", false},
		{"dry run", lambdasdk.InvokeInput{InvocationType: types.InvocationTypeDryRun, Payload: []byte(`{}`)}, 204, "", false},
		{"no tail", lambdasdk.InvokeInput{Payload: []byte(`{"action":"echo"}`)}, 200, `{"action":"echo","message":""}`, false},
		{"tail", lambdasdk.InvokeInput{LogType: types.LogTypeTail, Payload: []byte(`{"action":"echo"}`)}, 200, `{"action":"echo","message":""}`, true},
	}
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			in := a.in
			in.FunctionName = aws.String("inv")
			out, err := v.lambda.Invoke(ctxT(t), &in)
			if err != nil {
				t.Fatal(err)
			}
			if out.StatusCode != a.status || string(out.Payload) != a.payload || (out.LogResult != nil) != a.tail {
				t.Errorf("status %d payload %q log %v, want %d %q tail %v", out.StatusCode, out.Payload, out.LogResult, a.status, a.payload, a.tail)
			}
			if a.status != 200 && (out.ExecutedVersion != nil || out.FunctionError != nil) {
				t.Errorf("%s answer carries invocation headers: %+v", a.name, out)
			}
		})
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestBootstrapStartFailure: a bootstrap that cannot be executed fails the
// invocation with AWS's Runtime.InvalidEntrypoint document, and the exec
// error and its likely cause reach the function's and the emulator's log.
func TestBootstrapStartFailure(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	e := emulator.Start(t, emulator.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	t.Cleanup(func() { _ = e.Reset("lambda", "") })
	v := &env{e: e, lambda: lambdasdk.NewFromConfig(e.AWSConfig(), func(o *lambdasdk.Options) { o.RetryMaxAttempts = 1 })}
	cases := []struct {
		name    string
		files   map[string]zipEntry
		msg     string
		funcLog string
		emuLog  string
	}{
		{"not executable", map[string]zipEntry{"bootstrap": {data: []byte("#!/bin/sh\nexit 0\n"), mode: 0o644}},
			"Error: fork/exec /var/task/bootstrap: permission denied", "without execute permission", "permission denied"},
		{"missing", map[string]zipEntry{"handler.sh": {data: []byte("#!/bin/sh\n"), mode: 0o755}},
			"Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]", "no bootstrap file", "no bootstrap file"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fn := "start-fail-" + string(rune('a'+i))
			v.createFunction(t, fn, mustZip(t, c.files), nil)
			out := v.invoke(t, fn, map[string]any{})
			rid := decodeRequestID(t, out)
			d := decodeErrorDoc(t, out.Payload)
			if aws.ToString(out.FunctionError) != "Unhandled" || d.Type != "Runtime.InvalidEntrypoint" || d.Message != "RequestId: "+rid+" "+c.msg {
				t.Errorf("result %v %+v", out.FunctionError, d)
			}
			tail, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
			flog, err := e.Lambda().FunctionLogs(fn)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range []string{string(tail), flog} {
				for _, want := range []string{"RequestId: " + rid + " " + c.msg + "\nRuntime.InvalidEntrypoint\n", "Error Type: Runtime.InvalidEntrypoint", c.funcLog} {
					if !strings.Contains(l, want) {
						t.Errorf("function log lacks %q:\n%s", want, l)
					}
				}
			}
			if el := logs.String(); !strings.Contains(el, "lambda bootstrap could not be started") || !strings.Contains(el, fn) || !strings.Contains(el, c.emuLog) {
				t.Errorf("emulator log lacks the start failure of %s:\n%s", fn, el)
			}
		})
	}
}

// TestEventSourceMappingValidation checks CreateEventSourceMapping's
// source-specific refusals.
func TestEventSourceMappingValidation(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	if err := v.e.RegisterHandler("esm-val", goTestHandler); err != nil {
		t.Fatal(err)
	}
	stream := "arn:aws:kinesis:us-east-1:000000000000:stream/s"
	queue := "arn:aws:sqs:us-east-1:000000000000:q"
	fifo := "arn:aws:sqs:us-east-1:000000000000:q.fifo"
	cases := []struct {
		name string
		in   lambdasdk.CreateEventSourceMappingInput
		msg  string
	}{
		{"starting position on SQS", lambdasdk.CreateEventSourceMappingInput{EventSourceArn: aws.String(queue), StartingPosition: types.EventSourcePositionLatest},
			"StartingPosition is not valid for SQS event sources."},
		{"on-success destination", lambdasdk.CreateEventSourceMappingInput{EventSourceArn: aws.String(stream), StartingPosition: types.EventSourcePositionLatest,
			DestinationConfig: &types.DestinationConfig{OnSuccess: &types.OnSuccess{Destination: aws.String(queue)}}},
			"Unsupported DestinationConfig parameter for given event source mapping type."},
		{"batching window on FIFO", lambdasdk.CreateEventSourceMappingInput{EventSourceArn: aws.String(fifo), MaximumBatchingWindowInSeconds: aws.Int32(5)},
			"Batching window is not supported for FIFO queues"},
		{"missing starting position", lambdasdk.CreateEventSourceMappingInput{EventSourceArn: aws.String(stream)},
			"1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.FunctionName = aws.String("esm-val")
			_, err := v.lambda.CreateEventSourceMapping(ctxT(t), &in)
			wantAPIError(t, err, "InvalidParameterValueException", 400, c.msg)
		})
	}
	out, err := v.lambda.ListEventSourceMappings(ctxT(t), &lambdasdk.ListEventSourceMappingsInput{})
	if err != nil || len(out.EventSourceMappings) != 0 {
		t.Errorf("refused mappings were created: %+v %v", out, err)
	}
}

// TestInvokeClientContext: X-Amz-Client-Context (base64 JSON) reaches the
// handler's lambdacontext, through the Runtime API header for a bootstrap
// and directly for an in-process handler.
func TestInvokeClientContext(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	v.createFunction(t, "cc-boot", bootstrapZip, nil)
	v.createFunction(t, "cc-go", mustZip(t, map[string]zipEntry{"README": {data: []byte("go handler")}}), nil)
	err := v.e.RegisterHandler("cc-go", func(ctx context.Context, _ json.RawMessage) (map[string]string, error) {
		lc, ok := lambdacontext.FromContext(ctx)
		if !ok {
			return nil, errors.New("no lambda context")
		}
		return map[string]string{"message": lc.ClientContext.Custom["greeting"] + "/" + lc.ClientContext.Client.AppTitle}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cc := base64.StdEncoding.EncodeToString([]byte(`{"client":{"app_title":"probe"},"custom":{"greeting":"hi"}}`))
	for _, fn := range []string{"cc-boot", "cc-go"} {
		t.Run(fn, func(t *testing.T) {
			out, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{
				FunctionName: aws.String(fn), ClientContext: aws.String(cc), Payload: []byte(`{"action":"client-context"}`),
			})
			if err != nil {
				t.Fatal(err)
			}
			var r struct {
				Message string `json:"message"`
			}
			if err := json.Unmarshal(out.Payload, &r); err != nil || r.Message != "hi/probe" {
				t.Errorf("client context seen by the handler: %s (%v)", out.Payload, err)
			}
		})
	}
}

// statusOf returns the HTTP status of an SDK call's response.
func statusOf(t *testing.T, md middleware.Metadata) int {
	t.Helper()
	raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok {
		t.Fatal("no raw HTTP response in the metadata")
	}
	return raw.StatusCode
}

// TestAPIStatusCodes checks the non-200 success statuses of the Lambda
// API.
func TestAPIStatusCodes(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	ctx := ctxT(t)
	created := v.createFunction(t, "codes", bootstrapZip, nil)
	_, qarn := v.createQueue(t, "codes-q")
	esm, err := v.lambda.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("codes"), EventSourceArn: aws.String(qarn)})
	if err != nil {
		t.Fatal(err)
	}
	delESM, err := v.lambda.DeleteEventSourceMapping(ctx, &lambdasdk.DeleteEventSourceMappingInput{UUID: esm.UUID})
	if err != nil {
		t.Fatal(err)
	}
	delFn, err := v.lambda.DeleteFunction(ctx, &lambdasdk.DeleteFunctionInput{FunctionName: aws.String("codes")})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		md   middleware.Metadata
		want int
	}{
		{"CreateFunction", created.ResultMetadata, 201},
		{"CreateEventSourceMapping", esm.ResultMetadata, 202},
		{"DeleteEventSourceMapping", delESM.ResultMetadata, 202},
		{"DeleteFunction", delFn.ResultMetadata, 204},
	}
	for _, c := range cases {
		if got := statusOf(t, c.md); got != c.want {
			t.Errorf("%s answered %d, want %d", c.name, got, c.want)
		}
	}
}
