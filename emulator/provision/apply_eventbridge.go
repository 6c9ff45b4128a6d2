package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/eventbridge"
)

// eventBridge applies a scope's buses, rules (with their targets) and
// archives, in that order.
func (a *applier) eventBridge(ctx context.Context, r *Resources) error {
	a.buses = map[string]string{"default": a.ebARN("event-bus/default")}
	for i := range r.Buses {
		if err := a.bus(ctx, &r.Buses[i]); err != nil {
			return err
		}
	}
	for i := range r.Rules {
		if err := a.rule(ctx, &r.Rules[i]); err != nil {
			return err
		}
	}
	for i := range r.Archives {
		if err := a.archive(ctx, &r.Archives[i]); err != nil {
			return err
		}
	}
	return nil
}

// ebARN is the ARN of an EventBridge resource of the scope.
func (a *applier) ebARN(resource string) string {
	return "arn:" + awsapi.Partition(a.sc.Region) + ":events:" + a.sc.Region + ":" + a.sc.Account + ":" + resource
}

// ebTags turns a file's tags into EventBridge tags, in key order.
func ebTags(tags map[string]string) []eventbridge.Tag {
	var out []eventbridge.Tag
	for _, k := range sortedKeys(tags) {
		out = append(out, eventbridge.Tag{Key: ptr(k), Value: ptr(tags[k])})
	}
	return out
}

// optional returns nil for "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *applier) bus(ctx context.Context, b *Bus) error {
	got, err := call[eventbridge.DescribeEventBusOutput](ctx, a, "events", "DescribeEventBus", &eventbridge.DescribeEventBusInput{Name: &b.Name})
	switch {
	case notFound(err):
		out, err := call[eventbridge.CreateEventBusOutput](ctx, a, "events", "CreateEventBus", &eventbridge.CreateEventBusInput{
			Name: &b.Name, Description: optional(b.Description), Tags: ebTags(withGuard(b.Tags, b.SchemaGuard))})
		if err != nil {
			return a.fail(b.Line, err, "bus %q: CreateEventBus", b.Name)
		}
		if b.Policy != "" {
			in := &eventbridge.PutPermissionInput{EventBusName: &b.Name, Policy: ptr(string(b.Policy))}
			if _, err := call[eventbridge.PutPermissionOutput](ctx, a, "events", "PutPermission", in); err != nil {
				return a.fail(b.Line, err, "bus %q: PutPermission", b.Name)
			}
		}
		a.buses[b.Name] = deref(out.EventBusArn)
		a.done(true, "eventbridge bus %s", b.Name)
	case err != nil:
		return a.fail(b.Line, err, "bus %q: DescribeEventBus", b.Name)
	default:
		if b.Policy != "" && !samePolicy(deref(got.Policy), string(b.Policy)) {
			return a.fail(b.Line, nil, "bus %q exists with policy %s (the file says %s)", b.Name, orNone(deref(got.Policy)), b.Policy)
		}
		a.buses[b.Name] = deref(got.Arn)
		a.done(false, "eventbridge bus %s", b.Name)
	}
	return nil
}

// orNone shows an empty value as (none) in messages.
func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// samePolicy compares a bus policy as EventBridge shows it with the
// file's: a lone statement equals a list of it, and the version defaults.
func samePolicy(have, want string) bool {
	norm := func(s string) any {
		var doc map[string]any
		if json.Unmarshal([]byte(s), &doc) != nil || doc == nil {
			return nil
		}
		if _, ok := doc["Version"]; !ok {
			doc["Version"] = "2012-10-17"
		}
		if st, ok := doc["Statement"].(map[string]any); ok {
			doc["Statement"] = []any{st}
		}
		return doc
	}
	h, w := norm(have), norm(want)
	return h != nil && reflect.DeepEqual(h, w)
}

// busName is the EventBusName of a reference (nil for the default bus).
func busName(ref string) *string {
	if ref == "" || ref == "default" {
		return nil
	}
	return &ref
}

