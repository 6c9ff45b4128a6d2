package serde_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/uuid"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/registry/serde"
)

func TestRoundTripAllFormats(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	dyn := dynamicpb.NewMessage(protoDescriptor(t, nestedProto, "demo.B.A.D"))
	dyn.Set(dyn.Descriptor().Fields().ByName("d"), protoreflect.ValueOfString("deep"))
	tests := []struct {
		name     string
		format   string
		def      string
		value    any
		wantJSON string
	}{
		{"avro map", serde.FormatAvro, userV1, map[string]any{"name": "Ann", "age": 30}, `{"age":30,"name":"Ann"}`},
		{"avro struct", serde.FormatAvro, userV1, UserV1{"Bob", 41}, `{"age":41,"name":"Bob"}`},
		{"json value", serde.FormatJSON, orderJSONSchema, map[string]any{"id": 7, "item": "pen"}, `{"id":7,"item":"pen"}`},
		{"json raw", serde.FormatJSON, orderJSONSchema, []byte(`{"id":8}`), `{"id":8}`},
		{"protobuf", serde.FormatProtobuf, nestedProto, dyn, `{"d":"deep"}`},
	}
	for _, tt := range tests {
		for _, comp := range []serde.Compression{serde.CompressionNone, serde.CompressionZlib} {
			t.Run(fmt.Sprintf("%s/%s", tt.name, comp), func(t *testing.T) {
				t.Parallel()
				transport := strings.ReplaceAll(fmt.Sprintf("rt-%s-%s", tt.name, comp), " ", "-")
				s := mustSerializer(t, c, serde.SerializerConfig{DataFormat: tt.format, AutoRegister: true, Compression: comp})
				data, err := s.Serialize(ctx, transport, tt.def, tt.value)
				if err != nil {
					t.Fatal(err)
				}
				if data[0] != 3 || serde.Compression(data[1]) != comp {
					t.Fatalf("header % x", data[:2])
				}
				rec, err := serde.NewDeserializer(c, serde.DeserializerConfig{ValidateJSON: true}).Decode(ctx, data)
				if err != nil {
					t.Fatal(err)
				}
				if rec.DataFormat != tt.format || rec.Definition != tt.def {
					t.Errorf("format %s definition %s", rec.DataFormat, rec.Definition)
				}
				j, err := rec.JSON()
				if err != nil || string(j) != tt.wantJSON {
					t.Fatalf("JSON %s, %v; want %s", j, err, tt.wantJSON)
				}
			})
		}
	}
}

func TestAutoRegistrationCreatesSchema(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	s := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true, Metadata: map[string]string{"team": "payments"}, Description: "users stream"})
	data, err := s.Serialize(ctx, "user-events", userV1, UserV1{"Ann", 30})
	if err != nil {
		t.Fatal(err)
	}
	h, err := serde.ParseHeader(data)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := c.GetSchema(ctx, &glue.GetSchemaInput{SchemaId: &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("user-events")}})
	if err != nil {
		t.Fatalf("schema not created: %v", err)
	}
	if sc.Compatibility != types.CompatibilityBackward || sc.DataFormat != types.DataFormatAvro || aws.ToString(sc.Description) != "users stream" {
		t.Errorf("schema %s %s %q", sc.Compatibility, sc.DataFormat, aws.ToString(sc.Description))
	}
	v, err := c.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(h.SchemaVersionID.String())})
	if err != nil || v.Status != types.SchemaVersionStatusAvailable || aws.ToInt64(v.VersionNumber) != 1 {
		t.Fatalf("version %+v, %v", v, err)
	}
	md, err := c.QuerySchemaVersionMetadata(ctx, &glue.QuerySchemaVersionMetadataInput{SchemaVersionId: aws.String(h.SchemaVersionID.String())})
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{serde.TransportMetadataKey: "user-events", "team": "payments"} {
		if got := md.MetadataInfoMap[k]; aws.ToString(got.MetadataValue) != want {
			t.Errorf("metadata %s = %q, want %q", k, aws.ToString(got.MetadataValue), want)
		}
	}
	if n := c.count("CreateSchema"); n != 1 {
		t.Errorf("CreateSchema calls %d", n)
	}
	// A fresh serializer finds the version by definition: nothing new.
	s2 := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true})
	data2, err := s2.Serialize(ctx, "user-events", userV1, UserV1{"Ann", 30})
	if err != nil || string(data2) != string(data) {
		t.Fatalf("second producer: % x, %v", data2, err)
	}
	if c.count("CreateSchema") != 1 || c.count("RegisterSchemaVersion") != 0 {
		t.Errorf("calls %v", c.calls)
	}
}

