package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// docKeys are the model keys that carry documentation text; trim drops them
// wherever they occur.
func docKeys() map[string]bool {
	return map[string]bool{
		"documentation":     true,
		"documentationUrl":  true,
		"deprecatedMessage": true,
		"examples":          true,
	}
}

// orderedKeys names the objects whose entries keep model order in trimmed
// output (member order drives field and validation order).
func orderedKeys() map[string]bool { return map[string]bool{"members": true} }

// trimAll trims every service named in the operations file.
func trimAll(src, dst, opsFile string) error {
	raw, err := os.ReadFile(opsFile)
	if err != nil {
		return fmt.Errorf("read operations file: %w", err)
	}
	var ops map[string][]string
	if err := json.Unmarshal(raw, &ops); err != nil {
		return fmt.Errorf("parse operations file %s: %w", opsFile, err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	services := make([]string, 0, len(ops))
	for s := range ops {
		services = append(services, s)
	}
	sort.Strings(services)
	for _, svc := range services {
		model, err := os.ReadFile(filepath.Join(src, svc, "service-2.json"))
		if err != nil {
			return fmt.Errorf("read %s model: %w", svc, err)
		}
		pag, err := os.ReadFile(filepath.Join(src, svc, "paginators-1.json"))
		if err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("read %s paginators: %w", svc, err)
		}
		out, err := trimModel(model, pag, ops[svc])
		if err != nil {
			return fmt.Errorf("trim %s: %w", svc, err)
		}
		if err := os.WriteFile(filepath.Join(dst, svc+".json"), out, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", svc, err)
		}
	}
	return nil
}

// trimModel returns the trimmed model: metadata, the names of all
// operations, the kept operations (all when keep is ["*"] or empty), the
// shapes they reach and their paginators, without documentation.
func trimModel(model, paginators []byte, keep []string) ([]byte, error) {
	v, err := parseJSON(model)
	if err != nil {
		return nil, fmt.Errorf("parse model: %w", err)
	}
	root, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf("model is not an object")
	}
	allOps := root.obj("operations")
	shapes := root.obj("shapes")
	if allOps == nil || shapes == nil {
		return nil, fmt.Errorf("model lacks operations or shapes")
	}
	names := append([]string(nil), allOps.keys...)
	sort.Strings(names)
	keepAll := len(keep) == 0 || (len(keep) == 1 && keep[0] == "*")
	if keepAll {
		keep = names
	}

	out := newObject()
	if md := root.obj("metadata"); md != nil {
		out.set("metadata", stripDocs(md))
	}
	nameList := make([]any, len(names))
	for i, n := range names {
		nameList[i] = n
	}
	out.set("operationNames", nameList)

	opsOut := newObject()
	reached := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		if reached[name] {
			return nil
		}
		sh := shapes.obj(name)
		if sh == nil {
			return fmt.Errorf("shape %q not found", name)
		}
		reached[name] = true
		for _, ref := range shapeRefs(sh) {
			if err := visit(ref); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	}
	for _, op := range keep {
		od := allOps.obj(op)
		if od == nil {
			return nil, fmt.Errorf("operation %q not in model", op)
		}
		opsOut.set(op, stripDocs(od))
		for _, k := range []string{"input", "output"} {
			if ref := od.obj(k); ref != nil {
				if err := visit(ref.str("shape")); err != nil {
					return nil, fmt.Errorf("operation %s: %w", op, err)
				}
			}
		}
		if errs, ok := od.vals["errors"].([]any); ok {
			for _, e := range errs {
				if ref, ok := e.(*object); ok {
					if err := visit(ref.str("shape")); err != nil {
						return nil, fmt.Errorf("operation %s: %w", op, err)
					}
				}
			}
		}
	}
	out.set("operations", opsOut)

	shapesOut := newObject()
	for _, name := range shapes.keys {
		if reached[name] {
			shapesOut.set(name, stripDocs(shapes.obj(name)))
		}
	}
	out.set("shapes", shapesOut)

	pagOut := newObject()
	if len(paginators) > 0 {
		pv, err := parseJSON(paginators)
		if err != nil {
			return nil, fmt.Errorf("parse paginators: %w", err)
		}
		if po, ok := pv.(*object); ok {
			if pg := po.obj("pagination"); pg != nil {
				for _, op := range keep {
					if p := pg.obj(op); p != nil {
						pagOut.set(op, stripDocs(p))
					}
				}
			}
		}
	}
	out.set("paginators", pagOut)
	return writeJSON(out, orderedKeys())
}

// shapeRefs lists the shapes a shape refers to directly.
func shapeRefs(sh *object) []string {
	var refs []string
	if m := sh.obj("members"); m != nil {
		for _, k := range m.keys {
			if ref := m.obj(k); ref != nil {
				refs = append(refs, ref.str("shape"))
			}
		}
	}
	for _, k := range []string{"member", "key", "value"} {
		if ref := sh.obj(k); ref != nil {
			refs = append(refs, ref.str("shape"))
		}
	}
	return refs
}

// stripDocs returns a deep copy of v without documentation keys.
func stripDocs(v any) any {
	drop := docKeys()
	var cp func(v any) any
	cp = func(v any) any {
		switch t := v.(type) {
		case *object:
			o := newObject()
			for _, k := range t.keys {
				if drop[k] {
					continue
				}
				o.set(k, cp(t.vals[k]))
			}
			return o
		case []any:
			arr := make([]any, len(t))
			for i, e := range t {
				arr[i] = cp(e)
			}
			return arr
		default:
			return v
		}
	}
	return cp(v)
}
