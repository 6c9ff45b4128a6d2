//go:build !evolvestack_slim

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/uuid"
	"github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/emulator"
)

// Definitions the tests use.
const (
	orderV1     = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
	orderV2     = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"price","type":"double","default":0}]}`
	orderNoDef  = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"price","type":"double"}]}`
	orderQty    = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"price","type":"double","default":0},{"name":"qty","type":"int"}]}`
	orderQtyDef = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"price","type":"double","default":0},{"name":"qty","type":"int","default":1}]}`
	// orderV2Spaced is orderV2 with other whitespace and key order: the
	// same canonical form.
	orderV2Spaced = "{ \"name\": \"Order\", \"type\": \"record\",\n \"fields\": [ {\"type\":\"string\",\"name\":\"id\"}, {\"name\":\"price\",\"default\":0,\"type\":\"double\"} ] }"
	avroBad       = `{"type":"record","name":"Order"}`

	jsonV1    = `{"type":"object","properties":{"id":{"type":"string"},"qty":{"type":"integer"}},"required":["id","qty"]}`
	jsonLoose = `{"type":"object","properties":{"id":{"type":"string"}}}`
	jsonReq   = `{"type":"object","properties":{"id":{"type":"string"},"qty":{"type":"integer"},"sku":{"type":"string"}},"required":["id","qty","sku"]}`
	jsonBad   = `{"type":5}`

	protoV1    = "syntax = \"proto3\";\npackage shop;\nmessage Order { string id = 1; }\n"
	protoAdd   = "syntax = \"proto3\";\npackage shop;\nmessage Order { string id = 1; int32 qty = 2; }\n"
	protoRetyp = "syntax = \"proto3\";\npackage shop;\nmessage Order { int32 id = 1; }\n"
	protoBad   = "syntax = \"proto3\";\nmessage {\n"
)

// unreachable is an endpoint nothing listens on.
const unreachable = "http://127.0.0.1:1"

// fixture is an emulator holding a few schemas, and files of definitions.
type fixture struct {
	endpoint string
	client   *glue.Client
	dir      string
	// ids of registered versions: "orders/1" etc.
	ids map[string]string
}

// newFixture starts an emulator with:
//
//	shop/orders      AVRO BACKWARD      1 orderV1, 2 orderV2, 3 orderQty (FAILURE)
//	shop/orders-all  AVRO BACKWARD_ALL  1 orderV1, 2 orderV2
//	shop/locked      JSON DISABLED      1 jsonV1
//	shop/events      PROTOBUF FULL      1 protoV1
func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := emulator.Start(t)
	f := &fixture{endpoint: e.Endpoint(), client: glue.NewFromConfig(e.AWSConfig()), dir: t.TempDir(), ids: map[string]string{}}
	ctx := context.Background()
	if _, err := f.client.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String("shop")}); err != nil {
		t.Fatalf("CreateRegistry: %v", err)
	}
	schemas := []struct {
		name   string
		format types.DataFormat
		mode   types.Compatibility
		defs   []string
	}{
		{"orders", types.DataFormatAvro, types.CompatibilityBackward, []string{orderV1, orderV2, orderQty}},
		{"orders-all", types.DataFormatAvro, types.CompatibilityBackwardAll, []string{orderV1, orderV2}},
		{"locked", types.DataFormatJson, types.CompatibilityDisabled, []string{jsonV1}},
		{"events", types.DataFormatProtobuf, types.CompatibilityFull, []string{protoV1}},
	}
	for _, s := range schemas {
		out, err := f.client.CreateSchema(ctx, &glue.CreateSchemaInput{
			RegistryId: &types.RegistryId{RegistryName: aws.String("shop")}, SchemaName: aws.String(s.name),
			DataFormat: s.format, Compatibility: s.mode, SchemaDefinition: aws.String(s.defs[0]),
		})
		if err != nil {
			t.Fatalf("CreateSchema %s: %v", s.name, err)
		}
		f.ids[s.name+"/1"] = aws.ToString(out.SchemaVersionId)
		for i, d := range s.defs[1:] {
			out, err := f.client.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{
				SchemaId:         &types.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String(s.name)},
				SchemaDefinition: aws.String(d),
			})
			if err != nil {
				t.Fatalf("RegisterSchemaVersion %s: %v", s.name, err)
			}
			f.ids[s.name+"/"+string(rune('2'+i))] = aws.ToString(out.SchemaVersionId)
		}
	}
	for name, def := range map[string]string{
		"v1.avsc": orderV1, "v2.avsc": orderV2, "nodef.avsc": orderNoDef, "qty.avsc": orderQty, "qtydef.avsc": orderQtyDef,
		"v2spaced.avsc": orderV2Spaced, "bad.avsc": avroBad,
		"v1.json": jsonV1, "loose.json": jsonLoose, "req.json": jsonReq, "bad.json": jsonBad,
		"v1.proto": protoV1, "add.proto": protoAdd, "retype.proto": protoRetyp, "bad.proto": protoBad,
	} {
		if err := os.WriteFile(filepath.Join(f.dir, name), []byte(def), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// file is the path of a fixture file.
func (f *fixture) file(name string) string { return filepath.Join(f.dir, name) }

// cliCase is one command line and what it must do.
type cliCase struct {
	name     string
	args     []string
	stdin    string
	env      map[string]string
	wantCode int
	wantOut  []string
	wantErr  []string
	// check inspects stdout further, e.g. decodes the JSON document.
	check func(t *testing.T, stdout string)
}

// runCLI runs cases in parallel through schemaWith.
func runCLI(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := schemaWith(context.Background(), tt.args, strings.NewReader(tt.stdin), &out, &errOut, envMap(tt.env))
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out.String(), errOut.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut.String())
				}
			}
			if tt.check != nil {
				tt.check(t, out.String())
			}
		})
	}
}

