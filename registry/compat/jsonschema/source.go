package jsonschema

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"weak"

	js "github.com/santhosh-tekuri/jsonschema/v6"
)

// Nodes hold no compiled validator: a compiled definition costs about a
// kilobyte per subschema and pins the whole decoded document, which a
// registry keeping a thousand versions cannot afford. The checker needs a
// validator only where it decides a question by validating values (enums,
// consts, null/boolean-only writers, property names); it then compiles the
// node's definition again, as Parse would, and walks to the node's
// subschema. Compiled definitions are shared while in use (a weak pointer
// from their source) and a store keeps the few it used last.

// source is one definition a node was built from.
type source struct {
	definition string
	draft      Draft

	mu  sync.Mutex
	doc weak.Pointer[compiledDoc]
}

// compiledDoc is a definition compiled with the JSON Schema library.
type compiledDoc struct {
	root *js.Schema
	err  error
}

// compiled returns the definition compiled, compiling it if no one holds
// it compiled.
func (s *source) compiled() *compiledDoc {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.doc.Value(); d != nil {
		return d
	}
	d := &compiledDoc{}
	d.root, d.err = compileSource(s.definition, s.draft)
	s.doc = weak.Make(d)
	return d
}

// keep records d as s's compiled form (one Parse compiled anyway).
func (s *source) keep(d *compiledDoc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc = weak.Make(d)
}

// compileSource compiles a definition Parse accepted, as Parse compiles it.
func compileSource(definition string, draft Draft) (*js.Schema, error) {
	doc, err := decodeJSON(definition)
	if err != nil {
		return nil, err
	}
	if b, ok := doc.(bool); ok {
		return compileBool(b)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("the schema must be a JSON object or a boolean")
	}
	lib, _, err := compileObject(obj, draft)
	return lib, err
}

// compileBool compiles the definition true or false.
func compileBool(v bool) (*js.Schema, error) {
	c := js.NewCompiler()
	c.DefaultDraft(js.Draft7) // any draft with boolean schemas: they mean the same in all
	c.UseLoader(refusingLoader{})
	if err := c.AddResource(resourceURL, v); err != nil {
		return nil, invalid(err, "%s", err.Error())
	}
	lib, err := c.Compile(resourceURL)
	if err != nil {
		return nil, invalid(err, "%s", compileDetail(err))
	}
	return lib, nil
}

// compiledObject is an object definition prepared for the compiler.
type compiledObject struct {
	// doc is the definition without its top-level $schema (and, in
	// draft-04, with boolean subschemas replaced by objects).
	doc map[string]any
	// sentinels are the replaced booleans (see rewriteBooleans).
	sentinels map[uintptr]bool
}

// prepare returns obj as the compiler gets it: the draft is decided by the
// caller (by prefix, as Everit does), so the compiler gets the document
// without its top-level $schema and that draft as default, and never tries
// to load a meta-schema by URL.
func prepare(obj map[string]any, draft Draft) compiledObject {
	doc := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != "$schema" {
			doc[k] = v
		}
	}
	out := compiledObject{doc: doc}
	if draft == Draft04 {
		// Draft-04's meta-schema refuses boolean subschemas that Everit
		// accepts: the compiler gets equivalent objects instead, which
		// the checker reads as the booleans they stand for.
		out.sentinels = map[uintptr]bool{}
		out.doc = rewriteBooleans(doc, out.sentinels).(map[string]any)
	}
	return out
}

// compileObject compiles an object definition; the error is Parse's.
func compileObject(obj map[string]any, draft Draft) (*js.Schema, compiledObject, error) {
	p := prepare(obj, draft)
	c := js.NewCompiler()
	c.DefaultDraft(draft.lib())
	c.UseLoader(refusingLoader{})
	regexes := newRegexEngine()
	c.UseRegexpEngine(regexes.compile)
	if err := c.AddResource(resourceURL, p.doc); err != nil {
		return nil, p, invalid(err, "%s", err.Error())
	}
	root, err := c.Compile(resourceURL)
	if regexes.err != nil {
		return nil, p, invalid(regexes.err, "%s", regexes.err.Error())
	}
	if err != nil {
		return nil, p, invalid(err, "%s", compileDetail(err))
	}
	return root, p, nil
}

// walk follows loc, a path of schema keywords as the builders record it,
// from root through the compiled schemas.
func walk(root *js.Schema, loc string) (*js.Schema, error) {
	s := root
	toks := strings.Split(loc, "/")[1:]
	for i := 0; i < len(toks) && s != nil; i++ {
		kw := toks[i]
		arg := func() (string, error) {
			i++
			if i >= len(toks) {
				return "", fmt.Errorf("path %q ends after %q", loc, kw)
			}
			return strings.ReplaceAll(strings.ReplaceAll(toks[i], "~1", "/"), "~0", "~"), nil
		}
		index := func(list []*js.Schema) (*js.Schema, error) {
			a, err := arg()
			if err != nil {
				return nil, err
			}
			j, err := strconv.Atoi(a)
			if err != nil || j < 0 || j >= len(list) {
				return nil, fmt.Errorf("path %q: no %s %s", loc, kw, a)
			}
			return list[j], nil
		}
		var err error
		switch kw {
		case "$ref":
			s = s.Ref
		case "not":
			s = s.Not
		case "contains":
			s = s.Contains
		case "propertyNames":
			s = s.PropertyNames
		case "if":
			s = s.If
		case "then":
			s = s.Then
		case "else":
			s = s.Else
		case "items":
			switch it := s.Items.(type) {
			case []*js.Schema:
				s, err = index(it)
			case *js.Schema:
				s = it
			default:
				s = nil
			}
		case "additionalItems":
			s, _ = s.AdditionalItems.(*js.Schema)
		case "additionalProperties":
			s, _ = s.AdditionalProperties.(*js.Schema)
		case "allOf":
			s, err = index(s.AllOf)
		case "anyOf":
			s, err = index(s.AnyOf)
		case "oneOf":
			s, err = index(s.OneOf)
		case "properties":
			var a string
			if a, err = arg(); err == nil {
				s = s.Properties[a]
			}
		case "dependencies":
			var a string
			if a, err = arg(); err == nil {
				s, _ = s.Dependencies[a].(*js.Schema)
			}
		case "patternProperties":
			var a string
			if a, err = arg(); err == nil {
				var found *js.Schema
				for re, sub := range s.PatternProperties {
					if re.String() == a {
						found = sub
					}
				}
				s = found
			}
		default:
			err = fmt.Errorf("path %q: unknown keyword %q", loc, kw)
		}
		if err != nil {
			return nil, err
		}
	}
	if s == nil {
		return nil, fmt.Errorf("path %q leads nowhere", loc)
	}
	return s, nil
}

// docCache keeps the compiled definitions a store's checks used last, so
// the checks of one registration against a thousand versions compile a
// definition they validate with once, not once per version.
type docCache struct {
	mu     sync.Mutex
	recent []*compiledDoc // most recent first
}

// docCacheSize bounds a docCache: a compiled definition of a thousand
// properties takes about a megabyte.
const docCacheSize = 8

func (c *docCache) keep(d *compiledDoc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.recent {
		if x == d {
			copy(c.recent[1:i+1], c.recent[:i])
			c.recent[0] = d
			return
		}
	}
	if len(c.recent) < docCacheSize {
		c.recent = append(c.recent, nil)
	}
	copy(c.recent[1:], c.recent)
	c.recent[0] = d
}
