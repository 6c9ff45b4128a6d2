//go:build !evolvestack_slim

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/evolvestack/evolvestack/registry"
	"github.com/evolvestack/evolvestack/registry/compat"
)

const checkSynopsis = `  evolvestack schema check [--endpoint URL] --registry R --schema S [--output json] FILE
  evolvestack schema check --offline --format AVRO|JSON|PROTOBUF --compatibility MODE --against OLD1[,OLD2...] FILE

Decides whether the definition in FILE ("-" for standard input) would be
accepted as the schema's next version under its compatibility mode, without
registering anything. Online, the schema's mode, checkpoint and versions come
from the registry; --offline takes the older versions from files, oldest
first (numbered 1..n; FILE is n+1), for pre-merge CI gates.
A definition identical to an existing version is accepted (registering it
returns that version) unless that version failed its own check.
Exit 0: accepted; 1: rejected (incompatible, invalid, DISABLED, no such
schema); 2: usage error or no answer from the service.
`

// checkReport is the outcome of `schema check`, and its JSON output.
type checkReport struct {
	Accepted         bool               `json:"accepted"`
	RegistryName     string             `json:"registryName,omitempty"`
	SchemaName       string             `json:"schemaName,omitempty"`
	DataFormat       string             `json:"dataFormat"`
	Compatibility    string             `json:"compatibility"`
	CandidateVersion int64              `json:"candidateVersion"`
	CheckedAgainst   []int64            `json:"checkedAgainst"`
	IdenticalTo      int64              `json:"identicalTo,omitempty"`
	Reason           string             `json:"reason"`
	Findings         []registry.Finding `json:"findings"`
}

// knownVersion is an existing version whose definition the check has.
type knownVersion struct {
	number     int64
	status     string
	definition string
	// sameDefinition: the registry itself matched it to the candidate.
	sameDefinition bool
}

// decision is everything check decides from.
type decision struct {
	format      compat.Format
	mode        registry.Mode
	checkpoint  int64
	next        int64
	hasVersions bool
	// versions are the existing versions fetched, oldest first: the ones
	// that count for the mode, plus any the registry matched to the
	// candidate.
	versions []knownVersion
}

// definitionError is an existing version's definition that does not parse.
type definitionError struct {
	number int64
	msg    string
}

func (e *definitionError) Error() string {
	return fmt.Sprintf("version %d: %s", e.number, e.msg)
}

// validity returns AWS's message for an invalid definition, "" when valid.
func validity(format, definition string) (string, error) {
	msg, err := registry.New(registry.Config{}).CheckValidity(format, definition)
	if err != nil {
		return "", fmt.Errorf("data format %q: %w", format, err)
	}
	return msg, nil
}

// decide checks candidate as the registry would when registering it.
func (d *decision) decide(candidate string) (*checkReport, error) {
	rep := &checkReport{
		DataFormat:       d.format.Name(),
		Compatibility:    string(d.mode),
		CandidateVersion: d.next,
		CheckedAgainst:   []int64{},
		Findings:         []registry.Finding{},
	}
	msg, err := validity(d.format.Name(), candidate)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		rep.Reason = msg
		return rep, nil
	}
	cand, err := d.format.Parse(candidate)
	if err != nil {
		rep.Reason = err.Error()
		return rep, nil
	}
	canonical := cand.Canonical()
	var priors []registry.Prior
	for _, v := range d.versions {
		if v.status == registry.StatusDeleting {
			continue
		}
		if msg, err := validity(d.format.Name(), v.definition); err != nil || msg != "" {
			if err != nil {
				msg = err.Error()
			}
			return nil, &definitionError{number: v.number, msg: msg}
		}
		parsed, err := d.format.Parse(v.definition)
		if err != nil {
			return nil, &definitionError{number: v.number, msg: err.Error()}
		}
		if v.sameDefinition || parsed.Canonical() == canonical {
			rep.IdenticalTo = v.number
			rep.CandidateVersion = v.number
			if v.status == registry.StatusFailure {
				rep.Reason = fmt.Sprintf("identical to version %d, which failed its compatibility check: registering returns that FAILURE version", v.number)
				return rep, nil
			}
			rep.Accepted = true
			rep.Reason = fmt.Sprintf("identical to version %d (%s): registering returns that version", v.number, v.status)
			return rep, nil
		}
		if v.status == registry.StatusAvailable && v.number >= d.checkpoint && !v.sameDefinition {
			priors = append(priors, registry.Prior{Number: v.number, Schema: parsed})
		}
	}
	if d.mode == registry.ModeDisabled && d.hasVersions {
		rep.Reason = "compatibility DISABLED: the schema takes no new versions"
		return rep, nil
	}
	counted := priors
	if !d.mode.All() && len(counted) > 1 {
		counted = counted[len(counted)-1:]
	}
	if d.mode != registry.ModeNone && d.mode != registry.ModeDisabled {
		for _, p := range counted {
			rep.CheckedAgainst = append(rep.CheckedAgainst, p.Number)
		}
	}
	if f := registry.Check(d.format, d.mode, priors, cand, d.next); len(f) > 0 {
		rep.Findings = f
		rep.Reason = fmt.Sprintf("incompatible under %s with %s: %d finding(s)", d.mode, versionList(rep.CheckedAgainst), len(f))
		return rep, nil
	}
	rep.Accepted = true
	switch {
	case d.mode == registry.ModeNone || d.mode == registry.ModeDisabled:
		rep.Reason = fmt.Sprintf("compatibility %s checks nothing: any valid definition is accepted", d.mode)
	case len(rep.CheckedAgainst) == 0:
		rep.Reason = "no earlier version to check against"
	default:
		rep.Reason = fmt.Sprintf("compatible under %s with %s", d.mode, versionList(rep.CheckedAgainst))
	}
	return rep, nil
}

