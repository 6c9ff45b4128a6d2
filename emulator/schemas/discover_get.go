package schemas

import (
	"context"
)

// GetDiscoveredSchema infers the schema of up to ten sample events (the
// model bounds their number and size). Events that are EventBridge
// envelopes of one source and detail-type give the document discovery
// writes for them; other JSON objects give one component named Event, as
// in AWS's CLI example. JSONSchemaDraft4 is the OpenApi3 document
// exported.
func (s *Service) GetDiscoveredSchema(ctx context.Context, in *GetDiscoveredSchemaInput) (*GetDiscoveredSchemaOutput, error) {
	var merged *shape
	envelope := true
	var source, detailType string
	for i, ev := range in.Events {
		obj, err := decodeEvent([]byte(ev))
		if err != nil {
			// unverified: AWS's wording.
			return nil, errBadRequest("Event %d is not a valid JSON object.", i+1)
		}
		src, dt, ok := envelopeOf(obj)
		if i == 0 {
			source, detailType = src, dt
		}
		envelope = envelope && ok && src == source && dt == detailType
		sh, err := inferValue(obj, 0)
		if err != nil {
			// unverified: AWS ignores events nested more than 255 levels.
			return nil, errBadRequest("Event %d is nested more than %d levels.", i+1, maxInferDepth)
		}
		if merged == nil {
			merged = sh
		} else {
			merged = mergeShapes(merged, sh)
		}
	}
	var content string
	var err error
	if envelope && merged != nil && merged.kind == kindObject {
		content, err = envelopeDocument(merged, source, detailType)
	} else {
		if merged == nil {
			merged = &shape{kind: kindObject}
		}
		content, err = plainDocument(merged)
	}
	if err != nil {
		return nil, err
	}
	if in.Type == TypeJSONSchemaDraft4 {
		if content, err = openAPIToDraft4(content); err != nil {
			return nil, err
		}
	}
	return &GetDiscoveredSchemaOutput{Content: &content}, nil
}
