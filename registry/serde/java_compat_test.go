package serde_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/evolvestack/evolvestack/registry/serde"
)

// Payloads as AWS's Java serde (aws-glue-schema-registry) writes them,
// made with JDK 17's java.util.zip.Deflater at its default level, as
// GlueSchemaRegistryCompressionHandler uses it.
const (
	// javaZlibOrder is javaOrderJSON() deflated: a dynamic-Huffman stream,
	// unlike the short vectors.
	javaZlibOrder = "789c95d14916c1401446e1adfce78d0dbc882e562352a410451aedb177b2843bbe77f67d2c5656e4d9c4621f1a2bacaf836e43dc9d54b6e971d13e3d751c9a6ba7740fadc67cdebe5faad241d38dc8ee6ccfd83e637bcef639db176c5fb27dc5f63564a2acd0d521ac435987b40e6d1de23ad475c8eb7f5ffbfe00a191546a"
	// javaProtoDeep is demo.B.A.D{d:"deep"}: the message index 2 as
	// CodedOutputStream.writeUInt32NoTag writes it, then the message.
	javaProtoDeep = "02" + "0a0464656570"
	// javaZlibProtoDeep is javaProtoDeep deflated (the index is
	// compressed with the message).
	javaZlibProtoDeep = "789c63e26249494d2d0000045e01af"
)

// javaOrderJSON is the JSON payload of the compressed vector: Jackson's
// compact output for an order with a long item.
func javaOrderJSON() string {
	var item strings.Builder
	for i := range 20 {
		fmt.Fprintf(&item, "the quick brown fox jumps over the lazy dog %d; ", i)
	}
	return `{"id":42,"item":"` + item.String() + `"}`
}

// javaFrame builds a record as SerializationDataEncoder.write does: the
// header version byte, the compression byte, the UUID's most and least
// significant bits as big-endian longs (parsed from the canonical text
// as java.util.UUID.fromString does), then the payload.
func javaFrame(t *testing.T, compression byte, id string, payloadHex string) []byte {
	t.Helper()
	digits := strings.ReplaceAll(id, "-", "")
	msb, err := strconv.ParseUint(digits[:16], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	lsb, err := strconv.ParseUint(digits[16:], 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	out := []byte{3, compression}
	out = binary.BigEndian.AppendUint64(out, msb)
	out = binary.BigEndian.AppendUint64(out, lsb)
	return append(out, unhex(t, payloadHex)...)
}

// TestDecodeJavaWrittenRecords decodes records framed and compressed as
// the Java serde does, with writer schemas registered in evolvestack.
func TestDecodeJavaWrittenRecords(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	ids := map[string]string{}
	for name, s := range map[string]struct {
		format types.DataFormat
		def    string
	}{
		"users":  {types.DataFormatAvro, userV1},
		"orders": {types.DataFormatJson, orderJSONSchema},
		"nested": {types.DataFormatProtobuf, nestedProto},
	} {
		out, err := c.CreateSchema(ctx, &glue.CreateSchemaInput{
			SchemaName: aws.String(name), DataFormat: s.format,
			Compatibility: types.CompatibilityBackward, SchemaDefinition: aws.String(s.def),
		})
		if err != nil {
			t.Fatalf("CreateSchema %s: %v", name, err)
		}
		ids[name] = aws.ToString(out.SchemaVersionId)
	}
	order := javaOrderJSON()
	tests := []struct {
		name        string
		schema      string
		compression byte
		payload     string
		wantFormat  string
		wantMessage string
		wantJSON    string
	}{
		{"avro", "users", 0, avroAnn30, "AVRO", "", `{"age":30,"name":"Ann"}`},
		{"avro zlib", "users", 5, javaZlibAnn30, "AVRO", "", `{"age":30,"name":"Ann"}`},
		{"json", "orders", 0, hex.EncodeToString([]byte(`{"id":7,"item":"pen"}`)), "JSON", "", `{"id":7,"item":"pen"}`},
		{"json zlib", "orders", 5, javaZlibOrder, "JSON", "", order},
		{"protobuf", "nested", 0, javaProtoDeep, "PROTOBUF", "demo.B.A.D", `{"d":"deep"}`},
		{"protobuf zlib", "nested", 5, javaZlibProtoDeep, "PROTOBUF", "demo.B.A.D", `{"d":"deep"}`},
	}
	d := serde.NewDeserializer(c, serde.DeserializerConfig{ValidateJSON: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := javaFrame(t, tt.compression, ids[tt.schema], tt.payload)
			rec, err := d.Decode(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			if rec.SchemaVersionID.String() != ids[tt.schema] || rec.DataFormat != tt.wantFormat ||
				rec.MessageName != tt.wantMessage || byte(rec.Compression) != tt.compression {
				t.Fatalf("record %s %s %q compression %s", rec.SchemaVersionID, rec.DataFormat, rec.MessageName, rec.Compression)
			}
			j, err := rec.JSON()
			if err != nil || string(j) != tt.wantJSON {
				t.Fatalf("JSON %s, %v; want %s", j, err, tt.wantJSON)
			}
		})
	}
	// A consumer holding a newer reader schema reads the Java record.
	var u UserV2
	if err := d.DecodeInto(ctx, javaFrame(t, 5, ids["users"], javaZlibAnn30), userV2, &u); err != nil || u.Name != "Ann" || u.Age != 30 || u.Email != nil {
		t.Fatalf("DecodeInto v2: %+v, %v", u, err)
	}
}

// manyMessagesProto declares n top-level messages M000..M(n-1): their
// sorted positions are their numbers.
func manyMessagesProto(n int) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage many;\n")
	for i := range n {
		fmt.Fprintf(&b, "message M%03d { int32 v = 1; }\n", i)
	}
	return b.String()
}

// TestProtobufMultiByteMessageIndex checks message indexes of 128 and more,
// which writeUInt32NoTag writes as a two-byte varint.
func TestProtobufMultiByteMessageIndex(t *testing.T) {
	t.Parallel()
	def := manyMessagesProto(131)
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-000000000131")
	fake := newFake(serde.FormatProtobuf)
	fake.add(id, def)
	s := mustSerializer(t, fake, serde.SerializerConfig{DataFormat: serde.FormatProtobuf})
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{})
	tests := []struct {
		name     protoreflect.FullName
		indexHex string
	}{
		{"many.M000", "00"},
		{"many.M127", "7f"},
		{"many.M128", "8001"},
		{"many.M130", "8201"},
	}
	for _, tt := range tests {
		t.Run(string(tt.name), func(t *testing.T) {
			t.Parallel()
			m := dynamicpb.NewMessage(protoDescriptor(t, def, tt.name))
			m.Set(m.Descriptor().Fields().ByName("v"), protoreflect.ValueOfInt32(5))
			data, err := s.Serialize(context.Background(), "many", def, m)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.indexHex + "0805"
			if got := hex.EncodeToString(data[serde.HeaderSize:]); got != want {
				t.Fatalf("payload %s, want %s", got, want)
			}
			rec, err := d.Decode(context.Background(), javaFrame(t, 0, id.String(), want))
			if err != nil {
				t.Fatal(err)
			}
			if rec.MessageName != string(tt.name) {
				t.Fatalf("decoded %s", rec.MessageName)
			}
		})
	}
	// Past the last message: the Java library's message.
	data := javaFrame(t, 0, id.String(), hex.EncodeToString(protowire.AppendVarint(nil, 131))+"0805")
	if _, err := d.Decode(context.Background(), data); err == nil || !strings.Contains(err.Error(), "No corresponding descriptor found for the index: 131") {
		t.Fatalf("index 131: %v", err)
	}
}
