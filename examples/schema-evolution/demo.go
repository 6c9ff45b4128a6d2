package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/registry/serde"
)

// errUsage marks bad command-line arguments.
var errUsage = errors.New("usage")

// Event source mapping settings of the orders consumer.
const (
	batchSize  = 10
	maxRetries = 2
)

// run runs the demo and returns nil when every step happened as narrated.
// With no -endpoint (and no AWS_ENDPOINT_URL) it starts an emulator
// in-process.
func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("schema-evolution", flag.ContinueOnError)
	fs.SetOutput(stdout)
	endpoint := fs.String("endpoint", getenv("AWS_ENDPOINT_URL"), "URL of a running evolvestack (default $AWS_ENDPOINT_URL); empty: start one in-process")
	wait := fs.Duration("wait", 60*time.Second, "bound, in real time, of every wait")
	keep := fs.Bool("keep", false, "with -endpoint: keep the resources the demo creates")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %v", errUsage, fs.Args())
	}
	if *wait <= 0 {
		return fmt.Errorf("%w: -wait must be positive", errUsage)
	}

	// A safety net over the whole run; each wait has its own bound.
	ctx, cancel := context.WithTimeout(ctx, 10*(*wait))
	defer cancel()
	n := &narrator{w: stdout}
	n.title("Schema evolution on evolvestack: Glue Schema Registry + Kinesis + Lambda + SNS + EventBridge (+ Schemas)")
	var (
		st  *stack
		err error
	)
	if *endpoint == "" {
		st, err = startInProcess()
	} else {
		st, err = connectRemote(ctx, *endpoint, getenv)
	}
	if err != nil {
		n.bad("%v", err)
		return err
	}
	defer func() { _ = st.close() }()

	d := newDemo(n, st, &waiter{advance: st.advance, step: time.Second, tick: 25 * time.Millisecond, limit: *wait})
	if st.remote {
		n.detail("emulator:  %s (the demo moves its clock forward while it waits)", st.endpoint)
		n.detail("functions: this binary (%s/%s), zipped as bootstrap, runtime provided.al2023", runtime.GOOS, runtime.GOARCH)
		n.detail("resources: named with the suffix %q so that runs do not collide", d.suffix)
		if !*keep {
			defer d.cleanup(context.WithoutCancel(ctx))
		}
	} else {
		n.detail("emulator:  in-process on %s (pass -endpoint URL to use a running evolvestack)", st.endpoint)
		n.detail("functions: Go handlers registered in-process with (*emulator.Emulator).RegisterHandler")
	}

	steps := []struct {
		title string
		run   func(context.Context) error
	}{
		{"Order v1 (BACKWARD): produce to Kinesis, consume in Lambda", d.step1},
		{"Order v2 adds an optional field: backward compatibility", d.step2},
		{"OrderEvents (FORWARD): a v1 reader decodes v2 records", d.step3},
		{"v3 removes a field that has no default: refused", d.step4},
		{"A poison record: retry, bisect, dead-letter queue", d.step5},
		{"Fan-out: SNS delivers the producer's records to two queues", d.step6},
		{"Routing: an EventBridge rule sends v1 and v2 orders to a queue", d.step7},
		{"Discovery: EventBridge Schemas infers the orders' schema from a bus", d.step8},
		{"Before rollout: the handler compatibility matrix over every Order version", d.step9},
		{"Faults on purpose: a throttled record and throttled calls, ridden out by retries", d.step10},
	}
	for i, s := range steps {
		n.step(i+1, len(steps), s.title)
		if err := s.run(ctx); err != nil {
			var ce *checkError
			if !errors.As(err, &ce) {
				n.bad("%v", err)
			}
			fmt.Fprintf(stdout, "\n✗ The demo stopped at step %d: it did not happen as narrated.\n", i+1)
			return fmt.Errorf("step %d (%s): %w", i+1, s.title, err)
		}
	}
	fmt.Fprintf(stdout, "\n✓ All %d steps happened as narrated.\n", len(steps))
	return nil
}

// checkError is a failed check; the narrator has printed it.
type checkError struct{ msg string }

func (e *checkError) Error() string { return e.msg }

// check prints ✓ ok or ✗ bad and returns a *checkError for the latter.
func (d *demo) check(cond bool, ok, bad string) error {
	if cond {
		d.n.ok("%s", ok)
		return nil
	}
	d.n.bad("%s", bad)
	return &checkError{msg: bad}
}

