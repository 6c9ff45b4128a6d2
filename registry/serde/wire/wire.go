package wire

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde/internal/cache"
	"github.com/evolvestack/evolvestack/registry/serde/internal/codec"
)

// Wire-format constants, as AWS's Java serde writes them.
const (
	// HeaderVersion is byte 0 of every record the Glue serde writes.
	HeaderVersion byte = 3
	// HeaderSize is the length of the header: version, compression and the
	// 16-byte schema version id.
	HeaderSize = 18
	// DefaultCacheSize is how many entries each cache keeps (the Java
	// library's default).
	DefaultCacheSize = cache.DefaultSize
	// DefaultCacheTTL is how long cached lookups stay fresh (the Java
	// library's default).
	DefaultCacheTTL = cache.DefaultTTL
	// DefaultMaxDecompressedSize bounds what a zlib payload may inflate to.
	DefaultMaxDecompressedSize = 64 << 20
)

// Data formats, as Glue names them.
const (
	FormatAvro     = codec.FormatAvro
	FormatJSON     = codec.FormatJSON
	FormatProtobuf = codec.FormatProtobuf
)

// Compression is byte 1 of the header.
type Compression byte

const (
	// CompressionNone leaves the payload as is.
	CompressionNone Compression = 0
	// CompressionZlib deflates the payload in a zlib stream (RFC 1950).
	CompressionZlib Compression = 5
)

// String returns "NONE", "ZLIB" or the byte in hex.
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "NONE"
	case CompressionZlib:
		return "ZLIB"
	}
	return fmt.Sprintf("0x%02x", byte(c))
}

// Header is the decoded 18-byte prefix of a record.
type Header struct {
	Version         byte
	Compression     Compression
	SchemaVersionID uuid.UUID
}

// ErrNotRegistryData is matched (errors.Is) by every error that says data
// does not carry a valid schema registry header.
var ErrNotRegistryData = errors.New("data is not compatible with schema registry")

// ShortDataError reports input shorter than the header.
type ShortDataError struct{ Size int }

func (e *ShortDataError) Error() string {
	return fmt.Sprintf("serde: Data is not compatible with schema registry size: %d (a header needs %d bytes)", e.Size, HeaderSize)
}

// Is makes the error match ErrNotRegistryData.
func (e *ShortDataError) Is(target error) bool { return target == ErrNotRegistryData }

// HeaderVersionError reports a first byte other than HeaderVersion.
type HeaderVersionError struct{ Version byte }

func (e *HeaderVersionError) Error() string {
	return fmt.Sprintf("serde: Invalid schema registry header version byte in data: 0x%02x, want 0x%02x", e.Version, HeaderVersion)
}

// Is makes the error match ErrNotRegistryData.
func (e *HeaderVersionError) Is(target error) bool { return target == ErrNotRegistryData }

// CompressionError reports an unknown compression byte.
type CompressionError struct{ Byte byte }

func (e *CompressionError) Error() string {
	return fmt.Sprintf("serde: Invalid schema registry compression byte in data: 0x%02x (known: 0x00 none, 0x05 zlib)", e.Byte)
}

// Is makes the error match ErrNotRegistryData.
func (e *CompressionError) Is(target error) bool { return target == ErrNotRegistryData }

// DecompressionError reports a payload that does not inflate.
type DecompressionError struct {
	SchemaVersionID uuid.UUID
	Err             error
}

func (e *DecompressionError) Error() string {
	return fmt.Sprintf("serde: schema version %s: bytes received are not compressed properly: %v", e.SchemaVersionID, e.Err)
}

func (e *DecompressionError) Unwrap() error { return e.Err }

// Encode prefixes payload with the header for id and compresses it when c
// is CompressionZlib. Compression uses Go's compress/zlib at its default
// level (6), the level java.util.zip.Deflater uses by default; the zlib
// header (0x78 0x9c) and the stream format are the same, though two
// deflate implementations need not choose identical blocks, so the
// compressed bytes may differ from Java's while each side inflates the
// other's.
func Encode(id uuid.UUID, c Compression, payload []byte) ([]byte, error) {
	switch c {
	case CompressionNone:
		out := make([]byte, HeaderSize, HeaderSize+len(payload))
		writeHeader(out, id, c)
		return append(out, payload...), nil
	case CompressionZlib:
		var buf bytes.Buffer
		buf.Grow(HeaderSize + len(payload)/2 + 16)
		var hdr [HeaderSize]byte
		writeHeader(hdr[:], id, c)
		buf.Write(hdr[:])
		zw := zlib.NewWriter(&buf)
		if _, err := zw.Write(payload); err != nil {
			return nil, fmt.Errorf("serde: compressing payload: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("serde: compressing payload: %w", err)
		}
		return buf.Bytes(), nil
	}
	return nil, &CompressionError{Byte: byte(c)}
}

func writeHeader(dst []byte, id uuid.UUID, c Compression) {
	dst[0] = HeaderVersion
	dst[1] = byte(c)
	copy(dst[2:HeaderSize], id[:])
}

// ParseHeader checks and decodes the header of data without touching the
// payload.
func ParseHeader(data []byte) (Header, error) {
	if len(data) > 0 && data[0] != HeaderVersion {
		return Header{}, &HeaderVersionError{Version: data[0]}
	}
	if len(data) < HeaderSize {
		return Header{}, &ShortDataError{Size: len(data)}
	}
	c := Compression(data[1])
	if c != CompressionNone && c != CompressionZlib {
		return Header{}, &CompressionError{Byte: data[1]}
	}
	var id uuid.UUID
	copy(id[:], data[2:HeaderSize])
	return Header{Version: data[0], Compression: c, SchemaVersionID: id}, nil
}

// DecodeHeader splits data into its header and its (decompressed)
// payload. It inflates at most DefaultMaxDecompressedSize bytes.
func DecodeHeader(data []byte) (Header, []byte, error) {
	return DecodeHeaderLimit(data, DefaultMaxDecompressedSize)
}

// DecodeHeaderLimit is DecodeHeader inflating at most maxSize bytes.
func DecodeHeaderLimit(data []byte, maxSize int64) (Header, []byte, error) {
	h, err := ParseHeader(data)
	if err != nil {
		return Header{}, nil, err
	}
	payload := data[HeaderSize:]
	if h.Compression == CompressionNone {
		return h, payload, nil
	}
	out, err := inflate(payload, maxSize)
	if err != nil {
		return Header{}, nil, &DecompressionError{SchemaVersionID: h.SchemaVersionID, Err: err}
	}
	return h, out, nil
}

func inflate(payload []byte, maxSize int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, maxSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > maxSize {
		return nil, fmt.Errorf("payload inflates to more than %d bytes", maxSize)
	}
	return out, nil
}
