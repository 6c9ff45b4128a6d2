package main

// Step 7: EventBridge routes the producers' records by rule.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/registry/serde"
	"github.com/evolvestack/evolvestack/registry/serde/lambdaevents"
)

// The events of step 7: their source, the detail type the rule routes
// and one it does not.
const (
	eventSource   = "com.example.shop"
	orderPlaced   = "OrderPlaced"
	orderRefunded = "OrderRefunded"
)

// ebRule is a rule step 7 created, for the cleanup.
type ebRule struct{ bus, name string }

func (d *demo) step7(ctx context.Context) error {
	bus, rule, queue := "shop-events"+d.suffix, "route-placed-orders"+d.suffix, "placed-orders"+d.suffix
	pattern := fmt.Sprintf(`{"source":[%q],"detail-type":[%q]}`, eventSource, orderPlaced)
	d.n.do("creating event bus %q, SQS queue %q, and rule %q with event pattern %s targeting the queue", bus, queue, rule, pattern)
	url, err := d.createQueue(ctx, queue)
	if err != nil {
		return err
	}
	attrs, err := d.st.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return fmt.Errorf("reading the ARN of %s: %w", queue, err)
	}
	if _, err := d.st.events.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
		return fmt.Errorf("creating event bus %s: %w", bus, err)
	}
	d.createdBuses = append(d.createdBuses, bus)
	if _, err := d.st.events.PutRule(ctx, &eventbridge.PutRuleInput{
		Name: aws.String(rule), EventBusName: aws.String(bus), EventPattern: aws.String(pattern),
	}); err != nil {
		return fmt.Errorf("creating rule %s: %w", rule, err)
	}
	d.createdRules = append(d.createdRules, ebRule{bus: bus, name: rule})
	tgt, err := d.st.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)])}}})
	if err != nil {
		return fmt.Errorf("adding the target of %s: %w", rule, err)
	}
	if err := d.check(tgt.FailedEntryCount == 0, "the rule targets the queue", fmt.Sprintf("PutTargets failed: %+v", tgt.FailedEntries)); err != nil {
		return err
	}

	// EventBridge details are JSON objects: the framed record travels
	// base64-encoded in the detail's "data" field.
	d.n.do("a v1 and a v2 producer each put an %s event, the record base64-encoded in detail.data; a refund (%s) goes along in the same PutEvents call",
		orderPlaced, orderRefunded)
	legacy, err := d.serializer("Order", gluetypes.CompatibilityBackward)
	if err != nil {
		return err
	}
	coupon := "ROUTED"
	placed := []struct {
		writer, schema string
		ser            *serde.Serializer
		value          any
	}{
		{"Order v1", orderV1, legacy, order{"o-7101", "grace", 4200}},
		{"Order v2", orderV2, d.orderSerializer, orderWithCoupon{"o-7001", "ada", 1990, &coupon}},
	}
	want := map[string]produced{}
	var entries []ebtypes.PutEventsRequestEntry
	for _, p := range placed {
		b, err := p.ser.Serialize(ctx, d.ordersStream, p.schema, p.value)
		if err != nil {
			return fmt.Errorf("serializing with %s: %w", p.writer, err)
		}
		m := jsonMap(p.value, nil)
		label := fmt.Sprint(m["orderId"])
		want[label] = produced{label: label, writer: p.writer, want: m}
		detail, _ := json.Marshal(map[string]string{"orderId": label, "data": base64.StdEncoding.EncodeToString(b)})
		entries = append(entries, ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String(eventSource),
			DetailType: aws.String(orderPlaced), Detail: aws.String(string(detail))})
	}
	entries = append(entries, ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String(eventSource),
		DetailType: aws.String(orderRefunded), Detail: aws.String(`{"orderId":"o-7001"}`)})
	put, err := d.st.events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return fmt.Errorf("putting events on %s: %w", bus, err)
	}
	if err := d.check(put.FailedEntryCount == 0 && len(put.Entries) == len(entries),
		fmt.Sprintf("EventBridge accepted the %d events", len(entries)),
		fmt.Sprintf("PutEvents: %d of %d failed: %+v", put.FailedEntryCount, len(entries), put.Entries)); err != nil {
		return err
	}
	eventIDs := map[string]string{} // event id → order id of the OrderPlaced entries
	for i, p := range placed {
		eventIDs[aws.ToString(put.Entries[i].EventId)] = fmt.Sprint(jsonMap(p.value, nil)["orderId"])
	}

	d.n.do("waiting for %q; each message is the event as a Lambda target receives it, decoded with lambdaevents.EventBridgeField(detail.data)", queue)
	msgs, err := d.collect(ctx, url, queue, len(placed))
	if err != nil {
		return err
	}
	deser := serde.NewDeserializer(d.st.glue, serde.DeserializerConfig{})
	var bad, seen []string
	for _, m := range msgs {
		var ev events.EventBridgeEvent
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &ev); err != nil {
			bad = append(bad, fmt.Sprintf("not an EventBridge event: %s", aws.ToString(m.Body)))
			continue
		}
		r, err := lambdaevents.EventBridgeField(ctx, deser, ev, "data")
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		js, _ := r.JSON()
		var have map[string]any
		_ = json.Unmarshal(js, &have)
		label := firstNonEmpty(fmt.Sprint(have["orderId"]), "?")
		writer := firstNonEmpty(d.versions[r.SchemaVersionID.String()], r.SchemaVersionID.String())
		d.n.detail("%-7s %-15s %-17s %s", label, writer, "("+ev.DetailType+")", orderedJSON(d.ordersReaderFields, js))
		p, ok := want[label]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("an unexpected record %s", js))
		case writer != p.writer || !reflect.DeepEqual(have, p.want):
			bad = append(bad, fmt.Sprintf("%s decoded from %s as %s", label, writer, js))
		case eventIDs[ev.ID] != label || ev.Source != eventSource || ev.DetailType != orderPlaced:
			bad = append(bad, fmt.Sprintf("%s came as event %s (%s, %s); PutEvents answered %q for it", label, ev.ID, ev.Source, ev.DetailType, eventIDs[ev.ID]))
		}
		seen = append(seen, label)
	}
	slices.Sort(seen)
	if len(bad) == 0 && !slices.Equal(seen, []string{"o-7001", "o-7101"}) {
		bad = append(bad, fmt.Sprintf("the queue received %v, want o-7001 and o-7101 once each", seen))
	}
	if err := d.check(len(bad) == 0,
		fmt.Sprintf("the rule routed both %s events, the EventBridge envelope around each (the ids PutEvents answered); v1 and v2 records decode as written", orderPlaced),
		strings.Join(bad, "\n      ")); err != nil {
		return err
	}
	// The refund matched no rule: a last look finds the queue empty.
	out, err := d.st.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil {
		return fmt.Errorf("receiving from %s: %w", queue, err)
	}
	return d.check(len(out.Messages) == 0, fmt.Sprintf("the %s event matched no rule and went nowhere", orderRefunded),
		fmt.Sprintf("%s received %d more messages: %v", queue, len(out.Messages), out.Messages))
}

// cleanupEventBridge deletes step 7's rules and buses.
func (d *demo) cleanupEventBridge(ctx context.Context) []error {
	var errs []error
	for _, r := range d.createdRules {
		if _, err := d.st.events.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(r.name), EventBusName: aws.String(r.bus),
			Ids: []string{"queue"}}); err != nil {
			errs = append(errs, err)
		}
		if _, err := d.st.events.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(r.name), EventBusName: aws.String(r.bus)}); err != nil {
			errs = append(errs, err)
		}
	}
	for _, b := range d.createdBuses {
		if _, err := d.st.events.DeleteEventBus(ctx, &eventbridge.DeleteEventBusInput{Name: aws.String(b)}); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
