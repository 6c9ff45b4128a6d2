package awsquery

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

type createTopicOutput struct {
	TopicArn *string `locationName:"TopicArn"`
}

func TestSNSSDK(t *testing.T) {
	t.Parallel()
	c := New()
	desc := snsDesc()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &protocol.Request{HTTP: r, Body: body, RequestID: "rid-7"}
		vals, err := Form(req)
		if err != nil {
			ae, _ := awsapi.AsError(err)
			c.WriteError(w, req, desc, nil, ae)
			return
		}
		action := vals.Get("Action")
		if action == "" {
			c.WriteError(w, req, desc, nil, MissingAction())
			return
		}
		op, ok := desc.Operation(action)
		if !ok {
			c.WriteError(w, req, desc, nil, InvalidAction(action, vals.Get("Version")))
			return
		}
		switch action {
		case "ListTopics":
			_ = c.WriteOutput(w, req, desc, op, &listTopicsOutput{NextToken: ptr("nt"),
				Topics: []topic{{TopicArn: ptr("arn:aws:sns:us-east-1:123456789012:a")}, {TopicArn: ptr("arn:aws:sns:us-east-1:123456789012:b")}}})
		case "CreateTopic":
			var in createTopicInput
			if err := c.DecodeInput(req, desc, op, &in); err != nil {
				ae, _ := awsapi.AsError(err)
				c.WriteError(w, req, desc, op, ae)
				return
			}
			if in.Attributes["DisplayName"] != "Shown" || len(in.Tags) != 1 || aws.ToString(in.Tags[0].Value) != "v" {
				c.WriteError(w, req, desc, op, &awsapi.Error{Code: "InvalidParameterException", Message: "bad input"})
				return
			}
			_ = c.WriteOutput(w, req, desc, op, &createTopicOutput{TopicArn: ptr("arn:aws:sns:us-east-1:123456789012:" + aws.ToString(in.Name))})
		case "GetTopicAttributes":
			c.WriteError(w, req, desc, op, &awsapi.Error{Code: "NotFoundException", Status: 404, Message: "Topic does not exist"})
		}
	}))
	t.Cleanup(srv.Close)
	client := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	ctx := context.Background()

	lt, err := client.ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil {
		t.Fatalf("ListTopics: %v", err)
	}
	if len(lt.Topics) != 2 || aws.ToString(lt.Topics[1].TopicArn) != "arn:aws:sns:us-east-1:123456789012:b" || aws.ToString(lt.NextToken) != "nt" {
		t.Fatalf("unexpected ListTopics output %+v", lt)
	}

	ct, err := client.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t1"),
		Attributes: map[string]string{"DisplayName": "Shown"}, Tags: []snstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	if aws.ToString(ct.TopicArn) != "arn:aws:sns:us-east-1:123456789012:t1" {
		t.Fatalf("TopicArn = %q", aws.ToString(ct.TopicArn))
	}

	_, err = client.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:x")})
	var nf *snstypes.NotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Topic does not exist" || nf.ErrorCode() != "NotFound" {
		t.Fatalf("err = %v, want NotFoundException", err)
	}

	_, err = client.Publish(ctx, &sns.PublishInput{Message: aws.String("m"), TopicArn: aws.String("arn:x")})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidAction" || api.ErrorMessage() != "Could not find operation Publish for version 2010-03-31" {
		t.Fatalf("err = %v, want InvalidAction", err)
	}
}
