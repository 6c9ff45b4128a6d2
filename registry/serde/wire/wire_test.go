package wire_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// registry is a SchemaFetcher over a map that counts its calls.
type registry struct {
	mu      sync.Mutex
	schemas map[uuid.UUID][2]string // definition, format
	calls   int
	err     error
}

func (r *registry) fetch(_ context.Context, id uuid.UUID) (string, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return "", "", r.err
	}
	s, ok := r.schemas[id]
	if !ok {
		return "", "", &notFound{id: id}
	}
	return s[0], s[1], nil
}

func (r *registry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// notFound stands for a registry client's own error type.
type notFound struct{ id uuid.UUID }

func (e *notFound) Error() string { return "EntityNotFoundException: Schema version is not found." }

const (
	orderAvro  = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`
	orderJSON  = `{"type":"object","properties":{"id":{"type":"string"},"qty":{"type":"integer"}},"required":["id"]}`
	orderProto = "syntax = \"proto3\";\npackage shop;\nmessage Note { string text = 1; }\nmessage Order { string id = 1; int32 qty = 2; }\n"
)

func avroPayload(t *testing.T) []byte {
	t.Helper()
	s, err := hamba.Parse(orderAvro)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hamba.Marshal(s, map[string]any{"id": "o-1", "qty": 3})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// protoPayload is shop.Order{id: "o-1", qty: 3} after its message index
// (1: Note sorts before Order).
func protoPayload() []byte {
	b := protowire.AppendVarint(nil, 1)
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, "o-1")
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	return protowire.AppendVarint(b, 3)
}

func TestDeserializerFetchesWriterSchemas(t *testing.T) {
	t.Parallel()
	avroID, jsonID, protoID := uuid.New(), uuid.New(), uuid.New()
	reg := &registry{schemas: map[uuid.UUID][2]string{
		avroID:  {orderAvro, wire.FormatAvro},
		jsonID:  {orderJSON, wire.FormatJSON},
		protoID: {orderProto, wire.FormatProtobuf},
	}}
	tests := []struct {
		name        string
		id          uuid.UUID
		compression wire.Compression
		payload     []byte
		wantFormat  string
		wantMessage string
		wantJSON    string
	}{
		{name: "avro", id: avroID, payload: avroPayload(t), wantFormat: "AVRO", wantJSON: `{"id":"o-1","qty":3}`},
		{name: "avro zlib", id: avroID, compression: wire.CompressionZlib, payload: avroPayload(t), wantFormat: "AVRO", wantJSON: `{"id":"o-1","qty":3}`},
		{name: "json", id: jsonID, payload: []byte(`{"id":"o-1","qty":3}`), wantFormat: "JSON", wantJSON: `{"id":"o-1","qty":3}`},
		{name: "protobuf", id: protoID, payload: protoPayload(), wantFormat: "PROTOBUF", wantMessage: "shop.Order", wantJSON: `{"id":"o-1","qty":3}`},
	}
	d := wire.NewDeserializer(reg.fetch, wire.DeserializerConfig{ValidateJSON: true})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := wire.Encode(tc.id, tc.compression, tc.payload)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				rec, err := d.Decode(context.Background(), data)
				if err != nil {
					t.Fatal(err)
				}
				if rec.SchemaVersionID != tc.id || rec.DataFormat != tc.wantFormat || rec.MessageName != tc.wantMessage || rec.Compression != tc.compression {
					t.Fatalf("record %+v", rec)
				}
				got, err := rec.JSON()
				if err != nil {
					t.Fatal(err)
				}
				if canon(t, string(got)) != canon(t, tc.wantJSON) {
					t.Errorf("value %s, want %s", got, tc.wantJSON)
				}
				var into struct {
					ID  string `json:"id" avro:"id"`
					Qty int    `json:"qty" avro:"qty"`
				}
				if err := d.DecodeInto(context.Background(), data, "", &into); err != nil {
					t.Fatal(err)
				}
				if into.ID != "o-1" || into.Qty != 3 {
					t.Errorf("DecodeInto %+v", into)
				}
			}
		})
	}
	// Each writer schema was fetched once, whatever the number of decodes.
	if got := reg.count(); got != 3 {
		t.Errorf("fetched %d times, want 3", got)
	}
}

// canon is s re-marshalled, so that key order and spacing do not count.
func canon(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	known, unknown := uuid.New(), uuid.New()
	reg := &registry{schemas: map[uuid.UUID][2]string{known: {orderAvro, wire.FormatAvro}, uuid.Nil: {"{", "XML"}}}
	rec := func(id uuid.UUID, payload []byte) []byte {
		b, err := wire.Encode(id, wire.CompressionNone, payload)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name      string
		fetch     wire.SchemaFetcher
		data      []byte
		wantStage string
		wantText  string
		check     func(t *testing.T, err error)
	}{
		{name: "unknown version keeps the fetcher's error", fetch: reg.fetch, data: rec(unknown, avroPayload(t)), wantStage: "fetching the writer schema",
			wantText: "EntityNotFoundException", check: func(t *testing.T, err error) {
				var nf *notFound
				if !errors.As(err, &nf) || nf.id != unknown {
					t.Errorf("errors.As(%v, *notFound) = false", err)
				}
			}},
		{name: "no fetcher", data: rec(known, avroPayload(t)), wantStage: "fetching the writer schema", wantText: "no schema fetcher"},
		{name: "unsupported format", fetch: reg.fetch, data: rec(uuid.Nil, []byte("x")), wantStage: "parsing the writer schema", wantText: `unsupported data format "XML"`},
		{name: "truncated payload", fetch: reg.fetch, data: rec(known, avroPayload(t)[:2]), wantStage: "decoding the AVRO payload"},
		{name: "bad header", fetch: reg.fetch, data: []byte{2, 0}, wantText: "header version byte", check: func(t *testing.T, err error) {
			if !errors.Is(err, wire.ErrNotRegistryData) {
				t.Errorf("errors.Is(%v, ErrNotRegistryData) = false", err)
			}
		}},
		{name: "bad zlib", fetch: reg.fetch, data: append([]byte{3, 5}, append(known[:], 1, 2, 3)...), wantText: "not compressed properly", check: func(t *testing.T, err error) {
			var de *wire.DecompressionError
			if !errors.As(err, &de) || de.SchemaVersionID != known {
				t.Errorf("errors.As(%v, *DecompressionError) = false", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := wire.NewDeserializer(tc.fetch, wire.DeserializerConfig{}).Decode(context.Background(), tc.data)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantStage != "" {
				var de *wire.DecodeError
				if !errors.As(err, &de) || de.Stage != tc.wantStage {
					t.Errorf("error %v, want a *DecodeError at stage %q", err, tc.wantStage)
				}
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q, want it to contain %q", err, tc.wantText)
			}
			if tc.check != nil {
				tc.check(t, err)
			}
		})
	}
}

// TestStaleWriterSchemaCoversFetchFailures checks the cache: past its TTL
// a writer schema is fetched again, and kept while fetching fails.
func TestStaleWriterSchemaCoversFetchFailures(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	reg := &registry{schemas: map[uuid.UUID][2]string{id: {orderAvro, wire.FormatAvro}}}
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	d := wire.NewDeserializer(reg.fetch, wire.DeserializerConfig{CacheTTL: time.Minute, Now: clock})
	data, err := wire.Encode(id, wire.CompressionNone, avroPayload(t))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance   time.Duration
		failFetch bool
		wantCalls int
	}{
		{wantCalls: 1},
		{advance: 30 * time.Second, wantCalls: 1},
		{advance: time.Minute, failFetch: true, wantCalls: 2},
		{failFetch: true, wantCalls: 3},
		{wantCalls: 4},
		{wantCalls: 4},
	}
	for i, s := range steps {
		mu.Lock()
		now = now.Add(s.advance)
		mu.Unlock()
		reg.mu.Lock()
		reg.err = nil
		if s.failFetch {
			reg.err = errors.New("throttled")
		}
		reg.mu.Unlock()
		if _, err := d.Decode(context.Background(), data); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := reg.count(); got != s.wantCalls {
			t.Fatalf("step %d: %d fetches, want %d", i, got, s.wantCalls)
		}
	}
}

// TestNoAWSSDK keeps the package free of the AWS SDK, whose Glue client
// costs every program linking it 2 MB of package init.
func TestNoAWSSDK(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/evolvestack/evolvestack/registry/serde/wire").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for dep := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(dep, "github.com/aws/") {
			t.Errorf("registry/serde/wire depends on %s", dep)
		}
	}
}
