package eventmatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Scope is what an SNS filter policy applies to.
type Scope uint8

const (
	// ScopeMessageAttributes filters on message attributes (SNS's default).
	ScopeMessageAttributes Scope = iota
	// ScopeMessageBody filters on the message body, a JSON object.
	ScopeMessageBody
)

// ParseScope maps SNS's FilterPolicyScope values; "" is the default.
func ParseScope(s string) (Scope, bool) {
	switch s {
	case "", "MessageAttributes":
		return ScopeMessageAttributes, true
	case "MessageBody":
		return ScopeMessageBody, true
	}
	return 0, false
}

// Limits AWS enforces on filter policies and event patterns.
const (
	// MaxFilterPolicyBytes is the largest SNS filter policy (the caller checks it).
	MaxFilterPolicyBytes = 256 * 1024
	// MaxFilterPolicyKeys is how many keys an SNS filter policy may have.
	MaxFilterPolicyKeys = 5
	// MaxFilterPolicyCombinations caps the product of an SNS policy's value counts.
	MaxFilterPolicyCombinations = 150
	// MaxEventPatternLength is the EventPattern length limit of the
	// EventBridge API model (the caller checks it).
	MaxEventPatternLength = 4096
)

// dialect selects the SNS or EventBridge rules.
type dialect uint8

const (
	dialectEventBridge dialect = iota
	dialectSNS
)

// Rule is a compiled event pattern or filter policy: a disjunction of
// branches ($or expanded), each a conjunction of field conditions.
type Rule struct {
	dialect  dialect
	scope    Scope
	branches []branch
	single   *machine // this rule alone, for Match
}

// branch is one way for a rule to match: every field must match.
type branch struct {
	fields []field // sorted by path
}

// field is the condition on one path: any pattern may match.
type field struct {
	path string   // dot-joined
	segs []string // path split on '.'
	pats []*pattern
}

// CompilePattern compiles an EventBridge event pattern. Errors are *Error
// with event-ruler's reasons (wrap them with EventBridgeMessage).
func CompilePattern(pattern []byte) (*Rule, error) {
	return compileRule(pattern, dialectEventBridge, ScopeMessageBody)
}

// CompileFilterPolicy compiles an SNS subscription filter policy for scope.
// Errors are *Error with SNS's reasons (wrap them with SNSMessage). The size
// limit (MaxFilterPolicyBytes) is the caller's to check.
func CompileFilterPolicy(policy []byte, scope Scope) (*Rule, error) {
	return compileRule(policy, dialectSNS, scope)
}

// reservedInOr reports event-ruler's field names refused inside $or.
func reservedInOr(name string) bool {
	switch name {
	case "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists",
		"wildcard", "numeric", "cidr", "=", "<", "<=", ">", ">=", "regex",
		"not-wildcard", "not-equals-ignore-case", "date-after", "date-on-or-after",
		"date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
		"ip-address-not-in-range":
		return true
	}
	return false
}

// compiler ports event-ruler's JsonRuleCompiler: the same token-by-token
// reading, so errors are found in the same order and at the same position.
type compiler struct {
	lx       lexer
	sns      bool
	nested   bool
	topKeys  int
	deferred *Error // an error event-ruler finds when adding the rule
}

type draft = map[string][]*pattern

