//go:build !evolvestack_slim

package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const getSynopsis = `  evolvestack schema get [--endpoint URL] --id ID [--output json]
  evolvestack schema get [--endpoint URL] --registry R --schema S [--version N|latest] [--output json]

Prints a schema version's metadata (id, number, status, format) and its
definition (GetSchemaVersion). Exit 0: found; 1: no such version;
2: usage error or no answer from the service.
`

const listSynopsis = `  evolvestack schema list [--endpoint URL] [--registry R [--schema S]] [--output json]

Lists the schemas of every registry, or of --registry; with --schema too,
the schema's versions. Follows NextToken to the end. Exit 0: listed;
1: no such registry or schema; 2: usage error or no answer from the service.
`

const diffSynopsis = `  evolvestack schema diff [--endpoint URL] --registry R --schema S [--output json] V1 V2

Prints the syntax diff between two versions of a schema (V1, V2: numbers
or "latest"), as GetSchemaVersionsDiff returns it. Exit 0: diffed; 1: no
such schema or version; 2: usage error or no answer from the service.
`

// versionDoc is a schema version, the JSON output of `schema get`.
type versionDoc struct {
	SchemaVersionID string `json:"schemaVersionId"`
	SchemaArn       string `json:"schemaArn"`
	VersionNumber   int64  `json:"versionNumber"`
	Status          string `json:"status"`
	DataFormat      string `json:"dataFormat"`
	CreatedTime     string `json:"createdTime,omitempty"`
	Definition      string `json:"definition"`
}

