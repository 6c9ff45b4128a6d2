// Package restjson implements the restJson1 protocol (Lambda, Schemas):
// members bound to the URI, query string, headers and status code, a JSON
// body or a payload member.
package restjson

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/awsjson"
	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// CodeUnknownOperation is the code of a request no operation matches.
const CodeUnknownOperation = "UnknownOperationException"

// Codec is the restJson1 codec. Create it with New.
type Codec struct {
	cache shape.Cache
}

var _ protocol.Codec = (*Codec)(nil)

// New returns a Codec with empty plan caches.
func New() *Codec { return &Codec{} }

// UnknownOperation is the error for a method and path no operation of the
// service matches (the smithy framework's 404 UnknownOperationException).
func UnknownOperation() *awsapi.Error {
	return &awsapi.Error{Code: CodeUnknownOperation, Status: http.StatusNotFound}
}

// SerializationError is the error for a body or bound member that does not
// deserialize; msg may be empty.
func SerializationError(msg string) *awsapi.Error {
	return jsonwire.SerializationError(msg)
}

// DecodeInput fills in from the URI labels in req.PathVars (greedy labels
// may be keyed "Key" or "Key+"), the query string, the headers and the
// body.
func (c *Codec) DecodeInput(req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("restjson: decode %s: input must be a non-nil pointer, got %T", op.Name, in)
	}
	plan, err := c.cache.Plan(v.Type())
	if err != nil {
		return fmt.Errorf("restjson: decode %s: %w", op.Name, err)
	}
	sv := v.Elem()
	var query url.Values
	if req.HTTP != nil && req.HTTP.URL != nil {
		query = req.HTTP.URL.Query()
	}
	for _, f := range plan.Fields {
		fv := sv.Field(f.Index)
		switch f.Location {
		case shape.LocURI:
			raw, ok := req.PathVars[f.Wire]
			if !ok {
				raw, ok = req.PathVars[f.Wire+"+"]
			}
			if !ok {
				continue
			}
			if s, err := url.PathUnescape(raw); err == nil {
				raw = s
			}
			if err := parseText(fv, f.Type, raw); err != nil {
				return err
			}
		case shape.LocQuery:
			if err := decodeQuery(plan, f, fv, query); err != nil {
				return err
			}
		case shape.LocHeader:
			if req.HTTP == nil {
				continue
			}
			if err := decodeHeader(f, fv, req.HTTP.Header); err != nil {
				return err
			}
		case shape.LocHeaders:
			if req.HTTP != nil {
				decodePrefixHeaders(f, fv, req.HTTP.Header)
			}
		}
	}
	if p := plan.Payload; p != nil {
		return decodePayload(req.Body, p, sv.Field(p.Index))
	}
	if plan.HasBodyMembers() {
		return jsonwire.Unmarshal(req.Body, plan, sv, jsonwire.Options{BodyOnly: true})
	}
	return nil
}

func textError(t *shape.Type) error {
	k := t.Kind
	if k == shape.KindList || k == shape.KindMap {
		k = t.Elem.Kind
	}
	art := "an "
	if k == shape.KindBlob || k == shape.KindTimestamp {
		art = "a "
	}
	return SerializationError("STRING_VALUE can not be converted to " + art + k.String())
}

func parseText(v reflect.Value, t *shape.Type, s string) error {
	if !shape.ParseText(v, t, s) {
		return textError(t)
	}
	return nil
}

// parseList fills list member v from vals.
func parseList(v reflect.Value, t *shape.Type, vals []string) error {
	slice := reflect.MakeSlice(t.Go, len(vals), len(vals))
	for i, s := range vals {
		if err := parseText(slice.Index(i), t.Elem, s); err != nil {
			return err
		}
	}
	shape.Set(v, t, slice)
	return nil
}

