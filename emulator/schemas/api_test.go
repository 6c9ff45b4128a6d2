package schemas_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	schemassdk "github.com/aws/aws-sdk-go-v2/service/schemas"
	"github.com/aws/aws-sdk-go-v2/service/schemas/types"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

const account = "000000000000"

// start runs an emulator on a frozen clock and returns a Schemas client.
func start(t *testing.T) (*emulator.Emulator, *schemassdk.Client) {
	t.Helper()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	cfg := e.AWSConfig()
	cfg.RetryMaxAttempts = 1
	return e, schemassdk.NewFromConfig(cfg)
}

// wantAPIError checks err's code and that its message contains msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("error = %s: %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// openAPI returns an OpenAPI 3 event schema whose detail has the given
// string properties.
func openAPI(props ...string) string {
	p := map[string]any{}
	for _, name := range props {
		p[name] = map[string]any{"type": "string"}
	}
	doc := map[string]any{
		"openapi": "3.0.0",
		"info":    map[string]any{"version": "1.0.0", "title": "OrderCreated"},
		"paths":   map[string]any{},
		"components": map[string]any{"schemas": map[string]any{
			"AWSEvent": map[string]any{"type": "object", "properties": map[string]any{
				"detail": map[string]any{"$ref": "#/components/schemas/OrderCreated"},
				"source": map[string]any{"type": "string"},
			}},
			"OrderCreated": map[string]any{"type": "object", "properties": p},
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

func TestRegistries(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	ctx := context.Background()

	out, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{
		RegistryName: aws.String("orders"), Description: aws.String("order events"), Tags: map[string]string{"team": "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.RegistryArn), "arn:aws:schemas:us-east-1:"+account+":registry/orders"; got != want {
		t.Fatalf("RegistryArn = %s, want %s", got, want)
	}
	if _, err := c.UpdateRegistry(ctx, &schemassdk.UpdateRegistryInput{RegistryName: aws.String("orders"), Description: aws.String("v2")}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeRegistry(ctx, &schemassdk.DescribeRegistryInput{RegistryName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Description) != "v2" || d.Tags["team"] != "a" {
		t.Fatalf("DescribeRegistry = %+v", d)
	}
	for _, name := range []string{"orders-b", "payments"} {
		if _, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}

	listNames := func(in *schemassdk.ListRegistriesInput) []string {
		t.Helper()
		var names []string
		p := schemassdk.NewListRegistriesPaginator(c, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Registries {
				names = append(names, aws.ToString(r.RegistryName))
			}
		}
		return names
	}
	for _, tc := range []struct {
		name string
		in   schemassdk.ListRegistriesInput
		want string
	}{
		{"all", schemassdk.ListRegistriesInput{}, "aws.events,discovered-schemas,orders,orders-b,payments"},
		{"prefix", schemassdk.ListRegistriesInput{RegistryNamePrefix: aws.String("orders")}, "orders,orders-b"},
		{"local", schemassdk.ListRegistriesInput{Scope: aws.String("LOCAL")}, "discovered-schemas,orders,orders-b,payments"},
		{"aws", schemassdk.ListRegistriesInput{Scope: aws.String("AWS")}, "aws.events"},
		{"pages of one", schemassdk.ListRegistriesInput{Limit: aws.Int32(1)}, "aws.events,discovered-schemas,orders,orders-b,payments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(listNames(&tc.in), ","); got != tc.want {
				t.Fatalf("ListRegistries = %s, want %s", got, tc.want)
			}
		})
	}

	if _, err := c.DeleteRegistry(ctx, &schemassdk.DeleteRegistryInput{RegistryName: aws.String("payments")}); err != nil {
		t.Fatal(err)
	}

	errCases := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"create duplicate", func() error {
			_, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("orders")})
			return err
		}, "ConflictException", "Registry with name orders already exists."},
		{"create bad name", func() error {
			_, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("bad name!")})
			return err
		}, "BadRequestException", "Registry name"},
		{"create reserved prefix", func() error {
			_, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("aws.mine")})
			return err
		}, "BadRequestException", "reserved prefix"},
		{"create aws.events", func() error {
			_, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("aws.events")})
			return err
		}, "ForbiddenException", "aws.events"},
		{"describe deleted", func() error {
			_, err := c.DescribeRegistry(ctx, &schemassdk.DescribeRegistryInput{RegistryName: aws.String("payments")})
			return err
		}, "NotFoundException", "Registry with name payments does not exist."},
		{"update missing", func() error {
			_, err := c.UpdateRegistry(ctx, &schemassdk.UpdateRegistryInput{RegistryName: aws.String("nope")})
			return err
		}, "NotFoundException", "Registry with name nope does not exist."},
		{"update aws.events", func() error {
			_, err := c.UpdateRegistry(ctx, &schemassdk.UpdateRegistryInput{RegistryName: aws.String("aws.events"), Description: aws.String("x")})
			return err
		}, "ForbiddenException", "aws.events"},
		{"delete aws.events", func() error {
			_, err := c.DeleteRegistry(ctx, &schemassdk.DeleteRegistryInput{RegistryName: aws.String("aws.events")})
			return err
		}, "ForbiddenException", "aws.events"},
		{"delete missing", func() error {
			_, err := c.DeleteRegistry(ctx, &schemassdk.DeleteRegistryInput{RegistryName: aws.String("payments")})
			return err
		}, "NotFoundException", "does not exist"},
		{"list bad scope", func() error {
			_, err := c.ListRegistries(ctx, &schemassdk.ListRegistriesInput{Scope: aws.String("GLOBAL")})
			return err
		}, "BadRequestException", "scope"},
		{"list bad token", func() error {
			_, err := c.ListRegistries(ctx, &schemassdk.ListRegistriesInput{NextToken: aws.String("garbage")})
			return err
		}, "BadRequestException", "NextToken"},
		{"model validation", func() error {
			_, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("s"), Type: "Avro", Content: aws.String("{}")})
			return err
		}, "BadRequestException", "Member must satisfy enum value set: [JSONSchemaDraft4, OpenApi3]"},
		{"list bad limit", func() error {
			_, err := c.ListRegistries(ctx, &schemassdk.ListRegistriesInput{Limit: aws.Int32(1000)})
			return err
		}, "BadRequestException", "Limit"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.msg) })
	}

	// The body carries the model's required Code member next to Message.
	_, err = c.DescribeRegistry(ctx, &schemassdk.DescribeRegistryInput{RegistryName: aws.String("nope")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Code) == "" || aws.ToString(nf.Message) == "" {
		t.Fatalf("error = %#v, want a NotFoundException with Code and Message", err)
	}
}

