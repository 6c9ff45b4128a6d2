package lambda_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/lambda"
)

const arnPrefix = "arn:aws:lambda:us-east-1:000000000000:function:"

// TestFunctionLifecycle covers the function CRUD operations, their states
// and AWS's errors.
func TestFunctionLifecycle(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	created := v.createFunction(t, "life", bootstrapZip, func(in *lambdasdk.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"AB": "1"}}
		in.Tags = map[string]string{"team": "x"}
	})
	if created.State != types.StatePending || created.StateReasonCode != types.StateReasonCodeCreating ||
		aws.ToString(created.FunctionArn) != arnPrefix+"life" || aws.ToInt32(created.Timeout) != 3 || aws.ToInt32(created.MemorySize) != 128 ||
		aws.ToString(created.Version) != "$LATEST" || created.CodeSize != int64(len(bootstrapZip)) || created.PackageType != types.PackageTypeZip {
		t.Errorf("CreateFunction output %+v", created)
	}
	got, err := v.lambda.GetFunction(ctxT(t), &lambdasdk.GetFunctionInput{FunctionName: aws.String("life")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Configuration.State != types.StateActive || got.Configuration.LastUpdateStatus != types.LastUpdateStatusSuccessful ||
		got.Tags["team"] != "x" || got.Configuration.Environment.Variables["AB"] != "1" || aws.ToString(got.Code.RepositoryType) != "S3" {
		t.Errorf("GetFunction %+v", got.Configuration)
	}
	upd, err := v.lambda.UpdateFunctionConfiguration(ctxT(t), &lambdasdk.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(arnPrefix + "life"), Timeout: aws.Int32(10), Description: aws.String("d"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if upd.LastUpdateStatus != types.LastUpdateStatusInProgress || aws.ToInt32(upd.Timeout) != 10 || aws.ToString(upd.RevisionId) == aws.ToString(got.Configuration.RevisionId) {
		t.Errorf("UpdateFunctionConfiguration %+v", upd)
	}
	code, err := v.lambda.UpdateFunctionCode(ctxT(t), &lambdasdk.UpdateFunctionCodeInput{
		FunctionName: aws.String("life"), ZipFile: mustZip(t, map[string]zipEntry{"bootstrap": {data: []byte("x"), mode: 0o755}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(code.CodeSha256) == aws.ToString(created.CodeSha256) {
		t.Error("CodeSha256 unchanged by UpdateFunctionCode")
	}
	cfg, err := v.lambda.GetFunctionConfiguration(ctxT(t), &lambdasdk.GetFunctionConfigurationInput{FunctionName: aws.String("life")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cfg.Description) != "d" || aws.ToInt32(cfg.Timeout) != 10 || cfg.LastUpdateStatus != types.LastUpdateStatusSuccessful {
		t.Errorf("GetFunctionConfiguration %+v", cfg)
	}
	list, err := v.lambda.ListFunctions(ctxT(t), &lambdasdk.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Functions) != 1 || aws.ToString(list.Functions[0].FunctionName) != "life" {
		t.Errorf("ListFunctions %+v", list.Functions)
	}
	if _, err := v.lambda.DeleteFunction(ctxT(t), &lambdasdk.DeleteFunctionInput{FunctionName: aws.String("life")}); err != nil {
		t.Fatal(err)
	}
	_, err = v.lambda.GetFunction(ctxT(t), &lambdasdk.GetFunctionInput{FunctionName: aws.String("life")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+"life")
}

// TestFunctionErrors checks AWS's error codes, statuses and messages.
func TestFunctionErrors(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	v.createFunction(t, "exists", bootstrapZip, nil)
	v.createFunction(t, "node", bootstrapZip, func(in *lambdasdk.CreateFunctionInput) { in.Runtime = types.RuntimeNodejs20x })
	create := func(name string, zip []byte, mod func(*lambdasdk.CreateFunctionInput)) error {
		in := &lambdasdk.CreateFunctionInput{
			FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
			Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Code: &types.FunctionCode{ZipFile: zip},
		}
		if mod != nil {
			mod(in)
		}
		_, err := v.lambda.CreateFunction(ctxT(t), in)
		return err
	}
	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"duplicate", func() error { return create("exists", bootstrapZip, nil) }, "ResourceConflictException", 409, "Function already exist: exists"},
		{"get missing", func() error {
			_, err := v.lambda.GetFunction(ctxT(t), &lambdasdk.GetFunctionInput{FunctionName: aws.String("missing")})
			return err
		}, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "missing"},
		{"missing qualifier", func() error {
			_, err := v.lambda.GetFunctionConfiguration(ctxT(t), &lambdasdk.GetFunctionConfigurationInput{FunctionName: aws.String("exists"), Qualifier: aws.String("7")})
			return err
		}, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "exists:7"},
		{"invoke missing", func() error {
			_, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String("missing")})
			return err
		}, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "missing"},
		{"reserved variable", func() error {
			return create("env", bootstrapZip, func(in *lambdasdk.CreateFunctionInput) {
				in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x"}}
			})
		}, "InvalidParameterValueException", 400, "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION"},
		{"not a zip", func() error { return create("notzip", []byte("hello"), nil) }, "InvalidParameterValueException", 400, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"delete $LATEST", func() error {
			_, err := v.lambda.DeleteFunction(ctxT(t), &lambdasdk.DeleteFunctionInput{FunctionName: aws.String("exists"), Qualifier: aws.String("$LATEST")})
			return err
		}, "InvalidParameterValueException", 400, "$LATEST version cannot be deleted without deleting the function."},
		{"unsupported runtime", func() error {
			_, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String("node")})
			return err
		}, "InvalidRuntimeException", 502, "evolvestack cannot run runtime nodejs20.x of function node: it runs zips with a bootstrap executable for runtimes provided.al2023 and provided.al2, and Go handlers registered in-process with (*emulator.Emulator).RegisterHandler (any runtime)"},
		{"payload not JSON", func() error {
			_, err := v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String("exists"), Payload: []byte("hello")})
			return err
		}, "InvalidRequestContentException", 400, "Could not parse request body into json: Could not parse payload into json: Unrecognized token 'hello': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (byte[])\"hello\"; line: 1, column: 6]"},
		{"stale revision", func() error {
			_, err := v.lambda.UpdateFunctionConfiguration(ctxT(t), &lambdasdk.UpdateFunctionConfigurationInput{FunctionName: aws.String("exists"), RevisionId: aws.String("nope")})
			return err
		}, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantAPIError(t, c.call(), c.code, c.status, c.msg)
		})
	}
}

