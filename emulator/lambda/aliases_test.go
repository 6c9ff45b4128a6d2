package lambda_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// arnHandler answers with the ARN it was invoked as and its deadline's
// distance, so tests see which qualifier and which timeout an in-process
// invocation ran with.
func arnHandler(ctx context.Context, _ json.RawMessage) (map[string]any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	d, _ := ctx.Deadline()
	return map[string]any{"arn": lc.InvokedFunctionArn, "timeout": time.Until(d).Round(time.Second).Seconds()}, nil
}

// versioned registers an in-process function and publishes n versions of
// it, version i with timeout i seconds.
func (v *env) versioned(t *testing.T, fn string, n int) {
	t.Helper()
	if err := v.e.RegisterHandler(fn, arnHandler); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := v.lambda.UpdateFunctionConfiguration(ctxT(t), &lambdasdk.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(fn), Timeout: aws.Int32(int32(i)),
		}); err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(v.publish(t, fn, nil).Version); got != itoa(i) {
			t.Fatalf("published version %s, want %d", got, i)
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func (v *env) createAlias(t *testing.T, fn, name, version string, weights map[string]float64) *lambdasdk.CreateAliasOutput {
	t.Helper()
	in := &lambdasdk.CreateAliasInput{FunctionName: aws.String(fn), Name: aws.String(name), FunctionVersion: aws.String(version)}
	if weights != nil {
		in.RoutingConfig = &types.AliasRoutingConfiguration{AdditionalVersionWeights: weights}
	}
	out, err := v.lambda.CreateAlias(ctxT(t), in)
	if err != nil {
		t.Fatalf("CreateAlias %s:%s: %v", fn, name, err)
	}
	return out
}

// TestAliasLifecycle creates, reads, moves, lists and deletes aliases and
// invokes through them.
func TestAliasLifecycle(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	const fn = "al"
	v.versioned(t, fn, 2)

	live := v.createAlias(t, fn, "live", "1", nil)
	if aws.ToString(live.AliasArn) != arnPrefix+fn+":live" || aws.ToString(live.Name) != "live" || aws.ToString(live.FunctionVersion) != "1" ||
		aws.ToString(live.Description) != "" || live.RoutingConfig != nil || aws.ToString(live.RevisionId) == "" {
		t.Fatalf("CreateAlias %+v", live)
	}
	got, err := v.lambda.GetAlias(ctxT(t), &lambdasdk.GetAliasInput{FunctionName: aws.String(arnPrefix + fn), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.AliasArn) != aws.ToString(live.AliasArn) || aws.ToString(got.RevisionId) != aws.ToString(live.RevisionId) {
		t.Errorf("GetAlias %+v", got)
	}

	invokeAlias := func(t *testing.T, ref, qualifier string) (version, arn string, timeout float64) {
		t.Helper()
		out := v.invokeQ(t, ref, qualifier, map[string]string{})
		var res struct {
			Arn     string  `json:"arn"`
			Timeout float64 `json:"timeout"`
		}
		if err := json.Unmarshal(out.Payload, &res); err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ExecutedVersion), res.Arn, res.Timeout
	}
	for _, c := range []struct{ ref, qualifier string }{{fn, "live"}, {fn + ":live", ""}, {arnPrefix + fn + ":live", ""}} {
		if ver, arn, timeout := invokeAlias(t, c.ref, c.qualifier); ver != "1" || arn != arnPrefix+fn+":live" || timeout != 1 {
			t.Errorf("Invoke %s (qualifier %q): version %s as %s with timeout %v, want 1 as the alias with 1 s", c.ref, c.qualifier, ver, arn, timeout)
		}
	}
	cfg, err := v.lambda.GetFunction(ctxT(t), &lambdasdk.GetFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cfg.Configuration.FunctionArn) != arnPrefix+fn+":live" || aws.ToString(cfg.Configuration.Version) != "1" {
		t.Errorf("GetFunction through the alias: ARN %s, version %s", aws.ToString(cfg.Configuration.FunctionArn), aws.ToString(cfg.Configuration.Version))
	}

	// Move the alias to version 2.
	moved, err := v.lambda.UpdateAlias(ctxT(t), &lambdasdk.UpdateAliasInput{
		FunctionName: aws.String(fn), Name: aws.String("live"), FunctionVersion: aws.String("2"), Description: aws.String("prod"), RevisionId: live.RevisionId,
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(moved.FunctionVersion) != "2" || aws.ToString(moved.Description) != "prod" || aws.ToString(moved.RevisionId) == aws.ToString(live.RevisionId) {
		t.Errorf("UpdateAlias %+v", moved)
	}
	if ver, _, timeout := invokeAlias(t, fn, "live"); ver != "2" || timeout != 2 {
		t.Errorf("after the move the alias runs version %s with timeout %v, want 2", ver, timeout)
	}
	_, err = v.lambda.UpdateAlias(ctxT(t), &lambdasdk.UpdateAliasInput{FunctionName: aws.String(fn), Name: aws.String("live"), RevisionId: live.RevisionId})
	wantAPIError(t, err, "PreconditionFailedException", 412, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")

	v.createAlias(t, fn, "blue", "1", nil)
	v.createAlias(t, fn, "canary", "1", map[string]float64{"2": 0.25})
	v.createAlias(t, fn, "edge", "$LATEST", nil)
	list := func(t *testing.T, in *lambdasdk.ListAliasesInput) []string {
		t.Helper()
		var names []string
		for {
			out, err := v.lambda.ListAliases(ctxT(t), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range out.Aliases {
				names = append(names, aws.ToString(a.Name)+"="+aws.ToString(a.FunctionVersion))
			}
			if out.NextMarker == nil {
				return names
			}
			in.Marker = out.NextMarker
		}
	}
	if got, want := list(t, &lambdasdk.ListAliasesInput{FunctionName: aws.String(fn), MaxItems: aws.Int32(3)}), []string{"blue=1", "canary=1", "edge=$LATEST", "live=2"}; !equalStrings(got, want) {
		t.Errorf("ListAliases %v, want %v", got, want)
	}
	if got, want := list(t, &lambdasdk.ListAliasesInput{FunctionName: aws.String(fn), FunctionVersion: aws.String("1")}), []string{"blue=1", "canary=1"}; !equalStrings(got, want) {
		t.Errorf("ListAliases of version 1 %v, want %v", got, want)
	}
	canary, err := v.lambda.GetAlias(ctxT(t), &lambdasdk.GetAliasInput{FunctionName: aws.String(fn), Name: aws.String("canary")})
	if err != nil {
		t.Fatal(err)
	}
	if w := canary.RoutingConfig.AdditionalVersionWeights; len(w) != 1 || w["2"] != 0.25 {
		t.Errorf("canary routing %+v", canary.RoutingConfig)
	}
	// An empty routing configuration removes the routing.
	plain, err := v.lambda.UpdateAlias(ctxT(t), &lambdasdk.UpdateAliasInput{FunctionName: aws.String(fn), Name: aws.String("canary"), RoutingConfig: &types.AliasRoutingConfiguration{}})
	if err != nil {
		t.Fatal(err)
	}
	if plain.RoutingConfig != nil || aws.ToString(plain.FunctionVersion) != "1" {
		t.Errorf("UpdateAlias without routing %+v", plain.RoutingConfig)
	}
	if ver, _, _ := invokeAlias(t, fn, "edge"); ver != "$LATEST" {
		t.Errorf("alias of $LATEST ran %s", ver)
	}

	if _, err := v.lambda.DeleteAlias(ctxT(t), &lambdasdk.DeleteAliasInput{FunctionName: aws.String(fn), Name: aws.String("blue")}); err != nil {
		t.Fatal(err)
	}
	// Deleting an alias that does not exist succeeds, as in Lambda.
	if _, err := v.lambda.DeleteAlias(ctxT(t), &lambdasdk.DeleteAliasInput{FunctionName: aws.String(fn), Name: aws.String("blue")}); err != nil {
		t.Errorf("DeleteAlias of a missing alias: %v", err)
	}
	_, err = v.lambda.Invoke(ctxT(t), &lambdasdk.InvokeInput{FunctionName: aws.String(fn), Qualifier: aws.String("blue")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "Function not found: "+arnPrefix+fn+":blue")
}

// TestAliasErrors checks AWS's codes, statuses and messages of the alias
// and version operations.
func TestAliasErrors(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	const fn = "alerr"
	v.versioned(t, fn, 2)
	// Version 3 runs with another role.
	if _, err := v.lambda.UpdateFunctionConfiguration(ctxT(t), &lambdasdk.UpdateFunctionConfigurationInput{
		FunctionName: aws.String(fn), Role: aws.String("arn:aws:iam::000000000000:role/other"),
	}); err != nil {
		t.Fatal(err)
	}
	v.publish(t, fn, nil)
	v.createAlias(t, fn, "live", "1", nil)
	v.createAlias(t, fn, "canary", "1", map[string]float64{"2": 0.5})
	v.createAlias(t, fn, "two", "2", nil)
	create := func(name, version string, weights map[string]float64) func() error {
		return func() error {
			in := &lambdasdk.CreateAliasInput{FunctionName: aws.String(fn), Name: aws.String(name), FunctionVersion: aws.String(version)}
			if weights != nil {
				in.RoutingConfig = &types.AliasRoutingConfiguration{AdditionalVersionWeights: weights}
			}
			_, err := v.lambda.CreateAlias(ctxT(t), in)
			return err
		}
	}
	const weightRange = "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"
	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"alias exists", create("live", "2", nil), "ResourceConflictException", 409, "Alias already exists: " + arnPrefix + fn + ":live"},
		{"version missing", create("x", "10", nil), "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + fn + ":10"},
		{"function missing", func() error {
			_, err := v.lambda.CreateAlias(ctxT(t), &lambdasdk.CreateAliasInput{FunctionName: aws.String("nofn"), Name: aws.String("x"), FunctionVersion: aws.String("1")})
			return err
		}, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "nofn:1"},
		{"numeric name", create("2024", "1", nil), "ValidationException", 400, "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"},
		{"two weights", create("x", "1", map[string]float64{"2": 0.1, "3": 0.1}), "InvalidParameterValueException", 400, "Number of items in AdditionalVersionWeights cannot be greater than 1"},
		{"weight too high", create("x", "1", map[string]float64{"2": 2}), "ValidationException", 400, "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: " + weightRange},
		{"weight below zero", create("x", "1", map[string]float64{"2": -1}), "ValidationException", 400, "1 validation error detected: Value '{2=-1.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: " + weightRange},
		{"same version", create("x", "1", map[string]float64{"1": 0.5}), "InvalidParameterValueException", 400, "Invalid function version 1. Function version 1 is already included in routing configuration."},
		{"routed version missing", create("x", "1", map[string]float64{"10": 0.5}), "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + fn + ":10"},
		{"routed version of another role", create("x", "1", map[string]float64{"3": 0.5}), "InvalidParameterValueException", 400, "Specified versions must be associated with the same execution role"},
		{"$LATEST with routing", create("x", "$LATEST", map[string]float64{"1": 0.5}), "InvalidParameterValueException", 400, "$LATEST is not supported for an alias pointing to more than 1 version"},
		{"$LATEST routed", create("x", "1", map[string]float64{"$LATEST": 0.5}), "ValidationException", 400, "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]"},
		{"get missing alias", func() error {
			_, err := v.lambda.GetAlias(ctxT(t), &lambdasdk.GetAliasInput{FunctionName: aws.String(fn), Name: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, "Cannot find alias arn: " + arnPrefix + fn + ":nope"},
		{"update missing alias", func() error {
			_, err := v.lambda.UpdateAlias(ctxT(t), &lambdasdk.UpdateAliasInput{FunctionName: aws.String(fn), Name: aws.String("nope"), FunctionVersion: aws.String("1")})
			return err
		}, "ResourceNotFoundException", 404, "Alias not found: " + arnPrefix + fn + ":nope"},
		{"update to missing version", func() error {
			_, err := v.lambda.UpdateAlias(ctxT(t), &lambdasdk.UpdateAliasInput{FunctionName: aws.String(fn), Name: aws.String("live"), FunctionVersion: aws.String("9")})
			return err
		}, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + fn + ":9"},
		{"alias of missing function", func() error {
			_, err := v.lambda.GetAlias(ctxT(t), &lambdasdk.GetAliasInput{FunctionName: aws.String("nofn"), Name: aws.String("live")})
			return err
		}, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + "nofn"},
		{"get function of missing alias", func() error {
			_, err := v.lambda.GetFunction(ctxT(t), &lambdasdk.GetFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", 404, "Function not found: " + arnPrefix + fn + ":nope"},
		{"delete version of an alias", func() error {
			_, err := v.lambda.DeleteFunction(ctxT(t), &lambdasdk.DeleteFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("1")})
			return err
		}, "ResourceConflictException", 409, "Unable to delete version because the following aliases reference it: [canary, live]"},
		{"delete version routed to", func() error {
			_, err := v.lambda.DeleteFunction(ctxT(t), &lambdasdk.DeleteFunctionInput{FunctionName: aws.String(fn + ":2")})
			return err
		}, "ResourceConflictException", 409, "Unable to delete version because the following aliases reference it: [canary, two]"},
		{"delete alias by qualifier", func() error {
			_, err := v.lambda.DeleteFunction(ctxT(t), &lambdasdk.DeleteFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("live")})
			return err
		}, "InvalidParameterValueException", 400, "Deletion of aliases is not currently supported."},
		{"delete $LATEST", func() error {
			_, err := v.lambda.DeleteFunction(ctxT(t), &lambdasdk.DeleteFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("$LATEST")})
			return err
		}, "InvalidParameterValueException", 400, "$LATEST version cannot be deleted without deleting the function."},
		{"concurrency of a version", func() error {
			_, err := v.lambda.PutFunctionConcurrency(ctxT(t), &lambdasdk.PutFunctionConcurrencyInput{FunctionName: aws.String(fn + ":1"), ReservedConcurrentExecutions: aws.Int32(1)})
			return err
		}, "InvalidParameterValueException", 400, "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantAPIError(t, c.call(), c.code, c.status, c.msg)
		})
	}
	// The refused deletes left the versions.
	out, err := v.lambda.ListVersionsByFunction(ctxT(t), &lambdasdk.ListVersionsByFunctionInput{FunctionName: aws.String(fn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Versions) != 4 {
		t.Errorf("%d versions after the refused deletes, want $LATEST, 1, 2 and 3", len(out.Versions))
	}
}

// TestWeightedAliasRouting sends invocations through an alias that routes
// a share to a second version: the split follows the weight, and the same
// seed gives the same sequence of versions.
func TestWeightedAliasRouting(t *testing.T) {
	t.Parallel()
	v := start(t, false)
	const fn = "weighted"
	v.versioned(t, fn, 2)
	v.createAlias(t, fn, "live", "1", map[string]float64{"2": 0.3})
	run := func(t *testing.T, n int) []string {
		t.Helper()
		seq := make([]string, n)
		for i := range seq {
			seq[i] = aws.ToString(v.invokeQ(t, fn, "live", map[string]string{}).ExecutedVersion)
		}
		return seq
	}
	v.e.Lambda().SetAliasRoutingSeed(42)
	first := run(t, 400)
	counts := map[string]int{}
	for _, s := range first {
		counts[s]++
	}
	if counts["1"]+counts["2"] != 400 || counts["2"] < 80 || counts["2"] > 160 {
		t.Errorf("400 invocations split %v, want about 30%% on version 2", counts)
	}
	v.e.Lambda().SetAliasRoutingSeed(42)
	if again := run(t, 400); !equalStrings(first, again) {
		t.Error("the same seed routed a different sequence")
	}
	// The records say which version ran and what was invoked.
	recs, err := v.e.LambdaInvocations(fn)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 800 || recs[0].Qualifier != "live" || recs[0].Version != first[0] {
		t.Errorf("%d records, first %+v", len(recs), recs[0])
	}
	// Weight 0 sends nothing to the second version, 1 everything.
	for _, c := range []struct {
		weight float64
		want   string
	}{{0, "1"}, {1, "2"}} {
		if _, err := v.lambda.UpdateAlias(ctxT(t), &lambdasdk.UpdateAliasInput{
			FunctionName: aws.String(fn), Name: aws.String("live"), RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": c.weight}},
		}); err != nil {
			t.Fatal(err)
		}
		for _, got := range run(t, 20) {
			if got != c.want {
				t.Fatalf("weight %v ran version %s", c.weight, got)
			}
		}
	}
}

// TestAsyncAndPoliciesPerQualifier checks that event invoke configs and
// resource policies belong to the qualifier they were set on: an Event
// invocation of an alias uses the alias's destinations and reports the
// version that ran.
func TestAsyncAndPoliciesPerQualifier(t *testing.T) {
	t.Parallel()
	v := start(t, true)
	const fn = "asyncal"
	if err := v.e.RegisterHandler(fn, goTestHandler); err != nil {
		t.Fatal(err)
	}
	v.publish(t, fn, nil)
	v.createAlias(t, fn, "live", "1", nil)
	failURL, failArn := v.createQueue(t, "asyncal-failures")
	put, err := v.lambda.PutFunctionEventInvokeConfig(ctxT(t), &lambdasdk.PutFunctionEventInvokeConfigInput{
		FunctionName: aws.String(fn), Qualifier: aws.String("live"), MaximumRetryAttempts: aws.Int32(0),
		DestinationConfig: &types.DestinationConfig{OnFailure: &types.OnFailure{Destination: aws.String(failArn)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.FunctionArn) != arnPrefix+fn+":live" {
		t.Errorf("PutFunctionEventInvokeConfig FunctionArn %s", aws.ToString(put.FunctionArn))
	}
	_, err = v.lambda.GetFunctionEventInvokeConfig(ctxT(t), &lambdasdk.GetFunctionEventInvokeConfigInput{FunctionName: aws.String(fn)})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The function "+arnPrefix+fn+":$LATEST doesn't have an EventInvokeConfig")
	listed, err := v.lambda.ListFunctionEventInvokeConfigs(ctxT(t), &lambdasdk.ListFunctionEventInvokeConfigsInput{FunctionName: aws.String(fn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.FunctionEventInvokeConfigs) != 1 || aws.ToString(listed.FunctionEventInvokeConfigs[0].FunctionArn) != arnPrefix+fn+":live" {
		t.Errorf("ListFunctionEventInvokeConfigs %+v", listed.FunctionEventInvokeConfigs)
	}

	failing, _ := json.Marshal(testEvent{Action: "fail", Message: "boom"})
	for _, q := range []string{"live", ""} {
		in := &lambdasdk.InvokeInput{FunctionName: aws.String(fn), InvocationType: types.InvocationTypeEvent, Payload: failing}
		if q != "" {
			in.Qualifier = aws.String(q)
		}
		if _, err := v.lambda.Invoke(ctxT(t), in); err != nil {
			t.Fatal(err)
		}
	}
	v.settle(t)
	msgs := v.receive(t, failURL)
	if len(msgs) != 1 {
		t.Fatalf("%d OnFailure records, want the alias's one ($LATEST has no destination and retries later)", len(msgs))
	}
	var rec destinationRecord
	if err := json.Unmarshal([]byte(aws.ToString(msgs[0].Body)), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.FunctionArn != arnPrefix+fn+":live" || rec.ResponseContext.ExecutedVersion != "1" ||
		rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 1 {
		t.Errorf("OnFailure record %s", aws.ToString(msgs[0].Body))
	}
	if n, _ := v.e.Lambda().PendingEvents(fn); n != 1 {
		t.Errorf("%d pending events, want the unqualified one waiting for its retry", n)
	}

	// Permissions: each qualifier has its own policy and revision.
	added, err := v.lambda.AddPermission(ctxT(t), &lambdasdk.AddPermissionInput{
		FunctionName: aws.String(fn), Qualifier: aws.String("live"), StatementId: aws.String("sns"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("sns.amazonaws.com"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(added.Statement)), &st); err != nil || st["Resource"] != arnPrefix+fn+":live" {
		t.Errorf("statement %s (%v)", aws.ToString(added.Statement), err)
	}
	pol, err := v.lambda.GetPolicy(ctxT(t), &lambdasdk.GetPolicyInput{FunctionName: aws.String(fn), Qualifier: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	alias, err := v.lambda.GetAlias(ctxT(t), &lambdasdk.GetAliasInput{FunctionName: aws.String(fn), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(pol.RevisionId) != aws.ToString(alias.RevisionId) {
		t.Errorf("policy revision %s, alias revision %s", aws.ToString(pol.RevisionId), aws.ToString(alias.RevisionId))
	}
	_, err = v.lambda.GetPolicy(ctxT(t), &lambdasdk.GetPolicyInput{FunctionName: aws.String(fn)})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
	if _, err := v.lambda.RemovePermission(ctxT(t), &lambdasdk.RemovePermissionInput{FunctionName: aws.String(fn + ":live"), StatementId: aws.String("sns")}); err != nil {
		t.Fatal(err)
	}
	_, err = v.lambda.GetPolicy(ctxT(t), &lambdasdk.GetPolicyInput{FunctionName: aws.String(fn), Qualifier: aws.String("live")})
	wantAPIError(t, err, "ResourceNotFoundException", 404, "The resource you requested does not exist.")
}
