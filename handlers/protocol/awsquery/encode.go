package awsquery

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
	"github.com/evolvestack/evolvestack/internal/xmlstr"
)

// Codec is the awsQuery codec. Create it with New.
type Codec struct {
	cache shape.Cache
	// writers holds *xmlWriter for reuse: a response is copied out by
	// the ResponseWriter before its writer goes back.
	writers sync.Pool
	// lists holds *[]param for reuse (ParseParams, ReleaseParams).
	lists sync.Pool
}

var _ protocol.Codec = (*Codec)(nil)

// New returns a Codec with empty plan caches. Its plans honour the
// query-only struct tags (queryName and the like, see shape.Cache.Query).
func New() *Codec {
	c := &Codec{}
	c.cache.Query = true
	return c
}

// style is how a service lays out its XML: SNS answers indented documents
// without a declaration; SQS's query face answered compact documents with
// an XML declaration and a <Detail/> in errors.
type style struct {
	pretty      bool
	declaration bool
	detail      bool
}

func styleOf(desc *awsapi.ServiceDescriptor) style {
	if desc.QueryCompatible {
		return style{declaration: true, detail: true}
	}
	return style{pretty: true}
}

// WriteOutput writes <OpResponse xmlns=...><OpResult>...</OpResult>
// <ResponseMetadata><RequestId>...</RequestId></ResponseMetadata>
// </OpResponse>. The result element is written when the operation has a
// result wrapper.
func (c *Codec) WriteOutput(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, out any) error {
	st := styleOf(desc)
	x, _ := c.writers.Get().(*xmlWriter)
	if x == nil {
		x = &xmlWriter{b: make([]byte, 0, 1024)}
	}
	defer c.recycle(x)
	x.pretty = st.pretty
	if st.declaration {
		x.b = append(x.b, `<?xml version="1.0"?>`...)
	}
	x.openNS(op.Name+"Response", desc.XMLNamespace)
	if op.ResultWrapper != "" {
		v := reflect.ValueOf(out)
		if out == nil || (v.Kind() == reflect.Pointer && v.IsNil()) {
			x.empty(op.ResultWrapper)
		} else if a, ok := out.(ResultAppender); ok && !x.pretty {
			x.markChild()
			x.b = a.AppendQueryResult(x.b, op.ResultWrapper)
		} else {
			plan, err := c.cache.Plan(v.Type())
			if err != nil {
				return fmt.Errorf("awsquery: encode %s: %w", op.Name, err)
			}
			x.structure(op.ResultWrapper, plan, reflect.Indirect(v))
		}
	}
	x.open("ResponseMetadata")
	x.leaf("RequestId", requestID(req))
	x.close("ResponseMetadata")
	x.close(op.Name + "Response")
	write(w, req, http.StatusOK, x.bytes())
	return nil
}

// ResultAppender is an output that renders its result element (named
// wrapper) itself, the same bytes as this codec's writer renders without
// indentation: answers sent by the hundred thousand a second (SQS's
// SendMessageBatch) implement it. Services that indent their answers do
// not use it.
type ResultAppender interface {
	AppendQueryResult(b []byte, wrapper string) []byte
}

// maxPooledResponse bounds the responses whose buffers are kept for reuse.
const maxPooledResponse = 64 << 10

// recycle gives x back to the pool, emptied, unless its buffer grew large.
func (c *Codec) recycle(x *xmlWriter) {
	if cap(x.b) > maxPooledResponse {
		return
	}
	*x = xmlWriter{b: x.b[:0], hasKids: x.hasKids[:0]}
	c.writers.Put(x)
}

// WriteError writes <ErrorResponse><Error><Type/><Code/><Message/></Error>
// <RequestId/></ErrorResponse> with the query code of err.
func (c *Codec) WriteError(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, err *awsapi.Error) {
	write(w, req, err.HTTPStatus(), ErrorBody(desc, req, err))
}

// ErrorBody renders the XML error document of err.
func ErrorBody(desc *awsapi.ServiceDescriptor, req *protocol.Request, err *awsapi.Error) []byte {
	st := styleOf(desc)
	x := xmlWriter{pretty: st.pretty}
	if st.declaration {
		x.b = append(x.b, `<?xml version="1.0"?>`...)
	}
	ns := desc.XMLNamespace
	switch err.Code {
	case CodeInvalidAction, CodeMissingAction:
		ns = AWSFaultNamespace
	}
	x.openNS("ErrorResponse", ns)
	x.open("Error")
	fault := "Sender"
	if err.Receiver {
		fault = "Receiver"
	}
	x.leaf("Type", fault)
	x.leaf("Code", queryCode(desc, err))
	if err.Message != "" {
		x.leaf("Message", err.Message)
	}
	keys := make([]string, 0, len(err.Fields))
	for k := range err.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "Type" || k == "Code" || k == "Message" {
			continue
		}
		x.leaf(k, fmt.Sprint(err.Fields[k]))
	}
	if st.detail {
		x.empty("Detail")
	}
	x.close("Error")
	x.leaf("RequestId", requestID(req))
	x.close("ErrorResponse")
	return x.bytes()
}