func TestSchemaVersions(t *testing.T) {
	t.Parallel()
	e, c := start(t)
	ctx := context.Background()
	if _, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	t0 := e.Clock().Now()
	cr, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{
		RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"),
		Type: types.TypeOpenApi3, Content: aws.String(openAPI("id")), Description: aws.String("d1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cr.SchemaVersion) != "1" || aws.ToString(cr.SchemaArn) != "arn:aws:schemas:us-east-1:"+account+":schema/orders/shop@OrderCreated" ||
		!cr.VersionCreatedDate.Equal(t0.Truncate(time.Millisecond)) {
		t.Fatalf("CreateSchema = %+v (clock %v)", cr, t0)
	}

	update := func(content string) *schemassdk.UpdateSchemaOutput {
		t.Helper()
		out, err := c.UpdateSchema(ctx, &schemassdk.UpdateSchemaInput{
			RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"), Content: aws.String(content),
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// The same document laid out differently is no new version.
	var v any
	_ = json.Unmarshal([]byte(openAPI("id")), &v)
	pretty, _ := json.MarshalIndent(v, "", "    ")
	if got := aws.ToString(update(string(pretty)).SchemaVersion); got != "1" {
		t.Fatalf("identical content made version %s", got)
	}
	if err := e.Clock().Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	u := update(openAPI("id", "total"))
	if aws.ToString(u.SchemaVersion) != "2" || u.VersionCreatedDate.Sub(*cr.VersionCreatedDate) < time.Hour {
		t.Fatalf("UpdateSchema = version %s created %v", aws.ToString(u.SchemaVersion), u.VersionCreatedDate)
	}
	update(openAPI("id", "total", "currency"))

	d1, err := c.DescribeSchema(ctx, &schemassdk.DescribeSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"), SchemaVersion: aws.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d1.Content) != openAPI("id") || aws.ToString(d1.Description) != "d1" {
		t.Fatalf("DescribeSchema v1 = %+v", d1)
	}
	latest, err := c.DescribeSchema(ctx, &schemassdk.DescribeSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(latest.SchemaVersion) != "3" || aws.ToString(latest.Type) != "OpenApi3" {
		t.Fatalf("DescribeSchema latest = %+v", latest)
	}

	if _, err := c.DeleteSchemaVersion(ctx, &schemassdk.DeleteSchemaVersionInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"), SchemaVersion: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	var versions []string
	p := schemassdk.NewListSchemaVersionsPaginator(c, &schemassdk.ListSchemaVersionsInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"), Limit: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.SchemaVersions {
			versions = append(versions, aws.ToString(v.SchemaVersion)+":"+string(v.Type))
		}
	}
	if got := strings.Join(versions, ","); got != "1:OpenApi3,3:OpenApi3" {
		t.Fatalf("ListSchemaVersions = %s", got)
	}
	// Version numbers are not reused after a deletion.
	if got := aws.ToString(update(openAPI("x")).SchemaVersion); got != "4" {
		t.Fatalf("version after delete = %s, want 4", got)
	}

	ls, err := c.ListSchemas(ctx, &schemassdk.ListSchemasInput{RegistryName: aws.String("orders"), SchemaNamePrefix: aws.String("shop@")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Schemas) != 1 || aws.ToInt64(ls.Schemas[0].VersionCount) != 3 {
		t.Fatalf("ListSchemas = %+v", ls.Schemas)
	}

	errCases := []struct {
		name string
		call func() error
		code string
		msg  string
	}{
		{"create duplicate", func() error {
			_, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"), Type: types.TypeOpenApi3, Content: aws.String(openAPI("id"))})
			return err
		}, "ConflictException", "Schema with name shop@OrderCreated already exists."},
		{"create in missing registry", func() error {
			_, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("nope"), SchemaName: aws.String("s"), Type: types.TypeOpenApi3, Content: aws.String(openAPI("id"))})
			return err
		}, "NotFoundException", "Registry with name nope does not exist."},
		{"create in aws.events", func() error {
			_, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("aws.events"), SchemaName: aws.String("s"), Type: types.TypeOpenApi3, Content: aws.String(openAPI("id"))})
			return err
		}, "ForbiddenException", "aws.events"},
		{"create bad name", func() error {
			_, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("a b"), Type: types.TypeOpenApi3, Content: aws.String(openAPI("id"))})
			return err
		}, "BadRequestException", "Schema name"},
		{"describe missing schema", func() error {
			_, err := c.DescribeSchema(ctx, &schemassdk.DescribeSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("nope")})
			return err
		}, "NotFoundException", "Schema with name nope does not exist."},
		{"describe deleted version", func() error {
			_, err := c.DescribeSchema(ctx, &schemassdk.DescribeSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"), SchemaVersion: aws.String("2")})
			return err
		}, "NotFoundException", "version 2 does not exist"},
		{"update missing", func() error {
			_, err := c.UpdateSchema(ctx, &schemassdk.UpdateSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("nope"), Content: aws.String(openAPI("id"))})
			return err
		}, "NotFoundException", "Schema with name nope does not exist."},
		{"update bad content", func() error {
			_, err := c.UpdateSchema(ctx, &schemassdk.UpdateSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"), Content: aws.String(`{"openapi":"3.0.0"}`)})
			return err
		}, "BadRequestException", "Invalid OpenApi3 schema content"},
		{"update aws.events schema", func() error {
			_, err := c.UpdateSchema(ctx, &schemassdk.UpdateSchemaInput{RegistryName: aws.String("aws.events"), SchemaName: aws.String("aws.s3@ObjectCreated"), Content: aws.String(openAPI("id"))})
			return err
		}, "ForbiddenException", "aws.events"},
		{"delete aws.events schema", func() error {
			_, err := c.DeleteSchema(ctx, &schemassdk.DeleteSchemaInput{RegistryName: aws.String("aws.events"), SchemaName: aws.String("aws.s3@ObjectCreated")})
			return err
		}, "ForbiddenException", "aws.events"},
		{"delete missing version", func() error {
			_, err := c.DeleteSchemaVersion(ctx, &schemassdk.DeleteSchemaVersionInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated"), SchemaVersion: aws.String("9")})
			return err
		}, "NotFoundException", "version 9 does not exist"},
		{"list versions of missing schema", func() error {
			_, err := c.ListSchemaVersions(ctx, &schemassdk.ListSchemaVersionsInput{RegistryName: aws.String("orders"), SchemaName: aws.String("nope")})
			return err
		}, "NotFoundException", "Schema with name nope does not exist."},
		{"list schemas of missing registry", func() error {
			_, err := c.ListSchemas(ctx, &schemassdk.ListSchemasInput{RegistryName: aws.String("nope")})
			return err
		}, "NotFoundException", "Registry with name nope does not exist."},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.call(), tc.code, tc.msg) })
	}

	if _, err := c.DeleteSchema(ctx, &schemassdk.DeleteSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSchema(ctx, &schemassdk.DeleteSchemaInput{RegistryName: aws.String("orders"), SchemaName: aws.String("shop@OrderCreated")})
	wantAPIError(t, err, "NotFoundException", "Schema with name shop@OrderCreated does not exist.")
}

