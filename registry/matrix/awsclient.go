package matrix

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// Client makes the few AWS calls the matrix needs (Lambda, Kinesis, SQS,
// SNS, EventBridge and the emulator's admin API) as SigV4-signed HTTP
// requests. It stands in for the SDK's service clients, whose package
// inits build their serialisation schemas at every start of a binary
// that links them (about 1.5 MB for these five), which the evolvestack
// binary's start-up budget has no room for.
type Client struct {
	endpoint string // "" for AWS's regional endpoints
	region   string
	creds    aws.CredentialsProvider
	http     *http.Client
	signer   *v4.Signer
}

// NewClient builds a client for cfg's region, credentials and HTTP
// client, sending to endpoint (e.g. the emulator's URL), or to each
// service's regional endpoint when endpoint and cfg.BaseEndpoint are "".
func NewClient(cfg aws.Config, endpoint string) *Client {
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	hc := http.DefaultClient
	if c, ok := cfg.HTTPClient.(*http.Client); ok && c != nil {
		hc = c
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	return &Client{endpoint: strings.TrimRight(endpoint, "/"), region: region, creds: cfg.Credentials, http: hc, signer: v4.NewSigner()}
}

// base is the URL requests to service go to.
func (c *Client) base(service string) string {
	if c.endpoint != "" {
		return c.endpoint
	}
	return "https://" + service + "." + c.region + ".amazonaws.com"
}

// do sends one signed request and returns the answer's headers and body;
// an HTTP error status is a *smithy.GenericAPIError.
func (c *Client) do(ctx context.Context, service, method, path string, hdr http.Header, body []byte) (http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base(service)+path, bytes.NewReader(body))
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
		if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, c.region, time.Now()); err != nil {
			return nil, nil, fmt.Errorf("signing: %w", err)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		return resp.Header, raw, apiError(resp, raw)
	}
	return resp.Header, raw, nil
}

// apiError reads an error answer: the code from X-Amzn-ErrorType, a JSON
// body's __type or code, or a query-protocol XML <Code>; the message
// from message, Message or <Message>.
func apiError(resp *http.Response, raw []byte) *smithy.GenericAPIError {
	var body struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(raw, &body)
	code := resp.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = body.Type
	}
	if code == "" {
		code = body.Code
	}
	if code == "" {
		code = xmlText(raw, "Code")
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
		msg = xmlText(raw, "Message")
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", resp.StatusCode)
		if msg == "" {
			msg = strings.TrimSpace(string(raw))
		}
	}
	fault := smithy.FaultClient
	if resp.StatusCode >= 500 {
		fault = smithy.FaultServer
	}
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: fault}
}

// xmlText is the text of the first <tag> element of an XML document.
func xmlText(raw []byte, tag string) string {
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

// jsonCall calls an operation of an awsJson protocol service (target is
// "Prefix.Operation") with in as its body, decoding the answer into out.
func (c *Client) jsonCall(ctx context.Context, service, version, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encoding the request: %w", target, err)
	}
	hdr := http.Header{"Content-Type": {"application/x-amz-json-" + version}, "X-Amz-Target": {target}}
	_, raw, err := c.do(ctx, service, http.MethodPost, "/", hdr, body)
	if err != nil {
		return fmt.Errorf("%s: %w", target, err)
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s: decoding the answer: %w", target, err)
		}
	}
	return nil
}

// restJSON calls a REST-JSON operation (Lambda's).
func (c *Client) restJSON(ctx context.Context, service, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s %s: encoding the request: %w", method, path, err)
		}
	}
	_, raw, err := c.do(ctx, service, method, path, http.Header{"Content-Type": {"application/json"}}, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// queryCall calls a query-protocol operation (SNS's) and returns the XML
// answer.
func (c *Client) queryCall(ctx context.Context, service, version string, params url.Values) ([]byte, error) {
	params.Set("Version", version)
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	_, raw, err := c.do(ctx, service, http.MethodPost, "/", hdr, []byte(params.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", params.Get("Action"), err)
	}
	return raw, nil
}

// Invoke invokes function synchronously with payload.
func (c *Client) Invoke(ctx context.Context, function string, payload []byte) (*InvokeOutput, error) {
	path := "/2015-03-31/functions/" + url.PathEscape(function) + "/invocations"
	hdr := http.Header{"Content-Type": {"application/json"}, "X-Amz-Invocation-Type": {"RequestResponse"}}
	h, raw, err := c.do(ctx, "lambda", http.MethodPost, path, hdr, payload)
	if err != nil {
		return nil, fmt.Errorf("Invoke: %w", err)
	}
	return &InvokeOutput{Payload: raw, FunctionError: h.Get("X-Amz-Function-Error")}, nil
}
