// Package scaletest builds the schema of the registry's scale case (issue
// 12), for the engine's and the Glue service's tests: a schema with 1,000
// versions, each adding an optional field to the previous one, so the
// newest has about 1,000 fields; then one more version is registered under
// BACKWARD_ALL, which checks it against every version since the
// checkpoint (version 1).
package scaletest

import (
	"fmt"
	"strings"
)

// Versions is how many versions the schema holds before the measured
// registration.
const Versions = 1000

// Format is one data format's series of versions.
type Format struct {
	// Name names the format in test names: "avro", "json", "protobuf".
	Name string
	// DataFormat is the Glue data format.
	DataFormat string
	// Version returns version n (1-based): a required id and n-1
	// optional fields. Every version reads the data of every earlier one.
	Version func(n int) string
}

// Formats lists the scale case in every data format.
func Formats() []Format {
	return []Format{
		{"avro", "AVRO", Avro},
		{"json", "JSON", JSON},
		{"protobuf", "PROTOBUF", Protobuf},
	}
}

// Avro is version n of the Avro schema: a required id and n-1 optional
// fields (a null-first union with a null default).
func Avro(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"}`)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, `,{"name":"f%04d","type":["null","string"],"default":null}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// JSON is version n of the JSON Schema: an object with a required id and
// n-1 optional properties, closed content model (so each version reads the
// data of every earlier one).
func JSON(n int) string {
	var b strings.Builder
	b.WriteString(`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","required":["id"],"properties":{"id":{"type":"string"}`)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, `,"f%04d":{"type":["null","string"]}`, i)
	}
	b.WriteString(`},"additionalProperties":false}`)
	return b.String()
}

// Protobuf is version n of the Protobuf schema: a message with an id and
// n-1 optional fields, numbered in the order they were added.
func Protobuf(n int) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage shop;\n\nmessage Order {\n  string id = 1;\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  optional string f%04d = %d;\n", i, i+1)
	}
	b.WriteString("}\n")
	return b.String()
}