func TestSchemaContentValidation(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	ctx := context.Background()
	if _, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name    string
		typ     types.Type
		content string
		wantErr string // "" when valid
	}{
		{"openapi ok", types.TypeOpenApi3, openAPI("a"), ""},
		{"draft4 ok", types.TypeJSONSchemaDraft4, `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","properties":{"a":{"type":"string"}}}`, ""},
		{"not json", types.TypeOpenApi3, `{"openapi":`, "not valid JSON"},
		{"not an object", types.TypeJSONSchemaDraft4, `[1,2]`, "must be a JSON object"},
		{"openapi 2", types.TypeOpenApi3, strings.Replace(openAPI("a"), `"openapi":"3.0.0"`, `"openapi":"2.0"`, 1), "openapi member"},
		{"no info", types.TypeOpenApi3, `{"openapi":"3.0.0","paths":{},"components":{"schemas":{"A":{"type":"object"}}}}`, "info member"},
		{"no paths", types.TypeOpenApi3, `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"components":{"schemas":{"A":{"type":"object"}}}}`, "paths member"},
		{"no components", types.TypeOpenApi3, `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{}}`, "components member"},
		{"empty schemas", types.TypeOpenApi3, `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{}}}`, "components.schemas"},
		{"dangling ref", types.TypeOpenApi3, `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"$ref":"#/components/schemas/B"}}}}`, "does not resolve"},
		{"draft4 bad type", types.TypeJSONSchemaDraft4, `{"type":5}`, "Invalid JSONSchemaDraft4 schema content"},
		{"draft4 bad required", types.TypeJSONSchemaDraft4, `{"required":"a"}`, "Invalid JSONSchemaDraft4 schema content"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{
				RegistryName: aws.String("r"), SchemaName: aws.String("s" + string(rune('a'+i))), Type: tc.typ, Content: aws.String(tc.content),
			})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantAPIError(t, err, "BadRequestException", tc.wantErr)
		})
	}
}

