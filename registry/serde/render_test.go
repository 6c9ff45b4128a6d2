package serde_test

import (
	"context"
	"math"
	"math/big"
	"testing"

	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/serde"
)

const pricedSchema = `{"type":"record","name":"Priced","fields":[
 {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
 {"name":"ratio","type":"double"},
 {"name":"f","type":"float"},
 {"name":"history","type":{"type":"array","items":{"type":"bytes","logicalType":"decimal","precision":9,"scale":3}}},
 {"name":"tags","type":{"type":"map","values":"double"}}
]}`

// TestRecordJSONRendersAvroValues: decimals print as exact decimal
// numbers and non-finite floats as protojson's strings, where plain
// encoding/json would print "n/d" fractions or fail.
func TestRecordJSONRendersAvroValues(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-0000000000d1")
	fake := newFake(serde.FormatAvro)
	fake.add(id, pricedSchema)
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{})
	s := hamba.MustParse(pricedSchema)
	tests := []struct {
		name  string
		value map[string]any
		want  string
	}{
		{"finite", map[string]any{
			"price": big.NewRat(12345, 100), "ratio": 0.5, "f": float32(1.5),
			"history": []any{big.NewRat(-1, 1000), big.NewRat(7, 1)}, "tags": map[string]any{"a": 2.25},
		}, `{"f":1.5,"history":[-0.001,7],"price":123.45,"ratio":0.5,"tags":{"a":2.25}}`},
		{"non-finite", map[string]any{
			"price": big.NewRat(0, 1), "ratio": math.NaN(), "f": float32(math.Inf(-1)),
			"history": []any{}, "tags": map[string]any{"x": math.Inf(1)},
		}, `{"f":"-Infinity","history":[],"price":0,"ratio":"NaN","tags":{"x":"Infinity"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			payload, err := hamba.Marshal(s, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := serde.Encode(id, serde.CompressionNone, payload)
			rec, err := d.Decode(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			j, err := rec.JSON()
			if err != nil || string(j) != tt.want {
				t.Fatalf("JSON %s, %v\nwant %s", j, err, tt.want)
			}
		})
	}
}
