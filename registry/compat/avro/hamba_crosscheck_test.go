package avro_test

import (
	"testing"

	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/compat/avro"
)

// TestCanReadAgreesWithHamba cross-checks decisions against hamba's
// SchemaCompatibility, with a fresh checker per pair, on every case where
// hamba is a reliable oracle.
func TestCanReadAgreesWithHamba(t *testing.T) {
	t.Parallel()
	f := avro.New()
	checked := 0
	for _, tc := range allCases() {
		if tc.hambaDiffers != "" {
			continue
		}
		checked++
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustParse(t, tc.reader).(*avro.Schema)
			w := mustParse(t, tc.writer).(*avro.Schema)
			ours := f.CanRead(r, w) == nil
			theirs := hamba.NewSchemaCompatibility().Compatible(r.Avro(), w.Avro()) == nil
			if ours != theirs {
				t.Fatalf("CanRead compatible=%v, hamba compatible=%v", ours, theirs)
			}
		})
	}
	if checked < 100 {
		t.Fatalf("only %d pairs cross-checked", checked)
	}
}
