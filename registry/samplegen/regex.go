package samplegen

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// maxRepeat bounds the repetitions of *, + and {n,} in generated strings.
const maxRepeat = 6

// fromPattern generates a string that a regular expression (ECMA 262 as
// JSON Schema uses it, read with Go's RE2 syntax) matches somewhere: the
// JSON Schema pattern keyword is not anchored. It fails on syntax Go does
// not read (lookarounds, backreferences).
func (g *gen) fromPattern(pattern string) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("pattern %q: %w", pattern, err)
	}
	var b strings.Builder
	g.regex(re.Simplify(), &b)
	return b.String(), nil
}

// regex writes a string the expression matches.
func (g *gen) regex(re *syntax.Regexp, b *strings.Builder) {
	if b.Len() > maxStringLen {
		return // the validator rejects the string if the rest mattered
	}
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 && g.p == pRandom && g.r.IntN(2) == 0 {
			for _, r := range re.Rune {
				b.WriteRune(unicode.SimpleFold(r))
			}
			return
		}
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(g.classRune(re.Rune))
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		switch g.p {
		case pUnicode:
			b.WriteRune('é')
		case pRandom:
			b.WriteRune(rune('a' + g.r.IntN(26)))
		default:
			b.WriteRune('x')
		}
	case syntax.OpCapture:
		g.regex(re.Sub[0], b)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.regex(s, b)
		}
	case syntax.OpAlternate:
		g.regex(re.Sub[g.pick(len(re.Sub))], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, maxRepeat
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + maxRepeat
			}
		}
		n := lo
		switch g.p {
		case pMaximal:
			n = hi
		case pUnicode:
			n = min(lo+1, hi)
		case pRandom:
			n = lo + g.r.IntN(hi-lo+1)
		}
		for range n {
			g.regex(re.Sub[0], b)
		}
	}
	// Anchors, word boundaries and empty matches write nothing.
}

// classRune picks a rune of a character class (pairs of inclusive ranges).
func (g *gen) classRune(ranges []rune) rune {
	if len(ranges) == 0 {
		return 'x'
	}
	pairs := len(ranges) / 2
	i := g.pick(pairs)
	lo, hi := ranges[2*i], ranges[2*i+1]
	// Prefer printable runes: a negated class starts at 0.
	if lo < ' ' && hi >= 'a' {
		lo = 'a'
	}
	switch g.p {
	case pMaximal:
		if hi > unicode.MaxRune-1 || hi > 0xFFFF {
			return min(hi, lo+0x4e16)
		}
		return hi
	case pRandom:
		span := int(min(hi-lo, 0xFFFF))
		return lo + rune(g.r.IntN(span+1))
	}
	return lo
}
