// Package schemas is evolvestack's EventBridge Schemas: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
package schemas

import (
	"context"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is EventBridge Schemas for one account and region.
type Service struct {
	env awsapi.Env
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service { return &Service{env: env} }

// ListDiscoverers lists the schema discoverers of the scope.
func (s *Service) ListDiscoverers(ctx context.Context, in *ListDiscoverersInput) (*ListDiscoverersOutput, error) {
	return &ListDiscoverersOutput{Discoverers: []DiscovererSummary{}}, nil
}
