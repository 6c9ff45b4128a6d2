package serde_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde"
)

// The benchmarks measure the cached path: the registry is asked once,
// before the timer starts.

func benchSetup(b *testing.B) (*fakeGlue, *serde.Serializer, []byte) {
	b.Helper()
	fake := newFake(serde.FormatAvro)
	fake.add(uuid.MustParse("0a0b0c0d-0000-4000-8000-0000000000be"), userV1)
	s := mustSerializer(b, fake, serde.SerializerConfig{})
	data, err := s.Serialize(context.Background(), "bench", userV1, UserV1{"Ann", 30})
	if err != nil {
		b.Fatal(err)
	}
	return fake, s, data
}

func BenchmarkSerializeAvro(b *testing.B) {
	fake, s, _ := benchSetup(b)
	ctx := context.Background()
	v := UserV1{"Ann", 30}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Serialize(ctx, "bench", userV1, v); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := fake.count("GetSchemaByDefinition"); n != 1 {
		b.Fatalf("GetSchemaByDefinition calls %d", n)
	}
}

func BenchmarkDecodeAvro(b *testing.B) {
	fake, _, data := benchSetup(b)
	ctx := context.Background()
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.Decode(ctx, data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := fake.count("GetSchemaVersion"); n != 1 {
		b.Fatalf("GetSchemaVersion calls %d", n)
	}
}

func BenchmarkDecodeIntoAvroWithReader(b *testing.B) {
	fake, _, data := benchSetup(b)
	ctx := context.Background()
	d := serde.NewDeserializer(fake, serde.DeserializerConfig{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var u UserV2
		if err := d.DecodeInto(ctx, data, userV2, &u); err != nil {
			b.Fatal(err)
		}
	}
}
