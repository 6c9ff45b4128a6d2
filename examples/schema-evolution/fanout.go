package main

// Step 6: the producer's records fanned out through SNS.

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SignatureVersion 1 is SHA1withRSA, as on AWS.
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/registry/serde"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
)

// envelope is the JSON notification SNS sends to a subscription without
// raw message delivery.
type envelope struct {
	Type              string
	MessageID         string `json:"MessageId"`
	TopicArn          string
	Subject           *string
	Message           string
	Timestamp         string
	SignatureVersion  string
	Signature         string
	SigningCertURL    string
	MessageAttributes map[string]struct{ Type, Value string }
}

// versionAttr is the message attribute that carries the writer's schema
// version id next to the record.
const versionAttr = "schemaVersionId"

func (d *demo) step6(ctx context.Context) error {
	topic := "order-notifications" + d.suffix
	rawQueue, envQueue := "order-copies-raw"+d.suffix, "order-copies"+d.suffix
	d.n.do("creating SNS topic %q (SignatureVersion 2) and subscribing two SQS queues: %q with raw message delivery, %q with the SNS envelope",
		topic, rawQueue, envQueue)
	out, err := d.st.sns.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(topic), Attributes: map[string]string{"SignatureVersion": "2"}})
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", topic, err)
	}
	topicArn := aws.ToString(out.TopicArn)
	d.createdTopics = append(d.createdTopics, topicArn)
	rawURL, err := d.subscribeQueue(ctx, topicArn, rawQueue, true)
	if err != nil {
		return err
	}
	envURL, err := d.subscribeQueue(ctx, topicArn, envQueue, false)
	if err != nil {
		return err
	}
	subs, err := d.st.sns.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topicArn)})
	if err != nil {
		return fmt.Errorf("listing the subscriptions of %s: %w", topic, err)
	}
	confirmed := 0
	for _, s := range subs.Subscriptions {
		if strings.HasPrefix(aws.ToString(s.SubscriptionArn), topicArn+":") {
			confirmed++
		}
	}
	if err := d.check(confirmed == 2, fmt.Sprintf("topic %s has 2 confirmed subscriptions (SQS queues of the same account need no confirmation)", topicArn),
		fmt.Sprintf("topic %s has %d confirmed subscriptions of %d, want 2", topicArn, confirmed, len(subs.Subscriptions))); err != nil {
		return err
	}

	coupon := "FANOUT"
	orders := []orderWithCoupon{{"o-6001", "ada", 2500, &coupon}, {"o-6002", "ken", 310, nil}}
	d.n.do("the v2 producer serializes %d orders with the serde and publishes them in one PublishBatch: the record base64-encoded, its schema version id in the message attribute %q",
		len(orders), versionAttr)
	want := map[string]produced{}
	var entries []snstypes.PublishBatchRequestEntry
	for _, o := range orders {
		b, err := d.orderSerializer.Serialize(ctx, d.ordersStream, orderV2, o)
		if err != nil {
			return fmt.Errorf("serializing %s: %w", o.OrderID, err)
		}
		id, err := d.orderSerializer.SchemaVersionID(ctx, d.ordersStream, orderV2)
		if err != nil {
			return fmt.Errorf("looking up Order v2: %w", err)
		}
		entries = append(entries, snstypes.PublishBatchRequestEntry{
			Id: aws.String(o.OrderID), Message: aws.String(base64.StdEncoding.EncodeToString(b)),
			MessageAttributes: map[string]snstypes.MessageAttributeValue{versionAttr: {DataType: aws.String("String"), StringValue: aws.String(id.String())}},
		})
		want[o.OrderID] = produced{label: o.OrderID, writer: "Order v2", want: jsonMap(o, nil)}
	}
	pub, err := d.st.sns.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(topicArn), PublishBatchRequestEntries: entries})
	if err != nil {
		return fmt.Errorf("publishing to %s: %w", topic, err)
	}
	if err := d.check(len(pub.Successful) == len(orders) && len(pub.Failed) == 0,
		fmt.Sprintf("SNS accepted the %d messages", len(orders)),
		fmt.Sprintf("PublishBatch: %d successful, %d failed", len(pub.Successful), len(pub.Failed))); err != nil {
		return err
	}
	messageIDs := map[string]string{} // message id → order id
	for _, s := range pub.Successful {
		messageIDs[aws.ToString(s.MessageId)] = aws.ToString(s.Id)
	}

	d.n.do("waiting for both queues; a plain serde.Deserializer decodes what each received")
	raw, err := d.collect(ctx, rawURL, rawQueue, len(orders))
	if err != nil {
		return err
	}
	enveloped, err := d.collect(ctx, envURL, envQueue, len(orders))
	if err != nil {
		return err
	}
	deser := serde.NewDeserializer(d.st.glue, serde.DeserializerConfig{})
	var bad []string
	decode := func(queue, text, versionID string) string {
		r, err := deser.Decode(ctx, lambdaevents.Payload(text))
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", queue, err))
			return ""
		}
		js, _ := r.JSON()
		var have map[string]any
		_ = json.Unmarshal(js, &have)
		label := firstNonEmpty(fmt.Sprint(have["orderId"]), "?")
		writer := firstNonEmpty(d.versions[r.SchemaVersionID.String()], r.SchemaVersionID.String())
		d.n.detail("%-7s %-15s %-17s %s", label, writer, "("+queue+")", orderedJSON(d.ordersReaderFields, js))
		p, ok := want[label]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s: an unexpected record %s", queue, js))
		case writer != p.writer || !reflect.DeepEqual(have, jsonMap(p.want, nil)):
			bad = append(bad, fmt.Sprintf("%s: %s decoded from %s as %s", queue, label, writer, js))
		case versionID != r.SchemaVersionID.String():
			bad = append(bad, fmt.Sprintf("%s: %s carries %s=%q, but its header names %s", queue, label, versionAttr, versionID, r.SchemaVersionID))
		}
		return label
	}
	for _, m := range raw {
		decode("raw", aws.ToString(m.Body), aws.ToString(m.MessageAttributes[versionAttr].StringValue))
	}
	if err := d.check(len(bad) == 0,
		fmt.Sprintf("%s received the bare messages: the records decode as written, and %s arrived as an SQS message attribute", rawQueue, versionAttr),
		strings.Join(bad, "\n      ")); err != nil {
		return err
	}
	var envs []envelope
	for _, m := range enveloped {
		var env envelope
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil || env.Type != "Notification" {
			bad = append(bad, fmt.Sprintf("%s: not an SNS notification: %s", envQueue, aws.ToString(m.Body)))
			continue
		}
		label := decode("envelope", env.Message, env.MessageAttributes[versionAttr].Value)
		if messageIDs[env.MessageID] != label || env.TopicArn != topicArn {
			bad = append(bad, fmt.Sprintf("%s: %s came as message %s of %s; PublishBatch answered %q for it", envQueue, label, env.MessageID, env.TopicArn, messageIDs[env.MessageID]))
		}
		envs = append(envs, env)
	}
	if err := d.check(len(bad) == 0,
		fmt.Sprintf("%s received SNS envelopes: Type Notification, the message ids PublishBatch answered, the records inside decode as written", envQueue),
		strings.Join(bad, "\n      ")); err != nil {
		return err
	}

	d.n.do("verifying each envelope's Signature with the certificate downloaded from its SigningCertURL")
	for _, env := range envs {
		if err := d.verify(ctx, env); err != nil {
			return d.check(false, "", fmt.Sprintf("message %s: %v", env.MessageID, err))
		}
	}
	return d.check(true, fmt.Sprintf("both signatures verify (SignatureVersion 2: SHA256withRSA over the notification's fields); certificate from %s",
		envs[0].SigningCertURL), "")
}