// decodeJSON decodes a command's JSON output into v.
func decodeJSON(t *testing.T, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("output is not the expected JSON document: %v\n%s", err, stdout)
	}
}

// jsonCheck is the JSON shape of `schema check --output json`.
type jsonCheck struct {
	Accepted         bool    `json:"accepted"`
	RegistryName     string  `json:"registryName"`
	SchemaName       string  `json:"schemaName"`
	DataFormat       string  `json:"dataFormat"`
	Compatibility    string  `json:"compatibility"`
	CandidateVersion int64   `json:"candidateVersion"`
	CheckedAgainst   []int64 `json:"checkedAgainst"`
	IdenticalTo      int64   `json:"identicalTo"`
	Reason           string  `json:"reason"`
	Findings         []struct {
		Path          string `json:"path"`
		Rule          string `json:"rule"`
		Message       string `json:"message"`
		Direction     string `json:"direction"`
		ReaderVersion int64  `json:"readerVersion"`
		WriterVersion int64  `json:"writerVersion"`
		Explanation   string `json:"explanation"`
	} `json:"findings"`
}

// jsonErr is the JSON shape of a failed command.
type jsonErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestSchemaDispatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "no subcommand", args: []string{"schema"}, wantCode: 2, wantErr: "evolvestack schema check"},
		{name: "help", args: []string{"schema", "help"}, wantCode: 0, wantOut: "evolvestack schema register"},
		{name: "unknown", args: []string{"schema", "frob"}, wantCode: 2, wantErr: `unknown command "frob"`},
		{name: "top-level usage lists schema", args: []string{"help"}, wantCode: 0, wantOut: "evolvestack schema COMMAND"},
		{name: "check -h", args: []string{"schema", "check", "-h"}, wantCode: 0, wantErr: "--offline"},
		{name: "register -h", args: []string{"schema", "register", "-h"}, wantCode: 0, wantErr: "-create"},
		{name: "get -h", args: []string{"schema", "get", "-h"}, wantCode: 0, wantErr: "-version"},
		{name: "list -h", args: []string{"schema", "list", "-h"}, wantCode: 0, wantErr: "NextToken"},
		{name: "diff -h", args: []string{"schema", "diff", "-h"}, wantCode: 0, wantErr: "V1 V2"},
		{name: "decode -h", args: []string{"schema", "decode", "-h"}, wantCode: 0, wantErr: "-base64"},
		{name: "bad flag", args: []string{"schema", "get", "--nope"}, wantCode: 2, wantErr: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errOut, noEnv)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d (stdout %q, stderr %q)", code, tt.wantCode, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.wantOut)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tt.wantErr)
			}
		})
	}
}

