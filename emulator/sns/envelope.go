package sns

// Delivery envelopes: the JSON document SNS sends to SQS, HTTP(S),
// email-json and (without raw delivery) Firehose endpoints, the event it
// hands Lambda, and the per-protocol message a MessageStructure=json
// publish carries. The envelope is written byte for byte as AWS writes
// it: two-space indent, " : " between name and value, attributes on one
// line each, '/' and non-ASCII characters unescaped.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// timestampLayout is AWS's envelope timestamp: UTC with milliseconds.
const timestampLayout = "2006-01-02T15:04:05.000Z"

// notification is one published message on its way to a topic's
// subscriptions. It is built once per Publish (or batch entry) and signed
// once per distinct message text, whatever the number of subscriptions.
type notification struct {
	messageID string
	topicArn  string
	subject   *string
	// message is the body; with MessageStructure=json, structured holds
	// the per-protocol messages and message the "default" one.
	message    string
	structured map[string]string
	attrs      map[string]MessageAttributeValue
	timestamp  time.Time
	// FIFO topics: sequenceNumber, groupID and dedupID (the explicit id or
	// the SHA-256 of the body with content-based deduplication).
	fifo           bool
	sequenceNumber string
	groupID        string
	dedupID        string
	// signatureVersion is the topic's ("1" or "2").
	signatureVersion string
	key              *SigningKey
	// endpoint is the URL clients reach the emulator at: the base of
	// SigningCertURL and UnsubscribeURL.
	endpoint string

	mu   sync.Mutex
	sigs map[string]string // signature by message text

	// row is the notification's encoded row (persist.go), made once for
	// all its queued deliveries.
	rowOnce sync.Once
	row     []byte
	rowErr  error
}

// content returns the message for protocol: its entry of a
// MessageStructure=json body, else the default.
func (n *notification) content(protocol string) string {
	if n.structured != nil {
		if m, ok := n.structured[protocol]; ok {
			return m
		}
		return n.structured["default"]
	}
	return n.message
}

// timestampString is the notification's Timestamp field.
func (n *notification) timestampString() string {
	return n.timestamp.UTC().Format(timestampLayout)
}

// signature returns the signature of the Notification carrying msg,
// computed once per message text.
func (n *notification) signature(msg string) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if sig, ok := n.sigs[msg]; ok {
		return sig, nil
	}
	f := signedFields{Type: typeNotification, Message: msg, MessageID: n.messageID, Timestamp: n.timestampString(), TopicArn: n.topicArn}
	if n.subject != nil {
		f.Subject, f.HasSubject = *n.subject, true
	}
	sig, err := n.key.Sign(canonicalString(f), n.signatureVersion)
	if err != nil {
		return "", err
	}
	if n.sigs == nil {
		n.sigs = map[string]string{}
	}
	n.sigs[msg] = sig
	return sig, nil
}

// certURL is the SigningCertURL of n's key.
func (n *notification) certURL() (string, error) {
	name, err := n.key.CertFileName()
	if err != nil {
		return "", err
	}
	return n.endpoint + certPathPrefix + name, nil
}

// unsubscribeURL is the UnsubscribeURL of subscription subArn.
func unsubscribeURL(endpoint, subArn string) string {
	return endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + subArn
}

// subscribeURL is the SubscribeURL of a confirmation message.
func subscribeURL(endpoint, topicArn, token string) string {
	return endpoint + "/?Action=ConfirmSubscription&TopicArn=" + topicArn + "&Token=" + url.QueryEscape(token)
}

// envelopeAttributes reports whether an envelope lists the message
// attributes: they travel only with string-structured messages.
func (n *notification) envelopeAttributes() bool {
	return len(n.attrs) > 0 && n.structured == nil
}

