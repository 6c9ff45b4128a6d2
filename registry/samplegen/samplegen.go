// Package samplegen generates sample records from Glue Schema Registry
// schema definitions (AVRO, JSON Schema, PROTOBUF), deterministically from a
// seed, for testing the handlers that read them.
//
// Every definition yields a fixed set of edge samples, then Options.Random
// random ones:
//
//	edge:minimal  nulls in unions, optional fields omitted (Avro: their
//	              defaults; Protobuf: unset, so nothing is written), empty
//	              strings, arrays, maps and bytes, zero numbers
//	edge:maximal  every optional field set, non-null union branches, long
//	              arrays and maps, long unicode strings, the largest numbers
//	edge:minimum  the smallest numbers, one-element collections, first enum
//	              symbols, last union branches
//	edge:unicode  non-ASCII strings and map keys (combining marks, CJK,
//	              emoji, right-to-left, a zero-width space), last enum symbols
//	random:N      values drawn from the seed
//
// JSON Schema samples honour type, required, properties,
// additionalProperties, items/prefixItems, min/maxItems, uniqueItems,
// enum, const, $ref (local), allOf, anyOf, oneOf, the common formats,
// minimum/maximum (inclusive and exclusive), multipleOf, min/maxLength and
// pattern (generated from the regular expression). Every JSON sample is
// checked with the schema's compiled validator; one that does not validate
// (a pattern the generator cannot satisfy, not/if/then/else, dependencies)
// is dropped and Result.Notes says why. Avro samples are checked by a round
// trip through hamba/avro, Protobuf samples by unmarshalling them again.
//
// PROTOBUF samples are of the first message the file declares; the
// payload starts with its message index as the Glue serde writes it.
package samplegen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Data formats, as Glue names them.
const (
	FormatAvro     = "AVRO"
	FormatJSON     = "JSON"
	FormatProtobuf = "PROTOBUF"
)

// Options configures Generate.
type Options struct {
	// Seed makes the samples reproducible: the same definition, options
	// and seed give the same samples.
	Seed uint64
	// Random is how many random samples follow the edge ones.
	Random int
	// NoEdges leaves the edge samples out.
	NoEdges bool
}

// Sample is one generated record.
type Sample struct {
	// Name says how it was made: "edge:minimal", "random:2", ...
	Name string `json:"name"`
	// Payload is the record encoded in the schema's data format (for
	// PROTOBUF, after its message index), ready to be framed.
	Payload []byte `json:"-"`
	// JSON renders the record for people.
	JSON json.RawMessage `json:"record"`
}

// Result is what Generate made.
type Result struct {
	Samples []Sample
	// Notes say what the generator could not honour (a pattern it could
	// not satisfy, a keyword it does not implement), sorted.
	Notes []string
}

// profile is a kind of sample.
type profile int

const (
	pRandom profile = iota
	pMinimal
	pMaximal
	pMinimum
	pUnicode
)

// edgeProfiles are the edge samples, in order.
func edgeProfiles() []struct {
	p    profile
	name string
} {
	return []struct {
		p    profile
		name string
	}{{pMinimal, "edge:minimal"}, {pMaximal, "edge:maximal"}, {pMinimum, "edge:minimum"}, {pUnicode, "edge:unicode"}}
}

// maxDepth is how deep nested records, arrays and maps go; deeper, the
// generator takes nulls and empty collections where it can.
const maxDepth = 6

// unicodeText is the non-ASCII string of edge:unicode.
const unicodeText = "Grüße, 世界! 🚀 עברית e\u0301 \u200b"

// notes collects what the generator could not honour.
type notes map[string]bool

func (n notes) add(format string, args ...any) { n[fmt.Sprintf(format, args...)] = true }