func TestSchemaCheckOffline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"v1.avsc": orderV1, "v2.avsc": orderV2, "nodef.avsc": orderNoDef, "qty.avsc": orderQty, "qtydef.avsc": orderQtyDef, "bad.avsc": avroBad,
		"v1.json": jsonV1, "loose.json": jsonLoose, "req.json": jsonReq, "bad.json": jsonBad,
		"v1.proto": protoV1, "add.proto": protoAdd, "retype.proto": protoRetyp, "bad.proto": protoBad,
	}
	for name, def := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(def), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	off := func(format, mode, against, file string, extra ...string) []string {
		args := []string{"check", "--offline", "--format", format, "--compatibility", mode}
		if against != "" {
			args = append(args, "--against", against)
		}
		return append(append(args, extra...), file)
	}
	runCLI(t, []cliCase{
		// AVRO
		{name: "avro compatible", args: off("AVRO", "BACKWARD", p("v1.avsc"), p("v2.avsc")), wantCode: 0,
			wantOut: []string{"accepted: version 2 (AVRO, BACKWARD): compatible under BACKWARD with version 1"}},
		{name: "lower-case format and mode", args: off("avro", "backward", p("v1.avsc"), p("v2.avsc")), wantCode: 0,
			wantOut: []string{"accepted: version 2 (AVRO, BACKWARD)"}},
		{name: "avro incompatible", args: off("AVRO", "BACKWARD", p("v1.avsc"), p("nodef.avsc")), wantCode: 1,
			wantOut: []string{"rejected:", "Order.price [", "BACKWARD]", "readers of version 2 cannot read data written with version 1"}},
		{name: "avro invalid", args: off("AVRO", "BACKWARD", p("v1.avsc"), p("bad.avsc")), wantCode: 1,
			wantOut: []string{"rejected:", "Schema definition of AVRO data format is invalid"}},
		{name: "avro ALL checks every version", args: off("AVRO", "BACKWARD_ALL", p("v1.avsc")+","+p("v2.avsc"), p("nodef.avsc")), wantCode: 1,
			wantOut: []string{"version 3", "with version 1"}},
		{name: "avro latest only", args: off("AVRO", "BACKWARD", p("v1.avsc")+","+p("v2.avsc"), p("nodef.avsc")), wantCode: 0,
			wantOut: []string{"compatible under BACKWARD with version 2"}},
		{name: "avro FULL_ALL", args: off("AVRO", "FULL_ALL", p("v1.avsc")+","+p("v2.avsc"), p("qtydef.avsc")), wantCode: 0,
			wantOut: []string{"versions 1, 2"}},
		{name: "avro identical", args: off("AVRO", "FORWARD", p("v1.avsc")+","+p("v2.avsc"), p("v1.avsc")), wantCode: 0,
			wantOut: []string{"identical to version 1"}},
		{name: "avro first version", args: off("AVRO", "FULL", "", p("v2.avsc")), wantCode: 0,
			wantOut: []string{"no earlier version"}},
		{name: "avro DISABLED", args: off("AVRO", "DISABLED", p("v1.avsc"), p("v2.avsc")), wantCode: 1,
			wantOut: []string{"DISABLED"}},
		{name: "avro NONE", args: off("AVRO", "NONE", p("v1.avsc"), p("nodef.avsc")), wantCode: 0,
			wantOut: []string{"NONE checks nothing"}},
		{name: "avro stdin", args: off("AVRO", "BACKWARD", p("v1.avsc"), "-"), stdin: orderV2, wantCode: 0,
			wantOut: []string{"accepted"}},
		// JSON
		{name: "json compatible", args: off("JSON", "BACKWARD", p("v1.json"), p("loose.json")), wantCode: 0,
			wantOut: []string{"accepted: version 2 (JSON, BACKWARD)"}},
		{name: "json incompatible", args: off("JSON", "BACKWARD", p("v1.json"), p("req.json")), wantCode: 1,
			wantOut: []string{"rejected:", "#/properties/sku"}},
		{name: "json invalid", args: off("JSON", "BACKWARD", p("v1.json"), p("bad.json")), wantCode: 1,
			wantOut: []string{"Schema definition of JSON data format is invalid"}},
		// PROTOBUF
		{name: "protobuf compatible", args: off("PROTOBUF", "FULL", p("v1.proto"), p("add.proto")), wantCode: 0,
			wantOut: []string{"accepted: version 2 (PROTOBUF, FULL)"}},
		{name: "protobuf incompatible", args: off("PROTOBUF", "BACKWARD", p("v1.proto"), p("retype.proto")), wantCode: 1,
			wantOut: []string{"shop.Order.id [field-type-incompatible, BACKWARD]"}},
		{name: "protobuf invalid", args: off("PROTOBUF", "BACKWARD", p("v1.proto"), p("bad.proto")), wantCode: 1,
			wantOut: []string{"Schema definition of PROTOBUF data format is invalid"}},
		// JSON output
		{name: "json output", args: off("AVRO", "FULL", p("v1.avsc")+","+p("v2.avsc"), p("qty.avsc"), "--output", "json"), wantCode: 1,
			check: func(t *testing.T, stdout string) {
				var r jsonCheck
				decodeJSON(t, stdout, &r)
				if r.Accepted || r.DataFormat != "AVRO" || r.Compatibility != "FULL" || r.CandidateVersion != 3 || len(r.CheckedAgainst) != 1 || r.CheckedAgainst[0] != 2 {
					t.Errorf("report %+v", r)
				}
				if len(r.Findings) == 0 {
					t.Fatal("no findings")
				}
				for _, f := range r.Findings {
					if f.Path == "" || f.Rule == "" || f.Explanation == "" || (f.Direction != "BACKWARD" && f.Direction != "FORWARD") {
						t.Errorf("finding %+v", f)
					}
				}
				if r.RegistryName != "" || r.SchemaName != "" {
					t.Errorf("offline report names a schema: %+v", r)
				}
			}},
		{name: "json output accepted", args: off("JSON", "NONE", "", p("v1.json"), "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var r jsonCheck
				decodeJSON(t, stdout, &r)
				if !r.Accepted || r.CandidateVersion != 1 || r.Findings == nil || r.CheckedAgainst == nil {
					t.Errorf("report %+v", r)
				}
			}},
		// usage errors
		{name: "invalid older version", args: off("PROTOBUF", "BACKWARD", p("bad.proto"), p("v1.proto")), wantCode: 2,
			wantErr: []string{"--against version 1"}},
		{name: "missing older file", args: off("AVRO", "BACKWARD", p("nope.avsc"), p("v1.avsc")), wantCode: 2,
			wantErr: []string{"nope.avsc"}},
		{name: "missing file", args: off("AVRO", "BACKWARD", "", p("nope.avsc")), wantCode: 2, wantErr: []string{"reading definition"}},
		{name: "bad format", args: off("XML", "BACKWARD", "", p("v1.avsc")), wantCode: 2, wantErr: []string{`--format "XML"`}},
		{name: "bad mode", args: off("AVRO", "SIDEWAYS", "", p("v1.avsc")), wantCode: 2, wantErr: []string{`--compatibility "SIDEWAYS"`}},
		{name: "no file", args: []string{"check", "--offline", "--format", "AVRO", "--compatibility", "NONE"}, wantCode: 2, wantErr: []string{"exactly one"}},
		{name: "two files", args: off("AVRO", "NONE", "", p("v1.avsc"), p("v2.avsc")), wantCode: 2, wantErr: []string{"exactly one"}},
		{name: "offline with schema", args: off("AVRO", "NONE", "", p("v1.avsc"), "--schema", "x"), wantCode: 2, wantErr: []string{"--offline takes no"}},
		{name: "format without offline", args: []string{"check", "--format", "AVRO", "--registry", "r", "--schema", "s", p("v1.avsc")}, wantCode: 2, wantErr: []string{"need --offline"}},
		{name: "bad output", args: off("AVRO", "NONE", "", p("v1.avsc"), "--output", "yaml"), wantCode: 2, wantErr: []string{`--output "yaml"`}},
	})
}

