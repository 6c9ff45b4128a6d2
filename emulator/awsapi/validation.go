package awsapi

// Validation messages follow the Coral framework's text that AWS JSON
// services return, e.g.
//
//	1 validation error detected: Value 'x' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+
//
// The generator (cmd/apigen) emits Validate methods that fill a
// ValidationErrors; this file holds the builder and its rendering.

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ValidationExceptionCode is the error code AWS JSON services use for
// constraint violations.
const ValidationExceptionCode = "ValidationException"

// MaxValidationErrors is how many violations one message reports at most;
// Coral stops collecting after ten.
const MaxValidationErrors = 10

// Sensitive stands in for the value of a sensitive member: its violation
// renders as "Value at 'path'" without the value.
type Sensitive struct{}

// Violation is one failed constraint.
type Violation struct {
	// Path is the lowerCamel member path, e.g. "records.1.member.partitionKey".
	Path string
	// Value is the rendered value: "null", "" for a sensitive value, else
	// the value quoted as AWS prints it (e.g. "'abc'").
	Value string
	// Constraint is the text after "failed to satisfy constraint: ".
	Constraint string
}

// String renders the violation as one clause of the message.
func (v Violation) String() string {
	if v.Value == "" {
		return "Value at '" + v.Path + "' failed to satisfy constraint: " + v.Constraint
	}
	return "Value " + v.Value + " at '" + v.Path + "' failed to satisfy constraint: " + v.Constraint
}

// ValidationErrors collects constraint violations in the order found. The
// zero value is ready to use.
type ValidationErrors struct {
	items []Violation
}

// Len returns the number of violations collected.
func (v *ValidationErrors) Len() int { return len(v.items) }

// Violations returns a copy of the collected violations.
func (v *ValidationErrors) Violations() []Violation {
	return append([]Violation(nil), v.items...)
}

// Full reports whether no further violation is recorded.
func (v *ValidationErrors) Full() bool { return len(v.items) >= MaxValidationErrors }

// Err returns v as an error, or nil when no violation was found.
func (v *ValidationErrors) Err() error {
	if v == nil || len(v.items) == 0 {
		return nil
	}
	return v
}

// Error renders the message as AWS does, e.g. "2 validation errors
// detected: <a>; <b>".
func (v *ValidationErrors) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(v.items)))
	if len(v.items) == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, it := range v.items {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(it.String())
	}
	return b.String()
}

// AWSError returns the violations as an *Error with the given code (empty
// means ValidationExceptionCode), status 400.
func (v *ValidationErrors) AWSError(code string) *Error {
	if code == "" {
		code = ValidationExceptionCode
	}
	return &Error{Code: code, Message: v.Error()}
}

// AsValidationErrors returns err as *ValidationErrors when it is one.
func AsValidationErrors(err error) (*ValidationErrors, bool) {
	var v *ValidationErrors
	if errors.As(err, &v) {
		return v, true
	}
	return nil, false
}

// Add records a violation of constraint by value at path.
func (v *ValidationErrors) Add(path string, value any, constraint string) {
	if v.Full() {
		return
	}
	v.items = append(v.items, Violation{Path: path, Value: quoteValue(value), Constraint: constraint})
}

// Null records a missing required member.
func (v *ValidationErrors) Null(path string) {
	v.Add(path, nil, NotNullConstraint())
}

// MinLength records a value shorter than min.
func (v *ValidationErrors) MinLength(path string, value any, min int64) {
	v.Add(path, value, MinLengthConstraint(min))
}

// MaxLength records a value longer than max.
func (v *ValidationErrors) MaxLength(path string, value any, max int64) {
	v.Add(path, value, MaxLengthConstraint(max))
}

// MinValue records a number below min; min is the bound as AWS prints it.
func (v *ValidationErrors) MinValue(path string, value any, min string) {
	v.Add(path, value, MinValueConstraint(min))
}

// MaxValue records a number above max; max is the bound as AWS prints it.
func (v *ValidationErrors) MaxValue(path string, value any, max string) {
	v.Add(path, value, MaxValueConstraint(max))
}

// Pattern records a string not matching pattern (the model's Java regex).
func (v *ValidationErrors) Pattern(path string, value any, pattern string) {
	v.Add(path, value, PatternConstraint(pattern))
}

// Enum records a value outside values (listed in the order AWS prints).
func (v *ValidationErrors) Enum(path string, value any, values []string) {
	v.Add(path, value, EnumConstraint(values))
}

// NotNullConstraint is the text of a required-member violation.
func NotNullConstraint() string { return "Member must not be null" }

// MinLengthConstraint is the text of a minimum length violation.
func MinLengthConstraint(min int64) string {
	return "Member must have length greater than or equal to " + strconv.FormatInt(min, 10)
}

// MaxLengthConstraint is the text of a maximum length violation.
func MaxLengthConstraint(max int64) string {
	return "Member must have length less than or equal to " + strconv.FormatInt(max, 10)
}

