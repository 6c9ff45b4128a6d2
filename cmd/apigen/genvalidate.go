package main

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
)

func formatDoubleText(f float64) string { return awsapi.FormatDouble(f) }

// scalarCheck is one constraint of a scalar shape.
type scalarCheck struct {
	cond    string // format: %[1]s is the value expression
	call    string // format: %[1]s path, %[2]s value
	skipped string // set when the pattern cannot be checked
}

// scalarChecks lists the direct checks of a scalar shape in the order
// Coral reports them: pattern, length, range, enum.
func (g *generator) scalarChecks(sh *shape) []scalarCheck {
	var out []scalarCheck
	switch sh.Type {
	case "string":
		str := "%[1]s"
		if sh.isEnum() {
			str = "apigenEnumText(string(%[1]s))"
		}
		if sh.Pattern != "" {
			out = append(out, g.patternCheck(sh, str))
		}
		if hasMin(sh) {
			out = append(out, scalarCheck{
				cond: "awsapi.StringLength(" + str + ") < " + sh.Min,
				call: "v.MinLength(%[1]s, %[2]s, " + sh.Min + ")",
			})
		}
		if sh.Max != "" {
			out = append(out, scalarCheck{
				cond: "awsapi.StringLength(" + str + ") > " + sh.Max,
				call: "v.MaxLength(%[1]s, %[2]s, " + sh.Max + ")",
			})
		}
		if sh.isEnum() && !sh.NoEnumCheck {
			out = append(out, scalarCheck{
				cond: "!" + g.typeName[sh.Name] + "(%[1]s).apigenKnown()",
				call: "v.Enum(%[1]s, %[2]s, " + goStrings(javaHashOrder(sh.Enum)) + ")",
			})
		}
	case "blob":
		if hasMin(sh) {
			out = append(out, scalarCheck{cond: "len(%[1]s) < " + sh.Min, call: "v.MinLength(%[1]s, %[2]s, " + sh.Min + ")"})
		}
		if sh.Max != "" {
			out = append(out, scalarCheck{cond: "len(%[1]s) > " + sh.Max, call: "v.MaxLength(%[1]s, %[2]s, " + sh.Max + ")"})
		}
	case "integer", "long", "float", "double":
		if sh.Min != "" {
			if lit, ok := numLiteral(sh, sh.Min, true); ok {
				out = append(out, scalarCheck{cond: "%[1]s < " + lit, call: "v.MinValue(%[1]s, %[2]s, " + strconv.Quote(numText(sh, sh.Min)) + ")"})
			}
		}
		if sh.Max != "" {
			if lit, ok := numLiteral(sh, sh.Max, false); ok {
				out = append(out, scalarCheck{cond: "%[1]s > " + lit, call: "v.MaxValue(%[1]s, %[2]s, " + strconv.Quote(numText(sh, sh.Max)) + ")"})
			}
		}
	}
	return out
}

// nonBlankPattern is the translation of the models' `.*\S.*`.
const nonBlankPattern = `^(?s:.*\S.*)$`

func (g *generator) patternCheck(sh *shape, str string) scalarCheck {
	p, ok, why := translatePattern(sh.Pattern)
	if !ok {
		g.noteSkipped(sh.Pattern)
		return scalarCheck{skipped: fmt.Sprintf("pattern %q not checked: RE2 cannot express it (%s)", sh.Pattern, why)}
	}
	var cond string
	if p.Match == nonBlankPattern {
		// "Has a non-blank character": a scan, not a regexp run over
		// definitions of up to 170 KB.
		cond = "!awsapi.HasNonSpace(" + str + ")"
	} else {
		cond = "!" + g.regex(p.Match) + ".MatchString(" + str + ")"
	}
	for _, r := range p.Reject {
		cond += " || " + g.regex(r) + ".MatchString(" + str + ")"
	}
	return scalarCheck{cond: cond, call: "v.Pattern(%[1]s, %[2]s, " + strconv.Quote(sh.Pattern) + ")"}
}

func (g *generator) noteSkipped(p string) {
	for _, s := range g.skipped {
		if s == p {
			return
		}
	}
	g.skipped = append(g.skipped, p)
}

