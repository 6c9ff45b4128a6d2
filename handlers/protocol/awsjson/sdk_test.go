package awsjson

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// serve runs handle for each request after the codec decoded nothing yet;
// handle gets the operation name and the protocol request.
func serve(t *testing.T, desc *awsapi.ServiceDescriptor, handle func(w http.ResponseWriter, req *protocol.Request, op *awsapi.Operation)) string {
	t.Helper()
	c := New()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := &protocol.Request{HTTP: r, Body: body, RequestID: "rid-1"}
		name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), desc.TargetPrefix+".")
		op, known := desc.Operation(name)
		if !ok || !known {
			c.WriteError(w, req, desc, nil, UnknownOperation())
			return
		}
		handle(w, req, op)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func creds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
}

func TestKinesisSDK(t *testing.T) {
	t.Parallel()
	c := New()
	desc := kinesisDesc()
	created := time.Unix(1681224803, 0)
	url := serve(t, desc, func(w http.ResponseWriter, req *protocol.Request, op *awsapi.Operation) {
		switch op.Name {
		case "ListStreams":
			var in listStreamsInput
			if err := c.DecodeInput(req, desc, op, &in); err != nil {
				ae, _ := awsapi.AsError(err)
				c.WriteError(w, req, desc, op, ae)
				return
			}
			if in.Limit == nil || *in.Limit != 5 {
				c.WriteError(w, req, desc, op, awsapi.Errorf("ResourceNotFoundException", "Stream x under account 123456789012 not found."))
				return
			}
			_ = c.WriteOutput(w, req, desc, op, &listStreamsOutput{
				HasMoreStreams: ptr(true), NextToken: ptr("tok"), StreamNames: []string{"s1"},
				StreamSummaries: []streamSummary{{StreamARN: ptr("arn:s1"), StreamName: ptr("s1"), StreamStatus: "ACTIVE",
					StreamCreationTimestamp: &created, StreamModeDetails: &streamModeDetails{StreamMode: "ON_DEMAND"}}},
			})
		case "PutRecords":
			var in putRecordsInput
			if err := c.DecodeInput(req, desc, op, &in); err != nil {
				ae, _ := awsapi.AsError(err)
				c.WriteError(w, req, desc, op, ae)
				return
			}
			out := &putRecordsOutput{FailedRecordCount: ptr[int32](0)}
			for _, r := range in.Records {
				out.Records = append(out.Records, putRecordsResultEntry{SequenceNumber: ptr(string(r.Data)), ShardId: r.PartitionKey})
			}
			_ = c.WriteOutput(w, req, desc, op, out)
		}
	})
	client := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds(), RetryMaxAttempts: 1})
	ctx := context.Background()

	out, err := client.ListStreams(ctx, &kinesis.ListStreamsInput{Limit: aws.Int32(5)})
	if err != nil {
		t.Fatalf("ListStreams: %v", err)
	}
	if !aws.ToBool(out.HasMoreStreams) || aws.ToString(out.NextToken) != "tok" || len(out.StreamSummaries) != 1 {
		t.Fatalf("unexpected output %+v", out)
	}
	s := out.StreamSummaries[0]
	if !s.StreamCreationTimestamp.Equal(created) || s.StreamModeDetails.StreamMode != kinesistypes.StreamModeOnDemand || s.StreamStatus != kinesistypes.StreamStatusActive {
		t.Fatalf("unexpected summary %+v", s)
	}

	_, err = client.ListStreams(ctx, &kinesis.ListStreamsInput{Limit: aws.Int32(1)})
	var rnf *kinesistypes.ResourceNotFoundException
	if !errors.As(err, &rnf) || rnf.ErrorMessage() != "Stream x under account 123456789012 not found." {
		t.Fatalf("err = %v, want ResourceNotFoundException", err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ResourceNotFoundException" {
		t.Fatalf("api error = %v", err)
	}

	pr, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String("s"), Records: []kinesistypes.PutRecordsRequestEntry{
		{Data: []byte("d1"), PartitionKey: aws.String("p1")}, {Data: []byte("d2"), PartitionKey: aws.String("p2")},
	}})
	if err != nil {
		t.Fatalf("PutRecords: %v", err)
	}
	if len(pr.Records) != 2 || aws.ToString(pr.Records[1].SequenceNumber) != "d2" || aws.ToString(pr.Records[1].ShardId) != "p2" {
		t.Fatalf("unexpected PutRecords output %+v", pr.Records)
	}

	// An operation the server does not know.
	_, err = client.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{})
	if !errors.As(err, &api) || api.ErrorCode() != "UnknownOperationException" {
		t.Fatalf("DescribeLimits err = %v, want UnknownOperationException", err)
	}
}

func TestSQSSDK(t *testing.T) {
	t.Parallel()
	c := New()
	desc := sqsDesc()
	url := serve(t, desc, func(w http.ResponseWriter, req *protocol.Request, op *awsapi.Operation) {
		if req.HTTP.Header.Get("X-Amzn-Query-Mode") != "true" {
			c.WriteError(w, req, desc, op, awsapi.Errorf("MissingQueryMode", "x"))
			return
		}
		switch op.Name {
		case "ListQueues":
			var in listQueuesInput
			if err := c.DecodeInput(req, desc, op, &in); err != nil {
				ae, _ := awsapi.AsError(err)
				c.WriteError(w, req, desc, op, ae)
				return
			}
			_ = c.WriteOutput(w, req, desc, op, &listQueuesOutput{QueueUrls: []string{hostURL(req) + "/123/" + aws.ToString(in.QueueNamePrefix)}})
		case "GetQueueUrl":
			c.WriteError(w, req, desc, op, awsapi.Errorf("QueueDoesNotExist", "The specified queue does not exist."))
		}
	})
	client := sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds(), RetryMaxAttempts: 1})
	ctx := context.Background()

	out, err := client.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("q1"), MaxResults: aws.Int32(3)})
	if err != nil {
		t.Fatalf("ListQueues: %v", err)
	}
	if len(out.QueueUrls) != 1 || !strings.HasSuffix(out.QueueUrls[0], "/123/q1") {
		t.Fatalf("QueueUrls = %v", out.QueueUrls)
	}

	_, err = client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	var qdne *sqstypes.QueueDoesNotExist
	if !errors.As(err, &qdne) {
		t.Fatalf("err = %v, want QueueDoesNotExist", err)
	}
	if qdne.ErrorCode() != "AWS.SimpleQueueService.NonExistentQueue" || qdne.ErrorMessage() != "The specified queue does not exist." {
		t.Fatalf("code %q message %q", qdne.ErrorCode(), qdne.ErrorMessage())
	}
}

func hostURL(req *protocol.Request) string { return "http://" + req.HTTP.Host }
