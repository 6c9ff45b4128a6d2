//go:build !evolvestack_slim

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	sdklambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/registry"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// The evolution the matrix tests run: v2 adds a field with a default, v3
// widens qty from int to long. Every step is BACKWARD_ALL compatible.
const (
	matrixV1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`
	matrixV2 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"},{"name":"currency","type":"string","default":"EUR"}]}`
	matrixV3 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"long"},{"name":"currency","type":"string","default":"EUR"}]}`
)

// matrixReader decodes a framed record the way a handler holding the v3
// reader does. The correct one resolves the writer's schema (found by the
// version id in the header) into v3; the buggy one reads every payload
// with v3 directly and relies on currency, which v2 data survives (int
// and long share their encoding) but v1 data, lacking currency, does not.
type matrixReader struct {
	buggy  bool
	reader hamba.Schema
	des    *wire.Deserializer
}

func newMatrixReader(t *testing.T, e *emulator.Emulator, buggy bool) *matrixReader {
	t.Helper()
	reg := e.Glue().Registry()
	fetch := func(_ context.Context, id uuid.UUID) (string, string, error) {
		v, err := reg.GetSchemaVersion(registry.VersionRef{ID: id.String()})
		if err != nil {
			return "", "", err
		}
		return v.Definition, v.DataFormat, nil
	}
	return &matrixReader{buggy: buggy, reader: hamba.MustParse(matrixV3), des: wire.NewDeserializer(fetch, wire.DeserializerConfig{})}
}

func (r *matrixReader) read(ctx context.Context, data []byte) error {
	var order map[string]any
	if r.buggy {
		_, payload, err := wire.DecodeHeader(data)
		if err != nil {
			return err
		}
		if err := hamba.Unmarshal(r.reader, payload, &order); err != nil {
			return err
		}
		// hamba leaves what the payload lacks nil: the field the v3
		// code relies on is missing from v1 records.
		if _, ok := order["currency"].(string); !ok {
			return errors.New("order has no currency")
		}
		return nil
	}
	return r.des.DecodeInto(ctx, data, matrixV3, &order)
}

// Lambda handlers of every event type, reading with r. fail makes a
// record's failure fail the whole invocation instead of reporting it in
// batchItemFailures.
func (r *matrixReader) kinesis(fail bool) func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error) {
	return func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		resp := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
		for _, rec := range ev.Records {
			if err := r.read(ctx, rec.Kinesis.Data); err != nil {
				if fail {
					return resp, fmt.Errorf("record %s: %w", rec.Kinesis.SequenceNumber, err)
				}
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: rec.Kinesis.SequenceNumber})
			}
		}
		return resp, nil
	}
}

func (r *matrixReader) sqs(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, m := range ev.Records {
		if err := r.read(ctx, lambdaevents.Payload(m.Body)); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

func (r *matrixReader) sns(ctx context.Context, ev events.SNSEvent) error {
	var errs []error
	for _, rec := range ev.Records {
		errs = append(errs, r.read(ctx, lambdaevents.Payload(rec.SNS.Message)))
	}
	return errors.Join(errs...)
}

func (r *matrixReader) eventbridge(ctx context.Context, ev events.EventBridgeEvent) error {
	var detail struct{ Data string }
	if err := json.Unmarshal(ev.Detail, &detail); err != nil {
		return err
	}
	return r.read(ctx, lambdaevents.Payload(detail.Data))
}

// newMatrixEmulator starts an emulator with schema shop/orders (AVRO,
// mode) at v1, v2, v3 and a v4 that fails its check, and the functions
// the tests run.
func newMatrixEmulator(t *testing.T, mode types.Compatibility) *emulator.Emulator {
	t.Helper()
	e := emulator.Start(t)
	ctx := context.Background()
	gc := glue.NewFromConfig(e.AWSConfig())
	if _, err := gc.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("shop")}); err != nil {
		t.Fatalf("CreateRegistry: %v", err)
	}
	if _, err := gc.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &types.RegistryId{RegistryName: aws.String("shop")}, SchemaName: aws.String("orders"),
		DataFormat: types.DataFormatAvro, Compatibility: mode, SchemaDefinition: aws.String(matrixV1)}); err != nil {
		t.Fatalf("CreateSchema: %v", err)
	}
	// v4 drops id without a default: not backward compatible, FAILURE
	// under the BACKWARD modes (and AVAILABLE under NONE).
	v4 := `{"type":"record","name":"Order","fields":[{"name":"sku","type":"string"}]}`
	for _, def := range []string{matrixV2, matrixV3, v4} {
		if _, err := gc.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: &types.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("orders")},
			SchemaDefinition: aws.String(def)}); err != nil {
			t.Fatalf("RegisterSchemaVersion: %v", err)
		}
	}
	good, bad := newMatrixReader(t, e, false), newMatrixReader(t, e, true)
	handlers := map[string]any{
		"good":       good.kinesis(false),
		"bad":        bad.kinesis(false),
		"bad-throws": bad.kinesis(true),
		"bad-sqs":    bad.sqs,
		"bad-sns":    bad.sns,
		"bad-events": bad.eventbridge,
		"good-sqs":   good.sqs,
		"slow-on-v1": func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
			return slowOnV1(ctx, bad, ev)
		},
		"good-kinesis2": good.kinesis(false),
	}
	for name, h := range handlers {
		if err := e.RegisterHandler(name, h); err != nil {
			t.Fatalf("RegisterHandler %s: %v", name, err)
		}
	}
	lc := sdklambda.NewFromConfig(e.AWSConfig())
	if _, err := lc.UpdateFunctionConfiguration(ctx, &sdklambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("slow-on-v1"), Timeout: aws.Int32(1)}); err != nil {
		t.Fatalf("UpdateFunctionConfiguration: %v", err)
	}
	return e
}

// slowOnV1 hangs past its function's timeout on records it cannot read.
func slowOnV1(ctx context.Context, r *matrixReader, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	for _, rec := range ev.Records {
		if r.read(ctx, rec.Kinesis.Data) != nil {
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			return events.KinesisEventResponse{}, errors.New("too late")
		}
	}
	return events.KinesisEventResponse{}, nil
}

// matrixDoc is the JSON output of `schema matrix`.
type matrixDoc struct {
	OK             bool    `json:"ok"`
	Registry       string  `json:"registry"`
	Schema         string  `json:"schema"`
	DataFormat     string  `json:"dataFormat"`
	Compatibility  string  `json:"compatibility"`
	ReaderVersion  int64   `json:"readerVersion"`
	Seed           uint64  `json:"seed"`
	BrokenPromises []int64 `json:"brokenPromises"`
	Versions       []struct {
		Version         int64  `json:"version"`
		SchemaVersionID string `json:"schemaVersionId"`
		Status          string `json:"status"`
		Outcome         string `json:"outcome"`
		Promised        bool   `json:"promised"`
		Samples         int    `json:"samples"`
		Failed          int    `json:"failed"`
		FailingSample   *struct {
			Name   string          `json:"name"`
			Record json.RawMessage `json:"record"`
			Error  string          `json:"error"`
		} `json:"failingSample"`
		Error string   `json:"error"`
		Notes []string `json:"notes"`
	} `json:"versions"`
}

// wantCells checks the outcome of every version, in order.
func wantCells(want ...string) func(t *testing.T, stdout string) {
	return func(t *testing.T, stdout string) {
		t.Helper()
		var doc matrixDoc
		decodeJSON(t, stdout, &doc)
		var got []string
		for _, v := range doc.Versions {
			got = append(got, fmt.Sprintf("v%d %s", v.Version, v.Outcome))
			if v.Outcome != "ok" && v.Outcome != "skipped" {
				if v.FailingSample == nil || len(v.FailingSample.Record) == 0 || v.FailingSample.Name == "" {
					t.Errorf("v%d failed without a failing sample: %+v", v.Version, v)
				}
			}
		}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("cells %q, want %q\n%s", got, want, stdout)
		}
	}
}

func TestSchemaMatrix(t *testing.T) {
	t.Parallel()
	ba := newMatrixEmulator(t, types.CompatibilityBackwardAll)
	b := newMatrixEmulator(t, types.CompatibilityBackward)
	none := newMatrixEmulator(t, types.CompatibilityNone)
	args := func(e *emulator.Emulator, fn string, extra ...string) []string {
		return append([]string{"matrix", "--endpoint", e.Endpoint(), "--region", "us-east-1", "--registry", "shop", "--schema", "orders", "--function", fn, "--samples", "2"}, extra...)
	}
	env := func(e *emulator.Emulator) map[string]string {
		return map[string]string{"AWS_ACCESS_KEY_ID": emulator.DefaultAccount, "AWS_SECRET_ACCESS_KEY": "x"}
	}
	runCLI(t, []cliCase{
		{name: "correct handler", args: args(ba, "good"), env: env(ba), wantCode: 0,
			wantOut: []string{"v1", "ok", "v4", "FAILURE", "skipped", "OK: the handler reads every version BACKWARD_ALL promises to reader v3"}},
		{name: "correct handler json", args: args(ba, "good", "--output", "json"), env: env(ba), wantCode: 0,
			check: wantCells("v1 ok", "v2 ok", "v3 ok", "v4 skipped")},
		{name: "v1 breaks after the v3 upgrade", args: args(ba, "bad"), env: env(ba), wantCode: 1,
			wantOut: []string{"v1: partial failure", "failing sample edge:minimal: {\"id\":\"\",\"qty\":0}", "FAIL: under BACKWARD_ALL the handler (reader v3) must read v1"}},
		{name: "v1 breaks json", args: args(ba, "bad", "--output", "json"), env: env(ba), wantCode: 1,
			check: wantCells("v1 partial failure", "v2 ok", "v3 ok", "v4 skipped")},
		{name: "handler error", args: args(ba, "bad-throws", "--output", "json"), env: env(ba), wantCode: 1,
			check: wantCells("v1 handler error", "v2 ok", "v3 ok", "v4 skipped")},
		{name: "timeout", args: args(ba, "slow-on-v1", "--samples", "0", "--output", "json"), env: env(ba), wantCode: 1,
			check: wantCells("v1 timeout", "v2 ok", "v3 ok", "v4 skipped")},
		// BACKWARD promises only the previous version: v1 may break.
		{name: "backward promises v2 only", args: args(b, "bad"), env: env(b), wantCode: 0,
			wantOut: []string{"v1: partial failure", "OK: the handler reads every version BACKWARD promises"}},
		// Under NONE, v4 is AVAILABLE and the latest: a v3 reader fails
		// on it, but the handler that ships with v4 is another one.
		{name: "none promises the reader only", args: args(none, "bad", "--reader", "3", "--output", "json"), env: env(none), wantCode: 0,
			check: wantCells("v1 partial failure", "v2 ok", "v3 ok", "v4 partial failure")},
		{name: "none latest reader", args: args(none, "good"), env: env(none), wantCode: 1,
			wantOut: []string{"FAIL: under NONE the handler (reader v4) must read v4"}},
		{name: "via kinesis", args: args(ba, "bad", "--via", "kinesis", "--output", "json"), env: env(ba), wantCode: 1,
			check: wantCells("v1 partial failure", "v2 ok", "v3 ok", "v4 skipped")},
		{name: "via sqs", args: args(ba, "bad-sqs", "--via", "sqs", "--output", "json"), env: env(ba), wantCode: 1,
			check: wantCells("v1 partial failure", "v2 ok", "v3 ok", "v4 skipped")},
		{name: "via sqs correct", args: args(ba, "good-sqs", "--via", "sqs"), env: env(ba), wantCode: 0},
		{name: "via sns", args: args(ba, "bad-sns", "--via", "sns", "--output", "json"), env: env(ba), wantCode: 1,
			check: wantCells("v1 handler error", "v2 ok", "v3 ok", "v4 skipped")},
		{name: "via events", args: args(ba, "bad-events", "--via", "events", "--output", "json"), env: env(ba), wantCode: 1,
			check: wantCells("v1 handler error", "v2 ok", "v3 ok", "v4 skipped")},
		{name: "no function", args: []string{"matrix", "--endpoint", ba.Endpoint(), "--registry", "shop", "--schema", "orders"}, wantCode: 2, wantErr: []string{"want --function"}},
		{name: "bad via", args: args(ba, "good", "--via", "carrier-pigeon"), env: env(ba), wantCode: 2, wantErr: []string{"--via", "carrier-pigeon"}},
		{name: "missing function", args: args(ba, "nope", "--via", "kinesis"), env: env(ba), wantCode: 2, wantErr: []string{"ResourceNotFoundException"}},
		{name: "missing schema", args: []string{"matrix", "--endpoint", ba.Endpoint(), "--registry", "shop", "--schema", "nope", "--function", "good"}, env: env(ba), wantCode: 1, wantErr: []string{"EntityNotFoundException"}},
		{name: "bad reader", args: args(ba, "good", "--reader", "4"), env: env(ba), wantCode: 2, wantErr: []string{"reader version 4 is not an AVAILABLE version"}},
	})
}
