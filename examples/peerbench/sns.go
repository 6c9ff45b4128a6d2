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
	"time"
)

// snsAuth is queryAuth's Authorization header naming SNS.
var snsAuth = strings.Replace(queryAuth, "/sqs/", "/sns/", 1)

// snsVersion is SNS's awsQuery API version.
const snsVersion = "2010-03-31"

// settleTimeout bounds the wait for a run's deliveries to land.
const settleTimeout = 2 * time.Minute

// fanoutRun is one sns-fanout run's state on one endpoint.
type fanoutRun struct {
	topicARN  string
	queueURLs []string
}

// SNSFanout compares SNS fan-out throughput (SQS deliveries per second)
// across cfg.Endpoints. Each run creates a topic and cfg.Subs queues
// subscribed to it (with RawMessageDelivery when cfg.Raw), publishes
// cfg.Size-byte messages with one String attribute from cfg.Clients
// clients for cfg.Duration, then counts the messages in the queues
// (ApproximateNumberOfMessages), waiting for deliveries a server makes
// after answering Publish, and checks one delivery's shape. The topic and
// queues are deleted after the run.
func SNSFanout(ctx context.Context, cfg Config, log io.Writer) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Subs < 1 {
		return nil, fmt.Errorf("subs %d: want 1 to 100", cfg.Subs)
	}
	runs := make([]map[int]*fanoutRun, len(cfg.Endpoints))
	targets := make([]target, len(cfg.Endpoints))
	settle := make([]settler, len(cfg.Endpoints))
	message := strings.Repeat("m", cfg.Size)
	// A queue deleted less than 60 s ago cannot be created again: names
	// carry this comparison's start time.
	nonce := strconv.FormatInt(time.Now().UnixMilli()%(1<<32), 36)
	for i, ep := range cfg.Endpoints {
		runs[i] = map[int]*fanoutRun{}
		targets[i] = func(ctx context.Context, c *http.Client, run int) (op, func(context.Context) error, error) {
			name := cfg.Queue + "-fanout-" + nonce + "-" + strconv.Itoa(run)
			fr, err := setupFanout(ctx, c, ep, name, cfg.Subs, cfg.Raw)
			runs[i][run] = fr
			cleanup := func(ctx context.Context) error { return fr.teardown(ctx, c, ep) }
			if err != nil {
				_ = cleanup(ctx)
				return nil, nil, err
			}
			return publishOp(ep, publishForm(fr.topicARN, message)), cleanup, nil
		}
		settle[i] = func(ctx context.Context, c *http.Client, run int, sent int64) (int64, error) {
			fr := runs[i][run]
			n, err := fr.settle(ctx, c, ep, sent*int64(cfg.Subs))
			if err != nil {
				return 0, err
			}
			if err := fr.checkDelivery(ctx, c, ep, message, cfg.Raw); err != nil {
				return 0, err
			}
			return n, nil
		}
	}
	return compareSettled(ctx, cfg, "deliveries", targets, settle, log)
}

// snsPost posts an SNS awsQuery form.
func snsPost(ctx context.Context, c *http.Client, endpoint string, form url.Values) (int, []byte, error) {
	form.Set("Version", snsVersion)
	return queryPostAuth(ctx, c, endpoint, []byte(form.Encode()), snsAuth)
}

// xmlField returns the text of the first <name> element of body.
func xmlField(body []byte, name string) (string, bool) {
	_, rest, ok := bytes.Cut(body, []byte("<"+name+">"))
	v, _, ok2 := bytes.Cut(rest, []byte("</"+name+">"))
	return strings.TrimSpace(string(v)), ok && ok2
}

// setupFanout creates topic name, subs queues and their subscriptions.
func setupFanout(ctx context.Context, c *http.Client, ep, name string, subs int, raw bool) (*fanoutRun, error) {
	fr := &fanoutRun{}
	status, body, err := snsPost(ctx, c, ep, url.Values{"Action": {"CreateTopic"}, "Name": {name}})
	if err != nil {
		return fr, fmt.Errorf("CreateTopic: %w", err)
	}
	arn, ok := xmlField(body, "TopicArn")
	if status != http.StatusOK || !ok {
		return fr, fmt.Errorf("CreateTopic: status %d: %.300s", status, body)
	}
	fr.topicARN = arn
	for k := range subs {
		qURL, err := createQueue(ctx, c, ep, name+"-q"+strconv.Itoa(k))
		if err != nil {
			return fr, err
		}
		fr.queueURLs = append(fr.queueURLs, qURL)
		qARN, err := queueAttribute(ctx, c, ep, qURL, "QueueArn")
		if err != nil {
			return fr, err
		}
		form := url.Values{"Action": {"Subscribe"}, "TopicArn": {arn}, "Protocol": {"sqs"}, "Endpoint": {qARN}}
		if raw {
			form.Set("Attributes.entry.1.key", "RawMessageDelivery")
			form.Set("Attributes.entry.1.value", "true")
		}
		status, body, err := snsPost(ctx, c, ep, form)
		if err != nil {
			return fr, fmt.Errorf("Subscribe: %w", err)
		}
		if _, ok := xmlField(body, "SubscriptionArn"); status != http.StatusOK || !ok {
			return fr, fmt.Errorf("Subscribe: status %d: %.300s", status, body)
		}
	}
	return fr, nil
}

