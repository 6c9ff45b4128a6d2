package schemas

import (
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// TestQuotaDefaults: without configured limits the quotas are generous
// (well past AWS's raisable defaults); configured ones take over.
func TestQuotaDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                                       string
		limits                                     awsapi.Limits
		registries, schemas, versions, discoverers int
	}{
		{"defaults", awsapi.Limits{}, 1000, 10000, 10000, 1000},
		{"configured", awsapi.Limits{MaxResourcesPerAccount: 3, SchemaVersionsPerSchema: 4}, 3, 3, 4, 3},
	} {
		s := New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Limits: tc.limits})
		if got := []int{s.registryQuota(), s.schemaQuota(), s.versionQuota(), s.discovererQuota()}; got[0] != tc.registries ||
			got[1] != tc.schemas || got[2] != tc.versions || got[3] != tc.discoverers {
			t.Errorf("%s: quotas %v", tc.name, got)
		}
	}
}

// TestDiscoveryQuotas: discovery stops writing at the quotas of the
// discovered-schemas registry and at the hard content size.
func TestDiscoveryQuotas(t *testing.T) {
	t.Parallel()
	c := clock.New(clock.WithScale(0))
	t.Cleanup(func() { _ = c.Close() })
	s := New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: c,
		Limits: awsapi.Limits{MaxResourcesPerAccount: 1, SchemaVersionsPerSchema: 1}})
	doc := func(field string) string {
		return `{"openapi":"3.0.0","info":{"title":"E","version":"1"},"paths":{},"components":{"schemas":{"E":{"type":"object","properties":{"` + field + `":{"type":"string"}}}}}}`
	}
	for _, tc := range []struct {
		name, schema, content string
		wantErr               bool
	}{
		{"first schema", "a@A", doc("x"), false},
		{"same content", "a@A", doc("x"), false},
		{"second version past the quota", "a@A", doc("y"), true},
		{"second schema past the quota", "b@B", doc("x"), true},
		{"content past the hard limit", "a@A", doc(strings.Repeat("z", maxContentLength)), true},
	} {
		_, _, err := s.putDiscovered(discoveredRegistryName, tc.schema, tc.content, string(TypeOpenApi3))
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: %v, want error %v", tc.name, err, tc.wantErr)
		}
		if err != nil && code(err) != ErrCodeBadRequestException {
			t.Errorf("%s: %v, want BadRequestException", tc.name, err)
		}
	}
}
