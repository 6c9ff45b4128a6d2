package serde

import (
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde/internal/codec"
	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// Wire-format constants, as AWS's Java serde writes them.
const (
	// HeaderVersion is byte 0 of every record the Glue serde writes.
	HeaderVersion = wire.HeaderVersion
	// HeaderSize is the length of the header: version, compression and the
	// 16-byte schema version id.
	HeaderSize = wire.HeaderSize
	// TransportMetadataKey is the schema version metadata key under which
	// the serializer records the transport (stream, queue, topic) name.
	TransportMetadataKey = "x-amz-meta-transport"
	// DefaultRegistryName is the registry used when none is configured.
	DefaultRegistryName = "default-registry"
	// DefaultCacheSize is how many entries each cache keeps (the Java
	// library's default).
	DefaultCacheSize = wire.DefaultCacheSize
	// DefaultCacheTTL is how long cached lookups stay fresh (the Java
	// library's default).
	DefaultCacheTTL = wire.DefaultCacheTTL
	// DefaultMaxDecompressedSize bounds what a zlib payload may inflate to.
	DefaultMaxDecompressedSize = wire.DefaultMaxDecompressedSize
)

// Data formats, as Glue names them.
const (
	FormatAvro     = wire.FormatAvro
	FormatJSON     = wire.FormatJSON
	FormatProtobuf = wire.FormatProtobuf
)

// Compression is byte 1 of the header.
type Compression = wire.Compression

const (
	// CompressionNone leaves the payload as is.
	CompressionNone = wire.CompressionNone
	// CompressionZlib deflates the payload in a zlib stream (RFC 1950).
	CompressionZlib = wire.CompressionZlib
)

// Header is the decoded 18-byte prefix of a record.
type Header = wire.Header

// ErrNotRegistryData is matched (errors.Is) by every error that says data
// does not carry a valid schema registry header.
var ErrNotRegistryData = wire.ErrNotRegistryData

// ShortDataError reports input shorter than the header.
type ShortDataError = wire.ShortDataError

// HeaderVersionError reports a first byte other than HeaderVersion.
type HeaderVersionError = wire.HeaderVersionError

// CompressionError reports an unknown compression byte.
type CompressionError = wire.CompressionError

// DecompressionError reports a payload that does not inflate.
type DecompressionError = wire.DecompressionError

// Encode prefixes payload with the header for id and compresses it when c
// is CompressionZlib (see wire.Encode).
func Encode(id uuid.UUID, c Compression, payload []byte) ([]byte, error) {
	return wire.Encode(id, c, payload)
}

// ParseHeader checks and decodes the header of data without touching the
// payload.
func ParseHeader(data []byte) (Header, error) { return wire.ParseHeader(data) }

// DecodeHeader splits data into its header and its (decompressed)
// payload. It inflates at most DefaultMaxDecompressedSize bytes.
func DecodeHeader(data []byte) (Header, []byte, error) { return wire.DecodeHeader(data) }

// Raw is a payload already encoded in the schema's data format; the
// serializer writes it after the header unchanged (for PROTOBUF it must
// start with the message index).
type Raw = codec.Raw