// TestPendingState: with a transition delay, a new function is Pending
// until the clock moves, and Invoke is refused meanwhile.
func TestPendingState(t *testing.T) {
	t.Parallel()
	v := start(t, true)
	v.e.Lambda().SetStateTransitionDelay(2 * time.Second)
	v.createFunction(t, "pending", bootstrapZip, nil)
	cfg, err := v.lambda.GetFunctionConfiguration(ctxT(t), &lambdasdk.GetFunctionConfigurationInput{FunctionName: aws.String("pending")})
	if err != nil || cfg.State != types.StatePending {
		t.Fatalf("state %v (%v)", cfg.State, err)
	}
	_, err = v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String("pending")})
	wantAPIError(t, err, "ResourceConflictException", 409, "The operation cannot be performed at this time. The function is currently in the following state: Pending")
	v.advance(t, 2*time.Second)
	cfg, err = v.lambda.GetFunctionConfiguration(ctxT(t), &lambdasdk.GetFunctionConfigurationInput{FunctionName: aws.String("pending")})
	if err != nil || cfg.State != types.StateActive {
		t.Fatalf("state after the delay %v (%v)", cfg.State, err)
	}
}

// TestZipSafety: archives that escape their directory or inflate beyond
// Lambda's limit are refused and nothing lands outside.
func TestZipSafety(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	marker := "escape-" + uuid.NewString()
	cases := []struct {
		name  string
		files map[string]zipEntry
		msg   string
	}{
		{"parent entry", map[string]zipEntry{"../" + marker: {data: []byte("x")}, "bootstrap": {data: []byte("x"), mode: 0o755}}, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"nested parent entry", map[string]zipEntry{"a/../../" + marker: {data: []byte("x")}}, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"absolute entry", map[string]zipEntry{"/tmp/" + marker: {data: []byte("x")}}, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"symlink out", map[string]zipEntry{"link": {data: []byte("../../" + marker), mode: os.ModeSymlink | 0o777}}, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"too large", map[string]zipEntry{"big": {data: []byte("x"), size: 262144001}}, "Unzipped size must be smaller than 262144000 bytes"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.lambda.CreateFunction(ctxT(t), &lambdasdk.CreateFunctionInput{
				FunctionName: aws.String("zip-" + string(rune('a'+i))), Runtime: types.RuntimeProvidedal2023,
				Role: aws.String("arn:aws:iam::000000000000:role/lambda"), Code: &types.FunctionCode{ZipFile: mustZip(t, c.files)},
			})
			wantAPIError(t, err, "InvalidParameterValueException", 400, c.msg)
		})
	}
	for _, dir := range []string{os.TempDir(), filepath.Dir(os.TempDir()), "/tmp"} {
		if _, err := os.Lstat(filepath.Join(dir, marker)); err == nil {
			t.Errorf("a refused archive wrote %s", filepath.Join(dir, marker))
		}
	}
	list, err := v.lambda.ListFunctions(ctxT(t), &lambdasdk.ListFunctionsInput{})
	if err != nil || len(list.Functions) != 0 {
		t.Errorf("refused functions were created: %v %v", list, err)
	}
}