func TestEvolutionBackward(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	s := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true})
	v1, err := s.Serialize(ctx, "users", userV1, UserV1{"Ann", 30})
	if err != nil {
		t.Fatal(err)
	}
	email := "bob@example.com"
	v2, err := s.Serialize(ctx, "users", userV2, UserV2{Name: "Bob", Age: 41, Email: &email})
	if err != nil {
		t.Fatalf("v2 (BACKWARD compatible) refused: %v", err)
	}
	h1, _ := serde.ParseHeader(v1)
	h2, _ := serde.ParseHeader(v2)
	if h1.SchemaVersionID == h2.SchemaVersionID {
		t.Fatal("v1 and v2 share a version id")
	}
	d := serde.NewDeserializer(c, serde.DeserializerConfig{})
	tests := []struct {
		name string
		data []byte
		want UserV2
	}{
		{"v1 record", v1, UserV2{Name: "Ann", Age: 30}},
		{"v2 record", v2, UserV2{Name: "Bob", Age: 41, Email: &email}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got UserV2
			if err := d.DecodeInto(ctx, tt.data, userV2, &got); err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.want.Name || got.Age != tt.want.Age || (got.Email == nil) != (tt.want.Email == nil) ||
				(got.Email != nil && *got.Email != *tt.want.Email) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			var m map[string]any
			if err := d.DecodeInto(ctx, tt.data, userV2, &m); err != nil {
				t.Fatal(err)
			}
			if _, ok := m["email"]; !ok || m["name"] != tt.want.Name {
				t.Fatalf("map %v", m)
			}
		})
	}
}

func TestEvolutionForward(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	s := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true, Compatibility: types.CompatibilityForward})
	v1, err := s.Serialize(ctx, "fwd", userV1, UserV1{"Ann", 30})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Serialize(ctx, "fwd", userV2Required, UserV2Required{"Bob", 41, "bob@example.com"})
	if err != nil {
		t.Fatalf("v2 (FORWARD compatible) refused: %v", err)
	}
	sc, err := c.GetSchema(ctx, &glue.GetSchemaInput{SchemaId: &types.SchemaId{RegistryName: aws.String("default-registry"), SchemaName: aws.String("fwd")}})
	if err != nil || sc.Compatibility != types.CompatibilityForward {
		t.Fatalf("schema %+v, %v", sc, err)
	}
	d := serde.NewDeserializer(c, serde.DeserializerConfig{})
	for name, tt := range map[string]struct {
		data []byte
		want UserV1
	}{"v1 record": {v1, UserV1{"Ann", 30}}, "v2 record": {v2, UserV1{"Bob", 41}}} {
		var got UserV1
		if err := d.DecodeInto(ctx, tt.data, userV1, &got); err != nil || got != tt.want {
			t.Errorf("%s: %+v, %v", name, got, err)
		}
	}
	// The v1 consumer cannot be the v2 one: v1 records lack email.
	var u UserV2Required
	if err := d.DecodeInto(ctx, v1, userV2Required, &u); err == nil {
		t.Errorf("v2-required reader decoded a v1 record: %+v", u)
	}
}