func TestAWSEventsRegistry(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	ctx := context.Background()
	ls, err := c.ListSchemas(ctx, &schemassdk.ListSchemasInput{RegistryName: aws.String("aws.events")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range ls.Schemas {
		names = append(names, aws.ToString(s.SchemaName))
	}
	if got, want := strings.Join(names, ","), "aws.ec2@EC2InstanceStateChangeNotification,aws.events@ScheduledEvent,aws.s3@ObjectCreated,aws.ssm@ParameterStoreChange"; got != want {
		t.Fatalf("aws.events schemas = %s, want %s", got, want)
	}
	d, err := c.DescribeSchema(ctx, &schemassdk.DescribeSchemaInput{RegistryName: aws.String("aws.events"), SchemaName: aws.String("aws.ec2@EC2InstanceStateChangeNotification")})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(d.Content)), &doc); err != nil {
		t.Fatal(err)
	}
	ev := doc.Components.Schemas["AWSEvent"]
	if ev["x-amazon-events-source"] != "aws.ec2" || ev["x-amazon-events-detail-type"] != "EC2 Instance State-change Notification" {
		t.Fatalf("AWSEvent = %v", ev)
	}
}

func TestSearchSchemas(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	ctx := context.Background()
	if _, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	for name, props := range map[string][]string{"shop@OrderCreated": {"orderId"}, "shop@OrderShipped": {"carrier"}, "billing@Invoice": {"amount", "carrier"}} {
		if _, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("r"), SchemaName: aws.String(name), Type: types.TypeOpenApi3, Content: aws.String(openAPI(props...))}); err != nil {
			t.Fatal(err)
		}
	}
	// Version 2 of shop@OrderShipped adds trackingUrl: only it matches that word.
	if _, err := c.UpdateSchema(ctx, &schemassdk.UpdateSchemaInput{RegistryName: aws.String("r"), SchemaName: aws.String("shop@OrderShipped"), Content: aws.String(openAPI("carrier", "trackingUrl"))}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ keywords, want string }{
		{"shop@", "shop@OrderCreated:1,shop@OrderShipped:1+2"},
		{"trackingurl", "shop@OrderShipped:2"},
		{"orderid", "shop@OrderCreated:1"},
		{"CARRIER", "billing@Invoice:1,shop@OrderShipped:1+2"},
		// Any keyword matches, as in the AWS CLI's search-schemas example.
		{"carrier amount", "billing@Invoice:1,shop@OrderShipped:1+2"},
		{"trackingurl orderid", "shop@OrderCreated:1,shop@OrderShipped:2"},
		{"nothing-like-this", ""},
	} {
		t.Run(tc.keywords, func(t *testing.T) {
			out, err := c.SearchSchemas(ctx, &schemassdk.SearchSchemasInput{RegistryName: aws.String("r"), Keywords: aws.String(tc.keywords)})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range out.Schemas {
				var vs []string
				for _, v := range s.SchemaVersions {
					if v.Type != types.TypeOpenApi3 || v.CreatedDate == nil {
						t.Fatalf("version of %s = %+v", aws.ToString(s.SchemaName), v)
					}
					vs = append(vs, aws.ToString(v.SchemaVersion))
				}
				names = append(names, aws.ToString(s.SchemaName)+":"+strings.Join(vs, "+"))
			}
			if got := strings.Join(names, ","); got != tc.want {
				t.Fatalf("SearchSchemas(%q) = %s, want %s", tc.keywords, got, tc.want)
			}
		})
	}
	_, err := c.SearchSchemas(ctx, &schemassdk.SearchSchemasInput{RegistryName: aws.String("nope"), Keywords: aws.String("x")})
	wantAPIError(t, err, "NotFoundException", "Registry with name nope does not exist.")
}

