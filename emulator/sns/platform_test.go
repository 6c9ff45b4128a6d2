package sns_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdksns "github.com/aws/aws-sdk-go-v2/service/sns"
)

func TestPlatformApplications(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	cases := []struct {
		name, platform string
		attrs          map[string]string
		wantErr        string
	}{
		{"android", "GCM", map[string]string{"PlatformCredential": "api-key"}, ""},
		{"ios", "APNS", map[string]string{"PlatformCredential": "key", "PlatformPrincipal": "cert"}, ""},
		{"kindle", "ADM", map[string]string{"PlatformCredential": "secret", "PlatformPrincipal": "client"}, ""},
		{"ios2", "APNS_SANDBOX", map[string]string{"PlatformCredential": "key"},
			"Invalid parameter: Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal"},
		{"ios3", "APNS", map[string]string{"PlatformPrincipal": "cert"},
			"Invalid parameter: Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential"},
		{"nocreds", "GCM", map[string]string{"EventEndpointCreated": "arn:aws:sns:us-east-1:000000000000:t"},
			"Invalid parameter: Attributes Reason: PlatformCredential attribute is required"},
		{"pager", "PAGER", map[string]string{"PlatformCredential": "x"}, "Invalid parameter: Platform Reason: PAGER is not supported"},
		{"bad name!", "GCM", map[string]string{"PlatformCredential": "x"},
			"Invalid parameter: bad name! Reason: must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'"},
		{strings.Repeat("n", 257), "GCM", map[string]string{"PlatformCredential": "x"},
			"Invalid parameter: " + strings.Repeat("n", 257) + " Reason: must be at most 256 characters long"},
		{"odd", "GCM", map[string]string{"PlatformCredential": "x", "Colour": "red"}, "Invalid parameter: Attributes Reason: Invalid attribute name: Colour"},
	}
	arns := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.platform+"/"+tc.name[:min(len(tc.name), 10)], func(t *testing.T) {
			out, err := c.CreatePlatformApplication(ctx, &sdksns.CreatePlatformApplicationInput{Name: aws.String(tc.name),
				Platform: aws.String(tc.platform), Attributes: tc.attrs})
			if tc.wantErr != "" {
				cpErr(t, err, "InvalidParameter", tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("CreatePlatformApplication: %v", err)
			}
			if want := "arn:aws:sns:us-east-1:000000000000:app/" + tc.platform + "/" + tc.name; *out.PlatformApplicationArn != want {
				t.Fatalf("ARN = %s, want %s", *out.PlatformApplicationArn, want)
			}
			arns[tc.name] = *out.PlatformApplicationArn
		})
	}
	android := arns["android"]
	got := cpMust[*sdksns.GetPlatformApplicationAttributesOutput](t)(c.GetPlatformApplicationAttributes(ctx,
		&sdksns.GetPlatformApplicationAttributesInput{PlatformApplicationArn: aws.String(android)}))
	if got.Attributes["Enabled"] != "true" || got.Attributes["PlatformCredential"] != "" {
		t.Fatalf("attributes = %v (credentials must not be returned)", got.Attributes)
	}
	cpMust[*sdksns.SetPlatformApplicationAttributesOutput](t)(c.SetPlatformApplicationAttributes(ctx, &sdksns.SetPlatformApplicationAttributesInput{
		PlatformApplicationArn: aws.String(android), Attributes: map[string]string{"EventEndpointCreated": "arn:aws:sns:us-east-1:000000000000:ev"}}))
	got = cpMust[*sdksns.GetPlatformApplicationAttributesOutput](t)(c.GetPlatformApplicationAttributes(ctx,
		&sdksns.GetPlatformApplicationAttributesInput{PlatformApplicationArn: aws.String(android)}))
	if got.Attributes["EventEndpointCreated"] != "arn:aws:sns:us-east-1:000000000000:ev" {
		t.Fatalf("after set: %v", got.Attributes)
	}
	_, err := c.SetPlatformApplicationAttributes(ctx, &sdksns.SetPlatformApplicationAttributesInput{
		PlatformApplicationArn: aws.String(android), Attributes: map[string]string{"Nope": "x"}})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: Invalid attribute name: Nope")
	list := cpMust[*sdksns.ListPlatformApplicationsOutput](t)(c.ListPlatformApplications(ctx, &sdksns.ListPlatformApplicationsInput{}))
	if len(list.PlatformApplications) != 3 || *list.PlatformApplications[0].PlatformApplicationArn != android {
		t.Fatalf("list = %+v", list.PlatformApplications)
	}
	for range 2 {
		cpMust[*sdksns.DeletePlatformApplicationOutput](t)(c.DeletePlatformApplication(ctx, &sdksns.DeletePlatformApplicationInput{PlatformApplicationArn: aws.String(android)}))
	}
	_, err = c.GetPlatformApplicationAttributes(ctx, &sdksns.GetPlatformApplicationAttributesInput{PlatformApplicationArn: aws.String(android)})
	cpErr(t, err, "NotFound", "PlatformApplication does not exist")
	_, err = c.GetPlatformApplicationAttributes(ctx, &sdksns.GetPlatformApplicationAttributesInput{PlatformApplicationArn: aws.String("app")})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: PlatformApplicationArn Reason: An ARN must have at least 6 elements, not 1")
}

