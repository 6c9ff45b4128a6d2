package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// parseJSON decodes content keeping numbers exact.
func parseJSON(content string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(content))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding schema content: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("decoding schema content: trailing data after the document")
	}
	return v, nil
}

// canonical renders a decoded document with sorted keys and no spacing, so
// that two contents differing only in layout or key order compare equal.
func canonical(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // maps of decoded JSON always encode
	return strings.TrimSuffix(buf.String(), "\n")
}

// invalidContent is the BadRequestException of a definition AWS rejects.
// unverified: AWS's wording; it names the type and the problem.
func invalidContent(typ Type, format string, args ...any) error {
	return errBadRequest("Invalid %s schema content: %s", typ, fmt.Sprintf(format, args...))
}

// validateContent checks content as a definition of type typ and returns
// its canonical form.
func validateContent(typ Type, content string) (string, error) {
	doc, err := parseJSON(content)
	if err != nil {
		return "", invalidContent(typ, "the content is not valid JSON")
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return "", invalidContent(typ, "the content must be a JSON object")
	}
	switch typ {
	case TypeOpenApi3:
		if err := checkOpenAPI3(obj); err != nil {
			return "", invalidContent(typ, "%s", err.Error())
		}
	case TypeJSONSchemaDraft4:
		if err := checkDraft4(obj); err != nil {
			return "", invalidContent(typ, "%s", err.Error())
		}
	default:
		return "", errBadRequest("Invalid schema type %s.", typ)
	}
	return canonical(doc), nil
}

// checkOpenAPI3 checks the structure EventBridge requires of an OpenAPI 3
// schema document: an openapi 3.x version, info with title and version,
// paths, and the event's schemas under components.schemas, each itself a
// schema object.
func checkOpenAPI3(obj map[string]any) error {
	v, ok := obj["openapi"].(string)
	if !ok || !strings.HasPrefix(v, "3.") {
		return fmt.Errorf("the openapi member must be a 3.x version string")
	}
	info, ok := obj["info"].(map[string]any)
	if !ok {
		return fmt.Errorf("the info member must be an object")
	}
	if _, ok := info["title"].(string); !ok {
		return fmt.Errorf("info.title must be a string")
	}
	if _, ok := info["version"].(string); !ok {
		return fmt.Errorf("info.version must be a string")
	}
	if _, ok := obj["paths"].(map[string]any); !ok {
		return fmt.Errorf("the paths member must be an object")
	}
	comps, ok := obj["components"].(map[string]any)
	if !ok {
		return fmt.Errorf("the components member must be an object")
	}
	schemas, ok := comps["schemas"].(map[string]any)
	if !ok || len(schemas) == 0 {
		return fmt.Errorf("components.schemas must be an object with at least one schema")
	}
	for name, sch := range schemas {
		if _, ok := sch.(map[string]any); !ok {
			return fmt.Errorf("components.schemas.%s must be an object", name)
		}
	}
	return checkRefs(obj, obj)
}

// checkRefs reports a local $ref that points nowhere.
func checkRefs(root, v any) error {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok && strings.HasPrefix(ref, "#/") {
			if !resolvePointer(root, ref[2:]) {
				return fmt.Errorf("$ref %s does not resolve", ref)
			}
		}
		for _, c := range t {
			if err := checkRefs(root, c); err != nil {
				return err
			}
		}
	case []any:
		for _, c := range t {
			if err := checkRefs(root, c); err != nil {
				return err
			}
		}
	}
	return nil
}

func resolvePointer(root any, ptr string) bool {
	cur := root
	for _, tok := range strings.Split(ptr, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[tok]; !ok {
			return false
		}
	}
	return true
}

// checkDraft4 compiles obj as a JSON Schema draft 4 document.
func checkDraft4(obj map[string]any) error {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(canonical(obj)))
	if err != nil {
		return fmt.Errorf("the content is not valid JSON")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	const loc = "urn:evolvestack:schemas:content.json"
	if err := c.AddResource(loc, doc); err != nil {
		return fmt.Errorf("%s", firstLine(err.Error()))
	}
	if _, err := c.Compile(loc); err != nil {
		return fmt.Errorf("%s", firstLine(err.Error()))
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
