// Package eventbridge is evolvestack's Amazon EventBridge: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
package eventbridge

import (
	"context"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is Amazon EventBridge for one account and region.
type Service struct {
	env awsapi.Env
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service { return &Service{env: env} }

// ListRules lists the rules of an event bus.
func (s *Service) ListRules(ctx context.Context, in *ListRulesInput) (*ListRulesOutput, error) {
	return &ListRulesOutput{Rules: []Rule{}}, nil
}
