package lambdaevents_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/registry/serde"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
)

const (
	e2eAvroOrder = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"orderId","type":"string"},{"name":"amountCents","type":"long"}]}`
	e2eJSONOrder = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"orderId":{"type":"string"},"amountCents":{"type":"integer"}},"required":["orderId"]}`
)

// decoded is what a Lambda handler bound to an EventBridge rule made of
// the event it received.
type decoded struct {
	eventID string
	format  string
	json    string
	err     error
}

// TestEventBridgeThroughEmulator feeds the EventBridge adapter exactly what
// the emulator's EventBridge delivers to a Lambda target: producers put
// serde-encoded records in events' details with PutEvents, a rule per case
// routes them to an in-process Go handler (asynchronous invocation, as on
// AWS), and the handler decodes the aws-lambda-go event it is given.
func TestEventBridgeThroughEmulator(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)))))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cfg := e.AWSConfig()
	glueClient, eb := glue.NewFromConfig(cfg), awseb.NewFromConfig(cfg)
	if _, err := glueClient.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	framed := func(format, definition string, compression serde.Compression, value any) string {
		t.Helper()
		ser, err := serde.NewSerializer(glueClient, serde.SerializerConfig{RegistryName: "shop", DataFormat: format,
			AutoRegister: true, Compression: compression})
		if err != nil {
			t.Fatal(err)
		}
		b, err := ser.Serialize(ctx, "orders-"+format, definition, value)
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	detail := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	strict := serde.NewDeserializer(glueClient, serde.DeserializerConfig{})
	lenient := serde.NewDeserializer(glueClient, serde.DeserializerConfig{Secondary: serde.PlainJSON})
	field := func(d lambdaevents.Decoder) func(context.Context, events.EventBridgeEvent) (*serde.Record, error) {
		return func(ctx context.Context, ev events.EventBridgeEvent) (*serde.Record, error) {
			return lambdaevents.EventBridgeField(ctx, d, ev, "data")
		}
	}
	whole := func(d lambdaevents.Decoder) func(context.Context, events.EventBridgeEvent) (*serde.Record, error) {
		return func(ctx context.Context, ev events.EventBridgeEvent) (*serde.Record, error) {
			return lambdaevents.EventBridge(ctx, d, ev)
		}
	}

	tests := []struct {
		name   string
		detail string
		// transformer, when set, is the target's input transformer.
		transformer *ebtypes.InputTransformer
		decode      func(context.Context, events.EventBridgeEvent) (*serde.Record, error)
		format      string
		json        string
		decodeErr   bool
	}{
		{name: "Avro record base64 in a detail field",
			detail: detail(map[string]any{"data": framed(serde.FormatAvro, e2eAvroOrder, serde.CompressionNone, map[string]any{"orderId": "o-1", "amountCents": int64(1250)})}),
			decode: field(strict), format: serde.FormatAvro, json: `{"orderId":"o-1","amountCents":1250}`},
		{name: "zlib JSON Schema record in a detail field",
			detail: detail(map[string]any{"data": framed(serde.FormatJSON, e2eJSONOrder, serde.CompressionZlib, map[string]any{"orderId": "o-2", "amountCents": 99}), "kind": "order"}),
			decode: field(strict), format: serde.FormatJSON, json: `{"amountCents":99,"orderId":"o-2"}`},
		{name: "plain JSON detail through the secondary decoder",
			detail: `{"orderId": "o-3",  "amountCents": 7}`,
			decode: whole(lenient), format: serde.FormatJSON, json: `{"orderId":"o-3","amountCents":7}`},
		{name: "input transformer makes the detail the record string",
			detail: detail(map[string]any{"data": framed(serde.FormatAvro, e2eAvroOrder, serde.CompressionNone, map[string]any{"orderId": "o-4", "amountCents": int64(4)})}),
			transformer: &ebtypes.InputTransformer{
				InputPathsMap: map[string]string{"id": "$.id", "source": "$.source", "type": "$.detail-type", "data": "$.detail.data"},
				InputTemplate: aws.String(`{"version": "0", "id": <id>, "source": <source>, "detail-type": <type>, "detail": <data>}`)},
			decode: whole(strict), format: serde.FormatAvro, json: `{"orderId":"o-4","amountCents":4}`},
		{name: "a field that is not a record fails to decode, reported by event id",
			detail: `{"data":"not a record"}`,
			decode: field(strict), decodeErr: true},
		{name: "a plain detail without a secondary decoder fails to decode",
			detail: `{"orderId":"o-6"}`,
			decode: whole(strict), decodeErr: true},
	}

	var mu sync.Mutex
	got := map[string][]decoded{} // by case name
	ids := make([]string, len(tests))
	for i, tt := range tests {
		fn, source := fmt.Sprintf("eb-consumer-%d", i), fmt.Sprintf("shop.case%d", i)
		if err := e.RegisterHandler(fn, func(ctx context.Context, ev events.EventBridgeEvent) error {
			r, err := tt.decode(ctx, ev)
			d := decoded{eventID: ev.ID, err: err}
			if r != nil {
				d.format = r.DataFormat
				j, jerr := r.JSON()
				d.json, d.err = string(j), errors.Join(err, jerr)
			}
			mu.Lock()
			got[tt.name] = append(got[tt.name], d)
			mu.Unlock()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		rule := "to-" + fn
		if _, err := eb.PutRule(ctx, &awseb.PutRuleInput{Name: aws.String(rule),
			EventPattern: aws.String(fmt.Sprintf(`{"source":[%q]}`, source))}); err != nil {
			t.Fatal(err)
		}
		out, err := eb.PutTargets(ctx, &awseb.PutTargetsInput{Rule: aws.String(rule), Targets: []ebtypes.Target{{
			Id: aws.String("fn"), Arn: aws.String("arn:aws:lambda:us-east-1:" + emulator.DefaultAccount + ":function:" + fn),
			InputTransformer: tt.transformer}}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutTargets: %v %+v", err, out)
		}
		put, err := eb.PutEvents(ctx, &awseb.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			Source: aws.String(source), DetailType: aws.String("OrderPlaced"), Detail: aws.String(tt.detail)}}})
		if err != nil || put.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %v %+v", err, put)
		}
		ids[i] = aws.ToString(put.Entries[0].EventId)
	}
	for range 3 { // PutEvents queues the Lambda target, which queues the asynchronous invocation
		if err := e.Clock().Settle(ctx); err != nil {
			t.Fatal(err)
		}
	}

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			ds := got[tt.name]
			mu.Unlock()
			if len(ds) != 1 {
				t.Fatalf("the handler ran %d times, want 1: %+v", len(ds), ds)
			}
			d := ds[0]
			if d.eventID != ids[i] {
				t.Errorf("event id %q, want PutEvents' %q", d.eventID, ids[i])
			}
			if tt.decodeErr {
				var re *lambdaevents.RecordError
				if !errors.As(d.err, &re) || !re.Decode || re.ItemIdentifier != ids[i] {
					t.Fatalf("error %v, want a decode *RecordError for event %s", d.err, ids[i])
				}
				return
			}
			if d.err != nil {
				t.Fatal(d.err)
			}
			if d.format != tt.format || !sameJSON(d.json, tt.json) {
				t.Errorf("decoded %s %s, want %s %s", d.format, d.json, tt.format, tt.json)
			}
		})
	}
}

// sameJSON reports whether two JSON texts hold the same value (EventBridge
// may re-serialise a detail).
func sameJSON(a, b string) bool {
	var va, vb any
	return json.Unmarshal([]byte(a), &va) == nil && json.Unmarshal([]byte(b), &vb) == nil && reflect.DeepEqual(va, vb)
}
