package emulator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awsschemas "github.com/aws/aws-sdk-go-v2/service/schemas"
	schematypes "github.com/aws/aws-sdk-go-v2/service/schemas/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	ebsvc "github.com/evolvestack/evolvestack/emulator/eventbridge"
	schemasvc "github.com/evolvestack/evolvestack/emulator/schemas"
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

// discoPut puts events of source com.checkout and detail-type Order
// Placed with the given details on bus and lets discovery run.
func (v *discoEnv) discoPut(t *testing.T, bus string, details ...string) {
	t.Helper()
	var entries []ebtypes.PutEventsRequestEntry
	for _, dt := range details {
		entries = append(entries, ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String("com.checkout"),
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

// discoVersions lists the version ids of a discovered schema (none when
// it does not exist).
func (v *discoEnv) discoVersions(t *testing.T, name string) []string {
	t.Helper()
	out, err := v.sc.ListSchemaVersions(v.ctx, &awsschemas.ListSchemaVersionsInput{RegistryName: aws.String("discovered-schemas"), SchemaName: aws.String(name)})
	if discoErrorCode(err) == "NotFoundException" {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range out.SchemaVersions {
		ids = append(ids, aws.ToString(x.SchemaVersion))
	}
	return ids
}

// TestSchemasDiscovererManagedRule: a discoverer needs an existing bus of
// its account, and lives on the bus as AWS's managed rule
// Schemas-events-event-bus-<bus>: created with it, disabled while it is
// stopped, not removable without Force, deleted with it; events reach
// discovery only through the rule.
func TestSchemasDiscovererManagedRule(t *testing.T) {
	t.Parallel()
	v := newDiscoEnv(t)
	bus, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("payments")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, arn string }{
		{"no such bus", "arn:aws:events:us-east-1:000000000000:event-bus/nope"},
		{"another account's bus", "arn:aws:events:us-east-1:111111111111:event-bus/payments"},
		{"another region's bus", "arn:aws:events:eu-west-1:000000000000:event-bus/payments"},
		{"not an event bus", "arn:aws:events:us-east-1:000000000000:rule/payments"},
	} {
		_, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{SourceArn: aws.String(tc.arn)})
		if got := discoErrorCode(err); got != "BadRequestException" {
			t.Errorf("%s: error code %q (%v), want BadRequestException", tc.name, got, err)
		}
	}
	d, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{SourceArn: bus.EventBusArn})
	if err != nil {
		t.Fatal(err)
	}
	const rule = "Schemas-events-event-bus-payments"
	ruleIn := &awseb.DescribeRuleInput{Name: aws.String(rule), EventBusName: aws.String("payments")}
	state := func() string {
		t.Helper()
		r, err := v.eb.DescribeRule(v.ctx, ruleIn)
		if discoErrorCode(err) == "ResourceNotFoundException" {
			return "gone"
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(r.State)
	}
	r, err := v.eb.DescribeRule(v.ctx, ruleIn)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(r.ManagedBy) != "schemas.amazonaws.com" || r.State != ebtypes.RuleStateEnabled ||
		aws.ToString(r.EventPattern) != `{ "source": [ { "prefix": "aws.partner/" }, { "anything-but": { "prefix": "aws." } } ] }` ||
		aws.ToString(r.Description) != "This rule is used to route Events to Schema Discoverer" {
		t.Fatalf("managed rule = %+v", r)
	}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"DeleteRule", func() error {
			_, err := v.eb.DeleteRule(v.ctx, &awseb.DeleteRuleInput{Name: aws.String(rule), EventBusName: aws.String("payments")})
			return err
		}},
		{"DisableRule", func() error {
			_, err := v.eb.DisableRule(v.ctx, &awseb.DisableRuleInput{Name: aws.String(rule), EventBusName: aws.String("payments")})
			return err
		}},
		{"PutRule", func() error {
			_, err := v.eb.PutRule(v.ctx, &awseb.PutRuleInput{Name: aws.String(rule), EventBusName: aws.String("payments"), EventPattern: aws.String(`{"source":["x"]}`)})
			return err
		}},
	} {
		if got := discoErrorCode(tc.call()); got != "ManagedRuleException" {
			t.Errorf("%s on the managed rule: %q, want ManagedRuleException", tc.name, got)
		}
	}
	const name = "com.checkout@OrderPlaced"
	steps := []struct {
		name      string
		do        func() error
		rule      string
		detail    string
		nVersions int
	}{
		{"started", nil, "ENABLED", `{"a":1}`, 1},
		{"stopped", func() error {
			_, err := v.sc.StopDiscoverer(v.ctx, &awsschemas.StopDiscovererInput{DiscovererId: d.DiscovererId})
			return err
		}, "DISABLED", `{"b":1}`, 1},
		{"restarted", func() error {
			_, err := v.sc.StartDiscoverer(v.ctx, &awsschemas.StartDiscovererInput{DiscovererId: d.DiscovererId})
			return err
		}, "ENABLED", `{"c":1}`, 2},
		{"rule force-deleted", func() error {
			_, err := v.eb.DeleteRule(v.ctx, &awseb.DeleteRuleInput{Name: aws.String(rule), EventBusName: aws.String("payments"), Force: true})
			return err
		}, "gone", `{"d":1}`, 2},
		{"started again restores the rule", func() error {
			_, err := v.sc.StartDiscoverer(v.ctx, &awsschemas.StartDiscovererInput{DiscovererId: d.DiscovererId})
			return err
		}, "ENABLED", `{"e":1}`, 3},
		{"deleted", func() error {
			_, err := v.sc.DeleteDiscoverer(v.ctx, &awsschemas.DeleteDiscovererInput{DiscovererId: d.DiscovererId})
			return err
		}, "gone", `{"f":1}`, 3},
	}
	for _, st := range steps {
		if st.do != nil {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		if got := state(); got != st.rule {
			t.Errorf("%s: rule %s, want %s", st.name, got, st.rule)
		}
		v.discoPut(t, "payments", st.detail)
		if got := v.discoVersions(t, name); len(got) != st.nVersions {
			t.Errorf("%s: versions %v, want %d", st.name, got, st.nVersions)
		}
	}
}

// TestSchemasDiscoveryReportsFollowDeletes: deleting a discovered version
// or schema drops discovery's reports of it from the admin API, and the
// next discovered version is compared with the latest version left.
func TestSchemasDiscoveryReportsFollowDeletes(t *testing.T) {
	t.Parallel()
	v := newDiscoEnv(t)
	bus, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("refunds")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{SourceArn: bus.EventBusArn}); err != nil {
		t.Fatal(err)
	}
	const name = "com.checkout@OrderPlaced"
	reports := func() []string {
		t.Helper()
		status, out := adminCall(t, v.e, "GET", "/_evolvestack/schemas/discovered", "")
		if status != 200 {
			t.Fatalf("admin: %d %v", status, out)
		}
		var got []string
		for _, x := range out["versions"].([]any) {
			m := x.(map[string]any)
			prev, _ := m["previousVersion"].(string) // omitted when empty
			got = append(got, m["version"].(string)+"<"+prev)
		}
		return got
	}
	steps := []struct {
		name string
		do   func() error
		want string // version<previous, ...
	}{
		{"v1 and v2 discovered", func() error {
			v.discoPut(t, "refunds", `{"a":1,"b":2}`)
			v.discoPut(t, "refunds", `{"a":1}`)
			return nil
		}, "1<,2<1"},
		{"v2 deleted", func() error {
			_, err := v.sc.DeleteSchemaVersion(v.ctx, &awsschemas.DeleteSchemaVersionInput{RegistryName: aws.String("discovered-schemas"),
				SchemaName: aws.String(name), SchemaVersion: aws.String("2")})
			return err
		}, "1<"},
		{"v3 compared with v1", func() error {
			v.discoPut(t, "refunds", `{"a":"x"}`)
			return nil
		}, "1<,3<1"},
		{"schema deleted", func() error {
			_, err := v.sc.DeleteSchema(v.ctx, &awsschemas.DeleteSchemaInput{RegistryName: aws.String("discovered-schemas"), SchemaName: aws.String(name)})
			return err
		}, ""},
		{"rediscovered from scratch", func() error {
			v.discoPut(t, "refunds", `{"a":1}`)
			return nil
		}, "1<"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := strings.Join(reports(), ","); got != st.want {
			t.Errorf("%s: reports %q, want %q", st.name, got, st.want)
		}
	}
	if status, _ := adminCall(t, v.e, "GET", "/_evolvestack/schemas/discovered/"+name+"/versions/3", ""); status != 404 {
		t.Errorf("report of a deleted version: status %d, want 404", status)
	}
}

// TestSchemasQuotasSDK: with soft quotas configured, registries, schemas
// per registry, versions per schema and discoverers stop at the limit with
// a BadRequestException; the built-in registries do not count.
func TestSchemasQuotasSDK(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(ebStart))),
		emulator.WithLimits(awsapi.Limits{MaxResourcesPerAccount: 2, SchemaVersionsPerSchema: 2}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cfg := e.AWSConfig()
	v := &discoEnv{e: e, eb: awseb.NewFromConfig(cfg), sc: awsschemas.NewFromConfig(cfg), ctx: ctx}
	content := func(field string) *string {
		return aws.String(`{"openapi":"3.0.0","info":{"title":"E","version":"1"},"paths":{},"components":{"schemas":{"E":{"type":"object","properties":{"` + field + `":{"type":"string"}}}}}}`)
	}
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"registry 1", func() error {
			_, err := v.sc.CreateRegistry(ctx, &awsschemas.CreateRegistryInput{RegistryName: aws.String("r1")})
			return err
		}, ""},
		{"registry 2", func() error {
			_, err := v.sc.CreateRegistry(ctx, &awsschemas.CreateRegistryInput{RegistryName: aws.String("r2")})
			return err
		}, ""},
		{"registry 3", func() error {
			_, err := v.sc.CreateRegistry(ctx, &awsschemas.CreateRegistryInput{RegistryName: aws.String("r3")})
			return err
		}, "BadRequestException"},
		{"schema 1", func() error {
			_, err := v.sc.CreateSchema(ctx, &awsschemas.CreateSchemaInput{RegistryName: aws.String("r1"), SchemaName: aws.String("s1"), Type: schematypes.TypeOpenApi3, Content: content("a")})
			return err
		}, ""},
		{"schema 2", func() error {
			_, err := v.sc.CreateSchema(ctx, &awsschemas.CreateSchemaInput{RegistryName: aws.String("r1"), SchemaName: aws.String("s2"), Type: schematypes.TypeOpenApi3, Content: content("a")})
			return err
		}, ""},
		{"schema 3", func() error {
			_, err := v.sc.CreateSchema(ctx, &awsschemas.CreateSchemaInput{RegistryName: aws.String("r1"), SchemaName: aws.String("s3"), Type: schematypes.TypeOpenApi3, Content: content("a")})
			return err
		}, "BadRequestException"},
		{"version 2", func() error {
			_, err := v.sc.UpdateSchema(ctx, &awsschemas.UpdateSchemaInput{RegistryName: aws.String("r1"), SchemaName: aws.String("s1"), Content: content("b")})
			return err
		}, ""},
		{"version 3", func() error {
			_, err := v.sc.UpdateSchema(ctx, &awsschemas.UpdateSchemaInput{RegistryName: aws.String("r1"), SchemaName: aws.String("s1"), Content: content("c")})
			return err
		}, "BadRequestException"},
		{"same content at the limit", func() error {
			_, err := v.sc.UpdateSchema(ctx, &awsschemas.UpdateSchemaInput{RegistryName: aws.String("r1"), SchemaName: aws.String("s1"), Content: content("b")})
			return err
		}, ""},
		{"discoverers 1 and 2", func() error {
			for _, b := range []string{"default", "two"} {
				if b != "default" {
					if _, err := v.eb.CreateEventBus(ctx, &awseb.CreateEventBusInput{Name: aws.String(b)}); err != nil {
						return err
					}
				}
				if _, err := v.sc.CreateDiscoverer(ctx, &awsschemas.CreateDiscovererInput{SourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/" + b)}); err != nil {
					return err
				}
			}
			return nil
		}, ""},
		{"discoverer 3", func() error {
			// Custom buses are capped at 2 as well; "three" is the second.
			if _, err := v.eb.CreateEventBus(ctx, &awseb.CreateEventBusInput{Name: aws.String("three")}); err != nil {
				return err
			}
			_, err := v.sc.CreateDiscoverer(ctx, &awsschemas.CreateDiscovererInput{SourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/three")})
			return err
		}, "BadRequestException"},
	} {
		err := tc.call()
		if got := discoErrorCode(err); got != tc.code || (tc.code == "" && err != nil) {
			t.Errorf("%s: %v, want code %q", tc.name, err, tc.code)
		}
	}
}

// BenchmarkSchemasDiscoveryPutEvents measures in-process PutEvents (10
// entries) on a bus without a discoverer and on one with a started
// discoverer, whose managed rule is matched and whose events are queued
// for inference off the PutEvents path (the budget: at most 10%
// slower). Compare the two sub-benchmarks' ns/op.
func BenchmarkSchemasDiscoveryPutEvents(b *testing.B) {
	for _, withDiscoverer := range []bool{false, true} {
		name := "no-discoverer"
		if withDiscoverer {
			name = "discoverer"
		}
		b.Run(name, func(b *testing.B) {
			e := emulator.Start(b, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(ebStart))))
			ctx := context.Background()
			eb := e.EventBridge()
			bus, err := eb.CreateEventBus(ctx, &ebsvc.CreateEventBusInput{Name: aws.String("bench")})
			if err != nil {
				b.Fatal(err)
			}
			if withDiscoverer {
				if _, err := e.Schemas().CreateDiscoverer(ctx, &schemasvc.CreateDiscovererInput{SourceArn: bus.EventBusArn}); err != nil {
					b.Fatal(err)
				}
			}
			entries := make([]ebsvc.PutEventsRequestEntry, 10)
			for i := range entries {
				entries[i] = ebsvc.PutEventsRequestEntry{EventBusName: aws.String("bench"), Source: aws.String("com.shop"), DetailType: aws.String("Order Placed"),
					Detail: aws.String(`{"orderId":"o-1","total":500,"country":"DE","items":[{"sku":"a","qty":1}],"customer":{"id":"c-1"}}`)}
			}
			in := &ebsvc.PutEventsInput{Entries: entries}
			b.ReportAllocs()
			for b.Loop() {
				out, err := eb.PutEvents(ctx, in)
				if err != nil || *out.FailedEntryCount != 0 {
					b.Fatal(err, out)
				}
			}
			b.StopTimer()
			if err := e.Clock().Settle(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}
