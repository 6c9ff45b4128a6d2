package eventbridge

import (
	"context"
	"strings"
	"time"
)

// connection is an API destination connection; auth keeps the secrets.
type connection struct {
	name, arn      string
	description    *string
	authType       ConnectionAuthorizationType
	auth           CreateConnectionAuthRequestParameters
	connectivity   *ConnectivityResourceParameters
	kmsKey         *string
	state          ConnectionState
	stateReason    string
	secretArn      string
	created        time.Time
	modified       time.Time
	lastAuthorized time.Time
	// gen numbers the state steps (connection_states.go): a pending step
	// of an older generation does nothing.
	gen uint64
}

// connectionByARN finds a connection of this scope by ARN (s.mu held).
func (s *Service) connectionByARN(arn string) *connection {
	for _, c := range s.connections {
		if c.arn == arn {
			return c
		}
	}
	return nil
}

// validateConnectionAuth checks that the parameters match the type.
func validateConnectionAuth(t ConnectionAuthorizationType, p *CreateConnectionAuthRequestParameters) error {
	if p == nil {
		return errValidation("Parameter(s) AuthParameters must be specified.") // unverified: wording
	}
	n := 0
	for _, set := range []bool{p.BasicAuthParameters != nil, p.OAuthParameters != nil, p.ApiKeyAuthParameters != nil} {
		if set {
			n++
		}
	}
	var ok bool
	switch t {
	case ConnectionAuthorizationTypeBasic:
		ok = p.BasicAuthParameters != nil
	case ConnectionAuthorizationTypeApiKey:
		ok = p.ApiKeyAuthParameters != nil
	case ConnectionAuthorizationTypeOauthClientCredentials:
		ok = p.OAuthParameters != nil
		if ok {
			if err := validateHTTPSEndpoint("AuthParameters.OAuthParameters.AuthorizationEndpoint", strOr(p.OAuthParameters.AuthorizationEndpoint, "")); err != nil {
				return err
			}
		}
	}
	if !ok || n != 1 {
		// unverified: wording for parameters that do not match AuthorizationType.
		return errValidation("Exactly one of BasicAuthParameters, OAuthParameters or ApiKeyAuthParameters must be specified, matching AuthorizationType %s.", t)
	}
	return nil
}

// validateHTTPSEndpoint checks that an endpoint is an https URL.
func validateHTTPSEndpoint(param, u string) error {
	if !strings.HasPrefix(u, "https://") || len(u) <= len("https://") {
		// unverified: wording.
		return errParam(param, "Invalid endpoint: must be an HTTPS URL.")
	}
	return nil
}

// initialConnectionState is AUTHORIZING for OAuth (a token request
// follows) and AUTHORIZED otherwise, as AWS answers CreateConnection and
// UpdateConnection (LocalStack's AWS recordings,
// test_api_destinations_and_connection.snapshot.json).
func initialConnectionState(t ConnectionAuthorizationType) ConnectionState {
	if t == ConnectionAuthorizationTypeOauthClientCredentials {
		return ConnectionStateAuthorizing
	}
	return ConnectionStateAuthorized
}

// CreateConnection creates a connection.
func (s *Service) CreateConnection(ctx context.Context, in *CreateConnectionInput) (*CreateConnectionOutput, error) {
	if err := validateConnectionAuth(in.AuthorizationType, in.AuthParameters); err != nil {
		return nil, err
	}
	name := strOr(in.Name, "")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connections[name] != nil {
		return nil, errExists("Connection %s already exists.", name) // unverified: wording
	}
	id := newUUID()
	now := s.now()
	c := &connection{
		name: name, arn: s.arn("connection/" + name + "/" + id), description: in.Description, authType: in.AuthorizationType,
		auth: *in.AuthParameters, connectivity: in.InvocationConnectivityParameters, kmsKey: in.KmsKeyIdentifier,
		state:     initialConnectionState(in.AuthorizationType),
		secretArn: "arn:" + s.partition() + ":secretsmanager:" + s.env.Scope.Region + ":" + s.env.Scope.Account + ":secret:events!connection/" + name + "/" + id + "-" + randomHex(6),
		created:   now, modified: now,
	}
	if c.state == ConnectionStateAuthorized {
		c.lastAuthorized = now
	} else {
		s.scheduleAuthorizationLocked(c)
	}
	s.connections[name] = c
	s.saveConnectionLocked(c)
	return &CreateConnectionOutput{ConnectionArn: ptr(c.arn), ConnectionState: c.state, CreationTime: ptr(c.created), LastModifiedTime: ptr(c.modified)}, nil
}

func (s *Service) connectionLocked(name string) (*connection, error) {
	if c := s.connections[name]; c != nil {
		return c, nil
	}
	// LocalStack's AWS recording of DescribeConnection (and LocalStack's
	// wording for the other operations).
	return nil, errNotFound("Failed to describe the connection(s). Connection '%s' does not exist.", name)
}

