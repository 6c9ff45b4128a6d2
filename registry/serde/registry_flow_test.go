package serde_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde"
)

// scripted is a fake whose lookups, creations and registrations answer as
// a test says.
type scripted struct {
	*fakeGlue
	byDefErr  error
	createErr error
	regStatus types.SchemaVersionStatus
	regID     uuid.UUID
	created   int
	regs      int
	metaErr   error
	meta      []string
}

func (s *scripted) GetSchemaByDefinition(ctx context.Context, in *glue.GetSchemaByDefinitionInput, o ...func(*glue.Options)) (*glue.GetSchemaByDefinitionOutput, error) {
	if s.byDefErr != nil {
		return nil, s.byDefErr
	}
	return s.fakeGlue.GetSchemaByDefinition(ctx, in, o...)
}

func (s *scripted) CreateSchema(context.Context, *glue.CreateSchemaInput, ...func(*glue.Options)) (*glue.CreateSchemaOutput, error) {
	s.created++
	return nil, s.createErr
}

func (s *scripted) RegisterSchemaVersion(context.Context, *glue.RegisterSchemaVersionInput, ...func(*glue.Options)) (*glue.RegisterSchemaVersionOutput, error) {
	s.regs++
	return &glue.RegisterSchemaVersionOutput{SchemaVersionId: aws.String(s.regID.String()), Status: s.regStatus, VersionNumber: aws.Int64(2)}, nil
}

func (s *scripted) PutSchemaVersionMetadata(_ context.Context, in *glue.PutSchemaVersionMetadataInput, _ ...func(*glue.Options)) (*glue.PutSchemaVersionMetadataOutput, error) {
	s.meta = append(s.meta, aws.ToString(in.MetadataKeyValue.MetadataKey)+"="+aws.ToString(in.MetadataKeyValue.MetadataValue))
	return nil, s.metaErr
}

func TestRegistryFlow(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-0000000000f1")
	tests := []struct {
		name        string
		sc          *scripted
		wantErr     func(error) bool
		wantCreated int
		wantRegs    int
		wantMeta    string
	}{
		{
			name:        "create races another producer: register instead",
			sc:          &scripted{createErr: &types.AlreadyExistsException{Message: aws.String("Schema already exists. SchemaName: t")}, regStatus: types.SchemaVersionStatusAvailable},
			wantCreated: 1, wantRegs: 1, wantMeta: "team=x,x-amz-meta-transport=t",
		},
		{
			name:        "metadata failures are ignored",
			sc:          &scripted{createErr: &types.AlreadyExistsException{Message: aws.String("exists")}, regStatus: types.SchemaVersionStatusAvailable, metaErr: &types.AlreadyExistsException{Message: aws.String("Schema version metadata already exists")}},
			wantCreated: 1, wantRegs: 1, wantMeta: "team=x,x-amz-meta-transport=t",
		},
		{
			name: "other create errors fail",
			sc:   &scripted{createErr: &types.AccessDeniedException{Message: aws.String("no")}},
			wantErr: func(err error) bool {
				var ad *types.AccessDeniedException
				return errors.As(err, &ad) && strings.Contains(err.Error(), `creating schema "t"`)
			},
			wantCreated: 1,
		},
		{
			name: "lookup errors other than not-found fail without registering",
			sc:   &scripted{byDefErr: &types.InternalServiceException{Message: aws.String("oops")}},
			wantErr: func(err error) bool {
				var ae *serde.AutoRegistrationDisabledError
				return !errors.As(err, &ae) && strings.Contains(err.Error(), "by definition") && strings.Contains(err.Error(), "oops")
			},
		},
		{
			name: "version not found: register, refuse FAILURE without an admin endpoint",
			sc:   &scripted{byDefErr: &types.EntityNotFoundException{Message: aws.String("Schema version is not found. RegistryName: r")}, regStatus: types.SchemaVersionStatusFailure},
			wantErr: func(err error) bool {
				var ie *serde.IncompatibleSchemaError
				return errors.As(err, &ie) && ie.VersionNumber == 2 && len(ie.Findings) == 0 && ie.RegistryName == "reg"
			},
			wantRegs: 1,
		},
		{
			name: "DELETING is refused",
			sc:   &scripted{byDefErr: &types.EntityNotFoundException{Message: aws.String("Schema version is not found.")}, regStatus: types.SchemaVersionStatusDeleting},
			wantErr: func(err error) bool {
				return strings.Contains(err.Error(), "DELETING")
			},
			wantRegs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.sc.fakeGlue = newFake(serde.FormatAvro)
			tt.sc.regID = id
			s := mustSerializer(t, tt.sc, serde.SerializerConfig{RegistryName: "reg", AutoRegister: true, Metadata: map[string]string{"team": "x"}})
			data, err := s.Serialize(context.Background(), "t", userV1, UserV1{"a", 1})
			if tt.wantErr != nil {
				if err == nil || !tt.wantErr(err) {
					t.Fatalf("err %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if h, _ := serde.ParseHeader(data); h.SchemaVersionID != id {
				t.Errorf("id %s", h.SchemaVersionID)
			}
			if tt.sc.created != tt.wantCreated || tt.sc.regs != tt.wantRegs || strings.Join(tt.sc.meta, ",") != tt.wantMeta {
				t.Errorf("created %d registered %d metadata %v", tt.sc.created, tt.sc.regs, tt.sc.meta)
			}
		})
	}
}

func TestNewSerializerRejectsBadConfig(t *testing.T) {
	t.Parallel()
	fake := newFake(serde.FormatAvro)
	tests := []struct {
		name string
		cfg  serde.SerializerConfig
		want string
	}{
		{"data format", serde.SerializerConfig{DataFormat: "XML"}, "invalid data format"},
		{"compatibility", serde.SerializerConfig{Compatibility: "SIDEWAYS"}, "invalid compatibility"},
		{"compression", serde.SerializerConfig{Compression: 2}, "invalid compression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := serde.NewSerializer(fake, tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v", err)
			}
		})
	}
	if _, err := serde.NewSerializer(nil, serde.SerializerConfig{}); err == nil {
		t.Error("nil client accepted")
	}
	s := mustSerializer(t, fake, serde.SerializerConfig{Compatibility: "full_all", DataFormat: "json"})
	if _, err := s.Serialize(context.Background(), "", `{}`, 1); err == nil || !strings.Contains(err.Error(), "no schema name") {
		t.Errorf("empty transport: %v", err)
	}
	if _, err := s.Serialize(context.Background(), "t", `{"type":`, 1); err == nil || !strings.Contains(err.Error(), `schema "t"`) {
		t.Errorf("bad definition: %v", err)
	}
}
