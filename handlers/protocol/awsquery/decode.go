// Package awsquery implements the awsQuery protocol (SNS, and SQS for old
// clients): form-encoded Action requests and XML responses.
package awsquery

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
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
	var query, body string
	if req.HTTP != nil && req.HTTP.URL != nil {
		query = req.HTTP.URL.RawQuery
	}
	if len(req.Body) > 0 && (req.HTTP == nil || req.HTTP.Method != http.MethodGet) {
		// One copy of the body, which the parameters' names and values
		// share (the body's buffer is reused once the request is done).
		body = string(req.Body)
	}
	switch {
	case query == "":
		if vals, ok := parseForm(body); ok {
			return vals, nil
		}
	case body == "":
		if vals, ok := parseForm(query); ok {
			return vals, nil
		}
	}
	return mergeForms(query, body)
}

// mergeForms parses query and body with net/url, for both at once and for
// the inputs parseForm leaves to it (those url.ParseQuery refuses, whose
// errors are the ones to report).
func mergeForms(query, body string) (url.Values, error) {
	vals := url.Values{}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, MalformedQueryString(err.Error())
		}
		vals = q
	}
	if body != "" {
		b, err := url.ParseQuery(body)
		if err != nil {
			return nil, MalformedQueryString(err.Error())
		}
		for k, v := range b {
			vals[k] = v
		}
	}
	return vals, nil
}

// maxFormParams is url.ParseQuery's default limit on parameters.
const maxFormParams = 10000

// parseForm parses s as url.ParseQuery does, with names and values that
// need no unescaping taken as substrings of s, the others unescaped into
// one buffer, and one allocation for all the value lists. It reports
// false for input url.ParseQuery refuses (semicolons, bad escapes, too
// many parameters).
func parseForm(s string) (url.Values, bool) {
	n := strings.Count(s, "&") + 1
	if n > maxFormParams {
		return nil, false
	}
	vals := make(url.Values, n)
	lists := make([]string, n)
	// Unescaped text is never longer than its escaped form: a buffer of
	// len(s) never grows, so the strings made from it stay valid.
	var buf []byte
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, "&")
		if kv == "" {
			continue
		}
		if strings.IndexByte(kv, ';') >= 0 {
			return nil, false
		}
		k, v, _ := strings.Cut(kv, "=")
		k, ok := unescapeForm(k, &buf, len(s))
		if !ok {
			return nil, false
		}
		if v, ok = unescapeForm(v, &buf, len(s)); !ok {
			return nil, false
		}
		if cur, dup := vals[k]; dup {
			vals[k] = append(cur, v) // cur has no spare capacity: copied
			continue
		}
		lists[0] = v
		vals[k] = lists[:1:1]
		lists = lists[1:]
	}
	return vals, true
}

// unescapeForm is url.QueryUnescape: s itself when it has no escapes,
// else its unescaped text appended to *buf (made with capacity size when
// nil), which must have room for it.
func unescapeForm(s string, buf *[]byte, size int) (string, bool) {
	i := 0
	for i < len(s) && s[i] != '%' && s[i] != '+' {
		i++
	}
	if i == len(s) {
		return s, true
	}
	if *buf == nil {
		*buf = make([]byte, 0, size)
	}
	b := *buf
	start := len(b)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	*buf = b
	return str(b[start:]), true
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
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
	d := formDecoder{vals: vals, keys: make([]string, 0, len(vals)), path: make([]byte, 0, 128)}
	for k := range vals {
		d.keys = append(d.keys, k)
	}
	slices.Sort(d.keys)
	return d.structure(plan, v, 0)
}

const maxDepth = 64

// formDecoder decodes parameters into a value. The name of the member
// being decoded is built in path, which each step extends and restores,
// so that names are strings only in error messages.
type formDecoder struct {
	vals  url.Values
	keys  []string // sorted
	path  []byte
	cells []string // for *string members, allocated together
}

var stringType = reflect.TypeFor[string]()

// setString stores s into string member v of type t.
func (d *formDecoder) setString(v reflect.Value, t *shape.Type, s string) {
	if !t.Ptr || t.Go != stringType {
		shape.SetString(v, t, s)
		return
	}
	if len(d.cells) == 0 {
		d.cells = make([]string, max(4, len(d.vals)))
	}
	p := &d.cells[0]
	d.cells = d.cells[1:]
	*p = s
	v.Set(reflect.ValueOf(p))
}

// str returns p as a string that lives only until path changes.
func str(p []byte) string { return unsafe.String(unsafe.SliceData(p), len(p)) }

// hasTree reports whether some key starts with prefix.
func (d *formDecoder) hasTree(prefix []byte) bool {
	p := str(prefix)
	i, _ := slices.BinarySearch(d.keys, p)
	return i < len(d.keys) && strings.HasPrefix(d.keys[i], p)
}

// has reports whether key is a parameter.
func (d *formDecoder) has(key []byte) bool {
	_, ok := d.vals[string(key)]
	return ok
}

