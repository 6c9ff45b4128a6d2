package sigv4

import (
	"strings"
	"testing"
)

// TestSetCredentialMatchesSplit checks the allocation-free credential
// split against the strings.Split one it replaced.
func TestSetCredentialMatchesSplit(t *testing.T) {
	t.Parallel()
	for _, cred := range []string{
		"AKID/20240101/us-east-1/sqs/aws4_request", "AKID/20240101/us-east-1/sqs/aws4_request/",
		"AKID/20240101/us-east-1/sqs/aws4_request///", "a/b/c/d", "a/b/c/d/e/f", "a", "/", "//",
		"a//c/d/e", "/b/c/d/e", "a/b/c/d/", "a/b/c/d//e", "000000000000/20240101/eu-west-1/sns/aws4_request",
	} {
		var got parsed
		gotErr := got.setCredential(cred)
		parts := strings.Split(strings.TrimRight(cred, "/"), "/")
		want := Identity{AccessKey: parts[0]}
		if len(parts) == 5 {
			want.Date, want.Region, want.Service, want.Terminator = parts[1], parts[2], parts[3], parts[4]
		}
		if (gotErr == nil) != (len(parts) == 5) {
			t.Errorf("%q: error %v with %d parts", cred, gotErr, len(parts))
		}
		if got.id.AccessKey != want.AccessKey || got.id.Date != want.Date || got.id.Region != want.Region ||
			got.id.Service != want.Service || got.id.Terminator != want.Terminator {
			t.Errorf("%q: identity %+v, want %+v", cred, got.id, want)
		}
	}
}