func TestExportSchema(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	ctx := context.Background()
	out, err := c.ExportSchema(ctx, &schemassdk.ExportSchemaInput{RegistryName: aws.String("aws.events"), SchemaName: aws.String("aws.s3@ObjectCreated"), Type: aws.String("JSONSchemaDraft4")})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema      string                    `json:"$schema"`
		Properties  map[string]map[string]any `json:"properties"`
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Content)), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "http://json-schema.org/draft-04/schema#" || doc.Properties["detail"]["$ref"] != "#/definitions/ObjectCreated" {
		t.Fatalf("export = %s", aws.ToString(out.Content))
	}
	bucket, _ := doc.Definitions["ObjectCreated"]["properties"].(map[string]any)["bucket"].(map[string]any)
	if bucket["$ref"] != "#/definitions/Bucket" || doc.Definitions["Bucket"] == nil || aws.ToString(out.Type) != "JSONSchemaDraft4" || aws.ToString(out.SchemaVersion) != "1" {
		t.Fatalf("export = %s", aws.ToString(out.Content))
	}
	if strings.Contains(aws.ToString(out.Content), "#/components/") {
		t.Fatalf("export keeps component refs: %s", aws.ToString(out.Content))
	}
	// A schema of the discovered-schemas registry exports too.
	if _, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("discovered-schemas"), SchemaName: aws.String("shop@OrderCreated"), Type: types.TypeOpenApi3, Content: aws.String(openAPI("id"))}); err != nil {
		t.Fatal(err)
	}
	disc, err := c.ExportSchema(ctx, &schemassdk.ExportSchemaInput{RegistryName: aws.String("discovered-schemas"), SchemaName: aws.String("shop@OrderCreated"), Type: aws.String("JSONSchemaDraft4")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(disc.Content), `"$ref": "#/definitions/OrderCreated"`) {
		t.Fatalf("export = %s", aws.ToString(disc.Content))
	}
	// Schemas of custom registries do not.
	if _, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("custom")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("custom"), SchemaName: aws.String("s"), Type: types.TypeOpenApi3, Content: aws.String(openAPI("id"))}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ExportSchema(ctx, &schemassdk.ExportSchemaInput{RegistryName: aws.String("custom"), SchemaName: aws.String("s"), Type: aws.String("JSONSchemaDraft4")})
	wantAPIError(t, err, "ForbiddenException", "You cannot export non discovered or non aws managed schemas.")

	_, err = c.ExportSchema(ctx, &schemassdk.ExportSchemaInput{RegistryName: aws.String("aws.events"), SchemaName: aws.String("aws.s3@ObjectCreated"), Type: aws.String("OpenApi3")})
	wantAPIError(t, err, "BadRequestException", "JSONSchemaDraft4")
	_, err = c.ExportSchema(ctx, &schemassdk.ExportSchemaInput{RegistryName: aws.String("aws.events"), SchemaName: aws.String("nope"), Type: aws.String("JSONSchemaDraft4")})
	wantAPIError(t, err, "NotFoundException", "Schema with name nope does not exist.")
}

