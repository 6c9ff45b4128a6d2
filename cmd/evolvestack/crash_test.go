package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// crashProc is one run of the binary over a data dir.
type crashProc struct {
	cmd      *exec.Cmd
	endpoint string
	stderr   *syncBuffer
}

func startCrashProc(t *testing.T, bin, dir string) *crashProc {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--data-dir", dir, "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &crashProc{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("reading the ready line: %v (stderr %s)", err, p.stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	m := readyLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("ready line %q", line)
	}
	p.endpoint = m[1]
	return p
}

// kill ends the process with SIGKILL, as a crash would.
func (p *crashProc) kill() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

// acked is what clients were told succeeded.
type acked struct {
	mu      sync.Mutex
	records map[string]string // Kinesis sequence number -> data
	sent    map[string]string // SQS message id -> body
	deleted map[string]bool   // SQS message ids whose delete succeeded
	// SQS message ids whose delete was sent but not acknowledged: killed
	// after the delete was logged and before the answer, it took effect,
	// so these may be there or not.
	tryDeleted  map[string]bool
	versions    map[string]int64 // Glue schema version id -> number
	delVersions map[int64]bool   // Glue version numbers whose delete succeeded
	// Glue version numbers whose delete was sent (acknowledged or not).
	tryDelVersions map[int64]bool
	nextField      int
}

// crashClients are SDK clients for the load: an error is not an
// acknowledgement, and no retry blurs that. Verification clients
// (attempts > 1) retry their reads.
func crashClients(endpoint string, attempts ...int) (*kinesis.Client, *sqs.Client, *glue.Client) {
	cfg := aws.Config{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("000000000000", "x", ""),
		RetryMaxAttempts: 1,
	}
	if len(attempts) > 0 {
		cfg.RetryMaxAttempts = attempts[0]
	}
	return kinesis.NewFromConfig(cfg), sqs.NewFromConfig(cfg), glue.NewFromConfig(cfg)
}

const crashQueue = "crash"

// TestKill9KeepsAcknowledgedWrites runs the binary with a data dir under
// write load (Kinesis PutRecords, SQS sends and deletes, Glue schema
// versions registered and deleted), kills it with SIGKILL at a random
// moment, restarts it, and checks that every acknowledged write is there
// and nothing whose deletion was acknowledged came back, round after round.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "evolvestack")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ctx := context.Background()
	a := &acked{records: map[string]string{}, sent: map[string]string{}, deleted: map[string]bool{}, tryDeleted: map[string]bool{},
		versions: map[string]int64{}, delVersions: map[int64]bool{}, tryDelVersions: map[int64]bool{}}

	// Set-up, then a clean restart to check it too.
	p := startCrashProc(t, bin, dir)
	kin, sq, gl := crashClients(p.endpoint)
	if _, err := kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(crashQueue), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	w := kinesis.NewStreamExistsWaiter(kin, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay = 20 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(crashQueue)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(crashQueue), Attributes: map[string]string{"MessageRetentionPeriod": "1209600"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := gl.CreateRegistry(ctx, &glue.CreateRegistryInput{RegistryName: aws.String(crashQueue)}); err != nil {
		t.Fatal(err)
	}
	cs, err := gl.CreateSchema(ctx, &glue.CreateSchemaInput{RegistryId: &gluetypes.RegistryId{RegistryName: aws.String(crashQueue)}, SchemaName: aws.String(crashQueue),
		DataFormat: gluetypes.DataFormatAvro, Compatibility: gluetypes.CompatibilityBackward, SchemaDefinition: aws.String(avroWithFields(0))})
	if err != nil {
		t.Fatal(err)
	}
	a.versions[aws.ToString(cs.SchemaVersionId)] = 1
	p.kill()

	rounds := 4
	for round := range rounds {
		p = startCrashProc(t, bin, dir)
		verifyAcked(t, ctx, p, a, round)
		if t.Failed() {
			p.kill()
			return
		}
		loadCtx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, load := range []func(context.Context, string, *acked, int){kinesisLoad, sqsSendLoad, sqsDeleteLoad, glueLoad} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				load(loadCtx, p.endpoint, a, round)
			}()
		}
		time.Sleep(time.Duration(250+round*150) * time.Millisecond)
		p.kill() // mid-load: requests in flight fail and are not counted
		stop()
		wg.Wait()
	}
	p = startCrashProc(t, bin, dir)
	defer p.kill()
	verifyAcked(t, ctx, p, a, rounds)
	a.mu.Lock()
	t.Logf("after %d kills: %d records, %d messages sent, %d deleted, %d schema versions (%d deleted) all as acknowledged",
		rounds, len(a.records), len(a.sent), len(a.deleted), len(a.versions), len(a.delVersions))
	if len(a.records) == 0 || len(a.sent) == 0 || len(a.deleted) == 0 || len(a.versions) < 2 {
		t.Errorf("the load acknowledged too little to prove anything")
	}
	a.mu.Unlock()
}

