package schemas

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Code binding generation: a schema version's content becomes source code
// in one of AWS's four languages, zipped the way AWS's bindings unpack
// (schema/<source path>/<package>/...). The type model is shared: every
// object schema (component, definition or inline object) is a class with
// one field per property.

// bindingType is the language-independent type of a property.
type bindingType struct {
	kind  string // string, time, int32, int64, double, bool, any, array, class, map
	class string // kind class
	elem  *bindingType
}

type bindingField struct {
	wire     string // JSON member name
	typ      bindingType
	required bool
}

type bindingClass struct {
	name   string
	fields []bindingField
}

// bindingModel is what the generators render.
type bindingModel struct {
	root    string         // the class an event unmarshals into
	classes []bindingClass // root first, then by name
	// pathParts are the directories under schema/ (the event source's
	// dot-separated parts, then the package).
	pathParts []string
	pkg       string
}

const maxBindingClasses = 1000

var errUnsupportedContent = errors.New("schema content cannot be turned into code")

// buildBindingModel reads an OpenApi3 or JSONSchemaDraft4 document.
func buildBindingModel(schemaName, typ, content string) (*bindingModel, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", errUnsupportedContent, err)
	}
	defs := map[string]any{}
	refPrefix := "#/components/schemas/"
	var rootName, rootDef string
	var rootSchema any
	if typ == string(TypeJSONSchemaDraft4) {
		refPrefix = "#/definitions/"
		if d, ok := doc["definitions"].(map[string]any); ok {
			defs = d
		}
		rootName = className(stringOr(doc["title"], schemaAfterAt(schemaName)))
		rootSchema = doc
	} else {
		comps, _ := doc["components"].(map[string]any)
		sch, _ := comps["schemas"].(map[string]any)
		if len(sch) == 0 {
			return nil, fmt.Errorf("%w: no components.schemas", errUnsupportedContent)
		}
		defs = sch
		rootDef = rootComponent(sch)
		rootSchema = sch[rootDef]
		rootName = className(rootDef)
	}
	b := &modelBuilder{defs: defs, refPrefix: refPrefix, classes: map[string]*bindingClass{}, byDef: map[string]string{}}
	if rootDef != "" {
		b.byDef[rootDef] = rootName
	}
	if err := b.class(rootName, rootSchema, 0); err != nil {
		return nil, err
	}
	if typ != string(TypeJSONSchemaDraft4) {
		// Components no other one reaches become classes too.
		for _, d := range sortedKeys(defs) {
			if _, err := b.typeOf(map[string]any{"$ref": refPrefix + d}, rootName, d, 1); err != nil {
				return nil, err
			}
		}
	}
	m := &bindingModel{root: rootName}
	m.classes = append(m.classes, *b.classes[rootName])
	for _, n := range sortedKeys(b.classes) {
		if n != rootName {
			m.classes = append(m.classes, *b.classes[n])
		}
	}
	source, rest, found := strings.Cut(schemaName, "@")
	if found {
		for _, p := range strings.Split(source, ".") {
			if p = identLower(p); p != "" {
				m.pathParts = append(m.pathParts, p)
			}
		}
	} else {
		rest = schemaName
	}
	m.pkg = identLower(rest)
	if m.pkg == "" {
		m.pkg = "event"
	}
	m.pathParts = append(m.pathParts, m.pkg)
	return m, nil
}

// rootComponent is the component an event unmarshals into: AWSEvent when
// present, else the first (by name) that no other component references.
func rootComponent(sch map[string]any) string {
	if _, ok := sch["AWSEvent"]; ok {
		return "AWSEvent"
	}
	refs, _ := json.Marshal(sch)
	names := sortedKeys(sch)
	for _, n := range names {
		if !bytes.Contains(refs, []byte(`"#/components/schemas/`+n+`"`)) {
			return n
		}
	}
	return names[0]
}

type modelBuilder struct {
	defs      map[string]any
	refPrefix string
	classes   map[string]*bindingClass
	byDef     map[string]string // definition name -> class name
}