// TestEventInvokeConfigAPI covers Put/Get/Update/List/Delete.
func TestEventInvokeConfigAPI(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	v.createFunction(t, "eic", bootstrapZip, nil)
	ctx := ctxT(t)
	_, err := v.lambda.GetFunctionEventInvokeConfig(ctx, &lambdasdk.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("eic")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The function "+arnPrefix+"eic:$LATEST doesn't have an EventInvokeConfig")
	_, err = v.lambda.PutFunctionEventInvokeConfig(ctx, &lambdasdk.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("eic")})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "You must specify at least one of error handling or destination setting.")
	_, err = v.lambda.PutFunctionEventInvokeConfig(ctx, &lambdasdk.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("missing"), MaximumRetryAttempts: aws.Int32(1)})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The function doesn't exist.")
	put, err := v.lambda.PutFunctionEventInvokeConfig(ctx, &lambdasdk.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("eic"), MaximumRetryAttempts: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.FunctionArn) != arnPrefix+"eic:$LATEST" || aws.ToInt32(put.MaximumRetryAttempts) != 1 || put.LastModified == nil {
		t.Errorf("Put %+v", put)
	}
	upd, err := v.lambda.UpdateFunctionEventInvokeConfig(ctx, &lambdasdk.UpdateFunctionEventInvokeConfigInput{FunctionName: aws.String("eic"), MaximumEventAgeInSeconds: aws.Int32(600)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(upd.MaximumRetryAttempts) != 1 || aws.ToInt32(upd.MaximumEventAgeInSeconds) != 600 {
		t.Errorf("Update %+v", upd)
	}
	list, err := v.lambda.ListFunctionEventInvokeConfigs(ctx, &lambdasdk.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String("eic")})
	if err != nil || len(list.FunctionEventInvokeConfigs) != 1 {
		t.Fatalf("List %+v %v", list, err)
	}
	_, err = v.lambda.PutFunctionEventInvokeConfig(ctx, &lambdasdk.PutFunctionEventInvokeConfigInput{
		FunctionName:      aws.String("eic"),
		DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String(arnPrefix + "eic")}},
	})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "You can't specify the function as a destination for itself.")
	if _, err := v.lambda.DeleteFunctionEventInvokeConfig(ctx, &lambdasdk.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("eic")}); err != nil {
		t.Fatal(err)
	}
	_, err = v.lambda.DeleteFunctionEventInvokeConfig(ctx, &lambdasdk.DeleteFunctionEventInvokeConfigInput{FunctionName: aws.String("eic")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The function "+arnPrefix+"eic:$LATEST doesn't have an EventInvokeConfig")
}

// TestPermissionsAndTags covers the resource policy and tagging.
func TestPermissionsAndTags(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	v.createFunction(t, "perm", bootstrapZip, nil)
	ctx := ctxT(t)
	_, err := v.lambda.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: aws.String("perm")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	add, err := v.lambda.AddPermission(ctx, &lambdasdk.AddPermissionInput{
		FunctionName: aws.String("perm"), StatementId: aws.String("sns"), Action: aws.String("lambda:InvokeFunction"),
		Principal: aws.String("sns.amazonaws.com"), SourceArn: aws.String("arn:aws:sns:us-east-1:000000000000:topic"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(add.Statement)), &st); err != nil {
		t.Fatal(err)
	}
	if st["Sid"] != "sns" || st["Resource"] != arnPrefix+"perm" || st["Principal"].(map[string]any)["Service"] != "sns.amazonaws.com" ||
		st["Condition"].(map[string]any)["ArnLike"].(map[string]any)["AWS:SourceArn"] != "arn:aws:sns:us-east-1:000000000000:topic" {
		t.Errorf("statement %s", aws.ToString(add.Statement))
	}
	_, err = v.lambda.AddPermission(ctx, &lambdasdk.AddPermissionInput{
		FunctionName: aws.String("perm"), StatementId: aws.String("sns"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("s3.amazonaws.com"),
	})
	wantAPIError(t, err, "ResourceConflictException", 409, "The statement id (sns) provided already exists. Please provide a new statement id, or remove the existing statement.")
	pol, err := v.lambda.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: aws.String("perm")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), `"Id":"default"`) || !strings.Contains(aws.ToString(pol.Policy), `"Sid":"sns"`) {
		t.Errorf("GetPolicy %v %v", pol, err)
	}
	_, err = v.lambda.RemovePermission(ctx, &lambdasdk.RemovePermissionInput{FunctionName: aws.String("perm"), StatementId: aws.String("other")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Statement other is not found in resource policy.")
	if _, err := v.lambda.RemovePermission(ctx, &lambdasdk.RemovePermissionInput{FunctionName: aws.String("perm"), StatementId: aws.String("sns")}); err != nil {
		t.Fatal(err)
	}

	arn := arnPrefix + "perm"
	if _, err := v.lambda.TagResource(ctx, &lambdasdk.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{"a": "1", "b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.lambda.UntagResource(ctx, &lambdasdk.UntagResourceInput{Resource: aws.String(arn), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := v.lambda.ListTags(ctx, &lambdasdk.ListTagsInput{Resource: aws.String(arn)})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["b"] != "2" {
		t.Errorf("ListTags %v %v", tags, err)
	}
	_, err = v.lambda.ListTags(ctx, &lambdasdk.ListTagsInput{Resource: aws.String(arnPrefix + "nope")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+"nope")
}

// TestEventSourceMappingAPI covers the ESM CRUD operations and states.
func TestEventSourceMappingAPI(t *testing.T) {
	t.Parallel()
	v := start(t, true)
	v.e.Lambda().SetStateTransitionDelay(time.Second)
	if err := v.e.RegisterHandler("esm-fn", goTestHandler); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	stream := "arn:aws:kinesis:us-east-1:000000000000:stream/s"
	queue := "arn:aws:sqs:us-east-1:000000000000:q"
	_, err := v.lambda.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("esm-fn"), EventSourceArn: aws.String(stream)})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.")
	_, err = v.lambda.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("nope"), EventSourceArn: aws.String(queue)})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "Function does not exist")
	_, err = v.lambda.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("esm-fn"), EventSourceArn: aws.String(queue), BatchSize: aws.Int32(20)})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")

	var events []string
	cancel := v.e.Lambda().WatchEventSourceMappings(func(ev lambda.ESMEvent) {
		events = append(events, aws.ToString(ev.Config.State))
	})
	defer cancel()
	created, err := v.lambda.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{
		FunctionName: aws.String("esm-fn"), EventSourceArn: aws.String(stream), StartingPosition: types.EventSourcePositionTrimHorizon, BatchSize: aws.Int32(50),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(created.UUID)
	if aws.ToString(created.State) != "Creating" || aws.ToInt32(created.BatchSize) != 50 || aws.ToString(created.FunctionArn) != arnPrefix+"esm-fn" ||
		aws.ToInt32(created.MaximumRetryAttempts) != -1 || aws.ToString(created.LastProcessingResult) != "No records processed" || created.StartingPosition != types.EventSourcePositionTrimHorizon {
		t.Errorf("Create %+v", created)
	}
	_, err = v.lambda.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("esm-fn"), EventSourceArn: aws.String(stream), StartingPosition: types.EventSourcePositionLatest})
	wantAPIError(t, err, "ResourceConflictException", 409, `The event source arn (" `+stream+` ") and function (" esm-fn ") provided mapping already exists. Please update or delete the existing mapping with UUID `+id)
	state := func() string {
		out, err := v.lambda.GetEventSourceMapping(ctx, &lambdasdk.GetEventSourceMappingInput{UUID: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.State)
	}
	steps := []struct {
		name   string
		do     func()
		before string
		after  string
	}{
		{"create", func() {}, "Creating", "Enabled"},
		{"disable", func() {
			if _, err := v.lambda.UpdateEventSourceMapping(ctx, &lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(id), Enabled: aws.Bool(false)}); err != nil {
				t.Fatal(err)
			}
		}, "Disabling", "Disabled"},
		{"enable", func() {
			if _, err := v.lambda.UpdateEventSourceMapping(ctx, &lambdasdk.UpdateEventSourceMappingInput{UUID: aws.String(id), Enabled: aws.Bool(true), BatchSize: aws.Int32(10)}); err != nil {
				t.Fatal(err)
			}
		}, "Enabling", "Enabled"},
	}
	for _, st := range steps {
		st.do()
		if got := state(); got != st.before {
			t.Errorf("%s: state %q, want %q", st.name, got, st.before)
		}
		v.advance(t, time.Second)
		if got := state(); got != st.after {
			t.Errorf("%s: settled state %q, want %q", st.name, got, st.after)
		}
	}
	list, err := v.lambda.ListEventSourceMappings(ctx, &lambdasdk.ListEventSourceMappingsInput{FunctionName: aws.String("esm-fn")})
	if err != nil || len(list.EventSourceMappings) != 1 || aws.ToInt32(list.EventSourceMappings[0].BatchSize) != 10 {
		t.Errorf("List %+v %v", list, err)
	}
	del, err := v.lambda.DeleteEventSourceMapping(ctx, &lambdasdk.DeleteEventSourceMappingInput{UUID: aws.String(id)})
	if err != nil || aws.ToString(del.State) != "Deleting" {
		t.Fatalf("Delete %v %v", del, err)
	}
	v.advance(t, time.Second)
	_, err = v.lambda.GetEventSourceMapping(ctx, &lambdasdk.GetEventSourceMappingInput{UUID: aws.String(id)})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	want := []string{"Creating", "Enabled", "Disabling", "Disabled", "Enabling", "Enabled", "Deleting"}
	if strings.Join(events, ",") != strings.Join(want, ",") {
		t.Errorf("watched states %v, want %v", events, want)
	}
}