// teardown deletes the run's topic and queues.
func (fr *fanoutRun) teardown(ctx context.Context, c *http.Client, ep string) error {
	var first error
	if fr.topicARN != "" {
		status, body, err := snsPost(ctx, c, ep, url.Values{"Action": {"DeleteTopic"}, "TopicArn": {fr.topicARN}})
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("DeleteTopic: status %d: %.300s", status, body)
		}
		first = err
	}
	for _, q := range fr.queueURLs {
		if err := deleteQueue(ctx, c, ep, q); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// queueAttribute reads one attribute of a queue.
func queueAttribute(ctx context.Context, c *http.Client, ep, queueURL, name string) (string, error) {
	form := url.Values{"Action": {"GetQueueAttributes"}, "Version": {"2012-11-05"}, "QueueUrl": {queueURL}, "AttributeName.1": {name}}
	status, body, err := queryPost(ctx, c, ep, []byte(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("GetQueueAttributes: %w", err)
	}
	_, rest, _ := bytes.Cut(body, []byte("<Name>"+name+"</Name>"))
	v, ok := xmlField(rest, "Value")
	if status != http.StatusOK || !ok {
		return "", fmt.Errorf("GetQueueAttributes %s: status %d: %.300s", name, status, body)
	}
	return v, nil
}

// settle waits until the queues hold want messages, or their count stops
// growing for a second, and returns the count.
func (fr *fanoutRun) settle(ctx context.Context, c *http.Client, ep string, want int64) (int64, error) {
	deadline := time.Now().Add(settleTimeout)
	last, lastChange := int64(-1), time.Now()
	for {
		total := int64(0)
		for _, q := range fr.queueURLs {
			v, err := queueAttribute(ctx, c, ep, q, "ApproximateNumberOfMessages")
			if err != nil {
				return 0, err
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("ApproximateNumberOfMessages %q: %w", v, err)
			}
			total += n
		}
		if total >= want {
			return total, nil
		}
		if total != last {
			last, lastChange = total, time.Now()
		}
		if time.Since(lastChange) > time.Second || time.Now().After(deadline) {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// checkDelivery receives one message of the first queue and checks it is
// the published message, raw or in a signed envelope.
func (fr *fanoutRun) checkDelivery(ctx context.Context, c *http.Client, ep, message string, raw bool) error {
	form := url.Values{"Action": {"ReceiveMessage"}, "Version": {"2012-11-05"}, "QueueUrl": {fr.queueURLs[0]}}
	status, body, err := queryPost(ctx, c, ep, []byte(form.Encode()))
	if err != nil {
		return fmt.Errorf("ReceiveMessage: %w", err)
	}
	got, ok := xmlField(body, "Body")
	if status != http.StatusOK || !ok {
		return fmt.Errorf("ReceiveMessage: status %d: %.300s", status, body)
	}
	switch {
	case raw && got != message:
		return fmt.Errorf("raw delivery %.200q, want the message as published", got)
	case !raw && (!strings.Contains(got, message) || !strings.Contains(got, "Signature") || !strings.Contains(got, "Notification")):
		return fmt.Errorf("enveloped delivery %.300q lacks the message or its signature", got)
	}
	return nil
}

// publishForm is a Publish form of message with one String attribute.
func publishForm(topicARN, message string) []byte {
	form := url.Values{"Action": {"Publish"}, "Version": {snsVersion}, "TopicArn": {topicARN}, "Message": {message},
		"MessageAttributes.entry.1.Name":              {"kind"},
		"MessageAttributes.entry.1.Value.DataType":    {"String"},
		"MessageAttributes.entry.1.Value.StringValue": {"order"}}
	return []byte(form.Encode())
}

// publishOp posts form and checks the answer names a message.
func publishOp(endpoint string, form []byte) op {
	return func(ctx context.Context, c *http.Client) (int, error) {
		status, body, err := queryPostAuth(ctx, c, endpoint, form, snsAuth)
		if err != nil {
			return 0, fmt.Errorf("Publish: %w", err)
		}
		if status != http.StatusOK || !bytes.Contains(body, []byte("<MessageId>")) {
			return 0, fmt.Errorf("Publish: status %d: %.300s", status, body)
		}
		return 1, nil
	}
}
