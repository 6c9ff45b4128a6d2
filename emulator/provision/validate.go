package provision

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/glue"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/schemaguard"
)

// checker validates a decoded file and fills in the Line fields.
type checker struct {
	f    *File
	tree *ast.File
	errs Errors
}

// line returns the line of the node at path (a YAML path such as
// $.queues[2].redrive), or of its nearest ancestor that exists.
func (c *checker) line(path string) int {
	for path != "" && path != "$" {
		if p, err := yaml.PathString(path); err == nil {
			if n, err := p.FilterFile(c.tree); err == nil && n != nil {
				if tok := n.GetToken(); tok != nil && tok.Position != nil {
					return tok.Position.Line
				}
			}
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

func (c *checker) errf(path, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.f.name, Line: c.line(path), Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) check() {
	if c.f.Version != 0 && c.f.Version != 1 {
		c.errf("$.version", "version %d: this evolvestack reads version 1", c.f.Version)
	}
	c.resources("$", &c.f.Resources)
	c.checkFaults()
	seen := map[[2]string]int{}
	for i := range c.f.Scopes {
		sc := &c.f.Scopes[i]
		p := fmt.Sprintf("$.scopes[%d]", i)
		sc.Line = c.line(p)
		if sc.Account == "" && sc.Region == "" {
			c.errf(p, "scope: set account, region or both")
		}
		if sc.Account != "" && !awsapi.ValidAccount(string(sc.Account)) {
			c.errf(p+".account", "account %q: want a 12-digit id", sc.Account)
		}
		if sc.Region != "" && !awsapi.ValidRegion(sc.Region) {
			c.errf(p+".region", "region %q: want a region name such as eu-west-1", sc.Region)
		}
		k := [2]string{string(sc.Account), sc.Region}
		if prev, ok := seen[k]; ok {
			c.errf(p, "scope (account %q, region %q) is already declared at line %d", sc.Account, sc.Region, prev)
		} else {
			seen[k] = sc.Line
		}
		c.resources(p, &sc.Resources)
	}
}

// names tracks the names of one kind of resource in one scope.
type names map[string]int

// add records name at line and reports a duplicate.
func (c *checker) add(ns names, kind, name, path string, line int) {
	if prev, ok := ns[name]; ok {
		c.errf(path+".name", "%s %q is already declared at line %d", kind, name, prev)
		return
	}
	ns[name] = line
}

func (c *checker) resources(p string, r *Resources) {
	streams, queues := names{}, names{}
	for i := range r.Streams {
		s := &r.Streams[i]
		sp := fmt.Sprintf("%s.streams[%d]", p, i)
		s.Line = c.line(sp)
		if s.Name == "" {
			c.errf(sp, "stream: name is required")
		} else {
			c.add(streams, "stream", s.Name, sp, s.Line)
		}
		c.stream(sp, s)
		c.guard(sp, s.SchemaGuard)
	}
	for i := range r.Queues {
		q := &r.Queues[i]
		qp := fmt.Sprintf("%s.queues[%d]", p, i)
		q.Line = c.line(qp)
		if q.Name == "" {
			c.errf(qp, "queue: name is required")
		} else {
			c.add(queues, "queue", q.Name, qp, q.Line)
		}
	}
	for i := range r.Queues {
		c.queue(fmt.Sprintf("%s.queues[%d]", p, i), &r.Queues[i], queues)
		c.guard(fmt.Sprintf("%s.queues[%d]", p, i), r.Queues[i].SchemaGuard)
	}
	if cyc := redriveCycle(r.Queues); cyc != "" {
		c.errf(p, "queues: redrive cycle %s", cyc)
	}
	registries := names{}
	for i := range r.Registries {
		reg := &r.Registries[i]
		rp := fmt.Sprintf("%s.registries[%d]", p, i)
		reg.Line = c.line(rp)
		if reg.Name == "" {
			c.errf(rp, "registry: name is required")
		} else {
			c.add(registries, "registry", reg.Name, rp, reg.Line)
		}
		schemas := names{}
		for j := range reg.Schemas {
			s := &reg.Schemas[j]
			spath := fmt.Sprintf("%s.schemas[%d]", rp, j)
			s.Line = c.line(spath)
			if s.Name == "" {
				c.errf(spath, "schema: name is required")
			} else {
				c.add(schemas, "schema", s.Name, spath, s.Line)
			}
			c.schema(spath, s)
		}
	}
	functions := names{}
	for i := range r.Functions {
		fn := &r.Functions[i]
		fp := fmt.Sprintf("%s.functions[%d]", p, i)
		fn.Line = c.line(fp)
		if fn.Name == "" {
			c.errf(fp, "function: name is required")
		} else {
			c.add(functions, "function", fn.Name, fp, fn.Line)
		}
		c.function(fp, fn, queues, streams)
	}
	topics := names{}
	for i := range r.Topics {
		tp := &r.Topics[i]
		tpath := fmt.Sprintf("%s.topics[%d]", p, i)
		tp.Line = c.line(tpath)
		if tp.Name == "" {
			c.errf(tpath, "topic: name is required")
		} else {
			c.add(topics, "topic", tp.Name, tpath, tp.Line)
		}
		c.topic(tpath, tp, queues, functions)
		c.guard(tpath, tp.SchemaGuard)
	}
	for i := range r.Buses {
		c.guard(fmt.Sprintf("%s.buses[%d]", p, i), r.Buses[i].SchemaGuard)
	}
	c.eventBridge(p, r, refs{queues: queues, functions: functions, topics: topics, streams: streams})
}

func (c *checker) stream(p string, s *Stream) {
	if s.Mode != "" && !slices.Contains(kinesis.StreamMode("").Values(), kinesis.StreamMode(s.Mode)) {
		c.errf(p+".mode", "stream mode %q: want PROVISIONED or ON_DEMAND", s.Mode)
	}
	if s.Shards != nil && *s.Shards < 1 {
		c.errf(p+".shards", "shards %d: want at least 1", *s.Shards)
	}
	if s.Mode == string(kinesis.StreamModeOnDemand) && s.Shards != nil {
		c.errf(p+".shards", "shards: an ON_DEMAND stream has no shard count")
	}
	if s.Mode == string(kinesis.StreamModeProvisioned) && s.Shards == nil {
		c.errf(p+".mode", "a PROVISIONED stream needs shards")
	}
	if h := s.RetentionHours; h != nil && (*h < 24 || *h > 8760) {
		c.errf(p+".retentionHours", "retentionHours %d: want 24 to 8760", *h)
	}
}

// guard checks a resource's schemaGuard.
func (c *checker) guard(p string, g *SchemaGuard) {
	if g == nil {
		return
	}
	if _, err := schemaguard.ParseSpec(g.Schema, g.Mode); err != nil {
		c.errf(p+".schemaGuard", "%s", strings.TrimPrefix(err.Error(), "schema guard: "))
	}
}

func (c *checker) queue(p string, q *Queue, queues names) {
	fifoName := strings.HasSuffix(q.Name, ".fifo")
	if _, ok := q.Attributes["FifoQueue"]; ok && q.Fifo != nil {
		c.errf(p+".attributes.FifoQueue", "set fifo or attributes.FifoQueue, not both")
	}
	if v, ok := q.Attributes["FifoQueue"]; ok && q.Fifo == nil {
		isFifo := v == "true"
		q.Fifo = &isFifo
	}
	switch {
	case q.Fifo != nil && *q.Fifo && !fifoName:
		c.errf(p+".name", "queue %q: a FIFO queue's name must end in .fifo", q.Name)
	case q.Fifo != nil && !*q.Fifo && fifoName:
		c.errf(p+".fifo", "queue %q: a name ending in .fifo is a FIFO queue", q.Name)
	}
	if q.Redrive == nil {
		return
	}
	rp := p + ".redrive"
	q.Redrive.Line = c.line(rp)
	if _, ok := q.Attributes["RedrivePolicy"]; ok {
		c.errf(p+".attributes.RedrivePolicy", "set redrive or attributes.RedrivePolicy, not both")
	}
	dlq := q.Redrive.DeadLetterQueue
	switch {
	case dlq == "":
		c.errf(rp, "redrive: deadLetterQueue is required")
	case dlq == q.Name:
		c.errf(rp+".deadLetterQueue", "queue %q cannot be its own dead-letter queue", q.Name)
	default:
		c.ref(rp+".deadLetterQueue", "queue", dlq, queues)
	}
	if n := q.Redrive.MaxReceiveCount; n < 1 || n > 1000 {
		if n == 0 {
			c.errf(rp, "redrive: maxReceiveCount is required (1 to 1000)")
		} else {
			c.errf(rp+".maxReceiveCount", "maxReceiveCount %d: want 1 to 1000", n)
		}
	}
}

// ref checks that name (unless an ARN) is declared among ns.
func (c *checker) ref(p, kind, name string, ns names) {
	if strings.HasPrefix(name, "arn:") {
		return
	}
	if _, ok := ns[name]; !ok {
		c.errf(p, "%s %q is not declared in this scope", kind, name)
	}
}

// redriveCycle returns "a -> b -> a" when dead-letter queues loop.
func redriveCycle(qs []Queue) string {
	next := map[string]string{}
	for _, q := range qs {
		if q.Redrive != nil && q.Name != q.Redrive.DeadLetterQueue {
			next[q.Name] = q.Redrive.DeadLetterQueue
		}
	}
	for _, q := range qs {
		path := []string{q.Name}
		seen := map[string]bool{q.Name: true}
		for cur := next[q.Name]; cur != ""; cur = next[cur] {
			path = append(path, cur)
			if cur == q.Name {
				return strings.Join(path, " -> ")
			}
			if seen[cur] {
				break
			}
			seen[cur] = true
		}
	}
	return ""
}

func (c *checker) schema(p string, s *Schema) {
	switch {
	case s.Format == "":
		c.errf(p, "schema %q: format is required (AVRO, JSON or PROTOBUF)", s.Name)
	case !slices.Contains(glue.DataFormat("").Values(), glue.DataFormat(s.Format)):
		c.errf(p+".format", "format %q: want AVRO, JSON or PROTOBUF", s.Format)
	}
	if s.Compatibility != "" && !slices.Contains(glue.Compatibility("").Values(), glue.Compatibility(s.Compatibility)) {
		c.errf(p+".compatibility", "compatibility %q: want one of %s", s.Compatibility, joinValues(glue.Compatibility("").Values()))
	}
	for i := range s.Versions {
		v := &s.Versions[i]
		vp := fmt.Sprintf("%s.versions[%d]", p, i)
		v.Line = c.line(vp)
		switch {
		case v.File != "" && v.Definition != "":
			c.errf(vp, "version: set definition or file, not both")
		case v.File != "":
			text, err := readSmall(c.path(v.File))
			if err != nil {
				c.errf(vp+".file", "%v", err)
			}
			v.text = text
		case strings.TrimSpace(v.Definition) == "":
			c.errf(vp, "version: definition or file is required")
		default:
			v.text = v.Definition
		}
	}
}

func (c *checker) function(p string, fn *Function, queues, streams names) {
	if fn.Zip == "" {
		c.errf(p, "function %q: zip is required", fn.Name)
	} else {
		fn.zipPath = c.path(fn.Zip)
		if st, err := os.Stat(fn.zipPath); err != nil {
			c.errf(p+".zip", "zip: %v", err)
		} else if !st.Mode().IsRegular() {
			c.errf(p+".zip", "zip %s: not a regular file", fn.zipPath)
		}
	}
	if t := fn.Timeout; t != nil && (*t < 1 || *t > 900) {
		c.errf(p+".timeout", "timeout %d: want 1 to 900 seconds", *t)
	}
	if m := fn.MemorySize; m != nil && (*m < 128 || *m > 10240) {
		c.errf(p+".memorySize", "memorySize %d: want 128 to 10240 MB", *m)
	}
	if fn.DeadLetterQueue != "" {
		c.ref(p+".deadLetterQueue", "queue", fn.DeadLetterQueue, queues)
	}
	sources := map[string]int{}
	for i := range fn.EventSources {
		es := &fn.EventSources[i]
		ep := fmt.Sprintf("%s.eventSources[%d]", p, i)
		es.Line = c.line(ep)
		c.eventSource(ep, es, queues, streams)
		key := "queue:" + es.Queue + "\x00stream:" + es.Stream
		if prev, ok := sources[key]; ok {
			c.errf(ep, "this event source is already mapped to %q at line %d", fn.Name, prev)
		}
		sources[key] = es.Line
	}
}

func (c *checker) eventSource(p string, es *EventSource, queues, streams names) {
	switch {
	case es.Queue != "" && es.Stream != "":
		c.errf(p, "eventSource: set queue or stream, not both")
		return
	case es.Queue == "" && es.Stream == "":
		c.errf(p, "eventSource: queue or stream is required")
		return
	case es.Queue != "":
		c.ref(p+".queue", "queue", es.Queue, queues)
		for _, o := range []struct {
			key string
			set bool
		}{
			{"startingPosition", es.StartingPosition != ""},
			{"maximumRetryAttempts", es.MaximumRetryAttempts != nil},
			{"maximumRecordAgeInSeconds", es.MaximumRecordAgeInSeconds != nil},
			{"bisectBatchOnFunctionError", es.BisectBatchOnFunctionError != nil},
			{"parallelizationFactor", es.ParallelizationFactor != nil},
			{"tumblingWindowInSeconds", es.TumblingWindowInSeconds != nil},
			{"onFailure", es.OnFailure != nil},
		} {
			if o.set {
				c.errf(p+"."+o.key, "%s applies to stream event sources only", o.key)
			}
		}
	default:
		c.ref(p+".stream", "stream", es.Stream, streams)
		if es.MaximumConcurrency != nil {
			c.errf(p+".maximumConcurrency", "maximumConcurrency applies to queue event sources only")
		}
		if es.StartingPosition != "" && es.StartingPosition != string(lambda.EventSourcePositionLatest) && es.StartingPosition != string(lambda.EventSourcePositionTrimHorizon) {
			c.errf(p+".startingPosition", "startingPosition %q: want LATEST or TRIM_HORIZON", es.StartingPosition)
		}
		if es.OnFailure != nil {
			op := p + ".onFailure"
			es.OnFailure.Line = c.line(op)
			if es.OnFailure.Queue == "" {
				c.errf(op, "onFailure: queue is required")
			} else {
				c.ref(op+".queue", "queue", es.OnFailure.Queue, queues)
			}
		}
	}
	for i, t := range es.FunctionResponseTypes {
		if t != string(lambda.FunctionResponseTypeReportBatchItemFailures) {
			c.errf(fmt.Sprintf("%s.functionResponseTypes[%d]", p, i), "functionResponseTypes %q: want ReportBatchItemFailures", t)
		}
	}
	for i, f := range es.Filters {
		if strings.TrimSpace(f) == "" {
			c.errf(fmt.Sprintf("%s.filters[%d]", p, i), "filter: empty pattern")
		}
	}
}

// path resolves a path of the file against the file's directory.
func (c *checker) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.f.dir, p)
}

// readSmall reads a file of at most MaxFileSize bytes.
func readSmall(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if st.Size() > MaxFileSize {
		return "", fmt.Errorf("%s: larger than %d bytes", path, MaxFileSize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func joinValues[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// snsProtocols are the subscription protocols SNS offers.
var snsProtocols = []string{"sqs", "lambda", "http", "https", "email", "email-json", "sms", "application", "firehose"}

// subscriptionAttrs are the attributes Subscribe takes.
var subscriptionAttrs = []string{"DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "ReplayPolicy", "SubscriptionRoleArn"}

// jsonAttrs are the subscription attributes whose value is a JSON object.
var jsonAttrs = []string{"DeliveryPolicy", "FilterPolicy", "RedrivePolicy", "ReplayPolicy"}

func (c *checker) topic(p string, tp *Topic, queues, functions names) {
	if _, ok := tp.Attributes["FifoTopic"]; ok && tp.Fifo != nil {
		c.errf(p+".attributes.FifoTopic", "set fifo or attributes.FifoTopic, not both")
	}
	if v, ok := tp.Attributes["FifoTopic"]; ok && tp.Fifo == nil {
		isFifo := strings.EqualFold(string(v), "true")
		tp.Fifo = &isFifo
	}
	fifoName := strings.HasSuffix(tp.Name, ".fifo")
	fifo := fifoName
	if tp.Fifo != nil {
		fifo = *tp.Fifo
	}
	switch {
	case tp.Name == "":
	case tp.Fifo != nil && *tp.Fifo && !fifoName:
		c.errf(p+".name", "topic %q: a FIFO topic's name must end in .fifo", tp.Name)
	case tp.Fifo != nil && !*tp.Fifo && fifoName:
		c.errf(p+".fifo", "topic %q: a name ending in .fifo is a FIFO topic", tp.Name)
	case fifo && !(strings.HasSuffix(tp.Name, ".fifo") && nameOf(strings.TrimSuffix(tp.Name, ".fifo"), 1, 251, "_-")),
		!fifo && !nameOf(tp.Name, 1, 256, "_-"):
		c.errf(p+".name", "topic %q: want 1 to 256 letters, digits, hyphens and underscores (and .fifo at the end of a FIFO topic's)", tp.Name)
	}
	seen := map[string]int{}
	for i := range tp.Subscriptions {
		s := &tp.Subscriptions[i]
		sp := fmt.Sprintf("%s.subscriptions[%d]", p, i)
		s.Line = c.line(sp)
		c.subscription(sp, s, fifo, queues, functions)
		key := s.Protocol + "\x00" + s.Endpoint
		if prev, ok := seen[key]; ok && s.Protocol != "" && s.Endpoint != "" {
			c.errf(sp, "%s %q is already subscribed to topic %q at line %d", s.Protocol, s.Endpoint, tp.Name, prev)
		} else if !ok {
			seen[key] = s.Line
		}
	}
}

func (c *checker) subscription(p string, s *Subscription, fifo bool, queues, functions names) {
	switch {
	case s.Protocol == "":
		c.errf(p, "subscription: protocol is required (%s)", strings.Join(snsProtocols, ", "))
	case !slices.Contains(snsProtocols, s.Protocol):
		c.errf(p+".protocol", "protocol %q: want one of %s", s.Protocol, strings.Join(snsProtocols, ", "))
	case fifo && s.Protocol != "sqs":
		c.errf(p+".protocol", "protocol %q: a FIFO topic delivers to SQS queues only", s.Protocol)
	}
	switch {
	case s.Endpoint == "":
		c.errf(p, "subscription: endpoint is required")
	case s.Protocol == "sqs":
		c.ref(p+".endpoint", "queue", s.Endpoint, queues)
	case s.Protocol == "lambda":
		c.ref(p+".endpoint", "function", s.Endpoint, functions)
	}
	for _, k := range sortedKeys(s.Attributes) {
		v := string(s.Attributes[k])
		ap := p + ".attributes." + k
		switch {
		case !slices.Contains(subscriptionAttrs, k):
			c.errf(ap, "subscription attribute %q: want one of %s", k, strings.Join(subscriptionAttrs, ", "))
		case k == "RawMessageDelivery" && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false"):
			c.errf(ap, "RawMessageDelivery %q: want true or false", v)
		case k == "FilterPolicyScope" && v != "MessageAttributes" && v != "MessageBody":
			c.errf(ap, "FilterPolicyScope %q: want MessageAttributes or MessageBody", v)
		case slices.Contains(jsonAttrs, k) && v != "" && !isJSONObject(v):
			c.errf(ap, "%s: want a mapping or a JSON object", k)
		}
	}
	if s.Redrive == nil {
		return
	}
	rp := p + ".redrive"
	s.Redrive.Line = c.line(rp)
	if _, ok := s.Attributes["RedrivePolicy"]; ok {
		c.errf(p+".attributes.RedrivePolicy", "set redrive or attributes.RedrivePolicy, not both")
	}
	if s.Redrive.DeadLetterQueue == "" {
		c.errf(rp, "redrive: deadLetterQueue is required")
	} else {
		c.ref(rp+".deadLetterQueue", "queue", s.Redrive.DeadLetterQueue, queues)
	}
}

// isJSONObject reports whether s is a JSON object.
func isJSONObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

// sortedKeys returns m's keys in order, for messages in a stable order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// nameOf reports whether s has min to max bytes, each an ASCII letter or
// digit or one of extra: the name rules of the APIs, checked without
// regexps, whose counted repeats ({1,256}) cost start-up time and memory
// when compiled at package initialisation.
func nameOf(s string, min, max int, extra string) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0 {
			continue
		}
		return false
	}
	return true
}
