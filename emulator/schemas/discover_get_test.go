package schemas

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestGetDiscoveredSchema(t *testing.T) {
	t.Parallel()
	s, _ := newDiscoveryService(t)
	sfn, err := os.ReadFile("testdata/discover_stepfunctions_event.json")
	if err != nil {
		t.Fatal(err)
	}
	ord := func(detail string) string { return string(orderEvent("000000000000", detail)) }
	for _, tc := range []struct {
		name    string
		events  []string
		typ     Type
		want    string // exact content, or substrings separated by |
		exact   bool
		errCode string
	}{
		{
			// The AWS CLI's get-discovered-schema example, exactly.
			name:   "CLI example",
			events: []string{`{"Source":"com.mycompany.myapp","Detail":"{ \"key1\": \"value1\", \"key2\": \"value2\" }","EventBusName":"default","Resources":["resource1","resource2"],"DetailType":"myDetailType"}`},
			typ:    TypeOpenApi3, exact: true,
			want: `{"openapi":"3.0.0","info":{"version":"1.0.0","title":"Event"},"paths":{},"components":{"schemas":{"Event":{"type":"object","required":["EventBusName","DetailType","Resources","Detail","Source"],"properties":{"Detail":{"type":"string"},"DetailType":{"type":"string"},"EventBusName":{"type":"string"},"Resources":{"type":"array","items":{"type":"string"}},"Source":{"type":"string"}}}}}}`,
		},
		{name: "envelope", events: []string{string(sfn)}, typ: TypeOpenApi3, want: `"title":"StepFunctionsExecutionStatusChange"|"x-amazon-events-source":"aws.states"`},
		{
			name:   "merged envelopes",
			events: []string{ord(`{"a":"x","b":1}`), ord(`{"a":"y"}`)},
			typ:    TypeOpenApi3,
			want:   `"OrderPlaced":{"type":"object","required":["a"],"properties":{"a":{"type":"string"},"b":{"type":"integer","format":"int32"}}}`,
		},
		{name: "draft 4", events: []string{ord(`{"a":"x"}`)}, typ: TypeJSONSchemaDraft4, want: `"$schema": "http://json-schema.org/draft-04/schema#"|"definitions": {|"$ref": "#/definitions/OrderPlaced"`},
		{name: "not json", events: []string{`{`}, typ: TypeOpenApi3, errCode: ErrCodeBadRequestException},
		{name: "not an object", events: []string{`"s"`}, typ: TypeOpenApi3, errCode: ErrCodeBadRequestException},
	} {
		out, err := s.GetDiscoveredSchema(context.Background(), &GetDiscoveredSchemaInput{Events: tc.events, Type: tc.typ})
		if tc.errCode != "" {
			if code(err) != tc.errCode {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.errCode)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := dscDeref(out.Content)
		if tc.exact {
			if got != tc.want {
				t.Errorf("%s\n got %s\nwant %s", tc.name, got, tc.want)
			}
			continue
		}
		for _, w := range strings.Split(tc.want, "|") {
			if !strings.Contains(got, w) {
				t.Errorf("%s: content lacks %s:\n%s", tc.name, w, got)
			}
		}
	}
}
