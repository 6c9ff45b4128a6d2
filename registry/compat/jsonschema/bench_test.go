package jsonschema

import (
	"fmt"
	"strings"
	"testing"
)

// fiftyProps builds an object schema with 50 properties of varied types;
// extra is appended to the property list.
func fiftyProps(extra string) string {
	kinds := []string{
		`{"type":"string","maxLength":64}`,
		`{"type":"integer","minimum":0}`,
		`{"type":["number","null"]}`,
		`{"type":"array","items":{"type":"string"}}`,
		`{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"]}`,
		`{"enum":["a","b","c"]}`,
	}
	var props, req []string
	for i := range 50 {
		props = append(props, fmt.Sprintf(`"p%02d":%s`, i, kinds[i%len(kinds)]))
		if i%3 == 0 {
			req = append(req, fmt.Sprintf(`"p%02d"`, i))
		}
	}
	if extra != "" {
		props = append(props, extra)
	}
	return d7(`"type":"object","properties":{` + strings.Join(props, ",") + `},"required":[` + strings.Join(req, ",") + `]`)
}

func BenchmarkCanRead50Properties(b *testing.B) {
	f := New()
	w := mustParse(b, f, fiftyProps(""))
	r := mustParse(b, f, fiftyProps(`"added":{"description":"new optional"}`))
	if got := f.CanRead(r, w); len(got) != 0 {
		b.Fatalf("expected compatible: %+v", got)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		f.CanRead(r, w)
	}
}

func TestFiftyPropertiesIncompatible(t *testing.T) {
	t.Parallel()
	f := New()
	w := mustParse(t, f, fiftyProps(""))
	r := mustParse(t, f, fiftyProps(`"added":{"type":"string"}`))
	got := f.CanRead(r, w)
	if len(got) != 1 || got[0].Rule != "property-added-to-open-model" || got[0].Path != "#/properties/added" {
		t.Fatalf("got %+v", got)
	}
}