// subscribeQueue creates a queue and subscribes it to the topic, and
// returns its URL.
func (d *demo) subscribeQueue(ctx context.Context, topicArn, name string, raw bool) (string, error) {
	url, err := d.createQueue(ctx, name)
	if err != nil {
		return "", err
	}
	attrs, err := d.st.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", fmt.Errorf("reading the ARN of %s: %w", name, err)
	}
	in := &sns.SubscribeInput{
		TopicArn: aws.String(topicArn), Protocol: aws.String("sqs"), ReturnSubscriptionArn: true,
		Endpoint: aws.String(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]),
	}
	if raw {
		in.Attributes = map[string]string{"RawMessageDelivery": "true"}
	}
	if _, err := d.st.sns.Subscribe(ctx, in); err != nil {
		return "", fmt.Errorf("subscribing %s: %w", name, err)
	}
	return url, nil
}

// collect waits until the queue has given n messages, deleting them.
func (d *demo) collect(ctx context.Context, url, name string, n int) ([]sqstypes.Message, error) {
	var got []sqstypes.Message
	err := d.w.until(ctx, fmt.Sprintf("%d messages in %s", n, name), func(ctx context.Context) (bool, error) {
		out, err := d.st.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			return false, fmt.Errorf("receiving from %s: %w", name, err)
		}
		for _, m := range out.Messages {
			got = append(got, m)
			if _, err := d.st.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return false, fmt.Errorf("deleting from %s: %w", name, err)
			}
		}
		return len(got) >= n, nil
	})
	if err != nil {
		return nil, d.check(false, "", fmt.Sprintf("%v (%d arrived)", err, len(got)))
	}
	if len(got) != n {
		return nil, d.check(false, "", fmt.Sprintf("%s received %d messages, want %d", name, len(got), n))
	}
	return got, nil
}

