package glue_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkglue "github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/registry"
)

// The scale case over HTTP: a schema with 1,000 versions, each
// adding an optional field, then one more version registered under
// BACKWARD_ALL with the aws-sdk-go-v2 Glue client.

const scaleVersions = 1000

// scaleAvro is version n (1-based): a required id and n-1 optional fields.
func scaleAvro(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"}`)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, `,{"name":"f%04d","type":["null","string"],"default":null}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// scaleJSON is version n (1-based): a closed object with a required id and
// n-1 optional properties.
func scaleJSON(n int) string {
	var b strings.Builder
	b.WriteString(`{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","required":["id"],"properties":{"id":{"type":"string"}`)
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, `,"f%04d":{"type":["null","string"]}`, i)
	}
	b.WriteString(`},"additionalProperties":false}`)
	return b.String()
}

// seedScale creates the schema and its versions through the engine behind
// the service (registering 1,000 definitions over HTTP would only measure
// the seeding), under NONE, then sets BACKWARD_ALL from version 1: the
// state registering them all under BACKWARD_ALL reaches.
func seedScale(tb testing.TB, e *emulator.Emulator, format string, version func(int) string) {
	tb.Helper()
	eng := e.Glue().Registry()
	if _, err := eng.CreateSchema(registry.CreateSchemaInput{Name: "orders", DataFormat: format, Compatibility: registry.ModeNone, Definition: version(1)}); err != nil {
		tb.Fatal(err)
	}
	ref := registry.SchemaRef{RegistryName: registry.DefaultRegistryName, SchemaName: "orders"}
	for i := 2; i <= scaleVersions; i++ {
		if _, err := eng.RegisterSchemaVersion(ref, version(i)); err != nil {
			tb.Fatal(err)
		}
	}
	mode := registry.ModeBackwardAll
	if _, err := eng.UpdateSchema(registry.UpdateSchemaInput{Schema: ref, Checkpoint: &registry.VersionNumber{Number: 1}, Compatibility: &mode}); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkRegisterAfter1000VersionsHTTP: each iteration registers one more
// version with RegisterSchemaVersion over HTTP.
func BenchmarkRegisterAfter1000VersionsHTTP(b *testing.B) {
	for _, f := range []struct {
		name, format string
		version      func(int) string
	}{{"avro", "AVRO", scaleAvro}, {"json", "JSON", scaleJSON}} {
		b.Run(f.name, func(b *testing.B) {
			e := emulator.Start(b)
			client := sdkglue.NewFromConfig(e.AWSConfig())
			seedScale(b, e, f.format, f.version)
			ctx := context.Background()
			id := &types.SchemaId{RegistryName: aws.String(registry.DefaultRegistryName), SchemaName: aws.String("orders")}
			n := scaleVersions
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				n++
				out, err := client.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(f.version(n))})
				if err != nil {
					b.Fatal(err)
				}
				if out.Status != types.SchemaVersionStatusAvailable || aws.ToInt64(out.VersionNumber) != int64(n) {
					b.Fatalf("version %d: %s %d", n, out.Status, aws.ToInt64(out.VersionNumber))
				}
			}
			b.StopTimer()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
			b.ReportMetric(rssMB(), "rss-MB")
			runtime.KeepAlive(e)
		})
	}
}

// rssMB is the process's resident set in MB (0 where /proc is missing).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