// demo holds the story's resources and what it learnt on the way.
type demo struct {
	n  *narrator
	st *stack
	w  *waiter

	suffix                                 string
	registry                               string
	resultsQueue, dlqQueue                 string
	resultsURL, dlqURL, dlqARN             string
	ordersStream, eventsStream             string
	ordersARN, eventsARN                   string
	ordersFn, eventsFn                     string
	esms                                   []string
	orderSerializer, eventsSerializer      *serde.Serializer
	versions                               map[string]string // schema version id → "Order v1"
	results                                *inbox
	deadLetters                            *inbox
	createdStreams, createdQueues          []string
	createdFunctions                       []string
	createdTopics                          []string
	createdBuses                           []string
	createdRules                           []ebRule
	createdDiscoverers                     []string
	createdRegistry                        bool
	ordersReaderFields, eventsReaderFields []string
}

func newDemo(n *narrator, st *stack, w *waiter) *demo {
	d := &demo{n: n, st: st, w: w, versions: map[string]string{}}
	if st.remote {
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		d.suffix = "-" + hex.EncodeToString(b)
	}
	d.registry = "shop" + d.suffix
	d.resultsQueue = "demo-results" + d.suffix
	d.dlqQueue = "orders-dlq" + d.suffix
	d.ordersStream = "orders" + d.suffix
	d.eventsStream = "order-events" + d.suffix
	d.ordersFn = "orders-consumer" + d.suffix
	d.eventsFn = "order-events-consumer" + d.suffix
	d.ordersReaderFields = orderFields()
	d.eventsReaderFields = eventFields()
	return d
}

func (d *demo) serializer(schema string, mode gluetypes.Compatibility) (*serde.Serializer, error) {
	s, err := serde.NewSerializer(d.st.glue, serde.SerializerConfig{
		RegistryName:  d.registry,
		SchemaName:    schema,
		AutoRegister:  true,
		Compatibility: mode,
		Sleep:         d.w.sleep,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the %s serializer: %w", schema, err)
	}
	return s, nil
}

func (d *demo) step1(ctx context.Context) error {
	st := d.st
	d.n.do("creating registry %q, SQS queues %q (handler results) and %q (dead letters), Kinesis stream %q",
		d.registry, d.resultsQueue, d.dlqQueue, d.ordersStream)
	if _, err := st.glue.CreateRegistry(ctx, &glue.CreateRegistryInput{
		RegistryName: aws.String(d.registry), Description: aws.String("schema-evolution demo"),
	}); err != nil {
		return fmt.Errorf("creating registry %s: %w", d.registry, err)
	}
	d.createdRegistry = true
	var err error
	if d.resultsURL, err = d.createQueue(ctx, d.resultsQueue); err != nil {
		return err
	}
	if d.dlqURL, err = d.createQueue(ctx, d.dlqQueue); err != nil {
		return err
	}
	attrs, err := st.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(d.dlqURL), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("reading the ARN of %s: %w", d.dlqQueue, err)
	}
	d.dlqARN = attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	d.results = &inbox{sqs: st.sqs, url: d.resultsURL}
	d.deadLetters = &inbox{sqs: st.sqs, url: d.dlqURL}
	if d.ordersARN, err = d.createStream(ctx, d.ordersStream); err != nil {
		return err
	}
	d.n.ok("registry, queues and stream are ready")

	d.n.do("deploying Lambda function %q: an aws-lambda-go handler holding reader schema Order v1", d.ordersFn)
	if err := d.deployConsumer(ctx, d.ordersFn, orderV1, "Order v1"); err != nil {
		return err
	}
	d.n.do("mapping %q to it: batches of up to %d, bisect on error, at most %d retries, then on-failure destination %q",
		d.ordersStream, batchSize, maxRetries, d.dlqQueue)
	id, err := d.mapStream(ctx, d.ordersFn, d.ordersARN)
	if err != nil {
		return err
	}
	d.n.ok("function is Active, event source mapping %s is Enabled", id)

	d.n.do("producer: serde.Serializer (AutoRegister, BACKWARD) writes 3 records with Order v1")
	if d.orderSerializer, err = d.serializer("Order", gluetypes.CompatibilityBackward); err != nil {
		return err
	}
	v1 := []order{{"o-1001", "ada", 1299}, {"o-1002", "grace", 4500}, {"o-1003", "linus", 250}}
	var recs []produced
	for _, o := range v1 {
		b, err := d.orderSerializer.Serialize(ctx, d.ordersStream, orderV1, o)
		if err != nil {
			return fmt.Errorf("serializing %s: %w", o.OrderID, err)
		}
		recs = append(recs, produced{label: o.OrderID, data: b, writer: "Order v1", want: jsonMap(o, nil)})
	}
	if err := d.checkVersion(ctx, d.orderSerializer, d.ordersStream, orderV1, "Order", 1, "Order v1"); err != nil {
		return err
	}
	if err := d.put(ctx, d.ordersStream, recs); err != nil {
		return err
	}
	d.n.ok("wrote %d records to %q", len(recs), d.ordersStream)
	d.n.do("waiting for the event source mapping to deliver them to %q", d.ordersFn)
	return d.expectDecoded(ctx, d.ordersFn, "Order v1", d.ordersReaderFields, recs)
}

