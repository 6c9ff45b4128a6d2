package registry_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry"
)

// avroVersion returns an Avro record with n optional fields: each version
// adds one field with a default, so every version can read every earlier
// one (BACKWARD_ALL passes).
func avroVersion(n int) string {
	fields := make([]string, 0, n+1)
	fields = append(fields, `{"name":"id","type":"string"}`)
	for i := range n {
		fields = append(fields, fmt.Sprintf(`{"name":"f%d","type":["null","long"],"default":null}`, i))
	}
	return `{"type":"record","name":"Order","namespace":"shop","fields":[` + strings.Join(fields, ",") + `]}`
}

func newEngine(t testing.TB) *registry.Engine {
	t.Helper()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	return registry.New(registry.Config{Account: "123456789012", Region: "eu-west-1", Now: func() time.Time { return now }})
}

// seed creates schema "orders" under mode with versions versions.
func seed(t testing.TB, e *registry.Engine, mode registry.Mode, versions int) registry.SchemaRef {
	t.Helper()
	if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "orders", DataFormat: "AVRO", Compatibility: mode, Definition: avroVersion(0)}); err != nil {
		t.Fatal(err)
	}
	ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
	for i := 1; i < versions; i++ {
		v, err := e.RegisterSchemaVersion(ref, avroVersion(i%20))
		if err != nil {
			t.Fatal(err)
		}
		_ = v
	}
	return ref
}

func TestEngineModesAgainstManyVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode       registry.Mode
		definition string
		want       string
	}{
		{registry.ModeBackwardAll, avroVersion(25), registry.StatusAvailable},
		// id removed: new readers are fine (BACKWARD) but old readers need it.
		{registry.ModeForwardAll, `{"type":"record","name":"Order","namespace":"shop","fields":[]}`, registry.StatusFailure},
		{registry.ModeBackwardAll, `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"int"}]}`, registry.StatusFailure},
		{registry.ModeNone, `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"int"}]}`, registry.StatusAvailable},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			e := newEngine(t)
			ref := seed(t, e, tt.mode, 40)
			v, err := e.RegisterSchemaVersion(ref, tt.definition)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != tt.want {
				t.Fatalf("status %s, want %s (findings %v)", v.Status, tt.want, v.Findings)
			}
			if tt.want == registry.StatusFailure {
				f := v.Findings[0]
				if f.Rule == "" || f.Path == "" || !strings.Contains(f.Explanation, "readers of version") {
					t.Errorf("finding %+v", f)
				}
			}
		})
	}
}

// TestFindingsNameVersions checks the explanation a developer reads.
func TestFindingsNameVersions(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	ref := seed(t, e, registry.ModeBackward, 2)
	v, err := e.RegisterSchemaVersion(ref, `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"price","type":"double"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != registry.StatusFailure || v.Number != 3 || len(v.Findings) == 0 {
		t.Fatalf("version %+v", v)
	}
	got := v.Findings[0]
	if got.Direction != registry.Backward || got.ReaderVersion != 3 || got.WriterVersion != 2 ||
		!strings.Contains(got.Explanation, `"price"`) || !strings.Contains(got.Explanation, "readers of version 3 cannot read data written with version 2") {
		t.Errorf("finding %+v", got)
	}
	again, err := e.Findings(registry.VersionRef{ID: v.ID})
	if err != nil || len(again) != len(v.Findings) {
		t.Errorf("Findings by id: %v %v", again, err)
	}
}

// BenchmarkRegisterBackwardAll1000 registers a version under BACKWARD_ALL
// against 1,000 existing versions.
func BenchmarkRegisterBackwardAll1000(b *testing.B) {
	e := newEngine(b)
	ref := seed(b, e, registry.ModeBackwardAll, 1000)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		// A new definition each time: a doc string makes it distinct.
		def := strings.Replace(avroVersion(20), `"name":"Order"`, fmt.Sprintf(`"name":"Order","doc":"v%d"`, i), 1)
		i++
		v, err := e.RegisterSchemaVersion(ref, def)
		if err != nil {
			b.Fatal(err)
		}
		if v.Status != registry.StatusAvailable {
			b.Fatalf("status %s: %v", v.Status, v.Findings)
		}
	}
}
