package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awsschemas "github.com/aws/aws-sdk-go-v2/service/schemas"
)

// TestSchemasDiscoveryThroughPutEvents is the scenario end to end
// through the SDK: v1 events, then v2 events that drop a field, are put on
// a bus with a discoverer; the discovered schema gets two versions, and
// the admin API says v2 is not backward compatible because of the dropped
// field. A stopped discoverer and replays discover nothing.
func TestSchemasDiscoveryThroughPutEvents(t *testing.T) {
	t.Parallel()
	v := newDiscoEnv(t)
	bus, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("checkout")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{SourceArn: bus.EventBusArn})
	if err != nil {
		t.Fatal(err)
	}
	put := func(details ...string) {
		t.Helper()
		var entries []ebtypes.PutEventsRequestEntry
		for _, dt := range details {
			entries = append(entries, ebtypes.PutEventsRequestEntry{EventBusName: aws.String("checkout"), Source: aws.String("com.checkout"),
				DetailType: aws.String("Order Placed"), Detail: aws.String(dt)})
		}
		out, err := v.eb.PutEvents(v.ctx, &awseb.PutEventsInput{Entries: entries})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %v %+v", err, out)
		}
		if err := v.e.Clock().Settle(v.ctx); err != nil {
			t.Fatal(err)
		}
	}
	const name = "com.checkout@OrderPlaced"
	versions := func() int {
		t.Helper()
		out, err := v.sc.ListSchemaVersions(v.ctx, &awsschemas.ListSchemaVersionsInput{RegistryName: aws.String("discovered-schemas"), SchemaName: aws.String(name)})
		if err != nil {
			if discoErrorCode(err) == "NotFoundException" {
				return 0
			}
			t.Fatal(err)
		}
		return len(out.SchemaVersions)
	}
	put(`{"orderId":"o-1","total":10,"coupon":"WELCOME"}`, `{"orderId":"o-2","total":11,"coupon":"SPRING"}`)
	if n := versions(); n != 1 {
		t.Fatalf("after v1 events: %d versions", n)
	}
	put(`{"orderId":"o-3","total":12}`)
	if n := versions(); n != 2 {
		t.Fatalf("after a v2 event: %d versions", n)
	}
	status, out := adminCall(t, v.e, "GET", "/_evolvestack/schemas/discovered/"+name+"/versions/2", "")
	if status != 200 || out["backwardCompatible"] != false || out["previousVersion"] != "1" {
		t.Fatalf("findings: %d %v", status, out)
	}
	if fields, _ := out["fields"].([]any); len(fields) != 1 || fields[0] != "/detail/coupon" {
		t.Fatalf("fields %v", out["fields"])
	}
	if status, out := adminCall(t, v.e, "GET", "/_evolvestack/schemas/discovered", ""); status != 200 || len(out["versions"].([]any)) != 2 {
		t.Fatalf("all reports: %d %v", status, out)
	}
	if status, _ := adminCall(t, v.e, "GET", "/_evolvestack/schemas/discovered/nope@Nothing", ""); status != 404 {
		t.Fatalf("unknown schema: %d", status)
	}
	// Stopped, the discoverer sees nothing: a third shape makes no version.
	if _, err := v.sc.StopDiscoverer(v.ctx, &awsschemas.StopDiscovererInput{DiscovererId: d.DiscovererId}); err != nil {
		t.Fatal(err)
	}
	put(`{"orderId":"o-4","total":13,"gift":true}`)
	if n := versions(); n != 2 {
		t.Fatalf("with the discoverer stopped: %d versions", n)
	}
	if !strings.HasPrefix(aws.ToString(d.DiscovererId), "events-event-bus-") {
		t.Fatalf("discoverer id %q", aws.ToString(d.DiscovererId))
	}
}
