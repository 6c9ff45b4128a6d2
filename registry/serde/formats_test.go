package serde_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	cproto "github.com/evolvestack/evolvestack/registry/compat/protobuf"
	"github.com/evolvestack/evolvestack/registry/serde"
)

// nestedProto is the Java MessageIndexFinder's example (B{C, A{D}}) in a
// package, plus a map field whose entry type is a nested message too.
const nestedProto = `syntax = "proto3";
package demo;
message B {
  message C { string c = 1; }
  message A {
    message D { string d = 1; }
    D d = 1;
  }
  A a = 1;
}
message Z { map<string, int32> m = 1; string z = 2; }
`

func protoDescriptor(t testing.TB, def string, name protoreflect.FullName) protoreflect.MessageDescriptor {
	t.Helper()
	s, err := cproto.New().Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	fd := s.(*cproto.Schema).File()
	var find func(protoreflect.MessageDescriptors) protoreflect.MessageDescriptor
	find = func(ms protoreflect.MessageDescriptors) protoreflect.MessageDescriptor {
		for i := 0; i < ms.Len(); i++ {
			if ms.Get(i).FullName() == name {
				return ms.Get(i)
			}
			if m := find(ms.Get(i).Messages()); m != nil {
				return m
			}
		}
		return nil
	}
	md := find(fd.Messages())
	if md == nil {
		t.Fatalf("no message %s", name)
	}
	return md
}

func TestProtobufMessageIndex(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-000000000001")
	tests := []struct {
		name  protoreflect.FullName
		index uint64
		field protoreflect.Name
	}{
		{"demo.B", 0, ""},
		{"demo.B.A", 1, ""},
		{"demo.B.A.D", 2, "d"},
		{"demo.B.C", 3, "c"},
		{"demo.Z", 4, "z"},
		{"demo.Z.MEntry", 5, "key"},
	}
	fake := newFake(serde.FormatProtobuf)
	fake.add(id, nestedProto)
	s := mustSerializer(t, fake, serde.SerializerConfig{DataFormat: "protobuf"})
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{})
	for _, tt := range tests {
		t.Run(string(tt.name), func(t *testing.T) {
			t.Parallel()
			m := dynamicpb.NewMessage(protoDescriptor(t, nestedProto, tt.name))
			if tt.field != "" {
				m.Set(m.Descriptor().Fields().ByName(tt.field), protoreflect.ValueOfString("v"))
			}
			data, err := s.Serialize(context.Background(), "t", nestedProto, m)
			if err != nil {
				t.Fatal(err)
			}
			body, err := proto.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			want := append(protowire.AppendVarint(nil, tt.index), body...)
			if got := data[serde.HeaderSize:]; string(got) != string(want) {
				t.Fatalf("payload %x, want %x", got, want)
			}
			rec, err := d.Decode(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			again, err := proto.Marshal(rec.Value.(proto.Message))
			if err != nil || rec.MessageName != string(tt.name) || string(again) != string(body) {
				t.Fatalf("decoded %s %v", rec.MessageName, rec.Value)
			}
		})
	}
}

func TestProtobufErrors(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-000000000002")
	fake := newFake(serde.FormatProtobuf)
	fake.add(id, nestedProto)
	s := mustSerializer(t, fake, serde.SerializerConfig{DataFormat: serde.FormatProtobuf})
	other := dynamicpb.NewMessage(protoDescriptor(t, "syntax = \"proto3\";\npackage other;\nmessage X { string x = 1; }\n", "other.X"))
	if _, err := s.Serialize(context.Background(), "t", nestedProto, other); err == nil || !strings.Contains(err.Error(), "Provided descriptor is not present in the schema: other.X") {
		t.Errorf("foreign message: %v", err)
	}
	if _, err := s.Serialize(context.Background(), "t", nestedProto, map[string]any{}); err == nil || !strings.Contains(err.Error(), "not a proto.Message") {
		t.Errorf("map value: %v", err)
	}
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{})
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"index out of range", []byte{9}, "No corresponding descriptor found for the index: 9"},
		{"truncated varint", []byte{0x80}, "message index"},
		{"bad message bytes", []byte{2, 0x0a, 0x05}, "decoding the PROTOBUF payload"},
	}
	for _, tt := range tests {
		data, _ := serde.Encode(id, serde.CompressionNone, tt.payload)
		_, err := d.Decode(context.Background(), data)
		var de *serde.DecodeError
		if !errors.As(err, &de) || de.SchemaVersionID != id || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), id.String()) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

const orderJSONSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"id":{"type":"integer"},"item":{"type":"string"}},"required":["id"]}`

func TestJSONFormat(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-000000000003")
	fake := newFake(serde.FormatJSON)
	fake.add(id, orderJSONSchema)
	s := mustSerializer(t, fake, serde.SerializerConfig{DataFormat: serde.FormatJSON})
	ctx := context.Background()
	type order struct {
		ID   int64  `json:"id"`
		Item string `json:"item,omitempty"`
	}
	tests := []struct {
		name    string
		value   any
		payload string
		wantErr string
	}{
		{"struct", order{ID: 12345678901234567, Item: "pen"}, `{"id":12345678901234567,"item":"pen"}`, ""},
		{"raw bytes", []byte(`{"id": 2}`), `{"id": 2}`, ""},
		{"raw message", json.RawMessage(`{"id":3,"item":"x"}`), `{"id":3,"item":"x"}`, ""},
		{"missing required", map[string]any{"item": "x"}, "", "does not conform"},
		{"not JSON", []byte(`{"id":`), "", "not valid JSON"},
	}
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{ValidateJSON: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := s.Serialize(ctx, "orders", orderJSONSchema, tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(data[serde.HeaderSize:]) != tt.payload {
				t.Fatalf("payload %s", data[serde.HeaderSize:])
			}
			rec, err := d.Decode(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			j, err := rec.JSON()
			if err != nil || string(j) != tt.payload {
				t.Fatalf("JSON %s, %v", j, err)
			}
			if m, ok := rec.Value.(map[string]any); !ok || m["id"] == nil {
				t.Fatalf("value %#v", rec.Value)
			}
			var o order
			if err := d.DecodeInto(ctx, data, orderJSONSchema, &o); err != nil || o.ID == 0 {
				t.Fatalf("DecodeInto %+v, %v", o, err)
			}
		})
	}
	// A reader schema the record does not satisfy.
	data, err := s.Serialize(ctx, "orders", orderJSONSchema, order{ID: 1})
	if err != nil {
		t.Fatal(err)
	}
	strict := `{"type":"object","required":["id","item"]}`
	var o order
	err = d.DecodeInto(ctx, data, strict, &o)
	var de *serde.DecodeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "reader schema") || de.SchemaVersionID != id {
		t.Errorf("strict reader: %v", err)
	}
	// A writer-invalid payload (written raw) fails validation on decode.
	bad, _ := serde.Encode(id, serde.CompressionNone, []byte(`{"item":"x"}`))
	if _, err := d.Decode(ctx, bad); err == nil || !strings.Contains(err.Error(), "writer schema") {
		t.Errorf("invalid payload decoded: %v", err)
	}
	if _, err := serde.NewDeserializer(fake, serde.DeserializerConfig{}).Decode(ctx, bad); err != nil {
		t.Errorf("without validation: %v", err)
	}
}

func TestSecondaryDecoder(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-000000000004")
	fake := newFake(serde.FormatAvro)
	fake.add(id, userV1)
	ctx := context.Background()
	tests := []struct {
		name      string
		secondary serde.SecondaryDecoder
		data      string
		wantJSON  string
		wantErr   func(error) bool
	}{
		{"plain JSON", serde.PlainJSON, `{"name":"Bo","age":7}`, `{"name":"Bo","age":7}`, nil},
		{"no secondary", nil, `{"name":"Bo"}`, "", func(err error) bool { var e *serde.HeaderVersionError; return errors.As(err, &e) && e.Version == '{' }},
		{"secondary fails", serde.PlainJSON, `{"name":`, "", func(err error) bool { return strings.Contains(err.Error(), "secondary decoder") }},
		{"custom", func(_ context.Context, data []byte) (*serde.Record, error) {
			return &serde.Record{DataFormat: "TEXT", Value: strings.ToUpper(string(data))}, nil
		}, "hello", `"HELLO"`, nil},
		{"header byte still goes to Glue", serde.PlainJSON, "\x03\x09short", "", func(err error) bool { var e *serde.ShortDataError; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := serde.NewDeserializer(fake, serde.DeserializerConfig{Secondary: tt.secondary})
			rec, err := d.Decode(ctx, []byte(tt.data))
			if tt.wantErr != nil {
				if err == nil || !tt.wantErr(err) {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.SchemaVersionID != uuid.Nil {
				t.Errorf("id %s", rec.SchemaVersionID)
			}
			j, err := rec.JSON()
			if err != nil || string(j) != tt.wantJSON {
				t.Fatalf("JSON %s, %v", j, err)
			}
		})
	}
	// DecodeInto goes through the JSON form; Glue records still work.
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{Secondary: serde.PlainJSON})
	var u UserV1
	if err := d.DecodeInto(ctx, []byte(`{"name":"Bo","age":7}`), "", &u); err != nil || u != (UserV1{"Bo", 7}) {
		t.Fatalf("plain into struct: %+v %v", u, err)
	}
	s := mustSerializer(t, fake, serde.SerializerConfig{})
	data, err := s.Serialize(ctx, "users", userV1, UserV1{"Cy", 9})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.DecodeInto(ctx, data, "", &u); err != nil || u != (UserV1{"Cy", 9}) {
		t.Fatalf("glue into struct: %+v %v", u, err)
	}
}

func TestDecodeErrorsNameTheVersion(t *testing.T) {
	t.Parallel()
	known := uuid.MustParse("0a0b0c0d-0000-4000-8000-000000000005")
	unknown := uuid.MustParse("0a0b0c0d-0000-4000-8000-000000000006")
	fake := newFake(serde.FormatAvro)
	fake.add(known, userV1)
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{})
	ctx := context.Background()
	tests := []struct {
		name   string
		id     uuid.UUID
		body   []byte
		reader string
		stage  string
	}{
		{"unknown version", unknown, []byte{0}, "", "fetching the writer schema"},
		{"truncated avro", known, []byte{0x06, 'A'}, "", "decoding the AVRO payload"},
		{"bad reader schema", known, []byte{0x06, 'A', 'n', 'n', 0x3c}, `{"type":"nope"}`, "parsing the reader schema"},
		{"incompatible reader", known, []byte{0x06, 'A', 'n', 'n', 0x3c}, userV2Required, "resolving the reader schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, _ := serde.Encode(tt.id, serde.CompressionNone, tt.body)
			var err error
			if tt.reader == "" {
				_, err = d.Decode(ctx, data)
			} else {
				var m map[string]any
				err = d.DecodeInto(ctx, data, tt.reader, &m)
			}
			var de *serde.DecodeError
			if !errors.As(err, &de) || de.SchemaVersionID != tt.id || de.Stage[:len(tt.stage)] != tt.stage {
				t.Fatalf("err %v", err)
			}
			if !strings.Contains(err.Error(), tt.id.String()) {
				t.Errorf("error %q does not name %s", err, tt.id)
			}
		})
	}
}

func TestConcurrentMisses(t *testing.T) {
	t.Parallel()
	fake := newFake(serde.FormatAvro)
	ctx := context.Background()
	var ids []uuid.UUID
	for i := range 4 {
		id := uuid.New()
		def := strings.Replace(userV1, `"User"`, `"User`+string(rune('A'+i))+`"`, 1)
		fake.add(id, def)
		ids = append(ids, id)
	}
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{CacheSize: 2})
	payload := []byte{0x06, 'A', 'n', 'n', 0x3c}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				id := ids[(g+i)%len(ids)]
				data, _ := serde.Encode(id, serde.Compression((i%2)*5), payload)
				rec, err := d.Decode(ctx, data)
				if err != nil {
					errs <- err
					return
				}
				if rec.SchemaVersionID != id || rec.Value.(map[string]any)["name"] != "Ann" {
					errs <- fmt.Errorf("decoded %v as %+v", id, rec)
					return
				}
				var u UserV1
				if err := d.DecodeInto(ctx, data, "", &u); err != nil || u != (UserV1{"Ann", 30}) {
					errs <- fmt.Errorf("DecodeInto %+v: %v", u, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
