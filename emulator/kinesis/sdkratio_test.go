package kinesis_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/handlers/httpserver"
)

// The ratio benchmarks measure what a producer or consumer on the same
// machine sees: the aws-sdk-go-v2 Kinesis client, from ratioClients
// goroutines over loopback HTTP, against the emulator and against a null
// server that answers every call with the same valid response (one the
// emulator gave), in alternating rounds so that both meet the same machine
// load. Client and servers share the process (and, with -cpu 2, two
// cores), as in the target setup. They report:
//
//   - ns/op, records/s: the emulator's wall time per call and throughput;
//   - null-records/s, ratio: the null server's throughput and the
//     emulator's share of it (the target is 0.7 for PutRecords, 0.9 for
//     GetRecords);
//   - cpu-ns/record, null-cpu-ns/record, cpu-ratio: process CPU time (both
//     sides) per record against each server, and their ratio, the ratio a
//     CPU-bound machine converges to, steadier than wall time when other
//     work loads the machine;
//   - server-cpu-ns/record: the CPU the emulator spends per record beyond
//     what the null server spends (the client's share cancels out);
//   - allocs/op, B/op against the emulator (both sides) and
//     server-allocs/op, server-B/op beyond the null server.
//
// Run with -cpu 2 -count 5 for stable figures.

// ratioClients is the number of concurrent SDK callers.
const ratioClients = 4

// BenchmarkSDKRatioPutRecords measures PutRecords of 500 records of 100
// bytes into a stream of 4 shards.
func BenchmarkSDKRatioPutRecords(b *testing.B) {
	e := emulator.Start(b)
	ctx := context.Background()
	ec := sdk.NewFromConfig(e.AWSConfig())
	if _, err := ec.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "bench")
	recs := batch()
	// The null server answers with a PutRecords response of the emulator.
	fixed := kinesisPost(b, &http.Client{}, e.Endpoint()+"/", "PutRecords", putRecordsBody("bench"))
	nc := sdk.NewFromConfig(nullConfig(b, e, fixed))
	call := func(c *sdk.Client) func() error {
		return func() error {
			out, err := c.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: recs})
			if err == nil && (aws.ToInt32(out.FailedRecordCount) != 0 || len(out.Records) != len(recs)) {
				err = errors.New("PutRecords: records failed")
			}
			return err
		}
	}
	runRatio(b, len(recs), 40, call(ec), call(nc))
}

// BenchmarkSDKRatioGetRecords measures GetRecords of 10,000 records of 100
// bytes (Limit 10000) from one shard.
func BenchmarkSDKRatioGetRecords(b *testing.B) {
	e := emulator.Start(b)
	ctx := context.Background()
	ec := sdk.NewFromConfig(e.AWSConfig())
	if _, err := ec.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(1)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "bench")
	recs := batch()
	for range 20 {
		if _, err := ec.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: recs}); err != nil {
			b.Fatal(err)
		}
	}
	it, err := ec.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("bench"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		b.Fatal(err)
	}
	get := []byte(`{"ShardIterator":"` + aws.ToString(it.ShardIterator) + `","Limit":10000}`)
	fixed := kinesisPost(b, &http.Client{}, e.Endpoint()+"/", "GetRecords", get)
	nc := sdk.NewFromConfig(nullConfig(b, e, fixed))
	call := func(c *sdk.Client) func() error {
		return func() error {
			out, err := c.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(10000)})
			if err == nil && len(out.Records) != 10000 {
				err = errors.New("GetRecords: short response")
			}
			return err
		}
	}
	runRatio(b, 10000, 8, call(ec), call(nc))
}

// nullConfig starts a null server answering every request with body (an
// awsJson 1.1 response) on the same HTTP server stack as the emulator, and
// returns an SDK configuration pointing at it.
func nullConfig(b *testing.B, e *emulator.Emulator, body []byte) aws.Config {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	// The null server is net/http's, as the issue measured it: the
	// emulator's fast path (httpserver/fast.go) is part of what is
	// measured, not of the baseline.
	srv := httpserver.New(nullHandler(body), httpserver.Config{Protocols: emulator.ServerProtocols(), NetHTTPOnly: true})
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	cfg := e.AWSConfig()
	cfg.BaseEndpoint = aws.String("http://" + ln.Addr().String())
	return cfg
}

