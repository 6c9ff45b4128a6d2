package schemas_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	schemassdk "github.com/aws/aws-sdk-go-v2/service/schemas"
	"github.com/aws/aws-sdk-go-v2/service/schemas/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// requestID matches the request id in an SDK error, which differs between
// runs.
var requestID = regexp.MustCompile(`RequestID: [^,]*, `)

// restartStack is one run of an emulator over a data dir.
type restartStack struct {
	e  *emulator.Emulator
	sc *schemassdk.Client
	eb *awseb.Client
}

func startRestartStack(t *testing.T, dir string) restartStack {
	t.Helper()
	e := emulator.Start(t, emulator.WithDataDir(dir), emulator.WithClock(clock.New(clock.WithScale(0))))
	return restartStack{e: e, sc: schemassdk.NewFromConfig(e.AWSConfig()), eb: awseb.NewFromConfig(e.AWSConfig())}
}

// putOrders puts order events with the details on the bus and waits for
// discovery.
func (s restartStack) putOrders(t *testing.T, bus string, details ...string) {
	t.Helper()
	ctx := context.Background()
	var entries []ebtypes.PutEventsRequestEntry
	for _, d := range details {
		entries = append(entries, ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String("com.shop"),
			DetailType: aws.String("Order Placed"), Detail: aws.String(d)})
	}
	out, err := s.eb.PutEvents(ctx, &awseb.PutEventsInput{Entries: entries})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents: %v %+v", err, out)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.e.Clock().Settle(ctx); err != nil {
		t.Fatal(err)
	}
}

// sdkReads answers, through the SDK, every read over the scope's custom
// and discovered registries, as text.
func (s restartStack) sdkReads(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	put := func(label string, v any, err error) {
		out, _ := json.Marshal(v)
		// Drop the SDK's response metadata (request ids differ).
		out = []byte(strings.Split(string(out), `,"ResultMetadata"`)[0])
		msg := ""
		if err != nil {
			msg = requestID.ReplaceAllString(err.Error(), "")
		}
		fmt.Fprintf(&b, "%s: %s err=%s\n", label, out, msg)
	}
	regs, err := s.sc.ListRegistries(ctx, &schemassdk.ListRegistriesInput{Scope: aws.String("LOCAL")})
	if err != nil {
		t.Fatal(err)
	}
	put("ListRegistries", regs.Registries, err)
	for _, r := range regs.Registries {
		got, err := s.sc.DescribeRegistry(ctx, &schemassdk.DescribeRegistryInput{RegistryName: r.RegistryName})
		put("DescribeRegistry", got, err)
		pol, err := s.sc.GetResourcePolicy(ctx, &schemassdk.GetResourcePolicyInput{RegistryName: r.RegistryName})
		put("GetResourcePolicy", pol, err)
		list, err := s.sc.ListSchemas(ctx, &schemassdk.ListSchemasInput{RegistryName: r.RegistryName})
		if err != nil {
			t.Fatal(err)
		}
		put("ListSchemas", list.Schemas, err)
		for _, sc := range list.Schemas {
			tags, err := s.sc.ListTagsForResource(ctx, &schemassdk.ListTagsForResourceInput{ResourceArn: sc.SchemaArn})
			put("ListTagsForResource", tags, err)
			vs, err := s.sc.ListSchemaVersions(ctx, &schemassdk.ListSchemaVersionsInput{RegistryName: r.RegistryName, SchemaName: sc.SchemaName})
			if err != nil {
				t.Fatal(err)
			}
			put("ListSchemaVersions", vs.SchemaVersions, err)
			for _, v := range vs.SchemaVersions {
				got, err := s.sc.DescribeSchema(ctx, &schemassdk.DescribeSchemaInput{RegistryName: r.RegistryName, SchemaName: sc.SchemaName, SchemaVersion: v.SchemaVersion})
				put("DescribeSchema", got, err)
			}
		}
	}
	ds, err := s.sc.ListDiscoverers(ctx, &schemassdk.ListDiscoverersInput{})
	if err != nil {
		t.Fatal(err)
	}
	put("ListDiscoverers", ds.Discoverers, err)
	for _, d := range ds.Discoverers {
		got, err := s.sc.DescribeDiscoverer(ctx, &schemassdk.DescribeDiscovererInput{DiscovererId: d.DiscovererId})
		put("DescribeDiscoverer", got, err)
	}
	return b.String()
}

