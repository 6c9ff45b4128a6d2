package serde_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/registry/serde"
)

// counting wraps a real Glue client and counts calls per operation.
type counting struct {
	*glue.Client
	mu    sync.Mutex
	calls map[string]int
}

func newCounting(c *glue.Client) *counting { return &counting{Client: c, calls: map[string]int{}} }

func (c *counting) inc(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
}

func (c *counting) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func (c *counting) GetSchemaByDefinition(ctx context.Context, in *glue.GetSchemaByDefinitionInput, o ...func(*glue.Options)) (*glue.GetSchemaByDefinitionOutput, error) {
	c.inc("GetSchemaByDefinition")
	return c.Client.GetSchemaByDefinition(ctx, in, o...)
}

func (c *counting) CreateSchema(ctx context.Context, in *glue.CreateSchemaInput, o ...func(*glue.Options)) (*glue.CreateSchemaOutput, error) {
	c.inc("CreateSchema")
	return c.Client.CreateSchema(ctx, in, o...)
}

func (c *counting) RegisterSchemaVersion(ctx context.Context, in *glue.RegisterSchemaVersionInput, o ...func(*glue.Options)) (*glue.RegisterSchemaVersionOutput, error) {
	c.inc("RegisterSchemaVersion")
	return c.Client.RegisterSchemaVersion(ctx, in, o...)
}

func (c *counting) GetSchemaVersion(ctx context.Context, in *glue.GetSchemaVersionInput, o ...func(*glue.Options)) (*glue.GetSchemaVersionOutput, error) {
	c.inc("GetSchemaVersion")
	return c.Client.GetSchemaVersion(ctx, in, o...)
}

func (c *counting) PutSchemaVersionMetadata(ctx context.Context, in *glue.PutSchemaVersionMetadataInput, o ...func(*glue.Options)) (*glue.PutSchemaVersionMetadataOutput, error) {
	c.inc("PutSchemaVersionMetadata")
	return c.Client.PutSchemaVersionMetadata(ctx, in, o...)
}

// fakeGlue is an offline registry: every definition is AVAILABLE under a
// fixed id per definition; GetSchemaVersion answers for known ids.
type fakeGlue struct {
	format string
	mu     sync.Mutex
	byDef  map[string]uuid.UUID
	byID   map[uuid.UUID]string
	calls  map[string]int
}

func newFake(format string) *fakeGlue {
	return &fakeGlue{format: format, byDef: map[string]uuid.UUID{}, byID: map[uuid.UUID]string{}, calls: map[string]int{}}
}

// add registers def under id.
func (f *fakeGlue) add(id uuid.UUID, def string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byDef[def] = id
	f.byID[id] = def
}

func (f *fakeGlue) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeGlue) GetSchemaByDefinition(_ context.Context, in *glue.GetSchemaByDefinitionInput, _ ...func(*glue.Options)) (*glue.GetSchemaByDefinitionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["GetSchemaByDefinition"]++
	id, ok := f.byDef[aws.ToString(in.SchemaDefinition)]
	if !ok {
		return nil, &types.EntityNotFoundException{Message: aws.String("Schema is not found. RegistryName: default-registry")}
	}
	return &glue.GetSchemaByDefinitionOutput{SchemaVersionId: aws.String(id.String()), Status: types.SchemaVersionStatusAvailable, DataFormat: types.DataFormat(f.format)}, nil
}

func (f *fakeGlue) CreateSchema(context.Context, *glue.CreateSchemaInput, ...func(*glue.Options)) (*glue.CreateSchemaOutput, error) {
	return nil, fmt.Errorf("fake: CreateSchema not supported")
}

func (f *fakeGlue) RegisterSchemaVersion(context.Context, *glue.RegisterSchemaVersionInput, ...func(*glue.Options)) (*glue.RegisterSchemaVersionOutput, error) {
	return nil, fmt.Errorf("fake: RegisterSchemaVersion not supported")
}

func (f *fakeGlue) GetSchemaVersion(_ context.Context, in *glue.GetSchemaVersionInput, _ ...func(*glue.Options)) (*glue.GetSchemaVersionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["GetSchemaVersion"]++
	id, err := uuid.Parse(aws.ToString(in.SchemaVersionId))
	if err != nil {
		return nil, &types.InvalidInputException{Message: aws.String("bad id")}
	}
	def, ok := f.byID[id]
	if !ok {
		return nil, &types.EntityNotFoundException{Message: aws.String("Schema version is not found. SchemaVersionId: " + id.String())}
	}
	return &glue.GetSchemaVersionOutput{SchemaVersionId: aws.String(id.String()), SchemaDefinition: aws.String(def), DataFormat: types.DataFormat(f.format), Status: types.SchemaVersionStatusAvailable}, nil
}

func (f *fakeGlue) PutSchemaVersionMetadata(context.Context, *glue.PutSchemaVersionMetadataInput, ...func(*glue.Options)) (*glue.PutSchemaVersionMetadataOutput, error) {
	return &glue.PutSchemaVersionMetadataOutput{}, nil
}

// startGlue starts an emulator and returns a counting Glue client for it.
func startGlue(t *testing.T, opts ...emulator.Option) (*counting, *emulator.Emulator) {
	t.Helper()
	e := emulator.Start(t, opts...)
	return newCounting(glue.NewFromConfig(e.AWSConfig())), e
}

func mustSerializer(t testing.TB, c serde.GlueAPI, cfg serde.SerializerConfig) *serde.Serializer {
	t.Helper()
	s, err := serde.NewSerializer(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const (
	userV1 = `{"type":"record","name":"User","namespace":"demo","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}`
	// userV2 adds an optional field with a default: BACKWARD compatible.
	userV2 = `{"type":"record","name":"User","namespace":"demo","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"},{"name":"email","type":["null","string"],"default":null}]}`
	// userV2Required adds a field without a default: FORWARD compatible
	// only.
	userV2Required = `{"type":"record","name":"User","namespace":"demo","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"},{"name":"email","type":"string"}]}`
)

// UserV1 and UserV2 are what consumers holding each schema decode into.
type UserV1 struct {
	Name string `avro:"name" json:"name"`
	Age  int    `avro:"age" json:"age"`
}

type UserV2 struct {
	Name  string  `avro:"name"`
	Age   int     `avro:"age"`
	Email *string `avro:"email"`
}

type UserV2Required struct {
	Name  string `avro:"name"`
	Age   int    `avro:"age"`
	Email string `avro:"email"`
}
