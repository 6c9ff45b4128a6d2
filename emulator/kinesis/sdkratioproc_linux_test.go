package kinesis_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/handlers/httpserver"
)

// The process ratio benchmarks are the ratio benchmarks with each server
// in a process of its own (this test binary, re-run as a helper), as the
// emulator is measured from outside: the client's process, the
// emulator's and the null server's share the machine. Besides the
// throughputs and their ratio they report each side's CPU time per
// record, read from /proc: server-cpu-ns/record is the emulator's own,
// null-server-cpu-ns/record the null server's, client-cpu-ns/record the
// client's against the emulator, and cpu-ratio the CPU per record of
// client and null server over that of client and emulator.

// Environment of the helper process.
const (
	ratioServerEnv = "EVOLVESTACK_RATIO_SERVER" // "emulator" or "null"
	ratioOpEnv     = "EVOLVESTACK_RATIO_OP"     // "put" or "get"
	ratioBodyEnv   = "EVOLVESTACK_RATIO_BODY"   // the null server's answer
)

// TestRatioServerProcess is the server of the process ratio benchmarks;
// it runs only as their helper. It prints "READY endpoint [iterator]" and
// serves until its standard input closes.
func TestRatioServerProcess(t *testing.T) {
	mode := os.Getenv(ratioServerEnv)
	if mode == "" {
		t.Skip("helper process of the process ratio benchmarks")
	}
	switch mode {
	case "emulator":
		e := emulator.Start(t)
		ctx := context.Background()
		c := sdk.NewFromConfig(e.AWSConfig())
		shards := int32(4)
		if os.Getenv(ratioOpEnv) == "get" {
			shards = 1
		}
		if _, err := c.CreateStream(ctx, &sdk.CreateStreamInput{StreamName: aws.String("bench"), ShardCount: aws.Int32(shards)}); err != nil {
			t.Fatal(err)
		}
		awaitActive(t, e, "bench")
		ready := "READY " + e.Endpoint()
		if os.Getenv(ratioOpEnv) == "get" {
			recs := batch()
			for range 20 {
				if _, err := c.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: recs}); err != nil {
					t.Fatal(err)
				}
			}
			it, err := c.GetShardIterator(ctx, &sdk.GetShardIteratorInput{StreamName: aws.String("bench"), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			ready += " " + aws.ToString(it.ShardIterator)
		}
		fmt.Println(ready)
	case "null":
		body, err := os.ReadFile(os.Getenv(ratioBodyEnv))
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		// The null server is net/http's, as the issue measured it: the
		// emulator's fast path (httpserver/fast.go) is part of what is
		// measured, not of the baseline.
		srv := httpserver.New(nullHandler(body), httpserver.Config{Protocols: emulator.ServerProtocols(), NetHTTPOnly: true})
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		fmt.Println("READY http://" + ln.Addr().String())
	default:
		t.Fatalf("%s=%q", ratioServerEnv, mode)
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// ratioProcess is a running helper.
type ratioProcess struct {
	cmd      *exec.Cmd
	stdin    io.Closer
	endpoint string
	iterator string
}

// startRatioProcess starts a helper serving mode for op.
func startRatioProcess(b *testing.B, mode, op, bodyFile string) *ratioProcess {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRatioServerProcess$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), ratioServerEnv+"="+mode, ratioOpEnv+"="+op, ratioBodyEnv+"="+bodyFile)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &ratioProcess{cmd: cmd, stdin: stdin}
	b.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "READY" {
			p.endpoint = f[1]
			if len(f) > 2 {
				p.iterator = f[2]
			}
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return p
		}
	}
	b.Fatalf("helper %s exited before it was ready: %v", mode, sc.Err())
	return nil
}

