package registry_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/registry"
	"github.com/evolvestack/evolvestack/registry/internal/costtest"
	"github.com/evolvestack/evolvestack/registry/scaletest"
)

// newJournaledEngine is newEngine with a journal.
func newJournaledEngine(j awsapi.Journal) *registry.Engine {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	return registry.New(registry.Config{Account: "123456789012", Region: "eu-west-1", Now: func() time.Time { return now }, Journal: j})
}

// seedRows builds the scale case (1,000 versions) in every format
// with a journal and returns the rows its dump holds.
func seedRows(tb testing.TB, f scaleFormat) []awsapi.JournalEntry {
	tb.Helper()
	j := &awsapi.MemoryJournal{}
	e := newJournaledEngine(j)
	seedScale(tb, e, f, scaleVersions, false)
	rows, err := awsapi.DumpRows(e)
	if err != nil {
		tb.Fatal(err)
	}
	if got := j.Rows(); len(got) != len(rows) {
		tb.Fatalf("journal holds %d rows, dump %d", len(got), len(rows))
	}
	return rows
}

// TestRestoreRebuildsCompactForms restores 1,000 versions and registers
// one more under BACKWARD_ALL: the checks run against the compact forms
// rebuilt on that first use, so the version passes as it does on the
// original, and the restore itself parses nothing.
func TestRestoreRebuildsCompactForms(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds 1,000 versions")
	}
	for _, f := range scaleFormats() {
		t.Run(f.Name, func(t *testing.T) {
			rows := seedRows(t, f)
			e := newJournaledEngine(&awsapi.MemoryJournal{})
			_, restore := costtest.Measure(func() {
				if err := awsapi.Replay(e, rows); err != nil {
					t.Fatal(err)
				}
			})
			ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
			_, first := costtest.Measure(func() { registerScale(t, e, ref, f, scaleVersions+1) })
			t.Logf("restoring %d versions (%d rows) took %v; the first registration after it %v", scaleVersions, len(rows), restore, first)
			v, err := e.RegisterSchemaVersion(ref, f.Version(scaleVersions+1))
			if err != nil || v.Number != scaleVersions+1 {
				t.Fatalf("registering the same definition again: %+v, %v", v, err)
			}
			old, err := e.GetSchemaByDefinition(ref, f.Version(1))
			if err != nil || old.Number != 1 {
				t.Fatalf("finding version 1 by its definition: %+v, %v", old, err)
			}
			info, err := e.GetSchema(ref)
			if err != nil || info.Next != scaleVersions+2 || info.Compatibility != registry.ModeBackwardAll {
				t.Fatalf("restored schema: %+v, %v", info, err)
			}
		})
	}
}

// BenchmarkRestore1000Versions measures a restore of a schema with 1,000
// versions (rows only) and, apart, the first use after it, which parses
// every definition and compacts it (ensureBuilt).
func BenchmarkRestore1000Versions(b *testing.B) {
	for _, f := range scaleFormats() {
		rows := seedRows(b, f)
		ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
		for _, firstUse := range []bool{false, true} {
			name := f.Name + "/restore"
			if firstUse {
				name += "+first-use"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				cpu := scaletest.CPUTime()
				for b.Loop() {
					e := newJournaledEngine(nil)
					if err := awsapi.Replay(e, rows); err != nil {
						b.Fatal(err)
					}
					if firstUse {
						if _, err := e.GetSchemaByDefinition(ref, f.Version(1)); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StopTimer()
				// Process CPU per op: steadier than ns/op on a busy machine.
				b.ReportMetric(float64(scaletest.CPUTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
			})
		}
	}
}

// appendJournal copies every row into one growing buffer, as the store
// does.
type appendJournal struct {
	mu  sync.Mutex
	buf []byte
}

func (a *appendJournal) Put(key string, value []byte) {
	a.mu.Lock()
	a.buf = append(append(append(a.buf, key...), ' '), value...)
	a.mu.Unlock()
}

func (a *appendJournal) Delete(key string) {
	a.mu.Lock()
	a.buf = append(a.buf, key...)
	a.mu.Unlock()
}

// TestJournalUnderConcurrency races registrations (whose checks run
// outside the lock and retry), metadata, tags and deletions on one schema:
// the journal's rows still equal the state's.
func TestJournalUnderConcurrency(t *testing.T) {
	t.Parallel()
	for _, mode := range []registry.Mode{registry.ModeNone, registry.ModeBackwardAll} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			j := &awsapi.MemoryJournal{}
			e := newJournaledEngine(j)
			if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "orders", DataFormat: "AVRO", Compatibility: mode, Definition: avroVersion(0)}); err != nil {
				t.Fatal(err)
			}
			ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					for i := range 15 {
						v, err := e.RegisterSchemaVersion(ref, avroVersion(1+(w*15+i)%20))
						if err != nil {
							t.Error(err)
							return
						}
						_, _ = e.PutSchemaVersionMetadata(registry.VersionRef{ID: v.ID}, "k", fmt.Sprint("v", w, i))
						if i%5 == 4 {
							_, _ = e.DeleteSchemaVersions(ref, fmt.Sprint(v.Number))
						}
					}
				})
			}
			wg.Wait()
			dump, err := awsapi.DumpRows(e)
			if err != nil {
				t.Fatal(err)
			}
			rows := j.Rows()
			if len(rows) != len(dump) {
				t.Fatalf("journal holds %d rows, dump %d", len(rows), len(dump))
			}
			for i := range rows {
				if rows[i].Key != dump[i].Key || string(rows[i].Value) != string(dump[i].Value) {
					t.Fatalf("row %d: journal %s=%s, dump %s=%s", i, rows[i].Key, rows[i].Value, dump[i].Key, dump[i].Value)
				}
			}
		})
	}
}

// BenchmarkRegisterJournal measures RegisterSchemaVersion of a small Avro
// schema (each a new optional field) without a journal and with one that
// copies rows into a buffer, as the store does.
func BenchmarkRegisterJournal(b *testing.B) {
	for _, tc := range []struct {
		name    string
		journal func() awsapi.Journal
	}{
		{"none", func() awsapi.Journal { return nil }},
		{"journal", func() awsapi.Journal { return &appendJournal{} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newJournaledEngine(tc.journal())
			if _, err := e.CreateSchema(registry.CreateSchemaInput{Name: "orders", DataFormat: "AVRO", Compatibility: registry.ModeBackward, Definition: avroVersion(0)}); err != nil {
				b.Fatal(err)
			}
			ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
			n := 0
			for b.Loop() {
				n++
				if _, err := e.RegisterSchemaVersion(ref, avroVersion(n)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
