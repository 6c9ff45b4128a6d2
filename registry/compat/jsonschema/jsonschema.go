// Package jsonschema is the JSON Schema implementation of compat.Format for
// the Glue Schema Registry emulation.
//
// Parse accepts definitions of JSON Schema draft-04, draft-06 and draft-07,
// the drafts AWS Glue supports. The draft is taken from "$schema", matched by
// URL prefix over http and https like the Everit library Glue validates with;
// a definition without "$schema" is read as draft-04, Everit's default (see
// WithDefaultDraft). References may only point inside the definition: any
// reference that would need loading another document is refused.
//
// Boolean schemas (true accepts everything, false nothing) are accepted
// wherever a schema may stand, the whole definition included, in every
// draft: Everit loads a JSON boolean as its TrueSchema or FalseSchema
// whatever the draft, although draft-04's meta-schema has no booleans.
//
// CanRead decides "every document the writer schema accepts is also accepted
// by the reader schema" with a structural, conservative subschema check; see
// check.go for the conventions.
//
// Both are bounded: Parse refuses definitions past the limits of limits.go
// and regex.go before the compiler's work could blow up, and CanRead gives
// up with a "check-inconclusive" finding when a pair would need more than
// the budgets of budget.go.
//
// The check reads nodes (node.go), built straight from the decoded
// definition when it holds no reference (raw.go) and from the compiled
// schema otherwise; a compiled validator is made only when a check or
// Validator needs one (source.go). Format is a compat.Compactor whose
// stores keep those nodes alone for each version, shared between versions
// (store.go).
package jsonschema

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/evolvestack/evolvestack/registry/compat"
	"github.com/evolvestack/evolvestack/registry/compat/internal/jsonscan"
	js "github.com/santhosh-tekuri/jsonschema/v6"
)

// Draft is a JSON Schema specification version Glue accepts.
type Draft int

// The drafts Glue accepts.
const (
	Draft04 Draft = 4
	Draft06 Draft = 6
	Draft07 Draft = 7
)

// String returns the draft's meta-schema URL.
func (d Draft) String() string {
	switch d {
	case Draft04:
		return "http://json-schema.org/draft-04/schema#"
	case Draft06:
		return "http://json-schema.org/draft-06/schema#"
	case Draft07:
		return "http://json-schema.org/draft-07/schema#"
	}
	return fmt.Sprintf("draft(%d)", int(d))
}

func (d Draft) lib() *js.Draft {
	switch d {
	case Draft06:
		return js.Draft6
	case Draft07:
		return js.Draft7
	}
	return js.Draft4
}

// Option configures the Format returned by New.
type Option func(*format)

// WithDefaultDraft sets the draft used for a definition without "$schema"
// (Draft04 unless set, as in the Everit library). Other values are ignored.
func WithDefaultDraft(d Draft) Option {
	return func(f *format) {
		if d == Draft04 || d == Draft06 || d == Draft07 {
			f.defaultDraft = d
		}
	}
}

// InvalidDefinitionError is the error Parse returns for a definition that is
// not valid JSON or not a valid JSON Schema. Its message follows Glue's
// wording for an invalid JSON definition.
type InvalidDefinitionError struct {
	// Detail says what is wrong.
	Detail string
	// Err is the underlying error, if any.
	Err error
}

// Error implements error.
func (e *InvalidDefinitionError) Error() string {
	return "Schema definition of JSON data format is invalid: " + e.Detail
}

// Unwrap returns the underlying error.
func (e *InvalidDefinitionError) Unwrap() error { return e.Err }

func invalid(err error, format string, args ...any) error {
	return &InvalidDefinitionError{Detail: fmt.Sprintf(format, args...), Err: err}
}

type format struct {
	defaultDraft Draft
}

// New returns the JSON Schema format, named "JSON".
func New(opts ...Option) compat.Format {
	f := &format{defaultDraft: Draft04}
	for _, o := range opts {
		if o != nil {
			o(f)
		}
	}
	return f
}

// Name implements compat.Format.
func (f *format) Name() string { return "JSON" }

// Schema is a parsed JSON Schema definition.
type Schema struct {
	draft Draft
	raw   any
	root  *node
	src   *source
	// sum identifies the canonical form (see CanonicalDigest).
	sum digest

	canonicalOnce sync.Once
	canonical     string

	// doc holds the definition compiled while this Schema lives, once
	// something compiled it (Parse, when it had to, or a check).
	docMu sync.Mutex
	doc   *compiledDoc
}

// Canonical implements compat.Schema: the definition with object keys sorted
// and no insignificant whitespace. Number literals are kept as written.
func (s *Schema) Canonical() string {
	s.canonicalOnce.Do(func() {
		if c, err := canonicalJSON(s.raw); err == nil {
			s.canonical = c
		} else {
			s.canonical = s.src.definition
		}
	})
	return s.canonical
}

