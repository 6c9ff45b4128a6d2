package avro

import "testing"

func TestCanReadStepBudget(t *testing.T) {
	t.Parallel()
	def := `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"},{"name":"c","type":"int"}]}`
	s, err := Format{}.Parse(def)
	if err != nil {
		t.Fatal(err)
	}
	sch := s.(*Schema)
	if got := canRead(sch, sch, maxSteps); got != nil {
		t.Fatalf("with the normal budget: %+v", got)
	}
	got := canRead(sch, sch, 2)
	if len(got) != 1 || got[0].Rule != RuleSchemaTooComplex || got[0].Path != "R" {
		t.Fatalf("with an exhausted budget: %+v", got)
	}
}
