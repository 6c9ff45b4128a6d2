package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/schemas"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
)

// stack is one run of an emulator over a data dir, with SDK clients.
type stack struct {
	e   *emulator.Emulator
	kin *kinesis.Client
	sq  *sqs.Client
	sn  *sns.Client
	eb  *eventbridge.Client
	sc  *schemas.Client
	gl  *glue.Client
	lam *lambdasdk.Client
}

func startStack(t *testing.T, opts ...emulator.Option) *stack {
	t.Helper()
	e := emulator.Start(t, opts...)
	cfg := e.AWSConfig()
	return &stack{
		e:   e,
		kin: kinesis.NewFromConfig(cfg),
		sq:  sqs.NewFromConfig(cfg),
		sn:  sns.NewFromConfig(cfg),
		eb:  eventbridge.NewFromConfig(cfg),
		sc:  schemas.NewFromConfig(cfg),
		gl:  glue.NewFromConfig(cfg),
		lam: lambdasdk.NewFromConfig(cfg),
	}
}

// must returns v, or panics with err (failing the test with the call's
// stack).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// seeded is what the first run made, for the second to check.
type seeded struct {
	queueURL, fifoURL, sinkURL string
	inflightHandle             string
	inflightID                 string
	fifoMsgID                  string
	records                    []string // Kinesis sequence numbers, in order
	shardIter                  string
	versionIDs                 []string
	now                        time.Time
	envURL, certURL            string // a non-raw SNS subscription's queue; the signing certificate's URL
}

const avroV1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
const avroV2 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":["null","string"],"default":null}]}`

// seedStack makes state in every service through the SDK.
func seedStack(t *testing.T, ctx context.Context, s *stack) seeded {
	t.Helper()
	var out seeded
	// Kinesis: a stream with records, and an iterator handed out before the restart.
	must(s.kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(2)}))
	waitStream(t, ctx, s.kin, "orders")
	for i := range 6 {
		r := must(s.kin.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("pk"), Data: []byte(fmt.Sprintf("r%d", i))}))
		out.records = append(out.records, aws.ToString(r.SequenceNumber))
		if i == 0 {
			it := must(s.kin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("orders"), ShardId: r.ShardId, ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon}))
			out.shardIter = aws.ToString(it.ShardIterator)
		}
	}
	// SQS: a queue with a message in flight, a FIFO queue with a deduplicated message.
	out.queueURL = aws.ToString(must(s.sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("work"), Attributes: map[string]string{"VisibilityTimeout": "600"}})).QueueUrl)
	for i := range 3 {
		must(s.sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &out.queueURL, MessageBody: aws.String(fmt.Sprintf("m%d", i))}))
	}
	rcv := must(s.sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &out.queueURL, MaxNumberOfMessages: 1}))
	if len(rcv.Messages) != 1 {
		t.Fatalf("received %d messages", len(rcv.Messages))
	}
	out.inflightHandle, out.inflightID = aws.ToString(rcv.Messages[0].ReceiptHandle), aws.ToString(rcv.Messages[0].MessageId)
	out.fifoURL = aws.ToString(must(s.sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("work.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})).QueueUrl)
	sent := must(s.sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &out.fifoURL, MessageBody: aws.String("f"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")}))
	out.fifoMsgID = aws.ToString(sent.MessageId)
	// SNS and EventBridge deliver to a sink queue.
	out.sinkURL = aws.ToString(must(s.sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("sink")})).QueueUrl)
	sinkArn := "arn:aws:sqs:us-east-1:000000000000:sink"
	topic := must(s.sn.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("orders")}))
	must(s.sn.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(sinkArn),
		Attributes: map[string]string{"RawMessageDelivery": "true", "FilterPolicy": `{"kind":["keep"]}`}}))
	// A non-raw subscription: its envelopes name the signing certificate.
	out.envURL = aws.ToString(must(s.sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("envelopes")})).QueueUrl)
	must(s.sn.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:envelopes")}))
	must(s.sn.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("signed")}))
	out.certURL = certURLOf(t, drainQueue(t, ctx, s.sq, out.envURL, 1))
	must(s.eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("app")}))
	must(s.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("orders"), EventBusName: aws.String("app"), EventPattern: aws.String(`{"source":["shop"]}`)}))
	must(s.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("orders"), EventBusName: aws.String("app"), Targets: []ebtypes.Target{{Id: aws.String("sink"), Arn: aws.String(sinkArn)}}}))
	// EventBridge Schemas and Glue.
	must(s.sc.CreateRegistry(ctx, &schemas.CreateRegistryInput{RegistryName: aws.String("shop")}))
	must(s.sc.CreateSchema(ctx, &schemas.CreateSchemaInput{RegistryName: aws.String("shop"), SchemaName: aws.String("Order"), Type: "OpenApi3",
		Content: aws.String(`{"openapi":"3.0.0","info":{"version":"1.0.0","title":"Order"},"paths":{},"components":{"schemas":{"Order":{"type":"object"}}}}`)}))
	must(s.gl.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("shop")}))
	cs := must(s.gl.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &gluetypes.RegistryId{RegistryName: aws.String("shop")}, SchemaName: aws.String("Order"),
		DataFormat: gluetypes.DataFormatAvro, Compatibility: gluetypes.CompatibilityBackward, SchemaDefinition: aws.String(avroV1)}))
	out.versionIDs = append(out.versionIDs, aws.ToString(cs.SchemaVersionId))
	v2 := must(s.gl.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: &gluetypes.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("Order")}, SchemaDefinition: aws.String(avroV2)}))
	out.versionIDs = append(out.versionIDs, aws.ToString(v2.SchemaVersionId))
	// Lambda: a function.
	must(s.lam.CreateFunction(ctx, &lambdasdk.CreateFunctionInput{FunctionName: aws.String("echo"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("x"),
		Role: aws.String("arn:aws:iam::000000000000:role/r"), Code: &lambdatypes.FunctionCode{ZipFile: shellZip(t, "exit 0")}, Timeout: aws.Int32(7)}))
	// The clock moved on.
	if err := s.e.Clock().Advance(time.Minute); err != nil {
		t.Fatal(err)
	}
	out.now = s.e.Clock().Now()
	return out
}

