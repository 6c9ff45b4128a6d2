package emulator_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestLambdaDeadLetterTopic: an asynchronous invocation that fails all its
// attempts goes to the function's dead-letter topic (DeadLetterConfig may
// name an SNS topic as well as an SQS queue), with the RequestID, ErrorCode
// and ErrorMessage message attributes; a raw SQS subscription receives the
// payload and those attributes.
func TestLambdaDeadLetterTopic(t *testing.T) {
	t.Parallel()
	h := sdSetup(t)
	if err := h.e.RegisterHandler("dlq-fails", func(context.Context, map[string]any) error { return errors.New("broken handler") }); err != nil {
		t.Fatal(err)
	}
	topic := h.topic("fn-dead-letters", nil)
	qURL, qARN := h.queue("fn-dead-letters-q", nil)
	h.subscribe(topic, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	sdMust[*awslambda.UpdateFunctionConfigurationOutput](h)(h.lam.UpdateFunctionConfiguration(h.ctx(), &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("dlq-fails"), DeadLetterConfig: &lambdatypes.DeadLetterConfig{TargetArn: aws.String(topic)}}))
	sdMust[*awslambda.PutFunctionEventInvokeConfigOutput](h)(h.lam.PutFunctionEventInvokeConfig(h.ctx(), &awslambda.PutFunctionEventInvokeConfigInput{
		FunctionName: aws.String("dlq-fails"), MaximumRetryAttempts: aws.Int32(0)}))
	sdMust[*awslambda.InvokeOutput](h)(h.lam.Invoke(h.ctx(), &awslambda.InvokeInput{FunctionName: aws.String("dlq-fails"),
		InvocationType: lambdatypes.InvocationTypeEvent, Payload: []byte(`{"order":9}`)}))
	h.drive("dead-lettered through the topic", func() bool { return h.depth(qURL) > 0 })
	got, err := h.sqs.ReceiveMessage(h.ctx(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(qURL), MessageAttributeNames: []string{"All"},
		WaitTimeSeconds: 1, VisibilityTimeout: 30})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive: %v %+v", err, got)
	}
	m := got.Messages[0]
	if *m.Body != `{"order":9}` {
		t.Fatalf("body %q", *m.Body)
	}
	a := m.MessageAttributes
	if a["ErrorMessage"].StringValue == nil || *a["ErrorMessage"].StringValue != "broken handler" ||
		a["ErrorCode"].StringValue == nil || *a["ErrorCode"].StringValue != "200" || a["RequestID"].StringValue == nil || *a["RequestID"].StringValue == "" {
		t.Fatalf("attributes %+v", a)
	}
}
