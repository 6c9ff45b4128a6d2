package restjson

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

func TestLambdaSDK(t *testing.T) {
	t.Parallel()
	c := New()
	desc := lambdaDesc()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &protocol.Request{HTTP: r, Body: body, RequestID: "rid-9"}
		fail := func(err error) {
			ae, _ := awsapi.AsError(err)
			c.WriteError(w, req, desc, nil, ae)
		}
		switch {
		case r.Method == "GET" && strings.TrimSuffix(r.URL.Path, "/") == "/2015-03-31/functions":
			op, _ := desc.Operation("ListFunctions")
			var in listFunctionsInput
			if err := c.DecodeInput(req, desc, op, &in); err != nil {
				fail(err)
				return
			}
			out := &listFunctionsOutput{NextMarker: ptr("m2")}
			for range aws.ToInt32(in.MaxItems) {
				out.Functions = append(out.Functions, functionConfiguration{FunctionName: ptr("f"), Runtime: "python3.12",
					MemorySize: ptr[int32](128), LastModified: ptr("2024-01-01T00:00:00.000+0000")})
			}
			_ = c.WriteOutput(w, req, desc, op, out)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/"):
			op, _ := desc.Operation("GetFunction")
			name := strings.TrimPrefix(r.URL.EscapedPath(), "/2015-03-31/functions/")
			req.PathVars = map[string]string{"FunctionName": name}
			var in getFunctionInput
			if err := c.DecodeInput(req, desc, op, &in); err != nil {
				fail(err)
				return
			}
			if aws.ToString(in.FunctionName) != "arn:aws:lambda:us-east-1:123456789012:function:exists" || aws.ToString(in.Qualifier) != "$LATEST" {
				c.WriteError(w, req, desc, op, &awsapi.Error{Code: "ResourceNotFoundException", Status: 404,
					Message: "Function not found: " + aws.ToString(in.FunctionName), Fields: map[string]any{"Type": "User"}})
				return
			}
			_ = c.WriteOutput(w, req, desc, op, &getFunctionOutput{
				Configuration: &functionConfiguration{FunctionName: ptr("exists"), MemorySize: ptr[int32](512)},
				Tags:          map[string]string{"team": "a"},
			})
		default:
			c.WriteError(w, req, desc, nil, UnknownOperation())
		}
	}))
	t.Cleanup(srv.Close)
	client := lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	ctx := context.Background()

	lf, err := client.ListFunctions(ctx, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	if err != nil {
		t.Fatalf("ListFunctions: %v", err)
	}
	if len(lf.Functions) != 2 || aws.ToString(lf.NextMarker) != "m2" || lf.Functions[0].Runtime != lambdatypes.RuntimePython312 ||
		aws.ToInt32(lf.Functions[1].MemorySize) != 128 {
		t.Fatalf("unexpected ListFunctions output %+v", lf)
	}

	gf, err := client.GetFunction(ctx, &lambda.GetFunctionInput{
		FunctionName: aws.String("arn:aws:lambda:us-east-1:123456789012:function:exists"), Qualifier: aws.String("$LATEST")})
	if err != nil {
		t.Fatalf("GetFunction: %v", err)
	}
	if aws.ToInt32(gf.Configuration.MemorySize) != 512 || gf.Tags["team"] != "a" {
		t.Fatalf("unexpected GetFunction output %+v", gf)
	}

	_, err = client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("missing")})
	var rnf *lambdatypes.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("err = %v, want ResourceNotFoundException", err)
	}
	if rnf.ErrorMessage() != "Function not found: missing" || aws.ToString(rnf.Type) != "User" {
		t.Fatalf("message %q type %q", rnf.ErrorMessage(), aws.ToString(rnf.Type))
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ResourceNotFoundException" {
		t.Fatalf("api error %v", err)
	}
}
