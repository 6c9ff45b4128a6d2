package schemas

import (
	"context"
	"strings"
)

// SearchSchemas finds the schemas of a registry whose name or content
// holds any of the whitespace-separated keywords, ignoring case; as on
// AWS, each result lists the versions that match. Any keyword, not every
// one: the AWS CLI's search-schemas example searches "first second" and
// finds both first-schema and second-schema (aws-cli
// awscli/examples/schemas/search-schemas.rst).
func (s *Service) SearchSchemas(ctx context.Context, in *SearchSchemasInput) (*SearchSchemasOutput, error) {
	words := strings.Fields(strings.ToLower(deref(in.Keywords)))
	if len(words) == 0 {
		// unverified
		return nil, errBadRequest("Keywords must not be empty.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.registryLocked(deref(in.RegistryName))
	if err != nil {
		return nil, err
	}
	matches := map[string][]*schemaVersion{}
	var keys []string
	for name, sc := range r.schemas {
		if vs := matchingVersions(sc, words); len(vs) > 0 {
			matches[name] = vs
			keys = append(keys, name)
		}
	}
	page, next, err := pageKeys(keys, in.Limit, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &SearchSchemasOutput{Schemas: make([]SearchSchemaSummary, 0, len(page)), NextToken: next}
	for _, name := range page {
		sum := SearchSchemaSummary{
			RegistryName: ptr(r.name),
			SchemaArn:    ptr(s.schemaARN(r.name, name)),
			SchemaName:   ptr(name),
		}
		for _, v := range matches[name] {
			sum.SchemaVersions = append(sum.SchemaVersions, SearchSchemaVersionSummary{
				CreatedDate:   ptr(v.created),
				SchemaVersion: ptr(v.id()),
				Type:          v.typ,
			})
		}
		out.Schemas = append(out.Schemas, sum)
	}
	return out, nil
}

// matchingVersions returns the versions, oldest first, in whose name or
// content a word appears.
func matchingVersions(sc *schema, words []string) []*schemaVersion {
	name := strings.ToLower(sc.name)
	var out []*schemaVersion
	for _, v := range sortedVersions(sc) {
		content := ""
		for _, w := range words {
			if strings.Contains(name, w) {
				out = append(out, v)
				break
			}
			if content == "" {
				content = strings.ToLower(v.content)
			}
			if strings.Contains(content, w) {
				out = append(out, v)
				break
			}
		}
	}
	return out
}