func avroWithFields(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"Crash","fields":[{"name":"id","type":"string"}`)
	for i := range n {
		fmt.Fprintf(&b, `,{"name":"f%d","type":["null","string"],"default":null}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

func kinesisLoad(ctx context.Context, endpoint string, a *acked, round int) {
	kin, _, _ := crashClients(endpoint)
	for i := 0; ctx.Err() == nil; i++ {
		var entries []kinesistypes.PutRecordsRequestEntry
		for j := range 20 {
			entries = append(entries, kinesistypes.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(j)), Data: []byte(fmt.Sprintf("r%d-%d-%d", round, i, j))})
		}
		out, err := kin.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(crashQueue), Records: entries})
		if err != nil {
			return
		}
		a.mu.Lock()
		for j, r := range out.Records {
			if r.SequenceNumber != nil {
				a.records[aws.ToString(r.SequenceNumber)] = string(entries[j].Data)
			}
		}
		a.mu.Unlock()
	}
}

func crashQueueURL(endpoint string) string { return endpoint + "/000000000000/" + crashQueue }

func sqsSendLoad(ctx context.Context, endpoint string, a *acked, round int) {
	_, sq, _ := crashClients(endpoint)
	url := crashQueueURL(endpoint)
	for i := 0; ctx.Err() == nil; i++ {
		var entries []sqstypes.SendMessageBatchRequestEntry
		for j := range 10 {
			entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(j)), MessageBody: aws.String(fmt.Sprintf("m%d-%d-%d", round, i, j))})
		}
		out, err := sq.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
		if err != nil {
			return
		}
		a.mu.Lock()
		for _, s := range out.Successful {
			var j int
			fmt.Sscan(aws.ToString(s.Id), &j)
			a.sent[aws.ToString(s.MessageId)] = aws.ToString(entries[j].MessageBody)
		}
		a.mu.Unlock()
	}
}

func sqsDeleteLoad(ctx context.Context, endpoint string, a *acked, _ int) {
	_, sq, _ := crashClients(endpoint)
	url := crashQueueURL(endpoint)
	for ctx.Err() == nil {
		r, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 3600})
		if err != nil {
			return
		}
		if len(r.Messages) == 0 {
			continue
		}
		var entries []sqstypes.DeleteMessageBatchRequestEntry
		ids := map[string]string{}
		for i, m := range r.Messages {
			id := fmt.Sprint(i)
			ids[id] = aws.ToString(m.MessageId)
			entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: &id, ReceiptHandle: m.ReceiptHandle})
		}
		a.mu.Lock()
		for _, id := range ids {
			a.tryDeleted[id] = true
		}
		a.mu.Unlock()
		out, err := sq.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: entries})
		if err != nil {
			return
		}
		a.mu.Lock()
		for _, s := range out.Successful {
			a.deleted[ids[aws.ToString(s.Id)]] = true
		}
		a.mu.Unlock()
	}
}

