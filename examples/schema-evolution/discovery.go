package main

// Step 8: EventBridge Schemas discovers the orders' schema from the events
// on a bus, and evolvestack says which change breaks its consumers.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/schemas"
	schemastypes "github.com/aws/aws-sdk-go-v2/service/schemas/types"
)

// discoveredRegistry is the registry discoverers write their schemas to.
const discoveredRegistry = "discovered-schemas"

// discoveryReport is what evolvestack serves at
// GET /_evolvestack/schemas/discovered/{schema}/versions/{version}.
type discoveryReport struct {
	Schema             string             `json:"schema"`
	Version            string             `json:"version"`
	PreviousVersion    string             `json:"previousVersion"`
	BackwardCompatible bool               `json:"backwardCompatible"`
	ForwardCompatible  bool               `json:"forwardCompatible"`
	Backward           []discoveryFinding `json:"backwardFindings"`
	Forward            []discoveryFinding `json:"forwardFindings"`
	Fields             []string           `json:"fields"`
}

// discoveryFinding is one reason a discovered version is not compatible.
type discoveryFinding struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (d *demo) step8(ctx context.Context) error {
	// On a shared stack the discovered schema's name carries the run's
	// suffix, so that each run discovers its own versions.
	bus, source := "order-discovery"+d.suffix, eventSource+d.suffix
	name := source + "@" + orderPlaced
	d.n.do("creating event bus %q and a schema discoverer on it (CreateDiscoverer with the bus's ARN)", bus)
	created, err := d.st.events.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)})
	if err != nil {
		return fmt.Errorf("creating event bus %s: %w", bus, err)
	}
	d.createdBuses = append(d.createdBuses, bus)
	disc, err := d.st.schemas.CreateDiscoverer(ctx, &schemas.CreateDiscovererInput{
		SourceArn: created.EventBusArn, Description: aws.String("schema-evolution demo"),
	})
	if err != nil {
		return fmt.Errorf("creating a discoverer on %s: %w", bus, err)
	}
	d.createdDiscoverers = append(d.createdDiscoverers, aws.ToString(disc.DiscovererId))
	if err := d.check(disc.State == schemastypes.DiscovererStateStarted,
		fmt.Sprintf("discoverer %s is %s: each event on %q becomes an OpenAPI 3 schema %q in registry %q",
			aws.ToString(disc.DiscovererId), disc.State, bus, name, discoveredRegistry),
		fmt.Sprintf("discoverer %s is %s, want STARTED", aws.ToString(disc.DiscovererId), disc.State)); err != nil {
		return err
	}

	// No serde here: the detail is the order itself, as a JSON producer
	// sends it; discovery infers the schema from what it sees.
	coupon1, coupon2 := "DISCOVER", "AUTUMN"
	rounds := []struct {
		intro  string
		orders []any
		want   []string // the detail's members, all required
	}{
		{"the v1 producer puts 2 %s events on %q, the order as the JSON detail: orderId, customer, amountCents",
			[]any{order{"o-8101", "grace", 4200}, order{"o-8102", "linus", 310}},
			[]string{"amountCents", "customer", "orderId"}},
		{"the v2 producer puts 2 %s events on %q whose detail adds couponCode",
			[]any{orderWithCoupon{"o-8001", "ada", 1990, &coupon1}, orderWithCoupon{"o-8002", "ken", 999, &coupon2}},
			[]string{"amountCents", "couponCode", "customer", "orderId"}},
	}
	for i, r := range rounds {
		d.n.do(r.intro, orderPlaced, bus)
		if err := d.putDetails(ctx, bus, source, r.orders); err != nil {
			return err
		}
		if err := d.expectDiscovered(ctx, name, i+1, r.want); err != nil {
			return err
		}
	}

	path := "schemas/discovered/" + url.PathEscape(name) + "/versions/2"
	d.n.do("asking evolvestack how version 2 compares with version 1: GET /_evolvestack/%s", path)
	var rep discoveryReport
	if err := d.st.admin(ctx, http.MethodGet, path, nil, &rep); err != nil {
		return d.check(false, "", fmt.Sprintf("reading the findings of %s version 2: %v", name, err))
	}
	for _, c := range []struct {
		what     string
		ok       bool
		findings []discoveryFinding
	}{
		{"backward compatible (version 2 reads version 1 events)", rep.BackwardCompatible, rep.Backward},
		{"forward compatible (consumers of version 1 read version 2 events)", rep.ForwardCompatible, rep.Forward},
	} {
		d.n.detail("%s: %t", c.what, c.ok)
		for _, f := range c.findings {
			d.n.detail("  • %s [%s]: %s", f.Path, f.Rule, f.Message)
		}
	}
	const decisive = "/detail/couponCode"
	if err := d.check(!rep.BackwardCompatible && len(rep.Backward) > 0 && rep.PreviousVersion == "1" && slices.Equal(rep.Fields, []string{decisive}),
		fmt.Sprintf("version 2 is not backward compatible with version %s, and %s decides it", rep.PreviousVersion, decisive),
		fmt.Sprintf("the findings of version 2: backwardCompatible %t (%d findings), previous version %q, fields %v; want false, version 1 and [%s]",
			rep.BackwardCompatible, len(rep.Backward), rep.PreviousVersion, rep.Fields, decisive)); err != nil {
		return err
	}
	d.n.ok("discovery knows no defaults: every member it saw is required, and v1 events lack couponCode " +
		"(in the Glue registry, step 2, its default made the same change backward compatible)")
	return nil
}