func (b *modelBuilder) class(name string, schema any, depth int) error {
	if depth > maxInferDepth {
		return errTooDeep
	}
	if _, done := b.classes[name]; done {
		return nil
	}
	if len(b.classes) >= maxBindingClasses {
		return fmt.Errorf("%w: more than %d object types", errUnsupportedContent, maxBindingClasses)
	}
	c := &bindingClass{name: name}
	b.classes[name] = c
	m, _ := schema.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	req := map[string]bool{}
	if r, ok := m["required"].([]any); ok {
		for _, x := range r {
			if s, ok := x.(string); ok {
				req[s] = true
			}
		}
	}
	for _, p := range sortedKeys(props) {
		t, err := b.typeOf(props[p], name, p, depth+1)
		if err != nil {
			return err
		}
		c.fields = append(c.fields, bindingField{wire: p, typ: t, required: req[p]})
	}
	return nil
}

func (b *modelBuilder) typeOf(schema any, parent, prop string, depth int) (bindingType, error) {
	if depth > maxInferDepth {
		return bindingType{}, errTooDeep
	}
	m, _ := schema.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		def, found := strings.CutPrefix(ref, b.refPrefix)
		target, exists := b.defs[def]
		if !found || !exists {
			return bindingType{}, fmt.Errorf("%w: unresolvable reference %q", errUnsupportedContent, ref)
		}
		cn, seen := b.byDef[def]
		if !seen {
			cn = b.freeName(className(def))
			b.byDef[def] = cn
			if err := b.class(cn, target, depth+1); err != nil {
				return bindingType{}, err
			}
		}
		return bindingType{kind: "class", class: cn}, nil
	}
	t, _ := m["type"].(string)
	switch t {
	case "string":
		if f, _ := m["format"].(string); f == "date-time" {
			return bindingType{kind: "time"}, nil
		}
		return bindingType{kind: "string"}, nil
	case "integer":
		if f, _ := m["format"].(string); f == "int32" {
			return bindingType{kind: "int32"}, nil
		}
		return bindingType{kind: "int64"}, nil
	case "number":
		return bindingType{kind: "double"}, nil
	case "boolean":
		return bindingType{kind: "bool"}, nil
	case "array":
		e, err := b.typeOf(m["items"], parent, prop+"Item", depth+1)
		if err != nil {
			return bindingType{}, err
		}
		return bindingType{kind: "array", elem: &e}, nil
	case "object":
		if _, ok := m["properties"].(map[string]any); ok {
			cn := b.freeName(className(prop))
			if err := b.class(cn, m, depth+1); err != nil {
				return bindingType{}, err
			}
			return bindingType{kind: "class", class: cn}, nil
		}
		return bindingType{kind: "map"}, nil
	}
	return bindingType{kind: "any"}, nil
}

func (b *modelBuilder) freeName(n string) string {
	if _, taken := b.classes[n]; !taken {
		return n
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s%d", n, i)
		if _, taken := b.classes[c]; !taken {
			return c
		}
	}
}

// className is a type name for any language: letters and digits of s,
// words capitalised, never starting with a digit.
func className(s string) string {
	n := pascalName(s)
	if n == "" {
		return "Type"
	}
	if unicode.IsDigit(rune(n[0])) {
		n = "T" + n
	}
	return n
}

// fieldIdent is a member name for a JSON property: lower camel case.
func fieldIdent(wire string) string {
	n := pascalName(wire)
	if n == "" {
		return "field"
	}
	if unicode.IsDigit(rune(n[0])) {
		return "f" + n
	}
	return strings.ToLower(n[:1]) + n[1:]
}

// identLower is s reduced to lower-case letters, digits and underscores,
// not starting with a digit.
func identLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '_':
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out != "" && out[0] >= '0' && out[0] <= '9' {
		out = "s" + out
	}
	return out
}

func schemaAfterAt(name string) string {
	if _, rest, ok := strings.Cut(name, "@"); ok {
		return rest
	}
	return name
}

