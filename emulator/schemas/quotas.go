package schemas

import "github.com/evolvestack/evolvestack/emulator/awsapi"

// Quotas. AWS's defaults (the Schemas quotas in the EventBridge user
// guide: 10 registries, 100 schemas per registry, 200 discovered schemas,
// 100 versions per schema, 10 discoverers, each per account and region)
// are all raised on request, so the emulator applies generous ones unless
// env.Limits asks for others: MaxResourcesPerAccount caps registries,
// schemas per registry and discoverers, SchemaVersionsPerSchema the
// versions of one schema. The 100,000-character content size is a hard
// limit (the model's constraint, and putDiscovered's check).
const (
	defaultRegistryQuota   = 1000
	defaultSchemaQuota     = 10000
	defaultVersionQuota    = 10000
	defaultDiscovererQuota = 1000
	// maxContentLength is the longest schema content, in characters.
	maxContentLength = 100000
)

func softLimit(configured, def int) int {
	if configured > 0 {
		return configured
	}
	return def
}

func (s *Service) registryQuota() int {
	return softLimit(s.env.Limits.MaxResourcesPerAccount, defaultRegistryQuota)
}

func (s *Service) schemaQuota() int {
	return softLimit(s.env.Limits.MaxResourcesPerAccount, defaultSchemaQuota)
}

func (s *Service) versionQuota() int {
	return softLimit(s.env.Limits.SchemaVersionsPerSchema, defaultVersionQuota)
}

func (s *Service) discovererQuota() int {
	return softLimit(s.env.Limits.MaxResourcesPerAccount, defaultDiscovererQuota)
}

// errQuota is the error of a full quota.
// unverified: the Schemas model has no LimitExceededException; AWS's code
// and wording for a full quota are not recorded anywhere found.
func errQuota(what string, n int) *awsapi.Error {
	return errBadRequest("The maximum number of %s (%d) has been reached.", what, n)
}