// nullHandler reads each request and answers it with body, an awsJson 1.1
// response.
func nullHandler(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		hd := w.Header()
		hd["Content-Type"] = []string{"application/x-amz-json-1.1"}
		hd["Content-Length"] = []string{strconv.Itoa(len(body))}
		hd["X-Amzn-Requestid"] = []string{"c0ffee00-0000-4000-8000-000000000000"}
		_, _ = w.Write(body)
	})
}

// ratioPhase accumulates the cost of the calls against one server.
type ratioPhase struct {
	calls   int
	wall    time.Duration
	cpu     time.Duration
	mallocs uint64
	bytes   uint64
}

// run makes n calls from ratioClients goroutines.
func (p *ratioPhase) run(b *testing.B, n int, call func() error) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := processCPU()
	t0 := time.Now()
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	for range ratioClients {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	p.wall += time.Since(t0)
	p.cpu += processCPU() - cpu0
	runtime.ReadMemStats(&m1)
	p.mallocs += m1.Mallocs - m0.Mallocs
	p.bytes += m1.TotalAlloc - m0.TotalAlloc
	p.calls += n
}

// runRatio makes b.N calls against the emulator (emu) and b.N against the
// null server (null), alternating rounds of at most round calls, and
// reports the metrics described above.
func runRatio(b *testing.B, perCall, round int, emu, null func() error) {
	b.Helper()
	// Warm up connections, pools and caches on both sides.
	var warm ratioPhase
	warm.run(b, 2*ratioClients, emu)
	warm.run(b, 2*ratioClients, null)
	var pe, pn ratioPhase
	b.ReportAllocs() // overridden below with the per-server figures
	b.ResetTimer()
	for done := 0; done < b.N && !b.Failed(); {
		n := min(round, b.N-done)
		pe.run(b, n, emu)
		pn.run(b, n, null)
		done += n
	}
	b.StopTimer()
	if pe.calls == 0 || pn.calls == 0 {
		return
	}
	calls := float64(pe.calls)
	records := calls * float64(perCall)
	b.ReportMetric(float64(pe.wall.Nanoseconds())/calls, "ns/op")
	b.ReportMetric(records/pe.wall.Seconds(), "records/s")
	b.ReportMetric(records/pn.wall.Seconds(), "null-records/s")
	b.ReportMetric(pn.wall.Seconds()/pe.wall.Seconds(), "ratio")
	b.ReportMetric(float64(pe.mallocs)/calls, "allocs/op")
	b.ReportMetric(float64(pe.bytes)/calls, "B/op")
	b.ReportMetric((float64(pe.mallocs)-float64(pn.mallocs))/calls, "server-allocs/op")
	b.ReportMetric((float64(pe.bytes)-float64(pn.bytes))/calls, "server-B/op")
	if pe.cpu > 0 && pn.cpu > 0 {
		b.ReportMetric(float64(pe.cpu.Nanoseconds())/records, "cpu-ns/record")
		b.ReportMetric(float64(pn.cpu.Nanoseconds())/records, "null-cpu-ns/record")
		b.ReportMetric(float64(pn.cpu)/float64(pe.cpu), "cpu-ratio")
		b.ReportMetric(float64((pe.cpu-pn.cpu).Nanoseconds())/records, "server-cpu-ns/record")
	}
}

// recordingClient is an SDK HTTP client that keeps the last request it
// sent, so a benchmark can replay exactly what the SDK sends.
type recordingClient struct {
	c      *http.Client
	mu     sync.Mutex
	header http.Header
	body   []byte
}

func (r *recordingClient) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	_ = req.Body.Close()
	r.mu.Lock()
	r.header, r.body = req.Header.Clone(), body
	r.mu.Unlock()
	req.Body = io.NopCloser(bytes.NewReader(body))
	return r.c.Do(req)
}

