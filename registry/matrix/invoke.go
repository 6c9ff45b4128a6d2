package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// InvokeOutput is the answer of a synchronous Lambda invocation.
type InvokeOutput struct {
	Payload []byte
	// FunctionError is the X-Amz-Function-Error answer ("Unhandled",
	// "Handled"); empty when the function succeeded.
	FunctionError string
}

// Invoker invokes a Lambda function synchronously (RequestResponse).
// *LambdaClient is one; an SDK client adapts in a few lines.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) (*InvokeOutput, error)
}

// Invoke is the handler that passes each batch to function as a Kinesis
// event (KinesisEvent) through Invoke: a function error fails the batch
// (errorType Sandbox.Timedout is a timeout), the records in the answer's
// batchItemFailures fail alone.
func Invoke(inv Invoker, function string) Handler {
	return HandlerFunc(func(ctx context.Context, batch []Record) Result {
		payload, err := json.Marshal(KinesisEvent(batch))
		if err != nil {
			return Result{Err: fmt.Errorf("encoding the event: %w", err)}
		}
		out, err := inv.Invoke(ctx, function, payload)
		if err != nil {
			return Result{Err: fmt.Errorf("invoking %s: %w", function, err)}
		}
		return invokeResult(out)
	})
}

// functionErrorDoc is the payload of a failed invocation.
type functionErrorDoc struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

// invokeResult reads an invocation's answer.
func invokeResult(out *InvokeOutput) Result {
	if out.FunctionError != "" {
		var doc functionErrorDoc
		_ = json.Unmarshal(out.Payload, &doc)
		msg := doc.ErrorMessage
		if doc.ErrorType != "" {
			msg = doc.ErrorType + ": " + msg
		}
		if msg == "" {
			msg = string(out.Payload)
		}
		err := fmt.Errorf("function error (%s): %s", out.FunctionError, msg)
		timeout := doc.ErrorType == "Sandbox.Timedout" || strings.Contains(doc.ErrorMessage, "Task timed out")
		return Result{Err: err, Timeout: timeout}
	}
	return Result{Failed: batchItemFailures(out.Payload)}
}

// batchItemFailures reads the partial batch response, if the payload is
// one.
func batchItemFailures(payload []byte) []string {
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if json.Unmarshal(payload, &resp) != nil {
		return nil
	}
	var out []string
	for _, f := range resp.BatchItemFailures {
		out = append(out, f.ItemIdentifier)
	}
	return out
}
