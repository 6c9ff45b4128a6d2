//go:build !evolvestack_slim

package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// The schema commands resolve their region and credentials here rather
// than with the SDK's config package: config links the SDK's STS, SSO, SSO
// OIDC and sign-in clients, whose package inits build endpoint tables and
// serde schemas (~550 KB, about 1 ms) at every start of the binary, the
// server's included (issue 12). This follows config.LoadDefaultConfig's
// credential chain: environment keys, web identity from the environment,
// the shared config and credentials files' profiles (static keys,
// source_profile and credential_source, web_identity_token_file, SSO with a
// token cached by `aws sso login`, credential_process, then role_arn), the
// container credentials endpoint and the instance metadata service. STS and
// the SSO portal are called directly; interactive sign-in (login_session)
// and MFA prompts are not supported.

// awsEnv is what resolving the configuration reads from outside: the
// environment and HTTP (the STS and SSO calls); tests replace both.
type awsEnv struct {
	getenv func(string) string
	client *http.Client
	// stsEndpoint and ssoEndpoint override AWS's endpoints (tests).
	stsEndpoint, ssoEndpoint string
}

// loadAWSConfig resolves the region (region when not "", else AWS_REGION,
// AWS_DEFAULT_REGION or the profile's) and the credentials chain, as the
// SDK's config.LoadDefaultConfig does; endpoint, when not "", becomes the
// configuration's BaseEndpoint.
func loadAWSConfig(ctx context.Context, env awsEnv, region, endpoint string) (aws.Config, error) {
	if env.client == nil {
		env.client = &http.Client{Timeout: 30 * time.Second}
	}
	cfg := aws.Config{Region: region, HTTPClient: env.client}
	if endpoint != "" {
		cfg.BaseEndpoint = aws.String(endpoint)
	}
	files, err := readSharedConfig(env.getenv)
	if err != nil {
		return cfg, err
	}
	name, named := profileName(env.getenv)
	prof := files.profile(name)
	if named && prof == nil {
		return cfg, fmt.Errorf("failed to get shared config profile, %s", name)
	}
	if cfg.Region == "" {
		cfg.Region = firstNonEmpty(env.getenv("AWS_REGION"), env.getenv("AWS_DEFAULT_REGION"), prof.get("region"))
	}
	var provider aws.CredentialsProvider
	switch id, secret := envKeys(env.getenv); {
	case named:
		provider, err = env.fromProfile(ctx, files, name, cfg.Region, nil)
	case id != "" && secret != "":
		provider = credentials.NewStaticCredentialsProvider(id, secret, env.getenv("AWS_SESSION_TOKEN"))
	case env.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != "":
		provider, err = env.webIdentity(env.getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), env.getenv("AWS_ROLE_ARN"), env.getenv("AWS_ROLE_SESSION_NAME"), cfg.Region)
	default:
		provider, err = env.fromProfile(ctx, files, name, cfg.Region, nil)
	}
	if err != nil {
		return cfg, err
	}
	cfg.Credentials = aws.NewCredentialsCache(provider)
	return cfg, nil
}

