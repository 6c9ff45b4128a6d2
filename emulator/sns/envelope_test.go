package sns

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// testTime is the publish time of the golden notifications.
var testTime = time.Date(2026, 12, 6, 22, 30, 15, 123_456_789, time.UTC)

const (
	testTopic    = "arn:aws:sns:us-east-1:000000000000:orders"
	testEndpoint = "http://127.0.0.1:4566"
	testSub      = testTopic + ":5bd1c4a1-6d8e-4f5e-9a1b-0c2d3e4f5a6b"
)

// testNotification is a notification with fixed fields, signed by testKey.
func testNotification(mod func(n *notification)) *notification {
	n := &notification{
		messageID:        "0b8d0f5c-9c1e-5d2a-8f3b-4a5b6c7d8e9f",
		topicArn:         testTopic,
		message:          "hello",
		timestamp:        testTime,
		signatureVersion: "1",
		key:              testKey,
		endpoint:         testEndpoint,
	}
	if mod != nil {
		mod(n)
	}
	return n
}

// normalize replaces the key-dependent Signature and certificate name in
// an envelope with placeholders, after checking the signature verifies.
func normalize(t *testing.T, body []byte, fields map[string]string) []byte {
	t.Helper()
	pemBytes, _ := testKey.CertPEM()
	name, _ := testKey.CertFileName()
	if sig := fields["Signature"]; sig != "" {
		verifyAWS(t, pemBytes, fields)
		body = bytes.ReplaceAll(body, []byte(sig), []byte("SIGNATURE"))
	}
	return bytes.ReplaceAll(body, []byte(name), []byte("SimpleNotificationService-CERTID.pem"))
}

// stringFields decodes the string members of a JSON object.
func stringFields(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("envelope is not JSON: %v\n%s", err, body)
	}
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func TestEnvelopeGolden(t *testing.T) {
	t.Parallel()
	attrs := map[string]MessageAttributeValue{
		"store":    {DataType: ptr("String"), StringValue: ptr("example_corp")},
		"price":    {DataType: ptr("Number"), StringValue: ptr("10.5")},
		"blob":     {DataType: ptr("Binary"), BinaryValue: []byte("\x00\x01binary")},
		"tags":     {DataType: ptr("String.Array"), StringValue: ptr(`["a","b"]`)},
		"json.doc": {DataType: ptr("String.json"), StringValue: ptr(`{"k":"v/w"}`)},
	}
	for _, tc := range []struct {
		name     string
		protocol string
		mod      func(n *notification)
	}{
		{"envelope_notification.json", "sqs", func(n *notification) {
			n.subject = ptr("Order shipped")
			n.message = "quote \" backslash \\ slash / tags <b>&amp; newline\n tab\t cr\r bell\x07 é 😀 ls\u2028"
			n.attrs = attrs
		}},
		{"envelope_plain_v2.json", "https", func(n *notification) { n.signatureVersion = "2" }},
		{"envelope_json_body.json", "sqs", func(n *notification) {
			n.message = `{"orderId":1001,"items":["a","b"],"url":"https://example.com/x"}`
		}},
		{"envelope_fifo.json", "sqs", func(n *notification) {
			n.topicArn = testTopic + ".fifo"
			n.fifo, n.sequenceNumber, n.groupID, n.dedupID = true, "10000000000000003000", "g1", "d1"
			n.subject = ptr("order-alarm")
			n.attrs = map[string]MessageAttributeValue{"coin_id": {DataType: ptr("String"), StringValue: ptr("bitcoin")}}
		}},
		{"envelope_structured.json", "sqs", func(n *notification) {
			n.message = `{"default":"for everyone","sqs":"for queues","lambda":"for functions"}`
			n.structured = map[string]string{"default": "for everyone", "sqs": "for queues", "lambda": "for functions"}
			n.attrs = attrs // not carried with a JSON structure
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := testNotification(tc.mod)
			body, err := n.envelope(tc.protocol, testSub)
			if err != nil {
				t.Fatal(err)
			}
			fields := stringFields(t, body)
			if n.fifo {
				if _, signed := fields["Signature"]; signed {
					t.Fatal("FIFO envelope carries a signature")
				}
			} else if fields["SigningCertURL"] == "" || !strings.HasPrefix(fields["SigningCertURL"], testEndpoint+"/_evolvestack/sns/SimpleNotificationService-") {
				t.Fatalf("SigningCertURL %q", fields["SigningCertURL"])
			}
			if fields["Message"] != n.content(tc.protocol) {
				t.Fatalf("Message %q, want %q", fields["Message"], n.content(tc.protocol))
			}
			golden(t, tc.name, normalize(t, body, fields))
		})
	}
}

