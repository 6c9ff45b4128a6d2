package matrix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/registry"
	"github.com/evolvestack/evolvestack/registry/matrix"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// v2 adds currency with a default, v3 widens qty to long: each step is
// backward compatible, and a v3 reader resolving the writer's schema reads
// them all.
const (
	orderV1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`
	orderV2 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"},{"name":"currency","type":"string","default":"EUR"}]}`
	orderV3 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"long"},{"name":"currency","type":"string","default":"EUR"}]}`
)

func TestPromised(t *testing.T) {
	t.Parallel()
	versions := []matrix.Version{
		{Number: 1, Status: matrix.StatusAvailable}, {Number: 2, Status: matrix.StatusAvailable},
		{Number: 3, Status: matrix.StatusFailure}, {Number: 4, Status: matrix.StatusAvailable},
		{Number: 5, Status: matrix.StatusAvailable}, {Number: 6, Status: matrix.StatusAvailable},
	}
	tests := []struct {
		mode               string
		checkpoint, reader int64
		want               []int64
	}{
		{"NONE", 1, 6, []int64{6}},
		{"DISABLED", 1, 6, []int64{6}},
		{"BACKWARD", 1, 6, []int64{5, 6}},
		{"BACKWARD", 1, 4, []int64{2, 4}}, // v3 FAILED: the previous AVAILABLE one
		{"BACKWARD_ALL", 1, 6, []int64{1, 2, 4, 5, 6}},
		{"BACKWARD_ALL", 4, 6, []int64{4, 5, 6}},
		{"FORWARD", 1, 6, []int64{6}},
		{"FORWARD", 1, 4, []int64{4, 5}},
		{"FORWARD_ALL", 1, 2, []int64{2, 4, 5, 6}},
		{"FULL", 1, 4, []int64{2, 4, 5}},
		{"FULL_ALL", 2, 4, []int64{2, 4, 5, 6}},
		{"FULL_ALL", 5, 4, []int64{4}}, // the reader predates the checkpoint
	}
	for _, tt := range tests {
		got := matrix.Promised(tt.mode, tt.checkpoint, tt.reader, versions)
		var keys []int64
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, tt.want) {
			t.Errorf("Promised(%s, checkpoint %d, reader %d) = %v, want %v", tt.mode, tt.checkpoint, tt.reader, keys, tt.want)
		}
	}
}

// newSchema starts an emulator holding shop/orders (AVRO, BACKWARD_ALL)
// at v1, v2, v3, registered through the SDK.
func newSchema(t *testing.T) *emulator.Emulator {
	t.Helper()
	e := emulator.Start(t)
	ctx := context.Background()
	gc := glue.NewFromConfig(e.AWSConfig())
	if _, err := gc.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	if _, err := gc.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &types.RegistryId{RegistryName: aws.String("shop")}, SchemaName: aws.String("orders"),
		DataFormat: types.DataFormatAvro, Compatibility: types.CompatibilityBackwardAll, SchemaDefinition: aws.String(orderV1)}); err != nil {
		t.Fatal(err)
	}
	for _, def := range []string{orderV2, orderV3} {
		if _, err := gc.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: &types.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("orders")},
			SchemaDefinition: aws.String(def)}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// reader reads framed orders as a v3 handler: correctly (resolving the
// writer's schema) or with the bug of reading every payload as v3.
type reader struct {
	buggy bool
	des   *wire.Deserializer
	v3    hamba.Schema
}

func newReader(e *emulator.Emulator, buggy bool) *reader {
	reg := e.Glue().Registry()
	fetch := func(_ context.Context, id uuid.UUID) (string, string, error) {
		v, err := reg.GetSchemaVersion(registry.VersionRef{ID: id.String()})
		if err != nil {
			return "", "", err
		}
		return v.Definition, v.DataFormat, nil
	}
	return &reader{buggy: buggy, des: wire.NewDeserializer(fetch, wire.DeserializerConfig{}), v3: hamba.MustParse(orderV3)}
}

func (r *reader) read(ctx context.Context, data []byte) error {
	var order map[string]any
	if !r.buggy {
		return r.des.DecodeInto(ctx, data, orderV3, &order)
	}
	_, payload, err := wire.DecodeHeader(data)
	if err != nil {
		return err
	}
	if err := hamba.Unmarshal(r.v3, payload, &order); err != nil {
		return err
	}
	if _, ok := order["currency"].(string); !ok {
		return errors.New("order has no currency")
	}
	return nil
}

// handlers are in-process handlers of every event type reading with r.
func handlers(r *reader) map[string]matrix.Handler {
	return map[string]matrix.Handler{
		"kinesis": matrix.Kinesis(func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			resp := events.KinesisEventResponse{}
			for _, rec := range ev.Records {
				if r.read(ctx, rec.Kinesis.Data) != nil {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: rec.Kinesis.SequenceNumber})
				}
			}
			return resp, nil
		}),
		"sqs": matrix.SQS(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			resp := events.SQSEventResponse{}
			for _, m := range ev.Records {
				if r.read(ctx, lambdaevents.Payload(m.Body)) != nil {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				}
			}
			return resp, nil
		}),
		"sns": matrix.SNS(func(ctx context.Context, ev events.SNSEvent) error {
			return r.read(ctx, lambdaevents.Payload(ev.Records[0].SNS.Message))
		}),
		"eventbridge": matrix.EventBridge(func(ctx context.Context, ev events.EventBridgeEvent) error {
			var d struct{ Data string }
			if err := json.Unmarshal(ev.Detail, &d); err != nil {
				return err
			}
			return r.read(ctx, lambdaevents.Payload(d.Data))
		}),
	}
}

func TestRunInProcess(t *testing.T) {
	t.Parallel()
	e := newSchema(t)
	src := matrix.EngineSource(e.Glue().Registry(), "shop", "orders")
	good, bad := handlers(newReader(e, false)), handlers(newReader(e, true))
	tests := []struct {
		name     string
		h        matrix.Handler
		want     []matrix.Outcome
		wantExit int
	}{
		{"kinesis correct", good["kinesis"], []matrix.Outcome{matrix.OK, matrix.OK, matrix.OK}, 0},
		{"kinesis v1 breaks", bad["kinesis"], []matrix.Outcome{matrix.PartialFailure, matrix.OK, matrix.OK}, 1},
		{"sqs correct", good["sqs"], []matrix.Outcome{matrix.OK, matrix.OK, matrix.OK}, 0},
		{"sqs v1 breaks", bad["sqs"], []matrix.Outcome{matrix.PartialFailure, matrix.OK, matrix.OK}, 1},
		{"sns correct", good["sns"], []matrix.Outcome{matrix.OK, matrix.OK, matrix.OK}, 0},
		{"sns v1 breaks", bad["sns"], []matrix.Outcome{matrix.HandlerError, matrix.OK, matrix.OK}, 1},
		{"eventbridge correct", good["eventbridge"], []matrix.Outcome{matrix.OK, matrix.OK, matrix.OK}, 0},
		{"eventbridge v1 breaks", bad["eventbridge"], []matrix.Outcome{matrix.HandlerError, matrix.OK, matrix.OK}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := matrix.Run(context.Background(), src, tt.h, matrix.Options{Seed: 9, Samples: 5})
			if err != nil {
				t.Fatal(err)
			}
			var got []matrix.Outcome
			for _, c := range m.Cells {
				got = append(got, c.Outcome)
				if c.Samples != 9 {
					t.Errorf("v%d: %d samples, want 4 edge + 5 random", c.Version, c.Samples)
				}
				if c.Outcome != matrix.OK && (c.Failing == nil || c.Failed != c.Samples) {
					t.Errorf("v%d: %s with failing sample %+v, %d/%d failed", c.Version, c.Outcome, c.Failing, c.Failed, c.Samples)
				}
			}
			if !slices.Equal(got, tt.want) || m.ExitCode() != tt.wantExit || m.Reader != 3 {
				t.Errorf("outcomes %v exit %d reader %d, want %v exit %d", got, m.ExitCode(), m.Reader, tt.want, tt.wantExit)
			}
			var text bytes.Buffer
			if err := m.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			want := "OK: the handler reads every version BACKWARD_ALL promises to reader v3"
			if tt.wantExit == 1 {
				want = "FAIL: under BACKWARD_ALL the handler (reader v3) must read v1"
			}
			if !strings.Contains(text.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, text.String())
			}
		})
	}
}

// fixed is a source of one AVAILABLE version of orderV1.
func fixed(mode string) matrix.Source {
	return matrix.SourceFunc(func(context.Context) (*matrix.Schema, error) {
		return &matrix.Schema{Registry: "r", Name: "s", DataFormat: "AVRO", Compatibility: mode, Checkpoint: 1,
			Versions: []matrix.Version{{Number: 1, ID: uuid.NewString(), Status: matrix.StatusAvailable, Definition: orderV1}}}, nil
	})
}

func TestRunOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		h          matrix.HandlerFunc
		want       matrix.Outcome
		wantFailed int
		wantErr    string
	}{
		{"ok", func(context.Context, []matrix.Record) matrix.Result { return matrix.Result{} }, matrix.OK, 0, ""},
		{"error", func(context.Context, []matrix.Record) matrix.Result { return matrix.Result{Err: errors.New("boom")} }, matrix.HandlerError, 4, "boom"},
		{"panic", func(context.Context, []matrix.Record) matrix.Result { panic("kaput") }, matrix.HandlerError, 4, "handler panicked: kaput"},
		{"hang", func(ctx context.Context, _ []matrix.Record) matrix.Result {
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond)
			return matrix.Result{}
		}, matrix.Timeout, 4, "no answer within"},
		{"one record fails", func(_ context.Context, b []matrix.Record) matrix.Result {
			for _, r := range b {
				if r.Sample == "edge:maximal" {
					return matrix.Result{Failed: []string{r.ID}}
				}
			}
			return matrix.Result{}
		}, matrix.PartialFailure, 1, ""},
		{"fails only in a batch", func(_ context.Context, b []matrix.Record) matrix.Result {
			if len(b) > 1 {
				return matrix.Result{Err: errors.New("batch too big")}
			}
			return matrix.Result{}
		}, matrix.HandlerError, 0, "batch too big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := matrix.Run(context.Background(), fixed("NONE"), tt.h, matrix.Options{Samples: -1, Timeout: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			c := m.Cells[0]
			if c.Outcome != tt.want || c.Failed != tt.wantFailed || !strings.Contains(c.Error, tt.wantErr) || c.Samples != 4 {
				t.Errorf("cell %+v, want %s with %d failed, error %q", c, tt.want, tt.wantFailed, tt.wantErr)
			}
			if (tt.wantFailed > 0) != (c.Failing != nil) {
				t.Errorf("failing sample %+v with %d failed", c.Failing, c.Failed)
			}
			if (c.Outcome == matrix.OK) != (m.ExitCode() == 0) {
				t.Errorf("exit %d for %s on the promised version", m.ExitCode(), c.Outcome)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	ok := matrix.HandlerFunc(func(context.Context, []matrix.Record) matrix.Result { return matrix.Result{} })
	tests := []struct {
		name string
		src  matrix.Source
		opts matrix.Options
		want string
	}{
		{"source fails", matrix.SourceFunc(func(context.Context) (*matrix.Schema, error) { return nil, errors.New("no registry") }), matrix.Options{}, "loading the schema: no registry"},
		{"no available version", matrix.SourceFunc(func(context.Context) (*matrix.Schema, error) {
			return &matrix.Schema{Versions: []matrix.Version{{Number: 1, Status: matrix.StatusFailure}}}, nil
		}), matrix.Options{}, "no AVAILABLE version"},
		{"bad reader", fixed("NONE"), matrix.Options{Reader: 2}, "reader version 2 is not an AVAILABLE version"},
	}
	for _, tt := range tests {
		_, err := matrix.Run(context.Background(), tt.src, ok, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestVia runs each path against functions deployed in the emulator,
// through its HTTP API, and checks that the temporary resources are gone
// afterwards.
func TestVia(t *testing.T) {
	t.Parallel()
	e := newSchema(t)
	cfg := e.AWSConfig()
	bad := newReader(e, true)
	deploy := map[string]any{
		"kinesis-fn": func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			resp := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
			for _, rec := range ev.Records {
				if bad.read(ctx, rec.Kinesis.Data) != nil {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: rec.Kinesis.SequenceNumber})
				}
			}
			return resp, nil
		},
		"sqs-fn": func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
			for _, m := range ev.Records {
				if bad.read(ctx, lambdaevents.Payload(m.Body)) != nil {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				}
			}
			return resp, nil
		},
		"sns-fn": func(ctx context.Context, ev events.SNSEvent) error {
			return bad.read(ctx, lambdaevents.Payload(ev.Records[0].SNS.Message))
		},
		"events-fn": func(ctx context.Context, ev events.EventBridgeEvent) error {
			var d struct{ Data string }
			if err := json.Unmarshal(ev.Detail, &d); err != nil {
				return err
			}
			return bad.read(ctx, lambdaevents.Payload(d.Data))
		},
	}
	for name, h := range deploy {
		if err := e.RegisterHandler(name, h); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		via, function string
		wantV1        matrix.Outcome
	}{
		{matrix.ViaInvoke, "kinesis-fn", matrix.PartialFailure},
		{matrix.ViaKinesis, "kinesis-fn", matrix.PartialFailure},
		{matrix.ViaSQS, "sqs-fn", matrix.PartialFailure},
		{matrix.ViaSNS, "sns-fn", matrix.HandlerError},
		{matrix.ViaEvents, "events-fn", matrix.HandlerError},
	}
	for _, tt := range tests {
		t.Run(tt.via, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			h, cleanup, err := matrix.Via(ctx, tt.via, matrix.NewClient(cfg, ""), tt.function)
			if err != nil {
				t.Fatal(err)
			}
			m, err := matrix.Run(ctx, matrix.EngineSource(e.Glue().Registry(), "shop", "orders"), h, matrix.Options{Samples: 1, Seed: 4, Timeout: 20 * time.Second})
			if cerr := cleanup(ctx); cerr != nil {
				t.Errorf("cleanup: %v", cerr)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []matrix.Outcome{m.Cells[0].Outcome, m.Cells[1].Outcome, m.Cells[2].Outcome}
			if !slices.Equal(got, []matrix.Outcome{tt.wantV1, matrix.OK, matrix.OK}) || m.Cells[0].Failing == nil || m.ExitCode() != 1 {
				t.Errorf("outcomes %v, failing %+v, exit %d", got, m.Cells[0].Failing, m.ExitCode())
			}
		})
	}
	t.Cleanup(func() {
		// After every path ran: nothing temporary is left.
		ctx := context.Background()
		left := []string{}
		streams, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, streams.StreamNames...)
		queues, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{})
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, queues.QueueUrls...)
		topics, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tp := range topics.Topics {
			left = append(left, *tp.TopicArn)
		}
		buses, err := eventbridge.NewFromConfig(cfg).ListEventBuses(ctx, &eventbridge.ListEventBusesInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range buses.EventBuses {
			if *b.Name != "default" {
				left = append(left, *b.Name)
			}
		}
		maps, err := lambda.NewFromConfig(cfg).ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range maps.EventSourceMappings {
			left = append(left, *m.UUID)
		}
		for fn := range deploy {
			if _, err := lambda.NewFromConfig(cfg).GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(fn)}); err == nil {
				left = append(left, fn+" policy")
			}
		}
		if len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	})
}

func TestViaUnknown(t *testing.T) {
	t.Parallel()
	_, _, err := matrix.Via(context.Background(), "pigeon", matrix.NewClient(aws.Config{}, "http://127.0.0.1:1"), "f")
	if !matrix.IsUnknownVia(err) || !strings.Contains(err.Error(), `"pigeon": want invoke, kinesis, sqs, sns or events`) {
		t.Errorf("Via(pigeon): %v", err)
	}
}

// stubInvoker answers Invoke with a fixed output.
type stubInvoker struct {
	out *matrix.InvokeOutput
	err error
}

func (s stubInvoker) Invoke(context.Context, string, []byte) (*matrix.InvokeOutput, error) {
	return s.out, s.err
}

func TestInvokeResults(t *testing.T) {
	t.Parallel()
	batch := []matrix.Record{{ID: "a"}, {ID: "b"}}
	tests := []struct {
		name        string
		inv         stubInvoker
		wantErr     string
		wantTimeout bool
		wantFailed  []string
	}{
		{"ok", stubInvoker{out: &matrix.InvokeOutput{Payload: []byte(`null`)}}, "", false, nil},
		{"partial", stubInvoker{out: &matrix.InvokeOutput{Payload: []byte(`{"batchItemFailures":[{"itemIdentifier":"b"}]}`)}}, "", false, []string{"b"}},
		{"function error", stubInvoker{out: &matrix.InvokeOutput{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"errorString","errorMessage":"bad record"}`)}},
			"function error (Unhandled): errorString: bad record", false, nil},
		{"timeout", stubInvoker{out: &matrix.InvokeOutput{FunctionError: "Unhandled", Payload: []byte(`{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 3.00 seconds"}`)}},
			"Task timed out", true, nil},
		{"transport", stubInvoker{err: errors.New("connection refused")}, "invoking f: connection refused", false, nil},
	}
	for _, tt := range tests {
		res := matrix.Invoke(tt.inv, "f").Run(context.Background(), batch)
		if fmt.Sprint(res.Err) == "<nil>" && tt.wantErr != "" || res.Err != nil && !strings.Contains(res.Err.Error(), tt.wantErr) ||
			res.Timeout != tt.wantTimeout || !slices.Equal(res.Failed, tt.wantFailed) {
			t.Errorf("%s: %+v", tt.name, res)
		}
	}
}