func TestResourcePolicy(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	ctx := context.Background()
	if _, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	reg := aws.String("r")
	_, err := c.GetResourcePolicy(ctx, &schemassdk.GetResourcePolicyInput{RegistryName: reg})
	wantAPIError(t, err, "NotFoundException", "Resource Policy does not exist.")

	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"schemas:DescribeSchema","Resource":"*"}]}`
	p1, err := c.PutResourcePolicy(ctx, &schemassdk.PutResourcePolicyInput{RegistryName: reg, Policy: aws.String(policy)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uuid.Parse(aws.ToString(p1.RevisionId)); err != nil {
		t.Errorf("RevisionId %q is not a UUID, as AWS's are", aws.ToString(p1.RevisionId))
	}
	g, err := c.GetResourcePolicy(ctx, &schemassdk.GetResourcePolicyInput{RegistryName: reg})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(g.RevisionId) != aws.ToString(p1.RevisionId) || !strings.Contains(aws.ToString(g.Policy), "schemas:DescribeSchema") {
		t.Fatalf("GetResourcePolicy = %+v", g)
	}
	_, err = c.PutResourcePolicy(ctx, &schemassdk.PutResourcePolicyInput{RegistryName: reg, Policy: aws.String(policy), RevisionId: aws.String("stale")})
	wantAPIError(t, err, "PreconditionFailedException", "revision ID")
	p2, err := c.PutResourcePolicy(ctx, &schemassdk.PutResourcePolicyInput{RegistryName: reg, Policy: aws.String(policy), RevisionId: p1.RevisionId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(p2.RevisionId) == aws.ToString(p1.RevisionId) {
		t.Fatal("revision id did not change")
	}
	_, err = c.PutResourcePolicy(ctx, &schemassdk.PutResourcePolicyInput{RegistryName: reg, Policy: aws.String("{not json")})
	wantAPIError(t, err, "BadRequestException", "not a valid JSON")
	_, err = c.PutResourcePolicy(ctx, &schemassdk.PutResourcePolicyInput{RegistryName: aws.String("nope"), Policy: aws.String(policy)})
	wantAPIError(t, err, "NotFoundException", "Registry with name nope does not exist.")
	_, err = c.PutResourcePolicy(ctx, &schemassdk.PutResourcePolicyInput{RegistryName: aws.String("aws.events"), Policy: aws.String(policy)})
	wantAPIError(t, err, "ForbiddenException", "aws.events")
	if _, err := c.DeleteResourcePolicy(ctx, &schemassdk.DeleteResourcePolicyInput{RegistryName: reg}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteResourcePolicy(ctx, &schemassdk.DeleteResourcePolicyInput{RegistryName: reg})
	wantAPIError(t, err, "NotFoundException", "Resource Policy does not exist.")
}

func TestTags(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	ctx := context.Background()
	r, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("r"), Tags: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("r"), SchemaName: aws.String("s"), Type: types.TypeOpenApi3, Content: aws.String(openAPI("x"))})
	if err != nil {
		t.Fatal(err)
	}
	// Discoverer ARNs go to the discovery code's tags.
	disc, err := c.CreateDiscoverer(ctx, &schemassdk.CreateDiscovererInput{SourceArn: aws.String("arn:aws:events:us-east-1:" + account + ":event-bus/default")})
	if err != nil {
		t.Fatal(err)
	}
	for _, arn := range []*string{r.RegistryArn, s.SchemaArn, disc.DiscovererArn} {
		t.Run(aws.ToString(arn), func(t *testing.T) {
			if _, err := c.TagResource(ctx, &schemassdk.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"b": "2", "c": "3"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.UntagResource(ctx, &schemassdk.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"c"}}); err != nil {
				t.Fatal(err)
			}
			out, err := c.ListTagsForResource(ctx, &schemassdk.ListTagsForResourceInput{ResourceArn: arn})
			if err != nil {
				t.Fatal(err)
			}
			if out.Tags["b"] != "2" || out.Tags["c"] != "" {
				t.Fatalf("tags = %v", out.Tags)
			}
		})
	}
	d, err := c.DescribeRegistry(ctx, &schemassdk.DescribeRegistryInput{RegistryName: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Tags["a"] != "1" || d.Tags["b"] != "2" {
		t.Fatalf("registry tags = %v", d.Tags)
	}
	missing := aws.String("arn:aws:schemas:us-east-1:" + account + ":registry/nope")
	_, err = c.ListTagsForResource(ctx, &schemassdk.ListTagsForResourceInput{ResourceArn: missing})
	wantAPIError(t, err, "NotFoundException", "does not exist")
	_, err = c.TagResource(ctx, &schemassdk.TagResourceInput{ResourceArn: r.RegistryArn, Tags: map[string]string{"aws:x": "1"}})
	wantAPIError(t, err, "BadRequestException", "reserved prefix")
}

func TestListSchemasPaging(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	ctx := context.Background()
	if _, err := c.CreateRegistry(ctx, &schemassdk.CreateRegistryInput{RegistryName: aws.String("r")}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		if _, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: aws.String("r"), SchemaName: aws.String(n), Type: types.TypeOpenApi3, Content: aws.String(openAPI(n))}); err != nil {
			t.Fatal(err)
		}
	}
	page1, err := c.ListSchemas(ctx, &schemassdk.ListSchemasInput{RegistryName: aws.String("r"), Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	// Deleting a schema already served neither skips nor repeats the rest.
	if _, err := c.DeleteSchema(ctx, &schemassdk.DeleteSchemaInput{RegistryName: aws.String("r"), SchemaName: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range page1.Schemas {
		names = append(names, aws.ToString(s.SchemaName))
	}
	token := page1.NextToken
	for token != nil {
		page, err := c.ListSchemas(ctx, &schemassdk.ListSchemasInput{RegistryName: aws.String("r"), Limit: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Schemas {
			names = append(names, aws.ToString(s.SchemaName))
		}
		token = page.NextToken
	}
	if got := strings.Join(names, ","); got != "a,b,c,d,e" {
		t.Fatalf("pages = %s", got)
	}
}

func TestUpdateSchemaFields(t *testing.T) {
	t.Parallel()
	e, c := start(t)
	ctx := context.Background()
	reg, name := aws.String("discovered-schemas"), aws.String("s")
	if _, err := c.CreateSchema(ctx, &schemassdk.CreateSchemaInput{RegistryName: reg, SchemaName: name, Type: types.TypeOpenApi3, Content: aws.String(openAPI("a"))}); err != nil {
		t.Fatal(err)
	}
	draft4 := `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object"}`
	steps := []struct {
		name        string
		in          schemassdk.UpdateSchemaInput
		wantVersion string
		wantType    string
		wantDesc    string
		wantErr     string
	}{
		{"description only", schemassdk.UpdateSchemaInput{Description: aws.String("new")}, "1", "OpenApi3", "new", ""},
		{"type without content", schemassdk.UpdateSchemaInput{Type: types.TypeJSONSchemaDraft4}, "", "", "", "Content is required"},
		{"content of the other type", schemassdk.UpdateSchemaInput{Content: aws.String(draft4)}, "", "", "", "Invalid OpenApi3 schema content"},
		{"switch type", schemassdk.UpdateSchemaInput{Type: types.TypeJSONSchemaDraft4, Content: aws.String(draft4)}, "2", "JSONSchemaDraft4", "new", ""},
		{"same content, type kept", schemassdk.UpdateSchemaInput{Content: aws.String(draft4)}, "2", "JSONSchemaDraft4", "new", ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := e.Clock().Advance(time.Minute); err != nil {
				t.Fatal(err)
			}
			in := st.in
			in.RegistryName, in.SchemaName = reg, name
			out, err := c.UpdateSchema(ctx, &in)
			if st.wantErr != "" {
				wantAPIError(t, err, "BadRequestException", st.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.SchemaVersion) != st.wantVersion || aws.ToString(out.Type) != st.wantType || aws.ToString(out.Description) != st.wantDesc {
				t.Fatalf("UpdateSchema = version %s type %s description %s", aws.ToString(out.SchemaVersion), aws.ToString(out.Type), aws.ToString(out.Description))
			}
			if !out.LastModified.Equal(e.Clock().Now().Truncate(time.Millisecond)) && st.name != "same content, type kept" {
				t.Fatalf("LastModified = %v, want %v", out.LastModified, e.Clock().Now())
			}
		})
	}
}