func TestIncompatibleVersionIsRefused(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	s := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true})
	if _, err := s.Serialize(ctx, "strict", userV1, UserV1{"Ann", 30}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Serialize(ctx, "strict", userV2Required, UserV2Required{"Bob", 41, "b@x"})
	var ie *serde.IncompatibleSchemaError
	if !errors.As(err, &ie) {
		t.Fatalf("err %v (%T), want *IncompatibleSchemaError", err, err)
	}
	if ie.Status != "FAILURE" || ie.SchemaVersionID == uuid.Nil || ie.SchemaName != "strict" || ie.VersionNumber != 2 {
		t.Errorf("error %+v", ie)
	}
	if len(ie.Findings) == 0 {
		t.Fatal("no findings from the admin endpoint")
	}
	f := ie.Findings[0]
	if f.Rule == "" || !strings.Contains(f.Path+f.Message, "email") || f.Direction == "" {
		t.Errorf("finding %+v", f)
	}
	if !strings.Contains(err.Error(), "FAILURE") || !strings.Contains(err.Error(), ie.SchemaVersionID.String()) {
		t.Errorf("message %q", err)
	}
	// The refused definition stays refused (found by definition, FAILURE).
	_, err = mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true}).Serialize(ctx, "strict", userV2Required, UserV2Required{"Bob", 41, "b@x"})
	if !errors.As(err, &ie) {
		t.Fatalf("again: %v", err)
	}
}

func TestAutoRegistrationOff(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	on := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true})
	if _, err := on.Serialize(ctx, "known", userV1, UserV1{"Ann", 30}); err != nil {
		t.Fatal(err)
	}
	off := mustSerializer(t, c, serde.SerializerConfig{})
	tests := []struct {
		name, transport, def, wantMsg string
		value                         any
	}{
		{"missing schema", "unknown", userV1, "Schema is not found.", UserV1{"Ann", 30}},
		{"missing version", "known", userV2, "Schema version is not found.", UserV2{Name: "Ann"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := off.Serialize(ctx, tt.transport, tt.def, tt.value)
			var ae *serde.AutoRegistrationDisabledError
			if !errors.As(err, &ae) || ae.SchemaName != tt.transport || ae.RegistryName != "default-registry" {
				t.Fatalf("err %v", err)
			}
			if !strings.Contains(err.Error(), "Auto registration of schema is not enabled") || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("message %q", err)
			}
		})
	}
	if _, err := off.Serialize(ctx, "known", userV1, UserV1{"Ann", 30}); err != nil {
		t.Errorf("registered definition: %v", err)
	}
	if c.count("CreateSchema")+c.count("RegisterSchemaVersion") != 1 {
		t.Errorf("off serializer registered something: %v", c.calls)
	}
}

