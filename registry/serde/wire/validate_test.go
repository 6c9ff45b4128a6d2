package wire_test

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// richAvro has every kind of field a skipping decoder must walk.
const richAvro = `{"type":"record","name":"Rich","fields":[
 {"name":"s","type":"string"},{"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"b","type":"boolean"},
 {"name":"d","type":"double"},{"name":"f","type":"float"},{"name":"by","type":"bytes"},
 {"name":"u","type":["null","string"]},{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
 {"name":"a","type":{"type":"array","items":"int"}},{"name":"m","type":{"type":"map","values":"string"}},
 {"name":"fx","type":{"type":"fixed","name":"F","size":4}},
 {"name":"n","type":{"type":"record","name":"N","fields":[{"name":"x","type":"int"}]}}]}`

func richRecord(t testing.TB) []byte {
	t.Helper()
	b, err := hamba.Marshal(hamba.MustParse(richAvro), map[string]any{
		"s": "text", "i": 1, "l": int64(2), "b": true, "d": 1.5, "f": float32(2.5), "by": []byte{1, 2},
		"u": map[string]any{"string": "x"}, "e": "B", "a": []any{1, 2, 3}, "m": map[string]any{"k": "v"},
		"fx": [4]byte{1, 2, 3, 4}, "n": map[string]any{"x": 7},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// overlongUnionIndex is richNull with its union index, 0, written in six
// bytes: hamba's decoder reads at most five.
func overlongUnionIndex(t testing.TB) []byte {
	t.Helper()
	b := richNull(t)
	const at = 1 + 1 + 1 + 1 + 8 + 4 + 1 // s, i, l, b, d, f, by
	if b[at] != 0 {
		t.Fatalf("richNull's union index is %#x, want 0", b[at])
	}
	return append(append(b[:at:at], 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), b[at+1:]...)
}

// richNull is a rich record whose union takes its null branch.
func richNull(t testing.TB) []byte {
	t.Helper()
	b, err := hamba.Marshal(hamba.MustParse(richAvro), map[string]any{
		"s": "", "i": 0, "l": int64(0), "b": false, "d": 0.0, "f": float32(0), "by": []byte{},
		"u": nil, "e": "A", "a": []any{}, "m": map[string]any{}, "fx": [4]byte{}, "n": map[string]any{"x": 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestValidateAgreesWithDecode: Validate refuses the records Decode
// refuses, for every format and for damaged payloads, and also a record
// cut short (hamba's Unmarshal takes running out of bytes for the end).
func TestValidateAgreesWithDecode(t *testing.T) {
	t.Parallel()
	rich, order, js, pb, scalar, nulls := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	reg := &registry{schemas: map[uuid.UUID][2]string{
		rich: {richAvro, "AVRO"}, order: {orderAvro, "AVRO"}, js: {orderJSON, "JSON"}, pb: {orderProto, "PROTOBUF"},
		scalar: {`"string"`, "AVRO"},
		nulls:  {`{"type":"record","name":"N","fields":[{"name":"a","type":{"type":"array","items":"null"}}]}`, "AVRO"},
	}}
	// A block that claims 2^40 items (zigzag varint), each of zero bytes:
	// decoding must refuse it, not allocate them.
	huge := binary.AppendUvarint(nil, uint64(1)<<41)
	huge = append(huge, 0)
	d := wire.NewDeserializer(reg.fetch, wire.DeserializerConfig{ValidateJSON: true})
	frame := func(id uuid.UUID, payload []byte) []byte {
		b, err := wire.Encode(id, wire.CompressionNone, payload)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := richRecord(t)
	scalarOK, _ := hamba.Marshal(hamba.MustParse(`"string"`), "hi")
	cases := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"avro rich", frame(rich, good), true},
		{"avro rich truncated", frame(rich, good[:len(good)-3]), false},
		{"avro rich cut in the string", frame(rich, good[:3]), false},
		{"avro bad union index", frame(rich, append(append([]byte{}, good[:1+4+1+1+1+1+8+4+3]...), 0x08)), false},
		{"avro empty", frame(order, nil), false},
		{"avro order without its last field", frame(order, avroPayload(t)[:4]), false},
		{"avro order", frame(order, avroPayload(t)), true},
		{"avro negative string length", frame(order, []byte{0x03}), false},
		{"avro top-level string", frame(scalar, scalarOK), true},
		{"avro array of 2^40 nulls", frame(nulls, huge), false},
		{"avro array of 3 nulls", frame(nulls, []byte{0x06, 0x00}), true},
		{"avro union on its null branch", frame(rich, richNull(t)), true},
		{"avro union index in six bytes", frame(rich, overlongUnionIndex(t)), false},
		{"avro top-level string truncated", frame(scalar, scalarOK[:2]), false},
		{"json ok", frame(js, []byte(`{"id":"o","qty":1}`)), true},
		{"json missing required", frame(js, []byte(`{"qty":1}`)), false},
		{"json not json", frame(js, []byte(`{`)), false},
		{"protobuf ok", frame(pb, protoPayload()), true},
		{"protobuf bad index", frame(pb, []byte{0x09}), false},
		{"unknown version", frame(uuid.New(), []byte{0}), false},
		{"not framed", []byte(`{"id":"o"}`), false},
	}
	var memo wire.ValidateMemo // shared across cases: each switch of version must be noticed
	for _, c := range cases {
		_, derr := d.Decode(context.Background(), c.data)
		_, verr := d.Validate(context.Background(), c.data)
		if _, merr := d.ValidateWith(context.Background(), c.data, &memo); (merr == nil) != (verr == nil) {
			t.Errorf("%s: ValidateWith error %v, Validate error %v", c.name, merr, verr)
		}
		if (verr == nil) != c.ok || (derr != nil && verr == nil) || (c.ok && derr != nil) {
			t.Errorf("%s: Decode error %v, Validate error %v; want ok=%v", c.name, derr, verr, c.ok)
		}
	}
}

// FuzzValidateAgreesWithDecode checks Validate against Decode on damaged
// Avro records: the skipping decoder must not accept what decoding
// refuses.
func FuzzValidateAgreesWithDecode(f *testing.F) {
	f.Add(richRecord(f))
	f.Add(richNull(f))
	f.Add([]byte{})
	id := uuid.New()
	reg := &registry{schemas: map[uuid.UUID][2]string{id: {richAvro, "AVRO"}}}
	d := wire.NewDeserializer(reg.fetch, wire.DeserializerConfig{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		data, err := wire.Encode(id, wire.CompressionNone, payload)
		if err != nil {
			t.Skip()
		}
		_, derr := d.Decode(context.Background(), data)
		_, verr := d.Validate(context.Background(), data)
		if derr != nil && verr == nil {
			t.Fatalf("Decode refused the record (%v), Validate accepted it", derr)
		}
		// The other way round, Validate is stricter only where hamba's
		// Unmarshal is lax: a record cut short.
		if derr == nil && verr != nil && !strings.Contains(verr.Error(), "ends before the record does") {
			t.Fatalf("Validate refused a record Decode reads: %v", verr)
		}
	})
}

// BenchmarkValidateAvro measures Validate on a ~100-byte Avro record (the
// schema guard's cost per record), next to Decode.
func BenchmarkValidateAvro(b *testing.B) {
	id := uuid.New()
	reg := &registry{schemas: map[uuid.UUID][2]string{id: {richAvro, "AVRO"}}}
	d := wire.NewDeserializer(reg.fetch, wire.DeserializerConfig{})
	data, err := wire.Encode(id, wire.CompressionNone, richRecord(b))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, fn := range []struct {
		name string
		run  func() error
	}{
		{"Validate", func() error { _, err := d.Validate(ctx, data); return err }},
		{"Decode", func() error { _, err := d.Decode(ctx, data); return err }},
	} {
		b.Run(fn.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := fn.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
