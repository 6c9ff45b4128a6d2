package emulator

import (
	"fmt"

	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// RegisterHandler binds an in-process Go handler to a Lambda function of
// the default account and region: any signature aws-lambda-go's
// lambda.NewHandler accepts (func(ctx, Event) (Out, error) and the like),
// or a lambda.Handler. Invocations — Invoke through an SDK, asynchronous
// events with their retries, event source mappings — then call it with
// the same payloads, error documents, timeouts and records as a deployed
// bootstrap. A missing function is created (runtime provided.al2023, 3 s
// timeout); an existing one keeps its configuration. Its published versions
// and aliases run the same handler (an in-process handler has no code to
// snapshot; a version keeps its own configuration).
func (e *Emulator) RegisterHandler(functionName string, handler any) error {
	if err := e.Lambda().RegisterHandler(functionName, handler); err != nil {
		return fmt.Errorf("evolvestack: %w", err)
	}
	return nil
}

// LambdaInvocations returns the recorded invocations of a function of the
// default account and region, oldest first.
func (e *Emulator) LambdaInvocations(functionName string) ([]lambda.InvocationRecord, error) {
	recs, err := e.Lambda().Invocations(functionName)
	if err != nil {
		return nil, fmt.Errorf("evolvestack: %w", err)
	}
	return recs, nil
}
