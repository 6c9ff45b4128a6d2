// Package awsquery implements the awsQuery protocol (SNS, and SQS for old
// clients): form-encoded Action requests and XML responses.
package awsquery

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// Error codes of the query framework.
const (
	CodeMissingAction        = "MissingAction"
	CodeInvalidAction        = "InvalidAction"
	CodeMalformedQueryString = "MalformedQueryString"
	CodeMalformedInput       = "MalformedInput"
)

// AWSFaultNamespace is the namespace of errors the query framework raises
// before an operation runs (e.g. InvalidAction).
const AWSFaultNamespace = "http://webservices.amazon.com/AWSFault/2005-15-09"

// MissingAction is the error for a request without an Action parameter.
func MissingAction() *awsapi.Error {
	return &awsapi.Error{Code: CodeMissingAction, Message: "Missing Action"}
}

// InvalidAction is the error for an Action the service does not know, as
// SNS words it.
func InvalidAction(action, version string) *awsapi.Error {
	return &awsapi.Error{Code: CodeInvalidAction,
		Message: "Could not find operation " + action + " for version " + version}
}

// MalformedQueryString is the error for a query string or form body that
// does not parse.
func MalformedQueryString(msg string) *awsapi.Error {
	return &awsapi.Error{Code: CodeMalformedQueryString, Message: msg}
}

// MalformedInput is the error Coral query services send for a parameter
// whose value does not deserialize into the member's type.
func MalformedInput(msg string) *awsapi.Error {
	return &awsapi.Error{Code: CodeMalformedInput, Message: msg}
}

// Form returns the parameters of req: the URL query string merged with a
// form-encoded body (body values win).
func Form(req *protocol.Request) (url.Values, error) {
	if req.Form != nil {
		return req.Form, nil
	}
	vals := url.Values{}
	if req.HTTP != nil && req.HTTP.URL != nil && req.HTTP.URL.RawQuery != "" {
		q, err := url.ParseQuery(req.HTTP.URL.RawQuery)
		if err != nil {
			return nil, MalformedQueryString(err.Error())
		}
		vals = q
	}
	if len(req.Body) > 0 && (req.HTTP == nil || req.HTTP.Method != http.MethodGet) {
		b, err := url.ParseQuery(string(req.Body))
		if err != nil {
			return nil, MalformedQueryString(err.Error())
		}
		for k, v := range b {
			vals[k] = v
		}
	}
	return vals, nil
}

// DecodeInput decodes the request parameters into in following the
// query-protocol naming (A.B for members, Name.member.N or flattened
// Name.N for lists, Name.entry.N.key/value or flattened maps).
func (c *Codec) DecodeInput(req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("awsquery: decode %s: input must be a non-nil pointer, got %T", op.Name, in)
	}
	plan, err := c.cache.Plan(v.Type())
	if err != nil {
		return fmt.Errorf("awsquery: decode %s: %w", op.Name, err)
	}
	vals, err := Form(req)
	if err != nil {
		return err
	}
	return DecodeValues(vals, plan, v.Elem())
}

// DecodeValues decodes vals into struct value v (plan plan).
func DecodeValues(vals url.Values, plan *shape.Type, v reflect.Value) error {
	d := formDecoder{vals: vals, keys: make([]string, 0, len(vals))}
	for k := range vals {
		d.keys = append(d.keys, k)
	}
	sort.Strings(d.keys)
	return d.structure(plan, v, "", 0)
}

const maxDepth = 64

type formDecoder struct {
	vals url.Values
	keys []string
	buf  []byte // scratch for member names probed with hasTree
}

// hasTree reports whether some key starts with prefix.
func (d *formDecoder) hasTree(prefix string) bool {
	i := sort.SearchStrings(d.keys, prefix)
	return i < len(d.keys) && strings.HasPrefix(d.keys[i], prefix)
}

func (d *formDecoder) get(key string) (string, bool) {
	vs, ok := d.vals[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

func (d *formDecoder) structure(plan *shape.Type, v reflect.Value, prefix string, depth int) error {
	if depth > maxDepth {
		return MalformedInput("Maximum nesting depth exceeded")
	}
	for _, f := range plan.Fields {
		// Most members are absent: probe with a scratch buffer, and build
		// the name string only for those present.
		d.buf = append(append(d.buf[:0], prefix...), f.Wire...)
		if !d.hasTree(unsafe.String(unsafe.SliceData(d.buf), len(d.buf))) &&
			!(f.Type.Kind == shape.KindList && f.Flattened && f.HasListMember && d.hasTree(prefix+f.ListMember)) {
			continue
		}
		name := prefix + f.Wire
		if err := d.member(f, f.Type, v.Field(f.Index), name, depth); err != nil {
			return err
		}
	}
	return nil
}

func (d *formDecoder) member(f *shape.Field, t *shape.Type, v reflect.Value, name string, depth int) error {
	switch t.Kind {
	case shape.KindStruct:
		if !d.hasTree(name + ".") {
			return nil
		}
		return d.structure(t.Struct(), shape.StructValue(v, t), name+".", depth+1)
	case shape.KindList:
		return d.list(f, t, v, name, depth)
	case shape.KindMap:
		return d.mapValue(f, t, v, name, depth)
	case shape.KindDocument:
		return nil
	}
	s, ok := d.get(name)
	if !ok {
		return nil
	}
	if !shape.ParseText(v, t, s) {
		return MalformedInput("'" + s + "' can not be converted to an " + t.Kind.String())
	}
	return nil
}

func (d *formDecoder) list(f *shape.Field, t *shape.Type, v reflect.Value, name string, depth int) error {
	base := name + "." + f.ListMember
	if f.Flattened {
		base = name
		if f.HasListMember && strings.HasSuffix(name, f.Wire) {
			base = name[:len(name)-len(f.Wire)] + f.ListMember
		}
	}
	slice := reflect.MakeSlice(t.Go, 0, 0)
	for i := 1; ; i++ {
		key := base + "." + strconv.Itoa(i)
		_, exact := d.vals[key]
		if !exact && !d.hasTree(key+".") {
			break
		}
		slice = reflect.Append(slice, reflect.Zero(t.Go.Elem()))
		ev := slice.Index(i - 1)
		if err := d.member(f, t.Elem, ev, key, depth+1); err != nil {
			return err
		}
	}
	if slice.Len() == 0 {
		// "Name=" is how clients send an empty list.
		if s, ok := d.get(name); !ok || s != "" {
			return nil
		}
	}
	shape.Set(v, t, slice)
	return nil
}

func (d *formDecoder) mapValue(f *shape.Field, t *shape.Type, v reflect.Value, name string, depth int) error {
	base := name + ".entry"
	if f.Flattened {
		base = name
	}
	m := reflect.MakeMap(t.Go)
	for i := 1; ; i++ {
		entry := base + "." + strconv.Itoa(i) + "."
		if !d.hasTree(entry) {
			break
		}
		k, ok := d.get(entry + f.MapKey)
		if !ok {
			continue
		}
		ev := reflect.New(t.Go.Elem()).Elem()
		if err := d.member(f, t.Elem, ev, entry+f.MapValue, depth+1); err != nil {
			return err
		}
		m.SetMapIndex(reflect.ValueOf(k).Convert(t.Go.Key()), ev)
	}
	if m.Len() == 0 {
		if s, ok := d.get(name); !ok || s != "" {
			return nil
		}
	}
	shape.Set(v, t, m)
	return nil
}
