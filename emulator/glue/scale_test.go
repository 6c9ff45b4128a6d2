package glue_test

import (
	"context"
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
	"github.com/evolvestack/evolvestack/registry/scaletest"
)

// The scale case over HTTP (see scaletest): a schema with 1,000
// versions, each adding an optional field, then one more version registered
// under BACKWARD_ALL with the aws-sdk-go-v2 Glue client.

const scaleVersions = scaletest.Versions

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
	for _, f := range scaletest.Formats() {
		b.Run(f.Name, func(b *testing.B) {
			e := emulator.Start(b)
			client := sdkglue.NewFromConfig(e.AWSConfig())
			seedScale(b, e, f.DataFormat, f.Version)
			ctx := context.Background()
			id := &types.SchemaId{RegistryName: aws.String(registry.DefaultRegistryName), SchemaName: aws.String("orders")}
			n := scaleVersions
			b.ReportAllocs()
			runtime.GC() // the seeding's garbage, not the loop's
			b.ResetTimer()
			cpu := scaletest.CPUTime()
			for b.Loop() {
				n++
				out, err := client.RegisterSchemaVersion(ctx, &sdkglue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(f.Version(n))})
				if err != nil {
					b.Fatal(err)
				}
				if out.Status != types.SchemaVersionStatusAvailable || aws.ToInt64(out.VersionNumber) != int64(n) {
					b.Fatalf("version %d: %s %d", n, out.Status, aws.ToInt64(out.VersionNumber))
				}
			}
			b.StopTimer()
			// Process CPU (server, client and collector) per registration:
			// steadier than ns/op when other work loads the machine.
			b.ReportMetric(float64(scaletest.CPUTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
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