func queryCode(desc *awsapi.ServiceDescriptor, err *awsapi.Error) string {
	if err.QueryCode != "" {
		return err.QueryCode
	}
	if es, ok := desc.ErrorShape(err.Code); ok && es.Code != "" {
		return es.Code
	}
	return err.Code
}

func requestID(req *protocol.Request) string {
	if req == nil {
		return ""
	}
	return req.RequestID
}

func write(w http.ResponseWriter, req *protocol.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if id := requestID(req); id != "" {
		shape.SetHeader(h, "x-amzn-RequestId", id)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// xmlWriter builds an XML document, indented by two spaces when pretty.
type xmlWriter struct {
	b      []byte
	pretty bool
	depth  int
	// hasKids tracks, per open element, whether it has children yet.
	hasKids []bool
}

func (x *xmlWriter) newline() {
	if !x.pretty {
		return
	}
	if len(x.b) > 0 {
		x.b = append(x.b, '\n')
	}
	for i := 0; i < x.depth; i++ {
		x.b = append(x.b, ' ', ' ')
	}
}

func (x *xmlWriter) markChild() {
	if n := len(x.hasKids); n > 0 {
		x.hasKids[n-1] = true
	}
}

func (x *xmlWriter) openNS(name, ns string) {
	x.markChild()
	x.newline()
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
	if ns != "" {
		x.b = append(x.b, ` xmlns="`...)
		x.b = appendEscaped(x.b, ns)
		x.b = append(x.b, '"')
	}
	x.b = append(x.b, '>')
	x.depth++
	x.hasKids = append(x.hasKids, false)
}

func (x *xmlWriter) open(name string) { x.openNS(name, "") }

// close ends the innermost element; one without children collapses to
// <name/>.
func (x *xmlWriter) close(name string) {
	x.depth--
	n := len(x.hasKids) - 1
	kids := x.hasKids[n]
	x.hasKids = x.hasKids[:n]
	if !kids {
		x.b = x.b[:len(x.b)-1] // drop '>'
		x.b = append(x.b, '/', '>')
		return
	}
	x.newline()
	x.b = append(x.b, '<', '/')
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

func (x *xmlWriter) empty(name string) {
	x.markChild()
	x.newline()
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
	x.b = append(x.b, '/', '>')
}

func (x *xmlWriter) leaf(name, text string) {
	x.markChild()
	x.newline()
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
	x.b = appendEscaped(x.b, text)
	x.b = append(x.b, '<', '/')
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

func (x *xmlWriter) bytes() []byte {
	if x.pretty {
		x.b = append(x.b, '\n')
	}
	return x.b
}

// structure writes struct value v as element name.
func (x *xmlWriter) structure(name string, plan *shape.Type, v reflect.Value) {
	x.open(name)
	for _, f := range plan.Fields {
		fv, ok := shape.Deref(v.Field(f.Index), f.Type)
		if !ok {
			continue
		}
		x.member(f, f.Type, f.Wire, fv)
	}
	x.close(name)
}

// member writes present value v of type t as element name.
func (x *xmlWriter) member(f *shape.Field, t *shape.Type, name string, v reflect.Value) {
	switch t.Kind {
	case shape.KindStruct:
		x.structure(name, t.Struct(), v)
	case shape.KindList:
		item := f.ListMember
		if f.Flattened {
			if !f.HasListMember {
				item = name
			}
		} else {
			x.open(name)
		}
		for i := 0; i < v.Len(); i++ {
			ev, ok := elem(v.Index(i), t.Elem)
			if ok {
				x.member(f, t.Elem, item, ev)
			}
		}
		if !f.Flattened {
			x.close(name)
		}
	case shape.KindMap:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			switch as, bs := a.String(), b.String(); {
			case as < bs:
				return -1
			case as > bs:
				return 1
			}
			return 0
		})
		entry := "entry"
		if f.Flattened {
			entry = name
		} else {
			x.open(name)
		}
		for _, k := range keys {
			ev, ok := elem(v.MapIndex(k), t.Elem)
			if !ok {
				continue
			}
			x.open(entry)
			x.leaf(f.MapKey, k.String())
			x.member(f, t.Elem, f.MapValue, ev)
			x.close(entry)
		}
		if !f.Flattened {
			x.close(name)
		}
	case shape.KindTimestamp:
		format := f.TimestampFormat
		if format == "" {
			format = shape.TSISO8601
		}
		x.leaf(name, shape.FormatTimestamp(v.Interface().(time.Time), format))
	case shape.KindDocument:
		x.leaf(name, fmt.Sprint(v.Interface()))
	default:
		x.leaf(name, shape.FormatText(v, t, ""))
	}
}

// elem dereferences a list element or map value.
func elem(v reflect.Value, t *shape.Type) (reflect.Value, bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return v, false
		}
		return v.Elem(), true
	}
	if v.Kind() == reflect.Interface && v.IsNil() {
		return v, false
	}
	return v, true
}

// appendEscaped escapes text for XML content and attributes as AWS does.
func appendEscaped(b []byte, s string) []byte { return xmlstr.AppendEscaped(b, s) }
