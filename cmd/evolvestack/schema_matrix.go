//go:build !evolvestack_slim

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/registry/matrix"
)

const matrixSynopsis = `  evolvestack schema matrix [--endpoint URL] --registry R --schema S --function NAME
      [--via invoke|kinesis|sqs|sns|events] [--samples N] [--seed N] [--reader N] [--output json]

Runs a Lambda function on sample records of every AVAILABLE version of a
schema (edge values and --samples random ones per version, from --seed),
each framed in the Glue Schema Registry wire format, and prints the matrix
writer version x outcome (ok, handler error, partial failure, timeout) with
the failing sample of each failed version. --via names the path the records
take: invoke (default: a Kinesis event passed to Invoke), kinesis, sqs,
sns or events (a temporary stream, queue, topic or bus wired to the
function, removed afterwards). Exit 0: the function reads every version the
schema's compatibility mode promises its reader (the latest version, or
--reader); 1: it fails on one; 2: usage error or no answer from the service.
`

// schemaMatrix runs `schema matrix`.
func schemaMatrix(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("matrix", matrixSynopsis, stderr)
	g := addGlueFlags(fs, getenv)
	g.timeout = 10 * time.Minute
	fs.Lookup("timeout").DefValue = g.timeout.String()
	registryName := fs.String("registry", "", "registry name")
	schemaName := fs.String("schema", "", "schema name")
	function := fs.String("function", "", "the Lambda function to run (name or ARN)")
	via := fs.String("via", "invoke", "how records reach the function: invoke, kinesis, sqs, sns or events")
	samples := fs.Int("samples", 3, "random samples per version, after the edge ones")
	seed := fs.Uint64("seed", 1, "seed of the sample generator")
	reader := fs.Int64("reader", 0, "the version the function reads with (default: the latest AVAILABLE one)")
	invokeTimeout := fs.Duration("invoke-timeout", time.Minute, "how long one batch may take")
	pos, c, exit := g.start("matrix", fs, args, stdout, stderr)
	if exit >= 0 {
		return exit
	}
	switch {
	case len(pos) > 0:
		return c.usageErr("unexpected arguments: %v", pos)
	case *registryName == "" || *schemaName == "":
		return c.usageErr("want --registry and --schema")
	case *function == "":
		return c.usageErr("want --function")
	case *samples < 0:
		return c.usageErr("--samples %d: want 0 or more", *samples)
	case *reader < 0:
		return c.usageErr("--reader %d: want a version number", *reader)
	case *invokeTimeout <= 0:
		return c.usageErr("--invoke-timeout %s: want a positive duration", *invokeTimeout)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	conn, err := g.connect(ctx, getenv)
	if err != nil {
		return c.fail(err)
	}
	client := matrix.NewClient(conn.cfg, lambdaEndpoint(g.endpoint, getenv))
	h, cleanup, err := matrix.Via(ctx, *via, client, *function)
	if err != nil {
		if matrix.IsUnknownVia(err) {
			return c.usageErr("--via: %v", err)
		}
		return c.fail(err)
	}
	defer func() {
		if err := cleanup(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintf(stderr, "evolvestack schema matrix: cleaning up: %v\n", err)
		}
	}()
	n := *samples
	if n == 0 {
		n = -1 // matrix.Options: negative is none
	}
	m, err := matrix.Run(ctx, glueSource(conn, *registryName, *schemaName), h, matrix.Options{
		Samples: n, Seed: *seed, Reader: *reader, Timeout: *invokeTimeout,
	})
	if err != nil {
		return c.fail(err)
	}
	if c.json {
		err = m.WriteJSON(stdout)
	} else {
		err = m.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "evolvestack schema matrix: %v\n", err)
		return exitUsage
	}
	return m.ExitCode()
}

// lambdaEndpoint is where the Lambda (and trigger services') calls go:
// AWS_ENDPOINT_URL_LAMBDA when set, else --endpoint.
func lambdaEndpoint(endpoint string, getenv func(string) string) string {
	if v := getenv("AWS_ENDPOINT_URL_LAMBDA"); v != "" {
		return v
	}
	return endpoint
}

// glueSource loads a schema and its versions' definitions through Glue.
func glueSource(conn *glueConn, registryName, schemaName string) matrix.Source {
	return matrix.SourceFunc(func(ctx context.Context) (*matrix.Schema, error) {
		id := &schemaID{RegistryName: aws.String(registryName), SchemaName: aws.String(schemaName)}
		s, err := conn.client.GetSchema(ctx, &getSchemaInput{SchemaId: id})
		if err != nil {
			return nil, err
		}
		out := &matrix.Schema{Registry: registryName, Name: schemaName, DataFormat: s.DataFormat, Compatibility: s.Compatibility, Checkpoint: num(s.SchemaCheckpoint)}
		var token *string
		for {
			page, err := conn.client.ListSchemaVersions(ctx, &listSchemaVersionsInput{SchemaId: id, NextToken: token})
			if err != nil {
				return nil, err
			}
			for _, v := range page.Schemas {
				mv := matrix.Version{Number: num(v.VersionNumber), ID: str(v.SchemaVersionId), Status: v.Status}
				if mv.Status == statusAvailable {
					got, err := conn.client.GetSchemaVersion(ctx, &getSchemaVersionInput{SchemaVersionId: v.SchemaVersionId})
					if err != nil {
						return nil, err
					}
					mv.Definition = str(got.SchemaDefinition)
				}
				out.Versions = append(out.Versions, mv)
			}
			if str(page.NextToken) == "" {
				return out, nil
			}
			token = page.NextToken
		}
	})
}
