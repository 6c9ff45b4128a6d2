package schemas

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

func newPersistSchemas(c *clock.Clock, j awsapi.Journal, restoring bool) *Service {
	return New(awsapi.Env{Scope: awsapi.Scope{Account: "000000000000", Region: "us-east-1"}, Clock: c, Journal: j, Restoring: restoring})
}

// persistDoc is an OpenApi3 document whose event detail has props.
func persistDoc(props ...string) string {
	p := map[string]any{}
	for _, name := range props {
		p[name] = map[string]any{"type": "string"}
	}
	b, _ := json.Marshal(map[string]any{
		"openapi": "3.0.0", "info": map[string]any{"version": "1.0.0", "title": "Event"}, "paths": map[string]any{},
		"components": map[string]any{"schemas": map[string]any{
			"AWSEvent": map[string]any{"type": "object", "properties": map[string]any{"detail": map[string]any{"$ref": "#/components/schemas/Event"}}},
			"Event":    map[string]any{"type": "object", "properties": p},
		}},
	})
	return string(b)
}

const persistDraft4 = `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","properties":{"a":{"type":"string"}}}`

// step runs one operation; its error fails the scenario.
type step func(ctx context.Context, s *Service) error

func ignore[T any](_ T, err error) error { return err }

// schemasScenarios drive every state-changing operation of the service,
// and the background ones (discovery's inference, code bindings ripening).
var schemasScenarios = []struct {
	name  string
	steps []step
}{
	{"registries, schemas and policies", []step{
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateRegistry(ctx, &CreateRegistryInput{RegistryName: dscStr("shop"), Description: dscStr("d"), Tags: map[string]string{"a": "1", "b": "2"}}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.UpdateRegistry(ctx, &UpdateRegistryInput{RegistryName: dscStr("shop"), Description: dscStr("d2")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateSchema(ctx, &CreateSchemaInput{RegistryName: dscStr("shop"), SchemaName: dscStr("order@Created"), Type: TypeOpenApi3,
				Content: dscStr(persistDoc("id")), Description: dscStr("first"), Tags: map[string]string{"k": "v"}}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.UpdateSchema(ctx, &UpdateSchemaInput{RegistryName: dscStr("shop"), SchemaName: dscStr("order@Created"), Content: dscStr(persistDoc("id", "total"))}))
		},
		func(ctx context.Context, s *Service) error { // the same content: no version
			return ignore(s.UpdateSchema(ctx, &UpdateSchemaInput{RegistryName: dscStr("shop"), SchemaName: dscStr("order@Created"), Content: dscStr(persistDoc("id", "total"))}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.UpdateSchema(ctx, &UpdateSchemaInput{RegistryName: dscStr("shop"), SchemaName: dscStr("order@Created"), Content: dscStr(persistDoc("id", "total", "coupon"))}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.UpdateSchema(ctx, &UpdateSchemaInput{RegistryName: dscStr("shop"), SchemaName: dscStr("order@Created"), Description: dscStr("second")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.DeleteSchemaVersion(ctx, &DeleteSchemaVersionInput{RegistryName: dscStr("shop"), SchemaName: dscStr("order@Created"), SchemaVersion: dscStr("2")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateSchema(ctx, &CreateSchemaInput{RegistryName: dscStr("shop"), SchemaName: dscStr("draft"), Type: TypeJSONSchemaDraft4, Content: dscStr(persistDraft4)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateSchema(ctx, &CreateSchemaInput{RegistryName: dscStr("shop"), SchemaName: dscStr("gone"), Type: TypeOpenApi3, Content: dscStr(persistDoc("x"))}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.DeleteSchema(ctx, &DeleteSchemaInput{RegistryName: dscStr("shop"), SchemaName: dscStr("gone")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.TagResource(ctx, &TagResourceInput{ResourceArn: dscStr("arn:aws:schemas:us-east-1:000000000000:registry/shop"), Tags: map[string]string{"c": "3"}}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.UntagResource(ctx, &UntagResourceInput{ResourceArn: dscStr("arn:aws:schemas:us-east-1:000000000000:registry/shop"), TagKeys: []string{"a"}}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.TagResource(ctx, &TagResourceInput{ResourceArn: dscStr("arn:aws:schemas:us-east-1:000000000000:schema/shop/draft"), Tags: map[string]string{"t": "u"}}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{RegistryName: dscStr("shop"), Policy: dscStr(`{"Version":"2012-10-17","Statement":[]}`)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{Policy: dscStr(`{"Version":"2012-10-17"}`)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateRegistry(ctx, &CreateRegistryInput{RegistryName: dscStr("temp")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{RegistryName: dscStr("temp"), Policy: dscStr(`{}`)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{RegistryName: dscStr("temp")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateSchema(ctx, &CreateSchemaInput{RegistryName: dscStr("temp"), SchemaName: dscStr("s"), Type: TypeOpenApi3, Content: dscStr(persistDoc("x"))}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.DeleteRegistry(ctx, &DeleteRegistryInput{RegistryName: dscStr("temp")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateRegistry(ctx, &CreateRegistryInput{RegistryName: dscStr("kept")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{RegistryName: dscStr("kept"), Policy: dscStr(`{}`)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{RegistryName: dscStr("kept")}))
		},
	}},
	{"account policy deleted", []step{
		func(ctx context.Context, s *Service) error {
			return ignore(s.PutResourcePolicy(ctx, &PutResourcePolicyInput{Policy: dscStr(`{}`)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{}))
		},
		func(ctx context.Context, s *Service) error { // the built-in discovered-schemas registry, deleted
			return ignore(s.DeleteRegistry(ctx, &DeleteRegistryInput{RegistryName: dscStr(discoveredRegistryName)}))
		},
	}},
	{"discovery", []step{
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr(testBus), Description: dscStr("d"), Tags: map[string]string{"k": "v"}}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr("arn:aws:events:us-east-1:000000000000:event-bus/other"), CrossAccount: dscBool(false)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.UpdateDiscoverer(ctx, &UpdateDiscovererInput{DiscovererId: dscStr("events-event-bus-orders"), Description: dscStr("e"), CrossAccount: dscBool(false)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.StopDiscoverer(ctx, &StopDiscovererInput{DiscovererId: dscStr("events-event-bus-other")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.StopDiscoverer(ctx, &StopDiscovererInput{DiscovererId: dscStr("events-event-bus-orders")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.StartDiscoverer(ctx, &StartDiscovererInput{DiscovererId: dscStr("events-event-bus-orders")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.UntagResource(ctx, &UntagResourceInput{ResourceArn: dscStr("arn:aws:schemas:us-east-1:000000000000:discoverer/events-event-bus-orders"), TagKeys: []string{"k"}}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.TagResource(ctx, &TagResourceInput{ResourceArn: dscStr("arn:aws:schemas:us-east-1:000000000000:discoverer/events-event-bus-orders"), Tags: map[string]string{"k2": "v2"}}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateDiscoverer(ctx, &CreateDiscovererInput{SourceArn: dscStr("arn:aws:events:us-east-1:000000000000:event-bus/third")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.DeleteDiscoverer(ctx, &DeleteDiscovererInput{DiscovererId: dscStr("events-event-bus-third")}))
		},
		observe(`{"id":"o1","total":12.5}`),
		observe(`{"id":"o2","total":3.5,"coupon":"X"}`),
		observe(`{"id":"o3","total":1.5}`),
		observe(`{"id":"o4","total":2.5,"note":"n"}`),
		func(ctx context.Context, s *Service) error { // a report goes with its version
			return ignore(s.DeleteSchemaVersion(ctx, &DeleteSchemaVersionInput{RegistryName: dscStr(discoveredRegistryName), SchemaName: dscStr("shop.orders@OrderPlaced"), SchemaVersion: dscStr("3")}))
		},
	}},
	{"code bindings", []step{
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateRegistry(ctx, &CreateRegistryInput{RegistryName: dscStr("cb")}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateSchema(ctx, &CreateSchemaInput{RegistryName: dscStr("cb"), SchemaName: dscStr("order"), Type: TypeOpenApi3, Content: dscStr(persistDoc("id", "total"))}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.PutCodeBinding(ctx, &PutCodeBindingInput{RegistryName: dscStr("cb"), SchemaName: dscStr("order"), Language: dscStr(langGo1)}))
		},
		func(ctx context.Context, s *Service) error {
			return s.env.Clock.Advance(CodeBindingDelay)
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.PutCodeBinding(ctx, &PutCodeBindingInput{RegistryName: dscStr("cb"), SchemaName: dscStr("order"), Language: dscStr(langPython36)}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.UpdateSchema(ctx, &UpdateSchemaInput{RegistryName: dscStr("cb"), SchemaName: dscStr("order"), Content: dscStr(persistDoc("id"))}))
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.PutCodeBinding(ctx, &PutCodeBindingInput{RegistryName: dscStr("cb"), SchemaName: dscStr("order"), Language: dscStr(langTypeScript3), SchemaVersion: dscStr("2")}))
		},
	}},
}

// observe hands an order event to discovery and waits for its inference.
func observe(detail string) step {
	return func(ctx context.Context, s *Service) error {
		s.ObserveEvent(testBus, orderEvent("000000000000", detail))
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		return s.env.Clock.Settle(ctx)
	}
}

// schemasReads answers every read operation over what s holds, as text.
func schemasReads(t *testing.T, s *Service) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	put := func(label string, v any, err error) {
		out, _ := json.Marshal(v)
		fmt.Fprintf(&b, "%s: %s err=%v\n", label, out, err)
	}
	regs, err := s.ListRegistries(ctx, &ListRegistriesInput{})
	put("ListRegistries", regs, err)
	acct, err := s.GetResourcePolicy(ctx, &GetResourcePolicyInput{})
	put("GetResourcePolicy account", acct, err)
	for _, r := range regs.Registries {
		if *r.RegistryName == awsEventsRegistry {
			continue
		}
		got, err := s.DescribeRegistry(ctx, &DescribeRegistryInput{RegistryName: r.RegistryName})
		put("DescribeRegistry", got, err)
		pol, err := s.GetResourcePolicy(ctx, &GetResourcePolicyInput{RegistryName: r.RegistryName})
		put("GetResourcePolicy", pol, err)
		tags, err := s.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: r.RegistryArn})
		put("ListTagsForResource", tags, err)
		schemas, err := s.ListSchemas(ctx, &ListSchemasInput{RegistryName: r.RegistryName})
		put("ListSchemas", schemas, err)
		for _, sc := range schemas.Schemas {
			tags, err := s.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: sc.SchemaArn})
			put("ListTagsForResource", tags, err)
			vs, err := s.ListSchemaVersions(ctx, &ListSchemaVersionsInput{RegistryName: r.RegistryName, SchemaName: sc.SchemaName})
			put("ListSchemaVersions", vs, err)
			latest, err := s.DescribeSchema(ctx, &DescribeSchemaInput{RegistryName: r.RegistryName, SchemaName: sc.SchemaName})
			put("DescribeSchema", latest, err)
			for _, v := range vs.SchemaVersions {
				got, err := s.DescribeSchema(ctx, &DescribeSchemaInput{RegistryName: r.RegistryName, SchemaName: sc.SchemaName, SchemaVersion: v.SchemaVersion})
				put("DescribeSchema version", got, err)
				for _, lang := range []string{langGo1, langPython36, langTypeScript3, langJava8} {
					in := &DescribeCodeBindingInput{RegistryName: r.RegistryName, SchemaName: sc.SchemaName, SchemaVersion: v.SchemaVersion, Language: &lang}
					if cb, err := s.DescribeCodeBinding(ctx, in); err == nil {
						put("DescribeCodeBinding "+lang, cb, err)
						src, err := s.GetCodeBindingSource(ctx, &GetCodeBindingSourceInput{RegistryName: in.RegistryName, SchemaName: in.SchemaName, SchemaVersion: in.SchemaVersion, Language: in.Language})
						put("GetCodeBindingSource "+lang, src, err)
					}
				}
			}
		}
	}
	ds, err := s.ListDiscoverers(ctx, &ListDiscoverersInput{})
	put("ListDiscoverers", ds, err)
	for _, x := range ds.Discoverers {
		got, err := s.DescribeDiscoverer(ctx, &DescribeDiscovererInput{DiscovererId: x.DiscovererId})
		put("DescribeDiscoverer", got, err)
		tags, err := s.ListTagsForResource(ctx, &ListTagsForResourceInput{ResourceArn: x.DiscovererArn})
		put("ListTagsForResource", tags, err)
		put("DiscoveryStarted", s.DiscoveryStarted(*x.SourceArn), nil)
	}
	put("DiscoveredVersions", s.DiscoveredVersions(), nil)
	return b.String()
}

// schemasGoOn changes s further after a restore: discovery sees the last
// event again (no new version) and a new shape (one), a schema gets a
// version, a new registry and schema are made, the policy is replaced by
// its revision, and time passes for code bindings.
func schemasGoOn(t *testing.T, s *Service) {
	t.Helper()
	ctx := context.Background()
	steps := []step{
		observe(`{"id":"o4","total":2.5,"note":"n"}`),
		observe(`{"id":"o5","total":2.5,"note":"n","gift":true}`),
		func(ctx context.Context, s *Service) error {
			regs, err := s.ListRegistries(ctx, &ListRegistriesInput{Scope: dscStr("LOCAL")})
			if err != nil {
				return err
			}
			for _, r := range regs.Registries {
				schemas, err := s.ListSchemas(ctx, &ListSchemasInput{RegistryName: r.RegistryName})
				if err != nil {
					return err
				}
				for _, sc := range schemas.Schemas {
					if _, err := s.UpdateSchema(ctx, &UpdateSchemaInput{RegistryName: r.RegistryName, SchemaName: sc.SchemaName, Type: TypeOpenApi3, Content: dscStr(persistDoc("after", "restore"))}); err != nil {
						return err
					}
				}
				if pol, err := s.GetResourcePolicy(ctx, &GetResourcePolicyInput{RegistryName: r.RegistryName}); err == nil {
					if _, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{RegistryName: r.RegistryName, Policy: dscStr(`{"x":1}`), RevisionId: pol.RevisionId}); err != nil {
						return fmt.Errorf("replacing the policy by its restored revision: %w", err)
					}
				}
			}
			return nil
		},
		func(ctx context.Context, s *Service) error {
			return ignore(s.CreateRegistry(ctx, &CreateRegistryInput{RegistryName: dscStr("later")}))
		},
	}
	for i, st := range steps {
		if err := st(ctx, s); err != nil {
			t.Fatalf("going on, step %d: %v", i, err)
		}
	}
}

// revisions hides policy revision ids, which differ between instances that
// went on separately.
func revisions(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, `"RevisionId":"`); i >= 0 && strings.Contains(line, `{\"x\":1}`) {
			line = line[:i]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func sameRows(t *testing.T, what string, got, want []awsapi.JournalEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i].Key != want[i].Key || !bytes.Equal(got[i].Value, want[i].Value) {
			t.Fatalf("%s: row %d is %s=%.300s, want %s=%.300s", what, i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
}

func TestSchemasPersistence(t *testing.T) {
	t.Parallel()
	for _, sc := range schemasScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := clock.New(clock.WithScale(0), clock.WithStart(time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)))
			t.Cleanup(func() { _ = clk.Close() })
			j := &awsapi.MemoryJournal{}
			orig := newPersistSchemas(clk, j, false)
			for i, st := range sc.steps {
				if err := st(ctx, orig); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				_ = clk.Advance(time.Millisecond)
			}

			// 1. The journal's rows are the state's.
			dump, err := awsapi.DumpRows(orig)
			if err != nil {
				t.Fatal(err)
			}
			sameRows(t, "journal rows vs dump", j.Rows(), dump)

			// 2. Replays answer every read as the original does; 3. a dump
			// and then the whole log (overlapping) too.
			log := j.Log()
			replays := map[string][]awsapi.JournalEntry{"log": log, "dump": dump, "dump then log": append(slices.Clone(dump), log...)}
			want := schemasReads(t, orig)
			names := make([]string, 0, len(replays))
			for name := range replays {
				names = append(names, name)
			}
			sort.Strings(names)
			restored := map[string]*Service{}
			for _, name := range names {
				r := newPersistSchemas(clk, &awsapi.MemoryJournal{}, true)
				if err := awsapi.Replay(r, replays[name]); err != nil {
					t.Fatalf("%s: replay: %v", name, err)
				}
				if got := schemasReads(t, r); got != want {
					t.Fatalf("%s: restored reads differ:\n got: %s\nwant: %s", name, got, want)
				}
				rdump, err := awsapi.DumpRows(r)
				if err != nil {
					t.Fatal(err)
				}
				sameRows(t, name+": restored dump vs original dump", rdump, dump)
				restored[name] = r
			}

			// They go on as the original does.
			schemasGoOn(t, orig)
			for _, name := range names {
				schemasGoOn(t, restored[name])
			}
			_ = clk.Advance(time.Minute)
			want = revisions(schemasReads(t, orig))
			for _, name := range names {
				if got := revisions(schemasReads(t, restored[name])); got != want {
					t.Fatalf("%s: after going on, reads differ:\n got: %s\nwant: %s", name, got, want)
				}
			}
			after, err := awsapi.DumpRows(orig)
			if err != nil {
				t.Fatal(err)
			}
			sameRows(t, "journal rows vs dump after going on", j.Rows(), after)
		})
	}
}

func TestSchemasRestoreRejectsBadRows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rows []awsapi.JournalEntry
	}{
		{"unknown key", []awsapi.JournalEntry{{Key: "zz/x", Value: []byte(`{}`)}}},
		{"bad json", []awsapi.JournalEntry{{Key: "r/x", Value: []byte(`{`)}}},
		{"schema without registry", []awsapi.JournalEntry{{Key: "s/x/y", Value: []byte(`{"ty":"OpenApi3","nv":1,"lm":1}`)}}},
		{"version without schema", []awsapi.JournalEntry{{Key: "r/x", Value: []byte(`{}`)}, {Key: "v/x/y/1", Value: []byte(`{"ty":"OpenApi3","c":"{}","cr":1}`)}}},
		{"bad version number", []awsapi.JournalEntry{{Key: "v/x/y/z", Value: []byte(`{}`)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := clock.New(clock.WithScale(0))
			t.Cleanup(func() { _ = c.Close() })
			if err := awsapi.Replay(newPersistSchemas(c, nil, true), tc.rows); err == nil {
				t.Fatal("replay accepted bad rows")
			}
		})
	}
}
