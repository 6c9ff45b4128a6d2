// Command kinesisconsumer is the aws-lambda-go handler the event source
// mapping test deploys as a real bootstrap: it logs each record's data
// and fails a batch holding a record whose data is "fail".
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, ev events.KinesisEvent) (events.KinesisEventResponse, error) {
		var resp events.KinesisEventResponse
		for _, r := range ev.Records {
			data := string(r.Kinesis.Data)
			if data == "fail" {
				return resp, errors.New("record refused")
			}
			if data == "partial" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.KinesisBatchItemFailure{ItemIdentifier: r.Kinesis.SequenceNumber})
				continue
			}
			fmt.Printf("consumed %s from %s\n", data, r.EventID)
		}
		return resp, nil
	})
}
