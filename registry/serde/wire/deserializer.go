package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/evolvestack/evolvestack/registry/serde/internal/cache"
	"github.com/evolvestack/evolvestack/registry/serde/internal/codec"
)

// SchemaFetcher returns the definition and data format (AVRO, JSON or
// PROTOBUF) of schema version id, as Glue's GetSchemaVersion reports
// them. Its errors are wrapped in a *DecodeError, so callers can still
// match the registry's error types with errors.As.
type SchemaFetcher func(ctx context.Context, id uuid.UUID) (definition, dataFormat string, err error)

// SecondaryDecoder decodes records that do not start with the Glue header
// version byte (plain JSON, another registry's framing, ...).
type SecondaryDecoder func(ctx context.Context, data []byte) (*Record, error)

// PlainJSON is a SecondaryDecoder for undecorated JSON records: the
// Record has a nil SchemaVersionID, DataFormat JSON and no definition.
func PlainJSON(_ context.Context, data []byte) (*Record, error) {
	v, err := codec.DecodeJSONValue(data)
	if err != nil {
		return nil, fmt.Errorf("serde: plain JSON record: %w", err)
	}
	return &Record{DataFormat: FormatJSON, Value: v, raw: data}, nil
}

// DeserializerConfig configures a Deserializer; the zero value is usable.
type DeserializerConfig struct {
	// CacheSize and CacheTTL bound the version id → writer schema cache
	// (and the reader-schema caches); defaults 200 and 24 hours. Past its
	// TTL a writer schema is fetched again on its next use, and kept while
	// that fails (as the Java library's refresh-after-write cache does).
	CacheSize int
	CacheTTL  time.Duration
	// Logger receives refresh failures that a cached schema covered;
	// default discards.
	Logger *slog.Logger
	// Now is the caches' clock; default time.Now.
	Now func() time.Time
	// Secondary decodes records whose first byte is not 3; nil: such
	// records fail with a *HeaderVersionError.
	Secondary SecondaryDecoder
	// ValidateJSON checks JSON payloads against their writer schema.
	ValidateJSON bool
	// MaxDecompressedSize bounds what a zlib payload may inflate to;
	// default 64 MiB.
	MaxDecompressedSize int64
}

// Deserializer decodes records in the Glue Schema Registry wire format.
// Writer schemas are fetched by version id once and cached. It is safe
// for concurrent use.
type Deserializer struct {
	fetch    SchemaFetcher
	cfg      DeserializerConfig
	avro     hamba.API
	writers  *cache.LRU[uuid.UUID, *codec.Codec]
	readers  *cache.LRU[defKey, *codec.Codec]
	resolved *cache.LRU[resolvedKey, hamba.Schema]
	// skipReaders are Validate's Avro readers, reused.
	skipReaders sync.Pool
}

type defKey struct{ format, definition string }

type resolvedKey struct {
	reader string
	writer uuid.UUID
}

// Record is one decoded record.
type Record struct {
	// SchemaVersionID is the writer schema's version (uuid.Nil for
	// records the secondary decoder handled).
	SchemaVersionID uuid.UUID
	// DataFormat is AVRO, JSON or PROTOBUF.
	DataFormat string
	// Definition is the writer schema's definition.
	Definition string
	// Value is the decoded value: for AVRO what hamba/avro decodes into an
	// any (map[string]any for records); for JSON the parsed value with
	// numbers as json.Number; for PROTOBUF a *dynamicpb.Message.
	Value any
	// MessageName is the full name of a PROTOBUF record's message type.
	MessageName string
	// Compression is how the payload travelled.
	Compression Compression

	raw []byte // the JSON payload, for JSON()
}

