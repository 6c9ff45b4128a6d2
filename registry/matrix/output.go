package matrix

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the matrix for people: one row per writer version, the
// failing sample under each failed row, and the verdict.
func (m *Matrix) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "schema %s/%s (%s, compatibility %s), handler reads with version %d, seed %d\n\n",
		m.Registry, m.Schema, m.DataFormat, m.Compatibility, m.Reader, m.Seed)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WRITER\tSTATUS\tPROMISED\tOUTCOME\tFAILED/SAMPLES")
	for _, c := range m.Cells {
		promised := "no"
		if c.Promised {
			promised = "yes"
		}
		fmt.Fprintf(tw, "v%d\t%s\t%s\t%s\t%d/%d\n", c.Version, c.Status, promised, c.Outcome, c.Failed, c.Samples)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing the matrix: %w", err)
	}
	for _, c := range m.Cells {
		if c.Outcome == OK || (c.Outcome == Skipped && c.Error == "") {
			continue
		}
		fmt.Fprintf(&b, "\nv%d: %s", c.Version, c.Outcome)
		if c.Error != "" {
			fmt.Fprintf(&b, ": %s", oneLine(c.Error))
		}
		b.WriteString("\n")
		if f := c.Failing; f != nil {
			fmt.Fprintf(&b, "  failing sample %s: %s\n", f.Name, f.Record)
			if f.Error != "" {
				fmt.Fprintf(&b, "  error: %s\n", oneLine(f.Error))
			}
		}
		for _, n := range c.Notes {
			fmt.Fprintf(&b, "  note: %s\n", n)
		}
	}
	b.WriteString("\n")
	if m.OK() {
		fmt.Fprintf(&b, "OK: the handler reads every version %s promises to reader v%d\n", m.Compatibility, m.Reader)
	} else {
		vs := make([]string, len(m.Broken))
		for i, n := range m.Broken {
			vs[i] = fmt.Sprintf("v%d", n)
		}
		fmt.Fprintf(&b, "FAIL: under %s the handler (reader v%d) must read %s\n", m.Compatibility, m.Reader, strings.Join(vs, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine folds whitespace runs (newlines of stack traces) into spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// WriteJSON writes the matrix as one indented JSON document, with "ok".
func (m *Matrix) WriteJSON(w io.Writer) error {
	doc := struct {
		*Matrix
		OK bool `json:"ok"`
	}{m, m.OK()}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the matrix: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
