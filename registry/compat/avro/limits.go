package avro

import (
	"fmt"
	"strings"

	"github.com/evolvestack/evolvestack/registry/compat/internal/jsonscan"
)

// Limits on a definition, checked before hamba parses it. hamba's parser
// decodes every JSON object of a schema through reflection, a few kilobytes
// each, and builds the full name of every named type from its namespace, so
// its work and memory grow with the number of objects and with the length
// of the names. The limits keep the worst definition of Glue's 170,000 bytes
// near the cost of the largest realistic one:
//
//   - 128 levels of JSON nesting. A record nested in a union in a field of
//     another record is 4 levels deeper than it, so this allows about 32
//     nested records; Jackson, which Glue's Avro parser runs on, allows
//     1,000, and real schemas rarely pass 15.
//   - 4,000 JSON objects (fields and complex types), about 25 MB and 60 ms
//     for hamba at worst. A 150,000-byte change-data-capture record of
//     1,700 columns, a third of them logical types, has 2,300; a
//     160,000-byte event model of 140 events (560 records with arrays,
//     maps, enums and fixed) has 3,800, and costs hamba 20 MB.
//   - 40,000 JSON values (symbols, union branches, defaults...).
//   - 1,000 characters for one name, namespace or alias (Jackson itself
//     stops at 50,000), and 512 KiB for the full names of every named type
//     and type reference added up: that is what hamba concatenates.
const (
	maxDepth         = 128
	maxObjects       = 4000
	maxValues        = 40000
	maxNameLength    = 1000
	maxFullNameBytes = 512 << 10
)

var scanLimits = jsonscan.Limits{MaxDepth: maxDepth, MaxObjects: maxObjects, MaxValues: maxValues}

// checkNames bounds the names of doc as hamba will read them: every named
// type's full name (its namespace, declared or inherited, and its name) and
// every reference to a named type by name, which hamba qualifies with the
// enclosing namespace.
func checkNames(doc any) error {
	n := nameCheck{}
	n.schema(doc, "")
	return n.err
}

type nameCheck struct {
	total int
	err   error
}

// add counts one name hamba builds of parts; it reports the first limit
// exceeded.
func (n *nameCheck) add(parts ...string) {
	if n.err != nil {
		return
	}
	for _, p := range parts {
		if len(p) > maxNameLength {
			n.err = fmt.Errorf("the name %.40q... is longer than %d characters", p, maxNameLength)
			return
		}
		n.total += len(p) + 1
	}
	if n.total > maxFullNameBytes {
		n.err = fmt.Errorf("the full names of its named types add up to more than %d characters", maxFullNameBytes)
	}
}

// schema walks a schema position under namespace ns.
func (n *nameCheck) schema(v any, ns string) {
	if n.err != nil {
		return
	}
	switch t := v.(type) {
	case string:
		switch {
		case primitive(t):
		case strings.Contains(t, "."):
			n.add(t)
		default:
			n.add(ns, t)
		}
	case []any:
		for _, b := range t {
			n.schema(b, ns)
		}
	case map[string]any:
		n.object(t, ns)
	}
}

func (n *nameCheck) object(m map[string]any, ns string) {
	typ, _ := m["type"].(string)
	switch typ {
	case "record", "error", "enum", "fixed":
		name, _ := m["name"].(string)
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			ns = name[:i]
		} else if s, ok := m["namespace"].(string); ok {
			ns = s
		}
		n.add(ns, name)
		n.aliases(m["aliases"])
	}
	switch typ {
	case "record", "error":
		fields, _ := m["fields"].([]any)
		for _, f := range fields {
			fm, ok := f.(map[string]any)
			if !ok {
				continue
			}
			if name, ok := fm["name"].(string); ok {
				n.add(name)
			}
			n.aliases(fm["aliases"])
			n.schema(fm["type"], ns)
		}
	case "array":
		n.schema(m["items"], ns)
	case "map":
		n.schema(m["values"], ns)
	case "":
		// {"type": {...}} or {"type": [...]}: the type is the schema.
		n.schema(m["type"], ns)
	}
}

func (n *nameCheck) aliases(v any) {
	list, _ := v.([]any)
	for _, a := range list {
		if s, ok := a.(string); ok {
			n.add(s)
		}
	}
}

func primitive(t string) bool {
	switch t {
	case "null", "boolean", "int", "long", "float", "double", "bytes", "string":
		return true
	}
	return false
}
