package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/emulator"
)

// TestDataExportImport saves a stopped stack's data dir with `data export`,
// loads it into another dir and into a running stack with `data import`,
// and checks the state arrived, through the SDK.
func TestDataExportImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := t.TempDir()
	e := emulator.Start(t, emulator.WithDataDir(src))
	q := sqs.NewFromConfig(e.AWSConfig())
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("kept")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String("hello")}); err != nil {
		t.Fatal(err)
	}
	// A running stack's dir is locked: export says so.
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"data", "export", "--data-dir", src}, &stdout, &stderr, noEnv); code != 1 || !strings.Contains(stderr.String(), "in use") {
		t.Fatalf("export of a dir in use: exit %d, %s", code, stderr.String())
	}
	// Over the admin API instead.
	stderr.Reset()
	if code := run(ctx, []string{"data", "export", "--endpoint", e.Endpoint()}, &stdout, &stderr, noEnv); code != 0 {
		t.Fatalf("export over the API: exit %d, %s", code, stderr.String())
	}
	live := stdout.String()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "snap.jsonl")
	if code := run(ctx, []string{"data", "export", "--data-dir", src, "-o", file}, &stdout, &stderr, noEnv); code != 0 {
		t.Fatalf("export: exit %d, %s", code, stderr.String())
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, export := range []string{string(b), live} {
		if !strings.Contains(export, `"service":"sqs"`) || !strings.Contains(export, "hello") {
			t.Fatalf("export lacks the queue's message:\n%s", export)
		}
	}

	dst := t.TempDir()
	if code := run(ctx, []string{"data", "import", "--data-dir", dst, file}, &stdout, &stderr, noEnv); code != 0 {
		t.Fatalf("import: exit %d, %s", code, stderr.String())
	}
	stderr.Reset()
	if code := run(ctx, []string{"data", "import", "--data-dir", dst, file}, &stdout, &stderr, noEnv); code != 1 || !strings.Contains(stderr.String(), "--force") {
		t.Fatalf("import over state without --force: exit %d, %s", code, stderr.String())
	}
	if code := run(ctx, []string{"data", "import", "--data-dir", dst, "--force", file}, &stdout, &stderr, noEnv); code != 0 {
		t.Fatalf("import --force: exit %d, %s", code, stderr.String())
	}
	restored := emulator.Start(t, emulator.WithDataDir(dst))
	running := emulator.Start(t)
	if code := run(ctx, []string{"data", "import", "--endpoint", running.Endpoint(), file}, &stdout, &stderr, noEnv); code != 0 {
		t.Fatalf("import over the API: exit %d, %s", code, stderr.String())
	}
	for _, s := range []*emulator.Emulator{restored, running} {
		c := sqs.NewFromConfig(s.AWSConfig())
		url := s.Endpoint() + "/000000000000/kept"
		r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Messages) != 1 || aws.ToString(r.Messages[0].Body) != "hello" {
			t.Fatalf("after import: %d messages", len(r.Messages))
		}
	}
}

func TestDataUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"data"}, 2, "usage:"},
		{[]string{"data", "frob"}, 2, `unknown command "frob"`},
		{[]string{"data", "export"}, 2, "exactly one of --data-dir and --endpoint"},
		{[]string{"data", "export", "--data-dir", "a", "--endpoint", "http://x"}, 2, "exactly one of"},
		{[]string{"data", "import", "--data-dir", "a"}, 2, "give the export file"},
		{[]string{"data", "export", "--data-dir", "/nonexistent/evolvestack"}, 1, "no such file"},
		{[]string{"data", "import", "--data-dir", "d", "/nonexistent/snap.jsonl"}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr, noEnv)
			if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.code, tt.want)
			}
		})
	}
}