func TestEnvelopeSignsOncePerMessageText(t *testing.T) {
	t.Parallel()
	n := testNotification(func(n *notification) {
		n.structured = map[string]string{"default": "d", "sqs": "q"}
	})
	for _, p := range []string{"sqs", "sqs", "http", "https", "email-json", "lambda"} {
		if _, err := n.envelope(p, testSub); err != nil {
			t.Fatal(err)
		}
	}
	if len(n.sigs) != 2 {
		t.Fatalf("signed %d message texts, want 2 (sqs's and the default)", len(n.sigs))
	}
}

func TestLambdaEventGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mod  func(n *notification)
	}{
		{"lambda_event.json", func(n *notification) {
			n.attrs = map[string]MessageAttributeValue{"Test": {DataType: ptr("String"), StringValue: ptr("TestString")},
				"bin": {DataType: ptr("Binary"), BinaryValue: []byte{0xff, 0x00}}}
			n.message = "Hello from SNS! <&>"
		}},
		{"lambda_event_subject_v2.json", func(n *notification) {
			n.subject = ptr("TestInvoke")
			n.signatureVersion = "2"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := testNotification(tc.mod)
			payload, err := n.lambdaEvent(testSub)
			if err != nil {
				t.Fatal(err)
			}
			var ev struct {
				Records []struct {
					Sns map[string]any
				}
			}
			if err := json.Unmarshal(payload, &ev); err != nil || len(ev.Records) != 1 {
				t.Fatalf("event %s: %v", payload, err)
			}
			fields := map[string]string{}
			for k, v := range ev.Records[0].Sns {
				if s, ok := v.(string); ok {
					fields[k] = s
				}
			}
			// Lambda events read "1" whatever the topic's version; the
			// signature is the topic version's.
			fields["SignatureVersion"] = n.signatureVersion
			golden(t, tc.name, normalize(t, payload, fields))
		})
	}
}

func TestConfirmationGolden(t *testing.T) {
	t.Parallel()
	c := confirmation{
		Type: typeSubscriptionConfirmation, MessageID: "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
		Token:            "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736",
		TopicArn:         testTopic,
		Message:          "You have chosen to subscribe to the topic " + testTopic + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		Timestamp:        testTime,
		SignatureVersion: "1",
	}
	body, err := confirmationEnvelope(c, testKey, testEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "confirmation.json", normalize(t, body, stringFields(t, body)))
}

func TestWriteJSONString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{"a/b", `"a/b"`},
		{"<&>", `"<&>"`},
		{"\"\\", `"\"\\"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x00\x1f", `"\u0000\u001F"`},
		{"é😀\u2028", "\"é😀\u2028\""},
		{"bad\xffutf8", "\"bad\uFFFDutf8\""},
	} {
		var b bytes.Buffer
		writeJSONString(&b, tc.in)
		if b.String() != tc.want {
			t.Errorf("writeJSONString(%q) = %s, want %s", tc.in, b.String(), tc.want)
		}
		var back string
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Errorf("%s is not valid JSON: %v", b.String(), err)
		}
	}
}

func TestPlatformOfAndContent(t *testing.T) {
	t.Parallel()
	if got := platformOf("arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/1234"); got != "GCM" {
		t.Fatalf("platformOf = %q", got)
	}
	if got := platformOf("arn:aws:sns:us-east-1:000000000000:topic"); got != "" {
		t.Fatalf("platformOf(topic) = %q", got)
	}
	n := testNotification(func(n *notification) {
		n.structured = map[string]string{"default": "d", "GCM": `{"data":{}}`}
	})
	if n.content("GCM") != `{"data":{}}` || n.content("APNS") != "d" || n.content("sqs") != "d" {
		t.Fatal("per-protocol content")
	}
}
