// Package matrix runs a handler on sample records of every version of a
// Glue Schema Registry schema and reports, per writer version, whether the
// handler read them: the handler compatibility matrix.
//
// For each AVAILABLE version it generates samples (package samplegen:
// edge values plus seeded random ones), frames each in the Glue Schema
// Registry wire format with the version's id, hands them to the handler
// as one batch and classifies the result: ok, handler error (the
// invocation failed), partial failure (it reported some records in
// batchItemFailures) or timeout. After a failed batch every record is run
// alone, so a failed cell names its failing sample. PENDING, FAILURE and
// DELETING versions are listed as skipped.
//
// The handler holds a reader schema: by default the latest AVAILABLE
// version (Options.Reader names another). The schema's compatibility mode
// decides which writer versions that reader is promised to read; a
// failure on a promised version fails the matrix (exit code 1), a failure
// on any other version is reported but does not. With R the reader's
// version and only AVAILABLE versions from the schema's checkpoint on
// counted (as the registry checks new versions):
//
//	NONE, DISABLED   R
//	BACKWARD         R and the version before R
//	BACKWARD_ALL     R and every version before R
//	FORWARD          R and the version after R
//	FORWARD_ALL      R and every version after R
//	FULL             R and the versions before and after R
//	FULL_ALL         every version
//
// So with the default reader, BACKWARD promises the previous version,
// BACKWARD_ALL and FULL_ALL every earlier one, and FORWARD, FORWARD_ALL,
// NONE and DISABLED only the latest: under FORWARD modes the promise is
// that older readers read newer data, which a run with Options.Reader set
// to an older version checks.
package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/samplegen"
	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

// Version statuses, as Glue names them.
const (
	StatusAvailable = "AVAILABLE"
	StatusPending   = "PENDING"
	StatusFailure   = "FAILURE"
	StatusDeleting  = "DELETING"
)

// Version is a registered version of a schema.
type Version struct {
	Number     int64
	ID         string
	Status     string
	Definition string
}

// Schema is a schema with its versions, oldest first.
type Schema struct {
	Registry      string
	Name          string
	DataFormat    string
	Compatibility string
	// Checkpoint is the version number compatibility is checked from.
	Checkpoint int64
	Versions   []Version
}