func TestSchemaCheckOnline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	on := func(schema, file string, extra ...string) []string {
		return append([]string{"check", "--endpoint", f.endpoint, "--registry", "shop", "--schema", schema, f.file(file)}, extra...)
	}
	runCLI(t, []cliCase{
		{name: "compatible with latest", args: on("orders", "qtydef.avsc"), wantCode: 0,
			wantOut: []string{"accepted: shop/orders version 4 (AVRO, BACKWARD): compatible under BACKWARD with version 2"}},
		{name: "identical to an AVAILABLE version", args: on("orders", "v1.avsc", "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var r jsonCheck
				decodeJSON(t, stdout, &r)
				if !r.Accepted || r.IdenticalTo != 1 {
					t.Errorf("identical to an AVAILABLE version: %+v", r)
				}
			}},
		{name: "FAILURE versions do not count", args: on("orders", "nodef.avsc"), wantCode: 0,
			wantOut: []string{"with version 2"}},
		{name: "ALL mode counts every version", args: on("orders-all", "nodef.avsc", "--output", "json"), wantCode: 1,
			check: func(t *testing.T, stdout string) {
				var r jsonCheck
				decodeJSON(t, stdout, &r)
				if r.Accepted || r.RegistryName != "shop" || r.SchemaName != "orders-all" || r.CandidateVersion != 3 ||
					len(r.CheckedAgainst) != 2 || len(r.Findings) != 1 || r.Findings[0].WriterVersion != 1 || r.Findings[0].Rule == "" {
					t.Errorf("report %+v", r)
				}
			}},
		{name: "incompatible with latest", args: on("orders-all", "qty.avsc"), wantCode: 1,
			wantOut: []string{"rejected: shop/orders-all", "Order.qty [", "readers of version 3 cannot read data written with version"}},
		{name: "identical by canonical form", args: on("orders", "v2spaced.avsc"), wantCode: 0,
			wantOut: []string{"identical to version 2"}},
		{name: "identical to a FAILURE version", args: on("orders", "qty.avsc"), wantCode: 1,
			wantOut: []string{"identical to version 3, which failed"}},
		{name: "invalid definition", args: on("orders", "bad.avsc"), wantCode: 1,
			wantOut: []string{"Schema definition of AVRO data format is invalid"}},
		{name: "DISABLED", args: on("locked", "loose.json"), wantCode: 1, wantOut: []string{"DISABLED"}},
		{name: "DISABLED identical", args: on("locked", "v1.json"), wantCode: 0, wantOut: []string{"identical to version 1"}},
		{name: "protobuf FULL compatible", args: on("events", "add.proto"), wantCode: 0, wantOut: []string{"compatible under FULL with version 1"}},
		{name: "protobuf FULL incompatible", args: on("events", "retype.proto"), wantCode: 1, wantOut: []string{"FORWARD]", "BACKWARD]"}},
		{name: "no such schema", args: on("nope", "v1.avsc"), wantCode: 1, wantErr: []string{"EntityNotFoundException: Schema is not found"}},
		{name: "no such schema json", args: on("nope", "v1.avsc", "--output", "json"), wantCode: 1,
			check: func(t *testing.T, stdout string) {
				var e jsonErr
				decodeJSON(t, stdout, &e)
				if e.Error.Code != "EntityNotFoundException" || e.Error.Message == "" {
					t.Errorf("error %+v", e)
				}
			}},
		{name: "endpoint from environment", args: []string{"check", "--registry", "shop", "--schema", "orders", f.file("qtydef.avsc")},
			env: map[string]string{"AWS_ENDPOINT_URL": f.endpoint}, wantCode: 0, wantOut: []string{"accepted"}},
		{name: "missing schema flag", args: []string{"check", "--endpoint", f.endpoint, "--registry", "shop", f.file("v1.avsc")}, wantCode: 2,
			wantErr: []string{"--registry and --schema are required"}},
		{name: "unreachable", args: []string{"check", "--endpoint", unreachable, "--registry", "shop", "--schema", "orders", f.file("v1.avsc")}, wantCode: 2,
			wantErr: []string{"connection refused"}},
		{name: "unreachable json", args: []string{"check", "--endpoint", unreachable, "--registry", "shop", "--schema", "orders", "--output", "json", f.file("v1.avsc")}, wantCode: 2,
			check: func(t *testing.T, stdout string) {
				var e jsonErr
				decodeJSON(t, stdout, &e)
				if e.Error.Code != "ConnectionError" {
					t.Errorf("error %+v", e)
				}
			}},
	})
	// Checking registered nothing.
	out, err := f.client.GetSchema(context.Background(), &glue.GetSchemaInput{SchemaId: &types.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("orders")}})
	if err != nil {
		t.Fatal(err)
	}
	if n := aws.ToInt64(out.NextSchemaVersion); n != 4 {
		t.Errorf("check registered versions: next version %d, want 4", n)
	}
}