func decodeQuery(plan *shape.Type, f *shape.Field, v reflect.Value, query url.Values) error {
	switch f.Type.Kind {
	case shape.KindList:
		vals, ok := query[f.Wire]
		if !ok {
			return nil
		}
		return parseList(v, f.Type, vals)
	case shape.KindMap:
		// A query-string map takes every parameter no other member binds.
		m := reflect.MakeMap(f.Type.Go)
		for k, vals := range query {
			if g, ok := plan.Lookup(k); ok && g.Location == shape.LocQuery && g != f {
				continue
			}
			ev := reflect.New(f.Type.Go.Elem()).Elem()
			var err error
			if f.Type.Elem.Kind == shape.KindList {
				err = parseList(ev, f.Type.Elem, vals)
			} else if len(vals) > 0 {
				err = parseText(ev, f.Type.Elem, vals[0])
			}
			if err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(f.Type.Go.Key()), ev)
		}
		if m.Len() > 0 {
			shape.Set(v, f.Type, m)
		}
		return nil
	}
	vals, ok := query[f.Wire]
	if !ok || len(vals) == 0 {
		return nil
	}
	return parseText(v, f.Type, vals[0])
}

func decodeHeader(f *shape.Field, v reflect.Value, h http.Header) error {
	vals := h.Values(f.Wire)
	if len(vals) == 0 {
		return nil
	}
	if f.Type.Kind == shape.KindList {
		var items []string
		for _, line := range vals {
			for _, s := range strings.Split(line, ",") {
				items = append(items, strings.TrimSpace(s))
			}
		}
		return parseList(v, f.Type, items)
	}
	return parseText(v, f.Type, strings.TrimSpace(vals[0]))
}

func decodePrefixHeaders(f *shape.Field, v reflect.Value, h http.Header) {
	if f.Type.Kind != shape.KindMap {
		return
	}
	m := reflect.MakeMap(f.Type.Go)
	for k, vals := range h {
		if !shape.EqualFoldPrefix(k, f.Wire) || len(vals) == 0 {
			continue
		}
		ev := reflect.New(f.Type.Go.Elem()).Elem()
		if !shape.ParseText(ev, f.Type.Elem, vals[0]) {
			continue
		}
		m.SetMapIndex(reflect.ValueOf(strings.ToLower(k[len(f.Wire):])).Convert(f.Type.Go.Key()), ev)
	}
	if m.Len() > 0 {
		shape.Set(v, f.Type, m)
	}
}

func decodePayload(body []byte, f *shape.Field, v reflect.Value) error {
	if len(body) == 0 {
		return nil
	}
	switch f.Type.Kind {
	case shape.KindBlob:
		shape.SetBlob(v, f.Type, slices.Clone(body))
	case shape.KindString:
		shape.SetString(v, f.Type, string(body))
	case shape.KindStruct:
		sp := f.Type.Struct()
		tmp := reflect.New(sp.Go).Elem()
		if err := jsonwire.Unmarshal(body, sp, tmp, jsonwire.Options{}); err != nil {
			return err
		}
		shape.Set(v, f.Type, tmp)
	case shape.KindDocument:
		var x any
		if err := json.Unmarshal(body, &x); err != nil {
			return SerializationError("")
		}
		v.Set(reflect.ValueOf(&x).Elem())
	default:
		return SerializationError("")
	}
	return nil
}

