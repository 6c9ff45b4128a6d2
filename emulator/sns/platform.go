package sns

import (
	"context"
	"maps"
	"regexp"
	"strings"
	"sync"
)

// platforms are the push platforms CreatePlatformApplication accepts.
var platforms = map[string]bool{
	"ADM": true, "APNS": true, "APNS_SANDBOX": true, "APNS_VOIP": true, "APNS_VOIP_SANDBOX": true,
	"BAIDU": true, "GCM": true, "MACOS": true, "MACOS_SANDBOX": true, "MPNS": true, "WNS": true,
}

// appAttrs are the platform application attributes the API accepts.
var appAttrs = map[string]bool{
	"PlatformCredential": true, "PlatformPrincipal": true, "EventEndpointCreated": true, "EventEndpointDeleted": true,
	"EventEndpointUpdated": true, "EventDeliveryFailure": true, "SuccessFeedbackRoleArn": true,
	"FailureFeedbackRoleArn": true, "SuccessFeedbackSampleRate": true, "ApplePlatformTeamID": true,
	"ApplePlatformBundleID": true, "Enabled": true, "AuthenticationMethod": true,
}

// endpointAttrs are the platform endpoint attributes the API accepts.
var endpointAttrs = map[string]bool{"CustomUserData": true, "Enabled": true, "Token": true}

var appNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._-]+$`) })

// platformApp is a platform application. Its fields are guarded by s.mu.
type platformApp struct {
	arn, name, platform string
	seq                 uint64
	attrs               map[string]string // returned attributes
	secrets             map[string]string // PlatformCredential, PlatformPrincipal
	endpoints           map[string]string // endpoint ARN by token
}

// platformEndpoint is a device endpoint of an application. Its fields are
// guarded by s.mu; read them through endpointByARN's copy.
type platformEndpoint struct {
	arn, appArn string
	seq         uint64
	attrs       map[string]string // Enabled, Token, CustomUserData
}

// endpointByARN returns a copy of a platform endpoint, for publishing to
// it: NotFound "Endpoint does not exist" when there is none.
func (s *Service) endpointByARN(arn string) (*platformEndpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.endpoints[arn]
	if e == nil {
		return nil, notFound("Endpoint does not exist")
	}
	return &platformEndpoint{arn: e.arn, appArn: e.appArn, seq: e.seq, attrs: maps.Clone(e.attrs)}, nil
}

// checkAppName validates a platform application name.
func checkAppName(name string) error {
	reason := ""
	switch {
	case name == "":
		reason = "cannot be empty"
	case len([]rune(name)) > 256:
		reason = "must be at most 256 characters long"
	case !appNameRe().MatchString(name):
		reason = "must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'"
	}
	if reason != "" {
		return invalidParam("Invalid parameter: %s Reason: %s", name, reason)
	}
	return nil
}

// checkAppAttrs validates platform application attributes.
func checkAppAttrs(attrs map[string]string) error {
	for _, k := range sortedKeys(attrs) {
		if !appAttrs[k] {
			return invalidParam("Invalid parameter: Attributes Reason: Invalid attribute name: %s", k) // unverified: wording
		}
	}
	if v, ok := attrs["Enabled"]; ok && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
		return invalidParam("Invalid parameter: Attributes Reason: Invalid value for attribute: Enabled: must be true or false") // unverified: wording
	}
	return nil
}

// checkCredentials applies each platform's credential rules at creation.
func checkCredentials(platform string, attrs map[string]string) error {
	cred, hasCred := attrs["PlatformCredential"]
	_, hasPrin := attrs["PlatformPrincipal"]
	switch {
	case hasCred && !hasPrin && platform != "GCM":
		return invalidParam("Invalid parameter: Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal")
	case hasPrin && !hasCred:
		return invalidParam("Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential")
	case !hasCred:
		return invalidParam("Invalid parameter: Attributes Reason: PlatformCredential attribute is required") // unverified: wording
	case cred == "":
		return invalidParam("Invalid parameter: Attributes Reason: PlatformCredential cannot be empty") // unverified: wording
	}
	if strings.HasPrefix(platform, "APNS") || strings.HasPrefix(platform, "MACOS") {
		token := strings.EqualFold(attrs["AuthenticationMethod"], "Token")
		if token && (attrs["ApplePlatformTeamID"] == "" || attrs["ApplePlatformBundleID"] == "") {
			return invalidParam("Invalid parameter: Attributes Reason: ApplePlatformTeamID and ApplePlatformBundleID are required for token-based authentication") // unverified: wording
		}
	}
	return nil
}

// CreatePlatformApplication creates (or updates, when the name and
// platform exist) a platform application.
func (s *Service) CreatePlatformApplication(ctx context.Context, in *CreatePlatformApplicationInput) (*CreatePlatformApplicationOutput, error) {
	name, platform := str(in.Name), str(in.Platform)
	if err := checkAppName(name); err != nil {
		return nil, err
	}
	if !platforms[platform] {
		return nil, invalidParam("Invalid parameter: Platform Reason: %s is not supported", platform)
	}
	if err := checkAppAttrs(in.Attributes); err != nil {
		return nil, err
	}
	if err := checkCredentials(platform, in.Attributes); err != nil {
		return nil, err
	}
	arn := s.arn("app/" + platform + "/" + name)
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.apps[arn]
	if app == nil {
		app = &platformApp{arn: arn, name: name, platform: platform, seq: s.nextSeqLocked(),
			attrs: map[string]string{"Enabled": "true"}, secrets: map[string]string{}, endpoints: map[string]string{}}
		s.apps[arn] = app
	}
	app.set(in.Attributes)
	s.putAppLocked(app)
	return &CreatePlatformApplicationOutput{PlatformApplicationArn: &arn}, nil
}

// set stores attributes; credentials are kept but never returned.
func (a *platformApp) set(attrs map[string]string) {
	for k, v := range attrs {
		switch k {
		case "PlatformCredential", "PlatformPrincipal":
			a.secrets[k] = v
		case "Enabled":
			a.attrs[k] = strings.ToLower(v)
		default:
			if v == "" {
				delete(a.attrs, k)
			} else {
				a.attrs[k] = v
			}
		}
	}
}

// appByARN returns an application (s.mu held): NotFound when missing.
func (s *Service) appByARNLocked(arn string) (*platformApp, error) {
	if app := s.apps[arn]; app != nil {
		return app, nil
	}
	return nil, notFound("PlatformApplication does not exist")
}

// checkAppARN validates the shape of a platform application ARN.
func checkAppARN(arn string) error {
	if _, ok := parseAnyARN(arn); !ok {
		return invalidParam("Invalid parameter: PlatformApplicationArn Reason: An ARN must have at least 6 elements, not %d", strings.Count(arn, ":")+1)
	}
	return nil
}

// GetPlatformApplicationAttributes returns an application's attributes.
func (s *Service) GetPlatformApplicationAttributes(ctx context.Context, in *GetPlatformApplicationAttributesInput) (*GetPlatformApplicationAttributesOutput, error) {
	arn := str(in.PlatformApplicationArn)
	if err := checkAppARN(arn); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	app, err := s.appByARNLocked(arn)
	if err != nil {
		return nil, err
	}
	return &GetPlatformApplicationAttributesOutput{Attributes: maps.Clone(app.attrs)}, nil
}

// SetPlatformApplicationAttributes changes an application's attributes.
func (s *Service) SetPlatformApplicationAttributes(ctx context.Context, in *SetPlatformApplicationAttributesInput) (*SetPlatformApplicationAttributesOutput, error) {
	arn := str(in.PlatformApplicationArn)
	if err := checkAppARN(arn); err != nil {
		return nil, err
	}
	if err := checkAppAttrs(in.Attributes); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app, err := s.appByARNLocked(arn)
	if err != nil {
		return nil, err
	}
	app.set(in.Attributes)
	s.putAppLocked(app)
	return &SetPlatformApplicationAttributesOutput{}, nil
}

// ListPlatformApplications lists the applications, 100 per page.
func (s *Service) ListPlatformApplications(ctx context.Context, in *ListPlatformApplicationsInput) (*ListPlatformApplicationsOutput, error) {
	s.mu.RLock()
	items := make([]paged[PlatformApplication], 0, len(s.apps))
	for _, app := range s.apps {
		items = append(items, paged[PlatformApplication]{seq: app.seq,
			item: PlatformApplication{PlatformApplicationArn: ptr(app.arn), Attributes: maps.Clone(app.attrs)}})
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, pageSize)
	if err != nil {
		return nil, err
	}
	return &ListPlatformApplicationsOutput{PlatformApplications: out, NextToken: next}, nil
}

// DeletePlatformApplication deletes an application and its endpoints; an
// unknown one is not an error.
func (s *Service) DeletePlatformApplication(ctx context.Context, in *DeletePlatformApplicationInput) (*DeletePlatformApplicationOutput, error) {
	arn := str(in.PlatformApplicationArn)
	if err := checkAppARN(arn); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if app := s.apps[arn]; app != nil {
		for _, e := range app.endpoints {
			delete(s.endpoints, e)
			if j := s.env.Journal; j != nil {
				j.Delete(endpointKey(e))
			}
		}
		delete(s.apps, arn)
		if j := s.env.Journal; j != nil {
			j.Delete("a/" + strings.TrimPrefix(resourcePart(arn), "app/"))
		}
	}
	return &DeletePlatformApplicationOutput{}, nil
}

// checkEndpointAttrs validates endpoint attributes.
func checkEndpointAttrs(attrs map[string]string) error {
	for _, k := range sortedKeys(attrs) {
		if !endpointAttrs[k] {
			return invalidParam("Invalid parameter: Attributes Reason: Invalid attribute name: %s", k)
		}
	}
	if len(attrs["CustomUserData"]) > 2048 {
		return invalidParam("Invalid parameter: Attributes Reason: Invalid value for attribute: CustomUserData: must be at most 2048 bytes long in UTF-8 encoding")
	}
	if v, ok := attrs["Enabled"]; ok && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
		return invalidParam("Invalid parameter: Attributes Reason: Invalid value for attribute: Enabled: must be true or false") // unverified: wording
	}
	if v, ok := attrs["Token"]; ok && v == "" {
		return invalidParam("Invalid parameter: Attributes Reason: Invalid value for attribute: Token: cannot be empty") // unverified: wording
	}
	return nil
}

// CreatePlatformEndpoint creates a device endpoint; for a token the
// application already has it returns that endpoint when the attributes
// match.
func (s *Service) CreatePlatformEndpoint(ctx context.Context, in *CreatePlatformEndpointInput) (*CreatePlatformEndpointOutput, error) {
	appArn, token := str(in.PlatformApplicationArn), str(in.Token)
	if err := checkAppARN(appArn); err != nil {
		return nil, err
	}
	if token == "" {
		return nil, invalidParam("Invalid parameter: Token Reason: cannot be empty") // unverified: wording
	}
	want := map[string]string{"Enabled": "true"}
	for k, v := range in.Attributes {
		want[k] = v
	}
	if _, ok := want["CustomUserData"]; !ok && in.CustomUserData != nil {
		want["CustomUserData"] = *in.CustomUserData
	}
	if err := checkEndpointAttrs(want); err != nil {
		return nil, err
	}
	want["Token"] = token
	s.mu.Lock()
	defer s.mu.Unlock()
	app, err := s.appByARNLocked(appArn)
	if err != nil {
		return nil, err
	}
	if arn, ok := app.endpoints[token]; ok {
		if e := s.endpoints[arn]; e != nil {
			if !maps.Equal(e.attrs, want) {
				return nil, invalidParam("Invalid parameter: Token Reason: Endpoint %s already exists with the same Token, but different attributes.", arn)
			}
			return &CreatePlatformEndpointOutput{EndpointArn: &arn}, nil
		}
	}
	arn := s.arn("endpoint/" + app.platform + "/" + app.name + "/" + newUUID())
	e := &platformEndpoint{arn: arn, appArn: appArn, seq: s.nextSeqLocked(), attrs: want}
	s.endpoints[arn] = e
	app.endpoints[token] = arn
	s.putEndpointLocked(e)
	s.putAppLocked(app)
	return &CreatePlatformEndpointOutput{EndpointArn: &arn}, nil
}

// GetEndpointAttributes returns a device endpoint's attributes.
func (s *Service) GetEndpointAttributes(ctx context.Context, in *GetEndpointAttributesInput) (*GetEndpointAttributesOutput, error) {
	e, err := s.endpointByARN(str(in.EndpointArn))
	if err != nil {
		return nil, err
	}
	return &GetEndpointAttributesOutput{Attributes: e.attrs}, nil
}

// SetEndpointAttributes changes a device endpoint's attributes.
func (s *Service) SetEndpointAttributes(ctx context.Context, in *SetEndpointAttributesInput) (*SetEndpointAttributesOutput, error) {
	arn := str(in.EndpointArn)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.endpoints[arn]
	if e == nil {
		return nil, notFound("Endpoint does not exist")
	}
	if err := checkEndpointAttrs(in.Attributes); err != nil {
		return nil, err
	}
	app := s.apps[e.appArn]
	for k, v := range in.Attributes {
		if k == "Enabled" {
			v = strings.ToLower(v)
		}
		if k == "Token" && app != nil && v != e.attrs["Token"] {
			delete(app.endpoints, e.attrs["Token"])
			app.endpoints[v] = arn
			s.putAppLocked(app)
		}
		e.attrs[k] = v
	}
	s.putEndpointLocked(e)
	return &SetEndpointAttributesOutput{}, nil
}

// DeleteEndpoint deletes a device endpoint; an unknown one is not an
// error.
func (s *Service) DeleteEndpoint(ctx context.Context, in *DeleteEndpointInput) (*DeleteEndpointOutput, error) {
	arn := str(in.EndpointArn)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.endpoints[arn]; e != nil {
		if app := s.apps[e.appArn]; app != nil && app.endpoints[e.attrs["Token"]] == arn {
			delete(app.endpoints, e.attrs["Token"])
			s.putAppLocked(app)
		}
		delete(s.endpoints, arn)
		if j := s.env.Journal; j != nil {
			j.Delete(endpointKey(arn))
		}
	}
	return &DeleteEndpointOutput{}, nil
}

// ListEndpointsByPlatformApplication lists an application's endpoints, 100
// per page.
func (s *Service) ListEndpointsByPlatformApplication(ctx context.Context, in *ListEndpointsByPlatformApplicationInput) (*ListEndpointsByPlatformApplicationOutput, error) {
	appArn := str(in.PlatformApplicationArn)
	if err := checkAppARN(appArn); err != nil {
		return nil, err
	}
	s.mu.RLock()
	app, err := s.appByARNLocked(appArn)
	if err != nil {
		s.mu.RUnlock()
		return nil, err
	}
	items := make([]paged[Endpoint], 0, len(app.endpoints))
	for _, arn := range app.endpoints {
		if e := s.endpoints[arn]; e != nil {
			items = append(items, paged[Endpoint]{seq: e.seq, item: Endpoint{EndpointArn: ptr(e.arn), Attributes: maps.Clone(e.attrs)}})
		}
	}
	s.mu.RUnlock()
	out, next, err := page(items, in.NextToken, pageSize)
	if err != nil {
		return nil, err
	}
	return &ListEndpointsByPlatformApplicationOutput{Endpoints: out, NextToken: next}, nil
}
