// Package serde reads and writes records in the AWS Glue Schema Registry
// wire format, byte-compatible with AWS's Java serde
// (awslabs/aws-glue-schema-registry), talking to the registry only through
// the aws-sdk-go-v2 Glue client, so it works against evolvestack and
// against AWS alike.
//
// A record is an 18-byte header followed by the payload:
//
//	byte 0      header version, 3
//	byte 1      compression: 0 none, 5 zlib (only the payload is compressed)
//	bytes 2-17  the writer's schema version id, a UUID in canonical order
//	bytes 18-   AVRO: Avro binary; JSON: UTF-8 JSON; PROTOBUF: the message
//	            index as an unsigned varint, then the message bytes
//
// The PROTOBUF message index is the position of the message's full name
// in the sorted list of every message the schema declares (nested ones and
// map entries included), as the Java MessageIndexFinder assigns it.
//
// The Serializer looks a definition up with GetSchemaByDefinition (cached)
// and, with auto-registration on, registers a missing version or creates a
// missing schema, waits while the version is PENDING and refuses one whose
// status is FAILURE with an *IncompatibleSchemaError. The Deserializer
// fetches writer schemas by version id (cached), decodes generically or,
// with DecodeInto, as a consumer holding its own reader schema sees the
// data (Avro schema resolution). Both cache as the Java library does:
// entries past their TTL are looked up again on their next use and kept
// while that lookup fails; concurrent misses of one key share one call.
// SerializerConfigFromProperties reads the Java library's property names
// (registry.name, schemaAutoRegistrationEnabled, compression, ...).
//
// The decoding half lives in package wire, which does not import the AWS
// SDK: its Deserializer fetches writer schemas through a plain function,
// for programs that should not link the SDK's Glue client (whose package
// init costs 2 MB at every start). This package's Deserializer, Record,
// header and error types are aliases of wire's.
package serde
