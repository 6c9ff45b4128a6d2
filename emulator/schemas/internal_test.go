package schemas

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

func newPartAService() *Service {
	return New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: clock.New(clock.WithScale(0))})
}

const (
	docV1 = `{"openapi":"3.0.0","info":{"title":"E","version":"1.0.0"},"paths":{},"components":{"schemas":{"E":{"type":"object","properties":{"a":{"type":"string"}}}}}}`
	docV2 = `{"openapi":"3.0.0","info":{"title":"E","version":"1.0.0"},"paths":{},"components":{"schemas":{"E":{"type":"object","properties":{"b":{"type":"string"}}}}}}`
	// docV1 again, with other key order and spacing.
	docV1Reordered = `{ "paths": {}, "info": {"version":"1.0.0","title":"E"}, "openapi": "3.0.0", "components": {"schemas": {"E": {"properties": {"a": {"type": "string"}}, "type": "object"}}} }`
)

func TestPutDiscovered(t *testing.T) {
	t.Parallel()
	s := newPartAService()
	steps := []struct {
		registry, content string
		wantVersion       string
		wantCreated       bool
	}{
		{discoveredRegistry, docV1, "1", true},
		{discoveredRegistry, docV1Reordered, "1", false},
		{discoveredRegistry, docV2, "2", false},
		{discoveredRegistry, docV1, "3", false},
		{"fresh-registry", docV1, "1", true},
	}
	for i, st := range steps {
		v, created, err := s.putDiscovered(st.registry, "src@E", st.content, "OpenApi3")
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if v != st.wantVersion || created != st.wantCreated {
			t.Fatalf("step %d: putDiscovered = %s, %v; want %s, %v", i, v, created, st.wantVersion, st.wantCreated)
		}
	}
	for _, tc := range []struct{ version, want string }{{"1", docV1}, {"2", docV2}, {"", docV1}} {
		got, err := s.schemaVersionContent(discoveredRegistry, "src@E", tc.version)
		if err != nil || got != tc.want {
			t.Fatalf("schemaVersionContent(%q) = %q, %v; want %q", tc.version, got, err, tc.want)
		}
	}
	// A discovered schema exports whatever its registry.
	exp, err := s.ExportSchema(context.Background(), &ExportSchemaInput{RegistryName: ptr("fresh-registry"), SchemaName: ptr("src@E"), Type: ptr("JSONSchemaDraft4")})
	if err != nil || !strings.Contains(deref(exp.Content), draft4URI) {
		t.Fatalf("ExportSchema = %v, %v", exp, err)
	}
	errCases := []struct {
		name string
		err  error
		code string
	}{
		{"missing version", errOf2(s.schemaVersionContent(discoveredRegistry, "src@E", "7")), ErrCodeNotFoundException},
		{"missing schema", errOf2(s.schemaVersionContent(discoveredRegistry, "nope", "")), ErrCodeNotFoundException},
		{"missing registry", errOf2(s.schemaVersionContent("nope", "src@E", "")), ErrCodeNotFoundException},
		{"bad content", errOf3(s.putDiscovered(discoveredRegistry, "src@E", "{", "OpenApi3")), ErrCodeBadRequestException},
		{"aws.events", errOf3(s.putDiscovered(awsEventsRegistry, "x", docV1, "OpenApi3")), ErrCodeForbiddenException},
	}
	for _, tc := range errCases {
		var ae *awsapi.Error
		if !errors.As(tc.err, &ae) || ae.Code != tc.code {
			t.Fatalf("%s: error = %v, want %s", tc.name, tc.err, tc.code)
		}
	}
}

func errOf2[A any](_ A, err error) error         { return err }
func errOf3[A, B any](_ A, _ B, err error) error { return err }

func TestOpenAPIToDraft4(t *testing.T) {
	t.Parallel()
	in := `{"openapi":"3.0.0","info":{"title":"Order","version":"1"},"paths":{},"components":{"schemas":{
		"Order":{"type":"object","properties":{"item":{"$ref":"#/components/schemas/Item"},"note":{"type":"string","nullable":true,"example":"x"},"parent":{"$ref":"#/components/schemas/Order"}}},
		"Item":{"type":"object","properties":{"sku":{"type":"string"}}}}}}`
	out, err := openAPIToDraft4(in)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"$schema":"http://json-schema.org/draft-04/schema#","definitions":{"Item":{"properties":{"sku":{"type":"string"}},"type":"object"}},"properties":{"item":{"$ref":"#/definitions/Item"},"note":{"type":["string","null"]},"parent":{"$ref":"#"}},"title":"Order","type":"object"}`
	if got := canonical(doc); got != want {
		t.Fatalf("export =\n%s\nwant\n%s", got, want)
	}
	// The export is itself a valid draft 4 schema.
	if _, err := validateContent(TypeJSONSchemaDraft4, out); err != nil {
		t.Fatal(err)
	}
}