// CanonicalDigest is a digest of Canonical, without building it: equal for
// equal canonical forms.
func (s *Schema) CanonicalDigest() string { return hex.EncodeToString(s.sum[:]) }

// Draft returns the draft the definition was read as.
func (s *Schema) Draft() Draft { return s.draft }

const resourceURL = "urn:evolvestack:schema"

// refusingLoader refuses every document load: only the definition itself and
// the built-in meta-schemas are available.
type refusingLoader struct{}

func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("remote references are not supported: %s", url)
}

// Parse implements compat.Format.
func (f *format) Parse(definition string) (compat.Schema, error) {
	s, err := f.parse(definition)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (f *format) parse(definition string) (*Schema, error) {
	if err := jsonscan.Scan(definition, scanLimits); err != nil {
		return nil, invalid(err, "%s", err.Error())
	}
	doc, err := decodeJSON(definition)
	if err != nil {
		return nil, invalid(err, "%s", err.Error())
	}
	if b, ok := doc.(bool); ok {
		return f.boolSchema(definition, b)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, invalid(nil, "the schema must be a JSON object or a boolean")
	}
	draft := f.defaultDraft
	if v, ok := obj["$schema"]; ok {
		u, ok := v.(string)
		if !ok {
			return nil, invalid(nil, "$schema must be a string")
		}
		d, ok := draftFromURL(u)
		if !ok {
			return nil, invalid(nil, "could not determine schema version: no meta-schema is known with URL [%s]", u)
		}
		draft = d
	}
	src := &source{definition: definition, draft: draft}
	out := &Schema{draft: draft, raw: doc, src: src}
	// Most definitions (no $ref, no $id, every keyword well-formed) are
	// read directly; the others, and every invalid one, are compiled,
	// which decides their meaning and words their errors.
	rb := newRawBuilder(draft, src)
	if root, ok := rb.definition(obj); ok {
		out.root = root
		out.sum = rb.sums.of(doc).sum
		return out, nil
	}
	lib, prepared, err := compileObject(obj, draft)
	if err != nil {
		return nil, err
	}
	b := newBuilder(prepared.doc, src)
	b.sentinels = prepared.sentinels
	out.root = b.build(lib, "")
	out.sum = b.sums.of(doc).sum
	out.doc = &compiledDoc{root: lib}
	src.keep(out.doc)
	return out, nil
}

// boolSchema is a definition that is just true or false.
func (f *format) boolSchema(definition string, v bool) (*Schema, error) {
	src := &source{definition: definition, draft: f.defaultDraft}
	root := &node{real: true, src: src, draft: int(f.defaultDraft), isBool: true, boolVal: v, types: tAll}
	d := digester{memo: map[uintptr]summary{}}
	root.raw, root.sum, root.pure = true, d.of(v).sum, true
	return &Schema{draft: f.defaultDraft, raw: v, root: root, src: src, sum: root.sum}, nil
}

// Validator returns the compiled schema that validates documents as the
// definition does, compiling the definition on first use.
func (s *Schema) Validator() *js.Schema {
	d := s.compiled()
	if d.err != nil {
		// Parse compiled this definition before: it does not fail.
		panic(fmt.Sprintf("jsonschema: compiling a parsed definition: %v", d.err))
	}
	return d.root
}

// compiled returns the definition compiled, held while s lives.
func (s *Schema) compiled() *compiledDoc {
	s.docMu.Lock()
	defer s.docMu.Unlock()
	if s.doc == nil {
		s.doc = s.src.compiled()
	}
	return s.doc
}

// rewriteBooleans returns v, a draft-04 schema, with every boolean that
// stands where draft-04 wants a schema object replaced by an equivalent
// object: {} for true, {"not":{}} for false. Each replacement is recorded
// in sentinels with the boolean it stands for. Objects on the way to a
// replacement are copied; v itself is not changed. additionalProperties
// and additionalItems take booleans in draft-04 already.
func rewriteBooleans(v any, sentinels map[uintptr]bool) any {
	switch x := v.(type) {
	case bool:
		m := map[string]any{}
		if !x {
			m["not"] = map[string]any{}
		}
		sentinels[reflect.ValueOf(m).Pointer()] = x
		return m
	case map[string]any:
		var out map[string]any
		set := func(k string, nv any) {
			if out == nil {
				out = make(map[string]any, len(x))
				for k2, v2 := range x {
					out[k2] = v2
				}
			}
			out[k] = nv
		}
		for k, sub := range x {
			switch k {
			case "not":
				if nv, changed := rewriteSchema(sub, sentinels); changed {
					set(k, nv)
				}
			case "additionalProperties", "additionalItems":
				if _, isBool := sub.(bool); !isBool {
					if nv, changed := rewriteSchema(sub, sentinels); changed {
						set(k, nv)
					}
				}
			case "items", "allOf", "anyOf", "oneOf":
				if list, ok := sub.([]any); ok {
					if nl, changed := rewriteList(list, sentinels); changed {
						set(k, nl)
					}
				} else if nv, changed := rewriteSchema(sub, sentinels); changed {
					set(k, nv)
				}
			case "properties", "patternProperties", "definitions", "dependencies":
				m, ok := sub.(map[string]any)
				if !ok {
					continue
				}
				var nm map[string]any
				for name, s := range m {
					if _, isList := s.([]any); isList && k == "dependencies" {
						continue // property dependency, not a schema
					}
					if nv, changed := rewriteSchema(s, sentinels); changed {
						if nm == nil {
							nm = make(map[string]any, len(m))
							for n2, v2 := range m {
								nm[n2] = v2
							}
						}
						nm[name] = nv
					}
				}
				if nm != nil {
					set(k, nm)
				}
			}
		}
		if out == nil {
			return x
		}
		return out
	}
	return v
}

// rewriteSchema rewrites one schema position; changed reports a new value.
func rewriteSchema(v any, sentinels map[uintptr]bool) (any, bool) {
	switch v.(type) {
	case bool, map[string]any:
		nv := rewriteBooleans(v, sentinels)
		if m, ok := v.(map[string]any); ok {
			if nm, ok := nv.(map[string]any); ok && sameMap(m, nm) {
				return v, false
			}
		}
		return nv, true
	}
	return v, false
}

func rewriteList(list []any, sentinels map[uintptr]bool) ([]any, bool) {
	var out []any
	for i, e := range list {
		if nv, changed := rewriteSchema(e, sentinels); changed {
			if out == nil {
				out = append([]any(nil), list...)
			}
			out[i] = nv
		}
	}
	if out == nil {
		return list, false
	}
	return out, true
}

// sameMap reports whether a and b are the same map object.
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}

