// Package lambda is evolvestack's AWS Lambda: typed operations over in-memory
// state for one account and region. The zz_*.go files are generated from the
// AWS API model by cmd/apigen.
package lambda

import (
	"context"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Service is AWS Lambda for one account and region.
type Service struct {
	env awsapi.Env
}

// New returns the service for env's scope.
func New(env awsapi.Env) *Service { return &Service{env: env} }

// ListFunctions lists the functions of the scope.
func (s *Service) ListFunctions(ctx context.Context, in *ListFunctionsInput) (*ListFunctionsOutput, error) {
	return &ListFunctionsOutput{Functions: []FunctionConfiguration{}}, nil
}