func compileRule(src []byte, d dialect, scope Scope) (r *Rule, err error) {
	if len(bytes.TrimSpace(src)) == 0 {
		// Seen from SNS for an empty FilterPolicy, without a location.
		return nil, &Error{Reason: "Filter is not an object"}
	}
	if !json.Valid(src) {
		// unverified: AWS passes on Jackson's syntax error text.
		return nil, &Error{Reason: "Filter is not valid JSON"}
	}
	c := &compiler{lx: lexer{src: src}, sns: d == dialectSNS}
	defer func() {
		if v := recover(); v != nil {
			e, ok := v.(*Error)
			if !ok {
				panic(v)
			}
			r, err = nil, e
		}
	}()
	if c.lx.next() != tStartObject {
		c.barf("Filter is not an object")
	}
	var rules []draft
	combos := c.parseObject(&rules, nil, 1, 1, false)
	if c.deferred != nil {
		return nil, c.deferred
	}
	if c.sns {
		if scope == ScopeMessageAttributes && c.nested {
			return nil, &Error{Reason: "Filter policy scope MessageAttributes does not support nested filter policy", Unscoped: true}
		}
		// unverified: only top-level keys count (as LocalStack's recorded
		// tests assume), $or included.
		if c.topKeys > MaxFilterPolicyKeys {
			return nil, &Error{Reason: "Filter policy can not have more than 5 keys"}
		}
		if combos > MaxFilterPolicyCombinations {
			return nil, &Error{Reason: "Filter policy is too complex"}
		}
	}
	if len(rules) == 0 {
		rules = append(rules, draft{}) // SNS's {}: one branch with no condition
	}
	r = &Rule{dialect: d, scope: scope}
	for _, dr := range rules {
		var b branch
		for path, pats := range dr {
			b.fields = append(b.fields, field{path: path, segs: strings.Split(path, "."), pats: pats})
		}
		sort.Slice(b.fields, func(i, j int) bool { return b.fields[i].path < b.fields[j].path })
		r.branches = append(r.branches, b)
	}
	r.single = buildMachine([]*Rule{r}, []string{""})
	return r, nil
}

// barf fails with a reason at the parser's current location.
func (c *compiler) barf(reason string) {
	panic(&Error{Reason: reason, Location: c.lx.location()})
}

// barfTwice is barf where event-ruler re-throws its own parse error and so
// repeats the location.
// unverified: follows event-ruler's source (getMessage of the caught error).
func (c *compiler) barfTwice(reason string) {
	loc := c.lx.location()
	panic(&Error{Reason: reason, Location: loc + loc})
}

// fail fails without a location (errors event-ruler does not wrap).
func (c *compiler) fail(e *Error) { panic(e) }

func mulSat(a, b int) int {
	const limit = 1 << 40
	if a > limit || b > limit || a*b > limit {
		return limit
	}
	return a * b
}

// parseObject reads an object's fields after its '{' and returns the SNS
// combination count (LocalStack's recorded algorithm: each value list
// multiplies by its length times its depth; $or branches add up).
func (c *compiler) parseObject(rules *[]draft, path []string, depth, combos int, inOr bool) int {
	present := false
	for c.lx.next() != tEndObject {
		present = true
		name := c.lx.name
		if depth == 1 {
			c.topKeys++
		}
		if name == "$or" {
			combos = c.parseOr(rules, path, depth, combos)
			continue
		}
		if inOr && reservedInOr(name) {
			c.barf(name + " is Ruler reserved fieldName which cannot be used inside $or.")
		}
		switch c.lx.next() {
		case tStartObject:
			c.nested = true
			combos = c.parseObject(rules, append(path[:len(path):len(path)], name), depth+1, combos, inOr)
		case tStartArray:
			n := c.writeRules(rules, strings.Join(append(path[:len(path):len(path)], name), "."))
			combos = mulSat(combos, mulSat(n, depth))
		default:
			c.barf(`"` + name + `" must be an object or an array`)
		}
	}
	if !present && !(c.sns && depth == 1 && !inOr) {
		// SNS takes {} as a policy that lets every message through (the
		// documented way to remove a filter policy).
		c.barf("Empty objects are not allowed")
	}
	return combos
}

func copyDrafts(rules []draft) []draft {
	out := make([]draft, len(rules))
	for i, r := range rules {
		m := make(draft, len(r))
		for k, v := range r {
			m[k] = v
		}
		out[i] = m
	}
	return out
}

func (c *compiler) parseOr(rules *[]draft, path []string, depth, combos int) int {
	current := copyDrafts(*rules)
	*rules = (*rules)[:0]
	if c.lx.next() != tStartArray {
		c.barf("It must be an Array followed with $or.")
	}
	n, sum := 0, 0
	for t := c.lx.next(); t != tEndArray; t = c.lx.next() {
		n++
		if t != tStartObject {
			c.barf("Only JSON object is allowed in array of $or relationship.")
		}
		nr := copyDrafts(current)
		if len(nr) == 0 {
			nr = append(nr, draft{})
		}
		sum += c.parseObject(&nr, path, depth, combos, true)
		*rules = append(*rules, nr...)
	}
	if n < 2 {
		c.barf("There must have at least 2 Objects in $or relationship.")
	}
	return sum
}

