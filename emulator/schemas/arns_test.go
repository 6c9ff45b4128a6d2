package schemas

import (
	"context"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// TestARNPartition: registry and schema ARNs carry the region's partition,
// and tagging finds resources by them.
func TestARNPartition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ region, want string }{
		{"us-east-1", "arn:aws:schemas:us-east-1:000000000000:registry/r"},
		{"cn-north-1", "arn:aws-cn:schemas:cn-north-1:000000000000:registry/r"},
		{"us-gov-west-1", "arn:aws-us-gov:schemas:us-gov-west-1:000000000000:registry/r"},
	} {
		s := New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: tc.region}})
		ctx := context.Background()
		out, err := s.CreateRegistry(ctx, &CreateRegistryInput{RegistryName: ptr("r")})
		if err != nil {
			t.Fatal(err)
		}
		if got := deref(out.RegistryArn); got != tc.want {
			t.Errorf("%s: registry ARN %s, want %s", tc.region, got, tc.want)
		}
		if _, err := s.TagResource(ctx, &TagResourceInput{ResourceArn: out.RegistryArn, Tags: map[string]string{"k": "v"}}); err != nil {
			t.Errorf("%s: TagResource: %v", tc.region, err)
		}
	}
}