// cpu returns the CPU time the process used so far, from /proc: the sum
// of its threads' run times (nanoseconds), else its user and system time
// (clock ticks, assumed 100 per second).
func (p *ratioProcess) cpu() time.Duration {
	pid := strconv.Itoa(p.cmd.Process.Pid)
	if tasks, err := filepath.Glob("/proc/" + pid + "/task/*/schedstat"); err == nil && len(tasks) > 0 {
		var sum time.Duration
		for _, f := range tasks {
			data, err := os.ReadFile(f)
			if err != nil {
				continue // a thread that exited: its time is lost
			}
			if n, err := strconv.ParseInt(strings.Fields(string(data))[0], 10, 64); err == nil {
				sum += time.Duration(n)
			}
		}
		return sum
	}
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command: utime and stime are the
	// 12th and 13th.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

// BenchmarkSDKRatioProcPutRecords is BenchmarkSDKRatioPutRecords with the
// servers in their own processes.
func BenchmarkSDKRatioProcPutRecords(b *testing.B) {
	benchRatioProcess(b, "put")
}

// BenchmarkSDKRatioProcGetRecords is BenchmarkSDKRatioGetRecords with the
// servers in their own processes.
func BenchmarkSDKRatioProcGetRecords(b *testing.B) {
	benchRatioProcess(b, "get")
}

func benchRatioProcess(b *testing.B, op string) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("needs /proc")
	}
	emu := startRatioProcess(b, "emulator", op, "")
	ctx := context.Background()
	recs := batch()
	// The null server answers with one of the emulator's responses.
	var fixed []byte
	if op == "put" {
		fixed = kinesisPost(b, &http.Client{}, emu.endpoint+"/", "PutRecords", putRecordsBody("bench"))
	} else {
		fixed = kinesisPost(b, &http.Client{}, emu.endpoint+"/", "GetRecords", []byte(`{"ShardIterator":"`+emu.iterator+`","Limit":10000}`))
	}
	bodyFile := filepath.Join(b.TempDir(), "body.json")
	if err := os.WriteFile(bodyFile, fixed, 0o600); err != nil {
		b.Fatal(err)
	}
	null := startRatioProcess(b, "null", op, bodyFile)
	// The configuration emulator.AWSConfig gives.
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("000000000000", "evolvestack", "")}
	client := func(endpoint string) *sdk.Client {
		c := cfg.Copy()
		c.BaseEndpoint = aws.String(endpoint)
		return sdk.NewFromConfig(c)
	}
	call := func(c *sdk.Client) func() error {
		if op == "put" {
			return func() error {
				out, err := c.PutRecords(ctx, &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: recs})
				if err == nil && (aws.ToInt32(out.FailedRecordCount) != 0 || len(out.Records) != len(recs)) {
					err = errors.New("PutRecords: records failed")
				}
				return err
			}
		}
		return func() error {
			out, err := c.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: aws.String(emu.iterator), Limit: aws.Int32(10000)})
			if err == nil && len(out.Records) != 10000 {
				err = errors.New("GetRecords: short response")
			}
			return err
		}
	}
	perCall, round := len(recs), 40
	if op == "get" {
		perCall, round = 10000, 8
	}
	emuCall, nullCall := call(client(emu.endpoint)), call(client(null.endpoint))
	var warm ratioPhase
	warm.run(b, 2*ratioClients, emuCall)
	warm.run(b, 2*ratioClients, nullCall)
	var pe, pn ratioPhase
	var emuCPU, nullCPU time.Duration
	b.ResetTimer()
	for done := 0; done < b.N && !b.Failed(); {
		n := min(round, b.N-done)
		c0 := emu.cpu()
		pe.run(b, n, emuCall)
		emuCPU += emu.cpu() - c0
		c0 = null.cpu()
		pn.run(b, n, nullCall)
		nullCPU += null.cpu() - c0
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
	if emuCPU > 0 && nullCPU > 0 && pe.cpu > 0 {
		// pe.cpu and pn.cpu are this process's: the client's.
		b.ReportMetric(float64(emuCPU.Nanoseconds())/records, "server-cpu-ns/record")
		b.ReportMetric(float64(nullCPU.Nanoseconds())/records, "null-server-cpu-ns/record")
		b.ReportMetric(float64(pe.cpu.Nanoseconds())/records, "client-cpu-ns/record")
		b.ReportMetric(float64((pn.cpu+nullCPU).Nanoseconds())/float64((pe.cpu+emuCPU).Nanoseconds()), "cpu-ratio")
	}
}
