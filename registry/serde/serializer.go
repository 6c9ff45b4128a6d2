package serde

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/serde/internal/cache"
	"github.com/evolvestack/evolvestack/registry/serde/internal/codec"
)

// SerializerConfig configures a Serializer; the zero value is the Java
// library's defaults (AVRO, default-registry, no auto-registration,
// BACKWARD for created schemas, no compression, 200 entries for 24 hours).
type SerializerConfig struct {
	// RegistryName is the registry holding the schemas; default
	// "default-registry".
	RegistryName string
	// SchemaName names the schema; default: the transport name passed to
	// Serialize (AWS's default naming strategy).
	SchemaName string
	// DataFormat is AVRO (default), JSON or PROTOBUF.
	DataFormat string
	// AutoRegister lets the serializer create schemas and register new
	// versions; off by default, as in the Java library.
	AutoRegister bool
	// Compatibility is the mode of schemas the serializer creates; default
	// BACKWARD.
	Compatibility types.Compatibility
	// Description and Tags are set on schemas the serializer creates.
	Description string
	Tags        map[string]string
	// Compression of the payload; default none.
	Compression Compression
	// CacheSize and CacheTTL bound the definition → version id cache (and
	// the parsed-schema cache); defaults 200 and 24 hours. Past its TTL an
	// id is looked up again on its next use, and kept while that fails
	// (as the Java library's refresh-after-write cache does).
	CacheSize int
	CacheTTL  time.Duration
	// Metadata is put on versions the serializer registers, besides
	// x-amz-meta-transport=<transport name>.
	Metadata map[string]string
	// PollInterval is the first wait before checking a PENDING version
	// again (doubling up to 3 s); default 500 ms. PollAttempts bounds the
	// checks; default 10.
	PollInterval time.Duration
	PollAttempts int
	// Sleep waits between checks; default a timer that honours ctx. Now is
	// the caches' clock; default time.Now.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	// AdminEndpoint is where evolvestack's admin API is; default the
	// client's BaseEndpoint. HTTPClient calls it; default the client's.
	AdminEndpoint string
	HTTPClient    HTTPDoer
	// Logger receives best-effort failures (metadata, findings); default
	// discards.
	Logger *slog.Logger
}

// Serializer encodes values in the Glue Schema Registry wire format,
// looking up (and optionally registering) their schema versions. It is
// safe for concurrent use.
type Serializer struct {
	client GlueAPI
	cfg    SerializerConfig
	avro   hamba.API
	ids    *cache.LRU[defKey, uuid.UUID]
	codecs *cache.LRU[defKey, *codec.Codec]
}

type defKey struct{ schemaName, format, definition string }

