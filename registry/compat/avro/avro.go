// Package avro is the Avro implementation of compat.Format for the Glue
// Schema Registry emulation.
//
// Parsing and validation use github.com/hamba/avro/v2 with a fresh schema
// cache per call (never hamba's package-level cache); definitions in a plain
// subset are read without it and hamba parses them only when asked (see
// raw.go). The canonical form is
// the definition's JSON re-emitted with sorted object keys and no
// insignificant whitespace; it is not Avro's Parsing Canonical Form, so
// defaults, aliases, docs, logical types and namespaces as written all
// distinguish versions.
//
// CanRead implements the schema-resolution rules of the Avro specification
// itself, deciding as Apache Avro Java's SchemaCompatibility does where the
// two differ (see CanRead in resolve.go for the details).
//
// Both are bounded: Parse refuses definitions past the limits of limits.go
// before hamba parses them, and CanRead gives up with a
// "schema-too-complex" finding past its step budget.
//
// The check runs on a compact graph of each schema (node.go), not on
// hamba's objects; Format is also a compat.Compactor whose stores keep that
// graph alone for each version, shared between versions.
package avro

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/compat"
	"github.com/evolvestack/evolvestack/registry/compat/internal/jsonscan"
)

// DataFormat is the Glue DataFormat served by this package.
const DataFormat = "AVRO"

// invalidPrefix starts the message Glue returns for an Avro definition that
// does not parse; the parser's detail follows it.
const invalidPrefix = "Schema definition of AVRO data format is invalid: "

// ErrInvalidDefinition is wrapped by every error Parse returns.
var ErrInvalidDefinition = errors.New("invalid AVRO schema definition")

// InvalidDefinitionError is the error Parse returns for a definition that is
// not a valid Avro schema. Error() is exactly the message Glue reports, so it
// carries no extra context prefix; the underlying cause is kept in Cause.
type InvalidDefinitionError struct {
	// Detail is the parser's explanation, e.g. "No name in schema".
	Detail string
	// Cause is the JSON or Avro parser error behind Detail.
	Cause error
}

// Error returns Glue's message: the fixed prefix followed by the detail.
func (e *InvalidDefinitionError) Error() string { return invalidPrefix + e.Detail }

// Unwrap lets errors.Is match ErrInvalidDefinition and the cause.
func (e *InvalidDefinitionError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrInvalidDefinition}
	}
	return []error{ErrInvalidDefinition, e.Cause}
}

// Format is the Avro compat.Format. Its zero value is ready to use and it
// holds no state, so it is safe for concurrent use.
type Format struct{}

// New returns the Avro format.
func New() compat.Format { return Format{} }

var _ compat.Compactor = Format{}

// Name returns "AVRO".
func (Format) Name() string { return DataFormat }

// Schema is a parsed Avro definition.
type Schema struct {
	definition string
	sum        [32]byte // canonical digest, see CanonicalDigest

	canonicalOnce sync.Once
	canonical     string
	doc           any // the decoded definition, until canonical is built

	parsedOnce sync.Once
	parsed     hamba.Schema

	// fresh is a graph Parse built without hamba (raw.go), not yet
	// handed out: its first user (graph, or a store's Compact, which
	// interns it in place) takes it.
	mu    sync.Mutex
	fresh *node

	once sync.Once
	root *node // the checker's graph, built on first use
}

// take returns the fresh graph, once.
func (s *Schema) take() *node {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.fresh
	s.fresh = nil
	return n
}

// graph returns the checker's graph of the schema.
func (s *Schema) graph() *node {
	s.once.Do(func() {
		if s.root = s.take(); s.root == nil {
			s.root = buildGraph(s.Avro())
		}
	})
	return s.root
}

// Canonical returns the definition as sorted-key, whitespace-free JSON.
func (s *Schema) Canonical() string {
	s.canonicalOnce.Do(func() {
		s.canonical = encodeCanonical(s.doc)
		s.doc = nil
	})
	return s.canonical
}

// CanonicalDigest is a digest of Canonical, without building it: equal for
// equal canonical forms.
func (s *Schema) CanonicalDigest() string { return hex.EncodeToString(s.sum[:]) }

// Avro returns the hamba representation of the schema, parsing the
// definition on first use when Parse did not need hamba.
func (s *Schema) Avro() hamba.Schema {
	s.parsedOnce.Do(func() {
		if s.parsed == nil {
			p, err := parseAvro(s.definition)
			if err != nil {
				// Parse checked this definition: hamba accepts it.
				panic(fmt.Sprintf("avro: parsing a parsed definition: %v", err))
			}
			s.parsed = p
		}
	})
	return s.parsed
}