// TestSchemasRestartE2E makes state through the SDK (a registry with a
// policy and tags, a versioned schema, a discoverer that discovered two
// versions), restarts the emulator on its data dir, and requires the same
// answers; then discovery goes on: the last event's shape again adds no
// version, a new shape adds the next one.
func TestSchemasRestartE2E(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	first := startRestartStack(t, dir)
	steps := []struct {
		name string
		run  func() error
	}{
		{"CreateRegistry", func() error {
			_, err := first.sc.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("shop"), Description: aws.String("d"), Tags: map[string]string{"a": "1"}})
			return err
		}},
		{"CreateSchema", func() error {
			_, err := first.sc.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("shop"), SchemaName: aws.String("Order"), Type: types.TypeOpenApi3, Content: aws.String(openAPI("id"))})
			return err
		}},
		{"UpdateSchema", func() error {
			_, err := first.sc.UpdateSchema(ctx, &schemassdk.UpdateSchemaInput{RegistryName: aws.String("shop"), SchemaName: aws.String("Order"), Content: aws.String(openAPI("id", "total")), Description: aws.String("v2")})
			return err
		}},
		{"TagResource", func() error {
			_, err := first.sc.TagResource(ctx, &schemassdk.TagResourceInput{ResourceArn: aws.String("arn:aws:schemas:us-east-1:000000000000:schema/shop/Order"), Tags: map[string]string{"t": "u"}})
			return err
		}},
		{"PutResourcePolicy", func() error {
			_, err := first.sc.PutResourcePolicy(ctx, &schemassdk.PutResourcePolicyInput{RegistryName: aws.String("shop"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
			return err
		}},
		{"CreateEventBus", func() error {
			_, err := first.eb.CreateEventBus(ctx, &awseb.CreateEventBusInput{Name: aws.String("orders")})
			return err
		}},
		{"CreateDiscoverer", func() error {
			_, err := first.sc.CreateDiscoverer(ctx, &schemassdk.CreateDiscovererInput{SourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/orders"), Description: aws.String("orders")})
			return err
		}},
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	first.putOrders(t, "orders", `{"id":"o1","total":1}`)
	first.putOrders(t, "orders", `{"id":"o2","total":2,"coupon":"X"}`)
	want := first.sdkReads(t)
	if !strings.Contains(want, "com.shop@OrderPlaced") {
		t.Fatalf("discovery wrote nothing:\n%s", want)
	}
	if err := first.e.Close(); err != nil {
		t.Fatal(err)
	}

	second := startRestartStack(t, dir)
	if got := second.sdkReads(t); got != want {
		t.Fatalf("after the restart reads differ:\n got: %s\nwant: %s", got, want)
	}
	versions := func() int {
		out, err := second.sc.ListSchemaVersions(ctx, &schemassdk.ListSchemaVersionsInput{RegistryName: aws.String("discovered-schemas"), SchemaName: aws.String("com.shop@OrderPlaced")})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.SchemaVersions)
	}
	for _, tc := range []struct {
		detail string
		want   int
	}{
		{`{"id":"o3","total":3,"coupon":"Y"}`, 2}, // the latest shape: no new version
		{`{"id":"o4","total":4,"coupon":"Z","gift":true}`, 3},
	} {
		second.putOrders(t, "orders", tc.detail)
		if n := versions(); n != tc.want {
			t.Fatalf("after %s: %d versions, want %d", tc.detail, n, tc.want)
		}
	}
}