// Source loads a schema and its versions.
type Source interface {
	Schema(ctx context.Context) (*Schema, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context) (*Schema, error)

// Schema calls f.
func (f SourceFunc) Schema(ctx context.Context) (*Schema, error) { return f(ctx) }

// Record is one sample, framed, as a handler receives it.
type Record struct {
	// ID identifies the record in its batch (the Kinesis sequence
	// number, SQS message id... an in-process handler sees).
	ID            string          `json:"id"`
	WriterVersion int64           `json:"writerVersion"`
	VersionID     string          `json:"schemaVersionId"`
	Sample        string          `json:"sample"`
	Data          []byte          `json:"-"`
	JSON          json.RawMessage `json:"record"`
}

// Result is what a handler did with a batch.
type Result struct {
	// Err is the failure of the whole invocation (a returned error, a
	// function error, a failed delivery).
	Err error
	// Timeout reports that the invocation ran out of time.
	Timeout bool
	// Failed are the ids of the records the handler reported failed
	// (batchItemFailures).
	Failed []string
}

// Handler runs a batch of records the way a deployed function would get
// them.
type Handler interface {
	Run(ctx context.Context, batch []Record) Result
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, batch []Record) Result

// Run calls f.
func (f HandlerFunc) Run(ctx context.Context, batch []Record) Result { return f(ctx, batch) }

// Outcome is a cell's result.
type Outcome string

// The outcomes.
const (
	OK             Outcome = "ok"
	HandlerError   Outcome = "handler error"
	PartialFailure Outcome = "partial failure"
	Timeout        Outcome = "timeout"
	Skipped        Outcome = "skipped"
)

// Options configures Run.
type Options struct {
	// Samples is the number of random samples per version, after the
	// edge ones (default 3; negative: none).
	Samples int
	// Seed makes the samples reproducible.
	Seed uint64
	// Timeout bounds each handler run (default 30 s).
	Timeout time.Duration
	// Reader is the version number whose schema the handler reads with;
	// 0 is the latest AVAILABLE version.
	Reader int64
	// MaxBatch bounds the records per handler run (default 100); a
	// version with more samples runs in several batches.
	MaxBatch int
}

// FailedSample is the sample that failed a cell.
type FailedSample struct {
	Name   string          `json:"name"`
	Record json.RawMessage `json:"record"`
	Error  string          `json:"error,omitempty"`
}

// Cell is the row of one writer version.
type Cell struct {
	Version   int64   `json:"version"`
	VersionID string  `json:"schemaVersionId"`
	Status    string  `json:"status"`
	Outcome   Outcome `json:"outcome"`
	// Promised reports that the compatibility mode promises the reader
	// can read this version.
	Promised bool `json:"promised"`
	Samples  int  `json:"samples"`
	Failed   int  `json:"failed"`
	// Failing is the first sample that failed.
	Failing *FailedSample `json:"failingSample,omitempty"`
	// Error is the handler's error or why the version was skipped.
	Error string `json:"error,omitempty"`
	// Notes say what the sample generator could not honour.
	Notes []string `json:"notes,omitempty"`
}

// Matrix is the result of Run.
type Matrix struct {
	Registry      string `json:"registry"`
	Schema        string `json:"schema"`
	DataFormat    string `json:"dataFormat"`
	Compatibility string `json:"compatibility"`
	Reader        int64  `json:"readerVersion"`
	Seed          uint64 `json:"seed"`
	Cells         []Cell `json:"versions"`
	// Broken lists the promised versions the handler failed on.
	Broken []int64 `json:"brokenPromises"`
}

// OK reports whether the handler read every version the mode promises.
func (m *Matrix) OK() bool { return len(m.Broken) == 0 }

// ExitCode is 0 when the handler read every promised version, else 1.
func (m *Matrix) ExitCode() int {
	if m.OK() {
		return 0
	}
	return 1
}

// Run builds the matrix of h on the schema src loads.
func Run(ctx context.Context, src Source, h Handler, opts Options) (*Matrix, error) {
	s, err := src.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("matrix: loading the schema: %w", err)
	}
	if opts.Samples == 0 {
		opts.Samples = 3
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 100
	}
	versions := slices.Clone(s.Versions)
	slices.SortFunc(versions, func(a, b Version) int { return int(a.Number - b.Number) })
	reader, err := readerVersion(versions, opts.Reader)
	if err != nil {
		return nil, fmt.Errorf("matrix: %s/%s: %w", s.Registry, s.Name, err)
	}
	promised := Promised(s.Compatibility, s.Checkpoint, reader, versions)
	m := &Matrix{Registry: s.Registry, Schema: s.Name, DataFormat: s.DataFormat, Compatibility: s.Compatibility, Reader: reader, Seed: opts.Seed, Broken: []int64{}}
	for _, v := range versions {
		c := Cell{Version: v.Number, VersionID: v.ID, Status: v.Status, Promised: promised[v.Number]}
		if v.Status != StatusAvailable {
			c.Outcome, c.Error = Skipped, fmt.Sprintf("version %d is %s", v.Number, v.Status)
			m.Cells = append(m.Cells, c)
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("matrix: %w", err)
		}
		runVersion(ctx, s.DataFormat, v, h, opts, &c)
		if c.Outcome != OK && c.Promised {
			m.Broken = append(m.Broken, v.Number)
		}
		m.Cells = append(m.Cells, c)
	}
	return m, nil
}

// readerVersion checks the requested reader, or finds the latest
// AVAILABLE version.
func readerVersion(versions []Version, want int64) (int64, error) {
	var latest int64
	for _, v := range versions {
		if v.Status != StatusAvailable {
			continue
		}
		if want != 0 && v.Number == want {
			return want, nil
		}
		latest = v.Number
	}
	if want != 0 {
		return 0, fmt.Errorf("reader version %d is not an AVAILABLE version", want)
	}
	if latest == 0 {
		return 0, errors.New("the schema has no AVAILABLE version")
	}
	return latest, nil
}

// Promised returns the writer versions a handler holding reader version
// reader is promised to read under mode (see the package doc).
func Promised(mode string, checkpoint, reader int64, versions []Version) map[int64]bool {
	out := map[int64]bool{reader: true}
	var before, after []int64 // AVAILABLE versions from the checkpoint on
	for _, v := range versions {
		if v.Status != StatusAvailable || v.Number < checkpoint {
			continue
		}
		switch {
		case v.Number < reader:
			before = append(before, v.Number)
		case v.Number > reader:
			after = append(after, v.Number)
		}
	}
	if reader < checkpoint {
		// The reader predates the checkpoint: no version was checked
		// against it.
		return out
	}
	back, fwd, all := false, false, false
	switch mode {
	case "BACKWARD":
		back = true
	case "BACKWARD_ALL":
		back, all = true, true
	case "FORWARD":
		fwd = true
	case "FORWARD_ALL":
		fwd, all = true, true
	case "FULL":
		back, fwd = true, true
	case "FULL_ALL":
		back, fwd, all = true, true, true
	}
	if back && len(before) > 0 {
		if all {
			for _, n := range before {
				out[n] = true
			}
		} else {
			out[before[len(before)-1]] = true
		}
	}
	if fwd && len(after) > 0 {
		if all {
			for _, n := range after {
				out[n] = true
			}
		} else {
			out[after[0]] = true
		}
	}
	return out
}