// jsonRegister is the JSON shape of `schema register --output json`.
type jsonRegister struct {
	RegistryName    string `json:"registryName"`
	SchemaName      string `json:"schemaName"`
	SchemaVersionID string `json:"schemaVersionId"`
	VersionNumber   int64  `json:"versionNumber"`
	Status          string `json:"status"`
	SchemaCreated   bool   `json:"schemaCreated"`
	RegistryCreated bool   `json:"registryCreated"`
	Findings        []struct {
		Path          string `json:"path"`
		Rule          string `json:"rule"`
		Message       string `json:"message"`
		Direction     string `json:"direction"`
		ReaderVersion int64  `json:"readerVersion"`
		WriterVersion int64  `json:"writerVersion"`
		Explanation   string `json:"explanation"`
	} `json:"findings"`
}

func TestSchemaRegister(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	reg := func(registry, schema, file string, extra ...string) []string {
		return append([]string{"register", "--endpoint", f.endpoint, "--registry", registry, "--schema", schema, f.file(file)}, extra...)
	}
	runCLI(t, []cliCase{
		{name: "new version", args: reg("shop", "orders-all", "qtydef.avsc", "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var r jsonRegister
				decodeJSON(t, stdout, &r)
				if r.VersionNumber != 3 || r.Status != "AVAILABLE" || r.SchemaVersionID == "" || r.SchemaCreated || r.Findings == nil {
					t.Errorf("report %+v", r)
				}
			}},
		{name: "existing definition", args: reg("shop", "orders", "v1.avsc"), wantCode: 0,
			wantOut: []string{"registered shop/orders version 1: id " + f.ids["orders/1"] + ", status AVAILABLE"}},
		{name: "FAILURE with findings", args: reg("shop", "events", "retype.proto", "--output", "json"), wantCode: 1,
			check: func(t *testing.T, stdout string) {
				var r jsonRegister
				decodeJSON(t, stdout, &r)
				if r.Status != "FAILURE" || r.VersionNumber != 2 || len(r.Findings) == 0 {
					t.Fatalf("report %+v", r)
				}
				if r.Findings[0].Path != "shop.Order.id" || r.Findings[0].Rule == "" || r.Findings[0].Explanation == "" {
					t.Errorf("finding %+v", r.Findings[0])
				}
			}},
		{name: "compatibility ignored without create", args: reg("shop", "orders", "nodef.avsc", "--compatibility", "FULL"), wantCode: 0,
			wantOut: []string{"version 4", "status AVAILABLE"}},
		{name: "create schema", args: reg("shop", "fresh", "v1.json", "--create", "--format", "JSON", "--compatibility", "FORWARD"), wantCode: 0,
			wantOut: []string{"created schema; registered shop/fresh version 1", "status AVAILABLE"}},
		{name: "create registry and schema", args: reg("newreg", "fresh", "v1.proto", "--create", "--format", "PROTOBUF", "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var r jsonRegister
				decodeJSON(t, stdout, &r)
				if !r.SchemaCreated || !r.RegistryCreated || r.VersionNumber != 1 || r.Status != "AVAILABLE" {
					t.Errorf("report %+v", r)
				}
			}},
		{name: "missing schema", args: reg("shop", "missing", "v1.avsc"), wantCode: 1, wantErr: []string{"EntityNotFoundException"}},
		{name: "invalid definition", args: reg("shop", "orders", "bad.avsc"), wantCode: 1,
			wantErr: []string{"InvalidInputException: Schema definition of AVRO data format is invalid"}},
		{name: "DISABLED", args: reg("shop", "locked", "loose.json"), wantCode: 1, wantErr: []string{"InvalidInputException", "DISABLED"}},
		{name: "no file", args: []string{"register", "--endpoint", f.endpoint, "--registry", "shop", "--schema", "orders"}, wantCode: 2, wantErr: []string{"exactly one"}},
		{name: "unreadable file", args: reg("shop", "orders", "nope.avsc"), wantCode: 2, wantErr: []string{"reading definition"}},
		{name: "bad format", args: reg("shop", "orders", "v1.avsc", "--format", "XML"), wantCode: 2, wantErr: []string{`--format "XML"`}},
		{name: "bad mode", args: reg("shop", "orders", "v1.avsc", "--compatibility", "SOME"), wantCode: 2, wantErr: []string{`--compatibility "SOME"`}},
		{name: "no schema", args: []string{"register", "--endpoint", f.endpoint, "--registry", "shop", f.file("v1.avsc")}, wantCode: 2, wantErr: []string{"required"}},
		{name: "unreachable", args: []string{"register", "--endpoint", unreachable, "--registry", "shop", "--schema", "orders", f.file("v1.avsc")}, wantCode: 2,
			wantErr: []string{"connection refused"}},
	})
}

// TestSchemaRegisterFailureText checks the human output of a FAILURE.
func TestSchemaRegisterFailureText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	runCLI(t, []cliCase{
		{name: "findings listed", args: []string{"register", "--endpoint", f.endpoint, "--registry", "shop", "--schema", "orders-all", f.file("nodef.avsc")}, wantCode: 1,
			wantOut: []string{"registered shop/orders-all version 3", "status FAILURE", "Order.price [", "readers of version 3 cannot read data written with version 1"}},
	})
}

