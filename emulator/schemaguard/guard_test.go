package schemaguard

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

func TestParseSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schema, mode string
		want         Spec
		err          string
	}{
		{"glue:shop/Order", "", Spec{KindGlue, "shop", "Order", ModeRecord}, ""},
		{"glue:shop/Order", "record", Spec{KindGlue, "shop", "Order", ModeRecord}, ""},
		{"schemas:discovered-schemas/shop@OrderPlaced", "reject", Spec{KindSchemas, "discovered-schemas", "shop@OrderPlaced", ModeReject}, ""},
		{"kafka:shop/Order", "", Spec{}, "must be glue:<registry>/<schema> or schemas:<registry>/<schema>"},
		{"glue:shop", "", Spec{}, "must be glue:<registry>/<schema>"},
		{"glue:/Order", "", Spec{}, "must be glue:<registry>/<schema>"},
		{"glue:shop/", "", Spec{}, "must be glue:<registry>/<schema>"},
		{"glue:shop/a/b", "", Spec{}, "must be glue:<registry>/<schema>"},
		{"", "", Spec{}, "must be glue:"},
		{"glue:shop/Order", "Reject", Spec{}, `mode "Reject" must be record or reject`},
	}
	for _, tc := range tests {
		got, err := ParseSpec(tc.schema, tc.mode)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSpec(%q, %q) error = %v, want %q", tc.schema, tc.mode, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSpec(%q, %q) = %+v, %v; want %+v", tc.schema, tc.mode, got, err, tc.want)
		}
		if err == nil && got.SchemaName() != tc.schema {
			t.Errorf("SchemaName() = %q, want %q", got.SchemaName(), tc.schema)
		}
	}
}

// TestViolationsBounded: the oldest violations go first once the bound is
// reached, and the count of dropped ones says so.
func TestViolationsBounded(t *testing.T) {
	t.Parallel()
	g := New(Config{MaxViolations: 3})
	scope := awsapi.Scope{Account: "000000000000", Region: "us-east-1"}
	c := g.For(scope, "arn:aws:kinesis:us-east-1:000000000000:stream/s", "nonsense", "reject")
	for i := range 5 {
		if msg := c.Check(context.Background(), []byte(fmt.Sprintf("payload %d", i))); !strings.Contains(msg, "must be glue:<registry>/<schema>") {
			t.Fatalf("a misconfigured guard in mode reject refuses with why: %q", msg)
		}
	}
	vs, dropped := g.Violations(Filter{})
	if len(vs) != 3 || dropped != 2 || string(vs[0].PayloadHead) != "payload 2" || string(vs[2].PayloadHead) != "payload 4" {
		t.Fatalf("violations %+v, dropped %d", vs, dropped)
	}
	if vs[0].Schema != "(invalid)" {
		t.Errorf("schema = %q", vs[0].Schema)
	}
	g.ClearViolations()
	if vs, dropped := g.Violations(Filter{}); len(vs) != 0 || dropped != 0 {
		t.Fatalf("after clearing: %d violations, %d dropped", len(vs), dropped)
	}
}

// TestExplicitGuardWinsOverTags: Set overrides a resource's tags; Remove
// gives the tags back; an untagged resource without Set is not guarded.
func TestExplicitGuardWinsOverTags(t *testing.T) {
	t.Parallel()
	g := New(Config{})
	scope := awsapi.Scope{Account: "000000000000", Region: "us-east-1"}
	const arn = "arn:aws:sqs:us-east-1:000000000000:q"
	if c := g.For(scope, arn, "", ""); c != nil {
		t.Fatal("an untagged resource is guarded")
	}
	g.Set(arn, Spec{Kind: KindGlue, Registry: "r", Schema: "s", Mode: ModeReject})
	c, ok := g.For(scope, arn, "glue:other/x", "record").(*checker)
	if !ok || c.spec.Registry != "r" || c.spec.Mode != ModeReject {
		t.Fatalf("explicit guard not used: %+v", c)
	}
	if !g.Remove(arn) || g.Remove(arn) {
		t.Fatal("Remove reports wrongly")
	}
	c, ok = g.For(scope, arn, "glue:other/x", "record").(*checker)
	if !ok || c.spec.Registry != "other" || c.spec.Mode != ModeRecord {
		t.Fatalf("tag guard not used: %+v", c)
	}
}