// WriteOutput writes out with status op.ResponseCode (200 when zero, or
// the statusCode member when set), its header members, and its payload
// member or JSON body. A Content-Type already set on w is kept.
func (c *Codec) WriteOutput(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, out any) error {
	status := http.StatusOK
	if op != nil && op.ResponseCode != 0 {
		status = op.ResponseCode
	}
	h := w.Header()
	var body []byte
	contentType := ""
	if v := reflect.ValueOf(out); out != nil && !(v.Kind() == reflect.Pointer && v.IsNil()) {
		plan, err := c.cache.Plan(v.Type())
		if err != nil {
			return fmt.Errorf("restjson: encode %s: %w", op.Name, err)
		}
		sv := reflect.Indirect(v)
		for _, f := range plan.Fields {
			fv, ok := shape.Deref(sv.Field(f.Index), f.Type)
			if !ok {
				continue
			}
			switch f.Location {
			case shape.LocStatusCode:
				if n := int(fv.Int()); n >= 100 && n <= 999 {
					status = n
				}
			case shape.LocHeader:
				h.Set(f.Wire, headerText(f, fv))
			case shape.LocHeaders:
				iter := fv.MapRange()
				for iter.Next() {
					ev, ok := shape.Deref(iter.Value(), f.Type.Elem)
					if ok {
						h.Set(f.Wire+iter.Key().String(), shape.FormatText(ev, f.Type.Elem, shape.TSRFC822))
					}
				}
			}
		}
		switch p := plan.Payload; {
		case p != nil:
			body, contentType = encodePayload(p, sv.Field(p.Index))
			if contentType == "application/octet-stream" && desc != nil && desc.Name == "lambda" {
				// Lambda's Invoke payload is a function's JSON result.
				contentType = "application/json"
			}
		case plan.HasBodyMembers():
			body = jsonwire.Marshal(make([]byte, 0, 256), plan, sv, jsonwire.Options{BodyOnly: true})
			contentType = "application/json"
		}
	}
	if contentType != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	setRequestID(h, req)
	w.WriteHeader(status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
	return nil
}

func headerText(f *shape.Field, v reflect.Value) string {
	format := f.TimestampFormat
	if format == "" {
		format = shape.TSRFC822
	}
	if f.Type.Kind != shape.KindList {
		return shape.FormatText(v, f.Type, format)
	}
	parts := make([]string, 0, v.Len())
	for i := 0; i < v.Len(); i++ {
		ev, ok := shape.Deref(v.Index(i), f.Type.Elem)
		if ok || ev.Kind() == reflect.String {
			parts = append(parts, shape.FormatText(ev, f.Type.Elem, format))
		}
	}
	return strings.Join(parts, ", ")
}

func encodePayload(f *shape.Field, v reflect.Value) ([]byte, string) {
	pv, ok := shape.Deref(v, f.Type)
	if !ok {
		return nil, ""
	}
	switch f.Type.Kind {
	case shape.KindBlob:
		return pv.Bytes(), "application/octet-stream"
	case shape.KindString:
		return []byte(pv.String()), "text/plain"
	case shape.KindStruct:
		return jsonwire.Marshal(nil, f.Type.Struct(), pv, jsonwire.Options{}), "application/json"
	case shape.KindDocument:
		raw, err := json.Marshal(pv.Interface())
		if err != nil {
			return nil, ""
		}
		return raw, "application/json"
	}
	return nil, ""
}

// WriteError writes err with the x-amzn-ErrorType header and a JSON body
// of err.Fields plus the message under the error shape's spelling (e.g.
// Lambda's {"Type":"User","Message":"..."}).
func (c *Codec) WriteError(w http.ResponseWriter, req *protocol.Request, desc *awsapi.ServiceDescriptor, op *awsapi.Operation, err *awsapi.Error) {
	h := w.Header()
	body := ErrorBody(desc, err)
	shape.SetHeader(h, "x-amzn-ErrorType", err.Code)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	setRequestID(h, req)
	w.WriteHeader(err.HTTPStatus())
	_, _ = w.Write(body)
}

// ErrorBody renders the JSON error document of err: its Fields (sorted)
// then the message.
func ErrorBody(desc *awsapi.ServiceDescriptor, err *awsapi.Error) []byte {
	msgKey := awsjson.MessageMember(desc, err.Code)
	b := awsjson.AppendFields([]byte{'{'}, err.Fields, msgKey)
	if err.Message != "" {
		b = append(b, ',')
		b = jsonwire.AppendString(b, msgKey)
		b = append(b, ':')
		b = jsonwire.AppendString(b, err.Message)
	}
	if len(b) > 1 {
		b = append(b[:1], b[2:]...) // drop the leading comma
	}
	return append(b, '}')
}

func setRequestID(h http.Header, req *protocol.Request) {
	if req != nil && req.RequestID != "" {
		shape.SetHeader(h, "x-amzn-RequestId", req.RequestID)
	}
}