// regex returns an expression yielding expr compiled: a call of a package
// function that compiles it on first use, so start-up pays for none.
func (g *generator) regex(expr string) string {
	if v, ok := g.regexVar[expr]; ok {
		return v
	}
	v := "apigenRe" + strconv.Itoa(len(g.regexList)) + "()"
	g.regexVar[expr] = v
	g.regexList = append(g.regexList, expr)
	return v
}

// constraintTexts lists every constraint of an element shape as Coral
// prints them inside "[...]": lengths (max first), pattern, enum, range.
func (g *generator) constraintTexts(sh *shape) []string {
	var out []string
	switch sh.Type {
	case "string", "blob":
		if sh.Max != "" {
			out = append(out, awsapi.MaxLengthConstraint(atoi64(sh.Max)))
		}
		if sh.Min != "" {
			out = append(out, awsapi.MinLengthConstraint(atoi64(sh.Min)))
		}
		if sh.Pattern != "" {
			out = append(out, awsapi.PatternConstraint(sh.Pattern))
		}
		if sh.isEnum() && !sh.NoEnumCheck {
			out = append(out, awsapi.EnumConstraint(javaHashOrder(sh.Enum)))
		}
	case "integer", "long", "float", "double":
		if sh.Max != "" {
			out = append(out, awsapi.MaxValueConstraint(numText(sh, sh.Max)))
		}
		if sh.Min != "" {
			out = append(out, awsapi.MinValueConstraint(numText(sh, sh.Min)))
		}
	}
	return out
}

func atoi64(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, _ := strconv.ParseFloat(s, 64)
		return int64(f)
	}
	return n
}

