package sns

// Message signatures. SNS signs what it delivers to HTTP(S), SQS, Lambda
// and email-json endpoints with an RSA key whose certificate receivers
// fetch from SigningCertURL: SignatureVersion 1 is SHA1withRSA, 2 is
// SHA256withRSA, over a canonical string of "Name\nValue\n" pairs in a
// fixed order.

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SignatureVersion 1 is SHA1withRSA by definition.
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Message types SNS signs.
const (
	typeNotification             = "Notification"
	typeSubscriptionConfirmation = "SubscriptionConfirmation"
	typeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// certPathPrefix is where the emulator serves signing certificates; the
// file name follows AWS's SimpleNotificationService-<id>.pem.
const certPathPrefix = "/_evolvestack/sns/"

// SigningKey is the RSA-2048 key and self-signed certificate SNS signs
// messages with. It is generated on first use; one key may be shared by
// the services of every account and region of an emulator (see
// Service.UseSigningKey). The zero value is ready to use.
type SigningKey struct {
	once    sync.Once
	key     *rsa.PrivateKey
	certPEM []byte
	certID  string
	err     error
	// made is set once the key exists (generated or restored).
	made atomic.Bool
	// generated, when set, is told the PEM (key and certificate) of a key
	// just generated, so that the emulator keeps it in its data dir.
	generated func(pemBytes []byte)
}

// OnGenerate sets f to be called with the key's PEM form (see Export) when
// the key is generated; call it before the key's first use.
func (k *SigningKey) OnGenerate(f func(pemBytes []byte)) { k.generated = f }

// Export returns the key and its certificate as PEM blocks, generating the
// key on first use.
func (k *SigningKey) Export() ([]byte, error) {
	if err := k.load(); err != nil {
		return nil, err
	}
	return k.pemLocked(), nil
}

func (k *SigningKey) pemLocked() []byte {
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.key)})
	return append(b, k.certPEM...)
}

// ExportIfMade is Export when the key exists already, and nil otherwise
// (a snapshot does not generate a key nobody has used).
func (k *SigningKey) ExportIfMade() []byte {
	if !k.made.Load() {
		return nil
	}
	return k.pemLocked()
}

// Restore makes k the key Export wrote (after a restart, so that signatures
// and the certificate URL stay as they were). It fails once k has been
// used or generated.
func (k *SigningKey) Restore(pemBytes []byte) error {
	var key *rsa.PrivateKey
	var certDER []byte
	for rest := pemBytes; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "RSA PRIVATE KEY":
			pk, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return fmt.Errorf("sns: restoring the signing key: %w", err)
			}
			key = pk
		case "CERTIFICATE":
			certDER = b.Bytes
		}
	}
	if key == nil || certDER == nil {
		return errors.New("sns: restoring the signing key: want a private key and a certificate")
	}
	done := false
	k.once.Do(func() {
		sum := sha256.Sum256(certDER)
		k.key = key
		k.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
		k.certID = hex.EncodeToString(sum[:16])
		k.made.Store(true)
		done = true
	})
	if !done {
		return errors.New("sns: restoring the signing key: the key is already in use")
	}
	return nil
}

// NewSigningKey returns a key generated lazily on first use.
func NewSigningKey() *SigningKey { return &SigningKey{} }

// load generates the key and certificate once.
func (k *SigningKey) load() error {
	k.once.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			k.err = fmt.Errorf("sns: generating the signing key: %w", err)
			return
		}
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		if err != nil {
			k.err = fmt.Errorf("sns: certificate serial: %w", err)
			return
		}
		// The certificate's validity does not follow the emulator clock:
		// receivers check it against real time.
		now := time.Now().UTC()
		tmpl := &x509.Certificate{
			SerialNumber:          serial,
			Subject:               pkix.Name{CommonName: "sns.amazonaws.com", Organization: []string{"evolvestack"}},
			NotBefore:             now.Add(-24 * time.Hour),
			NotAfter:              now.AddDate(10, 0, 0),
			KeyUsage:              x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
			DNSNames:              []string{"sns.amazonaws.com"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			k.err = fmt.Errorf("sns: creating the signing certificate: %w", err)
			return
		}
		sum := sha256.Sum256(der)
		k.key = key
		k.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		k.certID = hex.EncodeToString(sum[:16])
		k.made.Store(true)
		if k.generated != nil {
			k.generated(k.pemLocked())
		}
	})
	return k.err
}

// CertPEM returns the PEM-encoded certificate, generating the key on first
// use.
func (k *SigningKey) CertPEM() ([]byte, error) {
	if err := k.load(); err != nil {
		return nil, err
	}
	return k.certPEM, nil
}

// CertFileName returns the certificate's file name,
// SimpleNotificationService-<32 hex digits>.pem.
func (k *SigningKey) CertFileName() (string, error) {
	if err := k.load(); err != nil {
		return "", err
	}
	return "SimpleNotificationService-" + k.certID + ".pem", nil
}

// Sign returns the base64 signature of canonical: SHA1withRSA for
// SignatureVersion "1" (and anything but "2"), SHA256withRSA for "2".
func (k *SigningKey) Sign(canonical []byte, version string) (string, error) {
	if err := k.load(); err != nil {
		return "", err
	}
	var (
		h      crypto.Hash
		digest []byte
	)
	if version == "2" {
		s := sha256.Sum256(canonical)
		h, digest = crypto.SHA256, s[:]
	} else {
		s := sha1.Sum(canonical) //nolint:gosec // see the import.
		h, digest = crypto.SHA1, s[:]
	}
	sig, err := rsa.SignPKCS1v15(nil, k.key, h, digest)
	if err != nil {
		return "", fmt.Errorf("sns: signing: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// signedFields are the values a signature covers.
type signedFields struct {
	Type, Message, MessageID, Subject, Timestamp, TopicArn string
	HasSubject                                             bool
	// SubscribeURL and Token belong to the confirmation types.
	SubscribeURL, Token string
}

// canonicalString builds the string SNS signs for f.Type: for a
// Notification Message, MessageId, Subject (when present), Timestamp,
// TopicArn and Type; for the confirmation types Message, MessageId,
// SubscribeURL, Timestamp, Token, TopicArn and Type; each as
// "Name\nValue\n".
func canonicalString(f signedFields) []byte {
	var b strings.Builder
	add := func(name, value string) {
		b.WriteString(name)
		b.WriteByte('\n')
		b.WriteString(value)
		b.WriteByte('\n')
	}
	add("Message", f.Message)
	add("MessageId", f.MessageID)
	if f.Type == typeNotification {
		if f.HasSubject {
			add("Subject", f.Subject)
		}
	} else {
		add("SubscribeURL", f.SubscribeURL)
	}
	add("Timestamp", f.Timestamp)
	if f.Type != typeNotification {
		add("Token", f.Token)
	}
	add("TopicArn", f.TopicArn)
	add("Type", f.Type)
	return []byte(b.String())
}
