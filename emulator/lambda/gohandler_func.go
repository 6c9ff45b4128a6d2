//go:build !evolvestack_slim

package lambda

import awslambda "github.com/aws/aws-lambda-go/lambda"

// newFuncHandler wraps a handler function as aws-lambda-go does.
func newFuncHandler(handler any) (Handler, error) {
	return awslambda.NewHandler(handler), nil
}