func waitStream(t *testing.T, ctx context.Context, kin *kinesis.Client, name string) {
	t.Helper()
	w := kinesis.NewStreamExistsWaiter(kin, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = 10 * time.Millisecond
		o.MaxDelay = 50 * time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
}

// checkStack checks, through the SDK, that a restarted stack holds what
// seedStack made, and goes on working.
func checkStack(t *testing.T, ctx context.Context, s *stack, in seeded) {
	t.Helper()
	if now := s.e.Clock().Now(); now.Before(in.now) {
		t.Errorf("clock restored at %v, before %v", now, in.now)
	}
	// Kinesis: the old iterator still reads, every record is there, new sequence numbers follow.
	gr := must(s.kin.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: &in.shardIter}))
	var seqs []string
	for _, r := range gr.Records {
		seqs = append(seqs, aws.ToString(r.SequenceNumber))
	}
	if !slices.Equal(seqs, in.records) {
		t.Errorf("records after restart %v, want %v", seqs, in.records)
	}
	pr := must(s.kin.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("orders"), PartitionKey: aws.String("pk"), Data: []byte("new")}))
	if got, last := aws.ToString(pr.SequenceNumber), in.records[len(in.records)-1]; len(got) < len(last) || len(got) == len(last) && got <= last {
		t.Errorf("new sequence number %s does not follow %s", got, last)
	}
	// SQS: the in-flight message's receipt handle still deletes it; the others wait.
	attrs := must(s.sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &in.queueURL, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}}))
	if v, n := attrs.Attributes["ApproximateNumberOfMessages"], attrs.Attributes["ApproximateNumberOfMessagesNotVisible"]; v != "2" || n != "1" {
		t.Errorf("queue holds %s visible and %s in flight, want 2 and 1", v, n)
	}
	if attrs.Attributes["VisibilityTimeout"] != "600" {
		t.Errorf("VisibilityTimeout %q, want 600", attrs.Attributes["VisibilityTimeout"])
	}
	must(s.sq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &in.queueURL, ReceiptHandle: &in.inflightHandle}))
	dup := must(s.sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &in.fifoURL, MessageBody: aws.String("f"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")}))
	if aws.ToString(dup.MessageId) != in.fifoMsgID {
		t.Errorf("FIFO duplicate got message id %s, want the deduplicated %s", aws.ToString(dup.MessageId), in.fifoMsgID)
	}
	// SNS and EventBridge still route to the sink.
	topics := must(s.sn.ListTopics(ctx, &sns.ListTopicsInput{}))
	if len(topics.Topics) != 1 {
		t.Fatalf("%d topics after restart", len(topics.Topics))
	}
	must(s.sn.Publish(ctx, &sns.PublishInput{TopicArn: topics.Topics[0].TopicArn, Message: aws.String("dropped"), MessageAttributes: nil}))
	must(s.sn.Publish(ctx, &sns.PublishInput{TopicArn: topics.Topics[0].TopicArn, Message: aws.String("from-sns"),
		MessageAttributes: map[string]snsAttr{"kind": {DataType: aws.String("String"), StringValue: aws.String("keep")}}}))
	pe := must(s.eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{EventBusName: aws.String("app"), Source: aws.String("shop"), DetailType: aws.String("o"), Detail: aws.String(`{"n":1}`)}}}))
	if pe.FailedEntryCount != 0 {
		t.Fatalf("PutEvents failed %d entries", pe.FailedEntryCount)
	}
	// The signing key survived: the same certificate (the restarted
	// emulator listens on another port), still served.
	certPath := func(u string) string { return u[strings.Index(u, "/_evolvestack/"):] }
	if got := certURLOf(t, drainQueue(t, ctx, s.sq, in.envURL, 2)); certPath(got) != certPath(in.certURL) {
		t.Errorf("signing certificate after restart %s, want %s", got, in.certURL)
	}
	if resp, err := http.Get(s.e.Endpoint() + certPath(in.certURL)); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the certificate from before the restart: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	bodies := drainQueue(t, ctx, s.sq, in.sinkURL, 2)
	if len(bodies) != 2 || !slices.Contains(bodies, "from-sns") || !strings.Contains(strings.Join(bodies, " "), `"source":"shop"`) {
		t.Errorf("sink received %q, want the filtered SNS message and the event", bodies)
	}
	// EventBridge Schemas and Glue.
	must(s.sc.DescribeSchema(ctx, &schemas.DescribeSchemaInput{RegistryName: aws.String("shop"), SchemaName: aws.String("Order")}))
	for i, id := range in.versionIDs {
		v := must(s.gl.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(id)}))
		if v.VersionNumber == nil || *v.VersionNumber != int64(i+1) || v.Status != gluetypes.SchemaVersionStatusAvailable {
			t.Errorf("version %s: number %v status %s", id, v.VersionNumber, v.Status)
		}
	}
	// Compatibility still checks against the restored versions: a new field
	// without a default breaks BACKWARD.
	bad := must(s.gl.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: &gluetypes.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("Order")},
		SchemaDefinition: aws.String(`{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":["null","string"],"default":null},{"name":"qty","type":"int"}]}`)}))
	if bad.Status != gluetypes.SchemaVersionStatusFailure || aws.ToInt64(bad.VersionNumber) != 3 {
		t.Errorf("incompatible version: status %s number %d, want FAILURE 3", bad.Status, aws.ToInt64(bad.VersionNumber))
	}
	// Lambda.
	fn := must(s.lam.GetFunction(ctx, &lambdasdk.GetFunctionInput{FunctionName: aws.String("echo")}))
	if aws.ToInt32(fn.Configuration.Timeout) != 7 || fn.Configuration.Runtime != lambdatypes.RuntimeProvidedal2023 {
		t.Errorf("function after restart: timeout %d runtime %s", aws.ToInt32(fn.Configuration.Timeout), fn.Configuration.Runtime)
	}
}