func (a *applier) rule(ctx context.Context, ru *Rule) error {
	bus := busName(ru.Bus)
	state := eventbridge.RuleState(ru.State)
	if state == "" {
		state = eventbridge.RuleStateEnabled
	}
	label := fmt.Sprintf("eventbridge rule %s/%s", busKey(ru.Bus), ru.Name)
	got, err := call[eventbridge.DescribeRuleOutput](ctx, a, "events", "DescribeRule", &eventbridge.DescribeRuleInput{Name: &ru.Name, EventBusName: bus})
	switch {
	case notFound(err):
		in := &eventbridge.PutRuleInput{Name: &ru.Name, EventBusName: bus, EventPattern: optional(string(ru.EventPattern)),
			ScheduleExpression: optional(ru.ScheduleExpression), State: state, Description: optional(ru.Description),
			RoleArn: optional(ru.RoleArn), Tags: ebTags(ru.Tags)}
		if _, err := call[eventbridge.PutRuleOutput](ctx, a, "events", "PutRule", in); err != nil {
			return a.fail(ru.Line, err, "rule %q: PutRule", ru.Name)
		}
		a.done(true, "%s", label)
	case err != nil:
		return a.fail(ru.Line, err, "rule %q: DescribeRule", ru.Name)
	default:
		var diffs []string
		if p := deref(got.EventPattern); (p != "" || ru.EventPattern != "") && !sameAttr(p, string(ru.EventPattern)) {
			diffs = append(diffs, fmt.Sprintf("eventPattern %s (the file says %s)", orNone(p), orNone(string(ru.EventPattern))))
		}
		if s := deref(got.ScheduleExpression); s != ru.ScheduleExpression {
			diffs = append(diffs, fmt.Sprintf("scheduleExpression %s (the file says %s)", orNone(s), orNone(ru.ScheduleExpression)))
		}
		if got.State != state {
			diffs = append(diffs, fmt.Sprintf("state %s (the file says %s)", got.State, state))
		}
		if len(diffs) > 0 {
			return a.fail(ru.Line, nil, "rule %q exists with %s", ru.Name, strings.Join(diffs, ", "))
		}
		a.done(false, "%s", label)
	}
	return a.targets(ctx, ru, bus)
}