// writeRules reads a value list after its '[' and stores it under name in
// every rule; it returns the number of values.
func (c *compiler) writeRules(rules *[]draft, name string) int {
	var values []*pattern
	for t := c.lx.next(); t != tEndArray; t = c.lx.next() {
		switch t {
		case tStartObject:
			values = append(values, c.matchExpression())
		case tString:
			s := c.lx.getText()
			if ipLiteral(s) {
				if ip, ok := parseIP(s); ok {
					values = append(values, &pattern{kind: pExactIP, s: string(ip)})
					continue
				}
			}
			values = append(values, &pattern{kind: pExactString, s: s})
		case tNumber:
			values = append(values, c.numberPattern(c.lx.getText()))
		case tTrue, tFalse, tNull:
			values = append(values, &pattern{kind: pExactLiteral, s: c.lx.getText()})
		default:
			c.barf("Match value must be String, number, true, false, or null")
		}
	}
	if len(values) == 0 {
		c.barf("Empty arrays are not allowed")
	}
	if len(*rules) == 0 {
		*rules = append(*rules, draft{})
	}
	for _, r := range *rules {
		r[name] = values
	}
	return len(values)
}

// ipLiteral is event-ruler's test for strings it treats as IP addresses.
func ipLiteral(s string) bool {
	if strings.IndexByte(s, ':') >= 0 {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':') {
				return false
			}
		}
		return true
	}
	dots := 0
	prevDigit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			prevDigit = true
		case c == '.' && prevDigit:
			dots++
			prevDigit = false
		default:
			return false
		}
	}
	return dots == 3 && prevDigit
}

func (c *compiler) numberPattern(text string) *pattern {
	p := &pattern{kind: pExactNumber, s: text, sns: c.sns}
	if f, ok := parseNumber(text); ok {
		p.flt = f
		p.num, p.numOK = toComparable(f)
	}
	return p
}

func (c *compiler) expectEndObject() {
	if c.lx.next() != tEndObject {
		c.barf("Only one key allowed in match expression")
	}
}

// matchExpression reads an operator object after its '{'.
func (c *compiler) matchExpression() *pattern {
	if c.lx.next() != tField {
		c.barf("Match expression name not found")
	}
	op := c.lx.name
	switch op {
	case "prefix", "suffix":
		t := c.lx.next()
		if t == tStartObject && !c.sns {
			// {"prefix": {"equals-ignore-case": "..."}}
			if c.lx.next() != tField {
				c.barf("Match expression name not found") // unverified
			}
			if c.lx.name != "equals-ignore-case" {
				c.barf("Unsupported " + op + " pattern: " + c.lx.name) // unverified
			}
			if c.lx.next() != tString {
				c.barf("equals-ignore-case match pattern must be a string")
			}
			s := fold(c.lx.getText())
			c.expectEndObject()
			c.expectEndObject()
			if op == "prefix" {
				return &pattern{kind: pPrefixFold, s: s}
			}
			return &pattern{kind: pSuffixFold, s: s}
		}
		if t != tString {
			c.barf(op + " match pattern must be a string")
		}
		s := c.lx.getText()
		c.expectEndObject()
		if op == "prefix" {
			return &pattern{kind: pPrefix, s: s}
		}
		return &pattern{kind: pSuffix, s: s}
	case "numeric":
		if c.lx.next() != tStartArray {
			c.barf("Value of numeric must be an array.")
		}
		p := c.numericExpression()
		if c.lx.next() != tEndObject {
			c.barf("Too many elements in numeric expression")
		}
		return p
	case "anything-but":
		return c.anythingBut()
	case "exists":
		var p *pattern
		switch c.lx.next() {
		case tTrue:
			p = &pattern{kind: pExists}
		case tFalse:
			p = &pattern{kind: pAbsent}
		default:
			c.barf("exists match pattern must be either true or false.")
		}
		c.expectEndObject()
		return p
	case "cidr":
		if c.lx.next() != tString {
			c.barf("prefix match pattern must be a string")
		}
		r, err := compileCIDR(c.lx.getText())
		if err != nil {
			c.fail(err)
		}
		c.expectEndObject()
		return &pattern{kind: pCIDR, ipr: r}
	case "equals-ignore-case":
		if c.lx.next() != tString {
			c.barf("equals-ignore-case match pattern must be a string")
		}
		s := fold(c.lx.getText())
		c.expectEndObject()
		return &pattern{kind: pEqualsFold, s: s}
	case "wildcard":
		if c.sns {
			break // unverified: SNS has no wildcard operator
		}
		if c.lx.next() != tString {
			c.barf("wildcard match pattern must be a string")
		}
		w, err := compileWildcard(c.lx.getText())
		if err != nil && c.deferred == nil {
			c.deferred = err
		}
		c.expectEndObject()
		return &pattern{kind: pWildcard, wc: w}
	}
	c.barf("Unrecognized match type " + op)
	return nil
}

