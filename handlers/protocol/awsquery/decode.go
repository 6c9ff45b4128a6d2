// Package awsquery implements the awsQuery protocol (SNS, and SQS for old
// clients): form-encoded Action requests and XML responses.
package awsquery

import (
	"bytes"
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

// param is one request parameter.
type param struct {
	key, value string
	// noValue marks a name given without any value (only url.Values
	// can say so).
	noValue bool
}

// Params are the parameters of an awsQuery request, sorted by name (a
// repeated name's first value first). The zero value has none.
type Params struct {
	list []param
	// pooled is the pool's pointer for list, reused when it goes back.
	pooled *[]param
}

// Get returns the first value of name, or "".
func (p Params) Get(name string) string {
	i, ok := slices.BinarySearchFunc(p.list, name, func(e param, name string) int { return strings.Compare(e.key, name) })
	if !ok || p.list[i].noValue {
		return ""
	}
	return p.list[i].value
}

// ParseParams returns the parameters of req as Form does (req.Form when
// set), sorted for decoding. A body or a query string alone is parsed in
// one pass without a map.
func ParseParams(req *protocol.Request) (Params, error) {
	return parseRequest(req, nil)
}

// ParseParams is the package's ParseParams with the parameter list taken
// from c's pool: give it back with ReleaseParams once decoded.
func (c *Codec) ParseParams(req *protocol.Request) (Params, error) {
	pooled, _ := c.lists.Get().(*[]param)
	if pooled == nil {
		pooled = new([]param)
	}
	p, err := parseRequest(req, *pooled)
	p.pooled = pooled
	return p, err
}

// maxPooledParams bounds the parameter lists kept for reuse.
const maxPooledParams = 256

// ReleaseParams gives p's list back to c's pool; p must not be used
// after. The values decoded from it stay valid.
func (c *Codec) ReleaseParams(p Params) {
	if p.pooled == nil || p.list == nil || cap(p.list) > maxPooledParams {
		return
	}
	list := p.list[:cap(p.list)]
	clear(list) // keeps no request's text alive
	*p.pooled = list[:0]
	c.lists.Put(p.pooled)
}

func parseRequest(req *protocol.Request, list []param) (Params, error) {
	if req.Form != nil {
		return paramsOf(req.Form), nil
	}
	var query string
	var body []byte
	if req.HTTP != nil && req.HTTP.URL != nil {
		query = req.HTTP.URL.RawQuery
	}
	if len(req.Body) > 0 && (req.HTTP == nil || req.HTTP.Method != http.MethodGet) {
		body = req.Body
	}
	switch {
	case query == "" && body == nil:
		return Params{}, nil
	case query == "":
		// One copy of the body (its buffer is reused once the request
		// is done), unescaped in place: the names and values share it.
		if list, ok := parseParams(bytes.Clone(body), list); ok {
			return Params{list: list}, nil
		}
	case body == nil:
		if list, ok := parseParams([]byte(query), list); ok {
			return Params{list: list}, nil
		}
	}
	vals, err := mergeForms(query, string(body))
	if err != nil {
		return Params{}, err
	}
	return paramsOf(vals), nil
}

// paramsOf returns vals as sorted parameters.
func paramsOf(vals url.Values) Params {
	list := make([]param, 0, len(vals))
	for k, vs := range vals {
		if len(vs) == 0 {
			list = append(list, param{key: k, noValue: true})
			continue
		}
		list = append(list, param{key: k, value: vs[0]})
	}
	slices.SortFunc(list, compareParams)
	return Params{list: list}
}

func compareParams(a, b param) int { return strings.Compare(a.key, b.key) }

// parseParams parses b as parseForm does, into parameters sorted by
// name, stably (SDKs send them sorted or nearly so), reusing list's
// array when it is large enough. Names and values are unescaped in place
// (unescaping only shortens) and are strings over b, which must not
// change after.
func parseParams(b []byte, list []param) ([]param, bool) {
	n := bytes.Count(b, []byte{'&'}) + 1
	if n > maxFormParams {
		return nil, false
	}
	if cap(list) < n {
		list = make([]param, 0, n)
	}
	list = list[:0]
	sorted := true
	for len(b) > 0 {
		kv := b
		if i := bytes.IndexByte(b, '&'); i >= 0 {
			kv, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(kv) == 0 {
			continue
		}
		if bytes.IndexByte(kv, ';') >= 0 {
			return nil, false
		}
		kb, vb := kv, kv[len(kv):]
		if i := bytes.IndexByte(kv, '='); i >= 0 {
			kb, vb = kv[:i], kv[i+1:]
		}
		k, ok := unescapeInPlace(kb)
		if !ok {
			return nil, false
		}
		v, ok := unescapeInPlace(vb)
		if !ok {
			return nil, false
		}
		if len(list) > 0 && list[len(list)-1].key > k {
			sorted = false
		}
		list = append(list, param{key: k, value: v})
	}
	if !sorted {
		slices.SortStableFunc(list, compareParams)
	}
	return list, true
}

// unescapeInPlace is url.QueryUnescape of b, written over b's start and
// returned as a string over it.
func unescapeInPlace(b []byte) (string, bool) {
	pct, plus := bytes.IndexByte(b, '%'), bytes.IndexByte(b, '+')
	if pct < 0 && plus < 0 {
		return str(b), true
	}
	w, r := 0, 0 // write and read positions: w <= r
	for {
		// pct and plus are the next '%' and '+' at or after r, or -1.
		if pct >= 0 && pct < r {
			if pct = bytes.IndexByte(b[r:], '%'); pct >= 0 {
				pct += r
			}
		}
		if plus >= 0 && plus < r {
			if plus = bytes.IndexByte(b[r:], '+'); plus >= 0 {
				plus += r
			}
		}
		next := pct
		if next < 0 || (plus >= 0 && plus < next) {
			next = plus
		}
		if next < 0 {
			w += copy(b[w:], b[r:])
			break
		}
		w += copy(b[w:], b[r:next])
		if next == plus {
			b[w] = ' '
			w++
			r = next + 1
			continue
		}
		if next+2 >= len(b) || !isHex(b[next+1]) || !isHex(b[next+2]) {
			return "", false
		}
		b[w] = unhex(b[next+1])<<4 | unhex(b[next+2])
		w++
		r = next + 3
	}
	return str(b[:w]), true
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
	// The escapes are found with IndexByte (vectorized), which beats a
	// byte loop on the long plain runs of message bodies.
	pct, plus := strings.IndexByte(s, '%'), strings.IndexByte(s, '+')
	if pct < 0 && plus < 0 {
		return s, true
	}
	if *buf == nil {
		*buf = make([]byte, 0, size)
	}
	b := *buf
	start := len(b)
	i := 0
	for {
		// pct and plus are the next '%' and '+' at or after i, or -1.
		if pct >= 0 && pct < i {
			if pct = strings.IndexByte(s[i:], '%'); pct >= 0 {
				pct += i
			}
		}
		if plus >= 0 && plus < i {
			if plus = strings.IndexByte(s[i:], '+'); plus >= 0 {
				plus += i
			}
		}
		next := pct
		if next < 0 || (plus >= 0 && plus < next) {
			next = plus
		}
		if next < 0 {
			b = append(b, s[i:]...)
			break
		}
		b = append(b, s[i:next]...)
		if next == plus {
			b = append(b, ' ')
			i = next + 1
			continue
		}
		if next+2 >= len(s) || !isHex(s[next+1]) || !isHex(s[next+2]) {
			return "", false
		}
		b = append(b, unhex(s[next+1])<<4|unhex(s[next+2]))
		i = next + 3
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
	if req.Form != nil {
		return c.DecodeParams(paramsOf(req.Form), op, in)
	}
	p, err := ParseParams(req)
	if err != nil {
		return err
	}
	return c.DecodeParams(p, op, in)
}

// DecodeParams decodes parsed parameters into in, as DecodeInput does.
func (c *Codec) DecodeParams(p Params, op *awsapi.Operation, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("awsquery: decode %s: input must be a non-nil pointer, got %T", op.Name, in)
	}
	plan, err := c.cache.Plan(v.Type())
	if err != nil {
		return fmt.Errorf("awsquery: decode %s: %w", op.Name, err)
	}
	return decodeParams(p.list, plan, v.Elem())
}

// DecodeValues decodes vals into struct value v (plan plan).
func DecodeValues(vals url.Values, plan *shape.Type, v reflect.Value) error {
	return decodeParams(paramsOf(vals).list, plan, v)
}

func decodeParams(list []param, plan *shape.Type, v reflect.Value) error {
	d := formDecoder{params: list, hi: len(list), path: make([]byte, 0, 128)}
	return d.structure(plan, v, 0)
}

const maxDepth = 64

// formDecoder decodes parameters into a value. The name of the member
// being decoded is built in path, which each step extends and restores,
// so that names are strings only in error messages. Parameters are found
// by binary search among those of the innermost structure being decoded
// (params[lo:hi], whose names share their first skip bytes with path).
type formDecoder struct {
	params []param // sorted
	lo, hi int
	skip   int
	path   []byte
	cells  []string // for *string members, allocated together
}

var stringType = reflect.TypeFor[string]()

// setString stores s into string member v of type t.
func (d *formDecoder) setString(v reflect.Value, t *shape.Type, s string) {
	if !t.Ptr || t.Go != stringType {
		shape.SetString(v, t, s)
		return
	}
	if len(d.cells) == 0 {
		d.cells = make([]string, max(4, len(d.params)))
	}
	p := &d.cells[0]
	d.cells = d.cells[1:]
	*p = s
	v.Set(reflect.ValueOf(p))
}

// str returns p as a string that lives only until path changes.
func str(p []byte) string { return unsafe.String(unsafe.SliceData(p), len(p)) }

// search returns the index of the first parameter in params[lo:hi] whose
// name is not less than name, which extends the names' shared prefix.
func (d *formDecoder) search(name []byte) int {
	t := str(name[d.skip:])
	lo, hi := d.lo, d.hi
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if d.params[m].key[d.skip:] < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// hasTree reports whether some key starts with prefix.
func (d *formDecoder) hasTree(prefix []byte) bool {
	i := d.search(prefix)
	return i < d.hi && strings.HasPrefix(d.params[i].key[d.skip:], str(prefix[d.skip:]))
}

// find returns the (first) parameter named key.
func (d *formDecoder) find(key []byte) (*param, bool) {
	i := d.search(key)
	if i < d.hi && d.params[i].key[d.skip:] == str(key[d.skip:]) {
		return &d.params[i], true
	}
	return nil, false
}

// get returns the (first) value of key.
func (d *formDecoder) get(key []byte) (string, bool) {
	p, ok := d.find(key)
	if !ok || p.noValue {
		return "", false
	}
	return p.value, true
}

// narrow limits the search to the parameters whose names start with path
// and returns the bounds to restore.
func (d *formDecoder) narrow() (lo, hi, skip int) {
	lo, hi, skip = d.lo, d.hi, d.skip
	if len(d.path) == skip {
		return lo, hi, skip
	}
	start := d.search(d.path)
	prefix := str(d.path[skip:])
	end, top := start, hi
	for end < top { // the names with the prefix come first
		m := int(uint(end+top) >> 1)
		if strings.HasPrefix(d.params[m].key[skip:], prefix) {
			end = m + 1
		} else {
			top = m
		}
	}
	d.lo, d.hi, d.skip = start, end, len(d.path)
	return lo, hi, skip
}

// structure decodes the members of struct v whose names start with path.
func (d *formDecoder) structure(plan *shape.Type, v reflect.Value, depth int) error {
	if depth > maxDepth {
		return MalformedInput("Maximum nesting depth exceeded")
	}
	prefix := len(d.path)
	lo, hi, skip := d.narrow()
	defer func() { d.lo, d.hi, d.skip = lo, hi, skip }()
	if d.hi-d.lo <= len(plan.Fields) {
		return d.fewParams(plan, v, depth, prefix)
	}
	for _, f := range plan.Fields {
		d.path = append(d.path[:prefix], f.Wire...)
		if scalarKind(f.Type.Kind) {
			// A scalar is its own parameter or absent.
			if err := d.scalar(f.Type, v, f); err != nil {
				return err
			}
			continue
		}
		// Most members are absent: probe before decoding.
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

// presence is a member with parameters, and the index of the parameter
// named as the member itself (-1 when there is none).
type presence struct {
	f     *shape.Field
	exact int
}

// fewParams is structure for a structure with fewer parameters than
// members (a batch entry, say): one pass over the parameters finds the
// members present, and only those are decoded, in member order, instead
// of a search for each member.
func (d *formDecoder) fewParams(plan *shape.Type, v reflect.Value, depth, prefix int) error {
	var buf [16]presence
	present := buf[:0]
	for j := d.lo; j < d.hi; j++ {
		rest := d.params[j].key[d.skip:]
		seg, _, _ := strings.Cut(rest, ".")
		f := memberNamed(plan, seg)
		if f == nil {
			continue
		}
		k := slices.IndexFunc(present, func(p presence) bool { return p.f == f })
		switch {
		case k < 0 && rest == seg:
			present = append(present, presence{f, j})
		case k < 0:
			present = append(present, presence{f, -1})
		case rest == seg && present[k].exact < 0:
			present[k].exact = j
		}
	}
	for _, f := range plan.Fields {
		k := slices.IndexFunc(present, func(p presence) bool { return p.f == f })
		if k < 0 {
			continue
		}
		if scalarKind(f.Type.Kind) {
			// A scalar is its own parameter (the first of that name).
			if j := present[k].exact; j >= 0 && !d.params[j].noValue {
				d.path = append(d.path[:prefix], f.Wire...)
				if err := d.setScalar(f.Type, v.Field(f.Index), d.params[j].value); err != nil {
					return err
				}
			}
			continue
		}
		d.path = append(d.path[:prefix], f.Wire...)
		if err := d.member(f, f.Type, v.Field(f.Index), depth); err != nil {
			return err
		}
	}
	d.path = d.path[:prefix]
	return nil
}

// memberNamed returns the member of plan whose parameters start with
// name: its wire name, or the member name of a flattened list.
func memberNamed(plan *shape.Type, name string) *shape.Field {
	if f, ok := plan.Lookup(name); ok {
		return f
	}
	for _, f := range plan.Fields {
		if f.Type.Kind == shape.KindList && f.Flattened && f.HasListMember && f.ListMember == name {
			return f
		}
	}
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
	return d.setScalar(t, v, s)
}

// scalarKind reports whether members of kind k are one parameter each.
func scalarKind(k shape.Kind) bool { return k >= shape.KindString && k <= shape.KindBlob }

// scalar decodes scalar member f of struct v, named path, when present.
func (d *formDecoder) scalar(t *shape.Type, v reflect.Value, f *shape.Field) error {
	s, ok := d.get(d.path)
	if !ok {
		return nil
	}
	return d.setScalar(t, v.Field(f.Index), s)
}

// setScalar stores text s into scalar v of type t.
func (d *formDecoder) setScalar(t *shape.Type, v reflect.Value, s string) error {
	if t.Kind == shape.KindString {
		d.setString(v, t, s)
		return nil
	}
	if !shape.ParseText(v, t, s) {
		return MalformedInput("'" + s + "' can not be converted to an " + t.Kind.String())
	}
	return nil
}

// span is the parameters of one list element, params[lo:hi].
type span struct{ lo, hi int }

// elementSpans returns the parameters of elements 1, 2, ... of the list
// whose names start with base (path[:base], the search narrowed to it),
// up to the first index missing, in one pass: the names of one element
// (base.i and base.i.*) are consecutive in sorted order. The spans are in
// buf (zero, and used when large enough).
func (d *formDecoder) elementSpans(base int, buf []span) []span {
	var found []span // by index - 1; hi == 0 when absent
	for j := d.lo; j < d.hi; j++ {
		rest := d.params[j].key[d.skip:]
		rest = rest[base-d.skip:]
		if len(rest) < 2 || rest[0] != '.' {
			continue
		}
		digits, _, _ := strings.Cut(rest[1:], ".")
		i, ok := elementIndex(digits, d.hi-d.lo)
		if !ok {
			continue
		}
		if found == nil {
			if found = buf; d.hi-d.lo > len(buf) {
				found = make([]span, d.hi-d.lo)
			}
			found = found[:d.hi-d.lo]
		}
		sp := &found[i-1]
		if sp.hi == 0 {
			sp.lo = j
		}
		sp.hi = j + 1
	}
	n := 0
	for n < len(found) && found[n].hi != 0 {
		n++
	}
	return found[:n]
}

// elementIndex parses s as an element index from 1 to most, written as
// strconv would write it.
func elementIndex(s string, most int) (int, bool) {
	if s == "" || len(s) > 9 || s[0] == '0' {
		return 0, false
	}
	i := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	return i, i <= most
}

// setElement sets path to base.i.
func (d *formDecoder) setElement(base, i int) {
	d.path = append(d.path[:base], '.')
	d.path = strconv.AppendInt(d.path, int64(i), 10)
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
	lo, hi, skip := d.narrow() // the elements' names start with base
	// restore puts the list's name back in path and widens the search.
	restore := func() {
		d.lo, d.hi, d.skip = lo, hi, skip
		if nameOnly != name {
			d.path = append(d.path[:nameOnly], f.Wire...)
		}
		d.path = d.path[:name]
	}
	var spanBuf [32]span
	spans := d.elementSpans(base, spanBuf[:])
	n := len(spans)
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
	elo, ehi := d.lo, d.hi
	for i := range n {
		d.setElement(base, i+1)
		// Each element's search is its own parameters.
		d.lo, d.hi = spans[i].lo, spans[i].hi
		err := d.member(f, t.Elem, slice.Index(i), depth+1)
		d.lo, d.hi = elo, ehi
		if err != nil {
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