// JSON renders the value as JSON text: the payload itself for JSON, the
// decoded value for AVRO (decimals as exact numbers, non-finite floats as
// "NaN", "Infinity", "-Infinity", bytes in base64), protojson (proto
// field names) for PROTOBUF.
func (r *Record) JSON() ([]byte, error) {
	if r == nil {
		return nil, errors.New("serde: nil record")
	}
	if r.DataFormat == FormatJSON && r.raw != nil {
		return append([]byte(nil), r.raw...), nil
	}
	if m, ok := r.Value.(proto.Message); ok {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("serde: schema version %s: rendering %s as JSON: %w", r.SchemaVersionID, r.MessageName, err)
		}
		return b, nil
	}
	b, err := json.Marshal(jsonSafe(r.Value))
	if err != nil {
		return nil, fmt.Errorf("serde: schema version %s: rendering the %s value as JSON: %w", r.SchemaVersionID, r.DataFormat, err)
	}
	return b, nil
}

// jsonSafe rewrites the generic values JSON cannot hold as encoding/json
// would otherwise render them: Avro decimals (*big.Rat) become exact
// decimal numbers rather than "n/d" fractions, and non-finite floats the
// strings "NaN", "Infinity" and "-Infinity" (as protojson writes them).
func jsonSafe(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonSafe(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonSafe(e)
		}
		return out
	case *big.Rat:
		if x == nil {
			return nil
		}
		return json.Number(ratDecimal(x))
	case float64:
		return finite(x, v)
	case float32:
		return finite(float64(x), v)
	}
	return v
}

func finite(f float64, v any) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return v
}

// ratDecimal writes r in decimal, exactly when its denominator divides a
// power of ten (as an Avro decimal's does), else to 38 places.
func ratDecimal(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	d := new(big.Int).Set(r.Denom())
	places := 0
	for _, p := range []int64{2, 5} {
		n, q, m := 0, new(big.Int), new(big.Int)
		for {
			q.QuoRem(d, big.NewInt(p), m)
			if m.Sign() != 0 {
				break
			}
			d.Set(q)
			n++
		}
		places = max(places, n)
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		places = 38
	}
	return r.FloatString(places)
}

