package avro_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/registry/compat/avro"
)

// FuzzParse checks that Parse never panics, that its errors carry Glue's
// prefix, and that an accepted schema is canonical-stable and reads itself.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`"int"`, `null`, `[]`, `{"type":"record","name":"R","fields":[]}`,
		rec("LinkedList", fld("value", `"int"`), fld("next", union(`"null"`, `"LinkedList"`))),
		rec("R", fldDef("a", union(`"null"`, `"string"`), "null"), fld("e", enumDef("E", "A", "A", "B")), fld("f", fixed("F", 4))),
		arr(mp(`{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`)),
		`{"type":"record","name":"R","fields":[{"name":"a","type":"Foo"}]}`, `{`, `{"type":"error","name":"E","fields":[]}`,
	} {
		f.Add(seed)
	}
	format := avro.New()
	f.Fuzz(func(t *testing.T, def string) {
		s, err := format.Parse(def)
		if err != nil {
			if !errors.Is(err, avro.ErrInvalidDefinition) || !strings.HasPrefix(err.Error(), "Schema definition of AVRO data format is invalid: ") {
				t.Fatalf("unexpected error shape: %v", err)
			}
			return
		}
		again, err := format.Parse(s.Canonical())
		if err != nil {
			t.Fatalf("canonical form %s does not parse: %v", s.Canonical(), err)
		}
		if again.Canonical() != s.Canonical() {
			t.Fatalf("canonical form not stable: %s vs %s", s.Canonical(), again.Canonical())
		}
		if got := format.CanRead(s, again); got != nil {
			t.Fatalf("schema cannot read itself: %+v", got)
		}
	})
}