// envKeys are the access key pair from the environment, under the current
// names or the legacy ones.
func envKeys(getenv func(string) string) (id, secret string) {
	return firstNonEmpty(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_ACCESS_KEY")),
		firstNonEmpty(getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SECRET_KEY"))
}

// profileName is the selected profile and whether the environment names
// one.
func profileName(getenv func(string) string) (string, bool) {
	if p := firstNonEmpty(getenv("AWS_PROFILE"), getenv("AWS_DEFAULT_PROFILE")); p != "" {
		return p, true
	}
	return "default", false
}

// defaultProfileHasKeys reports whether the shared files' default profile
// holds static keys.
func defaultProfileHasKeys(getenv func(string) string) bool {
	files, err := readSharedConfig(getenv)
	if err != nil {
		return false
	}
	p := files.profile("default")
	return p.get("aws_access_key_id") != "" && p.get("aws_secret_access_key") != ""
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// iniSection is one section of a shared config or credentials file.
type iniSection map[string]string

// get is a key's value; a nil section has none.
func (s iniSection) get(key string) string {
	if s == nil {
		return ""
	}
	return s[key]
}

// sharedConfig is the shared config file's profiles and sso-session
// sections with the credentials file's profiles merged over them.
type sharedConfig struct {
	profiles, ssoSessions map[string]iniSection
}

// profile is the named profile's merged keys, or nil.
func (c *sharedConfig) profile(name string) iniSection { return c.profiles[name] }

// readSharedConfig reads the files AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE name (default ~/.aws/config and
// ~/.aws/credentials); a missing file is empty.
func readSharedConfig(getenv func(string) string) (*sharedConfig, error) {
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	configFile := firstNonEmpty(getenv("AWS_CONFIG_FILE"), filepath.Join(home, ".aws", "config"))
	credsFile := firstNonEmpty(getenv("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join(home, ".aws", "credentials"))
	c := &sharedConfig{profiles: map[string]iniSection{}, ssoSessions: map[string]iniSection{}}
	for _, f := range []struct {
		path  string
		creds bool
	}{{configFile, false}, {credsFile, true}} {
		sections, err := readINI(f.path)
		if err != nil {
			return nil, fmt.Errorf("reading shared AWS configuration: %w", err)
		}
		for _, s := range sections {
			dst, name := c.profiles, s.name
			if !f.creds {
				switch kind, rest, _ := strings.Cut(s.name, " "); {
				case s.name == "default":
				case kind == "profile" && strings.TrimSpace(rest) != "":
					name = strings.TrimSpace(rest)
				case kind == "sso-session" && strings.TrimSpace(rest) != "":
					dst, name = c.ssoSessions, strings.TrimSpace(rest)
				default:
					continue // services sections and malformed names
				}
			}
			if dst[name] == nil {
				dst[name] = iniSection{}
			}
			for k, v := range s.keys {
				dst[name][k] = v
			}
		}
	}
	return c, nil
}

// iniFileSection is a section as read, in file order.
type iniFileSection struct {
	name string
	keys iniSection
}

// readINI reads an AWS shared configuration file: [section] headers,
// key = value lines (keys lower-cased), # and ; comments; indented lines
// (sub-properties such as an s3 block) are skipped.
func readINI(path string) ([]iniFileSection, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []iniFileSection
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 {
				return nil, fmt.Errorf("%s: malformed section header %q", path, line)
			}
			out = append(out, iniFileSection{name: strings.TrimSpace(line[1:end]), keys: iniSection{}})
			continue
		}
		if raw[0] == ' ' || raw[0] == '\t' || len(out) == 0 {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		out[len(out)-1].keys[strings.ToLower(strings.TrimSpace(k))] = stripINIComment(strings.TrimSpace(v))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// stripINIComment drops a comment after white space at the end of a value.
func stripINIComment(v string) string {
	for i := 1; i < len(v); i++ {
		if (v[i] == '#' || v[i] == ';') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i])
		}
	}
	return v
}

// fromProfile resolves the named profile's credentials as the SDK does:
// source_profile (assuming role_arn with the source's credentials), static
// keys, credential_source, web identity, SSO, credential_process, then the
// container endpoint and the instance metadata service; role_arn is then
// assumed with what was found. seen guards against source_profile loops.
func (e awsEnv) fromProfile(ctx context.Context, files *sharedConfig, name, region string, seen map[string]bool) (aws.CredentialsProvider, error) {
	p := files.profile(name)
	if seen[name] {
		// A profile that names itself as source uses its own keys.
		if p.get("aws_access_key_id") != "" {
			return credentials.NewStaticCredentialsProvider(p.get("aws_access_key_id"), p.get("aws_secret_access_key"), p.get("aws_session_token")), nil
		}
		return nil, fmt.Errorf("source profile %q: loop in source_profile chain", name)
	}
	if seen == nil {
		seen = map[string]bool{}
	}
	seen[name] = true
	var base aws.CredentialsProvider
	var err error
	switch {
	case p.get("source_profile") != "":
		src := p.get("source_profile")
		if files.profile(src) == nil {
			return nil, fmt.Errorf("failed to get source profile, %s: profile not found", src)
		}
		base, err = e.fromProfile(ctx, files, src, region, seen)
	case p.get("aws_access_key_id") != "" && p.get("aws_secret_access_key") != "":
		base = credentials.NewStaticCredentialsProvider(p.get("aws_access_key_id"), p.get("aws_secret_access_key"), p.get("aws_session_token"))
	case p.get("credential_source") != "":
		base, err = e.fromCredentialSource(p.get("credential_source"))
	case p.get("web_identity_token_file") != "":
		return e.webIdentity(p.get("web_identity_token_file"), p.get("role_arn"), p.get("role_session_name"), region)
	case p.get("sso_session") != "" || p.get("sso_start_url") != "":
		base, err = e.sso(files, name, p)
	case p.get("login_session") != "":
		return nil, fmt.Errorf("profile %q: login_session (aws login) credentials are not supported by evolvestack schema; export them, e.g. eval \"$(aws configure export-credentials --profile %s --format env)\"", name, name)
	case p.get("credential_process") != "":
		base = processcreds.NewProvider(p.get("credential_process"))
	default:
		base, err = e.containerOrInstance()
	}
	if err != nil {
		return nil, err
	}
	if arn := p.get("role_arn"); arn != "" {
		if p.get("mfa_serial") != "" {
			return nil, fmt.Errorf("profile %q: roles that need an MFA token are not supported by evolvestack schema; export temporary credentials instead", name)
		}
		return e.assumeRole(aws.NewCredentialsCache(base), p, region), nil
	}
	return base, nil
}

// fromCredentialSource is a profile's credential_source.
func (e awsEnv) fromCredentialSource(source string) (aws.CredentialsProvider, error) {
	switch source {
	case "Environment":
		id, secret := envKeys(e.getenv)
		if id == "" || secret == "" {
			return nil, errors.New("credential_source Environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")
		}
		return credentials.NewStaticCredentialsProvider(id, secret, e.getenv("AWS_SESSION_TOKEN")), nil
	case "Ec2InstanceMetadata":
		return ec2rolecreds.New(), nil
	case "EcsContainer":
		return e.containerOrInstance()
	default:
		return nil, fmt.Errorf("credential_source %q: want Environment, Ec2InstanceMetadata or EcsContainer", source)
	}
}

// containerOrInstance is the container credentials endpoint when the
// environment names one, else the instance metadata service.
func (e awsEnv) containerOrInstance() (aws.CredentialsProvider, error) {
	endpoint := ""
	if rel := e.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		endpoint = "http://169.254.170.2" + rel
	} else if full := e.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"); full != "" {
		u, err := url.Parse(full)
		if err != nil || u.Hostname() == "" {
			return nil, fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI %q: not a URL with a host", full)
		}
		endpoint = full
	}
	if endpoint == "" {
		return ec2rolecreds.New(), nil
	}
	token, tokenFile := e.getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"), e.getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
	return endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
		if tokenFile != "" {
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				b, err := os.ReadFile(tokenFile)
				if err != nil {
					return "", fmt.Errorf("reading the container authorization token: %w", err)
				}
				return string(b), nil
			})
		}
	}), nil
}