func glueLoad(ctx context.Context, endpoint string, a *acked, _ int) {
	_, _, gl := crashClients(endpoint)
	id := &gluetypes.SchemaId{RegistryName: aws.String(crashQueue), SchemaName: aws.String(crashQueue)}
	for ctx.Err() == nil {
		a.mu.Lock()
		a.nextField++
		n := a.nextField
		a.mu.Unlock()
		out, err := gl.RegisterSchemaVersion(ctx, &glue.RegisterSchemaVersionInput{SchemaId: id, SchemaDefinition: aws.String(avroWithFields(n))})
		if err != nil {
			return
		}
		a.mu.Lock()
		a.versions[aws.ToString(out.SchemaVersionId)] = aws.ToInt64(out.VersionNumber)
		a.mu.Unlock()
		if v := aws.ToInt64(out.VersionNumber); v > 3 && v%3 == 0 {
			// Delete an older version (not the checkpoint, version 1).
			a.mu.Lock()
			a.tryDelVersions[v-1] = true
			a.mu.Unlock()
			del, err := gl.DeleteSchemaVersions(ctx, &glue.DeleteSchemaVersionsInput{SchemaId: id, Versions: aws.String(fmt.Sprint(v - 1))})
			if err != nil {
				return
			}
			if len(del.SchemaVersionErrors) == 0 {
				a.mu.Lock()
				a.delVersions[v-1] = true
				a.mu.Unlock()
			}
		}
	}
}

// verifyAcked checks the restarted process against what was acknowledged.
func verifyAcked(t *testing.T, ctx context.Context, p *crashProc, a *acked, round int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	kin, sq, gl := crashClients(p.endpoint, 3)
	// Kinesis: every acknowledged record, with its data.
	got := map[string]string{}
	shards, err := kin.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(crashQueue)})
	if err != nil {
		t.Fatalf("round %d: ListShards: %v (stderr %s)", round, err, p.stderr.String())
	}
	for _, sh := range shards.Shards {
		it, err := kin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(crashQueue), ShardId: sh.ShardId, ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for iter != nil {
			r, err := kin.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range r.Records {
				got[aws.ToString(rec.SequenceNumber)] = string(rec.Data)
			}
			if len(r.Records) == 0 {
				break
			}
			iter = r.NextShardIterator
		}
	}
	for seq, data := range a.records {
		if got[seq] != data {
			t.Errorf("round %d: acknowledged record %s (%q) restored as %q", round, seq, data, got[seq])
			break
		}
	}
	// SQS: in-flight messages return after an hour of virtual time; every
	// acknowledged send not deleted is there, no acknowledged delete is.
	if err := advanceClock(ctx, p.endpoint, "2h"); err != nil {
		t.Fatal(err)
	}
	url := crashQueueURL(p.endpoint)
	seen := map[string]string{}
	for empty := 0; empty < 2; {
		r, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 3600})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Messages) == 0 {
			empty++
		}
		for _, m := range r.Messages {
			seen[aws.ToString(m.MessageId)] = aws.ToString(m.Body)
		}
	}
	for id, body := range a.sent {
		if a.deleted[id] {
			if _, back := seen[id]; back {
				t.Errorf("round %d: message %s came back after its delete was acknowledged", round, id)
			}
			continue
		}
		if _, there := seen[id]; !there && a.tryDeleted[id] {
			continue // deleted by a call the kill cut short
		}
		if seen[id] != body {
			t.Errorf("round %d: acknowledged message %s (%q) restored as %q", round, id, body, seen[id])
			break
		}
	}
	// Glue: every acknowledged version; acknowledged deletes stay deleted.
	for id, n := range a.versions {
		v, err := gl.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: aws.String(id)})
		if a.delVersions[n] {
			if err == nil && v.Status == gluetypes.SchemaVersionStatusAvailable {
				t.Errorf("round %d: schema version %d came back after its delete was acknowledged", round, n)
			}
			continue
		}
		if a.tryDelVersions[n] && (err != nil || v.Status != gluetypes.SchemaVersionStatusAvailable) {
			continue // deleted by a call the kill cut short
		}
		if err != nil || aws.ToInt64(v.VersionNumber) != n {
			t.Errorf("round %d: acknowledged schema version %s (number %d): %v (stderr %s)", round, id, n, err, p.stderr.String())
			break
		}
	}
}

// advanceClock moves the instance's virtual clock.
func advanceClock(ctx context.Context, endpoint, d string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/_evolvestack/clock", strings.NewReader(`{"advance":"`+d+`"}`))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}