// sdkRequest returns the headers and body of the request the SDK sends for
// do's call.
func sdkRequest(b *testing.B, e *emulator.Emulator, do func(*sdk.Client) error) (http.Header, []byte) {
	b.Helper()
	rc := &recordingClient{c: &http.Client{}}
	cfg := e.AWSConfig()
	cfg.HTTPClient = rc
	if err := do(sdk.NewFromConfig(cfg)); err != nil {
		b.Fatal(err)
	}
	return rc.header, rc.body
}

// benchHandlerCalls replays the request (header, body) through e's handler
// b.N times from ratioClients goroutines, without a network or a client:
// ns/op, allocs/op and cpu-ns/record are the server's own cost.
func benchHandlerCalls(b *testing.B, e *emulator.Emulator, header http.Header, body []byte, perCall int, check func([]byte) bool) {
	h := e.Handler()
	var left atomic.Int64
	left.Store(int64(b.N))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	var wg sync.WaitGroup
	for range ratioClients {
		wg.Go(func() {
			w := &benchWriter{header: http.Header{}}
			for left.Add(-1) >= 0 {
				req, _ := http.NewRequest(http.MethodPost, e.Endpoint()+"/", bytes.NewReader(body))
				req.Header = header.Clone()
				req.RemoteAddr = "127.0.0.1:50000"
				req.RequestURI = "/"
				w.reset()
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK || !check(w.body.Bytes()) {
					b.Errorf("%d %.300s", w.code, w.body.Bytes())
					return
				}
			}
		})
	}
	wg.Wait()
	cpu := processCPU() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N*perCall)/b.Elapsed().Seconds(), "records/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*perCall), "cpu-ns/record")
	}
}

// BenchmarkHandlerPutRecords is the server side alone of the SDK's
// PutRecords of 500 records of 100 bytes (routing, JSON decoding,
// validation, hashing, storing, encoding).
func BenchmarkHandlerPutRecords(b *testing.B) {
	e := emulator.Start(b)
	ctx := context.Background()
	ec := sdk.NewFromConfig(e.AWSConfig())
	if _, err := ec.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(4)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "bench")
	recs := batch()
	header, body := sdkRequest(b, e, func(c *sdk.Client) error {
		_, err := c.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: recs})
		return err
	})
	benchHandlerCalls(b, e, header, body, len(recs), func(out []byte) bool {
		return bytes.Contains(out, []byte(`"FailedRecordCount":0`))
	})
}

// BenchmarkHandlerGetRecords is the server side alone of the SDK's
// GetRecords of 10,000 records of 100 bytes.
func BenchmarkHandlerGetRecords(b *testing.B) {
	e := emulator.Start(b)
	ctx := context.Background()
	ec := sdk.NewFromConfig(e.AWSConfig())
	if _, err := ec.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(1)}); err != nil {
		b.Fatal(err)
	}
	awaitActive(b, e, "bench")
	recs := batch()
	for range 20 {
		if _, err := ec.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: recs}); err != nil {
			b.Fatal(err)
		}
	}
	it, err := ec.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("bench"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		b.Fatal(err)
	}
	header, body := sdkRequest(b, e, func(c *sdk.Client) error {
		_, err := c.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(10000)})
		return err
	})
	// The first response is checked in full, the others by size, so that
	// the check costs little next to the server.
	var size atomic.Int64
	benchHandlerCalls(b, e, header, body, 10000, func(out []byte) bool {
		if n := size.Load(); n != 0 {
			return int64(len(out)) == n
		}
		if bytes.Count(out, []byte(`"SequenceNumber"`)) != 10000 {
			return false
		}
		size.Store(int64(len(out)))
		return true
	})
}

// benchWriter is a reusable http.ResponseWriter, so that the handler
// benchmarks count the handler and not a recorder.
type benchWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) Write(p []byte) (int, error) { return w.body.Write(p) }

func (w *benchWriter) reset() {
	clear(w.header)
	w.code = http.StatusOK
	w.body.Reset()
}
