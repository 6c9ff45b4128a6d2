package protobuf

import "fmt"

// Limits a .proto definition must keep before it reaches the compiler. The
// compiler's work grows with the number of tokens (it builds AST nodes and
// descriptors for them: 600-800 bytes a token, more for map fields and
// option values, see mapWeight and literalWeight), with nesting, and with
// name resolution: every reference to a type is tried in each enclosing
// scope and under each prefix of the package, by concatenating that
// scope's full name with the reference. A scan of the text, without
// allocating, measures all three.
//
// The limits sit above what real definitions use. A 162,000-byte file of
// commented messages with nested types, maps and oneofs counts 23,000
// tokens and a name-resolution cost of 0.8 million; Google's DLP v2 API
// file (161,000 bytes, mostly comments) 8,000 tokens and 0.3 million. A
// file of bare one-line fields reaches the token limit near 160,000 bytes.
// protoc and the compiler already refuse messages nested 32 deep, so a
// nesting limit of 64 brackets (messages, enums, oneofs, option values and
// field options together) refuses nothing they accept. Names: the longest
// in Google's APIs are under 100 characters.
const (
	// maxNesting bounds the nesting of braces, brackets, parentheses and
	// angle brackets.
	maxNesting = 64
	// maxTokens bounds identifiers, numbers, strings and punctuation.
	maxTokens = 32768
	// maxNameLength bounds one identifier or dotted name, the package
	// included: it is repeated in the full name of everything declared
	// under it and in the file name of every error.
	maxNameLength = 512
	// maxResolveCost bounds the sum, over every identifier, of the lengths
	// of the names the compiler may form to resolve it (see scanProto).
	maxResolveCost = 8 << 20
)

// protoLimits are the limits scanProto applies.
type protoLimits struct {
	nesting, tokens, nameLength, resolveCost int
}

// defaultLimits are the limits Parse applies.
var defaultLimits = protoLimits{nesting: maxNesting, tokens: maxTokens, nameLength: maxNameLength, resolveCost: maxResolveCost}

// protoStats is what scanProto measured (up to the first limit exceeded).
type protoStats struct {
	depth, tokens, longestName, resolveCost int
	// pkg is the name of the first top-level package statement.
	pkg string
}

// limitError is a limit a definition exceeds, in words.
type limitError string

func (e limitError) Error() string { return string(e) }

// scope is an open brace, bracket, parenthesis or angle bracket.
type scope struct {
	// brace is set for {, which may declare a scope for names.
	brace bool
	// literal is set inside a message literal (an option's value).
	literal bool
	// full is the length of the full name of the scope: its parent's plus
	// the name declared before the brace (brackets add nothing).
	full int
	// cum is the sum of full over this scope and those enclosing it.
	cum int
}

// mapWeight is what a map field's "map" adds to the token count: the
// compiler declares an entry message of two fields for it, which costs it
// about three times an ordinary field.
const mapWeight = 8

// literalWeight is what a token inside a message literal counts: the
// compiler's nodes for option values cost about three times those of
// declarations.
const literalWeight = 3

