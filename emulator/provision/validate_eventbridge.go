package provision

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/eventbridge"
	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

// ebMaxTargets is EventBridge's (hard) quota of targets per rule.
const ebMaxTargets = 5

// refs are the names a scope declares, for the references of rule targets.
type refs struct {
	queues, functions, topics, streams, buses names
}

// eventBridge checks the buses, rules and archives of one scope.
func (c *checker) eventBridge(p string, r *Resources, rf refs) {
	rf.buses = names{}
	for i := range r.Buses {
		b := &r.Buses[i]
		bp := fmt.Sprintf("%s.buses[%d]", p, i)
		b.Line = c.line(bp)
		switch {
		case b.Name == "":
			c.errf(bp, "bus: name is required")
			continue
		case b.Name == "default":
			c.errf(bp+".name", "bus %q: the default bus always exists; declare custom buses only", b.Name)
		case !nameOf(b.Name, 1, 256, "/.-_") || strings.Contains(b.Name, "/"):
			c.errf(bp+".name", "bus %q: want 1 to 256 letters, digits, dots, hyphens and underscores", b.Name)
		}
		c.add(rf.buses, "bus", b.Name, bp, b.Line)
		if b.Policy != "" && !isJSONObject(string(b.Policy)) {
			c.errf(bp+".policy", "policy: want a mapping or a JSON policy document")
		}
	}
	rules := map[string]int{}
	for i := range r.Rules {
		ru := &r.Rules[i]
		rp := fmt.Sprintf("%s.rules[%d]", p, i)
		ru.Line = c.line(rp)
		c.rule(rp, ru, rf)
		key := busKey(ru.Bus) + "\x00" + ru.Name
		if prev, ok := rules[key]; ok && ru.Name != "" {
			c.errf(rp+".name", "rule %q on bus %q is already declared at line %d", ru.Name, busKey(ru.Bus), prev)
		} else if !ok {
			rules[key] = ru.Line
		}
	}
	archives := names{}
	for i := range r.Archives {
		a := &r.Archives[i]
		ap := fmt.Sprintf("%s.archives[%d]", p, i)
		a.Line = c.line(ap)
		switch {
		case a.Name == "":
			c.errf(ap, "archive: name is required")
		case !nameOf(a.Name, 1, 48, ".-_"):
			c.errf(ap+".name", "archive %q: want 1 to 48 letters, digits, dots, hyphens and underscores", a.Name)
			c.add(archives, "archive", a.Name, ap, a.Line)
		default:
			c.add(archives, "archive", a.Name, ap, a.Line)
		}
		c.busRef(ap+".bus", a.Bus, rf.buses)
		c.pattern(ap+".eventPattern", string(a.EventPattern))
		if a.RetentionDays < 0 {
			c.errf(ap+".retentionDays", "retentionDays %d: want 0 (indefinitely) or more", a.RetentionDays)
		}
	}
}

// busKey is the name a rule's or archive's bus reference stands for.
func busKey(bus string) string {
	if bus == "" {
		return "default"
	}
	return bus
}

// busRef checks a reference to a bus: default, a declared bus or an ARN.
func (c *checker) busRef(p, bus string, buses names) {
	if bus == "" || bus == "default" {
		return
	}
	c.ref(p, "bus", bus, buses)
}

// pattern checks an event pattern as PutRule would.
func (c *checker) pattern(p, pattern string) {
	if pattern == "" {
		return
	}
	if !isJSONObject(pattern) {
		c.errf(p, "eventPattern: want a mapping or a JSON object")
		return
	}
	if _, err := eventmatch.CompilePattern([]byte(pattern)); err != nil {
		// The first line: EventBridge's text goes on with the JSON position.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		c.errf(p, "eventPattern: %s", msg)
	}
}

