package avro

import "testing"

func TestCanReadStepBudget(t *testing.T) {
	t.Parallel()
	reader := `{"type":"record","name":"R","fields":[{"name":"a","type":"long"},{"name":"b","type":"long"},{"name":"c","type":"long"}]}`
	writer := `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"},{"name":"c","type":"int"}]}`
	r, w := mustParseInternal(t, reader).graph(), mustParseInternal(t, writer).graph()
	if got := canRead(r, w, maxSteps, nil); got != nil {
		t.Fatalf("with the normal budget: %+v", got)
	}
	got := canRead(r, w, 2, nil)
	if len(got) != 1 || got[0].Rule != RuleSchemaTooComplex || got[0].Path != "R" {
		t.Fatalf("with an exhausted budget: %+v", got)
	}
	// A schema reads itself without spending any budget.
	if got := canRead(r, r, 0, nil); got != nil {
		t.Fatalf("identical schemas with no budget: %+v", got)
	}
}
