package sns

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // verifying SignatureVersion 1.
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"regexp"
	"testing"
)

// testKey is one signing key shared by this package's tests (RSA
// generation is slow under -race); SigningKey is safe for concurrent use.
var testKey = NewSigningKey()

// awsCanonical builds the string to sign the way AWS's documented
// validators do, independently of canonicalString: the listed keys that
// are present, in order, as "Key\nValue\n".
func awsCanonical(msg map[string]string) string {
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if msg["Type"] != "Notification" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	out := ""
	for _, k := range keys {
		if v, ok := msg[k]; ok {
			out += k + "\n" + v + "\n"
		}
	}
	return out
}

// verifyAWS checks msg's Signature the way AWS's validators do: parse the
// PEM certificate, hash the canonical string with SHA1 (version 1) or
// SHA256 (version 2) and verify PKCS#1 v1.5 with the certificate's key.
func verifyAWS(t *testing.T, certPEM []byte, msg map[string]string) {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("certificate is not PEM: %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parsing the certificate: %v", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() != 2048 {
		t.Fatalf("certificate key is %T, want RSA-2048", cert.PublicKey)
	}
	sig, err := base64.StdEncoding.DecodeString(msg["Signature"])
	if err != nil {
		t.Fatalf("signature is not base64: %v", err)
	}
	canonical := []byte(awsCanonical(msg))
	var h crypto.Hash
	var digest []byte
	switch msg["SignatureVersion"] {
	case "1":
		d := sha1.Sum(canonical) //nolint:gosec // see the import.
		h, digest = crypto.SHA1, d[:]
	case "2":
		d := sha256.Sum256(canonical)
		h, digest = crypto.SHA256, d[:]
	default:
		t.Fatalf("SignatureVersion %q", msg["SignatureVersion"])
	}
	if err := rsa.VerifyPKCS1v15(pub, h, digest, sig); err != nil {
		t.Fatalf("signature does not verify over %q: %v", canonical, err)
	}
}

func TestCanonicalString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		f    signedFields
		want string
	}{
		{"notification without subject",
			signedFields{Type: "Notification", Message: "m", MessageID: "id", Timestamp: "ts", TopicArn: "arn"},
			"Message\nm\nMessageId\nid\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n"},
		{"notification with subject",
			signedFields{Type: "Notification", Message: "m", MessageID: "id", Subject: "s", HasSubject: true, Timestamp: "ts", TopicArn: "arn"},
			"Message\nm\nMessageId\nid\nSubject\ns\nTimestamp\nts\nTopicArn\narn\nType\nNotification\n"},
		{"subscription confirmation",
			signedFields{Type: "SubscriptionConfirmation", Message: "m", MessageID: "id", SubscribeURL: "u", Timestamp: "ts", Token: "tok", TopicArn: "arn"},
			"Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nts\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n"},
		{"unsubscribe confirmation",
			signedFields{Type: "UnsubscribeConfirmation", Message: "m", MessageID: "id", SubscribeURL: "u", Timestamp: "ts", Token: "tok", TopicArn: "arn"},
			"Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nts\nToken\ntok\nTopicArn\narn\nType\nUnsubscribeConfirmation\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(canonicalString(tc.f)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSignVerifiesAsAWSValidatorsDo(t *testing.T) {
	t.Parallel()
	pemBytes, err := testKey.CertPEM()
	if err != nil {
		t.Fatal(err)
	}
	name, err := testKey.CertFileName()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^SimpleNotificationService-[0-9a-f]{32}\.pem$`).MatchString(name) {
		t.Fatalf("certificate file name %q", name)
	}
	for _, version := range []string{"1", "2"} {
		for _, subject := range []*string{nil, ptr("Hello")} {
			msg := map[string]string{"Type": "Notification", "MessageId": "3f1a", "TopicArn": "arn:aws:sns:us-east-1:000000000000:t",
				"Message": "line1\nline2 \"quoted\" é", "Timestamp": "2026-12-06T22:00:00.000Z", "SignatureVersion": version}
			f := signedFields{Type: msg["Type"], Message: msg["Message"], MessageID: msg["MessageId"], Timestamp: msg["Timestamp"], TopicArn: msg["TopicArn"]}
			if subject != nil {
				msg["Subject"], f.Subject, f.HasSubject = *subject, *subject, true
			}
			sig, err := testKey.Sign(canonicalString(f), version)
			if err != nil {
				t.Fatal(err)
			}
			msg["Signature"] = sig
			verifyAWS(t, pemBytes, msg)
			// A tampered message must not verify.
			bad := map[string]string{}
			for k, v := range msg {
				bad[k] = v
			}
			bad["Message"] += "!"
			if err := rsaVerify(pemBytes, bad); err == nil {
				t.Fatalf("version %s: tampered message verified", version)
			}
		}
	}
}

// rsaVerify is verifyAWS returning the error instead of failing.
func rsaVerify(certPEM []byte, msg map[string]string) error {
	block, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(msg["Signature"])
	if err != nil {
		return err
	}
	d := sha1.Sum([]byte(awsCanonical(msg))) //nolint:gosec // version 1.
	return rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA1, d[:], sig)
}

func TestSigningKeyIsLazyAndStable(t *testing.T) {
	t.Parallel()
	var k SigningKey
	a, err := k.CertPEM()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.CertPEM()
	if string(a) != string(b) {
		t.Fatal("certificate changed between calls")
	}
	n1, _ := k.CertFileName()
	n2, _ := testKey.CertFileName()
	if n1 == n2 {
		t.Fatal("two keys share a certificate name")
	}
}

// BenchmarkSign measures one signature (what a Publish pays once per
// distinct message text, whatever its number of subscriptions).
func BenchmarkSign(b *testing.B) {
	canonical := canonicalString(signedFields{Type: typeNotification, Message: string(make([]byte, 1024)), MessageID: "id",
		Timestamp: "2026-12-06T22:30:15.123Z", TopicArn: testTopic})
	for _, v := range []string{"1", "2"} {
		b.Run("SignatureVersion"+v, func(b *testing.B) {
			if _, err := testKey.Sign(canonical, v); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := testKey.Sign(canonical, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