func (c *checker) rule(p string, ru *Rule, rf refs) {
	switch {
	case ru.Name == "":
		c.errf(p, "rule: name is required")
	case !nameOf(ru.Name, 1, 64, ".-_"):
		c.errf(p+".name", "rule %q: want 1 to 64 letters, digits, dots, hyphens and underscores", ru.Name)
	}
	c.busRef(p+".bus", ru.Bus, rf.buses)
	switch {
	case ru.EventPattern == "" && ru.ScheduleExpression == "":
		c.errf(p, "rule %q: eventPattern or scheduleExpression is required", ru.Name)
	case ru.ScheduleExpression != "" && busKey(ru.Bus) != "default":
		c.errf(p+".scheduleExpression", "rule %q: a scheduleExpression works on the default bus only", ru.Name)
	case ru.ScheduleExpression != "" && !strings.HasPrefix(ru.ScheduleExpression, "rate(") && !strings.HasPrefix(ru.ScheduleExpression, "cron("):
		c.errf(p+".scheduleExpression", "scheduleExpression %q: want rate(...) or cron(...)", ru.ScheduleExpression)
	}
	c.pattern(p+".eventPattern", string(ru.EventPattern))
	if ru.State != "" && !slices.Contains(eventbridge.RuleState("").Values(), eventbridge.RuleState(ru.State)) {
		c.errf(p+".state", "state %q: want one of %s", ru.State, joinValues(eventbridge.RuleState("").Values()))
	}
	if len(ru.Targets) > ebMaxTargets {
		c.errf(fmt.Sprintf("%s.targets[%d]", p, ebMaxTargets), "rule %q: at most %d targets", ru.Name, ebMaxTargets)
	}
	ids := names{}
	for i := range ru.Targets {
		t := &ru.Targets[i]
		tp := fmt.Sprintf("%s.targets[%d]", p, i)
		t.Line = c.line(tp)
		switch {
		case t.ID == "":
			c.errf(tp, "target: id is required")
		case !nameOf(t.ID, 1, 64, ".-_"):
			c.errf(tp+".id", "target id %q: want 1 to 64 letters, digits, dots, hyphens and underscores", t.ID)
		default:
			if prev, ok := ids[t.ID]; ok {
				c.errf(tp+".id", "target %q is already declared at line %d", t.ID, prev)
			} else {
				ids[t.ID] = t.Line
			}
		}
		c.target(tp, t, rf)
	}
}

// targetKinds are the keys that say where a target's events go.
const targetKinds = "arn, queue, function, topic, stream or bus"

func (c *checker) target(p string, t *RuleTarget, rf refs) {
	var kinds []string
	for _, k := range []struct {
		key, val string
		ns       names
	}{
		{"arn", t.Arn, nil}, {"queue", t.Queue, rf.queues}, {"function", t.Function, rf.functions},
		{"topic", t.Topic, rf.topics}, {"stream", t.Stream, rf.streams}, {"bus", t.Bus, rf.buses},
	} {
		if k.val == "" {
			continue
		}
		kinds = append(kinds, k.key)
		switch {
		case k.key == "arn" && !strings.HasPrefix(k.val, "arn:"):
			c.errf(p+".arn", "arn %q: want an ARN", k.val)
		case k.key == "bus":
			c.busRef(p+".bus", k.val, rf.buses)
		case k.ns != nil:
			c.ref(p+"."+k.key, k.key, k.val, k.ns)
		}
	}
	switch len(kinds) {
	case 0:
		c.errf(p, "target %q: one of %s is required", t.ID, targetKinds)
	case 1:
	default:
		c.errf(p, "target %q: set one of %s, not %s", t.ID, targetKinds, strings.Join(kinds, " and "))
	}
	inputs := 0
	for _, set := range []bool{t.Input != "", t.InputPath != "", t.InputTransformer != nil} {
		if set {
			inputs++
		}
	}
	if inputs > 1 {
		c.errf(p, "target %q: set at most one of input, inputPath and inputTransformer", t.ID)
	}
	if t.Input != "" && !json.Valid([]byte(t.Input)) {
		c.errf(p+".input", "input: want a mapping or JSON text")
	}
	if tr := t.InputTransformer; tr != nil {
		tr.Line = c.line(p + ".inputTransformer")
		if tr.InputTemplate == "" {
			c.errf(p+".inputTransformer", "inputTransformer: inputTemplate is required")
		}
	}
	if rp := t.RetryPolicy; rp != nil {
		rp.Line = c.line(p + ".retryPolicy")
		if n := rp.MaximumRetryAttempts; n != nil && (*n < 0 || *n > 185) {
			c.errf(p+".retryPolicy.maximumRetryAttempts", "maximumRetryAttempts %d: want 0 to 185", *n)
		}
		if n := rp.MaximumEventAgeInSeconds; n != nil && (*n < 60 || *n > 86400) {
			c.errf(p+".retryPolicy.maximumEventAgeInSeconds", "maximumEventAgeInSeconds %d: want 60 to 86400", *n)
		}
	}
	if t.DeadLetterQueue != "" {
		c.ref(p+".deadLetterQueue", "queue", t.DeadLetterQueue, rf.queues)
	}
	if t.SqsParameters != nil {
		t.SqsParameters.Line = c.line(p + ".sqsParameters")
		if t.Queue == "" && !strings.Contains(t.Arn, ":sqs:") {
			c.errf(p+".sqsParameters", "sqsParameters applies to queue targets only")
		}
	}
	if t.KinesisParameters != nil {
		t.KinesisParameters.Line = c.line(p + ".kinesisParameters")
		if t.Stream == "" && !strings.Contains(t.Arn, ":kinesis:") {
			c.errf(p+".kinesisParameters", "kinesisParameters applies to stream targets only")
		}
		if t.KinesisParameters.PartitionKeyPath == "" {
			c.errf(p+".kinesisParameters", "kinesisParameters: partitionKeyPath is required")
		}
	}
}
