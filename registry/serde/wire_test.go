package serde_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde"
)

// vectorID's canonical byte order is its hex digits in order.
var vectorID = uuid.MustParse("00112233-4455-6677-8899-aabbccddeeff")

// The Avro record {"name":"Ann","age":30} with userV1 is
// 06 'A' 'n' 'n' (zig-zag length 3, then UTF-8) and 3c (zig-zag 30).
const avroAnn30 = "06416e6e3c"

// goZlibAnn30 is what Go's compress/zlib writes for avroAnn30 at the
// default level; javaZlibAnn30 is what zlib (the library behind
// java.util.zip.Deflater, here zlib 1.2.13) writes at its default level.
// Both are zlib streams of the same bytes: the header (78 9c) matches,
// the deflate blocks differ (Go closes with an empty stored block).
const (
	goZlibAnn30   = "789c6273cccbb301040000ffff03890160"
	javaZlibAnn30 = "789c6373cccbb3010003890160"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSerializeByteVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		compression serde.Compression
		want        string
	}{
		{"no compression", serde.CompressionNone, "0300" + "00112233445566778899aabbccddeeff" + avroAnn30},
		{"zlib", serde.CompressionZlib, "0305" + "00112233445566778899aabbccddeeff" + goZlibAnn30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(serde.FormatAvro)
			fake.add(vectorID, userV1)
			s := mustSerializer(t, fake, serde.SerializerConfig{Compression: tt.compression})
			got, err := s.Serialize(context.Background(), "users", userV1, map[string]any{"name": "Ann", "age": 30})
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tt.want {
				t.Fatalf("bytes\n got %x\nwant %s", got, tt.want)
			}
			h, payload, err := serde.DecodeHeader(got)
			if err != nil {
				t.Fatal(err)
			}
			if h.Version != 3 || h.Compression != tt.compression || h.SchemaVersionID != vectorID {
				t.Errorf("header %+v", h)
			}
			if hex.EncodeToString(payload) != avroAnn30 {
				t.Errorf("payload %x, want %s", payload, avroAnn30)
			}
			rec, err := serde.NewDeserializer(fake, serde.DeserializerConfig{}).Decode(context.Background(), got)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := rec.Value.(map[string]any)
			if m["name"] != "Ann" || m["age"] != 30 || rec.Compression != tt.compression {
				t.Errorf("decoded %#v (compression %s)", rec.Value, rec.Compression)
			}
		})
	}
}

func TestDecodeHeaderReadsJavaZlib(t *testing.T) {
	t.Parallel()
	data := unhex(t, "0305"+"00112233445566778899aabbccddeeff"+javaZlibAnn30)
	h, payload, err := serde.DecodeHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	if h.SchemaVersionID != vectorID || hex.EncodeToString(payload) != avroAnn30 {
		t.Fatalf("header %+v payload %x", h, payload)
	}
}

func TestEncode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		c       serde.Compression
		payload []byte
		want    string
		wantErr bool
	}{
		{"empty payload", serde.CompressionNone, nil, "0300" + "00112233445566778899aabbccddeeff", false},
		{"payload", serde.CompressionNone, []byte{1, 2}, "0300" + "00112233445566778899aabbccddeeff" + "0102", false},
		{"unknown compression", serde.Compression(1), []byte{1}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := serde.Encode(vectorID, tt.c, tt.payload)
			if tt.wantErr {
				var ce *serde.CompressionError
				if !errors.As(err, &ce) || ce.Byte != 1 {
					t.Fatalf("err %v, want *CompressionError", err)
				}
				return
			}
			if err != nil || hex.EncodeToString(got) != tt.want {
				t.Fatalf("got %x, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestDecodeHeaderErrors(t *testing.T) {
	t.Parallel()
	id := "00112233445566778899aabbccddeeff"
	tests := []struct {
		name  string
		data  string
		check func(error) bool
		text  string
	}{
		{"empty", "", func(err error) bool { var e *serde.ShortDataError; return errors.As(err, &e) && e.Size == 0 }, "size: 0"},
		{"short", "0300" + id[:30], func(err error) bool { var e *serde.ShortDataError; return errors.As(err, &e) && e.Size == 17 }, "size: 17"},
		{"header version 0", "0000" + id, func(err error) bool { var e *serde.HeaderVersionError; return errors.As(err, &e) && e.Version == 0 }, "header version byte"},
		{"header version 4", "0400" + id, func(err error) bool { var e *serde.HeaderVersionError; return errors.As(err, &e) && e.Version == 4 }, "0x04"},
		{"compression 1", "0301" + id, func(err error) bool { var e *serde.CompressionError; return errors.As(err, &e) && e.Byte == 1 }, "compression byte"},
		{"compression ff", "03ff" + id + "00", func(err error) bool { var e *serde.CompressionError; return errors.As(err, &e) && e.Byte == 0xff }, "0xff"},
		{"zlib garbage", "0305" + id + "0102", func(err error) bool {
			var e *serde.DecompressionError
			return errors.As(err, &e) && e.SchemaVersionID == vectorID
		}, "not compressed properly"},
		{"zlib truncated", "0305" + id + goZlibAnn30[:12], func(err error) bool { var e *serde.DecompressionError; return errors.As(err, &e) }, vectorID.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := serde.DecodeHeader(unhex(t, tt.data))
			if err == nil || !tt.check(err) {
				t.Fatalf("err %v (%T)", err, err)
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tt.text)) {
				t.Errorf("error %q does not mention %q", err, tt.text)
			}
			var de *serde.DecompressionError
			if !errors.As(err, &de) && !errors.Is(err, serde.ErrNotRegistryData) {
				t.Errorf("header error %v does not match ErrNotRegistryData", err)
			}
		})
	}
}

func FuzzDecodeHeader(f *testing.F) {
	id := "00112233445566778899aabbccddeeff"
	for _, s := range []string{"", "03", "0300" + id, "0300" + id + avroAnn30, "0305" + id + goZlibAnn30, "0305" + id + javaZlibAnn30, "0400" + id, "0301" + id} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, payload, err := serde.DecodeHeader(data)
		if err != nil {
			if h != (serde.Header{}) || payload != nil {
				t.Fatalf("error %v with header %+v payload %x", err, h, payload)
			}
			return
		}
		if h.Version != serde.HeaderVersion || len(data) < serde.HeaderSize {
			t.Fatalf("accepted %x as %+v", data, h)
		}
		if !bytes.Equal(h.SchemaVersionID[:], data[2:18]) {
			t.Fatalf("id %s from %x", h.SchemaVersionID, data)
		}
		// Re-encoding gives back the input (uncompressed) or a record
		// that decodes to the same payload (zlib).
		again, err := serde.Encode(h.SchemaVersionID, h.Compression, payload)
		if err != nil {
			t.Fatal(err)
		}
		if h.Compression == serde.CompressionNone && !bytes.Equal(again, data) {
			t.Fatalf("re-encoded %x, want %x", again, data)
		}
		_, p2, err := serde.DecodeHeader(again)
		if err != nil || !bytes.Equal(p2, payload) {
			t.Fatalf("round trip: %x, %v; want %x", p2, err, payload)
		}
	})
}