// scanProto measures definition, without allocating beyond a small stack,
// and returns an error for the first limit it exceeds.
//
// The resolution cost counts, for every identifier in a position where it
// may name a type (the first of a statement after any label, the target of
// extend, anything inside brackets, parentheses or angle brackets), what the
// compiler's lookup concatenates in the worst case: each enclosing scope's
// full name plus the identifier, and each prefix of the package plus the
// identifier. Keywords and scalar types in those positions are counted too,
// so the figure is an over-estimate.
func scanProto(definition string, lim protoLimits) (protoStats, error) {
	var (
		st         protoStats
		stack      = make([]scope, 0, 16)
		lastIdent  int    // length of the last identifier of the statement
		stmtIdents int    // identifiers of the statement so far, labels aside
		prevIdent  string // the previous identifier of the statement
		prevPunct  byte   // the previous token, when punctuation
		pkgNext    bool
		pkgCost    int // sum of the lengths of the package's prefixes
		pkgParts   int // how many prefixes the package has
		refs       int // references before the package statement
		refLen     int // their lengths plus one, summed
	)
	endStatement := func() { lastIdent, stmtIdents, prevIdent = 0, 0, "" }
	s := definition
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := i + 2
			for end < len(s) && !(s[end] == '*' && end+1 < len(s) && s[end+1] == '/') {
				end++
			}
			i = end + 1
			continue
		}
		st.tokens++
		if n := len(stack); n > 0 && stack[n-1].literal {
			st.tokens += literalWeight - 1
		}
		punct := prevPunct
		prevPunct = 0
		if st.tokens > lim.tokens {
			return st, limitError(fmt.Sprintf("the definition has more than %d tokens", lim.tokens))
		}
		switch {
		case c == '"' || c == '\'':
			for i++; i < len(s) && s[i] != c && s[i] != '\n'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case isIdentStart(c) || (c == '.' && i+1 < len(s) && isIdentStart(s[i+1])):
			start := i
			for i+1 < len(s) && (isIdentPart(s[i+1]) || s[i+1] == '.') {
				i++
			}
			name := s[start : i+1]
			st.longestName = max(st.longestName, len(name))
			if len(name) > lim.nameLength {
				return st, limitError(fmt.Sprintf("the name %.40s... is longer than %d characters", name, lim.nameLength))
			}
			if name == "map" && nextNonSpace(s, i+1) == '<' {
				st.tokens += mapWeight
			}
			if pkgNext {
				pkgNext = false
				st.pkg = name
				pkgCost, pkgParts = prefixCost(name)
				// References met before the package statement are
				// resolved under its prefixes too.
				st.resolveCost += refs*pkgCost + pkgParts*refLen
			}
			if len(stack) == 0 && name == "package" && st.pkg == "" {
				pkgNext = true
			}
			top := scope{brace: true}
			if n := len(stack); n > 0 {
				top = stack[n-1]
			}
			if !top.brace || stmtIdents == 0 || prevIdent == "extend" {
				refs++
				refLen += len(name) + 1
				st.resolveCost += top.cum + pkgCost + (len(stack)+pkgParts)*(len(name)+1)
				if st.resolveCost > lim.resolveCost {
					return st, limitError(fmt.Sprintf("resolving its names would cost more than %d bytes of scope and package names", lim.resolveCost))
				}
			}
			switch name {
			case "optional", "required", "repeated":
			default:
				stmtIdents++
			}
			prevIdent = name
			lastIdent = len(name)
		case c >= '0' && c <= '9' || c == '.':
			for i+1 < len(s) && (isIdentPart(s[i+1]) || s[i+1] == '.' ||
				((s[i+1] == '+' || s[i+1] == '-') && (s[i] == 'e' || s[i] == 'E'))) {
				i++
			}
		case c == '{' || c == '[' || c == '(' || c == '<':
			if len(stack) == lim.nesting {
				return st, limitError(fmt.Sprintf("the definition nests braces, brackets and parentheses more than %d levels deep", lim.nesting))
			}
			sc := scope{}
			if n := len(stack); n > 0 {
				sc = stack[n-1]
			}
			sc.literal = sc.literal || (c != '(' && (punct == '=' || punct == ':'))
			sc.brace = c == '{'
			if sc.brace {
				sc.full += 1 + lastIdent
				endStatement()
			}
			sc.cum += sc.full
			stack = append(stack, sc)
			st.depth = max(st.depth, len(stack))
			prevPunct = c
		case c == '}' || c == ']' || c == ')' || c == '>':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if c == '}' {
				endStatement()
			}
		case c == ';':
			endStatement()
		default:
			prevPunct = c
		}
	}
	return st, nil
}

// nextNonSpace returns the first byte from i that is not white space, or 0.
func nextNonSpace(s string, i int) byte {
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			continue
		}
		return s[i]
	}
	return 0
}

// prefixCost returns the summed lengths of the prefixes of a dotted package
// name ("a.b.c": "a", "a.b" and "a.b.c") and how many there are.
func prefixCost(pkg string) (cost, parts int) {
	for i := 0; i < len(pkg); i++ {
		if pkg[i] == '.' && i > 0 {
			cost += i
			parts++
		}
	}
	return cost + len(pkg), parts + 1
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}