func (n notes) sorted() []string {
	out := make([]string, 0, len(n))
	for k := range n {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// maxNodes bounds the values of one sample: past it, collections stay
// empty, unions take null and optional fields stay unset, so recursive
// schemas with repeated fields do not grow exponentially.
const maxNodes = 600

// gen is the state of one sample's generation.
type gen struct {
	r     *rand.Rand
	p     profile
	notes notes
	// nodes counts the values generated so far.
	nodes int
}

// spent counts a value and reports whether the sample is over budget.
func (g *gen) spent() bool {
	g.nodes++
	return g.nodes > maxNodes
}

// full reports whether the sample is over budget.
func (g *gen) full() bool { return g.nodes > maxNodes }

// longLen is the length of a long collection at depth d: long at the top
// (the record's own fields), two deeper, so nested and recursive
// collections stay small.
func longLen(d int) int {
	if d <= 1 {
		return 32
	}
	return 2
}

// collLen is how many elements a collection gets at depth d.
func (g *gen) collLen(d int) int {
	if d >= maxDepth || g.full() {
		return 0
	}
	switch g.p {
	case pMinimal:
		return 0
	case pMaximal:
		return longLen(d)
	case pMinimum:
		return 1
	case pUnicode:
		return 2
	}
	return g.r.IntN(4)
}

// text is a string for the profile.
func (g *gen) text() string {
	switch g.p {
	case pMinimal:
		return ""
	case pMaximal:
		s := ""
		for len(s) < 256 {
			s += unicodeText + " "
		}
		return s
	case pMinimum:
		return "a"
	case pUnicode:
		return unicodeText
	}
	return randomWord(g.r)
}

// randomWord is a short random string, now and then with non-ASCII runes.
func randomWord(r *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_"
	alts := []rune("éßøñ世界😀Ωж")
	n := 1 + r.IntN(12)
	out := make([]rune, 0, n)
	for range n {
		if r.IntN(8) == 0 {
			out = append(out, alts[r.IntN(len(alts))])
		} else {
			out = append(out, rune(letters[r.IntN(len(letters))]))
		}
	}
	return string(out)
}

// bytesVal is a byte string for the profile.
func (g *gen) bytesVal() []byte {
	switch g.p {
	case pMinimal:
		return []byte{}
	case pMaximal:
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	case pMinimum:
		return []byte{0}
	case pUnicode:
		return []byte(unicodeText)
	}
	b := make([]byte, g.r.IntN(16))
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	return b
}

// pick chooses one of n alternatives for the profile.
func (g *gen) pick(n int) int {
	if n <= 1 {
		return 0
	}
	switch g.p {
	case pMinimal, pMinimum:
		return 0
	case pMaximal:
		return n - 1
	case pUnicode:
		return n / 2
	}
	return g.r.IntN(n)
}

// Generate makes samples of definition, a schema in format (AVRO, JSON or
// PROTOBUF). It fails when the definition does not parse.
func Generate(format, definition string, opts Options) (*Result, error) {
	var (
		mk  func(g *gen) (Sample, error)
		err error
	)
	switch format {
	case FormatAvro:
		mk, err = avroMaker(definition)
	case FormatJSON:
		mk, err = jsonMaker(definition)
	case FormatProtobuf:
		mk, err = protoMaker(definition)
	default:
		return nil, fmt.Errorf("samplegen: unsupported data format %q (want AVRO, JSON or PROTOBUF)", format)
	}
	if err != nil {
		return nil, fmt.Errorf("samplegen: %s definition: %w", format, err)
	}
	res := &Result{}
	n := notes{}
	// One stream of random numbers for the whole run: the same seed gives
	// the same samples in the same order.
	r := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	run := func(p profile, name string) {
		s, err := mk(&gen{r: r, p: p, notes: n})
		if err != nil {
			n.add("%s: dropped: %v", name, err)
			return
		}
		s.Name = name
		res.Samples = append(res.Samples, s)
	}
	if !opts.NoEdges {
		for _, e := range edgeProfiles() {
			run(e.p, e.name)
		}
	}
	for i := range opts.Random {
		run(pRandom, fmt.Sprintf("random:%d", i+1))
	}
	res.Notes = n.sorted()
	return res, nil
}
