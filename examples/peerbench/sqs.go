package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// queryAuth is an Authorization header of SigV4's shape naming SQS in
// us-east-1 for account 000000000000 (emulators in their default mode
// read the scope and do not verify the signature).
const queryAuth = "AWS4-HMAC-SHA256 Credential=000000000000/20240101/us-east-1/sqs/aws4_request, SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000"

// SQSBatch compares awsQuery SendMessageBatch throughput (messages per
// second) across cfg.Endpoints. Each run sends to a queue of its own,
// named cfg.Queue and the run's number, created before and deleted after
// it, so that no server carries the messages of earlier runs.
func SQSBatch(ctx context.Context, cfg Config, log io.Writer) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	targets := make([]target, len(cfg.Endpoints))
	for i, ep := range cfg.Endpoints {
		targets[i] = func(ctx context.Context, c *http.Client, run int) (op, func(context.Context) error, error) {
			queueURL, err := createQueue(ctx, c, ep, cfg.Queue+"-"+strconv.Itoa(run))
			if err != nil {
				return nil, nil, err
			}
			cleanup := func(ctx context.Context) error { return deleteQueue(ctx, c, ep, queueURL) }
			return sendBatchOp(ep, batchForm(queueURL, cfg.Batch, cfg.Size), cfg.Batch), cleanup, nil
		}
	}
	return compare(ctx, cfg, "msgs", targets, log)
}

// queryPost posts form to endpoint and returns the status and body.
func queryPost(ctx context.Context, c *http.Client, endpoint string, form []byte) (int, []byte, error) {
	return queryPostAuth(ctx, c, endpoint, form, queryAuth)
}

// queryPostAuth is queryPost with the Authorization header auth.
func queryPostAuth(ctx context.Context, c *http.Client, endpoint string, form []byte, auth string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(form))
	if err != nil {
		return 0, nil, fmt.Errorf("building request: %w", err)
	}
	req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded; charset=utf-8"}
	req.Header["Authorization"] = []string{auth}
	req.Header["X-Amz-Date"] = []string{"20240101T000000Z"}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("posting: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, body, nil
}

// createQueue creates (or finds) a standard queue and returns its URL.
func createQueue(ctx context.Context, c *http.Client, endpoint, name string) (string, error) {
	form := url.Values{"Action": {"CreateQueue"}, "Version": {"2012-11-05"}, "QueueName": {name}}
	status, body, err := queryPost(ctx, c, endpoint, []byte(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("CreateQueue: %w", err)
	}
	_, rest, ok := bytes.Cut(body, []byte("<QueueUrl>"))
	u, _, ok2 := bytes.Cut(rest, []byte("</QueueUrl>"))
	if status != http.StatusOK || !ok || !ok2 {
		return "", fmt.Errorf("CreateQueue: status %d: %.300s", status, body)
	}
	return strings.TrimSpace(string(u)), nil
}

// deleteQueue deletes a queue.
func deleteQueue(ctx context.Context, c *http.Client, endpoint, queueURL string) error {
	form := url.Values{"Action": {"DeleteQueue"}, "Version": {"2012-11-05"}, "QueueUrl": {queueURL}}
	status, body, err := queryPost(ctx, c, endpoint, []byte(form.Encode()))
	if err != nil {
		return fmt.Errorf("DeleteQueue: %w", err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("DeleteQueue: status %d: %.300s", status, body)
	}
	return nil
}

// batchForm is a SendMessageBatch form of n messages of size bytes.
func batchForm(queueURL string, n, size int) []byte {
	form := url.Values{"Action": {"SendMessageBatch"}, "Version": {"2012-11-05"}, "QueueUrl": {queueURL}}
	for i := 1; i <= n; i++ {
		p := "SendMessageBatchRequestEntry." + strconv.Itoa(i) + "."
		body := "message " + strconv.Itoa(i) + " "
		body += strings.Repeat("x", max(0, size-len(body)))
		form.Set(p+"Id", "m"+strconv.Itoa(i))
		form.Set(p+"MessageBody", body[:size])
	}
	return []byte(form.Encode())
}

// sendBatchOp posts form and checks that all n messages were sent.
func sendBatchOp(endpoint string, form []byte, n int) op {
	return func(ctx context.Context, c *http.Client) (int, error) {
		status, body, err := queryPost(ctx, c, endpoint, form)
		if err != nil {
			return 0, fmt.Errorf("SendMessageBatch: %w", err)
		}
		if status != http.StatusOK || bytes.Count(body, []byte("<MessageId>")) != n {
			return 0, fmt.Errorf("SendMessageBatch: status %d: %.300s", status, body)
		}
		return n, nil
	}
}
