package emulator_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
)

// snsEnvelope is the JSON an SQS subscriber receives from SNS.
type snsEnvelope struct {
	Type, MessageId, TopicArn, Subject, Message, Timestamp      string
	SignatureVersion, Signature, SigningCertURL, UnsubscribeURL string
}

// canonical builds AWS's string to sign for a Notification, written
// independently of the emulator's code: each present field as
// "Name\nValue\n" in AWS's order.
func (e snsEnvelope) canonical() string {
	var b strings.Builder
	add := func(k, v string) { b.WriteString(k + "\n" + v + "\n") }
	add("Message", e.Message)
	add("MessageId", e.MessageId)
	if e.Subject != "" {
		add("Subject", e.Subject)
	}
	add("Timestamp", e.Timestamp)
	add("TopicArn", e.TopicArn)
	add("Type", e.Type)
	return b.String()
}

// fetchCert downloads a SigningCertURL the way a subscriber's validator
// does: a plain GET, no credentials.
func fetchCert(t *testing.T, url string) *x509.Certificate {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	blk, _ := pem.Decode(body)
	if blk == nil {
		t.Fatalf("GET %s: not PEM: %q", url, body)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestSNSNotificationsVerifyWithServedCertificate publishes through the
// SDK to a topic with an SQS subscription and checks, as a subscriber's
// validator does, that the signature verifies against the certificate
// downloaded from SigningCertURL, for both signature versions; in strict
// mode the certificate stays downloadable without credentials.
func TestSNSNotificationsVerifyWithServedCertificate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		version string
		strict  bool
	}{
		{"SignatureVersion 1", "1", false},
		{"SignatureVersion 2", "2", false},
		{"strict mode", "2", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []emulator.Option
			if tc.strict {
				opts = append(opts, emulator.WithStrictAuth(map[string]string{emulator.DefaultAccount: "evolvestack"}))
			}
			e := emulator.Start(t, opts...)
			ctx := context.Background()
			cfg := e.AWSConfig()
			snsc, sqsc := awssns.NewFromConfig(cfg), awssqs.NewFromConfig(cfg)
			topic, err := snsc.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("orders"),
				Attributes: map[string]string{"SignatureVersion": tc.version}})
			if err != nil {
				t.Fatal(err)
			}
			q, err := sqsc.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("orders-q")})
			if err != nil {
				t.Fatal(err)
			}
			qa, err := sqsc.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := snsc.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
				Endpoint: aws.String(qa.Attributes["QueueArn"])}); err != nil {
				t.Fatal(err)
			}
			if _, err := snsc.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"id":"o-1"}`),
				Subject: aws.String("order placed")}); err != nil {
				t.Fatal(err)
			}
			got, err := sqsc.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1})
			if err != nil || len(got.Messages) != 1 {
				t.Fatalf("receive: %v %d", err, len(got.Messages))
			}
			var env snsEnvelope
			if err := json.Unmarshal([]byte(*got.Messages[0].Body), &env); err != nil {
				t.Fatal(err)
			}
			if env.Type != "Notification" || env.Message != `{"id":"o-1"}` || env.Subject != "order placed" || env.SignatureVersion != tc.version {
				t.Fatalf("envelope %+v", env)
			}
			if !strings.HasPrefix(env.SigningCertURL, e.Endpoint()+"/") {
				t.Fatalf("SigningCertURL %q not served by the emulator %s", env.SigningCertURL, e.Endpoint())
			}
			cert := fetchCert(t, env.SigningCertURL)
			sig, err := base64.StdEncoding.DecodeString(env.Signature)
			if err != nil {
				t.Fatal(err)
			}
			pub := cert.PublicKey.(*rsa.PublicKey)
			var verr error
			if tc.version == "1" {
				h := sha1.Sum([]byte(env.canonical()))
				verr = rsa.VerifyPKCS1v15(pub, crypto.SHA1, h[:], sig)
			} else {
				h := sha256.Sum256([]byte(env.canonical()))
				verr = rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
			}
			if verr != nil {
				t.Fatalf("signature does not verify with the served certificate: %v", verr)
			}
			// A tampered message must not verify.
			env.Message += "x"
			h := sha256.Sum256([]byte(env.canonical()))
			if rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) == nil {
				t.Fatal("tampered message verified")
			}
		})
	}
}

// TestSNSRecordedDeliveriesAdmin checks that deliveries to endpoints the
// emulator does not run (here SMS) are readable from the admin API.
func TestSNSRecordedDeliveriesAdmin(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	snsc := awssns.NewFromConfig(e.AWSConfig())
	topic, err := snsc.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("alerts")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sms"), Endpoint: aws.String("+15555550100")}); err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("disk full"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{"sev": {DataType: aws.String("String"), StringValue: aws.String("high")}}}); err != nil {
		t.Fatal(err)
	}
	status, out := adminCall(t, e, "GET", "/_evolvestack/sns/deliveries", "")
	if status != 200 {
		t.Fatalf("status %d %v", status, out)
	}
	ds, _ := out["deliveries"].([]any)
	if len(ds) != 1 {
		t.Fatalf("deliveries %v", out)
	}
	d := ds[0].(map[string]any)
	if d["protocol"] != "sms" || d["endpoint"] != "+15555550100" || !strings.Contains(d["body"].(string), "disk full") {
		t.Fatalf("delivery %v", d)
	}
	if status, out := adminCall(t, e, "GET", "/_evolvestack/sns/deliveries?account=123", ""); status != 400 {
		t.Fatalf("bad account: %d %v", status, out)
	}
}

// TestSNSSubscribeURLInStrictMode follows a SubscribeURL as an endpoint
// owner does (a plain unsigned GET) against an emulator that otherwise
// requires signatures: as on AWS, ConfirmSubscription needs none, while
// any other unsigned action is still refused.
func TestSNSSubscribeURLInStrictMode(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithStrictAuth(map[string]string{emulator.DefaultAccount: "evolvestack"}))
	ctx := context.Background()
	snsc := awssns.NewFromConfig(e.AWSConfig())
	topic, err := snsc.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("hooks")})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := snsc.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("http"),
		Endpoint: aws.String("http://127.0.0.1:9/hook"), ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	token, ok := e.SNS().ConfirmationToken(*sub.SubscriptionArn)
	if !ok {
		t.Fatal("no confirmation token")
	}
	get := func(query string) (int, string) {
		t.Helper()
		resp, err := http.Get(e.Endpoint() + "/?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := get("Action=ListTopics"); status != http.StatusForbidden {
		t.Fatalf("unsigned ListTopics in strict mode: %d %s", status, body)
	}
	status, body := get("Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(*topic.TopicArn) + "&Token=" + url.QueryEscape(token))
	if status != http.StatusOK || !strings.Contains(body, "<SubscriptionArn>"+*sub.SubscriptionArn+"</SubscriptionArn>") {
		t.Fatalf("unsigned ConfirmSubscription: %d %s", status, body)
	}
	attrs, err := snsc.GetSubscriptionAttributes(ctx, &awssns.GetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["PendingConfirmation"] != "false" || attrs.Attributes["ConfirmationWasAuthenticated"] != "false" {
		t.Fatalf("attributes after confirming: %v", attrs.Attributes)
	}
}

// TestSNSSandboxPasswordAdmin reads the one-time password of an SMS
// sandbox number from the admin API, as a test in another language does,
// and verifies the number with it through the SDK.
func TestSNSSandboxPasswordAdmin(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	ctx := context.Background()
	snsc := awssns.NewFromConfig(e.AWSConfig())
	const number = "+15555550142"
	if _, err := snsc.CreateSMSSandboxPhoneNumber(ctx, &awssns.CreateSMSSandboxPhoneNumberInput{PhoneNumber: aws.String(number)}); err != nil {
		t.Fatal(err)
	}
	status, out := adminCall(t, e, "GET", "/_evolvestack/sns/sms-sandbox?phoneNumber="+url.QueryEscape(number), "")
	otp, _ := out["oneTimePassword"].(string)
	if status != 200 || otp == "" || out["phoneNumber"] != number {
		t.Fatalf("admin: %d %v", status, out)
	}
	if _, err := snsc.VerifySMSSandboxPhoneNumber(ctx, &awssns.VerifySMSSandboxPhoneNumberInput{PhoneNumber: aws.String(number), OneTimePassword: aws.String(otp)}); err != nil {
		t.Fatal(err)
	}
	list, err := snsc.ListSMSSandboxPhoneNumbers(ctx, &awssns.ListSMSSandboxPhoneNumbersInput{})
	if err != nil || len(list.PhoneNumbers) != 1 || list.PhoneNumbers[0].Status != snstypes.SMSSandboxPhoneNumberVerificationStatusVerified {
		t.Fatalf("after verifying: %v %+v", err, list)
	}
	if status, _ := adminCall(t, e, "GET", "/_evolvestack/sns/sms-sandbox?phoneNumber=%2B15555550199", ""); status != 404 {
		t.Fatalf("unknown number: %d", status)
	}
}