func TestSchemaGet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	get := func(extra ...string) []string { return append([]string{"get", "--endpoint", f.endpoint}, extra...) }
	runCLI(t, []cliCase{
		{name: "by id", args: get("--id", f.ids["orders/2"]), wantCode: 0,
			wantOut: []string{"id:       " + f.ids["orders/2"], "version:  2", "status:   AVAILABLE", "format:   AVRO", "schema:   arn:aws:glue:", orderV2}},
		{name: "latest", args: get("--registry", "shop", "--schema", "orders"), wantCode: 0, wantOut: []string{"version:  2", orderV2}},
		{name: "by number json", args: get("--registry", "shop", "--schema", "orders", "--version", "3", "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var d struct {
					SchemaVersionID string `json:"schemaVersionId"`
					SchemaArn       string `json:"schemaArn"`
					VersionNumber   int64  `json:"versionNumber"`
					Status          string `json:"status"`
					DataFormat      string `json:"dataFormat"`
					CreatedTime     string `json:"createdTime"`
					Definition      string `json:"definition"`
				}
				decodeJSON(t, stdout, &d)
				if d.SchemaVersionID != f.ids["orders/3"] || d.VersionNumber != 3 || d.Status != "FAILURE" || d.DataFormat != "AVRO" ||
					d.Definition != orderQty || !strings.HasSuffix(d.SchemaArn, ":schema/shop/orders") || d.CreatedTime == "" {
					t.Errorf("document %+v", d)
				}
			}},
		{name: "no such version", args: get("--registry", "shop", "--schema", "orders", "--version", "9"), wantCode: 1, wantErr: []string{"EntityNotFoundException"}},
		{name: "no such id", args: get("--id", "00000000-0000-0000-0000-000000000000"), wantCode: 1, wantErr: []string{"EntityNotFoundException"}},
		{name: "id and schema", args: get("--id", f.ids["orders/1"], "--schema", "orders"), wantCode: 2, wantErr: []string{"--id excludes"}},
		{name: "nothing named", args: get(), wantCode: 2, wantErr: []string{"want --id"}},
		{name: "bad version", args: get("--registry", "shop", "--schema", "orders", "--version", "first"), wantCode: 2, wantErr: []string{"--version"}},
		{name: "extra argument", args: get("--id", f.ids["orders/1"], "extra"), wantCode: 2, wantErr: []string{"unexpected arguments"}},
		{name: "unreachable", args: []string{"get", "--endpoint", unreachable, "--id", f.ids["orders/1"]}, wantCode: 2, wantErr: []string{"connection refused"}},
	})
}

func TestSchemaList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	list := func(extra ...string) []string { return append([]string{"list", "--endpoint", f.endpoint}, extra...) }
	runCLI(t, []cliCase{
		{name: "all registries", args: list(), wantCode: 0, wantOut: []string{"REGISTRY", "shop      orders ", "orders-all", "locked", "events"}},
		{name: "one registry paged", args: list("--registry", "shop", "--page-size", "1", "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var d struct {
					Schemas []struct {
						RegistryName string `json:"registryName"`
						SchemaName   string `json:"schemaName"`
						SchemaArn    string `json:"schemaArn"`
						Status       string `json:"status"`
						Description  string `json:"description"`
						CreatedTime  string `json:"createdTime"`
						UpdatedTime  string `json:"updatedTime"`
					} `json:"schemas"`
				}
				decodeJSON(t, stdout, &d)
				var names []string
				for _, s := range d.Schemas {
					names = append(names, s.SchemaName)
					if s.RegistryName != "shop" || s.Status != "AVAILABLE" || s.SchemaArn == "" {
						t.Errorf("schema %+v", s)
					}
				}
				if len(names) != 4 {
					t.Errorf("schemas %v, want all 4 across pages", names)
				}
			}},
		{name: "versions paged", args: list("--registry", "shop", "--schema", "orders", "--page-size", "1", "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var d struct {
					RegistryName string `json:"registryName"`
					SchemaName   string `json:"schemaName"`
					Versions     []struct {
						VersionNumber   int64  `json:"versionNumber"`
						SchemaVersionID string `json:"schemaVersionId"`
						Status          string `json:"status"`
						CreatedTime     string `json:"createdTime"`
					} `json:"versions"`
				}
				decodeJSON(t, stdout, &d)
				if len(d.Versions) != 3 || d.Versions[2].Status != "FAILURE" || d.Versions[0].SchemaVersionID != f.ids["orders/1"] {
					t.Errorf("versions %+v", d)
				}
			}},
		{name: "versions text", args: list("--registry", "shop", "--schema", "orders"), wantCode: 0,
			wantOut: []string{"VERSION", "3        FAILURE    " + f.ids["orders/3"]}},
		{name: "no such schema", args: list("--registry", "shop", "--schema", "nope"), wantCode: 1, wantErr: []string{"EntityNotFoundException"}},
		{name: "no such registry", args: list("--registry", "nope"), wantCode: 1, wantErr: []string{"EntityNotFoundException"}},
		{name: "schema without registry", args: list("--schema", "orders"), wantCode: 2, wantErr: []string{"--schema needs --registry"}},
		{name: "bad page size", args: list("--page-size", "1000"), wantCode: 2, wantErr: []string{"--page-size"}},
		{name: "unreachable", args: []string{"list", "--endpoint", unreachable}, wantCode: 2, wantErr: []string{"connection refused"}},
	})
}

