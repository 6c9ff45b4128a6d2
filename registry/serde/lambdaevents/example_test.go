package lambdaevents_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
)

// In a real handler the deserializer talks to Glue (or evolvestack):
//
//	cfg, _ := config.LoadDefaultConfig(ctx)
//	d := serde.NewDeserializer(glue.NewFromConfig(cfg), serde.DeserializerConfig{})
//
// The examples use a one-schema registry so that they run offline.

const orderSchema = `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"},{"name":"item","type":"string"}]}`

var orderVersion = uuid.MustParse("6f1c2b9e-0d4a-4c1e-9f3b-2a7d5e8c1b40")

// oneSchema is a Glue stand-in that knows orderVersion only.
type oneSchema struct{}

func (oneSchema) GetSchemaVersion(_ context.Context, in *glue.GetSchemaVersionInput, _ ...func(*glue.Options)) (*glue.GetSchemaVersionOutput, error) {
	if aws.ToString(in.SchemaVersionId) != orderVersion.String() {
		return nil, &types.EntityNotFoundException{Message: aws.String("Schema version is not found. SchemaVersionId: " + aws.ToString(in.SchemaVersionId))}
	}
	return &glue.GetSchemaVersionOutput{SchemaVersionId: in.SchemaVersionId, SchemaDefinition: aws.String(orderSchema),
		DataFormat: types.DataFormatAvro, Status: types.SchemaVersionStatusAvailable}, nil
}

func (oneSchema) GetSchemaByDefinition(context.Context, *glue.GetSchemaByDefinitionInput, ...func(*glue.Options)) (*glue.GetSchemaByDefinitionOutput, error) {
	return &glue.GetSchemaByDefinitionOutput{SchemaVersionId: aws.String(orderVersion.String()), Status: types.SchemaVersionStatusAvailable}, nil
}

func (oneSchema) CreateSchema(context.Context, *glue.CreateSchemaInput, ...func(*glue.Options)) (*glue.CreateSchemaOutput, error) {
	return nil, errors.New("read-only")
}

func (oneSchema) RegisterSchemaVersion(context.Context, *glue.RegisterSchemaVersionInput, ...func(*glue.Options)) (*glue.RegisterSchemaVersionOutput, error) {
	return nil, errors.New("read-only")
}

func (oneSchema) PutSchemaVersionMetadata(context.Context, *glue.PutSchemaVersionMetadataInput, ...func(*glue.Options)) (*glue.PutSchemaVersionMetadataOutput, error) {
	return &glue.PutSchemaVersionMetadataOutput{}, nil
}

// order returns a Glue-framed Avro Order record.
func order(id int64, item string) []byte {
	s, err := serde.NewSerializer(oneSchema{}, serde.SerializerConfig{})
	if err != nil {
		panic(err)
	}
	b, err := s.Serialize(context.Background(), "orders", orderSchema, map[string]any{"id": id, "item": item})
	if err != nil {
		panic(err)
	}
	return b
}

func printJSON(v any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func ExampleKinesis() {
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{})
	ev := events.KinesisEvent{Records: []events.KinesisEventRecord{
		{Kinesis: events.KinesisRecord{SequenceNumber: "101", Data: order(1, "pen")}},
		{Kinesis: events.KinesisRecord{SequenceNumber: "102", Data: []byte("not a record")}},
		{Kinesis: events.KinesisRecord{SequenceNumber: "103", Data: order(3, "ink")}},
	}}
	resp, errs := lambdaevents.Kinesis(context.Background(), d, ev,
		func(_ context.Context, rec events.KinesisEventRecord, r *serde.Record) error {
			j, _ := r.JSON()
			fmt.Println(rec.Kinesis.SequenceNumber, string(j))
			return nil
		})
	printJSON(resp)
	fmt.Println(len(errs), "failed")
	// Output:
	// 101 {"id":1,"item":"pen"}
	// 103 {"id":3,"item":"ink"}
	// {"batchItemFailures":[{"itemIdentifier":"102"}]}
	// 1 failed
}

