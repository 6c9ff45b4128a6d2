package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// faultRule is the part of an evolvestack fault rule (POST
// /_evolvestack/faults) the demo uses.
type faultRule struct {
	ID        string       `json:"id,omitempty"`
	Service   string       `json:"service"`
	Operation string       `json:"operation,omitempty"`
	Resource  string       `json:"resource,omitempty"`
	Error     string       `json:"error,omitempty"`
	Entries   *faultSelect `json:"entries,omitempty"`
	Count     int          `json:"count,omitempty"`
}

type faultSelect struct {
	Indexes []int `json:"indexes"`
}

// faultLog is GET /_evolvestack/faults/log.
type faultLog struct {
	Fired []struct {
		Rule, Service, Operation, Fault string
	} `json:"fired"`
}

// step10 makes the producer's writes fail on purpose, the same way every
// run, and shows the retries that ride it out.
func (d *demo) step10(ctx context.Context) error {
	stream := "orders-faults" + d.suffix
	if _, err := d.createStream(ctx, stream); err != nil {
		return err
	}
	defer func() { _ = d.st.admin(context.WithoutCancel(ctx), "DELETE", "faults", nil, nil) }()

	coupon := "FAULTS"
	var recs []produced
	for _, o := range []orderWithCoupon{{"o-9001", "ada", 100, &coupon}, {"o-9002", "ken", 200, nil}, {"o-9003", "grace", 300, nil}} {
		b, err := d.orderSerializer.Serialize(ctx, d.ordersStream, orderV2, o)
		if err != nil {
			return fmt.Errorf("serializing %s: %w", o.OrderID, err)
		}
		recs = append(recs, produced{label: o.OrderID, data: b, writer: "Order v2"})
	}

	partial := faultRule{Service: "kinesis", Operation: "PutRecords", Resource: stream, Entries: &faultSelect{Indexes: []int{1}}, Count: 1}
	d.n.do("injecting a fault: the next PutRecords on %q fails its second record (POST /_evolvestack/faults %s)", stream, `{"entries":{"indexes":[1]},"count":1}`)
	if err := d.st.admin(ctx, "POST", "faults", partial, &partial); err != nil {
		return err
	}
	entries := make([]kinesistypes.PutRecordsRequestEntry, len(recs))
	for i, r := range recs {
		entries[i] = kinesistypes.PutRecordsRequestEntry{Data: r.data, PartitionKey: aws.String(r.label)}
	}
	out, err := d.st.kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries})
	if err != nil {
		return fmt.Errorf("writing to %s: %w", stream, err)
	}
	var retry []kinesistypes.PutRecordsRequestEntry
	for i, r := range out.Records {
		if r.ErrorCode != nil {
			d.n.detail("%s: %s: %s", recs[i].label, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
			retry = append(retry, entries[i])
		}
	}
	if err := d.check(aws.ToInt32(out.FailedRecordCount) == 1 && len(retry) == 1 && aws.ToString(out.Records[1].ErrorCode) == "ProvisionedThroughputExceededException",
		"PutRecords answered FailedRecordCount 1: the second record was throttled, the others were written",
		fmt.Sprintf("PutRecords answered FailedRecordCount %d, want 1 (the second record)", aws.ToInt32(out.FailedRecordCount))); err != nil {
		return err
	}
	d.n.do("the producer resends only the failed record, as a Kinesis producer must")
	again, err := d.st.kinesis.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: retry})
	if err != nil {
		return fmt.Errorf("resending to %s: %w", stream, err)
	}
	if err := d.check(aws.ToInt32(again.FailedRecordCount) == 0, "the resent record was written (the rule fired once, as count 1 says)",
		fmt.Sprintf("the resend failed %d records", aws.ToInt32(again.FailedRecordCount))); err != nil {
		return err
	}

	throttle := faultRule{Service: "kinesis", Operation: "PutRecord", Resource: stream, Error: "ProvisionedThroughputExceededException", Count: 2}
	d.n.do("injecting a fault: the next 2 PutRecord calls on %q answer ProvisionedThroughputExceededException", stream)
	if err := d.st.admin(ctx, "POST", "faults", throttle, &throttle); err != nil {
		return err
	}
	if _, err := d.st.kinesis.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String(stream), Data: recs[0].data, PartitionKey: aws.String("retry")}); err != nil {
		var msg string
		if errors.As(err, new(*kinesistypes.ProvisionedThroughputExceededException)) {
			msg = " (the SDK's retryer gave up)"
		}
		return fmt.Errorf("PutRecord%s: %w", msg, err)
	}
	var log faultLog
	if err := d.st.admin(ctx, "GET", "faults/log", nil, &log); err != nil {
		return err
	}
	fired := 0
	for _, f := range log.Fired {
		if f.Rule == throttle.ID {
			fired++
		}
	}
	if err := d.check(fired == 2, "PutRecord succeeded: aws-sdk-go-v2's standard retryer rode out the 2 injected throttles (GET /_evolvestack/faults/log lists both)",
		fmt.Sprintf("the throttle rule fired %d times, want 2", fired)); err != nil {
		return err
	}
	it, err := d.st.kinesis.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream),
		ShardId: aws.String("shardId-000000000000"), ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		return fmt.Errorf("reading %s: %w", stream, err)
	}
	read, err := d.st.kinesis.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		return fmt.Errorf("reading %s: %w", stream, err)
	}
	keys := map[string]int{}
	for _, r := range read.Records {
		keys[aws.ToString(r.PartitionKey)]++
	}
	return d.check(len(read.Records) == 4 && keys["o-9001"] == 1 && keys["o-9002"] == 1 && keys["o-9003"] == 1 && keys["retry"] == 1,
		"the stream holds each record exactly once: nothing lost to the faults, nothing written twice",
		fmt.Sprintf("the stream holds %d records (%v), want the 3 orders and the retried one, once each", len(read.Records), keys))
}
