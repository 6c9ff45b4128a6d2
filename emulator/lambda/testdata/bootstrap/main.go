// Command bootstrap is the aws-lambda-go handler the Lambda end-to-end
// tests deploy: what it does depends on the event's action.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action  string `json:"action"`
	Message string `json:"message,omitempty"`
	SleepMs int    `json:"sleepMs,omitempty"`
	Env     string `json:"env,omitempty"`
}

type result struct {
	Action    string `json:"action"`
	Message   string `json:"message,omitempty"`
	Function  string `json:"function"`
	RequestID string `json:"requestId"`
	Pid       int    `json:"pid"`
	Count     int64  `json:"count"`
	Env       string `json:"env,omitempty"`
	Arn       string `json:"arn,omitempty"`
}

func main() {
	if os.Getenv("BOOT_MODE") == "exit-on-init" {
		fmt.Println("init failing")
		os.Exit(2)
	}
	var count atomic.Int64
	lambda.Start(func(ctx context.Context, ev event) (*result, error) {
		n := count.Add(1)
		lc, _ := lambdacontext.FromContext(ctx)
		switch ev.Action {
		case "fail":
			return nil, errors.New(ev.Message)
		case "sleep":
			time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
		case "crash":
			fmt.Println("crashing")
			os.Exit(3)
		case "file":
			// The content of a file of the deployment package.
			b, err := os.ReadFile(filepath.Join(os.Getenv("LAMBDA_TASK_ROOT"), ev.Message))
			if err != nil {
				return nil, err
			}
			ev.Message = string(b)
		case "panic":
			panic(ev.Message)
		case "print":
			fmt.Println(ev.Message)
		case "client-context":
			if lc != nil {
				ev.Message = lc.ClientContext.Custom["greeting"] + "/" + lc.ClientContext.Client.AppTitle
			}
		}
		res := &result{Action: ev.Action, Message: ev.Message, Function: os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), Pid: os.Getpid(), Count: n}
		if lc != nil {
			res.RequestID = lc.AwsRequestID
			res.Arn = lc.InvokedFunctionArn
		}
		if ev.Env != "" {
			res.Env = os.Getenv(ev.Env)
		}
		return res, nil
	})
}