func (d *demo) step2(ctx context.Context) error {
	d.n.do("Order v2 adds couponCode: [\"null\",\"string\"] with default null")
	coupon := "SPRING10"
	v2 := []orderWithCoupon{{"o-2001", "ada", 3100, &coupon}, {"o-2002", "ken", 999, nil}}
	v1 := []order{{"o-2101", "grace", 1700}, {"o-2102", "linus", 80}}
	newer := make([][]byte, len(v2))
	for i, o := range v2 {
		b, err := d.orderSerializer.Serialize(ctx, d.ordersStream, orderV2, o)
		if err != nil {
			var ie *serde.IncompatibleSchemaError
			if errors.As(err, &ie) {
				d.printFindings(ie)
			}
			return fmt.Errorf("serializing %s with Order v2: %w", o.OrderID, err)
		}
		newer[i] = b
	}
	if err := d.checkVersion(ctx, d.orderSerializer, d.ordersStream, orderV2, "Order", 2, "Order v2"); err != nil {
		return err
	}
	d.n.do("upgrading the consumer first, as BACKWARD intends: %q now holds reader schema Order v2", d.ordersFn)
	if err := d.deployConsumer(ctx, d.ordersFn, orderV2, "Order v2"); err != nil {
		return err
	}
	d.n.ok("function updated")
	d.n.do("one producer still writes v1, the upgraded one writes v2; both go to %q", d.ordersStream)
	legacy, err := d.serializer("Order", gluetypes.CompatibilityBackward)
	if err != nil {
		return err
	}
	var recs []produced
	for i := range v2 {
		b, err := legacy.Serialize(ctx, d.ordersStream, orderV1, v1[i])
		if err != nil {
			return fmt.Errorf("serializing %s with Order v1: %w", v1[i].OrderID, err)
		}
		recs = append(recs,
			produced{label: v1[i].OrderID, data: b, writer: "Order v1", want: jsonMap(v1[i], map[string]any{"couponCode": nil}, "couponCode")},
			produced{label: v2[i].OrderID, data: newer[i], writer: "Order v2", want: jsonMap(v2[i], nil)},
		)
	}
	if err := d.put(ctx, d.ordersStream, recs); err != nil {
		return err
	}
	d.n.ok("wrote %d records (2 with v1, 2 with v2)", len(recs))
	d.n.do("waiting for %q to decode them with reader schema Order v2", d.ordersFn)
	if err := d.expectDecoded(ctx, d.ordersFn, "Order v2", d.ordersReaderFields, recs); err != nil {
		return err
	}
	d.n.ok("backward compatible: the v2 reader decodes v1 records (couponCode takes its default, null) and v2 records")
	return nil
}