// publicHTTPParams drops the values of secret parameters.
func publicHTTPParams(p *ConnectionHttpParameters) *ConnectionHttpParameters {
	if p == nil {
		return nil
	}
	out := &ConnectionHttpParameters{}
	for _, h := range p.HeaderParameters {
		if h.IsValueSecret != nil && *h.IsValueSecret {
			h.Value = nil
		}
		out.HeaderParameters = append(out.HeaderParameters, h)
	}
	for _, q := range p.QueryStringParameters {
		if q.IsValueSecret != nil && *q.IsValueSecret {
			q.Value = nil
		}
		out.QueryStringParameters = append(out.QueryStringParameters, q)
	}
	for _, b := range p.BodyParameters {
		if b.IsValueSecret != nil && *b.IsValueSecret {
			b.Value = nil
		}
		out.BodyParameters = append(out.BodyParameters, b)
	}
	return out
}

// DescribeConnection describes a connection without its secrets.
func (s *Service) DescribeConnection(ctx context.Context, in *DescribeConnectionInput) (*DescribeConnectionOutput, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, err := s.connectionLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	ap := &ConnectionAuthResponseParameters{InvocationHttpParameters: publicHTTPParams(c.auth.InvocationHttpParameters)}
	if b := c.auth.BasicAuthParameters; b != nil {
		ap.BasicAuthParameters = &ConnectionBasicAuthResponseParameters{Username: b.Username}
	}
	if k := c.auth.ApiKeyAuthParameters; k != nil {
		ap.ApiKeyAuthParameters = &ConnectionApiKeyAuthResponseParameters{ApiKeyName: k.ApiKeyName}
	}
	if o := c.auth.OAuthParameters; o != nil {
		ap.OAuthParameters = &ConnectionOAuthResponseParameters{
			AuthorizationEndpoint: o.AuthorizationEndpoint, HttpMethod: o.HttpMethod, OAuthHttpParameters: publicHTTPParams(o.OAuthHttpParameters),
		}
		if o.ClientParameters != nil {
			ap.OAuthParameters.ClientParameters = &ConnectionOAuthClientResponseParameters{ClientID: o.ClientParameters.ClientID}
		}
	}
	return &DescribeConnectionOutput{
		ConnectionArn: ptr(c.arn), Name: ptr(c.name), Description: c.description, ConnectionState: c.state,
		StateReason: optStr(c.stateReason), AuthorizationType: c.authType, SecretArn: ptr(c.secretArn), KmsKeyIdentifier: c.kmsKey,
		AuthParameters: ap, CreationTime: ptr(c.created), LastModifiedTime: ptr(c.modified), LastAuthorizedTime: optTime(c.lastAuthorized),
	}, nil
}

// UpdateConnection changes a connection's description, type or
// parameters and authorizes it again.
func (s *Service) UpdateConnection(ctx context.Context, in *UpdateConnectionInput) (*UpdateConnectionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.connectionLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	if c.state == ConnectionStateDeleting {
		// unverified: the answer for a connection being deleted.
		return nil, errNotFound("Failed to describe the connection(s). Connection '%s' does not exist.", c.name)
	}
	auth := c.auth
	if p := in.AuthParameters; p != nil {
		if b := p.BasicAuthParameters; b != nil {
			nb := CreateConnectionBasicAuthRequestParameters{}
			if auth.BasicAuthParameters != nil {
				nb = *auth.BasicAuthParameters
			}
			nb.Username, nb.Password = orPtr(b.Username, nb.Username), orPtr(b.Password, nb.Password)
			auth.BasicAuthParameters = &nb
		}
		if k := p.ApiKeyAuthParameters; k != nil {
			nk := CreateConnectionApiKeyAuthRequestParameters{}
			if auth.ApiKeyAuthParameters != nil {
				nk = *auth.ApiKeyAuthParameters
			}
			nk.ApiKeyName, nk.ApiKeyValue = orPtr(k.ApiKeyName, nk.ApiKeyName), orPtr(k.ApiKeyValue, nk.ApiKeyValue)
			auth.ApiKeyAuthParameters = &nk
		}
		if o := p.OAuthParameters; o != nil {
			no := CreateConnectionOAuthRequestParameters{}
			if auth.OAuthParameters != nil {
				no = *auth.OAuthParameters
			}
			no.AuthorizationEndpoint = orPtr(o.AuthorizationEndpoint, no.AuthorizationEndpoint)
			if o.HttpMethod != "" {
				no.HttpMethod = o.HttpMethod
			}
			if o.OAuthHttpParameters != nil {
				no.OAuthHttpParameters = o.OAuthHttpParameters
			}
			if cp := o.ClientParameters; cp != nil {
				nc := CreateConnectionOAuthClientRequestParameters{}
				if no.ClientParameters != nil {
					nc = *no.ClientParameters
				}
				nc.ClientID, nc.ClientSecret = orPtr(cp.ClientID, nc.ClientID), orPtr(cp.ClientSecret, nc.ClientSecret)
				no.ClientParameters = &nc
			}
			auth.OAuthParameters = &no
		}
		if p.InvocationHttpParameters != nil {
			auth.InvocationHttpParameters = p.InvocationHttpParameters
		}
	}
	t := c.authType
	if in.AuthorizationType != "" {
		t = in.AuthorizationType
		// The parameters of the previous type no longer apply.
		switch t {
		case ConnectionAuthorizationTypeBasic:
			auth.ApiKeyAuthParameters, auth.OAuthParameters = nil, nil
		case ConnectionAuthorizationTypeApiKey:
			auth.BasicAuthParameters, auth.OAuthParameters = nil, nil
		case ConnectionAuthorizationTypeOauthClientCredentials:
			auth.BasicAuthParameters, auth.ApiKeyAuthParameters = nil, nil
		}
	}
	if err := validateConnectionAuth(t, &auth); err != nil {
		return nil, err
	}
	c.authType, c.auth = t, auth
	if in.Description != nil {
		c.description = in.Description
	}
	if in.KmsKeyIdentifier != nil {
		c.kmsKey = optStr(*in.KmsKeyIdentifier)
	}
	if in.InvocationConnectivityParameters != nil {
		c.connectivity = in.InvocationConnectivityParameters
	}
	c.modified = s.now()
	c.state, c.stateReason = initialConnectionState(t), ""
	if c.state == ConnectionStateAuthorized {
		c.gen++ // a pending step of an earlier call is void
		c.lastAuthorized = c.modified
	} else {
		// The credentials may have changed: the next token is requested anew.
		s.dropTokenLocked(c.arn)
		s.scheduleAuthorizationLocked(c)
	}
	s.saveConnectionLocked(c)
	return &UpdateConnectionOutput{ConnectionArn: ptr(c.arn), ConnectionState: c.state, CreationTime: ptr(c.created),
		LastModifiedTime: ptr(c.modified), LastAuthorizedTime: optTime(c.lastAuthorized)}, nil
}

