package registry

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wI2L/jsondiff"
)

// DiffTypeSyntax is the one diff type Glue offers.
const DiffTypeSyntax = "SYNTAX_DIFF"

// GetSchemaVersionsDiff returns the difference between two versions of a
// schema as a JSON Patch (RFC 6902) that turns the first into the second.
// AVRO and JSON definitions are compared as JSON documents; PROTOBUF
// definitions as arrays of lines.
func (e *Engine) GetSchemaVersionsDiff(ref SchemaRef, first, second VersionNumber, diffType string) (string, error) {
	if diffType != DiffTypeSyntax {
		return "", invalidInput("Schema diff type is not valid.")
	}
	e.mu.Lock()
	now := e.cfg.Now()
	e.purge(now)
	s, err := e.resolveSchema(ref, false)
	if err != nil {
		e.mu.Unlock()
		return "", err
	}
	a, err := e.versionByNumber(s, ref, first, now)
	if err != nil {
		e.mu.Unlock()
		return "", err
	}
	b, err := e.versionByNumber(s, ref, second, now)
	if err != nil {
		e.mu.Unlock()
		return "", err
	}
	format, from, to := s.format.Name(), a.definition, b.definition
	e.mu.Unlock()
	return Diff(format, from, to)
}

// Diff returns the JSON Patch from one definition to another.
func Diff(format, from, to string) (string, error) {
	var src, dst any
	if format == "PROTOBUF" {
		src, dst = lines(from), lines(to)
	} else {
		if err := json.Unmarshal([]byte(from), &src); err != nil {
			return "", fmt.Errorf("diff: first definition: %w", err)
		}
		if err := json.Unmarshal([]byte(to), &dst); err != nil {
			return "", fmt.Errorf("diff: second definition: %w", err)
		}
	}
	patch, err := jsondiff.Compare(src, dst, jsondiff.LCS())
	if err != nil {
		return "", fmt.Errorf("diff: %w", err)
	}
	if patch == nil {
		patch = jsondiff.Patch{}
	}
	out, err := json.Marshal(patch)
	if err != nil {
		return "", fmt.Errorf("diff: %w", err)
	}
	return string(out), nil
}

func lines(s string) []any {
	var out []any
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		out = append(out, l)
	}
	return out
}
