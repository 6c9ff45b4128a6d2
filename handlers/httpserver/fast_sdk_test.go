package httpserver_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/handlers/httpserver"
)

// TestSDKCallsTakeFastPath checks that aws-sdk-go-v2's awsJson and awsQuery
// calls are plain requests (the fast path serves them), and that a REST
// call goes to net/http, by answering each with a fixed body.
func TestSDKCallsTakeFastPath(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	served := map[string]bool{} // operation -> served by net/http
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		op := r.Header.Get("X-Amz-Target")
		switch {
		case op != "":
		case strings.Contains(string(body), "Action=ListTopics"):
			op = "ListTopics"
		default:
			op = r.Method + " " + r.URL.Path
		}
		mu.Lock()
		served[op] = r.Context().Value(http.ServerContextKey) != nil
		mu.Unlock()
		switch {
		case op == "ListTopics":
			w.Header().Set("Content-Type", "text/xml")
			_, _ = io.WriteString(w, `<ListTopicsResponse><ListTopicsResult><Topics/></ListTopicsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListTopicsResponse>`)
		case strings.HasPrefix(op, "Kinesis"):
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = io.WriteString(w, `{"StreamNames":[],"HasMoreStreams":false}`)
		case strings.HasPrefix(op, "AmazonSQS"):
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			_, _ = io.WriteString(w, `{}`)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"Functions":[]}`)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(h, httpserver.Config{})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	endpoint := "http://" + ln.Addr().String()
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
		BaseEndpoint: aws.String(endpoint),
	}
	ctx := context.Background()
	if _, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{}); err != nil {
		t.Fatalf("SQS: %v", err)
	}
	if _, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{}); err != nil {
		t.Fatalf("Kinesis: %v", err)
	}
	if _, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{}); err != nil {
		t.Fatalf("SNS: %v", err)
	}
	if _, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{}); err != nil {
		t.Fatalf("Lambda: %v", err)
	}
	want := map[string]bool{
		"AmazonSQS.ListQueues":         false,
		"Kinesis_20131202.ListStreams": false,
		"ListTopics":                   false,
		"GET /2015-03-31/functions":    true,
	}
	for op, netHTTP := range want {
		got, ok := served[op]
		if !ok || got != netHTTP {
			t.Errorf("%s: served (%v) by net/http %v, want %v (all: %v)", op, ok, got, netHTTP, served)
		}
	}
}
