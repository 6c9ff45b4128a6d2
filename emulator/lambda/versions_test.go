package lambda_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// bootstrapWith returns a deployment package of the test bootstrap with a
// version.txt file holding text, so that two packages run different code.
// The bootstrap's compressed bytes are copied as they are: compressing it
// again takes seconds under the race detector.
func bootstrapWith(t *testing.T, text string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(bootstrapZip), int64(len(bootstrapZip)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create("version.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, text); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// invokeQ invokes name (with qualifier, when not empty) with a payload.
func (v *env) invokeQ(t *testing.T, name, qualifier string, payload any) *lambdasdk.InvokeOutput {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	in := &lambdasdk.InvokeInput{FunctionName: aws.String(name), Payload: b}
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
	}
	out, err := v.lambda.Invoke(ctxT(t), in)
	if err != nil {
		t.Fatalf("Invoke %s (qualifier %q): %v", name, qualifier, err)
	}
	if out.FunctionError != nil {
		t.Fatalf("Invoke %s (qualifier %q): function error %s", name, qualifier, out.Payload)
	}
	return out
}

func (v *env) publish(t *testing.T, name string, mod func(*lambdasdk.PublishVersionInput)) *lambdasdk.PublishVersionOutput {
	t.Helper()
	in := &lambdasdk.PublishVersionInput{FunctionName: aws.String(name)}
	if mod != nil {
		mod(in)
	}
	out, err := v.lambda.PublishVersion(ctxT(t), in)
	if err != nil {
		t.Fatalf("PublishVersion %s: %v", name, err)
	}
	return out
}

func (v *env) configOf(t *testing.T, name, qualifier string) *lambdasdk.GetFunctionConfigurationOutput {
	t.Helper()
	in := &lambdasdk.GetFunctionConfigurationInput{FunctionName: aws.String(name)}
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
	}
	out, err := v.lambda.GetFunctionConfiguration(ctxT(t), in)
	if err != nil {
		t.Fatalf("GetFunctionConfiguration %s:%s: %v", name, qualifier, err)
	}
	return out
}

// TestVersionLifecycle publishes a version, changes $LATEST's code and
// configuration, and checks that the version keeps its own: the
// configuration it answers with, the code and environment it runs.
func TestVersionLifecycle(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	const fn = "ver"
	created := v.createFunction(t, fn, bootstrapWith(t, "code one"), func(in *lambdasdk.CreateFunctionInput) {
		in.Description = aws.String("initial")
		in.Environment = &types.Environment{Variables: map[string]string{"COLOR": "blue"}}
	})
	before := v.configOf(t, fn, "")

	v1 := v.publish(t, fn, func(in *lambdasdk.PublishVersionInput) {
		in.Description = aws.String("first")
		in.CodeSha256 = created.CodeSha256
		in.RevisionId = before.RevisionId
	})
	if aws.ToString(v1.Version) != "1" || aws.ToString(v1.FunctionArn) != arnPrefix+fn+":1" || aws.ToString(v1.Description) != "first" ||
		v1.State != types.StateActive || v1.LastUpdateStatus != types.LastUpdateStatusSuccessful ||
		aws.ToString(v1.CodeSha256) != aws.ToString(created.CodeSha256) || v1.Environment.Variables["COLOR"] != "blue" ||
		aws.ToString(v1.RevisionId) == "" || aws.ToString(v1.RevisionId) == aws.ToString(before.RevisionId) {
		t.Fatalf("PublishVersion %+v", v1)
	}
	after := v.configOf(t, fn, "")
	if aws.ToString(after.RevisionId) == aws.ToString(before.RevisionId) || aws.ToString(after.Version) != "$LATEST" ||
		aws.ToString(after.Description) != "initial" || aws.ToString(after.FunctionArn) != arnPrefix+fn {
		t.Errorf("$LATEST after publishing: revision %s (before %s), %+v", aws.ToString(after.RevisionId), aws.ToString(before.RevisionId), after)
	}
	// Nothing changed: Lambda answers with the last version.
	again := v.publish(t, fn, func(in *lambdasdk.PublishVersionInput) { in.Description = aws.String("ignored") })
	if aws.ToString(again.Version) != "1" || aws.ToString(again.RevisionId) != aws.ToString(v1.RevisionId) || aws.ToString(again.Description) != "first" {
		t.Errorf("publishing an unchanged $LATEST: %+v", again)
	}

	code2, err := v.lambda.UpdateFunctionCode(ctxT(t), &lambdasdk.UpdateFunctionCodeInput{FunctionName: aws.String(fn), ZipFile: bootstrapWith(t, "code two")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.lambda.UpdateFunctionConfiguration(ctxT(t), &lambdasdk.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(fn), Environment: &types.Environment{Variables: map[string]string{"COLOR": "green"}}, Timeout: aws.Int32(9),
	}); err != nil {
		t.Fatal(err)
	}

	type want struct{ code, color, version, arn string }
	cases := []struct {
		name, ref, qualifier string
		want                 want
	}{
		{"unqualified", fn, "", want{"code two", "green", "$LATEST", arnPrefix + fn}},
		{"$LATEST", fn, "$LATEST", want{"code two", "green", "$LATEST", arnPrefix + fn + ":$LATEST"}},
		{"qualifier", fn, "1", want{"code one", "blue", "1", arnPrefix + fn + ":1"}},
		{"qualified name", fn + ":1", "", want{"code one", "blue", "1", arnPrefix + fn + ":1"}},
		{"qualified ARN", arnPrefix + fn + ":1", "", want{"code one", "blue", "1", arnPrefix + fn + ":1"}},
		{"qualified ARN and qualifier", arnPrefix + fn + ":1", "1", want{"code one", "blue", "1", arnPrefix + fn + ":1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := v.invokeQ(t, c.ref, c.qualifier, map[string]string{"action": "file", "message": "version.txt"})
			res := decodeResult(t, out.Payload)
			if res.Message != c.want.code || aws.ToString(out.ExecutedVersion) != c.want.version || res.Arn != c.want.arn {
				t.Errorf("ran code %q version %s as %s, want %+v", res.Message, aws.ToString(out.ExecutedVersion), res.Arn, c.want)
			}
			out = v.invokeQ(t, c.ref, c.qualifier, map[string]string{"action": "env", "env": "COLOR"})
			if res := decodeResult(t, out.Payload); res.Env != c.want.color {
				t.Errorf("COLOR %q, want %q", res.Env, c.want.color)
			}
			out = v.invokeQ(t, c.ref, c.qualifier, map[string]string{"action": "env", "env": "AWS_LAMBDA_FUNCTION_VERSION"})
			if res := decodeResult(t, out.Payload); res.Env != c.want.version {
				t.Errorf("AWS_LAMBDA_FUNCTION_VERSION %q, want %q", res.Env, c.want.version)
			}
			cfg := v.configOf(t, c.ref, c.qualifier)
			if aws.ToString(cfg.Version) != c.want.version || aws.ToString(cfg.FunctionArn) != c.want.arn || cfg.Environment.Variables["COLOR"] != c.want.color {
				t.Errorf("GetFunctionConfiguration: version %s, ARN %s, COLOR %s", aws.ToString(cfg.Version), aws.ToString(cfg.FunctionArn), cfg.Environment.Variables["COLOR"])
			}
		})
	}
	if cfg := v.configOf(t, fn, "1"); aws.ToInt32(cfg.Timeout) != 3 || aws.ToString(cfg.CodeSha256) != aws.ToString(created.CodeSha256) || aws.ToString(cfg.Description) != "first" {
		t.Errorf("version 1 changed with $LATEST: %+v", cfg)
	}
	got, err := v.lambda.GetFunction(ctxT(t), &lambdasdk.GetFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Configuration.FunctionArn) != arnPrefix+fn+":1" || aws.ToString(got.Configuration.CodeSha256) != aws.ToString(created.CodeSha256) {
		t.Errorf("GetFunction of version 1: %+v", got.Configuration)
	}

	// Publishing checks its preconditions against $LATEST.
	_, err = v.lambda.PublishVersion(ctxT(t), &lambdasdk.PublishVersionInput{FunctionName: aws.String(fn), CodeSha256: aws.String("nope")})
	wantAPIError(t, err, "InvalidParameterValueException", 400, "CodeSHA256 (nope) is different from current CodeSHA256 in $LATEST ("+aws.ToString(code2.CodeSha256)+"). Please try again with the CodeSHA256 in $LATEST.")
	_, err = v.lambda.PublishVersion(ctxT(t), &lambdasdk.PublishVersionInput{FunctionName: aws.String(fn), RevisionId: aws.String("stale")})
	wantAPIError(t, err, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

	v2 := v.publish(t, fn, func(in *lambdasdk.PublishVersionInput) { in.CodeSha256 = code2.CodeSha256 })
	if aws.ToString(v2.Version) != "2" || aws.ToString(v2.Description) != "initial" || aws.ToInt32(v2.Timeout) != 9 {
		t.Errorf("second version %+v", v2)
	}

	// $LATEST first, then the versions, 2 a page.
	var listed []types.FunctionConfiguration
	var marker *string
	for page := 0; ; page++ {
		out, err := v.lambda.ListVersionsByFunction(ctxT(t), &lambdasdk.ListVersionsByFunctionInput{FunctionName: aws.String(fn), MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Versions) > 2 {
			t.Fatalf("page of %d versions, MaxItems 2", len(out.Versions))
		}
		listed = append(listed, out.Versions...)
		if marker = out.NextMarker; marker == nil {
			if page != 1 {
				t.Errorf("%d pages, want 2", page+1)
			}
			break
		}
	}
	var arns []string
	for _, c := range listed {
		arns = append(arns, aws.ToString(c.FunctionArn)+"="+aws.ToString(c.Version))
		if c.State != "" || c.LastUpdateStatus != "" {
			t.Errorf("listed version %s has State %q, LastUpdateStatus %q", aws.ToString(c.Version), c.State, c.LastUpdateStatus)
		}
	}
	if want := []string{arnPrefix + fn + ":$LATEST=$LATEST", arnPrefix + fn + ":1=1", arnPrefix + fn + ":2=2"}; !equalStrings(arns, want) {
		t.Errorf("ListVersionsByFunction %v, want %v", arns, want)
	}
	all, err := v.lambda.ListFunctions(ctxT(t), &lambdasdk.ListFunctionsInput{FunctionVersion: types.FunctionVersionAll})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Functions) != 3 || aws.ToString(all.Functions[2].FunctionArn) != arnPrefix+fn+":2" {
		t.Errorf("ListFunctions ALL: %d functions", len(all.Functions))
	}

	// Deleting a version; the numbers are not reused.
	if _, err := v.lambda.DeleteFunction(ctxT(t), &lambdasdk.DeleteFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	_, err = v.lambda.GetFunctionConfiguration(ctxT(t), &lambdasdk.GetFunctionConfigurationInput{FunctionName: aws.String(fn), Qualifier: aws.String("2")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+fn+":2")
	_, err = v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String(fn + ":2")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+fn+":2")
	if v3 := v.publish(t, fn, nil); aws.ToString(v3.Version) != "3" {
		t.Errorf("version after deleting 2: %s, want 3", aws.ToString(v3.Version))
	}
	// Version 1 still runs its own code.
	if res := decodeResult(t, v.invokeQ(t, fn, "1", map[string]string{"action": "file", "message": "version.txt"}).Payload); res.Message != "code one" {
		t.Errorf("version 1 runs %q after the delete", res.Message)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPublishOnCreateAndUpdate covers the Publish flag of CreateFunction
// and UpdateFunctionCode.
func TestPublishOnCreateAndUpdate(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	const fn = "pub"
	created := v.createFunction(t, fn, bootstrapWith(t, "one"), func(in *lambdasdk.CreateFunctionInput) { in.Publish = true })
	if aws.ToString(created.Version) != "1" || aws.ToString(created.FunctionArn) != arnPrefix+fn || created.State != types.StatePending {
		t.Errorf("CreateFunction with Publish: version %s, ARN %s, state %s", aws.ToString(created.Version), aws.ToString(created.FunctionArn), created.State)
	}
	if cfg := v.configOf(t, fn, "1"); cfg.State != types.StateActive || aws.ToString(cfg.CodeSha256) != aws.ToString(created.CodeSha256) {
		t.Errorf("version 1: %+v", cfg)
	}
	upd, err := v.lambda.UpdateFunctionCode(ctxT(t), &lambdasdk.UpdateFunctionCodeInput{FunctionName: aws.String(fn), ZipFile: bootstrapWith(t, "two"), Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(upd.Version) != "2" || aws.ToString(upd.FunctionArn) != arnPrefix+fn+":2" || upd.State != types.StatePending ||
		aws.ToString(upd.StateReason) != "The function is being created." || upd.StateReasonCode != types.StateReasonCodeCreating || upd.LastUpdateStatus != "" {
		t.Errorf("UpdateFunctionCode with Publish: %+v", upd)
	}
	for q, want := range map[string]string{"1": "one", "2": "two", "": "two"} {
		if res := decodeResult(t, v.invokeQ(t, fn, q, map[string]string{"action": "file", "message": "version.txt"}).Payload); res.Message != want {
			t.Errorf("qualifier %q runs %q, want %q", q, res.Message, want)
		}
	}
}
