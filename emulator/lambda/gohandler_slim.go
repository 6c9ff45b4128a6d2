//go:build evolvestack_slim

package lambda

import "errors"

// newFuncHandler: the slim build (the container image's binary) leaves out
// aws-lambda-go's reflection wrapper, since in-process Go handlers are only
// registered from Go tests. A value that implements Handler still works.
func newFuncHandler(any) (Handler, error) {
	return nil, errors.New("in-process handler functions are not in this build (evolvestack_slim); pass a value with Invoke(ctx, []byte) ([]byte, error)")
}
