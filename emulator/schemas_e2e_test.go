package emulator_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	awsschemas "github.com/aws/aws-sdk-go-v2/service/schemas"
	schematypes "github.com/aws/aws-sdk-go-v2/service/schemas/types"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// discoEnv is an emulator on a frozen clock with EventBridge and Schemas
// clients, for the schema discovery tests.
type discoEnv struct {
	e   *emulator.Emulator
	eb  *awseb.Client
	sc  *awsschemas.Client
	ctx context.Context
}

func newDiscoEnv(t *testing.T) *discoEnv {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0), clock.WithStart(ebStart))))
	cfg := e.AWSConfig()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &discoEnv{e: e, eb: awseb.NewFromConfig(cfg), sc: awsschemas.NewFromConfig(cfg), ctx: ctx}
}

func discoErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// discoEvent is an event as a bus hands it to discovery (EventBridge's
// envelope).
func discoEvent(id, detail string) []byte {
	return []byte(`{"version":"0","id":"` + id + `","detail-type":"Order Placed","source":"com.shop","account":"000000000000",` +
		`"time":"2026-12-06T22:00:00Z","region":"us-east-1","resources":[],"detail":` + detail + `}`)
}

func TestSchemasDiscoverersSDK(t *testing.T) {
	t.Parallel()
	v := newDiscoEnv(t)
	bus, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	created, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{
		SourceArn: bus.EventBusArn, Description: aws.String("orders bus"), Tags: map[string]string{"team": "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.DiscovererId) != "events-event-bus-orders" || created.State != schematypes.DiscovererStateStarted ||
		!aws.ToBool(created.CrossAccount) || aws.ToString(created.SourceArn) != aws.ToString(bus.EventBusArn) {
		t.Fatalf("CreateDiscoverer = %+v", created)
	}
	id := created.DiscovererId
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"duplicate", func() error {
			_, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{SourceArn: bus.EventBusArn})
			return err
		}, "ConflictException"},
		{"not a bus", func() error {
			_, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{SourceArn: aws.String("arn:aws:sqs:us-east-1:000000000000:q")})
			return err
		}, "BadRequestException"},
		{"missing", func() error {
			_, err := v.sc.DescribeDiscoverer(v.ctx, &awsschemas.DescribeDiscovererInput{DiscovererId: aws.String("nope")})
			return err
		}, "NotFoundException"},
	} {
		if got := discoErrorCode(tc.call()); got != tc.code {
			t.Errorf("%s: error code %q, want %q", tc.name, got, tc.code)
		}
	}
	if _, err := v.sc.UpdateDiscoverer(v.ctx, &awsschemas.UpdateDiscovererInput{DiscovererId: id, CrossAccount: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if out, err := v.sc.StopDiscoverer(v.ctx, &awsschemas.StopDiscovererInput{DiscovererId: id}); err != nil || out.State != schematypes.DiscovererStateStopped {
		t.Fatalf("StopDiscoverer = %+v, %v", out, err)
	}
	if _, err := v.sc.TagResource(v.ctx, &awsschemas.TagResourceInput{ResourceArn: created.DiscovererArn, Tags: map[string]string{"env": "test"}}); err != nil {
		t.Fatal(err)
	}
	d, err := v.sc.DescribeDiscoverer(v.ctx, &awsschemas.DescribeDiscovererInput{DiscovererId: id})
	if err != nil || d.State != schematypes.DiscovererStateStopped || aws.ToBool(d.CrossAccount) || d.Tags["env"] != "test" || d.Tags["team"] != "a" {
		t.Fatalf("DescribeDiscoverer = %+v, %v", d, err)
	}
	list, err := v.sc.ListDiscoverers(v.ctx, &awsschemas.ListDiscoverersInput{DiscovererIdPrefix: aws.String("events-event-bus-o")})
	if err != nil || len(list.Discoverers) != 1 || aws.ToString(list.Discoverers[0].DiscovererId) != "events-event-bus-orders" {
		t.Fatalf("ListDiscoverers = %+v, %v", list, err)
	}
	if _, err := v.sc.DeleteDiscoverer(v.ctx, &awsschemas.DeleteDiscovererInput{DiscovererId: id}); err != nil {
		t.Fatal(err)
	}
	if list, err := v.sc.ListDiscoverers(v.ctx, &awsschemas.ListDiscoverersInput{}); err != nil || len(list.Discoverers) != 0 {
		t.Fatalf("after delete: %+v, %v", list, err)
	}
}

// TestSchemasDiscoveryVersionsSDK is the scenario: v1 events, then
// v2 events that drop a field, on a bus with a discoverer; the discovered
// schema has two versions (read through the SDK) and the finding says v2
// is not backward compatible because of the dropped field. Events reach
// discovery through Schemas().ObserveEvent, which EventBridge's PutEvents
// calls once wired.
func TestSchemasDiscoveryVersionsSDK(t *testing.T) {
	t.Parallel()
	v := newDiscoEnv(t)
	bus, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("shop")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{SourceArn: bus.EventBusArn}); err != nil {
		t.Fatal(err)
	}
	busArn := aws.ToString(bus.EventBusArn)
	for _, id := range []string{"1", "2", "3"} {
		v.e.Schemas().ObserveEvent(busArn, discoEvent(id, `{"orderId":"o-`+id+`","total":10,"coupon":"WELCOME"}`))
	}
	if err := v.e.Clock().Settle(v.ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"4", "5"} {
		v.e.Schemas().ObserveEvent(busArn, discoEvent(id, `{"orderId":"o-`+id+`","total":12}`))
	}
	if err := v.e.Clock().Settle(v.ctx); err != nil {
		t.Fatal(err)
	}
	const name = "com.shop@OrderPlaced"
	versions, err := v.sc.ListSchemaVersions(v.ctx, &awsschemas.ListSchemaVersionsInput{RegistryName: aws.String("discovered-schemas"), SchemaName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.SchemaVersions) != 2 {
		t.Fatalf("%d versions, want 2: %+v", len(versions.SchemaVersions), versions.SchemaVersions)
	}
	for _, tc := range []struct {
		version    string
		withCoupon bool
	}{{"1", true}, {"2", false}} {
		d, err := v.sc.DescribeSchema(v.ctx, &awsschemas.DescribeSchemaInput{RegistryName: aws.String("discovered-schemas"),
			SchemaName: aws.String(name), SchemaVersion: aws.String(tc.version)})
		if err != nil {
			t.Fatal(err)
		}
		c := aws.ToString(d.Content)
		if d.Type == nil || *d.Type != "OpenApi3" || !strings.Contains(c, `"x-amazon-events-source":"com.shop"`) ||
			strings.Contains(c, `"coupon"`) != tc.withCoupon {
			t.Errorf("version %s: type %v content %s", tc.version, aws.ToString(d.Type), c)
		}
	}
	rep, err := v.e.Schemas().DiscoveryFindings("discovered-schemas", name, "2")
	if err != nil {
		t.Fatal(err)
	}
	if rep.BackwardCompatible || rep.PreviousVersion != "1" || len(rep.Backward) == 0 || strings.Join(rep.Fields, ",") != "/detail/coupon" {
		t.Errorf("report = %+v, want v2 not backward compatible with v1 because of /detail/coupon", rep)
	}
}

// TestSchemasCodeBindingSDK generates a Go binding of a discovered schema
// through the SDK: in progress, complete once the clock moves, and a zip
// holding the generated package.
func TestSchemasCodeBindingSDK(t *testing.T) {
	t.Parallel()
	v := newDiscoEnv(t)
	bus, err := v.eb.CreateEventBus(v.ctx, &awseb.CreateEventBusInput{Name: aws.String("bindings")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.sc.CreateDiscoverer(v.ctx, &awsschemas.CreateDiscovererInput{SourceArn: bus.EventBusArn}); err != nil {
		t.Fatal(err)
	}
	v.e.Schemas().ObserveEvent(aws.ToString(bus.EventBusArn), discoEvent("1", `{"orderId":"o-1","customer":{"id":"c"}}`))
	if err := v.e.Clock().Settle(v.ctx); err != nil {
		t.Fatal(err)
	}
	reg, name, lang := aws.String("discovered-schemas"), aws.String("com.shop@OrderPlaced"), aws.String("Go1")
	put, err := v.sc.PutCodeBinding(v.ctx, &awsschemas.PutCodeBindingInput{RegistryName: reg, SchemaName: name, Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	if put.Status != schematypes.CodeGenerationStatusCreateInProgress || aws.ToString(put.SchemaVersion) != "1" {
		t.Fatalf("PutCodeBinding = %+v", put)
	}
	if _, err := v.sc.GetCodeBindingSource(v.ctx, &awsschemas.GetCodeBindingSourceInput{RegistryName: reg, SchemaName: name, Language: lang}); discoErrorCode(err) != "NotFoundException" {
		t.Errorf("source while in progress: %v", err)
	}
	if _, err := v.sc.PutCodeBinding(v.ctx, &awsschemas.PutCodeBindingInput{RegistryName: reg, SchemaName: name, Language: aws.String("Cobol")}); discoErrorCode(err) != "BadRequestException" {
		t.Errorf("unknown language: %v", err)
	}
	// As the SAM CLI expects of AWS, the same binding put again conflicts.
	if _, err := v.sc.PutCodeBinding(v.ctx, &awsschemas.PutCodeBindingInput{RegistryName: reg, SchemaName: name, Language: lang}); discoErrorCode(err) != "ConflictException" {
		t.Errorf("second PutCodeBinding: %v, want ConflictException", err)
	}
	if err := v.e.Clock().Advance(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	d, err := v.sc.DescribeCodeBinding(v.ctx, &awsschemas.DescribeCodeBindingInput{RegistryName: reg, SchemaName: name, Language: lang})
	if err != nil || d.Status != schematypes.CodeGenerationStatusCreateComplete {
		t.Fatalf("DescribeCodeBinding = %+v, %v", d, err)
	}
	src, err := v.sc.GetCodeBindingSource(v.ctx, &awsschemas.GetCodeBindingSourceInput{RegistryName: reg, SchemaName: name, Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(src.Body), int64(len(src.Body)))
	if err != nil {
		t.Fatalf("body is not a zip: %v", err)
	}
	var files []string
	for _, f := range zr.File {
		files = append(files, f.Name)
	}
	if got := strings.Join(files, ","); !strings.Contains(got, "schema/com/shop/orderplaced/AWSEvent.go") || !strings.Contains(got, "schema/com/shop/orderplaced/Customer.go") {
		t.Errorf("zip holds %s", got)
	}
}

func TestSchemasGetDiscoveredSchemaSDK(t *testing.T) {
	t.Parallel()
	v := newDiscoEnv(t)
	for _, tc := range []struct {
		name   string
		events []string
		typ    schematypes.Type
		want   string
		code   string
	}{
		{"envelope", []string{string(discoEvent("1", `{"orderId":"o"}`))}, schematypes.TypeOpenApi3, `"x-amazon-events-source":"com.shop"`, ""},
		{"plain", []string{`{"a":1}`}, schematypes.TypeOpenApi3, `"title":"Event"`, ""},
		{"draft 4", []string{`{"a":1}`}, schematypes.TypeJSONSchemaDraft4, `draft-04`, ""},
		{"bad event", []string{`nope`}, schematypes.TypeOpenApi3, "", "BadRequestException"},
		{"too many events", make([]string, 11), schematypes.TypeOpenApi3, "", "BadRequestException"},
	} {
		out, err := v.sc.GetDiscoveredSchema(v.ctx, &awsschemas.GetDiscoveredSchemaInput{Events: tc.events, Type: tc.typ})
		if tc.code != "" {
			if discoErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
			continue
		}
		if err != nil || !strings.Contains(aws.ToString(out.Content), tc.want) {
			t.Errorf("%s: %v, content %s", tc.name, err, aws.ToString(out.Content))
		}
	}
}