// rangeBound converts a numeric operand for the dialect. SNS compares
// float64 values with no range check.
// unverified: SNS documents -1e9..1e9 with five decimal digits but accepts
// larger operands; its rounding is not reproduced.
func (c *compiler) rangeBound(f float64) int64 {
	if c.sns {
		return 0
	}
	n, ok := toComparable(f)
	if !ok {
		c.barf(ebRangeError)
	}
	return n
}

func (c *compiler) numericExpression() *pattern {
	if c.lx.next() != tString {
		c.barf("Invalid member in numeric match: " + c.lx.getText())
	}
	op := c.lx.getText()
	t := c.lx.next()
	p := &pattern{kind: pNumeric, sns: c.sns}
	r := &p.rng
	val := func() float64 {
		f, _ := parseNumber(c.lx.getText())
		return f
	}
	switch op {
	case "=":
		if t != tNumber {
			c.barf("Value of equals must be numeric")
		}
		f := val()
		if c.lx.next() != tEndArray {
			c.barf("Too many elements in numeric expression")
		}
		n := c.rangeBound(f)
		r.hasLo, r.hasHi, r.lo, r.hi, r.flo, r.fhi = true, true, n, n, f, f
		return p
	case ">=", ">":
		if t != tNumber {
			c.barf("Value of " + op + " must be numeric")
		}
		f := val()
		if c.lx.next() == tEndArray {
			r.hasLo, r.loOpen, r.lo, r.flo = true, op == ">", c.rangeBound(f), f
			return p
		}
		c.completeRange(p, f, op == ">")
		return p
	case "<=", "<":
		if t != tNumber {
			c.barf("Value of " + op + " must be numeric")
		}
		f := val()
		if c.lx.next() != tEndArray {
			c.barf("Too many elements in numeric expression")
		}
		r.hasHi, r.hiOpen, r.hi, r.fhi = true, op == "<", c.rangeBound(f), f
		return p
	}
	c.barf("Unrecognized numeric range operator: " + op)
	return nil
}

func (c *compiler) completeRange(p *pattern, bottom float64, openBottom bool) {
	if c.lx.cur != tString {
		c.barf("Bad value in numeric range: " + c.lx.getText())
	}
	op := c.lx.getText()
	openTop := false
	if op == "<" {
		openTop = true
	} else if op != "<=" {
		c.barf("Bad numeric range operator: " + op)
	}
	if c.lx.next() != tNumber {
		c.barf("Value of " + op + " must be numeric")
	}
	top, _ := parseNumber(c.lx.getText())
	if c.lx.next() != tEndArray {
		c.barf("Too many terms in numeric range expression")
	}
	r := &p.rng
	r.lo, r.hi = c.rangeBound(bottom), c.rangeBound(top)
	if bottom >= top {
		c.barf("Bottom must be less than top")
	}
	r.hasLo, r.hasHi, r.loOpen, r.hiOpen, r.flo, r.fhi = true, true, openBottom, openTop, bottom, top
}

