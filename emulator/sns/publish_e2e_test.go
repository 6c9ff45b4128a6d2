package sns_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // verifying SignatureVersion 1.
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// pubEnv is an emulator on a frozen clock with SNS and SQS clients.
type pubEnv struct {
	e   *emulator.Emulator
	sns *sdksns.Client
	sqs *sdksqs.Client
	ctx context.Context
}

func pubSetup(t *testing.T) *pubEnv {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	return &pubEnv{e: e, sns: sdksns.NewFromConfig(e.AWSConfig()), sqs: sdksqs.NewFromConfig(e.AWSConfig()), ctx: context.Background()}
}

// pubFail carries an unexpected error from pubMust to pubCatch.
type pubFail struct{ err error }

// pubMust returns v, or stops the test (through pubCatch) when err is set.
func pubMust[T any](v T, err error) T {
	if err != nil {
		panic(pubFail{err})
	}
	return v
}

// pubCatch turns a pubMust failure into t.Fatal; every test and subtest
// calling pubMust defers it first.
func pubCatch(t *testing.T) {
	if r := recover(); r != nil {
		f, ok := r.(pubFail)
		if !ok {
			panic(r)
		}
		t.Fatalf("unexpected error: %v", f.err)
	}
}

func pubWantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Fatalf("got %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// topic creates a topic.
func (p *pubEnv) topic(t *testing.T, name string, attrs map[string]string) string {
	t.Helper()
	return *pubMust(p.sns.CreateTopic(p.ctx, &sdksns.CreateTopicInput{Name: aws.String(name), Attributes: attrs})).TopicArn
}

// queue creates a queue and returns its URL and ARN.
func (p *pubEnv) queue(t *testing.T, name string, attrs map[string]string) (string, string) {
	t.Helper()
	u := *pubMust(p.sqs.CreateQueue(p.ctx, &sdksqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})).QueueUrl
	a := pubMust(p.sqs.GetQueueAttributes(p.ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: aws.String(u),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}}))
	return u, a.Attributes["QueueArn"]
}

func (p *pubEnv) subscribe(t *testing.T, topic, proto, endpoint string, attrs map[string]string) string {
	t.Helper()
	return *pubMust(p.sns.Subscribe(p.ctx, &sdksns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String(proto),
		Endpoint: aws.String(endpoint), Attributes: attrs, ReturnSubscriptionArn: true})).SubscriptionArn
}

// receive reads up to n messages (with attributes) from a queue, once
// the deliveries queued so far have run.
func (p *pubEnv) receive(t *testing.T, queueURL string, n int32) []sqstypes.Message {
	t.Helper()
	p.settle(t)
	out := pubMust(p.sqs.ReceiveMessage(p.ctx, &sdksqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: n,
		MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{"All"}}))
	return out.Messages
}

// settle waits for the clock callbacks running now (the queued deliveries).
func (p *pubEnv) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := p.e.Clock().Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

