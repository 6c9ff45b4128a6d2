// Command handler-matrix shows how to test a Lambda handler against every
// version of its schema before rolling out a new one: it registers Order
// v1 and v2 in the Glue Schema Registry of an in-process evolvestack, adds
// the v3 the team wants to ship, and runs the handler compatibility matrix
// on two v3 consumers — one that reads every record as v3 (and breaks on
// v1 data still in the stream) and one that resolves each record's writer
// schema — first in-process, then deployed as Lambda functions and
// invoked through the Lambda API. It exits non-zero if a matrix does not
// come out as narrated.
//
//	go run ./examples/handler-matrix
//
// Against a running evolvestack with a deployed function, the CLI does
// the same:
//
//	evolvestack schema matrix --endpoint http://127.0.0.1:4566 \
//	    --registry shop --schema orders --function orders-consumer
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/registry/matrix"
	"github.com/evolvestack/evolvestack/registry/serde"
)

// The schema's history: v2 adds currency with a default, v3 (the version
// being rolled out) widens qty to long. Each step is BACKWARD_ALL
// compatible, so the registry accepts them all.
const (
	orderV1 = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`
	orderV2 = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"},{"name":"currency","type":"string","default":"EUR"}]}`
	orderV3 = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"qty","type":"long"},{"name":"currency","type":"string","default":"EUR"}]}`
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "handler-matrix: %v\n", err)
		os.Exit(1)
	}
}

// order is the v3 record as the consumer uses it.
type order struct {
	ID       string `avro:"id"`
	Qty      int64  `avro:"qty"`
	Currency string `avro:"currency"`
}

// consumer is the Kinesis handler holding the v3 reader schema.
type consumer struct {
	des *serde.Deserializer
	// naive reads every record as if v3 had written it, with v3: the bug
	// the matrix catches.
	naive bool
	v3    hamba.Schema
}

// Handle reads every record of a batch and reports the ones it cannot
// read in batchItemFailures.
func (c *consumer) Handle(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
	resp := events.KinesisEventResponse{BatchItemFailures: []events.KinesisBatchItemFailure{}}
	for _, rec := range ev.Records {
		if err := c.read(ctx, rec.Kinesis.Data); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: rec.Kinesis.SequenceNumber})
		}
	}
	return resp, nil
}

func (c *consumer) read(ctx context.Context, data []byte) error {
	var o order
	if !c.naive {
		// Resolve the writer's schema (named by the record's header)
		// into the v3 reader: v1 records get the currency default.
		return c.des.DecodeInto(ctx, data, orderV3, &o)
	}
	// The bug: decode the payload with v3 whatever wrote it. v2 records
	// happen to fit (int and long share their encoding); v1 records lack
	// currency.
	_, payload, err := serde.DecodeHeader(data)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := hamba.Unmarshal(c.v3, payload, &m); err != nil {
		return err
	}
	if _, ok := m["currency"].(string); !ok {
		return errors.New("order without currency")
	}
	return nil
}

// run is the walkthrough.
func run(ctx context.Context, out io.Writer) error {
	e, stop, err := startEmulator()
	if err != nil {
		return err
	}
	defer stop()
	cfg := e.AWSConfig()
	gc := glue.NewFromConfig(cfg)

	fmt.Fprintln(out, "1. Order v1 and v2 are in production; v3 is registered for the rollout.")
	if err := registerOrders(ctx, gc); err != nil {
		return err
	}
	naive := &consumer{des: serde.NewDeserializer(gc, serde.DeserializerConfig{}), naive: true, v3: hamba.MustParse(orderV3)}
	fixed := &consumer{des: serde.NewDeserializer(gc, serde.DeserializerConfig{})}
	src := matrix.EngineSource(e.Glue().Registry(), "shop", "orders")
	opts := matrix.Options{Seed: 42, Samples: 3}

	fmt.Fprintln(out, "\n2. The matrix of the naive v3 consumer, in-process (BACKWARD_ALL: v3 must read v1 and v2):")
	if err := expect(ctx, out, src, matrix.Kinesis(naive.Handle), opts, 1); err != nil {
		return err
	}
	fmt.Fprintln(out, "\n3. The fixed consumer, in-process:")
	if err := expect(ctx, out, src, matrix.Kinesis(fixed.Handle), opts, 0); err != nil {
		return err
	}

	fmt.Fprintln(out, "\n4. Both deployed as Lambda functions, invoked through the Lambda API with Kinesis events:")
	for name, c := range map[string]*consumer{"orders-v3-naive": naive, "orders-v3": fixed} {
		if err := e.RegisterHandler(name, c.Handle); err != nil {
			return err
		}
	}
	client := matrix.NewClient(cfg, "")
	for _, fn := range []struct {
		name string
		exit int
	}{{"orders-v3-naive", 1}, {"orders-v3", 0}} {
		h, cleanup, err := matrix.Via(ctx, matrix.ViaInvoke, client, fn.name)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n   %s:\n", fn.name)
		err = expect(ctx, out, src, h, opts, fn.exit)
		if cerr := cleanup(ctx); cerr != nil {
			return cerr
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "\nShip orders-v3 (exit 0), not orders-v3-naive (exit 1).")
	return nil
}

// expect runs a matrix, prints it and checks its exit code.
func expect(ctx context.Context, out io.Writer, src matrix.Source, h matrix.Handler, opts matrix.Options, exit int) error {
	m, err := matrix.Run(ctx, src, h, opts)
	if err != nil {
		return err
	}
	if err := m.WriteText(out); err != nil {
		return err
	}
	if m.ExitCode() != exit {
		return fmt.Errorf("the matrix exits %d, want %d", m.ExitCode(), exit)
	}
	return nil
}

// registerOrders creates shop/orders (BACKWARD_ALL) with v1, v2 and v3.
func registerOrders(ctx context.Context, gc *glue.Client) error {
	if _, err := gc.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("shop")}); err != nil {
		return fmt.Errorf("CreateRegistry: %w", err)
	}
	if _, err := gc.CreateSchema(ctx, &glue.CreateSchemaInput{
		RegistryId: &types.RegistryId{RegistryName: aws.String("shop")}, SchemaName: aws.String("orders"),
		DataFormat: types.DataFormatAvro, Compatibility: types.CompatibilityBackwardAll, SchemaDefinition: aws.String(orderV1),
	}); err != nil {
		return fmt.Errorf("CreateSchema: %w", err)
	}
	for _, def := range []string{orderV2, orderV3} {
		out, err := gc.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{
			SchemaId: &types.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("orders")}, SchemaDefinition: aws.String(def),
		})
		if err != nil {
			return fmt.Errorf("RegisterSchemaVersion: %w", err)
		}
		if out.Status != types.SchemaVersionStatusAvailable {
			return fmt.Errorf("version %d is %s", aws.ToInt64(out.VersionNumber), out.Status)
		}
	}
	return nil
}

// startEmulator starts evolvestack in-process on a loopback port.
func startEmulator() (*emulator.Emulator, func(), error) {
	e, err := emulator.New()
	if err != nil {
		return nil, nil, fmt.Errorf("starting the emulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = e.Close()
		return nil, nil, fmt.Errorf("listening: %w", err)
	}
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.SetEndpoint("http://" + ln.Addr().String())
	return e, func() {
		_ = e.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	}, nil
}
