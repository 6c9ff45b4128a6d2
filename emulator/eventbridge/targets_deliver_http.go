package eventbridge

// API destination targets: a real HTTP request to the destination's
// endpoint, authorised with its connection (API key header, basic, or an
// OAuth client-credentials token fetched from the authorization endpoint
// and cached on the virtual clock), with the connection's and the
// target's HttpParameters, at most InvocationRateLimitPerSecond per second.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/delivery"
)

// apiDestinationTimeout is how long EventBridge waits for an endpoint.
const apiDestinationTimeout = 5 * time.Second

// apiDestinationUserAgent is the User-Agent of API destination requests.
const apiDestinationUserAgent = "Amazon/EventBridge/ApiDestinations"

// oauthToken is a cached access token.
type oauthToken struct {
	value   string
	expires time.Time // zero: until refused
}

// ratedPolicy is a target's retry policy plus its API destination's
// invocation rate limit.
type ratedPolicy struct {
	delivery.EventBridgePolicy
	rate int
}

// MaxPerSecond implements delivery.RatePolicy.
func (p ratedPolicy) MaxPerSecond() int { return p.rate }

// apiTarget is what an API destination delivery needs, read under s.mu.
type apiTarget struct {
	endpoint, method string
	// conn is a copy of the connection read under s.mu; ref the stored
	// one, for state changes.
	conn connection
	ref  *connection
}

// lookupAPIDestination reads the destination arn names and its connection.
func (s *Service) lookupAPIDestination(arn string) (apiTarget, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d := s.apiDestinationByARN(arn)
	if d == nil {
		return apiTarget{}, &targetError{code: codeNoResource, err: fmt.Errorf("API destination %s does not exist", arn)}
	}
	c := s.connectionByARN(d.connectionArn)
	if c == nil {
		return apiTarget{}, &targetError{code: codeNoResource, err: fmt.Errorf("connection %s does not exist", d.connectionArn)}
	}
	return apiTarget{endpoint: d.endpoint, method: string(d.method), conn: *c, ref: c}, nil
}

// apiDestinationRate returns the invocation rate limit of destination arn.
func (s *Service) apiDestinationRate(arn string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if d := s.apiDestinationByARN(arn); d != nil {
		return int(d.rateLimit)
	}
	return 0
}

// dynamicValue evaluates a value that may be a JSONPath on the event
// ("$.detail.id"), else returns it as is.
func dynamicValue(v string, doc []byte) string {
	if !strings.HasPrefix(v, "$.") {
		return v
	}
	p, err := parseJSONPath(v)
	if err != nil {
		return v
	}
	val, ok := p.eval(doc)
	if !ok {
		return ""
	}
	return string(appendValue(nil, val, true))
}

