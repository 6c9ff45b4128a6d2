//go:build !evolvestack_slim

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/handlers"
	"github.com/evolvestack/evolvestack/registry"
)

const registerSynopsis = `  evolvestack schema register [--endpoint URL] --registry R --schema S [--create [--format F] [--compatibility M]] [--output json] FILE

Registers the definition in FILE ("-" for standard input) as a new version
of the schema (RegisterSchemaVersion). With --create, a missing schema is
created with the definition as its first version (CreateSchema, using
--format and --compatibility), and a missing registry with it. A version still PENDING is polled until it
settles or --wait runs out. For a FAILURE the findings that explain it are
fetched from the emulator's admin API when the endpoint serves it.
Exit 0: registered (AVAILABLE, or still PENDING); 1: FAILURE, invalid
definition, or no such schema; 2: usage error or no answer from the service.
`

// registerReport is the outcome of `schema register`, and its JSON output.
type registerReport struct {
	RegistryName    string             `json:"registryName"`
	SchemaName      string             `json:"schemaName"`
	SchemaVersionID string             `json:"schemaVersionId"`
	VersionNumber   int64              `json:"versionNumber"`
	Status          string             `json:"status"`
	Created         bool               `json:"schemaCreated"`
	RegistryCreated bool               `json:"registryCreated"`
	Findings        []registry.Finding `json:"findings"`
}

// schemaRegister runs `schema register`.
func schemaRegister(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("register", registerSynopsis, stderr)
	g := addGlueFlags(fs, getenv)
	registryName := fs.String("registry", "", "registry name")
	schemaName := fs.String("schema", "", "schema name")
	create := fs.Bool("create", false, "create the schema (and its registry) when it does not exist")
	format := fs.String("format", "AVRO", "with --create: the data format, AVRO, JSON or PROTOBUF")
	mode := fs.String("compatibility", "", "with --create: the compatibility mode (default: the service's)")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for a PENDING version to settle; 0: do not wait")
	pos, c, exit := g.start("register", fs, args, stdout, stderr)
	if exit >= 0 {
		return exit
	}
	if len(pos) != 1 {
		return c.usageErr("want exactly one definition FILE (or -), got %d arguments", len(pos))
	}
	if *registryName == "" || *schemaName == "" {
		return c.usageErr("--registry and --schema are required")
	}
	if _, ok := registry.Formats()[*format]; !ok {
		return c.usageErr("--format %q: want AVRO, JSON or PROTOBUF", *format)
	}
	if *mode != "" && !registry.Mode(*mode).Valid() {
		return c.usageErr("--compatibility %q: want one of %v", *mode, registry.Modes())
	}
	def, err := readInput(pos[0], stdin)
	if err != nil {
		return c.usageErr("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	conn, err := g.connect(ctx, getenv)
	if err != nil {
		return c.fail(err)
	}
	rep := &registerReport{RegistryName: *registryName, SchemaName: *schemaName, Findings: []registry.Finding{}}
	id := &schemaID{RegistryName: aws.String(*registryName), SchemaName: aws.String(*schemaName)}
	out, err := conn.client.RegisterSchemaVersion(ctx, &registerSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(string(def))})
	switch {
	case err == nil:
		rep.SchemaVersionID, rep.VersionNumber, rep.Status = str(out.SchemaVersionId), num(out.VersionNumber), out.Status
	case *create && isCode(err, "EntityNotFoundException"):
		in := &createSchemaInput{
			RegistryId:       &registryID{RegistryName: aws.String(*registryName)},
			SchemaName:       aws.String(*schemaName),
			DataFormat:       *format,
			SchemaDefinition: aws.String(string(def)),
		}
		if *mode != "" {
			in.Compatibility = *mode
		}
		cs, err := conn.client.CreateSchema(ctx, in)
		if isCode(err, "EntityNotFoundException") {
			if rerr := conn.client.CreateRegistry(ctx, &createRegistryInput{RegistryName: aws.String(*registryName)}); rerr != nil && !isCode(rerr, "AlreadyExistsException") {
				return c.fail(fmt.Errorf("CreateRegistry: %w", rerr))
			}
			rep.RegistryCreated = true
			cs, err = conn.client.CreateSchema(ctx, in)
		}
		if err != nil {
			return c.fail(fmt.Errorf("CreateSchema: %w", err))
		}
		rep.Created = true
		rep.SchemaVersionID, rep.VersionNumber, rep.Status = str(cs.SchemaVersionId), num(cs.LatestSchemaVersion), cs.SchemaVersionStatus
		if rep.VersionNumber == 0 {
			rep.VersionNumber = 1
		}
	default:
		return c.fail(fmt.Errorf("RegisterSchemaVersion: %w", err))
	}
	if rep.Status == statusPending && *wait > 0 {
		if err := conn.settle(ctx, rep, *wait); err != nil {
			return c.fail(err)
		}
	}
	if rep.Status == statusFailure {
		findings, err := conn.findings(ctx, rep.SchemaVersionID)
		if err != nil {
			fmt.Fprintf(stderr, "evolvestack schema register: no findings: %v\n", err)
		} else {
			rep.Findings = findings
		}
	}
	if c.json {
		c.printJSON(rep)
	} else {
		verb := "registered"
		switch {
		case rep.RegistryCreated:
			verb = "created registry and schema; registered"
		case rep.Created:
			verb = "created schema; registered"
		}
		fmt.Fprintf(stdout, "%s %s/%s version %d: id %s, status %s\n", verb, rep.RegistryName, rep.SchemaName, rep.VersionNumber, rep.SchemaVersionID, rep.Status)
		printFindings(stdout, rep.Findings)
	}
	if rep.Status == statusFailure {
		return exitNo
	}
	return exitYes
}

// isCode reports whether err is a service error with code.
func isCode(err error, code string) bool {
	var ae interface{ ErrorCode() string }
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// settle polls a PENDING version until its status changes or wait ends.
func (c *glueConn) settle(ctx context.Context, rep *registerReport, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for rep.Status == statusPending && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for version %d to settle: %w", rep.VersionNumber, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
		out, err := c.client.GetSchemaVersion(ctx, &getSchemaVersionInput{SchemaVersionId: aws.String(rep.SchemaVersionID)})
		if err != nil {
			return fmt.Errorf("GetSchemaVersion: %w", err)
		}
		rep.Status = out.Status
	}
	return nil
}

// versionReport is the emulator admin API's account of a version.
type versionReport struct {
	Status   string             `json:"status"`
	Findings []registry.Finding `json:"findings"`
}

// findings asks the emulator's admin API why a version failed. Real AWS
// has no such API: without an endpoint there are none.
func (c *glueConn) findings(ctx context.Context, id string) ([]registry.Finding, error) {
	if c.endpoint == "" {
		return nil, errors.New("real AWS does not explain FAILURE versions")
	}
	u := c.endpoint + handlers.AdminPrefix + "glue/schema-versions/" + url.PathEscape(id) + "?" + c.adminScope(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("admin request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin request: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("admin API answered HTTP %d", resp.StatusCode)
	}
	var r versionReport
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&r); err != nil {
		return nil, fmt.Errorf("decoding admin answer: %w", err)
	}
	if r.Findings == nil {
		r.Findings = []registry.Finding{}
	}
	return r.Findings, nil
}