func goStrings(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = strconv.Quote(v)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// pathExpr is a Go string expression built from literal and variable parts.
type pathExpr []string

func lit(s string) string { return strconv.Quote(s) }

func (p pathExpr) plus(parts ...string) pathExpr {
	return append(append(pathExpr(nil), p...), parts...)
}

// lazy renders p as a function literal returning it: the path of a
// member or element is built only if one of its checks fails.
func (p pathExpr) lazy() string {
	return "func() string { return " + p.String() + " }"
}

// String renders p, merging adjacent literals.
func (p pathExpr) String() string {
	var out []string
	for _, part := range p {
		if strings.HasPrefix(part, `"`) && len(out) > 0 && strings.HasPrefix(out[len(out)-1], `"`) {
			a, _ := strconv.Unquote(out[len(out)-1])
			b, _ := strconv.Unquote(part)
			out[len(out)-1] = strconv.Quote(a + b)
			continue
		}
		out = append(out, part)
	}
	if len(out) == 0 {
		return `""`
	}
	return strings.Join(out, " + ")
}

// emitValue writes the checks of a present value x of shape name at path.
func (g *generator) emitValue(b *strings.Builder, name, x string, path pathExpr, sens bool, depth int) {
	sh := g.m.Shapes[name]
	sens = sens || sh.Sensitive
	val := x
	if sens {
		val = "awsapi.Sensitive{}"
	}
	if sh.isEnum() && !sens {
		val = "apigenEnumText(string(" + x + "))"
	}
	d := strconv.Itoa(depth)
	switch sh.Type {
	case "structure":
		if g.needs[name] {
			fmt.Fprintf(b, "%s.apigenValidate(v, %s)\n", x, path.plus(lit(".")).lazy())
		}
	case "list":
		g.emitLength(b, sh, x, path, val)
		el := g.m.Shapes[sh.Member.Shape]
		elSens := sens || el.Sensitive
		switch {
		case el.Type == "structure" && g.needs[el.Name]:
			fmt.Fprintf(b, "for i%s := range %s {\n", d, x)
			fmt.Fprintf(b, "%s[i%s].apigenValidate(v, %s)\n", x, d, path.plus(lit("."), "strconv.Itoa(i"+d+"+1)", lit(".member.")).lazy())
			b.WriteString("}\n")
		case (el.Type == "list" || el.Type == "map") && g.valueNeeds(el.Name):
			fmt.Fprintf(b, "for i%s := range %s {\n", d, x)
			g.emitValue(b, el.Name, x+"[i"+d+"]", path.plus(lit("."), "strconv.Itoa(i"+d+"+1)", lit(".member")), elSens, depth+1)
			b.WriteString("}\n")
		default:
			g.emitAggregate(b, el, x, "_, e"+d+" := range "+x, "e"+d, path, val, awsapi.MemberConstraint)
		}
	case "map":
		g.emitLength(b, sh, x, path, val)
		key := g.m.Shapes[sh.Key.Shape]
		g.emitAggregate(b, key, x, "k"+d+" := range "+x, "k"+d, path, val, awsapi.MapKeysConstraint)
		el := g.m.Shapes[sh.Value.Shape]
		elSens := sens || el.Sensitive
		switch {
		case el.Type == "structure" && g.needs[el.Name]:
			fmt.Fprintf(b, "for _, k%s := range slices.Sorted(maps.Keys(%s)) {\n", d, x)
			fmt.Fprintf(b, "e%s := %s[k%s]\n", d, x, d)
			fmt.Fprintf(b, "e%s.apigenValidate(v, %s)\n", d, path.plus(lit("."), "k"+d, lit(".member.")).lazy())
			b.WriteString("}\n")
		case (el.Type == "list" || el.Type == "map") && g.valueNeeds(el.Name):
			fmt.Fprintf(b, "for _, k%s := range slices.Sorted(maps.Keys(%s)) {\n", d, x)
			g.emitValue(b, el.Name, x+"[k"+d+"]", path.plus(lit("."), "k"+d, lit(".member")), elSens, depth+1)
			b.WriteString("}\n")
		default:
			g.emitAggregate(b, el, x, "_, e"+d+" := range "+x, "e"+d, path, val, awsapi.MapValueConstraint)
		}
	default:
		if fn := g.checkFunc(sh); fn != "" {
			// The path is built only when a check fails.
			fmt.Fprintf(b, "%s(v, %s, %s, %t)\n", fn, path.lazy(), x, sens)
			return
		}
		for _, c := range g.scalarChecks(sh) {
			if c.skipped != "" {
				fmt.Fprintf(b, "// %s\n", c.skipped)
				continue
			}
			fmt.Fprintf(b, "if %s {\n", fmt.Sprintf(c.cond, x))
			fmt.Fprintf(b, "%s\n}\n", fmt.Sprintf(c.call, path, val))
		}
	}
}

// checkFunc returns the name of the shared check function of a scalar
// shape with more than one constraint (a pattern and lengths, a range), or
// "" when its checks are written inline. Enums stay inline.
func (g *generator) checkFunc(sh *shape) string {
	if sh.isEnum() || sh.Type == "list" || sh.Type == "map" || sh.Type == "structure" {
		return ""
	}
	live := 0
	for _, c := range g.scalarChecks(sh) {
		if c.skipped == "" {
			live++
		}
	}
	if live < 2 {
		return ""
	}
	if fn, ok := g.checkFuncs[sh.Name]; ok {
		return fn
	}
	if g.checkFuncs == nil {
		g.checkFuncs = map[string]string{}
	}
	base := "apigenCheck" + goName(sh.Name)
	fn := base
	for i := 2; slices.Contains(slices.Collect(maps.Values(g.checkFuncs)), fn); i++ {
		fn = base + strconv.Itoa(i)
	}
	g.checkFuncs[sh.Name] = fn
	return fn
}

// emitCheckFuncs writes the shared check functions, sorted by name.
func (g *generator) emitCheckFuncs(b *strings.Builder) {
	names := slices.Sorted(maps.Keys(g.checkFuncs))
	slices.SortFunc(names, func(a, c string) int { return strings.Compare(g.checkFuncs[a], g.checkFuncs[c]) })
	for _, name := range names {
		sh := g.m.Shapes[name]
		fmt.Fprintf(b, "// %s checks a value of shape %s; sensitive values are not printed.\n", g.checkFuncs[name], name)
		fmt.Fprintf(b, "func %s(v *awsapi.ValidationErrors, path func() string, x %s, sensitive bool) {\n", g.checkFuncs[name], g.valueType(name))
		for _, c := range g.scalarChecks(sh) {
			if c.skipped != "" {
				fmt.Fprintf(b, "// %s\n", c.skipped)
				continue
			}
			fmt.Fprintf(b, "if %s {\n", fmt.Sprintf(c.cond, "x"))
			fmt.Fprintf(b, "%s\n}\n", fmt.Sprintf(c.call, "path()", "awsapi.Shown(x, sensitive)"))
		}
		b.WriteString("}\n\n")
	}
}

// emitLength writes the element-count checks of a list or map.
func (g *generator) emitLength(b *strings.Builder, sh *shape, x string, path pathExpr, val string) {
	if hasMin(sh) {
		fmt.Fprintf(b, "if len(%s) < %s {\nv.MinLength(%s, %s, %s)\n}\n", x, sh.Min, path, val, sh.Min)
	}
	if sh.Max != "" {
		fmt.Fprintf(b, "if len(%s) > %s {\nv.MaxLength(%s, %s, %s)\n}\n", x, sh.Max, path, val, sh.Max)
	}
}

// emitAggregate writes one check over all elements (or keys) of a
// collection, reported once at the collection's path as Coral does.
func (g *generator) emitAggregate(b *strings.Builder, el *shape, x, rangeClause, e string, path pathExpr, val string, wrap func([]string) string) {
	var conds []string
	for _, c := range g.scalarChecks(el) {
		if c.skipped != "" {
			fmt.Fprintf(b, "// element %s\n", c.skipped)
			continue
		}
		conds = append(conds, "("+fmt.Sprintf(c.cond, e)+")")
	}
	if len(conds) == 0 {
		return
	}
	fmt.Fprintf(b, "for %s {\n", rangeClause)
	fmt.Fprintf(b, "if %s {\n", strings.Join(conds, " || "))
	fmt.Fprintf(b, "v.Add(%s, %s, %s)\nbreak\n}\n}\n", path, val, strconv.Quote(wrap(g.constraintTexts(el))))
}

// validationReach returns the structure shapes reachable from inputs.
func (g *generator) validationReach() map[string]bool {
	seen := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for _, r := range g.m.Shapes[name].refs() {
			walk(r.Shape)
		}
	}
	for _, op := range g.m.Operations {
		if op.Input != "" {
			walk(op.Input)
		}
	}
	return seen
}