// get returns the (first) value of key.
func (d *formDecoder) get(key []byte) (string, bool) {
	vs, ok := d.vals[string(key)]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// structure decodes the members of struct v whose names start with path.
func (d *formDecoder) structure(plan *shape.Type, v reflect.Value, depth int) error {
	if depth > maxDepth {
		return MalformedInput("Maximum nesting depth exceeded")
	}
	prefix := len(d.path)
	for _, f := range plan.Fields {
		// Most members are absent: probe before decoding.
		d.path = append(d.path[:prefix], f.Wire...)
		present := d.hasTree(d.path)
		if !present && f.Type.Kind == shape.KindList && f.Flattened && f.HasListMember {
			d.path = append(d.path[:prefix], f.ListMember...)
			present = d.hasTree(d.path)
			d.path = append(d.path[:prefix], f.Wire...)
		}
		if !present {
			continue
		}
		if err := d.member(f, f.Type, v.Field(f.Index), depth); err != nil {
			return err
		}
	}
	d.path = d.path[:prefix]
	return nil
}

// member decodes the member named path.
func (d *formDecoder) member(f *shape.Field, t *shape.Type, v reflect.Value, depth int) error {
	switch t.Kind {
	case shape.KindStruct:
		name := len(d.path)
		d.path = append(d.path, '.')
		var err error
		if d.hasTree(d.path) {
			err = d.structure(t.Struct(), shape.StructValue(v, t), depth+1)
		}
		d.path = d.path[:name]
		return err
	case shape.KindList:
		return d.list(f, t, v, depth)
	case shape.KindMap:
		return d.mapValue(f, t, v, depth)
	case shape.KindDocument:
		return nil
	}
	s, ok := d.get(d.path)
	if !ok {
		return nil
	}
	if t.Kind == shape.KindString {
		d.setString(v, t, s)
		return nil
	}
	if !shape.ParseText(v, t, s) {
		return MalformedInput("'" + s + "' can not be converted to an " + t.Kind.String())
	}
	return nil
}

// element sets path to base.i and reports whether a parameter has that
// name or starts with it and a dot.
func (d *formDecoder) element(base, i int) bool {
	d.path = append(d.path[:base], '.')
	d.path = strconv.AppendInt(d.path, int64(i), 10)
	if d.has(d.path) {
		return true
	}
	key := len(d.path)
	d.path = append(d.path, '.')
	ok := d.hasTree(d.path)
	d.path = d.path[:key]
	return ok
}

func (d *formDecoder) list(f *shape.Field, t *shape.Type, v reflect.Value, depth int) error {
	name := len(d.path)
	// The elements' base name: Name.member, or for flattened lists Name
	// or, when the list has a member name, that name in place of Name.
	nameOnly := name // where the list's own name starts, when replaced
	switch {
	case !f.Flattened:
		d.path = append(d.path, '.')
		d.path = append(d.path, f.ListMember...)
	case f.HasListMember && strings.HasSuffix(str(d.path), f.Wire):
		nameOnly = name - len(f.Wire)
		d.path = append(d.path[:nameOnly], f.ListMember...)
	}
	base := len(d.path)
	// restore puts the list's name back in path.
	restore := func() {
		if nameOnly != name {
			d.path = append(d.path[:nameOnly], f.Wire...)
		}
		d.path = d.path[:name]
	}
	n := 0
	for d.element(base, n+1) {
		n++
	}
	if n == 0 {
		restore()
		// "Name=" is how clients send an empty list.
		if s, ok := d.get(d.path); !ok || s != "" {
			return nil
		}
		shape.Set(v, t, reflect.MakeSlice(t.Go, 0, 0))
		return nil
	}
	slice := reflect.MakeSlice(t.Go, n, n)
	for i := range n {
		d.element(base, i+1)
		if err := d.member(f, t.Elem, slice.Index(i), depth+1); err != nil {
			restore()
			return err
		}
	}
	restore()
	shape.Set(v, t, slice)
	return nil
}

func (d *formDecoder) mapValue(f *shape.Field, t *shape.Type, v reflect.Value, depth int) error {
	name := len(d.path)
	defer func() { d.path = d.path[:name] }()
	if !f.Flattened {
		d.path = append(d.path, ".entry"...)
	}
	base := len(d.path)
	m := reflect.MakeMap(t.Go)
	for i := 1; ; i++ {
		d.path = append(d.path[:base], '.')
		d.path = strconv.AppendInt(d.path, int64(i), 10)
		d.path = append(d.path, '.')
		entry := len(d.path)
		if !d.hasTree(d.path) {
			break
		}
		k, ok := d.get(append(d.path, f.MapKey...))
		if !ok {
			continue
		}
		ev := reflect.New(t.Go.Elem()).Elem()
		d.path = append(d.path[:entry], f.MapValue...)
		if err := d.member(f, t.Elem, ev, depth+1); err != nil {
			return err
		}
		m.SetMapIndex(reflect.ValueOf(k).Convert(t.Go.Key()), ev)
	}
	if m.Len() == 0 {
		d.path = d.path[:name]
		if s, ok := d.get(d.path); !ok || s != "" {
			return nil
		}
	}
	shape.Set(v, t, m)
	return nil
}