// targets puts the rule's targets it does not have yet and checks those
// it has.
func (a *applier) targets(ctx context.Context, ru *Rule, bus *string) error {
	if len(ru.Targets) == 0 {
		return nil
	}
	existing := map[string]eventbridge.Target{}
	in := &eventbridge.ListTargetsByRuleInput{Rule: &ru.Name, EventBusName: bus}
	for {
		out, err := call[eventbridge.ListTargetsByRuleOutput](ctx, a, "events", "ListTargetsByRule", in)
		if err != nil {
			return a.fail(ru.Line, err, "rule %q: ListTargetsByRule", ru.Name)
		}
		for _, t := range out.Targets {
			existing[deref(t.Id)] = t
		}
		if deref(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	var missing []eventbridge.Target
	var lines []int
	for i := range ru.Targets {
		rt := &ru.Targets[i]
		want := a.ebTarget(rt)
		label := fmt.Sprintf("eventbridge target %s/%s -> %s", ru.Name, rt.ID, deref(want.Arn))
		have, ok := existing[rt.ID]
		if !ok {
			missing = append(missing, want)
			lines = append(lines, rt.Line)
			a.done(true, "%s", label)
			continue
		}
		if diffs := targetDiffs(have, want); len(diffs) > 0 {
			return a.fail(rt.Line, nil, "target %q of rule %q exists with other %s", rt.ID, ru.Name, strings.Join(diffs, ", "))
		}
		a.done(false, "%s", label)
	}
	if len(missing) == 0 {
		return nil
	}
	out, err := call[eventbridge.PutTargetsOutput](ctx, a, "events", "PutTargets", &eventbridge.PutTargetsInput{Rule: &ru.Name, EventBusName: bus, Targets: missing})
	if err != nil {
		// EventBridge's texts name the target ("... for target t1 ...").
		line := lines[0]
		for i, t := range missing {
			if id := deref(t.Id); strings.Contains(err.Error(), "target "+id+" ") || strings.Contains(err.Error(), "target "+id+".") ||
				strings.Contains(err.Error(), "target: "+id+".") {
				line = lines[i]
				break
			}
		}
		return a.fail(line, err, "rule %q: PutTargets", ru.Name)
	}
	for _, f := range out.FailedEntries {
		line := ru.Line
		for i, t := range missing {
			if deref(t.Id) == deref(f.TargetId) {
				line = lines[i]
			}
		}
		return a.fail(line, nil, "target %q of rule %q: PutTargets: %s: %s", deref(f.TargetId), ru.Name, deref(f.ErrorCode), deref(f.ErrorMessage))
	}
	return nil
}

// targetDiffs names the fields in which an existing target differs from
// the file's.
func targetDiffs(have, want eventbridge.Target) []string {
	var diffs []string
	hv, wv := reflect.ValueOf(have), reflect.ValueOf(want)
	for i := range hv.NumField() {
		if !reflect.DeepEqual(hv.Field(i).Interface(), wv.Field(i).Interface()) {
			diffs = append(diffs, hv.Type().Field(i).Name)
		}
	}
	return diffs
}

// ebTarget builds the PutTargets entry of a file's target.
func (a *applier) ebTarget(rt *RuleTarget) eventbridge.Target {
	arn := rt.Arn
	switch {
	case rt.Queue != "":
		arn = arnOf(a.queues, rt.Queue)
	case rt.Function != "":
		arn = arnOf(a.functions, rt.Function)
	case rt.Topic != "":
		arn = rt.Topic
		if !strings.HasPrefix(arn, "arn:") {
			arn = "arn:" + awsapi.Partition(a.sc.Region) + ":sns:" + a.sc.Region + ":" + a.sc.Account + ":" + rt.Topic
		}
	case rt.Stream != "":
		arn = arnOf(a.streams, rt.Stream)
	case rt.Bus != "":
		arn = arnOf(a.buses, rt.Bus)
	}
	t := eventbridge.Target{Id: ptr(rt.ID), Arn: &arn, RoleArn: optional(rt.RoleArn), Input: optional(string(rt.Input)),
		InputPath: optional(rt.InputPath)}
	if tr := rt.InputTransformer; tr != nil {
		t.InputTransformer = &eventbridge.InputTransformer{InputPathsMap: tr.InputPathsMap, InputTemplate: ptr(tr.InputTemplate)}
	}
	if rp := rt.RetryPolicy; rp != nil {
		t.RetryPolicy = &eventbridge.RetryPolicy{MaximumRetryAttempts: rp.MaximumRetryAttempts, MaximumEventAgeInSeconds: rp.MaximumEventAgeInSeconds}
	}
	if rt.DeadLetterQueue != "" {
		t.DeadLetterConfig = &eventbridge.DeadLetterConfig{Arn: ptr(arnOf(a.queues, rt.DeadLetterQueue))}
	}
	if sp := rt.SqsParameters; sp != nil {
		t.SqsParameters = &eventbridge.SqsParameters{MessageGroupId: optional(sp.MessageGroupID)}
	}
	if kp := rt.KinesisParameters; kp != nil {
		t.KinesisParameters = &eventbridge.KinesisParameters{PartitionKeyPath: ptr(kp.PartitionKeyPath)}
	}
	return t
}

func (a *applier) archive(ctx context.Context, ar *Archive) error {
	source := arnOf(a.buses, busKey(ar.Bus))
	got, err := call[eventbridge.DescribeArchiveOutput](ctx, a, "events", "DescribeArchive", &eventbridge.DescribeArchiveInput{ArchiveName: &ar.Name})
	switch {
	case notFound(err):
		in := &eventbridge.CreateArchiveInput{ArchiveName: &ar.Name, EventSourceArn: &source, Description: optional(ar.Description),
			EventPattern: optional(string(ar.EventPattern)), RetentionDays: ptr(ar.RetentionDays)}
		if _, err := call[eventbridge.CreateArchiveOutput](ctx, a, "events", "CreateArchive", in); err != nil {
			return a.fail(ar.Line, err, "archive %q: CreateArchive", ar.Name)
		}
		a.done(true, "eventbridge archive %s", ar.Name)
		return nil
	case err != nil:
		return a.fail(ar.Line, err, "archive %q: DescribeArchive", ar.Name)
	}
	var diffs []string
	if s := deref(got.EventSourceArn); s != source {
		diffs = append(diffs, fmt.Sprintf("bus %s (the file says %s)", s, source))
	}
	if p := deref(got.EventPattern); (p != "" || ar.EventPattern != "") && !sameAttr(p, string(ar.EventPattern)) {
		diffs = append(diffs, fmt.Sprintf("eventPattern %s (the file says %s)", orNone(p), orNone(string(ar.EventPattern))))
	}
	if d := deref(got.RetentionDays); d != ar.RetentionDays {
		diffs = append(diffs, fmt.Sprintf("retentionDays %d (the file says %d)", d, ar.RetentionDays))
	}
	if len(diffs) > 0 {
		return a.fail(ar.Line, nil, "archive %q exists with %s", ar.Name, strings.Join(diffs, ", "))
	}
	a.done(false, "eventbridge archive %s", ar.Name)
	return nil
}