// schemaGet runs `schema get`.
func schemaGet(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("get", getSynopsis, stderr)
	g := addGlueFlags(fs, getenv)
	id := fs.String("id", "", "schema version id")
	registryName := fs.String("registry", "", "registry name")
	schemaName := fs.String("schema", "", "schema name")
	version := fs.String("version", "", `version number or "latest" (default latest)`)
	pos, c, exit := g.start("get", fs, args, stdout, stderr)
	if exit >= 0 {
		return exit
	}
	if len(pos) > 0 {
		return c.usageErr("unexpected arguments: %v", pos)
	}
	in := &getSchemaVersionInput{}
	switch {
	case *id != "" && (*registryName != "" || *schemaName != "" || *version != ""):
		return c.usageErr("--id excludes --registry, --schema and --version")
	case *id != "":
		in.SchemaVersionId = id
	case *registryName == "" || *schemaName == "":
		return c.usageErr("want --id, or --registry and --schema")
	default:
		n, err := parseVersion(*version)
		if err != nil {
			return c.usageErr("--version: %v", err)
		}
		in.SchemaId = &schemaID{RegistryName: registryName, SchemaName: schemaName}
		in.SchemaVersionNumber = n
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	conn, err := g.connect(ctx, getenv)
	if err != nil {
		return c.fail(err)
	}
	out, err := conn.client.GetSchemaVersion(ctx, in)
	if err != nil {
		return c.fail(fmt.Errorf("GetSchemaVersion: %w", err))
	}
	doc := versionDoc{
		SchemaVersionID: str(out.SchemaVersionId),
		SchemaArn:       str(out.SchemaArn),
		VersionNumber:   num(out.VersionNumber),
		Status:          out.Status,
		DataFormat:      out.DataFormat,
		CreatedTime:     str(out.CreatedTime),
		Definition:      str(out.SchemaDefinition),
	}
	if c.json {
		c.printJSON(doc)
		return exitYes
	}
	fmt.Fprintf(stdout, "id:       %s\nschema:   %s\nversion:  %d\nstatus:   %s\nformat:   %s\ncreated:  %s\n\n%s\n",
		doc.SchemaVersionID, doc.SchemaArn, doc.VersionNumber, doc.Status, doc.DataFormat, doc.CreatedTime, doc.Definition)
	return exitYes
}

// parseVersion reads a version number or "latest" ("" is latest).
func parseVersion(s string) (*schemaVersionNumber, error) {
	if s == "" || s == "latest" {
		return &schemaVersionNumber{LatestVersion: true}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%q: want a version number >= 1 or latest", s)
	}
	return &schemaVersionNumber{VersionNumber: aws.Int64(n)}, nil
}

// schemaDoc is one schema in `schema list`'s JSON output.
type schemaDoc struct {
	RegistryName string `json:"registryName"`
	SchemaName   string `json:"schemaName"`
	SchemaArn    string `json:"schemaArn"`
	Status       string `json:"status"`
	Description  string `json:"description,omitempty"`
	CreatedTime  string `json:"createdTime,omitempty"`
	UpdatedTime  string `json:"updatedTime,omitempty"`
}

// versionItem is one version in `schema list --schema`'s JSON output.
type versionItem struct {
	VersionNumber   int64  `json:"versionNumber"`
	SchemaVersionID string `json:"schemaVersionId"`
	Status          string `json:"status"`
	CreatedTime     string `json:"createdTime,omitempty"`
}

// schemaList runs `schema list`.
func schemaList(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("list", listSynopsis, stderr)
	g := addGlueFlags(fs, getenv)
	registryName := fs.String("registry", "", "registry name (default: every registry)")
	schemaName := fs.String("schema", "", "schema name: list its versions")
	pageSize := fs.Int("page-size", 0, "MaxResults per request (default: the service's)")
	pos, c, exit := g.start("list", fs, args, stdout, stderr)
	if exit >= 0 {
		return exit
	}
	if len(pos) > 0 {
		return c.usageErr("unexpected arguments: %v", pos)
	}
	if *schemaName != "" && *registryName == "" {
		return c.usageErr("--schema needs --registry")
	}
	if *pageSize < 0 || *pageSize > 100 {
		return c.usageErr("--page-size %d: want 1 to 100", *pageSize)
	}
	var maxResults *int32
	if *pageSize > 0 {
		maxResults = aws.Int32(int32(*pageSize))
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	conn, err := g.connect(ctx, getenv)
	if err != nil {
		return c.fail(err)
	}
	if *schemaName != "" {
		return c.listVersions(ctx, conn.client, *registryName, *schemaName, maxResults)
	}
	in := &listSchemasInput{MaxResults: maxResults}
	if *registryName != "" {
		in.RegistryId = &registryID{RegistryName: registryName}
	}
	docs := []schemaDoc{}
	for {
		page, err := conn.client.ListSchemas(ctx, in)
		if err != nil {
			return c.fail(fmt.Errorf("ListSchemas: %w", err))
		}
		for _, s := range page.Schemas {
			docs = append(docs, schemaDoc{
				RegistryName: str(s.RegistryName), SchemaName: str(s.SchemaName), SchemaArn: str(s.SchemaArn),
				Status: s.SchemaStatus, Description: str(s.Description),
				CreatedTime: str(s.CreatedTime), UpdatedTime: str(s.UpdatedTime),
			})
		}
		if str(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	if c.json {
		c.printJSON(struct {
			Schemas []schemaDoc `json:"schemas"`
		}{docs})
		return exitYes
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REGISTRY\tSCHEMA\tSTATUS\tUPDATED")
	for _, d := range docs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.RegistryName, d.SchemaName, d.Status, d.UpdatedTime)
	}
	if err := tw.Flush(); err != nil {
		return c.usageErr("writing output: %v", err)
	}
	return exitYes
}

// listVersions prints a schema's versions.
func (c *cmdIO) listVersions(ctx context.Context, client *glueClient, registryName, schemaName string, maxResults *int32) int {
	id := &schemaID{RegistryName: aws.String(registryName), SchemaName: aws.String(schemaName)}
	items := []versionItem{}
	in := &listSchemaVersionsInput{SchemaId: id, MaxResults: maxResults}
	for {
		page, err := client.ListSchemaVersions(ctx, in)
		if err != nil {
			return c.fail(fmt.Errorf("ListSchemaVersions: %w", err))
		}
		for _, v := range page.Schemas {
			items = append(items, versionItem{VersionNumber: num(v.VersionNumber), SchemaVersionID: str(v.SchemaVersionId), Status: v.Status, CreatedTime: str(v.CreatedTime)})
		}
		if str(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	if c.json {
		c.printJSON(struct {
			RegistryName string        `json:"registryName"`
			SchemaName   string        `json:"schemaName"`
			Versions     []versionItem `json:"versions"`
		}{registryName, schemaName, items})
		return exitYes
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSTATUS\tID\tCREATED")
	for _, v := range items {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", v.VersionNumber, v.Status, v.SchemaVersionID, v.CreatedTime)
	}
	if err := tw.Flush(); err != nil {
		return c.usageErr("writing output: %v", err)
	}
	return exitYes
}

// schemaDiff runs `schema diff`.
func schemaDiff(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("diff", diffSynopsis, stderr)
	g := addGlueFlags(fs, getenv)
	registryName := fs.String("registry", "", "registry name")
	schemaName := fs.String("schema", "", "schema name")
	pos, c, exit := g.start("diff", fs, args, stdout, stderr)
	if exit >= 0 {
		return exit
	}
	if len(pos) != 2 {
		return c.usageErr("want two versions V1 V2, got %d arguments", len(pos))
	}
	if *registryName == "" || *schemaName == "" {
		return c.usageErr("--registry and --schema are required")
	}
	first, err := parseVersion(pos[0])
	if err != nil {
		return c.usageErr("V1: %v", err)
	}
	second, err := parseVersion(pos[1])
	if err != nil {
		return c.usageErr("V2: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	conn, err := g.connect(ctx, getenv)
	if err != nil {
		return c.fail(err)
	}
	out, err := conn.client.GetSchemaVersionsDiff(ctx, &getSchemaVersionsDiffInput{
		SchemaId:                  &schemaID{RegistryName: registryName, SchemaName: schemaName},
		FirstSchemaVersionNumber:  first,
		SecondSchemaVersionNumber: second,
		SchemaDiffType:            "SYNTAX_DIFF",
	})
	if err != nil {
		return c.fail(fmt.Errorf("GetSchemaVersionsDiff: %w", err))
	}
	if c.json {
		c.printJSON(struct {
			RegistryName  string `json:"registryName"`
			SchemaName    string `json:"schemaName"`
			FirstVersion  string `json:"firstVersion"`
			SecondVersion string `json:"secondVersion"`
			Diff          string `json:"diff"`
		}{*registryName, *schemaName, pos[0], pos[1], str(out.Diff)})
		return exitYes
	}
	fmt.Fprintln(stdout, str(out.Diff))
	return exitYes
}