// sendAPIDestination makes the HTTP request of an API destination target.
func (p *dataPlane) sendAPIDestination(ctx context.Context, j *job, arn string) error {
	at, err := p.s.lookupAPIDestination(arn)
	if err != nil {
		return err
	}
	doc := j.ev.document()
	endpoint := at.endpoint
	var hp HttpParameters
	if j.t.HttpParameters != nil {
		hp = *j.t.HttpParameters
	}
	for _, v := range hp.PathParameterValues {
		endpoint = strings.Replace(endpoint, "*", url.PathEscape(dynamicValue(v, doc)), 1)
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return &targetError{code: codeInvalidParam, err: fmt.Errorf("endpoint %s: %w", endpoint, err)}
	}
	q := u.Query()
	h := http.Header{}
	inv := at.conn.auth.InvocationHttpParameters
	if inv != nil {
		for _, kv := range inv.QueryStringParameters {
			q.Set(strOf(kv.Key), strOf(kv.Value))
		}
		for _, kv := range inv.HeaderParameters {
			h.Set(strOf(kv.Key), strOf(kv.Value))
		}
	}
	for k, v := range hp.QueryStringParameters {
		q.Set(k, dynamicValue(v, doc))
	}
	for k, v := range hp.HeaderParameters {
		h.Set(k, dynamicValue(v, doc))
	}
	u.RawQuery = q.Encode()
	h.Set("User-Agent", apiDestinationUserAgent)
	h.Set("Content-Type", "application/json; charset=utf-8")
	if at.conn.state != ConnectionStateAuthorized {
		return errConnectionNotAuthorized(&at.conn)
	}
	if err := p.authorize(ctx, &at.conn, at.ref, h); err != nil {
		return err
	}
	resp, err := p.do(ctx, at.method, u.String(), h, j.payload)
	if err != nil {
		return &targetError{code: codeConnection, retriable: true, err: err}
	}
	if resp == http.StatusUnauthorized || resp == http.StatusProxyAuthRequired {
		if at.conn.authType == ConnectionAuthorizationTypeOauthClientCredentials {
			// The token is refreshed at the next attempt.
			p.s.forgetToken(at.conn.arn)
		} else {
			// unverified: the StateReason of a refused BASIC or API_KEY connection.
			p.s.setConnectionStateIf(at.ref, at.conn.gen, ConnectionStateDeauthorized,
				fmt.Sprintf("The API destination endpoint answered %d.", resp))
		}
	}
	return httpOutcome(resp)
}

// httpOutcome maps an endpoint's status to a delivery result: 2xx
// delivered; 401, 407, 409, 429 and 5xx retried; other codes refused.
// unverified: the ERROR_CODE and message of a failing endpoint.
func httpOutcome(status int) error {
	if status >= 200 && status < 300 {
		return nil
	}
	err := fmt.Errorf("received response status [%d] from the API destination", status)
	switch {
	case status == http.StatusTooManyRequests:
		return &targetError{code: codeThrottling, retriable: true, err: err}
	case status == 401 || status == 407 || status == 409 || status >= 500:
		return &targetError{code: codeThirdParty, retriable: true, err: err}
	}
	return &targetError{code: codeSDKClientError, err: err}
}

// SetAPIDestinationClient sets the HTTP client of API destination calls
// and OAuth token requests (e.g. a TLS test server's client); nil restores
// http.DefaultClient.
func (s *Service) SetAPIDestinationClient(c *http.Client) {
	p := s.plane()
	p.mu.Lock()
	p.client = c
	p.mu.Unlock()
}

// httpClient returns the client of API destination calls.
func (p *dataPlane) httpClient() *http.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client != nil {
		return p.client
	}
	return http.DefaultClient
}

// do makes one HTTP request and returns its status.
func (p *dataPlane) do(ctx context.Context, method, target string, h http.Header, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, apiDestinationTimeout)
	defer cancel()
	var rd io.Reader
	if method != http.MethodGet && method != http.MethodHead {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, fmt.Errorf("building the request: %w", err)
	}
	req.Header = h
	resp, err := p.httpClient().Do(req)
	if err != nil {
		return 0, fmt.Errorf("calling the API destination: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// authorize adds the connection's credentials to h.
func (p *dataPlane) authorize(ctx context.Context, c, ref *connection, h http.Header) error {
	switch c.authType {
	case ConnectionAuthorizationTypeApiKey:
		if a := c.auth.ApiKeyAuthParameters; a != nil {
			h.Set(strOf(a.ApiKeyName), strOf(a.ApiKeyValue))
		}
	case ConnectionAuthorizationTypeBasic:
		if a := c.auth.BasicAuthParameters; a != nil {
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(strOf(a.Username)+":"+strOf(a.Password))))
		}
	case ConnectionAuthorizationTypeOauthClientCredentials:
		tok, err := p.token(ctx, c, ref)
		if err != nil {
			return err
		}
		h.Set("Authorization", "Bearer "+tok)
	}
	return nil
}

