package emulator_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

type tailEvent struct {
	Seq                                uint64
	Kind, Service, Operation, Resource string
	Account, Region, RequestID, Detail string
	Status                             int
}

// TestUITailRecent: the tail records every AWS call with its status and
// scope, and fired faults; the JSON form filters by service, operation,
// kind and errors.
func TestUITailRecent(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	sq := awssqs.NewFromConfig(e.AWSConfig(), func(o *awssqs.Options) { o.RetryMaxAttempts = 1 })
	url := must(sq.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("tailq")})).QueueUrl
	must(sq.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("x")}))
	if _, err := sq.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String("missing")}); err == nil {
		t.Fatal("GetQueueUrl of a missing queue succeeded")
	}
	if _, err := e.Faults().Add(faults.Rule{Service: "sqs", Operation: "SendMessage", Status: 503, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := sq.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("y")}); err == nil {
		t.Fatal("the fault did not fire")
	}
	tests := []struct {
		name, query string
		want        []string // kind service operation status, in order
	}{
		{"sqs calls", "service=sqs&kind=call", []string{"call sqs CreateQueue 200", "call sqs SendMessage 200", "call sqs GetQueueUrl 400", "call sqs SendMessage 503"}},
		{"one operation", "operation=sendmessage,GetQueueUrl&kind=call", []string{"call sqs SendMessage 200", "call sqs GetQueueUrl 400", "call sqs SendMessage 503"}},
		{"errors", "errors=1", []string{"call sqs GetQueueUrl 400", "call sqs SendMessage 503", "fault sqs SendMessage 0"}},
		{"faults", "kind=fault", []string{"fault sqs SendMessage 0"}},
		{"another account", "account=111122223333", nil},
		{"history 1", "history=1&kind=fault", []string{"fault sqs SendMessage 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out struct{ Events []tailEvent }
			if st := uiCall(t, e, "GET", "/_evolvestack/tail?format=json&"+tc.query, "", nil, &out); st != 200 {
				t.Fatalf("status %d", st)
			}
			var got []string
			for _, ev := range out.Events {
				got = append(got, strings.Join([]string{ev.Kind, ev.Service, ev.Operation, strconv.Itoa(ev.Status)}, " "))
				if ev.Kind == "call" && (ev.Account != "000000000000" || ev.Region != "us-east-1" || ev.RequestID == "") {
					t.Errorf("call %+v lacks its scope or request id", ev)
				}
				if ev.Kind == "fault" && !strings.Contains(ev.Detail, "503") {
					t.Errorf("fault %+v: detail does not say what fired", ev)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("events\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	var bad map[string]string
	if st := uiCall(t, e, "GET", "/_evolvestack/tail?history=-1", "", nil, &bad); st != 400 || !strings.Contains(bad["error"], "history") {
		t.Errorf("history=-1: %d %v", st, bad)
	}
	if st := uiCall(t, e, "GET", "/_evolvestack/tail?since=x", "", nil, &bad); st != 400 {
		t.Errorf("since=x: %d %v", st, bad)
	}
}

// TestUITailStream: the server-sent event stream delivers a call made
// after it opened (after the recent history), and a new stream resumes
// after Last-Event-ID with what happened in between.
func TestUITailStream(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sq := awssqs.NewFromConfig(e.AWSConfig())
	must(sq.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("before")}))

	open := func(ctx context.Context, lastID string) (*http.Response, *bufio.Reader) {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.Endpoint()+"/_evolvestack/tail?service=sqs", nil)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("stream: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return resp, bufio.NewReader(resp.Body)
	}
	// next reads the stream's next event: its id and data.
	next := func(br *bufio.Reader) (string, tailEvent) {
		var id string
		var ev tailEvent
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the stream: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[6:]), &ev); err != nil {
					t.Fatal(err)
				}
			case line == "" && ev.Operation != "":
				return id, ev
			}
		}
	}
	sctx, stop := context.WithCancel(ctx)
	resp, br := open(sctx, "")
	if _, ev := next(br); ev.Operation != "CreateQueue" || ev.Status != 200 {
		t.Fatalf("history: %+v, want the CreateQueue", ev)
	}
	must(sq.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("after")}))
	id, ev := next(br)
	if ev.Operation != "CreateQueue" || ev.Seq <= 1 || ev.Resource != "after" {
		t.Fatalf("live: %+v, want the second CreateQueue, naming its queue", ev)
	}
	stop()
	resp.Body.Close()

	must(sq.ListQueues(ctx, &awssqs.ListQueuesInput{}))
	resp2, br2 := open(ctx, id)
	defer resp2.Body.Close()
	if _, ev := next(br2); ev.Operation != "ListQueues" {
		t.Errorf("resumed after %s: %+v, want the ListQueues made while away", id, ev)
	}
}

// TestUITailDeliveries: delivery attempts (EventBridge to SQS, SNS to SQS)
// and Lambda invocations show in the tail with their resource.
func TestUITailDeliveries(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	ctx := context.Background()
	s.sq.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("sink")})
	sink := "arn:aws:sqs:us-east-1:000000000000:sink"
	topic := must(s.sn.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t")}))
	must(s.sn.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(sink)}))
	must(s.sn.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("m")}))
	must(s.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["shop"]}`)}))
	must(s.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(sink)}}}))
	must(s.eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{Source: aws.String("shop"), DetailType: aws.String("d"), Detail: aws.String("{}")}}}))
	must(s.lam.CreateFunction(ctx, &lambdasdk.CreateFunctionInput{FunctionName: aws.String("fn"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("x"),
		Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &lambdatypes.FunctionCode{ZipFile: shellZip(t, "exit 1")}}))
	waitActive := lambdasdk.NewFunctionActiveV2Waiter(s.lam, func(o *lambdasdk.FunctionActiveV2WaiterOptions) {
		o.MinDelay = 10 * time.Millisecond
		o.MaxDelay = 50 * time.Millisecond
	})
	if err := waitActive.Wait(ctx, &lambdasdk.GetFunctionInput{FunctionName: aws.String("fn")}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	s.lam.Invoke(ctx, &lambdasdk.InvokeInput{FunctionName: aws.String("fn")}) // a failing handler: an invocation all the same
	want := map[string]bool{"delivery sns sqs": false, "delivery events deliver": false, "invocation lambda API": false}
	// Only the failing invocation is an error among them.
	defer func() {
		var errs struct{ Events []tailEvent }
		uiCall(t, s.e, "GET", "/_evolvestack/tail?format=json&kind=delivery,invocation&errors=1", "", nil, &errs)
		if len(errs.Events) != 1 || errs.Events[0].Kind != "invocation" {
			t.Errorf("errors among deliveries and invocations: %+v, want the failed invocation", errs.Events)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var out struct{ Events []tailEvent }
		uiCall(t, s.e, "GET", "/_evolvestack/tail?format=json&kind=delivery,invocation", "", nil, &out)
		for _, ev := range out.Events {
			k := ev.Kind + " " + ev.Service + " " + ev.Operation
			if _, ok := want[k]; ok && ev.Resource != "" && ev.Account == "000000000000" {
				want[k] = true
			}
		}
		done := true
		for _, ok := range want {
			done = done && ok
		}
		if done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("tail events seen: %v", want)
}
