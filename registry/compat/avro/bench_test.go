package avro_test

import (
	"fmt"
	"testing"

	"github.com/evolvestack/evolvestack/registry/compat/avro"
)

// wideRecord builds a 50-field record; evolved widens ints to longs and adds
// a defaulted field, so the pair is compatible and every field is resolved.
func wideRecord(evolved bool) string {
	fields := make([]string, 0, 51)
	for i := range 50 {
		typ := `"int"`
		switch {
		case i%5 == 1:
			typ = `"string"`
		case i%5 == 2:
			typ = union(`"null"`, `"double"`)
		case i%5 == 3:
			typ = arr(rec(fmt.Sprintf("Item%d", i), fld("sku", `"string"`), fld("qty", `"int"`)))
		case i%5 == 4:
			typ = enum(fmt.Sprintf("E%d", i), "A", "B", "C")
		case evolved:
			typ = `"long"`
		}
		fields = append(fields, fld(fmt.Sprintf("f%d", i), typ))
	}
	if evolved {
		fields = append(fields, fldDef("extra", union(`"null"`, `"string"`), "null"))
	}
	return rec("Wide", fields...)
}

func BenchmarkCanRead50Fields(b *testing.B) {
	f := avro.New()
	reader := mustParse(b, wideRecord(true))
	writer := mustParse(b, wideRecord(false))
	if got := f.CanRead(reader, writer); got != nil {
		b.Fatalf("benchmark pair must be compatible: %+v", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		if f.CanRead(reader, writer) != nil {
			b.Fatal("incompatible")
		}
	}
}
