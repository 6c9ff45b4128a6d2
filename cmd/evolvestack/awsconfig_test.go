//go:build !evolvestack_slim

package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAWS answers STS's AssumeRole and AssumeRoleWithWebIdentity, the SSO
// portal's GetRoleCredentials and a container credentials endpoint, and
// records what it was asked.
type fakeAWS struct {
	mu   sync.Mutex
	seen []string
}

func (f *fakeAWS) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, s)
}

func (f *fakeAWS) requests() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.seen, "\n")
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	exp := time.Now().Add(time.Hour).UTC()
	switch {
	case r.URL.Path == "/federation/credentials":
		f.record(fmt.Sprintf("sso %s token=%s", r.URL.RawQuery, r.Header.Get("x-amz-sso_bearer_token")))
		fmt.Fprintf(w, `{"roleCredentials":{"accessKeyId":"SSOKEY","secretAccessKey":"ssosecret","sessionToken":"ssotok","expiration":%d}}`, exp.UnixMilli())
	case r.URL.Path == "/container":
		f.record("container auth=" + r.Header.Get("Authorization"))
		fmt.Fprintf(w, `{"AccessKeyId":"CONTKEY","SecretAccessKey":"contsecret","Token":"conttok","Expiration":%q}`, exp.Format(time.RFC3339))
	default:
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		auth := r.Header.Get("Authorization")
		if i := strings.Index(auth, "Credential="); i >= 0 {
			auth = strings.SplitN(auth[i+len("Credential="):], "/", 2)[0]
		}
		f.record(fmt.Sprintf("sts %s role=%s session=%t token=%s signer=%s", form.Get("Action"), form.Get("RoleArn"),
			form.Get("RoleSessionName") != "", form.Get("WebIdentityToken"), auth))
		if form.Get("RoleArn") == "arn:aws:iam::123456789012:role/denied" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>`)
			return
		}
		a := form.Get("Action")
		fmt.Fprintf(w, `<%sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%sResult><Credentials><AccessKeyId>ROLEKEY</AccessKeyId><SecretAccessKey>rolesecret</SecretAccessKey><SessionToken>roletok</SessionToken><Expiration>%s</Expiration></Credentials></%sResult></%sResponse>`,
			a, a, exp.Format(time.RFC3339), a, a)
	}
}

func TestLoadAWSConfig(t *testing.T) {
	t.Parallel()
	fake := &fakeAWS{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	tests := []struct {
		name       string
		env        map[string]string
		config     string // ~/.aws/config
		creds      string // ~/.aws/credentials
		ssoToken   map[string]string
		region     string // the --region flag
		wantRegion string
		wantKey    string
		wantToken  string
		// wantCalls are lines expected in what the fake was asked.
		wantCalls []string
		wantErr   string
	}{
		{name: "environment keys", env: map[string]string{"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t", "AWS_REGION": "eu-west-1"},
			creds: "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n", wantRegion: "eu-west-1", wantKey: "ENVKEY", wantToken: "t"},
		{name: "legacy environment names", env: map[string]string{"AWS_ACCESS_KEY": "OLDKEY", "AWS_SECRET_KEY": "s", "AWS_DEFAULT_REGION": "ap-south-1"},
			wantRegion: "ap-south-1", wantKey: "OLDKEY"},
		{name: "default profile in the credentials file, region from the config file",
			config: "[default]\nregion = us-west-2 # comment\naws_access_key_id = CONFIGKEY\naws_secret_access_key = s\n",
			creds:  "# keys\n[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = s\n", wantRegion: "us-west-2", wantKey: "FILEKEY"},
		{name: "named profile wins over environment keys", env: map[string]string{"AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "s"},
			config: "[profile dev]\nregion = eu-central-1\ns3 =\n  max_concurrent_requests = 4\n[profile other]\nregion = us-east-2\n",
			creds:  "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = s\n", region: "ca-central-1", wantRegion: "ca-central-1", wantKey: "DEVKEY"},
		{name: "AWS_DEFAULT_PROFILE", env: map[string]string{"AWS_DEFAULT_PROFILE": "dev"},
			creds: "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = s\n", wantKey: "DEVKEY"},
		{name: "unknown profile", env: map[string]string{"AWS_PROFILE": "nope"}, wantErr: "failed to get shared config profile, nope"},
		{name: "assume role from a source profile", env: map[string]string{"AWS_PROFILE": "admin"},
			config: "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\nregion = eu-west-2\n",
			creds:  "[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = s\n", wantRegion: "eu-west-2", wantKey: "ROLEKEY", wantToken: "roletok",
			wantCalls: []string{"sts AssumeRole role=arn:aws:iam::123456789012:role/admin session=true token= signer=BASEKEY"}},
		{name: "credential_source Environment without keys", env: map[string]string{"AWS_PROFILE": "x"},
			config:  "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/denied\ncredential_source = Environment\n",
			wantErr: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"},
		{name: "role refused by STS", env: map[string]string{"AWS_PROFILE": "x", "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "s"},
			config:    "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/denied\ncredential_source = Environment\n",
			wantErr:   "AccessDenied: not allowed",
			wantCalls: []string{"sts AssumeRole role=arn:aws:iam::123456789012:role/denied session=true token= signer=ENVKEY"}},
		{name: "source_profile loop", env: map[string]string{"AWS_PROFILE": "a"},
			config: "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n", wantErr: "loop"},
		{name: "MFA roles are refused", env: map[string]string{"AWS_PROFILE": "m"},
			config: "[profile m]\nrole_arn = arn:aws:iam::123456789012:role/m\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n",
			creds:  "[base]\naws_access_key_id = BASEKEY\naws_secret_access_key = s\n", wantErr: "MFA"},
		{name: "web identity from the environment", env: map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "{dir}/token", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/web"},
			wantKey: "ROLEKEY", wantToken: "roletok", wantCalls: []string{"sts AssumeRoleWithWebIdentity role=arn:aws:iam::123456789012:role/web session=true token=jwt-token signer="}},
		{name: "web identity without a role", env: map[string]string{"AWS_WEB_IDENTITY_TOKEN_FILE": "{dir}/token"}, wantErr: "no role ARN"},
		{name: "credential_process", env: map[string]string{"AWS_PROFILE": "p"},
			config:  "[profile p]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"PROCKEY\", \"SecretAccessKey\": \"s\"}'\n",
			wantKey: "PROCKEY"},
		{name: "SSO session with a cached token", env: map[string]string{"AWS_PROFILE": "sso"},
			config:   "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
			ssoToken: map[string]string{"corp": `{"accessToken": "bearer-1", "expiresAt": "2999-01-01T00:00:00Z"}`},
			wantKey:  "SSOKEY", wantToken: "ssotok", wantCalls: []string{"sso account_id=123456789012&role_name=Dev token=bearer-1"}},
		{name: "legacy SSO profile", env: map[string]string{"AWS_PROFILE": "sso"},
			config:   "[profile sso]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Ops\n",
			ssoToken: map[string]string{"https://corp.awsapps.com/start": `{"accessToken": "bearer-2", "expiresAt": "2999-01-01T00:00:00Z"}`},
			wantKey:  "SSOKEY", wantToken: "ssotok", wantCalls: []string{"sso account_id=123456789012&role_name=Ops token=bearer-2"}},
		{name: "expired SSO token", env: map[string]string{"AWS_PROFILE": "sso"},
			config:   "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
			ssoToken: map[string]string{"corp": `{"accessToken": "old", "expiresAt": "2001-01-01T00:00:00Z"}`}, wantErr: "run aws sso login"},
		{name: "SSO without a login", env: map[string]string{"AWS_PROFILE": "sso"},
			config:  "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
			wantErr: "no cached SSO token"},
		{name: "container credentials endpoint", env: map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "{srv}/container", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ctok"},
			wantKey: "CONTKEY", wantToken: "conttok", wantCalls: []string{"container auth=ctok"}},
		{name: "bad credential_source", env: map[string]string{"AWS_PROFILE": "x"},
			config: "[profile x]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Nowhere\n", wantErr: "want Environment, Ec2InstanceMetadata or EcsContainer"},
		{name: "login_session is refused", env: map[string]string{"AWS_PROFILE": "l"},
			config: "[profile l]\nlogin_session = arn:aws:iam::123456789012:user/me\n", wantErr: "export-credentials"},
		{name: "malformed section header", config: "[profile broken\n", wantErr: "malformed section header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "token"), []byte("jwt-token\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			for file, body := range map[string]string{"config": tc.config, "credentials": tc.creds} {
				if err := os.MkdirAll(filepath.Join(dir, ".aws"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, ".aws", file), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for key, tok := range tc.ssoToken {
				sum := sha1.Sum([]byte(key))
				p := filepath.Join(dir, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(tok), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			vars := map[string]string{"HOME": dir}
			for k, v := range tc.env {
				vars[k] = strings.NewReplacer("{dir}", dir, "{srv}", srv.URL).Replace(v)
			}
			env := awsEnv{getenv: func(k string) string { return vars[k] }, stsEndpoint: srv.URL, ssoEndpoint: srv.URL}
			cfg, err := loadAWSConfig(context.Background(), env, tc.region, "")
			if err == nil {
				if cfg.Region != tc.wantRegion {
					t.Errorf("region %q, want %q", cfg.Region, tc.wantRegion)
				}
				var creds struct{ key, token string }
				c, rerr := cfg.Credentials.Retrieve(context.Background())
				creds.key, creds.token, err = c.AccessKeyID, c.SessionToken, rerr
				if err == nil && (creds.key != tc.wantKey || creds.token != tc.wantToken) {
					t.Errorf("credentials %q/%q, want %q/%q", creds.key, creds.token, tc.wantKey, tc.wantToken)
				}
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
			for _, call := range tc.wantCalls {
				if !strings.Contains(fake.requests(), call) {
					t.Errorf("no call %q among:\n%s", call, fake.requests())
				}
			}
		})
	}
}

func TestLoadAWSConfigEndpointAndDefaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "HOME" {
			return dir
		}
		return ""
	}
	cfg, err := loadAWSConfig(context.Background(), awsEnv{getenv: getenv}, "", "http://127.0.0.1:4566")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != "http://127.0.0.1:4566" || cfg.Region != "" || cfg.Credentials == nil {
		t.Errorf("config %+v", cfg)
	}
	if profileConfigured := defaultProfileHasKeys(getenv); profileConfigured {
		t.Error("an empty home has a default profile with keys")
	}
	if err := os.MkdirAll(filepath.Join(dir, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".aws", "credentials"), []byte("[default]\naws_access_key_id=K\naws_secret_access_key=S\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !defaultProfileHasKeys(getenv) {
		t.Error("the default profile's keys are not seen")
	}
	if got := (awsEnv{}).stsEndpointFor("cn-north-1"); got != "https://sts.cn-north-1.amazonaws.com.cn" {
		t.Errorf("STS endpoint in cn-north-1: %s", got)
	}
}
