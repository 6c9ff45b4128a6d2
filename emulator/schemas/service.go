// Package schemas is evolvestack's EventBridge Schemas: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
package schemas

import (
	"context"
	"sync"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is EventBridge Schemas for one account and region.
type Service struct {
	env awsapi.Env

	mu         sync.Mutex
	registries map[string]*registry
	// accountPolicy is the resource policy put without a registry name.
	accountPolicy *resourcePolicy

	extMu sync.Mutex
	ext   map[string]any
}

// New returns the service for env's scope, with the built-in aws.events
// registry and the discovered-schemas registry in place.
func New(env awsapi.Env) *Service {
	s := &Service{env: env, registries: map[string]*registry{}, ext: map[string]any{}}
	now := s.now()
	s.registries[awsEventsRegistry] = newAWSEventsRegistry(now)
	s.registries[discoveredRegistry] = &registry{name: discoveredRegistry, tags: map[string]string{}, schemas: map[string]*schema{}}
	if !env.Restoring {
		s.saveRegistryLocked(s.registries[discoveredRegistry])
	}
	return s
}

// extension returns the per-service state stored under key, creating it
// with mk on first use. Files that add state to the service without
// changing Service (discovery, code bindings) keep it here.
func (s *Service) extension(key string, mk func() any) any {
	s.extMu.Lock()
	defer s.extMu.Unlock()
	v, ok := s.ext[key]
	if !ok {
		v = mk()
		s.ext[key] = v
	}
	return v
}

// discovererLister is implemented by the discovery code when it is present.
type discovererLister interface {
	listDiscoverers(ctx context.Context, in *ListDiscoverersInput) (*ListDiscoverersOutput, error)
}

// ListDiscoverers lists the schema discoverers of the scope.
func (s *Service) ListDiscoverers(ctx context.Context, in *ListDiscoverersInput) (*ListDiscoverersOutput, error) {
	if l, ok := any(s).(discovererLister); ok {
		return l.listDiscoverers(ctx, in)
	}
	return &ListDiscoverersOutput{Discoverers: []DiscovererSummary{}}, nil
}
