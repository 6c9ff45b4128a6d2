package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/evolvestack/evolvestack/registry/matrix"
	"github.com/evolvestack/evolvestack/registry/serde"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
)

// step9 runs the handler compatibility matrix on two consumers of Order
// before they are rolled out: every AVAILABLE version gets seeded samples
// with edge values, framed as producers frame them.
func (d *demo) step9(ctx context.Context) error {
	src := matrix.SourceFunc(d.orderSchema)
	de := serde.NewDeserializer(d.st.glue, serde.DeserializerConfig{})
	consumers := []struct {
		intro, name string
		handle      func(context.Context, events.KinesisEvent) (events.KinesisEventResponse, error)
		wantExit    int
	}{
		{
			intro: "a consumer that reads couponCode straight from each record as it was written",
			name:  "naive",
			handle: func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
				for _, r := range ev.Records {
					rec, err := de.Decode(ctx, r.Kinesis.Data)
					if err != nil {
						return events.KinesisEventResponse{}, err
					}
					if m, ok := rec.Value.(map[string]any); !ok || !hasKey(m, "couponCode") {
						return events.KinesisEventResponse{}, errors.New("record has no couponCode")
					}
				}
				return events.KinesisEventResponse{}, nil
			},
			wantExit: 1,
		},
		{
			intro: "a consumer that decodes every record into its reader schema, Order v2",
			name:  "resolving",
			handle: func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
				// Failed records are reported in batchItemFailures.
				resp, _ := lambdaevents.Kinesis(ctx, de, ev, func(ctx context.Context, r events.KinesisEventRecord, _ *serde.Record) error {
					var o orderWithCoupon
					return de.DecodeInto(ctx, r.Kinesis.Data, orderV2, &o)
				})
				return resp, nil
			},
			wantExit: 0,
		},
	}
	for _, c := range consumers {
		d.n.do("matrix of %s (reader: the latest AVAILABLE version, Order v2)", c.intro)
		m, err := matrix.Run(ctx, src, matrix.Kinesis(c.handle), matrix.Options{Seed: 7, Samples: 2})
		if err != nil {
			return fmt.Errorf("running the matrix on the %s consumer: %w", c.name, err)
		}
		var text strings.Builder
		if err := m.WriteText(&text); err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimRight(text.String(), "\n"), "\n") {
			d.n.detail("%s", line)
		}
		if c.wantExit == 1 {
			if err := d.check(m.ExitCode() == 1,
				"exit 1: under BACKWARD, readers of v2 must read v1 records, and this consumer fails on them; fix it before rollout",
				fmt.Sprintf("the %s consumer got exit %d, want 1", c.name, m.ExitCode())); err != nil {
				return err
			}
			continue
		}
		if err := d.check(m.ExitCode() == 0, "exit 0: it reads every version BACKWARD promises it",
			fmt.Sprintf("the %s consumer got exit %d, want 0", c.name, m.ExitCode())); err != nil {
			return err
		}
	}
	return nil
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// orderSchema reads the Order schema and its versions from the registry
// through the Glue API.
func (d *demo) orderSchema(ctx context.Context) (*matrix.Schema, error) {
	id := &gluetypes.SchemaId{RegistryName: aws.String(d.registry), SchemaName: aws.String("Order")}
	s, err := d.st.glue.GetSchema(ctx, &glue.GetSchemaInput{SchemaId: id})
	if err != nil {
		return nil, fmt.Errorf("reading the Order schema: %w", err)
	}
	out := &matrix.Schema{Registry: d.registry, Name: "Order", DataFormat: string(s.DataFormat),
		Compatibility: string(s.Compatibility), Checkpoint: aws.ToInt64(s.SchemaCheckpoint)}
	p := glue.NewListSchemaVersionsPaginator(d.st.glue, &glue.ListSchemaVersionsInput{SchemaId: id})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the Order versions: %w", err)
		}
		for _, v := range page.Schemas {
			got, err := d.st.glue.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: v.SchemaVersionId})
			if err != nil {
				return nil, fmt.Errorf("reading Order version %d: %w", aws.ToInt64(v.VersionNumber), err)
			}
			out.Versions = append(out.Versions, matrix.Version{Number: aws.ToInt64(got.VersionNumber), ID: aws.ToString(got.SchemaVersionId),
				Status: string(got.Status), Definition: aws.ToString(got.SchemaDefinition)})
		}
	}
	// Oldest first, as matrix.Schema wants them.
	slices.SortFunc(out.Versions, func(a, b matrix.Version) int { return cmp.Compare(a.Number, b.Number) })
	return out, nil
}