// versionList names version numbers: "version 2", "versions 1, 2, 3".
func versionList(ns []int64) string {
	if len(ns) == 1 {
		return fmt.Sprintf("version %d", ns[0])
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return "versions " + strings.Join(parts, ", ")
}

// printCheck prints a report and returns the exit code.
func (c *cmdIO) printCheck(rep *checkReport) int {
	if c.json {
		c.printJSON(rep)
	} else {
		verdict := "rejected"
		if rep.Accepted {
			verdict = "accepted"
		}
		where := ""
		if rep.SchemaName != "" {
			where = fmt.Sprintf(" %s/%s", rep.RegistryName, rep.SchemaName)
		}
		fmt.Fprintf(c.stdout, "%s:%s version %d (%s, %s): %s\n", verdict, where, rep.CandidateVersion, rep.DataFormat, rep.Compatibility, rep.Reason)
		printFindings(c.stdout, rep.Findings)
	}
	if rep.Accepted {
		return exitYes
	}
	return exitNo
}

// printFindings lists findings one per line.
func printFindings(w io.Writer, fs []registry.Finding) {
	for _, f := range fs {
		path := f.Path
		if path == "" {
			path = "(root)"
		}
		dir := ""
		if f.Direction != "" {
			dir = ", " + string(f.Direction)
		}
		expl := f.Explanation
		if expl == "" {
			expl = f.Message
		}
		fmt.Fprintf(w, "  %s [%s%s]: %s\n", path, f.Rule, dir, expl)
	}
}

// schemaCheck runs `schema check`.
func schemaCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("check", checkSynopsis, stderr)
	g := addGlueFlags(fs, getenv)
	registryName := fs.String("registry", "", "registry name")
	schemaName := fs.String("schema", "", "schema name")
	offline := fs.Bool("offline", false, "decide without a server, from --format, --compatibility and --against")
	format := fs.String("format", "", "with --offline: AVRO, JSON or PROTOBUF")
	mode := fs.String("compatibility", "", "with --offline: NONE, DISABLED, BACKWARD, BACKWARD_ALL, FORWARD, FORWARD_ALL, FULL or FULL_ALL")
	against := fs.String("against", "", "with --offline: comma-separated files of the older versions, oldest first")
	pos, c, exit := g.start("check", fs, args, stdout, stderr)
	if exit >= 0 {
		return exit
	}
	if len(pos) != 1 {
		return c.usageErr("want exactly one definition FILE (or -), got %d arguments", len(pos))
	}
	def, err := readInput(pos[0], stdin)
	if err != nil {
		return c.usageErr("%v", err)
	}
	if *offline {
		if *registryName != "" || *schemaName != "" {
			return c.usageErr("--offline takes no --registry or --schema")
		}
		return c.checkOffline(*format, *mode, *against, string(def))
	}
	if *format != "" || *mode != "" || *against != "" {
		return c.usageErr("--format, --compatibility and --against need --offline")
	}
	if *registryName == "" || *schemaName == "" {
		return c.usageErr("--registry and --schema are required (or --offline)")
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	conn, err := g.connect(ctx, getenv)
	if err != nil {
		return c.fail(err)
	}
	d, err := fetchDecision(ctx, conn.client, *registryName, *schemaName, string(def))
	if err != nil {
		return c.fail(err)
	}
	rep, err := d.decide(string(def))
	if err != nil {
		return c.fail(err)
	}
	rep.RegistryName, rep.SchemaName = *registryName, *schemaName
	return c.printCheck(rep)
}

// checkOffline decides from files alone.
func (c *cmdIO) checkOffline(format, mode, against, candidate string) int {
	format, mode = strings.ToUpper(format), strings.ToUpper(mode)
	f, ok := registry.Formats()[format]
	if !ok {
		return c.usageErr("--format %q: want AVRO, JSON or PROTOBUF", format)
	}
	m := registry.Mode(mode)
	if !m.Valid() {
		return c.usageErr("--compatibility %q: want one of %v", mode, registry.Modes())
	}
	d := &decision{format: f, mode: m, checkpoint: 1, next: 1}
	if against != "" {
		for i, name := range strings.Split(against, ",") {
			name = strings.TrimSpace(name)
			b, err := readInput(name, strings.NewReader(""))
			if err != nil {
				return c.usageErr("--against %s: %v", name, err)
			}
			d.versions = append(d.versions, knownVersion{number: int64(i + 1), status: registry.StatusAvailable, definition: string(b)})
		}
	}
	d.next = int64(len(d.versions) + 1)
	d.hasVersions = len(d.versions) > 0
	rep, err := d.decide(candidate)
	if err != nil {
		var de *definitionError
		if errors.As(err, &de) {
			return c.usageErr("--against version %d (an older version) is not a valid %s definition: %s", de.number, format, de.msg)
		}
		return c.usageErr("%v", err)
	}
	return c.printCheck(rep)
}

// fetchDecision reads the schema's mode, checkpoint and the versions that
// count from the registry.
func fetchDecision(ctx context.Context, client *glueClient, registryName, schemaName, candidate string) (*decision, error) {
	id := &schemaID{RegistryName: aws.String(registryName), SchemaName: aws.String(schemaName)}
	s, err := client.GetSchema(ctx, &getSchemaInput{SchemaId: id})
	if err != nil {
		return nil, fmt.Errorf("GetSchema: %w", err)
	}
	f, ok := registry.Formats()[s.DataFormat]
	if !ok {
		return nil, fmt.Errorf("schema %s/%s has data format %q, which this tool cannot check", registryName, schemaName, s.DataFormat)
	}
	mode := registry.Mode(s.Compatibility)
	if !mode.Valid() {
		return nil, fmt.Errorf("schema %s/%s has compatibility %q, which this tool does not know", registryName, schemaName, s.Compatibility)
	}
	list, err := listVersions(ctx, client, id)
	if err != nil {
		return nil, err
	}
	d := &decision{format: f, mode: mode, checkpoint: num(s.SchemaCheckpoint), next: num(s.NextSchemaVersion), hasVersions: len(list) > 0}
	if d.next == 0 {
		d.next = 1
		for _, v := range list {
			d.next = max(d.next, num(v.VersionNumber)+1)
		}
	}
	var counting []schemaVersionListItem
	for _, v := range list {
		if v.Status == statusAvailable && num(v.VersionNumber) >= d.checkpoint {
			counting = append(counting, v)
		}
	}
	if !mode.All() && len(counting) > 1 {
		counting = counting[len(counting)-1:]
	}
	numbers := map[string]int64{}
	for _, v := range list {
		numbers[str(v.SchemaVersionId)] = num(v.VersionNumber)
	}
	// The registry's own match: exact on AWS, canonical on evolvestack.
	var match *knownVersion
	if msg, err := validity(s.DataFormat, candidate); err == nil && msg == "" {
		out, err := client.GetSchemaByDefinition(ctx, &getSchemaByDefinitionInput{SchemaId: id, SchemaDefinition: aws.String(candidate)})
		var ae interface{ ErrorCode() string }
		switch {
		case err == nil:
			if n, ok := numbers[str(out.SchemaVersionId)]; ok {
				match = &knownVersion{number: n, status: out.Status, sameDefinition: true}
			}
		case errors.As(err, &ae) && ae.ErrorCode() == "EntityNotFoundException":
		default:
			return nil, fmt.Errorf("GetSchemaByDefinition: %w", err)
		}
	}
	for _, v := range counting {
		out, err := client.GetSchemaVersion(ctx, &getSchemaVersionInput{SchemaVersionId: v.SchemaVersionId})
		if err != nil {
			return nil, fmt.Errorf("GetSchemaVersion %d: %w", num(v.VersionNumber), err)
		}
		kv := knownVersion{number: num(v.VersionNumber), status: v.Status, definition: str(out.SchemaDefinition)}
		if match != nil && match.number == kv.number {
			kv.sameDefinition = true
			match = nil
		}
		d.versions = append(d.versions, kv)
	}
	if match != nil {
		out, err := client.GetSchemaVersion(ctx, &getSchemaVersionInput{SchemaId: id, SchemaVersionNumber: &schemaVersionNumber{VersionNumber: aws.Int64(match.number)}})
		if err != nil {
			return nil, fmt.Errorf("GetSchemaVersion %d: %w", match.number, err)
		}
		match.definition = str(out.SchemaDefinition)
		d.versions = append(d.versions, *match)
		sort.Slice(d.versions, func(i, j int) bool { return d.versions[i].number < d.versions[j].number })
	}
	return d, nil
}

// listVersions lists every version of a schema, following NextToken.
func listVersions(ctx context.Context, client *glueClient, id *schemaID) ([]schemaVersionListItem, error) {
	var out []schemaVersionListItem
	in := &listSchemaVersionsInput{SchemaId: id}
	for {
		page, err := client.ListSchemaVersions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("ListSchemaVersions: %w", err)
		}
		out = append(out, page.Schemas...)
		if str(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	sort.Slice(out, func(i, j int) bool { return num(out[i].VersionNumber) < num(out[j].VersionNumber) })
	return out, nil
}