func ExampleSQS() {
	// PlainJSON lets the same queue carry undecorated JSON messages.
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{Secondary: serde.PlainJSON})
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m-1", Body: base64.StdEncoding.EncodeToString(order(1, "pen"))},
		{MessageId: "m-2", Body: `{"id":2,"item":"legacy"}`},
		{MessageId: "m-3", Body: base64.StdEncoding.EncodeToString(order(3, "ink"))},
	}}
	resp, _ := lambdaevents.SQS(context.Background(), d, ev,
		func(_ context.Context, msg events.SQSMessage, r *serde.Record) error {
			var o struct {
				ID   int64  `avro:"id" json:"id"`
				Item string `avro:"item" json:"item"`
			}
			j, _ := r.JSON()
			if err := json.Unmarshal(j, &o); err != nil {
				return err
			}
			if o.Item == "ink" {
				return errors.New("out of ink")
			}
			fmt.Println(msg.MessageId, o.ID, o.Item, r.SchemaVersionID != uuid.Nil)
			return nil
		})
	printJSON(resp)
	// Output:
	// m-1 1 pen true
	// m-2 2 legacy false
	// {"batchItemFailures":[{"itemIdentifier":"m-3"}]}
}

func ExampleSNS() {
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{})
	ev := events.SNSEvent{Records: []events.SNSEventRecord{
		{SNS: events.SNSEntity{MessageID: "n-1", Message: base64.StdEncoding.EncodeToString(order(1, "pen"))}},
	}}
	err := lambdaevents.SNS(context.Background(), d, ev,
		func(_ context.Context, rec events.SNSEventRecord, r *serde.Record) error {
			m := r.Value.(map[string]any)
			fmt.Println(rec.SNS.MessageID, m["id"], m["item"])
			return nil
		})
	fmt.Println(err)
	// Output:
	// n-1 1 pen
	// <nil>
}

func ExampleEventBridge() {
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{Secondary: serde.PlainJSON})
	framed, _ := json.Marshal(base64.StdEncoding.EncodeToString(order(7, "cap")))
	for _, ev := range []events.EventBridgeEvent{
		{ID: "e-1", Detail: framed},
		{ID: "e-2", Detail: json.RawMessage(`{"id":8,"item":"plain"}`)},
	} {
		r, err := lambdaevents.EventBridge(context.Background(), d, ev)
		if err != nil {
			fmt.Println(err)
			continue
		}
		j, _ := r.JSON()
		fmt.Println(ev.ID, r.DataFormat, string(j))
	}
	// Output:
	// e-1 AVRO {"id":7,"item":"cap"}
	// e-2 JSON {"id":8,"item":"plain"}
}

func ExampleEventBridgeField() {
	// EventBridge details are JSON objects: the producer puts the framed
	// record, base64 encoded, in one of their fields.
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{})
	detail, _ := json.Marshal(map[string]string{"data": base64.StdEncoding.EncodeToString(order(9, "mug"))})
	ev := events.EventBridgeEvent{ID: "e-9", DetailType: "OrderPlaced", Source: "shop", Detail: detail}
	r, err := lambdaevents.EventBridgeField(context.Background(), d, ev, "data")
	if err != nil {
		fmt.Println(err)
		return
	}
	j, _ := r.JSON()
	fmt.Println(ev.ID, r.DataFormat, string(j))
	// Output:
	// e-9 AVRO {"id":9,"item":"mug"}
}

func ExampleSQS_fifo() {
	// A FIFO batch stops at its first failure: the failed message and every
	// later one are reported, so Lambda redelivers them in order.
	d := serde.NewDeserializer(oneSchema{}, serde.DeserializerConfig{})
	arn := "arn:aws:sqs:us-east-1:000000000000:orders.fifo"
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "f-1", EventSourceARN: arn, Body: base64.StdEncoding.EncodeToString(order(1, "pen"))},
		{MessageId: "f-2", EventSourceARN: arn, Body: "not a record"},
		{MessageId: "f-3", EventSourceARN: arn, Body: base64.StdEncoding.EncodeToString(order(3, "ink"))},
	}}
	resp, errs := lambdaevents.SQS(context.Background(), d, ev,
		func(_ context.Context, msg events.SQSMessage, _ *serde.Record) error {
			fmt.Println("processed", msg.MessageId)
			return nil
		})
	printJSON(resp)
	fmt.Println(errors.Is(errs[1], lambdaevents.ErrSkipped))
	// Output:
	// processed f-1
	// {"batchItemFailures":[{"itemIdentifier":"f-2"},{"itemIdentifier":"f-3"}]}
	// true
}
