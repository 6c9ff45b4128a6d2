package emulator

import (
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/lambda/esm"
)

// Lambda's state is the service's rows (functions, versions, packages,
// pending asynchronous events, event source mappings) and its pollers'
// (Kinesis checkpoints): esm.State routes them by key.
var _ awsapi.Persistent = (*lambdaService)(nil)

// state is the service with its pollers as one awsapi.Persistent.
func (l *lambdaService) state() esm.State { return esm.State{Service: l.Service, Pollers: l.pollers} }

// DumpState emits the rows of the service and of its pollers.
func (l *lambdaService) DumpState(emit func(key string, value []byte)) error {
	return l.state().DumpState(emit)
}

// RestoreState takes one row of the service or of its pollers.
func (l *lambdaService) RestoreState(key string, value []byte) error {
	return l.state().RestoreState(key, value)
}

// RestoreDone builds the restored functions and mappings, then starts the
// pollers at their checkpoints. Functions bound to in-process Go handlers
// come back without their handler: register it again after the restart.
func (l *lambdaService) RestoreDone() error { return l.state().RestoreDone() }
