package main

import (
	"fmt"
	"os"
	"sort"
)

// model is a trimmed API model ready for generation.
type model struct {
	Service        string // model folder name, e.g. "events"
	Metadata       *object
	OperationNames []string
	Operations     []*operation // sorted by name
	Shapes         map[string]*shape
	ShapeNames     []string // sorted
}

type operation struct {
	Name          string
	HTTPMethod    string
	RequestURI    string
	ResponseCode  int
	Input         string // shape name, "" when none
	Output        string
	ResultWrapper string
	Errors        []string
}

type shape struct {
	Name            string
	Type            string
	Members         []*member // model order
	Required        map[string]bool
	Member          *ref // list element
	Key, Value      *ref // map entry
	Min, Max        string
	Pattern         string
	Enum            []string
	Sensitive       bool
	Exception       bool
	Fault           bool
	Document        bool
	EventStream     bool // a union streamed as AWS event-stream messages
	Flattened       bool
	TimestampFormat string
	Payload         string
	ErrorCode       string
	ErrorStatus     int
	HasErrorTrait   bool
	SenderFault     bool
	// QueryName is the shape-level locationName of an overlay (query only).
	QueryName string
	// NoEnumCheck drops the enum check from Validate (overlay
	// "validateEnum": false): the service checks the values itself.
	NoEnumCheck bool
}

type ref struct {
	Shape           string
	LocationName    string
	Location        string
	Flattened       bool
	TimestampFormat string
	// QueryName and QueryFlattened are query-only traits from an overlay
	// (see overlay.go).
	QueryName      string
	QueryFlattened bool
}

type member struct {
	Name string
	ref
}

func loadModel(path, service string) (*model, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	v, err := parseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	root, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf("%s: not an object", path)
	}
	m := &model{Service: service, Metadata: root.obj("metadata"), Shapes: map[string]*shape{}}
	if m.Metadata == nil {
		return nil, fmt.Errorf("%s: no metadata", path)
	}
	if names, ok := root.vals["operationNames"].([]any); ok {
		for _, n := range names {
			if s, ok := n.(string); ok {
				m.OperationNames = append(m.OperationNames, s)
			}
		}
	}
	shapes := root.obj("shapes")
	if shapes == nil {
		return nil, fmt.Errorf("%s: no shapes", path)
	}
	for _, name := range shapes.keys {
		sh, err := parseShape(name, shapes.obj(name))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		m.Shapes[name] = sh
		m.ShapeNames = append(m.ShapeNames, name)
	}
	sort.Strings(m.ShapeNames)
	ops := root.obj("operations")
	if ops == nil {
		return nil, fmt.Errorf("%s: no operations", path)
	}
	names := append([]string(nil), ops.keys...)
	sort.Strings(names)
	for _, name := range names {
		od := ops.obj(name)
		op := &operation{Name: name}
		if h := od.obj("http"); h != nil {
			op.HTTPMethod = h.str("method")
			op.RequestURI = h.str("requestUri")
			if rc := h.num("responseCode"); rc != "" {
				fmt.Sscan(rc, &op.ResponseCode)
			}
		}
		if in := od.obj("input"); in != nil {
			op.Input = in.str("shape")
		}
		if out := od.obj("output"); out != nil {
			op.Output = out.str("shape")
			op.ResultWrapper = out.str("resultWrapper")
		}
		if errs, ok := od.vals["errors"].([]any); ok {
			for _, e := range errs {
				if eo, ok := e.(*object); ok {
					op.Errors = append(op.Errors, eo.str("shape"))
				}
			}
		}
		for _, s := range []string{op.Input, op.Output} {
			if s != "" && m.Shapes[s] == nil {
				return nil, fmt.Errorf("%s: operation %s refers to missing shape %s", path, name, s)
			}
		}
		m.Operations = append(m.Operations, op)
	}
	for _, name := range m.ShapeNames {
		sh := m.Shapes[name]
		for _, r := range sh.refs() {
			if m.Shapes[r.Shape] == nil {
				return nil, fmt.Errorf("%s: shape %s refers to missing shape %s", path, name, r.Shape)
			}
		}
	}
	return m, nil
}

func parseRef(o *object) ref {
	if o == nil {
		return ref{}
	}
	return ref{
		Shape:           o.str("shape"),
		LocationName:    o.str("locationName"),
		Location:        o.str("location"),
		Flattened:       o.boolean("flattened"),
		TimestampFormat: o.str("timestampFormat"),
	}
}

func parseShape(name string, o *object) (*shape, error) {
	if o == nil {
		return nil, fmt.Errorf("shape %s is not an object", name)
	}
	sh := &shape{
		Name:            name,
		Type:            o.str("type"),
		Required:        map[string]bool{},
		Min:             o.num("min"),
		Max:             o.num("max"),
		Pattern:         o.str("pattern"),
		Sensitive:       o.boolean("sensitive"),
		Exception:       o.boolean("exception"),
		Fault:           o.boolean("fault"),
		Document:        o.boolean("document"),
		EventStream:     o.boolean("eventstream"),
		Flattened:       o.boolean("flattened"),
		TimestampFormat: o.str("timestampFormat"),
		Payload:         o.str("payload"),
	}
	if sh.Type == "" {
		return nil, fmt.Errorf("shape %s has no type", name)
	}
	if req, ok := o.vals["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok {
				sh.Required[s] = true
			}
		}
	}
	if en, ok := o.vals["enum"].([]any); ok {
		for _, e := range en {
			if s, ok := e.(string); ok {
				sh.Enum = append(sh.Enum, s)
			}
		}
	}
	if ms := o.obj("members"); ms != nil {
		for _, k := range ms.keys {
			sh.Members = append(sh.Members, &member{Name: k, ref: parseRef(ms.obj(k))})
		}
	}
	if r := o.obj("member"); r != nil {
		rr := parseRef(r)
		sh.Member = &rr
	}
	if r := o.obj("key"); r != nil {
		rr := parseRef(r)
		sh.Key = &rr
	}
	if r := o.obj("value"); r != nil {
		rr := parseRef(r)
		sh.Value = &rr
	}
	if et := o.obj("error"); et != nil {
		sh.HasErrorTrait = true
		sh.ErrorCode = et.str("code")
		if st := et.num("httpStatusCode"); st != "" {
			fmt.Sscan(st, &sh.ErrorStatus)
		}
		sh.SenderFault = et.boolean("senderFault")
	}
	return sh, nil
}

func (s *shape) refs() []*ref {
	var out []*ref
	for _, m := range s.Members {
		out = append(out, &m.ref)
	}
	for _, r := range []*ref{s.Member, s.Key, s.Value} {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// isEnum reports a string shape with an enum trait.
func (s *shape) isEnum() bool { return s.Type == "string" && len(s.Enum) > 0 }
