package provision

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/faults"
)

// faultID is the id a provisioned fault rule without one gets: stable
// across applies, so that applying the same file twice adds nothing.
func faultID(i int) string { return fmt.Sprintf("provision-%d", i+1) }

// checkFaults validates the top-level faults list.
func (c *checker) checkFaults() {
	ids := map[string]int{}
	for i := range c.f.Faults {
		r := c.f.Faults[i]
		p := fmt.Sprintf("$.faults[%d]", i)
		if r.ID == "" {
			r.ID = faultID(i)
		}
		if prev, ok := ids[r.ID]; ok {
			c.errf(p, "fault id %q is already declared at line %d", r.ID, prev)
		}
		ids[r.ID] = c.line(p)
		if err := r.Validate(); err != nil {
			for _, e := range splitJoined(err) {
				c.errf(p, "fault: %s", e)
			}
		}
	}
}

// splitJoined returns the messages of an errors.Join.
func splitJoined(err error) []string {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range u.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return strings.Split(err.Error(), "\n")
}

// applyFaults adds the file's fault rules: a rule whose id is set with
// the same settings is left alone, one with other settings is replaced.
func (a *applier) applyFaults() error {
	if len(a.f.Faults) == 0 {
		return nil
	}
	if a.t.Faults == nil {
		return errors.New("provision: the file declares faults but Target.Faults is nil")
	}
	existing := map[string]faults.Rule{}
	for _, s := range a.t.Faults.List() {
		existing[s.ID] = s.Rule
	}
	for i, r := range a.f.Faults {
		if r.ID == "" {
			r.ID = faultID(i)
		}
		label := fmt.Sprintf("fault rule %s", r.ID)
		if old, ok := existing[r.ID]; ok {
			if reflect.DeepEqual(old, r) {
				a.rep.Unchanged = append(a.rep.Unchanged, label)
				continue
			}
			a.t.Faults.Remove(r.ID)
		}
		if _, err := a.t.Faults.Add(r); err != nil {
			return a.fail(0, err, "%s", label)
		}
		a.rep.Created = append(a.rep.Created, label)
		a.t.Logger.Info("provisioned", "resource", label)
	}
	return nil
}
