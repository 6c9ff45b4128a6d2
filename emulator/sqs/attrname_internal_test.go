package sqs

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidAttrName checks validAttrName against the rules as a regular
// expression and prefix checks state them.
func TestValidAttrName(t *testing.T) {
	t.Parallel()
	pattern := regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	want := func(name string) bool {
		lower := strings.ToLower(name)
		return pattern.MatchString(name) && !strings.HasPrefix(lower, "aws.") && !strings.HasPrefix(lower, "amazon.") &&
			!strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".") && !strings.Contains(name, "..")
	}
	names := []string{
		"", "a", "A", "9", "_", "-", ".", "..", "a.b", "a..b", ".a", "a.", "aws", "aws.", "AWS.a", "aWs.a", "awsa",
		"amazon", "amazon.", "Amazon.x", "AMAZON.x", "amazonx", "x.aws.y", "a b", "a/b", "a:b", "é", "aſs.x", "\u212aey",
		"ΑWS.x", strings.Repeat("a", 255), strings.Repeat("b", 256), strings.Repeat("c", 257), "a\x00b", "a\tb",
	}
	for c := range 256 {
		names = append(names, "x"+string(rune(c))+"y", string([]byte{'x', byte(c)}))
	}
	for _, name := range names {
		if got, w := validAttrName(name), want(name); got != w {
			t.Errorf("validAttrName(%q) = %v, want %v", name, got, w)
		}
	}
}

// TestAttrOrder checks that names come sorted.
func TestAttrOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attrs map[string]int
		want  string
	}{
		{nil, ""},
		{map[string]int{"a": 1}, "a"},
		{map[string]int{"b": 1, "a": 2, "C": 3}, "C,a,b"},
	}
	for _, tt := range tests {
		var one [1]string
		if got := strings.Join(attrOrder(tt.attrs, &one), ","); got != tt.want {
			t.Errorf("attrOrder(%v) = %q, want %q", tt.attrs, got, tt.want)
		}
	}
}

// TestCheckAttrsOneNoAlloc checks that one attribute is validated without
// allocating. Not parallel: AllocsPerRun counts every goroutine's.
func TestCheckAttrsOneNoAlloc(t *testing.T) {
	single := map[string]MessageAttributeValue{"kind": {DataType: ptr("String"), StringValue: ptr("order")}}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := checkAttrs(single); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("checkAttrs of one attribute: %v allocations, want 0", n)
	}
}
