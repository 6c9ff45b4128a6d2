// Package sns is evolvestack's Amazon SNS: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
package sns

import (
	"context"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is Amazon SNS for one account and region.
type Service struct {
	env awsapi.Env
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service { return &Service{env: env} }

// ListTopics lists the topics of the scope.
func (s *Service) ListTopics(ctx context.Context, in *ListTopicsInput) (*ListTopicsOutput, error) {
	return &ListTopicsOutput{}, nil
}