// NewSerializer checks cfg and returns a serializer calling client.
func NewSerializer(client GlueAPI, cfg SerializerConfig) (*Serializer, error) {
	if client == nil {
		return nil, errors.New("serde: NewSerializer: nil Glue client")
	}
	if cfg.RegistryName == "" {
		cfg.RegistryName = DefaultRegistryName
	}
	cfg.DataFormat = strings.ToUpper(cfg.DataFormat)
	if cfg.DataFormat == "" {
		cfg.DataFormat = FormatAvro
	}
	switch cfg.DataFormat {
	case FormatAvro, FormatJSON, FormatProtobuf:
	default:
		return nil, fmt.Errorf("serde: NewSerializer: invalid data format %q (accepted: AVRO, JSON, PROTOBUF)", cfg.DataFormat)
	}
	if cfg.Compatibility == "" {
		cfg.Compatibility = types.CompatibilityBackward
	}
	cfg.Compatibility = types.Compatibility(strings.ToUpper(string(cfg.Compatibility)))
	if !validCompatibility(cfg.Compatibility) {
		return nil, fmt.Errorf("serde: NewSerializer: invalid compatibility setting %q (accepted: %v)", cfg.Compatibility, types.Compatibility("").Values())
	}
	if cfg.Compression != CompressionNone && cfg.Compression != CompressionZlib {
		return nil, fmt.Errorf("serde: NewSerializer: invalid compression %s (accepted: NONE, ZLIB)", cfg.Compression)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	if cfg.PollAttempts <= 0 {
		cfg.PollAttempts = 10
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Serializer{
		client: client,
		cfg:    cfg,
		avro:   hamba.Config{}.Freeze(),
		ids:    cache.New[defKey, uuid.UUID](cfg.CacheSize, cfg.CacheTTL, cfg.Now),
		codecs: cache.New[defKey, *codec.Codec](cfg.CacheSize, cfg.CacheTTL, cfg.Now),
	}, nil
}

func validCompatibility(c types.Compatibility) bool {
	for _, v := range c.Values() {
		if v == c {
			return true
		}
	}
	return false
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Serialize encodes value with schemaDefinition and prefixes the header
// of its schema version. transportName is the stream, queue or topic the
// record goes to: the default schema name and the x-amz-meta-transport
// metadata value. value is, for AVRO, what hamba/avro marshals (a struct
// with avro tags, a map[string]any, ...); for JSON, any value json.Marshal
// accepts, or raw JSON as []byte or json.RawMessage (validated against the
// schema); for PROTOBUF, a proto.Message whose full name picks the message
// index; for any format, Raw to write an encoded payload unchanged.
func (s *Serializer) Serialize(ctx context.Context, transportName, schemaDefinition string, value any) ([]byte, error) {
	name, err := s.schemaName(transportName)
	if err != nil {
		return nil, err
	}
	c, err := s.codec(name, schemaDefinition)
	if err != nil {
		return nil, err
	}
	payload, err := c.Encode(s.avro, value)
	if err != nil {
		return nil, fmt.Errorf("serde: schema %q: %w", name, err)
	}
	id, err := s.versionID(ctx, name, transportName, schemaDefinition)
	if err != nil {
		return nil, err
	}
	return Encode(id, s.cfg.Compression, payload)
}

// SchemaVersionID returns the id of schemaDefinition's version, looking
// it up (and registering it when allowed) as Serialize does.
func (s *Serializer) SchemaVersionID(ctx context.Context, transportName, schemaDefinition string) (uuid.UUID, error) {
	name, err := s.schemaName(transportName)
	if err != nil {
		return uuid.Nil, err
	}
	return s.versionID(ctx, name, transportName, schemaDefinition)
}

func (s *Serializer) schemaName(transportName string) (string, error) {
	if s.cfg.SchemaName != "" {
		return s.cfg.SchemaName, nil
	}
	if transportName == "" {
		return "", errors.New("serde: no schema name: set SerializerConfig.SchemaName or pass a transport name")
	}
	return transportName, nil
}

func (s *Serializer) codec(name, definition string) (*codec.Codec, error) {
	key := defKey{format: s.cfg.DataFormat, definition: definition}
	if c, ok := s.codecs.Get(key); ok {
		return c, nil
	}
	c, err := codec.Parse(s.cfg.DataFormat, definition)
	if err != nil {
		return nil, fmt.Errorf("serde: schema %q: %w", name, err)
	}
	s.codecs.Put(key, c)
	return c, nil
}

func (s *Serializer) versionID(ctx context.Context, name, transportName, definition string) (uuid.UUID, error) {
	key := defKey{schemaName: name, format: s.cfg.DataFormat, definition: definition}
	return s.ids.Load(ctx, key, func() (uuid.UUID, error) {
		return s.getOrRegister(ctx, name, transportName, definition)
	}, func(err error) {
		s.cfg.Logger.Warn("serde: refreshing a cached schema version id failed; using the cached id",
			"registry", s.cfg.RegistryName, "schema", name, "error", err)
	})
}

func (s *Serializer) schemaID(name string) *types.SchemaId {
	return &types.SchemaId{RegistryName: aws.String(s.cfg.RegistryName), SchemaName: aws.String(name)}
}

// getOrRegister follows AWS's serializer: find the version by definition;
// when the version (or the whole schema) is missing, register it (create
// the schema) if allowed; wait while it is PENDING; refuse FAILURE.
func (s *Serializer) getOrRegister(ctx context.Context, name, transportName, definition string) (uuid.UUID, error) {
	out, err := s.client.GetSchemaByDefinition(ctx, &glue.GetSchemaByDefinitionInput{
		SchemaId:         s.schemaID(name),
		SchemaDefinition: aws.String(definition),
	})
	if err == nil {
		id, err := parseVersionID(out.SchemaVersionId, "GetSchemaByDefinition")
		if err != nil {
			return uuid.Nil, err
		}
		return s.settle(ctx, name, id, string(out.Status), 0)
	}
	msg := apiMessage(err)
	var id uuid.UUID
	var status string
	var number int64
	switch {
	case strings.Contains(msg, msgSchemaVersionNotFound):
		if !s.cfg.AutoRegister {
			return uuid.Nil, &AutoRegistrationDisabledError{RegistryName: s.cfg.RegistryName, SchemaName: name, Err: err}
		}
		id, status, number, err = s.register(ctx, name, definition)
	case strings.Contains(msg, msgSchemaNotFound):
		if !s.cfg.AutoRegister {
			return uuid.Nil, &AutoRegistrationDisabledError{RegistryName: s.cfg.RegistryName, SchemaName: name, Err: err}
		}
		id, status, number, err = s.create(ctx, name, definition)
	default:
		return uuid.Nil, fmt.Errorf("serde: fetching the schema version of schema %q in registry %q by definition: %w", name, s.cfg.RegistryName, err)
	}
	if err != nil {
		return uuid.Nil, err
	}
	id, err = s.settle(ctx, name, id, status, number)
	if err != nil {
		return uuid.Nil, err
	}
	s.putMetadata(ctx, id, transportName)
	return id, nil
}

func (s *Serializer) register(ctx context.Context, name, definition string) (uuid.UUID, string, int64, error) {
	out, err := s.client.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{
		SchemaId:         s.schemaID(name),
		SchemaDefinition: aws.String(definition),
	})
	if err != nil {
		return uuid.Nil, "", 0, fmt.Errorf("serde: registering a version of schema %q in registry %q: %w", name, s.cfg.RegistryName, err)
	}
	id, err := parseVersionID(out.SchemaVersionId, "RegisterSchemaVersion")
	return id, string(out.Status), aws.ToInt64(out.VersionNumber), err
}

func (s *Serializer) create(ctx context.Context, name, definition string) (uuid.UUID, string, int64, error) {
	in := &glue.CreateSchemaInput{
		SchemaName:       aws.String(name),
		DataFormat:       types.DataFormat(s.cfg.DataFormat),
		Compatibility:    s.cfg.Compatibility,
		SchemaDefinition: aws.String(definition),
	}
	// Without a RegistryId the service uses (and creates on first use) the
	// default registry; naming it explicitly fails while it does not exist
	// yet. Other registries must exist.
	if s.cfg.RegistryName != DefaultRegistryName {
		in.RegistryId = &types.RegistryId{RegistryName: aws.String(s.cfg.RegistryName)}
	}
	if s.cfg.Description != "" {
		in.Description = aws.String(s.cfg.Description)
	}
	if len(s.cfg.Tags) > 0 {
		in.Tags = s.cfg.Tags
	}
	out, err := s.client.CreateSchema(ctx, in)
	if err != nil {
		if isAlreadyExists(err) {
			// Another producer created it first.
			return s.register(ctx, name, definition)
		}
		return uuid.Nil, "", 0, fmt.Errorf("serde: creating schema %q in registry %q: %w", name, s.cfg.RegistryName, err)
	}
	id, err := parseVersionID(out.SchemaVersionId, "CreateSchema")
	return id, string(out.SchemaVersionStatus), 1, err
}

// settle returns id once its status is AVAILABLE, polling while it is
// PENDING and refusing FAILURE.
func (s *Serializer) settle(ctx context.Context, name string, id uuid.UUID, status string, number int64) (uuid.UUID, error) {
	interval := s.cfg.PollInterval
	for attempt := 0; ; attempt++ {
		switch status {
		case statusAvailable:
			return id, nil
		case statusFailure:
			return uuid.Nil, &IncompatibleSchemaError{
				SchemaVersionID: id, RegistryName: s.cfg.RegistryName, SchemaName: name,
				VersionNumber: number, Status: status,
				Findings: fetchFindings(ctx, s.client, s.cfg.AdminEndpoint, s.cfg.HTTPClient, id),
			}
		case statusPending:
		default:
			return uuid.Nil, fmt.Errorf("serde: schema version %s of schema %q is in %s status", id, name, status)
		}
		if attempt >= s.cfg.PollAttempts {
			return uuid.Nil, fmt.Errorf("serde: Retries exhausted for schema evolution check for schemaVersionId = %s (still PENDING after %d checks)", id, attempt)
		}
		if err := s.cfg.Sleep(ctx, interval); err != nil {
			return uuid.Nil, fmt.Errorf("serde: waiting for schema version %s: %w", id, err)
		}
		interval = min(2*interval, 3*time.Second)
		out, err := s.client.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(id.String())})
		if err != nil {
			return uuid.Nil, fmt.Errorf("serde: checking schema version %s: %w", id, err)
		}
		status, number = string(out.Status), aws.ToInt64(out.VersionNumber)
	}
}

// putMetadata records the transport and the configured metadata on id,
// best effort (as the Java library, it only logs failures).
func (s *Serializer) putMetadata(ctx context.Context, id uuid.UUID, transportName string) {
	md := make(map[string]string, len(s.cfg.Metadata)+1)
	if transportName != "" {
		md[TransportMetadataKey] = transportName
	}
	for k, v := range s.cfg.Metadata {
		md[k] = v
	}
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_, err := s.client.PutSchemaVersionMetadata(ctx, &glue.PutSchemaVersionMetadataInput{
			SchemaVersionId:  aws.String(id.String()),
			MetadataKeyValue: &types.MetadataKeyValuePair{MetadataKey: aws.String(k), MetadataValue: aws.String(md[k])},
		})
		if err != nil && !isAlreadyExists(err) {
			s.cfg.Logger.Warn("serde: putting schema version metadata", "schemaVersionId", id, "key", k, "value", md[k], "error", err)
		}
	}
}