func TestSchemaDiff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	diff := func(extra ...string) []string {
		return append([]string{"diff", "--endpoint", f.endpoint, "--registry", "shop", "--schema", "orders"}, extra...)
	}
	runCLI(t, []cliCase{
		{name: "two versions", args: diff("1", "2"), wantCode: 0, wantOut: []string{`"op":"add"`, "price"}},
		{name: "latest json", args: diff("1", "latest", "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var d struct {
					RegistryName  string `json:"registryName"`
					SchemaName    string `json:"schemaName"`
					FirstVersion  string `json:"firstVersion"`
					SecondVersion string `json:"secondVersion"`
					Diff          string `json:"diff"`
				}
				decodeJSON(t, stdout, &d)
				if d.SchemaName != "orders" || d.FirstVersion != "1" || d.SecondVersion != "latest" || !strings.Contains(d.Diff, "price") {
					t.Errorf("diff %+v", d)
				}
			}},
		{name: "no such version", args: diff("1", "9"), wantCode: 1, wantErr: []string{"EntityNotFoundException"}},
		{name: "one version", args: diff("1"), wantCode: 2, wantErr: []string{"want two versions"}},
		{name: "bad version", args: diff("1", "x"), wantCode: 2, wantErr: []string{"V2"}},
		{name: "no schema", args: []string{"diff", "--endpoint", f.endpoint, "1", "2"}, wantCode: 2, wantErr: []string{"required"}},
		{name: "unreachable", args: []string{"diff", "--endpoint", unreachable, "--registry", "shop", "--schema", "orders", "1", "2"}, wantCode: 2,
			wantErr: []string{"connection refused"}},
	})
}

// frame builds a Glue schema registry record by hand.
func frame(version, compression byte, id string, payload []byte) []byte {
	u := uuid.MustParse(id)
	return append(append([]byte{version, compression}, u[:]...), payload...)
}

func TestSchemaDecode(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	schema, err := avro.Parse(orderV2)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := avro.Marshal(schema, map[string]any{"id": "o-1", "price": 9.5})
	if err != nil {
		t.Fatal(err)
	}
	rec := frame(3, 0, f.ids["orders/2"], payload)
	jsonRec := frame(3, 0, f.ids["locked/1"], []byte(`{"id":"a","qty":2}`))
	unknown := frame(3, 0, "0f0e0d0c-0b0a-4908-8706-050403020100", payload)
	hexArg, b64Arg := hex.EncodeToString(rec), base64.StdEncoding.EncodeToString(rec)
	dec := func(extra ...string) []string { return append([]string{"decode", "--endpoint", f.endpoint}, extra...) }
	runCLI(t, []cliCase{
		{name: "hex", args: dec("--hex", hexArg), wantCode: 0,
			wantOut: []string{"schema version " + f.ids["orders/2"] + " (AVRO, compression NONE)", `"id": "o-1"`, `"price": 9.5`}},
		{name: "base64", args: dec("--base64", b64Arg), wantCode: 0, wantOut: []string{`"id": "o-1"`}},
		{name: "url base64 unpadded", args: dec("--base64", base64.RawURLEncoding.EncodeToString(rec)), wantCode: 0, wantOut: []string{`"id": "o-1"`}},
		{name: "raw stdin", args: dec("-"), stdin: string(rec), wantCode: 0, wantOut: []string{`"price": 9.5`}},
		{name: "hex stdin", args: dec("--hex", "-"), stdin: hexArg[:20] + "\n" + hexArg[20:] + "\n", wantCode: 0, wantOut: []string{`"price": 9.5`}},
		{name: "JSON record", args: dec("--hex", hex.EncodeToString(jsonRec)), wantCode: 0, wantOut: []string{"(JSON, compression NONE)", `"qty": 2`}},
		{name: "json output", args: dec("--base64", b64Arg, "--output", "json"), wantCode: 0,
			check: func(t *testing.T, stdout string) {
				var d struct {
					SchemaVersionID string          `json:"schemaVersionId"`
					DataFormat      string          `json:"dataFormat"`
					MessageName     string          `json:"messageName"`
					Compression     string          `json:"compression"`
					Value           json.RawMessage `json:"value"`
				}
				decodeJSON(t, stdout, &d)
				var v map[string]any
				if err := json.Unmarshal(d.Value, &v); err != nil {
					t.Fatal(err)
				}
				if d.SchemaVersionID != f.ids["orders/2"] || d.DataFormat != "AVRO" || d.Compression != "NONE" || v["id"] != "o-1" || v["price"] != 9.5 {
					t.Errorf("document %+v, value %v", d, v)
				}
			}},
		{name: "bad header byte", args: dec("--hex", hex.EncodeToString(frame(2, 0, f.ids["orders/2"], payload))), wantCode: 1,
			wantErr: []string{"not a Glue schema registry record", "header version byte"}},
		{name: "bad header json", args: dec("--hex", "0300", "--output", "json"), wantCode: 1,
			check: func(t *testing.T, stdout string) {
				var e jsonErr
				decodeJSON(t, stdout, &e)
				if e.Error.Code != "BadHeader" || !strings.Contains(e.Error.Message, "size: 2") {
					t.Errorf("error %+v", e)
				}
			}},
		{name: "bad compression byte", args: dec("--hex", hex.EncodeToString(frame(3, 9, f.ids["orders/2"], payload))), wantCode: 1,
			wantErr: []string{"compression byte"}},
		{name: "unknown version", args: dec("--hex", hex.EncodeToString(unknown)), wantCode: 1,
			wantErr: []string{"EntityNotFoundException: unknown schema version 0f0e0d0c-0b0a-4908-8706-050403020100"}},
		{name: "truncated payload", args: dec("--hex", hex.EncodeToString(rec[:len(rec)-4])), wantCode: 1,
			wantErr: []string{"schema version " + f.ids["orders/2"]}},
		{name: "bad hex", args: dec("--hex", "zz"), wantCode: 2, wantErr: []string{"not hex"}},
		{name: "bad base64", args: dec("--base64", "!!!"), wantCode: 2, wantErr: []string{"not base64"}},
		{name: "argument without encoding", args: dec(hexArg), wantCode: 2, wantErr: []string{"give --hex or --base64"}},
		{name: "both encodings", args: dec("--hex", "--base64", hexArg), wantCode: 2, wantErr: []string{"exclude each other"}},
		{name: "no data", args: dec(), wantCode: 2, wantErr: []string{"exactly one DATA"}},
		{name: "unreachable", args: []string{"decode", "--endpoint", unreachable, "--hex", hexArg}, wantCode: 2, wantErr: []string{"connection refused"}},
	})
}

