package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/registry/serde"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
)

// Environment variables that configure the consumer function. The demo sets
// them on the deployed function (remote mode) or passes them to the
// in-process handler directly.
const (
	envResultsQueue = "RESULTS_QUEUE_URL"
	envReaderSchema = "READER_SCHEMA"
	envReaderLabel  = "READER_LABEL"
)

// report is the message the consumer sends to the results queue: one per
// decoded record, or one per failed invocation.
type report struct {
	Function string `json:"function"`
	// Reader names the reader schema the handler held, e.g. "Order v2".
	Reader string `json:"reader"`
	OK     bool   `json:"ok"`
	// For a decoded record: its sequence number, the writer's schema
	// version id and the record as the reader sees it.
	SequenceNumber string          `json:"sequenceNumber,omitempty"`
	WriterVersion  string          `json:"writerSchemaVersionId,omitempty"`
	Record         json.RawMessage `json:"record,omitempty"`
	// For a failed invocation: the sequence numbers of the batch and why.
	Batch []string `json:"batch,omitempty"`
	Error string   `json:"error,omitempty"`
}

// sqsSender is the part of the SQS client the consumer uses.
type sqsSender interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// consumer is the Lambda function: it decodes the Kinesis records of a
// batch with its reader schema and reports them to the results queue. A
// record that does not decode fails the whole invocation, so the event
// source mapping retries (and bisects) the batch.
type consumer struct {
	function     string
	readerLabel  string
	readerSchema string
	resultsQueue string
	sqs          sqsSender
	decoder      lambdaevents.Decoder
}

// newConsumer builds the handler of function from its environment.
func newConsumer(function string, env map[string]string, sqsClient sqsSender, glueClient serde.GlueAPI) (*consumer, error) {
	for _, k := range []string{envResultsQueue, envReaderSchema, envReaderLabel} {
		if env[k] == "" {
			return nil, fmt.Errorf("consumer %s: environment variable %s is not set", function, k)
		}
	}
	return &consumer{
		function:     function,
		readerLabel:  env[envReaderLabel],
		readerSchema: env[envReaderSchema],
		resultsQueue: env[envResultsQueue],
		sqs:          sqsClient,
		decoder: readerDecoder{
			d:      serde.NewDeserializer(glueClient, serde.DeserializerConfig{}),
			reader: env[envReaderSchema],
		},
	}, nil
}

// Handle is the aws-lambda-go handler.
func (c *consumer) Handle(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	var decoded []report
	resp, errs := lambdaevents.Kinesis(ctx, c.decoder, ev,
		func(_ context.Context, rec events.KinesisEventRecord, r *serde.Record) error {
			j, err := r.JSON()
			if err != nil {
				return err
			}
			decoded = append(decoded, report{
				Function: c.function, Reader: c.readerLabel, OK: true,
				SequenceNumber: rec.Kinesis.SequenceNumber,
				WriterVersion:  r.SchemaVersionID.String(),
				Record:         j,
			})
			return nil
		})
	if len(errs) > 0 {
		batch := make([]string, 0, len(ev.Records))
		for _, rec := range ev.Records {
			batch = append(batch, rec.Kinesis.SequenceNumber)
		}
		err := fmt.Errorf("%d of %d records could not be decoded: %w", len(errs), len(ev.Records), errors.Join(errs...))
		// Report the failure for the demo's narration; the error itself is
		// what makes Lambda retry.
		_ = c.send(ctx, []report{{Function: c.function, Reader: c.readerLabel, Batch: batch, Error: err.Error()}})
		return resp, err
	}
	if err := c.send(ctx, decoded); err != nil {
		return resp, err
	}
	return resp, nil
}

// send puts reports on the results queue, ten per request.
func (c *consumer) send(ctx context.Context, reports []report) error {
	for start := 0; start < len(reports); start += 10 {
		end := min(start+10, len(reports))
		entries := make([]sqstypes.SendMessageBatchRequestEntry, 0, end-start)
		for i, r := range reports[start:end] {
			body, err := json.Marshal(r)
			if err != nil {
				return fmt.Errorf("encoding report: %w", err)
			}
			entries = append(entries, sqstypes.SendMessageBatchRequestEntry{
				Id: aws.String(strconv.Itoa(start + i)), MessageBody: aws.String(string(body)),
			})
		}
		out, err := c.sqs.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(c.resultsQueue), Entries: entries})
		if err != nil {
			return fmt.Errorf("reporting to the results queue: %w", err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("reporting to the results queue: %d messages failed, first: %s %s", len(out.Failed), aws.ToString(f.Code), aws.ToString(f.Message))
		}
	}
	return nil
}

// readerDecoder decodes records as a consumer holding reader sees them
// (Avro schema resolution between the writer's version and reader).
type readerDecoder struct {
	d      *serde.Deserializer
	reader string
}

// Decode implements lambdaevents.Decoder.
func (r readerDecoder) Decode(ctx context.Context, data []byte) (*serde.Record, error) {
	h, err := serde.ParseHeader(data)
	if err != nil {
		return nil, fmt.Errorf("not a schema registry record: %w", err)
	}
	var v map[string]any
	if err := r.d.DecodeInto(ctx, data, r.reader, &v); err != nil {
		return nil, err
	}
	return &serde.Record{SchemaVersionID: h.SchemaVersionID, DataFormat: serde.FormatAvro, Definition: r.reader, Value: v, Compression: h.Compression}, nil
}

// runFunction is the process Lambda starts: the demo's own binary, zipped
// as bootstrap. Its SDK clients reach the emulator through the
// AWS_ENDPOINT_URL Lambda sets for functions.
func runFunction() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "schema-evolution function: loading AWS config: %v\n", err)
		os.Exit(1)
	}
	env := map[string]string{}
	for _, k := range []string{envResultsQueue, envReaderSchema, envReaderLabel} {
		env[k] = os.Getenv(k)
	}
	c, err := newConsumer(os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), env, sqs.NewFromConfig(cfg), glue.NewFromConfig(cfg))
	if err != nil {
		fmt.Fprintf(os.Stderr, "schema-evolution function: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(c.Handle)
}
