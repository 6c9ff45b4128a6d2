// Package wire is the decoding core of package serde without its AWS SDK
// dependency: the Glue Schema Registry record header, zlib decompression,
// per-format decoding (AVRO, JSON, PROTOBUF) and a Deserializer that gets
// writer schemas through a SchemaFetcher of plain Go types, so programs
// that only read records need not link the SDK's Glue client (whose
// package init costs every start). Package serde re-exports all of it and
// adds the SDK-backed Serializer and NewDeserializer.
package wire
