package awscbor

import (
	"encoding/binary"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// Initial bytes the encoder writes.
const (
	startIndefMap   = majorMap<<5 | aiIndef
	startIndefArray = majorArray<<5 | aiIndef
	simpleFalse     = majorSimple<<5 | aiFalse
	simpleTrue      = majorSimple<<5 | aiTrue
	simpleNull      = majorSimple<<5 | aiNull
)

// encOptions are the fxamacker/cbor options for documents and error
// fields: sorted map keys so bodies are deterministic.
func encOptions() cbor.EncOptions {
	return cbor.EncOptions{Sort: cbor.SortBytewiseLexical, Time: cbor.TimeUnixMicro}
}

// appendHead appends a head of major type major with argument n in its
// shortest form.
func appendHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= math.MaxUint8:
		return append(b, m|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

// appendInt appends n as Jackson's CBORGenerator writes a long: the
// shortest form when it fits an int, else the 8-byte form.
func appendInt(b []byte, n int64) []byte {
	major, u := byte(majorUint), uint64(n)
	if n < 0 {
		major, u = majorNegInt, uint64(-1-n)
	}
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		return appendHead(b, major, u)
	}
	return binary.BigEndian.AppendUint64(append(b, major<<5|27), u)
}

func appendText(b []byte, s string) []byte {
	return append(appendHead(b, majorText, uint64(len(s))), s...)
}

func appendBytes(b, raw []byte) []byte {
	return append(appendHead(b, majorBytes, uint64(len(raw))), raw...)
}

func appendFloat32(b []byte, f float32) []byte {
	return binary.BigEndian.AppendUint32(append(b, majorSimple<<5|aiFloat32), math.Float32bits(f))
}

func appendFloat64(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(append(b, majorSimple<<5|aiFloat64), math.Float64bits(f))
}

// appendTimestamp appends tm as the AWS SDK for Java writes timestamps in
// CBOR: tag 1 followed by epoch milliseconds (an integer).
func appendTimestamp(b []byte, tm time.Time) []byte {
	return appendInt(appendHead(b, majorTag, tagEpoch), tm.UnixMilli())
}

type encoder struct {
	em cbor.EncMode
}

// object appends struct value v (plan plan) as an indefinite-length map,
// as AWS's Jackson-based services write it. Absent members and members
// bound outside the body are left out.
func (e *encoder) object(b []byte, plan *shape.Type, v reflect.Value) []byte {
	b = append(b, startIndefMap)
	for _, f := range plan.Fields {
		if f.Location != shape.LocBody {
			continue
		}
		fv, ok := shape.Deref(v.Field(f.Index), f.Type)
		if !ok {
			continue
		}
		b = appendText(b, f.Wire)
		b = e.value(b, f, f.Type, fv)
	}
	return append(b, breakByte)
}

// element dereferences a list element or map value; ok is false for nil.
func element(ev reflect.Value, t *shape.Type) (reflect.Value, bool) {
	if ev.Kind() == reflect.Pointer || ev.Kind() == reflect.Interface && t.Kind != shape.KindDocument {
		if ev.IsNil() {
			return ev, false
		}
		return ev.Elem(), true
	}
	return ev, true
}

// value appends the present (dereferenced) value v of type t.
func (e *encoder) value(b []byte, f *shape.Field, t *shape.Type, v reflect.Value) []byte {
	switch t.Kind {
	case shape.KindString:
		return appendText(b, v.String())
	case shape.KindBool:
		if v.Bool() {
			return append(b, simpleTrue)
		}
		return append(b, simpleFalse)
	case shape.KindInt32, shape.KindInt64:
		return appendInt(b, v.Int())
	case shape.KindFloat32:
		return appendFloat32(b, float32(v.Float()))
	case shape.KindFloat64:
		return appendFloat64(b, v.Float())
	case shape.KindTimestamp:
		tm := v.Interface().(time.Time)
		if f != nil && (f.TimestampFormat == shape.TSISO8601 || f.TimestampFormat == shape.TSRFC822) {
			return appendText(b, shape.FormatTimestamp(tm, f.TimestampFormat))
		}
		return appendTimestamp(b, tm)
	case shape.KindBlob:
		return appendBytes(b, v.Bytes())
	case shape.KindDocument:
		return e.appendAny(b, v.Interface())
	case shape.KindStruct:
		return e.object(b, t.Struct(), v)
	case shape.KindList:
		b = append(b, startIndefArray)
		for i := 0; i < v.Len(); i++ {
			ev, ok := element(v.Index(i), t.Elem)
			if !ok {
				b = append(b, simpleNull)
				continue
			}
			b = e.value(b, f, t.Elem, ev)
		}
		return append(b, breakByte)
	case shape.KindMap:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) })
		b = append(b, startIndefMap)
		for _, k := range keys {
			b = appendText(b, k.String())
			ev, ok := element(v.MapIndex(k), t.Elem)
			if !ok {
				b = append(b, simpleNull)
				continue
			}
			b = e.value(b, f, t.Elem, ev)
		}
		return append(b, breakByte)
	}
	return append(b, simpleNull)
}

// appendAny appends a free-form value (document, error field) through
// fxamacker/cbor; strings are written directly.
func (e *encoder) appendAny(b []byte, x any) []byte {
	switch v := x.(type) {
	case string:
		return appendText(b, v)
	case *string:
		if v == nil {
			return append(b, simpleNull)
		}
		return appendText(b, *v)
	}
	raw, err := e.em.Marshal(x)
	if err != nil {
		return append(b, simpleNull)
	}
	return append(b, raw...)
}