// putDetails puts one OrderPlaced event per order on bus in one PutEvents
// call, each order as the JSON detail.
func (d *demo) putDetails(ctx context.Context, bus, source string, orders []any) error {
	entries := make([]ebtypes.PutEventsRequestEntry, len(orders))
	for i, o := range orders {
		detail, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("encoding %v: %w", o, err)
		}
		entries[i] = ebtypes.PutEventsRequestEntry{EventBusName: aws.String(bus), Source: aws.String(source),
			DetailType: aws.String(orderPlaced), Detail: aws.String(string(detail))}
	}
	out, err := d.st.events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		return fmt.Errorf("putting events on %s: %w", bus, err)
	}
	return d.check(out.FailedEntryCount == 0 && len(out.Entries) == len(entries),
		fmt.Sprintf("EventBridge accepted the %d events", len(entries)),
		fmt.Sprintf("PutEvents: %d of %d failed: %+v", out.FailedEntryCount, len(entries), out.Entries))
}

// expectDiscovered waits until schema name has versions 1 to n
// (discovery is asynchronous), then checks with DescribeSchema that the
// detail's members in version n are want, each required.
func (d *demo) expectDiscovered(ctx context.Context, name string, n int, want []string) error {
	version := fmt.Sprint(n)
	wantVersions := make([]string, n)
	for i := range wantVersions {
		wantVersions[i] = fmt.Sprint(i + 1)
	}
	d.n.do("waiting for discovery: ListSchemaVersions of %q in %q", name, discoveredRegistry)
	var versions []string
	err := d.w.until(ctx, fmt.Sprintf("version %s of %s", version, name), func(ctx context.Context) (bool, error) {
		out, err := d.st.schemas.ListSchemaVersions(ctx, &schemas.ListSchemaVersionsInput{
			RegistryName: aws.String(discoveredRegistry), SchemaName: aws.String(name),
		})
		var nf *schemastypes.NotFoundException
		if errors.As(err, &nf) {
			return false, nil // nothing discovered yet
		}
		if err != nil {
			return false, err
		}
		versions = versions[:0]
		for _, v := range out.SchemaVersions {
			versions = append(versions, aws.ToString(v.SchemaVersion))
		}
		sort.Slice(versions, func(i, j int) bool { return versionLess(versions[i], versions[j]) })
		return len(versions) > 0 && versions[len(versions)-1] == version, nil
	})
	if err != nil {
		return d.check(false, "", fmt.Sprintf("%v (versions so far: %v)", err, versions))
	}
	out, err := d.st.schemas.DescribeSchema(ctx, &schemas.DescribeSchemaInput{
		RegistryName: aws.String(discoveredRegistry), SchemaName: aws.String(name), SchemaVersion: aws.String(version),
	})
	if err != nil {
		return fmt.Errorf("describing %s version %s: %w", name, version, err)
	}
	members, required, err := detailShape(aws.ToString(out.Content))
	if err != nil {
		return d.check(false, "", fmt.Sprintf("%s version %s: %v", name, version, err))
	}
	d.n.detail("version %s (DescribeSchema, %s): detail %s {%s}", version, aws.ToString(out.Type), orderPlaced, strings.Join(members, ", "))
	var names []string
	for _, m := range members {
		n, _, _ := strings.Cut(m, ":")
		names = append(names, n)
	}
	return d.check(slices.Equal(versions, wantVersions) && slices.Equal(names, want) && slices.Equal(required, want),
		fmt.Sprintf("discovery wrote version %s of %q: the detail requires %s", version, name, strings.Join(want, ", ")),
		fmt.Sprintf("%s has versions %v and version %s has members %v, required %v; want versions %v, members and required %v",
			name, versions, version, names, required, wantVersions, want))
}

// detailShape reads an OpenApi3 document discovery wrote: the members of
// the detail's component as "name: type", and its required members,
// both sorted.
func detailShape(content string) (members, required []string, err error) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required   []string `json:"required"`
				Properties map[string]struct {
					Ref    string `json:"$ref"`
					Type   string `json:"type"`
					Format string `json:"format"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		return nil, nil, fmt.Errorf("the content is not an OpenAPI document: %w", err)
	}
	ref := doc.Components.Schemas["AWSEvent"].Properties["detail"].Ref
	detail, ok := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	if ref == "" || !ok {
		return nil, nil, fmt.Errorf("no detail component (AWSEvent.detail is %q)", ref)
	}
	for k, p := range detail.Properties {
		members = append(members, fmt.Sprintf("%s: %s", k, firstNonEmpty(p.Type, "any")))
	}
	sort.Strings(members)
	required = slices.Sorted(slices.Values(detail.Required))
	return members, required, nil
}

// versionLess orders numeric version strings.
func versionLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// cleanupDiscovery deletes step 8's discoverers and the schema they
// discovered; the bus goes with step 7's.
func (d *demo) cleanupDiscovery(ctx context.Context) []error {
	var errs []error
	for _, id := range d.createdDiscoverers {
		if _, err := d.st.schemas.DeleteDiscoverer(ctx, &schemas.DeleteDiscovererInput{DiscovererId: aws.String(id)}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(d.createdDiscoverers) > 0 {
		name := eventSource + d.suffix + "@" + orderPlaced
		_, err := d.st.schemas.DeleteSchema(ctx, &schemas.DeleteSchemaInput{RegistryName: aws.String(discoveredRegistry), SchemaName: aws.String(name)})
		var nf *schemastypes.NotFoundException
		if err != nil && !errors.As(err, &nf) {
			errs = append(errs, err)
		}
	}
	return errs
}