// fakeGlue answers Glue JSON requests by target from canned bodies, and
// counts GetSchemaVersion calls.
type fakeGlue struct {
	mu    sync.Mutex
	polls int
}

func (g *fakeGlue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.") {
	case "RegisterSchemaVersion":
		if strings.Contains(r.Header.Get("Authorization"), "Credential=AKIDDENIED/") {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"AccessDeniedException","message":"not allowed"}`)
			return
		}
		io.WriteString(w, `{"SchemaVersionId":"11111111-2222-3333-4444-555555555555","VersionNumber":7,"Status":"PENDING"}`)
	case "GetSchemaVersion":
		g.mu.Lock()
		g.polls++
		n := g.polls
		g.mu.Unlock()
		status := "PENDING"
		if n >= 2 {
			status = "AVAILABLE"
		}
		io.WriteString(w, `{"SchemaVersionId":"11111111-2222-3333-4444-555555555555","VersionNumber":7,"Status":"`+status+`"}`)
	default:
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"InvalidInputException","message":"unexpected"}`)
	}
}

// TestSchemaRegisterPendingAndDenied covers waiting for a PENDING version
// and a service error that is not a refusal (exit 2), against a fake Glue.
func TestSchemaRegisterPendingAndDenied(t *testing.T) {
	t.Parallel()
	def := filepath.Join(t.TempDir(), "v1.avsc")
	if err := os.WriteFile(def, []byte(orderV1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		extra     []string
		env       map[string]string
		wantCode  int
		wantOut   string
		wantErr   string
		wantPolls int
	}{
		{name: "waits until settled", wantCode: 0, wantOut: "version 7: id 11111111-2222-3333-4444-555555555555, status AVAILABLE", wantPolls: 2},
		{name: "no wait", extra: []string{"--wait", "0"}, wantCode: 0, wantOut: "status PENDING", wantPolls: 0},
		{name: "access denied", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDDENIED", "AWS_SECRET_ACCESS_KEY": "s"}, wantCode: 2,
			wantErr: "AccessDeniedException: not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := &fakeGlue{}
			srv := httptest.NewServer(g)
			defer srv.Close()
			args := append([]string{"register", "--endpoint", srv.URL, "--registry", "r", "--schema", "s", def}, tt.extra...)
			var out, errOut bytes.Buffer
			code := schemaWith(context.Background(), args, strings.NewReader(""), &out, &errOut, envMap(tt.env))
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stdout %q (want %q), stderr %q (want %q)", out.String(), tt.wantOut, errOut.String(), tt.wantErr)
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.polls != tt.wantPolls {
				t.Errorf("GetSchemaVersion polled %d times, want %d", g.polls, tt.wantPolls)
			}
		})
	}
}

// TestSchemaRegisterOtherAccount registers as a 12-digit access key (the
// emulator's account) and checks the FAILURE findings come from that
// account's registry.
func TestSchemaRegisterOtherAccount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	env := map[string]string{"AWS_ACCESS_KEY_ID": "111122223333", "AWS_SECRET_ACCESS_KEY": "x", "AWS_REGION": "eu-west-1"}
	steps := []struct {
		file     string
		wantCode int
		wantOut  string
	}{
		{"v1.avsc", 0, "created registry and schema; registered acct/orders version 1"},
		{"qty.avsc", 1, "Order.qty [reader-field-missing-default, BACKWARD]"},
	}
	for _, s := range steps {
		var out, errOut bytes.Buffer
		args := []string{"register", "--endpoint", f.endpoint, "--registry", "acct", "--schema", "orders", "--create", "--compatibility", "BACKWARD", f.file(s.file)}
		if code := schemaWith(context.Background(), args, strings.NewReader(""), &out, &errOut, envMap(env)); code != s.wantCode {
			t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", s.file, code, s.wantCode, out.String(), errOut.String())
		}
		if !strings.Contains(out.String(), s.wantOut) || errOut.Len() != 0 {
			t.Fatalf("%s: stdout %q lacks %q; stderr %q", s.file, out.String(), s.wantOut, errOut.String())
		}
	}
	// The default account does not see it.
	if _, err := f.client.GetSchema(context.Background(), &glue.GetSchemaInput{SchemaId: &types.SchemaId{RegistryName: aws.String("acct"), SchemaName: aws.String("orders")}}); !isCode(err, "EntityNotFoundException") {
		t.Errorf("default account sees the other account's schema: %v", err)
	}
}