type snsAttr = snstypes.MessageAttributeValue

// certURLOf returns the SigningCertURL of the last SNS envelope in bodies.
func certURLOf(t *testing.T, bodies []string) string {
	t.Helper()
	if len(bodies) == 0 {
		t.Fatal("no SNS envelope arrived")
	}
	var env struct{ SigningCertURL string }
	if err := json.Unmarshal([]byte(bodies[len(bodies)-1]), &env); err != nil || env.SigningCertURL == "" {
		t.Fatalf("envelope %s: %v", bodies[len(bodies)-1], err)
	}
	return env.SigningCertURL
}

// drainQueue receives until n messages came or a few empty receives.
func drainQueue(t *testing.T, ctx context.Context, sq *sqs.Client, url string, n int) []string {
	t.Helper()
	var out []string
	for tries := 0; len(out) < n && tries < 20; tries++ {
		r := must(sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1}))
		for _, m := range r.Messages {
			out = append(out, aws.ToString(m.Body))
			must(sq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}))
		}
	}
	return out
}

// TestDataDirRestart makes state in every service through the SDK, closes
// the emulator, starts another on the same data dir and checks it there.
func TestDataDirRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	first := startStack(t, emulator.WithDataDir(dir))
	in := seedStack(t, ctx, first)
	if err := first.e.Close(); err != nil {
		t.Fatal(err)
	}
	second := startStack(t, emulator.WithDataDir(dir))
	checkStack(t, ctx, second, in)
}

