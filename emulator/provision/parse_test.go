package provision_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/provision"
)

// writeFiles writes name -> content under a new temporary directory and
// returns the directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodFile = `version: 1
streams:
  - name: orders
    shards: 2
    retentionHours: 48
queues:
  - name: orders
    attributes:
      VisibilityTimeout: 30
      ContentBasedDeduplication: false
    redrive: {deadLetterQueue: orders-dlq, maxReceiveCount: 3}
  - name: orders-dlq
  - name: jobs.fifo
registries:
  - name: shop
    schemas:
      - name: Order
        format: AVRO
        compatibility: FULL_ALL
        versions:
          - file: schemas/v1.avsc
          - definition: '{"type":"string"}'
functions:
  - name: audit
    zip: fn/audit.zip
    timeout: 10
    environment: {N: 1}
    deadLetterQueue: orders-dlq
    eventSources:
      - queue: orders
        batchSize: 5
      - stream: orders
        startingPosition: TRIM_HORIZON
        onFailure: {queue: orders-dlq}
scopes:
  - account: 000000000001
    region: eu-west-1
    queues:
      - name: orders
  - region: us-west-2
`

func TestParseGoodFile(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"init.yaml":       goodFile,
		"schemas/v1.avsc": `{"type":"int"}`,
		"fn/audit.zip":    "PK",
	})
	f, err := provision.Load(filepath.Join(dir, "init.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"stream line", f.Streams[0].Line, 3},
		{"stream shards", *f.Streams[0].Shards, int32(2)},
		{"queue attribute number", f.Queues[0].Attributes["VisibilityTimeout"], "30"},
		{"queue attribute bool", f.Queues[0].Attributes["ContentBasedDeduplication"], "false"},
		{"redrive", f.Queues[0].Redrive.DeadLetterQueue, "orders-dlq"},
		{"redrive line", f.Queues[0].Redrive.Line, 11},
		{"queue line", f.Queues[2].Line, 13},
		{"version from file", f.Registries[0].Schemas[0].Versions[0].Text(), `{"type":"int"}`},
		{"inline version", f.Registries[0].Schemas[0].Versions[1].Text(), `{"type":"string"}`},
		{"version line", f.Registries[0].Schemas[0].Versions[1].Line, 22},
		{"function line", f.Functions[0].Line, 24},
		{"environment", f.Functions[0].Environment["N"], "1"},
		{"event source line", f.Functions[0].EventSources[1].Line, 32},
		{"account keeps zeros", string(f.Scopes[0].Account), "000000000001"},
		{"scope line", f.Scopes[0].Line, 36},
		{"scope queue", f.Scopes[0].Queues[0].Name, "orders"},
		{"region-only scope", f.Scopes[1].Region, "us-west-2"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestParseExampleFile(t *testing.T) {
	t.Parallel()
	f, err := provision.Load("../../examples/provisioning/init.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Streams) == 0 || len(f.Queues) == 0 || len(f.Registries) == 0 || len(f.Topics) == 0 || len(f.Scopes) == 0 {
		t.Errorf("example declares too little: %+v", f)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // "line: message part", in order
	}{
		{"syntax", "queues:\n  - name: 'a\n", []string{"2: could not find end character"}},
		{"unknown top-level key", "streams: []\nqueus: []\n", []string{`2: unknown field "queus"`}},
		{"unknown nested key", "queues:\n  - name: a\n    redrive:\n      deadLetterQueue: b\n      maxRecieveCount: 3\n", []string{`5: unknown field "maxRecieveCount"`}},
		{"unknown key in scope", "scopes:\n  - region: eu-west-1\n    stream: []\n", []string{`3: unknown field "stream"`}},
		{"wrong type bool", "queues:\n  - name: a\n    fifo: yes\n", []string{`3: want true or false, got "yes"`}},
		{"wrong type number", "streams:\n  - name: a\n    shards: two\n", []string{`3: want a whole number, got "two"`}},
		{"section not a list", "queues: 3\n", []string{"1: want a list, got a whole number"}},
		{"overflow", "streams:\n  - name: a\n    shards: 99999999999\n", []string{"3: 99999999999 is out of range"}},
		{"duplicate key", "queues:\n  - name: a\n    name: b\n", []string{`3: mapping key "name" already defined`}},
		{"missing name", "queues:\n  - name: a\n  - attributes: {}\n", []string{"3: queue: name is required"}},
		{"duplicate name", "streams:\n  - name: a\n  - name: b\n  - name: a\n", []string{`4: stream "a" is already declared at line 2`}},
		{"bad stream mode", "streams:\n  - name: a\n    mode: FAST\n", []string{`3: stream mode "FAST"`}},
		{"on-demand with shards", "streams:\n  - name: a\n    mode: ON_DEMAND\n    shards: 2\n", []string{"4: shards: an ON_DEMAND stream has no shard count"}},
		{"retention out of range", "streams:\n  - name: a\n    retentionHours: 2\n", []string{"3: retentionHours 2"}},
		{"guard schema", "streams:\n  - name: a\n    schemaGuard: {schema: kafka:shop/Order}\n", []string{`3: schema "kafka:shop/Order" must be glue:<registry>/<schema> or schemas:<registry>/<schema>`}},
		{"guard mode", "queues:\n  - name: a\n    schemaGuard:\n      schema: glue:shop/Order\n      mode: warn\n", []string{`4: mode "warn" must be record or reject`}},
		{"guard unknown key", "topics:\n  - name: a\n    schemaGuard: {schema: glue:shop/Order, modes: reject}\n", []string{`3: unknown field "modes"`}},
		{"undefined dead-letter queue", "queues:\n  - name: a\n    redrive:\n      deadLetterQueue: nope\n      maxReceiveCount: 3\n", []string{`4: queue "nope" is not declared in this scope`}},
		{"missing maxReceiveCount", "queues:\n  - name: d\n  - name: a\n    redrive: {deadLetterQueue: d}\n", []string{"4: redrive: maxReceiveCount is required"}},
		{"own dead-letter queue", "queues:\n  - name: a\n    redrive: {deadLetterQueue: a, maxReceiveCount: 1}\n", []string{"3: queue \"a\" cannot be its own"}},
		{"redrive cycle", "queues:\n  - name: a\n    redrive: {deadLetterQueue: b, maxReceiveCount: 1}\n  - name: b\n    redrive: {deadLetterQueue: a, maxReceiveCount: 1}\n", []string{"1: queues: redrive cycle a -> b -> a"}},
		{"fifo without suffix", "queues:\n  - name: a\n    fifo: true\n", []string{`2: queue "a": a FIFO queue's name must end in .fifo`}},
		{"fifo false with suffix", "queues:\n  - name: a.fifo\n    fifo: false\n", []string{"3: queue \"a.fifo\": a name ending in .fifo"}},
		{"missing format", "registries:\n  - name: r\n    schemas:\n      - name: s\n", []string{`4: schema "s": format is required`}},
		{"bad format and compatibility", "registries:\n  - name: r\n    schemas:\n      - name: s\n        format: XML\n        compatibility: SOMETIMES\n", []string{`5: format "XML"`, `6: compatibility "SOMETIMES"`}},
		{"version with both", "registries:\n  - name: r\n    schemas:\n      - name: s\n        format: AVRO\n        versions:\n          - definition: x\n            file: y\n", []string{"7: version: set definition or file, not both"}},
		{"version file missing", "registries:\n  - name: r\n    schemas:\n      - name: s\n        format: AVRO\n        versions:\n          - file: nope.avsc\n", []string{"7: nope.avsc: no such file or directory"}},
		{"function without zip", "functions:\n  - name: f\n", []string{`2: function "f": zip is required`}},
		{"zip missing", "functions:\n  - name: f\n    zip: nope.zip\n", []string{"3: zip:"}},
		{"undefined event source stream", "functions:\n  - name: f\n    zip: f.zip\n    eventSources:\n      - stream: nope\n", []string{`5: stream "nope" is not declared in this scope`}},
		{"stream-only setting on a queue", "queues:\n  - name: q\nfunctions:\n  - name: f\n    zip: f.zip\n    eventSources:\n      - queue: q\n        startingPosition: LATEST\n", []string{"8: startingPosition applies to stream event sources only"}},
		{"bad starting position", "streams:\n  - name: s\nfunctions:\n  - name: f\n    zip: f.zip\n    eventSources:\n      - stream: s\n        startingPosition: AT_NOON\n", []string{`8: startingPosition "AT_NOON"`}},
		{"bad response type", "queues:\n  - name: q\nfunctions:\n  - name: f\n    zip: f.zip\n    eventSources:\n      - queue: q\n        functionResponseTypes: [ReportAll]\n", []string{`8: functionResponseTypes "ReportAll"`}},
		{"event source with both", "functions:\n  - name: f\n    zip: f.zip\n    eventSources:\n      - {queue: q, stream: s}\n", []string{"5: eventSource: set queue or stream, not both"}},
		{"undefined function dead-letter queue", "functions:\n  - name: f\n    zip: f.zip\n    deadLetterQueue: dlq\n", []string{`4: queue "dlq" is not declared`}},
		{"timeout out of range", "functions:\n  - name: f\n    zip: f.zip\n    timeout: 0\n", []string{"4: timeout 0"}},
		{"references stay in their scope", "queues:\n  - name: q\nscopes:\n  - region: eu-west-1\n    functions:\n      - name: f\n        zip: f.zip\n        eventSources:\n          - queue: q\n", []string{`9: queue "q" is not declared in this scope`}},
		{"bad account", "scopes:\n  - account: 1234\n", []string{`2: account "1234": want a 12-digit id`}},
		{"account not a scalar", "scopes:\n  - region: eu-west-1\n    account: [1]\n", []string{"3: account: want a 12-digit id"}},
		{"bad region", "scopes:\n  - region: Europe\n", []string{`2: region "Europe"`}},
		{"empty scope", "scopes:\n  - queues: []\n", []string{"2: scope: set account, region or both"}},
		{"duplicate scope", "scopes:\n  - region: eu-west-1\n  - region: eu-west-1\n", []string{"3: scope (account \"\", region \"eu-west-1\") is already declared at line 2"}},
		{"bad version", "version: 2\n", []string{"1: version 2"}},
		{"topic without name", "topics:\n  - fifo: true\n", []string{"2: topic: name is required"}},
		{"duplicate topic", "topics:\n  - name: t\n  - name: t\n", []string{`3: topic "t" is already declared at line 2`}},
		{"bad topic name", "topics:\n  - name: no.dots\n", []string{`2: topic "no.dots": want 1 to 256 letters`}},
		{"fifo topic without suffix", "topics:\n  - name: t\n    fifo: true\n", []string{`2: topic "t": a FIFO topic's name must end in .fifo`}},
		{"fifo false with topic suffix", "topics:\n  - name: t.fifo\n    fifo: false\n", []string{`3: topic "t.fifo": a name ending in .fifo is a FIFO topic`}},
		{"fifo and FifoTopic", "topics:\n  - name: t.fifo\n    fifo: true\n    attributes: {FifoTopic: true}\n", []string{"4: set fifo or attributes.FifoTopic, not both"}},
		{"unknown subscription key", "topics:\n  - name: t\n    subscriptions:\n      - protocol: sqs\n        endpoint: q\n        rawDelivery: true\n", []string{`6: unknown field "rawDelivery"`}},
		{"missing protocol and endpoint", "topics:\n  - name: t\n    subscriptions:\n      - attributes: {}\n", []string{"4: subscription: protocol is required", "4: subscription: endpoint is required"}},
		{"bad protocol", "topics:\n  - name: t\n    subscriptions:\n      - protocol: pigeon\n        endpoint: x\n", []string{`4: protocol "pigeon": want one of sqs, lambda`}},
		{"fifo topic to http", "topics:\n  - name: t.fifo\n    subscriptions:\n      - protocol: https\n        endpoint: https://example.com\n", []string{`4: protocol "https": a FIFO topic delivers to SQS queues only`}},
		{"undeclared queue endpoint", "topics:\n  - name: t\n    subscriptions:\n      - protocol: sqs\n        endpoint: nope\n", []string{`5: queue "nope" is not declared in this scope`}},
		{"undeclared function endpoint", "topics:\n  - name: t\n    subscriptions:\n      - protocol: lambda\n        endpoint: nope\n", []string{`5: function "nope" is not declared in this scope`}},
		{"duplicate subscription", "queues:\n  - name: q\ntopics:\n  - name: t\n    subscriptions:\n      - {protocol: sqs, endpoint: q}\n      - {protocol: sqs, endpoint: q}\n", []string{`7: sqs "q" is already subscribed to topic "t" at line 6`}},
		{"unknown subscription attribute", "topics:\n  - name: t\n    subscriptions:\n      - protocol: email\n        endpoint: a@example.com\n        attributes:\n          Raw: true\n", []string{`7: subscription attribute "Raw": want one of`}},
		{"bad subscription attribute values", "topics:\n  - name: t\n    subscriptions:\n      - protocol: email\n        endpoint: a@example.com\n        attributes:\n          RawMessageDelivery: yes please\n          FilterPolicyScope: Body\n          FilterPolicy: '[1]'\n", []string{"7: RawMessageDelivery \"yes please\"", `8: FilterPolicyScope "Body"`, "9: FilterPolicy: want a mapping or a JSON object"}},
		{"subscription redrive twice", "queues:\n  - name: d\ntopics:\n  - name: t\n    subscriptions:\n      - protocol: email\n        endpoint: a@example.com\n        attributes: {RedrivePolicy: '{}'}\n        redrive: {deadLetterQueue: d}\n", []string{"8: set redrive or attributes.RedrivePolicy, not both"}},
		{"subscription redrive to undeclared queue", "topics:\n  - name: t\n    subscriptions:\n      - protocol: email\n        endpoint: a@example.com\n        redrive: {}\n      - protocol: sms\n        endpoint: '+15550100'\n        redrive: {deadLetterQueue: dlq}\n", []string{"6: redrive: deadLetterQueue is required", `9: queue "dlq" is not declared`}},
		{"topic references stay in their scope", "queues:\n  - name: q\nscopes:\n  - region: eu-west-1\n    topics:\n      - name: t\n        subscriptions:\n          - {protocol: sqs, endpoint: q}\n", []string{`8: queue "q" is not declared in this scope`}},
		{"several problems in line order", "queues:\n  - name: a\n    redrive: {deadLetterQueue: x, maxReceiveCount: 0}\nstreams:\n  - mode: NONE\n", []string{`3: queue "x"`, "3: redrive: maxReceiveCount is required", "5: stream: name is required", `5: stream mode "NONE"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeFiles(t, map[string]string{"f.zip": "PK"})
			name := filepath.Join(dir, "init.yaml")
			_, err := provision.Parse(name, []byte(tt.src))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			var got []string
			var list provision.Errors
			var one *provision.Error
			switch {
			case errors.As(err, &list):
				for _, e := range list {
					got = append(got, e.Error())
				}
			case errors.As(err, &one):
				got = []string{one.Error()}
			default:
				t.Fatalf("error %T %v is neither Errors nor *Error", err, err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors %q, want %d %q", len(got), got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				line, msg, _ := strings.Cut(w, ": ")
				prefix := name + ":" + line + ": "
				if !strings.HasPrefix(got[i], prefix) {
					t.Errorf("error %d %q: want line %s", i, got[i], line)
				}
				if !strings.Contains(got[i], msg) {
					t.Errorf("error %d %q: want it to contain %q", i, got[i], msg)
				}
			}
		})
	}
}

func TestParseExtensionKeysAndAnchors(t *testing.T) {
	t.Parallel()
	src := `x-attrs: &attrs
  VisibilityTimeout: 30
queues:
  - name: a
    attributes: *attrs
  - name: b
    x-note: ignored
    attributes:
      <<: *attrs
      DelaySeconds: 5
`
	f, err := provision.Parse(filepath.Join(t.TempDir(), "init.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		queue, attr, want string
	}{
		{"a", "VisibilityTimeout", "30"},
		{"b", "VisibilityTimeout", "30"},
		{"b", "DelaySeconds", "5"},
	}
	for _, tt := range tests {
		for _, q := range f.Queues {
			if q.Name == tt.queue && q.Attributes[tt.attr] != tt.want {
				t.Errorf("queue %s %s = %q, want %q", tt.queue, tt.attr, q.Attributes[tt.attr], tt.want)
			}
		}
	}
	if f.Queues[1].Line != 6 {
		t.Errorf("queue b at line %d, want 6", f.Queues[1].Line)
	}
}

func TestParseTopics(t *testing.T) {
	t.Parallel()
	src := `x-filter: &filter
  kind: [order]
queues:
  - name: q
  - name: dlq
functions:
  - name: f
    zip: f.zip
topics:
  - name: events
    attributes:
      DisplayName: Events
      DeliveryPolicy:
        http:
          defaultHealthyRetryPolicy: {numRetries: 5}
    tags: {team: shop}
    subscriptions:
      - protocol: sqs
        endpoint: q
        attributes:
          RawMessageDelivery: true
          FilterPolicy: *filter
        redrive: {deadLetterQueue: dlq}
      - protocol: lambda
        endpoint: f
        attributes:
          FilterPolicy: '{"price": [{"numeric": [">", 10]}]}'
          FilterPolicyScope: MessageBody
      - protocol: sqs
        endpoint: arn:aws:sqs:us-east-1:000000000000:elsewhere
  - name: orders.fifo
    attributes: {ContentBasedDeduplication: true}
`
	dir := writeFiles(t, map[string]string{"f.zip": "PK"})
	f, err := provision.Parse(filepath.Join(dir, "init.yaml"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tp := f.Topics[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"topic line", tp.Line, 10},
		{"scalar attribute", tp.Attributes["DisplayName"], provision.AttrValue("Events")},
		{"mapping attribute as JSON", tp.Attributes["DeliveryPolicy"], provision.AttrValue(`{"http":{"defaultHealthyRetryPolicy":{"numRetries":5}}}`)},
		{"tags", tp.Tags["team"], "shop"},
		{"subscription line", tp.Subscriptions[1].Line, 24},
		{"bool attribute", tp.Subscriptions[0].Attributes["RawMessageDelivery"], provision.AttrValue("true")},
		{"alias attribute as JSON", tp.Subscriptions[0].Attributes["FilterPolicy"], provision.AttrValue(`{"kind":["order"]}`)},
		{"JSON string attribute kept", tp.Subscriptions[1].Attributes["FilterPolicy"], provision.AttrValue(`{"price": [{"numeric": [">", 10]}]}`)},
		{"redrive", tp.Subscriptions[0].Redrive.DeadLetterQueue, "dlq"},
		{"redrive line", tp.Subscriptions[0].Redrive.Line, 23},
		{"ARN endpoint", tp.Subscriptions[2].Endpoint, "arn:aws:sqs:us-east-1:000000000000:elsewhere"},
		{"fifo topic", f.Topics[1].Name, "orders.fifo"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}