// providerFunc adapts a function to aws.CredentialsProvider.
type providerFunc func(context.Context) (aws.Credentials, error)

// Retrieve calls f.
func (f providerFunc) Retrieve(ctx context.Context) (aws.Credentials, error) { return f(ctx) }

// stsCredentials is the Credentials element of an STS answer.
type stsCredentials struct {
	AccessKeyID     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      time.Time `xml:"Expiration"`
}

// stsEndpointFor is STS's regional endpoint (the SDK's default).
func (e awsEnv) stsEndpointFor(region string) string {
	if e.stsEndpoint != "" {
		return e.stsEndpoint
	}
	if region == "" {
		region = "us-east-1"
	}
	return strings.Replace(glueRegionalEndpoint(region), "https://glue.", "https://sts.", 1)
}

// callSTS posts an STS query action (signed with creds unless nil) and
// returns the credentials in its answer.
func (e awsEnv) callSTS(ctx context.Context, region string, form url.Values, creds aws.CredentialsProvider) (aws.Credentials, error) {
	action := form.Get("Action")
	form.Set("Version", "2011-06-15")
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.stsEndpointFor(region)+"/", strings.NewReader(body))
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("sts %s: %w", action, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if creds != nil {
		c, err := creds.Retrieve(ctx)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("sts %s: source credentials: %w", action, err)
		}
		sum := sha256.Sum256([]byte(body))
		if region == "" {
			region = "us-east-1"
		}
		if err := v4.NewSigner().SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), "sts", region, time.Now()); err != nil {
			return aws.Credentials{}, fmt.Errorf("sts %s: signing: %w", action, err)
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("sts %s: %w", action, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("sts %s: reading answer: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		var fault struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		_ = xml.Unmarshal(b, &fault)
		return aws.Credentials{}, fmt.Errorf("sts %s: %s: %s (HTTP %d)", action, fault.Code, fault.Message, resp.StatusCode)
	}
	// The result element is named after the action (AssumeRoleResult).
	var answer struct {
		Results []struct {
			XMLName xml.Name
			Creds   stsCredentials `xml:"Credentials"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(b, &answer); err != nil {
		return aws.Credentials{}, fmt.Errorf("sts %s: decoding answer: %w", action, err)
	}
	var got stsCredentials
	for _, r := range answer.Results {
		if r.XMLName.Local == action+"Result" {
			got = r.Creds
		}
	}
	if got.AccessKeyID == "" {
		return aws.Credentials{}, fmt.Errorf("sts %s: answer holds no credentials", action)
	}
	return aws.Credentials{AccessKeyID: got.AccessKeyID, SecretAccessKey: got.SecretAccessKey,
		SessionToken: got.SessionToken, CanExpire: true, Expires: got.Expiration, Source: "AssumeRoleProvider"}, nil
}

// sessionName is the role session name: the profile's or a generated one,
// as the SDK's stscreds does.
func sessionName(name string) string {
	if name != "" {
		return name
	}
	return "aws-go-sdk-" + strconv.FormatInt(time.Now().UTC().UnixNano(), 10)
}

// assumeRole assumes the profile's role_arn with source's credentials.
func (e awsEnv) assumeRole(source aws.CredentialsProvider, p iniSection, region string) aws.CredentialsProvider {
	return providerFunc(func(ctx context.Context) (aws.Credentials, error) {
		form := url.Values{"Action": {"AssumeRole"}, "RoleArn": {p.get("role_arn")}, "RoleSessionName": {sessionName(p.get("role_session_name"))}}
		if v := p.get("external_id"); v != "" {
			form.Set("ExternalId", v)
		}
		form.Set("DurationSeconds", firstNonEmpty(p.get("duration_seconds"), "900"))
		return e.callSTS(ctx, region, form, source)
	})
}

// webIdentity assumes roleARN with the token in tokenFile (unsigned).
func (e awsEnv) webIdentity(tokenFile, roleARN, session, region string) (aws.CredentialsProvider, error) {
	if roleARN == "" {
		return nil, fmt.Errorf("web identity token file %s: no role ARN (AWS_ROLE_ARN or role_arn)", tokenFile)
	}
	return providerFunc(func(ctx context.Context) (aws.Credentials, error) {
		token, err := os.ReadFile(tokenFile)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("reading web identity token: %w", err)
		}
		form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "RoleArn": {roleARN},
			"RoleSessionName": {sessionName(session)}, "WebIdentityToken": {strings.TrimSpace(string(token))}}
		return e.callSTS(ctx, region, form, nil)
	}), nil
}

// sso gets role credentials from the SSO portal with the access token `aws
// sso login` cached; an expired token is not refreshed here.
func (e awsEnv) sso(files *sharedConfig, name string, p iniSection) (aws.CredentialsProvider, error) {
	startURL, ssoRegion, cacheKey := p.get("sso_start_url"), p.get("sso_region"), p.get("sso_start_url")
	if s := p.get("sso_session"); s != "" {
		sess := files.ssoSessions[s]
		if sess == nil {
			return nil, fmt.Errorf("profile %q: sso-session %q not found in the shared config file", name, s)
		}
		startURL, ssoRegion, cacheKey = sess.get("sso_start_url"), sess.get("sso_region"), s
	}
	account, role := p.get("sso_account_id"), p.get("sso_role_name")
	if startURL == "" || ssoRegion == "" || account == "" || role == "" {
		return nil, fmt.Errorf("profile %q: SSO needs sso_start_url, sso_region, sso_account_id and sso_role_name", name)
	}
	home := firstNonEmpty(e.getenv("HOME"))
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	sum := sha1.Sum([]byte(cacheKey))
	tokenPath := filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
	endpoint := firstNonEmpty(e.ssoEndpoint, "https://portal.sso."+ssoRegion+".amazonaws.com")
	return providerFunc(func(ctx context.Context) (aws.Credentials, error) {
		var tok struct {
			AccessToken string    `json:"accessToken"`
			ExpiresAt   time.Time `json:"expiresAt"`
		}
		b, err := os.ReadFile(tokenPath)
		if err == nil {
			err = json.Unmarshal(b, &tok)
		}
		if err != nil || tok.AccessToken == "" {
			return aws.Credentials{}, fmt.Errorf("profile %q: no cached SSO token (%v); run aws sso login", name, err)
		}
		if time.Now().After(tok.ExpiresAt) {
			return aws.Credentials{}, fmt.Errorf("profile %q: the cached SSO token expired at %s; run aws sso login", name, tok.ExpiresAt.Format(time.RFC3339))
		}
		q := url.Values{"account_id": {account}, "role_name": {role}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/federation/credentials?"+q.Encode(), nil)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("sso GetRoleCredentials: %w", err)
		}
		req.Header.Set("x-amz-sso_bearer_token", tok.AccessToken)
		resp, err := e.client.Do(req)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("sso GetRoleCredentials: %w", err)
		}
		defer resp.Body.Close()
		b, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("sso GetRoleCredentials: reading answer: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			return aws.Credentials{}, fmt.Errorf("sso GetRoleCredentials: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
		}
		var out struct {
			RoleCredentials struct {
				AccessKeyID     string `json:"accessKeyId"`
				SecretAccessKey string `json:"secretAccessKey"`
				SessionToken    string `json:"sessionToken"`
				Expiration      int64  `json:"expiration"`
			} `json:"roleCredentials"`
		}
		if err := json.Unmarshal(b, &out); err != nil || out.RoleCredentials.AccessKeyID == "" {
			return aws.Credentials{}, fmt.Errorf("sso GetRoleCredentials: answer holds no credentials (%v)", err)
		}
		rc := out.RoleCredentials
		return aws.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken,
			CanExpire: true, Expires: time.UnixMilli(rc.Expiration), Source: "SSOProvider"}, nil
	}), nil
}
