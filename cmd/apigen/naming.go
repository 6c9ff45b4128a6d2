package main

import (
	"strings"
	"unicode"
)

// goName turns a model name into an exported Go identifier: characters
// that cannot appear in identifiers split words, and each word starts with
// an upper-case letter ("__listOfString" -> "ListOfString").
func goName(s string) string {
	var b strings.Builder
	upNext := true
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r)) || r > unicode.MaxASCII {
			upNext = true
			continue
		}
		if upNext {
			r = unicode.ToUpper(r)
			upNext = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	if unicode.IsDigit(rune(out[0])) {
		out = "X" + out
	}
	return out
}

// enumValueName turns an enum value into the suffix aws-sdk-go-v2 uses:
// dots vanish, other separators split words, all-caps words are
// title-cased ("ON_DEMAND" -> "OnDemand", "python3.9" -> "Python39",
// "x86_64" -> "X8664").
func enumValueName(v string) string {
	v = strings.ReplaceAll(v, ".", "")
	words := strings.FieldsFunc(v, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r)) || r > unicode.MaxASCII
	})
	var b strings.Builder
	for _, w := range words {
		if strings.ToUpper(w) == w {
			w = strings.ToLower(w)
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	out := b.String()
	if out == "" {
		return "Value"
	}
	return out
}

// lowerFirst lowers the first letter, as Coral spells member paths.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// namer hands out unique identifiers; a taken name gets "_" appended until
// free.
type namer struct{ taken map[string]bool }

func newNamer(reserved ...string) *namer {
	n := &namer{taken: map[string]bool{}}
	for _, r := range reserved {
		n.taken[r] = true
	}
	return n
}

func (n *namer) claim(name string) string {
	for n.taken[name] {
		name += "_"
	}
	n.taken[name] = true
	return name
}

// packageName maps a model folder name to its Go package.
func packageName(service string) string {
	if service == "events" {
		return "eventbridge"
	}
	return service
}