// runVersion generates, frames and runs the samples of one version.
func runVersion(ctx context.Context, format string, v Version, h Handler, opts Options, c *Cell) {
	id, err := uuid.Parse(v.ID)
	if err != nil {
		c.Outcome, c.Error = Skipped, fmt.Sprintf("schema version id %q is not a UUID", v.ID)
		return
	}
	random := max(opts.Samples, 0)
	gen, err := samplegen.Generate(format, v.Definition, samplegen.Options{Seed: opts.Seed + uint64(v.Number), Random: random})
	if err != nil {
		c.Outcome, c.Error = Skipped, err.Error()
		return
	}
	c.Notes = gen.Notes
	recs := make([]Record, 0, len(gen.Samples))
	for i, smp := range gen.Samples {
		data, err := wire.Encode(id, wire.CompressionNone, smp.Payload)
		if err != nil {
			c.Outcome, c.Error = Skipped, fmt.Sprintf("framing sample %s: %v", smp.Name, err)
			return
		}
		recs = append(recs, Record{ID: fmt.Sprintf("v%d-%03d", v.Number, i+1), WriterVersion: v.Number, VersionID: v.ID, Sample: smp.Name, Data: data, JSON: smp.JSON})
	}
	c.Samples = len(recs)
	if len(recs) == 0 {
		c.Outcome, c.Error = Skipped, "no sample could be generated"
		return
	}
	c.Outcome = OK
	for start := 0; start < len(recs); start += opts.MaxBatch {
		batch := recs[start:min(start+opts.MaxBatch, len(recs))]
		res := runOnce(ctx, h, batch, opts.Timeout)
		switch {
		case res.Timeout:
			c.merge(Timeout, errText(res.Err, "timed out"))
			isolate(ctx, h, batch, opts.Timeout, c)
		case res.Err != nil:
			c.merge(HandlerError, res.Err.Error())
			isolate(ctx, h, batch, opts.Timeout, c)
		case len(res.Failed) > 0:
			c.merge(PartialFailure, "")
			for _, r := range batch {
				if slices.Contains(res.Failed, r.ID) {
					c.Failed++
					c.fail(r, "reported in batchItemFailures")
				}
			}
		}
	}
}

// errText is err's text, or def.
func errText(err error, def string) string {
	if err == nil {
		return def
	}
	return err.Error()
}

// merge records a failed outcome; the first failure's kind and error win.
func (c *Cell) merge(o Outcome, msg string) {
	if c.Outcome == OK {
		c.Outcome = o
		c.Error = msg
	}
}

// fail records r as a failing sample when none is yet.
func (c *Cell) fail(r Record, msg string) {
	if c.Failing == nil {
		c.Failing = &FailedSample{Name: r.Sample, Record: r.JSON, Error: msg}
	}
}

// isolate runs each record of a failed batch alone to find the failing
// samples, as Lambda's bisection of a failed batch would.
func isolate(ctx context.Context, h Handler, batch []Record, timeout time.Duration, c *Cell) {
	for _, r := range batch {
		res := runOnce(ctx, h, []Record{r}, timeout)
		switch {
		case res.Timeout:
			c.Failed++
			c.fail(r, errText(res.Err, "timed out"))
		case res.Err != nil:
			c.Failed++
			c.fail(r, res.Err.Error())
		case len(res.Failed) > 0:
			c.Failed++
			c.fail(r, "reported in batchItemFailures")
		}
	}
}

// runOnce runs h on batch within timeout. A handler still running at
// the deadline is left behind (its goroutine ends when it returns) and
// the run counts as timed out; a panic is an error.
func runOnce(ctx context.Context, h Handler, batch []Record, timeout time.Duration) Result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- Result{Err: fmt.Errorf("handler panicked: %v", r)}
			}
		}()
		done <- h.Run(ctx, batch)
	}()
	select {
	case res := <-done:
		if !res.Timeout && errors.Is(ctx.Err(), context.DeadlineExceeded) && (res.Err != nil || len(res.Failed) > 0) {
			res.Timeout = true
		}
		return res
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Result{Timeout: true, Err: fmt.Errorf("no answer within %s", timeout)}
		}
		return Result{Err: ctx.Err()}
	}
}
