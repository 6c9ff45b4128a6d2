package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// writeInit writes a provisioning file into a new directory.
func writeInit(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "init.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeInitFailures(t *testing.T) {
	t.Parallel()
	badKey := writeInit(t, "queues:\n  - name: a\n    colour: red\n")
	badRef := writeInit(t, "queues:\n  - name: a\n    redrive: {deadLetterQueue: b, maxReceiveCount: 2}\n")
	badName := writeInit(t, "queues:\n  - name: ok\n  - name: not ok\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  []string
	}{
		{"unknown key", []string{"--init", badKey}, nil, 2, []string{badKey + `:3: unknown field "colour"`, "start-up stopped"}},
		{"undefined dead-letter queue, from the environment", nil, map[string]string{"EVOLVESTACK_INIT": badRef}, 2, []string{badRef + `:3: queue "b" is not declared`}},
		{"missing file", []string{"--init", filepath.Join(t.TempDir(), "nope.yaml")}, nil, 2, []string{"no such file"}},
		{"failing operation", []string{"--init", badName}, nil, 1, []string{badName + `:3: queue "not ok": CreateQueue:`, "start-up stopped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			args := append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)
			code := run(context.Background(), args, &out, &errOut, envMap(tt.env))
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.wantCode, errOut.String())
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q lacks %q", errOut.String(), w)
				}
			}
			if strings.Contains(out.String(), "ready on") {
				t.Errorf("printed the ready line: %q", out.String())
			}
		})
	}
}

func TestServeInitCreatesResources(t *testing.T) {
	t.Parallel()
	path := writeInit(t, "queues:\n  - name: dlq\n  - name: work\n    redrive: {deadLetterQueue: dlq, maxReceiveCount: 2}\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var logs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--init", path}, pw, &logs, noEnv)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading ready line: %v (logs: %s)", err, logs.String())
	}
	go io.Copy(io.Discard, pr)
	m := readyLine.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("ready line %q", line)
	}
	client := sqs.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(m[1]),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	out, err := client.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.QueueUrls) != 2 {
		t.Errorf("queues %q, want dlq and work", out.QueueUrls)
	}
	if !strings.Contains(logs.String(), "provisioned") || !strings.Contains(logs.String(), "created=2") {
		t.Errorf("no summary log line: %s", logs.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d; logs: %s", code, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}
