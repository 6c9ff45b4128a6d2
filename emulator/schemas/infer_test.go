package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestInferEventMatchesAWSDocumentedSchema infers the Step Functions event
// of AWS's user guide ("Creating a schema from event JSON") and expects the
// schema the guide shows, byte for byte once both are compact: member
// order, the HashSet order of "required", int64 and the empty schema for
// null.
func TestInferEventMatchesAWSDocumentedSchema(t *testing.T) {
	t.Parallel()
	event, err := os.ReadFile("testdata/discover_stepfunctions_event.json")
	if err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("testdata/discover_stepfunctions_schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, golden); err != nil {
		t.Fatal(err)
	}
	got, err := inferEvent(event)
	if err != nil {
		t.Fatalf("inferEvent: %v", err)
	}
	if got.schemaName != "aws.states@StepFunctionsExecutionStatusChange" {
		t.Errorf("schema name = %q", got.schemaName)
	}
	if got.content != want.String() {
		t.Errorf("content differs from AWS's documented schema\n got: %s\nwant: %s", got.content, want.String())
	}
}

func TestPascalName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"EC2 Instance State-change Notification", "EC2InstanceStateChangeNotification"},
		{"Step Functions Execution Status Change", "StepFunctionsExecutionStatusChange"},
		{"order.created", "OrderCreated"},
		{"requestParameters", "RequestParameters"},
		{"AWS API Call via CloudTrail", "AWSAPICallViaCloudTrail"},
		{"---", ""},
	} {
		if got := pascalName(tc.in); got != tc.want {
			t.Errorf("pascalName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestJavaHashSetOrder checks the order against the required lists of
// AWS's discovered schemas (the envelope, the CLI's get-discovered-schema
// example, the Step Functions detail).
func TestJavaHashSetOrder(t *testing.T) {
	t.Parallel()
	for _, want := range [][]string{
		{"detail-type", "resources", "detail", "id", "source", "time", "region", "version", "account"},
		{"EventBusName", "DetailType", "Resources", "Detail", "Source"},
		{"output", "input", "executionArn", "name", "stateMachineArn", "startDate", "stopDate", "status"},
		{"instance-id", "state"},
	} {
		if got := javaHashSetOrder(want); !reflect.DeepEqual(got, want) {
			t.Errorf("javaHashSetOrder = %q, want %q", got, want)
		}
	}
	// More than 12 members resize the table to 32 buckets.
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n"}
	if got := javaHashSetOrder(keys); len(got) != len(keys) {
		t.Errorf("lost members: %q", got)
	}
}

func TestInferEventShapes(t *testing.T) {
	t.Parallel()
	envelope := func(detail string) []byte {
		return []byte(`{"version":"0","id":"x","detail-type":"Order Placed","source":"shop","account":"000000000000","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":` + detail + `}`)
	}
	for _, tc := range []struct {
		name, detail string
		// want maps a component name to its expected JSON.
		want map[string]string
	}{
		{
			name:   "scalars",
			detail: `{"n":1,"big":12345678901,"f":1.5,"b":true,"s":"x","ts":"2024-05-01T10:00:00.123+02:00"}`,
			want: map[string]string{"OrderPlaced": `{"type":"object","required":["big","b","s","f","n","ts"],"properties":{` +
				`"b":{"type":"boolean"},"big":{"type":"integer","format":"int64"},"f":{"type":"number","format":"double"},` +
				`"n":{"type":"integer","format":"int32"},"s":{"type":"string"},"ts":{"type":"string","format":"date-time"}}}`},
		},
		{
			name:   "nested object and array of objects",
			detail: `{"customer":{"id":"c1"},"lines":[{"sku":"a","qty":1},{"sku":"b"}],"tags":["x"]}`,
			want: map[string]string{
				"Customer":  `{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}`,
				"LinesItem": `{"type":"object","required":["sku"],"properties":{"qty":{"type":"integer","format":"int32"},"sku":{"type":"string"}}}`,
				"OrderPlaced": `{"type":"object","required":["lines","customer","tags"],"properties":{"customer":{"$ref":"#/components/schemas/Customer"},` +
					`"lines":{"type":"array","items":{"$ref":"#/components/schemas/LinesItem"}},"tags":{"type":"array","items":{"type":"string"}}}}`,
			},
		},
		{
			name:   "same property name, different shapes",
			detail: `{"a":{"info":{"x":1}},"b":{"info":{"y":"s"}}}`,
			want: map[string]string{
				"Info":  `{"type":"object","required":["x"],"properties":{"x":{"type":"integer","format":"int32"}}}`,
				"BInfo": `{"type":"object","required":["y"],"properties":{"y":{"type":"string"}}}`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := inferEvent(envelope(tc.detail))
			if err != nil {
				t.Fatalf("inferEvent: %v", err)
			}
			var doc struct {
				Components struct {
					Schemas map[string]json.RawMessage `json:"schemas"`
				} `json:"components"`
			}
			if err := json.Unmarshal([]byte(got.content), &doc); err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.want {
				if g := string(doc.Components.Schemas[name]); g != want {
					t.Errorf("component %s\n got: %s\nwant: %s", name, g, want)
				}
			}
		})
	}
}

func TestInferEventRejects(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"a":`, 300) + "1" + strings.Repeat("}", 300)
	for _, tc := range []struct{ name, event string }{
		{"not json", `{`},
		{"not an object", `[1]`},
		{"no source", `{"detail-type":"X","detail":{}}`},
		{"detail not an object", `{"source":"s","detail-type":"X","detail":"str"}`},
		{"detail-type without letters", `{"source":"s","detail-type":"--","detail":{}}`},
		{"too deep", `{"source":"s","detail-type":"X","detail":` + deep + `}`},
	} {
		if _, err := inferEvent([]byte(tc.event)); err == nil {
			t.Errorf("%s: inferEvent accepted %.60s", tc.name, tc.event)
		}
	}
}
