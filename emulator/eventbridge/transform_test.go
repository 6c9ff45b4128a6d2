package eventbridge

import (
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// ec2Event is the example event of AWS's input transformer documentation.
func ec2Event() *event {
	return &event{
		id: "7bf73129-1428-4cd3-a780-95db273d1602", detailType: "EC2 Instance State-change Notification",
		source: "aws.ec2", account: "123456789012", region: "us-east-1",
		time:      time.Date(2015, 11, 11, 21, 29, 54, 0, time.UTC),
		ingested:  time.Date(2015, 11, 11, 21, 29, 55, 0, time.UTC),
		resources: []string{"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"},
		detail:    []byte(`{"instance-id":"i-0123456789","state":"RUNNING","tags":{"env":"prod"},"ids":[1,2]}`),
	}
}

func ptrTo[T any](v T) *T { return &v }

// TestTransformDocumentedExamples runs the input/output pairs of AWS's
// input transformer documentation (and LocalStack's AWS recording of a
// variable whose path selects nothing).
func TestTransformDocumentedExamples(t *testing.T) {
	t.Parallel()
	paths := map[string]string{"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state",
		"missing": "$.detail.nothing", "tags": "$.detail.tags", "ids": "$.detail.ids", "first": "$.detail.ids[0]", "all": "$.detail.*"}
	ev := ec2Event()
	c := transformContext{ruleArn: "arn:aws:events:us-east-2:123456789012:rule/example", ruleName: "example", ev: ev, doc: ev.marshal()}
	tests := []struct{ name, template, want string }{
		{"simple string", `"instance <instance> is in <state>"`, `"instance i-0123456789 is in RUNNING"`},
		{"string with escaped quotes", `"instance \"<instance>\" is in <state>"`, `"instance \"i-0123456789\" is in RUNNING"`},
		{"string without quotes", `instance <instance> is in <state>`, `instance i-0123456789 is in RUNNING`},
		{"simple JSON", "{\n  \"instance\" : <instance>,\n  \"state\": <state>\n}", "{\n  \"instance\" : \"i-0123456789\",\n  \"state\": \"RUNNING\"\n}"},
		{"JSON with strings and variables", `{"instance" : <instance>, "state": "<state>", "instanceStatus": "instance \"<instance>\" is in <state>"}`,
			`{"instance" : "i-0123456789", "state": "RUNNING", "instanceStatus": "instance \"i-0123456789\" is in RUNNING"}`},
		{"JSON mixing variables and constants", `{"instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes"}`,
			`{"instance" : "i-0123456789", "state": [ 9, "RUNNING", true ], "Transformed" : "Yes"}`},
		{"reserved variables in JSON", `{"ruleArn" : <aws.events.rule-arn>, "ruleName" : <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>}`,
			`{"ruleArn" : "arn:aws:events:us-east-2:123456789012:rule/example", "ruleName" : "example", "at": "2015-11-11T21:29:55Z"}`},
		{"reserved variable in a string", `"<aws.events.rule-name> triggered"`, `"example triggered"`},
		{"missing variable", `"detail <missing>!"`, `"detail !"`},
		{"object in a string loses its quotes", `"Detail is <tags>"`, `"Detail is {env:prod}"`},
		{"object as a JSON value", `{"t": <tags>, "ids": <ids>, "first": <first>}`, `{"t": {"env":"prod"}, "ids": [1,2], "first": 1}`},
		{"wildcard", `{"all": <all>}`, `{"all": ["i-0123456789","RUNNING",{"env":"prod"},[1,2]]}`},
		{"the full event", `{"e": <aws.events.event.json>}`, `{"e": ` + string(ev.marshal()) + `}`},
		{"the event without detail", `{"e": <aws.events.event>}`,
			`{"e": {"id":"7bf73129-1428-4cd3-a780-95db273d1602","account":"123456789012","detailType":"EC2 Instance State-change Notification","time":"2015-11-11T21:29:54Z","source":"aws.ec2","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],"version":"0"}}`},
		{"text that is no placeholder", `"a <b c> d"`, `"a <b c> d"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := string(transform(&InputTransformer{InputPathsMap: paths, InputTemplate: ptrTo(tc.template)}, c))
			if got != tc.want {
				t.Errorf("template %s\n got %s\nwant %s", tc.template, got, tc.want)
			}
		})
	}
}

// TestTargetPayload covers Input, InputPath and the default (the event).
func TestTargetPayload(t *testing.T) {
	t.Parallel()
	ev := ec2Event()
	c := transformContext{ruleArn: "arn", ruleName: "r", ev: ev, doc: ev.marshal()}
	tests := []struct {
		name   string
		target Target
		want   string
		ok     bool
	}{
		{"event", Target{}, string(ev.marshal()), true},
		{"constant input", Target{Input: ptrTo(`{"a": 1}`)}, `{"a": 1}`, true},
		{"input path object", Target{InputPath: ptrTo("$.detail.tags")}, `{"env":"prod"}`, true},
		{"input path string", Target{InputPath: ptrTo("$.detail.state")}, `"RUNNING"`, true},
		{"input path bracket", Target{InputPath: ptrTo("$['detail']['instance-id']")}, `"i-0123456789"`, true},
		{"input path root", Target{InputPath: ptrTo("$")}, string(ev.marshal()), true},
		{"input path selecting nothing", Target{InputPath: ptrTo("$.detail.none")}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := targetPayload(&tc.target, c)
			if ok != tc.ok || string(got) != tc.want {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestValidateTargetInput checks PutTargets' input validation texts.
func TestValidateTargetInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target Target
		want   string // "" for no error
	}{
		{"transformer ok", Target{Id: ptrTo("t1"), InputTransformer: &InputTransformer{InputPathsMap: map[string]string{"s": "$.detail.state"},
			InputTemplate: ptrTo(`{"s": <s>, "e": <aws.events.event.json>, "r": "<aws.events.rule-name>"}`)}}, ""},
		{"unknown placeholder", Target{Id: ptrTo("t1"), InputTransformer: &InputTransformer{InputTemplate: ptrTo(`"<nope> here"`)}},
			"InputTemplate for target t1 contains invalid placeholder nope."},
		{"event json in a string template", Target{Id: ptrTo("t1"), InputTransformer: &InputTransformer{InputTemplate: ptrTo(`"<aws.events.event.json>"`)}},
			"InputTemplate for target t1 contains placeholder aws.events.event.json valid only for JSON template."},
		{"event json quoted in a JSON template", Target{Id: ptrTo("t2"), InputTransformer: &InputTransformer{InputTemplate: ptrTo(`{"a": "<aws.events.event>"}`)}},
			"InputTemplate for target t2 contains placeholder aws.events.event valid only for JSON template."},
		{"two inputs", Target{Id: ptrTo("t3"), Input: ptrTo("{}"), InputPath: ptrTo("$")},
			"Only one of Input, InputPath, or InputTransformer must be provided for target t3."},
		{"bad path", Target{Id: ptrTo("t4"), InputPath: ptrTo("detail")}, "InputPath for target t4 is not a valid JSONPath."},
		{"bad input", Target{Id: ptrTo("t5"), Input: ptrTo("{")}, "Input for target t5 is not valid JSON text."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := validateTargetInput(&tc.target)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			ae, ok := awsapi.AsError(err)
			if !ok || ae.Code != "ValidationException" || ae.Message != tc.want {
				t.Fatalf("got %v, want ValidationException: %s", err, tc.want)
			}
		})
	}
	if err := (&Service{}).validateInputTransformer(&InputTransformer{InputTemplate: ptrTo("<x>")}); err == nil || !strings.Contains(err.Error(), "invalid placeholder x") {
		t.Errorf("hook: %v", err)
	}
}