// anythingBut reads the operand of anything-but.
func (c *compiler) anythingBut() *pattern {
	var ignoreCase, wild bool
	t := c.lx.next()
	if t == tStartObject {
		if c.lx.next() != tField {
			c.barf("Anything-But expression name not found")
		}
		op := c.lx.name
		isPrefix, isSuffix := op == "prefix", op == "suffix"
		ignoreCase = op == "equals-ignore-case" && !c.sns
		wild = op == "wildcard" && !c.sns
		if !ignoreCase && !wild {
			// unverified: SNS takes only prefix inside anything-but.
			if !(isPrefix || isSuffix && !c.sns) {
				c.barf("Unsupported anything-but pattern: " + op)
			}
			if c.lx.next() != tString {
				c.barf("prefix/suffix match pattern must be a string")
			}
			s := c.lx.getText()
			if s == "" {
				c.barf("Null prefix/suffix not allowed")
			}
			c.expectEndObject()
			c.expectEndObject()
			if isPrefix {
				return &pattern{kind: pAnythingButPrefix, s: s}
			}
			return &pattern{kind: pAnythingButSuffix, s: s}
		}
		t = c.lx.next()
	}
	if t != tStartArray && t != tString && t != tNumber {
		c.barf("Value of anything-but must be an array or single string/number value.")
	}
	var p *pattern
	switch {
	case ignoreCase || wild:
		inner := "equals-ignore-case"
		if wild {
			inner = "wildcard" // unverified: reasons for anything-but/wildcard mirror equals-ignore-case
		}
		var strs []string
		if t == tStartArray {
			for t := c.lx.next(); t != tEndArray; t = c.lx.next() {
				if t != tString {
					c.barfTwice("Inside anything-but/" + inner + " list, numberic|start|null|boolean is not supported.")
				}
				strs = append(strs, c.lx.getText())
			}
		} else {
			if t != tString {
				c.barf("Inside anything-but/" + inner + " list, number|start|null|boolean is not supported.")
			}
			strs = append(strs, c.lx.getText())
		}
		if ignoreCase {
			p = &pattern{kind: pAnythingButFold, strs: map[string]struct{}{}}
			for _, s := range strs {
				p.strs[fold(s)] = struct{}{}
			}
		} else {
			p = &pattern{kind: pAnythingButWildcard}
			for _, s := range strs {
				w, err := compileWildcard(s)
				if err != nil && c.deferred == nil {
					c.deferred = err
				}
				p.wcs = append(p.wcs, w)
			}
		}
	case t == tStartArray:
		p = c.anythingButList()
	default:
		p = &pattern{kind: pAnythingBut, sns: c.sns, strs: map[string]struct{}{}, nums: map[int64]struct{}{}, flts: map[float64]struct{}{}}
		if t == tString {
			p.strs[c.lx.getText()] = struct{}{}
		} else {
			f, _ := parseNumber(c.lx.getText())
			c.addAnythingButNumber(p, f, false)
		}
	}
	if c.lx.next() != tEndObject {
		c.barf("Too many elements in numeric expression")
	}
	if (ignoreCase || wild) && c.lx.next() != tEndObject {
		c.barf("Too many elements in numeric expression")
	}
	return p
}

// addAnythingButNumber adds f to an anything-but set; out of range it fails
// with (list) or without (single value) a location, as event-ruler does.
func (c *compiler) addAnythingButNumber(p *pattern, f float64, inList bool) {
	if c.sns {
		p.flts[f] = struct{}{}
		return
	}
	n, ok := toComparable(f)
	if !ok {
		if inList {
			c.barf(ebRangeError)
		}
		c.fail(&Error{Reason: ebRangeError})
	}
	p.nums[n] = struct{}{}
}

func (c *compiler) anythingButList() *pattern {
	p := &pattern{kind: pAnythingBut, sns: c.sns, strs: map[string]struct{}{}, nums: map[int64]struct{}{}, flts: map[float64]struct{}{}}
	hasNum, hasStr := false, false
	for t := c.lx.next(); t != tEndArray; t = c.lx.next() {
		switch t {
		case tString:
			p.strs[c.lx.getText()] = struct{}{}
			hasStr = true
		case tNumber:
			f, _ := parseNumber(c.lx.getText())
			c.addAnythingButNumber(p, f, true)
			hasNum = true
		default:
			c.barfTwice("Inside anything but list, start|null|boolean is not supported.")
		}
	}
	if hasNum == hasStr {
		c.barf("Inside anything but list, either all values are number or string, mixed type is not supported")
	}
	return p
}

// String renders a compiled rule for debugging.
func (r *Rule) String() string {
	var b strings.Builder
	for i, br := range r.branches {
		if i > 0 {
			b.WriteString(" | ")
		}
		for j, f := range br.fields {
			if j > 0 {
				b.WriteString(" & ")
			}
			fmt.Fprintf(&b, "%s:%d", f.path, len(f.pats))
		}
	}
	return b.String()
}