func orPtr(p, def *string) *string {
	if p != nil {
		return p
	}
	return def
}

// DeleteConnection deletes a connection.
func (s *Service) DeleteConnection(ctx context.Context, in *DeleteConnectionInput) (*DeleteConnectionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.connectionLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	if c.state != ConnectionStateDeleting {
		c.state, c.stateReason = ConnectionStateDeleting, ""
		c.modified = s.now()
		s.scheduleDeletionLocked(c)
		s.saveConnectionLocked(c)
	}
	return &DeleteConnectionOutput{ConnectionArn: ptr(c.arn), ConnectionState: ConnectionStateDeleting, CreationTime: ptr(c.created),
		LastModifiedTime: ptr(c.modified), LastAuthorizedTime: optTime(c.lastAuthorized)}, nil
}

// DeauthorizeConnection removes a connection's authorization.
func (s *Service) DeauthorizeConnection(ctx context.Context, in *DeauthorizeConnectionInput) (*DeauthorizeConnectionOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.connectionLocked(strOr(in.Name, ""))
	if err != nil {
		return nil, err
	}
	if c.state == ConnectionStateDeleting {
		// unverified: the answer for a connection being deleted.
		return nil, errNotFound("Failed to describe the connection(s). Connection '%s' does not exist.", c.name)
	}
	c.state, c.stateReason = ConnectionStateDeauthorizing, ""
	c.modified = s.now()
	s.dropTokenLocked(c.arn)
	s.scheduleDeauthorizationLocked(c)
	s.saveConnectionLocked(c)
	return &DeauthorizeConnectionOutput{ConnectionArn: ptr(c.arn), ConnectionState: ConnectionStateDeauthorizing, CreationTime: ptr(c.created),
		LastModifiedTime: ptr(c.modified), LastAuthorizedTime: optTime(c.lastAuthorized)}, nil
}

// ListConnections lists connections by name.
func (s *Service) ListConnections(ctx context.Context, in *ListConnectionsInput) (*ListConnectionsOutput, error) {
	prefix := strOr(in.NamePrefix, "")
	s.mu.RLock()
	var items []keyed[Connection]
	for _, c := range s.connections {
		if !strings.HasPrefix(c.name, prefix) || (in.ConnectionState != "" && c.state != in.ConnectionState) {
			continue
		}
		items = append(items, keyed[Connection]{c.name, Connection{
			ConnectionArn: ptr(c.arn), Name: ptr(c.name), ConnectionState: c.state, StateReason: optStr(c.stateReason),
			AuthorizationType: c.authType, CreationTime: ptr(c.created), LastModifiedTime: ptr(c.modified), LastAuthorizedTime: optTime(c.lastAuthorized),
		}})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &ListConnectionsOutput{Connections: out, NextToken: next}, nil
}