// TestDataDirExportImport moves a stack's state to another through an
// export, over the admin API.
func TestDataDirExportImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := startStack(t)
	in := seedStack(t, ctx, src)
	export := adminData(t, http.MethodGet, src.e.Endpoint()+"/_evolvestack/data/export", nil, http.StatusOK)
	if first, _, _ := bytes.Cut(export, []byte("\n")); !bytes.Contains(first, []byte(`"evolvestack"`)) {
		t.Fatalf("export header %s", first)
	}
	dst := startStack(t, emulator.WithDataDir(t.TempDir()))
	adminData(t, http.MethodPost, dst.e.Endpoint()+"/_evolvestack/data/import", export, http.StatusOK)
	checkStack(t, ctx, dst, in)
	// A broken export changes nothing.
	body := adminData(t, http.MethodPost, dst.e.Endpoint()+"/_evolvestack/data/import", []byte("{\"nope\":1}\n"), http.StatusBadRequest)
	if !strings.Contains(string(body), "not an evolvestack export") {
		t.Errorf("bad import answered %s", body)
	}
	if _, err := dst.gl.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(in.versionIDs[0])}); err != nil {
		t.Errorf("after a refused import: %v", err)
	}
}

// TestDataDirReset checks that a reset empties the data dir too.
func TestDataDirReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	first := startStack(t, emulator.WithDataDir(dir))
	must(first.sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("gone")}))
	must(first.gl.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("gone")}))
	adminData(t, http.MethodPost, first.e.Endpoint()+"/_evolvestack/reset", []byte(`{"service":"sqs"}`), http.StatusOK)
	if err := first.e.Close(); err != nil {
		t.Fatal(err)
	}
	second := startStack(t, emulator.WithDataDir(dir))
	qs := must(second.sq.ListQueues(ctx, &sqs.ListQueuesInput{}))
	if len(qs.QueueUrls) != 0 {
		t.Errorf("queues after reset and restart: %v", qs.QueueUrls)
	}
	if _, err := second.gl.GetRegistry(ctx, &glue.GetRegistryInput{RegistryId: &gluetypes.RegistryId{RegistryName: aws.String("gone")}}); err != nil {
		t.Errorf("a reset of sqs dropped Glue's registry: %v", err)
	}
	adminData(t, http.MethodPost, second.e.Endpoint()+"/_evolvestack/reset", []byte(`{}`), http.StatusOK)
	if err := second.e.Close(); err != nil {
		t.Fatal(err)
	}
	third := startStack(t, emulator.WithDataDir(dir))
	rs := must(third.gl.ListRegistries(ctx, &glue.ListRegistriesInput{}))
	if len(rs.Registries) != 0 {
		t.Errorf("registries after a full reset and restart: %d", len(rs.Registries))
	}
}

// TestDataDirInUse checks that a second emulator cannot open a dir in use.
func TestDataDirInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	startStack(t, emulator.WithDataDir(dir))
	if _, err := emulator.New(emulator.WithDataDir(dir)); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second emulator on one dir: %v", err)
	}
}

func adminData(t *testing.T, method, url string, body []byte, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, b, want)
	}
	return b
}