// draftFromURL maps a "$schema" value to a draft by prefix, over http and
// https.
func draftFromURL(u string) (Draft, bool) {
	for _, d := range []Draft{Draft04, Draft06, Draft07} {
		base := strings.TrimSuffix(d.String(), "#")
		if strings.HasPrefix(u, base) || strings.HasPrefix(u, "https"+strings.TrimPrefix(base, "http")) {
			return d, true
		}
	}
	return 0, false
}

func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty definition")
		}
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("malformed JSON: unexpected data after the top-level value")
	}
	return doc, nil
}

// compileDetail turns a compiler error into a one-line detail without the
// internal resource URL.
func compileDetail(err error) string {
	var le *js.LoadURLError
	if errors.As(err, &le) {
		return fmt.Sprintf("remote references are not supported: %s", le.URL)
	}
	var ve *js.SchemaValidationError
	if errors.As(err, &ve) && ve.Err != nil {
		lines := strings.Split(ve.Err.Error(), "\n")
		var parts []string
		for _, l := range lines[1:] {
			l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "-"))
			if l != "" {
				parts = append(parts, l)
			}
		}
		if len(parts) > 0 {
			return "invalid keyword value " + strings.Join(parts, "; ")
		}
	}
	msg := strings.ReplaceAll(err.Error(), resourceURL, "")
	return strings.Join(strings.Fields(msg), " ")
}

// canonicalJSON serialises v with sorted object keys, no whitespace and no
// HTML escaping.
func canonicalJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("serialising canonical form: %w", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// CanRead implements compat.Format. reader and writer are schemas Parse
// returned or their compact forms (see store.go).
func (f *format) CanRead(reader, writer compat.Schema) []compat.Finding {
	c := newChecker()
	r, w := c.root(reader), c.root(writer)
	if r == nil || w == nil {
		return []compat.Finding{{Path: "#", Rule: "not-json-schema",
			Message: "the reader or the writer was not parsed by the JSON Schema format"}}
	}
	out := dedupe(c.sub([]*node{w}, r, "#"))
	if c.exhausted && !hasRule(out, "check-inconclusive") {
		out = append(c.inconclusive("#"), out...)
	}
	if len(out) > maxFindings {
		out = out[:maxFindings]
	}
	for _, s := range []compat.Schema{reader, writer} {
		if p, ok := s.(*Schema); ok && p != nil {
			// A parsed schema keeps what was compiled for it.
			if d, ok := c.docs[p.src]; ok {
				p.docMu.Lock()
				if p.doc == nil {
					p.doc = d
				}
				p.docMu.Unlock()
			}
		}
	}
	return out
}

// root returns the root node of s, a schema of this format, and sets the
// checker up for it; nil for other schemas.
func (c *checker) root(s compat.Schema) *node {
	switch x := s.(type) {
	case *Schema:
		if x == nil || x.root == nil {
			return nil
		}
		x.docMu.Lock()
		if x.doc != nil {
			c.docs[x.src] = x.doc
		}
		x.docMu.Unlock()
		return x.root
	case *compactSchema:
		if x == nil || x.root == nil {
			return nil
		}
		c.cache = &x.store.docs
		return x.root
	}
	return nil
}

func hasRule(fs []compat.Finding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}
