package jsonwire

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/evolvestack/evolvestack/handlers/protocol/shape"

	"github.com/evolvestack/evolvestack/internal/jsonstr"
)

// Marshal appends the JSON object for struct value v (plan plan) to b.
// Absent members are omitted. With opts.BodyOnly, members bound to REST
// locations and the payload member are left out.
func Marshal(b []byte, plan *shape.Type, v reflect.Value, opts Options) []byte {
	if v.Kind() == reflect.Struct && v.CanAddr() && v.Type() == plan.Go {
		var fp fastPlans
		return fp.appendStruct(b, fp.plan(plan), v.Addr().UnsafePointer(), opts.BodyOnly)
	}
	e := encoder{opts: opts}
	return e.object(b, plan, v)
}

type encoder struct {
	opts Options
}

func (e *encoder) object(b []byte, plan *shape.Type, v reflect.Value) []byte {
	b = append(b, '{')
	first := true
	for _, f := range plan.Fields {
		if e.opts.BodyOnly && (f.Location != shape.LocBody || f == plan.Payload) {
			continue
		}
		fv, ok := shape.Deref(v.Field(f.Index), f.Type)
		if !ok {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendString(b, f.Wire)
		b = append(b, ':')
		b = e.value(b, f, f.Type, fv)
	}
	return append(b, '}')
}

// value appends the present (dereferenced) value v of type t.
func (e *encoder) value(b []byte, f *shape.Field, t *shape.Type, v reflect.Value) []byte {
	inner := encoder{opts: Options{}} // nested shapes have no REST bindings
	switch t.Kind {
	case shape.KindString:
		return AppendString(b, v.String())
	case shape.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case shape.KindInt32, shape.KindInt64:
		return strconv.AppendInt(b, v.Int(), 10)
	case shape.KindFloat32:
		return shape.AppendJavaDouble(b, v.Float(), 32)
	case shape.KindFloat64:
		return shape.AppendJavaDouble(b, v.Float(), 64)
	case shape.KindTimestamp:
		var tm time.Time
		if v.CanAddr() {
			tm = *v.Addr().Interface().(*time.Time) // no boxing of the time
		} else {
			tm = v.Interface().(time.Time)
		}
		format := shape.TSUnix
		if f != nil && f.TimestampFormat != "" {
			format = f.TimestampFormat
		}
		if format == shape.TSUnix {
			return appendEpochSeconds(b, tm)
		}
		return AppendString(b, shape.FormatTimestamp(tm, format))
	case shape.KindBlob:
		b = append(b, '"')
		b = jsonstr.AppendBase64(b, v.Bytes())
		return append(b, '"')
	case shape.KindDocument:
		raw, err := json.Marshal(v.Interface())
		if err != nil {
			return append(b, "null"...)
		}
		return append(b, raw...)
	case shape.KindStruct:
		return inner.object(b, t.Struct(), v)
	case shape.KindList:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			ev := v.Index(i)
			if ev.Kind() == reflect.Pointer || ev.Kind() == reflect.Interface && t.Elem.Kind != shape.KindDocument {
				if ev.IsNil() {
					b = append(b, "null"...)
					continue
				}
				ev = ev.Elem()
			}
			b = inner.value(b, f, t.Elem, ev)
		}
		return append(b, ']')
	case shape.KindMap:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int {
			switch xs, ys := x.String(), y.String(); {
			case xs < ys:
				return -1
			case xs > ys:
				return 1
			}
			return 0
		})
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k.String())
			b = append(b, ':')
			ev := v.MapIndex(k)
			if ev.Kind() == reflect.Pointer || ev.Kind() == reflect.Interface && t.Elem.Kind != shape.KindDocument {
				if ev.IsNil() {
					b = append(b, "null"...)
					continue
				}
				ev = ev.Elem()
			}
			b = inner.value(b, f, t.Elem, ev)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// AppendString appends s as a JSON string. Like AWS's Jackson-based
// services it escapes only what JSON requires (no HTML escaping); invalid
// UTF-8 becomes U+FFFD.
func AppendString(b []byte, s string) []byte { return jsonstr.Append(b, s) }

// AppendAny appends x (an error field value) as JSON: strings unescaped
// HTML-wise, everything else via encoding/json.
func AppendAny(b []byte, x any) []byte {
	switch v := x.(type) {
	case string:
		return AppendString(b, v)
	case *string:
		if v == nil {
			return append(b, "null"...)
		}
		return AppendString(b, *v)
	}
	raw, err := json.Marshal(x)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

// appendEpochSeconds appends tm as shape.AppendJavaDouble renders
// shape.EpochSeconds(tm). For the times of this era (10^7 to 10^11
// seconds) that is the digits of the milliseconds, trailing zeros dropped,
// as d.ddddE9: a double of that size is precise to far less than a
// millisecond, so the shortest text that reads back as it is the exact
// decimal of the milliseconds.
func appendEpochSeconds(b []byte, tm time.Time) []byte {
	if b, ok := jsonstr.AppendEpochMillis(b, tm.UnixMilli()); ok {
		return b
	}
	return shape.AppendJavaDouble(b, shape.EpochSeconds(tm), 64)
}
