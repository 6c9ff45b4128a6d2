package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// object is a JSON object that remembers the order of its keys.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) obj(k string) *object {
	v, _ := o.vals[k].(*object)
	return v
}

func (o *object) str(k string) string {
	v, _ := o.vals[k].(string)
	return v
}

func (o *object) boolean(k string) bool {
	v, _ := o.vals[k].(bool)
	return v
}

// num returns a numeric member as a json.Number text, "" when absent.
func (o *object) num(k string) string {
	v, _ := o.vals[k].(json.Number)
	return string(v)
}

// parseJSON decodes data keeping object key order; numbers stay json.Number.
func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("read key: %w", err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T", kt)
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("read object end: %w", err)
			}
			return o, nil
		case '[':
			var arr []any
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("read array end: %w", err)
			}
			if arr == nil {
				arr = []any{}
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	default:
		return tok, nil
	}
}

// writeJSON renders v indented with two spaces. Object keys are sorted,
// except inside objects whose own key is listed in keepOrder (their entries
// keep the order they were parsed in).
func writeJSON(v any, keepOrder map[string]bool) ([]byte, error) {
	var b strings.Builder
	if err := writeValue(&b, v, "", false, keepOrder); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return []byte(b.String()), nil
}

func writeValue(b *strings.Builder, v any, indent string, ordered bool, keepOrder map[string]bool) error {
	switch t := v.(type) {
	case *object:
		if len(t.keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		keys := append([]string(nil), t.keys...)
		if !ordered {
			sort.Strings(keys)
		}
		b.WriteString("{\n")
		inner := indent + "  "
		for i, k := range keys {
			kb, err := json.Marshal(k)
			if err != nil {
				return fmt.Errorf("encode key: %w", err)
			}
			b.WriteString(inner)
			b.Write(kb)
			b.WriteString(": ")
			if err := writeValue(b, t.vals[k], inner, keepOrder[k], keepOrder); err != nil {
				return err
			}
			if i < len(keys)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[\n")
		inner := indent + "  "
		for i, e := range t {
			b.WriteString(inner)
			if err := writeValue(b, e, inner, false, keepOrder); err != nil {
				return err
			}
			if i < len(t)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	case json.Number:
		b.WriteString(string(t))
	default:
		enc, err := marshalNoEscape(t)
		if err != nil {
			return err
		}
		b.Write(enc)
	}
	return nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode value: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