func TestCaching(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	s := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true, CacheTTL: time.Minute, Now: clk})
	d := serde.NewDeserializer(c, serde.DeserializerConfig{CacheTTL: time.Minute, Now: clk})
	var records [][]byte
	for i := range 5 {
		b, err := s.Serialize(ctx, "cached", userV1, UserV1{"N", i})
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, b)
	}
	for _, r := range records {
		if _, err := d.Decode(ctx, r); err != nil {
			t.Fatal(err)
		}
		var u UserV2
		if err := d.DecodeInto(ctx, r, userV2, &u); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name                  string
		byDefinition, version int
	}{{"after 5 records", 1, 1}}
	check := func(name string, byDef, ver int) {
		t.Helper()
		if got := c.count("GetSchemaByDefinition"); got != byDef {
			t.Errorf("%s: GetSchemaByDefinition calls %d, want %d", name, got, byDef)
		}
		if got := c.count("GetSchemaVersion"); got != ver {
			t.Errorf("%s: GetSchemaVersion calls %d, want %d", name, got, ver)
		}
	}
	for _, st := range steps {
		check(st.name, st.byDefinition, st.version)
	}
	// After the TTL each cache asks once more.
	advance(2 * time.Minute)
	if _, err := s.Serialize(ctx, "cached", userV1, UserV1{"N", 9}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode(ctx, records[0]); err != nil {
		t.Fatal(err)
	}
	check("after the TTL", 2, 2)
	// Size 1: two ids evict each other.
	small := serde.NewDeserializer(c, serde.DeserializerConfig{CacheSize: 1})
	v2, err := s.Serialize(ctx, "cached", userV2, UserV2{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	base := c.count("GetSchemaVersion")
	for _, r := range [][]byte{records[0], records[1], v2, records[0]} {
		if _, err := small.Decode(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.count("GetSchemaVersion") - base; got != 3 {
		t.Errorf("size-1 cache: %d GetSchemaVersion calls, want 3", got)
	}
}

func TestPendingVersionIsAwaited(t *testing.T) {
	t.Parallel()
	clk := clock.New(clock.WithScale(0))
	c, e := startGlue(t, emulator.WithClock(clk))
	e.Glue().Registry().SetTimings(10*time.Second, 0)
	ctx := context.Background()
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return clk.Advance(d)
	}
	s := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true, Sleep: sleep, PollInterval: time.Second})
	if _, err := s.Serialize(ctx, "slow", userV1, UserV1{"Ann", 30}); err != nil {
		t.Fatal(err)
	}
	slept = nil
	data, err := s.Serialize(ctx, "slow", userV2, UserV2{Name: "Bob"})
	if err != nil {
		t.Fatalf("pending v2: %v", err)
	}
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}
	if fmt.Sprint(slept) != fmt.Sprint(want) {
		t.Errorf("slept %v, want %v", slept, want)
	}
	if _, err := serde.NewDeserializer(c, serde.DeserializerConfig{}).Decode(ctx, data); err != nil {
		t.Fatal(err)
	}
	// A pending version that ends in FAILURE; then one that never settles
	// within the attempts.
	slept = nil
	_, err = s.Serialize(ctx, "slow", userV2Required, UserV2Required{"Bob", 1, "x"})
	var ie *serde.IncompatibleSchemaError
	if !errors.As(err, &ie) || len(ie.Findings) == 0 {
		t.Fatalf("pending failure: %v", err)
	}
	// (A schema's first version is AVAILABLE at once: a new version of an
	// existing schema is what waits.)
	few := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true, Sleep: sleep, PollAttempts: 2, PollInterval: time.Second})
	slept = nil
	v3 := strings.Replace(userV2, `]}`, `,{"name":"phone","type":["null","string"],"default":null}]}`, 1)
	_, err = few.Serialize(ctx, "slow", v3, map[string]any{"name": "Cy", "age": 3, "email": nil, "phone": nil})
	if err == nil || !strings.Contains(err.Error(), "Retries exhausted") {
		t.Fatalf("exhausted: %v", err)
	}
	if fmt.Sprint(slept) != fmt.Sprint([]time.Duration{time.Second, 2 * time.Second}) {
		t.Errorf("slept %v", slept)
	}
	// A new schema's first version needs no wait.
	slept = nil
	if _, err := few.Serialize(ctx, "other", userV1, UserV1{}); err != nil || len(slept) != 0 {
		t.Fatalf("first version: %v (slept %v)", err, slept)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	c, _ := startGlue(t)
	ctx := context.Background()
	s := mustSerializer(t, c, serde.SerializerConfig{AutoRegister: true, Compression: serde.CompressionZlib})
	d := serde.NewDeserializer(c, serde.DeserializerConfig{})
	// Warm both caches first: the goroutines then share cached entries
	// (concurrent misses are covered offline in TestConcurrentMisses; here
	// concurrent HTTP dials would leave idle connections that hold up the
	// emulator's shutdown).
	first, err := s.Serialize(ctx, "par", userV1, UserV1{})
	if err != nil {
		t.Fatal(err)
	}
	var warm UserV2
	if err := d.DecodeInto(ctx, first, userV2, &warm); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				b, err := s.Serialize(ctx, "par", userV1, UserV1{fmt.Sprint(g), i})
				if err != nil {
					errs <- err
					return
				}
				var u UserV2
				if err := d.DecodeInto(ctx, b, userV2, &u); err != nil || u.Age != i || u.Name != fmt.Sprint(g) {
					errs <- fmt.Errorf("decoded %+v: %v", u, err)
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
	if n, m := c.count("GetSchemaVersion"), c.count("GetSchemaByDefinition"); n != 1 || m != 1 {
		t.Errorf("GetSchemaVersion calls %d, GetSchemaByDefinition calls %d; want 1 and 1", n, m)
	}
}
