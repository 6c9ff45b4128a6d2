package avro_test

import (
	"testing"
)

func TestCanonical(t *testing.T) {
	t.Parallel()
	base := `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":"int","default":1}]}`
	cases := []struct {
		name  string
		other string
		same  bool
	}{
		{"identical", base, true},
		{"whitespace", "{ \"type\" : \"record\",\n\t\"name\":\"R\", \"namespace\":\"ns\",\n \"fields\":[ {\"name\":\"a\", \"type\":\"int\", \"default\":1} ] }\n", true},
		{"key-order", `{"fields":[{"default":1,"type":"int","name":"a"}],"namespace":"ns","name":"R","type":"record"}`, true},
		{"string-escapes", `{"type":"record","name":"\u0052","namespace":"ns","fields":[{"name":"a","type":"int","default":1}]}`, true},
		{"default-changed", `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":"int","default":2}]}`, false},
		{"default-removed", `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":"int"}]}`, false},
		{"doc-added", `{"type":"record","name":"R","namespace":"ns","doc":"x","fields":[{"name":"a","type":"int","default":1}]}`, false},
		{"field-doc-added", `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":"int","default":1,"doc":"x"}]}`, false},
		{"alias-added", `{"type":"record","name":"R","namespace":"ns","aliases":["Old"],"fields":[{"name":"a","type":"int","default":1}]}`, false},
		{"field-alias-added", `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","aliases":["b"],"type":"int","default":1}]}`, false},
		{"namespace-changed", `{"type":"record","name":"R","namespace":"other","fields":[{"name":"a","type":"int","default":1}]}`, false},
		{"namespace-folded-into-name", `{"type":"record","name":"ns.R","fields":[{"name":"a","type":"int","default":1}]}`, false},
		{"logical-type-added", `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":{"type":"int","logicalType":"date"},"default":1}]}`, false},
		{"order-added", `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"a","type":"int","default":1,"order":"descending"}]}`, false},
		{"field-order-changed", `{"type":"record","name":"R","namespace":"ns","fields":[{"name":"b","type":"int","default":0},{"name":"a","type":"int","default":1}]}`, false},
	}
	want := mustParse(t, base).Canonical()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := mustParse(t, tc.other).Canonical()
			if (got == want) != tc.same {
				t.Fatalf("same=%v, want %v\nbase:  %s\nother: %s", got == want, tc.same, want, got)
			}
		})
	}
}

func TestCanonicalForm(t *testing.T) {
	t.Parallel()
	cases := []struct{ def, want string }{
		{` { "type" : "string" } `, `{"type":"string"}`},
		{`{"type":"enum","symbols":["A","B"],"name":"E","doc":"<&>"}`, `{"doc":"<&>","name":"E","symbols":["A","B"],"type":"enum"}`},
		{`{"type":"fixed","size":16,"name":"F"}`, `{"name":"F","size":16,"type":"fixed"}`},
		{`[ "null" , "int" ]`, `["null","int"]`},
		{`{"type":"record","name":"R","fields":[{"name":"d","type":"double","default":1.50}]}`,
			`{"fields":[{"default":1.50,"name":"d","type":"double"}],"name":"R","type":"record"}`},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := mustParse(t, tc.def).Canonical(); got != tc.want {
				t.Fatalf("Canonical() = %s, want %s", got, tc.want)
			}
		})
	}
}
