package emulator

import (
	"context"
	"fmt"

	"github.com/evolvestack/evolvestack/emulator/provision"
)

// Provision creates the resources the YAML provisioning file at path
// declares (see package provision): streams, queues, schema registries,
// Lambda functions, SNS topics with their subscriptions and EventBridge
// buses, rules with their targets and archives, in the default account and
// region and in the file's scopes. Resources that already exist with the declared settings are left
// alone, so provisioning twice is harmless. Errors name the file's line.
// Call it once the endpoint is known (after Start, or SetEndpoint).
func (e *Emulator) Provision(ctx context.Context, path string) (*provision.Report, error) {
	f, err := provision.Load(path)
	if err != nil {
		return nil, err
	}
	return e.ProvisionFile(ctx, f)
}

// ProvisionFile applies an already parsed provisioning file.
func (e *Emulator) ProvisionFile(ctx context.Context, f *provision.File) (*provision.Report, error) {
	rep, err := f.Apply(ctx, provision.Target{
		Services: e.Service,
		Default:  e.defaultScope(),
		Endpoint: e.Endpoint(),
		Logger:   e.log.With("component", "provision"),
		Faults:   e.faults,
	})
	if err != nil {
		return rep, fmt.Errorf("provisioning: %w", err)
	}
	return rep, nil
}
