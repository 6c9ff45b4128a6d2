package awsapi

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

type sample struct{ A *string }

func TestRenderValue(t *testing.T) {
	t.Parallel()
	s := "abc"
	var nilStr *string
	cases := []struct {
		in   any
		want string
		null bool
	}{
		{nil, "null", true},
		{nilStr, "null", true},
		{"x", "x", false},
		{&s, "abc", false},
		{int32(5), "5", false},
		{int64(-7), "-7", false},
		{1.5, "1.5", false},
		{float32(1), "1.0", false},
		{true, "true", false},
		{[]byte("hello"), "java.nio.HeapByteBuffer[pos=0 lim=5 cap=5]", false},
		{[]string{"a", "b"}, "[a, b]", false},
		{[]string{}, "[]", false},
		{[]string(nil), "null", true},
		{map[string]string{"k2": "v2", "k1": "v1"}, "{k1=v1, k2=v2}", false},
		{map[string]float64{"2": 1}, "{2=1.0}", false},
		{[]sample{{}}, "[sample]", false},
		{time.Unix(0, 0), "Thu Jan 01 00:00:00 UTC 1970", false},
	}
	for _, c := range cases {
		got, null := RenderValue(c.in)
		if got != c.want || null != c.null {
			t.Errorf("RenderValue(%#v) = %q, %v; want %q, %v", c.in, got, null, c.want, c.null)
		}
	}
}

func TestFormatDouble(t *testing.T) {
	t.Parallel()
	cases := map[float64]string{
		0:            "0.0",
		1:            "1.0",
		-2.5:         "-2.5",
		100:          "100.0",
		0.001:        "0.001",
		0.0001:       "1.0E-4",
		1.5e-4:       "1.5E-4",
		1234567:      "1234567.0",
		1e7:          "1.0E7",
		12345678.9:   "1.23456789E7",
		math.Inf(1):  "Infinity",
		math.Inf(-1): "-Infinity",
	}
	for in, want := range cases {
		if got := FormatDouble(in); got != want {
			t.Errorf("FormatDouble(%v) = %q, want %q", in, got, want)
		}
	}
	if got := FormatDouble(math.NaN()); got != "NaN" {
		t.Errorf("NaN = %q", got)
	}
	if got := FormatFloat(0.1); got != "0.1" {
		t.Errorf("FormatFloat(0.1) = %q", got)
	}
}

func TestValidationErrorsMessages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		build func(v *ValidationErrors)
		want  string
	}{
		{"null", func(v *ValidationErrors) { v.Null("streamName") },
			"1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null"},
		{"pattern", func(v *ValidationErrors) { v.Pattern("streamName", "a b", "[a-zA-Z0-9_.-]+") },
			"1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"lengths", func(v *ValidationErrors) {
			v.MaxLength("a", "xx", 1)
			v.MinLength("b", []string{}, 1)
		}, "2 validation errors detected: Value 'xx' at 'a' failed to satisfy constraint: Member must have length less than or equal to 1; " +
			"Value '[]' at 'b' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"range", func(v *ValidationErrors) {
			v.MinValue("shardCount", int32(0), "1")
			v.MaxValue("w", 2.0, "1.0")
		}, "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
			"Value '2.0' at 'w' failed to satisfy constraint: Member must have value less than or equal to 1.0"},
		{"enum", func(v *ValidationErrors) { v.Enum("streamMode", "X", []string{"PROVISIONED", "ON_DEMAND"}) },
			"1 validation error detected: Value 'X' at 'streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]"},
		{"sensitive", func(v *ValidationErrors) {
			v.Add("environment.variables", Sensitive{}, MapKeysConstraint([]string{PatternConstraint("[a-z]+")}))
		}, "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-z]+]"},
		{"aggregates", func(v *ValidationErrors) {
			v.Add("tagKeys", []string{""}, MemberConstraint([]string{MaxLengthConstraint(128), MinLengthConstraint(1)}))
			v.Add("m", map[string]string{"k": ""}, MapValueConstraint([]string{MaxLengthConstraint(2)}))
		}, "2 validation errors detected: Value '[]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]; " +
			"Value '{k=}' at 'm' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 2]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var v ValidationErrors
			c.build(&v)
			err := v.Err()
			if err == nil {
				t.Fatal("Err() = nil")
			}
			if got := err.Error(); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestValidationErrorsCapAndAccessors(t *testing.T) {
	t.Parallel()
	var v ValidationErrors
	if v.Err() != nil {
		t.Fatal("empty Err() not nil")
	}
	var nilV *ValidationErrors
	if nilV.Err() != nil {
		t.Fatal("nil receiver Err() not nil")
	}
	for i := 0; i < 15; i++ {
		v.Null(fmt.Sprintf("m%d", i))
	}
	if v.Len() != MaxValidationErrors || !v.Full() {
		t.Fatalf("Len = %d, want %d", v.Len(), MaxValidationErrors)
	}
	msg := v.Error()
	if !strings.HasPrefix(msg, "10 validation errors detected: Value null at 'm0'") || strings.Contains(msg, "'m10'") {
		t.Errorf("capped message = %s", msg)
	}
	vs := v.Violations()
	vs[0].Path = "changed"
	if v.Violations()[0].Path != "m0" {
		t.Error("Violations returned internal slice")
	}
	wrapped := fmt.Errorf("decode: %w", v.Err())
	got, ok := AsValidationErrors(wrapped)
	if !ok || got.Len() != 10 {
		t.Fatal("AsValidationErrors failed on wrapped error")
	}
	ae := got.AWSError("InvalidParameterValueException")
	if ae.Code != "InvalidParameterValueException" || ae.HTTPStatus() != 400 || ae.Message != msg {
		t.Errorf("AWSError = %+v", ae)
	}
	if got.AWSError("").Code != ValidationExceptionCode {
		t.Error("default code")
	}
	if _, ok := AsValidationErrors(errors.New("x")); ok {
		t.Error("plain error matched")
	}
}

func TestStringLength(t *testing.T) {
	t.Parallel()
	cases := map[string]int64{"": 0, "abc": 3, "é": 1, "😀": 1}
	for in, want := range cases {
		if got := StringLength(in); got != want {
			t.Errorf("StringLength(%q) = %d, want %d", in, got, want)
		}
	}
}