// NewDeserializer returns a deserializer fetching writer schemas with
// fetch. A nil fetch fails every record with a *DecodeError.
func NewDeserializer(fetch SchemaFetcher, cfg DeserializerConfig) *Deserializer {
	if cfg.MaxDecompressedSize <= 0 {
		cfg.MaxDecompressedSize = DefaultMaxDecompressedSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Deserializer{
		fetch:    fetch,
		cfg:      cfg,
		avro:     hamba.Config{MaxSliceAllocSize: MaxArrayItems}.Freeze(),
		writers:  cache.New[uuid.UUID, *codec.Codec](cfg.CacheSize, cfg.CacheTTL, cfg.Now),
		readers:  cache.New[defKey, *codec.Codec](cfg.CacheSize, cfg.CacheTTL, cfg.Now),
		resolved: cache.New[resolvedKey, hamba.Schema](cfg.CacheSize, cfg.CacheTTL, cfg.Now),
	}
}

// frame is a record split into header, payload and writer schema.
type frame struct {
	header  Header
	payload []byte
	writer  *codec.Codec
}

func (d *Deserializer) open(ctx context.Context, data []byte) (*frame, error) {
	h, payload, err := DecodeHeaderLimit(data, d.cfg.MaxDecompressedSize)
	if err != nil {
		return nil, err
	}
	w, err := d.writer(ctx, h.SchemaVersionID)
	if err != nil {
		return nil, err
	}
	return &frame{header: h, payload: payload, writer: w}, nil
}

func (d *Deserializer) secondary(data []byte) bool {
	return d.cfg.Secondary != nil && len(data) > 0 && data[0] != HeaderVersion
}

// Decode decodes data with its writer schema.
func (d *Deserializer) Decode(ctx context.Context, data []byte) (*Record, error) {
	if d.secondary(data) {
		r, err := d.cfg.Secondary(ctx, data)
		if err != nil {
			return nil, fmt.Errorf("serde: secondary decoder: %w", err)
		}
		return r, nil
	}
	f, err := d.open(ctx, data)
	if err != nil {
		return nil, err
	}
	id := f.header.SchemaVersionID
	if f.writer.Format == FormatJSON && d.cfg.ValidateJSON {
		if err := codec.ValidateJSON(f.writer.JSON, f.payload); err != nil {
			return nil, &DecodeError{SchemaVersionID: id, DataFormat: FormatJSON, Stage: "validating the JSON payload against the writer schema", Err: err}
		}
	}
	v, name, err := f.writer.Decode(d.avro, f.payload)
	if err != nil {
		return nil, &DecodeError{SchemaVersionID: id, DataFormat: f.writer.Format, Stage: "decoding the " + f.writer.Format + " payload", Err: err}
	}
	rec := &Record{
		SchemaVersionID: id, DataFormat: f.writer.Format, Definition: f.writer.Definition,
		Value: v, MessageName: name, Compression: f.header.Compression,
	}
	if f.writer.Format == FormatJSON {
		rec.raw = f.payload
	}
	return rec, nil
}

// writer returns the parsed writer schema of version id, from the cache
// or the fetcher.
func (d *Deserializer) writer(ctx context.Context, id uuid.UUID) (*codec.Codec, error) {
	return d.writers.Load(ctx, id, func() (*codec.Codec, error) { return d.fetchWriter(ctx, id) }, func(err error) {
		d.cfg.Logger.Warn("serde: refreshing a cached writer schema failed; using the cached schema", "schemaVersionId", id, "error", err)
	})
}

// fetchWriter gets and parses the definition of version id.
func (d *Deserializer) fetchWriter(ctx context.Context, id uuid.UUID) (*codec.Codec, error) {
	if d.fetch == nil {
		return nil, &DecodeError{SchemaVersionID: id, Stage: "fetching the writer schema", Err: errors.New("no schema fetcher")}
	}
	definition, format, err := d.fetch(ctx, id)
	if err != nil {
		return nil, &DecodeError{SchemaVersionID: id, Stage: "fetching the writer schema", Err: err}
	}
	c, err := codec.Parse(format, definition)
	if err != nil {
		return nil, &DecodeError{SchemaVersionID: id, DataFormat: format, Stage: "parsing the writer schema", Err: err}
	}
	return c, nil
}

// SchemaDefinition returns the data format and definition of version id
// (cached as for decoding).
func (d *Deserializer) SchemaDefinition(ctx context.Context, id uuid.UUID) (format, definition string, err error) {
	c, err := d.writer(ctx, id)
	if err != nil {
		return "", "", err
	}
	return c.Format, c.Definition, nil
}

func (d *Deserializer) reader(format, definition string) (*codec.Codec, error) {
	key := defKey{format: format, definition: definition}
	if c, ok := d.readers.Get(key); ok {
		return c, nil
	}
	c, err := codec.Parse(format, definition)
	if err != nil {
		return nil, err
	}
	d.readers.Put(key, c)
	return c, nil
}

// DecodeInto decodes data into out (a pointer) as a consumer holding
// readerSchema sees it. An empty readerSchema means the writer schema.
//
// AVRO applies Avro schema resolution (hamba/avro's): fields the reader
// lacks are skipped, fields the writer lacks take the reader's default,
// promotions apply; out may be a struct with avro tags or a map. JSON
// validates the payload against readerSchema (when given) and unmarshals
// it with encoding/json. PROTOBUF finds the message type by the record's
// message index; out may be a generated proto.Message of that type, or
// any value encoding/json can fill from the message's protojson form
// (decoded with readerSchema's descriptor when given).
//
// Records the secondary decoder handles are unmarshalled from their JSON
// form.
func (d *Deserializer) DecodeInto(ctx context.Context, data []byte, readerSchema string, out any) error {
	if out == nil {
		return errors.New("serde: DecodeInto: nil destination")
	}
	if d.secondary(data) {
		r, err := d.Decode(ctx, data)
		if err != nil {
			return err
		}
		j, err := r.JSON()
		if err != nil {
			return err
		}
		if err := json.Unmarshal(j, out); err != nil {
			return fmt.Errorf("serde: secondary record into %T: %w", out, err)
		}
		return nil
	}
	f, err := d.open(ctx, data)
	if err != nil {
		return err
	}
	id, format := f.header.SchemaVersionID, f.writer.Format
	fail := func(stage string, err error) error {
		return &DecodeError{SchemaVersionID: id, DataFormat: format, Stage: stage, Err: err}
	}
	var reader *codec.Codec
	if readerSchema != "" {
		if reader, err = d.reader(format, readerSchema); err != nil {
			return fail("parsing the reader schema", err)
		}
	}
	switch format {
	case FormatAvro:
		schema := f.writer.Avro
		if reader != nil {
			if schema, err = d.resolve(id, f.writer, reader); err != nil {
				return fail("resolving the reader schema against the writer schema", err)
			}
		}
		if err := safeUnmarshal(d.avro, schema, f.payload, out); err != nil {
			return fail(fmt.Sprintf("decoding the AVRO payload into %T", out), err)
		}
		return nil
	case FormatJSON:
		if d.cfg.ValidateJSON {
			if err := codec.ValidateJSON(f.writer.JSON, f.payload); err != nil {
				return fail("validating the JSON payload against the writer schema", err)
			}
		}
		if reader != nil {
			if err := codec.ValidateJSON(reader.JSON, f.payload); err != nil {
				return fail("validating the JSON payload against the reader schema", err)
			}
		}
		if err := json.Unmarshal(f.payload, out); err != nil {
			return fail(fmt.Sprintf("decoding the JSON payload into %T", out), err)
		}
		return nil
	case FormatProtobuf:
		return d.decodeProtoInto(f, reader, out, fail)
	}
	return fail("decoding", fmt.Errorf("unsupported data format %q", format))
}

func (d *Deserializer) decodeProtoInto(f *frame, reader *codec.Codec, out any, fail func(string, error) error) error {
	md, body, err := f.writer.SplitProto(f.payload)
	if err != nil {
		return fail("decoding the PROTOBUF payload", err)
	}
	name := md.FullName()
	if m, ok := out.(proto.Message); ok {
		if got := m.ProtoReflect().Descriptor().FullName(); got != name {
			return fail("decoding the PROTOBUF payload", fmt.Errorf("the record holds a %s, not a %s", name, got))
		}
		if err := proto.Unmarshal(body, m); err != nil {
			return fail("decoding the PROTOBUF payload into "+string(name), err)
		}
		return nil
	}
	if reader != nil {
		rmd, ok := reader.Proto.FindMessage(name)
		if !ok {
			return fail("decoding the PROTOBUF payload", fmt.Errorf("the reader schema has no message %s", name))
		}
		md = rmd
	}
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(body, m); err != nil {
		return fail("decoding the PROTOBUF payload into "+string(name), err)
	}
	j, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		return fail("rendering "+string(name)+" as JSON", err)
	}
	if err := json.Unmarshal(j, out); err != nil {
		return fail(fmt.Sprintf("decoding %s into %T", name, out), err)
	}
	return nil
}

// resolve returns the schema that decodes writer data as reader, cached
// per (reader definition, writer version).
func (d *Deserializer) resolve(id uuid.UUID, writer, reader *codec.Codec) (s hamba.Schema, err error) {
	key := resolvedKey{reader: reader.Definition, writer: id}
	if s, ok := d.resolved.Get(key); ok {
		return s, nil
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("internal failure: %v", r)
		}
	}()
	s, err = hamba.NewSchemaCompatibility().Resolve(reader.Avro, writer.Avro)
	if err != nil {
		return nil, strip(err)
	}
	d.resolved.Put(key, s)
	return s, nil
}

func strip(err error) error {
	msg := strings.TrimPrefix(err.Error(), "avro: ")
	return errors.New(msg)
}

func safeUnmarshal(api hamba.API, s hamba.Schema, data []byte, out any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal failure: %v", r)
		}
	}()
	return api.Unmarshal(s, data, out)
}