// signedText is what a Notification's signature covers: its fields as
// "name\nvalue\n" pairs, in this order (Subject only when present).
func (env envelope) signedText() string {
	var b strings.Builder
	field := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	field("Message", env.Message)
	field("MessageId", env.MessageID)
	if env.Subject != nil {
		field("Subject", *env.Subject)
	}
	field("Timestamp", env.Timestamp)
	field("TopicArn", env.TopicArn)
	field("Type", env.Type)
	return b.String()
}

// verify checks env's signature with the certificate at its
// SigningCertURL. On AWS, a subscriber first checks that the URL is an
// https URL of sns.<region>.amazonaws.com; here it must be the emulator's.
func (d *demo) verify(ctx context.Context, env envelope) error {
	if !strings.HasPrefix(env.SigningCertURL, d.st.endpoint+"/") {
		return fmt.Errorf("SigningCertURL %s is not on the emulator (%s)", env.SigningCertURL, d.st.endpoint)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.SigningCertURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("downloading the certificate: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("downloading the certificate: status %d, %v", resp.StatusCode, err)
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return errors.New("SigningCertURL does not serve a PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("parsing the certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("the certificate's key is %T, not RSA", cert.PublicKey)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil {
		return fmt.Errorf("the Signature is not base64: %w", err)
	}
	text := []byte(env.signedText())
	var hash crypto.Hash
	var sum []byte
	switch env.SignatureVersion {
	case "1":
		h := sha1.Sum(text) //nolint:gosec // as AWS signs version 1
		hash, sum = crypto.SHA1, h[:]
	case "2":
		h := sha256.Sum256(text)
		hash, sum = crypto.SHA256, h[:]
	default:
		return fmt.Errorf("SignatureVersion %q, want 1 or 2", env.SignatureVersion)
	}
	if env.SignatureVersion != "2" {
		return fmt.Errorf("SignatureVersion %s; the topic asked for 2", env.SignatureVersion)
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, sum, sig); err != nil {
		return fmt.Errorf("the signature does not verify: %w", err)
	}
	return nil
}
