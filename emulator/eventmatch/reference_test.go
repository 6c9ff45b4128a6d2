package eventmatch

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// refLeaf is a leaf value of an event with its dotted path and the
// (array, index) pairs of the arrays it sits in.
type refLeaf struct {
	path string
	v    value
	arrs [][2]int
}

// refFlatten decodes an event with encoding/json's token stream (which,
// unlike Unmarshal, keeps repeated keys) and lists its leaves: the slow,
// independent flattening the tests compare the scanner with.
func refFlatten(event []byte) ([]refLeaf, bool) {
	d := json.NewDecoder(bytes.NewReader(event))
	d.UseNumber()
	var out []refLeaf
	arrays := 0
	var walk func(path string, root bool, arrs [][2]int) bool
	walk = func(path string, root bool, arrs [][2]int) bool {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch x := tok.(type) {
		case json.Delim:
			switch x {
			case '{':
				for d.More() {
					k, err := d.Token()
					if err != nil {
						return false
					}
					key, _ := k.(string)
					p := key
					if !root {
						p = path + "." + key
					}
					if !walk(p, false, arrs) {
						return false
					}
				}
			case '[':
				id := arrays
				arrays++
				for i := 0; d.More(); i++ {
					if !walk(path, root, append(arrs[:len(arrs):len(arrs)], [2]int{id, i})) {
						return false
					}
				}
			}
			_, err := d.Token() // closing delimiter
			return err == nil
		case string:
			out = append(out, refLeaf{path, value{kind: vString, str: x}, arrs})
		case json.Number:
			out = append(out, refLeaf{path, newNumberValue(string(x)), arrs})
		case bool:
			k := vFalse
			if x {
				k = vTrue
			}
			out = append(out, refLeaf{path, value{kind: k}, arrs})
		case nil:
			out = append(out, refLeaf{path, value{kind: vNull}, arrs})
		}
		return true
	}
	trimmed := bytes.TrimLeft(event, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(event) {
		return nil, false
	}
	if !walk("", true, nil) {
		return nil, false
	}
	return out, true
}

// refAttributes lists SNS message attributes as leaves.
func refAttributes(attrs map[string]Attribute) []refLeaf {
	var out []refLeaf
	base := 0
	for name, a := range attrs {
		switch attrKind(a.Type) {
		case "String":
			v := strings.ReplaceAll(strings.ReplaceAll(a.Value, `\`, `\\`), `"`, `\"`)
			out = append(out, refLeaf{path: name, v: value{kind: vString, str: v}})
		case "Number":
			out = append(out, refLeaf{path: name, v: newNumberValue(a.Value)})
		case "String.Array":
			if !strings.HasPrefix(strings.TrimSpace(a.Value), "[") {
				continue
			}
			leaves, ok := refFlatten([]byte(`{"x":` + a.Value + `}`))
			if !ok {
				continue
			}
			base++ // each attribute's arrays are distinct arrays
			for _, l := range leaves {
				l.path = name + strings.TrimPrefix(l.path, "x")
				arrs := make([][2]int, len(l.arrs))
				for i, a := range l.arrs {
					arrs[i] = [2]int{base<<16 | a[0], a[1]}
				}
				l.arrs = arrs
				out = append(out, l)
			}
		}
	}
	return out
}

func refCompatible(a, b [][2]int) bool {
	for _, x := range a {
		for _, y := range b {
			if x[0] == y[0] && x[1] != y[1] {
				return false
			}
		}
	}
	return true
}

// refMatch evaluates a compiled rule by brute force over the leaves: for
// each branch, try every choice of one leaf per condition.
func refMatch(r *Rule, leaves []refLeaf) bool {
	for _, b := range r.branches {
		var cands [][]refLeaf
		ok := true
		for _, f := range b.fields {
			var c []refLeaf
			present, absentOK := false, false
			for _, l := range leaves {
				if l.path != f.path {
					continue
				}
				present = true
				for _, p := range f.pats {
					if p.kind != pAbsent && p.matches(&l.v) {
						c = append(c, l)
						break
					}
				}
			}
			for _, p := range f.pats {
				if p.kind == pAbsent && !present {
					absentOK = true
				}
			}
			if len(c) == 0 {
				if absentOK {
					continue
				}
				ok = false
				break
			}
			cands = append(cands, c)
		}
		if !ok {
			continue
		}
		var chosen [][][2]int
		var try func(k int) bool
		try = func(k int) bool {
			if k == len(cands) {
				return true
			}
			for _, l := range cands[k] {
				good := true
				for _, c := range chosen {
					if !refCompatible(c, l.arrs) {
						good = false
						break
					}
				}
				if good {
					chosen = append(chosen, l.arrs)
					if try(k + 1) {
						return true
					}
					chosen = chosen[:len(chosen)-1]
				}
			}
			return false
		}
		if try(0) {
			return true
		}
	}
	return false
}

// refSetMatch is the reference answer for a set: ids of matching rules.
func refSetMatch(ids []string, rules []*Rule, leaves []refLeaf) []string {
	var out []string
	for i, r := range rules {
		if refMatch(r, leaves) {
			out = append(out, ids[i])
		}
	}
	sort.Strings(out)
	return out
}
