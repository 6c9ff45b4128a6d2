package lambda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// TestConcurrentInProcessInvocations checks that concurrent invocations of
// one in-process handler each get their own response (aws-lambda-go's
// handler wrapper reuses its response buffer).
func TestConcurrentInProcessInvocations(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	type msg struct {
		ID   int    `json:"id"`
		Text string `json:"text"`
	}
	if err := e.RegisterHandler("echo", func(ctx context.Context, in msg) (msg, error) {
		return msg{ID: in.ID, Text: fmt.Sprintf("reply-%04d", in.ID)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			payload, _ := json.Marshal(msg{ID: i})
			res, err := e.Lambda().InvokeSync(context.Background(), "echo", payload, lambda.TriggerAPI)
			if err != nil {
				errs <- err
				return
			}
			var got msg
			if err := json.Unmarshal(res.Payload, &got); err != nil || got.ID != i || got.Text != fmt.Sprintf("reply-%04d", i) {
				errs <- fmt.Errorf("invocation %d got %s (%v)", i, res.Payload, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
