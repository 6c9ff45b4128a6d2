// Package sqs is evolvestack's Amazon SQS: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
package sqs

import (
	"context"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is Amazon SQS for one account and region.
type Service struct {
	env awsapi.Env
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service { return &Service{env: env} }

// ListQueues lists the queues of the scope.
func (s *Service) ListQueues(ctx context.Context, in *ListQueuesInput) (*ListQueuesOutput, error) {
	return &ListQueuesOutput{}, nil
}