// Parse validates definition as an Avro schema. A definition that is not
// valid JSON or not a valid Avro schema yields an *InvalidDefinitionError.
//
// Definitions beyond the limits in limits.go are refused with an
// *InvalidDefinitionError before hamba sees them.
func (Format) Parse(definition string) (compat.Schema, error) {
	if err := jsonscan.Scan(definition, scanLimits); err != nil {
		return nil, &InvalidDefinitionError{Detail: err.Error(), Cause: err}
	}
	doc, err := decodeDefinition(definition)
	if err != nil {
		return nil, &InvalidDefinitionError{Detail: err.Error(), Cause: err}
	}
	if err := checkShape(doc); err != nil {
		return nil, &InvalidDefinitionError{Detail: err.Error(), Cause: err}
	}
	if err := checkNames(doc); err != nil {
		return nil, &InvalidDefinitionError{Detail: err.Error(), Cause: err}
	}
	s := &Schema{definition: definition, doc: doc, sum: digestJSON(doc)}
	if root, ok := rawGraph(doc); ok {
		s.fresh = root
		return s, nil
	}
	parsed, err := parseAvro(definition)
	if err != nil {
		return nil, &InvalidDefinitionError{Detail: avroDetail(err), Cause: err}
	}
	s.parsed = parsed
	return s, nil
}

// parseAvro runs hamba's parser with a cache private to this call and turns
// any panic inside the library into an error.
func parseAvro(definition string) (s hamba.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("avro: %v", r)
		}
	}()
	return hamba.ParseBytesWithCache([]byte(definition), "", &hamba.SchemaCache{})
}

// avroDetail rewords hamba's error text; where Avro Java (whose parser Glue's
// messages appear to come from) words the same fault, that wording is used.
func avroDetail(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "non-empty name key required"):
		return "No name in schema"
	case strings.HasPrefix(msg, "avro: unknown type: ") && !strings.ContainsAny(msg[len("avro: unknown type: "):], "{[ "):
		return fmt.Sprintf("Undefined name: %q", msg[len("avro: unknown type: "):])
	}
	msg = strings.TrimPrefix(msg, "avro: ")
	if msg == "" {
		return "invalid schema"
	}
	return msg
}

// decodeDefinition decodes definition as exactly one JSON value, numbers
// as written.
func decodeDefinition(definition string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(definition))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not valid JSON: unexpected content after the schema")
	}
	return doc, nil
}

// canonicalJSON decodes definition and re-encodes it canonically.
func canonicalJSON(definition string) (any, string, error) {
	doc, err := decodeDefinition(definition)
	if err != nil {
		return nil, "", err
	}
	return doc, encodeCanonical(doc), nil
}

// encodeCanonical encodes a decoded definition with sorted object keys,
// numbers as written and no HTML escaping.
func encodeCanonical(doc any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		// Decoded JSON always encodes.
		return fmt.Sprint(doc)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// digestJSON is a digest of a decoded JSON value's canonical encoding,
// computed without encoding it: values with the same canonical JSON (sorted
// keys, numbers as written) have the same digest.
func digestJSON(v any) [32]byte {
	h := sha256.New()
	var num [binary.MaxVarintLen64]byte
	var walk func(v any)
	str := func(tag byte, s string) {
		h.Write([]byte{tag})
		h.Write(num[:binary.PutUvarint(num[:], uint64(len(s)))])
		io.WriteString(h, s)
	}
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			h.Write([]byte{'o'})
			h.Write(num[:binary.PutUvarint(num[:], uint64(len(keys)))])
			for _, k := range keys {
				str('k', k)
				walk(x[k])
			}
		case []any:
			h.Write([]byte{'a'})
			h.Write(num[:binary.PutUvarint(num[:], uint64(len(x)))])
			for _, e := range x {
				walk(e)
			}
		case string:
			str('s', x)
		case json.Number:
			str('n', string(x))
		case bool:
			if x {
				h.Write([]byte{'t'})
			} else {
				h.Write([]byte{'f'})
			}
		default:
			h.Write([]byte{'z'})
		}
	}
	walk(v)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// checkShape rejects JSON null, numbers and booleans where a schema is
// expected, as Avro Java does ("Schema not yet supported: ..."); hamba would
// read a JSON null as the null type.
func checkShape(v any) error {
	switch n := v.(type) {
	case string:
		return nil
	case []any:
		for _, b := range n {
			if err := checkShape(b); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		return checkObjectShape(n)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return errors.New("Schema not yet supported")
	}
	return fmt.Errorf("Schema not yet supported: %s", raw)
}

func checkObjectShape(m map[string]any) error {
	switch t := m["type"].(type) {
	case []any, map[string]any:
		return checkShape(t)
	case string:
		switch t {
		case "record", "error":
			fields, _ := m["fields"].([]any)
			for _, f := range fields {
				if fm, ok := f.(map[string]any); ok {
					if ft, ok := fm["type"]; ok {
						if err := checkShape(ft); err != nil {
							return err
						}
					}
				}
			}
		case "array":
			if items, ok := m["items"]; ok {
				return checkShape(items)
			}
		case "map":
			if values, ok := m["values"]; ok {
				return checkShape(values)
			}
		}
	}
	return nil
}