func (d *demo) step3(ctx context.Context) error {
	d.n.do("creating stream %q and function %q holding reader schema OrderEvents v1, mapped to the stream", d.eventsStream, d.eventsFn)
	var err error
	if d.eventsARN, err = d.createStream(ctx, d.eventsStream); err != nil {
		return err
	}
	if err := d.deployConsumer(ctx, d.eventsFn, eventsV1, "OrderEvents v1"); err != nil {
		return err
	}
	id, err := d.mapStream(ctx, d.eventsFn, d.eventsARN)
	if err != nil {
		return err
	}
	d.n.ok("function is Active, event source mapping %s is Enabled", id)

	d.n.do("producer: serde.Serializer (AutoRegister, FORWARD) writes OrderEvents v1")
	if d.eventsSerializer, err = d.serializer("OrderEvents", gluetypes.CompatibilityForward); err != nil {
		return err
	}
	e1 := orderEvent{"e-3001", "o-1001", "PAID", "ada"}
	b1, err := d.eventsSerializer.Serialize(ctx, d.eventsStream, eventsV1, e1)
	if err != nil {
		return fmt.Errorf("serializing %s: %w", e1.EventID, err)
	}
	if err := d.checkVersion(ctx, d.eventsSerializer, d.eventsStream, eventsV1, "OrderEvents", 1, "OrderEvents v1"); err != nil {
		return err
	}
	d.n.do("the producer upgrades first, as FORWARD intends: v2 adds channel, a string without a default")
	recs := []produced{{label: e1.EventID, data: b1, writer: "OrderEvents v1", want: jsonMap(e1, nil)}}
	for _, e := range []orderEventWithChannel{{"e-3002", "o-1002", "SHIPPED", "grace", "web"}, {"e-3003", "o-2001", "PAID", "ada", "mobile"}} {
		b, err := d.eventsSerializer.Serialize(ctx, d.eventsStream, eventsV2, e)
		if err != nil {
			var ie *serde.IncompatibleSchemaError
			if errors.As(err, &ie) {
				d.printFindings(ie)
			}
			return fmt.Errorf("serializing %s with OrderEvents v2: %w", e.EventID, err)
		}
		// A v1 reader does not see channel.
		recs = append(recs, produced{label: e.EventID, data: b, writer: "OrderEvents v2", want: jsonMap(e, nil, "channel")})
	}
	if err := d.checkVersion(ctx, d.eventsSerializer, d.eventsStream, eventsV2, "OrderEvents", 2, "OrderEvents v2"); err != nil {
		return err
	}
	if err := d.put(ctx, d.eventsStream, recs); err != nil {
		return err
	}
	d.n.ok("wrote %d records (1 with v1, 2 with v2) to %q", len(recs), d.eventsStream)
	d.n.do("waiting for %q, still on reader schema OrderEvents v1, to decode them", d.eventsFn)
	if err := d.expectDecoded(ctx, d.eventsFn, "OrderEvents v1", d.eventsReaderFields, recs); err != nil {
		return err
	}
	d.n.ok("forward compatible: the v1 reader decodes v2 records, skipping channel")
	return nil
}

func (d *demo) step4(ctx context.Context) error {
	cases := []struct {
		intro, schema, label, mode string
		ser                        *serde.Serializer
		stream, definition         string
		value                      any
	}{
		{
			intro:  "OrderEvents v3 (FORWARD) removes customer, which has no default",
			schema: "OrderEvents", label: "OrderEvents v3", mode: "FORWARD",
			ser: d.eventsSerializer, stream: d.eventsStream, definition: eventsV3,
			value: map[string]any{"eventId": "e-4001", "orderId": "o-1003", "status": "PAID", "channel": "web"},
		},
		{
			intro:  "and under BACKWARD, Order v3 adds warehouse without a default",
			schema: "Order", label: "Order v3", mode: "BACKWARD",
			ser: d.orderSerializer, stream: d.ordersStream, definition: orderV3,
			value: map[string]any{"orderId": "o-4001", "customer": "ada", "amountCents": int64(5), "couponCode": nil, "warehouse": "north"},
		},
	}
	for _, c := range cases {
		d.n.do("%s; the producer tries to write with it", c.intro)
		_, err := c.ser.Serialize(ctx, c.stream, c.definition, c.value)
		var ie *serde.IncompatibleSchemaError
		if !errors.As(err, &ie) {
			if err == nil {
				return d.check(false, "", fmt.Sprintf("the registry accepted %s; it breaks %s", c.label, c.mode))
			}
			return d.check(false, "", fmt.Sprintf("expected *serde.IncompatibleSchemaError for %s, got: %v", c.label, err))
		}
		out, err := d.st.glue.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(ie.SchemaVersionID.String())})
		if err != nil {
			return fmt.Errorf("reading schema version %s: %w", ie.SchemaVersionID, err)
		}
		if err := d.check(out.Status == gluetypes.SchemaVersionStatusFailure,
			fmt.Sprintf("the registry marked %s (version %d) %s; the serializer refused to write with it",
				c.label, aws.ToInt64(out.VersionNumber), out.Status),
			fmt.Sprintf("%s has status %s, want FAILURE", c.label, out.Status)); err != nil {
			return err
		}
		if err := d.check(len(ie.Findings) > 0, "findings (GET /_evolvestack/glue/schema-versions/"+ie.SchemaVersionID.String()+"):",
			"the error carries no findings"); err != nil {
			return err
		}
		d.printFindings(ie)
	}
	return nil
}

func (d *demo) printFindings(ie *serde.IncompatibleSchemaError) {
	for _, f := range ie.Findings {
		text := f.Explanation
		if text == "" {
			text = f.Message
		}
		d.n.detail("• %s [%s]: %s", f.Path, f.Rule, text)
	}
}

