package jsonschema

import (
	"testing"
	"time"
)

func TestDbgHang(t *testing.T) {
	f := New(WithDefaultDraft(Draft07))
	ref, _ := f.Parse(d7(`"type":"object","properties":{"a":{"type":"string"}},"required":["a"]`))
	for _, def := range []string{`{"$ref":"#"}`, `{"allOf":[{"$ref":"#"}]}`, `{"anyOf":[{"$ref":"#"}]}`, `{"anyOf":[{"$ref":"#"},{}]}`,
		`{"oneOf":[{"$ref":"#"},{"type":"string"}]}`, `{"not":{"$ref":"#"}}`, `{"properties":{"a":{"$ref":"#"}},"anyOf":[{"$ref":"#"},{"$ref":"#"}]}`,
		`{"anyOf":[{"anyOf":[{"$ref":"#"},{"$ref":"#"}]},{"$ref":"#"}]}`, `{"items":{"$ref":"#"},"anyOf":[{"$ref":"#"},{"$ref":"#"}]}`} {
		start := time.Now()
		s, err := f.Parse(def)
		if err != nil {
			t.Log(def, err)
			continue
		}
		f.CanRead(s, s)
		f.CanRead(ref, s)
		f.CanRead(s, ref)
		t.Log(def, time.Since(start))
	}
}
