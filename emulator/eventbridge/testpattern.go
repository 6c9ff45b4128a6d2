package eventbridge

import (
	"context"
	"encoding/json"
)

// requiredEventFields are the envelope fields TestEventPattern requires
// (AWS documents resources too but does not enforce it).
var requiredEventFields = [...]string{"id", "account", "source", "time", "region", "detail-type"}

// TestEventPattern reports whether an event matches a pattern.
func (s *Service) TestEventPattern(ctx context.Context, in *TestEventPatternInput) (*TestEventPatternOutput, error) {
	compiled, err := compilePattern(strOr(in.EventPattern, ""))
	if err != nil {
		return nil, err
	}
	ev := []byte(strOr(in.Event, ""))
	var fields map[string]json.RawMessage
	if json.Unmarshal(ev, &fields) != nil || fields == nil {
		return nil, errValidation("Parameter Event is not valid.")
	}
	for _, f := range requiredEventFields {
		if _, ok := fields[f]; !ok {
			return nil, errValidation("Parameter Event is not valid.")
		}
	}
	return &TestEventPatternOutput{Result: ptr(compiled.Match(ev))}, nil
}