// envelope writes the JSON document delivered to SQS, HTTP(S), email-json
// and Firehose subscriptions of protocol, for subscription subArn. FIFO
// topics carry a SequenceNumber and no signature.
func (n *notification) envelope(protocol, subArn string) ([]byte, error) {
	msg := n.content(protocol)
	var b bytes.Buffer
	b.Grow(len(msg) + 1024)
	w := envelopeWriter{b: &b}
	w.open()
	w.field("Type", typeNotification)
	w.field("MessageId", n.messageID)
	if n.fifo {
		w.field("SequenceNumber", n.sequenceNumber)
	}
	w.field("TopicArn", n.topicArn)
	if n.subject != nil {
		w.field("Subject", *n.subject)
	}
	w.field("Message", msg)
	w.field("Timestamp", n.timestampString())
	if !n.fifo {
		sig, err := n.signature(msg)
		if err != nil {
			return nil, err
		}
		cert, err := n.certURL()
		if err != nil {
			return nil, err
		}
		w.field("SignatureVersion", n.signatureVersion)
		w.field("Signature", sig)
		w.field("SigningCertURL", cert)
	}
	w.field("UnsubscribeURL", unsubscribeURL(n.endpoint, subArn))
	if n.envelopeAttributes() {
		w.attributes(n.attrs)
	}
	w.close()
	return b.Bytes(), nil
}

// confirmation is a SubscriptionConfirmation or UnsubscribeConfirmation
// message for an HTTP(S) or email-json endpoint.
type confirmation struct {
	Type, MessageID, Token, TopicArn, Message string
	Timestamp                                 time.Time
	SignatureVersion                          string
}

// confirmationEnvelope writes c's JSON document, signed with key; endpoint
// is the emulator's URL (the base of SubscribeURL and SigningCertURL).
func confirmationEnvelope(c confirmation, key *SigningKey, endpoint string) ([]byte, error) {
	ts := c.Timestamp.UTC().Format(timestampLayout)
	sub := subscribeURL(endpoint, c.TopicArn, c.Token)
	sig, err := key.Sign(canonicalString(signedFields{
		Type: c.Type, Message: c.Message, MessageID: c.MessageID, SubscribeURL: sub,
		Timestamp: ts, Token: c.Token, TopicArn: c.TopicArn,
	}), c.SignatureVersion)
	if err != nil {
		return nil, err
	}
	name, err := key.CertFileName()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	w := envelopeWriter{b: &b}
	w.open()
	w.field("Type", c.Type)
	w.field("MessageId", c.MessageID)
	w.field("Token", c.Token)
	w.field("TopicArn", c.TopicArn)
	w.field("Message", c.Message)
	w.field("SubscribeURL", sub)
	w.field("Timestamp", ts)
	w.field("SignatureVersion", c.SignatureVersion)
	w.field("Signature", sig)
	w.field("SigningCertURL", endpoint+certPathPrefix+name)
	w.close()
	return b.Bytes(), nil
}

// envelopeWriter writes AWS's envelope layout.
type envelopeWriter struct {
	b     *bytes.Buffer
	first bool
}

func (w *envelopeWriter) open() {
	w.b.WriteString("{\n")
	w.first = true
}

func (w *envelopeWriter) sep() {
	if !w.first {
		w.b.WriteString(",\n")
	}
	w.first = false
	w.b.WriteString("  ")
}

func (w *envelopeWriter) field(name, value string) {
	w.sep()
	writeJSONString(w.b, name)
	w.b.WriteString(" : ")
	writeJSONString(w.b, value)
}

// attributes writes "MessageAttributes" with one compact {"Type","Value"}
// object per line, in name order (unverified: AWS's order).
func (w *envelopeWriter) attributes(attrs map[string]MessageAttributeValue) {
	w.sep()
	w.b.WriteString("\"MessageAttributes\" : {\n")
	for i, name := range slices.Sorted(maps.Keys(attrs)) {
		if i > 0 {
			w.b.WriteString(",\n")
		}
		a := attrs[name]
		w.b.WriteString("    ")
		writeJSONString(w.b, name)
		w.b.WriteString(" : {\"Type\":")
		writeJSONString(w.b, deref(a.DataType))
		w.b.WriteString(",\"Value\":")
		writeJSONString(w.b, attributeValueString(a))
		w.b.WriteByte('}')
	}
	w.b.WriteString("\n  }")
}

