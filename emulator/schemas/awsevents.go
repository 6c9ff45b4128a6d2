package schemas

import (
	"encoding/json"
	"time"
)

// awsEventSchema is one schema of the built-in aws.events registry: the
// EventBridge envelope with detail of the named component.
type awsEventSchema struct {
	source, detailType, component string
	// components are the detail component and any it refers to.
	components map[string]any
}

func oaString() map[string]any               { return map[string]any{"type": "string"} }
func oaStringFormat(f string) map[string]any { return map[string]any{"type": "string", "format": f} }
func oaRef(name string) map[string]any       { return map[string]any{"$ref": "#/components/schemas/" + name} }
func oaObject(required []string, props map[string]any) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// awsEventSchemas are the built-in schemas. They are written by the
// emulator in the shape of AWS's published schemas (an AWSEvent envelope
// object with x-amazon-events-source and x-amazon-events-detail-type, the
// detail as its own component); their detail fields are the commonly used
// ones, not AWS's complete definitions:
//
//   - aws.ec2@EC2InstanceStateChangeNotification
//   - aws.s3@ObjectCreated
//   - aws.events@ScheduledEvent
//   - aws.ssm@ParameterStoreChange
func awsEventSchemas() []awsEventSchema {
	return []awsEventSchema{
		{
			source: "aws.ec2", detailType: "EC2 Instance State-change Notification", component: "EC2InstanceStateChangeNotification",
			components: map[string]any{
				"EC2InstanceStateChangeNotification": oaObject([]string{"instance-id", "state"}, map[string]any{
					"instance-id": oaString(), "state": oaString(),
				}),
			},
		},
		{
			source: "aws.s3", detailType: "Object Created", component: "ObjectCreated",
			components: map[string]any{
				"ObjectCreated": oaObject([]string{"bucket", "object", "reason", "request-id", "requester", "source-ip-address", "version"}, map[string]any{
					"bucket": oaRef("Bucket"), "object": oaRef("Object"), "reason": oaString(), "request-id": oaString(),
					"requester": oaString(), "source-ip-address": oaString(), "version": oaString(),
				}),
				"Bucket": oaObject([]string{"name"}, map[string]any{"name": oaString()}),
				"Object": oaObject([]string{"etag", "key", "size"}, map[string]any{
					"etag": oaString(), "key": oaString(), "sequencer": oaString(), "size": map[string]any{"type": "number"}, "version-id": oaString(),
				}),
			},
		},
		{
			source: "aws.events", detailType: "Scheduled Event", component: "ScheduledEvent",
			components: map[string]any{"ScheduledEvent": map[string]any{"type": "object"}},
		},
		{
			source: "aws.ssm", detailType: "Parameter Store Change", component: "ParameterStoreChange",
			components: map[string]any{
				"ParameterStoreChange": oaObject([]string{"name", "type", "operation"}, map[string]any{
					"name": oaString(), "type": oaString(), "operation": oaString(), "description": oaString(),
				}),
			},
		},
	}
}

// document renders the schema as an OpenAPI 3 document.
func (a awsEventSchema) document() string {
	comps := map[string]any{
		"AWSEvent": map[string]any{
			"type":                        "object",
			"required":                    []string{"detail-type", "resources", "detail", "id", "source", "time", "region", "version", "account"},
			"x-amazon-events-detail-type": a.detailType,
			"x-amazon-events-source":      a.source,
			"properties": map[string]any{
				"detail": oaRef(a.component), "account": oaString(), "detail-type": oaString(), "id": oaString(), "region": oaString(),
				"resources": map[string]any{"type": "array", "items": oaString()},
				"source":    oaString(), "time": oaStringFormat("date-time"), "version": oaString(),
			},
		},
	}
	for k, v := range a.components {
		comps[k] = v
	}
	doc := map[string]any{
		"openapi": "3.0.0",
		"info":    map[string]any{"version": "1.0.0", "title": a.component},
		"paths":   map[string]any{},
		"components": map[string]any{
			"schemas": comps,
		},
	}
	b, _ := json.MarshalIndent(doc, "", "  ") // plain maps always marshal
	return string(b)
}

// name is the schema's name in aws.events: <source>@<Component>.
func (a awsEventSchema) name() string { return a.source + "@" + a.component }

// newAWSEventsRegistry builds the read-only aws.events registry.
func newAWSEventsRegistry(now time.Time) *registry {
	r := &registry{name: awsEventsRegistry, tags: map[string]string{}, schemas: map[string]*schema{}, managed: true}
	for _, a := range awsEventSchemas() {
		content := a.document()
		doc, _ := parseJSON(content) // built above, always valid
		sc := &schema{name: a.name(), tags: map[string]string{}}
		sc.addVersionLocked(TypeOpenApi3, content, canonical(doc), now)
		r.schemas[sc.name] = sc
	}
	return r
}