func (d *demo) step5(ctx context.Context) error {
	coupon := "WELCOME"
	good := []orderWithCoupon{{"o-5001", "ada", 1200, nil}, {"o-5002", "grace", 560, &coupon}, {"o-5003", "ken", 7300, nil}, {"o-5004", "linus", 45, nil}}
	var recs []produced
	for _, o := range good {
		b, err := d.orderSerializer.Serialize(ctx, d.ordersStream, orderV2, o)
		if err != nil {
			return fmt.Errorf("serializing %s: %w", o.OrderID, err)
		}
		recs = append(recs, produced{label: o.OrderID, data: b, writer: "Order v2", want: jsonMap(o, nil)})
	}
	poison := produced{label: "poison", data: []byte(`{"orderId":"o-5099","note":"written without the serde"}`)}
	batch := []produced{recs[0], recs[1], poison, recs[2], recs[3]}
	d.n.do("a legacy producer writes raw JSON without the serde; it lands in one PutRecords call amid 4 good v2 records:")
	d.n.detail("%s", strings.Join(labels(batch), ", "))
	if err := d.put(ctx, d.ordersStream, batch); err != nil {
		return err
	}
	poison = batch[2]
	good5 := []produced{batch[0], batch[1], batch[3], batch[4]}
	seqLabel := map[string]string{}
	for _, p := range batch {
		seqLabel[p.seq] = p.label
	}
	d.n.do("waiting: the handler fails on the batch, Lambda retries and bisects it, and gives up on the poison record")
	var dlq []string
	err := d.w.until(ctx, "the poison record in "+d.dlqQueue+" and the good records decoded", func(ctx context.Context) (bool, error) {
		if err := d.results.drain(ctx); err != nil {
			return false, err
		}
		if err := d.deadLetters.drain(ctx); err != nil {
			return false, err
		}
		dlq = d.deadLetters.bodies
		_, missing := d.decoded(d.ordersFn, good5)
		return len(dlq) > 0 && len(missing) == 0, nil
	})
	if err != nil {
		d.printFailures(seqLabel, poison.seq)
		d.diagnose(ctx, d.ordersFn)
		_, missing := d.decoded(d.ordersFn, good5)
		return d.check(false, "", fmt.Sprintf("%v (%d messages in the DLQ, %d good records not decoded)", err, len(dlq), len(missing)))
	}
	fails := d.printFailures(seqLabel, poison.seq)
	if err := d.check(fails > 0, fmt.Sprintf("the handler failed %d invocations that held the poison record", fails),
		"the handler reported no failed invocation"); err != nil {
		return err
	}
	if err := d.check(len(dlq) == 1, "one message arrived in "+d.dlqQueue+":", fmt.Sprintf("%d messages in %s, want 1", len(dlq), d.dlqQueue)); err != nil {
		return err
	}
	var pretty any
	if err := json.Unmarshal([]byte(dlq[0]), &pretty); err != nil {
		return d.check(false, "", fmt.Sprintf("the DLQ message is not JSON: %v: %s", err, dlq[0]))
	}
	ind, _ := json.MarshalIndent(pretty, "", "  ")
	d.n.detail("%s", ind)
	var msg struct {
		RequestContext struct {
			Condition              string `json:"condition"`
			ApproximateInvokeCount int    `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		Info *struct {
			ShardID   string `json:"shardId"`
			Start     string `json:"startSequenceNumber"`
			End       string `json:"endSequenceNumber"`
			BatchSize int    `json:"batchSize"`
			StreamArn string `json:"streamArn"`
		} `json:"KinesisBatchInfo"`
	}
	_ = json.Unmarshal([]byte(dlq[0]), &msg)
	if err := d.check(msg.Info != nil, "it describes the failed batch (KinesisBatchInfo), not the records themselves",
		"the DLQ message has no KinesisBatchInfo"); err != nil {
		return err
	}
	if err := d.check(msg.RequestContext.Condition == "RetryAttemptsExhausted",
		fmt.Sprintf("Lambda gave up after the retries were exhausted (condition %s, %d invocations of that batch)",
			msg.RequestContext.Condition, msg.RequestContext.ApproximateInvokeCount),
		fmt.Sprintf("the DLQ message's condition is %q, want RetryAttemptsExhausted", msg.RequestContext.Condition)); err != nil {
		return err
	}
	if err := d.check(msg.Info.BatchSize == 1 && msg.Info.Start == poison.seq && msg.Info.End == poison.seq && msg.Info.StreamArn == d.ordersARN,
		"bisecting isolated the poison record: a batch of 1 whose start and end sequence numbers are the poison record's",
		fmt.Sprintf("the DLQ batch is %d records from %s to %s of %s; want only the poison record %s",
			msg.Info.BatchSize, msg.Info.Start, msg.Info.End, msg.Info.StreamArn, poison.seq)); err != nil {
		return err
	}
	d.n.do("the good records of that batch:")
	if err := d.expectDecoded(ctx, d.ordersFn, "Order v2", d.ordersReaderFields, good5); err != nil {
		return err
	}
	d.n.ok("the stream moved on: the poison record is parked in the DLQ, every good record was processed")
	return nil
}

// printFailures prints the handler's failed invocations that held the
// poison record, and returns how many there were.
func (d *demo) printFailures(seqLabel map[string]string, poison string) int {
	n := 0
	for _, r := range d.results.reports {
		if r.Function != d.ordersFn || r.OK || !contains(r.Batch, poison) {
			continue
		}
		n++
		ls := make([]string, len(r.Batch))
		for i, s := range r.Batch {
			ls[i] = firstNonEmpty(seqLabel[s], "seq "+s)
		}
		noun := "records"
		if len(r.Batch) == 1 {
			noun = "record"
		}
		d.n.detail("✗ the handler failed a batch of %d %s: %s", len(r.Batch), noun, strings.Join(ls, ", "))
	}
	return n
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// produced is a record the demo wrote and what the reader should see.
type produced struct {
	label  string
	data   []byte
	writer string
	want   map[string]any
	seq    string
}

func labels(ps []produced) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.label
	}
	return out
}

// jsonMap is v as a JSON object, with extra fields set and drop fields
// removed: the record as a reader sees it.
func jsonMap(v any, extra map[string]any, drop ...string) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range drop {
		delete(m, k)
	}
	for k, x := range extra {
		m[k] = x
	}
	return m
}

func (d *demo) createQueue(ctx context.Context, name string) (string, error) {
	out, err := d.st.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("creating queue %s: %w", name, err)
	}
	d.createdQueues = append(d.createdQueues, aws.ToString(out.QueueUrl))
	return aws.ToString(out.QueueUrl), nil
}

// createStream creates a one-shard stream and waits until it is ACTIVE.
func (d *demo) createStream(ctx context.Context, name string) (string, error) {
	if _, err := d.st.kinesis.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err != nil {
		return "", fmt.Errorf("creating stream %s: %w", name, err)
	}
	d.createdStreams = append(d.createdStreams, name)
	var arn string
	err := d.w.until(ctx, "stream "+name+" to be ACTIVE", func(ctx context.Context) (bool, error) {
		out, err := d.st.kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			return false, err
		}
		arn = aws.ToString(out.StreamDescriptionSummary.StreamARN)
		return out.StreamDescriptionSummary.StreamStatus == kinesistypes.StreamStatusActive, nil
	})
	return arn, err
}

func (d *demo) deployConsumer(ctx context.Context, fn, readerSchema, readerLabel string) error {
	if !contains(d.createdFunctions, fn) {
		d.createdFunctions = append(d.createdFunctions, fn)
	}
	return d.st.deploy(ctx, d.w, fn, map[string]string{
		envResultsQueue: d.resultsURL,
		envReaderSchema: readerSchema,
		envReaderLabel:  readerLabel,
	})
}

// mapStream maps a stream to fn and waits until the mapping is Enabled.
func (d *demo) mapStream(ctx context.Context, fn, streamARN string) (string, error) {
	out, err := d.st.lambda.CreateEventSourceMapping(ctx, &awslambda.CreateEventSourceMappingInput{
		FunctionName:               aws.String(fn),
		EventSourceArn:             aws.String(streamARN),
		StartingPosition:           lambdatypes.EventSourcePositionTrimHorizon,
		BatchSize:                  aws.Int32(batchSize),
		BisectBatchOnFunctionError: aws.Bool(true),
		MaximumRetryAttempts:       aws.Int32(maxRetries),
		DestinationConfig: &lambdatypes.DestinationConfig{
			OnFailure: &lambdatypes.OnFailure{Destination: aws.String(d.dlqARN)},
		},
	})
	if err != nil {
		return "", fmt.Errorf("mapping %s to %s: %w", streamARN, fn, err)
	}
	id := aws.ToString(out.UUID)
	d.esms = append(d.esms, id)
	err = d.w.until(ctx, "event source mapping "+id+" to be Enabled", func(ctx context.Context) (bool, error) {
		m, err := d.st.lambda.GetEventSourceMapping(ctx, &awslambda.GetEventSourceMappingInput{UUID: aws.String(id)})
		if err != nil {
			return false, err
		}
		return aws.ToString(m.State) == "Enabled", nil
	})
	return id, err
}

// checkVersion checks that the serializer's version of definition is
// number want, AVAILABLE, and remembers its label.
func (d *demo) checkVersion(ctx context.Context, s *serde.Serializer, transport, definition, schema string, want int64, label string) error {
	id, err := s.SchemaVersionID(ctx, transport, definition)
	if err != nil {
		return fmt.Errorf("looking up %s: %w", label, err)
	}
	d.versions[id.String()] = label
	v, err := d.st.glue.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(id.String())})
	if err != nil {
		return fmt.Errorf("reading %s: %w", label, err)
	}
	sc, err := d.st.glue.GetSchema(ctx, &glue.GetSchemaInput{SchemaId: &gluetypes.SchemaId{
		RegistryName: aws.String(d.registry), SchemaName: aws.String(schema),
	}})
	if err != nil {
		return fmt.Errorf("reading schema %s: %w", schema, err)
	}
	return d.check(v.Status == gluetypes.SchemaVersionStatusAvailable && aws.ToInt64(v.VersionNumber) == want,
		fmt.Sprintf("the registry accepted %s: version %d of %q (%s), %s, id %s",
			label, want, schema, sc.Compatibility, v.Status, id),
		fmt.Sprintf("%s is version %d with status %s; want version %d, AVAILABLE",
			label, aws.ToInt64(v.VersionNumber), v.Status, want))
}

// put writes records to stream in one PutRecords call and records their
// sequence numbers.
func (d *demo) put(ctx context.Context, stream string, recs []produced) error {
	entries := make([]kinesistypes.PutRecordsRequestEntry, len(recs))
	for i, r := range recs {
		entries[i] = kinesistypes.PutRecordsRequestEntry{Data: r.data, PartitionKey: aws.String(r.label)}
	}
	out, err := d.st.kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil {
		return fmt.Errorf("writing to %s: %w", stream, err)
	}
	if n := aws.ToInt32(out.FailedRecordCount); n > 0 || len(out.Records) != len(recs) {
		return fmt.Errorf("writing to %s: %d of %d records failed", stream, n, len(recs))
	}
	for i, r := range out.Records {
		recs[i].seq = aws.ToString(r.SequenceNumber)
	}
	return nil
}

// decoded returns the reports of fn for recs, and the records without one.
func (d *demo) decoded(fn string, recs []produced) (map[string]report, []produced) {
	got := map[string]report{}
	for _, r := range d.results.reports {
		if r.Function == fn && r.OK {
			got[r.SequenceNumber] = r
		}
	}
	var missing []produced
	for _, p := range recs {
		if _, ok := got[p.seq]; !ok {
			missing = append(missing, p)
		}
	}
	return got, missing
}

// expectDecoded waits until fn reported every record of recs, prints them
// as the reader saw them and checks them against what was written.
func (d *demo) expectDecoded(ctx context.Context, fn, reader string, fields []string, recs []produced) error {
	var got map[string]report
	err := d.w.until(ctx, fmt.Sprintf("%s to decode %d records", fn, len(recs)), func(ctx context.Context) (bool, error) {
		if err := d.results.drain(ctx); err != nil {
			return false, err
		}
		var missing []produced
		got, missing = d.decoded(fn, recs)
		return len(missing) == 0, nil
	})
	if err != nil {
		_, missing := d.decoded(fn, recs)
		d.diagnose(ctx, fn)
		return d.check(false, "", fmt.Sprintf("%v; not decoded: %s", err, strings.Join(labels(missing), ", ")))
	}
	var bad []string
	for _, p := range recs {
		r := got[p.seq]
		writer := firstNonEmpty(d.versions[r.WriterVersion], r.WriterVersion)
		d.n.detail("%-7s %-15s → %-15s %s", p.label, writer, r.Reader, orderedJSON(fields, r.Record))
		var have map[string]any
		_ = json.Unmarshal(r.Record, &have)
		want := jsonMap(p.want, nil)
		if r.Reader != reader || writer != p.writer || !reflect.DeepEqual(have, want) {
			wj, _ := json.Marshal(want)
			bad = append(bad, fmt.Sprintf("%s: decoded by %s from %s as %s; want %s from %s as %s", p.label, r.Reader, writer, r.Record, reader, p.writer, wj))
		}
	}
	return d.check(len(bad) == 0, fmt.Sprintf("%s decoded all %d records as expected", fn, len(recs)), strings.Join(bad, "\n      "))
}

// diagnose prints what may explain a wait that timed out: the failures
// the handler reported, the state of fn's event source mappings and its
// last failed invocation (from evolvestack's admin API).
func (d *demo) diagnose(ctx context.Context, fn string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	seen := map[string]bool{}
	for _, r := range d.results.reports {
		if r.Function == fn && !r.OK && !seen[r.Error] {
			seen[r.Error] = true
			d.n.detail("handler failure: %s", r.Error)
		}
	}
	if out, err := d.st.lambda.ListEventSourceMappings(ctx, &awslambda.ListEventSourceMappingsInput{FunctionName: aws.String(fn)}); err == nil {
		for _, m := range out.EventSourceMappings {
			d.n.detail("event source mapping %s: state %s, last processing result %q",
				aws.ToString(m.UUID), aws.ToString(m.State), aws.ToString(m.LastProcessingResult))
		}
	}
	var inv struct {
		Invocations []struct {
			Trigger       string `json:"trigger"`
			FunctionError string `json:"functionError"`
			ErrorType     string `json:"errorType"`
			ErrorMessage  string `json:"errorMessage"`
		} `json:"invocations"`
	}
	if err := d.st.admin(ctx, http.MethodGet, "lambda/functions/"+fn+"/invocations", nil, &inv); err != nil {
		d.n.detail("invocations of %s: %v", fn, err)
		return
	}
	d.n.detail("%s was invoked %d times", fn, len(inv.Invocations))
	for i := len(inv.Invocations) - 1; i >= 0; i-- {
		if r := inv.Invocations[i]; r.FunctionError != "" {
			d.n.detail("last failed invocation (%s): %s: %s", r.FunctionError, r.ErrorType, r.ErrorMessage)
			break
		}
	}
}

// cleanup deletes what the demo created on a running evolvestack.
func (d *demo) cleanup(ctx context.Context) {
	d.n.title("\nCleaning up (run with -keep to keep the resources)")
	var errs []error
	for _, id := range d.esms {
		if _, err := d.st.lambda.DeleteEventSourceMapping(ctx, &awslambda.DeleteEventSourceMappingInput{UUID: aws.String(id)}); err != nil {
			errs = append(errs, err)
		}
	}
	for _, fn := range d.createdFunctions {
		if _, err := d.st.lambda.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String(fn)}); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range d.createdStreams {
		if _, err := d.st.kinesis.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(s), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, d.cleanupDiscovery(ctx)...)
	errs = append(errs, d.cleanupEventBridge(ctx)...)
	for _, arn := range d.createdTopics {
		if _, err := d.st.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}); err != nil {
			errs = append(errs, err)
		}
	}
	for _, q := range d.createdQueues {
		if _, err := d.st.sqs.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(q)}); err != nil {
			errs = append(errs, err)
		}
	}
	if d.createdRegistry {
		if _, err := d.st.glue.DeleteRegistry(ctx, &glue.DeleteRegistryInput{RegistryId: &gluetypes.RegistryId{RegistryName: aws.String(d.registry)}}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		d.n.bad("some resources could not be deleted: %v", err)
		return
	}
	d.n.ok("deleted the event source mappings, functions, streams, topics, discoverers and discovered schemas, event buses and rules, queues and registry")
}

// inbox drains an SQS queue.
type inbox struct {
	sqs     *sqs.Client
	url     string
	bodies  []string
	reports []report
}

// drain receives and deletes every message the queue holds now.
func (q *inbox) drain(ctx context.Context) error {
	for {
		out, err := q.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(q.url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60,
		})
		if err != nil {
			return fmt.Errorf("receiving from %s: %w", q.url, err)
		}
		if len(out.Messages) == 0 {
			return nil
		}
		entries := make([]sqstypes.DeleteMessageBatchRequestEntry, 0, len(out.Messages))
		for i, m := range out.Messages {
			body := aws.ToString(m.Body)
			q.bodies = append(q.bodies, body)
			var r report
			if json.Unmarshal([]byte(body), &r) == nil && r.Function != "" {
				q.reports = append(q.reports, r)
			}
			entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
		}
		if _, err := q.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(q.url), Entries: entries}); err != nil {
			return fmt.Errorf("deleting from %s: %w", q.url, err)
		}
	}
}