func (w *envelopeWriter) close() { w.b.WriteString("\n}") }

// attributeValueString is an attribute's value as envelopes carry it:
// the string value, or the base64 of a binary one.
func attributeValueString(a MessageAttributeValue) string {
	if strings.HasPrefix(deref(a.DataType), "Binary") {
		return base64.StdEncoding.EncodeToString(a.BinaryValue)
	}
	return deref(a.StringValue)
}

// writeJSONString writes s as a JSON string the way AWS's serializer
// does: '"' and '\\' escaped, \b \t \n \f \r as short escapes, other
// control characters as \u00XX with upper-case hex, everything else
// (including '/', '<', '>', '&' and U+2028) as is. Invalid UTF-8 becomes
// U+FFFD. (unverified: escaping of control characters other than \n, \r
// and \t.)
func writeJSONString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789ABCDEF"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(s[start:i])
				b.WriteString("\uFFFD")
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xF])
		}
		i++
		start = i
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// lambdaAttribute is a message attribute in a Lambda event.
type lambdaAttribute struct {
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

// lambdaSNS is the Sns member of a Lambda event record.
type lambdaSNS struct {
	Type              string                     `json:"Type"`
	MessageID         string                     `json:"MessageId"`
	TopicArn          string                     `json:"TopicArn"`
	Subject           *string                    `json:"Subject"`
	Message           string                     `json:"Message"`
	Timestamp         string                     `json:"Timestamp"`
	SignatureVersion  string                     `json:"SignatureVersion"`
	Signature         string                     `json:"Signature"`
	SigningCertURL    string                     `json:"SigningCertUrl"`
	UnsubscribeURL    string                     `json:"UnsubscribeUrl"`
	MessageAttributes map[string]lambdaAttribute `json:"MessageAttributes"`
}

// lambdaRecord is one record of a Lambda event.
type lambdaRecord struct {
	EventSource          string    `json:"EventSource"`
	EventVersion         string    `json:"EventVersion"`
	EventSubscriptionArn string    `json:"EventSubscriptionArn"`
	Sns                  lambdaSNS `json:"Sns"`
}

// lambdaEvent is the payload SNS invokes a subscribed function with.
type lambdaEvent struct {
	Records []lambdaRecord `json:"Records"`
}

// lambdaEvent builds the event a Lambda subscription subArn receives:
// Subject is null when absent and MessageAttributes always present.
func (n *notification) lambdaEvent(subArn string) ([]byte, error) {
	msg := n.content("lambda")
	sig, err := n.signature(msg)
	if err != nil {
		return nil, err
	}
	cert, err := n.certURL()
	if err != nil {
		return nil, err
	}
	attrs := map[string]lambdaAttribute{}
	if n.envelopeAttributes() {
		for name, a := range n.attrs {
			attrs[name] = lambdaAttribute{Type: deref(a.DataType), Value: attributeValueString(a)}
		}
	}
	ev := lambdaEvent{Records: []lambdaRecord{{
		EventSource:          "aws:sns",
		EventVersion:         "1.0",
		EventSubscriptionArn: subArn,
		Sns: lambdaSNS{
			Type:      typeNotification,
			MessageID: n.messageID,
			TopicArn:  n.topicArn,
			Subject:   n.subject,
			Message:   msg,
			Timestamp: n.timestampString(),
			// AWS reports "1" here whatever the topic's SignatureVersion
			// while signing with the topic's version (localstack's AWS
			// snapshots).
			SignatureVersion:  "1",
			Signature:         sig,
			SigningCertURL:    cert,
			UnsubscribeURL:    unsubscribeURL(n.endpoint, subArn),
			MessageAttributes: attrs,
		},
	}}}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// platformOf returns the platform (APNS, GCM, ...) of a platform endpoint
// ARN: arn:aws:sns:region:account:endpoint/<platform>/<app>/<id>.
func platformOf(endpointArn string) string {
	_, rest, ok := strings.Cut(endpointArn, ":endpoint/")
	if !ok {
		return ""
	}
	p, _, _ := strings.Cut(rest, "/")
	return p
}
