package schemas

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
)

const (
	draft4URI         = "http://json-schema.org/draft-04/schema#"
	componentsRefBase = "#/components/schemas/"
)

// ExportSchema returns a schema version as a JSON Schema draft 4 document.
// As on AWS, only AWS's schemas and discovered ones can be exported.
func (s *Service) ExportSchema(ctx context.Context, in *ExportSchemaInput) (*ExportSchemaOutput, error) {
	if Type(deref(in.Type)) != TypeJSONSchemaDraft4 {
		// unverified
		return nil, errBadRequest("Invalid type %s. The only supported export type is JSONSchemaDraft4.", deref(in.Type))
	}
	s.mu.Lock()
	r, sc, v, err := s.versionLocked(deref(in.RegistryName), deref(in.SchemaName), deref(in.SchemaVersion))
	var content string
	var typ Type
	if err == nil {
		content, typ = v.content, v.typ
		if !r.managed && r.name != discoveredRegistry && !sc.discovered {
			// AWS's text as clients of the real service quote it (e.g. an
			// effect-ts AWS binding's ExportSchema docs), a 403.
			err = errForbidden("You cannot export non discovered or non aws managed schemas.")
		}
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := content
	if typ == TypeOpenApi3 {
		if out, err = openAPIToDraft4(content); err != nil {
			return nil, err
		}
	}
	return &ExportSchemaOutput{
		Content:       ptr(out),
		SchemaArn:     ptr(s.schemaARN(r.name, sc.name)),
		SchemaName:    ptr(sc.name),
		SchemaVersion: ptr(v.id()),
		Type:          ptr(string(TypeJSONSchemaDraft4)),
	}, nil
}

// openAPIToDraft4 converts an OpenAPI 3 event schema to JSON Schema draft 4:
// the root is the AWSEvent component (else the one named by info.title,
// else the first by name), the other components become definitions, refs
// to components are rewritten to definitions (to "#" for the root), and
// OpenAPI-only keywords are mapped (nullable) or dropped.
func openAPIToDraft4(content string) (string, error) {
	doc, err := parseJSON(content)
	if err != nil {
		return "", invalidContent(TypeOpenApi3, "the content is not valid JSON")
	}
	obj, _ := doc.(map[string]any)
	comps, _ := obj["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	if len(schemas) == 0 {
		return "", invalidContent(TypeOpenApi3, "components.schemas must be an object with at least one schema")
	}
	root := ""
	if _, ok := schemas["AWSEvent"]; ok {
		root = "AWSEvent"
	} else if info, ok := obj["info"].(map[string]any); ok {
		if t, ok := info["title"].(string); ok {
			if _, ok := schemas[t]; ok {
				root = t
			}
		}
	}
	if root == "" {
		names := make([]string, 0, len(schemas))
		for n := range schemas {
			names = append(names, n)
		}
		sort.Strings(names)
		root = names[0]
	}
	out := map[string]any{}
	if m, ok := convertOpenAPI(schemas[root], root).(map[string]any); ok {
		out = m
	}
	out["$schema"] = draft4URI
	if _, ok := out["title"]; !ok {
		out["title"] = root
	}
	defs := map[string]any{}
	for n, sch := range schemas {
		if n != root {
			defs[n] = convertOpenAPI(sch, root)
		}
	}
	if len(defs) > 0 {
		out["definitions"] = defs
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return "", errBadRequest("Cannot export schema: %v", err)
	}
	return string(b), nil
}

// openAPIOnly reports the OpenAPI schema-object keywords JSON Schema
// draft 4 lacks.
func openAPIOnly(k string) bool {
	switch k {
	case "nullable", "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated":
		return true
	}
	return false
}

func convertOpenAPI(v any, root string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, c := range t {
			if openAPIOnly(k) {
				continue
			}
			if k == "$ref" {
				if s, ok := c.(string); ok {
					if name, ok := strings.CutPrefix(s, componentsRefBase); ok {
						if name == root {
							c = "#"
						} else {
							c = "#/definitions/" + name
						}
					}
				}
				out[k] = c
				continue
			}
			out[k] = convertOpenAPI(c, root)
		}
		if n, ok := t["nullable"].(bool); ok && n {
			if typ, ok := out["type"].(string); ok {
				out["type"] = []any{typ, "null"}
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, c := range t {
			out[i] = convertOpenAPI(c, root)
		}
		return out
	}
	return v
}
