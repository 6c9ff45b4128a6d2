// Package glue is evolvestack's AWS Glue: the Schema Registry operations,
// served over the registry engine in package registry for one account and
// region. Other Glue operations are answered as unsupported. The zz_*.go
// files are generated from the AWS API model by cmd/apigen.
package glue

import (
	"context"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/registry"
)

// timeLayout is how the Schema Registry renders its string timestamps.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Service is AWS Glue (Schema Registry) for one account and region.
type Service struct {
	env awsapi.Env
	reg *registry.Engine
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service {
	cfg := registry.Config{
		Account: env.Scope.Account,
		Region:  env.Scope.Region,
		Logger:  env.Logger,
		Journal: env.Journal,
	}
	if env.Clock != nil {
		cfg.Now = env.Clock.Now
	}
	if n := env.Limits.MaxResourcesPerAccount; n > 0 {
		cfg.Limits.RegistriesPerAccount = n
		cfg.Limits.SchemasPerAccount = n
	}
	if n := env.Limits.SchemaVersionsPerSchema; n > 0 {
		cfg.Limits.VersionsPerSchema = n
	}
	return &Service{env: env, reg: registry.New(cfg)}
}

// DumpState emits the rows of the service's state (awsapi.Persistent;
// the rows are the engine's, see registry/persist.go).
func (s *Service) DumpState(emit func(key string, value []byte)) error {
	return s.reg.DumpState(emit)
}

// RestoreState applies one restored row.
func (s *Service) RestoreState(key string, value []byte) error {
	return s.reg.RestoreState(key, value)
}

// RestoreDone builds the restored state.
func (s *Service) RestoreDone() error { return s.reg.RestoreDone() }

var _ awsapi.Persistent = (*Service)(nil)

// Registry returns the engine behind the service, for inspection in tests
// (e.g. the findings of a failed version).
func (s *Service) Registry() *registry.Engine { return s.reg }

// ValidationError renders a model-constraint violation the way Glue does:
// InvalidInputException with the Coral validation text.
func (s *Service) ValidationError(err error) *awsapi.Error {
	return &awsapi.Error{Code: registry.CodeInvalidInput, Message: err.Error()}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optNum(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

func stamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return ptr(t.UTC().Format(timeLayout))
}

func registryRef(id *RegistryId) registry.RegistryRef {
	if id == nil {
		return registry.RegistryRef{}
	}
	return registry.RegistryRef{Name: str(id.RegistryName), ARN: str(id.RegistryArn)}
}

func schemaRef(id *SchemaId) registry.SchemaRef {
	if id == nil {
		return registry.SchemaRef{}
	}
	return registry.SchemaRef{ARN: str(id.SchemaArn), RegistryName: str(id.RegistryName), SchemaName: str(id.SchemaName)}
}

func versionNumber(n *SchemaVersionNumber) registry.VersionNumber {
	if n == nil {
		return registry.VersionNumber{}
	}
	out := registry.VersionNumber{}
	if n.VersionNumber != nil {
		out.Number = *n.VersionNumber
	}
	if n.LatestVersion != nil {
		out.Latest = *n.LatestVersion
	}
	return out
}

func versionRef(schema *SchemaId, number *SchemaVersionNumber, id *string) registry.VersionRef {
	n := versionNumber(number)
	return registry.VersionRef{ID: str(id), Schema: schemaRef(schema), Number: n.Number, Latest: n.Latest}
}

func page(max *int32, token *string) registry.Page {
	p := registry.Page{Token: str(token)}
	if max != nil {
		p.Max = int(*max)
	}
	return p
}

// CreateRegistry creates a schema registry.
func (s *Service) CreateRegistry(_ context.Context, in *CreateRegistryInput) (*CreateRegistryOutput, error) {
	r, err := s.reg.CreateRegistry(str(in.RegistryName), str(in.Description), in.Tags)
	if err != nil {
		return nil, err
	}
	return &CreateRegistryOutput{RegistryArn: &r.ARN, RegistryName: &r.Name, Description: optStr(r.Description), Tags: r.Tags}, nil
}

// GetRegistry describes a registry.
func (s *Service) GetRegistry(_ context.Context, in *GetRegistryInput) (*GetRegistryOutput, error) {
	r, err := s.reg.GetRegistry(registryRef(in.RegistryId))
	if err != nil {
		return nil, err
	}
	return &GetRegistryOutput{
		RegistryName: &r.Name, RegistryArn: &r.ARN, Description: optStr(r.Description),
		Status: RegistryStatus(r.Status), CreatedTime: stamp(r.Created), UpdatedTime: stamp(r.Updated),
	}, nil
}

// ListRegistries lists registries.
func (s *Service) ListRegistries(_ context.Context, in *ListRegistriesInput) (*ListRegistriesOutput, error) {
	rs, next, err := s.reg.ListRegistries(page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &ListRegistriesOutput{Registries: []RegistryListItem{}, NextToken: optStr(next)}
	for _, r := range rs {
		out.Registries = append(out.Registries, RegistryListItem{
			RegistryName: ptr(r.Name), RegistryArn: ptr(r.ARN), Description: optStr(r.Description),
			Status: RegistryStatus(r.Status), CreatedTime: stamp(r.Created), UpdatedTime: stamp(r.Updated),
		})
	}
	return out, nil
}

// UpdateRegistry changes a registry's description.
func (s *Service) UpdateRegistry(_ context.Context, in *UpdateRegistryInput) (*UpdateRegistryOutput, error) {
	r, err := s.reg.UpdateRegistry(registryRef(in.RegistryId), str(in.Description))
	if err != nil {
		return nil, err
	}
	return &UpdateRegistryOutput{RegistryName: &r.Name, RegistryArn: &r.ARN}, nil
}

// DeleteRegistry deletes a registry and everything in it.
func (s *Service) DeleteRegistry(_ context.Context, in *DeleteRegistryInput) (*DeleteRegistryOutput, error) {
	r, err := s.reg.DeleteRegistry(registryRef(in.RegistryId))
	if err != nil {
		return nil, err
	}
	return &DeleteRegistryOutput{RegistryName: &r.Name, RegistryArn: &r.ARN, Status: RegistryStatus(r.Status)}, nil
}

// CreateSchema creates a schema, with its first version when a definition
// is given.
func (s *Service) CreateSchema(_ context.Context, in *CreateSchemaInput) (*CreateSchemaOutput, error) {
	res, err := s.reg.CreateSchema(registry.CreateSchemaInput{
		Registry:      registryRef(in.RegistryId),
		Name:          str(in.SchemaName),
		DataFormat:    string(in.DataFormat),
		Compatibility: registry.Mode(in.Compatibility),
		Description:   str(in.Description),
		Tags:          in.Tags,
		Definition:    str(in.SchemaDefinition),
	})
	if err != nil {
		return nil, err
	}
	sc := res.Schema
	out := &CreateSchemaOutput{
		RegistryName: &sc.RegistryName, RegistryArn: &sc.RegistryARN, SchemaName: &sc.Name, SchemaArn: &sc.ARN,
		Description: optStr(sc.Description), DataFormat: DataFormat(sc.DataFormat), Compatibility: Compatibility(sc.Compatibility),
		SchemaCheckpoint: optNum(sc.Checkpoint), LatestSchemaVersion: optNum(sc.Latest), NextSchemaVersion: optNum(sc.Next),
		SchemaStatus: SchemaStatus(sc.Status), Tags: sc.Tags,
	}
	if v := res.Version; v != nil {
		out.SchemaVersionId = &v.ID
		out.SchemaVersionStatus = SchemaVersionStatus(v.Status)
		out.LatestSchemaVersion = ptr(v.Number)
	}
	return out, nil
}

// GetSchema describes a schema.
func (s *Service) GetSchema(_ context.Context, in *GetSchemaInput) (*GetSchemaOutput, error) {
	sc, err := s.reg.GetSchema(schemaRef(in.SchemaId))
	if err != nil {
		return nil, err
	}
	return &GetSchemaOutput{
		RegistryName: &sc.RegistryName, RegistryArn: &sc.RegistryARN, SchemaName: &sc.Name, SchemaArn: &sc.ARN,
		Description: optStr(sc.Description), DataFormat: DataFormat(sc.DataFormat), Compatibility: Compatibility(sc.Compatibility),
		SchemaCheckpoint: optNum(sc.Checkpoint), LatestSchemaVersion: optNum(sc.Latest), NextSchemaVersion: optNum(sc.Next),
		SchemaStatus: SchemaStatus(sc.Status), CreatedTime: stamp(sc.Created), UpdatedTime: stamp(sc.Updated),
	}, nil
}

// ListSchemas lists the schemas of a registry, or of all registries.
func (s *Service) ListSchemas(_ context.Context, in *ListSchemasInput) (*ListSchemasOutput, error) {
	list, next, err := s.reg.ListSchemas(registryRef(in.RegistryId), page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &ListSchemasOutput{Schemas: []SchemaListItem{}, NextToken: optStr(next)}
	for _, sc := range list {
		out.Schemas = append(out.Schemas, SchemaListItem{
			RegistryName: ptr(sc.RegistryName), SchemaName: ptr(sc.Name), SchemaArn: ptr(sc.ARN),
			Description: optStr(sc.Description), SchemaStatus: SchemaStatus(sc.Status),
			CreatedTime: stamp(sc.Created), UpdatedTime: stamp(sc.Updated),
		})
	}
	return out, nil
}

// UpdateSchema changes a schema's compatibility mode, checkpoint or
// description.
func (s *Service) UpdateSchema(_ context.Context, in *UpdateSchemaInput) (*UpdateSchemaOutput, error) {
	u := registry.UpdateSchemaInput{Schema: schemaRef(in.SchemaId), Description: in.Description}
	if in.SchemaVersionNumber != nil {
		u.Checkpoint = ptr(versionNumber(in.SchemaVersionNumber))
	}
	if in.Compatibility != "" {
		u.Compatibility = ptr(registry.Mode(in.Compatibility))
	}
	sc, err := s.reg.UpdateSchema(u)
	if err != nil {
		return nil, err
	}
	return &UpdateSchemaOutput{SchemaArn: &sc.ARN, SchemaName: &sc.Name, RegistryName: &sc.RegistryName}, nil
}

// DeleteSchema deletes a schema with its versions.
func (s *Service) DeleteSchema(_ context.Context, in *DeleteSchemaInput) (*DeleteSchemaOutput, error) {
	sc, err := s.reg.DeleteSchema(schemaRef(in.SchemaId))
	if err != nil {
		return nil, err
	}
	return &DeleteSchemaOutput{SchemaArn: &sc.ARN, SchemaName: &sc.Name, Status: SchemaStatus(sc.Status)}, nil
}

// RegisterSchemaVersion adds a version to a schema; one that breaks the
// compatibility mode gets status FAILURE.
func (s *Service) RegisterSchemaVersion(_ context.Context, in *RegisterSchemaVersionInput) (*RegisterSchemaVersionOutput, error) {
	v, err := s.reg.RegisterSchemaVersion(schemaRef(in.SchemaId), str(in.SchemaDefinition))
	if err != nil {
		return nil, err
	}
	return &RegisterSchemaVersionOutput{SchemaVersionId: &v.ID, VersionNumber: &v.Number, Status: SchemaVersionStatus(v.Status)}, nil
}

// GetSchemaVersion describes a version.
func (s *Service) GetSchemaVersion(_ context.Context, in *GetSchemaVersionInput) (*GetSchemaVersionOutput, error) {
	v, err := s.reg.GetSchemaVersion(versionRef(in.SchemaId, in.SchemaVersionNumber, in.SchemaVersionId))
	if err != nil {
		return nil, err
	}
	return &GetSchemaVersionOutput{
		SchemaVersionId: &v.ID, SchemaDefinition: &v.Definition, DataFormat: DataFormat(v.DataFormat),
		SchemaArn: &v.SchemaARN, VersionNumber: &v.Number, Status: SchemaVersionStatus(v.Status), CreatedTime: stamp(v.Created),
	}, nil
}

// GetSchemaByDefinition finds the version with a definition.
func (s *Service) GetSchemaByDefinition(_ context.Context, in *GetSchemaByDefinitionInput) (*GetSchemaByDefinitionOutput, error) {
	v, err := s.reg.GetSchemaByDefinition(schemaRef(in.SchemaId), str(in.SchemaDefinition))
	if err != nil {
		return nil, err
	}
	return &GetSchemaByDefinitionOutput{
		SchemaVersionId: &v.ID, SchemaArn: &v.SchemaARN, DataFormat: DataFormat(v.DataFormat),
		Status: SchemaVersionStatus(v.Status), CreatedTime: stamp(v.Created),
	}, nil
}

// ListSchemaVersions lists a schema's versions.
func (s *Service) ListSchemaVersions(_ context.Context, in *ListSchemaVersionsInput) (*ListSchemaVersionsOutput, error) {
	vs, next, err := s.reg.ListSchemaVersions(schemaRef(in.SchemaId), page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &ListSchemaVersionsOutput{Schemas: []SchemaVersionListItem{}, NextToken: optStr(next)}
	for _, v := range vs {
		out.Schemas = append(out.Schemas, SchemaVersionListItem{
			SchemaArn: ptr(v.SchemaARN), SchemaVersionId: ptr(v.ID), VersionNumber: ptr(v.Number),
			Status: SchemaVersionStatus(v.Status), CreatedTime: stamp(v.Created),
		})
	}
	return out, nil
}

// CheckSchemaVersionValidity validates a definition's syntax.
func (s *Service) CheckSchemaVersionValidity(_ context.Context, in *CheckSchemaVersionValidityInput) (*CheckSchemaVersionValidityOutput, error) {
	msg, err := s.reg.CheckValidity(string(in.DataFormat), str(in.SchemaDefinition))
	if err != nil {
		return nil, err
	}
	return &CheckSchemaVersionValidityOutput{Valid: ptr(msg == ""), Error: optStr(msg)}, nil
}

// DeleteSchemaVersions deletes a version or a range of versions.
func (s *Service) DeleteSchemaVersions(_ context.Context, in *DeleteSchemaVersionsInput) (*DeleteSchemaVersionsOutput, error) {
	errs, err := s.reg.DeleteSchemaVersions(schemaRef(in.SchemaId), str(in.Versions))
	if err != nil {
		return nil, err
	}
	out := &DeleteSchemaVersionsOutput{SchemaVersionErrors: []SchemaVersionErrorItem{}}
	for _, e := range errs {
		out.SchemaVersionErrors = append(out.SchemaVersionErrors, SchemaVersionErrorItem{
			VersionNumber: ptr(e.Number),
			ErrorDetails:  &ErrorDetails{ErrorCode: ptr(e.Code), ErrorMessage: ptr(e.Message)},
		})
	}
	return out, nil
}

// GetSchemaVersionsDiff returns the JSON Patch between two versions.
func (s *Service) GetSchemaVersionsDiff(_ context.Context, in *GetSchemaVersionsDiffInput) (*GetSchemaVersionsDiffOutput, error) {
	d, err := s.reg.GetSchemaVersionsDiff(schemaRef(in.SchemaId), versionNumber(in.FirstSchemaVersionNumber),
		versionNumber(in.SecondSchemaVersionNumber), string(in.SchemaDiffType))
	if err != nil {
		return nil, err
	}
	return &GetSchemaVersionsDiffOutput{Diff: &d}, nil
}

func metadataOutput(r *registry.MetadataResult) (arn, name, reg *string, latest *bool, num *int64, id, key, value *string) {
	v := r.Version
	return ptr(v.SchemaARN), ptr(v.SchemaName), ptr(v.RegistryName), ptr(v.IsLatest), ptr(v.Number), ptr(v.ID), ptr(r.Key), ptr(r.Value)
}

// PutSchemaVersionMetadata adds a metadata key-value pair to a version.
func (s *Service) PutSchemaVersionMetadata(_ context.Context, in *PutSchemaVersionMetadataInput) (*PutSchemaVersionMetadataOutput, error) {
	kv := in.MetadataKeyValue
	r, err := s.reg.PutSchemaVersionMetadata(versionRef(in.SchemaId, in.SchemaVersionNumber, in.SchemaVersionId), str(kv.MetadataKey), str(kv.MetadataValue))
	if err != nil {
		return nil, err
	}
	out := &PutSchemaVersionMetadataOutput{}
	out.SchemaArn, out.SchemaName, out.RegistryName, out.LatestVersion, out.VersionNumber, out.SchemaVersionId, out.MetadataKey, out.MetadataValue = metadataOutput(r)
	return out, nil
}

// RemoveSchemaVersionMetadata removes a metadata key-value pair.
func (s *Service) RemoveSchemaVersionMetadata(_ context.Context, in *RemoveSchemaVersionMetadataInput) (*RemoveSchemaVersionMetadataOutput, error) {
	kv := in.MetadataKeyValue
	if kv == nil {
		kv = &MetadataKeyValuePair{}
	}
	r, err := s.reg.RemoveSchemaVersionMetadata(versionRef(in.SchemaId, in.SchemaVersionNumber, in.SchemaVersionId), str(kv.MetadataKey), str(kv.MetadataValue))
	if err != nil {
		return nil, err
	}
	out := &RemoveSchemaVersionMetadataOutput{}
	out.SchemaArn, out.SchemaName, out.RegistryName, out.LatestVersion, out.VersionNumber, out.SchemaVersionId, out.MetadataKey, out.MetadataValue = metadataOutput(r)
	return out, nil
}

// QuerySchemaVersionMetadata returns a version's metadata.
func (s *Service) QuerySchemaVersionMetadata(_ context.Context, in *QuerySchemaVersionMetadataInput) (*QuerySchemaVersionMetadataOutput, error) {
	var filters []registry.MetadataFilter
	for _, kv := range in.MetadataList {
		filters = append(filters, registry.MetadataFilter{Key: str(kv.MetadataKey), Value: str(kv.MetadataValue)})
	}
	id, infos, next, err := s.reg.QuerySchemaVersionMetadata(versionRef(in.SchemaId, in.SchemaVersionNumber, in.SchemaVersionId), filters, page(in.MaxResults, in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &QuerySchemaVersionMetadataOutput{SchemaVersionId: &id, MetadataInfoMap: map[string]MetadataInfo{}, NextToken: optStr(next)}
	for k, info := range infos {
		mi := MetadataInfo{MetadataValue: ptr(info.Value), CreatedTime: stamp(info.Created)}
		for _, o := range info.Others {
			mi.OtherMetadataValueList = append(mi.OtherMetadataValueList, OtherMetadataValueListItem{MetadataValue: ptr(o.Value), CreatedTime: stamp(o.Created)})
		}
		out.MetadataInfoMap[k] = mi
	}
	return out, nil
}

// TagResource tags a registry or schema.
func (s *Service) TagResource(_ context.Context, in *TagResourceInput) (*TagResourceOutput, error) {
	if err := s.reg.TagResource(str(in.ResourceArn), in.TagsToAdd); err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResource removes tags from a registry or schema.
func (s *Service) UntagResource(_ context.Context, in *UntagResourceInput) (*UntagResourceOutput, error) {
	if err := s.reg.UntagResource(str(in.ResourceArn), in.TagsToRemove); err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// GetTags returns the tags of a registry or schema.
func (s *Service) GetTags(_ context.Context, in *GetTagsInput) (*GetTagsOutput, error) {
	tags, err := s.reg.GetTags(str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	return &GetTagsOutput{Tags: tags}, nil
}

// SchemaVersionReport describes a schema version for the admin API: its
// status and, when it FAILED, the findings that say why.
type SchemaVersionReport struct {
	SchemaVersionID string             `json:"schemaVersionId"`
	SchemaArn       string             `json:"schemaArn"`
	VersionNumber   int64              `json:"versionNumber"`
	Status          string             `json:"status"`
	Findings        []registry.Finding `json:"findings"`
}

// SchemaVersionReport explains the version with id.
func (s *Service) SchemaVersionReport(id string) (any, error) {
	v, err := s.reg.GetSchemaVersion(registry.VersionRef{ID: id})
	if err != nil {
		return nil, err
	}
	findings := v.Findings
	if findings == nil {
		findings = []registry.Finding{}
	}
	return &SchemaVersionReport{SchemaVersionID: v.ID, SchemaArn: v.SchemaARN, VersionNumber: v.Number, Status: v.Status, Findings: findings}, nil
}
