package registry

import (
	"fmt"
	"slices"

	"github.com/evolvestack/evolvestack/registry/compat"
)

// Mode is a Glue compatibility mode.
type Mode string

// The compatibility modes, as Glue spells them.
const (
	ModeNone        Mode = "NONE"
	ModeDisabled    Mode = "DISABLED"
	ModeBackward    Mode = "BACKWARD"
	ModeBackwardAll Mode = "BACKWARD_ALL"
	ModeForward     Mode = "FORWARD"
	ModeForwardAll  Mode = "FORWARD_ALL"
	ModeFull        Mode = "FULL"
	ModeFullAll     Mode = "FULL_ALL"
)

// Modes lists every mode.
func Modes() []Mode {
	return []Mode{ModeNone, ModeDisabled, ModeBackward, ModeBackwardAll, ModeForward, ModeForwardAll, ModeFull, ModeFullAll}
}

// Valid reports whether m is a Glue compatibility mode.
func (m Mode) Valid() bool { return slices.Contains(Modes(), m) }

// All reports whether m checks every earlier version since the checkpoint
// rather than only the latest.
func (m Mode) All() bool { return m == ModeBackwardAll || m == ModeForwardAll || m == ModeFullAll }

// backward reports whether m requires the new version to read old data.
func (m Mode) backward() bool {
	return m == ModeBackward || m == ModeBackwardAll || m == ModeFull || m == ModeFullAll
}

// forward reports whether m requires old versions to read new data.
func (m Mode) forward() bool {
	return m == ModeForward || m == ModeForwardAll || m == ModeFull || m == ModeFullAll
}

// Direction says which way a finding's check ran.
type Direction string

// Directions of a compatibility check.
const (
	// Backward: the new version, as reader, against data written with an
	// earlier version.
	Backward Direction = "BACKWARD"
	// Forward: an earlier version, as reader, against data written with the
	// new version.
	Forward Direction = "FORWARD"
)

// Finding explains why a version failed its compatibility check.
type Finding struct {
	compat.Finding
	// Direction is the check that failed.
	Direction Direction `json:"direction"`
	// ReaderVersion and WriterVersion are the version numbers involved; 0
	// stands for the candidate version when it has no number yet.
	ReaderVersion int64 `json:"readerVersion"`
	WriterVersion int64 `json:"writerVersion"`
	// Explanation is the full sentence: the format's message plus which
	// versions cannot read which.
	Explanation string `json:"explanation"`
}

// Prior is an earlier version a candidate is checked against.
type Prior struct {
	Number int64
	Schema compat.Schema
}

// Check decides whether candidate (numbered number) may follow priors
// (oldest first: the versions since the checkpoint that count) under mode,
// and returns every finding. Under non-ALL modes only the last prior
// counts. NONE accepts anything. DISABLED is refused before any check, by
// the caller, so it accepts here.
func Check(f compat.Format, mode Mode, priors []Prior, candidate compat.Schema, number int64) []Finding {
	js := checkJobs(mode, priors)
	results := map[checkKey][]compat.Finding{}
	runChecks(f, js, candidate, results)
	return assemble(js, results, number)
}

// checkKey names one check of a candidate: against which earlier version,
// in which direction.
type checkKey struct {
	number int64
	dir    Direction
}

// checkJob is one check a mode requires.
type checkJob struct {
	key   checkKey
	prior compat.Schema
}

// checkJobs lists the checks mode requires of a candidate against priors
// (oldest first), in the order their findings are reported: newest prior
// first, backward before forward.
func checkJobs(mode Mode, priors []Prior) []checkJob {
	if mode == ModeNone || mode == ModeDisabled || len(priors) == 0 {
		return nil
	}
	against := priors
	if !mode.All() {
		against = priors[len(priors)-1:]
	}
	out := make([]checkJob, 0, 2*len(against))
	for i := len(against) - 1; i >= 0; i-- {
		p := against[i]
		if mode.backward() {
			out = append(out, checkJob{checkKey{p.Number, Backward}, p.Schema})
		}
		if mode.forward() {
			out = append(out, checkJob{checkKey{p.Number, Forward}, p.Schema})
		}
	}
	return out
}

// missingChecks returns the jobs results holds no answer for.
func missingChecks(js []checkJob, results map[checkKey][]compat.Finding) []checkJob {
	var out []checkJob
	for _, j := range js {
		if _, ok := results[j.key]; !ok {
			out = append(out, j)
		}
	}
	return out
}

// runChecks runs the jobs results holds no answer for and records theirs.
// A check's answer depends only on the two versions, so it stays valid
// whatever else changes.
func runChecks(f compat.Format, js []checkJob, candidate compat.Schema, results map[checkKey][]compat.Finding) {
	for _, j := range js {
		if _, ok := results[j.key]; ok {
			continue
		}
		var fs []compat.Finding
		if j.key.dir == Backward {
			fs = f.CanRead(candidate, j.prior)
		} else {
			fs = f.CanRead(j.prior, candidate)
		}
		results[j.key] = fs
	}
}

// assemble turns the answers to js into findings for the candidate
// numbered number.
func assemble(js []checkJob, results map[checkKey][]compat.Finding, number int64) []Finding {
	var out []Finding
	for _, j := range js {
		for _, cf := range results[j.key] {
			if j.key.dir == Backward {
				out = append(out, explain(cf, Backward, number, j.key.number))
			} else {
				out = append(out, explain(cf, Forward, j.key.number, number))
			}
		}
	}
	return out
}

func explain(cf compat.Finding, dir Direction, reader, writer int64) Finding {
	return Finding{
		Finding:       cf,
		Direction:     dir,
		ReaderVersion: reader,
		WriterVersion: writer,
		Explanation:   fmt.Sprintf("%s: readers of %s cannot read data written with %s", cf.Message, versionName(reader), versionName(writer)),
	}
}

func versionName(n int64) string {
	if n == 0 {
		return "the new version"
	}
	return fmt.Sprintf("version %d", n)
}