func TestPlatformEndpoints(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	app := *cpMust[*sdksns.CreatePlatformApplicationOutput](t)(c.CreatePlatformApplication(ctx, &sdksns.CreatePlatformApplicationInput{
		Name: aws.String("android"), Platform: aws.String("GCM"), Attributes: map[string]string{"PlatformCredential": "k"}})).PlatformApplicationArn
	create := func(token string, user *string, attrs map[string]string) (*sdksns.CreatePlatformEndpointOutput, error) {
		return c.CreatePlatformEndpoint(ctx, &sdksns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(app),
			Token: aws.String(token), CustomUserData: user, Attributes: attrs})
	}
	first := cpMust[*sdksns.CreatePlatformEndpointOutput](t)(create("tok-1", aws.String("alice"), nil))
	if !hasPrefix(*first.EndpointArn, "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/android/") {
		t.Fatalf("EndpointArn = %s", *first.EndpointArn)
	}
	cases := []struct {
		desc    string
		token   string
		user    *string
		attrs   map[string]string
		same    bool
		wantErr string
	}{
		{"same token and data", "tok-1", aws.String("alice"), nil, true, ""},
		{"same token, data in attributes", "tok-1", nil, map[string]string{"CustomUserData": "alice"}, true, ""},
		{"same token, other data", "tok-1", aws.String("bob"), nil, false,
			"Invalid parameter: Token Reason: Endpoint " + *first.EndpointArn + " already exists with the same Token, but different attributes."},
		{"other token", "tok-2", nil, nil, false, ""},
		{"bad attribute", "tok-3", nil, map[string]string{"Colour": "red"}, false, "Invalid parameter: Attributes Reason: Invalid attribute name: Colour"},
		{"huge user data", "tok-4", aws.String(strings.Repeat("u", 2049)), nil, false,
			"Invalid parameter: Attributes Reason: Invalid value for attribute: CustomUserData: must be at most 2048 bytes long in UTF-8 encoding"},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			out, err := create(tc.token, tc.user, tc.attrs)
			if tc.wantErr != "" {
				cpErr(t, err, "InvalidParameter", tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("CreatePlatformEndpoint: %v", err)
			}
			if (*out.EndpointArn == *first.EndpointArn) != tc.same {
				t.Fatalf("EndpointArn = %s (first %s), same want %v", *out.EndpointArn, *first.EndpointArn, tc.same)
			}
		})
	}
	attrs := cpMust[*sdksns.GetEndpointAttributesOutput](t)(c.GetEndpointAttributes(ctx, &sdksns.GetEndpointAttributesInput{EndpointArn: first.EndpointArn}))
	if attrs.Attributes["Enabled"] != "true" || attrs.Attributes["Token"] != "tok-1" || attrs.Attributes["CustomUserData"] != "alice" {
		t.Fatalf("endpoint attributes = %v", attrs.Attributes)
	}
	cpMust[*sdksns.SetEndpointAttributesOutput](t)(c.SetEndpointAttributes(ctx, &sdksns.SetEndpointAttributesInput{EndpointArn: first.EndpointArn,
		Attributes: map[string]string{"Enabled": "false", "Token": "tok-9"}}))
	attrs = cpMust[*sdksns.GetEndpointAttributesOutput](t)(c.GetEndpointAttributes(ctx, &sdksns.GetEndpointAttributesInput{EndpointArn: first.EndpointArn}))
	if attrs.Attributes["Enabled"] != "false" || attrs.Attributes["Token"] != "tok-9" {
		t.Fatalf("after set: %v", attrs.Attributes)
	}
	_, err := c.SetEndpointAttributes(ctx, &sdksns.SetEndpointAttributesInput{EndpointArn: first.EndpointArn,
		Attributes: map[string]string{"CustomUserData": strings.Repeat("u", 2049)}})
	cpErr(t, err, "InvalidParameter", "Invalid parameter: Attributes Reason: Invalid value for attribute: CustomUserData: must be at most 2048 bytes long in UTF-8 encoding")
	list := cpMust[*sdksns.ListEndpointsByPlatformApplicationOutput](t)(c.ListEndpointsByPlatformApplication(ctx,
		&sdksns.ListEndpointsByPlatformApplicationInput{PlatformApplicationArn: aws.String(app)}))
	if len(list.Endpoints) != 2 || *list.Endpoints[0].EndpointArn != *first.EndpointArn {
		t.Fatalf("endpoints = %+v", list.Endpoints)
	}
	for range 2 {
		cpMust[*sdksns.DeleteEndpointOutput](t)(c.DeleteEndpoint(ctx, &sdksns.DeleteEndpointInput{EndpointArn: first.EndpointArn}))
	}
	_, err = c.GetEndpointAttributes(ctx, &sdksns.GetEndpointAttributesInput{EndpointArn: first.EndpointArn})
	cpErr(t, err, "NotFound", "Endpoint does not exist")
	_, err = c.CreatePlatformEndpoint(ctx, &sdksns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(app + "x"), Token: aws.String("t")})
	cpErr(t, err, "NotFound", "PlatformApplication does not exist")
	// Deleting the application deletes its endpoints.
	rest := *list.Endpoints[1].EndpointArn
	cpMust[*sdksns.DeletePlatformApplicationOutput](t)(c.DeletePlatformApplication(ctx, &sdksns.DeletePlatformApplicationInput{PlatformApplicationArn: aws.String(app)}))
	_, err = c.GetEndpointAttributes(ctx, &sdksns.GetEndpointAttributesInput{EndpointArn: aws.String(rest)})
	cpErr(t, err, "NotFound", "Endpoint does not exist")
}
