package emulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
)

// uiStack is an emulator with something of every kind for the dashboard:
// a source queue whose three messages were dead-lettered to orders-dlq, a
// Glue schema with an AVAILABLE and a FAILURE version after the first, a
// stream, a topic with a subscription, a rule with a target and a
// function invoked twice (once failing).
type uiStack struct {
	e                   *emulator.Emulator
	sqs                 *awssqs.Client
	srcURL, dlqURL      string
	srcARN, dlqARN      string
	versionIDs          []string // v1 AVAILABLE, v2 AVAILABLE, v3 FAILURE
	dlqBodies           []string
	functionName, topic string
}

const (
	uiAvroV1 = `{"type":"record","name":"User","fields":[{"name":"id","type":"string"}]}`
	uiAvroV2 = `{"type":"record","name":"User","fields":[{"name":"id","type":"string"},{"name":"email","type":["null","string"],"default":null}]}`
	uiAvroV3 = `{"type":"record","name":"User","fields":[{"name":"id","type":"string"},{"name":"email","type":["null","string"],"default":null},{"name":"age","type":"int"}]}`
)

func newUIStack(t *testing.T, opts ...emulator.Option) *uiStack {
	t.Helper()
	e := emulator.Start(t, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cfg := e.AWSConfig()
	s := &uiStack{e: e, sqs: awssqs.NewFromConfig(cfg), functionName: "greeter", topic: "signups"}
	s.dlqURL, s.dlqARN = queueARN(t, s.sqs, "orders-dlq")
	s.srcURL, s.srcARN = queueARN(t, s.sqs, "orders")
	must(s.sqs.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: &s.srcURL, Attributes: map[string]string{
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"1"}`, s.dlqARN),
		"VisibilityTimeout": "0"}}))
	for i := range 3 {
		body := fmt.Sprintf(`{"order":%d}`, i+1)
		s.dlqBodies = append(s.dlqBodies, body)
		must(s.sqs.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: &s.srcURL, MessageBody: aws.String(body),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{"kind": {DataType: aws.String("String"), StringValue: aws.String("order")}}}))
	}
	// The first receive counts 1; the next finds the count at the maximum
	// and moves the messages to the DLQ.
	for range 2 {
		for range 3 {
			must(s.sqs.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &s.srcURL, MaxNumberOfMessages: 10}))
		}
	}
	if n := queueCount(t, s.sqs, s.dlqURL); n != 3 {
		t.Fatalf("orders-dlq holds %d messages after the receives, want 3", n)
	}

	gl := glue.NewFromConfig(cfg)
	must(gl.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("accounts")}))
	cs := must(gl.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &gluetypes.RegistryId{RegistryName: aws.String("accounts")}, SchemaName: aws.String("User"),
		DataFormat: gluetypes.DataFormatAvro, Compatibility: gluetypes.CompatibilityBackward, SchemaDefinition: aws.String(uiAvroV1)}))
	s.versionIDs = append(s.versionIDs, aws.ToString(cs.SchemaVersionId))
	for _, def := range []string{uiAvroV2, uiAvroV3} {
		v := must(gl.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: &gluetypes.SchemaId{RegistryName: aws.String("accounts"), SchemaName: aws.String("User")}, SchemaDefinition: aws.String(def)}))
		s.versionIDs = append(s.versionIDs, aws.ToString(v.SchemaVersionId))
	}

	kin := awskinesis.NewFromConfig(cfg)
	must(kin.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String("clicks"), ShardCount: aws.Int32(2)}))
	if err := awskinesis.NewStreamExistsWaiter(kin, func(o *awskinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}).Wait(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String("clicks")}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// The stream is guarded by the Avro schema in record mode: a record
	// not framed for the registry is a violation.
	must(kin.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: aws.String("clicks"), Tags: map[string]string{
		"evolvestack:schema": "glue:accounts/User", "evolvestack:schema-mode": "record"}}))
	must(kin.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("clicks"), PartitionKey: aws.String("p"), Data: []byte(`{"id":"u-1"}`)}))

	sn := awssns.NewFromConfig(cfg)
	topic := must(sn.CreateTopic(ctx, &awssns.CreateTopicInput{Name: &s.topic}))
	must(sn.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: &s.srcARN}))

	eb := awseb.NewFromConfig(cfg)
	must(eb.PutRule(ctx, &awseb.PutRuleInput{Name: aws.String("big-orders"), EventPattern: aws.String(`{"source":["shop"]}`)}))
	must(eb.PutTargets(ctx, &awseb.PutTargetsInput{Rule: aws.String("big-orders"), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: &s.srcARN}}}))

	if err := e.RegisterHandler(s.functionName, func(_ context.Context, ev struct{ Fail bool }) (map[string]string, error) {
		if ev.Fail {
			return nil, fmt.Errorf("refusing to greet")
		}
		return map[string]string{"greeting": "hello"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	lam := awslambda.NewFromConfig(cfg)
	for _, p := range []string{`{"Fail":false}`, `{"Fail":true}`} {
		must(lam.Invoke(ctx, &awslambda.InvokeInput{FunctionName: &s.functionName, Payload: []byte(p)}))
	}
	return s
}

// queueCount returns a queue's visible, in-flight and delayed messages.
func queueCount(t *testing.T, c *awssqs.Client, url string) int {
	t.Helper()
	out := must(c.GetQueueAttributes(context.Background(), &awssqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{"All"}}))
	n := 0
	for _, k := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"} {
		var v int
		fmt.Sscan(out.Attributes[k], &v)
		n += v
	}
	return n
}

// uiCall sends an admin request with optional headers and decodes the
// JSON answer into out (when not nil).
func uiCall(t *testing.T, e *emulator.Emulator, method, path, body string, headers map[string]string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, e.Endpoint()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// uiToken reads the token the dashboard's page embeds.
func uiToken(t *testing.T, e *emulator.Emulator) string {
	t.Helper()
	resp, err := http.Get(e.Endpoint() + "/_evolvestack/ui/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`<meta name="evolvestack-token" content="([0-9a-f]{32})">`).FindSubmatch(raw)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET /_evolvestack/ui/: %d, no token in %q", resp.StatusCode, raw)
	}
	return string(m[1])
}

type uiOverview struct {
	Kinesis []struct {
		Name       string
		OpenShards int
	} `json:"kinesisStreams"`
	SQS []struct {
		Name                       string
		Visible, InFlight, Delayed int
		DeadLetter                 bool
		DeadLetterTarget           string
		MaxReceiveCount            int
	} `json:"sqsQueues"`
	SNS []struct {
		Name          string
		Subscriptions []map[string]string
	} `json:"snsTopics"`
	Events []struct {
		Name  string
		Rules []struct {
			Name    string
			Targets int
		}
	} `json:"eventBuses"`
	Lambda []struct{ Name string } `json:"lambdaFunctions"`
	Glue   []struct {
		Name    string
		Schemas []struct {
			Name     string
			Versions []struct{ ID, Status string }
		}
	} `json:"glueRegistries"`
	Errors map[string]string `json:"errors"`
}

// TestUIOverview: the overview lists every resource of the stack with
// its counts, the DLQ marked, and nothing for an empty scope.
func TestUIOverview(t *testing.T) {
	t.Parallel()
	s := newUIStack(t)
	var ov uiOverview
	if st := uiCall(t, s.e, "GET", "/_evolvestack/overview", "", nil, &ov); st != 200 {
		t.Fatalf("status %d", st)
	}
	if len(ov.Errors) != 0 {
		t.Errorf("errors: %v", ov.Errors)
	}
	got := map[string]string{}
	for _, k := range ov.Kinesis {
		got["stream "+k.Name] = fmt.Sprint(k.OpenShards)
	}
	for _, q := range ov.SQS {
		got["queue "+q.Name] = fmt.Sprintf("%d/%d/%d dlq=%v max=%d", q.Visible, q.InFlight, q.Delayed, q.DeadLetter, q.MaxReceiveCount)
	}
	for _, tp := range ov.SNS {
		got["topic "+tp.Name] = fmt.Sprint(len(tp.Subscriptions))
	}
	for _, b := range ov.Events {
		for _, r := range b.Rules {
			got["rule "+b.Name+"/"+r.Name] = fmt.Sprint(r.Targets)
		}
	}
	for _, f := range ov.Lambda {
		got["function "+f.Name] = "yes"
	}
	for _, r := range ov.Glue {
		for _, sc := range r.Schemas {
			var st []string
			for _, v := range sc.Versions {
				st = append(st, v.Status)
			}
			got["schema "+r.Name+"/"+sc.Name] = strings.Join(st, ",")
		}
	}
	for _, tc := range []struct{ key, want string }{
		{"stream clicks", "2"},
		{"queue orders", "0/0/0 dlq=false max=1"},
		{"queue orders-dlq", "3/0/0 dlq=true max=0"},
		{"topic signups", "1"},
		{"rule default/big-orders", "1"},
		{"function greeter", "yes"},
		{"schema accounts/User", "AVAILABLE,AVAILABLE,FAILURE"},
	} {
		if got[tc.key] != tc.want {
			t.Errorf("%s: %q, want %q (all: %v)", tc.key, got[tc.key], tc.want, got)
		}
	}
	var empty uiOverview
	if st := uiCall(t, s.e, "GET", "/_evolvestack/overview?account=111122223333", "", nil, &empty); st != 200 || len(empty.SQS)+len(empty.Kinesis)+len(empty.Lambda)+len(empty.Glue) != 0 {
		t.Errorf("another account: %d %+v, want 200 and nothing", st, empty)
	}
	var bad map[string]string
	if st := uiCall(t, s.e, "GET", "/_evolvestack/overview?region=nowhere!", "", nil, &bad); st != 400 || !strings.Contains(bad["error"], "region") {
		t.Errorf("bad region: %d %v, want 400 naming the region", st, bad)
	}
}

type uiPeek struct {
	Total    int
	Messages []struct {
		MessageID         string
		Body              string
		State             string
		Attributes        map[string]string
		MessageAttributes map[string]struct{ StringValue, DataType string }
	}
}

// TestUIPeekLeavesMessagesAlone: peeking a DLQ shows its messages, why
// they are there and their attributes, and leaves visibility and receive
// counts as they were: a receive afterwards gets all of them, counted
// once more than before the peek.
func TestUIPeekLeavesMessagesAlone(t *testing.T) {
	t.Parallel()
	s := newUIStack(t)
	var first, second uiPeek
	for _, p := range []*uiPeek{&first, &second} {
		if st := uiCall(t, s.e, "GET", "/_evolvestack/sqs/queues/orders-dlq/peek", "", nil, p); st != 200 {
			t.Fatalf("peek: %d", st)
		}
	}
	if first.Total != 3 || len(first.Messages) != 3 {
		t.Fatalf("peek: %+v, want 3 messages", first)
	}
	counts := map[string]string{}
	var bodies []string
	for i, m := range first.Messages {
		bodies = append(bodies, m.Body)
		counts[m.MessageID] = m.Attributes["ApproximateReceiveCount"]
		if m.State != "visible" || m.Attributes["DeadLetterQueueSourceArn"] != s.srcARN || m.Attributes["SentTimestamp"] == "" ||
			m.Attributes["ApproximateReceiveCount"] == "" || m.MessageAttributes["kind"].StringValue != "order" {
			t.Errorf("message %d: %+v, want visible, from %s, with its counts and kind=order", i, m, s.srcARN)
		}
		if fmt.Sprint(second.Messages[i]) != fmt.Sprint(m) {
			t.Errorf("a second peek differs: %+v then %+v", m, second.Messages[i])
		}
	}
	slices.Sort(bodies)
	if !slices.Equal(bodies, s.dlqBodies) {
		t.Errorf("bodies %q, want %q", bodies, s.dlqBodies)
	}
	var limited uiPeek
	if st := uiCall(t, s.e, "GET", "/_evolvestack/sqs/queues/orders-dlq/peek?max=1", "", nil, &limited); st != 200 || limited.Total != 3 || len(limited.Messages) != 1 {
		t.Errorf("max=1: %d %+v, want 1 of 3", st, limited)
	}
	out := must(s.sqs.ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: &s.dlqURL, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"ApproximateReceiveCount"}}))
	if len(out.Messages) != 3 {
		t.Fatalf("a receive after the peeks got %d messages, want 3", len(out.Messages))
	}
	for _, m := range out.Messages {
		var before int
		fmt.Sscan(counts[aws.ToString(m.MessageId)], &before)
		if c := m.Attributes["ApproximateReceiveCount"]; c != fmt.Sprint(before+1) {
			t.Errorf("receive count %s after the peeks, want %d (peeks do not count)", c, before+1)
		}
	}
	var inflight uiPeek
	uiCall(t, s.e, "GET", "/_evolvestack/sqs/queues/orders-dlq/peek", "", nil, &inflight)
	if inflight.Total != 3 || inflight.Messages[0].State != "inflight" {
		t.Errorf("after a receive: %+v, want 3 in flight", inflight)
	}
}

// TestUIAdminErrors: bad input to the dashboard's endpoints gets the
// error SQS or Glue gives, or a 400 naming the parameter; never a 500.
func TestUIAdminErrors(t *testing.T) {
	t.Parallel()
	s := newUIStack(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"peek missing queue", "GET", "/_evolvestack/sqs/queues/nope/peek", "", 400, "QueueDoesNotExist"},
		{"peek max zero", "GET", "/_evolvestack/sqs/queues/orders-dlq/peek?max=0", "", 400, "max must be"},
		{"peek max text", "GET", "/_evolvestack/sqs/queues/orders-dlq/peek?max=x", "", 400, "max must be"},
		{"peek bad account", "GET", "/_evolvestack/sqs/queues/orders-dlq/peek?account=12", "", 400, "12-digit"},
		{"redrive missing queue", "POST", "/_evolvestack/sqs/queues/nope/redrive", "", 400, "QueueDoesNotExist"},
		{"redrive not a DLQ", "POST", "/_evolvestack/sqs/queues/orders/redrive", "", 400, "InvalidParameterValue"},
		{"redrive bad body", "POST", "/_evolvestack/sqs/queues/orders-dlq/redrive", "{", 400, "malformed JSON"},
		{"purge missing queue", "POST", "/_evolvestack/sqs/queues/nope/purge", "", 400, "QueueDoesNotExist"},
		{"diff missing from", "GET", "/_evolvestack/glue/diff?to=" + s.versionIDs[0], "", 400, `"from"`},
		{"diff unknown version", "GET", "/_evolvestack/glue/diff?from=" + s.versionIDs[0] + "&to=00000000-0000-0000-0000-000000000000", "", 400, "EntityNotFoundException"},
		{"ui file missing", "GET", "/_evolvestack/ui/nope.js", "", 404, "no dashboard file"},
		{"peek wrong method", "POST", "/_evolvestack/sqs/queues/orders-dlq/peek", "", 405, "not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out map[string]string
			st := uiCall(t, s.e, tc.method, tc.path, tc.body, nil, &out)
			if st != tc.status || !strings.Contains(out["error"]+" "+out["code"], tc.want) {
				t.Errorf("%d %v, want %d with %q", st, out, tc.status, tc.want)
			}
		})
	}
}

// TestUISchemaDiff: the diff of two versions aligns their pretty-printed
// definitions line by line, and the FAILURE version's findings name the
// field that broke compatibility.
func TestUISchemaDiff(t *testing.T) {
	t.Parallel()
	s := newUIStack(t)
	var d struct {
		From, To struct {
			Number     int
			Status     string
			Definition string
		}
		Lines []struct {
			Op          string
			Left, Right int
			Text        string
		}
	}
	if st := uiCall(t, s.e, "GET", "/_evolvestack/glue/diff?from="+s.versionIDs[1]+"&to="+s.versionIDs[2], "", nil, &d); st != 200 {
		t.Fatalf("diff: %d", st)
	}
	if d.From.Number != 2 || d.To.Number != 3 || d.To.Status != "FAILURE" || !strings.Contains(d.From.Definition, "\n") {
		t.Errorf("sides %+v %+v", d.From, d.To)
	}
	var added, removed []string
	for _, l := range d.Lines {
		switch l.Op {
		case "+":
			added = append(added, strings.TrimSpace(l.Text))
		case "-":
			removed = append(removed, strings.TrimSpace(l.Text))
		}
	}
	if !strings.Contains(strings.Join(added, " "), `"name": "age"`) || len(removed) > len(added) {
		t.Errorf("added %q removed %q: want the age field added", added, removed)
	}
	var rep struct {
		Status   string
		Findings []struct{ Explanation string }
	}
	uiCall(t, s.e, "GET", "/_evolvestack/glue/schema-versions/"+s.versionIDs[2], "", nil, &rep)
	if rep.Status != "FAILURE" || len(rep.Findings) == 0 || !strings.Contains(rep.Findings[0].Explanation, "age") {
		t.Errorf("findings %+v, want one naming age", rep)
	}
}

// TestUIRedriveAndPurge: redrive moves the DLQ's messages back to their
// source with a message move task; purge empties a queue.
func TestUIRedriveAndPurge(t *testing.T) {
	t.Parallel()
	s := newUIStack(t)
	var r struct{ TaskHandle, SourceArn string }
	if st := uiCall(t, s.e, "POST", "/_evolvestack/sqs/queues/orders-dlq/redrive", "", nil, &r); st != 200 || r.TaskHandle == "" || r.SourceArn != s.dlqARN {
		t.Fatalf("redrive: %d %+v", st, r)
	}
	deadline := time.Now().Add(20 * time.Second)
	for queueCount(t, s.sqs, s.srcURL) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("orders holds %d messages 20 s after the redrive, want 3", queueCount(t, s.sqs, s.srcURL))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := queueCount(t, s.sqs, s.dlqURL); n != 0 {
		t.Errorf("orders-dlq holds %d after the redrive, want 0", n)
	}
	if st := uiCall(t, s.e, "POST", "/_evolvestack/sqs/queues/orders/purge", "", nil, nil); st != 200 {
		t.Fatalf("purge: %d", st)
	}
	if n := queueCount(t, s.sqs, s.srcURL); n != 0 {
		t.Errorf("orders holds %d after the purge, want 0", n)
	}
}

// TestUITokenGuardsBrowserChanges: a change sent by a browser (Origin or
// Sec-Fetch-Site) needs the dashboard's token; reads and scripts do not.
func TestUITokenGuardsBrowserChanges(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	token := uiToken(t, e)
	origin := e.Endpoint()
	tests := []struct {
		name, method, path, body string
		headers                  map[string]string
		status                   int
	}{
		{"reset from the page without the token", "POST", "/_evolvestack/reset", "{}", map[string]string{"Origin": origin}, 403},
		{"reset with fetch metadata only", "POST", "/_evolvestack/reset", "{}", map[string]string{"Sec-Fetch-Site": "same-origin"}, 403},
		{"reset with a wrong token", "POST", "/_evolvestack/reset", "{}", map[string]string{"Origin": origin, "X-Evolvestack-Token": strings.Repeat("0", 32)}, 403},
		{"reset with the token", "POST", "/_evolvestack/reset", "{}", map[string]string{"Origin": origin, "X-Evolvestack-Token": token}, 200},
		{"reset from a script", "POST", "/_evolvestack/reset", "{}", nil, 200},
		{"clock from the page without the token", "POST", "/_evolvestack/clock", `{"advance":"1s"}`, map[string]string{"Origin": origin}, 403},
		{"clock with the token", "POST", "/_evolvestack/clock", `{"advance":"1s"}`, map[string]string{"Origin": origin, "X-Evolvestack-Token": token}, 200},
		{"fault add without the token", "POST", "/_evolvestack/faults", `{"service":"sqs","status":503,"count":1}`, map[string]string{"Origin": origin}, 403},
		{"fault clear without the token", "DELETE", "/_evolvestack/faults", "", map[string]string{"Origin": origin}, 403},
		{"fault clear with the token", "DELETE", "/_evolvestack/faults", "", map[string]string{"Origin": origin, "X-Evolvestack-Token": token}, 200},
		{"purge without the token", "POST", "/_evolvestack/sqs/queues/q/purge", "", map[string]string{"Origin": origin}, 403},
		{"redrive without the token", "POST", "/_evolvestack/sqs/queues/q/redrive", "", map[string]string{"Origin": origin}, 403},
		{"read from the page", "GET", "/_evolvestack/clock", "", map[string]string{"Origin": origin, "Sec-Fetch-Site": "same-origin"}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out map[string]any
			st := uiCall(t, e, tc.method, tc.path, tc.body, tc.headers, &out)
			if st != tc.status {
				t.Errorf("%d %v, want %d", st, out, tc.status)
			}
			if st == 403 && !strings.Contains(fmt.Sprint(out["error"]), "X-Evolvestack-Token") {
				t.Errorf("refusal %v does not name the header", out)
			}
		})
	}
	if other := uiToken(t, emulator.Start(t)); other == token {
		t.Error("two emulators share a dashboard token")
	}
}

// TestUIServed: the page, its script and its style are served with their
// types and protections, and the bare path redirects to the page.
func TestUIServed(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		path, status, ctype, contains string
	}{
		{"/_evolvestack/ui", "301", "", ""},
		{"/_evolvestack/ui/", "200", "text/html; charset=utf-8", `<meta name="evolvestack-token"`},
		{"/_evolvestack/ui/app.js", "200", "text/javascript; charset=utf-8", "X-Evolvestack-Token"},
		{"/_evolvestack/ui/style.css", "200", "text/css; charset=utf-8", ".diff"},
	}
	for _, tc := range tests {
		resp, err := client.Get(e.Endpoint() + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if fmt.Sprint(resp.StatusCode) != tc.status || resp.Header.Get("Content-Type") != tc.ctype && tc.ctype != "" || !strings.Contains(string(raw), tc.contains) {
			t.Errorf("%s: %d %q, want %s %q containing %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype, tc.contains)
		}
		if tc.status == "200" && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", tc.path, resp.Header.Get("Content-Security-Policy"))
		}
		if tc.status == "301" && resp.Header.Get("Location") != "/_evolvestack/ui/" {
			t.Errorf("redirect to %q", resp.Header.Get("Location"))
		}
	}
}

// TestUIPeekStates: a peek tells delayed, in-flight and visible messages
// apart, shows when the hidden ones show again, keeps FIFO details, and
// leaves out nothing a receive would later return.
func TestUIPeekStates(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	sq := awssqs.NewFromConfig(e.AWSConfig())
	std := must(sq.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("states")})).QueueUrl
	fifo := must(sq.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("states.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}})).QueueUrl
	must(sq.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: std, MessageBody: aws.String("received")}))
	must(sq.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: std, VisibilityTimeout: 300}))
	must(sq.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: std, MessageBody: aws.String("delayed"), DelaySeconds: 600}))
	must(sq.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: std, MessageBody: aws.String("waiting")}))
	must(sq.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: fifo, MessageBody: aws.String("ordered"), MessageGroupId: aws.String("g1")}))
	tests := []struct {
		queue, body, state, attr, value string
		hidden                          bool
	}{
		{"states", "received", "inflight", "ApproximateReceiveCount", "1", true},
		{"states", "delayed", "delayed", "ApproximateReceiveCount", "0", true},
		{"states", "waiting", "visible", "ApproximateReceiveCount", "0", false},
		{"states.fifo", "ordered", "visible", "MessageGroupId", "g1", false},
	}
	for _, tc := range tests {
		t.Run(tc.queue+"/"+tc.body, func(t *testing.T) {
			var out struct {
				Messages []struct {
					Body, State string
					VisibleAt   *time.Time
					Attributes  map[string]string
				}
			}
			if st := uiCall(t, e, "GET", "/_evolvestack/sqs/queues/"+tc.queue+"/peek", "", nil, &out); st != 200 {
				t.Fatalf("status %d", st)
			}
			for _, m := range out.Messages {
				if m.Body != tc.body {
					continue
				}
				if m.State != tc.state || m.Attributes[tc.attr] != tc.value || (m.VisibleAt != nil) != tc.hidden {
					t.Errorf("%+v, want %s with %s=%s, visibleAt set %v", m, tc.state, tc.attr, tc.value, tc.hidden)
				}
				return
			}
			t.Errorf("no message %q in %+v", tc.body, out.Messages)
		})
	}
	if n := queueCount(t, sq, *std); n != 3 {
		t.Errorf("states holds %d after the peeks, want 3", n)
	}
}

// TestUIStrict: with strict authentication the dashboard and its
// endpoints are closed like the rest of the admin API; the admin token
// opens them, and a browser's change then still needs the page's token.
func TestUIStrict(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithStrictAuth(map[string]string{emulator.DefaultAccount: "evolvestack"}))
	admin := map[string]string{"Authorization": "Bearer " + e.AdminToken()}
	tests := []struct {
		name, method, path string
		headers            map[string]string
		status             int
	}{
		{"page unsigned", "GET", "/_evolvestack/ui/", nil, 403},
		{"overview unsigned", "GET", "/_evolvestack/overview", nil, 403},
		{"peek unsigned", "GET", "/_evolvestack/sqs/queues/q/peek", nil, 403},
		{"tail unsigned", "GET", "/_evolvestack/tail?format=json", nil, 403},
		{"purge unsigned", "POST", "/_evolvestack/sqs/queues/q/purge", nil, 403},
		{"overview with the admin token", "GET", "/_evolvestack/overview", admin, 200},
		{"browser reset with the admin token only", "POST", "/_evolvestack/reset",
			map[string]string{"Authorization": admin["Authorization"], "Origin": e.Endpoint()}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if st := uiCall(t, e, tc.method, tc.path, "", tc.headers, nil); st != tc.status {
				t.Errorf("%d, want %d", st, tc.status)
			}
		})
	}
}