// verifyEnvelope checks an envelope's signature with the certificate the
// emulator serves at its SigningCertURL, building the canonical string as
// AWS's documented validators do.
func verifyEnvelope(t *testing.T, e *emulator.Emulator, env map[string]any) {
	t.Helper()
	str := func(k string) string { s, _ := env[k].(string); return s }
	certURL := str("SigningCertURL")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/_evolvestack/sns/SimpleNotificationService-[0-9a-f]{32}\.pem$`).MatchString(certURL) {
		t.Fatalf("SigningCertURL %q", certURL)
	}
	pemBytes, ok := e.SNS().SigningCert(path.Base(certURL))
	if !ok || string(pemBytes) != string(e.SNS().SigningCertPEM()) {
		t.Fatalf("no certificate served for %s", certURL)
	}
	block, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, k := range []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"} {
		if v, ok := env[k].(string); ok {
			sb.WriteString(k + "\n" + v + "\n")
		}
	}
	sig, err := base64.StdEncoding.DecodeString(str("Signature"))
	if err != nil {
		t.Fatal(err)
	}
	var h crypto.Hash
	var digest []byte
	if str("SignatureVersion") == "2" {
		d := sha256.Sum256([]byte(sb.String()))
		h, digest = crypto.SHA256, d[:]
	} else {
		d := sha1.Sum([]byte(sb.String())) //nolint:gosec // see the import.
		h, digest = crypto.SHA1, d[:]
	}
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), h, digest, sig); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}

func TestPublishToSQSEnvelope(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	for _, version := range []string{"1", "2"} {
		t.Run("SignatureVersion"+version, func(t *testing.T) {
			t.Parallel()
			defer pubCatch(t)
			p := pubSetup(t)
			topic := p.topic(t, "orders", map[string]string{"SignatureVersion": version})
			qURL, qARN := p.queue(t, "orders-q", nil)
			subArn := p.subscribe(t, topic, "sqs", qARN, nil)
			out := pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"id":1,"url":"https://x/y"}`),
				Subject: aws.String("Order shipped"), MessageAttributes: map[string]snstypes.MessageAttributeValue{
					"store": {DataType: aws.String("String"), StringValue: aws.String("example")},
					"price": {DataType: aws.String("Number"), StringValue: aws.String("10.5")},
				}}))
			if out.SequenceNumber != nil {
				t.Fatalf("standard topic answered a SequenceNumber")
			}
			msgs := p.receive(t, qURL, 10)
			if len(msgs) != 1 {
				t.Fatalf("received %d messages, want 1", len(msgs))
			}
			body := *msgs[0].Body
			if !strings.HasPrefix(body, "{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \""+*out.MessageId+"\",\n") {
				t.Fatalf("envelope layout:\n%s", body)
			}
			var env map[string]any
			if err := json.Unmarshal([]byte(body), &env); err != nil {
				t.Fatal(err)
			}
			unsub, _ := env["UnsubscribeURL"].(string)
			if env["TopicArn"] != topic || env["Subject"] != "Order shipped" || env["Message"] != `{"id":1,"url":"https://x/y"}` ||
				env["SignatureVersion"] != version || !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/\?Action=Unsubscribe&SubscriptionArn=`).MatchString(unsub) ||
				!strings.HasSuffix(unsub, "="+subArn) {
				t.Fatalf("envelope fields: %v", env)
			}
			if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(env["Timestamp"].(string)) {
				t.Fatalf("Timestamp %v", env["Timestamp"])
			}
			attrs, _ := env["MessageAttributes"].(map[string]any)
			if fmt.Sprint(attrs["price"]) != "map[Type:Number Value:10.5]" || fmt.Sprint(attrs["store"]) != "map[Type:String Value:example]" {
				t.Fatalf("MessageAttributes %v", attrs)
			}
			verifyEnvelope(t, p.e, env)
			if len(msgs[0].MessageAttributes) != 0 {
				t.Fatalf("envelope delivery carried SQS attributes %v", msgs[0].MessageAttributes)
			}
		})
	}
}

func TestPublishRawDeliveryAndStructure(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	topic := p.topic(t, "raw", nil)
	rawURL, rawARN := p.queue(t, "raw-q", nil)
	envURL, envARN := p.queue(t, "env-q", nil)
	p.subscribe(t, topic, "sqs", rawARN, map[string]string{"RawMessageDelivery": "true"})
	p.subscribe(t, topic, "sqs", envARN, nil)

	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("raw body"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"s":   {DataType: aws.String("String"), StringValue: aws.String("v")},
			"n":   {DataType: aws.String("Number"), StringValue: aws.String("42")},
			"b":   {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2}},
			"arr": {DataType: aws.String("String.Array"), StringValue: aws.String(`["x","y"]`)},
		}}))
	msgs := p.receive(t, rawURL, 10)
	if len(msgs) != 1 || *msgs[0].Body != "raw body" {
		t.Fatalf("raw messages %v", msgs)
	}
	got := map[string]string{}
	for k, v := range msgs[0].MessageAttributes {
		got[k] = *v.DataType + "=" + aws.ToString(v.StringValue) + string(v.BinaryValue)
	}
	want := map[string]string{"s": "String=v", "n": "Number=42", "b": "Binary=\x01\x02", "arr": `String=["x","y"]`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("raw attributes %v, want %v", got, want)
	}
	if n := len(p.receive(t, envURL, 10)); n != 1 {
		t.Fatalf("envelope queue got %d messages", n)
	}

	// A JSON structure delivers each protocol its own text.
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), MessageStructure: aws.String("json"),
		Message: aws.String(`{"default":"everyone","sqs":"queues only"}`)}))
	if m := p.receive(t, rawURL, 10); len(m) != 1 || *m[0].Body != "queues only" {
		t.Fatalf("structured raw %v", m)
	}
	m := p.receive(t, envURL, 10)
	var env map[string]any
	if len(m) != 1 || json.Unmarshal([]byte(*m[0].Body), &env) != nil || env["Message"] != "queues only" {
		t.Fatalf("structured envelope %v", m)
	}
	verifyEnvelope(t, p.e, env)

	// More than ten attributes are discarded for raw SQS subscriptions
	// only.
	many := map[string]snstypes.MessageAttributeValue{}
	for i := range 11 {
		many["a"+strconv.Itoa(i)] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("many"), MessageAttributes: many}))
	if m := p.receive(t, rawURL, 10); len(m) != 0 {
		t.Fatalf("raw subscription got a message with 11 attributes")
	}
	if m := p.receive(t, envURL, 10); len(m) != 1 {
		t.Fatalf("envelope subscription got %d messages", len(m))
	}
}

func TestPublishFIFOOrderAndDedup(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	topic := p.topic(t, "orders.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"})
	qURL, qARN := p.queue(t, "orders-q.fifo", map[string]string{"FifoQueue": "true"})
	p.subscribe(t, topic, "sqs", qARN, nil)

	var seqs []string
	for i := range 5 {
		out := pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m" + strconv.Itoa(i)),
			MessageGroupId: aws.String("g1")}))
		if out.SequenceNumber == nil || len(*out.SequenceNumber) != 20 {
			t.Fatalf("SequenceNumber %v", out.SequenceNumber)
		}
		if len(seqs) > 0 && *out.SequenceNumber <= seqs[len(seqs)-1] {
			t.Fatalf("sequence numbers not increasing: %v then %s", seqs, *out.SequenceNumber)
		}
		seqs = append(seqs, *out.SequenceNumber)
	}
	// The same body within five minutes is a duplicate: same answer, not
	// delivered again.
	first := pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m0"), MessageGroupId: aws.String("g1")}))
	if *first.SequenceNumber != seqs[0] {
		t.Fatalf("duplicate answered %s, want %s", *first.SequenceNumber, seqs[0])
	}
	var bodies []string
	for range 6 {
		m := p.receive(t, qURL, 10)
		if len(m) == 0 {
			break
		}
		for _, msg := range m {
			var env map[string]any
			if err := json.Unmarshal([]byte(*msg.Body), &env); err != nil {
				t.Fatal(err)
			}
			if _, signed := env["Signature"]; signed {
				t.Fatalf("FIFO envelope is signed: %s", *msg.Body)
			}
			bodies = append(bodies, fmt.Sprintf("%s/%s", env["Message"], env["SequenceNumber"]))
			if msg.Attributes["MessageGroupId"] != "g1" {
				t.Fatalf("MessageGroupId %q", msg.Attributes["MessageGroupId"])
			}
			pubMust(p.sqs.DeleteMessage(p.ctx, &sdksqs.DeleteMessageInput{QueueUrl: aws.String(qURL), ReceiptHandle: msg.ReceiptHandle}))
		}
	}
	var want []string
	for i, s := range seqs {
		want = append(want, fmt.Sprintf("m%d/%s", i, s))
	}
	if strings.Join(bodies, " ") != strings.Join(want, " ") {
		t.Fatalf("delivered %v, want %v", bodies, want)
	}

	// After the window the same body is new again (the queue's own window
	// has passed too).
	if err := p.e.Clock().Advance(5*time.Minute + time.Second); err != nil {
		t.Fatal(err)
	}
	again := pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("m0"), MessageGroupId: aws.String("g1")}))
	if *again.SequenceNumber <= seqs[len(seqs)-1] || *again.MessageId == *first.MessageId {
		t.Fatalf("publish after the window was deduplicated: %v", again)
	}
	if m := p.receive(t, qURL, 10); len(m) != 1 {
		t.Fatalf("after the window got %d messages", len(m))
	}

	// Explicit deduplication ids on a topic without content dedup.
	plain := p.topic(t, "plain.fifo", map[string]string{"FifoTopic": "true"})
	a := pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(plain), Message: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")}))
	b := pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(plain), Message: aws.String("y"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d1")}))
	c := pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(plain), Message: aws.String("x"), MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d2")}))
	if *a.MessageId != *b.MessageId || *a.MessageId == *c.MessageId {
		t.Fatalf("dedup by id: %v %v %v", *a.MessageId, *b.MessageId, *c.MessageId)
	}
}

func TestPublishErrors(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	topic := p.topic(t, "errs", nil)
	fifo := p.topic(t, "errs.fifo", map[string]string{"FifoTopic": "true"})
	str := func(v string) map[string]snstypes.MessageAttributeValue {
		return map[string]snstypes.MessageAttributeValue{"a": {DataType: aws.String("Number"), StringValue: aws.String(v)}}
	}
	for _, tc := range []struct {
		name string
		in   sdksns.PublishInput
		code string
		msg  string
	}{
		{"no destination", sdksns.PublishInput{Message: aws.String("x")}, "InvalidParameter",
			"Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"},
		{"empty message", sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("")}, "InvalidParameter", "Invalid parameter: Empty message"},
		{"empty subject", sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("x"), Subject: aws.String("")}, "InvalidParameter", "Invalid parameter: Subject"},
		{"subject newline", sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("x"), Subject: aws.String("a\nb")}, "InvalidParameter", "Invalid parameter: Subject"},
		{"too long", sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(strings.Repeat("x", 262_140)), MessageAttributes: str("12")},
			"InvalidParameter", "Invalid parameter: Message too long"},
		{"bad number", sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("x"), MessageAttributes: str("abc")},
			"ParameterValueInvalid", "Could not cast message attribute 'a' value to number."},
		{"bad phone", sdksns.PublishInput{PhoneNumber: aws.String("555-0100"), Message: aws.String("x")},
			"InvalidParameter", "Invalid parameter: PhoneNumber Reason: 555-0100 is not valid to publish to"},
		{"no default", sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"sqs":"x"}`), MessageStructure: aws.String("json")},
			"InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body"},
		{"bad JSON", sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{`), MessageStructure: aws.String("json")},
			"InvalidParameter", "Invalid parameter: Message Structure - JSON message body failed to parse"},
		{"dedup id on standard", sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("x"), MessageDeduplicationId: aws.String("d")},
			"InvalidParameter", "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type"},
		{"fifo without group", sdksns.PublishInput{TopicArn: aws.String(fifo), Message: aws.String("x")},
			"InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"},
		{"fifo without dedup", sdksns.PublishInput{TopicArn: aws.String(fifo), Message: aws.String("x"), MessageGroupId: aws.String("g")},
			"InvalidParameter", "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"},
		{"missing topic", sdksns.PublishInput{TopicArn: aws.String(topic + "-gone"), Message: aws.String("x")}, "NotFound", "Topic does not exist"},
		{"malformed topic", sdksns.PublishInput{TopicArn: aws.String("orders"), Message: aws.String("x")}, "InvalidParameter",
			"Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1"},
		{"missing endpoint", sdksns.PublishInput{TargetArn: aws.String("arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/0000"), Message: aws.String("x")},
			"InvalidParameter", "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			defer pubCatch(t)
			in := tc.in
			_, err := p.sns.Publish(p.ctx, &in)
			pubWantErr(t, err, tc.code, tc.msg)
		})
	}
}

func TestPublishBatch(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	topic := p.topic(t, "batch", nil)
	qURL, qARN := p.queue(t, "batch-q", nil)
	p.subscribe(t, topic, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	entry := func(id, msg string) snstypes.PublishBatchRequestEntry {
		return snstypes.PublishBatchRequestEntry{Id: aws.String(id), Message: aws.String(msg)}
	}
	out := pubMust(p.sns.PublishBatch(p.ctx, &sdksns.PublishBatchInput{TopicArn: aws.String(topic), PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		entry("a", "one"), entry("b", ""), entry("c", "three"),
	}}))
	if len(out.Successful) != 2 || *out.Successful[0].Id != "a" || *out.Successful[1].Id != "c" || out.Successful[0].MessageId == nil {
		t.Fatalf("Successful %+v", out.Successful)
	}
	if len(out.Failed) != 1 || *out.Failed[0].Id != "b" || *out.Failed[0].Code != "InvalidParameter" ||
		*out.Failed[0].Message != "Invalid parameter: Empty message" || !out.Failed[0].SenderFault {
		t.Fatalf("Failed %+v", out.Failed)
	}
	var got []string
	for _, m := range p.receive(t, qURL, 10) {
		got = append(got, *m.Body)
	}
	slices.Sort(got) // standard topics do not keep order
	if strings.Join(got, ",") != "one,three" {
		t.Fatalf("delivered %v", got)
	}

	eleven := make([]snstypes.PublishBatchRequestEntry, 11)
	for i := range eleven {
		eleven[i] = entry("e"+strconv.Itoa(i), "x")
	}
	for _, tc := range []struct {
		name    string
		topic   string
		entries []snstypes.PublishBatchRequestEntry
		code    string
		msg     string
	}{
		{"empty", topic, []snstypes.PublishBatchRequestEntry{}, "EmptyBatchRequest", "The batch request doesn't contain any entries."},
		{"eleven", topic, eleven, "TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible."},
		{"ids not distinct", topic, []snstypes.PublishBatchRequestEntry{entry("a", "x"), entry("a", "y")},
			"BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id."},
		{"bad id", topic, []snstypes.PublishBatchRequestEntry{entry("a.b", "x")},
			"InvalidBatchEntryId", "The Id of a batch entry in a batch request doesn't abide by the specification."},
		{"too long", topic, []snstypes.PublishBatchRequestEntry{entry("a", strings.Repeat("x", 200_000)), entry("b", strings.Repeat("x", 62_145))},
			"BatchRequestTooLong", "The length of all the messages put together is more than the limit."},
		{"missing topic", topic + "-gone", []snstypes.PublishBatchRequestEntry{entry("a", "x")}, "NotFound", "Topic does not exist"},
		{"bad attribute", topic, []snstypes.PublishBatchRequestEntry{{Id: aws.String("a"), Message: aws.String("x"),
			MessageAttributes: map[string]snstypes.MessageAttributeValue{".a": {DataType: aws.String("String"), StringValue: aws.String("v")}}}},
			"ParameterValueInvalid", "Invalid message attribute name starting with character '.' was found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			defer pubCatch(t)
			_, err := p.sns.PublishBatch(p.ctx, &sdksns.PublishBatchInput{TopicArn: aws.String(tc.topic), PublishBatchRequestEntries: tc.entries})
			pubWantErr(t, err, tc.code, tc.msg)
		})
	}
}

func TestPublishBatchFIFO(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	topic := p.topic(t, "b.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"})
	qURL, qARN := p.queue(t, "b-q.fifo", map[string]string{"FifoQueue": "true"})
	p.subscribe(t, topic, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})
	var entries []snstypes.PublishBatchRequestEntry
	for i, body := range []string{"a", "b", "a", "c"} {
		entries = append(entries, snstypes.PublishBatchRequestEntry{Id: aws.String("i" + strconv.Itoa(i)), Message: aws.String(body), MessageGroupId: aws.String("g")})
	}
	out := pubMust(p.sns.PublishBatch(p.ctx, &sdksns.PublishBatchInput{TopicArn: aws.String(topic), PublishBatchRequestEntries: entries}))
	if len(out.Successful) != 4 || *out.Successful[2].MessageId != *out.Successful[0].MessageId ||
		*out.Successful[2].SequenceNumber != *out.Successful[0].SequenceNumber || *out.Successful[3].SequenceNumber <= *out.Successful[1].SequenceNumber {
		t.Fatalf("Successful %+v", out.Successful)
	}
	var got []string
	for range 4 {
		m := p.receive(t, qURL, 10)
		for _, msg := range m {
			got = append(got, *msg.Body)
			pubMust(p.sqs.DeleteMessage(p.ctx, &sdksqs.DeleteMessageInput{QueueUrl: aws.String(qURL), ReceiptHandle: msg.ReceiptHandle}))
		}
	}
	if strings.Join(got, "") != "abc" {
		t.Fatalf("delivered %v, want a b c in order", got)
	}
	_, err := p.sns.PublishBatch(p.ctx, &sdksns.PublishBatchInput{TopicArn: aws.String(topic), PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("x"), Message: aws.String("m")}}})
	pubWantErr(t, err, "InvalidParameter", "Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
}

func TestPublishToLambda(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	got := make(chan events.SNSEvent, 1)
	if err := p.e.RegisterHandler("sns-consumer", func(ctx context.Context, ev events.SNSEvent) error {
		got <- ev
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	topic := p.topic(t, "to-lambda", nil)
	subArn := p.subscribe(t, topic, "lambda", "arn:aws:lambda:us-east-1:000000000000:function:sns-consumer", nil)
	out := pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("hello lambda"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}}))
	var ev events.SNSEvent
	select {
	case ev = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the function was not invoked")
	}
	if len(ev.Records) != 1 {
		t.Fatalf("records %+v", ev.Records)
	}
	r := ev.Records[0]
	if r.EventSource != "aws:sns" || r.EventVersion != "1.0" || r.EventSubscriptionArn != subArn || r.SNS.MessageID != *out.MessageId ||
		r.SNS.Message != "hello lambda" || r.SNS.TopicArn != topic || r.SNS.Type != "Notification" || r.SNS.Subject != "" ||
		fmt.Sprint(r.SNS.MessageAttributes["k"]) != "map[Type:String Value:v]" {
		t.Fatalf("record %+v", r)
	}
	verifyEnvelope(t, p.e, map[string]any{"Message": r.SNS.Message, "MessageId": r.SNS.MessageID, "Timestamp": r.SNS.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z"),
		"TopicArn": r.SNS.TopicArn, "Type": r.SNS.Type, "Signature": r.SNS.Signature, "SignatureVersion": "1", "SigningCertURL": r.SNS.SigningCertURL})
}

func TestPublishRecordedDeliveries(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	topic := p.topic(t, "recorded", nil)
	app := pubMust(p.sns.CreatePlatformApplication(p.ctx, &sdksns.CreatePlatformApplicationInput{Name: aws.String("app"), Platform: aws.String("GCM"),
		Attributes: map[string]string{"PlatformCredential": "key"}}))
	ep := *pubMust(p.sns.CreatePlatformEndpoint(p.ctx, &sdksns.CreatePlatformEndpointInput{PlatformApplicationArn: app.PlatformApplicationArn,
		Token: aws.String("device-token")})).EndpointArn
	p.subscribe(t, topic, "sms", "+15555550100", nil)
	p.subscribe(t, topic, "application", ep, nil)
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), MessageStructure: aws.String("json"),
		Message: aws.String(`{"default":"d","sms":"text me","GCM":"{\"data\":{\"k\":\"v\"}}"}`)}))
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{PhoneNumber: aws.String("+15555550199"), Message: aws.String("direct")}))
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TargetArn: aws.String(ep), MessageStructure: aws.String("json"),
		Message: aws.String(`{"GCM":"{\"direct\":true}"}`)}))
	byEndpoint := map[string]string{}
	for _, d := range p.e.SNS().Deliveries() {
		byEndpoint[d.Protocol+" "+d.Endpoint] = d.Body
	}
	want := map[string]string{
		"sms +15555550100": "text me",
		"sms +15555550199": "direct",
	}
	for k, v := range want {
		if byEndpoint[k] != v {
			t.Fatalf("delivery %s = %q, want %q (all: %v)", k, byEndpoint[k], v, byEndpoint)
		}
	}
	var app1, app2 bool
	for _, d := range p.e.SNS().Deliveries() {
		if d.Protocol == "application" && d.Endpoint == ep {
			app1 = app1 || (d.Body == `{"data":{"k":"v"}}` && d.SubscriptionArn != "")
			app2 = app2 || (d.Body == `{"direct":true}` && d.SubscriptionArn == "")
		}
	}
	if !app1 || !app2 {
		t.Fatalf("application deliveries: %+v", p.e.SNS().Deliveries())
	}
}

func TestPublishHTTPSubscriptionConfirmation(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	type post struct {
		header http.Header
		body   string
	}
	posts := make(chan post, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		posts <- post{r.Header.Clone(), string(b)}
	}))
	t.Cleanup(srv.Close)
	next := func() post {
		select {
		case got := <-posts:
			return got
		case <-time.After(10 * time.Second):
			t.Fatal("no POST arrived")
		}
		return post{}
	}
	topic := p.topic(t, "hooks", nil)
	out := pubMust(p.sns.Subscribe(p.ctx, &sdksns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("http"),
		Endpoint: aws.String(srv.URL + "/hook")}))
	if *out.SubscriptionArn != "pending confirmation" {
		t.Fatalf("SubscriptionArn %q", *out.SubscriptionArn)
	}
	confPost := next()
	if confPost.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" {
		t.Fatalf("confirmation headers %v", confPost.header)
	}
	// Not delivered before confirmation.
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("early")}))
	p.settle(t)
	recs := p.e.SNS().Deliveries()
	if len(recs) != 1 || recs[0].Headers["x-amz-sns-message-type"] != "SubscriptionConfirmation" || recs[0].Body != confPost.body {
		t.Fatalf("deliveries before confirmation: %+v", recs)
	}
	var conf map[string]any
	if err := json.Unmarshal([]byte(confPost.body), &conf); err != nil {
		t.Fatal(err)
	}
	if conf["Type"] != "SubscriptionConfirmation" || !strings.Contains(conf["SubscribeURL"].(string), "Action=ConfirmSubscription") {
		t.Fatalf("confirmation %v", conf)
	}
	verifyConfirmation(t, p.e, conf)
	pubMust(p.sns.ConfirmSubscription(p.ctx, &sdksns.ConfirmSubscriptionInput{TopicArn: aws.String(topic), Token: aws.String(conf["Token"].(string))}))
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("after"), Subject: aws.String("S")}))
	got := next()
	if got.header.Get("x-amz-sns-message-type") != "Notification" || got.header.Get("Content-Type") != "text/plain; charset=UTF-8" ||
		got.header.Get("User-Agent") != "Amazon Simple Notification Service Agent" || got.header.Get("x-amz-sns-topic-arn") != topic {
		t.Fatalf("notification headers %v", got.header)
	}
	p.settle(t)
	recs = p.e.SNS().Deliveries()
	if len(recs) != 2 || recs[1].Protocol != "http" || recs[1].Headers["x-amz-sns-message-type"] != "Notification" || recs[1].Body != got.body {
		t.Fatalf("deliveries after confirmation: %+v", recs)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(got.body), &env); err != nil || env["Message"] != "after" || env["Subject"] != "S" {
		t.Fatalf("notification %s", got.body)
	}
	verifyEnvelope(t, p.e, env)
}

// verifyConfirmation checks a SubscriptionConfirmation's signature over
// its canonical string (Message, MessageId, SubscribeURL, Timestamp,
// Token, TopicArn, Type).
func verifyConfirmation(t *testing.T, e *emulator.Emulator, m map[string]any) {
	t.Helper()
	var sb strings.Builder
	for _, k := range []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"} {
		sb.WriteString(k + "\n" + m[k].(string) + "\n")
	}
	block, _ := pem.Decode(e.SNS().SigningCertPEM())
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := base64.StdEncoding.DecodeString(m["Signature"].(string))
	d := sha1.Sum([]byte(sb.String())) //nolint:gosec // SignatureVersion 1.
	if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA1, d[:], sig); err != nil {
		t.Fatalf("confirmation signature: %v", err)
	}
}

func TestPublishCrossAccountAndOptOut(t *testing.T) {
	t.Parallel()
	defer pubCatch(t)
	p := pubSetup(t)
	topic := p.topic(t, "shared", nil)
	qURL, qARN := p.queue(t, "shared-q", map[string]string{})
	p.subscribe(t, topic, "sqs", qARN, map[string]string{"RawMessageDelivery": "true"})

	cfg := p.e.AWSConfig()
	cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "222233334444", SecretAccessKey: "evolvestack"}, nil
	}))
	other := sdksns.NewFromConfig(cfg)
	_, err := other.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("denied")})
	pubWantErr(t, err, "AuthorizationError", "User: arn:aws:iam::222233334444:root is not authorized to perform: SNS:Publish on resource: "+topic+
		" because no resource-based policy allows the SNS:Publish action")
	pubMust(p.sns.AddPermission(p.ctx, &sdksns.AddPermissionInput{TopicArn: aws.String(topic), Label: aws.String("let-other"),
		AWSAccountId: []string{"222233334444"}, ActionName: []string{"Publish"}}))
	pubMust(other.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("allowed")}))
	if m := p.receive(t, qURL, 10); len(m) != 1 || *m[0].Body != "allowed" {
		t.Fatalf("cross-account delivery %v", m)
	}

	// Opted-out numbers get nothing, whether published to directly or
	// subscribed.
	if err := p.e.SNS().OptOutPhoneNumber("+15555550123"); err != nil {
		t.Fatal(err)
	}
	p.subscribe(t, topic, "sms", "+15555550123", nil)
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{PhoneNumber: aws.String("+15555550123"), Message: aws.String("direct")}))
	pubMust(p.sns.Publish(p.ctx, &sdksns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("via topic")}))
	for _, d := range p.e.SNS().Deliveries() {
		if d.Endpoint == "+15555550123" {
			t.Fatalf("opted-out number got %+v", d)
		}
	}
}
