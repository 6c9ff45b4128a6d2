package shape

import (
	"encoding/base64"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// AppendJavaDouble appends f as Java's Double.toString (Float.toString
// when bits is 32) renders it, which is how AWS JSON services print
// numbers and epoch timestamps (e.g. 1.681224803E9).
func AppendJavaDouble(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		start := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, bits)
		for _, c := range b[start:] {
			if c == '.' {
				return b
			}
		}
		return append(b, ".0"...)
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	e := 0
	for i, c := range s {
		if c == 'e' {
			e = i
			break
		}
	}
	mant, exp := s[:e], s[e+1:]
	b = append(b, mant...)
	hasDot := false
	for _, c := range mant {
		if c == '.' {
			hasDot = true
		}
	}
	if !hasDot {
		b = append(b, ".0"...)
	}
	b = append(b, 'E')
	if exp[0] == '-' {
		b = append(b, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	return append(b, exp...)
}

// EpochSeconds returns t as fractional epoch seconds with millisecond
// precision, as AWS renders unixTimestamp members.
func EpochSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

// FromEpochSeconds converts fractional epoch seconds to a UTC time, kept to
// the microsecond.
func FromEpochSeconds(f float64) (time.Time, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e14 {
		return time.Time{}, false
	}
	sec := math.Floor(f)
	us := math.Round((f - sec) * 1e6)
	return time.Unix(int64(sec), int64(us)*1000).UTC(), true
}

// FormatISO8601 renders t as AWS does in query/XML and iso8601 members:
// UTC, millisecond precision when the time has a fraction.
func FormatISO8601(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/int(time.Millisecond) == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// FormatTimestamp renders t in format (TSISO8601, TSRFC822 or TSUnix).
func FormatTimestamp(t time.Time, format string) string {
	switch format {
	case TSRFC822:
		return t.UTC().Format(http.TimeFormat)
	case TSUnix:
		return string(AppendJavaDouble(nil, EpochSeconds(t), 64))
	}
	return FormatISO8601(t)
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// ParseTimestamp parses s as any of the formats AWS accepts for a
// timestamp in text form: ISO 8601, RFC 822/1123 http-dates and epoch
// seconds.
func ParseTimestamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return FromEpochSeconds(f)
	}
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// Set stores x (a value of t's underlying Go kind) into v, allocating the
// pointer when t.Ptr. It handles named types (enums) via Convert.
func Set(v reflect.Value, t *Type, x reflect.Value) {
	if x.Type() != t.Go {
		x = x.Convert(t.Go)
	}
	if t.Ptr {
		p := reflect.New(t.Go)
		p.Elem().Set(x)
		v.Set(p)
		return
	}
	v.Set(x)
}

// SetString stores s into a string member.
func SetString(v reflect.Value, t *Type, s string) {
	if t.Ptr {
		p := reflect.New(t.Go)
		p.Elem().SetString(s)
		v.Set(p)
		return
	}
	v.SetString(s)
}

// SetInt stores n into an integer member.
func SetInt(v reflect.Value, t *Type, n int64) {
	if t.Ptr {
		p := reflect.New(t.Go)
		p.Elem().SetInt(n)
		v.Set(p)
		return
	}
	v.SetInt(n)
}

// SetFloat stores f into a float member.
func SetFloat(v reflect.Value, t *Type, f float64) {
	if t.Ptr {
		p := reflect.New(t.Go)
		p.Elem().SetFloat(f)
		v.Set(p)
		return
	}
	v.SetFloat(f)
}

// SetBool stores b into a boolean member.
func SetBool(v reflect.Value, t *Type, b bool) {
	if t.Ptr {
		p := reflect.New(t.Go)
		p.Elem().SetBool(b)
		v.Set(p)
		return
	}
	v.SetBool(b)
}

// SetTime stores tm into a timestamp member.
func SetTime(v reflect.Value, t *Type, tm time.Time) {
	Set(v, t, reflect.ValueOf(tm))
}

// SetBlob stores b into a blob member.
func SetBlob(v reflect.Value, t *Type, b []byte) {
	Set(v, t, reflect.ValueOf(b))
}

// StructValue returns the addressable struct value behind member v of a
// KindStruct type, allocating a nil pointer.
func StructValue(v reflect.Value, t *Type) reflect.Value {
	if t.Ptr {
		if v.IsNil() {
			v.Set(reflect.New(t.Go))
		}
		return v.Elem()
	}
	return v
}

// Deref returns the value behind member v and whether it is present
// (non-nil pointer, slice, map or interface; non-empty value string).
func Deref(v reflect.Value, t *Type) (reflect.Value, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return v, false
		}
		if t.Kind == KindDocument {
			return v, true
		}
		return v.Elem(), true
	case reflect.Slice, reflect.Map:
		return v, !v.IsNil()
	case reflect.String:
		return v, v.Len() > 0
	}
	return v, true
}

// RangeInt reports whether n fits the integer member kind k.
func RangeInt(k Kind, n int64) bool {
	if k == KindInt32 {
		return n >= math.MinInt32 && n <= math.MaxInt32
	}
	return true
}

// ParseText stores s, a member's text form (URI label, query string,
// header, query-protocol value), into v. It reports false when s does not
// parse as t.
func ParseText(v reflect.Value, t *Type, s string) bool {
	switch t.Kind {
	case KindString:
		SetString(v, t, s)
	case KindBool:
		switch strings.ToLower(s) {
		case "true":
			SetBool(v, t, true)
		case "false":
			SetBool(v, t, false)
		default:
			return false
		}
	case KindInt32, KindInt64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || !RangeInt(t.Kind, n) {
			return false
		}
		SetInt(v, t, n)
	case KindFloat32, KindFloat64:
		bits := 64
		if t.Kind == KindFloat32 {
			bits = 32
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), bits)
		if err != nil {
			return false
		}
		SetFloat(v, t, f)
	case KindTimestamp:
		tm, ok := ParseTimestamp(s)
		if !ok {
			return false
		}
		SetTime(v, t, tm)
	case KindBlob:
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		SetBlob(v, t, b)
	default:
		return false
	}
	return true
}

// FormatText renders a present scalar value v of type t in text form;
// tsFormat is the timestamp format to use.
func FormatText(v reflect.Value, t *Type, tsFormat string) string {
	switch t.Kind {
	case KindString:
		return v.String()
	case KindBool:
		return strconv.FormatBool(v.Bool())
	case KindInt32, KindInt64:
		return strconv.FormatInt(v.Int(), 10)
	case KindFloat32:
		return strconv.FormatFloat(v.Float(), 'f', -1, 32)
	case KindFloat64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case KindTimestamp:
		return FormatTimestamp(v.Interface().(time.Time), tsFormat)
	case KindBlob:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	}
	return ""
}

// SetHeader sets a response header keeping the spelling AWS uses on the
// wire (e.g. x-amzn-RequestId) instead of Go's canonical form.
func SetHeader(h http.Header, key, value string) {
	h.Del(key)
	h[key] = []string{value}
}