func stringOr(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Languages AWS generates code bindings for.
const (
	langJava8       = "Java8"
	langPython36    = "Python36"
	langTypeScript3 = "TypeScript3"
	langGo1         = "Go1"
)

func knownLanguage(l string) bool {
	switch l {
	case langJava8, langPython36, langTypeScript3, langGo1:
		return true
	}
	return false
}

// generateBinding renders the model in lang and zips it; mod is the zip
// entries' modification time.
func generateBinding(m *bindingModel, lang string, mod time.Time) ([]byte, error) {
	var files map[string]string
	switch lang {
	case langGo1:
		files = goBinding(m)
	case langPython36:
		files = pythonBinding(m)
	case langTypeScript3:
		files = typeScriptBinding(m)
	case langJava8:
		files = javaBinding(m)
	default:
		return nil, fmt.Errorf("unknown language %q", lang)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return nil, fmt.Errorf("zipping %s: %w", name, err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			return nil, fmt.Errorf("zipping %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zipping code binding: %w", err)
	}
	return buf.Bytes(), nil
}

func (m *bindingModel) dir() string { return "schema/" + strings.Join(m.pathParts, "/") + "/" }

// goIdent is an exported Go name for a property.
func goIdent(wire string) string {
	n := fieldIdent(wire)
	n = strings.ToUpper(n[:1]) + n[1:]
	switch n {
	case "Marshal", "Unmarshal":
		n += "_"
	}
	return n
}

func goType(t bindingType) string {
	switch t.kind {
	case "string":
		return "string"
	case "time":
		return "time.Time"
	case "int32":
		return "int32"
	case "int64":
		return "int64"
	case "double":
		return "float64"
	case "bool":
		return "bool"
	case "array":
		return "[]" + goType(*t.elem)
	case "class":
		return t.class
	case "map":
		return "map[string]interface{}"
	}
	return "interface{}"
}

func usesTime(t bindingType) bool {
	return t.kind == "time" || (t.kind == "array" && usesTime(*t.elem))
}

func goBinding(m *bindingModel) map[string]string {
	files := map[string]string{}
	for _, c := range m.classes {
		var b strings.Builder
		fmt.Fprintf(&b, "package %s\n\n", m.pkg)
		needTime := false
		for _, f := range c.fields {
			needTime = needTime || usesTime(f.typ)
		}
		if needTime {
			b.WriteString("import \"time\"\n\n")
		}
		fmt.Fprintf(&b, "// %s is generated by evolvestack from the schema.\ntype %s struct {\n", c.name, c.name)
		used := map[string]int{}
		for _, f := range c.fields {
			id := goIdent(f.wire)
			used[id]++
			if used[id] > 1 {
				id = fmt.Sprintf("%s%d", id, used[id])
			}
			omit := ",omitempty"
			if f.required {
				omit = ""
			}
			fmt.Fprintf(&b, "\t%s %s `json:%q`\n", id, goType(f.typ), f.wire+omit)
		}
		b.WriteString("}\n")
		files[m.dir()+c.name+".go"] = b.String()
	}
	files[m.dir()+"marshaller.go"] = fmt.Sprintf(`package %[1]s

import "encoding/json"

// Marshal encodes a %[2]s as JSON.
func Marshal(input %[2]s) ([]byte, error) {
	return json.Marshal(input)
}

// Unmarshal decodes an event into a %[2]s.
func Unmarshal(input []byte) (%[2]s, error) {
	var output %[2]s
	err := json.Unmarshal(input, &output)
	return output, err
}
`, m.pkg, m.root)
	return files
}

func pyType(t bindingType) string {
	switch t.kind {
	case "string":
		return "str"
	case "time":
		return "datetime"
	case "int32", "int64":
		return "int"
	case "double":
		return "float"
	case "bool":
		return "bool"
	case "array":
		return "List[" + pyType(*t.elem) + "]"
	case "class":
		return t.class
	case "map":
		return "Dict[str, object]"
	}
	return "object"
}

// pyIdent is a snake_case Python name for a property.
func pyIdent(wire string) string {
	var b strings.Builder
	for i, r := range fieldIdent(wire) {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	n := b.String()
	switch n {
	case "class", "def", "from", "import", "in", "is", "return", "global", "lambda", "pass", "raise", "try", "while", "with", "yield", "and", "or", "not", "as", "assert", "break", "continue", "del", "elif", "else", "except", "finally", "for", "if", "none", "true", "false", "nonlocal", "async", "await", "self":
		n += "_"
	}
	return n
}

// pyDecode is the expression turning JSON value v into type t.
func pyDecode(t bindingType, v string) string {
	switch t.kind {
	case "time":
		return "_parse_time(" + v + ")"
	case "class":
		return t.class + ".from_dict(" + v + ")"
	case "array":
		return "[" + pyDecode(*t.elem, "x") + " for x in " + v + "]"
	}
	return v
}

func pyEncode(t bindingType, v string) string {
	switch t.kind {
	case "time":
		return v + ".isoformat()"
	case "class":
		return v + ".to_dict()"
	case "array":
		return "[" + pyEncode(*t.elem, "x") + " for x in " + v + "]"
	}
	return v
}

func pythonBinding(m *bindingModel) map[string]string {
	var b strings.Builder
	b.WriteString("# Generated by evolvestack from the schema.\nfrom datetime import datetime\nfrom typing import Dict, List, Optional\n\n\n")
	b.WriteString("def _parse_time(value):\n    return datetime.fromisoformat(value.replace('Z', '+00:00'))\n\n\n")
	// Classes are emitted in reverse so that a class is defined before
	// the classes that name it in annotations (annotations are strings).
	for i := len(m.classes) - 1; i >= 0; i-- {
		c := m.classes[i]
		fmt.Fprintf(&b, "class %s(object):\n", c.name)
		fmt.Fprintf(&b, "    attribute_map = {\n")
		for _, f := range c.fields {
			fmt.Fprintf(&b, "        %q: %q,\n", pyIdent(f.wire), f.wire)
		}
		b.WriteString("    }\n\n")
		b.WriteString("    def __init__(self")
		for _, f := range c.fields {
			fmt.Fprintf(&b, ", %s: 'Optional[%s]' = None", pyIdent(f.wire), pyType(f.typ))
		}
		b.WriteString("):\n")
		if len(c.fields) == 0 {
			b.WriteString("        pass\n")
		}
		for _, f := range c.fields {
			fmt.Fprintf(&b, "        self.%s = %s\n", pyIdent(f.wire), pyIdent(f.wire))
		}
		b.WriteString("\n    @classmethod\n    def from_dict(cls, data):\n        if data is None:\n            return None\n        obj = cls()\n")
		for _, f := range c.fields {
			fmt.Fprintf(&b, "        if data.get(%q) is not None:\n            obj.%s = %s\n", f.wire, pyIdent(f.wire), pyDecode(f.typ, fmt.Sprintf("data[%q]", f.wire)))
		}
		b.WriteString("        return obj\n\n    def to_dict(self):\n        out = {}\n")
		for _, f := range c.fields {
			fmt.Fprintf(&b, "        if self.%[1]s is not None:\n            out[%[2]q] = %[3]s\n", pyIdent(f.wire), f.wire, pyEncode(f.typ, "self."+pyIdent(f.wire)))
		}
		b.WriteString("        return out\n\n\n")
	}
	files := map[string]string{}
	files[m.dir()+m.root+".py"] = strings.TrimRight(b.String(), "\n") + "\n"
	files[m.dir()+"marshaller.py"] = fmt.Sprintf(`# Generated by evolvestack from the schema.
import json

from .%[1]s import %[1]s


class Marshaller:
    @staticmethod
    def marshall(obj):
        return json.dumps(obj.to_dict())

    @staticmethod
    def unmarshall(data, typeName=None):
        if isinstance(data, (str, bytes)):
            data = json.loads(data)
        return %[1]s.from_dict(data)
`, m.root)
	files[m.dir()+"__init__.py"] = fmt.Sprintf("from .%[1]s import %[1]s\nfrom .marshaller import Marshaller\n", m.root)
	// Package markers for every directory above.
	for i := 0; i < len(m.pathParts); i++ {
		files["schema/"+strings.Join(m.pathParts[:i], "/")+strings.Repeat("/", min(i, 1))+"__init__.py"] = ""
	}
	return files
}

func tsType(t bindingType) string {
	switch t.kind {
	case "string":
		return "string"
	case "time":
		return "Date"
	case "int32", "int64", "double":
		return "number"
	case "bool":
		return "boolean"
	case "array":
		return "Array<" + tsType(*t.elem) + ">"
	case "class":
		return t.class
	case "map":
		return "{ [key: string]: any }"
	}
	return "any"
}

func typeScriptBinding(m *bindingModel) map[string]string {
	files := map[string]string{}
	var idx strings.Builder
	for _, c := range m.classes {
		var b strings.Builder
		imports := map[string]bool{}
		for _, f := range c.fields {
			for t := f.typ; ; t = *t.elem {
				if t.kind == "class" && t.class != c.name {
					imports[t.class] = true
				}
				if t.kind != "array" {
					break
				}
			}
		}
		for _, n := range sortedKeys(imports) {
			fmt.Fprintf(&b, "import { %[1]s } from './%[1]s';\n", n)
		}
		if len(imports) > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "// Generated by evolvestack from the schema.\nexport class %s {\n", c.name)
		for _, f := range c.fields {
			opt := "?"
			if f.required {
				opt = "!"
			}
			fmt.Fprintf(&b, "  %q%s: %s;\n", f.wire, opt, tsType(f.typ))
		}
		b.WriteString("}\n")
		files[m.dir()+c.name+".ts"] = b.String()
		fmt.Fprintf(&idx, "export * from './%s';\n", c.name)
	}
	files[m.dir()+"Marshaller.ts"] = fmt.Sprintf(`import { %[1]s } from './%[1]s';

// Generated by evolvestack from the schema.
export class Marshaller {
  static marshall(input: %[1]s): string {
    return JSON.stringify(input);
  }

  static unmarshal(input: string): %[1]s {
    return JSON.parse(input) as %[1]s;
  }
}
`, m.root)
	idx.WriteString("export * from './Marshaller';\n")
	files[m.dir()+"index.ts"] = idx.String()
	return files
}

func javaType(t bindingType) string {
	switch t.kind {
	case "string":
		return "String"
	case "time":
		return "java.time.OffsetDateTime"
	case "int32":
		return "Integer"
	case "int64":
		return "Long"
	case "double":
		return "Double"
	case "bool":
		return "Boolean"
	case "array":
		return "java.util.List<" + javaType(*t.elem) + ">"
	case "class":
		return t.class
	case "map":
		return "java.util.Map<String, Object>"
	}
	return "Object"
}

var javaKeywords = map[string]bool{"abstract": true, "assert": true, "boolean": true, "break": true, "byte": true, "case": true, "catch": true,
	"char": true, "class": true, "const": true, "continue": true, "default": true, "do": true, "double": true, "else": true, "enum": true,
	"extends": true, "final": true, "finally": true, "float": true, "for": true, "goto": true, "if": true, "implements": true, "import": true,
	"instanceof": true, "int": true, "interface": true, "long": true, "native": true, "new": true, "package": true, "private": true,
	"protected": true, "public": true, "return": true, "short": true, "static": true, "strictfp": true, "super": true, "switch": true,
	"synchronized": true, "this": true, "throw": true, "throws": true, "transient": true, "try": true, "void": true, "volatile": true,
	"while": true, "true": true, "false": true, "null": true, "var": true, "record": true, "yield": true}

func javaBinding(m *bindingModel) map[string]string {
	files := map[string]string{}
	pkg := "schema." + strings.Join(m.pathParts, ".")
	dir := "src/main/java/" + m.dir()
	for _, c := range m.classes {
		var b strings.Builder
		fmt.Fprintf(&b, "package %s;\n\n// Generated by evolvestack from the schema.\npublic class %s {\n", pkg, c.name)
		used := map[string]int{}
		idents := make([]string, len(c.fields))
		for i, f := range c.fields {
			id := fieldIdent(f.wire)
			if javaKeywords[id] {
				id += "_"
			}
			used[id]++
			if used[id] > 1 {
				id = fmt.Sprintf("%s%d", id, used[id])
			}
			idents[i] = id
			fmt.Fprintf(&b, "  private %s %s = null;\n", javaType(f.typ), id)
		}
		for i, f := range c.fields {
			up := strings.ToUpper(idents[i][:1]) + idents[i][1:]
			fmt.Fprintf(&b, "\n  public %[1]s get%[2]s() {\n    return %[3]s;\n  }\n\n  public void set%[2]s(%[1]s %[3]s) {\n    this.%[3]s = %[3]s;\n  }\n",
				javaType(f.typ), up, idents[i])
		}
		b.WriteString("}\n")
		files[dir+c.name+".java"] = b.String()
	}
	return files
}