// token returns the connection's OAuth access token, cached until it
// expires on the virtual clock (or until the endpoint answers 401 or 407).
// c is a copy of the connection, ref the stored one.
func (p *dataPlane) token(ctx context.Context, c, ref *connection) (string, error) {
	return p.fetchToken(ctx, c, ref, c.gen)
}

// fetchToken returns the cached token of c or requests one from the
// authorization endpoint; the outcome makes ref AUTHORIZED or DEAUTHORIZED
// if ref is still in the step gen.
func (p *dataPlane) fetchToken(ctx context.Context, c, ref *connection, gen uint64) (string, error) {
	now := p.s.now()
	p.mu.Lock()
	t, ok := p.tokens[c.arn]
	p.mu.Unlock()
	if ok && (t.expires.IsZero() || now.Before(t.expires)) {
		if c.state != ConnectionStateAuthorized {
			p.s.setConnectionStateIf(ref, gen, ConnectionStateAuthorized, "")
		}
		return t.value, nil
	}
	o := c.auth.OAuthParameters
	if o == nil || o.AuthorizationEndpoint == nil {
		return "", &targetError{code: codeInvalidParam, err: errors.New("the connection has no OAuth parameters")}
	}
	u, err := url.Parse(*o.AuthorizationEndpoint)
	if err != nil {
		return "", &targetError{code: codeInvalidParam, err: fmt.Errorf("authorization endpoint: %w", err)}
	}
	h := http.Header{}
	q := u.Query()
	form := url.Values{}
	if op := o.OAuthHttpParameters; op != nil {
		for _, kv := range op.HeaderParameters {
			h.Set(strOf(kv.Key), strOf(kv.Value))
		}
		for _, kv := range op.QueryStringParameters {
			q.Set(strOf(kv.Key), strOf(kv.Value))
		}
		for _, kv := range op.BodyParameters {
			form.Set(strOf(kv.Key), strOf(kv.Value))
		}
	}
	if cp := o.ClientParameters; cp != nil {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(strOf(cp.ClientID)+":"+strOf(cp.ClientSecret))))
	}
	method := string(o.HttpMethod)
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if method == http.MethodGet {
		for k, vs := range form {
			q[k] = vs
		}
	} else {
		body = strings.NewReader(form.Encode())
		h.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	u.RawQuery = q.Encode()
	rctx, cancel := context.WithTimeout(ctx, apiDestinationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, u.String(), body)
	if err != nil {
		return "", &targetError{code: codeInvalidParam, err: fmt.Errorf("token request: %w", err)}
	}
	req.Header = h
	resp, err := p.httpClient().Do(req)
	if err != nil {
		p.s.setConnectionStateIf(ref, gen, ConnectionStateDeauthorized, "Failed to connect to the authorization endpoint.")
		return "", &targetError{code: codeConnection, retriable: true, err: fmt.Errorf("token request: %w", err)}
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 || json.Unmarshal(raw, &tr) != nil || tr.AccessToken == "" {
		// unverified: AWS's connection state reason.
		p.s.setConnectionStateIf(ref, gen, ConnectionStateDeauthorized, fmt.Sprintf("The authorization endpoint answered %d.", resp.StatusCode))
		return "", &targetError{code: codeNoPermissions, err: fmt.Errorf("token request: the authorization endpoint answered %d", resp.StatusCode)}
	}
	nt := oauthToken{value: tr.AccessToken}
	var secs float64
	if s := strings.Trim(string(tr.ExpiresIn), `"`); s != "" {
		if _, err := fmt.Sscan(s, &secs); err == nil && secs > 0 {
			nt.expires = now.Add(time.Duration(secs * float64(time.Second)))
		}
	}
	p.mu.Lock()
	p.tokens[c.arn] = nt
	p.mu.Unlock()
	if c.state != ConnectionStateAuthorized {
		p.s.setConnectionStateIf(ref, gen, ConnectionStateAuthorized, "")
	}
	return nt.value, nil
}
