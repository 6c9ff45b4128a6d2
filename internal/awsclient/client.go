// Package awsclient sends SigV4-signed AWS API requests and reads AWS's
// error answers, for the few calls the emulator's own tools make (the
// schema CLI's Glue calls, the handler matrix's Lambda, Kinesis, SQS, SNS
// and EventBridge calls) without the SDK's service clients: their package
// inits build serialisation schemas at every start of a binary that links
// them (about 2 MB for Glue alone), which the evolvestack binary's start-up
// budget has no room for.
package awsclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// maxAnswer bounds the answer body read.
const maxAnswer = 64 << 20

// Client signs and sends requests with one configuration's region,
// credentials and HTTP client.
type Client struct {
	// Region is the region requests are signed for.
	Region string
	creds  aws.CredentialsProvider
	http   *http.Client
	signer *v4.Signer
}

// New returns a client for cfg's region (region when cfg names none),
// credentials (unsigned requests when nil) and HTTP client.
func New(cfg aws.Config, region string) *Client {
	if cfg.Region != "" {
		region = cfg.Region
	}
	hc := http.DefaultClient
	if c, ok := cfg.HTTPClient.(*http.Client); ok && c != nil {
		hc = c
	}
	return &Client{Region: region, creds: cfg.Credentials, http: hc, signer: v4.NewSigner()}
}

// Credentials is the client's credentials provider (nil: unsigned).
func (c *Client) Credentials() aws.CredentialsProvider { return c.creds }

// SendError is a request that got no whole HTTP answer (connection
// refused, reset, timed out, cut short).
type SendError struct{ Err error }

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Do sends one request to url signed for service and returns the answer's
// headers and body. An answer with an error status is a
// *smithy.GenericAPIError (APIError); a request without an answer is a
// *SendError.
func (c *Client) Do(ctx context.Context, service, method, url string, hdr http.Header, body []byte) (http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if c.creds != nil {
		creds, err := c.creds.Retrieve(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("retrieving credentials: %w", err)
		}
		sum := sha256.Sum256(body)
		if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, c.Region, time.Now()); err != nil {
			return nil, nil, fmt.Errorf("signing: %w", err)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, &SendError{err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, nil, &SendError{fmt.Errorf("reading the answer: %w", err)}
	}
	if resp.StatusCode >= 300 {
		return resp.Header, raw, APIError(resp.StatusCode, resp.Header, raw)
	}
	return resp.Header, raw, nil
}

// APIError reads an error answer: the code from X-Amzn-ErrorType, a JSON
// body's __type or code, or a query-protocol XML <Code>, without a
// namespace ("ns#Code") or a suffix ("Code:url"); the message from
// message, Message or <Message>. An answer without a code is HTTPnnn with
// its body (or the status text) as the message.
func APIError(status int, header http.Header, raw []byte) *smithy.GenericAPIError {
	var body struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(raw, &body)
	code := header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = body.Type
	}
	if code == "" {
		code = body.Code
	}
	if code == "" {
		code = XMLText(raw, "Code")
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	msg := body.Message
	if msg == "" {
		msg = body.MessageU
	}
	if msg == "" {
		msg = XMLText(raw, "Message")
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", status)
		if msg == "" {
			msg = strings.TrimSpace(string(raw))
		}
		if msg == "" {
			msg = http.StatusText(status)
		}
	}
	fault := smithy.FaultClient
	if status >= 500 {
		fault = smithy.FaultServer
	}
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: fault}
}

// XMLText is the text of the first <tag> element of an XML document.
func XMLText(raw []byte, tag string) string {
	s := string(raw)
	i := strings.Index(s, "<"+tag+">")
	if i < 0 {
		return ""
	}
	s = s[i+len(tag)+2:]
	j := strings.Index(s, "</"+tag+">")
	if j < 0 {
		return ""
	}
	return s[:j]
}