// MinValueConstraint is the text of a minimum value violation.
func MinValueConstraint(min string) string {
	return "Member must have value greater than or equal to " + min
}

// MaxValueConstraint is the text of a maximum value violation.
func MaxValueConstraint(max string) string {
	return "Member must have value less than or equal to " + max
}

// PatternConstraint is the text of a pattern violation.
func PatternConstraint(pattern string) string {
	return "Member must satisfy regular expression pattern: " + pattern
}

// EnumConstraint is the text of an enum violation.
func EnumConstraint(values []string) string {
	return "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"
}

// MemberConstraint wraps the constraints of list elements: "Member must
// satisfy constraint: [c1, c2]".
func MemberConstraint(constraints []string) string {
	return "Member must satisfy constraint: [" + strings.Join(constraints, ", ") + "]"
}

// MapKeysConstraint wraps the constraints of map keys.
func MapKeysConstraint(constraints []string) string {
	return "Map keys must satisfy constraint: [" + strings.Join(constraints, ", ") + "]"
}

// MapValueConstraint wraps the constraints of map values.
func MapValueConstraint(constraints []string) string {
	return "Map value must satisfy constraint: [" + strings.Join(constraints, ", ") + "]"
}

// StringLength is the length a string constraint measures: Unicode code
// points, as Smithy's length trait defines it.
func StringLength(s string) int64 { return int64(utf8.RuneCountInString(s)) }

// FormatDouble renders f as Java's Double.toString does ("1.0", "0.001",
// "1.0E7", "1.5E-4").
func FormatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	return formatJavaFloat(f, 64)
}

// FormatFloat renders f as Java's Float.toString does.
func FormatFloat(f float32) string {
	d := float64(f)
	if math.IsNaN(d) || math.IsInf(d, 0) || d == 0 {
		return FormatDouble(d)
	}
	return formatJavaFloat(d, 32)
}

func formatJavaFloat(f float64, bits int) string {
	neg := f < 0
	a := math.Abs(f)
	// Shortest digits that round-trip, as d.ddddE±x.
	s := strconv.FormatFloat(a, 'e', -1, bits)
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	var out string
	if a >= 1e-3 && a < 1e7 {
		if exp >= 0 {
			if len(digits) <= exp+1 {
				out = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
			} else {
				out = digits[:exp+1] + "." + digits[exp+1:]
			}
		} else {
			out = "0." + strings.Repeat("0", -exp-1) + digits
		}
	} else {
		frac := digits[1:]
		if frac == "" {
			frac = "0"
		}
		out = digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Shown is what a violation message shows of value: nothing for a
// sensitive member.
func Shown(value any, sensitive bool) any {
	if sensitive {
		return Sensitive{}
	}
	return value
}

// quoteValue renders value for a message: null, empty for sensitive
// values and for blobs (AWS no longer prints a blob's HeapByteBuffer:
// "Value at 'records.1.member.data' failed to satisfy constraint"), else
// quoted.
func quoteValue(value any) string {
	if _, ok := value.(Sensitive); ok {
		return ""
	}
	if b, ok := value.([]byte); ok && b != nil {
		return ""
	}
	s, isNull := RenderValue(value)
	if isNull {
		return "null"
	}
	return "'" + s + "'"
}

// RenderValue renders value as the Java toString AWS prints: strings as is,
// numbers in Java notation, blobs as a HeapByteBuffer, lists as "[a, b]",
// maps as "{k=v}" (keys sorted), structures by type name. isNull reports a
// nil value.
func RenderValue(value any) (s string, isNull bool) {
	if value == nil {
		return "null", true
	}
	rv := reflect.ValueOf(value)
	return renderReflect(rv)
}

func renderReflect(rv reflect.Value) (string, bool) {
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return "null", true
		}
		rv = rv.Elem()
	}
	if t, ok := rv.Interface().(time.Time); ok {
		return t.UTC().Format("Mon Jan 02 15:04:05 MST 2006"), false
	}
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), false
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), false
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), false
	case reflect.Float32:
		return FormatFloat(float32(rv.Float())), false
	case reflect.Float64:
		return FormatDouble(rv.Float()), false
	case reflect.Slice:
		if rv.IsNil() {
			return "null", true
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			n := strconv.Itoa(rv.Len())
			return "java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]", false
		}
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i], _ = renderReflect(rv.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]", false
	case reflect.Map:
		if rv.IsNil() {
			return "null", true
		}
		type kv struct{ k, v string }
		entries := make([]kv, 0, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			k, _ := renderReflect(iter.Key())
			v, _ := renderReflect(iter.Value())
			entries = append(entries, kv{k, v})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].k < entries[j].k })
		parts := make([]string, len(entries))
		for i, e := range entries {
			parts[i] = e.k + "=" + e.v
		}
		return "{" + strings.Join(parts, ", ") + "}", false
	case reflect.Struct:
		return rv.Type().Name(), false
	default:
		return fmt.Sprint(rv.Interface()), false
	}
}
