package jsonwire

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// Marshal appends the JSON object for struct value v (plan plan) to b.
// Absent members are omitted. With opts.BodyOnly, members bound to REST
// locations and the payload member are left out.
func Marshal(b []byte, plan *shape.Type, v reflect.Value, opts Options) []byte {
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
		tm := v.Interface().(time.Time)
		format := shape.TSUnix
		if f != nil && f.TimestampFormat != "" {
			format = f.TimestampFormat
		}
		if format == shape.TSUnix {
			return shape.AppendJavaDouble(b, shape.EpochSeconds(tm), 64)
		}
		return AppendString(b, shape.FormatTimestamp(tm, format))
	case shape.KindBlob:
		raw := v.Bytes()
		b = append(b, '"')
		n := base64.StdEncoding.EncodedLen(len(raw))
		b = slices.Grow(b, n)
		base64.StdEncoding.Encode(b[len(b):len(b)+n], raw)
		b = b[:len(b)+n]
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

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. Like AWS's Jackson-based
// services it escapes only what JSON requires (no HTML escaping); invalid
// UTF-8 becomes U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

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
