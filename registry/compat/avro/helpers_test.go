package avro_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/registry/compat"
	"github.com/evolvestack/evolvestack/registry/compat/avro"
)

// q quotes a JSON string.
func q(s string) string { return strconv.Quote(s) }

// rec builds a record schema named name with the given field JSONs.
func rec(name string, fields ...string) string {
	return `{"type":"record","name":` + q(name) + `,"fields":[` + strings.Join(fields, ",") + `]}`
}

// recNS builds a record with a namespace and optional aliases.
func recNS(name, ns string, aliases []string, fields ...string) string {
	s := `{"type":"record","name":` + q(name)
	if ns != "" {
		s += `,"namespace":` + q(ns)
	}
	if aliases != nil {
		s += `,"aliases":` + jsonList(aliases)
	}
	return s + `,"fields":[` + strings.Join(fields, ",") + `]}`
}

// fld builds a field without a default.
func fld(name, typ string) string { return `{"name":` + q(name) + `,"type":` + typ + `}` }

// fldDef builds a field with a default (def is raw JSON).
func fldDef(name, typ, def string) string {
	return `{"name":` + q(name) + `,"type":` + typ + `,"default":` + def + `}`
}

// fldAlias builds a field with aliases.
func fldAlias(name, typ string, aliases ...string) string {
	return `{"name":` + q(name) + `,"type":` + typ + `,"aliases":` + jsonList(aliases) + `}`
}

func enum(name string, symbols ...string) string {
	return `{"type":"enum","name":` + q(name) + `,"symbols":` + jsonList(symbols) + `}`
}

func enumDef(name, def string, symbols ...string) string {
	return `{"type":"enum","name":` + q(name) + `,"symbols":` + jsonList(symbols) + `,"default":` + q(def) + `}`
}

func fixed(name string, size int) string {
	return `{"type":"fixed","name":` + q(name) + `,"size":` + strconv.Itoa(size) + `}`
}

func arr(items string) string  { return `{"type":"array","items":` + items + `}` }
func mp(values string) string  { return `{"type":"map","values":` + values + `}` }
func union(b ...string) string { return "[" + strings.Join(b, ",") + "]" }

func jsonList(xs []string) string {
	qs := make([]string, len(xs))
	for i, x := range xs {
		qs[i] = q(x)
	}
	return "[" + strings.Join(qs, ",") + "]"
}

// mustParse parses def with the Avro format or fails the test.
func mustParse(t testing.TB, def string) compat.Schema {
	t.Helper()
	s, err := avro.New().Parse(def)
	if err != nil {
		t.Fatalf("Parse(%s): %v", def, err)
	}
	return s
}