func (g *generator) validateFile() (string, error) {
	var body strings.Builder
	reach := g.validationReach()
	for _, st := range g.structs {
		sh := st.Shape
		needs := sh != nil && g.needs[sh.Name]
		if st.Input {
			fmt.Fprintf(&body, "// Validate checks the model's constraints on s.\n")
			fmt.Fprintf(&body, "func (s *%s) Validate() error {\n", st.GoName)
			if !needs {
				body.WriteString("return nil\n}\n\n")
			} else {
				body.WriteString("if s == nil {\nreturn nil\n}\nvar v awsapi.ValidationErrors\ns.apigenValidate(&v, apigenNoPrefix)\nreturn v.Err()\n}\n\n")
			}
		}
		if !needs || (!st.Input && !reach[sh.Name]) {
			continue
		}
		fmt.Fprintf(&body, "func (s *%s) apigenValidate(v *awsapi.ValidationErrors, prefix func() string) {\n", st.GoName)
		// Coral lists violations member by member in the model's order:
		// the issue that measured today's Kinesis found so, as do
		// kinesalite's recordings of ListStreams (limit before
		// exclusiveStartStreamName) and PutRecords (records before
		// streamName). kinesalite's older recordings of PutRecord,
		// GetShardIterator and CreateStream put streamName last, and those
		// of PutRecords entries their members last first: today's AWS
		// wins.
		fields := fieldNames(sh)
		for i, m := range sh.Members {
			if err := g.emitMember(&body, sh, m, "s."+fields[i]); err != nil {
				return "", err
			}
		}
		body.WriteString("}\n\n")
	}
	g.emitCheckFuncs(&body)
	if strings.Contains(body.String(), "apigenNoPrefix") {
		body.WriteString("// apigenNoPrefix is the path prefix of a request's top-level members.\nfunc apigenNoPrefix() string { return \"\" }\n\n")
	}
	if strings.Contains(body.String(), "apigenEnumText(") {
		fmt.Fprintf(&body, `// apigenExplicitEmpty is jsonwire.ExplicitEmptyEnum: what the JSON and
// CBOR decoders store in an enum member given as "", which Coral validates
// against the enum instead of taking it as absent.
const apigenExplicitEmpty = %s

// apigenEnumText returns the text of an enum value as the client sent it.
func apigenEnumText(s string) string {
	if s == apigenExplicitEmpty {
		return ""
	}
	return s
}

`, strconv.Quote(jsonwire.ExplicitEmptyEnum))
	}
	for _, name := range g.enums {
		t := g.typeName[name]
		fmt.Fprintf(&body, "func (e %s) apigenKnown() bool {\nswitch e {\ncase ", t)
		for i, v := range g.m.Shapes[name].Enum {
			if i > 0 {
				body.WriteString(", ")
			}
			body.WriteString(strconv.Quote(v))
		}
		body.WriteString(":\nreturn true\n}\nreturn false\n}\n\n")
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%spackage %s\n\n", generatedHeader, g.pkg)
	src := body.String()
	var imports []string
	for _, imp := range []struct{ pkg, use string }{
		{"maps", "maps."}, {"regexp", "regexp."}, {"slices", "slices."}, {"strconv", "strconv."}, {"sync", "sync."},
	} {
		if strings.Contains(src, imp.use) || ((imp.pkg == "regexp" || imp.pkg == "sync") && len(g.regexList) > 0) {
			imports = append(imports, strconv.Quote(imp.pkg))
		}
	}
	if strings.Contains(src, "awsapi.") {
		imports = append(imports, "", strconv.Quote("github.com/evolvestack/evolvestack/emulator/awsapi"))
	}
	if len(imports) > 0 {
		b.WriteString("import (\n" + strings.Join(imports, "\n") + "\n)\n\n")
	}
	if len(g.regexList) > 0 {
		b.WriteString("// Patterns of the model, translated from Java to RE2 and anchored,\n// compiled on first use.\nvar (\n")
		for i, expr := range g.regexList {
			q := "`" + expr + "`"
			if strings.Contains(expr, "`") {
				q = strconv.Quote(expr)
			}
			fmt.Fprintf(&b, "apigenRe%d = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(%s) })\n", i, q)
		}
		b.WriteString(")\n\n")
	}
	if len(g.skipped) > 0 {
		sorted := append([]string(nil), g.skipped...)
		sort.Strings(sorted)
		b.WriteString("// Patterns not checked (RE2 cannot express them):\n")
		for _, s := range sorted {
			fmt.Fprintf(&b, "//   %s\n", s)
		}
		b.WriteString("\n")
	}
	b.WriteString(src)
	return b.String(), nil
}

// emitMember writes the checks of one structure member.
func (g *generator) emitMember(b *strings.Builder, parent *shape, m *member, field string) error {
	target := g.m.Shapes[m.Shape]
	if target.isEnum() && target.NoEnumCheck {
		// Nothing would turn the decoders' mark of an empty value back
		// into "" before the service sees it.
		return fmt.Errorf("%s.%s: enum %s has validateEnum false but is a structure member", parent.Name, m.Name, target.Name)
	}
	required := parent.Required[m.Name]
	if !required && !g.valueNeeds(m.Shape) {
		return nil
	}
	path := pathExpr{"prefix()", lit(lowerFirst(m.Name))}
	isNull := field + " == nil"
	x := field
	switch target.Type {
	case "string":
		if target.isEnum() {
			isNull = field + ` == ""`
		} else {
			x = "*" + field
		}
	case "integer", "long", "float", "double", "boolean", "timestamp":
		x = "*" + field
	}
	var inner strings.Builder
	if g.valueNeeds(m.Shape) {
		g.emitValue(&inner, m.Shape, x, path, parent.Sensitive, 0)
	}
	switch {
	case required && inner.Len() > 0:
		fmt.Fprintf(b, "if %s {\nv.Null(%s)\n} else {\n%s}\n", isNull, path, inner.String())
	case required:
		fmt.Fprintf(b, "if %s {\nv.Null(%s)\n}\n", isNull, path)
	case inner.Len() > 0:
		notNull := strings.Replace(isNull, "==", "!=", 1)
		fmt.Fprintf(b, "if %s {\n%s}\n", notNull, inner.String())
	}
	return nil
}
