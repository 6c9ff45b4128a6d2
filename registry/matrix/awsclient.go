package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/internal/awsclient"
)

// Client makes the few AWS calls the matrix needs (Lambda, Kinesis, SQS,
// SNS, EventBridge and the emulator's admin API) as SigV4-signed HTTP
// requests. It stands in for the SDK's service clients, whose package
// inits build their serialisation schemas at every start of a binary
// that links them (about 1.5 MB for these five), which the evolvestack
// binary's start-up budget has no room for.
type Client struct {
	endpoint string // "" for AWS's regional endpoints
	aws      *awsclient.Client
}

// NewClient builds a client for cfg's region (us-east-1 when it names
// none), credentials and HTTP client, sending to endpoint (e.g. the
// emulator's URL), or to each service's regional endpoint when endpoint
// and cfg.BaseEndpoint are "".
func NewClient(cfg aws.Config, endpoint string) *Client {
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	return &Client{endpoint: strings.TrimRight(endpoint, "/"), aws: awsclient.New(cfg, "us-east-1")}
}

// base is the URL requests to service go to.
func (c *Client) base(service string) string {
	if c.endpoint != "" {
		return c.endpoint
	}
	return "https://" + service + "." + c.aws.Region + ".amazonaws.com"
}

// do sends one signed request and returns the answer's headers and body;
// an HTTP error status is a *smithy.GenericAPIError.
func (c *Client) do(ctx context.Context, service, method, path string, hdr http.Header, body []byte) (http.Header, []byte, error) {
	return c.aws.Do(ctx, service, method, c.base(service)+path, hdr, body)
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
