package registry_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/registry"
)

// slowCheckVersion is an Avro schema whose check against another version is
// slow: 3,000 fields at the bottom of 30 records with 900-character field
// names, so every path costs its length; v sets the leaf type and a field
// that tells versions apart.
func slowCheckVersion(leaf string, v int) string {
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"Bottom","fields":[`)
	fmt.Fprintf(&b, `{"name":"v%d","type":"int","default":0}`, v)
	for i := range 3000 {
		fmt.Fprintf(&b, `,{"name":"f%d","type":%q}`, i, leaf)
	}
	b.WriteString(`]}`)
	s := b.String()
	for i := 29; i >= 0; i-- {
		s = fmt.Sprintf(`{"type":"record","name":"L%d","fields":[{"name":%q,"type":%s}]}`, i, strings.Repeat("x", 900), s)
	}
	return s
}

// TestRegistrationChecksOutsideTheLock: while a registration spends its
// time checking compatibility, other operations of the engine go on. Before
// the checks moved out of the lock, GetSchema waited for the whole check.
func TestRegistrationChecksOutsideTheLock(t *testing.T) {
	e := newEngine(t)
	if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "slow", DataFormat: "AVRO", Compatibility: registry.ModeNone, Definition: slowCheckVersion("int", 0)}); err != nil {
		t.Fatal(err)
	}
	ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "slow"}
	for i := 1; i < 20; i++ {
		if _, err := e.RegisterSchemaVersion(ref, slowCheckVersion("int", i)); err != nil {
			t.Fatal(err)
		}
	}
	mode := registry.ModeBackwardAll
	if _, err := e.UpdateSchema(registry.UpdateSchemaInput{Schema: ref, Checkpoint: &registry.VersionNumber{Number: 1}, Compatibility: &mode}); err != nil {
		t.Fatal(err)
	}
	candidate := slowCheckVersion("long", 99)

	done := make(chan time.Duration)
	start := time.Now()
	go func() {
		v, err := e.RegisterSchemaVersion(ref, candidate)
		if err != nil {
			t.Error(err)
		} else if v.Status != registry.StatusFailure {
			t.Errorf("status %s", v.Status)
		}
		done <- time.Since(start)
	}()
	var slowest time.Duration
	var took time.Duration
	for polls := 0; ; polls++ {
		select {
		case took = <-done:
		default:
			t0 := time.Now()
			if _, err := e.GetSchema(ref); err != nil {
				t.Fatal(err)
			}
			slowest = max(slowest, time.Since(t0))
			time.Sleep(time.Millisecond)
			continue
		}
		break
	}
	t.Logf("registration took %v; the slowest GetSchema meanwhile %v", took, slowest)
	if took < 100*time.Millisecond {
		t.Skipf("the check took only %v: too fast to tell", took)
	}
	if slowest > took/4 {
		t.Errorf("GetSchema waited %v while a registration checked for %v", slowest, took)
	}
}

// TestConcurrentRegistrationsAsIfSerial: registrations racing each other
// get consecutive numbers, and each one's status is the one registering
// the versions one by one, in number order, gives: each was checked
// against exactly the versions before it.
func TestConcurrentRegistrationsAsIfSerial(t *testing.T) {
	t.Parallel()
	for _, mode := range []registry.Mode{registry.ModeBackwardAll, registry.ModeBackward, registry.ModeFullAll, registry.ModeForward} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			e := newEngine(t)
			if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "orders", DataFormat: "AVRO", Compatibility: mode, Definition: avroVersion(0)}); err != nil {
				t.Fatal(err)
			}
			ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
			// Compatible additions, and definitions that break some
			// direction: id changes type, a required field appears.
			var defs []string
			for i := 1; i <= 12; i++ {
				defs = append(defs, avroVersion(i))
			}
			defs = append(defs,
				`{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"int"}]}`,
				`{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"must","type":"long"}]}`,
				`{"type":"record","name":"Order","namespace":"shop","fields":[]}`,
			)
			var wg sync.WaitGroup
			for _, d := range defs {
				wg.Go(func() {
					if _, err := e.RegisterSchemaVersion(ref, d); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			versions, _, err := e.ListSchemaVersions(ref, registry.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(versions) != len(defs)+1 {
				t.Fatalf("%d versions, want %d", len(versions), len(defs)+1)
			}
			f, _ := e.Format("AVRO")
			var priors []registry.Prior
			for i, v := range versions {
				if v.Number != int64(i+1) {
					t.Fatalf("version %d numbered %d", i+1, v.Number)
				}
				s, err := f.Parse(v.Definition)
				if err != nil {
					t.Fatal(err)
				}
				want := registry.Check(f, mode, priors, s, v.Number)
				if got := v.Findings; !slices.EqualFunc(got, want, func(a, b registry.Finding) bool { return a == b }) {
					t.Fatalf("version %d: findings %+v, serially %+v", v.Number, got, want)
				}
				if len(want) == 0 {
					priors = append(priors, registry.Prior{Number: v.Number, Schema: s})
				}
			}
		})
	}
}

// TestConcurrentSameDefinition: one definition registered by many callers
// at once becomes one version.
func TestConcurrentSameDefinition(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "orders", DataFormat: "AVRO", Compatibility: registry.ModeBackwardAll}); err != nil {
		t.Fatal(err)
	}
	ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
	ids := make([]string, 16)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			v, err := e.RegisterSchemaVersion(ref, avroVersion(3))
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = v.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one definition became several versions: %v", ids)
		}
	}
	info, err := e.GetSchema(ref)
	if err != nil {
		t.Fatal(err)
	}
	// The first version of a schema created empty is its checkpoint.
	if info.Next != 2 || info.Checkpoint != 1 || info.Latest != 1 {
		t.Fatalf("schema %+v", info)
	}
}

// TestConcurrentFirstVersions: on a schema created without a definition,
// whichever registration commits first is version 1 and the checkpoint,
// and the others are checked against it.
func TestConcurrentFirstVersions(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "orders", DataFormat: "AVRO", Compatibility: registry.ModeBackward}); err != nil {
		t.Fatal(err)
	}
	ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := e.RegisterSchemaVersion(ref, avroVersion(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	info, err := e.GetSchema(ref)
	if err != nil {
		t.Fatal(err)
	}
	if info.Checkpoint != 1 || info.Next != 9 {
		t.Fatalf("schema %+v", info)
	}
	v1, err := e.GetSchemaVersion(registry.VersionRef{Schema: ref, Number: 1})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Status != registry.StatusAvailable || len(v1.Findings) != 0 {
		t.Fatalf("version 1: %+v", v1)
	}
}
