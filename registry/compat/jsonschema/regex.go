package jsonschema

import (
	"fmt"
	"regexp"
	"regexp/syntax"

	js "github.com/santhosh-tekuri/jsonschema/v6"
)

// Go's regexp expands counted repetition when it compiles: [a-z]{2,40}
// becomes 40 copies of the class, and a compiled instruction costs several
// hundred bytes once the one-pass program and the matcher's caches are
// counted. A definition's patterns (pattern, patternProperties and the
// meta-schema's "format": "regex" check of both) are therefore compiled
// through a regexEngine that meters them per Parse:
//
//   - 64 KiB of pattern source in all. Real patterns are tens of characters
//     (a UUID, an RFC 1123 label, an ISO date); a schema near the size limit
//     with a pattern on every other property has under 20 KiB.
//   - 20,000 instructions in all, counted on the parsed pattern before it
//     is compiled, with repetitions expanded as the compiler will expand
//     them, plus 16 for each distinct pattern (a compiled regexp costs
//     3-4 KB before its first instruction, an instruction 100-600 bytes).
//     An RFC 1123 label pattern counts 26, a UUID pattern 60; patterns
//     repeated across properties count once.
const (
	maxRegexSource = 64 << 10
	maxRegexInsts  = 20000
	regexOverhead  = 16
)

// regexEngine compiles the patterns of one definition, each distinct one
// once, and refuses them once the budget is spent. It is used by one Parse
// only, so it needs no lock.
type regexEngine struct {
	compiled map[string]js.Regexp
	source   int
	insts    int
	// err is the limit exceeded, if any; Parse reports it rather than the
	// compiler's wrapping of it.
	err error
}

func newRegexEngine() *regexEngine {
	return &regexEngine{compiled: map[string]js.Regexp{}}
}

func (e *regexEngine) compile(pattern string) (js.Regexp, error) {
	if re, ok := e.compiled[pattern]; ok {
		return re, nil
	}
	if e.err != nil {
		return nil, e.err
	}
	e.source += len(pattern)
	if e.source > maxRegexSource {
		e.err = fmt.Errorf("its regular expressions add up to more than %d characters", maxRegexSource)
		return nil, e.err
	}
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		// Let regexp word the syntax error as it always has.
		_, err = regexp.Compile(pattern)
		return nil, err
	}
	e.insts += regexOverhead + instCount(parsed, maxRegexInsts)
	if e.insts > maxRegexInsts {
		e.err = fmt.Errorf("its regular expressions would compile to more than %d instructions", maxRegexInsts)
		return nil, e.err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	e.compiled[pattern] = re
	return re, nil
}

// instCount estimates how many instructions re compiles to, expanding
// repetitions as the compiler does (x{2,5} is x x (x (x (x)?)?)?); it
// stops counting past limit.
func instCount(re *syntax.Regexp, limit int) int {
	switch re.Op {
	case syntax.OpLiteral:
		return max(len(re.Rune), 1)
	case syntax.OpRepeat:
		sub := instCount(re.Sub[0], limit)
		// x{min,} is min copies and x*; x{min,max} min copies and
		// max-min optional ones.
		copies, optional := re.Min, re.Max-re.Min
		if re.Max < 0 {
			optional = 1
		}
		if copies+optional > 0 && sub+1 > limit/(copies+optional) {
			return limit + 1
		}
		return 1 + copies*sub + optional*(sub+1)
	}
	n := 1
	switch re.Op {
	case syntax.OpCapture:
		n = 2
	case syntax.OpConcat:
		n = 0
	case syntax.OpAlternate:
		n = len(re.Sub) - 1
	}
	for _, s := range re.Sub {
		n += instCount(s, limit)
		if n > limit {
			return limit + 1
		}
	}
	return n
}
